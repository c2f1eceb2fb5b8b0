/*
 * SPDX-License-Identifier: Apache-2.0
 * payments.c: GET /api/payments/return (the browser, back from the
 * provider's page) and POST /api/payments/webhook (the provider's
 * server-to-server notification).  Both end in clinic_pay_confirm, which
 * believes only the provider's status API.
 */
#include <string.h>
#include <apr_strings.h>

#include <httpd.h>
#include <http_protocol.h>

#include "handlers.h"
#include "json.h"
#include "pay.h"
#include "metrics.h"
#include "seclog.h"
#include "whlimit.h"

static int payments_off(clinic_req_t *cr)
{
    return clinic_send_error(cr, HTTP_NOT_FOUND, "NOT_FOUND",
                             "Payments are not taken online here.", NULL);
}

static int not_ours(clinic_req_t *cr)
{
    return clinic_send_error(cr, HTTP_NOT_FOUND, "PAYMENT_NOT_FOUND",
                             "There is no such payment.", NULL);
}

/* The answer for what clinic_pay_confirm met, or DECLINED when the
 * caller answers (APR_SUCCESS, CLINIC_PAY_UNREACHABLE: return and
 * webhook answer those differently) */
static int confirm_refused(clinic_req_t *cr, apr_status_t rv,
                           const char *why)
{
    if (rv == APR_SUCCESS || rv == CLINIC_PAY_UNREACHABLE) {
        return DECLINED;
    }
    if (rv == APR_NOTFOUND) {
        return not_ours(cr);
    }
    if (rv == APR_EBUSY) {
        clinic_metric_cause(cr->r, CLINIC_503_PAYMENT_CAP);
        return clinic_send_unavailable(cr, 1);
    }
    return clinic_send_internal(cr, why);
}

/* 303 to the frontend's page with the subscription and its status */
static int see_other(clinic_req_t *cr, const char *sub_id,
                     const char *status)
{
    apr_pool_t *p = cr->r->pool;
    const char *base = cr->conf->pay_return_url;
    const char *to = apr_pstrcat(p, base, strchr(base, '?') ? "&" : "?",
                                 sub_id ? "subscription=" : "",
                                 sub_id ? ap_escape_urlencoded(p, sub_id)
                                        : "",
                                 sub_id ? "&" : "", "status=", status, NULL);
    cJSON *data = clinic_json_object(p);

    if (sub_id) {
        cJSON_AddStringToObject(data, "subscription", sub_id);
    }
    cJSON_AddStringToObject(data, "status", status);
    cJSON_AddStringToObject(data, "redirect", to);
    apr_table_setn(cr->r->headers_out, "Location", to);
    return clinic_send_ok(cr, HTTP_SEE_OTHER, data,
                          "Back to the clinic's site.");
}

int clinic_h_pay_return(clinic_req_t *cr)
{
    const clinic_pay_driver_ops *ops = clinic_pay_ops(cr->conf);
    clinic_pay_key_t k;
    clinic_sub_t *sub, *mine;
    apr_status_t rv;
    int st;

    if (!ops) {
        return payments_off(cr);
    }
    if (!ops->return_key(clinic_pay_ctx(cr), &k)) {
        return clinic_send_invalid(cr, ops->return_param,
                                   "is required: the provider's payment id");
    }
    /* checked at home first: a return we did not sign never costs a
     * call to the provider */
    rv = clinic_pay_return_check(cr, &k, &mine);
    if ((st = confirm_refused(cr, rv, "payment return failed")) != DECLINED) {
        return st;
    }
    if (!strcmp(mine->payment_status, "completed")) {
        return see_other(cr, mine->id, "completed");   /* nothing to ask */
    }
    if (clinic_pay_return_take(cr) != APR_SUCCESS) {
        return see_other(cr, mine->id, "pending");     /* the page polls */
    }
    rv = clinic_pay_confirm(cr, &k, &sub);
    clinic_pay_return_give(cr);
    if (rv == APR_EBUSY) {
        rv = CLINIC_PAY_UNREACHABLE;    /* busy: as if it can't be asked */
    }
    if ((st = confirm_refused(cr, rv, "payment return failed")) != DECLINED) {
        return st;
    }
    if (rv == CLINIC_PAY_UNREACHABLE || !sub) {
        /* the provider will also notify us; the page can poll */
        return see_other(cr, mine->id, "pending");
    }
    if (strcmp(sub->id, mine->id)) {
        return not_ours(cr);            /* another payment than signed */
    }
    return see_other(cr, sub->id, sub->payment_status);
}

int clinic_h_pay_webhook(clinic_req_t *cr)
{
    const clinic_pay_driver_ops *ops = clinic_pay_ops(cr->conf);
    clinic_pay_key_t k;
    clinic_sub_t *sub;
    cJSON *data;
    apr_status_t rv;
    int st;

    if (!ops) {
        return payments_off(cr);
    }
    if ((st = clinic_whlimit_check(cr, 1)) != OK) {
        return st;
    }
    if (!ops->webhook(clinic_pay_ctx(cr), cr->body, &k)) {
        clinic_metric_inc(cr->r->server, CLINIC_M_WEBHOOK_BAD_SIG,
                          CLINIC_PAY_PROVIDER(clinic_pay_driver(cr->conf)));
        clinic_whlimit_failed(cr, "payment_signature_invalid", ops->name);
        return clinic_send_error(cr, HTTP_UNAUTHORIZED, "INVALID_SIGNATURE",
                                 "The notification's signature is not "
                                 "valid.", NULL);
    }
    data = clinic_json_object(cr->r->pool);
    cJSON_AddBoolToObject(data, "received", 1);
    if (!k.key) {
        return clinic_send_ok(cr, HTTP_OK, data, "Nothing to do for this "
                              "event.");
    }
    rv = clinic_pay_confirm(cr, &k, &sub);
    if ((st = confirm_refused(cr, rv, "payment webhook failed")) != DECLINED) {
        return st;
    }
    if (rv == CLINIC_PAY_UNREACHABLE) {
        return clinic_pay_provider_error(cr); /* it sends it again */
    }
    cJSON_AddStringToObject(data, "subscription", sub->id);
    cJSON_AddStringToObject(data, "paymentStatus", sub->payment_status);
    return clinic_send_ok(cr, HTTP_OK, data, "Notification received.");
}
