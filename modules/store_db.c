/*
 * SPDX-License-Identifier: Apache-2.0
 * store_db.c: the store's connections in the module.  Statements are
 * registered with mod_dbd once per database configuration, connections
 * are taken with ap_dbd_open and given back with ap_dbd_close (so a
 * handler holds one only while its statements run).  Running them, and
 * sorting their errors into what they mean for the client, is
 * store_exec.c's.
 *
 * Broken connections.  apr_dbd_mysql turns libmysqlclient's auto-reconnect
 * on: after a server restart a ping reconnects silently, and the
 * connection comes back without its prepared statements (error 2030) and
 * without DBDInitSQL, while mod_dbd keeps handing it out.  So the module
 * switches auto-reconnect off on every connection it takes (MariaDB
 * Connector/C, which Debian's driver links; with another client library,
 * or as well, `reconnect=0` in DBDParams does it): a dead connection then
 * fails the ping of the next ap_dbd_open and mod_dbd throws it away.  A
 * connection found broken in the middle of a request (statements gone,
 * server gone; the first take of a connection after a restart, whose ping
 * ran before the switch) is killed on the server side, so the same ping
 * throws it away next time.  The one statement run without preparing is
 * that KILL: constant, no input, on a connection whose statements are gone.
 * Telling a dead pooled connection from a database that is down, and
 * staying quiet while it is, is store_reach.c's.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* RTLD_DEFAULT */
#endif
#include <dlfcn.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_hash.h>
#include <apr_atomic.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

#include "store.h"
#include "store_db.h"
#include "store_exec.h"
#include "store_reach.h"
#include "config.h"
#include "timeutil.h"
#include "metrics.h"
#include "request.h"

APLOG_USE_MODULE(clinic);

static APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) *dbd_prepare;
static APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close;

const char *clinic_store_init(void)
{
    dbd_prepare = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);
    dbd_open = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    dbd_close = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    if (!dbd_prepare || !dbd_open || !dbd_close) {
        return "mod_clinic needs mod_dbd: add `LoadModule dbd_module "
               "modules/mod_dbd.so` (or `a2enmod dbd`) before mod_clinic.";
    }
    return NULL;
}

/* Register the statements once per mod_dbd configuration: a virtual host
 * without DBD directives shares the main server's, and registering a
 * label there twice makes mod_dbd warn (AH02653). */
void clinic_store_prepare(apr_pool_t *ptemp, server_rec *s)
{
    module *dbd = ap_find_linked_module("mod_dbd.c");
    apr_hash_t *seen = apr_hash_make(ptemp);
    server_rec *sp;
    apr_size_t i;
    int j;

    for (sp = s; sp; sp = sp->next) {
        void *key = dbd ? ap_get_module_config(sp->module_config, dbd)
                        : (void *)sp;

        if (!clinic_conf(sp)->used
            || apr_hash_get(seen, &key, sizeof(key))) {
            continue;
        }
        apr_hash_set(seen, apr_pmemdup(ptemp, &key, sizeof(key)),
                     sizeof(key), "");
        dbd_prepare(sp, clinic_schema_stmt.sql, clinic_schema_stmt.label);
        for (i = 0; i < CLINIC_N_STMT_SETS; i++) {
            const clinic_stmt_set_t *set = clinic_stmt_sets[i];
            for (j = 0; j < set->n; j++) {
                dbd_prepare(sp, set->stmts[j].sql, set->stmts[j].label);
            }
        }
    }
}

/* mysql_options of MariaDB Connector/C (libmariadb.so.3), which the
 * mysql DBD driver brought into the process: looked up once per child,
 * from that library alone (another client library may be loaded too, and
 * its option numbers differ).  The module does not link it. */
typedef int (*mysql_options_fn)(void *mysql, int option, const void *arg);
#define MARIADB_OPT_RECONNECT 20    /* MYSQL_OPT_RECONNECT in libmariadb */
static mysql_options_fn set_option;

