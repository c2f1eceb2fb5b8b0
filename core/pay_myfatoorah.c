/*
 * SPDX-License-Identifier: Apache-2.0
 * pay_myfatoorah.c: MyFatoorah (API v2), translated to and from the core.
 *
 *   create   POST /v2/SendPayment, NotificationOption LNK: an invoice whose
 *            page offers every method of the account (KNET, cards);
 *            CustomerReference is our subscription id
 *   status   POST /v2/GetPaymentStatus by PaymentId (the return's
 *            paymentId) or InvoiceId (what we stored, webhooks)
 *   webhook  V1 or V2 body, MyFatoorah-Signature checked (paysig.c)
 */
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include <apr_time.h>


#include "json.h"
#include "pay_driver.h"
#include "paysig.h"

/* the return's query argument naming the payment */
#define MF_RETURN_PARAM "paymentId"


static int word_is(const char *w, const char *const *list)
{
    for (; w && *list; list++) {
        if (!strcasecmp(w, *list)) {
            return 1;
        }
    }
    return 0;
}

static const char *const failed_words[] = { "Failed", "Canceled",
                                            "Cancelled", "Expired", NULL };

/* Data of a successful answer, or NULL (logged) */
static const cJSON *answer_data(clinic_pay_ctx_t *x, const char *what,
                                long status, const cJSON *answer)
{
    const cJSON *data = pay_member(answer, "Data");

    if (status >= 200 && status < 300 && cJSON_IsTrue(pay_member(answer,
                                                             "IsSuccess"))
        && cJSON_IsObject(data)) {
        return data;
    }
    clinic_log(x->env, CLINIC_LOG_ERR,
                  "CLINIC0802: MyFatoorah %s answered HTTP %ld: %s", what,
                  status, answer && pay_string(answer, "Message")
                              ? pay_string(answer, "Message")
                              : "no MyFatoorah answer");
    return NULL;
}

/* MyFatoorah reads ExpiryDate in the account's local time: Kuwait's
 * (UTC+3, no daylight saving).  An account elsewhere in the Gulf gets a
 * link that lives a little longer, never shorter. */
static const char *kuwait_time(apr_pool_t *p, apr_int64_t t)
{
    apr_time_exp_t x;

    apr_time_exp_gmt(&x, apr_time_from_sec(t + 3 * 3600));
    return apr_psprintf(p, "%04d-%02d-%02dT%02d:%02d:%02d", x.tm_year + 1900,
                        x.tm_mon + 1, x.tm_mday, x.tm_hour, x.tm_min,
                        x.tm_sec);
}

