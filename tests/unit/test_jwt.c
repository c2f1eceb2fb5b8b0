/*
 * SPDX-License-Identifier: Apache-2.0
 * test_jwt.c: HS256 tokens and base64url.
 *
 * Expected tokens are built here independently of jwt.c: base64 from
 * OpenSSL's EVP_EncodeBlock (then made URL-safe) and HMAC() called directly.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "jwt.h"

#include "pool_fixture.h"

static const unsigned char KEY[] = "0123456789abcdef0123456789abcdef-test-key";
#define KEYLEN (sizeof(KEY) - 1)

#define HEADER_HS256 "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define NOW ((apr_int64_t)1764000000)


TestSuite(jwt, .init = setup, .fini = teardown);
TestSuite(b64url, .init = setup, .fini = teardown);

/* base64url without padding, independent of the code under test */
static char *ref_b64url(const void *in, size_t len)
{
    char *out = apr_palloc(pool, 4 * ((len + 2) / 3) + 1);
    int n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);
    int i;

    while (n > 0 && out[n - 1] == '=') {
        n--;
    }
    out[n] = '\0';
    for (i = 0; i < n; i++) {
        if (out[i] == '+') {
            out[i] = '-';
        }
        else if (out[i] == '/') {
            out[i] = '_';
        }
    }
    return out;
}

/* header64 "." payload64 "." base64url(HMAC-SHA256(key, ...)) */
static char *ref_token(const char *header, const char *payload,
                       const unsigned char *key, size_t keylen)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    char *input = apr_pstrcat(pool, ref_b64url(header, strlen(header)), ".",
                              ref_b64url(payload, strlen(payload)), NULL);

    cr_assert_not_null(HMAC(EVP_sha256(), key, (int)keylen,
                            (const unsigned char *)input, strlen(input),
                            mac, &maclen));
    cr_assert_eq(maclen, 32);
    return apr_pstrcat(pool, input, ".", ref_b64url(mac, maclen), NULL);
}

static char *good_payload(apr_int64_t exp)
{
    return apr_psprintf(pool,
                        "{\"sub\":\"u-1\",\"phone\":\"+96550000000\","
                        "\"iat\":%" APR_INT64_T_FMT ",\"exp\":%" APR_INT64_T_FMT "}",
                        NOW - 10, exp);
}

/* the kid of a key (the first 8 bytes of its SHA-256, in hex) and the
 * header naming it, independent of the code under test */
static char *ref_kid(const unsigned char *key, size_t keylen)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0, i;
    char *out = apr_palloc(pool, 17);

    cr_assert(EVP_Digest(key, keylen, md, &mdlen, EVP_sha256(), NULL));
    for (i = 0; i < 8; i++) {
        sprintf(out + 2 * i, "%02x", md[i]);
    }
    return out;
}

static char *kid_header(const unsigned char *key, size_t keylen)
{
    return apr_psprintf(pool, "{\"alg\":\"HS256\",\"typ\":\"JWT\","
                        "\"kid\":\"%s\"}", ref_kid(key, keylen));
}

static clinic_jwt_rc verify(const char *token)
{
    clinic_jwt_claims_t out;

    return clinic_jwt_verify(&out, pool, token, KEY, KEYLEN, NOW);
}

/* ---- base64url ---- */

static void check_b64(const char *raw, size_t len, const char *enc)
{
    unsigned char *dec = NULL;
    long n;

    cr_assert_str_eq(clinic_b64url_encode(pool, (const unsigned char *)raw, len),
                     enc);
    n = clinic_b64url_decode(pool, enc, strlen(enc), &dec);
    cr_assert_eq(n, (long)len, "decode %s: %ld", enc, n);
    cr_assert_not_null(dec);
    cr_assert_eq(memcmp(dec, raw, len), 0);
}

Test(b64url, rfc4648_vectors)
{
    check_b64("", 0, "");
    check_b64("f", 1, "Zg");
    check_b64("fo", 2, "Zm8");
    check_b64("foo", 3, "Zm9v");
    check_b64("foob", 4, "Zm9vYg");
    check_b64("fooba", 5, "Zm9vYmE");
    check_b64("foobar", 6, "Zm9vYmFy");
}

Test(b64url, url_alphabet)
{
    check_b64("\xfb\xff", 2, "-_8");
    check_b64("\xfb\xef\xff", 3, "--__");
    check_b64("\x00\x00", 2, "AAA");
}

