/*
 * SPDX-License-Identifier: Apache-2.0
 * fuzz_paysig.c: what a provider's notification or status answer may hold:
 * any JSON gives a signed string or NULL, a signature check answers 0 or
 * 1, and an amount either parses to whole fils that print back to the
 * same value, or is refused.
 */
#include "fuzz_common.h"
#include <cjson/cJSON.h>
#include "paysig.h"

#define KEY "fuzz-webhook-secret-key"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *in = fuzz_text(p, data, size);
    cJSON *body = cJSON_ParseWithLength((const char *)data, size);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(body, "Data");
    apr_int64_t fils, again;
    int ok;

    if (clinic_amount_parse(in, &fils) == 0) {
        CHECK(fils >= 0);
        CHECK(clinic_amount_parse(clinic_amount_format(p, fils, 3),
                                  &again) == 0 && again == fils);
    }
    clinic_mf_v1_string(p, d, 2);
    for (int code = 0; code <= 6; code++) {
        clinic_mf_v2_string(p, d, code, 0);
        clinic_mf_v2_string(p, d, code, 1);
    }
    clinic_pay_return_sig(p, KEY, sizeof(KEY) - 1, in);
    clinic_tap_string(p, body, 3);
    ok = clinic_mf_signature_ok(p, body, KEY, sizeof(KEY) - 1, in);
    CHECK(ok == 0 || ok == 1);
    ok = clinic_tap_signature_ok(p, body, KEY, sizeof(KEY) - 1, in);
    CHECK(ok == 0 || ok == 1);
    /* a body signs itself: its own signature is accepted */
    if (cJSON_IsObject(d) && !cJSON_IsObject(
            cJSON_GetObjectItemCaseSensitive(body, "Event"))) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(body, "EventType");
        const char *sig = clinic_hmac_b64(p, KEY, sizeof(KEY) - 1,
                              clinic_mf_v1_string(p, d, cJSON_IsNumber(t)
                                                        ? t->valueint : 0));
        CHECK(clinic_mf_signature_ok(p, body, KEY, sizeof(KEY) - 1, sig));
    }
    cJSON_Delete(body);
    apr_pool_destroy(p);
    return 0;
}
