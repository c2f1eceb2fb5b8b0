/*
 * SPDX-License-Identifier: Apache-2.0
 * config.h: per-server configuration of mod_clinic.
 *
 * One struct per (virtual) server.  Unset values hold a sentinel (-1 or
 * NULL) so the merge can tell "unset" from "set to the default"; the
 * getters below apply the defaults of DESIGN.md.
 */
#ifndef CLINIC_CONFIG_H
#define CLINIC_CONFIG_H

#include <httpd.h>
#include <http_config.h>

#include "jwt.h"
#include "otp.h"            /* clinic_secret_t */
#include "lang.h"           /* clinic_lang_t */

/* Directive names: part of the product, written once. */
#define CLINIC_D_JWT_SECRET     "ClinicJWTSecretFile"
#define CLINIC_D_OTP_SECRET     "ClinicOTPSecretFile"
#define CLINIC_D_TOKEN_TTL      "ClinicTokenTTL"
#define CLINIC_D_OTP_TTL        "ClinicOTPTTL"
#define CLINIC_D_OTP_ATTEMPTS   "ClinicOTPMaxAttempts"
#define CLINIC_D_RATE_LIMIT     "ClinicRateLimit"
#define CLINIC_D_RATE_CACHE     "ClinicRateLimitCache"
#define CLINIC_D_IPV6_PREFIX    "ClinicRateLimitIPv6Prefix"
#define CLINIC_D_SMS_DRIVER     "ClinicSMSDriver"
#define CLINIC_D_SMS_URL        "ClinicSMSURL"
#define CLINIC_D_SMS_BODY       "ClinicSMSBody"
#define CLINIC_D_SMS_HEADER     "ClinicSMSHeader"
#define CLINIC_D_SMS_MESSAGE    "ClinicSMSMessage"
#define CLINIC_D_SMS_TIMEOUT    "ClinicSMSTimeout"
#define CLINIC_D_SMS_MAX_CONCURRENT "ClinicSMSMaxConcurrent"
#define CLINIC_D_SMS_QUEUE_TIMEOUT "ClinicSMSQueueTimeout"
#define CLINIC_D_SMS_MAX_WAITING "ClinicSMSMaxWaiting"
#define CLINIC_D_TWILIO_SID     "ClinicTwilioAccountSID"
#define CLINIC_D_TWILIO_TOKEN   "ClinicTwilioAuthTokenFile"
#define CLINIC_D_TWILIO_FROM    "ClinicTwilioFrom"
#define CLINIC_D_CURRENCY       "ClinicCurrency"
#define CLINIC_D_MAX_BODY       "ClinicMaxBody"
#define CLINIC_D_SECURITY_LOG   "ClinicSecurityLog"
#define CLINIC_D_PAY_DRIVER     "ClinicPaymentDriver"
#define CLINIC_D_PAY_URL        "ClinicPaymentURL"
#define CLINIC_D_PAY_KEY        "ClinicPaymentKeyFile"
#define CLINIC_D_PAY_WEBHOOK_SECRET "ClinicPaymentWebhookSecretFile"
#define CLINIC_D_PUBLIC_URL     "ClinicPublicURL"
#define CLINIC_D_PAY_RETURN_URL "ClinicPaymentReturnURL"
#define CLINIC_D_PAY_TIMEOUT    "ClinicPaymentTimeout"
#define CLINIC_D_PAY_REQUEST_TIMEOUT "ClinicPaymentRequestTimeout"
#define CLINIC_D_PAY_MAX_CONCURRENT "ClinicPaymentMaxConcurrent"
#define CLINIC_D_BG_INTERVAL    "ClinicBackgroundInterval"
#define CLINIC_D_SMS_DAILY_LIMIT "ClinicSMSDailyLimit"
#define CLINIC_D_WEBHOOK_FAILURES "ClinicWebhookFailureLimit"
#define CLINIC_D_OTP_CHANNEL    "ClinicOTPChannel"
#define CLINIC_D_OTP_FALLBACK   "ClinicOTPFallback"
#define CLINIC_D_WA_URL         "ClinicWhatsAppURL"
#define CLINIC_D_WA_PHONE_ID    "ClinicWhatsAppPhoneNumberID"
#define CLINIC_D_WA_TOKEN       "ClinicWhatsAppTokenFile"
#define CLINIC_D_WA_TEMPLATE    "ClinicWhatsAppTemplate"
#define CLINIC_D_WA_LANGUAGE    "ClinicWhatsAppLanguage"
#define CLINIC_D_WA_TIMEOUT     "ClinicWhatsAppTimeout"
#define CLINIC_D_WA_APP_SECRET  "ClinicWhatsAppAppSecretFile"
#define CLINIC_D_WA_VERIFY_TOKEN "ClinicWhatsAppVerifyTokenFile"

