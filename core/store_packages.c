/*
 * SPDX-License-Identifier: Apache-2.0
 * store_packages.c: packages and subscriptions (user_packages).  One
 * active subscription per user is the unique key on
 * user_packages.active_user_id.
 */
#include <string.h>
#include <apr_strings.h>

#include "store.h"
#include "store_exec.h"
#include "store_subs.h"
#include "timeutil.h"

#define PKG_COLS CLINIC_PKG_COLS
#define SUB_SELECT CLINIC_SUB_SELECT

enum {
    S_PKG_ACTIVE,
    S_PKG_BY_ID,
    S_SUB_ACTIVE,
    S_SUB_RELEASE,
    S_SUB_INSERT,
    S_SUB_HISTORY,
    S_SUB_OF_USER,
    S_SUB_BY_KEY,
    S_SUB_FORGET_KEY,
    S_COUNT
};

static const clinic_stmt_t stmts[S_COUNT] = {
    [S_PKG_ACTIVE] = { "clinic_pkg_active",
        "SELECT " PKG_COLS " FROM packages WHERE is_active = 1 "
        "ORDER BY created_at DESC, id DESC", 0 },
    [S_PKG_BY_ID] = { "clinic_pkg_by_id",
        "SELECT " PKG_COLS " FROM packages WHERE id = %s", 0 },
    [S_SUB_ACTIVE] = { "clinic_sub_active",
        SUB_SELECT "WHERE up.active_user_id = %s AND up.expires_at > %s "
        "AND up.payment_status = 'completed'", 0 },
    [S_SUB_RELEASE] = { "clinic_sub_release",
        "UPDATE user_packages SET active_user_id = NULL "
        "WHERE active_user_id = %s AND expires_at <= %s "
        "AND payment_status = 'completed'", 0 },
    [S_SUB_INSERT] = { "clinic_sub_insert",
        "INSERT INTO user_packages (id, user_id, package_id, purchased_at, "
        "expires_at, payment_status, active_user_id, idempotency_key, "
        "created_at, amount, currency, pay_provider) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", 0 },
    [S_SUB_BY_KEY] = { "clinic_sub_by_key",
        SUB_SELECT "WHERE up.user_id = %s AND up.idempotency_key = %s", 0 },
    [S_SUB_FORGET_KEY] = { "clinic_sub_forget_key",
        "UPDATE user_packages SET idempotency_key = NULL "
        "WHERE user_id = %s AND idempotency_key = %s AND created_at <= %s",
        0 },
    [S_SUB_OF_USER] = { "clinic_sub_of_user",
        SUB_SELECT "WHERE up.id = %s AND up.user_id = %s", 0 },
    [S_SUB_HISTORY] = { "clinic_sub_history",
        SUB_SELECT "WHERE up.user_id = %s "
        "ORDER BY (up.payment_status = 'pending') DESC, "
        "up.purchased_at DESC, up.expires_at DESC, up.id DESC", 0 },
};

const clinic_stmt_set_t clinic_package_stmts = { stmts, S_COUNT };

/* ---- packages and subscriptions ---------------------------------------- */

void clinic_package_from(clinic_package_t *k, clinic_row_t v)
{
    k->id = v[0];
    k->name = v[1] ? v[1] : "";
    k->description = v[2];
    k->price = v[3];
    k->duration_days = clinic_db_int(v[4]);
    k->is_active = clinic_db_int(v[5]);
    k->created_at = clinic_db_time(v[6]);
}

apr_status_t clinic_packages_select(apr_array_header_t **out,
                                    clinic_db_t *d,
                                    const clinic_stmt_t *st)
{
    apr_array_header_t *rows;
    apr_status_t rv = clinic_db_select(&rows, d, st, 0, NULL);
    int i;

    *out = apr_array_make(d->pool, rows->nelts, sizeof(clinic_package_t));
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        clinic_package_from(apr_array_push(*out),
                     APR_ARRAY_IDX(rows, i, clinic_row_t));
    }
    return rv;
}

apr_status_t clinic_store_packages_active(apr_array_header_t **out,
                                          clinic_db_t *d)
{
    return clinic_packages_select(out, d, &stmts[S_PKG_ACTIVE]);
}

apr_status_t clinic_store_package_by_id(clinic_package_t **out,
                                        clinic_db_t *d,
                                        const char *id)
{
    apr_array_header_t *rows;
    apr_status_t rv = clinic_db_select(&rows, d, &stmts[S_PKG_BY_ID],
                                       CLINIC_ARGS(id));

    *out = NULL;
    if (rv == APR_SUCCESS && rows->nelts > 0) {
        *out = apr_pcalloc(d->pool, sizeof(**out));
        clinic_package_from(*out, APR_ARRAY_IDX(rows, 0, clinic_row_t));
    }
    return rv;
}

