/*
 * SPDX-License-Identifier: Apache-2.0
 * otp.c: one-time codes: generation, stored hash.
 *
 * No state lives here: RAND_bytes is safe to call from many threads, and
 * mac.c keeps its keyed contexts per thread.
 */
#include <string.h>

#include <apr_strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "mac.h"
#include "otp.h"

#define OTP_RANGE 100000UL              /* 10^CLINIC_OTP_DIGITS */
/* the largest multiple of OTP_RANGE not above 2^32; draws at or above it
 * are thrown away so that value % OTP_RANGE is uniform */
#define OTP_LIMIT (4294967296ULL - 4294967296ULL % OTP_RANGE)
/* a draw is rejected with probability about 1.6e-5, so running out of
 * tries means the generator is broken, not unlucky */
#define OTP_MAX_TRIES 64

#define OTP_KEY_LABEL "mod_clinic otp key v1"

apr_status_t clinic_otp_generate(char out[CLINIC_OTP_DIGITS + 1])
{
    unsigned char rnd[4];
    unsigned long long v = OTP_LIMIT;
    apr_status_t rv = APR_EGENERAL;
    int tries, i;

    for (tries = 0; tries < OTP_MAX_TRIES; tries++) {
        if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
            goto done;
        }
        v = ((unsigned long long)rnd[0] << 24) | ((unsigned long long)rnd[1] << 16)
            | ((unsigned long long)rnd[2] << 8) | rnd[3];
        if (v < OTP_LIMIT) {
            break;
        }
    }
    if (v >= OTP_LIMIT) {
        goto done;
    }
    v %= OTP_RANGE;
    for (i = CLINIC_OTP_DIGITS - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
    out[CLINIC_OTP_DIGITS] = '\0';
    rv = APR_SUCCESS;

done:
    OPENSSL_cleanse(rnd, sizeof(rnd));
    return rv;
}

/*
 * NULL when any argument is NULL, keylen is 0, or OpenSSL fails.  The
 * fields are joined with '|'; callers pass validated values (a phone and a
 * purpose never contain '|'), so the joined text is unambiguous.  The
 * joined text holds the code, so it is wiped once hashed.
 */
const char *clinic_otp_hash(apr_pool_t *p, const unsigned char *key,
                            apr_size_t keylen, const char *phone,
                            const char *purpose, const char *code)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char mac[CLINIC_MAC_LEN];
    unsigned int maclen = CLINIC_MAC_LEN, i;
    char *msg, *out = NULL;

    if (!key || !keylen || !phone || !purpose || !code) {
        return NULL;
    }
    msg = apr_pstrcat(p, phone, "|", purpose, "|", code, NULL);
    if (!clinic_hmac_sha256(mac, key, keylen, msg, strlen(msg))) {
        goto done;
    }
    out = apr_palloc(p, 2 * maclen + 1);
    for (i = 0; i < maclen; i++) {
        out[2 * i] = hex[mac[i] >> 4];
        out[2 * i + 1] = hex[mac[i] & 15];
    }
    out[2 * maclen] = '\0';

done:
    OPENSSL_cleanse(msg, strlen(msg));
    OPENSSL_cleanse(mac, sizeof(mac));
    return out;
}

apr_array_header_t *clinic_otp_hashes(apr_pool_t *p,
                                      const clinic_secret_t *keys, int n,
                                      const char *phone, const char *purpose,
                                      const char *code)
{
    apr_array_header_t *out;
    int i;

    if (!keys || n < 1) {
        return NULL;
    }
    out = apr_array_make(p, n, sizeof(const char *));
    for (i = 0; i < n; i++) {
        const char *h = clinic_otp_hash(p, keys[i].data, keys[i].len, phone,
                                        purpose, code);

        if (!h) {
            return NULL;
        }
        APR_ARRAY_PUSH(out, const char *) = h;
    }
    return out;
}

int clinic_otp_hash_in(const apr_array_header_t *hashes, const char *stored)
{
    int i, match = 0;

    for (i = 0; hashes && i < hashes->nelts; i++) {
        match |= clinic_ct_streq(APR_ARRAY_IDX(hashes, i, const char *),
                                 stored);
    }
    return match;
}

/*
 * APR_EINVAL when out or jwt_key is NULL or jwt_keylen is 0 (the caller
 * enforces CLINIC_KEY_MIN on the JWT key); APR_EGENERAL if OpenSSL fails.
 */
apr_status_t clinic_otp_derive_key(unsigned char out[32],
                                   const unsigned char *jwt_key,
                                   apr_size_t jwt_keylen)
{
    unsigned char mac[CLINIC_MAC_LEN];
    apr_status_t rv = APR_EGENERAL;

    if (!out || !jwt_key || !jwt_keylen) {
        return APR_EINVAL;
    }
    if (!clinic_hmac_sha256(mac, jwt_key, jwt_keylen, OTP_KEY_LABEL,
                            sizeof(OTP_KEY_LABEL) - 1)) {
        goto done;
    }
    memcpy(out, mac, 32);
    rv = APR_SUCCESS;

done:
    OPENSSL_cleanse(mac, sizeof(mac));
    return rv;
}
