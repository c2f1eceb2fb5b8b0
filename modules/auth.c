/*
 * SPDX-License-Identifier: Apache-2.0
 * auth.c: POST /api/auth/verify-otp, the code check the phone change
 * shares, and the bearer-token check every protected route goes through
 * (sending a code: otp_send.c).
 *
 * Codes: drawn from the CSPRNG, stored only as an HMAC, compared in
 * constant time.  The database counts attempts with a conditional UPDATE
 * and hands a code to one login with another, so concurrency can't buy
 * extra attempts or a second login.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_atomic.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>

#include "handlers.h"
#include "ids.h"
#include "auth.h"
#include "budget.h"
#include "fields.h"
#include "json.h"
#include "jwt.h"
#include "metrics.h"
#include "otp.h"
#include "ratelimit.h"
#include "seclog.h"
#include "sms.h"
#include "store_db.h"

APLOG_USE_MODULE(clinic);

#define PURPOSE_LOGIN "login"
#define PURPOSE_PHONE_CHANGE "phone_change"

/* ---- tokens ------------------------------------------------------------- */

static int token_refused(clinic_req_t *cr, const char *code,
                         const char *message, const char *reason,
                         const char *user_id)
{
    clinic_seclog(cr, "token_rejected", NULL, user_id, reason);
    apr_table_setn(cr->r->err_headers_out, "WWW-Authenticate",
                   "Bearer realm=\"clinic\"");
    return clinic_send_error(cr, HTTP_UNAUTHORIZED, code, message, NULL);
}

int clinic_bearer(clinic_req_t *cr)
{
    const char *auth;

    if (cr->bearer_rc != -2) {
        return cr->bearer_rc;
    }
    auth = apr_table_get(cr->r->headers_in, "Authorization");
    if (!auth || strncasecmp(auth, "Bearer ", 7)) {
        return cr->bearer_rc = -1;
    }
    auth += 7;
    while (*auth == ' ') {
        auth++;
    }
    return cr->bearer_rc = clinic_jwt_verify_ring(
               &cr->claims, cr->r->pool, auth,
               (const clinic_jwt_key_t *)cr->conf->jwt_ring->elts,
               cr->conf->jwt_ring->nelts, cr->now);
}

/* The answer for a token refused on its own (no database needed). */
static int refuse_signature(clinic_req_t *cr, int rc)
{
    if (rc < 0) {
        apr_table_setn(cr->r->err_headers_out, "WWW-Authenticate",
                       "Bearer realm=\"clinic\"");
        return clinic_send_error(cr, HTTP_UNAUTHORIZED, "UNAUTHORIZED",
                                 "Log in first: send Authorization: Bearer "
                                 "<token>.", NULL);
    }
    switch (rc) {
    case CLINIC_JWT_EXPIRED:
        return token_refused(cr, "TOKEN_EXPIRED", "The session has expired. "
                             "Please log in again.", "expired", NULL);
    case CLINIC_JWT_BAD_ALG:
        return token_refused(cr, "INVALID_TOKEN", "The token is invalid.",
                             "algorithm", NULL);
    case CLINIC_JWT_BAD_SIGNATURE:
        return token_refused(cr, "INVALID_TOKEN", "The token is invalid.",
                             "signature", NULL);
    case CLINIC_JWT_UNKNOWN_KEY:
        /* signed with a key this host no longer (or never) had */
        return token_refused(cr, "INVALID_TOKEN", "The token is invalid.",
                             "unknown_key", NULL);
    default:
        return token_refused(cr, "INVALID_TOKEN", "The token is invalid.",
                             "malformed", NULL);
    }
}

int clinic_auth_load(clinic_req_t *cr)
{
    const clinic_jwt_claims_t *claims = &cr->claims;
    clinic_user_t *user = NULL;
    clinic_db_t *d;

    if (cr->user) {
        return OK;
    }
    if (cr->refused) {
        return DECLINED;
    }
    if (clinic_bearer(cr) != CLINIC_JWT_OK) {
        cr->refused = "token";
        return DECLINED;
    }
    if (!(d = clinic_db_quiet(cr))
        || clinic_store_user_with_active(&user, &cr->active, d,
                                         claims->sub, cr->now)
           != APR_SUCCESS) {
        cr->refused = "database";
    }
    else if (!user) {
        cr->refused = "unknown_user";
    }
    /* a phone change refuses every older token, even if the number later
     * comes back: the phone claim and the token version must both match */
    else if (strcmp(user->phone, claims->phone)
             || claims->ver != user->token_version) {
        cr->refused = "phone_changed";
    }
    else if (!user->is_active) {
        cr->refused = "inactive";
    }
    else {
        cr->user = user;
        cr->active_known = 1;
        return OK;
    }
    return DECLINED;
}