Test(b64url, decode_rejects)
{
    unsigned char *dec;

    cr_assert_eq(clinic_b64url_decode(pool, "Zg==", 4, &dec), -1); /* padding */
    cr_assert_eq(clinic_b64url_decode(pool, "Zg=", 3, &dec), -1);
    cr_assert_eq(clinic_b64url_decode(pool, "+_8", 3, &dec), -1);  /* std alphabet */
    cr_assert_eq(clinic_b64url_decode(pool, "-/8", 3, &dec), -1);
    cr_assert_eq(clinic_b64url_decode(pool, "Zm 9v", 5, &dec), -1);
    cr_assert_eq(clinic_b64url_decode(pool, "Zm9vY", 5, &dec), -1); /* 1 mod 4 */
    cr_assert_eq(clinic_b64url_decode(pool, "Z", 1, &dec), -1);
    /* non-zero unused bits: "Zh" would also mean "f" */
    cr_assert_eq(clinic_b64url_decode(pool, "Zh", 2, &dec), -1);
    cr_assert_eq(clinic_b64url_decode(pool, "Zm9", 3, &dec), -1);
}

Test(b64url, decode_uses_len_not_nul)
{
    unsigned char *dec = NULL;

    cr_assert_eq(clinic_b64url_decode(pool, "Zm9vYmFy", 4, &dec), 3);
    cr_assert_eq(memcmp(dec, "foo", 3), 0);
}

/* ---- signing ---- */

Test(jwt, sign_verify_round_trip)
{
    clinic_jwt_claims_t c = { "8f0e6c1a-0000-4000-8000-000000000001",
                              "+96550000000", NOW, NOW + 86400, 0 };
    clinic_jwt_claims_t out;
    const char *tok = clinic_jwt_sign(pool, KEY, KEYLEN, &c);

    cr_assert_not_null(tok);
    memset(&out, 0, sizeof(out));
    cr_assert_eq(clinic_jwt_verify(&out, pool, tok, KEY, KEYLEN, NOW),
                 CLINIC_JWT_OK);
    cr_assert_str_eq(out.sub, c.sub);
    cr_assert_str_eq(out.phone, c.phone);
    cr_assert_eq(out.iat, c.iat);
    cr_assert_eq(out.exp, c.exp);
}

Test(jwt, round_trip_escaped_strings)
{
    clinic_jwt_claims_t c = { "a\"b\\c\nd\x01 \xd8\xb9", "+965\t1", 5, NOW + 1, 0 };
    clinic_jwt_claims_t out;
    const char *tok = clinic_jwt_sign(pool, KEY, KEYLEN, &c);

    cr_assert_not_null(tok);
    cr_assert_eq(clinic_jwt_verify(&out, pool, tok, KEY, KEYLEN, NOW),
                 CLINIC_JWT_OK);
    cr_assert_str_eq(out.sub, c.sub);
    cr_assert_str_eq(out.phone, c.phone);
    cr_assert_eq(out.iat, 5);
}

Test(jwt, known_answer)
{
    clinic_jwt_claims_t c = { "u1", "+96550000000", 1764000000, 1764086400, 0 };
    const char *expect = ref_token(
        kid_header(KEY, KEYLEN),
        "{\"sub\":\"u1\",\"phone\":\"+96550000000\","
        "\"iat\":1764000000,\"exp\":1764086400}",
        KEY, KEYLEN);
    const char *tok = clinic_jwt_sign(pool, KEY, KEYLEN, &c);
    unsigned char *header;

    cr_assert_not_null(tok);
    cr_assert_str_eq(tok, expect);
    /* the header names the key */
    cr_assert_gt(clinic_b64url_decode(pool, tok, strcspn(tok, "."), &header), 0);
    cr_assert_str_eq((const char *)header, kid_header(KEY, KEYLEN));
}

Test(jwt, payload_integers_not_exponents)
{
    clinic_jwt_claims_t c = { "u", "+96550000000", 1764000000,
                              (apr_int64_t)4102444800LL, 0 };
    const char *tok = clinic_jwt_sign(pool, KEY, KEYLEN, &c);
    const char *p1 = strchr(tok, '.') + 1;
    const char *p2 = strchr(p1, '.');
    unsigned char *dec;
    long n = clinic_b64url_decode(pool, p1, (apr_size_t)(p2 - p1), &dec);

    cr_assert_gt(n, 0);
    cr_assert_str_eq((const char *)dec,
                     "{\"sub\":\"u\",\"phone\":\"+96550000000\","
                     "\"iat\":1764000000,\"exp\":4102444800}");
}

Test(jwt, sign_rejects_missing_claims)
{
    clinic_jwt_claims_t c = { NULL, "+96550000000", 1, 2, 0 };

    cr_assert_null(clinic_jwt_sign(pool, KEY, KEYLEN, &c));
    c.sub = "u";
    c.phone = NULL;
    cr_assert_null(clinic_jwt_sign(pool, KEY, KEYLEN, &c));
    cr_assert_null(clinic_jwt_sign(pool, KEY, KEYLEN, NULL));
}

