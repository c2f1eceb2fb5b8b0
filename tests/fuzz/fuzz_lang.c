/*
 * SPDX-License-Identifier: Apache-2.0
 * fuzz_lang.c: Accept-Language negotiation.  Any value gives one of the
 * two languages; a value that names neither and has no "*" gives the
 * default, whichever it is.  And the same bytes as an SMS text: a length
 * that fits the parts it counts, never more units than bytes (or two a
 * byte, for GSM-7's extension characters).
 */
#include <strings.h>

#include "fuzz_common.h"
#include "lang.h"
#include "smslen.h"

static int names(const char *s, const char *what)
{
    for (; *s; s++) {
        if (!strncasecmp(s, what, strlen(what))) {
            return 1;
        }
    }
    return 0;
}

static void check_sms_len(const char *in)
{
    size_t bytes = strlen(in);
    clinic_sms_len_t l;

    clinic_sms_len(in, &l);
    CHECK(l.one == (l.ucs2 ? 70u : 160u));
    CHECK(l.units <= (l.ucs2 ? bytes : 2 * bytes));
    CHECK((l.parts == 0) == (l.units == 0));
    CHECK(l.units <= l.one ? l.parts <= 1 : l.parts >= 2);
    CHECK(l.parts <= l.units);
    if (l.parts > 1) {
        CHECK(l.units <= l.parts * (l.ucs2 ? 67u : 153u));
    }
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
        /* a language the value never names is chosen only as the
         * default, or when the value refuses (q=0) the default */
        if (!names(in, "ar")) {
            CHECK(en == CLINIC_LANG_EN || names(in, "en"));
        }
        if (!names(in, "en")) {
            CHECK(ar == CLINIC_LANG_AR || names(in, "ar"));
        }
    }
    /* the default only breaks what the value leaves open */
    if (en == CLINIC_LANG_AR) {
        CHECK(ar == CLINIC_LANG_AR);
    }
    CHECK(clinic_lang_negotiate(in, en) == en);
    check_sms_len(in);
    apr_pool_destroy(p);
    return 0;
}
