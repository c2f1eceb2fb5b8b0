/*
 * SPDX-License-Identifier: Apache-2.0
 * otp_send.c: POST /api/auth/send-otp and its phone-change alias: the
 * limits a send passes, the SMS budget, a code drawn and stored pending,
 * the gateway called with no database connection held, and the code made
 * live once the gateway took it (waiting out a short database fault).
 */
#include <string.h>
#include <apr_strings.h>
#include <openssl/crypto.h>          /* OPENSSL_cleanse */
#include <apr_atomic.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>

#include "handlers.h"
#include "i18n.h"
#include "ids.h"
#include "auth.h"
#include "budget.h"
#include "codebox.h"
#include "fields.h"
#include "json.h"
#include "jwt.h"
#include "metrics.h"
#include "otp.h"
#include "otp_deliver.h"
#include "ratelimit.h"
#include "seclog.h"
#include "sms.h"
#include "store_db.h"

APLOG_USE_MODULE(clinic);

#define PURPOSE_LOGIN "login"
#define PURPOSE_PHONE_CHANGE "phone_change"
/* how long a code the gateway took waits for the database to make it
 * live, and the pause between two tries */
#define ACTIVATE_WAIT apr_time_from_sec(5)
#define ACTIVATE_SLEEP apr_time_from_msec(100)

/* ---- sending ------------------------------------------------------------ */

/* The one place a send is refused for the cap (ClinicSMSMaxConcurrent,
 * after ClinicSMSQueueTimeout or past ClinicSMSMaxWaiting) */
static int sms_busy(clinic_req_t *cr)
{
    clinic_metric_cause(cr->r, CLINIC_503_SEND_CAP);
    return clinic_send_unavailable(cr, clinic_sms_timeout(cr->conf));
}

/* The gateway did not take the SMS: its code stays unusable (pending, or
 * failed when the database can be told). */
static int send_failed(clinic_req_t *cr, apr_status_t rv, const char *id,
                       const char *phone, const char *owner,
                       const char *channel)
{
    clinic_db_t *d = clinic_db_quiet(cr);

    if (d) {
        clinic_store_otp_fail(d, id);
    }
    if (rv == APR_EBUSY) {
        return sms_busy(cr);
    }
    clinic_seclog(cr, "otp_send_failed", phone, *owner ? owner : NULL,
                  rv == APR_TIMEUP ? "timeout" : "gateway");
    return clinic_send_error(cr, HTTP_BAD_GATEWAY, "SMS_DELIVERY_FAILED",
                             strcmp(channel, "whatsapp")
                             ? "The SMS could not be sent. Please try "
                               "again."
                             : "The WhatsApp message could not be sent. "
                               "Please try again.", NULL);
}

static void code_lost(clinic_req_t *cr, const char *id)
{
    clinic_db_fault_t f = clinic_store_fault(cr->env);

    clinic_metric_inc(cr->r->server, CLINIC_M_CODES_NOT_ACTIVATED, 0);
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, cr->r,
                  "CLINIC0630: code %s went out by SMS but could not be made "
                  "live (%s); it will not log in (request %s)", id,
                  f == CLINIC_DB_BUSY ? "the database stayed busy"
                  : f == CLINIC_DB_DOWN ? "the database stayed unreachable"
                  : "its statement failed", cr->request_id);
}

/* What the delivery met, kept with the code: WhatsApp's id for its
 * message (the webhook's statuses name it), or its one fallback, taken */
static apr_status_t record_sent(clinic_req_t *cr, clinic_db_t *d,
                                const clinic_delivery_t *dl)
{
    if (dl->wamid) {
        return clinic_store_wa_sent(d, dl->id, dl->wamid);
    }
    if (dl->fell_back) {
        return clinic_store_wa_fell_back(d, dl->id, cr->now);
    }
    return APR_SUCCESS;
}