/* jwt.io's example: the signature is good, the claims are not ours */
Test(jwt, jwt_io_vector_reaches_claim_check)
{
    static const char tok[] =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
        "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    static const unsigned char k[] = "your-256-bit-secret";

    cr_assert_eq(clinic_jwt_verify(NULL, pool, tok, k, sizeof(k) - 1, NOW),
                 CLINIC_JWT_MALFORMED);
    cr_assert_eq(clinic_jwt_verify(NULL, pool, tok, KEY, KEYLEN, NOW),
                 CLINIC_JWT_BAD_SIGNATURE);
}

/* ---- alg ---- */

Test(jwt, alg_none_unsigned)
{
    const char *h = ref_b64url("{\"alg\":\"none\",\"typ\":\"JWT\"}", 27);
    const char *pl = good_payload(NOW + 100);
    const char *tok = apr_pstrcat(pool, h, ".",
                                  ref_b64url(pl, strlen(pl)), ".", NULL);

    /* an empty signature part fails the shape check first */
    cr_assert_eq(verify(tok), CLINIC_JWT_MALFORMED);
    cr_assert_eq(verify("xxx.yyy."), CLINIC_JWT_MALFORMED);
}

Test(jwt, alg_none_with_signature)
{
    const char *tok = ref_token("{\"alg\":\"none\",\"typ\":\"JWT\"}",
                                good_payload(NOW + 100), KEY, KEYLEN);

    cr_assert_eq(verify(tok), CLINIC_JWT_BAD_ALG);
    tok = ref_token("{\"alg\":\"None\"}", good_payload(NOW + 100), KEY, KEYLEN);
    cr_assert_eq(verify(tok), CLINIC_JWT_BAD_ALG);
}

Test(jwt, alg_others)
{
    const char *pl = good_payload(NOW + 100);

    cr_assert_eq(verify(ref_token("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", pl, KEY, KEYLEN)),
                 CLINIC_JWT_BAD_ALG);
    cr_assert_eq(verify(ref_token("{\"alg\":\"hs256\"}", pl, KEY, KEYLEN)),
                 CLINIC_JWT_BAD_ALG);
    cr_assert_eq(verify(ref_token("{\"alg\":\"RS256\"}", pl, KEY, KEYLEN)),
                 CLINIC_JWT_BAD_ALG);
    cr_assert_eq(verify(ref_token("{\"typ\":\"JWT\"}", pl, KEY, KEYLEN)),
                 CLINIC_JWT_BAD_ALG);
    cr_assert_eq(verify(ref_token("{\"alg\":256}", pl, KEY, KEYLEN)),
                 CLINIC_JWT_BAD_ALG);
    cr_assert_eq(verify(ref_token("{\"alg\":null}", pl, KEY, KEYLEN)),
                 CLINIC_JWT_BAD_ALG);
    cr_assert_eq(verify(ref_token("{\"alg\":[\"HS256\"]}", pl, KEY, KEYLEN)),
                 CLINIC_JWT_BAD_ALG);
    /* minimal header without typ is fine */
    cr_assert_eq(verify(ref_token("{\"alg\":\"HS256\"}", pl, KEY, KEYLEN)),
                 CLINIC_JWT_OK);
}

Test(jwt, header_not_json)
{
    const char *pl = good_payload(NOW + 100);

    cr_assert_eq(verify(ref_token("not json", pl, KEY, KEYLEN)),
                 CLINIC_JWT_MALFORMED);
    cr_assert_eq(verify(ref_token("{\"alg\":\"HS256\"", pl, KEY, KEYLEN)),
                 CLINIC_JWT_MALFORMED);
    cr_assert_eq(verify(ref_token("[\"HS256\"]", pl, KEY, KEYLEN)),
                 CLINIC_JWT_MALFORMED);
    cr_assert_eq(verify(ref_token("{\"alg\":\"HS256\"}x", pl, KEY, KEYLEN)),
                 CLINIC_JWT_MALFORMED);
    /* malformed header JSON is decided before alg */
    cr_assert_eq(verify(ref_token("{\"alg\":\"none\",}", pl, KEY, KEYLEN)),
                 CLINIC_JWT_MALFORMED);
}

/* ---- payload, reached only with a valid signature ---- */

