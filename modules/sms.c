/*
 * SPDX-License-Identifier: Apache-2.0
 * sms.c: SMS gateway drivers (http, twilio, log).  They build the request;
 * http.c makes the call with its timeouts and TLS checks.  The
 * ClinicSMSMaxConcurrent cap is here: a send past it waits up to
 * ClinicSMSQueueTimeout for a place, ClinicSMSMaxWaiting of them at most
 * (cap.c); past those, 503 at once.
 */
#include <string.h>
#include <apr_strings.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

#include "cap.h"
#include "http.h"
#include "metrics.h"
#include "sms.h"
#include "smstpl.h"
#include "version.h"

APLOG_USE_MODULE(clinic);

#define TWILIO_API "https://api.twilio.com/2010-04-01/Accounts/"

void clinic_sms_child_init(apr_pool_t *p, server_rec *s)
{
    for (; s; s = s->next) {
        clinic_server_conf *c = clinic_conf(s);
        apr_status_t rv;

        if (!c->used || c->sms_cap || clinic_sms_driver(c) == CLINIC_SMS_LOG) {
            continue;
        }
        rv = clinic_cap_create(&c->sms_cap, clinic_sms_max_concurrent(c),
                               clinic_sms_max_waiting(c), p);
        if (rv != APR_SUCCESS) {
            c->sms_cap = NULL;
            ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s,
                         "CLINIC0640: no mutex for the send cap: a send "
                         "past %s answers 503 at once",
                         CLINIC_D_SMS_MAX_CONCURRENT);
        }
    }
}

int clinic_sms_saturated(clinic_server_conf *c)
{
    if (c->sms_cap) {
        return clinic_cap_full(c->sms_cap);
    }
    return clinic_http_saturated(&c->sms_in_flight,
                                 clinic_sms_max_concurrent(c));
}

/* A place for one send: at once, after a wait, or APR_EBUSY (logged at
 * most once a second a process and virtual host, with a count). */
static apr_status_t place_take(request_rec *r, clinic_server_conf *c)
{
    unsigned n;
    int waited;
    apr_status_t rv;

    if (!c->sms_cap) {
        return clinic_http_slot_take(r, &c->sms_in_flight,
                                     clinic_sms_max_concurrent(c),
                                     CLINIC_D_SMS_MAX_CONCURRENT);
    }
    rv = clinic_cap_take(c->sms_cap, clinic_sms_queue_timeout(c), &waited);
    if (rv == APR_SUCCESS) {
        if (waited) {
            clinic_metric_inc(r->server, CLINIC_M_SEND_CAP_WAITS, 0);
        }
        return APR_SUCCESS;
    }
    if (clinic_cap_refused(c->sms_cap, apr_time_from_sec(1), &n)) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "CLINIC0641: %u send(s) answered 503 since the last "
                      "such line: all %d places (%s) taken, and %s", n,
                      clinic_sms_max_concurrent(c),
                      CLINIC_D_SMS_MAX_CONCURRENT,
                      rv == APR_TIMEUP
                          ? "none freed within " CLINIC_D_SMS_QUEUE_TIMEOUT
                          : "the waiting room full ("
                            CLINIC_D_SMS_MAX_WAITING ")");
    }
    return APR_EBUSY;
}

static void place_give(clinic_server_conf *c)
{
    if (c->sms_cap) {
        clinic_cap_give(c->sms_cap);
    }
    else {
        clinic_http_slot_give(&c->sms_in_flight);
    }
}

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

static apr_status_t send_now(request_rec *r, const clinic_server_conf *c,
                             const char *to, const char *code);

/* send_now, counted: its result and its time (metrics.h) */
static apr_status_t send_counted(request_rec *r, const clinic_server_conf *c,
                                 const char *to, const char *code)
{
    apr_time_t t0 = apr_time_now();
    apr_status_t rv = send_now(r, c, to, code);

    clinic_metric_send(r->server, CLINIC_CH_SMS, rv, apr_time_now() - t0);
    return rv;
}

apr_status_t clinic_sms_send(request_rec *r, clinic_server_conf *c,
                             const char *to, const char *code)
{
    apr_status_t rv;

    if (clinic_sms_driver(c) == CLINIC_SMS_LOG) {
        return send_counted(r, c, to, code);
    }
    if ((rv = place_take(r, c)) != APR_SUCCESS) {
        return rv;
    }
    rv = send_counted(r, c, to, code);
    place_give(c);
    return rv;
}

static apr_status_t send_now(request_rec *r, const clinic_server_conf *c,
                             const char *to, const char *code)
{
    apr_pool_t *p = r->pool;
    const char *message = clinic_tpl_render(p, clinic_sms_message(c),
                                            CLINIC_ESC_NONE, to, NULL, code);
    clinic_http_req_t q = { "SMS gateway", "POST", NULL, NULL, NULL,
                            c->sms_headers, NULL, NULL,
                            clinic_sms_timeout(c), 0 };
    clinic_http_resp_t resp;
    const char *type;
    apr_status_t rv;

    switch (clinic_sms_driver(c)) {
    case CLINIC_SMS_LOG:
        /* development only: the one place a code is ever written down */
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r,
                      "CLINIC0204: SMS to %s: %s", to, message);
        return APR_SUCCESS;

    case CLINIC_SMS_TWILIO:
        q.url = c->sms_url ? c->sms_url
                           : apr_pstrcat(p, TWILIO_API, c->twilio_sid,
                                         "/Messages.json", NULL);
        q.body = apr_pstrcat(p, "To=",
                             clinic_tpl_escape(p, to, CLINIC_ESC_FORM),
                             "&From=", clinic_tpl_escape(p, c->twilio_from,
                                                         CLINIC_ESC_FORM),
                             "&Body=", clinic_tpl_escape(p, message,
                                                         CLINIC_ESC_FORM),
                             NULL);
        type = "application/x-www-form-urlencoded";
        q.user = c->twilio_sid;
        q.pass = (const char *)c->twilio_token.data;
        break;

    default:
        q.url = c->sms_url;
        type = configured_type(c);
        q.body = clinic_tpl_render(p, c->sms_body ? c->sms_body
                                                : "to={to}&message={message}",
                                 clinic_tpl_escape_for(type), to, message,
                                 code);
        if (!type) {
            type = "application/x-www-form-urlencoded";
        }
        break;
    }

    q.content_type = type;
    if ((rv = clinic_http_call(r, &q, &resp)) != APR_SUCCESS) {
        return rv;
    }
    if (resp.status < 200 || resp.status > 299) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "CLINIC0203: SMS gateway %s answered HTTP %ld",
                      clinic_http_host(p, q.url), resp.status);
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}
