/*
 * store.c: all SQL, as mod_dbd prepared statements with %s parameters.
 *
 * The statements are written once in the SQL that MySQL/MariaDB and
 * SQLite share; the dialects differ only in how a unique-key violation
 * is reported, which is_duplicate() knows.  Times are passed in from C as
 * UTC "YYYY-MM-DD HH:MM:SS" text, so no statement depends on the
 * database's clock or time zone.  Invariants that concurrency could break
 * are decided by the database: unique keys, and conditional UPDATEs whose
 * affected-row count is checked.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_dbd.h>
#include <apr_hash.h>
#include <apr_atomic.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

#include "store.h"
#include "config.h"
#include "timeutil.h"

APLOG_USE_MODULE(clinic);

static APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) *dbd_prepare;
static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) *dbd_acquire;

enum {
    S_SCHEMA,
    S_USER_BY_PHONE, S_USER_BY_ID, S_USER_INSERT, S_USER_UPDATE,
    S_USER_SET_PHONE,
    S_OTP_INSERT, S_OTP_ACTIVATE, S_OTP_RETIRE_OTHERS, S_OTP_FAIL,
    S_OTP_LATEST, S_OTP_ATTEMPT, S_OTP_GET, S_OTP_CONSUME, S_OTP_CLEANUP,
    S_OTP_REPLACED,
    S_RATE_SLOTS, S_RATE_NEW, S_RATE_CLAIM, S_RATE_CLEANUP,
    S_PKG_ACTIVE, S_PKG_BY_ID,
    S_SUB_ACTIVE, S_SUB_RELEASE, S_SUB_INSERT, S_SUB_HISTORY,
    S_COUNT
};

#define USER_COLS "id, phone_number, name, national_id, is_active, " \
                  "created_at, updated_at, token_version"
#define PKG_COLS  "id, name, description, price, duration_days, is_active, " \
                  "created_at"
#define SUB_SELECT "SELECT up.id, up.package_id, p.name, p.description, " \
                   "p.price, p.duration_days, p.is_active, p.created_at, " \
                   "up.purchased_at, up.expires_at, up.payment_status " \
                   "FROM user_packages up " \
                   "JOIN packages p ON p.id = up.package_id "

static const struct {
    const char *label;
    const char *sql;
} stmts[S_COUNT] = {
    [S_SCHEMA] = { "clinic_schema",
        "SELECT version FROM clinic_schema" },

    [S_USER_BY_PHONE] = { "clinic_user_by_phone",
        "SELECT " USER_COLS " FROM users WHERE phone_number = %s" },
    [S_USER_BY_ID] = { "clinic_user_by_id",
        "SELECT " USER_COLS " FROM users WHERE id = %s" },
    [S_USER_INSERT] = { "clinic_user_insert",
        "INSERT INTO users (" USER_COLS ") "
        "VALUES (%s, %s, NULL, NULL, 1, %s, %s, 0)" },
    [S_USER_UPDATE] = { "clinic_user_update",
        "UPDATE users SET "
        "name = CASE WHEN %s = '1' THEN %s ELSE name END, "
        "national_id = CASE WHEN %s = '1' THEN %s ELSE national_id END, "
        "updated_at = %s WHERE id = %s" },
    [S_USER_SET_PHONE] = { "clinic_user_set_phone",
        "UPDATE users SET phone_number = %s, updated_at = %s, "
        "token_version = token_version + 1 WHERE id = %s" },

    [S_OTP_INSERT] = { "clinic_otp_insert",
        "INSERT INTO otp_codes (id, phone_number, purpose, owner, code_hash, "
        "attempts, status, created_at, created_us, expires_at) "
        "VALUES (%s, %s, %s, %s, %s, 0, 'pending', %s, %s, %s)" },
    [S_OTP_ACTIVATE] = { "clinic_otp_activate",
        "UPDATE otp_codes SET status = 'active' "
        "WHERE id = %s AND status = 'pending'" },
    [S_OTP_RETIRE_OTHERS] = { "clinic_otp_retire",
        "UPDATE otp_codes SET status = 'replaced' "
        "WHERE phone_number = %s AND purpose = %s AND owner = %s "
        "AND status = 'active' AND id <> %s" },
    [S_OTP_FAIL] = { "clinic_otp_fail",
        "UPDATE otp_codes SET status = 'failed' WHERE id = %s" },
    [S_OTP_LATEST] = { "clinic_otp_latest",
        "SELECT id, code_hash, attempts, expires_at, status FROM otp_codes "
        "WHERE phone_number = %s AND purpose = %s AND owner = %s "
        "AND status = 'active' ORDER BY created_us DESC LIMIT 1" },
    [S_OTP_ATTEMPT] = { "clinic_otp_attempt",
        "UPDATE otp_codes SET attempts = attempts + 1 "
        "WHERE id = %s AND status = 'active' AND attempts < %s "
        "AND expires_at > %s" },
    [S_OTP_GET] = { "clinic_otp_get",
        "SELECT id, code_hash, attempts, expires_at, status FROM otp_codes "
        "WHERE id = %s" },
    [S_OTP_CONSUME] = { "clinic_otp_consume",
        "UPDATE otp_codes SET status = 'consumed', consumed_at = %s "
        "WHERE id = %s AND status = 'active'" },
    [S_OTP_CLEANUP] = { "clinic_otp_cleanup",
        "DELETE FROM otp_codes WHERE expires_at < %s" },
    [S_OTP_REPLACED] = { "clinic_otp_replaced",
        "SELECT code_hash FROM otp_codes "
        "WHERE phone_number = %s AND purpose = %s AND owner = %s "
        "AND status = 'replaced' AND expires_at > %s "
        "ORDER BY created_us DESC LIMIT 10" },

    [S_RATE_SLOTS] = { "clinic_rate_slots",
        "SELECT slot, used_at FROM rate_slots "
        "WHERE bucket = %s AND slot < %s ORDER BY used_at, slot" },
    [S_RATE_NEW] = { "clinic_rate_new",
        "INSERT INTO rate_slots (bucket, slot, used_at) VALUES (%s, %s, %s)" },
    [S_RATE_CLAIM] = { "clinic_rate_claim",
        "UPDATE rate_slots SET used_at = %s "
        "WHERE bucket = %s AND slot = %s AND used_at = %s" },
    [S_RATE_CLEANUP] = { "clinic_rate_cleanup",
        "DELETE FROM rate_slots WHERE used_at < %s" },

    [S_PKG_ACTIVE] = { "clinic_pkg_active",
        "SELECT " PKG_COLS " FROM packages WHERE is_active = 1 "
        "ORDER BY created_at DESC, id DESC" },
    [S_PKG_BY_ID] = { "clinic_pkg_by_id",
        "SELECT " PKG_COLS " FROM packages WHERE id = %s" },

    [S_SUB_ACTIVE] = { "clinic_sub_active",
        SUB_SELECT "WHERE up.active_user_id = %s AND up.expires_at > %s" },
    [S_SUB_RELEASE] = { "clinic_sub_release",
        "UPDATE user_packages SET active_user_id = NULL "
        "WHERE active_user_id = %s AND expires_at <= %s" },
    [S_SUB_INSERT] = { "clinic_sub_insert",
        "INSERT INTO user_packages (id, user_id, package_id, purchased_at, "
        "expires_at, payment_status, active_user_id) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s)" },
    [S_SUB_HISTORY] = { "clinic_sub_history",
        SUB_SELECT "WHERE up.user_id = %s "
        "ORDER BY up.purchased_at DESC, up.expires_at DESC, up.id DESC" },
};

const char *clinic_store_init(void)
{
    dbd_prepare = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);
    dbd_acquire = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    if (!dbd_prepare || !dbd_acquire) {
        return "mod_clinic needs mod_dbd: add `LoadModule dbd_module "
               "modules/mod_dbd.so` (or `a2enmod dbd`) before mod_clinic.";
    }
    return NULL;
}

void clinic_store_prepare(server_rec *s)
{
    int i;

    for (i = 0; i < S_COUNT; i++) {
        dbd_prepare(s, stmts[i].sql, stmts[i].label);
    }
}

/* ---- running statements ------------------------------------------------ */

