/*
 * SPDX-License-Identifier: Apache-2.0
 * ctldb.c: clinicctl's one database connection, opened with apr_dbd as
 * mod_dbd opens the module's: the same driver and parameters, the
 * DBDInitSQL statements, then every statement of the store prepared under
 * its mod_dbd label, so the store's code runs unchanged.
 *
 * SQLite's file, and whom clinicctl works as on it, are ctlfile.c's.
 */
#include <stdio.h>
#include <stdarg.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_hash.h>

#include "ctl.h"
#include "store.h"
#include "store_exec.h"
#include "store_admin.h"

int ctl_fail(int status, const char *fmt, ...)
{
    char msg[2048], shown[sizeof(msg) * 3];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ctl_clean(msg, shown);
    fprintf(stderr, "clinicctl: %s\n", shown);
    return status;
}

/* The store's messages: kept for the error clinicctl reports; printed as
 * they come with -v */
static void store_log(const clinic_env_t *env, int level, const char *msg)
{
    ctl_t *c = env->baton;

    if (level <= CLINIC_LOG_WARNING) {
        c->db_error = msg;
    }
    if (c->verbose) {
        ctl_fail(0, "%s", msg);
    }
}

int ctl_db_status(ctl_t *c, apr_status_t rv, const char *what)
{
    if (rv == APR_SUCCESS) {
        return CTL_OK;
    }
    if (rv == APR_EAGAIN) {
        return ctl_fail(CTL_DB, "%s: the database is busy; try again",
                        what);
    }
    return ctl_fail(CTL_DB, "%s failed: %s", what,
                    c->db_error ? c->db_error : "database error");
}

int ctl_db_prepare(ctl_t *c, const clinic_stmt_t *st, int quiet)
{
    apr_dbd_prepared_t *p = NULL;

    if (apr_dbd_prepare(c->d->driver, c->pool, c->d->handle, st->sql,
                        st->label, &p) != 0) {
        c->db_error = apr_pstrdup(c->pool, apr_dbd_error(c->d->driver,
                                                         c->d->handle, -1));
        return quiet ? CTL_DB : ctl_fail(CTL_DB, "the database refused statement %s: %s "
                        "(is the schema current? clinicctl migrate)",
                        st->label,
                        apr_dbd_error(c->d->driver, c->d->handle, -1));
    }
    apr_hash_set(c->d->prepared, st->label, APR_HASH_KEY_STRING, p);
    return CTL_OK;
}

int ctl_db_ready(ctl_t *c)
{
    int i, j, rc = ctl_db_prepare(c, &clinic_schema_stmt, 1);
    apr_status_t rv;
    int version;

    if (rc != CTL_OK) {
        return ctl_fail(CTL_DB, "the database has no clinic schema: run "
                        "clinicctl migrate");
    }
    version = clinic_db_schema_version(c->d, &rv);
    if (version != CLINIC_SCHEMA_VERSION) {
        if (rv != APR_SUCCESS) {
            return ctl_db_status(c, rv, "reading the schema's version");
        }
        return version > CLINIC_SCHEMA_VERSION
            ? ctl_fail(CTL_DB, "the database's schema is version %d, newer "
                       "than this clinicctl knows (%d): upgrade clinicctl",
                       version, CLINIC_SCHEMA_VERSION)
            : ctl_fail(CTL_DB, "the database's schema is version %d, this "
                       "clinicctl needs %d: run clinicctl migrate", version,
                       CLINIC_SCHEMA_VERSION);
    }
    for (i = 0; i < CLINIC_N_STMT_SETS; i++) {
        for (j = 0; j < clinic_stmt_sets[i]->n; j++) {
            if ((rc = ctl_db_prepare(c, &clinic_stmt_sets[i]->stmts[j], 0))
                != CTL_OK) {
                return rc;
            }
        }
    }
    for (j = 0; j < clinic_admin_stmts.n; j++) {
        if ((rc = ctl_db_prepare(c, &clinic_admin_stmts.stmts[j], 0)) != CTL_OK) {
            return rc;
        }
    }
    return CTL_OK;
}

int ctl_db_exec(ctl_t *c, const char *sql)
{
    int n = 0;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    int rv;

    /* a PRAGMA or SELECT answers rows, which a plain query call refuses */
    if (!strncasecmp(sql, "PRAGMA", 6) || !strncasecmp(sql, "SELECT", 6)) {
        rv = apr_dbd_select(c->d->driver, c->pool, c->d->handle, &res, sql,
                            0);
        while (rv == 0 && apr_dbd_get_row(c->d->driver, c->pool, res, &row,
                                          -1) == 0) {
        }
    }
    else {
        rv = apr_dbd_query(c->d->driver, c->d->handle, &n, sql);
    }
    if (rv != 0) {
        c->db_error = apr_pstrdup(c->pool, apr_dbd_error(c->d->driver,
                                                         c->d->handle, rv));
    }
    return rv;
}

int ctl_db_open(ctl_t *c, int for_migrate)
{
    const apr_dbd_driver_t *drv = NULL;
    apr_dbd_t *handle = NULL;
    const char *err = NULL;
    apr_status_t rv;
    int i, rc;

    c->env.pool = c->pool;
    c->env.log = store_log;
    c->env.baton = c;
    if (strcmp(c->driver, "mysql") && strcmp(c->driver, "sqlite3")) {
        return ctl_fail(CTL_USAGE, "no database driver %s (DBDriver is "
                        "mysql or sqlite3)", c->driver);
    }
    apr_dbd_init(c->pool);
    rv = apr_dbd_get_driver(c->pool, c->driver, &drv);
    if (rv == APR_EDSOOPEN) {
        return ctl_fail(CTL_DB, "the %s driver of apr_dbd is not installed "
                        "(Debian: libaprutil1-dbd-%s)", c->driver,
                        !strcmp(c->driver, "sqlite3") ? "sqlite3" : "mysql");
    }
    if (rv != APR_SUCCESS) {
        return ctl_fail(CTL_DB, "apr_dbd has no %s driver", c->driver);
    }
    if (!strcmp(c->driver, "sqlite3")
        && (rc = ctl_sqlite_file(c, for_migrate)) != CTL_OK) {
        return rc;
    }
    if (apr_dbd_open_ex(drv, c->pool, c->params, &handle, &err) != 0
        || !handle) {
        return ctl_fail(CTL_DB, "cannot connect to the %s database: %s",
                        c->driver, err ? err : "check DBDParams");
    }
    c->d = apr_pcalloc(c->pool, sizeof(*c->d));
    c->d->pool = c->pool;
    c->d->env = &c->env;
    c->d->driver = drv;
    c->d->handle = handle;
    c->d->prepared = apr_hash_make(c->pool);
    /* text arrives as UTF-8 whatever the server's default; a busy SQLite
     * file is waited for, not failed at once */
    if (ctl_db_exec(c, clinic_db_is_mysql(c->d->driver) ? "SET NAMES utf8mb4"
                                              : "PRAGMA busy_timeout = 5000")
        != 0) {
        return ctl_fail(CTL_DB, "setting up the connection: %s", c->db_error);
    }
    for (i = 0; c->init_sql && i < c->init_sql->nelts; i++) {
        const char *sql = APR_ARRAY_IDX(c->init_sql, i, const char *);
        if (ctl_db_exec(c, sql) != 0) {
            return ctl_fail(CTL_DB, "DBDInitSQL \"%s\" failed: %s", sql,
                            c->db_error);
        }
    }
    return for_migrate ? CTL_OK : ctl_db_ready(c);
}
