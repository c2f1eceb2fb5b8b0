/*
 * SPDX-License-Identifier: Apache-2.0
 * store_codes.c: one-time codes (otp_codes) and the exact sliding-window
 * limits (rate_slots), with the cleanup of both.
 */
#include <string.h>
#include <apr_strings.h>

#include "store.h"
#include "store_exec.h"
#include "timeutil.h"

enum {
    S_OTP_INSERT,
    S_OTP_ACTIVATE,
    S_OTP_RETIRE_OTHERS,
    S_OTP_RETIRE_REST,
    S_OTP_SUPERSEDE,
    S_OTP_FAIL,
    S_OTP_LATEST,
    S_OTP_ATTEMPT,
    S_OTP_GET,
    S_OTP_CONSUME,
    S_OTP_CLEANUP,
    S_OTP_CLEANUP_BATCH,
    S_OTP_REPLACED,
    S_RATE_SLOTS,
    S_RATE_NEW,
    S_RATE_NEW_PAIR,
    S_RATE_CLAIM,
    S_RATE_CLEANUP,
    S_RATE_CLEANUP_BATCH,
    S_RATE_GIVE_BACK,
    S_OTP_BOX_ERASE,
    S_COUNT
};

/* A cleanup batch: the CLINIC_CLEANUP_BATCH oldest rows.  One portable
 * statement can't say it: MySQL has DELETE ... LIMIT but no LIMIT in an
 * IN subquery, SQLite has no DELETE ... LIMIT by default.  So a SELECT
 * reads the batch's keys on the index, and each row goes by its primary
 * key (still only if it ran out): exactly a batch, whatever is inserted
 * meanwhile (a range DELETE up to the batch's last value also takes the
 * older rows a concurrent INSERT adds, which its snapshot did not see). */
#define BATCH "100"                 /* CLINIC_CLEANUP_BATCH */