#define ARGS(...) (int)(sizeof((const char *[]){ __VA_ARGS__ }) \
                        / sizeof(const char *)), \
                  (const char *[]){ __VA_ARGS__ }

typedef const char **row_t;   /* ncols values, NULL for SQL NULL */

/* A write that lost a race to a concurrent one: it may be tried again. */
static int is_lost_race(ap_dbd_t *d, int rv)
{
    /* ER_LOCK_WAIT_TIMEOUT, ER_LOCK_DEADLOCK; SQLITE_BUSY, SQLITE_LOCKED */
    const char *msg;

    if (!strcmp(apr_dbd_name(d->driver), "mysql")) {
        return rv == 1205 || rv == 1213;
    }
    msg = apr_dbd_error(d->driver, d->handle, rv);
    return (rv & 0xff) == 5 || (rv & 0xff) == 6
        || (msg && strstr(msg, "database is locked"));
}

static int is_duplicate(ap_dbd_t *d, int rv)
{
    const char *name = apr_dbd_name(d->driver);

    if (!strcmp(name, "mysql")) {
        return rv == 1062;                 /* ER_DUP_ENTRY */
    }
    if (!strcmp(name, "sqlite3")) {
        /* the driver reports SQLITE_ERROR (1) after the failed step; the
         * message tells a unique-key violation apart */
        const char *msg = apr_dbd_error(d->driver, d->handle, rv);
        return (rv & 0xff) == 19
            || (msg && strstr(msg, "UNIQUE constraint failed"));
    }
    return 0;
}

