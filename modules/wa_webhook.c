/*
 * SPDX-License-Identifier: Apache-2.0
 * wa_webhook.c: /api/whatsapp/webhook, where Meta checks the
 * subscription (GET) and sends the statuses of the messages (POST).
 *
 * GET answers hub.challenge as plain text when hub.mode is subscribe and
 * hub.verify_token is ClinicWhatsAppVerifyTokenFile's (compared in
 * constant time): the one answer under /api/ that is no envelope, since
 * Meta wants the challenge back and nothing else.  Else 403.
 *
 * POST is believed only with X-Hub-Signature-256, the HMAC-SHA256 of the
 * raw body with the app secret: else 401 and nothing changes.  Of its
 * statuses only `failed` does anything: the code whose message it names
 * falls back to SMS, the same code (opened from its box, codebox.h),
 * once, while it is still the live code with attempts left.  The claim
 * is a conditional UPDATE, so repeats, a second `failed`, or a `failed`
 * after the send's own fallback send nothing more; `sent`, `delivered`
 * and `read`, in any order, change nothing; an unknown wamid is ignored.
 * A fallback whose SMS did not go gives its claim back and is answered
 * 503, so Meta sends the notification again.
 */
#include <string.h>
#include <apr_strings.h>
#include <openssl/crypto.h>          /* OPENSSL_cleanse */
#include <apr_lib.h>

#include <httpd.h>
#include <http_log.h>
#include <http_protocol.h>

#include "codebox.h"
#include "handlers.h"
#include "json.h"
#include "mac.h"
#include "metrics.h"
#include "pay.h"              /* clinic_pay_query: a query's value */
#include "seclog.h"
#include "sms.h"
#include "store_db.h"
#include "wa_driver.h"
#include "whlimit.h"

APLOG_USE_MODULE(clinic);

#define CHALLENGE_MAX 128
/* a notification's statuses looked at: all of them in practice, since
 * ClinicMaxBody bounds the body (about 1 KiB a status) */
#define STATUSES_MAX 1000

static int wa_off(clinic_req_t *cr)
{
    return clinic_send_error(cr, HTTP_NOT_FOUND, "NOT_FOUND",
                             "WhatsApp is not used here.", NULL);
}

/* Meta's challenge is a number; letters, '-', '_' and '.' pass too */
static int challenge_ok(const char *s)
{
    apr_size_t n = 0;

    for (; s[n]; n++) {
        if (!apr_isalnum(s[n]) && !strchr("-_.", s[n])) {
            return 0;
        }
    }
    return n > 0 && n <= CHALLENGE_MAX;
}

int clinic_h_wa_verify(clinic_req_t *cr)
{
    const clinic_secret_t *want = &cr->conf->wa_verify_token;
    const char *mode = clinic_pay_query(cr->r, "hub.mode");
    const char *token = clinic_pay_query(cr->r, "hub.verify_token");
    const char *challenge = clinic_pay_query(cr->r, "hub.challenge");

    if (!clinic_wa_enabled(cr->conf)) {
        return wa_off(cr);
    }
    if (!want->data || !mode || strcmp(mode, "subscribe") || !token
        || !clinic_ct_streq((const char *)want->data, token)) {
        clinic_seclog(cr, "whatsapp_verify_refused", NULL, NULL,
                      !want->data ? "no_verify_token"
                      : !token ? "missing" : "mismatch");
        return clinic_send_error(cr, HTTP_FORBIDDEN, "INVALID_VERIFY_TOKEN",
                                 "The verify token does not match.", NULL);
    }
    if (!challenge || !challenge_ok(challenge)) {
        return clinic_send_invalid(cr, "hub.challenge",
                                   "is required: up to 128 letters or "
                                   "digits");
    }
    return clinic_send_text(cr, challenge);
}

static int bad_signature(clinic_req_t *cr)
{
    clinic_metric_inc(cr->r->server, CLINIC_M_WA_BAD_SIG, 0);
    /* counted per client (ClinicWebhookFailureLimit), a line a minute */
    clinic_whlimit_failed(cr, "whatsapp_signature_invalid", "whatsapp");
    return clinic_send_error(cr, HTTP_UNAUTHORIZED, "INVALID_SIGNATURE",
                             "The notification's signature is not valid.",
                             NULL);
}

/* the code's fallback SMS, its code opened from the box; none of the
 * database's connections is held meanwhile */
static apr_status_t send_again(clinic_req_t *cr, const clinic_wa_code_t *w)
{
    clinic_server_conf *c = cr->conf;
    char code[CLINIC_OTP_DIGITS + 1];
    apr_status_t rv;

    if (!clinic_codebox_open(code, (const clinic_secret_t *)c->otp_ring->elts,
                             c->otp_ring->nelts,
                             w->id, w->phone, w->box)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, cr->r, "CLINIC0903: the "
                      "sealed code of code %s opens with no key of %s; it "
                      "does not fall back to SMS (request %s)", w->id,
                      CLINIC_D_OTP_SECRET, cr->request_id);
        return APR_EINVAL;
    }
    clinic_db_release(cr);
    rv = clinic_sms_send(cr->r, c, w->phone, code, w->lang);
    OPENSSL_cleanse(code, sizeof(code));
    return rv;
}

