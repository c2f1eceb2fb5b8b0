/*
 * SPDX-License-Identifier: Apache-2.0
 * test_validate.c: phone numbers, OTP codes, UTF-8 and free-text fields.
 *
 * Non-ASCII input is written as explicit byte escapes so that every test
 * states exactly which bytes reach the code under test.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "validate.h"

#include "pool_fixture.h"


TestSuite(phone, .init = setup, .fini = teardown);
TestSuite(otpcode, .init = setup, .fini = teardown);
TestSuite(utf8, .init = setup, .fini = teardown);
TestSuite(text, .init = setup, .fini = teardown);

/* Arabic-Indic digits U+0660..0669 */
#define AR0 "\xd9\xa0"
#define AR1 "\xd9\xa1"
#define AR2 "\xd9\xa2"
#define AR3 "\xd9\xa3"
#define AR4 "\xd9\xa4"
#define AR5 "\xd9\xa5"
#define AR6 "\xd9\xa6"
#define AR7 "\xd9\xa7"
#define AR9 "\xd9\xa9"
/* Extended Arabic-Indic (Persian/Urdu) digits U+06F0..06F9 */
#define FA0 "\xdb\xb0"
#define FA1 "\xdb\xb1"
#define FA2 "\xdb\xb2"
#define FA3 "\xdb\xb3"
#define FA4 "\xdb\xb4"
#define FA5 "\xdb\xb5"
#define FA6 "\xdb\xb6"
#define FA7 "\xdb\xb7"
#define FA9 "\xdb\xb9"

#define ALEF "\xd8\xa7"                 /* U+0627, two bytes */
#define GRIN "\xf0\x9f\x98\x80"         /* U+1F600, four bytes */
#define NBSP "\xc2\xa0"                 /* U+00A0 */
#define EMSP "\xe2\x80\x83"             /* U+2003 */
#define HAIRSP "\xe2\x80\x8a"           /* U+200A */
#define IDSP "\xe3\x80\x80"             /* U+3000 */

/* ---- phone numbers ------------------------------------------------------ */

static const char *phone_ok_n(const char *in, apr_size_t len)
{
    const char *out = "unset";
    apr_status_t rv = clinic_phone_normalize(&out, pool, in, len);

    cr_assert_eq(rv, APR_SUCCESS, "phone rejected: \"%s\"", in);
    cr_assert_not_null(out);
    return out;
}

static const char *phone_ok(const char *in)
{
    return phone_ok_n(in, strlen(in));
}

static void phone_bad_n(const char *in, apr_size_t len)
{
    const char *out = "unset";
    apr_status_t rv = clinic_phone_normalize(&out, pool, in, len);

    cr_assert_eq(rv, APR_EINVAL, "phone accepted: \"%s\" -> \"%s\"", in,
                 out ? out : "(null)");
}

static void phone_bad(const char *in)
{
    phone_bad_n(in, strlen(in));
}

Test(phone, international_plus)
{
    cr_assert_str_eq(phone_ok("+96551234567"), "+96551234567");
    cr_assert_str_eq(phone_ok("+96561234567"), "+96561234567");
    cr_assert_str_eq(phone_ok("+96591234567"), "+96591234567");
}

Test(phone, country_code_without_plus)
{
    cr_assert_str_eq(phone_ok("96551234567"), "+96551234567");
    cr_assert_str_eq(phone_ok("96569998877"), "+96569998877");
}

Test(phone, double_zero_prefix)
{
    cr_assert_str_eq(phone_ok("0096551234567"), "+96551234567");
    cr_assert_str_eq(phone_ok("0096590000001"), "+96590000001");
}

Test(phone, local_eight_digits)
{
    cr_assert_str_eq(phone_ok("51234567"), "+96551234567");
    cr_assert_str_eq(phone_ok("61234567"), "+96561234567");
    cr_assert_str_eq(phone_ok("91234567"), "+96591234567");
}

