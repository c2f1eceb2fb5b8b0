/*
 * SPDX-License-Identifier: Apache-2.0
 * config.c: directives, per-server config, merge and checks.
 *
 * Every directive is validated when it is read, so `apachectl configtest`
 * stops with a sentence that names the directive.  Secret files are read
 * here, while httpd still runs as root, so they can be root-only.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_core.h>

#include "config.h"
#include "otp.h"

static const struct {
    const char *name;
    int count, seconds;
} limit_defaults[CLINIC_RL_COUNT] = {
    [CLINIC_RL_OTP_PHONE] = { "otp-phone", 3, 900 },
    [CLINIC_RL_OTP_IP]    = { "otp-ip", 10, 3600 },
    [CLINIC_RL_USER]      = { "user", 100, 60 },
    [CLINIC_RL_ANON]      = { "anon", 20, 60 },
    [CLINIC_RL_OTP_GUESS] = { "otp-guess", 20, 86400 },
};

const char *clinic_limit_name(clinic_rl_kind k)
{
    return limit_defaults[k].name;
}

clinic_limit_t clinic_limit(const clinic_server_conf *c, clinic_rl_kind k)
{
    clinic_limit_t l = c->limits[k];

    if (l.count < 0) {
        l.count = limit_defaults[k].count;
        l.seconds = limit_defaults[k].seconds;
    }
    return l;
}

void *clinic_create_server_conf(apr_pool_t *p, server_rec *s)
{
    clinic_server_conf *c = apr_pcalloc(p, sizeof(*c));
    int i;

    c->server = s;
    c->token_ttl = -1;
    c->otp_ttl = -1;
    c->otp_max_attempts = -1;
    for (i = 0; i < CLINIC_RL_COUNT; i++) {
        c->limits[i].count = -1;
    }
    c->sms_driver = CLINIC_SMS_UNSET;
    c->sms_timeout = -1;
    c->sms_max_concurrent = -1;
    c->sms_queue_timeout = -1;
    c->sms_max_waiting = -1;
    c->ipv6_prefix = -1;
    c->max_body = -1;
    c->sms_daily_limit = -1;
    c->webhook_failures = -1;
    c->lang = -1;
    clinic_pay_conf_init(c);
    clinic_keys_conf_init(p, c);
    clinic_wa_conf_init(p, c);
    c->bg_interval = -1;
    c->sms_headers = apr_array_make(p, 2, sizeof(const char *));
    return c;
}

#define MERGE_PTR(f)   c->f = add->f ? add->f : base->f
#define MERGE_NUM(f)   c->f = (add->f != -1) ? add->f : base->f
#define MERGE_SECRET(f) c->f = add->f.data ? add->f : base->f

void *clinic_merge_server_conf(apr_pool_t *p, void *basev, void *addv)
{
    clinic_server_conf *base = basev, *add = addv;
    clinic_server_conf *c = apr_pcalloc(p, sizeof(*c));
    int i;

    c->server = add->server;
    c->used = add->used || base->used;
    c->own = add->own;
    clinic_keys_conf_merge(c, base, add);
    MERGE_NUM(token_ttl);
    MERGE_NUM(otp_ttl);
    MERGE_NUM(otp_max_attempts);
    for (i = 0; i < CLINIC_RL_COUNT; i++) {
        c->limits[i] = add->limits[i].count != -1 ? add->limits[i]
                                                  : base->limits[i];
    }
    MERGE_PTR(rate_cache);
    MERGE_NUM(sms_driver);
    MERGE_PTR(sms_url);
    MERGE_PTR(sms_body);
    c->sms_headers = add->sms_headers->nelts ? add->sms_headers
                                             : base->sms_headers;
    MERGE_PTR(sms_message);
    MERGE_NUM(sms_timeout);
    MERGE_NUM(sms_max_concurrent);
    MERGE_NUM(sms_queue_timeout);
    MERGE_NUM(sms_max_waiting);
    MERGE_NUM(ipv6_prefix);
    MERGE_PTR(twilio_sid);
    MERGE_SECRET(twilio_token);
    MERGE_PTR(twilio_from);
    MERGE_PTR(currency);
    MERGE_NUM(max_body);
    MERGE_PTR(seclog_spec);
    MERGE_NUM(sms_daily_limit);
    MERGE_NUM(webhook_failures);
    clinic_pay_conf_merge(c, base, add);
    clinic_wa_conf_merge(p, c, base, add);
    MERGE_NUM(bg_interval);
    MERGE_NUM(lang);
    MERGE_PTR(sms_message_ar);
    return c;
}



static const char *set_secret(cmd_parms *cmd, void *dummy, const char *arg)
{
    clinic_server_conf *c = clinic_conf_of(cmd);
    apr_size_t off = (apr_size_t)(apr_uintptr_t)cmd->info;
    clinic_secret_t *dst = (clinic_secret_t *)((char *)c + off);
    (void)dummy;
    return clinic_read_secret(cmd, arg, dst,
                       dst == &c->twilio_token ? 16 : CLINIC_KEY_MIN);
}


static const char *set_token_ttl(cmd_parms *cmd, void *d, const char *arg)
{
    (void)d;
    return clinic_parse_num(cmd, arg, 60, 30 * 86400,
                            &clinic_conf_of(cmd)->token_ttl);
}

static const char *set_otp_ttl(cmd_parms *cmd, void *d, const char *arg)
{
    (void)d;
    return clinic_parse_num(cmd, arg, 1, 3600, &clinic_conf_of(cmd)->otp_ttl);
}


static const char *set_attempts(cmd_parms *cmd, void *d, const char *arg)
{
    (void)d;
    return clinic_set_int(cmd, &clinic_conf_of(cmd)->otp_max_attempts, arg,
                          1, 10);
}

static const char *set_sms_timeout(cmd_parms *cmd, void *d, const char *arg)
{
    (void)d;
    return clinic_set_int(cmd, &clinic_conf_of(cmd)->sms_timeout, arg, 1, 120);
}

static const char *set_bg_interval(cmd_parms *cmd, void *d, const char *arg)
{
    (void)d;
    return clinic_set_int(cmd, &clinic_conf_of(cmd)->bg_interval, arg, 1,
                          3600);
}

static const char *set_sms_max_concurrent(cmd_parms *cmd, void *d,
                                          const char *arg)
{
    (void)d;
    return clinic_set_int(cmd, &clinic_conf_of(cmd)->sms_max_concurrent,
                          arg, 1, 10000);
}

static const char *set_max_body(cmd_parms *cmd, void *d, const char *arg)
{
    apr_int64_t v;
    const char *err = clinic_parse_num(cmd, arg, 256, 16 * 1024 * 1024, &v);
    (void)d;
    if (!err) {
        clinic_conf_of(cmd)->max_body = (apr_off_t)v;
    }
    return err;
}

static const char *set_rate_limit(cmd_parms *cmd, void *d, const char *name,
                                  const char *count, const char *seconds)
{
    clinic_server_conf *c = clinic_conf_of(cmd);
    clinic_limit_t l;
    const char *err;
    int k;
    (void)d;

    for (k = 0; k < CLINIC_RL_COUNT; k++) {
        if (!strcmp(name, limit_defaults[k].name)) {
            break;
        }
    }
    if (k == CLINIC_RL_COUNT) {
        return apr_psprintf(cmd->pool, "%s: unknown limit '%s'; use "
                            "otp-phone, otp-ip, user, anon or "
                            "otp-guess.",
                            cmd->directive->directive, name);
    }
    if ((err = clinic_set_int(cmd, &l.count, count, 1, 1000000))
        || (err = clinic_set_int(cmd, &l.seconds, seconds, 1, 7 * 86400))) {
        return err;
    }
    if (k == CLINIC_RL_OTP_PHONE || k == CLINIC_RL_OTP_IP
        || k == CLINIC_RL_OTP_GUESS) {
        /* counted in the database, one row a permitted request */
        if (l.count > 1000) {
            return apr_psprintf(cmd->pool, "%s %s: at most 1000 requests "
                                "per window.", cmd->directive->directive,
                                name);
        }
    }
    c->limits[k] = l;
    return NULL;
}