/* fall_back's answer when the SMS could not go now (the gateway refused
 * it or is saturated, or the code is not live yet): Meta is asked to send
 * the status again (503) */
#define TRY_AGAIN APR_EAGAIN

/* A `failed` status: the fallback of the code its wamid names, when it
 * may have one.  APR_SUCCESS when there is nothing (more) to do, *sent
 * 1 when this request sent the SMS; TRY_AGAIN when the SMS did not go
 * (the claim is given back) or the code is still being made live; another
 * status when the database failed. */
static apr_status_t fall_back(clinic_req_t *cr, const clinic_wa_status_t *st,
                              int *sent)
{
    clinic_server_conf *c = cr->conf;
    clinic_wa_code_t *w;
    clinic_db_t *d;
    apr_status_t rv;
    int won = 0;

    *sent = 0;
    if (!(d = clinic_db_quiet(cr))
        || (rv = clinic_store_wa_by_wamid(&w, d, st->id)) != APR_SUCCESS) {
        return d ? rv : APR_ECONNREFUSED;
    }
    if (!w) {
        return APR_SUCCESS;                 /* not one of ours */
    }
    if (w->box && !w->fallback_at && !strcmp(w->status, "pending")
        && clinic_otp_fallback(c) == CLINIC_OTP_FALLBACK_SMS) {
        /* the send-otp that sent it is still making it live (its wamid
         * is stored first): this status counts once it is */
        return TRY_AGAIN;
    }
    if (w->box && clinic_otp_fallback(c) == CLINIC_OTP_FALLBACK_SMS
        && (rv = clinic_store_wa_claim(&won, d, w->id,
                                       clinic_otp_max_attempts(c), cr->now))
           != APR_SUCCESS) {
        return rv;
    }
    if (!won) {
        /* told once more, sent already, or the code is over (used,
         * replaced, expired, its attempts spent) */
        clinic_seclog(cr, "whatsapp_failed", w->phone,
                      *w->owner ? w->owner : NULL,
                      w->fallback_at ? "fell_back_already"
                      : clinic_otp_fallback(c) != CLINIC_OTP_FALLBACK_SMS
                      ? "fallback_off" : "code_not_live");
        return APR_SUCCESS;
    }
    if ((rv = send_again(cr, w)) == APR_SUCCESS) {
        *sent = 1;
        clinic_metric_inc(cr->r->server, CLINIC_M_OTP_FALLBACKS,
                          CLINIC_FALLBACK_FAILED);
        clinic_seclog_fallback(cr, w->phone, *w->owner ? w->owner : NULL,
                               "failed", st->error);
    }
    if (!(d = clinic_db_quiet(cr))) {
        return rv == APR_SUCCESS ? APR_SUCCESS : APR_ECONNREFUSED;
    }
    /* sent, or never to be sent (the box opens no more), or perhaps sent
     * (the gateway did not answer in time: a second SMS might be a second
     * copy): the claim stays, the box goes */
    if (rv == APR_SUCCESS || rv == APR_EINVAL || rv == APR_TIMEUP) {
        clinic_store_wa_done(d, w->id);
        return APR_SUCCESS;
    }
    clinic_store_wa_unclaim(d, w->id, cr->now);
    return TRY_AGAIN;
}

int clinic_h_wa_webhook(clinic_req_t *cr)
{
    const char *sig = apr_table_get(cr->r->headers_in,
                                    "X-Hub-Signature-256");
    apr_array_header_t *statuses;
    cJSON *data;
    apr_status_t rv;
    int i, st, sent, fallbacks = 0;

    if (!clinic_wa_enabled(cr->conf)) {
        return wa_off(cr);
    }
    if ((st = clinic_whlimit_check(cr, 0)) != OK) {
        return st;
    }
    if (!sig) {
        return bad_signature(cr);
    }
    clinic_read_json_body(cr);
    if (!cr->raw) {
        /* too large, not JSON, unreadable: no signature can be checked,
         * so none is believed */
        return bad_signature(cr);
    }
    if (!clinic_wa_signature_ok(&cr->conf->wa_app_secret, cr->raw,
                                cr->raw_len, sig)) {
        return bad_signature(cr);
    }
    if (cr->pending.status || cr->pending.httpd) {
        return clinic_send_pending(cr);
    }
    statuses = clinic_wa_statuses(cr->r->pool, cr->body, STATUSES_MAX);
    for (i = 0; i < statuses->nelts; i++) {
        const clinic_wa_status_t *st = &APR_ARRAY_IDX(statuses, i,
                                                      clinic_wa_status_t);

        if (strcmp(st->status, "failed")) {
            continue;                       /* nothing to do */
        }
        if ((rv = fall_back(cr, st, &sent)) != APR_SUCCESS) {
            /* Meta sends it again; what went already stays done */
            return rv == TRY_AGAIN
                   || clinic_store_fault(cr->env) != CLINIC_DB_OK
                   ? clinic_send_unavailable(cr, 60)
                   : clinic_send_internal(cr, "WhatsApp status failed");
        }
        fallbacks += sent;
    }
    data = clinic_json_object(cr->r->pool);
    cJSON_AddBoolToObject(data, "received", 1);
    clinic_json_add_int(data, "statuses", statuses->nelts);
    clinic_json_add_int(data, "fallbacks", fallbacks);
    return clinic_send_ok(cr, HTTP_OK, data, "Notification received.");
}