#define CLINIC_HANDLER "clinic"

typedef enum {
    CLINIC_RL_OTP_PHONE = 0,  /* otp-phone: sends per phone number */
    CLINIC_RL_OTP_IP,         /* otp-ip: OTP requests per client IP */
    CLINIC_RL_USER,           /* user: requests per authenticated user */
    CLINIC_RL_ANON,           /* anon: unauthenticated requests per IP */
    CLINIC_RL_OTP_GUESS,      /* otp-guess: wrong codes per phone number
                               * (strangers) or per device token */
    CLINIC_RL_COUNT
} clinic_rl_kind;

typedef struct {
    int count;      /* -1 unset */
    int seconds;
} clinic_limit_t;

typedef enum {
    CLINIC_SMS_UNSET = -1,
    CLINIC_SMS_HTTP = 0,
    CLINIC_SMS_TWILIO,
    CLINIC_SMS_LOG
} clinic_sms_driver_t;

typedef enum {
    CLINIC_PAY_UNSET = -1,
    CLINIC_PAY_NONE = 0,       /* paid at the desk */
    CLINIC_PAY_MYFATOORAH,
    CLINIC_PAY_TAP
} clinic_pay_driver_t;


/* what a process knows of its database's reachability (store_reach.c) */
typedef struct {
    volatile apr_uint32_t down_since;  /* seconds; 0 while reachable */
    volatile apr_uint64_t next_try;    /* apr_time_t: no dial before */
    volatile apr_uint32_t refused;     /* refusals since the last line */
    volatile apr_uint64_t logged;      /* apr_time_t: that last line */
    void *volatile params;             /* mod_dbd's dbd_cfg_t, once seen */
} clinic_reach_t;

typedef struct clinic_seclog_t clinic_seclog_t;
typedef struct clinic_pkg_cache_t clinic_pkg_cache_t;

