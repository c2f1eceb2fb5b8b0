/*
 * SPDX-License-Identifier: Apache-2.0
 * jwt.c: HS256 JSON Web Tokens, signed with the first key of a ring and
 * verified against any of its keys.
 *
 * Signing builds the payload text itself (apr_psprintf, strings escaped by
 * clinic_json_escape), so iat/exp are always printed as plain
 * integers; the header names the key: {"alg":"HS256","typ":"JWT",
 * "kid":"<16 hex>"}.  Verification runs in this order, and the first
 * failure decides the answer:
 *
 *   1. shape: at most 4096 bytes, exactly two dots, three non-empty parts,
 *      each canonical base64url without padding            -> MALFORMED
 *   2. header: a JSON object (nothing after it)             -> MALFORMED
 *   3. header "alg" is the string "HS256"                   -> BAD_ALG
 *   4. header "kid", when present, a string naming a key
 *      of the ring (not a string: MALFORMED)                -> UNKNOWN_KEY
 *   5. signature: 32 bytes equal, in constant time, to
 *      HMAC-SHA256(key, header64 "." payload64), with the
 *      key the kid names; a token without kid (signed before
 *      kids) against every key, all of them computed       -> BAD_SIGNATURE
 *   6. payload (only now parsed): a JSON object with string sub and phone,
 *      integral numbers iat and exp (and ver, if present)   -> MALFORMED
 *   7. exp <= now                                           -> EXPIRED
 *
 * The only library allocations are cJSON trees, freed at one exit label on
 * every path.  The MAC is mac.c's (a keyed context kept per thread).
 */
#include <limits.h>
#include <string.h>

#include <apr_strings.h>
#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "json.h"
#include "jwt.h"
#include "mac.h"

#define JWT_MAX_LEN 4096
#define JWT_SIG_LEN 32

/* base64url of {"alg":"HS256","typ":"JWT"}: the header of every token
 * signed before kids */
static const char jwt_header64[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* value of one base64url character, or -1 */
static int b64url_value(unsigned char ch)
{
    if (ch >= 'A' && ch <= 'Z') {
        return ch - 'A';
    }
    if (ch >= 'a' && ch <= 'z') {
        return ch - 'a' + 26;
    }
    if (ch >= '0' && ch <= '9') {
        return ch - '0' + 52;
    }
    if (ch == '-') {
        return 62;
    }
    if (ch == '_') {
        return 63;
    }
    return -1;
}

const char *clinic_b64url_encode(apr_pool_t *p, const unsigned char *in,
                                 apr_size_t len)
{
    apr_size_t full = len / 3, rest = len % 3, i;
    char *out, *o;

    out = apr_palloc(p, full * 4 + (rest ? rest + 1 : 0) + 1);
    o = out;
    for (i = 0; i < full * 3; i += 3) {
        unsigned long v = ((unsigned long)in[i] << 16)
                          | ((unsigned long)in[i + 1] << 8) | in[i + 2];
        *o++ = b64url_alphabet[(v >> 18) & 63];
        *o++ = b64url_alphabet[(v >> 12) & 63];
        *o++ = b64url_alphabet[(v >> 6) & 63];
        *o++ = b64url_alphabet[v & 63];
    }
    if (rest == 1) {
        unsigned long v = (unsigned long)in[i] << 16;
        *o++ = b64url_alphabet[(v >> 18) & 63];
        *o++ = b64url_alphabet[(v >> 12) & 63];
    }
    else if (rest == 2) {
        unsigned long v = ((unsigned long)in[i] << 16)
                          | ((unsigned long)in[i + 1] << 8);
        *o++ = b64url_alphabet[(v >> 18) & 63];
        *o++ = b64url_alphabet[(v >> 12) & 63];
        *o++ = b64url_alphabet[(v >> 6) & 63];
    }
    *o = '\0';
    return out;
}

/*
 * Strict decoding: only the 64 URL-alphabet characters ('=' padding is
 * rejected), a length that is not 1 modulo 4, and zero bits in the unused
 * low bits of the last character (so every byte string has exactly one
 * accepted encoding).  *out gets len*3/4 bytes plus a NUL, from p.
 */
long clinic_b64url_decode(apr_pool_t *p, const char *in, apr_size_t len,
                          unsigned char **out)
{
    apr_size_t i, n = 0, rest = len % 4;
    unsigned long acc = 0;
    unsigned char *buf;
    int bits = 0;

    if (out) {
        *out = NULL;
    }
    if ((!in && len) || rest == 1 || len / 4 >= (apr_size_t)LONG_MAX / 3) {
        return -1;
    }
    buf = apr_palloc(p, len / 4 * 3 + (rest ? rest - 1 : 0) + 1);
    for (i = 0; i < len; i++) {
        int v = b64url_value((unsigned char)in[i]);

        if (v < 0) {
            return -1;
        }
        acc = ((acc << 6) | (unsigned long)v) & 0xffffffUL;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[n++] = (unsigned char)((acc >> bits) & 0xff);
        }
    }
    /* leftover bits (2 or 4) must be zero in a canonical encoding */
    if (bits && (acc & ((1UL << bits) - 1))) {
        return -1;
    }
    buf[n] = '\0';
    if (out) {
        *out = buf;
    }
    return (long)n;
}

