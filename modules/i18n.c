/*
 * SPDX-License-Identifier: Apache-2.0
 * i18n.c: English or Arabic for an answer (Accept-Language, else
 * ClinicLanguage), its Content-Language and Vary, and the warning about
 * code texts longer than one SMS.  The choosing and the catalogue are
 * the core's (lang.c, msgcat.c, smslen.c); this is their glue.
 */
#include <string.h>
#include <apr_strings.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

#include "i18n.h"
#include "msgcat.h"
#include "smslen.h"
#include "smstpl.h"

APLOG_USE_MODULE(clinic);

/* what the warning renders a template with */
#define SAMPLE_CODE "12345"
#define SAMPLE_PHONE "+96550000000"

clinic_lang_t clinic_answer_lang(request_rec *r)
{
    return clinic_lang_negotiate(apr_table_get(r->headers_in,
                                               "Accept-Language"),
                                 clinic_default_lang(clinic_conf(r->server)));
}

/* Does the list v name token (case-insensitive)? */
static int list_has(const char *v, const char *token)
{
    apr_size_t n = strlen(token);

    while (v && *v) {
        v += strspn(v, " \t,");
        if (!strncasecmp(v, token, n)
            && (v[n] == '\0' || v[n] == ',' || v[n] == ' ' || v[n] == '\t')) {
            return 1;
        }
        v += strcspn(v, ",");
    }
    return 0;
}

void clinic_lang_headers(request_rec *r, clinic_lang_t lang)
{
    apr_table_setn(r->err_headers_out, "Content-Language",
                   clinic_lang_tag(lang));
    if (!list_has(apr_table_get(r->err_headers_out, "Vary"),
                  "Accept-Language")
        && !list_has(apr_table_get(r->headers_out, "Vary"),
                     "Accept-Language")) {
        apr_table_mergen(r->err_headers_out, "Vary", "Accept-Language");
    }
}

const char *clinic_answer_message(request_rec *r, const char *en)
{
    clinic_lang_t lang = clinic_answer_lang(r);
    const char *text = clinic_msg_in(r->pool, en, lang);

    if (!text) {
        lang = CLINIC_LANG_EN;  /* no Arabic for it: the English, said so */
        text = en;
    }
    clinic_lang_headers(r, lang);
    return text;
}

void clinic_sms_len_warn(apr_pool_t *p, server_rec *s,
                         const clinic_server_conf *c)
{
    int i;

    for (i = 0; i < CLINIC_LANG_COUNT; i++) {
        const char *tag = clinic_lang_tag((clinic_lang_t)i);
        const char *text = clinic_tpl_render(p, clinic_sms_message(c, tag),
                                             CLINIC_ESC_NONE, SAMPLE_PHONE,
                                             NULL, SAMPLE_CODE);
        clinic_sms_len_t l;

        clinic_sms_len(text, &l);
        if (l.parts <= 1) {
            continue;
        }
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "CLINIC0950: %s %s: with a 5-digit code the text takes "
                     "%" APR_SIZE_T_FMT " %s, more than one SMS segment "
                     "holds (%" APR_SIZE_T_FMT "); it goes as %"
                     APR_SIZE_T_FMT " segments, each one billed",
                     CLINIC_D_SMS_MESSAGE, tag, l.units,
                     l.ucs2 ? "UCS-2 characters" : "GSM-7 septets", l.one,
                     l.parts);
    }
}
