/*
 * SPDX-License-Identifier: Apache-2.0
 * test_device.c: device tokens.
 *
 * The expected token is built here from the documented format with
 * OpenSSL's HMAC() and EVP_EncodeBlock, independently of device.c.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "device.h"
#include "jwt.h"

#include "pool_fixture.h"

static const unsigned char KEY1[] = "0123456789abcdef0123456789abcdef-dev-one";
static const unsigned char KEY2[] = "fedcba9876543210fedcba9876543210-dev-two";
#define NOW ((apr_int64_t)1764000000)
#define PHONE "+96551234567"
#define ID "0123456789abcdef0123456789abcdef"

TestSuite(device, .init = setup, .fini = teardown);

static clinic_jwt_key_t ring[2];

static void keys(void)
{
    cr_assert_eq(clinic_jwt_key_init(&ring[0], pool, KEY1, sizeof(KEY1) - 1),
                 APR_SUCCESS);
    cr_assert_eq(clinic_jwt_key_init(&ring[1], pool, KEY2, sizeof(KEY2) - 1),
                 APR_SUCCESS);
}

static char *ref_b64url(const void *in, size_t len)
{
    char *out = apr_palloc(pool, 4 * ((len + 2) / 3) + 1);
    int n = EVP_EncodeBlock((unsigned char *)out, in, (int)len), i;

    while (n > 0 && out[n - 1] == '=') {
        n--;
    }
    out[n] = '\0';
    for (i = 0; i < n; i++) {
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    }
    return out;
}

/* a token as the format describes it, payload text as given */
static const char *ref_token(const unsigned char *key, const char *kid,
                             const char *payload)
{
    const char *head = apr_pstrcat(pool, "d1.", kid, ".",
                                   ref_b64url(payload, strlen(payload)),
                                   NULL);
    const char *text = apr_pstrcat(pool, "clinic-device-token:", head, NULL);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;

    HMAC(EVP_sha256(), key, (int)strlen((const char *)key),
         (const unsigned char *)text, strlen(text), mac, &maclen);
    return apr_pstrcat(pool, head, ".", ref_b64url(mac, maclen), NULL);
}

static clinic_device_t dev(apr_int64_t exp)
{
    clinic_device_t d = { ID, PHONE, NOW - 10, exp };
    return d;
}

Test(device, signs_as_documented)
{
    clinic_device_t d = dev(NOW + CLINIC_DEVICE_TTL);
    const char *t;

    keys();
    t = clinic_device_sign(pool, &ring[0], &d);
    cr_assert_not_null(t);
    cr_assert_str_eq(t, ref_token(KEY1, ring[0].kid,
                                  apr_psprintf(pool, ID "|" PHONE "|%"
                                               APR_INT64_T_FMT "|%"
                                               APR_INT64_T_FMT, d.iat,
                                               d.exp)));
    cr_assert_leq(strlen(t), CLINIC_DEVICE_MAX_LEN);
}

Test(device, verifies_its_own_and_copies_the_fields)
{
    clinic_device_t d = dev(NOW + 60), got;
    const char *t;

    keys();
    t = clinic_device_sign(pool, &ring[0], &d);
    memset(&got, 0, sizeof(got));
    cr_assert_eq(clinic_device_verify(&got, pool, t, ring, 2, PHONE, NOW),
                 CLINIC_DEVICE_OK);
    cr_assert_str_eq(got.id, ID);
    cr_assert_str_eq(got.phone, PHONE);
    cr_assert_eq(got.exp, NOW + 60);
    cr_assert_eq(got.iat, NOW - 10);
}

Test(device, survives_a_rotation_by_its_kid)
{
    clinic_device_t d = dev(NOW + 60), got;
    /* signed while KEY2 signed; KEY1 signs now, KEY2 still verifies */
    const char *t;

    keys();
    t = clinic_device_sign(pool, &ring[1], &d);
    cr_assert_eq(clinic_device_verify(&got, pool, t, ring, 2, PHONE, NOW),
                 CLINIC_DEVICE_OK);
    /* once KEY2 is gone from the ring */
    cr_assert_eq(clinic_device_verify(&got, pool, t, ring, 1, PHONE, NOW),
                 CLINIC_DEVICE_UNKNOWN_KEY);
}

Test(device, refuses_a_forgery)
{
    clinic_device_t d = dev(NOW + 60), got;
    const char *t, *other;
    char *bad;

    keys();
    t = clinic_device_sign(pool, &ring[0], &d);
    /* the last signature character changed */
    bad = apr_pstrdup(pool, t);
    bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == 'A' ? 'B' : 'A';
    cr_assert_eq(clinic_device_verify(&got, pool, bad, ring, 2, PHONE, NOW),
                 CLINIC_DEVICE_BAD_SIGNATURE);
    /* another phone's payload under this token's kid, signed with a key
     * the server does not have */
    other = ref_token((const unsigned char *)"not the server's key at all, "
                      "32+ bytes", ring[0].kid,
                      ID "|" PHONE "|1|9999999999");
    cr_assert_eq(clinic_device_verify(&got, pool, other, ring, 2, PHONE, NOW),
                 CLINIC_DEVICE_BAD_SIGNATURE);
}

