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
#include <ap_provider.h>

#include "cap.h"
#include "http.h"
#include "metrics.h"
#include "sms.h"
#include "store_db.h"         /* clinic_req_env */
#include "smstpl.h"
#include "version.h"

APLOG_USE_MODULE(clinic);

void clinic_sms_child_init(apr_pool_t *p, server_rec *s)
{
    for (; s; s = s->next) {
        clinic_server_conf *c = clinic_conf(s);
        apr_status_t rv;

        if (!c->used || c->sms_cap
            || (!clinic_sms_ops(c)->calls_out && !clinic_wa_enabled(c))) {
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
apr_status_t clinic_send_place_take(request_rec *r, clinic_server_conf *c)
{
    unsigned n;
    int waited;
    apr_status_t rv;

    if (!c->sms_cap) {
        return clinic_http_slot_take(clinic_req_env(r), &c->sms_in_flight,
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

void clinic_send_place_give(clinic_server_conf *c)
{
    if (c->sms_cap) {
        clinic_cap_give(c->sms_cap);
    }
    else {
        clinic_http_slot_give(&c->sms_in_flight);
    }
}

/* The drivers this module carries (the core's), by name: adding one is
 * a line here */
void clinic_sms_register_drivers(apr_pool_t *p)
{
    static const clinic_sms_driver_ops *const drivers[] = {
        &clinic_sms_http, &clinic_sms_twilio, &clinic_sms_log
    };
    size_t i;

    for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
        ap_register_provider(p, CLINIC_SMS_PROVIDER_GROUP, drivers[i]->name,
                             CLINIC_SMS_PROVIDER_VERSION, drivers[i]);
    }
}

const clinic_sms_driver_ops *clinic_sms_ops(const clinic_server_conf *c)
{
    return ap_lookup_provider(CLINIC_SMS_PROVIDER_GROUP,
                              clinic_sms_driver_name(c),
                              CLINIC_SMS_PROVIDER_VERSION);
}

/* the driver's send of the rendered message, counted: its result and its
 * time (metrics.h) */
static apr_status_t send_counted(request_rec *r, const clinic_server_conf *c,
                                 const clinic_sms_driver_ops *ops,
                                 const char *to, const char *code,
                                 const char *lang)
{
    apr_time_t t0 = apr_time_now();
    const char *message = clinic_tpl_render(r->pool,
                                            clinic_sms_message(c, lang),
                                            CLINIC_ESC_NONE, to, NULL, code);
    clinic_sms_settings_t settings = {
        c->sms_url, c->sms_body, c->sms_headers, clinic_sms_timeout(c),
        c->twilio_sid, &c->twilio_token, c->twilio_from
    };
    apr_status_t rv = ops->send(clinic_req_env(r), &settings, to, message,
                                code);

    clinic_metric_send(r->server, CLINIC_CH_SMS, rv, apr_time_now() - t0);
    return rv;
}

apr_status_t clinic_sms_send(request_rec *r, clinic_server_conf *c,
                             const char *to, const char *code,
                             const char *lang)
{
    const clinic_sms_driver_ops *ops = clinic_sms_ops(c);
    apr_status_t rv;

    if (!ops->calls_out) {
        return send_counted(r, c, ops, to, code, lang);
    }
    if ((rv = clinic_send_place_take(r, c)) != APR_SUCCESS) {
        return rv;
    }
    rv = send_counted(r, c, ops, to, code, lang);
    clinic_send_place_give(c);
    return rv;
}