Test(phone, local_number_that_starts_like_country_code)
{
    /* 8 digits are always local, even when they begin with 965 */
    cr_assert_str_eq(phone_ok("96512345"), "+96596512345");
    cr_assert_str_eq(phone_ok("+96596512345"), "+96596512345");
}

Test(phone, separators_ignored)
{
    cr_assert_str_eq(phone_ok("+965 5123 4567"), "+96551234567");
    cr_assert_str_eq(phone_ok("+965-5123-4567"), "+96551234567");
    cr_assert_str_eq(phone_ok("+965.5123.4567"), "+96551234567");
    cr_assert_str_eq(phone_ok("(+965) 5123-4567"), "+96551234567");
    cr_assert_str_eq(phone_ok("+(965) 5123 4567"), "+96551234567");
    cr_assert_str_eq(phone_ok("00965 (6) 123-45.67"), "+96561234567");
    cr_assert_str_eq(phone_ok("  9123 4567  "), "+96591234567");
    cr_assert_str_eq(phone_ok("5-1-2-3-4-5-6-7"), "+96551234567");
}

Test(phone, arabic_indic_digits)
{
    cr_assert_str_eq(phone_ok("+" AR9 AR6 AR5 AR5 AR1 AR2 AR3 AR4 AR5 AR6 AR7),
                     "+96551234567");
    cr_assert_str_eq(phone_ok(AR6 AR0 AR0 AR0 AR1 AR1 AR2 AR2), "+96560001122");
    cr_assert_str_eq(phone_ok(AR0 AR0 AR9 AR6 AR5 AR9 AR1 AR2 AR3 AR4 AR5 AR6 AR7),
                     "+96591234567");
}

Test(phone, extended_arabic_indic_digits)
{
    cr_assert_str_eq(phone_ok(FA9 FA6 FA5 FA5 FA1 FA2 FA3 FA4 FA5 FA6 FA7),
                     "+96551234567");
    cr_assert_str_eq(phone_ok("+" FA9 FA6 FA5 " " FA9 FA0 FA0 FA0 "-" FA0 FA0 FA0 FA1),
                     "+96590000001");
}

Test(phone, mixed_digit_scripts_and_separators)
{
    cr_assert_str_eq(phone_ok("+965 " AR5 AR1 "2" FA3 "-" FA4 "5" AR6 "7"),
                     "+96551234567");
    cr_assert_str_eq(phone_ok("(" AR0 "0" FA9 "65) 6" AR1 FA2 ".3456" FA7),
                     "+96561234567");
}

Test(phone, length_argument_is_respected)
{
    /* only the first 8 bytes are the number; the rest must not be read */
    cr_assert_str_eq(phone_ok_n("51234567xyz", 8), "+96551234567");
    phone_bad_n("51234567", 7);
}

Test(phone, sixty_four_bytes_is_the_limit)
{
    char buf[80];

    memset(buf, ' ', sizeof(buf));
    memcpy(buf, "51234567", 8);
    cr_assert_str_eq(phone_ok_n(buf, 64), "+96551234567");
    phone_bad_n(buf, 65);
}

Test(phone, local_part_must_start_with_5_6_or_9)
{
    static const char *bad[] = {
        "01234567", "11234567", "21234567", "31234567", "41234567",
        "71234567", "81234567",
        "+96501234567", "+96511234567", "+96541234567", "+96571234567",
        "96581234567", "0096531234567", "0096521234567",
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        phone_bad(bad[i]);
    }
}

Test(phone, wrong_digit_count)
{
    phone_bad("5123456");           /* 7 local digits */
    phone_bad("512345678");         /* 9 local digits */
    phone_bad("+9655123456");       /* 7 after country code */
    phone_bad("+965512345678");     /* 9 after country code */
    phone_bad("9655123456");
    phone_bad("00965512345678");
    phone_bad("965");
    phone_bad("+965");
    phone_bad("5");
}

