/*
 * SPDX-License-Identifier: Apache-2.0
 * codebox.h: a code kept sealed for a later SMS fallback (pure: OpenSSL).
 *
 * A code sent by WhatsApp with ClinicOTPFallback sms may have to go out
 * again by SMS when WhatsApp reports the message failed, minutes later,
 * on the webhook.  The same code must go, and its plaintext is never
 * stored: it is sealed with AES-256-GCM under a key derived from the
 * code key (HMAC-SHA256(code key, "mod_clinic code box key v1")), a
 * fresh 96-bit nonce each time, and bound to its row (the additional
 * data: the code's id and number), so a box copied to another row opens
 * nowhere.  A box reads
 *
 *     b1.<hex of nonce (12 bytes) | ciphertext (5 bytes) | tag (16 bytes)>
 *
 * 69 characters.  Whoever holds the code key could already find a code
 * from its stored hash by trying the 100,000 codes; the box tells such a
 * person nothing more, and without the key it tells nothing at all.
 */
#ifndef CLINIC_CODEBOX_H
#define CLINIC_CODEBOX_H

#include <apr_pools.h>

#include "otp.h"            /* clinic_secret_t, CLINIC_OTP_DIGITS */

#define CLINIC_CODEBOX_LEN 69

/* code (5 digits) sealed under the box key of otp_key, bound to the
 * code's id and phone; from p, NULL when OpenSSL fails or an argument
 * is missing */
const char *clinic_codebox_seal(apr_pool_t *p, const clinic_secret_t *otp_key,
                                const char *id, const char *phone,
                                const char *code);

/* Open box (bound to id and phone) with the box key of one of the n
 * code keys: 1 and the 5 digits in out, or 0 (out emptied) when no key
 * opens it or it is not a box.  The caller wipes out once it is sent. */
int clinic_codebox_open(char out[CLINIC_OTP_DIGITS + 1],
                        const clinic_secret_t *keys, int n, const char *id,
                        const char *phone, const char *box);

#endif
