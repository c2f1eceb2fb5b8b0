/*
 * SPDX-License-Identifier: Apache-2.0
 * i18n.h: the language of an answer and of a code's text (i18n.c): the
 * request's Accept-Language, else ClinicLanguage; the headers that say
 * it; and configtest's warning about texts longer than one SMS.
 */
#ifndef CLINIC_I18N_H
#define CLINIC_I18N_H

#include <httpd.h>

#include "config.h"

/* The language r's answer speaks: its Accept-Language (core/lang.c),
 * else its server's ClinicLanguage */
clinic_lang_t clinic_answer_lang(request_rec *r);

/* Content-Language: lang, and Accept-Language in Vary (kept with what
 * Vary already names), on r's answer, errors included */
void clinic_lang_headers(request_rec *r, clinic_lang_t lang);

/* en, an English message, in the language of r's answer (the catalogue,
 * core/msgcat.c), and the headers that say which it is: English when
 * the catalogue has no Arabic for it. */
const char *clinic_answer_message(request_rec *r, const char *en);

/* A warning (CLINIC0950) for each language whose code text, with a
 * 5-digit code and a Kuwaiti number in it, does not fit one SMS
 * segment (core/smslen.c); never a failure.  Once per start, and in
 * `apache2 -t` (mod_clinic.c says when). */
void clinic_sms_len_warn(apr_pool_t *p, server_rec *s,
                         const clinic_server_conf *c);

#endif
