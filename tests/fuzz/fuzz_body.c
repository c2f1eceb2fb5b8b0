/*
 * SPDX-License-Identifier: Apache-2.0
 * fuzz_body.c: a request body as the module reads it: UTF-8 and NUL
 * checks, the JSON parse, duplicate keys, then every field a route reads,
 * through the same validators.  An accepted body is an object whose
 * string fields stay well-formed after normalising.
 */
#include <cjson/cJSON.h>
#include "fuzz_common.h"
#include "json.h"
#include "validate.h"

static const char *const names[] = {
    "phone_number", "phoneNumber", "code", "otp_code", "new_phone_number",
    "name", "national_id", "purpose", "package_id", "user_info", NULL
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *buf = fuzz_text(p, data, size);
    cJSON *body = NULL;
    int i;

    if (clinic_json_parse_body(&body, p, buf, size) == CLINIC_BODY_OK) {
        CHECK(cJSON_IsObject(body));
        for (i = 0; names[i]; i++) {
            const char *one[2] = { names[i], NULL }, *used, *out;
            const cJSON *v = clinic_json_field(body, one, &used);
            apr_size_t chars;

            if (!cJSON_IsString(v)) {
                continue;
            }
            if (clinic_phone_normalize(&out, p, v->valuestring,
                                       strlen(v->valuestring))
                == APR_SUCCESS) {
                CHECK(strlen(out) == 12 && !strncmp(out, "+965", 4));
            }
            if (clinic_code_normalize(&out, p, v->valuestring,
                                      strlen(v->valuestring))
                == APR_SUCCESS) {
                CHECK(strlen(out) == 5);
            }
            if (clinic_text_clean(&out, p, v->valuestring,
                                  strlen(v->valuestring), 100)
                == CLINIC_TEXT_OK) {
                CHECK(clinic_utf8_valid(out, strlen(out), &chars));
                CHECK(chars <= 100);
            }
        }
        /* the body's values can be echoed in an answer */
        CHECK(clinic_envelope_error(p, "X", "y", body) != NULL);
    }
    else {
        CHECK(body == NULL);
    }
    apr_pool_destroy(p);
    return 0;
}
