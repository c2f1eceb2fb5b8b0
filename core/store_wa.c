/*
 * SPDX-License-Identifier: Apache-2.0
 * store_wa.c: what otp_codes keeps of a code sent by WhatsApp (schema
 * 006): its language and sealed code for a later SMS fallback, the
 * message's wamid, and the one fallback's claim.  The fallback is claimed
 * by one conditional UPDATE (fallback_at from NULL, the code still the
 * live one, unexpired, with attempts left): of two notifications of the
 * same failure, or a notification and the send's own fallback, one wins.
 */
#include <string.h>
#include <apr_strings.h>

#include "store.h"
#include "store_exec.h"
#include "timeutil.h"

enum {
    S_WA_INSERT,
    S_WA_SENT,
    S_WA_FELL_BACK,
    S_WA_BY_WAMID,
    S_WA_CLAIM,
    S_WA_DONE,
    S_WA_UNCLAIM,
    S_COUNT
};

static const clinic_stmt_t stmts[S_COUNT] = {
    [S_WA_INSERT] = { "clinic_wa_insert",
        "INSERT INTO otp_codes (id, phone_number, purpose, owner, code_hash, "
        "attempts, status, created_at, created_us, expires_at, channel, "
        "lang, code_box) "
        "VALUES (%s, %s, %s, %s, %s, 0, 'pending', %s, %s, %s, 'whatsapp', "
        "%s, %s)", 0 },
    [S_WA_SENT] = { "clinic_wa_sent",
        "UPDATE otp_codes SET wamid = %s WHERE id = %s AND wamid IS NULL",
        0 },
    /* WhatsApp refused it at once: it went by SMS, and that was its one
     * fallback */
    [S_WA_FELL_BACK] = { "clinic_wa_fell_back",
        "UPDATE otp_codes SET channel = 'sms', fallback_at = %s, "
        "code_box = NULL WHERE id = %s", 0 },
    [S_WA_BY_WAMID] = { "clinic_wa_by_wamid",
        "SELECT id, phone_number, purpose, owner, status, "
        CLINIC_TXT("attempts") ", " CLINIC_TXT("expires_at") ", lang, "
        "code_box, " CLINIC_TXT("fallback_at") " FROM otp_codes "
        "WHERE wamid = %s", 0 },
    [S_WA_CLAIM] = { "clinic_wa_claim",
        "UPDATE otp_codes SET fallback_at = %s "
        "WHERE id = %s AND fallback_at IS NULL AND status = 'active' "
        "AND expires_at > %s AND attempts < %s AND code_box IS NOT NULL",
        0 },
    [S_WA_DONE] = { "clinic_wa_done",
        "UPDATE otp_codes SET code_box = NULL WHERE id = %s", 0 },
    /* the fallback's SMS did not go: the next notification may try */
    [S_WA_UNCLAIM] = { "clinic_wa_unclaim",
        "UPDATE otp_codes SET fallback_at = NULL "
        "WHERE id = %s AND fallback_at = %s", 0 },
};

const clinic_stmt_set_t clinic_wa_stmts = { stmts, S_COUNT };

apr_status_t clinic_store_wa_insert(clinic_db_t *d, const char *id,
                                    const char *phone, const char *purpose,
                                    const char *owner, const char *hash,
                                    apr_int64_t now, apr_int64_t expires_at,
                                    apr_int64_t created_us, const char *lang,
                                    const char *box)
{
    return clinic_db_run(NULL, d, &stmts[S_WA_INSERT],
                         CLINIC_ARGS(id, phone, purpose, owner, hash,
                                     clinic_time_db(d->pool, now),
                                     clinic_db_num(d->pool, created_us),
                                     clinic_time_db(d->pool, expires_at),
                                     lang, box));
}

apr_status_t clinic_store_wa_sent(clinic_db_t *d, const char *id,
                                  const char *wamid)
{
    return clinic_db_run(NULL, d, &stmts[S_WA_SENT],
                         CLINIC_ARGS(wamid, id));
}

apr_status_t clinic_store_wa_fell_back(clinic_db_t *d, const char *id,
                                       apr_int64_t now)
{
    return clinic_db_run(NULL, d, &stmts[S_WA_FELL_BACK],
                         CLINIC_ARGS(clinic_time_db(d->pool, now), id));
}

apr_status_t clinic_store_wa_by_wamid(clinic_wa_code_t **out,
                                      clinic_db_t *d, const char *wamid)
{
    apr_array_header_t *rows;
    apr_status_t rv = clinic_db_select(&rows, d, &stmts[S_WA_BY_WAMID],
                                       CLINIC_ARGS(wamid));
    clinic_row_t v;
    clinic_wa_code_t *c;

    *out = NULL;
    if (rv != APR_SUCCESS || rows->nelts < 1) {
        return rv;
    }
    v = APR_ARRAY_IDX(rows, 0, clinic_row_t);
    c = apr_pcalloc(d->pool, sizeof(*c));
    c->id = v[0];
    c->phone = v[1];
    c->purpose = v[2];
    c->owner = v[3] ? v[3] : "";
    c->status = v[4] ? v[4] : "";
    c->attempts = clinic_db_int(v[5]);
    c->expires_at = clinic_db_time(v[6]);
    c->lang = v[7] ? v[7] : "en";
    c->box = v[8];
    c->fallback_at = v[9] ? clinic_db_time(v[9]) : 0;
    *out = c;
    return APR_SUCCESS;
}

apr_status_t clinic_store_wa_claim(int *won, clinic_db_t *d, const char *id,
                                   int max_attempts, apr_int64_t now)
{
    const char *now_s = clinic_time_db(d->pool, now);
    int n = 0;
    apr_status_t rv = clinic_db_run(&n, d, &stmts[S_WA_CLAIM],
                                    CLINIC_ARGS(now_s, id, now_s,
                                        clinic_db_num(d->pool,
                                                      max_attempts)));

    *won = rv == APR_SUCCESS && n == 1;
    return rv;
}

apr_status_t clinic_store_wa_done(clinic_db_t *d, const char *id)
{
    return clinic_db_run(NULL, d, &stmts[S_WA_DONE], CLINIC_ARGS(id));
}

apr_status_t clinic_store_wa_unclaim(clinic_db_t *d, const char *id,
                                     apr_int64_t claimed)
{
    return clinic_db_run(NULL, d, &stmts[S_WA_UNCLAIM],
                         CLINIC_ARGS(id, clinic_time_db(d->pool, claimed)));
}
