/*
 * SPDX-License-Identifier: Apache-2.0
 * wa_driver.h: the interface of a WhatsApp driver, the driver this module
 * carries (wa_cloud.c: Meta's WhatsApp Cloud API), and the pure parts of
 * Meta's protocol: the send's request and answer, and the status
 * notifications of the webhook with their signature (wa_hook.c).
 *
 * A driver sends one code in an authentication template (the code as the
 * body's parameter and as the copy-code button's) and says what the API
 * answered; it knows no httpd.  The glue (modules/whatsapp.c) registers
 * it by name as an httpd provider of the group "clinic-whatsapp", holds
 * the send cap (the one SMS sends share) and counts.  Adding a driver (a
 * Twilio WhatsApp sender, say) is a file of its own and a line in the
 * glue's registration; no core file names a driver.
 */
#ifndef CLINIC_WA_DRIVER_H
#define CLINIC_WA_DRIVER_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <cjson/cJSON.h>

#include "env.h"
#include "otp.h"            /* clinic_secret_t */

/* What a driver is configured with (the ClinicWhatsApp* directives) */
typedef struct {
    const char *url;                 /* ClinicWhatsAppURL, no trailing / */
    const char *phone_number_id;     /* ClinicWhatsAppPhoneNumberID */
    const clinic_secret_t *token;    /* ClinicWhatsAppTokenFile */
    const char *template_name;       /* ClinicWhatsAppTemplate */
    const char *language;            /* the template's language code, the
                                      * one ClinicWhatsAppLanguage gives
                                      * the code's language ("en_US") */
    int timeout;                     /* seconds, the whole call */
} clinic_wa_settings_t;

/* What one send met */
typedef struct {
    long http_status;                /* 0: no answer came */
    long error;                      /* Meta's error code, 0 when none */
    const char *wamid;               /* the message's id when accepted */
} clinic_wa_result_t;

typedef struct {
    const char *name;
    /* send code to `to` (+965XXXXXXXX): APR_SUCCESS once the API accepted
     * the message (out->wamid set); APR_TIMEUP when it did not answer in
     * time; anything else a refusal or a failure, logged without the
     * code or the token */
    apr_status_t (*send)(const clinic_env_t *env,
                         const clinic_wa_settings_t *s, const char *to,
                         const char *code, clinic_wa_result_t *out);
} clinic_wa_driver_ops;

/* The driver this module carries (registered by modules/whatsapp.c) */
extern const clinic_wa_driver_ops clinic_wa_cloud;

/* ---- the Cloud API's shapes (pure) -------------------------------------- */

/* The recipient as the Cloud API takes it: the country code and the
 * number, digits only ("+96551234567" -> "96551234567") */
const char *clinic_wa_to(apr_pool_t *p, const char *phone);

/* The template's language code for a code in our language lang ("en",
 * "ar"): the one configured (ClinicWhatsAppLanguage, our language ->
 * code; may be NULL), else en -> en_US and ar -> ar, else English's */
const char *clinic_wa_lang_code(const apr_table_t *configured,
                                const char *lang);

/* The send's JSON body: the template `name` in language code `lang`, the
 * code as the body's text parameter and the URL button's (index 0)
 * parameter; from p, NULL when out of memory */
const char *clinic_wa_body(apr_pool_t *p, const char *to, const char *name,
                           const char *lang, const char *code);

/* Read an answer of the messages endpoint: APR_SUCCESS with out->wamid
 * (messages[0].id) for a 2xx answer that names the message; else
 * APR_EGENERAL with out->error set from the error object when there is
 * one.  out->http_status is status. */
apr_status_t clinic_wa_answer(apr_pool_t *p, long status, const char *body,
                              apr_size_t len, clinic_wa_result_t *out);

/* ---- the webhook (wa_hook.c) -------------------------------------------- */

/* One entry of entry[].changes[].value.statuses[] */
typedef struct {
    const char *id;                  /* the wamid */
    const char *status;              /* sent, delivered, read, failed, ... */
    long error;                      /* errors[0].code, 0 when none */
} clinic_wa_status_t;

/* 1 when header is "sha256=<hex HMAC-SHA256(secret, body)>" (hex in
 * either case), compared in constant time; 0 otherwise (missing too) */
int clinic_wa_signature_ok(const clinic_secret_t *secret, const char *body,
                           apr_size_t len, const char *header);

/* The statuses of a notification (the parsed body), in order, as
 * clinic_wa_status_t; entries without a string id and status are left
 * out, as are other fields (messages, errors of the account).  At most
 * max of them. */
apr_array_header_t *clinic_wa_statuses(apr_pool_t *p, const cJSON *json,
                                       int max);

#endif
