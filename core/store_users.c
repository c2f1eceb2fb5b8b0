/*
 * SPDX-License-Identifier: Apache-2.0
 * store_users.c: the users table.
 */
#include <string.h>
#include <apr_strings.h>

#include "store.h"
#include "store_exec.h"
#include "store_subs.h"
#include "timeutil.h"

#define USER_COLS "id, phone_number, name, national_id, is_active, " \
                  "created_at, updated_at, token_version"
/* the same columns read (u. for the join) */
#define USER_READ(u) u "id, " u "phone_number, " u "name, " u "national_id, " \
    CLINIC_TXT(u "is_active") ", " CLINIC_TXT(u "created_at") ", " \
    CLINIC_TXT(u "updated_at") ", " CLINIC_TXT(u "token_version")

enum {
    S_USER_BY_PHONE,
    S_USER_BY_ID,
    S_USER_WITH_ACTIVE,
    S_USER_INSERT,
    S_USER_UPDATE,
    S_USER_SET_PHONE,
    S_COUNT
};

static const clinic_stmt_t stmts[S_COUNT] = {
    [S_USER_BY_PHONE] = { "clinic_user_by_phone",
        "SELECT " USER_READ("") " FROM users WHERE phone_number = %s", 0 },
    [S_USER_BY_ID] = { "clinic_user_by_id",
        "SELECT " USER_READ("") " FROM users WHERE id = %s", 0 },
    /* a token's user and the subscription it has active, in one round
     * trip (most requests with a token show or need both) */
    [S_USER_WITH_ACTIVE] = { "clinic_user_with_active",
        "SELECT " USER_READ("u.") ", " CLINIC_SUB_COLS " "
        "FROM users u "
        "LEFT JOIN user_packages up ON up.active_user_id = u.id "
        "AND up.expires_at > %s AND up.payment_status = 'completed' "
        "LEFT JOIN packages p ON p.id = up.package_id "
        "WHERE u.id = %s", 0 },
    [S_USER_INSERT] = { "clinic_user_insert",
        "INSERT INTO users (" USER_COLS ") "
        "VALUES (%s, %s, NULL, NULL, 1, %s, %s, 0)", 0 },
    [S_USER_UPDATE] = { "clinic_user_update",
        "UPDATE users SET "
        "name = CASE WHEN %s = '1' THEN %s ELSE name END, "
        "national_id = CASE WHEN %s = '1' THEN %s ELSE national_id END, "
        "updated_at = %s WHERE id = %s", 0 },
    [S_USER_SET_PHONE] = { "clinic_user_set_phone",
        "UPDATE users SET phone_number = %s, updated_at = %s, "
        "token_version = token_version + 1 WHERE id = %s", 0 },
};

const clinic_stmt_set_t clinic_user_stmts = { stmts, S_COUNT };

/* ---- users ------------------------------------------------------------- */

static clinic_user_t *user_from(apr_pool_t *p, clinic_row_t v)
{
    clinic_user_t *u = apr_pcalloc(p, sizeof(*u));

    u->id = v[0];
    u->phone = v[1];
    u->name = v[2];
    u->national_id = v[3];
    u->is_active = clinic_db_int(v[4]);
    u->created_at = clinic_db_time(v[5]);
    u->updated_at = clinic_db_time(v[6]);
    u->token_version = v[7] ? apr_atoi64(v[7]) : 0;
    return u;
}

static apr_status_t user_one(clinic_user_t **out, clinic_db_t *d, int which, const char *key)
{
    apr_array_header_t *rows;
    apr_status_t rv = clinic_db_select(&rows, d, &stmts[which],
                                       CLINIC_ARGS(key));

    *out = NULL;
    if (rv == APR_SUCCESS && rows->nelts > 0) {
        *out = user_from(d->pool, APR_ARRAY_IDX(rows, 0, clinic_row_t));
    }
    return rv;
}

apr_status_t clinic_store_user_with_active(clinic_user_t **user,
                                          clinic_sub_t **active,
                                          clinic_db_t *d,
                                          const char *id, apr_int64_t now)
{
    apr_array_header_t *rows;
    apr_status_t rv = clinic_db_select(&rows, d,
                          &stmts[S_USER_WITH_ACTIVE],
                          CLINIC_ARGS(clinic_time_db(d->pool, now), id));
    clinic_row_t v;

    *user = NULL;
    *active = NULL;
    if (rv != APR_SUCCESS || rows->nelts == 0) {
        return rv;
    }
    v = APR_ARRAY_IDX(rows, 0, clinic_row_t);
    *user = user_from(d->pool, v);
    /* a subscription whose package row is gone is no subscription (the
     * other reads join packages strictly) */
    if (v[8] && v[10]) {
        *active = apr_pcalloc(d->pool, sizeof(**active));
        clinic_sub_from(*active, v + 8);
    }
    return APR_SUCCESS;
}

apr_status_t clinic_store_user_by_phone(clinic_user_t **out, clinic_db_t *d, const char *phone)
{
    return user_one(out, d, S_USER_BY_PHONE, phone);
}

apr_status_t clinic_store_user_by_id(clinic_user_t **out, clinic_db_t *d, const char *id)
{
    return user_one(out, d, S_USER_BY_ID, id);
}

apr_status_t clinic_store_user_create(clinic_db_t *d,
                                      const char *id, const char *phone,
                                      apr_int64_t now)
{
    const char *t = clinic_time_db(d->pool, now);
    return clinic_db_run(NULL, d, &stmts[S_USER_INSERT],
                         CLINIC_ARGS(id, phone, t, t));
}

apr_status_t clinic_store_user_update(clinic_db_t *d,
                                      const char *id, int set_name,
                                      const char *name, int set_nid,
                                      const char *national_id,
                                      apr_int64_t now)
{
    return clinic_db_run(NULL, d, &stmts[S_USER_UPDATE],
               CLINIC_ARGS(set_name ? "1" : "0", name, set_nid ? "1" : "0",
                    national_id, clinic_time_db(d->pool, now), id));
}

apr_status_t clinic_store_user_set_phone(clinic_db_t *d,
                                         const char *id, const char *phone,
                                         apr_int64_t now)
{
    return clinic_db_run(NULL, d, &stmts[S_USER_SET_PHONE],
               CLINIC_ARGS(phone, clinic_time_db(d->pool, now), id));
}
