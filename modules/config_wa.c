/*
 * SPDX-License-Identifier: Apache-2.0
 * config_wa.c: the channel of codes (ClinicOTPChannel, ClinicOTPFallback)
 * and WhatsApp's directives (ClinicWhatsApp*), read and checked like the
 * others in config.c: a bad value, or WhatsApp asked for without its
 * phone number id, token and template, stops configtest with a sentence
 * naming the directive.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include <httpd.h>
#include <http_config.h>

#include "config.h"
#include "lang.h"
#include "wa_driver.h"

#define SECRET_MIN 16
#define TEMPLATE_MAX 512

void clinic_wa_conf_init(apr_pool_t *p, clinic_server_conf *c)
{
    c->otp_channel = -1;
    c->otp_fallback = -1;
    c->wa_timeout = -1;
    c->wa_languages = apr_table_make(p, 2);
}

#define PICK_PTR(f) c->f = add->f ? add->f : base->f
#define PICK_NUM(f) c->f = add->f != -1 ? add->f : base->f
#define PICK_SECRET(f) c->f = add->f.data ? add->f : base->f

void clinic_wa_conf_merge(apr_pool_t *p, clinic_server_conf *c,
                          const clinic_server_conf *base,
                          const clinic_server_conf *add)
{
    PICK_NUM(otp_channel);
    PICK_NUM(otp_fallback);
    PICK_PTR(wa_url);
    PICK_PTR(wa_phone_id);
    PICK_SECRET(wa_token);
    PICK_PTR(wa_template);
    PICK_NUM(wa_timeout);
    PICK_SECRET(wa_app_secret);
    PICK_SECRET(wa_verify_token);
    /* a virtual host's languages over the main server's (the first of
     * a key is the one apr_table_get finds) */
    c->wa_languages = apr_table_overlay(p, add->wa_languages,
                                        base->wa_languages);
}

const char *clinic_wa_language(const clinic_server_conf *c, const char *lang)
{
    return clinic_wa_lang_code(c->wa_languages, lang);
}

static const char *one_of(cmd_parms *cmd, const char *arg, int *dst,
                          const char *a, const char *b)
{
    if (!strcasecmp(arg, a) || !strcasecmp(arg, b)) {
        *dst = !strcasecmp(arg, b);
        return NULL;
    }
    return apr_psprintf(cmd->pool, "%s: '%s' is neither %s nor %s.",
                        cmd->directive->directive, arg, a, b);
}

const char *clinic_wa_set_channel(cmd_parms *cmd, void *d, const char *arg)
{
    (void)d;
    return one_of(cmd, arg, &clinic_conf_of(cmd)->otp_channel, "sms",
                  "whatsapp");
}

const char *clinic_wa_set_fallback(cmd_parms *cmd, void *d, const char *arg)
{
    (void)d;
    return one_of(cmd, arg, &clinic_conf_of(cmd)->otp_fallback, "none",
                  "sms");
}

const char *clinic_wa_set_url(cmd_parms *cmd, void *d, const char *arg)
{
    const char *err = clinic_check_url(cmd, arg);
    char *u;
    apr_size_t n;
    (void)d;

    if (err) {
        return err;
    }
    if (strpbrk(arg, "?#")) {
        return apr_psprintf(cmd->pool, "%s: give the API's base URL, such "
                            "as %s, without a query.",
                            cmd->directive->directive, CLINIC_WA_URL_DEFAULT);
    }
    u = apr_pstrdup(cmd->pool, arg);
    n = strlen(u);
    while (n > 0 && u[n - 1] == '/') {
        u[--n] = '\0';
    }
    clinic_conf_of(cmd)->wa_url = u;
    return NULL;
}

const char *clinic_wa_set_phone_id(cmd_parms *cmd, void *d, const char *arg)
{
    const char *p;
    (void)d;

    for (p = arg; *p && apr_isdigit(*p); p++) {
    }
    if (!*arg || *p || strlen(arg) > 32) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a phone number id "
                            "(the digits Meta's WhatsApp Manager shows "
                            "under API Setup).", cmd->directive->directive,
                            arg);
    }
    clinic_conf_of(cmd)->wa_phone_id = arg;
    return NULL;
}

