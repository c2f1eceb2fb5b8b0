/*
 * SPDX-License-Identifier: Apache-2.0
 * fuzz_phone.c: phone numbers and codes.  A number that is accepted is
 * +965 and eight digits starting with 5, 6 or 9, and normalising it again
 * changes nothing; a code that is accepted is five ASCII digits.
 */
#include "fuzz_common.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *in = fuzz_text(p, data, size), *out, *again;
    int i;

    if (clinic_phone_normalize(&out, p, in, size) == APR_SUCCESS) {
        CHECK(strlen(out) == 12 && !strncmp(out, "+965", 4));
        CHECK(out[4] == '5' || out[4] == '6' || out[4] == '9');
        for (i = 4; i < 12; i++) {
            CHECK(out[i] >= '0' && out[i] <= '9');
        }
        CHECK(clinic_phone_normalize(&again, p, out, 12) == APR_SUCCESS);
        CHECK(!strcmp(again, out));
        CHECK(strlen(clinic_mask_phone(p, out)) == 12);
    }
    else {
        CHECK(out == NULL);
    }
    if (clinic_code_normalize(&out, p, in, size) == APR_SUCCESS) {
        CHECK(strlen(out) == 5);
        for (i = 0; i < 5; i++) {
            CHECK(out[i] >= '0' && out[i] <= '9');
        }
    }
    clinic_mask_phone(p, in);
    apr_pool_destroy(p);
    return 0;
}