Test(phone, wrong_country_or_prefix)
{
    phone_bad("+96651234567");      /* Saudi Arabia */
    phone_bad("96651234567");
    phone_bad("0096651234567");
    phone_bad("+0096551234567");    /* '+' must be followed by 965 */
    phone_bad("+51234567");         /* '+' without country code */
    phone_bad("096551234567");      /* one zero only */
    phone_bad("00096551234567");    /* three zeros */
    phone_bad("+00096551234567");
}

Test(phone, plus_only_at_start)
{
    phone_bad("965+51234567");
    phone_bad("5123+4567");
    phone_bad("51234567+");
    phone_bad("++96551234567");
    phone_bad("+ +96551234567");
    phone_bad("+");
}

Test(phone, letters_and_other_characters)
{
    phone_bad("5123456a");
    phone_bad("+965 5123 456O");    /* letter O, not zero */
    phone_bad("abcdefgh");
    phone_bad("tel:+96551234567");
    phone_bad("5123_4567");
    phone_bad("5123/4567");
    phone_bad("5123,4567");
    phone_bad("5123\t4567");        /* tab is not a listed separator */
    phone_bad("+965 51234567 ext");
    phone_bad("51234567;");
    /* digit-like characters that are not among the folded ones: these would
     * pass if they were read as a digit 5 */
    phone_bad("\xef\xbc\x95" "1234567");    /* fullwidth digit five */
    phone_bad("\xe0\xa5\xab" "1234567");    /* Devanagari digit five */
    /* a valid number plus one foreign character: these would pass if the
     * character were skipped */
    phone_bad("5123" "\xd9\xaa" "4567");     /* U+066A, just after the digits */
    phone_bad("5123" "\xdb\xba" "4567");     /* U+06FA, just after the digits */
    phone_bad("5123" "\xd9\x9f" "4567");     /* U+065F, just before them */
    phone_bad("5123" "\xdb\xaf" "4567");     /* U+06EF, just before them */
    /* the code points right after the digit ranges, in the last place */
    phone_bad("5123456" "\xd9\xaa");
    phone_bad("5123456" "\xdb\xba");
    phone_bad("51234567" "\xd9");           /* truncated sequence */
    phone_bad("5123" "\xa5" "4567");         /* stray continuation byte */
    phone_bad("\xc2\xa0" "51234567");       /* no-break space */
}

Test(phone, persian_digits_mixed_with_junk)
{
    phone_bad(FA5 FA1 FA2 FA3 FA4 FA5 FA6 FA7 "x");
    phone_bad(FA5 FA1 FA2 FA3 "_" FA4 FA5 FA6 FA7);
    phone_bad(FA9 FA6 FA5 "+" FA5 FA1 FA2 FA3 FA4 FA5 FA6 FA7);
    phone_bad(FA5 FA1 FA2 FA3 FA4 FA5 FA6);            /* only 7 */
    phone_bad("\xdb" FA1 FA2 FA3 FA4 FA5 FA6 FA7);     /* broken first digit */
}

Test(phone, empty_and_blank)
{
    phone_bad_n("", 0);
    phone_bad_n(NULL, 0);
    phone_bad("   ");
    phone_bad("()-.");
}

Test(phone, nul_inside)
{
    phone_bad_n("5123\0" "4567", 9);
    phone_bad_n("51234567\0", 9);
    phone_bad_n("\0" "51234567", 9);
}

Test(phone, overly_long)
{
    char buf[4096];

    memset(buf, '5', sizeof(buf));
    phone_bad_n(buf, sizeof(buf));
    phone_bad_n(buf, 65);
    phone_bad("+965 5123 4567 5123 4567 5123 4567 5123 4567 5123 4567 5123 4567");
}

Test(phone, output_cleared_on_error)
{
    const char *out = "unset";

    cr_assert_eq(clinic_phone_normalize(&out, pool, "1", 1), APR_EINVAL);
    cr_assert_null(out);
}

