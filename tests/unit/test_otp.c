/*
 * SPDX-License-Identifier: Apache-2.0
 * test_otp.c: code generation, stored hash, constant-time compare, key
 * derivation.  Expected HMACs are computed here with HMAC() directly.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "mac.h"
#include "otp.h"

#include "pool_fixture.h"

static const unsigned char KEY[] = "otp-key-otp-key-otp-key-otp-key-0";
#define KEYLEN (sizeof(KEY) - 1)


TestSuite(otp, .init = setup, .fini = teardown);

static const char *ref_hex_hmac(const unsigned char *key, size_t keylen,
                                const char *msg)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0, i;
    char *hex = apr_palloc(pool, 65);

    cr_assert_not_null(HMAC(EVP_sha256(), key, (int)keylen,
                            (const unsigned char *)msg, strlen(msg), mac, &maclen));
    cr_assert_eq(maclen, 32);
    for (i = 0; i < maclen; i++) {
        apr_snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    }
    return hex;
}

/* ---- generation ---- */

static unsigned long check_code(const char *code)
{
    int i;

    cr_assert_eq(strlen(code), CLINIC_OTP_DIGITS, "code '%s'", code);
    for (i = 0; i < CLINIC_OTP_DIGITS; i++) {
        cr_assert(code[i] >= '0' && code[i] <= '9', "code '%s'", code);
    }
    return strtoul(code, NULL, 10);
}

Test(otp, codes_are_five_digits)
{
    char code[CLINIC_OTP_DIGITS + 1];
    int i;

    for (i = 0; i < 10000; i++) {
        memset(code, 'x', sizeof(code));
        cr_assert_eq(clinic_otp_generate(code), APR_SUCCESS);
        cr_assert_eq(code[CLINIC_OTP_DIGITS], '\0');
        cr_assert_leq(check_code(code), 99999);
    }
}

Test(otp, distribution)
{
    char code[CLINIC_OTP_DIGITS + 1], first[CLINIC_OTP_DIGITS + 1];
    unsigned first_digit[10] = { 0 }, last_digit[10] = { 0 };
    int i, all_same = 1, low = 0;

    for (i = 0; i < 20000; i++) {
        cr_assert_eq(clinic_otp_generate(code), APR_SUCCESS);
        check_code(code);
        if (i == 0) {
            memcpy(first, code, sizeof(code));
        }
        else if (strcmp(first, code) != 0) {
            all_same = 0;
        }
        first_digit[code[0] - '0']++;
        last_digit[code[CLINIC_OTP_DIGITS - 1] - '0']++;
        /* leading zeros are kept: codes below 10000 do occur */
        low += code[0] == '0';
    }
    cr_assert_eq(all_same, 0);
    cr_assert_gt(low, 0);
    for (i = 0; i < 10; i++) {
        cr_expect(first_digit[i] >= 1500 && first_digit[i] <= 2500,
                  "first digit %d seen %u times", i, first_digit[i]);
        cr_expect(last_digit[i] >= 1500 && last_digit[i] <= 2500,
                  "last digit %d seen %u times", i, last_digit[i]);
    }
}

/* ---- hash ---- */