static const clinic_stmt_t stmts[S_COUNT] = {
    [S_OTP_INSERT] = { "clinic_otp_insert",
        "INSERT INTO otp_codes (id, phone_number, purpose, owner, code_hash, "
        "attempts, status, created_at, created_us, expires_at) "
        "VALUES (%s, %s, %s, %s, %s, 0, 'pending', %s, %s, %s)", 0 },
    /* the unique key uq_otp_live (schema 004) refuses a second active
     * code of one (phone, purpose, owner) */
    [S_OTP_ACTIVATE] = { "clinic_otp_activate",
        "UPDATE otp_codes SET status = 'active' "
        "WHERE id = %s AND status = 'pending'", 0 },
    /* the live code and those still at the gateway, sent before this one */
    [S_OTP_RETIRE_OTHERS] = { "clinic_otp_retire",
        "UPDATE otp_codes SET status = 'replaced', code_box = NULL "
        "WHERE phone_number = %s AND purpose = %s AND owner = %s "
        "AND status IN ('active', 'pending') AND id <> %s "
        "AND created_us < %s", 0 },
    [S_OTP_RETIRE_REST] = { "clinic_otp_retire_rest",
        "UPDATE otp_codes SET status = 'replaced', code_box = NULL "
        "WHERE phone_number = %s AND purpose = %s AND owner = %s "
        "AND status IN ('active', 'pending') AND id <> %s", 0 },
    [S_OTP_SUPERSEDE] = { "clinic_otp_supersede",
        "UPDATE otp_codes SET status = 'replaced', code_box = NULL "
        "WHERE id = %s AND status = 'pending'", 0 },
    [S_OTP_FAIL] = { "clinic_otp_fail",
        "UPDATE otp_codes SET status = 'failed', code_box = NULL "
        "WHERE id = %s", 0 },
    [S_OTP_LATEST] = { "clinic_otp_latest",
        "SELECT id, code_hash, " CLINIC_TXT("attempts") ", "
        CLINIC_TXT("expires_at") ", status FROM otp_codes "
        "WHERE phone_number = %s AND purpose = %s AND owner = %s "
        "AND status = 'active' ORDER BY created_us DESC LIMIT 1", 0 },
    [S_OTP_ATTEMPT] = { "clinic_otp_attempt",
        "UPDATE otp_codes SET attempts = attempts + 1 "
        "WHERE id = %s AND status = 'active' AND attempts < %s "
        "AND expires_at > %s", 0 },
    [S_OTP_GET] = { "clinic_otp_get",
        "SELECT id, code_hash, " CLINIC_TXT("attempts") ", "
        CLINIC_TXT("expires_at") ", status FROM otp_codes "
        "WHERE id = %s", 0 },
    [S_OTP_CONSUME] = { "clinic_otp_consume",
        "UPDATE otp_codes SET status = 'consumed', consumed_at = %s, "
        "code_box = NULL WHERE id = %s AND status = 'active'", 0 },
    [S_OTP_CLEANUP] = { "clinic_otp_cleanup",
        "DELETE FROM otp_codes WHERE id = %s AND expires_at < %s", 0 },
    [S_OTP_CLEANUP_BATCH] = { "clinic_otp_cleanup_batch",
        "SELECT id FROM otp_codes WHERE expires_at < %s "
        "ORDER BY expires_at LIMIT " BATCH, 0 },
    /* the superseded codes still within their lifetime: as many as a
     * burst of sends may leave (each is one hash to compare), so the
     * oldest of a burst is told OTP_NOT_FOUND too, never INVALID_OTP */
    [S_OTP_REPLACED] = { "clinic_otp_replaced",
        "SELECT code_hash FROM otp_codes "
        "WHERE phone_number = %s AND purpose = %s AND owner = %s "
        "AND status = 'replaced' AND expires_at > %s "
        "ORDER BY created_us DESC LIMIT 32", 0 },
    [S_RATE_SLOTS] = { "clinic_rate_slots",
        "SELECT " CLINIC_TXT("slot") ", " CLINIC_TXT("used_at")
        " FROM rate_slots "
        "WHERE bucket = %s AND slot < %s ORDER BY used_at, slot", 0 },
    [S_RATE_NEW] = { "clinic_rate_new",
        "INSERT INTO rate_slots (bucket, slot, used_at) "
        "VALUES (%s, %s, %s)", 1 },
    /* two limits met for the first time in their windows, in one
     * statement: both first slots, or (a unique key refusing one) none */
    [S_RATE_NEW_PAIR] = { "clinic_rate_new_pair",
        "INSERT INTO rate_slots (bucket, slot, used_at) "
        "VALUES (%s, 0, %s), (%s, 0, %s)", 1 },
    [S_RATE_CLAIM] = { "clinic_rate_claim",
        "UPDATE rate_slots SET used_at = %s "
        "WHERE bucket = %s AND slot = %s AND used_at = %s", 0 },
    [S_RATE_CLEANUP] = { "clinic_rate_cleanup",
        "DELETE FROM rate_slots WHERE bucket = %s AND slot = %s "
        "AND used_at < %s", 0 },
    [S_RATE_CLEANUP_BATCH] = { "clinic_rate_cleanup_batch",
        "SELECT bucket, " CLINIC_TXT("slot") " FROM rate_slots "
        "WHERE used_at < %s ORDER BY used_at LIMIT " BATCH, 0 },
    /* a slot taken at used_at that turned out not to count: free again
     * (a last use at 0 is older than any window) */
    [S_RATE_GIVE_BACK] = { "clinic_rate_give_back",
        "UPDATE rate_slots SET used_at = 0 "
        "WHERE bucket = %s AND slot = %s AND used_at = %s", 0 },
    /* the sealed codes (schema 006) of codes that ran out in the last
     * hour: a later fallback can't send them any more (older ones go
     * with their rows) */
    [S_OTP_BOX_ERASE] = { "clinic_otp_box_erase",
        "UPDATE otp_codes SET code_box = NULL WHERE expires_at < %s "
        "AND expires_at > %s AND code_box IS NOT NULL", 0 },
};

const clinic_stmt_set_t clinic_code_stmts = { stmts, S_COUNT };