static const char *set_ipv6_prefix(cmd_parms *cmd, void *d, const char *arg)
{
    (void)d;
    return clinic_set_int(cmd, &clinic_conf_of(cmd)->ipv6_prefix, arg, 1, 128);
}

static const char *set_rate_cache(cmd_parms *cmd, void *d, const char *arg)
{
    /* one cache for the whole server: keys carry the virtual host.  Set
     * in the main server, it does not make the main server a clinic site
     * (which would need a secret of its own): not clinic_conf_of(). */
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    (void)d;

    if (err) {
        return err;
    }
    clinic_conf(cmd->server)->rate_cache = arg;
    return NULL;
}

/* ClinicSMSDriver's words, by clinic_sms_driver_t; a driver is
 * registered under its word (sms_drivers.c) */
static const char *const sms_driver_names[] = { "http", "twilio", "log" };
_Static_assert(sizeof(sms_driver_names) / sizeof(sms_driver_names[0])
               == CLINIC_SMS_LOG + 1, "a name for every SMS driver");

const char *clinic_sms_driver_name(const clinic_server_conf *c)
{
    return sms_driver_names[clinic_sms_driver(c)];
}

static const char *set_sms_driver(cmd_parms *cmd, void *d, const char *arg)
{
    clinic_server_conf *c = clinic_conf_of(cmd);
    int i;
    (void)d;

    for (i = CLINIC_SMS_HTTP; i <= CLINIC_SMS_LOG; i++) {
        if (!strcasecmp(arg, sms_driver_names[i])) {
            c->sms_driver = i;
            return NULL;
        }
    }
    return apr_psprintf(cmd->pool, "%s: unknown driver '%s'; use http, "
                        "twilio or log.", cmd->directive->directive, arg);
}