typedef struct {
    server_rec *server;
    int used;                       /* a Clinic directive, here or inherited */
    int own;                        /* a Clinic directive in this server's
                                     * own section (not merged) */

    /* keys: config_keys.c.  The first of a ring signs (hashes new codes),
     * all verify; a virtual host's own lines replace the main server's */
    clinic_secret_t jwt_key;        /* required: jwt_ring's first */
    apr_array_header_t *jwt_files;  /* clinic_secret_t, ClinicJWTSecretFile */
    apr_array_header_t *jwt_ring;   /* clinic_jwt_key_t, the same keys */
    apr_array_header_t *otp_files;  /* clinic_secret_t, ClinicOTPSecretFile */
    apr_array_header_t *otp_ring;   /* clinic_secret_t: otp_files, else one
                                     * derived from each token key */
    clinic_secret_t otp_key;        /* otp_ring's first */
    apr_int64_t token_ttl;          /* -1 unset */
    apr_int64_t otp_ttl;
    int otp_max_attempts;
    clinic_limit_t limits[CLINIC_RL_COUNT];
    const char *rate_cache;         /* socache provider[:args] */
    int ipv6_prefix;                /* -1 unset */

    int sms_driver;
    const char *sms_url;
    const char *sms_body;
    apr_array_header_t *sms_headers;  /* const char * "Name: value" */
    const char *sms_message;
    int sms_timeout;
    int sms_max_concurrent;         /* -1 unset */
    volatile apr_uint32_t sms_in_flight;  /* per process: sends waiting,
                                           * when sms_cap could not be made */
    apr_interval_time_t sms_queue_timeout;  /* -1 unset */
    int sms_max_waiting;            /* -1 unset */
    struct clinic_cap_t *sms_cap;   /* per process (child_init): places and
                                     * the waiting room of the send cap */
    const char *twilio_sid;
    clinic_secret_t twilio_token;
    const char *twilio_from;

    int pay_driver;                 /* clinic_pay_driver_t */
    const char *pay_url;            /* the provider's API base */
    clinic_secret_t pay_key;
    clinic_secret_t pay_webhook_secret;
    const char *public_url;         /* no trailing slash */
    const char *pay_return_url;
    int pay_timeout;                /* -1 unset */
    int pay_request_timeout;
    int pay_max_concurrent;
    volatile apr_uint32_t pay_in_flight;  /* per process: provider calls */
    volatile apr_uint32_t pay_return_in_flight;  /* of them, for returns */
    int bg_interval;                /* seconds between background ticks;
                                     * -1 unset */
    /* config_wa.c: the channel of codes and WhatsApp */
    int otp_channel;                /* clinic_otp_channel_t, -1 unset */
    int otp_fallback;               /* clinic_otp_fallback_t, -1 unset */
    const char *wa_url;             /* no trailing slash */
    const char *wa_phone_id;
    clinic_secret_t wa_token;
    const char *wa_template;
    apr_table_t *wa_languages;      /* our language -> template's code */
    int wa_timeout;                 /* -1 unset */
    clinic_secret_t wa_app_secret;  /* the webhook's signatures */
    clinic_secret_t wa_verify_token;  /* the webhook's subscription check */

    const char *currency;
    apr_off_t max_body;             /* -1 unset */
    const char *seclog_spec;        /* path or "|command" */
    clinic_seclog_t *seclog;        /* opened in open_logs */
    volatile apr_uint32_t schema_ok;  /* per process: schema version seen */
    clinic_pkg_cache_t *pkg_cache;  /* per process: the package list */
    int metrics_slot;               /* 1 + its vhost's slot in the metrics
                                     * (metrics.c), 0 none */
    /* per process: the database's reachability (store_reach.c): this
     * server's own until it connects, then the one every virtual host of
     * the same mod_dbd pool shares */
    clinic_reach_t own_reach;
    clinic_reach_t *volatile reach;
    int sms_daily_limit;            /* -1 unset; 0 off (budget.c) */
    int webhook_failures;           /* -1 unset; 0 off (whlimit.c) */
    int lang;                       /* ClinicLanguage, a clinic_lang_t; -1
                                     * unset */
    const char *sms_message_ar;     /* ClinicSMSMessage ar */
} clinic_server_conf;

extern module AP_MODULE_DECLARE_DATA clinic_module;
extern const command_rec clinic_cmds[];

void *clinic_create_server_conf(apr_pool_t *p, server_rec *s);
void *clinic_merge_server_conf(apr_pool_t *p, void *basev, void *addv);

/* Called from check_config for every server with a Clinic directive (own
 * or inherited): completes derived values (OTP key) and refuses a missing
 * JWT secret or SMS settings.  Returns NULL or a sentence naming the
 * directive. */
const char *clinic_config_check(apr_pool_t *p, server_rec *s,
                                clinic_server_conf *conf);

static APR_INLINE clinic_server_conf *clinic_conf(server_rec *s)
{
    return ap_get_module_config(s->module_config, &clinic_module);
}

/* getters with DESIGN.md's defaults */
#define CLINIC_OR(v, unset, def) ((v) == (unset) ? (def) : (v))
static APR_INLINE apr_int64_t clinic_token_ttl(const clinic_server_conf *c)
{ return CLINIC_OR(c->token_ttl, -1, 86400); }
static APR_INLINE apr_int64_t clinic_otp_ttl(const clinic_server_conf *c)
{ return CLINIC_OR(c->otp_ttl, -1, 300); }
static APR_INLINE int clinic_otp_max_attempts(const clinic_server_conf *c)
{ return CLINIC_OR(c->otp_max_attempts, -1, 3); }
static APR_INLINE int clinic_sms_driver(const clinic_server_conf *c)
{ return CLINIC_OR(c->sms_driver, CLINIC_SMS_UNSET, CLINIC_SMS_HTTP); }
static APR_INLINE int clinic_sms_timeout(const clinic_server_conf *c)
{ return CLINIC_OR(c->sms_timeout, -1, 10); }
static APR_INLINE int clinic_sms_max_concurrent(const clinic_server_conf *c)
{ return CLINIC_OR(c->sms_max_concurrent, -1, 10); }
/* a send past the cap waits this long for a place (default 2 s) */
static APR_INLINE apr_interval_time_t
clinic_sms_queue_timeout(const clinic_server_conf *c)
{ return CLINIC_OR(c->sms_queue_timeout, -1, apr_time_from_sec(2)); }
/* sends allowed to wait for a place (default four times the cap: at
 * twice, make bench's send-otp still met a full waiting room on a loaded
 * machine; a waiter holds its thread 2 s at most, a place 10 s) */