/* The gateway took the message: its code must become live.  A database
 * fault (down, busy, a connection broken) is waited out, ACTIVATE_WAIT at
 * most, on a fresh connection each time and none held while sleeping.
 * Leaves the connection in cr->dbd on success. */
static apr_status_t activate_sent(clinic_req_t *cr,
                                  const clinic_delivery_t *dl,
                                  const char *purpose, apr_int64_t created_us)
{
    const char *id = dl->id, *phone = dl->phone, *owner = dl->owner;
    apr_time_t until = apr_time_now() + ACTIVATE_WAIT;
    apr_status_t rv;
    clinic_db_t *d;

    for (;;) {
        clinic_store_fault_clear(cr->env);
        d = clinic_db_quiet(cr);
        rv = !d ? APR_ECONNREFUSED : record_sent(cr, d, dl);
        if (rv == APR_SUCCESS) {
            rv = clinic_store_otp_activate(d, id, phone, purpose, owner,
                                           created_us);
        }
        if (rv == APR_SUCCESS || clinic_store_fault(cr->env) == CLINIC_DB_OK
            || apr_time_now() + ACTIVATE_SLEEP > until) {
            break;
        }
        clinic_db_release(cr);
        apr_sleep(ACTIVATE_SLEEP);
    }
    if (rv != APR_SUCCESS) {
        code_lost(cr, id);
    }
    return rv;
}

/* The limits a send counts before any code is made, and for a phone
 * change the number's holder: OK to go on, or the answer already sent. */
static int take_send_limits(clinic_req_t *cr, clinic_db_t *d, const char *phone,
                            const char *owner, const char *field)
{
    clinic_user_t *holder;
    int st;

    /* a login reveals nothing between its two limits: counted at once.
     * The number's own device (a valid device token) has a budget of its
     * own, so strangers sending to the number don't lock it out. */
    if (!*owner) {
        const char *dev = clinic_device_of(cr, phone);

        if ((st = clinic_ratelimit_exact_pair(cr, CLINIC_RL_OTP_IP,
                                              cr->client, CLINIC_RL_OTP_PHONE,
                                              dev ? clinic_device_bucket(cr,
                                                                         dev)
                                                  : phone)) != OK) {
            return st;
        }
    }
    else if ((st = clinic_ratelimit_exact(cr, CLINIC_RL_OTP_IP, cr->client))
             != OK) {
        return st;
    }
    if (*owner) {
        if (clinic_store_user_by_phone(&holder, d, phone)
            != APR_SUCCESS) {
            return clinic_send_internal(cr, "phone lookup failed");
        }
        if (holder && !strcmp(holder->id, owner)) {
            return clinic_send_invalid(cr, field,
                                       "is already your phone number");
        }
        if (holder) {
            return clinic_send_error(cr, HTTP_CONFLICT, "PHONE_EXISTS",
                                     "This phone number belongs to another "
                                     "account.", NULL);
        }
    }
    if (*owner
        && (st = clinic_ratelimit_exact(cr, CLINIC_RL_OTP_PHONE, phone))
           != OK) {
        return st;
    }
    return OK;
}

/* the answer to a code sent and activated; channel took it */
static int answer_sent(clinic_req_t *cr, const char *phone,
                       const char *purpose, const char *owner,
                       const char *channel)
{
    cJSON *data;

    clinic_seclog(cr, *owner ? "phone_change_requested" : "otp_sent", phone,
                  *owner ? owner : NULL, NULL);

    data = clinic_json_object(cr->r->pool);
    cJSON_AddStringToObject(data, "phoneNumber", phone);
    cJSON_AddStringToObject(data, "purpose", purpose);
    clinic_json_add_int(data, "expiresIn", clinic_otp_ttl(cr->conf));
    cJSON_AddStringToObject(data, "channel", channel);
    return clinic_send_ok(cr, HTTP_OK, data, strcmp(channel, "whatsapp")
                          ? "A verification code was sent by SMS."
                          : "A verification code was sent by WhatsApp.");
}