apr_status_t clinic_jwt_key_init(clinic_jwt_key_t *k, apr_pool_t *p,
                                 const unsigned char *key, apr_size_t keylen)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[SHA256_DIGEST_LENGTH];
    const char *header;
    int i;

    if (!k || !key || !keylen) {
        return APR_EINVAL;
    }
    if (!SHA256(key, keylen, md)) {
        return APR_EGENERAL;
    }
    for (i = 0; i < CLINIC_JWT_KID_LEN / 2; i++) {
        k->kid[2 * i] = hex[md[i] >> 4];
        k->kid[2 * i + 1] = hex[md[i] & 15];
    }
    k->kid[CLINIC_JWT_KID_LEN] = '\0';
    k->key = key;
    k->keylen = keylen;
    header = apr_pstrcat(p, "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"",
                         k->kid, "\"}", NULL);
    k->header64 = clinic_b64url_encode(p, (const unsigned char *)header,
                                       strlen(header));
    OPENSSL_cleanse(md, sizeof(md));
    return APR_SUCCESS;
}

/*
 * Returns NULL when k, c, c->sub or c->phone is NULL, or when OpenSSL
 * fails.
 */
const char *clinic_jwt_sign_key(apr_pool_t *p, const clinic_jwt_key_t *k,
                                const clinic_jwt_claims_t *c)
{
    unsigned char mac[JWT_SIG_LEN];
    const char *payload, *signing_input, *sig64;

    if (!k || !k->header64 || !c || !c->sub || !c->phone) {
        return NULL;
    }
    payload = apr_psprintf(p,
                           "{\"sub\":\"%s\",\"phone\":\"%s\","
                           "\"iat\":%" APR_INT64_T_FMT ","
                           "\"exp\":%" APR_INT64_T_FMT "%s}",
                           clinic_json_escape(p, c->sub),
                           clinic_json_escape(p, c->phone),
                           c->iat, c->exp,
                           c->ver ? apr_psprintf(p, ",\"ver\":%" APR_INT64_T_FMT,
                                                 c->ver) : "");
    signing_input = apr_pstrcat(p, k->header64, ".",
                                clinic_b64url_encode(p,
                                    (const unsigned char *)payload,
                                    strlen(payload)),
                                NULL);
    if (!clinic_hmac_sha256(mac, k->key, k->keylen, signing_input,
                            strlen(signing_input))) {
        return NULL;
    }
    sig64 = clinic_b64url_encode(p, mac, sizeof(mac));
    OPENSSL_cleanse(mac, sizeof(mac));
    return apr_pstrcat(p, signing_input, ".", sig64, NULL);
}

const char *clinic_jwt_sign(apr_pool_t *p, const unsigned char *key,
                            apr_size_t keylen, const clinic_jwt_claims_t *c)
{
    clinic_jwt_key_t k;

    if (clinic_jwt_key_init(&k, p, key, keylen) != APR_SUCCESS) {
        return NULL;
    }
    return clinic_jwt_sign_key(p, &k, c);
}

/*
 * Decode part (base64url) and parse it as a JSON object with nothing after
 * it.  A NUL byte inside the decoded text is malformed too.  The tree
 * returned is the caller's to cJSON_Delete; NULL on any failure.
 */
static cJSON *jwt_parse_part(apr_pool_t *p, const char *part, apr_size_t len)
{
    unsigned char *raw = NULL;
    long n = clinic_b64url_decode(p, part, len, &raw);
    cJSON *j;

    if (n < 0 || memchr(raw, '\0', (size_t)n)) {
        return NULL;
    }
    j = cJSON_ParseWithOpts((const char *)raw, NULL, 1);
    if (j && !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        j = NULL;
    }
    return j;
}