void clinic_store_child_init(apr_pool_t *p, server_rec *s)
{
    void *lib = dlopen("libmariadb.so.3", RTLD_LAZY | RTLD_NOLOAD);

    clinic_reach_child_init(p, s);

    if (lib) {
        *(void **)&set_option = dlsym(lib, "mysql_options");
        /* the reference is kept: the driver keeps the library loaded */
    }
}


static void mysql_no_reconnect(request_rec *r, ap_dbd_t *d)
{
    static volatile apr_uint32_t warned;
    char off = 0;
    void *conn = apr_dbd_native_handle(d->driver, d->handle);

    if (set_option && conn) {
        set_option(conn, MARIADB_OPT_RECONNECT, &off);
    }
    else if (!apr_atomic_xchg32(&warned, 1)) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "CLINIC0104: the MySQL client library is not MariaDB "
                      "Connector/C: add reconnect=0 to DBDParams, so a "
                      "connection broken by a database restart is "
                      "replaced");
    }
}

apr_status_t clinic_store_open(clinic_db_t **out, request_rec *r)
{
    clinic_server_conf *conf = clinic_conf(r->server);
    clinic_env_t *env = clinic_req_env(r);
    apr_time_t start = apr_time_now();
    ap_dbd_t *dbd;
    clinic_db_t *d;
    apr_status_t rv;
    int version;

    *out = NULL;
    if (clinic_reach_open(&dbd, r, dbd_open) != APR_SUCCESS) {
        clinic_metric_inc(r->server, CLINIC_M_DB_CONNECT_FAILURES, 0);
        env->fault = "down";                        /* logged there */
        return APR_ECONNREFUSED;
    }
    clinic_metric_observe(r->server, CLINIC_H_DB_ACQUIRE,
                          apr_time_now() - start);
    if (clinic_db_is_mysql(dbd->driver)) {
        mysql_no_reconnect(r, dbd);
    }
    d = apr_palloc(r->pool, sizeof(*d));
    d->pool = r->pool;
    d->env = env;
    d->driver = dbd->driver;
    d->handle = dbd->handle;
    d->prepared = dbd->prepared;
    d->opener = dbd;
    if (apr_atomic_read32(&conf->schema_ok)) {
        *out = d;
        return APR_SUCCESS;
    }
    version = clinic_db_schema_version(d, &rv);
    if (version != CLINIC_SCHEMA_VERSION) {
        if (rv != APR_EAGAIN && rv != APR_ECONNRESET) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "CLINIC0101: the database schema is version %d, "
                          "mod_clinic needs version %d: load schema/mysql.sql "
                          "or schema/sqlite.sql (and the files in "
                          "schema/migrations)", version,
                          CLINIC_SCHEMA_VERSION);
        }
        if (rv == APR_SUCCESS || rv == APR_EGENERAL) {
            env->fault = "down";        /* no schema: not a bug, a 503 */
        }
        clinic_store_close(r, d);
        return rv == APR_SUCCESS ? APR_EINCOMPLETE : rv;
    }
    apr_atomic_set32(&conf->schema_ok, 1);
    *out = d;
    return APR_SUCCESS;
}

void clinic_store_close(request_rec *r, clinic_db_t *d)
{
    dbd_close(r->server, (ap_dbd_t *)d->opener);
}

/* ---- a request's connection (request.h) --------------------------------- */

/* Give the connection back when the request ends, whatever path it took. */
static apr_status_t db_cleanup(void *data)
{
    clinic_req_t *cr = data;

    if (cr->dbd) {
        clinic_store_close(cr->r, cr->dbd);
        cr->dbd = NULL;
    }
    return APR_SUCCESS;
}

clinic_db_t *clinic_db_quiet(clinic_req_t *cr)
{
    if (!cr->dbd) {
        if (clinic_store_open(&cr->dbd, cr->r) != APR_SUCCESS) {
            return NULL;
        }
        apr_pool_cleanup_register(cr->r->pool, cr, db_cleanup,
                                  apr_pool_cleanup_null);
    }
    return cr->dbd;
}


void clinic_db_release(clinic_req_t *cr)
{
    if (cr->dbd) {
        apr_pool_cleanup_run(cr->r->pool, cr, db_cleanup);
    }
}
