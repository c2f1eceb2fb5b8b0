/*
 * store_db.c: the store's plumbing.  Statements are registered with
 * mod_dbd once per database configuration, connections are taken with
 * ap_dbd_open and given back with ap_dbd_close (so a handler holds one only
 * while its statements run), and every database error is sorted into what
 * it means for the client:
 *
 *   duplicate key            APR_EEXIST    the caller's business (409 ...)
 *   busy, locked, deadlock   APR_EAGAIN    503 with Retry-After
 *   connection broken        APR_ECONNRESET  503; the connection is killed
 *                                          so the pool throws it away
 *   anything else            APR_EGENERAL  500
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
#include "config.h"
#include "timeutil.h"

APLOG_USE_MODULE(clinic);

static APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) *dbd_prepare;
static APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close;

#define NOTE_FAULT "clinic-db-fault"
/* ap_dbd_open is tried again while it fails fast: each try throws away
 * one dead pooled connection (its ping fails at once), and after a
 * restart the whole pool may be dead, DBDMax of them.  A try that took
 * longer was a real connection attempt: the database is down, and for a
 * second this process answers 503 without dialling it again. */
#define OPEN_TRIES 32
#define FAST_TRY apr_time_from_msec(50)
#define DOWN_PAUSE 1

static const clinic_stmt_t schema_stmt = {
    "clinic_schema", "SELECT version FROM clinic_schema", 0
};

static const clinic_stmt_set_t *const sets[] = {
    &clinic_user_stmts, &clinic_code_stmts, &clinic_package_stmts,
    &clinic_payment_stmts,
};

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
        dbd_prepare(sp, schema_stmt.sql, schema_stmt.label);
        for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
            for (j = 0; j < sets[i]->n; j++) {
                dbd_prepare(sp, sets[i]->stmts[j].sql,
                            sets[i]->stmts[j].label);
            }
        }
    }
}

/* ---- what an error means ------------------------------------------------ */

static int is_mysql(ap_dbd_t *d)
{
    return !strcmp(apr_dbd_name(d->driver), "mysql");
}

static int mysql_broken(int rv)
{
    switch (rv) {
    case 1053:      /* ER_SERVER_SHUTDOWN */
    case 1927:      /* ER_CONNECTION_KILLED */
    case 2002:      /* CR_CONNECTION_ERROR */
    case 2003:      /* CR_CONN_HOST_ERROR */
    case 2006:      /* CR_SERVER_GONE_ERROR */
    case 2013:      /* CR_SERVER_LOST */
    case 2014:      /* CR_COMMANDS_OUT_OF_SYNC */
    case 2026:      /* CR_SSL_CONNECTION_ERROR */
    case 2030:      /* CR_NO_PREPARE_STMT: reconnected, statements gone */
    case 2055:      /* CR_SERVER_LOST_EXTENDED */
    case 2057:      /* CR_NEW_STMT_METADATA */
        return 1;
    }
    return 0;
}

static int mysql_busy(int rv)
{
    /* ER_LOCK_WAIT_TIMEOUT, ER_LOCK_DEADLOCK (also a Galera certification
     * conflict), ER_UNKNOWN_COM_ERROR (a Galera node not ready) */
    return rv == 1205 || rv == 1213 || rv == 1047;
}

/* A write that lost to a concurrent one: a deadlock between two inserts of
 * the same key rolls one back.  A lock wait timeout or a node not ready is
 * the database's state, not a race. */
static int mysql_lost_race(int rv)
{
    return rv == 1213;
}

static int sqlite_busy(ap_dbd_t *d, int rv)
{
    const char *msg = apr_dbd_error(d->driver, d->handle, rv);

    /* SQLITE_BUSY, SQLITE_LOCKED; after its own retries the driver may
     * report them as a plain SQLITE_ERROR with the message */
    return (rv & 0xff) == 5 || (rv & 0xff) == 6
        || (msg && strstr(msg, "is locked"));
}

static int is_duplicate(ap_dbd_t *d, int rv)
{
    const char *msg;

    if (is_mysql(d)) {
        return rv == 1062;                 /* ER_DUP_ENTRY */
    }
    /* the SQLite driver reports SQLITE_ERROR (1) after the failed step;
     * the message tells a unique-key violation apart */
    msg = apr_dbd_error(d->driver, d->handle, rv);
    return (rv & 0xff) == 19
        || (msg && strstr(msg, "UNIQUE constraint failed"));
}

static void set_fault(request_rec *r, const char *what)
{
    apr_table_setn(r->notes, NOTE_FAULT, what);
}