/* ---- OTP codes --------------------------------------------------------- */

apr_status_t clinic_store_otp_insert(clinic_db_t *d,
                                     const char *id, const char *phone,
                                     const char *purpose, const char *owner,
                                     const char *hash, apr_int64_t now,
                                     apr_int64_t expires_at,
                                     apr_int64_t created_us)
{
    return clinic_db_run(NULL, d, &stmts[S_OTP_INSERT],
                         CLINIC_ARGS(id, phone, purpose, owner, hash,
                                     clinic_time_db(d->pool, now),
                                     clinic_db_num(d->pool, created_us),
                                     clinic_time_db(d->pool, expires_at)));
}

/* retire the codes of (phone, purpose, owner) sent before this one: the
 * live one, and those whose SMS is still on its way */
static apr_status_t retire_older(clinic_db_t *d,
                                 const char *id, const char *phone,
                                 const char *purpose, const char *owner,
                                 apr_int64_t created_us)
{
    return clinic_db_run(NULL, d, &stmts[S_OTP_RETIRE_OTHERS],
                         CLINIC_ARGS(phone, purpose, owner, id,
                                     clinic_db_num(d->pool, created_us)));
}

apr_status_t clinic_store_otp_retire_rest(clinic_db_t *d,
                                          const char *id, const char *phone,
                                          const char *purpose,
                                          const char *owner)
{
    return clinic_db_run(NULL, d, &stmts[S_OTP_RETIRE_REST],
                         CLINIC_ARGS(phone, purpose, owner, id));
}

apr_status_t clinic_store_otp_activate(clinic_db_t *d,
                                       const char *id, const char *phone,
                                       const char *purpose, const char *owner,
                                       apr_int64_t created_us)
{
    apr_status_t rv = retire_older(d, id, phone, purpose, owner,
                                   created_us);

    /* One live code per (phone, purpose, owner), the newest whose SMS went
     * out, whatever order the gateway answers in.  First every older code
     * is retired, the live one and those still at the gateway: an older
     * SMS landing later finds its code 'replaced' and it never goes live.
     * Then this code goes live if it is still pending: a newer code that
     * landed first, or a login, has retired it already.  A code sent
     * before a newer one reached the database (its row written late) may
     * find a newer one live: the unique key refuses it, and it is retired.
     * Both steps may run again (a retry) with the same outcome. */
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = clinic_db_run(NULL, d, &stmts[S_OTP_ACTIVATE], CLINIC_ARGS(id));
    if (rv == APR_EEXIST) {
        clinic_log(d->env, CLINIC_LOG_INFO, "CLINIC0740: another code of this "
                      "number went live first; this one never will");
        rv = clinic_db_run(NULL, d, &stmts[S_OTP_SUPERSEDE],
                           CLINIC_ARGS(id));
    }
    return rv;
}

apr_status_t clinic_store_otp_replaced(apr_array_header_t **hashes,
                                       clinic_db_t *d,
                                       const char *phone, const char *purpose,
                                       const char *owner, apr_int64_t now)
{
    apr_array_header_t *rows;
    apr_status_t rv = clinic_db_select(&rows, d, &stmts[S_OTP_REPLACED],
                                  CLINIC_ARGS(phone, purpose, owner,
                                       clinic_time_db(d->pool, now)));
    int i;

    *hashes = apr_array_make(d->pool, rows->nelts, sizeof(const char *));
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        const char *h = APR_ARRAY_IDX(rows, i, clinic_row_t)[0];
        *(const char **)apr_array_push(*hashes) = h ? h : "";
    }
    return rv;
}

apr_status_t clinic_store_otp_fail(clinic_db_t *d,
                                   const char *id)
{
    return clinic_db_run(NULL, d, &stmts[S_OTP_FAIL], CLINIC_ARGS(id));
}

static clinic_otp_row_t *otp_from(apr_pool_t *p, clinic_row_t v)
{
    clinic_otp_row_t *o = apr_pcalloc(p, sizeof(*o));

    o->id = v[0];
    o->hash = v[1] ? v[1] : "";
    o->attempts = clinic_db_int(v[2]);
    o->expires_at = clinic_db_time(v[3]);
    o->status = v[4] ? v[4] : "";
    return o;
}