int clinic_auth_refuse(clinic_req_t *cr)
{
    int rc = clinic_bearer(cr);

    if (rc != CLINIC_JWT_OK) {
        return refuse_signature(cr, rc);
    }
    if (!cr->refused || !strcmp(cr->refused, "database")) {
        /* 503 when the database was down or busy, else 500 */
        return clinic_send_internal(cr, "user lookup failed");
    }
    if (!strcmp(cr->refused, "inactive")) {
        return clinic_send_error(cr, HTTP_FORBIDDEN, "USER_INACTIVE",
                                 "This account is disabled.", NULL);
    }
    return token_refused(cr, "INVALID_TOKEN", "The token is invalid.",
                         cr->refused, cr->claims.sub);
}

int clinic_auth_token(clinic_req_t *cr)
{
    return clinic_auth_load(cr) == OK ? OK : clinic_auth_refuse(cr);
}

const char *clinic_token_for(clinic_req_t *cr, const clinic_user_t *user)
{
    clinic_jwt_claims_t c;

    c.sub = user->id;
    c.phone = user->phone;
    c.iat = cr->now;
    c.exp = cr->now + clinic_token_ttl(cr->conf);
    c.ver = user->token_version;
    /* the ring's first key signs */
    return clinic_jwt_sign_key(cr->r->pool,
                               &APR_ARRAY_IDX(cr->conf->jwt_ring, 0,
                                              clinic_jwt_key_t), &c);
}

/* ---- verifying ---------------------------------------------------------- */

/* A refusal that is no wrong guess: the guess budget's slot goes back */
static int otp_refused(clinic_req_t *cr, clinic_rl_held_t *guess,
                       const char *phone, const char *owner,
                       const char *code, const char *message,
                       const char *reason)
{
    clinic_ratelimit_give_back(cr, guess);
    clinic_metric_verify_refused(cr->r->server, reason);
    clinic_seclog(cr, "otp_verify_failed", phone, *owner ? owner : NULL,
                  reason);
    return clinic_send_error(cr, HTTP_BAD_REQUEST, code, message, NULL);
}

/* Is the code one of an earlier SMS of (phone, purpose, owner), replaced
 * by a newer one? */
static apr_status_t was_replaced(int *replaced, clinic_req_t *cr,
                                 const apr_array_header_t *expected,
                                 const char *phone, const char *purpose,
                                 const char *owner)
{
    apr_array_header_t *old;
    apr_status_t rv = clinic_store_otp_replaced(&old, cr->dbd, phone,
                                                purpose, owner, cr->now);
    int i;

    *replaced = 0;
    for (i = 0; rv == APR_SUCCESS && i < old->nelts; i++) {
        *replaced |= clinic_otp_hash_in(expected,
                                        APR_ARRAY_IDX(old, i, const char *));
    }
    return rv;
}

/* The attempt was not counted: the code expired, was spent, or was used
 * meanwhile; tell which (none of them is a wrong guess) */
static int refuse_uncounted(clinic_req_t *cr, clinic_rl_held_t *guess,
                            const char *phone, const char *owner,
                            const char *id)
{
    clinic_otp_row_t *row;

    if (clinic_store_otp_get(&row, cr->dbd, id) != APR_SUCCESS) {
        return clinic_send_internal(cr, "code lookup failed");
    }
    if (!row || strcmp(row->status, "active")) {
        return otp_refused(cr, guess, phone, owner, "OTP_NOT_FOUND",
                           "This code is no longer valid. Request a new "
                           "one.", "used");
    }
    if (row->expires_at <= cr->now) {
        return otp_refused(cr, guess, phone, owner, "OTP_EXPIRED",
                           "The code has expired. Request a new one.",
                           "expired");
    }
    return otp_refused(cr, guess, phone, owner, "OTP_ATTEMPTS_EXCEEDED",
                       "Too many wrong codes. Request a new one.",
                       "attempts_exceeded");
}

/* The right code, its attempt counted: consume it, end the rest of its
 * burst, give the guess budget's slot back. */