static const char *set_sms_url(cmd_parms *cmd, void *d, const char *arg)
{
    const char *err = clinic_check_url(cmd, arg);
    (void)d;
    if (!err) {
        clinic_conf_of(cmd)->sms_url = arg;
    }
    return err;
}

static const char *set_sms_body(cmd_parms *cmd, void *d, const char *arg)
{
    (void)d;
    clinic_conf_of(cmd)->sms_body = arg;
    return NULL;
}

static const char *set_sms_header(cmd_parms *cmd, void *d, const char *arg)
{
    clinic_server_conf *c = clinic_conf_of(cmd);
    const char *colon = strchr(arg, ':'), *p;
    (void)d;

    if (!colon || colon == arg) {
        return apr_psprintf(cmd->pool, "%s: '%s' must look like "
                            "\"Name: value\".", cmd->directive->directive,
                            arg);
    }
    for (p = arg; p < colon; p++) {
        if (!apr_isalnum(*p) && *p != '-' && *p != '_') {
            return apr_psprintf(cmd->pool, "%s: bad header name in '%s'.",
                                cmd->directive->directive, arg);
        }
    }
    if (strpbrk(arg, "\r\n")) {
        return apr_psprintf(cmd->pool, "%s: a header may not contain a line "
                            "break.", cmd->directive->directive);
    }
    *(const char **)apr_array_push(c->sms_headers) = arg;
    return NULL;
}

/* "\n" in a template stands for a line break (httpd's config syntax has
 * none), so a message can end with the "@domain #code" line of WebOTP. */
static const char *unescape_newlines(apr_pool_t *p, const char *in)
{
    char *out = apr_palloc(p, strlen(in) + 1), *o = out;

    while (*in) {
        if (in[0] == '\\' && in[1] == 'n') {
            *o++ = '\n';
            in += 2;
        }
        else {
            *o++ = *in++;
        }
    }
    *o = '\0';
    return out;
}

/* ClinicSMSMessage template (English), or ClinicSMSMessage en|ar
 * template */
static const char *set_sms_message(cmd_parms *cmd, void *d, const char *a1,
                                   const char *a2)
{
    clinic_server_conf *c = clinic_conf_of(cmd);
    const char *arg = a2 ? a2 : a1;
    clinic_lang_t lang = CLINIC_LANG_EN;
    (void)d;

    if (a2 && !clinic_lang_from_tag(a1, &lang)) {
        return apr_psprintf(cmd->pool, "%s: unknown language '%s'; use en "
                            "or ar before the template.",
                            cmd->directive->directive, a1);
    }
    if (!strstr(arg, "{code}")) {
        return apr_psprintf(cmd->pool, "%s: the template must contain "
                            "{code}.", cmd->directive->directive);
    }
    *(lang == CLINIC_LANG_AR ? &c->sms_message_ar : &c->sms_message)
        = unescape_newlines(cmd->pool, arg);
    return NULL;
}

