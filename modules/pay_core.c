/*
 * SPDX-License-Identifier: Apache-2.0
 * pay_core.c: the provider-neutral payment core (see pay.h): create, the
 * one confirm path, and the timeout.
 *
 * Nothing here trusts what a browser or a notification says: the state
 * of a payment is what the provider's status API answers to our key, and
 * it only completes a subscription when that answer is "paid" for the
 * subscription's own reference, amount and currency.  Every change of a
 * subscription is a conditional UPDATE; only the request that made it
 * writes the security event.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_time.h>

#include <httpd.h>
#include <http_log.h>
#include <http_protocol.h>

#include "http.h"
#include "subs.h"
#include "metrics.h"
#include "json.h"
#include "pay.h"
#include "money.h"
#include "seclog.h"
#include "store_db.h"
#include "timeutil.h"

APLOG_USE_MODULE(clinic);

#define SWEEP_MAX 4            /* stale payments settled per request */

const char *clinic_pay_webhook_to(clinic_req_t *cr)
{
    return apr_pstrcat(cr->r->pool, cr->conf->public_url,
                       "/api/payments/webhook", NULL);
}

static apr_status_t pay_call(clinic_pay_ctx_t *x, const char *path,
                             const cJSON *body, int creates, long *status,
                             cJSON **answer)
{
    clinic_req_t *cr = x->glue;
    request_rec *r = cr->r;
    clinic_server_conf *c = cr->conf;
    const clinic_pay_driver_ops *ops = clinic_pay_ops(c);
    apr_array_header_t *headers = apr_array_make(r->pool, 2,
                                                 sizeof(const char *));
    clinic_http_req_t q = { "payment provider", body ? "POST" : "GET",
                            NULL, NULL, NULL, headers, NULL, NULL,
                            clinic_pay_request_timeout(c), creates };
    clinic_http_resp_t resp;
    char *text = NULL;
    apr_status_t rv;

    *answer = NULL;
    *status = 0;
    q.url = apr_pstrcat(r->pool, c->pay_url ? c->pay_url : ops->default_url,
                        path, NULL);
    *(const char **)apr_array_push(headers) =
        apr_pstrcat(r->pool, "Authorization: Bearer ",
                    (const char *)c->pay_key.data, NULL);
    *(const char **)apr_array_push(headers) = "Accept: application/json";
    if (body) {
        if (!(text = cJSON_PrintUnformatted(body))) {
            return APR_ENOMEM;
        }
        q.body = apr_pstrdup(r->pool, text);
        q.content_type = "application/json";
        cJSON_free(text);
    }
    if ((rv = clinic_http_slot_take(cr->env, &c->pay_in_flight,
                                    clinic_pay_max_concurrent(c),
                                    CLINIC_D_PAY_MAX_CONCURRENT))
        != APR_SUCCESS) {
        return rv;
    }
    rv = clinic_http_call(cr->env, &q, &resp);
    clinic_http_slot_give(&c->pay_in_flight);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    *status = resp.status;
    if (!resp.truncated
        && clinic_json_parse_foreign(answer, r->pool, resp.body, resp.len)
           != CLINIC_BODY_OK) {
        *answer = NULL;
    }
    return APR_SUCCESS;
}


static const char *pay_query(clinic_pay_ctx_t *x, const char *name)
{
    return clinic_pay_query(((clinic_req_t *)x->glue)->r, name);
}

static const char *pay_header(clinic_pay_ctx_t *x, const char *name)
{
    return apr_table_get(((clinic_req_t *)x->glue)->r->headers_in, name);
}

static const char *pay_return_url(clinic_pay_ctx_t *x, const char *sub_id)
{
    return clinic_pay_return_to(x->glue, sub_id);
}

clinic_pay_ctx_t *clinic_pay_ctx(clinic_req_t *cr)
{
    clinic_pay_ctx_t *x = apr_pcalloc(cr->r->pool, sizeof(*x));

    x->env = cr->env;
    x->now = cr->now;
    x->currency = clinic_currency(cr->conf);
    x->timeout = clinic_pay_timeout(cr->conf);
    x->key = &cr->conf->pay_key;
    x->webhook_secret = &cr->conf->pay_webhook_secret;
    x->webhook_url = clinic_pay_webhook_to(cr);
    x->return_url = pay_return_url;
    x->query = pay_query;
    x->header = pay_header;
    x->call = pay_call;
    x->glue = cr;
    return x;
}

/* ---- the purchase's answer ---------------------------------------------- */