static APR_INLINE int clinic_sms_max_waiting(const clinic_server_conf *c)
{ return CLINIC_OR(c->sms_max_waiting, -1, 4 * clinic_sms_max_concurrent(c)); }
static APR_INLINE int clinic_ipv6_prefix(const clinic_server_conf *c)
{ return CLINIC_OR(c->ipv6_prefix, -1, 64); }
/* the texts of a code when ClinicSMSMessage names none */
#define CLINIC_SMS_TEXT_EN "Your verification code is {code}"
#define CLINIC_SMS_TEXT_AR "رمز التحقق الخاص بك هو {code}"
/* the text of a code in language lang ("ar", else English) */
static APR_INLINE const char *clinic_sms_message(const clinic_server_conf *c,
                                                 const char *lang)
{
    if (lang && lang[0] == 'a' && lang[1] == 'r' && !lang[2]) {
        return c->sms_message_ar ? c->sms_message_ar : CLINIC_SMS_TEXT_AR;
    }
    return c->sms_message ? c->sms_message : CLINIC_SMS_TEXT_EN;
}
/* ClinicLanguage (config_lang.c): the answers' language when the client
 * sends no Accept-Language (default English) */
#define CLINIC_D_LANGUAGE       "ClinicLanguage"
static APR_INLINE clinic_lang_t clinic_default_lang(const clinic_server_conf *c)
{ return c->lang < 0 ? CLINIC_LANG_EN : (clinic_lang_t)c->lang; }
const char *clinic_lang_set_default(cmd_parms *cmd, void *d, const char *arg);
#define CLINIC_LANG_CMDS \
    AP_INIT_TAKE1(CLINIC_D_LANGUAGE, clinic_lang_set_default, NULL, \
                  RSRC_CONF, "en or ar: the language of the answers' " \
                  "messages and of the codes' texts when the client asks " \
                  "for none (default en)"),
static APR_INLINE const char *clinic_currency(const clinic_server_conf *c)
{ return c->currency ? c->currency : "KWD"; }
static APR_INLINE apr_off_t clinic_max_body(const clinic_server_conf *c)
{ return CLINIC_OR(c->max_body, -1, 16384); }

static APR_INLINE int clinic_pay_driver(const clinic_server_conf *c)
{ return CLINIC_OR(c->pay_driver, CLINIC_PAY_UNSET, CLINIC_PAY_NONE); }
static APR_INLINE int clinic_pay_timeout(const clinic_server_conf *c)
{ return CLINIC_OR(c->pay_timeout, -1, 1800); }
static APR_INLINE int clinic_pay_request_timeout(const clinic_server_conf *c)
{ return CLINIC_OR(c->pay_request_timeout, -1, 10); }
static APR_INLINE int clinic_pay_max_concurrent(const clinic_server_conf *c)
{ return CLINIC_OR(c->pay_max_concurrent, -1, 10); }
static APR_INLINE int clinic_bg_interval(const clinic_server_conf *c)
{ return CLINIC_OR(c->bg_interval, -1, 30); }

/* Shared by the directive files (config_args.c) */
clinic_server_conf *clinic_conf_of(cmd_parms *cmd);
const char *clinic_read_secret(cmd_parms *cmd, const char *arg,
                               clinic_secret_t *out, apr_size_t min_len);
/* The same for a secret that travels in a header or a query, or is typed
 * into a dashboard: one line of printable characters */
const char *clinic_read_line_secret(cmd_parms *cmd, const char *arg,
                                    clinic_secret_t *out, apr_size_t min_len);
