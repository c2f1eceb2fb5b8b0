/*
 * SPDX-License-Identifier: Apache-2.0
 * store_admin.c: clinicctl's statements (store_admin.h).  Like the rest of
 * the store, every value is a parameter and every change one statement.
 */
#include <string.h>
#include <apr_strings.h>

#include "store_admin.h"
#include "store_subs.h"
#include "timeutil.h"

enum {
    A_PKG_ALL,
    A_PKG_INSERT,
    A_PKG_UPDATE,
    A_PKG_SET_ACTIVE,
    A_USER_OFF,
    A_USER_ON,
    A_STATS,
    A_COUNT
};

static const clinic_stmt_t stmts[A_COUNT] = {
    [A_PKG_ALL] = { "clinic_admin_pkg_all",
        "SELECT " CLINIC_PKG_COLS " FROM packages "
        "ORDER BY created_at DESC, id DESC", 0 },
    [A_PKG_INSERT] = { "clinic_admin_pkg_insert",
        "INSERT INTO packages (id, name, description, price, duration_days, "
        "is_active, created_at, updated_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", 0 },
    [A_PKG_UPDATE] = { "clinic_admin_pkg_update",
        "UPDATE packages SET name = %s, description = %s, price = %s, "
        "duration_days = %s, updated_at = %s WHERE id = %s", 0 },
    [A_PKG_SET_ACTIVE] = { "clinic_admin_pkg_set_active",
        "UPDATE packages SET is_active = %s, updated_at = %s WHERE id = %s",
        0 },
    [A_USER_OFF] = { "clinic_admin_user_off",
        "UPDATE users SET is_active = 0, updated_at = %s, "
        "token_version = token_version + 1 WHERE id = %s", 0 },
    [A_USER_ON] = { "clinic_admin_user_on",
        "UPDATE users SET is_active = 1, updated_at = %s WHERE id = %s", 0 },
    [A_STATS] = { "clinic_admin_stats",
        "SELECT "
        CLINIC_TXT("(SELECT COUNT(*) FROM users)") ", "
        CLINIC_TXT("(SELECT COUNT(*) FROM users WHERE is_active = 1)") ", "
        CLINIC_TXT("(SELECT COUNT(*) FROM user_packages "
                   "WHERE payment_status = 'completed' AND expires_at > %s)")
        ", "
        CLINIC_TXT("(SELECT COUNT(*) FROM otp_codes "
                   "WHERE created_at > %s AND status <> 'failed')") ", "
        CLINIC_TXT("(SELECT COUNT(*) FROM otp_codes "
                   "WHERE created_at > %s AND status = 'failed')") ", "
        CLINIC_TXT("(SELECT COUNT(*) FROM otp_codes "
                   "WHERE purpose = 'login' AND status = 'consumed' "
                   "AND consumed_at > %s)") ", "
        CLINIC_TXT("(SELECT COUNT(*) FROM user_packages "
                   "WHERE payment_status = 'pending')"), 0 },
};

const clinic_stmt_set_t clinic_admin_stmts = { stmts, A_COUNT };

apr_status_t clinic_admin_packages(apr_array_header_t **out, clinic_db_t *d)
{
    return clinic_packages_select(out, d, &stmts[A_PKG_ALL]);
}

apr_status_t clinic_admin_package_add(clinic_db_t *d,
                                      const clinic_package_t *pkg,
                                      apr_int64_t now)
{
    const char *at = clinic_time_db(d->pool, now);

    return clinic_db_run(NULL, d, &stmts[A_PKG_INSERT],
                         CLINIC_ARGS(pkg->id, pkg->name, pkg->description,
                                     pkg->price,
                                     clinic_db_num(d->pool,
                                                   pkg->duration_days),
                                     pkg->is_active ? "1" : "0", at, at));
}

apr_status_t clinic_admin_package_update(int *found, clinic_db_t *d,
                                         const clinic_package_t *pkg,
                                         apr_int64_t now)
{
    return clinic_db_run(found, d, &stmts[A_PKG_UPDATE],
                         CLINIC_ARGS(pkg->name, pkg->description, pkg->price,
                                     clinic_db_num(d->pool,
                                                   pkg->duration_days),
                                     clinic_time_db(d->pool, now), pkg->id));
}

apr_status_t clinic_admin_package_set_active(int *found, clinic_db_t *d, const char *id,
                                             int active, apr_int64_t now)
{
    return clinic_db_run(found, d, &stmts[A_PKG_SET_ACTIVE],
                         CLINIC_ARGS(active ? "1" : "0",
                                     clinic_time_db(d->pool, now), id));
}

apr_status_t clinic_admin_user_set_active(int *found, clinic_db_t *d, const char *id,
                                          int active, apr_int64_t now)
{
    return clinic_db_run(found, d, &stmts[active ? A_USER_ON : A_USER_OFF],
                         CLINIC_ARGS(clinic_time_db(d->pool, now), id));
}

apr_status_t clinic_admin_stats(clinic_stats_t *out, clinic_db_t *d, apr_int64_t now)
{
    const char *now_s = clinic_time_db(d->pool, now);
    const char *day = clinic_time_db(d->pool, now - 86400);
    apr_array_header_t *rows;
    apr_status_t rv = clinic_db_select(&rows, d, &stmts[A_STATS],
                                       CLINIC_ARGS(now_s, day, day, day));
    clinic_row_t v;

    memset(out, 0, sizeof(*out));
    if (rv != APR_SUCCESS || rows->nelts != 1) {
        return rv == APR_SUCCESS ? APR_EGENERAL : rv;
    }
    v = APR_ARRAY_IDX(rows, 0, clinic_row_t);
    out->users = v[0] ? apr_atoi64(v[0]) : 0;
    out->active_users = v[1] ? apr_atoi64(v[1]) : 0;
    out->active_subscriptions = v[2] ? apr_atoi64(v[2]) : 0;
    out->sends = v[3] ? apr_atoi64(v[3]) : 0;
    out->failed_sends = v[4] ? apr_atoi64(v[4]) : 0;
    out->logins = v[5] ? apr_atoi64(v[5]) : 0;
    out->pending_payments = v[6] ? apr_atoi64(v[6]) : 0;
    return APR_SUCCESS;
}