static const char *set_twilio_sid(cmd_parms *cmd, void *d, const char *arg)
{
    const char *p;
    (void)d;

    if (strncmp(arg, "AC", 2) || strlen(arg) != 34) {
        goto bad;
    }
    for (p = arg + 2; *p; p++) {
        if (!apr_isxdigit(*p)) {
            goto bad;
        }
    }
    clinic_conf_of(cmd)->twilio_sid = arg;
    return NULL;
bad:
    return apr_psprintf(cmd->pool, "%s: '%s' is not a Twilio account SID "
                        "(AC followed by 32 hex digits).",
                        cmd->directive->directive, arg);
}

static const char *set_twilio_from(cmd_parms *cmd, void *d, const char *arg)
{
    (void)d;
    if (!*arg || strlen(arg) > 32 || strpbrk(arg, "\r\n")) {
        return apr_psprintf(cmd->pool, "%s: give the sender number "
                            "(+E.164) or an alphanumeric sender ID.",
                            cmd->directive->directive);
    }
    clinic_conf_of(cmd)->twilio_from = arg;
    return NULL;
}

static const char *set_currency(cmd_parms *cmd, void *d, const char *arg)
{
    (void)d;
    if (strlen(arg) != 3 || !apr_isupper(arg[0]) || !apr_isupper(arg[1])
        || !apr_isupper(arg[2])) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not an ISO 4217 code "
                            "such as KWD.", cmd->directive->directive, arg);
    }
    clinic_conf_of(cmd)->currency = arg;
    return NULL;
}

static const char *set_security_log(cmd_parms *cmd, void *d, const char *arg)
{
    (void)d;
    if (!*arg || (*arg == '|' && !arg[1])) {
        return apr_psprintf(cmd->pool, "%s: give a file path or "
                            "\"|command\".", cmd->directive->directive);
    }
    clinic_conf_of(cmd)->seclog_spec = arg;
    return NULL;
}

#define SECRET_AT(f) ((void *)(apr_uintptr_t)APR_OFFSETOF(clinic_server_conf, f))