static apr_status_t otp_one(clinic_otp_row_t **out, clinic_db_t *d, int which, int nargs,
                            const char **args)
{
    apr_array_header_t *rows;
    apr_status_t rv = clinic_db_select(&rows, d, &stmts[which], nargs,
                                       args);

    *out = NULL;
    if (rv == APR_SUCCESS && rows->nelts > 0) {
        *out = otp_from(d->pool, APR_ARRAY_IDX(rows, 0, clinic_row_t));
    }
    return rv;
}

apr_status_t clinic_store_otp_latest(clinic_otp_row_t **out, clinic_db_t *d, const char *phone,
                                     const char *purpose, const char *owner)
{
    return otp_one(out, d, S_OTP_LATEST,
                   CLINIC_ARGS(phone, purpose, owner));
}

apr_status_t clinic_store_otp_get(clinic_otp_row_t **out, clinic_db_t *d, const char *id)
{
    return otp_one(out, d, S_OTP_GET, CLINIC_ARGS(id));
}

apr_status_t clinic_store_otp_attempt(int *counted, clinic_db_t *d, const char *id, int max,
                                      apr_int64_t now)
{
    int n;
    apr_status_t rv = clinic_db_run(&n, d, &stmts[S_OTP_ATTEMPT],
                          CLINIC_ARGS(id, clinic_db_num(d->pool, max),
                               clinic_time_db(d->pool, now)));
    *counted = (rv == APR_SUCCESS && n == 1);
    return rv;
}

apr_status_t clinic_store_otp_consume(int *won, clinic_db_t *d,
                                      const char *id, apr_int64_t now)
{
    int n;
    apr_status_t rv = clinic_db_run(&n, d, &stmts[S_OTP_CONSUME],
                          CLINIC_ARGS(clinic_time_db(d->pool, now), id));
    *won = (rv == APR_SUCCESS && n == 1);
    return rv;
}

apr_status_t clinic_store_cleanup_batch(int *codes, int *slots, int *full,
                                        clinic_db_t *d,
                                        apr_int64_t now)
{
    const char *codes_before = clinic_time_db(d->pool,
                                              now - CLINIC_KEEP_EXPIRED_CODES);
    const char *slots_before = clinic_db_num(d->pool,
                                             now - CLINIC_KEEP_RATE_SLOTS);
    apr_array_header_t *rows;
    apr_status_t rv;
    int i, n;

    *codes = *slots = 0;
    rv = clinic_db_run(NULL, d, &stmts[S_OTP_BOX_ERASE],
                       CLINIC_ARGS(clinic_time_db(d->pool, now),
                                   clinic_time_db(d->pool, now - 3600)));
    if (rv == APR_SUCCESS) {
        rv = clinic_db_select(&rows, d, &stmts[S_OTP_CLEANUP_BATCH],
                              CLINIC_ARGS(codes_before));
    }
    *full = rv == APR_SUCCESS && rows->nelts >= CLINIC_CLEANUP_BATCH;
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        clinic_row_t v = APR_ARRAY_IDX(rows, i, clinic_row_t);
        rv = clinic_db_run(&n, d, &stmts[S_OTP_CLEANUP],
                           CLINIC_ARGS(v[0], codes_before));
        *codes += rv == APR_SUCCESS ? n : 0;
    }
    if (rv == APR_SUCCESS) {
        rv = clinic_db_select(&rows, d, &stmts[S_RATE_CLEANUP_BATCH],
                              CLINIC_ARGS(slots_before));
        *full |= rv == APR_SUCCESS && rows->nelts >= CLINIC_CLEANUP_BATCH;
    }
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        clinic_row_t v = APR_ARRAY_IDX(rows, i, clinic_row_t);
        rv = clinic_db_run(&n, d, &stmts[S_RATE_CLEANUP],
                           CLINIC_ARGS(v[0], v[1], slots_before));
        *slots += rv == APR_SUCCESS ? n : 0;
    }
    return rv;
}

