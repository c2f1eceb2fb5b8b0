/*
 * SPDX-License-Identifier: Apache-2.0
 * pay_tap.c: Tap Payments (API v2), translated to and from the core.
 *
 *   create   POST /v2/charges with source src_all (KNET and cards on
 *            Tap's page); reference.transaction and .order are our
 *            subscription id; the answer's transaction.url is the page
 *   status   GET /v2/charges/{id}: CAPTURED is paid
 *   return   ?tap_id=chg_...
 *   webhook  the charge object, hashstring checked (paysig.c)
 */
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include <apr_lib.h>


#include "json.h"
#include "pay_driver.h"
#include "paysig.h"

/* the return's query argument naming the payment */
#define TAP_RETURN_PARAM "tap_id"


/* Tap's documented failures; INITIATED, IN_PROGRESS, UNKNOWN wait */
static int failed_word(const char *w)
{
    static const char *const words[] = { "ABANDONED", "CANCELLED", "FAILED",
                                         "DECLINED", "RESTRICTED", "VOID",
                                         "TIMEDOUT", NULL };
    const char *const *x;

    for (x = words; w && *x; x++) {
        if (!strcasecmp(w, *x)) {
            return 1;
        }
    }
    return 0;
}

/* a charge id goes into a URL path: letters, digits and _ only */
static int charge_id_ok(const char *id)
{
    apr_size_t i;

    for (i = 0; id && id[i]; i++) {
        if (!apr_isalnum(id[i]) && id[i] != '_' && id[i] != '-') {
            return 0;
        }
    }
    return id && i > 0 && i <= 64;
}