static int answer_purchase(clinic_req_t *cr, const clinic_sub_t *sub)
{
    apr_pool_t *p = cr->r->pool;
    cJSON *data = clinic_json_object(p), *pay;
    int active = clinic_sub_is_active(sub, cr->now);

    clinic_json_add_sub(data, "subscription", p, sub,
                        clinic_currency(cr->conf), cr->now);
    clinic_json_add_user(data, "user", p, cr->user, active ? sub : NULL,
                         clinic_currency(cr->conf), cr->now);
    if (sub->pay_url && (pay = cJSON_AddObjectToObject(data, "payment"))) {
        cJSON_AddStringToObject(pay, "url", sub->pay_url);
        cJSON_AddStringToObject(pay, "expiresAt",
                                clinic_time_iso(p, sub->pay_expires_at));
    }
    return clinic_send_ok(cr, HTTP_CREATED, data,
                          active || !sub->pay_url
                              ? "Your package is active."
                              : "Pay on the payment page to activate your "
                                "package.");
}

int clinic_pay_answer(clinic_req_t *cr, const clinic_sub_t *sub)
{
    return answer_purchase(cr, sub);
}

int clinic_pay_provider_error(clinic_req_t *cr)
{
    return clinic_send_error(cr, HTTP_BAD_GATEWAY, "PAYMENT_PROVIDER_ERROR",
                             "The payment provider could not be reached; "
                             "please try again.", NULL);
}

int clinic_pay_start(clinic_req_t *cr, clinic_sub_t *sub)
{
    const clinic_pay_driver_ops *ops = clinic_pay_ops(cr->conf);
    const char *ref = NULL, *url = NULL;
    clinic_db_t *d;
    apr_status_t rv;
    int won;

    clinic_db_release(cr);
    rv = ops->create(clinic_pay_ctx(cr), sub, cr->user, &ref, &url);
    if (rv != APR_SUCCESS) {
        /* no payment was made: the slot is free again, the key too */
        if (!(d = clinic_db_quiet(cr))
            || clinic_store_pay_fail(&won, d, sub->id, 1)
               != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, cr->r,
                          "CLINIC0806: subscription %s keeps its slot until "
                          "%s fails it", sub->id, CLINIC_D_PAY_TIMEOUT);
        }
        clinic_seclog_payment(cr, "payment_failed", sub,
                              rv == APR_EBUSY ? "provider_busy"
                              : rv == APR_EINVAL ? "not_payable"
                                                 : "provider_unreachable");
        if (rv == APR_EINVAL) {
            return clinic_send_internal(cr, "payment not payable");
        }
        if (rv == APR_EBUSY) {
            clinic_metric_cause(cr->r, CLINIC_503_PAYMENT_CAP);
            return clinic_send_unavailable(cr, 1);
        }
        return clinic_pay_provider_error(cr);
    }
    sub->pay_ref = ref;
    sub->pay_url = url;
    sub->pay_expires_at = cr->now + clinic_pay_timeout(cr->conf);
    if (!(d = clinic_db(cr))) {
        return DONE;
    }
    rv = clinic_store_pay_attach(&won, d, sub->id, ref, url,
                                 sub->pay_expires_at);
    if (rv != APR_SUCCESS) {
        return clinic_send_internal(cr, "payment attach failed");
    }
    if (!won) {
        /* the timeout failed it while the provider was answering */
        clinic_seclog_payment(cr, "payment_failed", sub, "timeout");
        return clinic_pay_provider_error(cr);
    }
    clinic_seclog_payment(cr, "payment_created", sub, NULL);
    return answer_purchase(cr, sub);
}

int clinic_pay_replay(clinic_req_t *cr, clinic_sub_t *sub)
{
    apr_time_t until = apr_time_now()
        + apr_time_from_sec(clinic_pay_request_timeout(cr->conf) + 2);
    const char *id = sub->id;

    /* the first request is at the provider while this one waits; the
     * connection is given back while it sleeps */
    while (sub && !sub->pay_url && !strcmp(sub->payment_status, "pending")
           && apr_time_now() < until) {
        clinic_db_release(cr);
        apr_sleep(apr_time_from_msec(100));
        if (!clinic_db(cr)) {
            return DONE;
        }
        if (clinic_store_pay_sub(&sub, cr->dbd, id) != APR_SUCCESS) {
            return clinic_send_internal(cr, "subscription reload failed");
        }
    }
    if (!sub || (!sub->pay_url && !strcmp(sub->payment_status, "failed"))) {
        return clinic_pay_provider_error(cr); /* as the first one answered */
    }
    if (!sub->pay_url && !strcmp(sub->payment_status, "pending")) {
        return clinic_send_unavailable(cr, 1);
    }
    return answer_purchase(cr, sub);
}

/* ---- confirming --------------------------------------------------------- */

static int amount_matches(clinic_req_t *cr, const clinic_sub_t *sub,
                          const clinic_pay_status_t *st)
{
    const char *want = sub->currency ? sub->currency
                                     : clinic_currency(cr->conf);
    apr_int64_t fils;

    if (!st->has_amount || clinic_amount_parse(sub->pkg.price, &fils)
        || fils != st->fils) {
        return 0;
    }
    return st->currency && !strcasecmp(st->currency, want);
}