static int accept_code(clinic_req_t *cr, clinic_rl_held_t *guess,
                       const char *phone, const char *purpose,
                       const char *owner, const char *id)
{
    clinic_db_t *d = cr->dbd;
    int won;

    if (clinic_store_otp_consume(&won, d, id, cr->now)
        != APR_SUCCESS) {
        return clinic_send_internal(cr, "code consume failed");
    }
    if (!won) {
        return otp_refused(cr, guess, phone, owner, "OTP_NOT_FOUND",
                           "This code is no longer valid. Request a new "
                           "one.", "used");
    }
    /* one burst of sends yields one login: the login ends every other
     * code of the burst, those still on their way through a slow
     * gateway (pending) included, so they can't be activated later */
    if (clinic_store_otp_retire_rest(d, id, phone, purpose,
                                     owner) != APR_SUCCESS) {
        return clinic_send_internal(cr, "code retire failed");
    }
    clinic_ratelimit_give_back(cr, guess);
    clinic_metric_inc(cr->r->server, CLINIC_M_VERIFIES, CLINIC_VERIFY_OK);
    return OK;
}

/* A wrong code, its attempt counted: the guess budget's slot stays taken;
 * report what is left of the code's attempts. */
static int refuse_wrong_code(clinic_req_t *cr, const char *phone,
                             const char *owner, const char *id, int max)
{
    clinic_otp_row_t *row;
    cJSON *details;
    int left;

    if (clinic_store_otp_get(&row, cr->dbd, id) != APR_SUCCESS
        || !row) {
        return clinic_send_internal(cr, "code lookup failed");
    }
    left = max - row->attempts;
    if (left <= 0) {
        left = 0;
        clinic_seclog(cr, "otp_locked", phone, *owner ? owner : NULL, NULL);
    }
    clinic_metric_verify_refused(cr->r->server, "wrong_code");
    clinic_seclog(cr, "otp_verify_failed", phone, *owner ? owner : NULL,
                  "wrong_code");
    details = clinic_json_object(cr->r->pool);
    clinic_json_add_int(details, "attemptsRemaining", left);
    return clinic_send_error(cr, HTTP_BAD_REQUEST, "INVALID_OTP",
                             "The code is not correct.", details);
}

/* The code check proper, with a slot of the guess budget held: kept
 * only when the code was wrong and the attempt counted. */
static int check_code(clinic_req_t *cr, clinic_rl_held_t *guess,
                      const char *phone, const char *purpose,
                      const char *owner, const char *code)
{
    clinic_server_conf *c = cr->conf;
    int max = clinic_otp_max_attempts(c), counted, right;
    clinic_otp_row_t *row;
    apr_array_header_t *expected;
    clinic_db_t *d = cr->dbd;

    if (clinic_store_otp_latest(&row, d, phone, purpose, owner)
        != APR_SUCCESS) {
        return clinic_send_internal(cr, "code lookup failed");
    }
    if (!row) {
        return otp_refused(cr, guess, phone, owner, "OTP_NOT_FOUND",
                           "No code is pending for this number. Request a "
                           "new one.", "not_found");
    }
    /* the code as every key of the code ring would have stored it: the
     * key that hashed it may since have moved down the ring */
    if (!(expected = clinic_otp_hashes(cr->r->pool,
                                       (const clinic_secret_t *)
                                       c->otp_ring->elts, c->otp_ring->nelts,
                                       phone, purpose, code))) {
        return clinic_send_internal(cr, "code hash failed");
    }
    right = clinic_otp_hash_in(expected, row->hash);
    if (!right) {
        /* a code from an earlier SMS: say it was replaced, and don't spend
         * an attempt of the live code on it */
        int replaced;

        if (was_replaced(&replaced, cr, expected, phone, purpose, owner)
            != APR_SUCCESS) {
            return clinic_send_internal(cr, "code lookup failed");
        }
        if (replaced) {
            return otp_refused(cr, guess, phone, owner, "OTP_NOT_FOUND",
                               "This code was replaced by a newer one. Use "
                               "the code of the latest SMS.", "replaced");
        }
    }
    if (clinic_store_otp_attempt(&counted, d, row->id, max, cr->now)
        != APR_SUCCESS) {
        return clinic_send_internal(cr, "attempt count failed");
    }
    if (!counted) {
        return refuse_uncounted(cr, guess, phone, owner, row->id);
    }

    if (right) {
        return accept_code(cr, guess, phone, purpose, owner, row->id);
    }
    return refuse_wrong_code(cr, phone, owner, row->id, max);
}

