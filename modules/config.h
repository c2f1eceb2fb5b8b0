/*
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
#define CLINIC_D_TWILIO_SID     "ClinicTwilioAccountSID"
#define CLINIC_D_TWILIO_TOKEN   "ClinicTwilioAuthTokenFile"
#define CLINIC_D_TWILIO_FROM    "ClinicTwilioFrom"
#define CLINIC_D_CURRENCY       "ClinicCurrency"
#define CLINIC_D_MAX_BODY       "ClinicMaxBody"
#define CLINIC_D_SECURITY_LOG   "ClinicSecurityLog"

#define CLINIC_HANDLER "clinic"

typedef enum {
    CLINIC_RL_OTP_PHONE = 0,  /* otp-phone: sends per phone number */
    CLINIC_RL_OTP_IP,         /* otp-ip: OTP requests per client IP */
    CLINIC_RL_USER,           /* user: requests per authenticated user */
    CLINIC_RL_ANON,           /* anon: unauthenticated requests per IP */
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

typedef struct {
    unsigned char *data;
    apr_size_t len;
    const char *file;       /* where it came from, for messages */
} clinic_secret_t;

typedef struct clinic_seclog_t clinic_seclog_t;

typedef struct {
    server_rec *server;
    int used;                       /* a Clinic directive, here or inherited */
    int own;                        /* a Clinic directive in this server's
                                     * own section (not merged) */

    clinic_secret_t jwt_key;        /* required */
    clinic_secret_t otp_key;        /* derived from jwt_key when unset */
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
    volatile apr_uint32_t sms_in_flight;  /* per process: sends waiting */
    const char *twilio_sid;
    clinic_secret_t twilio_token;
    const char *twilio_from;

    const char *currency;
    apr_off_t max_body;             /* -1 unset */
    const char *seclog_spec;        /* path or "|command" */
    clinic_seclog_t *seclog;        /* opened in open_logs */
    volatile apr_uint32_t schema_ok;  /* per process: schema version seen */
    volatile apr_uint32_t db_down_until;  /* per process: the database was
                                           * found down; until (seconds) */
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
static APR_INLINE int clinic_ipv6_prefix(const clinic_server_conf *c)
{ return CLINIC_OR(c->ipv6_prefix, -1, 64); }
static APR_INLINE const char *clinic_sms_message(const clinic_server_conf *c)
{ return c->sms_message ? c->sms_message : "Your verification code is {code}"; }
static APR_INLINE const char *clinic_currency(const clinic_server_conf *c)
{ return c->currency ? c->currency : "KWD"; }
static APR_INLINE apr_off_t clinic_max_body(const clinic_server_conf *c)
{ return CLINIC_OR(c->max_body, -1, 16384); }

/* the limit of a kind with its default */
clinic_limit_t clinic_limit(const clinic_server_conf *c, clinic_rl_kind k);
const char *clinic_limit_name(clinic_rl_kind k);

#endif