/* 1 when url is plain http to another host than this one: what it
 * carries crosses the network in clear (a startup warning) */
int clinic_url_in_clear(const char *url);
const char *clinic_parse_num(cmd_parms *cmd, const char *arg, apr_int64_t lo,
                             apr_int64_t hi, apr_int64_t *out);
const char *clinic_set_int(cmd_parms *cmd, int *dst, const char *arg,
                           apr_int64_t lo, apr_int64_t hi);
/* an http:// or https:// URL without white space, else a sentence */
const char *clinic_check_url(cmd_parms *cmd, const char *arg);

/* config_pay.c: the payment directives */
void clinic_pay_conf_init(clinic_server_conf *c);
void clinic_pay_conf_merge(clinic_server_conf *c,
                           const clinic_server_conf *base,
                           const clinic_server_conf *add);
const char *clinic_pay_config_check(apr_pool_t *p, clinic_server_conf *c,
                                    const char *where);
const char *clinic_pay_set_driver(cmd_parms *cmd, void *d, const char *arg);
/* the configured driver's name, NULL for none */
const char *clinic_pay_driver_name(const clinic_server_conf *c);
/* the configured SMS driver's name */
const char *clinic_sms_driver_name(const clinic_server_conf *c);
const char *clinic_pay_set_url(cmd_parms *cmd, void *d, const char *arg);
const char *clinic_pay_set_secret(cmd_parms *cmd, void *d, const char *arg);
const char *clinic_pay_set_public_url(cmd_parms *cmd, void *d,
                                      const char *arg);
const char *clinic_pay_set_return_url(cmd_parms *cmd, void *d,
                                      const char *arg);
const char *clinic_pay_set_number(cmd_parms *cmd, void *d, const char *arg);
#define CLINIC_PAY_AT(f) \
    ((void *)(apr_uintptr_t)APR_OFFSETOF(clinic_server_conf, f))
#define CLINIC_PAY_CMDS \
    AP_INIT_TAKE1(CLINIC_D_PAY_DRIVER, clinic_pay_set_driver, NULL, \
                  RSRC_CONF, "none, myfatoorah or tap"), \
    AP_INIT_TAKE1(CLINIC_D_PAY_URL, clinic_pay_set_url, NULL, RSRC_CONF, \
                  "the payment provider's API base URL"), \
    AP_INIT_TAKE1(CLINIC_D_PAY_KEY, clinic_pay_set_secret, \
                  CLINIC_PAY_AT(pay_key), RSRC_CONF, \
                  "file holding the payment provider's API key"), \
    AP_INIT_TAKE1(CLINIC_D_PAY_WEBHOOK_SECRET, clinic_pay_set_secret, \
                  CLINIC_PAY_AT(pay_webhook_secret), RSRC_CONF, \
                  "file holding the webhook signing secret (MyFatoorah)"), \
    AP_INIT_TAKE1(CLINIC_D_PUBLIC_URL, clinic_pay_set_public_url, NULL, \
                  RSRC_CONF, "this API's public base URL"), \
    AP_INIT_TAKE1(CLINIC_D_PAY_RETURN_URL, clinic_pay_set_return_url, NULL, \
                  RSRC_CONF, "the frontend page after paying"), \
    AP_INIT_TAKE1(CLINIC_D_PAY_TIMEOUT, clinic_pay_set_number, \
                  CLINIC_PAY_AT(pay_timeout), RSRC_CONF, \
                  "seconds a payment may stay pending"), \
    AP_INIT_TAKE1(CLINIC_D_PAY_REQUEST_TIMEOUT, clinic_pay_set_number, \
                  CLINIC_PAY_AT(pay_request_timeout), RSRC_CONF, \
                  "seconds one call to the payment provider may take"), \
    AP_INIT_TAKE1(CLINIC_D_PAY_MAX_CONCURRENT, clinic_pay_set_number, \
                  CLINIC_PAY_AT(pay_max_concurrent), RSRC_CONF, \
                  "payment provider calls in flight per process"),

