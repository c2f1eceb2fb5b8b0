/*
 * SPDX-License-Identifier: Apache-2.0
 * pay_return.c: returns checked at home (API.md, Payments).
 *
 * The return URL the module gives the provider names the subscription and
 * carries an HMAC of its id: ?subscription=<id>&sig=<base64url>.  The key
 * is derived from a token key (ClinicJWTSecretFile), see paysig.h; the
 * ring's first key signs, every key of it verifies, so a return signed
 * just before a rotation still checks after it.  A return whose
 * signature does not match, or that names another payment than the one
 * signed for, is refused here, before any call to the provider.  Those
 * that pass take one of their own places, half of
 * ClinicPaymentMaxConcurrent, so returns never hold every place a
 * purchase needs.
 */
#include <string.h>
#include <apr_atomic.h>
#include <apr_strings.h>

#include <httpd.h>
#include <http_log.h>

#include "http.h"
#include "mac.h"
#include "pay.h"
#include "paysig.h"
#include "store_db.h"

APLOG_USE_MODULE(clinic);

const char *clinic_pay_return_to(clinic_req_t *cr, const char *sub_id)
{
    apr_pool_t *p = cr->r->pool;
    const clinic_secret_t *k = &cr->conf->jwt_key;
    const char *sig = clinic_pay_return_sig(p, k->data, k->len, sub_id);

    return apr_pstrcat(p, cr->conf->public_url,
                       "/api/payments/return?subscription=",
                       ap_escape_urlencoded(p, sub_id), "&sig=",
                       sig ? sig : "", NULL);
}

const char *clinic_pay_query(request_rec *r, const char *name)
{
    apr_size_t n = strlen(name);
    const char *a = r->args;

    while (a && *a) {
        const char *end = a + strcspn(a, "&;");
        if (!strncmp(a, name, n) && a[n] == '=') {
            char *v = apr_pstrndup(r->pool, a + n + 1,
                                   (apr_size_t)(end - a - n - 1));
            for (char *c = v; *c; c++) {
                if (*c == '+') {
                    *c = ' ';
                }
            }
            return ap_unescape_url(v) == OK && *v ? v : NULL;
        }
        a = *end ? end + 1 : end;
    }
    return NULL;
}

/* the subscription the return's signature is good for, or NULL */
static const char *signed_sub(clinic_req_t *cr)
{
    apr_pool_t *p = cr->r->pool;
    const char *id = clinic_pay_query(cr->r, "subscription");
    const char *sig = clinic_pay_query(cr->r, "sig");
    const apr_array_header_t *ring = cr->conf->jwt_files;
    int i, ok = 0;

    if (!id || !sig || strlen(id) > 64) {
        return NULL;
    }
    /* every key is tried: no early exit tells which one matched */
    for (i = 0; i < ring->nelts; i++) {
        const clinic_secret_t *k = &APR_ARRAY_IDX(ring, i, clinic_secret_t);

        ok |= clinic_ct_streq(clinic_pay_return_sig(p, k->data, k->len, id),
                              sig);
    }
    return ok ? id : NULL;
}

apr_status_t clinic_pay_return_check(clinic_req_t *cr, clinic_pay_key_t *k,
                                     clinic_sub_t **sub)
{
    const clinic_pay_driver_ops *ops = clinic_pay_ops(cr->conf);
    const char *id = signed_sub(cr);
    clinic_db_t *d;
    apr_status_t rv;

    *sub = NULL;
    if (!id) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, cr->r,
                      "CLINIC0720: a payment return without a valid "
                      "signature: answered without asking the provider");
        return APR_NOTFOUND;
    }
    if (!(d = clinic_db_quiet(cr))) {
        return APR_ECONNREFUSED;
    }
    if ((rv = clinic_store_pay_sub(sub, d, id)) != APR_SUCCESS) {
        return rv;
    }
    clinic_db_release(cr);
    if (!*sub || !(*sub)->pay_ref || !(*sub)->pay_provider
        || strcmp((*sub)->pay_provider, ops->name)
        || (k->ref && strcmp(k->ref, (*sub)->pay_ref))) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, cr->r,
                      "CLINIC0721: a payment return signed for "
                      "subscription %s names another payment: answered "
                      "without asking the provider", id);
        *sub = NULL;
        return APR_NOTFOUND;
    }
    /* the provider's answer is then checked against this payment */
    k->ref = (*sub)->pay_ref;
    return APR_SUCCESS;
}

static int return_cap(const clinic_server_conf *c)
{
    int cap = clinic_pay_max_concurrent(c) / 2;

    return cap > 0 ? cap : 1;
}

apr_status_t clinic_pay_return_take(clinic_req_t *cr)
{
    clinic_server_conf *c = cr->conf;
    int cap = return_cap(c);

    if (apr_atomic_inc32(&c->pay_return_in_flight) >= (apr_uint32_t)cap) {
        apr_atomic_dec32(&c->pay_return_in_flight);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, cr->r,
                      "CLINIC0722: %d payment returns already wait on the "
                      "provider in this process (half of %s): answered "
                      "pending without asking", cap,
                      CLINIC_D_PAY_MAX_CONCURRENT);
        return APR_EBUSY;
    }
    return APR_SUCCESS;
}

void clinic_pay_return_give(clinic_req_t *cr)
{
    apr_atomic_dec32(&cr->conf->pay_return_in_flight);
}
