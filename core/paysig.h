/*
 * SPDX-License-Identifier: Apache-2.0
 * paysig.h: the pure parts of payments (no httpd): the providers' webhook
 * signatures, built as their public documentation describes, and the
 * return's.  Amounts and currencies are money.h's.
 *
 *  MyFatoorah (header MyFatoorah-Signature): base64 of HMAC-SHA256 keyed
 *  with the webhook secret (its text, as given) over "Key=value" pairs
 *  joined by ','; null is "".
 *    V1 (flat Data, EventType): every scalar property of Data, sorted by
 *    name ignoring case; a refund (EventType 2) leaves GatewayReference
 *    out.
 *    V2 (nested Data, Event.Code), fixed fields in this order:
 *      1 payment   Invoice.Id, Invoice.Status, Transaction.Status,
 *                  Transaction.PaymentId, Invoice.ExternalIdentifier
 *                  (an older library: Customer.Reference)
 *      2 refund    Refund.Id, Refund.Status, Amount.ValueInBaseCurrency,
 *                  ReferencedInvoice.Id
 *      3 deposit   Deposit.Reference, Deposit.ValueInBaseCurrency,
 *                  Deposit.NumberOfTransactions
 *      4 supplier  Supplier.Code, KycDecision.Status
 *      5 recurring Recurring.Id, Recurring.Status,
 *                  Recurring.InitialInvoiceId
 *  Tap (header hashstring): lowercase hex of HMAC-SHA256 keyed with the
 *  secret API key over "x_id<id>x_amount<amount>x_currency<currency>
 *  x_gateway_reference<reference.gateway>x_payment_reference
 *  <reference.payment>x_status<status>x_created<transaction.created>",
 *  the amount written with the currency's decimals (KWD: 3).
 */
#ifndef CLINIC_PAYSIG_H
#define CLINIC_PAYSIG_H

#include <apr_pools.h>
#include <cjson/cJSON.h>

#include "money.h"

/* Signatures; each returns NULL when the input lacks what is signed */
const char *clinic_mf_v1_string(apr_pool_t *p, const cJSON *data,
                                int event_type);
/* code: Event.Code (NULL for one not listed above); variant, code 1
 * only: 0 the documented fifth field Invoice.ExternalIdentifier, 1
 * Customer.Reference, as an older library signs */
const char *clinic_mf_v2_string(apr_pool_t *p, const cJSON *data, int code,
                                int variant);
/* decimals: the amount's decimals (clinic_currency_decimals) */
const char *clinic_tap_string(apr_pool_t *p, const cJSON *charge,
                              int decimals);

/* HMAC-SHA256 of msg, as base64 (with padding) or lowercase hex */
const char *clinic_hmac_b64(apr_pool_t *p, const void *key, apr_size_t klen,
                            const char *msg);
const char *clinic_hmac_hex(apr_pool_t *p, const void *key, apr_size_t klen,
                            const char *msg);

/* Does the signature header `given` sign body (parsed JSON) with key?
 * Compared in constant time.  1 yes, 0 no. */
int clinic_mf_signature_ok(apr_pool_t *p, const cJSON *body,
                           const void *key, apr_size_t klen,
                           const char *given);
int clinic_tap_signature_ok(apr_pool_t *p, const cJSON *charge,
                            const void *key, apr_size_t klen,
                            const char *given);

/* The signature a return URL carries for subscription sub_id (base64url,
 * 43 characters): HMAC-SHA256 of the id under a key derived from a token
 * key, HMAC-SHA256(token key, "mod_clinic payment return key v1").  NULL
 * without a key or an id. */
const char *clinic_pay_return_sig(apr_pool_t *p, const void *key,
                                  apr_size_t klen, const char *sub_id);

#endif