Test(jwt, payload_not_json)
{
    cr_assert_eq(verify(ref_token(HEADER_HS256, "hello", KEY, KEYLEN)),
                 CLINIC_JWT_MALFORMED);
    cr_assert_eq(verify(ref_token(HEADER_HS256, "[1,2]", KEY, KEYLEN)),
                 CLINIC_JWT_MALFORMED);
    cr_assert_eq(verify(ref_token(HEADER_HS256, "\"str\"", KEY, KEYLEN)),
                 CLINIC_JWT_MALFORMED);
    /* the same text signed with another key is a signature failure */
    cr_assert_eq(verify(ref_token(HEADER_HS256, "hello",
                                  (const unsigned char *)"other", 5)),
                 CLINIC_JWT_BAD_SIGNATURE);
}

Test(jwt, claims_missing_or_wrong_type)
{
    static const char *const bad[] = {
        "{\"phone\":\"+96550000000\",\"iat\":1,\"exp\":4102444800}",
        "{\"sub\":123,\"phone\":\"+96550000000\",\"iat\":1,\"exp\":4102444800}",
        "{\"sub\":null,\"phone\":\"+96550000000\",\"iat\":1,\"exp\":4102444800}",
        "{\"sub\":\"u\",\"iat\":1,\"exp\":4102444800}",
        "{\"sub\":\"u\",\"phone\":96550000000,\"iat\":1,\"exp\":4102444800}",
        "{\"sub\":\"u\",\"phone\":\"+96550000000\",\"exp\":4102444800}",
        "{\"sub\":\"u\",\"phone\":\"+96550000000\",\"iat\":\"1\",\"exp\":4102444800}",
        "{\"sub\":\"u\",\"phone\":\"+96550000000\",\"iat\":1}",
        "{\"sub\":\"u\",\"phone\":\"+96550000000\",\"iat\":1,\"exp\":\"4102444800\"}",
        "{\"sub\":\"u\",\"phone\":\"+96550000000\",\"iat\":1,\"exp\":4102444800.5}",
        "{\"sub\":\"u\",\"phone\":\"+96550000000\",\"iat\":1,\"exp\":true}",
        "{\"sub\":\"u\",\"phone\":\"+96550000000\",\"iat\":1,\"exp\":1e999}",
        "{\"sub\":\"u\",\"phone\":\"+96550000000\",\"iat\":1,\"exp\":1e19}",
        "{\"Sub\":\"u\",\"phone\":\"+96550000000\",\"iat\":1,\"exp\":4102444800}",
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_expect_eq(verify(ref_token(HEADER_HS256, bad[i], KEY, KEYLEN)),
                     CLINIC_JWT_MALFORMED, "payload %s", bad[i]);
    }
    /* an integral number written with a fraction or exponent is accepted */
    cr_assert_eq(verify(ref_token(HEADER_HS256,
                                  "{\"sub\":\"u\",\"phone\":\"p\",\"iat\":1.0,"
                                  "\"exp\":4.1024448e9}", KEY, KEYLEN)),
                 CLINIC_JWT_OK);
}

/* ---- signature ---- */

Test(jwt, wrong_key)
{
    clinic_jwt_claims_t c = { "u", "+96550000000", NOW, NOW + 100, 0 };
    const char *tok = clinic_jwt_sign(pool, KEY, KEYLEN, &c);
    static const unsigned char other[] = "0123456789abcdef0123456789abcdef-test-keY";

    /* its kid names no key of these rings */
    cr_assert_eq(clinic_jwt_verify(NULL, pool, tok, other, sizeof(other) - 1, NOW),
                 CLINIC_JWT_UNKNOWN_KEY);
    cr_assert_eq(clinic_jwt_verify(NULL, pool, tok, KEY, KEYLEN - 1, NOW),
                 CLINIC_JWT_UNKNOWN_KEY);
    /* a kid of the ring, signed with another key */
    tok = ref_token(kid_header(KEY, KEYLEN),
                    "{\"sub\":\"u\",\"phone\":\"+96550000000\","
                    "\"iat\":1764000000,\"exp\":1764000100}",
                    other, sizeof(other) - 1);
    cr_assert_eq(verify(tok), CLINIC_JWT_BAD_SIGNATURE);
}

static char *flip(const char *tok, size_t at)
{
    char *t = apr_pstrdup(pool, tok);

    t[at] = t[at] == 'A' ? 'B' : 'A';
    return t;
}