static apr_status_t db_error(request_rec *r, ap_dbd_t *d, int which, int rv)
{
    const char *msg = apr_dbd_error(d->driver, d->handle, rv);

    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  "CLINIC0102: statement %s failed (%d): %s (request %s)",
                  stmts[which].label, rv, msg ? msg : "unknown error",
                  apr_table_get(r->notes, "clinic-request-id"));
    return APR_EGENERAL;
}

static apr_dbd_prepared_t *statement(request_rec *r, ap_dbd_t *d, int which)
{
    apr_dbd_prepared_t *st = apr_hash_get(d->prepared, stmts[which].label,
                                          APR_HASH_KEY_STRING);
    if (!st) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "CLINIC0103: statement %s is not prepared on this "
                      "connection", stmts[which].label);
    }
    return st;
}

/* Run a SELECT and read every row to the end into *rows. */
static apr_status_t select_rows(apr_array_header_t **rows, request_rec *r,
                                ap_dbd_t *d, int which, int nargs,
                                const char **args)
{
    apr_dbd_prepared_t *st = statement(r, d, which);
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    int rv, ncols, i;

    *rows = apr_array_make(r->pool, 4, sizeof(row_t));
    if (!st) {
        return APR_EGENERAL;
    }
    rv = apr_dbd_pselect(d->driver, r->pool, d->handle, &res, st, 0, nargs,
                         args);
    if (rv != 0) {
        return db_error(r, d, which, rv);
    }
    ncols = apr_dbd_num_cols(d->driver, res);
    while ((rv = apr_dbd_get_row(d->driver, r->pool, res, &row, -1)) == 0) {
        row_t vals = apr_palloc(r->pool, sizeof(char *) * (ncols + 1));
        for (i = 0; i < ncols; i++) {
            const char *v = apr_dbd_get_entry(d->driver, row, i);
            vals[i] = v ? apr_pstrdup(r->pool, v) : NULL;
        }
        vals[ncols] = NULL;
        *(row_t *)apr_array_push(*rows) = vals;
    }
    if (rv != -1) {
        return db_error(r, d, which, rv);
    }
    return APR_SUCCESS;
}

static apr_status_t run(int *nrows, request_rec *r, ap_dbd_t *d, int which,
                        int nargs, const char **args)
{
    apr_dbd_prepared_t *st = statement(r, d, which);
    int n = 0, rv;

    if (nrows) {
        *nrows = 0;
    }
    if (!st) {
        return APR_EGENERAL;
    }
    rv = apr_dbd_pquery(d->driver, r->pool, d->handle, &n, st, nargs, args);
    if (rv != 0) {
        if (is_duplicate(d, rv)) {
            return APR_EEXIST;
        }
        if (which == S_RATE_NEW && is_lost_race(d, rv)) {
            return APR_EEXIST;
        }
        return db_error(r, d, which, rv);
    }
    if (nrows) {
        *nrows = n;
    }
    return APR_SUCCESS;
}

