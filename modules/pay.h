/*
 * SPDX-License-Identifier: Apache-2.0
 * pay.h: payments through a provider (API.md, Payments).
 *
 * pay_core.c is provider-neutral: it creates the payment of a pending
 * subscription, and holds the one confirm path that the browser's return,
 * the provider's webhook and the timeout all end in.  That path believes
 * only the provider's status API, checks amount, currency and reference,
 * and moves the subscription with conditional UPDATEs.  One small file
 * per provider (pay_myfatoorah.c, pay_tap.c) translates to and from its
 * API and checks its webhook signature.
 *
 * No database connection is held during a provider call; each call takes
 * one of ClinicPaymentMaxConcurrent places for its time.
 */
#ifndef CLINIC_PAY_H
#define CLINIC_PAY_H

#include "request.h"

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
    apr_status_t (*create)(clinic_req_t *cr, const clinic_sub_t *sub,
                           const clinic_user_t *user, const char **ref,
                           const char **url);
    /* APR_SUCCESS with *out; APR_NOTFOUND when the provider knows no
     * such payment; another error when it could not be asked */
    apr_status_t (*status)(clinic_req_t *cr, const clinic_pay_key_t *k,
                           clinic_pay_status_t *out);
    /* the payment the browser came back with; 0 when the query names
     * none */
    int (*return_key)(clinic_req_t *cr, clinic_pay_key_t *k);
    /* 1 when the webhook's signature is good; k->key NULL then means an
     * event that is not about a payment (answered 200, ignored) */
    int (*webhook)(clinic_req_t *cr, const cJSON *body, clinic_pay_key_t *k);
} clinic_pay_driver_ops;

/* The drivers are registered by name as httpd providers of this group,
 * version CLINIC_PAY_PROVIDER_VERSION (pay_drivers.c); the core knows
 * only this interface. */
#define CLINIC_PAY_PROVIDER_GROUP "clinic-payment"
#define CLINIC_PAY_PROVIDER_VERSION "0"

/* register_hooks: register every driver this module carries */
void clinic_pay_register_drivers(apr_pool_t *p);

/* The server's driver, the one registered under the configured name;
 * NULL for ClinicPaymentDriver none */
const clinic_pay_driver_ops *clinic_pay_ops(const clinic_server_conf *c);

/* One call to the provider's API: path under the API base, JSON body or
 * NULL (GET); creates: a call that makes a payment (never re-sent on a
 * kept connection).  APR_SUCCESS with the HTTP status and the answer's
 * JSON (NULL when it was not a JSON object); APR_EBUSY past the cap. */
apr_status_t clinic_pay_call(clinic_req_t *cr, const char *path,
                             const cJSON *body, int creates, long *status,
                             cJSON **answer);

/* For the drivers: o.name, and o.name when it is a string (else NULL) */
static APR_INLINE const cJSON *pay_member(const cJSON *o,
                                                 const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(o, name);
}

static APR_INLINE const char *pay_string(const cJSON *o,
                                                const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* For the drivers: an id the provider wrote as a string or a whole
 * number, as text (1 to 128 printable characters), else NULL */
const char *clinic_pay_id(apr_pool_t *p, const cJSON *v);
/* one argument of the request's query string, decoded, or NULL */
const char *clinic_pay_query(request_rec *r, const char *name);

/* The start of a payment request for sub: an empty JSON object on the
 * request's pool in *body, and what sub costs as the provider is asked
 * for it, the currency and the amount written with its decimals
 * ("25.500" KWD).  APR_EINVAL (logged) when the price can't be charged in
 * that currency (a part of a cent), APR_ENOMEM when out of memory. */
apr_status_t clinic_pay_body(clinic_req_t *cr, const clinic_sub_t *sub,
                             cJSON **body, const char **currency,
                             const char **amount);

/* The URLs the provider sends the browser and its notifications to; the
 * return URL names subscription sub_id and is signed (pay_return.c) */
const char *clinic_pay_return_to(clinic_req_t *cr, const char *sub_id);
const char *clinic_pay_webhook_to(clinic_req_t *cr);

/* A return, checked at home before any call to the provider: its
 * signature, the subscription it names (*sub), and that k names that
 * subscription's payment (k->ref is set to it).  APR_NOTFOUND when any of
 * these fails; a database failure otherwise. */
apr_status_t clinic_pay_return_check(clinic_req_t *cr, clinic_pay_key_t *k,
                                     clinic_sub_t **sub);
/* One of the places of returns at the provider (half of
 * ClinicPaymentMaxConcurrent, at least 1): APR_EBUSY when all are taken;
 * given back with clinic_pay_return_give. */
apr_status_t clinic_pay_return_take(clinic_req_t *cr);
void clinic_pay_return_give(clinic_req_t *cr);

/* After the purchase inserted sub (pending, holding the slot): create
 * the payment and answer 201, or free the slot and answer 502/503. */
int clinic_pay_start(clinic_req_t *cr, clinic_sub_t *sub);

/* 201 {"subscription", "user", "payment" (when the provider has one)} */
int clinic_pay_answer(clinic_req_t *cr, const clinic_sub_t *sub);

/* A retry with the same Idempotency-Key while the first is still at the
 * provider: wait for its outcome, then answer it. */
int clinic_pay_replay(clinic_req_t *cr, clinic_sub_t *sub);

/* 502 PAYMENT_PROVIDER_ERROR: the provider could not be reached (a
 * purchase: nothing was charged; a notification: it is sent again) */
int clinic_pay_provider_error(clinic_req_t *cr);

/* The provider could not be asked (down, hanging, refusing us, busy) */
#define CLINIC_PAY_UNREACHABLE APR_ECONNABORTED

/* The confirm path: ask the provider about k, check and apply.  *sub gets
 * the subscription as it is now (or, when the provider could not be
 * asked, as we know it, if the request named it).  APR_NOTFOUND when the
 * payment is not one of ours; CLINIC_PAY_UNREACHABLE; a database failure
 * otherwise.  Nothing is sent. */
apr_status_t clinic_pay_confirm(clinic_req_t *cr, const clinic_pay_key_t *k,
                                clinic_sub_t **sub);

/* Pending payments of the user older than ClinicPaymentTimeout: asked
 * about once more, then failed and their slot freed.  Needs no open
 * connection; leaves none.  Failures are logged only. */
void clinic_pay_sweep(clinic_req_t *cr, const char *user_id);

/* The background's sweep (background.c): every user's pending payments
 * past their timeout at this server's provider, one batch of
 * CLINIC_PAY_BATCH, oldest first, settled as clinic_pay_sweep does; it
 * stops at the first the provider can't answer for.  How many were
 * settled, -1 when the database failed.  Needs no open connection;
 * leaves none. */
int clinic_pay_settle_overdue(clinic_req_t *cr);

#endif
