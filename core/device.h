/*
 * SPDX-License-Identifier: Apache-2.0
 * device.h: device tokens (pure: APR pools and mac.c, no httpd).
 *
 * A device token tells a patient's own phone or browser from strangers:
 * verify-otp hands one out, bound to the number that logged in, and
 * send-otp and verify-otp take it back.  A device recognised this way is
 * counted in budgets of its own (ratelimit.c), so strangers sending to or
 * guessing at its number do not lock it out.
 *
 *     d1.<kid>.<payload64>.<sig64>
 *
 * payload64 is base64url (no padding) of "<id>|<phone>|<iat>|<exp>": a
 * device id of 32 lowercase hex digits drawn from the CSPRNG, the number
 * in +965XXXXXXXX form, and two decimal times in seconds.  sig64 is
 * base64url of HMAC-SHA256(key, "clinic-device-token:" "d1.<kid>.
 * <payload64>") with the token key of the ring that kid names (jwt.h):
 * the first key of the ring signs, every key verifies, so a token
 * survives a key rotation as bearer tokens do.  The prefix of the signed
 * text keeps the two kinds apart: a device token is never a bearer token
 * and the other way round.
 */
#ifndef CLINIC_DEVICE_H
#define CLINIC_DEVICE_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "jwt.h"

#define CLINIC_DEVICE_ID_LEN 32
/* how long a device token is accepted: 90 days; each login hands out a
 * fresh one with the same device id */
#define CLINIC_DEVICE_TTL (90 * 86400)
/* longer than any token this module makes: refused before decoding */
#define CLINIC_DEVICE_MAX_LEN 256

typedef struct {
    const char *id;       /* CLINIC_DEVICE_ID_LEN lowercase hex digits */
    const char *phone;    /* +965XXXXXXXX */
    apr_int64_t iat;
    apr_int64_t exp;
} clinic_device_t;

typedef enum {
    CLINIC_DEVICE_OK = 0,
    CLINIC_DEVICE_MALFORMED,      /* shape, base64url, payload fields */
    CLINIC_DEVICE_UNKNOWN_KEY,    /* kid names no key of the ring */
    CLINIC_DEVICE_BAD_SIGNATURE,  /* compared in constant time */
    CLINIC_DEVICE_EXPIRED,        /* exp <= now */
    CLINIC_DEVICE_OTHER_PHONE     /* well signed, for another number */
} clinic_device_rc;

/* A fresh device id into out (NUL-ended); APR_SUCCESS or the CSPRNG's
 * error. */
apr_status_t clinic_device_new_id(char out[CLINIC_DEVICE_ID_LEN + 1]);

/* The token for d signed with k, from p; NULL when d's fields are not of
 * the shape above or OpenSSL fails. */
const char *clinic_device_sign(apr_pool_t *p, const clinic_jwt_key_t *k,
                               const clinic_device_t *d);

/* Check token against a ring of n keys, in this order: shape and length,
 * the key its kid names, the signature, the payload, expiry at now, and
 * last that it was made for phone.  On CLINIC_DEVICE_OK the fields are
 * copied into *out (strings from p). */
clinic_device_rc clinic_device_verify(clinic_device_t *out, apr_pool_t *p,
                                      const char *token,
                                      const clinic_jwt_key_t *ring, int n,
                                      const char *phone, apr_int64_t now);

/* a short word for the security log */
const char *clinic_device_reason(clinic_device_rc rc);

#endif