/* How a code goes: its channel ("sms", "whatsapp") and the language of
 * its text ("en", "ar") */
typedef struct {
    const char *channel;
    const char *lang;
} send_opts_t;

/* The language of the code's text: the body's "language" ("en" or
 * "ar"), else the answer's (Accept-Language, else ClinicLanguage).  NULL
 * once 400 is answered.  The answer's message keeps following
 * Accept-Language. */
static const char *text_lang(clinic_req_t *cr)
{
    static const char *const language[] = { "language", NULL };
    const cJSON *l = clinic_json_field(cr->body, language, NULL);
    clinic_lang_t lang;

    if (!l || cJSON_IsNull(l)) {
        return clinic_lang_tag(clinic_answer_lang(cr->r));
    }
    if (!cJSON_IsString(l) || !clinic_lang_from_tag(l->valuestring, &lang)) {
        clinic_send_invalid(cr, language[0], "must be \"en\" or \"ar\"");
        return NULL;
    }
    return clinic_lang_tag(lang);
}

static const char *const channel_field[] = { "channel", NULL };

/* The body's channel, else ClinicOTPChannel's: OK, or DONE after 400 */
static int send_channel(clinic_req_t *cr, const char **channel)
{
    const cJSON *ch = clinic_json_field(cr->body, channel_field, NULL);

    *channel = clinic_otp_channel(cr->conf) == CLINIC_OTP_WHATSAPP
               ? "whatsapp" : "sms";
    if (!ch || cJSON_IsNull(ch)) {
        return OK;
    }
    if (!cJSON_IsString(ch) || (strcmp(ch->valuestring, "sms")
                                && strcmp(ch->valuestring, "whatsapp"))) {
        return clinic_send_invalid(cr, "channel",
                                   "must be \"sms\" or \"whatsapp\"");
    }
    *channel = ch->valuestring;
    return OK;
}

/* The body's choices of channel and language, checked: OK, or DONE after
 * answering 400 */
static int send_opts(clinic_req_t *cr, send_opts_t *o)
{
    int st;

    if ((st = send_channel(cr, &o->channel)) != OK) {
        return st;
    }
    if (!(o->lang = text_lang(cr))) {
        return DONE;
    }
    return OK;
}

/* The new code's row, pending: a WhatsApp code keeps its language and,
 * when a later fallback may send it by SMS, the code sealed (codebox.h) */
static apr_status_t store_new(clinic_req_t *cr, clinic_db_t *d,
                              const clinic_delivery_t *dl,
                              const char *purpose, const char *hash,
                              const char *code, apr_int64_t created_us)
{
    clinic_server_conf *c = cr->conf;
    const char *box = NULL;

    if (!dl->whatsapp) {
        return clinic_store_otp_insert(d, dl->id, dl->phone, purpose,
                                       dl->owner, hash, cr->now,
                                       cr->now + clinic_otp_ttl(c),
                                       created_us);
    }
    if (clinic_otp_fallback(c) == CLINIC_OTP_FALLBACK_SMS
        && !(box = clinic_codebox_seal(cr->r->pool, &c->otp_key, dl->id,
                                       dl->phone, code))) {
        return APR_EGENERAL;
    }
    return clinic_store_wa_insert(d, dl->id, dl->phone, purpose, dl->owner,
                                  hash, cr->now, cr->now + clinic_otp_ttl(c),
                                  created_us, dl->lang, box);
}

/* Send a fresh code for (phone, purpose, owner); owner is "" for login and
 * the user id for a phone change.  field names the phone field in errors. */