static apr_status_t tap_create(clinic_pay_ctx_t *x, const clinic_sub_t *sub,
                               const clinic_user_t *user, const char **ref,
                               const char **url)
{
    apr_pool_t *p = x->env->pool;
    const char *currency, *amount;
    cJSON *b, *answer, *o, *phone;
    int minutes = x->timeout / 60;
    long status;
    apr_status_t rv;

    if ((rv = clinic_pay_body(x, sub, &b, &currency, &amount))
        != APR_SUCCESS) {
        return rv;
    }
    cJSON_AddItemToObject(b, "amount", cJSON_CreateRaw(amount));
    cJSON_AddStringToObject(b, "currency", currency);
    cJSON_AddBoolToObject(b, "customer_initiated", 1);
    cJSON_AddBoolToObject(b, "threeDSecure", 1);
    cJSON_AddBoolToObject(b, "save_card", 0);
    cJSON_AddStringToObject(b, "description", sub->pkg.name);
    if ((o = cJSON_AddObjectToObject(b, "metadata"))) {
        cJSON_AddStringToObject(o, "subscription", sub->id);
    }
    if ((o = cJSON_AddObjectToObject(b, "reference"))) {
        cJSON_AddStringToObject(o, "transaction", sub->id);
        cJSON_AddStringToObject(o, "order", sub->id);
    }
    if ((o = cJSON_AddObjectToObject(b, "receipt"))) {
        cJSON_AddBoolToObject(o, "email", 0);
        cJSON_AddBoolToObject(o, "sms", 0);
    }
    if ((o = cJSON_AddObjectToObject(b, "customer"))) {
        cJSON_AddStringToObject(o, "first_name", user->name ? user->name
                                                            : "Patient");
        if ((phone = cJSON_AddObjectToObject(o, "phone"))) {
            cJSON_AddStringToObject(phone, "country_code", "965");
            cJSON_AddStringToObject(phone, "number", user->phone + 4);
        }
    }
    if ((o = cJSON_AddObjectToObject(b, "source"))) {
        cJSON_AddStringToObject(o, "id", "src_all");
    }
    if ((o = cJSON_AddObjectToObject(b, "post"))) {
        cJSON_AddStringToObject(o, "url", x->webhook_url);
    }
    if ((o = cJSON_AddObjectToObject(b, "redirect"))) {
        cJSON_AddStringToObject(o, "url", x->return_url(x, sub->id));
    }
    /* Tap's page lives 5 to 60 minutes */
    if ((o = cJSON_AddObjectToObject(b, "transaction"))
        && (o = cJSON_AddObjectToObject(o, "expiry"))) {
        cJSON_AddNumberToObject(o, "period", minutes < 5 ? 5
                                             : minutes > 60 ? 60 : minutes);
        cJSON_AddStringToObject(o, "type", "MINUTE");
    }

    if ((rv = x->call(x, "/v2/charges", b, 1, &status, &answer))
        != APR_SUCCESS) {
        return rv;
    }
    *ref = clinic_pay_id(p, pay_member(answer, "id"));
    *url = pay_string(pay_member(answer, "transaction"), "url");
    if (status < 200 || status > 299 || !charge_id_ok(*ref) || !*url
        || failed_word(pay_string(answer, "status"))
        || (strncasecmp(*url, "https://", 8)
            && strncasecmp(*url, "http://", 7))) {
        clinic_log(x->env, CLINIC_LOG_ERR,
                      "CLINIC0804: Tap refused the charge (HTTP %ld, "
                      "status %s)", status,
                      pay_string(answer, "status") ? pay_string(answer,
                                                              "status")
                                                  : "none");
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

static apr_status_t tap_status(clinic_pay_ctx_t *x, const clinic_pay_key_t *k,
                               clinic_pay_status_t *st)
{
    apr_pool_t *p = x->env->pool;
    const cJSON *ref;
    cJSON *answer;
    long status;
    apr_status_t rv;

    if (!charge_id_ok(k->key)) {
        return APR_NOTFOUND;
    }
    if ((rv = x->call(x, apr_pstrcat(p, "/v2/charges/", k->key,
                                              NULL),
                              NULL, 0, &status, &answer)) != APR_SUCCESS) {
        return rv;
    }
    if (status == 404 || status == 400) {
        return APR_NOTFOUND;
    }
    st->ref = clinic_pay_id(p, pay_member(answer, "id"));
    if (status < 200 || status > 299 || !st->ref) {
        clinic_log(x->env, CLINIC_LOG_ERR,
                      "CLINIC0805: Tap answered HTTP %ld for a charge",
                      status);
        return APR_EGENERAL;
    }
    ref = pay_member(answer, "reference");
    st->reference = pay_string(ref, "transaction");
    if (!st->reference) {
        st->reference = pay_string(ref, "order");
    }
    st->word = pay_string(answer, "status");
    st->state = st->word && !strcasecmp(st->word, "CAPTURED")
                    ? CLINIC_PAY_PAID
                    : failed_word(st->word) ? CLINIC_PAY_FAILED
                                            : CLINIC_PAY_PENDING;
    st->has_amount = !clinic_amount_json(pay_member(answer, "amount"),
                                         &st->fils);
    st->currency = pay_string(answer, "currency");
    if (!st->currency) {
        st->currency = "?";             /* Tap always names it */
    }
    return APR_SUCCESS;
}

static int tap_return_key(clinic_pay_ctx_t *x, clinic_pay_key_t *k)
{
    k->key = x->query(x, TAP_RETURN_PARAM);
    k->key_is_ref = 1;
    k->ref = k->key;
    return charge_id_ok(k->key);
}

static int tap_webhook(clinic_pay_ctx_t *x, const cJSON *body,
                       clinic_pay_key_t *k)
{
    const clinic_secret_t *key = x->key;

    memset(k, 0, sizeof(*k));
    if (!clinic_tap_signature_ok(x->env->pool, body, key->data, key->len,
                                 x->header(x,
                                               "hashstring"))) {
        return 0;
    }
    k->key = clinic_pay_id(x->env->pool, pay_member(body, "id"));
    if (k->key && !charge_id_ok(k->key)) {
        k->key = NULL;
    }
    k->key_is_ref = 1;
    k->ref = k->key;
    return 1;
}

const clinic_pay_driver_ops clinic_pay_tap = {
    "tap", "https://api.tap.company", TAP_RETURN_PARAM,
    tap_create, tap_status, tap_return_key, tap_webhook
};