Test(jwt, tampered)
{
    clinic_jwt_claims_t c = { "u", "+96550000000", NOW, NOW + 100, 0 };
    const char *tok = clinic_jwt_sign(pool, KEY, KEYLEN, &c);
    size_t len = strlen(tok);
    const char *sig = strrchr(tok, '.') + 1;
    size_t s = (size_t)(sig - tok);

    cr_assert_eq(strlen(sig), 43);
    cr_assert_eq(verify(tok), CLINIC_JWT_OK);
    /* first and a middle signature character */
    cr_assert_eq(verify(flip(tok, s)), CLINIC_JWT_BAD_SIGNATURE);
    cr_assert_eq(verify(flip(tok, s + 20)), CLINIC_JWT_BAD_SIGNATURE);
    /* a payload character: the signature no longer matches */
    cr_assert_eq(verify(flip(tok, (size_t)(strchr(tok, '.') - tok) + 5)),
                 CLINIC_JWT_BAD_SIGNATURE);
    /* truncated to 40 characters: decodes to 30 bytes, not 32 */
    cr_assert_eq(verify(apr_pstrndup(pool, tok, len - 3)),
                 CLINIC_JWT_BAD_SIGNATURE);
    /* 41 characters: not a base64url length at all */
    cr_assert_eq(verify(apr_pstrndup(pool, tok, len - 2)),
                 CLINIC_JWT_MALFORMED);
    /* 32 good bytes plus more */
    cr_assert_eq(verify(apr_pstrcat(pool, tok, "AAAA", NULL)),
                 CLINIC_JWT_BAD_SIGNATURE);
}

Test(jwt, signature_of_31_bytes)
{
    clinic_jwt_claims_t c = { "u", "+96550000000", NOW, NOW + 100, 0 };
    const char *tok = clinic_jwt_sign(pool, KEY, KEYLEN, &c);
    const char *sig = strrchr(tok, '.') + 1;
    unsigned char *raw;
    long n = clinic_b64url_decode(pool, sig, strlen(sig), &raw);

    cr_assert_eq(n, 32);
    cr_assert_eq(verify(apr_pstrcat(pool, apr_pstrndup(pool, tok, (size_t)(sig - tok)),
                                    ref_b64url(raw, 31), NULL)),
                 CLINIC_JWT_BAD_SIGNATURE);
}

Test(jwt, padding_and_alphabet)
{
    clinic_jwt_claims_t c = { "u", "+96550000000", NOW, NOW + 100, 0 };
    const char *tok = clinic_jwt_sign(pool, KEY, KEYLEN, &c);
    const char *dot1 = strchr(tok, '.');
    char *t;

    cr_assert_eq(verify(apr_pstrcat(pool, tok, "=", NULL)), CLINIC_JWT_MALFORMED);
    /* "=" after the header part */
    t = apr_pstrcat(pool, apr_pstrndup(pool, tok, (size_t)(dot1 - tok)), "=",
                    dot1, NULL);
    cr_assert_eq(verify(t), CLINIC_JWT_MALFORMED);
    /* standard-alphabet characters */
    t = apr_pstrdup(pool, tok);
    t[strlen(t) - 5] = '+';
    cr_assert_eq(verify(t), CLINIC_JWT_MALFORMED);
    t[strlen(t) - 5] = '/';
    cr_assert_eq(verify(t), CLINIC_JWT_MALFORMED);
    t = apr_pstrcat(pool, tok, " ", NULL);
    cr_assert_eq(verify(t), CLINIC_JWT_MALFORMED);
}

Test(jwt, shape)
{
    clinic_jwt_claims_t c = { "u", "+96550000000", NOW, NOW + 100, 0 };
    const char *tok = clinic_jwt_sign(pool, KEY, KEYLEN, &c);
    const char *dot1 = strchr(tok, '.');
    const char *dot2 = strrchr(tok, '.');
    const char *h = apr_pstrndup(pool, tok, (size_t)(dot1 - tok));
    const char *p = apr_pstrndup(pool, dot1 + 1, (size_t)(dot2 - dot1 - 1));
    const char *s = dot2 + 1;

    cr_assert_eq(verify(apr_pstrcat(pool, tok, ".", NULL)), CLINIC_JWT_MALFORMED);
    cr_assert_eq(verify(apr_pstrcat(pool, tok, ".", s, NULL)), CLINIC_JWT_MALFORMED);
    cr_assert_eq(verify(apr_pstrcat(pool, h, "..", p, ".", s, NULL)),
                 CLINIC_JWT_MALFORMED);
    cr_assert_eq(verify(apr_pstrcat(pool, ".", p, ".", s, NULL)), CLINIC_JWT_MALFORMED);
    cr_assert_eq(verify(apr_pstrcat(pool, h, "..", s, NULL)), CLINIC_JWT_MALFORMED);
    cr_assert_eq(verify(apr_pstrcat(pool, h, ".", p, ".", NULL)), CLINIC_JWT_MALFORMED);
    cr_assert_eq(verify(apr_pstrcat(pool, h, ".", p, NULL)), CLINIC_JWT_MALFORMED);
    cr_assert_eq(verify(".."), CLINIC_JWT_MALFORMED);
    cr_assert_eq(verify("."), CLINIC_JWT_MALFORMED);
    cr_assert_eq(verify(""), CLINIC_JWT_MALFORMED);
    cr_assert_eq(verify(h), CLINIC_JWT_MALFORMED);
    cr_assert_eq(verify(NULL), CLINIC_JWT_MALFORMED);
}

