/*
 * SPDX-License-Identifier: Apache-2.0
 * payclient.h: helpers of the payment tests (test_payments.c,
 * test_payment_faults.c), against the fake providers of tests/fake_pay:
 * the patient's side (paying, declining, walking away) is played through
 * the fake's /_control, which hands back the browser's return URL and the
 * signed notification, for the test to deliver when and as often as it
 * wants.
 */
#ifndef CLINIC_TEST_PAYCLIENT_H
#define CLINIC_TEST_PAYCLIENT_H

#include "client.h"

#define SEED "5f0c6a52-3f1e-4d8e-9a51-0d6c1f2b7a10"
/* ClinicPaymentReturnURL of the test sites, and what the module adds */
#define BACK "https://clinic.test/payment/done?from=api&subscription="

/* a patient logged in on site s, with the profile a purchase needs */
char *buyer(const char *s);
/* POST /api/packages/purchase of SEED on s, with an Idempotency-Key if key */
resp_t *buy(const char *s, const char *tok, const char *key);
/* buy, asserting 201 pending with a payment page; the subscription id,
 * and the provider's id for its payment in *ref (caller frees both) */
char *buy_pending(const char *s, const char *tok, char **ref);
/* POST the fake's /_control */
resp_t *control(const char *json);
/* the patient pays ("paid"), declines ("declined") or cancels at the
 * provider: {return, webhook}; extra: more members (",\"amount\":...") */
resp_t *settle(const char *provider, const char *ref, const char *outcome,
               const char *extra);
/* the browser comes back (the return URL of a settle) */
resp_t *come_back(const resp_t *settled);
/* the provider's notification of a settle, delivered to site s; a
 * signature header value may replace the real one */
resp_t *deliver(const char *s, const resp_t *settled,
                const char *forged_signature);
resp_t *sub_get(const char *s, const char *tok, const char *id);
void assert_status(const char *s, const char *tok, const char *id,
                   const char *status, int active);
/* the 303 back to the frontend with the subscription and its status */
void assert_back(const resp_t *r, const char *id, const char *status);
/* security events of one subscription */
int events(const char *event, const char *sub_id);
/* payments the fake provider created for a reference (subscription id) */
int provider_payments(const char *sub_id);
/* status calls the fake provider ("mf", "tap") got for key (MyFatoorah's
 * Key, Tap's charge id) */
int asked(const char *provider, const char *key);
/* the decoded value of name in url's query (caller frees), or NULL */
char *query_arg(const char *url, const char *name);
/* a security log line with the event, the subscription and `with` in it
 * (caller frees), or NULL */
char *event_line(const char *event, const char *sub_id, const char *with);

#endif