/* an integral JSON number that fits apr_int64_t, into *out; 1 on success */
static int jwt_int_claim(const cJSON *obj, const char *name, apr_int64_t *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    double d;

    if (!cJSON_IsNumber(item)) {
        return 0;
    }
    d = item->valuedouble;
    /* range first (also false for NaN) so the cast is defined; 2^63 is
     * exactly representable, so the half-open range is exact */
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)
        || (double)(apr_int64_t)d != d) {
        return 0;
    }
    *out = (apr_int64_t)d;
    return 1;
}

/* a base64url part: non-empty, URL alphabet only (so no '=' padding) */
static int jwt_part_ok(const char *s, apr_size_t len)
{
    apr_size_t i;

    if (!len) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        if (b64url_value((unsigned char)s[i]) < 0) {
            return 0;
        }
    }
    return 1;
}

/*
 * Steps 2 to 4: the header's alg and kid.  *pick is the index of the key
 * the kid names, or -1 for a token without kid (tried against them all).
 * The headers this module writes are known byte for byte and need no
 * decoding.
 */
static clinic_jwt_rc jwt_header_key(int *pick, apr_pool_t *p, const char *h,
                                    apr_size_t hlen,
                                    const clinic_jwt_key_t *ring, int n)
{
    clinic_jwt_rc rc = CLINIC_JWT_MALFORMED;
    const cJSON *alg, *kid;
    cJSON *header;
    int i;

    *pick = -1;
    if (hlen == sizeof(jwt_header64) - 1 && !memcmp(h, jwt_header64, hlen)) {
        return CLINIC_JWT_OK;
    }
    for (i = 0; i < n; i++) {
        if (ring[i].header64 && strlen(ring[i].header64) == hlen
            && !memcmp(h, ring[i].header64, hlen)) {
            *pick = i;
            return CLINIC_JWT_OK;
        }
    }
    header = jwt_parse_part(p, h, hlen);
    if (!header) {
        return CLINIC_JWT_MALFORMED;
    }
    alg = cJSON_GetObjectItemCaseSensitive(header, "alg");
    if (!cJSON_IsString(alg) || !alg->valuestring
        || strcmp(alg->valuestring, "HS256") != 0) {
        rc = CLINIC_JWT_BAD_ALG;
        goto done;
    }
    kid = cJSON_GetObjectItemCaseSensitive(header, "kid");
    if (!kid) {
        rc = CLINIC_JWT_OK;
        goto done;
    }
    if (!cJSON_IsString(kid) || !kid->valuestring) {
        goto done;
    }
    rc = CLINIC_JWT_UNKNOWN_KEY;
    for (i = 0; i < n; i++) {
        if (!strcmp(ring[i].kid, kid->valuestring)) {
            *pick = i;
            rc = CLINIC_JWT_OK;
            break;
        }
    }

done:
    cJSON_Delete(header);
    return rc;
}

/*
 * Step 5: the signature over input, by the key pick, or (pick -1) by any
 * key of the ring: every key's HMAC is computed and compared in constant
 * time, so the time tells nothing of which key matched.  A failing HMAC
 * fails closed.
 */
static clinic_jwt_rc jwt_check_sig(const char *input, apr_size_t len,
                                   const unsigned char *sig, long siglen,
                                   const clinic_jwt_key_t *ring, int n,
                                   int pick)
{
    unsigned char mac[JWT_SIG_LEN];
    int i, from = pick < 0 ? 0 : pick, to = pick < 0 ? n : pick + 1;
    int match = 0, failed = 0;

    if (!ring || siglen != JWT_SIG_LEN) {
        return CLINIC_JWT_BAD_SIGNATURE;
    }
    for (i = from; i < to; i++) {
        if (!clinic_hmac_sha256(mac, ring[i].key, ring[i].keylen, input, len)) {
            failed = 1;
            continue;
        }
        match |= CRYPTO_memcmp(mac, sig, JWT_SIG_LEN) == 0;
    }
    OPENSSL_cleanse(mac, sizeof(mac));
    return match && !failed ? CLINIC_JWT_OK : CLINIC_JWT_BAD_SIGNATURE;
}

