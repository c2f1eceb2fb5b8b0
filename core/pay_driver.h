/*
 * SPDX-License-Identifier: Apache-2.0
 * pay_driver.h: the interface of a payment driver (one file per
 * provider: pay_myfatoorah.c, pay_tap.c), and what drivers share
 * (pay_driver.c).  A driver translates to and from its provider's API and
 * checks its webhook's signature; it knows no httpd.  It gets a
 * clinic_pay_ctx_t: the settings, and the glue's services (the capped
 * call to the API, the signed return URL, the request's query and
 * headers).  The glue (modules/pay_drivers.c) registers the drivers by
 * name; the payment core (modules/pay_core.c) calls only this interface.
 */
#ifndef CLINIC_PAY_DRIVER_H
#define CLINIC_PAY_DRIVER_H

#include <apr_pools.h>
#include <cjson/cJSON.h>

#include "env.h"
#include "model.h"
#include "otp.h"            /* clinic_secret_t */

typedef struct clinic_pay_ctx_t clinic_pay_ctx_t;

struct clinic_pay_ctx_t {
    const clinic_env_t *env;   /* pool and log */
    apr_int64_t now;           /* seconds since the epoch */
    const char *currency;      /* ClinicCurrency: a price's unless the
                                * subscription names its own */
    int timeout;               /* ClinicPaymentTimeout, seconds */
    const clinic_secret_t *key;             /* ClinicPaymentKeyFile */
    const clinic_secret_t *webhook_secret;  /* its webhook secret */
    const char *webhook_url;   /* where the provider notifies */
    /* the signed URL the provider sends the browser back to */
    const char *(*return_url)(clinic_pay_ctx_t *x, const char *sub_id);
    /* one argument of the return's query string, decoded, or NULL */
    const char *(*query)(clinic_pay_ctx_t *x, const char *name);
    /* a header of the notification, or NULL */
    const char *(*header)(clinic_pay_ctx_t *x, const char *name);
    /* One call to the provider's API: path under the API base, JSON body
     * or NULL (GET); creates: a call that makes a payment (never re-sent
     * on a kept connection).  APR_SUCCESS with the HTTP status and the
     * answer's JSON (NULL when it was not a JSON object); APR_EBUSY past
     * the cap. */
    apr_status_t (*call)(clinic_pay_ctx_t *x, const char *path,
                         const cJSON *body, int creates, long *status,
                         cJSON **answer);
    void *glue;                /* the glue's own (its request) */
};

typedef enum {
    CLINIC_PAY_PENDING = 0,    /* not paid yet, or the provider can't say */
    CLINIC_PAY_PAID,
    CLINIC_PAY_FAILED          /* declined, cancelled, expired */
} clinic_pay_state_t;

/* What the provider's status API says about one payment */
typedef struct {
    const char *ref;           /* its id for the payment (invoice, charge) */
    const char *reference;     /* our subscription id as it echoes it */
    clinic_pay_state_t state;
    int has_amount;
    apr_int64_t fils;          /* the amount, in thousandths */
    const char *currency;      /* ISO code, NULL when it did not say */
    const char *word;          /* its status word, for the log */
    /* paid more than once (MyFatoorah's DuplicatePayment): the payments
     * past the first, to refund, as "id[,id...]", and their total */
    const char *extra_ids;
    apr_int64_t extra_fils;
} clinic_pay_status_t;

/* How a return or a webhook names the payment */
typedef struct {
    const char *key;           /* what to ask the status API with */
    int key_is_ref;            /* key is the id we stored (pay_ref) */
    const char *ref;           /* the stored id, when the request names it
                                * (a quick "not ours" before any call) */
} clinic_pay_key_t;

typedef struct {
    const char *name;          /* "myfatoorah", "tap": pay_provider */
    const char *default_url;   /* the live API base */
    const char *return_param;  /* the return's query argument naming the
                                * payment ("paymentId", "tap_id") */
    /* create the payment of sub for user: its id and the payment page */
    apr_status_t (*create)(clinic_pay_ctx_t *x, const clinic_sub_t *sub,
                           const clinic_user_t *user, const char **ref,
                           const char **url);
    /* APR_SUCCESS with *out; APR_NOTFOUND when the provider knows no
     * such payment; another error when it could not be asked */
    apr_status_t (*status)(clinic_pay_ctx_t *x, const clinic_pay_key_t *k,
                           clinic_pay_status_t *out);
    /* the payment the browser came back with; 0 when the query names
     * none */
    int (*return_key)(clinic_pay_ctx_t *x, clinic_pay_key_t *k);
    /* 1 when the webhook's signature is good; k->key NULL then means an
     * event that is not about a payment (answered 200, ignored) */
    int (*webhook)(clinic_pay_ctx_t *x, const cJSON *body, clinic_pay_key_t *k);
} clinic_pay_driver_ops;


/* For the drivers: o.name, and o.name when it is a string (else NULL) */
static APR_INLINE const cJSON *pay_member(const cJSON *o, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(o, name);
}

static APR_INLINE const char *pay_string(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* For the drivers: an id the provider wrote as a string or a whole
 * number, as text (1 to 128 printable characters), else NULL */
const char *clinic_pay_id(apr_pool_t *p, const cJSON *v);

/* The start of a payment request for sub: an empty JSON object on the
 * pool in *body, and what sub costs as the provider is asked for it, the
 * currency and the amount written with its decimals ("25.500" KWD).
 * APR_EINVAL (logged) when the price can't be charged in that currency
 * (a part of a cent), APR_ENOMEM when out of memory. */
apr_status_t clinic_pay_body(clinic_pay_ctx_t *x, const clinic_sub_t *sub,
                             cJSON **body, const char **currency,
                             const char **amount);

/* The drivers this module carries (registered by modules/pay_drivers.c) */
extern const clinic_pay_driver_ops clinic_pay_myfatoorah, clinic_pay_tap;

#endif
