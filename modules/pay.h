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
#include "pay_driver.h"


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

/* The drivers' context for this request (pay_driver.h): settings, the
 * signed return URL, the query and headers, the capped call */
clinic_pay_ctx_t *clinic_pay_ctx(clinic_req_t *cr);

/* one argument of the request's query string, decoded, or NULL */
const char *clinic_pay_query(request_rec *r, const char *name);

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
