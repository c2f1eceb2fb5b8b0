/*
 * SPDX-License-Identifier: Apache-2.0
 * fuzz_lang.c: Accept-Language negotiation.  Any value gives one of the
 * two languages; a value that names neither and has no "*" gives the
 * default, whichever it is.
 */
#include <strings.h>

#include "fuzz_common.h"
#include "lang.h"

static int names(const char *s, const char *what)
{
    for (; *s; s++) {
        if (!strncasecmp(s, what, strlen(what))) {
            return 1;
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *in = fuzz_text(p, data, size);
    clinic_lang_t en = clinic_lang_negotiate(in, CLINIC_LANG_EN);
    clinic_lang_t ar = clinic_lang_negotiate(in, CLINIC_LANG_AR);

    CHECK(en == CLINIC_LANG_EN || en == CLINIC_LANG_AR);
    CHECK(ar == CLINIC_LANG_EN || ar == CLINIC_LANG_AR);
    if (!names(in, "*")) {
        if (!names(in, "ar")) {
            CHECK(en == CLINIC_LANG_EN);
        }
        if (!names(in, "en")) {
            CHECK(ar == CLINIC_LANG_AR);
        }
    }
    /* the default only breaks what the value leaves open */
    if (en == CLINIC_LANG_AR) {
        CHECK(ar == CLINIC_LANG_AR);
    }
    CHECK(clinic_lang_negotiate(in, en) == en);
    apr_pool_destroy(p);
    return 0;
}