static const char *num(apr_pool_t *p, apr_int64_t v)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, v);
}

static apr_int64_t to_time(const char *s)
{
    apr_int64_t t = 0;

    if (s && !clinic_time_parse_db(s, &t)) {
        t = 0;
    }
    return t;
}

static int to_int(const char *s)
{
    return s ? atoi(s) : 0;
}

/* ---- connection -------------------------------------------------------- */

ap_dbd_t *clinic_store_acquire(request_rec *r)
{
    clinic_server_conf *conf = clinic_conf(r->server);
    ap_dbd_t *d = dbd_acquire(r);
    apr_array_header_t *rows;
    int version = -1;

    if (!d) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "CLINIC0100: no database connection: check DBDriver "
                      "and DBDParams, that the database is up, and that it "
                      "holds the tables of schema/mysql.sql (MySQL/MariaDB) "
                      "or schema/sqlite.sql (SQLite)");
        return NULL;
    }
    if (apr_atomic_read32(&conf->schema_ok)) {
        return d;
    }
    if (select_rows(&rows, r, d, S_SCHEMA, 0, NULL) == APR_SUCCESS
        && rows->nelts == 1) {
        version = to_int(APR_ARRAY_IDX(rows, 0, row_t)[0]);
    }
    if (version != CLINIC_SCHEMA_VERSION) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "CLINIC0101: the database schema is version %d, "
                      "mod_clinic needs version %d: load schema/mysql.sql or "
                      "schema/sqlite.sql (and the files in schema/migrations)",
                      version, CLINIC_SCHEMA_VERSION);
        return NULL;
    }
    apr_atomic_set32(&conf->schema_ok, 1);
    return d;
}

/* ---- users ------------------------------------------------------------- */

static clinic_user_t *user_from(apr_pool_t *p, row_t v)
{
    clinic_user_t *u = apr_pcalloc(p, sizeof(*u));

    u->id = v[0];
    u->phone = v[1];
    u->name = v[2];
    u->national_id = v[3];
    u->is_active = to_int(v[4]);
    u->created_at = to_time(v[5]);
    u->updated_at = to_time(v[6]);
    u->token_version = v[7] ? apr_atoi64(v[7]) : 0;
    return u;
}

static apr_status_t user_one(clinic_user_t **out, request_rec *r,
                             ap_dbd_t *d, int which, const char *key)
{
    apr_array_header_t *rows;
    apr_status_t rv = select_rows(&rows, r, d, which, ARGS(key));

    *out = NULL;
    if (rv == APR_SUCCESS && rows->nelts > 0) {
        *out = user_from(r->pool, APR_ARRAY_IDX(rows, 0, row_t));
    }
    return rv;
}

apr_status_t clinic_store_user_by_phone(clinic_user_t **out, request_rec *r,
                                        ap_dbd_t *d, const char *phone)
{
    return user_one(out, r, d, S_USER_BY_PHONE, phone);
}

apr_status_t clinic_store_user_by_id(clinic_user_t **out, request_rec *r,
                                     ap_dbd_t *d, const char *id)
{
    return user_one(out, r, d, S_USER_BY_ID, id);
}

apr_status_t clinic_store_user_create(request_rec *r, ap_dbd_t *d,
                                      const char *id, const char *phone,
                                      apr_int64_t now)
{
    const char *t = clinic_time_db(r->pool, now);
    return run(NULL, r, d, S_USER_INSERT, ARGS(id, phone, t, t));
}

apr_status_t clinic_store_user_update(request_rec *r, ap_dbd_t *d,
                                      const char *id, int set_name,
                                      const char *name, int set_nid,
                                      const char *national_id,
                                      apr_int64_t now)
{
    return run(NULL, r, d, S_USER_UPDATE,
               ARGS(set_name ? "1" : "0", name, set_nid ? "1" : "0",
                    national_id, clinic_time_db(r->pool, now), id));
}

