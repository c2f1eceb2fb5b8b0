/*
 * SPDX-License-Identifier: Apache-2.0
 * otp_deliver.c: a code's way out.  By SMS; or by WhatsApp, and when
 * WhatsApp refuses it at once (an error answer, a timeout, no answer)
 * and ClinicOTPFallback is sms, the same code by SMS in the same
 * request.  A fallback is not a second send: the limits and the daily
 * budget counted the send once, before (otp_send.c), and it makes no
 * second code.  A WhatsApp send refused for the send cap does not fall
 * back: SMS shares the cap.
 */
#include <string.h>

#include <httpd.h>

#include "metrics.h"
#include "otp_deliver.h"
#include "seclog.h"
#include "sms.h"
#include "whatsapp.h"

apr_status_t clinic_otp_deliver(clinic_req_t *cr, const char *code,
                                clinic_delivery_t *dl)
{
    clinic_server_conf *c = cr->conf;
    clinic_wa_result_t res;
    apr_status_t rv;
    int timeout;

    dl->wamid = NULL;
    dl->fell_back = 0;
    dl->channel = dl->whatsapp ? "whatsapp" : "sms";
    if (!dl->whatsapp) {
        return clinic_sms_send(cr->r, c, dl->phone, code, dl->lang);
    }
    rv = clinic_wa_send(cr->r, c, dl->phone, code, dl->lang, &res);
    if (rv == APR_SUCCESS) {
        dl->wamid = res.wamid;
        return APR_SUCCESS;
    }
    if (rv == APR_EBUSY
        || clinic_otp_fallback(c) != CLINIC_OTP_FALLBACK_SMS) {
        return rv;
    }
    timeout = rv == APR_TIMEUP;
    dl->channel = "sms";
    if ((rv = clinic_sms_send(cr->r, c, dl->phone, code, dl->lang))
        != APR_SUCCESS) {
        return rv;
    }
    dl->fell_back = 1;
    clinic_metric_inc(cr->r->server, CLINIC_M_OTP_FALLBACKS,
                      timeout ? CLINIC_FALLBACK_TIMEOUT
                              : CLINIC_FALLBACK_REFUSED);
    clinic_seclog_fallback(cr, dl->phone, dl->owner,
                           timeout ? "timeout" : "refused", res.error);
    return APR_SUCCESS;
}