Test(jwt, length_limit)
{
    clinic_jwt_claims_t c = { NULL, "+96550000000", NOW, NOW + 100, 0 };
    const char *at_limit = NULL, *over = NULL;
    size_t n;

    /* the longest token within 4096 bytes and the next one past it (a
     * base64url part is never 1 modulo 4 long, so the limit itself may
     * not be reachable) */
    for (n = 2800; n < 3100 && !over; n++) {
        char *sub = apr_palloc(pool, n + 1);
        const char *tok;

        memset(sub, 'x', n);
        sub[n] = '\0';
        c.sub = sub;
        tok = clinic_jwt_sign(pool, KEY, KEYLEN, &c);
        if (strlen(tok) > 4096) {
            over = tok;
        }
        else {
            at_limit = tok;
        }
    }
    cr_assert_not_null(over);
    cr_assert_geq(strlen(at_limit), 4094);
    cr_assert_not_null(at_limit);
    cr_assert_gt(strlen(over), 4096);
    cr_assert_eq(verify(at_limit), CLINIC_JWT_OK);
    cr_assert_eq(verify(over), CLINIC_JWT_MALFORMED);
}

/* ---- expiry ---- */

Test(jwt, expiry)
{
    clinic_jwt_claims_t c = { "u", "+96550000000", NOW - 100, NOW, 0 };
    clinic_jwt_claims_t out;

    memset(&out, 0, sizeof(out));
    cr_assert_eq(verify(clinic_jwt_sign(pool, KEY, KEYLEN, &c)), CLINIC_JWT_EXPIRED);
    c.exp = NOW - 1;
    cr_assert_eq(verify(clinic_jwt_sign(pool, KEY, KEYLEN, &c)), CLINIC_JWT_EXPIRED);
    c.exp = 0;
    cr_assert_eq(verify(clinic_jwt_sign(pool, KEY, KEYLEN, &c)), CLINIC_JWT_EXPIRED);
    c.exp = NOW + 1;
    cr_assert_eq(clinic_jwt_verify(&out, pool, clinic_jwt_sign(pool, KEY, KEYLEN, &c),
                                   KEY, KEYLEN, NOW),
                 CLINIC_JWT_OK);
    cr_assert_eq(out.exp, NOW + 1);
}

Test(jwt, expired_but_bad_signature_is_bad_signature)
{
    clinic_jwt_claims_t c = { "u", "+96550000000", NOW - 100, NOW - 50, 0 };
    const char *payload = apr_psprintf(pool, "{\"sub\":\"u\",\"phone\":"
                                       "\"+96550000000\",\"iat\":%"
                                       APR_INT64_T_FMT ",\"exp\":%"
                                       APR_INT64_T_FMT "}", c.iat, c.exp);

    /* without kid (tried), and naming the ring's key */
    cr_assert_eq(verify(ref_token(HEADER_HS256, payload,
                                  (const unsigned char *)"k", 1)),
                 CLINIC_JWT_BAD_SIGNATURE);
    cr_assert_eq(verify(ref_token(kid_header(KEY, KEYLEN), payload,
                                  (const unsigned char *)"k", 1)),
                 CLINIC_JWT_BAD_SIGNATURE);
}

Test(jwt, out_untouched_on_failure)
{
    clinic_jwt_claims_t c = { "u", "+96550000000", NOW - 100, NOW, 0 };
    clinic_jwt_claims_t out = { "keep", "keep", 7, 8, 0 };

    cr_assert_eq(clinic_jwt_verify(&out, pool, clinic_jwt_sign(pool, KEY, KEYLEN, &c),
                                   KEY, KEYLEN, NOW),
                 CLINIC_JWT_EXPIRED);
    cr_assert_str_eq(out.sub, "keep");
    cr_assert_eq(out.exp, 8);
}

