/*
 * SPDX-License-Identifier: Apache-2.0
 * sms_drivers.c: the SMS drivers this module carries (http, twilio, log).
 * Each builds its gateway's request from its settings; the glue
 * (modules/sms.c) registers them by name, holds the cap and counts.
 * Adding a driver is a send function, its ops, and a line in the glue's
 * registration (modules/sms.c).
 */
#include <string.h>
#include <strings.h>
#include <apr_strings.h>

#include "http.h"
#include "sms_driver.h"
#include "smstpl.h"

#define TWILIO_API "https://api.twilio.com/2010-04-01/Accounts/"

/* The Content-Type the operator set with ClinicSMSHeader, if any. */
static const char *configured_type(const clinic_sms_settings_t *c)
{
    int i;

    for (i = 0; i < c->headers->nelts; i++) {
        const char *h = APR_ARRAY_IDX(c->headers, i, const char *);
        if (!strncasecmp(h, "Content-Type:", 13)) {
            h += 13;
            while (*h == ' ' || *h == '\t') {
                h++;
            }
            return h;
        }
    }
    return NULL;
}

static apr_status_t log_send(const clinic_env_t *env,
                             const clinic_sms_settings_t *c,
                             const char *to, const char *message,
                             const char *code)
{
    (void)c;
    (void)code;
    /* development only: the one place a code is ever written down */
    clinic_log(env, CLINIC_LOG_NOTICE, "CLINIC0204: SMS to %s: %s", to,
               message);
    return APR_SUCCESS;
}

static apr_status_t twilio_send(const clinic_env_t *env,
                                const clinic_sms_settings_t *c,
                                const char *to, const char *message,
                                const char *code)
{
    apr_pool_t *p = env->pool;
    clinic_http_req_t q = { "SMS gateway", "POST", NULL, NULL, NULL,
                            c->headers, NULL, NULL,
                            c->timeout, 0 };
    (void)code;

    q.url = c->url ? c->url
                       : apr_pstrcat(p, TWILIO_API, c->twilio_sid,
                                     "/Messages.json", NULL);
    q.body = apr_pstrcat(p, "To=", clinic_tpl_escape(p, to, CLINIC_ESC_FORM),
                         "&From=", clinic_tpl_escape(p, c->twilio_from,
                                                     CLINIC_ESC_FORM),
                         "&Body=", clinic_tpl_escape(p, message,
                                                     CLINIC_ESC_FORM),
                         NULL);
    q.content_type = "application/x-www-form-urlencoded";
    q.user = c->twilio_sid;
    q.pass = (const char *)c->twilio_token->data;
    return clinic_sms_gateway_call(env, &q);
}

static apr_status_t http_send(const clinic_env_t *env,
                              const clinic_sms_settings_t *c,
                              const char *to, const char *message,
                              const char *code)
{
    const char *type = configured_type(c);
    clinic_http_req_t q = { "SMS gateway", "POST", NULL, NULL, NULL,
                            c->headers, NULL, NULL,
                            c->timeout, 0 };

    q.url = c->url;
    q.body = clinic_tpl_render(env->pool, c->body ? c->body
                                         : "to={to}&message={message}",
                               clinic_tpl_escape_for(type), to, message,
                               code);
    q.content_type = type ? type : "application/x-www-form-urlencoded";
    return clinic_sms_gateway_call(env, &q);
}

const clinic_sms_driver_ops clinic_sms_http = { "http", 1, http_send };
const clinic_sms_driver_ops clinic_sms_twilio = { "twilio", 1, twilio_send };
const clinic_sms_driver_ops clinic_sms_log = { "log", 0, log_send };

apr_status_t clinic_sms_gateway_call(const clinic_env_t *env,
                                     const clinic_http_req_t *q)
{
    clinic_http_resp_t resp;
    apr_status_t rv;

    if ((rv = clinic_http_call(env, q, &resp)) != APR_SUCCESS) {
        return rv;
    }
    if (resp.status < 200 || resp.status > 299) {
        clinic_log(env, CLINIC_LOG_ERR,
                   "CLINIC0203: SMS gateway %s answered HTTP %ld",
                   clinic_http_host(env->pool, q->url), resp.status);
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}