/* budget.c and whlimit.c: what strangers may cost the clinic */
static APR_INLINE int clinic_sms_daily_limit(const clinic_server_conf *c)
{ return CLINIC_OR(c->sms_daily_limit, -1, 0); }
static APR_INLINE int clinic_webhook_failures(const clinic_server_conf *c)
{ return CLINIC_OR(c->webhook_failures, -1, 10); }
const char *clinic_budget_set_limit(cmd_parms *cmd, void *d, const char *arg);
const char *clinic_whlimit_set(cmd_parms *cmd, void *d, const char *arg);
#define CLINIC_ABUSE_CMDS \
    AP_INIT_TAKE1(CLINIC_D_SMS_DAILY_LIMIT, clinic_budget_set_limit, NULL, \
                  RSRC_CONF, "codes sent per UTC day by this virtual host, " \
                  "all numbers together (default 0: no limit)"), \
    AP_INIT_TAKE1(CLINIC_D_WEBHOOK_FAILURES, clinic_whlimit_set, NULL, \
                  RSRC_CONF, "payment notifications with a bad signature a " \
                  "client may send a minute before it is refused " \
                  "(default 10; 0: no limit)"),

/* config_keys.c: the key rings */
#define CLINIC_KEYS_MAX 8
void clinic_keys_conf_init(apr_pool_t *p, clinic_server_conf *c);
void clinic_keys_conf_merge(clinic_server_conf *c,
                            const clinic_server_conf *base,
                            const clinic_server_conf *add);
/* completes the code ring and refuses a server without a token key */
const char *clinic_keys_check(apr_pool_t *p, clinic_server_conf *c,
                              const char *where);
const char *clinic_keys_set_jwt(cmd_parms *cmd, void *d, const char *arg);
const char *clinic_keys_set_otp(cmd_parms *cmd, void *d, const char *arg);
/* config_sms.c: the send cap's waiting room */
const char *clinic_sms_set_queue_timeout(cmd_parms *cmd, void *d,
                                         const char *arg);
const char *clinic_sms_set_max_waiting(cmd_parms *cmd, void *d,
                                       const char *arg);
#define CLINIC_SMS_QUEUE_CMDS \
    AP_INIT_TAKE1(CLINIC_D_SMS_QUEUE_TIMEOUT, clinic_sms_set_queue_timeout, \
                  NULL, RSRC_CONF, "how long a send past " \
                  CLINIC_D_SMS_MAX_CONCURRENT " waits for a place: seconds, " \
                  "or with ms (default 2)"), \
    AP_INIT_TAKE1(CLINIC_D_SMS_MAX_WAITING, clinic_sms_set_max_waiting, \
                  NULL, RSRC_CONF, "sends that may wait for a place, per " \
                  "child process (default four times " \
                  CLINIC_D_SMS_MAX_CONCURRENT ")"),

/* config_wa.c: ClinicOTPChannel, ClinicOTPFallback, ClinicWhatsApp* */
typedef enum {
    CLINIC_OTP_SMS = 0,
    CLINIC_OTP_WHATSAPP
} clinic_otp_channel_t;
typedef enum {
    CLINIC_OTP_FALLBACK_NONE = 0,
    CLINIC_OTP_FALLBACK_SMS
} clinic_otp_fallback_t;
#define CLINIC_WA_URL_DEFAULT "https://graph.facebook.com/v21.0"
static APR_INLINE int clinic_otp_channel(const clinic_server_conf *c)
{ return CLINIC_OR(c->otp_channel, -1, CLINIC_OTP_SMS); }
static APR_INLINE int clinic_otp_fallback(const clinic_server_conf *c)
{ return CLINIC_OR(c->otp_fallback, -1, CLINIC_OTP_FALLBACK_NONE); }
static APR_INLINE const char *clinic_wa_url(const clinic_server_conf *c)
{ return c->wa_url ? c->wa_url : CLINIC_WA_URL_DEFAULT; }
static APR_INLINE int clinic_wa_timeout(const clinic_server_conf *c)
{ return CLINIC_OR(c->wa_timeout, -1, 10); }
/* codes may go by WhatsApp here (configtest made sure of the rest) */
static APR_INLINE int clinic_wa_enabled(const clinic_server_conf *c)
{ return c->wa_phone_id != NULL; }
/* the template's language code for our language lang ("en", "ar"):
 * ClinicWhatsAppLanguage's, else en -> en_US, ar -> ar, else English's */