clinic_db_fault_t clinic_store_fault(request_rec *r)
{
    const char *f = apr_table_get(r->notes, NOTE_FAULT);

    if (!f) {
        return CLINIC_DB_OK;
    }
    return !strcmp(f, "busy") ? CLINIC_DB_BUSY : CLINIC_DB_DOWN;
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
    (void)p;
    (void)s;

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

/* A broken connection goes back to mod_dbd dead, never half alive: kill
 * it on the server (it may have reconnected without its statements), so
 * the ping of the next ap_dbd_open fails and mod_dbd invalidates it. */
static void kill_connection(ap_dbd_t *d)
{
    int n = 0;

    /* a constant statement with no input, run on a connection whose
     * prepared statements are gone */
    apr_dbd_query(d->driver, d->handle, &n, "KILL CONNECTION_ID()");
}

static apr_status_t db_error(request_rec *r, ap_dbd_t *d,
                             const clinic_stmt_t *st, int rv, int write)
{
    const char *msg = apr_dbd_error(d->driver, d->handle, rv);
    const char *id = apr_table_get(r->notes, "clinic-request-id");
    apr_status_t out = APR_EGENERAL;
    int level = APLOG_ERR;

    if (write && is_duplicate(d, rv)) {
        return APR_EEXIST;
    }
    if (is_mysql(d) ? mysql_busy(rv) : sqlite_busy(d, rv)) {
        if (write && st->lock_is_lost_race && is_mysql(d)
            && mysql_lost_race(rv)) {
            return APR_EEXIST;
        }
        set_fault(r, "busy");
        out = APR_EAGAIN;
        level = APLOG_WARNING;
    }
    else if (is_mysql(d) && mysql_broken(rv)) {
        set_fault(r, "broken");
        out = APR_ECONNRESET;
        level = APLOG_WARNING;
    }
    ap_log_rerror(APLOG_MARK, level, 0, r,
                  "CLINIC0102: statement %s failed (%d): %s%s (request %s)",
                  st->label, rv, msg ? msg : "unknown error",
                  out == APR_ECONNRESET ? "; the connection is discarded"
                                        : "", id ? id : "-");
    if (out == APR_ECONNRESET) {
        kill_connection(d);
    }
    return out;
}

static apr_dbd_prepared_t *statement(request_rec *r, ap_dbd_t *d,
                                     const clinic_stmt_t *st)
{
    apr_dbd_prepared_t *p = apr_hash_get(d->prepared, st->label,
                                         APR_HASH_KEY_STRING);
    if (!p) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "CLINIC0103: statement %s is not prepared on this "
                      "connection", st->label);
    }
    return p;
}

/* ---- running statements ------------------------------------------------ */

apr_status_t clinic_db_select(apr_array_header_t **rows, request_rec *r,
                              ap_dbd_t *d, const clinic_stmt_t *st,
                              int nargs, const char **args)
{
    apr_dbd_prepared_t *p = statement(r, d, st);
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    int rv, ncols, i;

    *rows = apr_array_make(r->pool, 4, sizeof(clinic_row_t));
    if (!p) {
        return APR_EGENERAL;
    }
    rv = apr_dbd_pselect(d->driver, r->pool, d->handle, &res, p, 0, nargs,
                         args);
    if (rv != 0) {
        return db_error(r, d, st, rv, 0);
    }
    ncols = apr_dbd_num_cols(d->driver, res);
    while ((rv = apr_dbd_get_row(d->driver, r->pool, res, &row, -1)) == 0) {
        clinic_row_t vals = apr_palloc(r->pool, sizeof(char *) * (ncols + 1));
        for (i = 0; i < ncols; i++) {
            const char *v = apr_dbd_get_entry(d->driver, row, i);
            vals[i] = v ? apr_pstrdup(r->pool, v) : NULL;
        }
        vals[ncols] = NULL;
        *(clinic_row_t *)apr_array_push(*rows) = vals;
    }
    if (rv != -1) {
        return db_error(r, d, st, rv, 0);
    }
    return APR_SUCCESS;
}

/*
 * A write rolled back by a conflict (ER_LOCK_DEADLOCK: an InnoDB deadlock,
 * or on Galera a certification failure against a write committed on
 * another node) is run again, up to DB_CONFLICT_RETRIES times, a few
 * milliseconds apart: every write here is one autocommit statement whose
 * condition is checked again when it runs, so the second run sees the
 * winner's write and answers as the race's loser.  A write whose conflict
 * itself means it lost (lock_is_lost_race) is not run again.
 */