apr_status_t clinic_store_user_set_phone(request_rec *r, ap_dbd_t *d,
                                         const char *id, const char *phone,
                                         apr_int64_t now)
{
    return run(NULL, r, d, S_USER_SET_PHONE,
               ARGS(phone, clinic_time_db(r->pool, now), id));
}

/* ---- OTP codes --------------------------------------------------------- */

apr_status_t clinic_store_otp_insert(request_rec *r, ap_dbd_t *d,
                                     const char *id, const char *phone,
                                     const char *purpose, const char *owner,
                                     const char *hash, apr_int64_t now,
                                     apr_int64_t expires_at)
{
    return run(NULL, r, d, S_OTP_INSERT,
               ARGS(id, phone, purpose, owner, hash,
                    clinic_time_db(r->pool, now),
                    num(r->pool, apr_time_now()),
                    clinic_time_db(r->pool, expires_at)));
}

apr_status_t clinic_store_otp_retire_others(request_rec *r, ap_dbd_t *d,
                                            const char *id, const char *phone,
                                            const char *purpose,
                                            const char *owner)
{
    return run(NULL, r, d, S_OTP_RETIRE_OTHERS,
               ARGS(phone, purpose, owner, id));
}

apr_status_t clinic_store_otp_activate(request_rec *r, ap_dbd_t *d,
                                       const char *id, const char *phone,
                                       const char *purpose, const char *owner)
{
    apr_status_t rv = clinic_store_otp_retire_others(r, d, id, phone,
                                                     purpose, owner);
    if (rv == APR_SUCCESS) {
        rv = run(NULL, r, d, S_OTP_ACTIVATE, ARGS(id));
    }
    return rv;
}

apr_status_t clinic_store_otp_replaced(apr_array_header_t **hashes,
                                       request_rec *r, ap_dbd_t *d,
                                       const char *phone, const char *purpose,
                                       const char *owner, apr_int64_t now)
{
    apr_array_header_t *rows;
    apr_status_t rv = select_rows(&rows, r, d, S_OTP_REPLACED,
                                  ARGS(phone, purpose, owner,
                                       clinic_time_db(r->pool, now)));
    int i;

    *hashes = apr_array_make(r->pool, rows->nelts, sizeof(const char *));
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        const char *h = APR_ARRAY_IDX(rows, i, row_t)[0];
        *(const char **)apr_array_push(*hashes) = h ? h : "";
    }
    return rv;
}

apr_status_t clinic_store_otp_fail(request_rec *r, ap_dbd_t *d,
                                   const char *id)
{
    return run(NULL, r, d, S_OTP_FAIL, ARGS(id));
}

static clinic_otp_row_t *otp_from(apr_pool_t *p, row_t v)
{
    clinic_otp_row_t *o = apr_pcalloc(p, sizeof(*o));

    o->id = v[0];
    o->hash = v[1] ? v[1] : "";
    o->attempts = to_int(v[2]);
    o->expires_at = to_time(v[3]);
    o->status = v[4] ? v[4] : "";
    return o;
}

static apr_status_t otp_one(clinic_otp_row_t **out, request_rec *r,
                            ap_dbd_t *d, int which, int nargs,
                            const char **args)
{
    apr_array_header_t *rows;
    apr_status_t rv = select_rows(&rows, r, d, which, nargs, args);

    *out = NULL;
    if (rv == APR_SUCCESS && rows->nelts > 0) {
        *out = otp_from(r->pool, APR_ARRAY_IDX(rows, 0, row_t));
    }
    return rv;
}

apr_status_t clinic_store_otp_latest(clinic_otp_row_t **out, request_rec *r,
                                     ap_dbd_t *d, const char *phone,
                                     const char *purpose, const char *owner)
{
    return otp_one(out, r, d, S_OTP_LATEST, ARGS(phone, purpose, owner));
}

apr_status_t clinic_store_otp_get(clinic_otp_row_t **out, request_rec *r,
                                  ap_dbd_t *d, const char *id)
{
    return otp_one(out, r, d, S_OTP_GET, ARGS(id));
}