static int send_code(clinic_req_t *cr, const char *phone, const char *purpose,
                     const char *owner, const char *field,
                     const send_opts_t *o)
{
    clinic_server_conf *c = cr->conf;
    char code[CLINIC_OTP_DIGITS + 1];
    const char *hash;
    clinic_delivery_t dl = { NULL, phone, owner, o->lang,
                             !strcmp(o->channel, "whatsapp")
                             && clinic_wa_enabled(c), NULL, NULL, 0 };
    clinic_db_t *d;
    apr_status_t rv;
    apr_int64_t created_us;
    int st;

    /* a hanging gateway holds at most ClinicSMSMaxConcurrent threads a
     * process (per virtual host configuration), and ClinicSMSMaxWaiting
     * more wait for a place; when all of those are taken already,
     * refused at once, before any limit counts the request (the place
     * itself is taken, or waited for, for the gateway call alone, in
     * clinic_sms_send, when no database connection is held); WhatsApp's
     * calls take the same places */
    if (clinic_sms_saturated(c)) {
        return sms_busy(cr);
    }
    if (!(d = clinic_db(cr))) {
        return DONE;
    }
    if ((st = take_send_limits(cr, d, phone, owner, field)) != OK) {
        return st;
    }
    if ((st = clinic_budget_take(cr)) != OK) {      /* ClinicSMSDailyLimit */
        return st;
    }
    if (clinic_otp_generate(code) != APR_SUCCESS
        || !(hash = clinic_otp_hash(cr->r->pool, c->otp_key.data,
                                    c->otp_key.len, phone, purpose, code))
        || !(dl.id = clinic_uuid(cr->r->pool))) {
        return clinic_send_internal(cr, "code generation failed");
    }
    created_us = apr_time_now();
    if (store_new(cr, d, &dl, purpose, hash, code, created_us)
        != APR_SUCCESS) {
        OPENSSL_cleanse(code, sizeof(code));
        return clinic_send_internal(cr, "code insert failed");
    }
    /* the gateways may take their timeouts: no pooled connection waits
     * on them */
    clinic_db_release(cr);
    rv = clinic_otp_deliver(cr, code, &dl);
    OPENSSL_cleanse(code, sizeof(code));
    if (rv != APR_SUCCESS) {
        return send_failed(cr, rv, dl.id, phone, owner, dl.channel);
    }
    if (activate_sent(cr, &dl, purpose, created_us) != APR_SUCCESS) {
        return clinic_send_internal(cr, "code activation failed");
    }
    return answer_sent(cr, phone, purpose, owner, dl.channel);
}

int clinic_h_send_otp(clinic_req_t *cr)
{
    const cJSON *p = clinic_json_field(cr->body, CLINIC_F_PURPOSE, NULL);
    const char *purpose = PURPOSE_LOGIN, *phone, *field;
    send_opts_t o;
    int st;

    if (p && !cJSON_IsNull(p)) {
        if (!cJSON_IsString(p)
            || (strcmp(p->valuestring, PURPOSE_LOGIN)
                && strcmp(p->valuestring, PURPOSE_PHONE_CHANGE))) {
            return clinic_send_invalid(cr, "purpose",
                                       "must be \"login\" or "
                                       "\"phone_change\"");
        }
        purpose = p->valuestring;
    }
    if (!strcmp(purpose, PURPOSE_PHONE_CHANGE)
        && (st = clinic_auth_token(cr)) != OK) {
        return st;
    }
    clinic_json_field(cr->body, CLINIC_F_PHONE, &field);
    if ((st = clinic_field_phone(cr, CLINIC_F_PHONE, &phone)) != OK
        || (st = send_opts(cr, &o)) != OK) {
        return st;
    }
    return send_code(cr, phone, purpose, cr->user ? cr->user->id : "", field,
                     &o);
}

int clinic_h_send_phone_change_otp(clinic_req_t *cr)
{
    const char *phone, *field;
    send_opts_t o;
    int st;

    clinic_json_field(cr->body, CLINIC_F_NEW_PHONE, &field);
    if ((st = clinic_field_phone(cr, CLINIC_F_NEW_PHONE, &phone)) != OK
        || (st = send_opts(cr, &o)) != OK) {
        return st;
    }
    return send_code(cr, phone, PURPOSE_PHONE_CHANGE, cr->user->id, field,
                     &o);
}