static apr_status_t mf_create(clinic_pay_ctx_t *x, const clinic_sub_t *sub,
                              const clinic_user_t *user, const char **ref,
                              const char **url)
{
    apr_pool_t *p = x->env->pool;
    cJSON *b, *answer;
    const cJSON *data;
    const char *back = x->return_url(x, sub->id), *currency, *amount;
    long status;
    apr_status_t rv;

    if ((rv = clinic_pay_body(x, sub, &b, &currency, &amount))
        != APR_SUCCESS) {
        return rv;
    }
    cJSON_AddStringToObject(b, "CustomerName", user->name ? user->name
                                                          : "Patient");
    cJSON_AddStringToObject(b, "NotificationOption", "LNK");
    cJSON_AddItemToObject(b, "InvoiceValue", cJSON_CreateRaw(amount));
    cJSON_AddStringToObject(b, "DisplayCurrencyIso", currency);
    cJSON_AddStringToObject(b, "MobileCountryCode", "+965");
    cJSON_AddStringToObject(b, "CustomerMobile", user->phone + 4);
    cJSON_AddStringToObject(b, "CustomerReference", sub->id);
    cJSON_AddStringToObject(b, "UserDefinedField", sub->id);
    cJSON_AddStringToObject(b, "CallBackUrl", back);
    cJSON_AddStringToObject(b, "ErrorUrl", back);
    cJSON_AddStringToObject(b, "WebhookUrl", x->webhook_url);
    cJSON_AddStringToObject(b, "Language", "EN");
    cJSON_AddStringToObject(b, "ExpiryDate", kuwait_time(p, x->now
                                + x->timeout));

    if ((rv = x->call(x, "/v2/SendPayment", b, 1, &status, &answer))
        != APR_SUCCESS) {
        return rv;
    }
    if (!(data = answer_data(x, "SendPayment", status, answer))) {
        return APR_EGENERAL;
    }
    *ref = clinic_pay_id(p, pay_member(data, "InvoiceId"));
    *url = pay_string(data, "InvoiceURL");
    if (!*ref || !*url || (strncasecmp(*url, "https://", 8)
                           && strncasecmp(*url, "http://", 7))) {
        clinic_log(x->env, CLINIC_LOG_ERR,
                      "CLINIC0803: MyFatoorah SendPayment gave no invoice "
                      "id or URL");
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

/* the currency MyFatoorah names: the paid transaction's, else the one
 * its display value ends with ("25.500 KD") */
static const char *mf_currency(apr_pool_t *p, const cJSON *data,
                               const cJSON *paid_tx)
{
    const char *c = paid_tx ? pay_string(paid_tx, "Currency") : NULL;
    const char *shown = pay_string(data, "InvoiceDisplayValue"), *sp;

    if (!c && shown && (sp = strrchr(shown, ' '))) {
        c = sp + 1;
    }
    if (!c) {
        return NULL;
    }
    /* an unknown name can't equal ours: kept as it is, it won't match */
    return clinic_currency_iso(c) ? clinic_currency_iso(c)
                                  : apr_pstrcat(p, "?", c, NULL);
}

static const char *const paid_words[] = { "Paid", "DuplicatePayment",
                                          NULL };

/* Successful transactions past the first (a DuplicatePayment): their ids
 * and total into st, for the refund.  0 when one of them is not of the
 * invoice's value. */
static int mf_extra(apr_pool_t *p, const cJSON *txs,
                    clinic_pay_status_t *st)
{
    const cJSON *tx;
    const char *txs_word, *id;
    apr_int64_t v;
    int n = 0, same = 1;

    cJSON_ArrayForEach(tx, txs) {
        txs_word = pay_string(tx, "TransactionStatus");
        if (!txs_word || strncasecmp(txs_word, "Succ", 4)) {
            continue;
        }
        /* each one must be of the invoice's value, when it says */
        if (pay_member(tx, "TransationValue")
            && (clinic_amount_json(pay_member(tx, "TransationValue"), &v)
                || v != st->fils)) {
            same = 0;
        }
        if (n++ == 0) {
            continue;                   /* the first one pays */
        }
        id = clinic_pay_id(p, pay_member(tx, "PaymentId"));
        st->extra_ids = apr_pstrcat(p, st->extra_ids ? st->extra_ids : "",
                                    st->extra_ids ? "," : "",
                                    id ? id : "?", NULL);
        st->extra_fils += st->fils;
    }
    return same;
}

static apr_status_t mf_status(clinic_pay_ctx_t *x, const clinic_pay_key_t *k,
                              clinic_pay_status_t *st)
{
    apr_pool_t *p = x->env->pool;
    cJSON *b = clinic_json_object(p), *answer;
    const cJSON *data, *tx, *paid_tx = NULL, *key_tx = NULL, *last_tx = NULL;
    const char *txs;
    long status;
    apr_status_t rv;

    cJSON_AddStringToObject(b, "Key", k->key);
    cJSON_AddStringToObject(b, "KeyType", k->key_is_ref ? "InvoiceId"
                                                        : "PaymentId");
    if ((rv = x->call(x, "/v2/GetPaymentStatus", b, 0, &status,
                              &answer)) != APR_SUCCESS) {
        return rv;
    }
    if (status >= 400 && status < 500 && status != 401 && status != 403
        && status != 429 && answer
        && cJSON_IsFalse(pay_member(answer, "IsSuccess"))) {
        return APR_NOTFOUND;            /* no such key */
    }
    if (!(data = answer_data(x, "GetPaymentStatus", status, answer))) {
        return APR_EGENERAL;
    }
    st->ref = clinic_pay_id(p, pay_member(data, "InvoiceId"));
    st->reference = pay_string(data, "CustomerReference");
    if (!st->reference || !*st->reference) {
        st->reference = pay_string(data, "UserDefinedField");
    }
    if (st->reference && !*st->reference) {
        st->reference = NULL;
    }
    st->word = pay_string(data, "InvoiceStatus");
    cJSON_ArrayForEach(tx, pay_member(data, "InvoiceTransactions")) {
        txs = pay_string(tx, "TransactionStatus");
        if (txs && !strncasecmp(txs, "Succ", 4) && !paid_tx) {
            paid_tx = tx;
        }
        if (!k->key_is_ref && pay_string(tx, "PaymentId")
            && !strcmp(pay_string(tx, "PaymentId"), k->key)) {
            key_tx = tx;
        }
        last_tx = tx;
    }
    /* as MyFatoorah's own library: paid once, or more than once */
    if (word_is(st->word, paid_words)) {
        st->state = CLINIC_PAY_PAID;
    }
    else if (word_is(st->word, failed_words)) {
        st->state = CLINIC_PAY_FAILED;
    }
    else {
        /* the invoice stays open after a declined attempt; the attempt
         * the browser came back from (or the latest one) decides */
        tx = k->key_is_ref ? last_tx : key_tx;
        txs = tx ? pay_string(tx, "TransactionStatus") : NULL;
        if (word_is(txs, failed_words)) {
            st->state = CLINIC_PAY_FAILED;
            st->word = txs;
        }
    }
    st->has_amount = !clinic_amount_json(pay_member(data, "InvoiceValue"),
                                         &st->fils);
    if (st->has_amount
        && !mf_extra(p, pay_member(data, "InvoiceTransactions"), st)) {
        st->has_amount = 0;             /* the two disagree: no amount */
    }
    st->currency = mf_currency(p, data, paid_tx);
    if (!st->ref) {
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

static int mf_return_key(clinic_pay_ctx_t *x, clinic_pay_key_t *k)
{
    k->key = x->query(x, MF_RETURN_PARAM);
    if (!k->key) {
        k->key = x->query(x, "Id");
    }
    k->key_is_ref = 0;
    k->ref = NULL;
    return k->key && strlen(k->key) <= 128;
}

static int mf_webhook(clinic_pay_ctx_t *x, const cJSON *body,
                      clinic_pay_key_t *k)
{
    apr_pool_t *p = x->env->pool;
    const clinic_secret_t *secret = x->webhook_secret;
    const cJSON *data = pay_member(body, "Data");
    const cJSON *event = pay_member(body, "Event");
    const char *pid = NULL;

    memset(k, 0, sizeof(*k));
    if (!clinic_mf_signature_ok(p, body, secret->data, secret->len,
                                x->header(x,
                                              "MyFatoorah-Signature"))) {
        return 0;
    }
    if (cJSON_IsObject(event)) {
        /* V2: PAYMENT_STATUS_CHANGED is code 1, and only the code picks
         * the fields the signature covered (not the name beside it) */
        const cJSON *code = pay_member(event, "Code");
        if (!(cJSON_IsNumber(code) && code->valueint == 1)) {
            return 1;
        }
        k->ref = clinic_pay_id(p, pay_member(pay_member(data, "Invoice"),
                                             "Id"));
        pid = clinic_pay_id(p, pay_member(pay_member(data, "Transaction"),
                                      "PaymentId"));
    }
    else {
        /* V1: TransactionsStatusChanged is EventType 1 */
        const cJSON *type = pay_member(body, "EventType");
        if (!cJSON_IsNumber(type) || type->valueint != 1) {
            return 1;
        }
        k->ref = clinic_pay_id(p, pay_member(data, "InvoiceId"));
        pid = clinic_pay_id(p, pay_member(data, "PaymentId"));
    }
    if (!k->ref) {
        return 1;
    }
    /* the attempt it tells of, by its PaymentId; else the invoice */
    k->key = pid ? pid : k->ref;
    k->key_is_ref = !pid;
    return 1;
}

const clinic_pay_driver_ops clinic_pay_myfatoorah = {
    "myfatoorah", "https://api.myfatoorah.com", MF_RETURN_PARAM,
    mf_create, mf_status, mf_return_key, mf_webhook
};