Test(device, a_bearer_token_is_not_a_device_token)
{
    clinic_jwt_claims_t c = { "u", PHONE, NOW, NOW + 60, 0 };
    clinic_device_t got;
    const char *jwt;

    keys();
    jwt = clinic_jwt_sign_key(pool, &ring[0], &c);
    cr_assert_eq(clinic_device_verify(&got, pool, jwt, ring, 2, PHONE, NOW),
                 CLINIC_DEVICE_MALFORMED);
}

Test(device, expired_and_other_phone)
{
    clinic_device_t d = dev(NOW), got;
    const char *t;

    keys();
    t = clinic_device_sign(pool, &ring[0], &d);
    cr_assert_eq(clinic_device_verify(&got, pool, t, ring, 2, PHONE, NOW),
                 CLINIC_DEVICE_EXPIRED);
    d.exp = NOW + 1;
    t = clinic_device_sign(pool, &ring[0], &d);
    cr_assert_eq(clinic_device_verify(&got, pool, t, ring, 2, "+96551234568",
                                      NOW), CLINIC_DEVICE_OTHER_PHONE);
    cr_assert_eq(clinic_device_verify(&got, pool, t, ring, 2, NULL, NOW),
                 CLINIC_DEVICE_OTHER_PHONE);
}

Test(device, malformed_shapes)
{
    clinic_device_t got;
    const char *bad_payloads[] = {
        ID "|" PHONE "|1",                     /* three fields */
        ID "|" PHONE "|1|2|3",                 /* five */
        "0123456789ABCDEF0123456789abcdef|" PHONE "|1|2",   /* upper hex */
        ID "|+96551234567x|1|2",
        ID "|96551234567|1|2",
        ID "|" PHONE "|-1|99999999999",
        ID "|" PHONE "|1|",
        ID "|" PHONE "|1|1234567890123456789",  /* 19 digits */
        "",
        NULL
    };
    char *big;
    int i;

    keys();
    for (i = 0; bad_payloads[i]; i++) {
        const char *t = ref_token(KEY1, ring[0].kid, bad_payloads[i]);
        cr_assert_eq(clinic_device_verify(&got, pool, t, ring, 2, PHONE, NOW),
                     CLINIC_DEVICE_MALFORMED, "payload %d", i);
    }
    cr_assert_eq(clinic_device_verify(&got, pool, NULL, ring, 2, PHONE, NOW),
                 CLINIC_DEVICE_MALFORMED);
    cr_assert_eq(clinic_device_verify(&got, pool, "", ring, 2, PHONE, NOW),
                 CLINIC_DEVICE_MALFORMED);
    cr_assert_eq(clinic_device_verify(&got, pool, "d1.", ring, 2, PHONE, NOW),
                 CLINIC_DEVICE_MALFORMED);
    cr_assert_eq(clinic_device_verify(&got, pool,
                                      apr_pstrcat(pool, "d1.", ring[0].kid,
                                                  ".abc.", NULL),
                                      ring, 2, PHONE, NOW),
                 CLINIC_DEVICE_MALFORMED);
    cr_assert_eq(clinic_device_verify(&got, pool,
                                      apr_pstrcat(pool, "d1.", ring[0].kid,
                                                  ".abc.def.ghi", NULL),
                                      ring, 2, PHONE, NOW),
                 CLINIC_DEVICE_MALFORMED);
    cr_assert_eq(clinic_device_verify(&got, pool, "d1.0000000000000000.a.b",
                                      ring, 2, PHONE, NOW),
                 CLINIC_DEVICE_UNKNOWN_KEY);
    big = apr_palloc(pool, CLINIC_DEVICE_MAX_LEN + 2);
    memset(big, 'a', CLINIC_DEVICE_MAX_LEN + 1);
    memcpy(big, "d1.", 3);
    big[CLINIC_DEVICE_MAX_LEN + 1] = '\0';
    cr_assert_eq(clinic_device_verify(&got, pool, big, ring, 2, PHONE, NOW),
                 CLINIC_DEVICE_MALFORMED);
}

Test(device, sign_refuses_bad_fields)
{
    clinic_device_t d = dev(NOW + 60);

    keys();
    d.id = "short";
    cr_assert_null(clinic_device_sign(pool, &ring[0], &d));
    d = dev(NOW + 60);
    d.phone = "+1555";
    cr_assert_null(clinic_device_sign(pool, &ring[0], &d));
}

Test(device, fresh_ids_are_hex_and_differ)
{
    char a[CLINIC_DEVICE_ID_LEN + 1], b[CLINIC_DEVICE_ID_LEN + 1];

    cr_assert_eq(clinic_device_new_id(a), APR_SUCCESS);
    cr_assert_eq(clinic_device_new_id(b), APR_SUCCESS);
    cr_assert_eq(strlen(a), CLINIC_DEVICE_ID_LEN);
    cr_assert_eq(strspn(a, "0123456789abcdef"), CLINIC_DEVICE_ID_LEN);
    cr_assert_str_neq(a, b);
}