/* Paid more than once: the payments past the first are to be refunded.
 * Logged each time the provider's answer shows them (a notification and
 * a return may both); their ids tell repeats apart. */
static void log_duplicate(clinic_req_t *cr, const clinic_sub_t *sub,
                          const clinic_pay_status_t *st)
{
    const char *cur = sub->currency ? sub->currency
                                    : clinic_currency(cr->conf);

    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, cr->r,
                  "CLINIC0723: subscription %s was paid more than once; "
                  "refund payment %s", sub->id, st->extra_ids);
    clinic_seclog_refund(cr, "payment_duplicate", sub, "refund_needed",
                         st->extra_ids,
                         clinic_amount_format(cr->r->pool, st->extra_fils,
                                              clinic_currency_decimals(cur)),
                         cur);
}

/* Apply what the provider said (st NULL: it could not be asked) to sub.
 * final: the timeout's last word, after which pending is failed. */
static apr_status_t apply(clinic_req_t *cr, clinic_db_t *d, clinic_sub_t *sub,
                          const clinic_pay_status_t *st, int final)
{
    request_rec *r = cr->r;
    apr_int64_t now = apr_time_sec(apr_time_now());
    apr_status_t rv;
    int won = 0;

    if (st && st->state == CLINIC_PAY_PAID) {
        if (!amount_matches(cr, sub, st)) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "CLINIC0800: payment %s of subscription %s was "
                          "paid with another amount or currency: not "
                          "completed", sub->pay_ref, sub->id);
            clinic_seclog_payment(cr, "payment_amount_mismatch", sub,
                                  st->currency);
            rv = clinic_store_pay_fail(&won, d, sub->id, 0);
            if (won) {
                clinic_seclog_payment(cr, "payment_failed", sub,
                                      "amount_mismatch");
            }
            return rv;
        }
        if (st->extra_ids) {
            log_duplicate(cr, sub, st);
        }
        /* a subscription that ran out gives the slot up first */
        if ((rv = clinic_store_sub_release_expired(d, sub->user_id, now))
            != APR_SUCCESS) {
            return rv;
        }
        rv = clinic_store_pay_complete(&won, d, sub->id, now,
                 now + (apr_int64_t)sub->pkg.duration_days * 86400);
        if (rv == APR_EEXIST) {
            /* failed by the timeout, paid late, and the slot is taken by
             * another subscription now: never a second active one */
            clinic_seclog_payment(cr, "payment_late_success", sub,
                                  "refund_needed");
            return clinic_store_pay_fail(&won, d, sub->id, 0);
        }
        if (won) {
            clinic_seclog_payment(cr, "payment_completed", sub,
                                  strcmp(sub->payment_status, "failed")
                                      ? NULL : "paid_late");
        }
        return rv;
    }
    if ((st && st->state == CLINIC_PAY_FAILED) || final) {
        rv = clinic_store_pay_fail(&won, d, sub->id, 0);
        if (won) {
            clinic_seclog_payment(cr, "payment_failed", sub,
                                  st && st->state == CLINIC_PAY_FAILED
                                      ? st->word : "timeout");
        }
        return rv;
    }
    return APR_SUCCESS;
}

apr_status_t clinic_pay_confirm(clinic_req_t *cr, const clinic_pay_key_t *k,
                                clinic_sub_t **sub)
{
    const clinic_pay_driver_ops *ops = clinic_pay_ops(cr->conf);
    clinic_pay_status_t st;
    clinic_db_t *d;
    apr_status_t rv;

    *sub = NULL;
    if (k->ref) {
        /* a payment we never made is not worth a call to the provider */
        if (!(d = clinic_db_quiet(cr))) {
            return APR_ECONNREFUSED;
        }
        if ((rv = clinic_store_pay_by_ref(sub, d, ops->name, k->ref))
            != APR_SUCCESS) {
            return rv;
        }
        if (!*sub) {
            return APR_NOTFOUND;
        }
    }
    /* never across the provider's call (a token may have taken one) */
    clinic_db_release(cr);
    memset(&st, 0, sizeof(st));
    if ((rv = ops->status(clinic_pay_ctx(cr), k, &st)) != APR_SUCCESS) {
        return rv == APR_NOTFOUND || rv == APR_EBUSY ? rv
                                                     : CLINIC_PAY_UNREACHABLE;
    }
    /* a return signed for one payment changes no other, whatever id its
     * query string names */
    if (k->ref && (!st.ref || strcmp(st.ref, k->ref))) {
        return APR_NOTFOUND;
    }
    if (!(d = clinic_db_quiet(cr))) {
        return APR_ECONNREFUSED;
    }
    if ((rv = clinic_store_pay_by_ref(sub, d, ops->name, st.ref))
        != APR_SUCCESS) {
        return rv;
    }
    if (!*sub || (st.reference && strcmp(st.reference, (*sub)->id))) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, cr->r,
                      "CLINIC0801: the provider's payment %s is not one "
                      "this clinic made", st.ref ? st.ref : "(none)");
        *sub = NULL;
        return APR_NOTFOUND;
    }
    /* past ClinicPaymentTimeout this answer was the last word */
    if ((rv = apply(cr, d, *sub, &st, (*sub)->created_at
                    <= cr->now - clinic_pay_timeout(cr->conf)))
        != APR_SUCCESS) {
        return rv;
    }
    return clinic_store_pay_sub(sub, d, (*sub)->id);
}

