/*
 * SPDX-License-Identifier: Apache-2.0
 * fuzz_wa.c: what Meta's WhatsApp Cloud API may send back, or anyone may
 * post to the webhook: any bytes read as a send's answer give a wamid
 * only for a 2xx status; as a notification, statuses with an id and a
 * status each, never more than asked for; a signature check answers 0
 * or 1 and accepts the body's own signature; a box that is not one
 * opens to nothing, and a sealed code opens to itself.
 */
#include "fuzz_common.h"
#include <cjson/cJSON.h>
#include "codebox.h"
#include "mac.h"
#include "wa_driver.h"

#define SECRET "fuzz-whatsapp-app-secret"
#define OTP_KEY "fuzz-otp-key-0123456789abcdef0123"

static const char *own_signature(apr_pool_t *p, const char *body,
                                 size_t size)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char mac[CLINIC_MAC_LEN];
    char *sig = apr_palloc(p, 7 + 2 * CLINIC_MAC_LEN + 1);
    int i;

    CHECK(clinic_hmac_sha256(mac, SECRET, sizeof(SECRET) - 1, body, size));
    memcpy(sig, "sha256=", 7);
    for (i = 0; i < CLINIC_MAC_LEN; i++) {
        sig[7 + 2 * i] = hex[mac[i] >> 4];
        sig[7 + 2 * i + 1] = hex[mac[i] & 15];
    }
    sig[7 + 2 * CLINIC_MAC_LEN] = '\0';
    return sig;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *in = fuzz_text(p, data, size);
    clinic_secret_t secret = { (unsigned char *)SECRET, sizeof(SECRET) - 1,
                               NULL };
    clinic_secret_t key = { (unsigned char *)OTP_KEY, sizeof(OTP_KEY) - 1,
                            NULL };
    cJSON *body = cJSON_ParseWithLength((const char *)data, size);
    clinic_wa_result_t res;
    apr_array_header_t *st;
    char code[CLINIC_OTP_DIGITS + 1];
    const char *box;
    int i, ok;

    if (clinic_wa_answer(p, 200, in, size, &res) == APR_SUCCESS) {
        CHECK(res.wamid && *res.wamid && strlen(res.wamid) <= 200);
    }
    CHECK(clinic_wa_answer(p, 400, in, size, &res) != APR_SUCCESS
          && !res.wamid);
    st = clinic_wa_statuses(p, body, 5);
    CHECK(st->nelts <= 5);
    for (i = 0; i < st->nelts; i++) {
        const clinic_wa_status_t *s = &APR_ARRAY_IDX(st, i,
                                                     clinic_wa_status_t);
        CHECK(s->id && *s->id && s->status);
    }
    ok = clinic_wa_signature_ok(&secret, in, size, in);
    CHECK(ok == 0 || ok == 1);
    CHECK(clinic_wa_signature_ok(&secret, in, size,
                                 own_signature(p, in, size)));
    ok = clinic_codebox_open(code, &key, 1, "id", "+96550000000", in);
    CHECK(ok == 0 || (ok == 1 && strlen(code) == CLINIC_OTP_DIGITS));
    if (size == CLINIC_OTP_DIGITS && strspn(in, "0123456789") == size) {
        box = clinic_codebox_seal(p, &key, in, "+96550000000", in);
        CHECK(box && clinic_codebox_open(code, &key, 1, in, "+96550000000",
                                         box) && !strcmp(code, in));
    }
    clinic_wa_body(p, in, in, in, in);
    cJSON_Delete(body);
    apr_pool_destroy(p);
    return 0;
}
