/*
 * SPDX-License-Identifier: Apache-2.0
 * jwt.h: HS256 JSON Web Tokens (pure: OpenSSL HMAC, cJSON, APR pools).
 */
#ifndef CLINIC_JWT_H
#define CLINIC_JWT_H

#include <apr_pools.h>
#include <apr_errno.h>

typedef struct {
    const char *sub;     /* user id */
    const char *phone;   /* +965XXXXXXXX */
    apr_int64_t iat;
    apr_int64_t exp;
    apr_int64_t ver;     /* the user's token version; "ver" is written only
                          * when not 0, and read as 0 when absent */
} clinic_jwt_claims_t;

typedef enum {
    CLINIC_JWT_OK = 0,
    CLINIC_JWT_MALFORMED,     /* not three base64url parts, bad JSON, claims missing or of the wrong type */
    CLINIC_JWT_BAD_ALG,       /* header alg is anything but "HS256" (including "none") */
    CLINIC_JWT_BAD_SIGNATURE, /* HMAC does not match (compared in constant time) */
    CLINIC_JWT_EXPIRED,       /* exp <= now */
    CLINIC_JWT_UNKNOWN_KEY    /* header kid names no key of the ring */
} clinic_jwt_rc;

/* A key id: the first 8 bytes of SHA-256(key), in lowercase hex.  Derived
 * from the key, so stable across restarts and hosts, and telling nothing
 * the token's own signature doesn't. */
#define CLINIC_JWT_KID_LEN 16

/* One key of a ring: the secret, its kid, and the base64url text of the
 * header that names it, {"alg":"HS256","typ":"JWT","kid":"<kid>"}. */
typedef struct {
    const unsigned char *key;
    apr_size_t keylen;
    char kid[CLINIC_JWT_KID_LEN + 1];
    const char *header64;
} clinic_jwt_key_t;

/* Fill k for key (not copied: it must outlive k); the header from p.
 * APR_EINVAL for a NULL or empty key, APR_EGENERAL if OpenSSL fails. */
apr_status_t clinic_jwt_key_init(clinic_jwt_key_t *k, apr_pool_t *p,
                                 const unsigned char *key, apr_size_t keylen);

/* Sign the claims with k, its kid in the header; base64url without
 * padding.  Returns the token from p, or NULL if OpenSSL fails. */
const char *clinic_jwt_sign_key(apr_pool_t *p, const clinic_jwt_key_t *k,
                                const clinic_jwt_claims_t *c);

/* Verify a token against a ring of n keys: shape, alg, the key (by the
 * header's kid; a token without one, from before kids, is tried against
 * every key), signature, then claims (sub and phone strings, iat and exp
 * numbers), then expiry against now.  On CLINIC_JWT_OK the claims are
 * copied into *out (strings from p). */
clinic_jwt_rc clinic_jwt_verify_ring(clinic_jwt_claims_t *out, apr_pool_t *p,
                                     const char *token,
                                     const clinic_jwt_key_t *ring, int n,
                                     apr_int64_t now);

/* The same with a ring of one key (made from key on each call) */
const char *clinic_jwt_sign(apr_pool_t *p, const unsigned char *key,
                            apr_size_t keylen, const clinic_jwt_claims_t *c);
clinic_jwt_rc clinic_jwt_verify(clinic_jwt_claims_t *out, apr_pool_t *p,
                                const char *token, const unsigned char *key,
                                apr_size_t keylen, apr_int64_t now);

/* base64url without padding, exposed for tests */
const char *clinic_b64url_encode(apr_pool_t *p, const unsigned char *in,
                                 apr_size_t len);
/* returns the decoded length, or -1 on a character outside the alphabet
 * (including '=' padding), a length of 1 modulo 4, or non-zero unused bits
 * in the last character (only the canonical encoding is accepted); *out
 * (from p) is NUL-terminated after the decoded bytes */
long clinic_b64url_decode(apr_pool_t *p, const char *in, apr_size_t len,
                          unsigned char **out);

#endif