Test(jwt, token_version_claim)
{
    clinic_jwt_claims_t c = { "u", "+96550000000", NOW, NOW + 60, 3 };
    clinic_jwt_claims_t out;
    const char *tok = clinic_jwt_sign(pool, KEY, KEYLEN, &c);
    char *dot;
    unsigned char *payload;
    long n;

    /* written when not 0, read back */
    cr_assert_eq(clinic_jwt_verify(&out, pool, tok, KEY, KEYLEN, NOW), CLINIC_JWT_OK);
    cr_assert_eq(out.ver, 3);
    dot = strchr(tok, '.');
    n = clinic_b64url_decode(pool, dot + 1, strcspn(dot + 1, "."), &payload);
    cr_assert(n > 0);
    cr_assert(strstr((const char *)payload, "\"ver\":3"), "%s", payload);

    /* 0 is not written and reads back as 0 */
    c.ver = 0;
    tok = clinic_jwt_sign(pool, KEY, KEYLEN, &c);
    dot = strchr(tok, '.');
    n = clinic_b64url_decode(pool, dot + 1, strcspn(dot + 1, "."), &payload);
    cr_assert_null(strstr((const char *)payload, "ver"), "%s", payload);
    out.ver = 99;
    cr_assert_eq(clinic_jwt_verify(&out, pool, tok, KEY, KEYLEN, NOW), CLINIC_JWT_OK);
    cr_assert_eq(out.ver, 0);
}

Test(jwt, token_version_must_be_integral)
{
    const char *payload = "{\"sub\":\"u\",\"phone\":\"+96550000000\","
                          "\"iat\":1764000000,\"exp\":1764000100,\"ver\":\"1\"}";
    const char *tok = ref_token(HEADER_HS256, payload, KEY, KEYLEN);
    clinic_jwt_claims_t out;

    cr_assert_eq(clinic_jwt_verify(&out, pool, tok, KEY, KEYLEN, NOW), CLINIC_JWT_MALFORMED);
}

/* ---- key rings: the first key signs, every key verifies ---- */

static const unsigned char KEY_B[] = "another key, the one rotated in: 0123456789";
#define KEY_BLEN (sizeof(KEY_B) - 1)

static const char RING_PAYLOAD[] =
    "{\"sub\":\"u\",\"phone\":\"+96550000000\","
    "\"iat\":1764000000,\"exp\":1764000100}";

/* a ring of the given keys, in order */
static clinic_jwt_key_t *ring_of(int n, const unsigned char *k1, size_t l1,
                                 const unsigned char *k2, size_t l2)
{
    clinic_jwt_key_t *r = apr_pcalloc(pool, 2 * sizeof(*r));

    cr_assert_eq(clinic_jwt_key_init(&r[0], pool, k1, l1), APR_SUCCESS);
    if (n > 1) {
        cr_assert_eq(clinic_jwt_key_init(&r[1], pool, k2, l2), APR_SUCCESS);
    }
    return r;
}

static clinic_jwt_rc verify_ring(const char *tok, const clinic_jwt_key_t *r,
                                 int n)
{
    clinic_jwt_claims_t out;

    return clinic_jwt_verify_ring(&out, pool, tok, r, n, NOW);
}

Test(jwt, key_id_is_derived)
{
    clinic_jwt_key_t k;

    cr_assert_eq(clinic_jwt_key_init(&k, pool, KEY, KEYLEN), APR_SUCCESS);
    cr_assert_str_eq(k.kid, ref_kid(KEY, KEYLEN));
    cr_assert_str_eq(k.header64, ref_b64url(kid_header(KEY, KEYLEN),
                                            strlen(kid_header(KEY, KEYLEN))));
    cr_assert_eq(clinic_jwt_key_init(&k, pool, KEY_B, KEY_BLEN), APR_SUCCESS);
    cr_assert_str_eq(k.kid, ref_kid(KEY_B, KEY_BLEN));
    cr_assert_str_neq(k.kid, ref_kid(KEY, KEYLEN));
    cr_assert_eq(clinic_jwt_key_init(&k, pool, NULL, 3), APR_EINVAL);
    cr_assert_eq(clinic_jwt_key_init(&k, pool, KEY, 0), APR_EINVAL);
}

Test(jwt, old_key_verifies_after_rotation)
{
    clinic_jwt_claims_t c = { "u", "+96550000000", NOW, NOW + 100, 0 };
    clinic_jwt_key_t *old = ring_of(1, KEY, KEYLEN, NULL, 0);
    clinic_jwt_key_t *rotated = ring_of(2, KEY_B, KEY_BLEN, KEY, KEYLEN);
    const char *tok = clinic_jwt_sign_key(pool, &old[0], &c);
    const char *fresh = clinic_jwt_sign_key(pool, &rotated[0], &c);
    clinic_jwt_claims_t out;

    /* signed with A, verified by the ring [B, A] */
    cr_assert_eq(clinic_jwt_verify_ring(&out, pool, tok, rotated, 2, NOW),
                 CLINIC_JWT_OK);
    cr_assert_str_eq(out.sub, "u");
    /* the new signer's token names B, and A alone doesn't know it */
    cr_assert_eq(strncmp(fresh, rotated[0].header64,
                         strlen(rotated[0].header64)), 0);
    cr_assert_eq(verify_ring(fresh, rotated, 2), CLINIC_JWT_OK);
    cr_assert_eq(verify_ring(fresh, old, 1), CLINIC_JWT_UNKNOWN_KEY);
    /* A removed: its tokens are refused */
    cr_assert_eq(verify_ring(tok, rotated, 1), CLINIC_JWT_UNKNOWN_KEY);
}

