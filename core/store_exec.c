/*
 * SPDX-License-Identifier: Apache-2.0
 * store_exec.c: running the store's prepared statements and what their
 * errors mean, on a connection whatever opened it: mod_dbd in the module
 * (store_db.c), apr_dbd directly in clinicctl (ctl/ctldb.c).  Nothing
 * here calls httpd; messages go to the connection's log callback.
 *
 *   duplicate key            APR_EEXIST    the caller's business (409 ...)
 *   busy, locked, deadlock   APR_EAGAIN    503 with Retry-After
 *   connection broken        APR_ECONNRESET  503; the connection is killed
 *                                          so the pool throws it away
 *   anything else            APR_EGENERAL  500
 */
#include <stdarg.h>
#include <string.h>
#include <stdlib.h>
#include <apr_strings.h>
#include <apr_hash.h>
#include <apr_time.h>

#include "store.h"
#include "store_exec.h"
#include "timeutil.h"

/* ---- what an error means ------------------------------------------------ */

int clinic_db_is_mysql(const apr_dbd_driver_t *driver)
{
    return !strcmp(apr_dbd_name(driver), "mysql");
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

static int sqlite_busy(clinic_db_t *d, int rv)
{
    const char *msg = apr_dbd_error(d->driver, d->handle, rv);

    /* SQLITE_BUSY, SQLITE_LOCKED; after its own retries the driver may
     * report them as a plain SQLITE_ERROR with the message */
    return (rv & 0xff) == 5 || (rv & 0xff) == 6
        || (msg && strstr(msg, "is locked"));
}

static int is_duplicate(clinic_db_t *d, int rv)
{
    const char *msg;

    if (clinic_db_is_mysql(d->driver)) {
        return rv == 1062;                 /* ER_DUP_ENTRY */
    }
    /* the SQLite driver reports SQLITE_ERROR (1) after the failed step;
     * the message tells a unique-key violation apart */
    msg = apr_dbd_error(d->driver, d->handle, rv);
    return (rv & 0xff) == 19
        || (msg && strstr(msg, "UNIQUE constraint failed"));
}

void clinic_store_fault_clear(clinic_env_t *env)
{
    env->fault = NULL;
}

clinic_db_fault_t clinic_store_fault(const clinic_env_t *env)
{
    if (!env->fault) {
        return CLINIC_DB_OK;
    }
    return !strcmp(env->fault, "busy") ? CLINIC_DB_BUSY : CLINIC_DB_DOWN;
}

/* A broken connection goes back to mod_dbd dead, never half alive: kill
 * it on the server (it may have reconnected without its statements), so
 * the ping of the next ap_dbd_open fails and mod_dbd invalidates it. */
static void kill_connection(clinic_db_t *d)
{
    int n = 0;

    /* a constant statement with no input, run on a connection whose
     * prepared statements are gone */
    apr_dbd_query(d->driver, d->handle, &n, "KILL CONNECTION_ID()");
}

static apr_status_t db_error(clinic_db_t *d,
                             const clinic_stmt_t *st, int rv, int write)
{
    const char *msg = apr_dbd_error(d->driver, d->handle, rv);
    const char *id = d->env->id;
    apr_status_t out = APR_EGENERAL;
    int level = CLINIC_LOG_ERR;

    if (write && is_duplicate(d, rv)) {
        return APR_EEXIST;
    }
    if (clinic_db_is_mysql(d->driver) ? mysql_busy(rv) : sqlite_busy(d, rv)) {
        if (write && st->lock_is_lost_race && clinic_db_is_mysql(d->driver)
            && mysql_lost_race(rv)) {
            return APR_EEXIST;
        }
        d->env->fault = "busy";
        out = APR_EAGAIN;
        level = CLINIC_LOG_WARNING;
    }
    else if (clinic_db_is_mysql(d->driver) && mysql_broken(rv)) {
        d->env->fault = "broken";
        out = APR_ECONNRESET;
        level = CLINIC_LOG_WARNING;
    }
    clinic_log(d->env, level, "CLINIC0102: statement %s failed (%d): %s%s (request %s)",
           st->label, rv, msg ? msg : "unknown error",
           out == APR_ECONNRESET ? "; the connection is discarded" : "",
           id ? id : "-");
    if (out == APR_ECONNRESET) {
        kill_connection(d);
    }
    return out;
}

static apr_dbd_prepared_t *statement(clinic_db_t *d,
                                     const clinic_stmt_t *st)
{
    apr_dbd_prepared_t *p = apr_hash_get(d->prepared, st->label,
                                         APR_HASH_KEY_STRING);
    if (!p) {
        clinic_log(d->env, CLINIC_LOG_ERR, "CLINIC0103: statement %s is not prepared on "
               "this connection", st->label);
    }
    return p;
}

/* ---- running statements ------------------------------------------------ */

apr_status_t clinic_db_select(apr_array_header_t **rows, clinic_db_t *d, const clinic_stmt_t *st,
                              int nargs, const char **args)
{
    apr_dbd_prepared_t *p = statement(d, st);
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    int rv, ncols, i;

    *rows = apr_array_make(d->pool, 4, sizeof(clinic_row_t));
    if (!p) {
        return APR_EGENERAL;
    }
    rv = apr_dbd_pselect(d->driver, d->pool, d->handle, &res, p, 0, nargs,
                         args);
    if (rv != 0) {
        return db_error(d, st, rv, 0);
    }
    ncols = apr_dbd_num_cols(d->driver, res);
    while ((rv = apr_dbd_get_row(d->driver, d->pool, res, &row, -1)) == 0) {
        clinic_row_t vals = apr_palloc(d->pool, sizeof(char *) * (ncols + 1));
        for (i = 0; i < ncols; i++) {
            const char *v = apr_dbd_get_entry(d->driver, row, i);
            vals[i] = v ? apr_pstrdup(d->pool, v) : NULL;
        }
        vals[ncols] = NULL;
        *(clinic_row_t *)apr_array_push(*rows) = vals;
    }
    if (rv != -1) {
        return db_error(d, st, rv, 0);
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

static int rerun_after_conflict(clinic_db_t *d,
                                const clinic_stmt_t *st, int rv, int attempt)
{
    if (rv != 1213 || st->lock_is_lost_race || attempt >= DB_CONFLICT_RETRIES
        || !clinic_db_is_mysql(d->driver)) {
        return 0;
    }
    clinic_log(d->env, CLINIC_LOG_INFO, "CLINIC0105: statement %s rolled back by a "
           "conflict, run again (%d)", st->label, attempt + 1);
    apr_sleep(apr_time_from_msec(2 * (attempt + 1)));
    return 1;
}

apr_status_t clinic_db_run(int *nrows, clinic_db_t *d,
                           const clinic_stmt_t *st, int nargs,
                           const char **args)
{
    apr_dbd_prepared_t *p = statement(d, st);
    int n = 0, rv, attempt = 0;

    if (nrows) {
        *nrows = 0;
    }
    if (!p) {
        return APR_EGENERAL;
    }
    do {
        n = 0;
        rv = apr_dbd_pquery(d->driver, d->pool, d->handle, &n, p, nargs,
                            args);
    } while (rv != 0 && rerun_after_conflict(d, st, rv, attempt++));
    if (rv != 0) {
        return db_error(d, st, rv, 1);
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

/* ---- the schema's version ---------------------------------------------- */

const clinic_stmt_t clinic_schema_stmt = {
    "clinic_schema", "SELECT version FROM clinic_schema", 0
};

int clinic_db_schema_version(clinic_db_t *d, apr_status_t *rv)
{
    apr_array_header_t *rows;

    *rv = clinic_db_select(&rows, d, &clinic_schema_stmt, 0, NULL);
    if (*rv == APR_SUCCESS && rows->nelts == 1) {
        return clinic_db_int(APR_ARRAY_IDX(rows, 0, clinic_row_t)[0]);
    }
    return -1;
}

apr_status_t clinic_store_ping(clinic_db_t *d)
{
    apr_status_t rv;

    if (clinic_db_schema_version(d, &rv) == CLINIC_SCHEMA_VERSION) {
        return APR_SUCCESS;
    }
    return rv == APR_SUCCESS ? APR_EINCOMPLETE : rv;
}
