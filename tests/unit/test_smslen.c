/*
 * SPDX-License-Identifier: Apache-2.0
 * test_smslen.c: the length of a text as an SMS (GSM-7 or UCS-2), what
 * the configtest warning about one segment counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "smslen.h"

/* "رمز التحقق الخاص بك هو 12345" */
#define AR_CODE "\xd8\xb1\xd9\x85\xd8\xb2 \xd8\xa7\xd9\x84\xd8\xaa\xd8\xad" \
    "\xd9\x82\xd9\x82 \xd8\xa7\xd9\x84\xd8\xae\xd8\xa7\xd8\xb5 \xd8\xa8" \
    "\xd9\x83 \xd9\x87\xd9\x88 12345"
#define ALEF "\xd8\xa7"              /* one Arabic letter, 2 bytes */
#define GRIN "\xf0\x9f\x98\x80"      /* U+1F600, a surrogate pair */

static clinic_sms_len_t len_of(const char *s)
{
    clinic_sms_len_t l;

    clinic_sms_len(s, &l);
    return l;
}

static char *repeat(const char *unit, size_t n)
{
    size_t u = strlen(unit), i;
    char *s = malloc(u * n + 1);

    cr_assert(s);
    for (i = 0; i < n; i++) {
        memcpy(s + i * u, unit, u);
    }
    s[u * n] = '\0';
    return s;
}

static void check(const char *unit, size_t n, int ucs2, size_t units,
                  size_t parts)
{
    char *s = repeat(unit, n);
    clinic_sms_len_t l = len_of(s);

    cr_assert_eq(l.ucs2, ucs2, "%zu x %s", n, unit);
    cr_assert_eq(l.units, units, "%zu x %s: %zu units", n, unit, l.units);
    cr_assert_eq(l.parts, parts, "%zu x %s: %zu parts", n, unit, l.parts);
    cr_assert_eq(l.one, ucs2 ? 70 : 160);
    free(s);
}

Test(smslen, empty)
{
    clinic_sms_len_t l = len_of("");

    cr_assert_eq(l.units, 0);
    cr_assert_eq(l.parts, 0);
    cr_assert_eq(l.ucs2, 0);
}

Test(smslen, the_default_texts)
{
    clinic_sms_len_t l = len_of("Your verification code is 12345");

    cr_assert_eq(l.ucs2, 0);
    cr_assert_eq(l.units, 31);
    cr_assert_eq(l.parts, 1);
    l = len_of(AR_CODE);
    cr_assert_eq(l.ucs2, 1);
    cr_assert_eq(l.units, 28);
    cr_assert_eq(l.parts, 1);
    cr_assert_eq(l.one, 70);
}

Test(smslen, gsm7_segments)
{
    check("a", 160, 0, 160, 1);
    check("a", 161, 0, 161, 2);
    check("a", 306, 0, 306, 2);
    check("a", 307, 0, 307, 3);
}

Test(smslen, extension_characters_count_twice)
{
    check("{", 80, 0, 160, 1);
    check("{", 81, 0, 162, 2);
    /* 76 fill 152 of a part's 153: the 77th opens the next part */
    check("}", 153, 0, 306, 3);
    check("\xe2\x82\xac", 3, 0, 6, 1);        /* euro sign */
    check("[\\]^|~\f", 1, 0, 14, 1);
}

Test(smslen, ucs2_segments)
{
    check(ALEF, 70, 1, 70, 1);
    check(ALEF, 71, 1, 71, 2);
    check(ALEF, 134, 1, 134, 2);
    check(ALEF, 135, 1, 135, 3);
    /* one Arabic letter makes all of the text UCS-2 */
    {
        char *s = repeat("a", 69);
        char buf[200];

        snprintf(buf, sizeof(buf), "%s%s", s, ALEF);
        cr_assert_eq(len_of(buf).ucs2, 1);
        cr_assert_eq(len_of(buf).parts, 1);
        snprintf(buf, sizeof(buf), "%sa%s", s, ALEF);
        cr_assert_eq(len_of(buf).parts, 2);
        free(s);
    }
}

Test(smslen, surrogate_pairs_never_straddle)
{
    check(GRIN, 35, 1, 70, 1);
    /* 33 pairs fill 66 of 67 units: the 34th opens the next part */
    check(GRIN, 36, 1, 72, 2);
    check(GRIN, 67, 1, 134, 3);
}

Test(smslen, alphabet)
{
    static const char *const gsm[] = {
        "@", "$", "_", "\n", "\r", "\xc2\xa3", "\xc2\xa5", "\xc3\xa8",
        "\xc3\xa9", "\xc3\xa7", "\xc3\x89", "\xc3\x9f", "\xce\x94",
        "\xce\xa9", "\xc2\xbf", "\xc2\xa1", "\xc3\xbc", "\xc3\xa0",
        "\xc2\xa7", "\xc2\xa4",
    };
    static const char *const other[] = {
        "`", "\t", "\x01", "\xc3\x87" /* capital C cedilla */,
        "\xc3\xa1" /* a acute */, "\xe2\x80\x99" /* right quote */,
        "\xd9\xa1" /* Arabic-Indic one */, "\xff", "\xc0\x80",
        "\xed\xa0\x80" /* a lone surrogate */, "\xe2\x82",
    };
    size_t i;

    for (i = 0; i < sizeof(gsm) / sizeof(gsm[0]); i++) {
        cr_assert_eq(len_of(gsm[i]).ucs2, 0, "%s", gsm[i]);
        cr_assert_eq(len_of(gsm[i]).units, 1, "%s", gsm[i]);
    }
    for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        cr_assert_eq(len_of(other[i]).ucs2, 1, "%zu", i);
    }
    /* a byte that is no UTF-8 is one unit */
    cr_assert_eq(len_of("\xff\xfe").units, 2);
    cr_assert_eq(len_of("\xe2\x82").units, 2);
    cr_assert_eq(clinic_gsm7_septets('A'), 1);
    cr_assert_eq(clinic_gsm7_septets('{'), 2);
    cr_assert_eq(clinic_gsm7_septets(0x0627), 0);
}