/* ---- OTP codes ---------------------------------------------------------- */

static const char *code_ok_n(const char *in, apr_size_t len)
{
    const char *out = NULL;

    cr_assert_eq(clinic_code_normalize(&out, pool, in, len), APR_SUCCESS,
                 "code rejected: \"%s\"", in);
    cr_assert_not_null(out);
    return out;
}

static const char *code_ok(const char *in)
{
    return code_ok_n(in, strlen(in));
}

static void code_bad_n(const char *in, apr_size_t len)
{
    const char *out = "unset";

    cr_assert_eq(clinic_code_normalize(&out, pool, in, len), APR_EINVAL,
                 "code accepted: \"%s\"", in);
    cr_assert_null(out);
}

static void code_bad(const char *in)
{
    code_bad_n(in, strlen(in));
}

Test(otpcode, ascii)
{
    cr_assert_str_eq(code_ok("12345"), "12345");
    cr_assert_str_eq(code_ok("00000"), "00000");
    cr_assert_str_eq(code_ok("99999"), "99999");
}

Test(otpcode, arabic_indic)
{
    cr_assert_str_eq(code_ok(AR1 AR2 AR3 AR4 AR5), "12345");
    cr_assert_str_eq(code_ok(AR0 AR9 AR0 AR7 AR6), "09076");
}

Test(otpcode, extended_arabic_indic_and_mixed)
{
    cr_assert_str_eq(code_ok(FA1 FA2 FA3 FA4 FA5), "12345");
    cr_assert_str_eq(code_ok("1" AR2 FA3 "4" AR5), "12345");
}

Test(otpcode, surrounding_white_space)
{
    cr_assert_str_eq(code_ok(" 12345"), "12345");
    cr_assert_str_eq(code_ok("12345 "), "12345");
    cr_assert_str_eq(code_ok("  \t12345\r\n"), "12345");
    cr_assert_str_eq(code_ok(" " AR1 AR2 AR3 AR4 AR5 " "), "12345");
}

Test(otpcode, length_argument_is_respected)
{
    cr_assert_str_eq(code_ok_n("123456789", 5), "12345");
}

Test(otpcode, wrong_length)
{
    code_bad("1234");
    code_bad("123456");
    code_bad(AR1 AR2 AR3 AR4);
    code_bad(AR1 AR2 AR3 AR4 AR5 AR6);
    code_bad("");
    code_bad("     ");
    code_bad_n(NULL, 0);
}

Test(otpcode, not_digits)
{
    code_bad("12a45");
    code_bad("abcde");
    code_bad("1234O");
    code_bad("123 45");
    code_bad("12-345");
    code_bad("+12345");
    code_bad("-12345");
    code_bad("12345.");
    code_bad("1e345");
    code_bad("\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95"); /* fullwidth */
    code_bad(NBSP "12345");         /* only ASCII white space is dropped */
    code_bad("1234" "\xd9");        /* truncated digit */
    code_bad("1234" "\xd9\xaa");    /* U+066A, just after the digits */
    code_bad("1234" "\xdb\xba");    /* U+06FA, just after the digits */
    code_bad("1234" "\xd9\x9f");    /* U+065F, just before them */
}

Test(otpcode, nul_inside)
{
    code_bad_n("12\0" "345", 6);
    code_bad_n("12345\0", 6);
    code_bad_n("\0" "12345", 6);
}

/* ---- UTF-8 -------------------------------------------------------------- */

static void utf8_ok(const char *s, apr_size_t len, apr_size_t want_chars)
{
    apr_size_t chars = 12345;

    cr_assert_eq(clinic_utf8_valid(s, len, &chars), 1, "rejected valid UTF-8");
    cr_assert_eq(chars, want_chars, "counted %zu code points, want %zu",
                 (size_t)chars, (size_t)want_chars);
    cr_assert_eq(clinic_utf8_valid(s, len, NULL), 1);
}