int clinic_otp_check_device(clinic_req_t *cr, const char *phone,
                            const char *purpose, const char *owner,
                            const char *code, int count_ip,
                            const char *device)
{
    clinic_rl_held_t guess;
    int st;

    if (!clinic_db(cr)) {
        return DONE;
    }
    if (count_ip
        && (st = clinic_ratelimit_exact(cr, CLINIC_RL_OTP_IP, cr->client))
           != OK) {
        return st;
    }
    /* wrong codes per number from strangers, whatever their addresses, or
     * per device for the number's own device: a slot is taken before the
     * code is looked at (so parallel guesses can't overrun the budget),
     * and given back unless the code turns out wrong.  Past the budget
     * nothing is checked and no attempt of the code is spent. */
    if ((st = clinic_ratelimit_hold(cr, CLINIC_RL_OTP_GUESS,
                                    device ? clinic_device_bucket(cr, device)
                                           : phone, &guess)) != OK) {
        return st;
    }
    return check_code(cr, &guess, phone, purpose, owner, code);
}

int clinic_otp_check(clinic_req_t *cr, const char *phone, const char *purpose,
                     const char *owner, const char *code, int count_ip)
{
    return clinic_otp_check_device(cr, phone, purpose, owner, code, count_ip,
                                   NULL);
}

int clinic_h_verify_otp(clinic_req_t *cr)
{
    const char *phone, *code, *token, *device, *device_token;
    clinic_user_t *user;
    clinic_sub_t *active = NULL;
    int st, is_new = 0;
    apr_status_t rv;
    clinic_db_t *d;
    cJSON *data;

    if ((st = clinic_field_phone(cr, CLINIC_F_PHONE, &phone)) != OK
        || (st = clinic_field_code(cr, CLINIC_F_CODE, &code)) != OK) {
        return st;
    }
    device = clinic_device_of(cr, phone);
    if ((st = clinic_otp_check_device(cr, phone, PURPOSE_LOGIN, "", code, 1,
                                      device)) != OK) {
        return st;
    }
    d = cr->dbd;
    if (clinic_store_user_by_phone(&user, d, phone) != APR_SUCCESS) {
        return clinic_send_internal(cr, "user lookup failed");
    }
    if (!user) {
        const char *id = clinic_uuid(cr->r->pool);
        rv = id ? clinic_store_user_create(d, id, phone, cr->now)
                : APR_EGENERAL;
        /* APR_EEXIST: a concurrent request created it; use that one */
        if (rv != APR_SUCCESS && rv != APR_EEXIST) {
            return clinic_send_internal(cr, "user insert failed");
        }
        is_new = (rv == APR_SUCCESS);
        if (clinic_store_user_by_phone(&user, d, phone) != APR_SUCCESS
            || !user) {
            return clinic_send_internal(cr, "user reload failed");
        }
    }
    if (!user->is_active) {
        clinic_seclog(cr, "login_refused", phone, user->id, "inactive");
        return clinic_send_error(cr, HTTP_FORBIDDEN, "USER_INACTIVE",
                                 "This account is disabled.", NULL);
    }
    if (clinic_store_sub_active(&active, d, user->id, cr->now)
        != APR_SUCCESS) {
        return clinic_send_internal(cr, "subscription lookup failed");
    }
    if (!(token = clinic_token_for(cr, user))
        || !(device_token = clinic_device_token_for(cr, phone, device))) {
        return clinic_send_internal(cr, "token signing failed");
    }
    clinic_metric_inc(cr->r->server, CLINIC_M_LOGINS,
                      is_new ? CLINIC_LOGIN_NEW : CLINIC_LOGIN_RETURNING);
    clinic_seclog(cr, "login", phone, user->id, is_new ? "new_user" : NULL);

    data = clinic_json_object(cr->r->pool);
    clinic_json_add_user(data, "user", cr->r->pool, user, active,
                         clinic_currency(cr->conf), cr->now);
    cJSON_AddStringToObject(data, "token", token);
    cJSON_AddStringToObject(data, "tokenType", "Bearer");
    clinic_json_add_int(data, "expiresIn", clinic_token_ttl(cr->conf));
    cJSON_AddBoolToObject(data, "isNewUser", is_new);
    /* optional: sent back by send-otp and verify-otp, it gives this
     * device budgets of its own (device.h) */
    cJSON_AddStringToObject(data, "deviceToken", device_token);
    return clinic_send_ok(cr, HTTP_OK, data, "You are logged in.");
}