void clinic_sub_from(clinic_sub_t *s, clinic_row_t v)
{
    s->id = v[0];
    s->pkg.id = v[1];
    s->pkg.name = v[2] ? v[2] : "";
    s->pkg.description = v[3];
    s->pkg.price = v[4];
    s->pkg.duration_days = clinic_db_int(v[5]);
    s->pkg.is_active = clinic_db_int(v[6]);
    s->pkg.created_at = clinic_db_time(v[7]);
    s->purchased_at = clinic_db_time(v[8]);
    s->expires_at = clinic_db_time(v[9]);
    s->payment_status = v[10] ? v[10] : "pending";
    s->user_id = v[11];
    s->created_at = v[12] ? clinic_db_time(v[12]) : s->purchased_at;
    s->currency = v[13];
    s->pay_provider = v[14];
    s->pay_ref = v[15];
    s->pay_url = v[16];
    s->pay_expires_at = clinic_db_time(v[17]);
}

apr_status_t clinic_sub_one(clinic_sub_t **out, clinic_db_t *d,
                            const clinic_stmt_t *st, int nargs,
                            const char **args)
{
    apr_array_header_t *rows;
    apr_status_t rv = clinic_db_select(&rows, d, st, nargs, args);

    *out = NULL;
    if (rv == APR_SUCCESS && rows->nelts > 0) {
        *out = apr_pcalloc(d->pool, sizeof(**out));
        clinic_sub_from(*out, APR_ARRAY_IDX(rows, 0, clinic_row_t));
    }
    return rv;
}

apr_status_t clinic_store_sub_active(clinic_sub_t **out, clinic_db_t *d, const char *user_id,
                                     apr_int64_t now)
{
    return clinic_sub_one(out, d, &stmts[S_SUB_ACTIVE],
                   CLINIC_ARGS(user_id, clinic_time_db(d->pool, now)));
}

apr_status_t clinic_store_sub_release_expired(clinic_db_t *d,
                                              const char *user_id,
                                              apr_int64_t now)
{
    return clinic_db_run(NULL, d, &stmts[S_SUB_RELEASE],
               CLINIC_ARGS(user_id, clinic_time_db(d->pool, now)));
}

apr_status_t clinic_store_sub_insert(clinic_db_t *d,
                                     const clinic_sub_t *s,
                                     const char *user_id, const char *key,
                                     apr_int64_t now)
{
    return clinic_db_run(NULL, d, &stmts[S_SUB_INSERT],
                         CLINIC_ARGS(s->id, user_id, s->pkg.id,
                                     clinic_time_db(d->pool, s->purchased_at),
                                     clinic_time_db(d->pool, s->expires_at),
                                     s->payment_status, user_id, key,
                                     clinic_time_db(d->pool, now),
                                     s->pkg.price, s->currency,
                                     s->pay_provider));
}

apr_status_t clinic_store_sub_by_key(clinic_sub_t **out, clinic_db_t *d, const char *user_id,
                                     const char *key, apr_int64_t forget_before)
{
    apr_status_t rv;

    *out = NULL;
    /* a key older than the window is free again */
    rv = clinic_db_run(NULL, d, &stmts[S_SUB_FORGET_KEY],
                       CLINIC_ARGS(user_id, key,
                                   clinic_time_db(d->pool, forget_before)));
    if (rv != APR_SUCCESS) {
        return rv;
    }
    return clinic_sub_one(out, d, &stmts[S_SUB_BY_KEY],
                          CLINIC_ARGS(user_id, key));
}

apr_status_t clinic_store_sub_history(apr_array_header_t **out,
                                      clinic_db_t *d,
                                      const char *user_id)
{
    apr_array_header_t *rows;
    apr_status_t rv = clinic_db_select(&rows, d, &stmts[S_SUB_HISTORY],
                                       CLINIC_ARGS(user_id));
    int i;

    *out = apr_array_make(d->pool, rows->nelts, sizeof(clinic_sub_t));
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        clinic_sub_from(apr_array_push(*out), APR_ARRAY_IDX(rows, i, clinic_row_t));
    }
    return rv;
}


apr_status_t clinic_store_sub_of_user(clinic_sub_t **out, clinic_db_t *d, const char *id,
                                      const char *user_id)
{
    return clinic_sub_one(out, d, &stmts[S_SUB_OF_USER],
                          CLINIC_ARGS(id, user_id));
}