static void utf8_bad(const char *s)
{
    cr_assert_eq(clinic_utf8_valid(s, strlen(s), NULL), 0,
                 "accepted malformed UTF-8");
}

Test(utf8, valid_ascii_and_empty)
{
    utf8_ok("", 0, 0);
    utf8_ok(NULL, 0, 0);
    utf8_ok("hello", 5, 5);
}

Test(utf8, valid_multibyte)
{
    utf8_ok("\xc3\xa9", 2, 1);                  /* U+00E9, 2 bytes */
    utf8_ok(ALEF ALEF, 4, 2);                   /* Arabic */
    utf8_ok("\xe2\x82\xac", 3, 1);              /* U+20AC, 3 bytes */
    utf8_ok(GRIN, 4, 1);                        /* U+1F600, 4 bytes */
    utf8_ok("a\xc3\xa9\xe2\x82\xac" GRIN "z", 11, 5);
}

Test(utf8, boundaries)
{
    utf8_ok("\x7f", 1, 1);                      /* U+007F */
    utf8_ok("\xc2\x80", 2, 1);                  /* U+0080, smallest 2-byte */
    utf8_ok("\xdf\xbf", 2, 1);                  /* U+07FF */
    utf8_ok("\xe0\xa0\x80", 3, 1);              /* U+0800, smallest 3-byte */
    utf8_ok("\xed\x9f\xbf", 3, 1);              /* U+D7FF, below surrogates */
    utf8_ok("\xee\x80\x80", 3, 1);              /* U+E000, above surrogates */
    utf8_ok("\xef\xbf\xbf", 3, 1);              /* U+FFFF */
    utf8_ok("\xf0\x90\x80\x80", 4, 1);          /* U+10000, smallest 4-byte */
    utf8_ok("\xf4\x8f\xbf\xbf", 4, 1);          /* U+10FFFF, largest */
}

Test(utf8, nul_byte_is_well_formed)
{
    utf8_ok("a\0b", 3, 3);
}

Test(utf8, overlong)
{
    utf8_bad("\xc0\xaf");                       /* '/' in 2 bytes */
    utf8_bad("\xc0\x80");                       /* NUL in 2 bytes */
    utf8_bad("\xc1\xbf");
    utf8_bad("\xe0\x80\xaf");                   /* '/' in 3 bytes */
    utf8_bad("\xe0\x9f\xbf");                   /* U+07FF in 3 bytes */
    utf8_bad("\xf0\x80\x80\xaf");               /* '/' in 4 bytes */
    utf8_bad("\xf0\x8f\xbf\xbf");               /* U+FFFF in 4 bytes */
}

Test(utf8, surrogates)
{
    utf8_bad("\xed\xa0\x80");                   /* U+D800 */
    utf8_bad("\xed\xbf\xbf");                   /* U+DFFF */
    utf8_bad("\xed\xa0\xbd\xed\xb8\x80");       /* CESU-8 pair */
}

Test(utf8, above_max)
{
    utf8_bad("\xf4\x90\x80\x80");               /* U+110000 */
    utf8_bad("\xf5\x80\x80\x80");
    utf8_bad("\xf7\xbf\xbf\xbf");
    utf8_bad("\xf8\x88\x80\x80\x80");           /* old 5-byte form */
    utf8_bad("\xfc\x84\x80\x80\x80\x80");       /* old 6-byte form */
    utf8_bad("\xfe");
    utf8_bad("\xff");
}

Test(utf8, truncated)
{
    utf8_bad("\xc3");
    utf8_bad("\xe2\x82");
    utf8_bad("\xe2");
    utf8_bad("\xf0\x9f\x98");
    utf8_bad("\xf0\x9f");
    utf8_bad("abc\xd9");
    utf8_bad("\xe2\x82" "A");                   /* cut short by ASCII */
    utf8_bad("\xf0\x9f\x98" "abc");
    utf8_bad("\xc3\xc3\xa9");                   /* lead after lead */
    /* a valid sequence cut by the length argument */
    cr_assert_eq(clinic_utf8_valid(GRIN, 3, NULL), 0);
    cr_assert_eq(clinic_utf8_valid("\xc3\xa9", 1, NULL), 0);
}

