/*
 * SPDX-License-Identifier: Apache-2.0
 * store_payments.c: a subscription's payment at the provider.  Every
 * change of payment_status is one conditional UPDATE, so duplicate and
 * racing confirmations change a row once: the request whose UPDATE
 * touched the row is the one that completed (or failed) it.
 */
#include <string.h>
#include <apr_strings.h>

#include "store.h"
#include "store_exec.h"
#include "store_subs.h"
#include "timeutil.h"

enum {
    S_PAY_SUB,
    S_PAY_BY_REF,
    S_PAY_ATTACH,
    S_PAY_COMPLETE,
    S_PAY_FAIL,
    S_PAY_ABANDON,
    S_PAY_STALE,
    S_PAY_OVERDUE,
    S_COUNT
};

static const clinic_stmt_t stmts[S_COUNT] = {
    [S_PAY_SUB] = { "clinic_pay_sub",
        CLINIC_SUB_SELECT "WHERE up.id = %s", 0 },
    [S_PAY_BY_REF] = { "clinic_pay_by_ref",
        CLINIC_SUB_SELECT "WHERE up.pay_provider = %s AND up.pay_ref = %s",
        0 },
    [S_PAY_ATTACH] = { "clinic_pay_attach",
        "UPDATE user_packages SET pay_ref = %s, pay_url = %s, "
        "pay_expires_at = %s WHERE id = %s AND pay_ref IS NULL "
        "AND payment_status = 'pending'", 0 },
    /* pending, or failed by the timeout and paid late: paid takes the
     * user's slot, and the unique key refuses it when another
     * subscription holds the slot now */
    [S_PAY_COMPLETE] = { "clinic_pay_complete",
        "UPDATE user_packages SET payment_status = 'completed', "
        "active_user_id = user_id, purchased_at = %s, expires_at = %s "
        "WHERE id = %s AND payment_status IN ('pending', 'failed')", 0 },
    [S_PAY_FAIL] = { "clinic_pay_fail",
        "UPDATE user_packages SET payment_status = 'failed', "
        "active_user_id = NULL WHERE id = %s AND payment_status = 'pending'",
        0 },
    /* the provider never made the payment: nothing to replay either */
    [S_PAY_ABANDON] = { "clinic_pay_abandon",
        "UPDATE user_packages SET payment_status = 'failed', "
        "active_user_id = NULL, idempotency_key = NULL "
        "WHERE id = %s AND payment_status = 'pending' AND pay_ref IS NULL",
        0 },
    [S_PAY_STALE] = { "clinic_pay_stale",
        CLINIC_SUB_SELECT "WHERE up.user_id = %s "
        "AND up.payment_status = 'pending' AND up.created_at <= %s", 0 },
    /* every user's, a batch at a time, past the deadline the host that
     * made the payment gave it (several hosts with other timeouts may
     * share the database); one never made at the provider, by age */
    [S_PAY_OVERDUE] = { "clinic_pay_overdue",
        CLINIC_SUB_SELECT "WHERE up.payment_status = 'pending' "
        "AND up.pay_provider = %s "
        "AND ((up.pay_ref IS NOT NULL AND up.pay_expires_at <= %s) "
        "OR (up.pay_ref IS NULL AND up.created_at <= %s)) "
        "ORDER BY up.created_at LIMIT " CLINIC_PAY_BATCH_SQL, 0 },
};

const clinic_stmt_set_t clinic_payment_stmts = { stmts, S_COUNT };

apr_status_t clinic_store_pay_sub(clinic_sub_t **out, clinic_db_t *d, const char *id)
{
    return clinic_sub_one(out, d, &stmts[S_PAY_SUB], CLINIC_ARGS(id));
}

apr_status_t clinic_store_pay_by_ref(clinic_sub_t **out, clinic_db_t *d, const char *provider,
                                     const char *ref)
{
    return clinic_sub_one(out, d, &stmts[S_PAY_BY_REF],
                          CLINIC_ARGS(provider, ref));
}

apr_status_t clinic_store_pay_attach(int *won, clinic_db_t *d,
                                     const char *id, const char *ref,
                                     const char *url, apr_int64_t expires)
{
    int n = 0;
    apr_status_t rv = clinic_db_run(&n, d, &stmts[S_PAY_ATTACH],
                          CLINIC_ARGS(ref, url,
                                      clinic_time_db(d->pool, expires), id));
    *won = rv == APR_SUCCESS && n > 0;
    return rv;
}

apr_status_t clinic_store_pay_complete(int *won, clinic_db_t *d,
                                       const char *id, apr_int64_t paid_at,
                                       apr_int64_t expires_at)
{
    int n = 0;
    apr_status_t rv = clinic_db_run(&n, d, &stmts[S_PAY_COMPLETE],
                          CLINIC_ARGS(clinic_time_db(d->pool, paid_at),
                                      clinic_time_db(d->pool, expires_at),
                                      id));
    *won = rv == APR_SUCCESS && n > 0;
    return rv;
}

apr_status_t clinic_store_pay_fail(int *won, clinic_db_t *d,
                                   const char *id, int never_made)
{
    int n = 0;
    apr_status_t rv = clinic_db_run(&n, d,
                          &stmts[never_made ? S_PAY_ABANDON : S_PAY_FAIL],
                          CLINIC_ARGS(id));
    *won = rv == APR_SUCCESS && n > 0;
    return rv;
}

static apr_status_t subs_select(apr_array_header_t **out, clinic_db_t *d, int which, int nargs,
                                const char **args)
{
    apr_array_header_t *rows;
    apr_status_t rv = clinic_db_select(&rows, d, &stmts[which], nargs,
                                       args);
    int i;

    *out = apr_array_make(d->pool, rows->nelts, sizeof(clinic_sub_t));
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        clinic_sub_from(apr_array_push(*out),
                        APR_ARRAY_IDX(rows, i, clinic_row_t));
    }
    return rv;
}

apr_status_t clinic_store_pay_stale(apr_array_header_t **out, clinic_db_t *d, const char *user_id,
                                    apr_int64_t before)
{
    return subs_select(out, d, S_PAY_STALE,
                       CLINIC_ARGS(user_id, clinic_time_db(d->pool, before)));
}

apr_status_t clinic_store_pay_overdue(apr_array_header_t **out,
                                      clinic_db_t *d,
                                      const char *provider, apr_int64_t now,
                                      apr_int64_t unmade_before)
{
    return subs_select(out, d, S_PAY_OVERDUE,
                       CLINIC_ARGS(provider, clinic_time_db(d->pool, now),
                                   clinic_time_db(d->pool, unmade_before)));
}
