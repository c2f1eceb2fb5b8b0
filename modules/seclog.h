/*
 * SPDX-License-Identifier: Apache-2.0
 * seclog.h: the security log, one JSON line per event.
 *
 * ClinicSecurityLog names a file or "|command" (a piped logger); without
 * it the lines go to the error log.  A line holds the time, the event,
 * the client IP, the masked phone (+965****4567), the user id when known
 * and the request id.  Never a code.
 */
#ifndef CLINIC_SECLOG_H
#define CLINIC_SECLOG_H

#include "request.h"

apr_status_t clinic_seclog_open(apr_pool_t *pconf, server_rec *s);

/* phone and user_id may be NULL; reason is a short word or NULL */
void clinic_seclog(clinic_req_t *cr, const char *event, const char *phone,
                   const char *user_id, const char *reason);
/* otp_fallback: a code WhatsApp did not deliver went by SMS; reason
 * "refused", "timeout" (at once) or "failed" (on the webhook); error is
 * WhatsApp's error code, 0 when none */
void clinic_seclog_fallback(clinic_req_t *cr, const char *phone,
                            const char *user_id, const char *reason,
                            long error);
/* an event that stands for count of its kind (no phone, no user) */
void clinic_seclog_count(clinic_req_t *cr, const char *event,
                         const char *reason, long count);
/* a payment event: the subscription, its provider and payment id */
void clinic_seclog_payment(clinic_req_t *cr, const char *event,
                           const clinic_sub_t *sub, const char *reason);
/* the same with what to refund: the provider's payment ids ("a,b"), the
 * amount and its currency */
void clinic_seclog_refund(clinic_req_t *cr, const char *event,
                          const clinic_sub_t *sub, const char *reason,
                          const char *ids, const char *amount,
                          const char *currency);


#endif