/* Steps 6 and 7: the claims, into out when it is not NULL */
static clinic_jwt_rc jwt_claims(clinic_jwt_claims_t *out, apr_pool_t *p,
                                const char *part, apr_size_t len,
                                apr_int64_t now)
{
    clinic_jwt_rc rc = CLINIC_JWT_MALFORMED;
    cJSON *payload = jwt_parse_part(p, part, len);
    const cJSON *sub, *phone;
    apr_int64_t iat, exp, ver = 0;

    if (!payload) {
        return CLINIC_JWT_MALFORMED;
    }
    sub = cJSON_GetObjectItemCaseSensitive(payload, "sub");
    phone = cJSON_GetObjectItemCaseSensitive(payload, "phone");
    if (!cJSON_IsString(sub) || !sub->valuestring
        || !cJSON_IsString(phone) || !phone->valuestring
        || !jwt_int_claim(payload, "iat", &iat)
        || !jwt_int_claim(payload, "exp", &exp)) {
        goto done;
    }
    if (cJSON_GetObjectItemCaseSensitive(payload, "ver")
        && !jwt_int_claim(payload, "ver", &ver)) {
        goto done;
    }
    if (exp <= now) {
        rc = CLINIC_JWT_EXPIRED;
        goto done;
    }
    if (out) {
        out->sub = apr_pstrdup(p, sub->valuestring);
        out->phone = apr_pstrdup(p, phone->valuestring);
        out->iat = iat;
        out->exp = exp;
        out->ver = ver;
    }
    rc = CLINIC_JWT_OK;

done:
    cJSON_Delete(payload);
    return rc;
}

/*
 * See the order at the top of this file.  out may be NULL (only the answer
 * is wanted); it is written only on CLINIC_JWT_OK.  A NULL token is
 * MALFORMED; an empty ring, a key NULL with a non-zero keylen, or an HMAC
 * failure is BAD_SIGNATURE (fail closed).
 */
clinic_jwt_rc clinic_jwt_verify_ring(clinic_jwt_claims_t *out, apr_pool_t *p,
                                     const char *token,
                                     const clinic_jwt_key_t *ring, int n,
                                     apr_int64_t now)
{
    const char *dot1, *dot2, *sig64;
    unsigned char *sig = NULL;
    apr_size_t len, hlen, plen, slen;
    clinic_jwt_rc rc;
    long siglen = -1;
    int pick;

    if (!token || (len = strnlen(token, JWT_MAX_LEN + 1)) > JWT_MAX_LEN) {
        return CLINIC_JWT_MALFORMED;
    }
    if (!ring) {
        n = 0;
    }

    /* 1. shape */
    dot1 = memchr(token, '.', len);
    if (!dot1) {
        return CLINIC_JWT_MALFORMED;
    }
    dot2 = memchr(dot1 + 1, '.', len - (apr_size_t)(dot1 + 1 - token));
    if (!dot2 || memchr(dot2 + 1, '.', len - (apr_size_t)(dot2 + 1 - token))) {
        return CLINIC_JWT_MALFORMED;
    }
    hlen = (apr_size_t)(dot1 - token);
    plen = (apr_size_t)(dot2 - dot1 - 1);
    sig64 = dot2 + 1;
    slen = len - (apr_size_t)(sig64 - token);
    if (!jwt_part_ok(token, hlen) || !jwt_part_ok(dot1 + 1, plen)
        || !jwt_part_ok(sig64, slen)
        || (siglen = clinic_b64url_decode(p, sig64, slen, &sig)) < 0) {
        return CLINIC_JWT_MALFORMED;
    }

    /* 2 to 4: header, alg, kid */
    if ((rc = jwt_header_key(&pick, p, token, hlen, ring, n))
        != CLINIC_JWT_OK) {
        return rc;
    }
    /* 5. signature over the exact bytes header64 "." payload64 */
    if ((rc = jwt_check_sig(token, hlen + 1 + plen, sig, siglen, ring, n,
                            pick)) != CLINIC_JWT_OK) {
        return rc;
    }
    /* 6, 7: claims, expiry */
    return jwt_claims(out, p, dot1 + 1, plen, now);
}

clinic_jwt_rc clinic_jwt_verify(clinic_jwt_claims_t *out, apr_pool_t *p,
                                const char *token, const unsigned char *key,
                                apr_size_t keylen, apr_int64_t now)
{
    clinic_jwt_key_t k;

    if (clinic_jwt_key_init(&k, p, key, keylen) != APR_SUCCESS) {
        /* no usable key: every token fails, at the step it would anyway */
        memset(&k, 0, sizeof(k));
        k.key = key;
        k.keylen = keylen;
    }
    return clinic_jwt_verify_ring(out, p, token, &k, 1, now);
}