typedef enum {
    SETTLED,                   /* failed, completed, or nothing to do */
    PROVIDER_SILENT,           /* could not be asked: kept for now */
    NO_DATABASE
} settle_t;

/* Ask the provider once more about a payment past its timeout, then
 * complete or fail it.  Holds no connection across the provider's call
 * and leaves none. */
static settle_t settle_one(clinic_req_t *cr, const clinic_pay_driver_ops *ops,
                           clinic_sub_t *sub)
{
    clinic_pay_key_t k = { sub->pay_ref, 1, sub->pay_ref };
    clinic_pay_status_t st;
    apr_status_t rv = APR_NOTFOUND;
    clinic_db_t *d;
    int asked = 0, won;

    memset(&st, 0, sizeof(st));
    /* asked once more; a payment it knows nothing of is not paid */
    if (sub->pay_ref) {
        rv = ops->status(clinic_pay_ctx(cr), &k, &st);
        asked = rv == APR_SUCCESS && st.ref && !strcmp(st.ref, sub->pay_ref);
    }
    /* a provider that can't answer now gets one more timeout */
    if (!asked && rv != APR_NOTFOUND && rv != APR_SUCCESS
        && sub->created_at > cr->now - 2 * (apr_int64_t)
                                       clinic_pay_timeout(cr->conf)) {
        return PROVIDER_SILENT;
    }
    if (!(d = clinic_db_quiet(cr))) {
        return NO_DATABASE;
    }
    if (!sub->pay_ref) {
        /* never reached the provider */
        if (clinic_store_pay_fail(&won, d, sub->id, 1)
            == APR_SUCCESS && won) {
            clinic_seclog_payment(cr, "payment_failed", sub, "timeout");
        }
    }
    else {
        apply(cr, d, sub, asked ? &st : NULL, 1);
    }
    clinic_db_release(cr);
    return SETTLED;
}

void clinic_pay_sweep(clinic_req_t *cr, const char *user_id)
{
    const clinic_pay_driver_ops *ops = clinic_pay_ops(cr->conf);
    apr_array_header_t *stale;
    clinic_db_t *d;
    int i;

    if (!ops || !(d = clinic_db_quiet(cr))
        || clinic_store_pay_stale(&stale, d, user_id,
                                  cr->now - clinic_pay_timeout(cr->conf))
           != APR_SUCCESS) {
        return;
    }
    clinic_db_release(cr);
    for (i = 0; i < stale->nelts && i < SWEEP_MAX; i++) {
        if (settle_one(cr, ops, &APR_ARRAY_IDX(stale, i, clinic_sub_t))
            == NO_DATABASE) {
            return;
        }
    }
}

int clinic_pay_settle_overdue(clinic_req_t *cr)
{
    const clinic_pay_driver_ops *ops = clinic_pay_ops(cr->conf);
    apr_int64_t made_by = 2 * (apr_int64_t)clinic_pay_request_timeout(
                                                cr->conf);
    apr_array_header_t *due;
    clinic_db_t *d;
    apr_status_t rv;
    int i, settled = 0;

    if (!ops) {
        return 0;
    }
    /* a payment not made yet may still be at the provider, on its way
     * (ClinicPaymentRequestTimeout): left alone until well past that */
    if (made_by < clinic_pay_timeout(cr->conf)) {
        made_by = clinic_pay_timeout(cr->conf);
    }
    if (!(d = clinic_db_quiet(cr))) {
        return -1;
    }
    rv = clinic_store_pay_overdue(&due, d, ops->name, cr->now,
                                  cr->now - made_by);
    clinic_db_release(cr);
    if (rv != APR_SUCCESS) {
        return -1;
    }
    for (i = 0; i < due->nelts; i++) {
        switch (settle_one(cr, ops, &APR_ARRAY_IDX(due, i, clinic_sub_t))) {
        case SETTLED:
            settled++;
            break;
        case PROVIDER_SILENT:
            return settled;   /* down or hanging: the rest wait a tick */
        default:
            return -1;
        }
    }
    return settled;
}