Test(utf8, stray_continuation)
{
    utf8_bad("\x80");
    utf8_bad("\xbf");
    utf8_bad("a\x80" "b");
    utf8_bad("\xc3\xa9\xa9");                   /* one continuation too many */
    utf8_bad(GRIN "\x80");
}

/* ---- free text ---------------------------------------------------------- */

static const char *text_ok_n(const char *in, apr_size_t len, apr_size_t max)
{
    const char *out = NULL;
    clinic_text_rc rc = clinic_text_clean(&out, pool, in, len, max);

    cr_assert_eq(rc, CLINIC_TEXT_OK, "text rejected (%d)", (int)rc);
    cr_assert_not_null(out);
    return out;
}

static const char *text_ok(const char *in, apr_size_t max)
{
    return text_ok_n(in, strlen(in), max);
}

static clinic_text_rc text_rc_n(const char *in, apr_size_t len, apr_size_t max)
{
    const char *out = "unset";
    clinic_text_rc rc = clinic_text_clean(&out, pool, in, len, max);

    if (rc != CLINIC_TEXT_OK) {
        cr_assert_null(out, "output set on error");
    }
    return rc;
}

static clinic_text_rc text_rc(const char *in, apr_size_t max)
{
    return text_rc_n(in, strlen(in), max);
}

static char *repeat(const char *unit, int n, const char *pre, const char *post)
{
    char *s = apr_pstrdup(pool, pre);
    int i;

    for (i = 0; i < n; i++) {
        s = apr_pstrcat(pool, s, unit, NULL);
    }
    return apr_pstrcat(pool, s, post, NULL);
}

Test(text, plain_kept)
{
    cr_assert_str_eq(text_ok("Ahmed Al-Sabah", 100), "Ahmed Al-Sabah");
    cr_assert_str_eq(text_ok("Ahmed   Ali", 100), "Ahmed   Ali");
}

Test(text, ascii_trim)
{
    cr_assert_str_eq(text_ok("  Ahmed  ", 100), "Ahmed");
    cr_assert_str_eq(text_ok("\t\r\nAhmed Ali\n\t \r", 100), "Ahmed Ali");
}

Test(text, unicode_space_trim)
{
    cr_assert_str_eq(text_ok(NBSP EMSP "Ahmed" IDSP HAIRSP NBSP, 100), "Ahmed");
    cr_assert_str_eq(text_ok(IDSP " " NBSP ALEF ALEF " " NBSP, 2), ALEF ALEF);
    cr_assert_str_eq(text_ok("\xe2\x80\x80" "x" "\xe2\x80\x80", 1), "x"); /* U+2000 */
}

Test(text, inner_unicode_spaces_kept)
{
    cr_assert_str_eq(text_ok("Ahmed" NBSP "Ali", 100), "Ahmed" NBSP "Ali");
    cr_assert_str_eq(text_ok(ALEF IDSP ALEF, 3), ALEF IDSP ALEF);
}

Test(text, not_trimmed_beyond_list)
{
    /* U+200B is not in the trim list and not a control: kept */
    cr_assert_str_eq(text_ok("\xe2\x80\x8b" "x", 2), "\xe2\x80\x8b" "x");
    /* U+200B sits right after the trimmed U+2000..200A range */
    cr_assert_str_eq(text_ok("x" "\xe2\x80\x8b", 2), "x" "\xe2\x80\x8b");
}

