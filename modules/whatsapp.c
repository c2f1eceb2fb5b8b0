/*
 * SPDX-License-Identifier: Apache-2.0
 * whatsapp.c: WhatsApp drivers (the core's clinic_wa_cloud), registered
 * by name as httpd providers like the SMS drivers (sms.c), and the send:
 * the driver's settings from the ClinicWhatsApp* directives, a place of
 * the send cap (the one SMS sends share: a hanging WhatsApp holds no
 * more threads than a hanging SMS gateway), the call, its figures.
 */
#include <apr_strings.h>

#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <ap_provider.h>

#include "metrics.h"
#include "sms.h"              /* the send cap */
#include "store_db.h"         /* clinic_req_env */
#include "whatsapp.h"

APLOG_USE_MODULE(clinic);

void clinic_wa_register_drivers(apr_pool_t *p)
{
    static const clinic_wa_driver_ops *const drivers[] = {
        &clinic_wa_cloud
    };
    size_t i;

    for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
        ap_register_provider(p, CLINIC_WA_PROVIDER_GROUP, drivers[i]->name,
                             CLINIC_WA_PROVIDER_VERSION, drivers[i]);
    }
}

/* What a virtual host's WhatsApp set-up lacks or risks, as warnings */
static void warn_one(server_rec *s, const clinic_server_conf *c)
{
    if (!c->used || !clinic_wa_enabled(c)) {
        return;
    }
    if (!c->wa_app_secret.data) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "CLINIC0901: WhatsApp without %s: the webhook "
                     "refuses every notification, so no code falls "
                     "back to SMS once WhatsApp reports it failed",
                     CLINIC_D_WA_APP_SECRET);
    }
    if (clinic_url_in_clear(c->wa_url)) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "CLINIC0904: %s is plain http: the token and the "
                     "codes cross the network in clear; use https",
                     CLINIC_D_WA_URL);
    }
}

void clinic_wa_warn(server_rec *s)
{
    for (; s; s = s->next) {
        warn_one(s, clinic_conf(s));
    }
}

void clinic_wa_post_config(server_rec *s)
{
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_CONFIG) {
        return;         /* warn once, not on the first config pass */
    }
    clinic_wa_warn(s);
}

apr_status_t clinic_wa_send(request_rec *r, clinic_server_conf *c,
                            const char *to, const char *code,
                            const char *lang, clinic_wa_result_t *out)
{
    const clinic_wa_driver_ops *ops = ap_lookup_provider(
        CLINIC_WA_PROVIDER_GROUP, CLINIC_WA_DRIVER,
        CLINIC_WA_PROVIDER_VERSION);
    clinic_wa_settings_t settings = {
        clinic_wa_url(c), c->wa_phone_id, &c->wa_token, c->wa_template,
        clinic_wa_language(c, lang), clinic_wa_timeout(c)
    };
    apr_time_t t0;
    apr_status_t rv;

    memset(out, 0, sizeof(*out));
    if (!ops) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "CLINIC0902: no "
                      "WhatsApp driver \"%s\" is registered",
                      CLINIC_WA_DRIVER);
        return APR_ENOTIMPL;
    }
    if ((rv = clinic_send_place_take(r, c)) != APR_SUCCESS) {
        return rv;
    }
    t0 = apr_time_now();
    rv = ops->send(clinic_req_env(r), &settings, to, code, out);
    clinic_metric_send(r->server, CLINIC_CH_WHATSAPP, rv,
                       apr_time_now() - t0);
    clinic_send_place_give(c);
    return rv;
}