apr_status_t clinic_store_cleanup(int *codes, int *slots, clinic_db_t *d, apr_int64_t now)
{
    apr_status_t rv;
    int c, s, full, all_c = 0, all_s = 0;

    /* batch after batch: each statement is short, so sends go on */
    do {
        rv = clinic_store_cleanup_batch(&c, &s, &full, d, now);
        all_c += c;
        all_s += s;
    } while (rv == APR_SUCCESS && full);
    if (codes) {
        *codes = all_c;
    }
    if (slots) {
        *slots = all_s;
    }
    return rv;
}

/* ---- exact limits ------------------------------------------------------ */

apr_status_t clinic_store_rate_take_fresh(int *taken, clinic_db_t *d, const char *bucket1,
                                         const char *bucket2, apr_int64_t now)
{
    const char *now_s = clinic_db_num(d->pool, now);
    apr_status_t rv = clinic_db_run(NULL, d, &stmts[S_RATE_NEW_PAIR],
                                    CLINIC_ARGS(bucket1, now_s, bucket2,
                                                now_s));

    *taken = rv == APR_SUCCESS;
    return rv == APR_EEXIST ? APR_SUCCESS : rv;
}

apr_status_t clinic_store_rate_take(int *allowed, apr_int64_t *retry_after,
                                    clinic_db_t *d,
                                    const char *bucket, int limit,
                                    int window, apr_int64_t now)
{
    int slot;

    return clinic_store_rate_take_slot(allowed, &slot, retry_after, d,
                                       bucket, limit, window, now);
}

apr_status_t clinic_store_rate_give_back(clinic_db_t *d,
                                         const char *bucket, int slot,
                                         apr_int64_t now)
{
    return clinic_db_run(NULL, d, &stmts[S_RATE_GIVE_BACK],
                         CLINIC_ARGS(bucket, clinic_db_num(d->pool, slot),
                                     clinic_db_num(d->pool, now)));
}

apr_status_t clinic_store_rate_take_slot(int *allowed, int *taken,
                                         apr_int64_t *retry_after,
                                         clinic_db_t *d,
                                         const char *bucket, int limit,
                                         int window, apr_int64_t now)
{
    const char *now_s = clinic_db_num(d->pool, now);
    int round;

    *allowed = 0;
    *taken = -1;
    *retry_after = window;
    /* Each round reads the slots, then tries to take a free one with a
     * compare-and-set on its last use, or to create a missing one.  A
     * lost race moves on to the next candidate; two rounds are plenty,
     * and a request that still finds nothing is refused (never allowed
     * by mistake). */
    for (round = 0; round < 2; round++) {
        apr_array_header_t *rows;
        char *present = apr_pcalloc(d->pool, (apr_size_t)limit);
        apr_int64_t oldest = -1;
        int i, n;
        apr_status_t rv = clinic_db_select(&rows, d, &stmts[S_RATE_SLOTS],
                                      CLINIC_ARGS(bucket,
                                          clinic_db_num(d->pool, limit)));
        if (rv != APR_SUCCESS) {
            return rv;
        }
        for (i = 0; i < rows->nelts; i++) {
            clinic_row_t v = APR_ARRAY_IDX(rows, i, clinic_row_t);
            int slot = clinic_db_int(v[0]);
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
            rv = clinic_db_run(&n, d, &stmts[S_RATE_CLAIM],
                     CLINIC_ARGS(now_s, bucket, v[0], v[1]));
            if (rv != APR_SUCCESS) {
                return rv;
            }
            if (n == 1) {
                *allowed = 1;
                *taken = slot;
                return APR_SUCCESS;
            }
        }
        for (i = 0; i < limit; i++) {
            if (present[i]) {
                continue;
            }
            rv = clinic_db_run(&n, d, &stmts[S_RATE_NEW],
                     CLINIC_ARGS(bucket, clinic_db_num(d->pool, i), now_s));
            if (rv == APR_SUCCESS) {
                *allowed = 1;
                *taken = i;
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

