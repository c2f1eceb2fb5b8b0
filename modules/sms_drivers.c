/*
 * SPDX-License-Identifier: Apache-2.0
 * sms_drivers.c: the SMS drivers this module carries (http, twilio, log),
 * registered by name as httpd providers of CLINIC_SMS_PROVIDER_GROUP.
 * Each builds its request; sms.c holds the cap and the counting and
 * makes the call.  Adding a driver is a send function and a line in
 * clinic_sms_register_drivers.
 */
#include <string.h>
#include <strings.h>
#include <apr_strings.h>

#include <httpd.h>
#include <http_log.h>
#include <ap_provider.h>

#include "http.h"
#include "sms.h"
#include "smstpl.h"

APLOG_USE_MODULE(clinic);

#define TWILIO_API "https://api.twilio.com/2010-04-01/Accounts/"

/* The Content-Type the operator set with ClinicSMSHeader, if any. */
static const char *configured_type(const clinic_server_conf *c)
{
    int i;

    for (i = 0; i < c->sms_headers->nelts; i++) {
        const char *h = APR_ARRAY_IDX(c->sms_headers, i, const char *);
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

static apr_status_t log_send(request_rec *r, const clinic_server_conf *c,
                             const char *to, const char *message,
                             const char *code)
{
    (void)c;
    (void)code;
    /* development only: the one place a code is ever written down */
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r,
                  "CLINIC0204: SMS to %s: %s", to, message);
    return APR_SUCCESS;
}

static apr_status_t twilio_send(request_rec *r, const clinic_server_conf *c,
                                const char *to, const char *message,
                                const char *code)
{
    apr_pool_t *p = r->pool;
    clinic_http_req_t q = { "SMS gateway", "POST", NULL, NULL, NULL,
                            c->sms_headers, NULL, NULL,
                            clinic_sms_timeout(c), 0 };
    (void)code;

    q.url = c->sms_url ? c->sms_url
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
    q.pass = (const char *)c->twilio_token.data;
    return clinic_sms_gateway_call(r, &q);
}

static apr_status_t http_send(request_rec *r, const clinic_server_conf *c,
                              const char *to, const char *message,
                              const char *code)
{
    const char *type = configured_type(c);
    clinic_http_req_t q = { "SMS gateway", "POST", NULL, NULL, NULL,
                            c->sms_headers, NULL, NULL,
                            clinic_sms_timeout(c), 0 };

    q.url = c->sms_url;
    q.body = clinic_tpl_render(r->pool, c->sms_body ? c->sms_body
                                         : "to={to}&message={message}",
                               clinic_tpl_escape_for(type), to, message,
                               code);
    q.content_type = type ? type : "application/x-www-form-urlencoded";
    return clinic_sms_gateway_call(r, &q);
}

void clinic_sms_register_drivers(apr_pool_t *p)
{
    static const clinic_sms_driver_ops drivers[] = {
        { "http", 1, http_send },
        { "twilio", 1, twilio_send },
        { "log", 0, log_send }
    };
    size_t i;

    for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
        ap_register_provider(p, CLINIC_SMS_PROVIDER_GROUP, drivers[i].name,
                             CLINIC_SMS_PROVIDER_VERSION, &drivers[i]);
    }
}