apr_status_t clinic_store_otp_attempt(int *counted, request_rec *r,
                                      ap_dbd_t *d, const char *id, int max,
                                      apr_int64_t now)
{
    int n;
    apr_status_t rv = run(&n, r, d, S_OTP_ATTEMPT,
                          ARGS(id, num(r->pool, max),
                               clinic_time_db(r->pool, now)));
    *counted = (rv == APR_SUCCESS && n == 1);
    return rv;
}

apr_status_t clinic_store_otp_consume(int *won, request_rec *r, ap_dbd_t *d,
                                      const char *id, apr_int64_t now)
{
    int n;
    apr_status_t rv = run(&n, r, d, S_OTP_CONSUME,
                          ARGS(clinic_time_db(r->pool, now), id));
    *won = (rv == APR_SUCCESS && n == 1);
    return rv;
}

apr_status_t clinic_store_cleanup(request_rec *r, ap_dbd_t *d,
                                  apr_int64_t codes_before,
                                  apr_int64_t slots_before)
{
    apr_status_t rv = run(NULL, r, d, S_OTP_CLEANUP,
                          ARGS(clinic_time_db(r->pool, codes_before)));
    if (rv == APR_SUCCESS) {
        rv = run(NULL, r, d, S_RATE_CLEANUP,
                 ARGS(num(r->pool, slots_before)));
    }
    return rv;
}

/* ---- exact limits ------------------------------------------------------ */

apr_status_t clinic_store_rate_take(int *allowed, apr_int64_t *retry_after,
                                    request_rec *r, ap_dbd_t *d,
                                    const char *bucket, int limit,
                                    int window, apr_int64_t now)
{
    const char *now_s = num(r->pool, now);
    int round;

    *allowed = 0;
    *retry_after = window;
    /* Each round reads the slots, then tries to take a free one with a
     * compare-and-set on its last use, or to create a missing one.  A
     * lost race moves on to the next candidate; two rounds are plenty,
     * and a request that still finds nothing is refused (never allowed
     * by mistake). */
    for (round = 0; round < 2; round++) {
        apr_array_header_t *rows;
        char *present = apr_pcalloc(r->pool, (apr_size_t)limit);
        apr_int64_t oldest = -1;
        int i, n;
        apr_status_t rv = select_rows(&rows, r, d, S_RATE_SLOTS,
                                      ARGS(bucket, num(r->pool, limit)));
        if (rv != APR_SUCCESS) {
            return rv;
        }
        for (i = 0; i < rows->nelts; i++) {
            row_t v = APR_ARRAY_IDX(rows, i, row_t);
            int slot = to_int(v[0]);
            apr_int64_t used = v[1] ? apr_atoi64(v[1]) : 0;

            if (slot >= 0 && slot < limit) {
                present[slot] = 1;
            }
            if (oldest < 0 || used < oldest) {
                oldest = used;
            }
            if (used > now - window) {
                continue;
            }
            rv = run(&n, r, d, S_RATE_CLAIM,
                     ARGS(now_s, bucket, v[0], v[1]));
            if (rv != APR_SUCCESS) {
                return rv;
            }
            if (n == 1) {
                *allowed = 1;
                return APR_SUCCESS;
            }
        }
        for (i = 0; i < limit; i++) {
            if (present[i]) {
                continue;
            }
            rv = run(&n, r, d, S_RATE_NEW,
                     ARGS(bucket, num(r->pool, i), now_s));
            if (rv == APR_SUCCESS) {
                *allowed = 1;
                return APR_SUCCESS;
            }
            if (rv != APR_EEXIST) {
                return rv;
            }
        }
        if (rows->nelts >= limit) {
            /* all slots exist and none was free when read */
            if (oldest >= 0) {
                *retry_after = oldest + window - now;
            }
            if (*retry_after > 0) {
                return APR_SUCCESS;
            }
        }
    }
    if (*retry_after < 1) {
        *retry_after = 1;
    }
    return APR_SUCCESS;
}

/* ---- packages and subscriptions ---------------------------------------- */