const char *clinic_wa_language(const clinic_server_conf *c, const char *lang);
void clinic_wa_conf_init(apr_pool_t *p, clinic_server_conf *c);
void clinic_wa_conf_merge(apr_pool_t *p, clinic_server_conf *c,
                          const clinic_server_conf *base,
                          const clinic_server_conf *add);
const char *clinic_wa_config_check(apr_pool_t *p, clinic_server_conf *c,
                                   const char *where);
const char *clinic_wa_set_channel(cmd_parms *cmd, void *d, const char *arg);
const char *clinic_wa_set_fallback(cmd_parms *cmd, void *d, const char *arg);
const char *clinic_wa_set_url(cmd_parms *cmd, void *d, const char *arg);
const char *clinic_wa_set_phone_id(cmd_parms *cmd, void *d, const char *arg);
const char *clinic_wa_set_secret(cmd_parms *cmd, void *d, const char *arg);
const char *clinic_wa_set_template(cmd_parms *cmd, void *d, const char *arg);
const char *clinic_wa_set_language(cmd_parms *cmd, void *d, const char *lang,
                                   const char *code);
const char *clinic_wa_set_timeout(cmd_parms *cmd, void *d, const char *arg);
#define CLINIC_WA_AT(f) \
    ((void *)(apr_uintptr_t)APR_OFFSETOF(clinic_server_conf, f))
#define CLINIC_WA_CMDS \
    AP_INIT_TAKE1(CLINIC_D_OTP_CHANNEL, clinic_wa_set_channel, NULL, \
                  RSRC_CONF, "sms or whatsapp: how a code goes when the " \
                  "request names no channel (default sms)"), \
    AP_INIT_TAKE1(CLINIC_D_OTP_FALLBACK, clinic_wa_set_fallback, NULL, \
                  RSRC_CONF, "none or sms: a code WhatsApp did not deliver " \
                  "goes again by SMS (default none)"), \
    AP_INIT_TAKE1(CLINIC_D_WA_URL, clinic_wa_set_url, NULL, RSRC_CONF, \
                  "the WhatsApp Cloud API's base URL, with its version " \
                  "(default " CLINIC_WA_URL_DEFAULT ")"), \
    AP_INIT_TAKE1(CLINIC_D_WA_PHONE_ID, clinic_wa_set_phone_id, NULL, \
                  RSRC_CONF, "the WhatsApp business phone number's id"), \
    AP_INIT_TAKE1(CLINIC_D_WA_TOKEN, clinic_wa_set_secret, \
                  CLINIC_WA_AT(wa_token), RSRC_CONF, \
                  "file holding the Cloud API's access token"), \
    AP_INIT_TAKE1(CLINIC_D_WA_TEMPLATE, clinic_wa_set_template, NULL, \
                  RSRC_CONF, "the authentication template's name"), \
    AP_INIT_TAKE2(CLINIC_D_WA_LANGUAGE, clinic_wa_set_language, NULL, \
                  RSRC_CONF, "LANG CODE: the template's language code for " \
                  "codes in language LANG (repeatable; defaults en en_US, " \
                  "ar ar)"), \
    AP_INIT_TAKE1(CLINIC_D_WA_TIMEOUT, clinic_wa_set_timeout, NULL, \
                  RSRC_CONF, "seconds one call to the Cloud API may take " \
                  "(default 10)"), \
    AP_INIT_TAKE1(CLINIC_D_WA_APP_SECRET, clinic_wa_set_secret, \
                  CLINIC_WA_AT(wa_app_secret), RSRC_CONF, \
                  "file holding the Meta app secret that signs the " \
                  "webhook's notifications"), \
    AP_INIT_TAKE1(CLINIC_D_WA_VERIFY_TOKEN, clinic_wa_set_secret, \
                  CLINIC_WA_AT(wa_verify_token), RSRC_CONF, \
                  "file holding the webhook's verify token"),

/* the limit of a kind with its default */
clinic_limit_t clinic_limit(const clinic_server_conf *c, clinic_rl_kind k);
const char *clinic_limit_name(clinic_rl_kind k);

#endif
