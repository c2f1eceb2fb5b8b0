/*
 * SPDX-License-Identifier: Apache-2.0
 * fuzz_jwt.c: bearer tokens.  No input verifies without the key's
 * signature; a token signed here from fuzzed claims verifies and gives the
 * claims back; base64url decoding accepts only the canonical form.
 */
#include "fuzz_common.h"
#include "jwt.h"
#include "validate.h"

static const unsigned char key[] = "fuzz-key-fuzz-key-fuzz-key-fuzz-key!";
#define KEYLEN (sizeof(key) - 1)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *in = fuzz_text(p, data, size), *tok, *enc;
    clinic_jwt_claims_t c, back;
    unsigned char *dec;
    long n;

    /* arbitrary text is never a valid token (it has no signature of ours,
     * short of finding an HMAC-SHA256 collision) */
    if (clinic_jwt_verify(&back, p, in, key, KEYLEN, 1700000000)
        == CLINIC_JWT_OK) {
        CHECK(back.sub && back.phone);
    }
    /* decoding, then encoding, gives the input back */
    n = clinic_b64url_decode(p, in, size, &dec);
    if (n >= 0) {
        enc = clinic_b64url_encode(p, dec, (apr_size_t)n);
        CHECK(enc && strlen(enc) == size && !memcmp(enc, in, size));
    }
    /* a token over fuzzed claims (text: ids and numbers are) round-trips */
    c.sub = in;
    c.phone = "+96550000000";
    c.iat = 1700000000;
    c.exp = 1700000000 + (size ? data[0] : 0) + 1;
    c.ver = size > 1 ? data[1] : 0;
    if (!memchr(data, 0, size) && clinic_utf8_valid(in, size, NULL)
        && (tok = clinic_jwt_sign(p, key, KEYLEN, &c)) != NULL
        && strlen(tok) <= 4096) {           /* the verifier's length cap */
        CHECK(clinic_jwt_verify(&back, p, tok, key, KEYLEN, 1700000000)
              == CLINIC_JWT_OK);
        CHECK(!strcmp(back.sub, in) && back.ver == c.ver);
        /* its kid names the key: another key doesn't know it */
        CHECK(clinic_jwt_verify(&back, p, tok, key, KEYLEN - 1, 1700000000)
              == CLINIC_JWT_UNKNOWN_KEY);
    }
    apr_pool_destroy(p);
    return 0;
}