static void package_from(clinic_package_t *k, row_t v)
{
    k->id = v[0];
    k->name = v[1] ? v[1] : "";
    k->description = v[2];
    k->price = v[3];
    k->duration_days = to_int(v[4]);
    k->is_active = to_int(v[5]);
    k->created_at = to_time(v[6]);
}

apr_status_t clinic_store_packages_active(apr_array_header_t **out,
                                          request_rec *r, ap_dbd_t *d)
{
    apr_array_header_t *rows;
    apr_status_t rv = select_rows(&rows, r, d, S_PKG_ACTIVE, 0, NULL);
    int i;

    *out = apr_array_make(r->pool, rows->nelts, sizeof(clinic_package_t));
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        package_from(apr_array_push(*out), APR_ARRAY_IDX(rows, i, row_t));
    }
    return rv;
}

apr_status_t clinic_store_package_by_id(clinic_package_t **out,
                                        request_rec *r, ap_dbd_t *d,
                                        const char *id)
{
    apr_array_header_t *rows;
    apr_status_t rv = select_rows(&rows, r, d, S_PKG_BY_ID, ARGS(id));

    *out = NULL;
    if (rv == APR_SUCCESS && rows->nelts > 0) {
        *out = apr_pcalloc(r->pool, sizeof(**out));
        package_from(*out, APR_ARRAY_IDX(rows, 0, row_t));
    }
    return rv;
}

static void sub_from(clinic_sub_t *s, row_t v)
{
    s->id = v[0];
    s->pkg.id = v[1];
    s->pkg.name = v[2] ? v[2] : "";
    s->pkg.description = v[3];
    s->pkg.price = v[4];
    s->pkg.duration_days = to_int(v[5]);
    s->pkg.is_active = to_int(v[6]);
    s->pkg.created_at = to_time(v[7]);
    s->purchased_at = to_time(v[8]);
    s->expires_at = to_time(v[9]);
    s->payment_status = v[10] ? v[10] : "pending";
}

apr_status_t clinic_store_sub_active(clinic_sub_t **out, request_rec *r,
                                     ap_dbd_t *d, const char *user_id,
                                     apr_int64_t now)
{
    apr_array_header_t *rows;
    apr_status_t rv = select_rows(&rows, r, d, S_SUB_ACTIVE,
                                  ARGS(user_id, clinic_time_db(r->pool, now)));

    *out = NULL;
    if (rv == APR_SUCCESS && rows->nelts > 0) {
        *out = apr_pcalloc(r->pool, sizeof(**out));
        sub_from(*out, APR_ARRAY_IDX(rows, 0, row_t));
    }
    return rv;
}

apr_status_t clinic_store_sub_release_expired(request_rec *r, ap_dbd_t *d,
                                              const char *user_id,
                                              apr_int64_t now)
{
    return run(NULL, r, d, S_SUB_RELEASE,
               ARGS(user_id, clinic_time_db(r->pool, now)));
}

apr_status_t clinic_store_sub_insert(request_rec *r, ap_dbd_t *d,
                                     const clinic_sub_t *s,
                                     const char *user_id)
{
    return run(NULL, r, d, S_SUB_INSERT,
               ARGS(s->id, user_id, s->pkg.id,
                    clinic_time_db(r->pool, s->purchased_at),
                    clinic_time_db(r->pool, s->expires_at),
                    s->payment_status, user_id));
}

apr_status_t clinic_store_sub_history(apr_array_header_t **out,
                                      request_rec *r, ap_dbd_t *d,
                                      const char *user_id)
{
    apr_array_header_t *rows;
    apr_status_t rv = select_rows(&rows, r, d, S_SUB_HISTORY, ARGS(user_id));
    int i;

    *out = apr_array_make(r->pool, rows->nelts, sizeof(clinic_sub_t));
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        sub_from(apr_array_push(*out), APR_ARRAY_IDX(rows, i, row_t));
    }
    return rv;
}

const char *clinic_uuid(apr_pool_t *p)
{
    unsigned char b[16];
    char *out = apr_palloc(p, 37);

    if (apr_generate_random_bytes(b, sizeof(b)) != APR_SUCCESS) {
        return NULL;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);   /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
    apr_snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                 "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4],
                 b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                 b[14], b[15]);
    return out;
}