const command_rec clinic_cmds[] = {
    AP_INIT_ITERATE(CLINIC_D_JWT_SECRET, clinic_keys_set_jwt, NULL,
                    RSRC_CONF, "files holding the HMAC keys for tokens "
                    "(at least 32 bytes each; repeatable: the first signs, "
                    "all verify)"),
    AP_INIT_ITERATE(CLINIC_D_OTP_SECRET, clinic_keys_set_otp, NULL,
                    RSRC_CONF, "files holding the HMAC keys for stored codes "
                    "(repeatable: the first hashes, all verify; default: "
                    "derived from the token keys)"),
    AP_INIT_TAKE1(CLINIC_D_TOKEN_TTL, set_token_ttl, NULL, RSRC_CONF,
                  "token lifetime in seconds (default 86400)"),
    AP_INIT_TAKE1(CLINIC_D_OTP_TTL, set_otp_ttl, NULL, RSRC_CONF,
                  "code lifetime in seconds (default 300)"),
    AP_INIT_TAKE1(CLINIC_D_OTP_ATTEMPTS, set_attempts, NULL, RSRC_CONF,
                  "verification attempts per code (default 3)"),
    AP_INIT_TAKE3(CLINIC_D_RATE_LIMIT, set_rate_limit, NULL, RSRC_CONF,
                  "otp-phone|otp-ip|user|anon|otp-guess count seconds"),
    AP_INIT_TAKE1(CLINIC_D_IPV6_PREFIX, set_ipv6_prefix, NULL, RSRC_CONF,
                  "IPv6 clients are counted by this prefix length in the "
                  "per-IP limits (default 64)"),
    AP_INIT_TAKE1(CLINIC_D_RATE_CACHE, set_rate_cache, NULL, RSRC_CONF,
                  "socache provider for the general limits (default: "
                  "lock-free counters in shared memory)"),
    AP_INIT_TAKE1(CLINIC_D_SMS_DRIVER, set_sms_driver, NULL, RSRC_CONF,
                  "http, twilio or log (default http)"),
    AP_INIT_TAKE1(CLINIC_D_SMS_URL, set_sms_url, NULL, RSRC_CONF,
                  "SMS gateway endpoint"),
    AP_INIT_TAKE1(CLINIC_D_SMS_BODY, set_sms_body, NULL, RSRC_CONF,
                  "request body template with {to}, {message}, {code}"),
    AP_INIT_TAKE1(CLINIC_D_SMS_HEADER, set_sms_header, NULL, RSRC_CONF,
                  "extra gateway request header \"Name: value\" "
                  "(repeatable)"),
    AP_INIT_TAKE12(CLINIC_D_SMS_MESSAGE, set_sms_message, NULL, RSRC_CONF,
                   "SMS text with {code}, English; or en|ar and the text "
                   "in that language"),
    AP_INIT_TAKE1(CLINIC_D_SMS_TIMEOUT, set_sms_timeout, NULL, RSRC_CONF,
                  "total gateway timeout in seconds (default 10)"),
    AP_INIT_TAKE1(CLINIC_D_SMS_MAX_CONCURRENT, set_sms_max_concurrent, NULL,
                  RSRC_CONF, "SMS sends waiting on the gateway at once, per "
                  "child process (default 10)"),
    CLINIC_SMS_QUEUE_CMDS
    AP_INIT_TAKE1(CLINIC_D_TWILIO_SID, set_twilio_sid, NULL, RSRC_CONF,
                  "Twilio account SID"),
    AP_INIT_TAKE1(CLINIC_D_TWILIO_TOKEN, set_secret, SECRET_AT(twilio_token),
                  RSRC_CONF, "file holding the Twilio auth token"),
    AP_INIT_TAKE1(CLINIC_D_TWILIO_FROM, set_twilio_from, NULL, RSRC_CONF,
                  "Twilio sender number or ID"),
    AP_INIT_TAKE1(CLINIC_D_CURRENCY, set_currency, NULL, RSRC_CONF,
                  "currency shown with prices (default KWD)"),
    AP_INIT_TAKE1(CLINIC_D_MAX_BODY, set_max_body, NULL, RSRC_CONF,
                  "request body limit in bytes (default 16384)"),
    AP_INIT_TAKE1(CLINIC_D_SECURITY_LOG, set_security_log, NULL, RSRC_CONF,
                  "security event log: file path or \"|command\""),
    CLINIC_PAY_CMDS
    AP_INIT_TAKE1(CLINIC_D_BG_INTERVAL, set_bg_interval, NULL, RSRC_CONF,
                  "seconds between two rounds of background work: pending "
                  "payments timed out, old codes deleted (default 30)"),
    CLINIC_ABUSE_CMDS
    CLINIC_LANG_CMDS
    CLINIC_WA_CMDS
    { NULL }
};

const char *clinic_config_check(apr_pool_t *p, server_rec *s,
                                clinic_server_conf *c)
{
    const char *where = apr_psprintf(p, "%s:%u", s->server_hostname
                                     ? s->server_hostname : "(main server)",
                                     (unsigned)s->port);
    const char *err;

    if (!c->used) {
        return NULL;
    }
    if ((err = clinic_keys_check(p, c, where)) != NULL) {
        return err;
    }
    switch (clinic_sms_driver(c)) {
    case CLINIC_SMS_HTTP:
        if (!c->sms_url) {
            return apr_psprintf(p, "mod_clinic: %s http needs %s for the "
                                "server %s.", CLINIC_D_SMS_DRIVER,
                                CLINIC_D_SMS_URL, where);
        }
        break;
    case CLINIC_SMS_TWILIO:
        if (!c->twilio_sid || !c->twilio_token.data || !c->twilio_from) {
            return apr_psprintf(p, "mod_clinic: %s twilio needs %s, %s and "
                                "%s for the server %s.", CLINIC_D_SMS_DRIVER,
                                CLINIC_D_TWILIO_SID, CLINIC_D_TWILIO_TOKEN,
                                CLINIC_D_TWILIO_FROM, where);
        }
        break;
    default:
        break;
    }
    if ((err = clinic_wa_config_check(p, c, where)) != NULL) {
        return err;
    }
    return clinic_pay_config_check(p, c, where);
}