Test(text, empty_and_blank)
{
    cr_assert_str_eq(text_ok_n("", 0, 100), "");
    cr_assert_str_eq(text_ok_n(NULL, 0, 100), "");
    cr_assert_str_eq(text_ok("   \t\n " NBSP IDSP, 100), "");
    cr_assert_str_eq(text_ok("", 0), "");
}

Test(text, length_argument_is_respected)
{
    cr_assert_str_eq(text_ok_n("Ahmed Ali", 5, 100), "Ahmed");
    cr_assert_str_eq(text_ok_n("Ahmed \x01", 6, 100), "Ahmed");
}

Test(text, output_is_a_pool_copy)
{
    char in[] = "  Ahmed  ";
    const char *out = text_ok(in, 100);

    cr_assert_neq((const void *)out, (const void *)(in + 2));
    in[2] = 'X';
    cr_assert_str_eq(out, "Ahmed");
}

Test(text, hundred_arabic_letters)
{
    const char *s = repeat(ALEF, 100, "", "");
    const char *out;

    cr_assert_eq(strlen(s), 200);
    out = text_ok(s, 100);
    cr_assert_eq(strlen(out), 200);
    cr_assert_str_eq(out, s);
}

Test(text, hundred_and_one_arabic_letters)
{
    const char *s = repeat(ALEF, 101, "", "");

    cr_assert_eq(text_rc(s, 100), CLINIC_TEXT_TOO_LONG);
    cr_assert_eq(text_rc(s, 101), CLINIC_TEXT_OK);
}

Test(text, trimmed_before_counting)
{
    const char *s = repeat(ALEF, 100, "   " NBSP, IDSP "\n");

    cr_assert_str_eq(text_ok(s, 100), repeat(ALEF, 100, "", ""));
}

Test(text, ascii_length_limit)
{
    cr_assert_eq(text_rc(repeat("a", 50, "", ""), 50), CLINIC_TEXT_OK);
    cr_assert_eq(text_rc(repeat("a", 51, "", ""), 50), CLINIC_TEXT_TOO_LONG);
    cr_assert_eq(text_rc("a", 0), CLINIC_TEXT_TOO_LONG);
}

Test(text, emoji_is_one_character)
{
    cr_assert_str_eq(text_ok(GRIN, 1), GRIN);
    cr_assert_str_eq(text_ok("Ali " GRIN, 5), "Ali " GRIN);
    cr_assert_eq(text_rc(GRIN GRIN, 1), CLINIC_TEXT_TOO_LONG);
    cr_assert_eq(text_rc("Ali " GRIN, 4), CLINIC_TEXT_TOO_LONG);
}

Test(text, control_characters_inside)
{
    cr_assert_eq(text_rc("Ah\tmed", 100), CLINIC_TEXT_CONTROL);
    cr_assert_eq(text_rc("Ah\nmed", 100), CLINIC_TEXT_CONTROL);
    cr_assert_eq(text_rc("Ah\rmed", 100), CLINIC_TEXT_CONTROL);
    cr_assert_eq(text_rc("Ah\x01med", 100), CLINIC_TEXT_CONTROL);
    cr_assert_eq(text_rc("\x1b[31mred", 100), CLINIC_TEXT_CONTROL);
    cr_assert_eq(text_rc("Ah\x1fmed", 100), CLINIC_TEXT_CONTROL);
    cr_assert_eq(text_rc("Ah\x7fmed", 100), CLINIC_TEXT_CONTROL);
}

Test(text, control_characters_at_ends_not_trimmed)
{
    /* only the listed white space is trimmed; other controls stay and fail */
    cr_assert_eq(text_rc("\x0b" "Ahmed", 100), CLINIC_TEXT_CONTROL);
    cr_assert_eq(text_rc("Ahmed\x0c", 100), CLINIC_TEXT_CONTROL);
    cr_assert_eq(text_rc("Ahmed \x7f", 100), CLINIC_TEXT_CONTROL);
    cr_assert_eq(text_rc("Ahmed\xc2\x85", 100), CLINIC_TEXT_CONTROL);
}

