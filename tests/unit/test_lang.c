/*
 * SPDX-License-Identifier: Apache-2.0
 * test_lang.c: Accept-Language negotiation between English and Arabic.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lang.h"

#define EN CLINIC_LANG_EN
#define AR CLINIC_LANG_AR

static clinic_lang_t pick(const char *v, clinic_lang_t dflt)
{
    return clinic_lang_negotiate(v, dflt);
}

Test(lang, tags)
{
    clinic_lang_t l = EN;

    cr_assert_str_eq(clinic_lang_tag(EN), "en");
    cr_assert_str_eq(clinic_lang_tag(AR), "ar");
    cr_assert_str_eq(clinic_lang_tag((clinic_lang_t)7), "en");
    cr_assert(clinic_lang_from_tag("ar", &l) && l == AR);
    cr_assert(clinic_lang_from_tag("en", &l) && l == EN);
    cr_assert_not(clinic_lang_from_tag("AR", &l));
    cr_assert_not(clinic_lang_from_tag("ar-KW", &l));
    cr_assert_not(clinic_lang_from_tag("fr", &l));
    cr_assert_not(clinic_lang_from_tag("", &l));
    cr_assert_not(clinic_lang_from_tag(NULL, &l));
}

Test(lang, no_header_is_the_default)
{
    cr_assert_eq(pick(NULL, EN), EN);
    cr_assert_eq(pick(NULL, AR), AR);
    cr_assert_eq(pick("", AR), AR);
    cr_assert_eq(pick("   ", EN), EN);
    /* a default out of range is English */
    cr_assert_eq(pick(NULL, (clinic_lang_t)9), EN);
}

Test(lang, plain_and_regional_ranges)
{
    cr_assert_eq(pick("ar", EN), AR);
    cr_assert_eq(pick("en", AR), EN);
    cr_assert_eq(pick("ar-KW", EN), AR);
    cr_assert_eq(pick("en-US", AR), EN);
    cr_assert_eq(pick("en-GB-oxendict", AR), EN);
    cr_assert_eq(pick("ar-Arab-KW", EN), AR);
    /* case does not matter */
    cr_assert_eq(pick("AR-kw", EN), AR);
    cr_assert_eq(pick("En", AR), EN);
    /* another language alone: the default */
    cr_assert_eq(pick("fr-FR", EN), EN);
    cr_assert_eq(pick("fr-FR", AR), AR);
    /* "are" or "eng" are other languages, not ar or en */
    cr_assert_eq(pick("are", EN), EN);
    cr_assert_eq(pick("eng", AR), AR);
    cr_assert_eq(pick("arab", EN), EN);
}

Test(lang, weights)
{
    cr_assert_eq(pick("en;q=0.5, ar", EN), AR);
    cr_assert_eq(pick("ar;q=0.4, en;q=0.6", AR), EN);
    cr_assert_eq(pick("en-US,en;q=0.9,ar-KW;q=0.8,ar;q=0.7", AR), EN);
    cr_assert_eq(pick("ar-KW,ar;q=0.9,en-US;q=0.8,en;q=0.7", EN), AR);
    /* the browser's usual form, a French user who reads Arabic next */
    cr_assert_eq(pick("fr-FR,fr;q=0.9,ar;q=0.8", EN), AR);
    cr_assert_eq(pick("en ; q=0.3 , ar ;Q=0.2", AR), EN);
    cr_assert_eq(pick("ar;q=1.000,en;q=0.999", EN), AR);
    cr_assert_eq(pick("en;q=0.001", AR), EN);
    /* a bare range's weight rules its regional ones */
    cr_assert_eq(pick("ar-KW;q=1, ar;q=0.1, en;q=0.5", AR), EN);
    /* the highest of the regional ones */
    cr_assert_eq(pick("ar-SA;q=0.2, ar-KW;q=0.9, en;q=0.5", EN), AR);
}

Test(lang, ties_go_to_the_first_named)
{
    cr_assert_eq(pick("ar, en", EN), AR);
    cr_assert_eq(pick("en, ar", AR), EN);
    cr_assert_eq(pick("ar-KW, en-US", EN), AR);
    cr_assert_eq(pick("en;q=0.5, ar;q=0.5", AR), EN);
}

Test(lang, zero_excludes)
{
    /* the default refused, the other language left unnamed: the other */
    cr_assert_eq(pick("ar;q=0", AR), EN);
    cr_assert_eq(pick("en;q=0", EN), AR);
    cr_assert_eq(pick("en-US;q=0", EN), AR);
    /* every language refused: the default */
    cr_assert_eq(pick("ar;q=0, en;q=0", AR), AR);
    cr_assert_eq(pick("ar;q=0, en;q=0.1", AR), EN);
    cr_assert_eq(pick("en;q=0, ar;q=0.1", EN), AR);
    cr_assert_eq(pick("en;q=0.000, *", EN), AR);
    cr_assert_eq(pick("ar;q=0, *;q=0.5", AR), EN);
    cr_assert_eq(pick("ar;q=0, ar-KW, en;q=0.1", AR), EN);
    cr_assert_eq(pick("*;q=0", AR), AR);
}

Test(lang, wildcard)
{
    cr_assert_eq(pick("*", AR), AR);
    cr_assert_eq(pick("*", EN), EN);
    cr_assert_eq(pick("fr, *;q=0.1", AR), AR);
    /* a named language before the wildcard's */
    cr_assert_eq(pick("en;q=0.5, *;q=0.5", AR), EN);
    cr_assert_eq(pick("*;q=0.9, ar;q=0.5", EN), EN);
    cr_assert_eq(pick("*;q=0.4, ar;q=0.5", EN), AR);
}

Test(lang, malformed_elements_are_skipped)
{
    /* each bad element alone: the default */
    static const char *const bad[] = {
        "ar;q=2", "ar;q=1.5", "ar;q=1.001", "ar;q=0.1234", "ar;q=",
        "ar;q=abc", "ar;q=.5", "ar;x=1", "ar;", "ar q=0.5", "ar-",
        "ar--KW", "-ar", "ar-KW-toolongsubtag", "abcdefghi", "a1",
        "ar_KW", "ar;q=0.5;q=0.4", "\"ar\"", "ar;q=-1", "ar ;", ";q=1",
        "ar;q =0.5", "\xd8\xb9\xd8\xb1", "ar\xff", "**", "*-ar",
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(pick(bad[i], EN), EN, "%s", bad[i]);
    }
    /* a good one beside a bad one still counts */
    cr_assert_eq(pick("ar;q=2, en;q=0.1", AR), EN);
    cr_assert_eq(pick("xx;;, ar", EN), AR);
    cr_assert_eq(pick(",,, ar ,,", EN), AR);
    cr_assert_eq(pick("ar-KW-toolongsubtag, en-US", AR), EN);
    cr_assert_eq(pick("ar;q=1.5,en;q=0.2", AR), EN);
}

Test(lang, long_values)
{
    size_t n = 100000, i;
    char *v = malloc(n + 8);

    cr_assert(v);
    for (i = 0; i + 3 < n; i += 3) {
        memcpy(v + i, "fr,", 3);
    }
    strcpy(v + i, "ar");
    cr_assert_eq(pick(v, EN), AR);
    memset(v, 'a', n);
    v[n] = '\0';
    cr_assert_eq(pick(v, EN), EN);
    memset(v, ',', n);
    cr_assert_eq(pick(v, AR), AR);
    free(v);
}
