/*
 * jwt.h: HS256 JSON Web Tokens (pure: OpenSSL HMAC, cJSON, APR pools).
 */
#ifndef CLINIC_JWT_H
#define CLINIC_JWT_H

#include <apr_pools.h>

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
    CLINIC_JWT_EXPIRED        /* exp <= now */
} clinic_jwt_rc;

/* Sign header {"alg":"HS256","typ":"JWT"} and the claims; base64url without
 * padding.  Returns the token from p, or NULL if OpenSSL fails. */
const char *clinic_jwt_sign(apr_pool_t *p, const unsigned char *key,
                            apr_size_t keylen, const clinic_jwt_claims_t *c);

/* Verify a token: shape, alg, signature, then claims (sub and phone strings,
 * iat and exp numbers), then expiry against now.  On CLINIC_JWT_OK the
 * claims are copied into *out (strings from p). */
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
