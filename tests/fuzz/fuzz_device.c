/*
 * SPDX-License-Identifier: Apache-2.0
 * fuzz_device.c: device tokens.  No input is a valid device token without
 * the key's signature, whatever it holds; a token signed here verifies for
 * its number only, and for no other key.
 */
#include "fuzz_common.h"
#include "device.h"

static const unsigned char key[] = "fuzz-key-fuzz-key-fuzz-key-fuzz-key!";
#define KEYLEN (sizeof(key) - 1)
#define NOW 1700000000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *in = fuzz_text(p, data, size), *tok;
    clinic_jwt_key_t ring[2];
    clinic_device_t d, back;
    char id[CLINIC_DEVICE_ID_LEN + 1];
    size_t i;

    CHECK(clinic_jwt_key_init(&ring[0], p, key, KEYLEN) == APR_SUCCESS);
    CHECK(clinic_jwt_key_init(&ring[1], p, key, KEYLEN - 1) == APR_SUCCESS);
    /* arbitrary text never verifies, and never crashes the checker */
    CHECK(clinic_device_verify(&back, p, in, ring, 2, "+96550000000", NOW)
          != CLINIC_DEVICE_OK);
    /* a token for an id made from the input verifies for its number */
    for (i = 0; i < CLINIC_DEVICE_ID_LEN; i++) {
        id[i] = "0123456789abcdef"[(i < size ? data[i] : 0) & 15];
    }
    id[CLINIC_DEVICE_ID_LEN] = '\0';
    d.id = id;
    d.phone = "+96551234567";
    d.iat = NOW;
    d.exp = NOW + 1 + (size ? data[0] : 0);
    tok = clinic_device_sign(p, &ring[0], &d);
    CHECK(tok && strlen(tok) <= CLINIC_DEVICE_MAX_LEN);
    CHECK(clinic_device_verify(&back, p, tok, ring, 2, d.phone, NOW)
          == CLINIC_DEVICE_OK && !strcmp(back.id, id));
    CHECK(clinic_device_verify(&back, p, tok, ring, 2, "+96551234568", NOW)
          == CLINIC_DEVICE_OTHER_PHONE);
    CHECK(clinic_device_verify(&back, p, tok, ring + 1, 1, d.phone, NOW)
          == CLINIC_DEVICE_UNKNOWN_KEY);
    apr_pool_destroy(p);
    return 0;
}
