/*
 * SPDX-License-Identifier: Apache-2.0
 * paysig.c: the providers' webhook signatures and the return's (see
 * paysig.h for the schemes).  Pure: mac.c's HMAC, cJSON,
 * APR pools; everything cJSON prints is freed here.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <apr_lib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "mac.h"
#include "paysig.h"

/* ---- signed strings ----------------------------------------------------- */

/* A scalar as the provider signs it: strings as they are, numbers and
 * booleans as JSON writes them, null as "".  NULL for objects, arrays. */
static const char *scalar(apr_pool_t *p, const cJSON *v)
{
    char *printed;
    const char *out;

    if (!v || cJSON_IsNull(v)) {
        return "";
    }
    if (cJSON_IsString(v)) {
        return v->valuestring;
    }
    if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        return NULL;
    }
    if (!(printed = cJSON_PrintUnformatted(v))) {
        return NULL;
    }
    out = apr_pstrdup(p, printed);
    cJSON_free(printed);
    return out;
}

static int by_name(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    int c = strcasecmp(x->string, y->string);
    return c ? c : strcmp(x->string, y->string);
}

const char *clinic_mf_v1_string(apr_pool_t *p, const cJSON *data,
                                int event_type)
{
    apr_array_header_t *items;
    const cJSON *it;
    const char *out = NULL;
    int i;

    if (!cJSON_IsObject(data)) {
        return NULL;
    }
    items = apr_array_make(p, 24, sizeof(const cJSON *));
    cJSON_ArrayForEach(it, data) {
        /* a refund's GatewayReference is never signed, whatever it holds */
        if (event_type == 2 && !strcmp(it->string, "GatewayReference")) {
            continue;
        }
        if (!cJSON_IsObject(it) && !cJSON_IsArray(it)) {
            *(const cJSON **)apr_array_push(items) = it;
        }
    }
    qsort(items->elts, (size_t)items->nelts, sizeof(const cJSON *), by_name);
    for (i = 0; i < items->nelts; i++) {
        it = APR_ARRAY_IDX(items, i, const cJSON *);
        out = apr_pstrcat(p, out ? out : "", out ? "," : "", it->string, "=",
                          scalar(p, it), NULL);
    }
    return out ? out : "";
}

/* data.a.b, or NULL */
static const cJSON *path2(const cJSON *data, const char *a, const char *b)
{
    return cJSON_GetObjectItemCaseSensitive(
               cJSON_GetObjectItemCaseSensitive(data, a), b);
}

/* The fields each V2 event signs, in order ("Object.Field"); code 1's
 * fifth is Invoice.ExternalIdentifier, or Customer.Reference (variant) */
static const char *const *v2_fields(int code, int variant)
{
    static const char *const payment[] = {
        "Invoice.Id", "Invoice.Status", "Transaction.Status",
        "Transaction.PaymentId", "Invoice.ExternalIdentifier", NULL };
    static const char *const payment_old[] = {
        "Invoice.Id", "Invoice.Status", "Transaction.Status",
        "Transaction.PaymentId", "Customer.Reference", NULL };
    static const char *const refund[] = {
        "Refund.Id", "Refund.Status", "Amount.ValueInBaseCurrency",
        "ReferencedInvoice.Id", NULL };
    static const char *const deposit[] = {
        "Deposit.Reference", "Deposit.ValueInBaseCurrency",
        "Deposit.NumberOfTransactions", NULL };
    static const char *const supplier[] = {
        "Supplier.Code", "KycDecision.Status", NULL };
    static const char *const recurring[] = {
        "Recurring.Id", "Recurring.Status", "Recurring.InitialInvoiceId",
        NULL };

    switch (code) {
    case 1:
        return variant ? payment_old : payment;
    case 2:
        return refund;
    case 3:
        return deposit;
    case 4:
        return supplier;
    case 5:
        return recurring;
    default:
        return NULL;
    }
}

const char *clinic_mf_v2_string(apr_pool_t *p, const cJSON *data, int code,
                                int variant)
{
    const char *const *f = v2_fields(code, variant);
    const char *out = "";
    int i;

    if (!f || !cJSON_IsObject(data)) {
        return NULL;
    }
    for (i = 0; f[i]; i++) {
        const char *dot = strchr(f[i], '.'), *v;
        char *obj = apr_pstrndup(p, f[i], (apr_size_t)(dot - f[i]));
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(data, obj);

        /* the object itself must be there; a field of it may be null */
        if (!cJSON_IsObject(o)
            || !(v = scalar(p, cJSON_GetObjectItemCaseSensitive(o,
                                                               dot + 1)))) {
            return NULL;
        }
        out = apr_pstrcat(p, out, i ? "," : "", f[i], "=", v, NULL);
    }
    return out;
}