Test(jwt, unknown_kid_refused)
{
    clinic_jwt_key_t *ring = ring_of(2, KEY_B, KEY_BLEN, KEY, KEYLEN);
    const char *tok = ref_token("{\"alg\":\"HS256\",\"typ\":\"JWT\","
                                "\"kid\":\"0000000000000000\"}",
                                RING_PAYLOAD, KEY, KEYLEN);

    /* well signed by a key of the ring, but the kid names none */
    cr_assert_eq(verify_ring(tok, ring, 2), CLINIC_JWT_UNKNOWN_KEY);
    /* an empty ring knows no kid */
    cr_assert_eq(verify_ring(ref_token(kid_header(KEY, KEYLEN), RING_PAYLOAD,
                                       KEY, KEYLEN), ring, 0),
                 CLINIC_JWT_UNKNOWN_KEY);
    /* a kid that is not a string is malformed */
    tok = ref_token("{\"alg\":\"HS256\",\"kid\":7}", RING_PAYLOAD, KEY, KEYLEN);
    cr_assert_eq(verify_ring(tok, ring, 2), CLINIC_JWT_MALFORMED);
    /* alg is checked before the kid */
    tok = ref_token("{\"alg\":\"HS512\",\"kid\":\"0000000000000000\"}",
                    RING_PAYLOAD, KEY, KEYLEN);
    cr_assert_eq(verify_ring(tok, ring, 2), CLINIC_JWT_BAD_ALG);
}

Test(jwt, kid_in_another_header_layout)
{
    clinic_jwt_key_t *ring = ring_of(2, KEY_B, KEY_BLEN, KEY, KEYLEN);
    const char *h = apr_psprintf(pool, "{ \"kid\": \"%s\", \"alg\": \"HS256\" }",
                                 ref_kid(KEY, KEYLEN));

    /* not the bytes this module writes: parsed, and the kid picks A */
    cr_assert_eq(verify_ring(ref_token(h, RING_PAYLOAD, KEY, KEYLEN), ring, 2),
                 CLINIC_JWT_OK);
    /* the kid picks A: B's signature is not tried */
    cr_assert_eq(verify_ring(ref_token(h, RING_PAYLOAD, KEY_B, KEY_BLEN), ring, 2),
                 CLINIC_JWT_BAD_SIGNATURE);
}

Test(jwt, token_without_kid_tried_against_the_ring)
{
    clinic_jwt_key_t *ba = ring_of(2, KEY_B, KEY_BLEN, KEY, KEYLEN);
    clinic_jwt_key_t *ab = ring_of(2, KEY, KEYLEN, KEY_B, KEY_BLEN);
    /* as tokens were before kids: the fixed header */
    const char *tok = ref_token(HEADER_HS256, RING_PAYLOAD, KEY, KEYLEN);
    const char *other = ref_token(HEADER_HS256, RING_PAYLOAD,
                                  (const unsigned char *)"k", 1);

    cr_assert_eq(strncmp(tok, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", 37), 0);
    cr_assert_eq(verify_ring(tok, ba, 2), CLINIC_JWT_OK);
    cr_assert_eq(verify_ring(tok, ab, 2), CLINIC_JWT_OK);
    cr_assert_eq(verify_ring(tok, ab, 1), CLINIC_JWT_OK);
    /* A removed */
    cr_assert_eq(verify_ring(tok, ba, 1), CLINIC_JWT_BAD_SIGNATURE);
    /* signed by no key of the ring */
    cr_assert_eq(verify_ring(other, ba, 2), CLINIC_JWT_BAD_SIGNATURE);
    cr_assert_eq(verify_ring(tok, ba, 0), CLINIC_JWT_BAD_SIGNATURE);
    cr_assert_eq(clinic_jwt_verify_ring(NULL, pool, tok, NULL, 2, NOW),
                 CLINIC_JWT_BAD_SIGNATURE);
    /* a parsed header without kid is tried too */
    tok = ref_token("{\"typ\":\"JWT\",\"alg\":\"HS256\"}", RING_PAYLOAD,
                    KEY, KEYLEN);
    cr_assert_eq(verify_ring(tok, ba, 2), CLINIC_JWT_OK);
}