const char *clinic_wa_set_secret(cmd_parms *cmd, void *d, const char *arg)
{
    clinic_server_conf *c = clinic_conf_of(cmd);
    apr_size_t off = (apr_size_t)(apr_uintptr_t)cmd->info;
    (void)d;
    return clinic_read_line_secret(cmd, arg,
                                   (clinic_secret_t *)((char *)c + off),
                                   SECRET_MIN);
}

const char *clinic_wa_set_template(cmd_parms *cmd, void *d, const char *arg)
{
    const char *p;
    (void)d;

    for (p = arg; *p && (apr_islower(*p) || apr_isdigit(*p) || *p == '_');
         p++) {
    }
    if (!*arg || *p || strlen(arg) > TEMPLATE_MAX) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a template name "
                            "(lower-case letters, digits and underscores).",
                            cmd->directive->directive, arg);
    }
    clinic_conf_of(cmd)->wa_template = arg;
    return NULL;
}

/* a language code: letters, then an optional _ and letters or digits */
static int is_lang(const char *s, int region)
{
    apr_size_t n = 0;

    while (apr_isalpha(s[n])) {
        n++;
    }
    if (n < 2 || n > 3) {
        return 0;
    }
    if (region && s[n] == '_') {
        apr_size_t m = ++n;
        while (apr_isalnum(s[n])) {
            n++;
        }
        if (n - m < 2 || n - m > 4) {
            return 0;
        }
    }
    return s[n] == '\0';
}

const char *clinic_wa_set_language(cmd_parms *cmd, void *d, const char *lang,
                                   const char *code)
{
    clinic_lang_t ours;

    (void)d;
    if (!is_lang(lang, 0) || !is_lang(code, 1)
        || !clinic_lang_from_tag(lang, &ours)) {
        return apr_psprintf(cmd->pool, "%s: give our language (en or ar) "
                            "and the template's language code, such as "
                            "\"en en_US\" or \"ar ar\" (not '%s %s').",
                            cmd->directive->directive, lang, code);
    }
    apr_table_set(clinic_conf_of(cmd)->wa_languages,
                  apr_pstrdup(cmd->pool, lang), code);
    return NULL;
}

const char *clinic_wa_set_timeout(cmd_parms *cmd, void *d, const char *arg)
{
    (void)d;
    return clinic_set_int(cmd, &clinic_conf_of(cmd)->wa_timeout, arg, 1,
                          120);
}

/* a WhatsApp directive is here (own or inherited) */
static int wa_asked(const clinic_server_conf *c)
{
    return clinic_otp_channel(c) == CLINIC_OTP_WHATSAPP || c->wa_phone_id
           || c->wa_token.data || c->wa_template || c->wa_url
           || c->wa_timeout != -1 || c->wa_app_secret.data
           || c->wa_verify_token.data
           || !apr_is_empty_table(c->wa_languages);
}

const char *clinic_wa_config_check(apr_pool_t *p, clinic_server_conf *c,
                                   const char *where)
{
    if (!wa_asked(c)) {
        return NULL;
    }
    if (!c->wa_phone_id || !c->wa_token.data || !c->wa_template) {
        return apr_psprintf(p, "mod_clinic: WhatsApp (%s whatsapp, or any "
                            "ClinicWhatsApp directive) needs %s for the "
                            "server %s; it needs %s, %s and %s.",
                            CLINIC_D_OTP_CHANNEL,
                            !c->wa_phone_id ? CLINIC_D_WA_PHONE_ID
                            : !c->wa_token.data ? CLINIC_D_WA_TOKEN
                            : CLINIC_D_WA_TEMPLATE, where,
                            CLINIC_D_WA_PHONE_ID, CLINIC_D_WA_TOKEN,
                            CLINIC_D_WA_TEMPLATE);
    }
    return NULL;
}