Test(otp, hash_matches_hmac)
{
    const char *h = clinic_otp_hash(pool, KEY, KEYLEN, "+96550000000", "login",
                                    "01234");
    size_t i;

    cr_assert_not_null(h);
    cr_assert_eq(strlen(h), 64);
    for (i = 0; i < 64; i++) {
        cr_assert((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f'),
                  "hash %s", h);
    }
    cr_assert_str_eq(h, ref_hex_hmac(KEY, KEYLEN, "+96550000000|login|01234"));
}

Test(otp, hash_known_answer)
{
    /* RFC 4231 test case 2: key "Jefe" */
    static const unsigned char jefe[] = "Jefe";
    const char *h = clinic_otp_hash(pool, jefe, 4, "what do ya want ",
                                    "for", "nothing?");

    /* the joined text is "what do ya want |for|nothing?", not the RFC text */
    cr_assert_str_eq(h, ref_hex_hmac(jefe, 4, "what do ya want |for|nothing?"));
    cr_assert_str_eq(ref_hex_hmac(jefe, 4, "what do ya want for nothing?"),
                     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

Test(otp, hash_depends_on_every_input)
{
    static const unsigned char key2[] = "otp-key-otp-key-otp-key-otp-key-1";
    const char *base = clinic_otp_hash(pool, KEY, KEYLEN, "+96550000000",
                                       "login", "12345");

    cr_assert_not_null(base);
    cr_assert_str_eq(base, clinic_otp_hash(pool, KEY, KEYLEN, "+96550000000",
                                           "login", "12345"));
    cr_assert_str_neq(base, clinic_otp_hash(pool, KEY, KEYLEN, "+96550000001",
                                            "login", "12345"));
    cr_assert_str_neq(base, clinic_otp_hash(pool, KEY, KEYLEN, "+96550000000",
                                            "phone_change", "12345"));
    cr_assert_str_neq(base, clinic_otp_hash(pool, KEY, KEYLEN, "+96550000000",
                                            "login", "12346"));
    cr_assert_str_neq(base, clinic_otp_hash(pool, key2, sizeof(key2) - 1,
                                            "+96550000000", "login", "12345"));
    cr_assert_str_neq(base, clinic_otp_hash(pool, KEY, KEYLEN - 1,
                                            "+96550000000", "login", "12345"));
}

Test(otp, hash_rejects_null)
{
    cr_assert_null(clinic_otp_hash(pool, NULL, 0, "p", "login", "12345"));
    cr_assert_null(clinic_otp_hash(pool, KEY, 0, "p", "login", "12345"));
    cr_assert_null(clinic_otp_hash(pool, KEY, KEYLEN, NULL, "login", "12345"));
    cr_assert_null(clinic_otp_hash(pool, KEY, KEYLEN, "p", NULL, "12345"));
    cr_assert_null(clinic_otp_hash(pool, KEY, KEYLEN, "p", "login", NULL));
}

/* ---- constant-time compare ---- */

Test(otp, ct_streq_hashes)
{
    const char *a = clinic_otp_hash(pool, KEY, KEYLEN, "+96550000000", "login", "11111");
    const char *b = clinic_otp_hash(pool, KEY, KEYLEN, "+96550000000", "login", "11111");
    const char *c = clinic_otp_hash(pool, KEY, KEYLEN, "+96550000000", "login", "11112");
    char *d = apr_pstrdup(pool, a);

    cr_assert(a != b);
    cr_assert_eq(clinic_ct_streq(a, b), 1);
    cr_assert_eq(clinic_ct_streq(a, c), 0);
    d[63] = d[63] == '0' ? '1' : '0';
    cr_assert_eq(clinic_ct_streq(a, d), 0);
}

/* ---- key derivation ---- */

Test(otp, derive_key)
{
    static const unsigned char jwt_key[] = "jwt-secret-jwt-secret-jwt-secret!";
    unsigned char k1[32], k2[32], k3[32], ref[EVP_MAX_MD_SIZE];
    unsigned int reflen = 0;

    memset(k1, 0, sizeof(k1));
    cr_assert_eq(clinic_otp_derive_key(k1, jwt_key, sizeof(jwt_key) - 1), APR_SUCCESS);
    cr_assert_eq(clinic_otp_derive_key(k2, jwt_key, sizeof(jwt_key) - 1), APR_SUCCESS);
    cr_assert_eq(memcmp(k1, k2, 32), 0);
    cr_assert_neq(memcmp(k1, jwt_key, 32), 0);

    cr_assert_not_null(HMAC(EVP_sha256(), jwt_key, (int)sizeof(jwt_key) - 1,
                            (const unsigned char *)"mod_clinic otp key v1", 21,
                            ref, &reflen));
    cr_assert_eq(reflen, 32);
    cr_assert_eq(memcmp(k1, ref, 32), 0);

    cr_assert_eq(clinic_otp_derive_key(k3, (const unsigned char *)"another key", 11),
                 APR_SUCCESS);
    cr_assert_neq(memcmp(k1, k3, 32), 0);

    cr_assert_eq(clinic_otp_derive_key(k3, NULL, 0), APR_EINVAL);
    cr_assert_eq(clinic_otp_derive_key(k3, jwt_key, 0), APR_EINVAL);
}

/* ---- code rings: the first key hashes, every key checks ---- */

static const unsigned char KEY_B[] = "the code key rotated in, 0123456789";
#define KEY_BLEN (sizeof(KEY_B) - 1)

static clinic_secret_t secret(const unsigned char *k, size_t len)
{
    clinic_secret_t s = { (unsigned char *)k, len, NULL };
    return s;
}

Test(otp, a_code_hashed_with_the_old_key_checks_against_the_ring)
{
    clinic_secret_t ring[2] = { secret(KEY_B, KEY_BLEN), secret(KEY, KEYLEN) };
    const char *stored = clinic_otp_hash(pool, KEY, KEYLEN, "+96550000000",
                                         "login", "12345");
    apr_array_header_t *h;

    /* one hash per key, in the ring's order, each as stored under it */
    h = clinic_otp_hashes(pool, ring, 2, "+96550000000", "login", "12345");
    cr_assert_not_null(h);
    cr_assert_eq(h->nelts, 2);
    cr_assert_str_eq(APR_ARRAY_IDX(h, 0, const char *),
                     ref_hex_hmac(KEY_B, KEY_BLEN, "+96550000000|login|12345"));
    cr_assert_str_eq(APR_ARRAY_IDX(h, 1, const char *), stored);
    /* hashed with A, checked by [B, A]; not by [B] alone (A retired) */
    cr_assert(clinic_otp_hash_in(h, stored));
    h = clinic_otp_hashes(pool, ring, 1, "+96550000000", "login", "12345");
    cr_assert_not(clinic_otp_hash_in(h, stored));
    /* a wrong code matches no key */
    h = clinic_otp_hashes(pool, ring, 2, "+96550000000", "login", "12346");
    cr_assert_not(clinic_otp_hash_in(h, stored));
    cr_assert_not(clinic_otp_hash_in(h, NULL));
    cr_assert_not(clinic_otp_hash_in(NULL, stored));
    /* no ring, or a key that can't hash: no answer at all */
    cr_assert_null(clinic_otp_hashes(pool, ring, 0, "+96550000000", "login", "1"));
    cr_assert_null(clinic_otp_hashes(pool, NULL, 2, "+96550000000", "login", "1"));
    ring[1].len = 0;
    cr_assert_null(clinic_otp_hashes(pool, ring, 2, "+96550000000", "login", "1"));
}

/* Without ClinicOTPSecretFile the code keys are derived one for one from
 * the token keys: a code hashed before the new token key signs (with the
 * code key of A) checks once the ring is [B, A] */
Test(otp, derived_code_keys_follow_the_token_ring)
{
    static const unsigned char jwt_a[] = "token key A token key A token key A";
    static const unsigned char jwt_b[] = "token key B token key B token key B";
    unsigned char ka[32], kb[32];
    clinic_secret_t before[1], after[2];
    const char *stored;

    cr_assert_eq(clinic_otp_derive_key(ka, jwt_a, sizeof(jwt_a) - 1), APR_SUCCESS);
    cr_assert_eq(clinic_otp_derive_key(kb, jwt_b, sizeof(jwt_b) - 1), APR_SUCCESS);
    before[0] = secret(ka, 32);
    after[0] = secret(kb, 32);
    after[1] = secret(ka, 32);
    /* sent while A signed: the first key of [A] hashed it */
    stored = APR_ARRAY_IDX(clinic_otp_hashes(pool, before, 1, "+96550000001",
                                             "login", "54321"), 0, const char *);
    cr_assert(clinic_otp_hash_in(clinic_otp_hashes(pool, after, 2, "+96550000001",
                                                   "login", "54321"), stored));
    /* the new signer's code key alone would refuse it */
    cr_assert_not(clinic_otp_hash_in(clinic_otp_hashes(pool, after, 1,
                                                       "+96550000001", "login",
                                                       "54321"), stored));
}