#define DB_CONFLICT_RETRIES 5

static int rerun_after_conflict(request_rec *r, ap_dbd_t *d,
                                const clinic_stmt_t *st, int rv, int attempt)
{
    if (rv != 1213 || st->lock_is_lost_race || attempt >= DB_CONFLICT_RETRIES
        || !is_mysql(d)) {
        return 0;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "CLINIC0105: statement %s rolled back by a conflict, "
                  "run again (%d)", st->label, attempt + 1);
    apr_sleep(apr_time_from_msec(2 * (attempt + 1)));
    return 1;
}

apr_status_t clinic_db_run(int *nrows, request_rec *r, ap_dbd_t *d,
                           const clinic_stmt_t *st, int nargs,
                           const char **args)
{
    apr_dbd_prepared_t *p = statement(r, d, st);
    int n = 0, rv, attempt = 0;

    if (nrows) {
        *nrows = 0;
    }
    if (!p) {
        return APR_EGENERAL;
    }
    do {
        n = 0;
        rv = apr_dbd_pquery(d->driver, r->pool, d->handle, &n, p, nargs,
                            args);
    } while (rv != 0 && rerun_after_conflict(r, d, st, rv, attempt++));
    if (rv != 0) {
        return db_error(r, d, st, rv, 1);
    }
    if (nrows) {
        *nrows = n;
    }
    return APR_SUCCESS;
}

const char *clinic_db_num(apr_pool_t *p, apr_int64_t v)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, v);
}

apr_int64_t clinic_db_time(const char *s)
{
    apr_int64_t t = 0;

    if (s && !clinic_time_parse_db(s, &t)) {
        t = 0;
    }
    return t;
}

int clinic_db_int(const char *s)
{
    return s ? atoi(s) : 0;
}

/* ---- connections ------------------------------------------------------- */

static int schema_version(request_rec *r, ap_dbd_t *d, apr_status_t *rv)
{
    apr_array_header_t *rows;

    *rv = clinic_db_select(&rows, r, d, &schema_stmt, 0, NULL);
    if (*rv == APR_SUCCESS && rows->nelts == 1) {
        return clinic_db_int(APR_ARRAY_IDX(rows, 0, clinic_row_t)[0]);
    }
    return -1;
}

apr_status_t clinic_store_open(ap_dbd_t **out, request_rec *r)
{
    clinic_server_conf *conf = clinic_conf(r->server);
    apr_time_t start = apr_time_now();
    ap_dbd_t *d;
    apr_status_t rv;
    int tries = 0, version;

    *out = NULL;
    if ((apr_uint32_t)apr_time_sec(start)
        < apr_atomic_read32(&conf->db_down_until)) {
        set_fault(r, "down");             /* found down a moment ago */
        return APR_ECONNREFUSED;
    }
    for (;;) {
        apr_time_t t0 = apr_time_now();
        d = dbd_open(r->pool, r->server);
        if (d || ++tries >= OPEN_TRIES || apr_time_now() - t0 > FAST_TRY) {
            break;
        }
    }
    if (!d) {
        apr_atomic_set32(&conf->db_down_until,
                         (apr_uint32_t)apr_time_sec(apr_time_now())
                         + DOWN_PAUSE);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "CLINIC0100: no database connection: check DBDriver "
                      "and DBDParams, that the database is up, and that it "
                      "holds the tables of schema/mysql.sql (MySQL/MariaDB) "
                      "or schema/sqlite.sql (SQLite)");
        set_fault(r, "down");
        return APR_ECONNREFUSED;
    }
    if (is_mysql(d)) {
        mysql_no_reconnect(r, d);
    }
    if (apr_atomic_read32(&conf->schema_ok)) {
        *out = d;
        return APR_SUCCESS;
    }
    version = schema_version(r, d, &rv);
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
            set_fault(r, "down");         /* no schema: not a bug, a 503 */
        }
        clinic_store_close(r, d);
        return rv == APR_SUCCESS ? APR_EINCOMPLETE : rv;
    }
    apr_atomic_set32(&conf->schema_ok, 1);
    *out = d;
    return APR_SUCCESS;
}

void clinic_store_close(request_rec *r, ap_dbd_t *d)
{
    dbd_close(r->server, d);
}

apr_status_t clinic_store_ping(request_rec *r, ap_dbd_t *d)
{
    apr_status_t rv;

    if (schema_version(r, d, &rv) == CLINIC_SCHEMA_VERSION) {
        return APR_SUCCESS;
    }
    return rv == APR_SUCCESS ? APR_EINCOMPLETE : rv;
}
