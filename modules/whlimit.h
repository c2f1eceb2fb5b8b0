/*
 * SPDX-License-Identifier: Apache-2.0
 * whlimit.h: bad payment-notification signatures, limited per client
 * (ClinicWebhookFailureLimit) and logged once a client a minute
 * (whlimit.c).
 */
#ifndef CLINIC_WHLIMIT_H
#define CLINIC_WHLIMIT_H

#include "request.h"

void clinic_whlimit_register_hooks(apr_pool_t *p);

/* Before the signature is checked: OK, or DONE once answered 429 (the
 * client sent the limit of bad signatures this minute, on either
 * webhook); pay_notification: a payment's, counted in
 * clinic_webhooks_refused_total by provider */
int clinic_whlimit_check(clinic_req_t *cr, int pay_notification);

/* A bad signature from this client (on any webhook: the payments' or
 * WhatsApp's): counted; the minute's first writes the security log's
 * event line (payment_signature_invalid, whatsapp_signature_invalid),
 * with the count since the client's previous line */
void clinic_whlimit_failed(clinic_req_t *cr, const char *event,
                           const char *provider);

#endif