Test(text, embedded_nul)
{
    cr_assert_eq(text_rc_n("Ah\0med", 6, 100), CLINIC_TEXT_CONTROL);
    cr_assert_eq(text_rc_n("Ahmed\0", 6, 100), CLINIC_TEXT_CONTROL);
    cr_assert_eq(text_rc_n("\0", 1, 100), CLINIC_TEXT_CONTROL);
    cr_assert_eq(text_rc_n(" \0 ", 3, 100), CLINIC_TEXT_CONTROL);
}

Test(text, c1_controls)
{
    cr_assert_eq(text_rc("Ah\xc2\x80med", 100), CLINIC_TEXT_CONTROL);   /* U+0080 */
    cr_assert_eq(text_rc("Ah\xc2\x85med", 100), CLINIC_TEXT_CONTROL);   /* NEL */
    cr_assert_eq(text_rc("Ah\xc2\x9fmed", 100), CLINIC_TEXT_CONTROL);   /* U+009F */
    /* the first code points past C1 are ordinary */
    cr_assert_str_eq(text_ok("Ah\xc2\xa1med", 100), "Ah\xc2\xa1med");    /* U+00A1 */
}

Test(text, bad_utf8)
{
    cr_assert_eq(text_rc("Ahmed\xc0\xaf", 100), CLINIC_TEXT_BAD_UTF8);
    cr_assert_eq(text_rc("\xed\xa0\x80", 100), CLINIC_TEXT_BAD_UTF8);
    cr_assert_eq(text_rc("\xff", 100), CLINIC_TEXT_BAD_UTF8);
    cr_assert_eq(text_rc("  \xff  ", 100), CLINIC_TEXT_BAD_UTF8);
    cr_assert_eq(text_rc("\xa0" "Ahmed", 100), CLINIC_TEXT_BAD_UTF8);
}

Test(text, bad_utf8_near_trimmed_spaces)
{
    /* the tail bytes of U+3000 and U+00A0 without their lead byte, and
     * a U+3000 cut short: trimming must not hide or split these */
    cr_assert_eq(text_rc("Ahmed\x80\x80", 100), CLINIC_TEXT_BAD_UTF8);
    cr_assert_eq(text_rc("Ahmed\xe3\x80", 100), CLINIC_TEXT_BAD_UTF8);
    cr_assert_eq(text_rc("Ahmed\xe3", 100), CLINIC_TEXT_BAD_UTF8);
    cr_assert_eq(text_rc("Ahmed\xa0", 100), CLINIC_TEXT_BAD_UTF8);
    cr_assert_eq(text_rc("\xe3\x80" "Ahmed", 100), CLINIC_TEXT_BAD_UTF8);
    cr_assert_eq(text_rc("\xc3" NBSP, 100), CLINIC_TEXT_BAD_UTF8);
}

Test(text, precedence)
{
    /* malformed beats control, control beats length */
    cr_assert_eq(text_rc("\x01\xff", 100), CLINIC_TEXT_BAD_UTF8);
    cr_assert_eq(text_rc("\x01\x01\x01\x01", 2), CLINIC_TEXT_CONTROL);
}

Test(text, sql_looking_text_kept_verbatim)
{
    const char *sql = "Robert'); DROP TABLE users;-- OR 1=1 /* x */";

    cr_assert_str_eq(text_ok(sql, 100), sql);
    cr_assert_str_eq(text_ok("%' UNION SELECT * FROM otp_codes; --", 100),
                     "%' UNION SELECT * FROM otp_codes; --");
}

Test(text, quotes_and_markup_kept)
{
    cr_assert_str_eq(text_ok("O'Brien \"Bob\" `x` \\n", 100),
                     "O'Brien \"Bob\" `x` \\n");
    cr_assert_str_eq(text_ok("<script>alert(1)</script>&amp;", 100),
                     "<script>alert(1)</script>&amp;");
}