const char *clinic_tap_string(apr_pool_t *p, const cJSON *charge,
                              int decimals)
{
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(charge, "reference");
    const char *id = scalar(p, cJSON_GetObjectItemCaseSensitive(charge, "id"));
    const char *cur = scalar(p, cJSON_GetObjectItemCaseSensitive(charge,
                                                                "currency"));
    const char *status = scalar(p, cJSON_GetObjectItemCaseSensitive(charge,
                                                                   "status"));
    const char *gw = scalar(p, cJSON_GetObjectItemCaseSensitive(ref,
                                                               "gateway"));
    const char *pay = scalar(p, cJSON_GetObjectItemCaseSensitive(ref,
                                                                "payment"));
    const char *created = scalar(p, path2(charge, "transaction", "created"));
    apr_int64_t fils;

    if (!cJSON_IsObject(charge) || !id || !cur || !status || !gw || !pay
        || !created || clinic_amount_json(cJSON_GetObjectItemCaseSensitive(
                                              charge, "amount"), &fils)) {
        return NULL;
    }
    return apr_pstrcat(p, "x_id", id, "x_amount",
                       clinic_amount_format(p, fils, decimals),
                       "x_currency", cur, "x_gateway_reference", gw,
                       "x_payment_reference", pay, "x_status", status,
                       "x_created", created, NULL);
}

/* ---- HMAC ------------------------------------------------------------- */

static int hmac(unsigned char mac[32], const void *key, apr_size_t klen,
                const char *msg)
{
    return clinic_hmac_sha256(mac, klen ? key : NULL, klen, msg, strlen(msg));
}

const char *clinic_hmac_b64(apr_pool_t *p, const void *key, apr_size_t klen,
                            const char *msg)
{
    unsigned char mac[32];
    char *out;

    if (!msg || !hmac(mac, key, klen, msg)) {
        return NULL;
    }
    out = apr_palloc(p, 4 * ((32 + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, mac, 32);   /* with padding */
    return out;
}

const char *clinic_hmac_hex(apr_pool_t *p, const void *key, apr_size_t klen,
                            const char *msg)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char mac[32];
    char *out;
    int i;

    if (!msg || !hmac(mac, key, klen, msg)) {
        return NULL;
    }
    out = apr_palloc(p, 65);
    for (i = 0; i < 32; i++) {
        out[2 * i] = hex[mac[i] >> 4];
        out[2 * i + 1] = hex[mac[i] & 15];
    }
    out[64] = '\0';
    return out;
}

/* ---- the return URL's own signature ------------------------------------ */

#define RETURN_LABEL "mod_clinic payment return key v1"

const char *clinic_pay_return_sig(apr_pool_t *p, const void *key,
                                  apr_size_t klen, const char *sub_id)
{
    unsigned char derived[32], mac[32];
    const char *out = NULL;

    if (!key || !klen || !sub_id || !*sub_id) {
        return NULL;
    }
    if (clinic_hmac_sha256(derived, key, klen, RETURN_LABEL,
                           sizeof(RETURN_LABEL) - 1)
        && clinic_hmac_sha256(mac, derived, sizeof(derived), sub_id,
                              strlen(sub_id))) {
        /* base64url without padding: URL-safe as it is */
        char *b = apr_palloc(p, 4 * ((sizeof(mac) + 2) / 3) + 1), *c;

        EVP_EncodeBlock((unsigned char *)b, mac, sizeof(mac));
        for (c = b; *c && *c != '='; c++) {
            *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
        }
        *c = '\0';
        out = b;
    }
    OPENSSL_cleanse(derived, sizeof(derived));
    OPENSSL_cleanse(mac, sizeof(mac));
    return out;
}

int clinic_mf_signature_ok(apr_pool_t *p, const cJSON *body,
                           const void *key, apr_size_t klen,
                           const char *given)
{
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(body, "Data");
    const cJSON *event = cJSON_GetObjectItemCaseSensitive(body, "Event");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(event, "Code");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(body, "EventType");
    int ok = 0;

    if (!given || !cJSON_IsObject(data)) {
        return 0;
    }
    if (cJSON_IsObject(event)) {
        /* V2: the fields of its event code; a payment's fifth field has
         * two spellings, both tried, always */
        if (!cJSON_IsNumber(code) || code->valuedouble != code->valueint) {
            return 0;
        }
        ok |= clinic_ct_streq(clinic_hmac_b64(p, key, klen,
                  clinic_mf_v2_string(p, data, code->valueint, 0)), given);
        if (code->valueint == 1) {
            ok |= clinic_ct_streq(clinic_hmac_b64(p, key, klen,
                      clinic_mf_v2_string(p, data, 1, 1)), given);
        }
        return ok;
    }
    return clinic_ct_streq(clinic_hmac_b64(p, key, klen,
               clinic_mf_v1_string(p, data, cJSON_IsNumber(type)
                                                ? type->valueint : 0)),
                           given);
}

int clinic_tap_signature_ok(apr_pool_t *p, const cJSON *charge,
                            const void *key, apr_size_t klen,
                            const char *given)
{
    const char *cur = scalar(p, cJSON_GetObjectItemCaseSensitive(charge,
                                                                "currency"));
    char *lower;
    int decimals = clinic_currency_decimals(cur), ok = 0, i;

    if (!given) {
        return 0;
    }
    lower = apr_pstrdup(p, given);
    for (i = 0; lower[i]; i++) {
        lower[i] = (char)apr_tolower(lower[i]);
    }
    /* the documented rounding first; the other precision too, since
     * integrations disagree on it */
    ok |= clinic_ct_streq(clinic_hmac_hex(p, key, klen,
                              clinic_tap_string(p, charge, decimals)), lower);
    ok |= clinic_ct_streq(clinic_hmac_hex(p, key, klen,
                              clinic_tap_string(p, charge,
                                                decimals == 3 ? 2 : 3)),
                          lower);
    return ok;
}
