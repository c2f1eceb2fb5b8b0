/*
 * SPDX-License-Identifier: Apache-2.0
 * fuzz_text.c: UTF-8 and free-text fields.  Cleaned text is well-formed
 * UTF-8, has no control character, no more code points than allowed, and
 * no white space at either end; the checker agrees with itself.
 */
#include "fuzz_common.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    apr_size_t max = size ? data[0] : 0, chars = 0, i;
    const char *in = fuzz_text(p, data, size), *out;
    int valid = clinic_utf8_valid(in, size, &chars);

    if (valid) {
        CHECK(chars <= size);
    }
    switch (clinic_text_clean(&out, p, in, size, max)) {
    case CLINIC_TEXT_OK:
        CHECK(valid);
        CHECK(clinic_utf8_valid(out, strlen(out), &chars));
        CHECK(chars <= max);
        for (i = 0; out[i]; i++) {
            unsigned char c = (unsigned char)out[i];
            CHECK(c >= 0x20 && c != 0x7f);
        }
        CHECK(!*out || (out[0] != ' ' && out[strlen(out) - 1] != ' '));
        break;
    case CLINIC_TEXT_BAD_UTF8:
        CHECK(!valid && out == NULL);
        break;
    default:
        CHECK(valid && out == NULL);
        break;
    }
    apr_pool_destroy(p);
    return 0;
}
