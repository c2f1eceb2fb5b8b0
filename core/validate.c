/*
 * SPDX-License-Identifier: Apache-2.0
 * validate.c: checks of client input on plain strings (no httpd headers).
 *
 * Everything here is a pure function of its arguments: no global state, no
 * malloc; results are copied into the caller's pool.  Input is handled as
 * bytes with an explicit length, so a NUL byte inside the data is seen (and
 * rejected where it matters) instead of silently ending the string.
 */
#include <string.h>

#include <apr_strings.h>

#include "validate.h"

/* Longest phone input looked at; anything longer is rejected outright. */
#define PHONE_MAX_INPUT 64

#define KW_CC     "965"
#define KW_LOCAL  8

/* Length of the well-formed UTF-8 sequence at s[0..len), 0 when it is not
 * well-formed (bad lead, stray continuation, overlong, surrogate, above
 * U+10FFFF, or cut short).  *cp receives the code point. */
static apr_size_t utf8_seq(const unsigned char *s, apr_size_t len,
                           apr_uint32_t *cp)
{
    unsigned char b = s[0];
    unsigned char lo = 0x80, hi = 0xBF;
    apr_size_t n, i;
    apr_uint32_t v;

    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    if (b >= 0xC2 && b <= 0xDF) {
        n = 2;
        v = b & 0x1F;
    }
    else if (b >= 0xE0 && b <= 0xEF) {
        n = 3;
        v = b & 0x0F;
        if (b == 0xE0) {
            lo = 0xA0;              /* below: overlong */
        }
        else if (b == 0xED) {
            hi = 0x9F;              /* above: UTF-16 surrogates */
        }
    }
    else if (b >= 0xF0 && b <= 0xF4) {
        n = 4;
        v = b & 0x07;
        if (b == 0xF0) {
            lo = 0x90;              /* below: overlong */
        }
        else if (b == 0xF4) {
            hi = 0x8F;              /* above: beyond U+10FFFF */
        }
    }
    else {
        return 0;                   /* 80..BF stray, C0/C1 overlong, F5..FF */
    }
    if (len < n) {
        return 0;
    }
    if (s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return n;
}

int clinic_utf8_valid(const char *s, apr_size_t len, apr_size_t *chars)
{
    const unsigned char *u = (const unsigned char *)s;
    apr_size_t i = 0, count = 0, n;
    apr_uint32_t cp;

    while (i < len) {
        n = utf8_seq(u + i, len - i, &cp);
        if (n == 0) {
            return 0;
        }
        i += n;
        count++;
    }
    if (chars) {
        *chars = count;
    }
    return 1;
}

/* The digit value of the (possibly two-byte) digit at s[0..len): ASCII
 * 0-9, Arabic-Indic U+0660..0669 (D9 A0..A9) or Extended Arabic-Indic
 * U+06F0..06F9 (DB B0..B9).  Returns the byte length (1 or 2) and sets *d,
 * or 0 when s does not start with a digit. */
static apr_size_t fold_digit(const unsigned char *s, apr_size_t len, char *d)
{
    if (s[0] >= '0' && s[0] <= '9') {
        *d = (char)s[0];
        return 1;
    }
    if (len >= 2 && s[0] == 0xD9 && s[1] >= 0xA0 && s[1] <= 0xA9) {
        *d = (char)('0' + (s[1] - 0xA0));
        return 2;
    }
    if (len >= 2 && s[0] == 0xDB && s[1] >= 0xB0 && s[1] <= 0xB9) {
        *d = (char)('0' + (s[1] - 0xB0));
        return 2;
    }
    return 0;
}

static int phone_separator(unsigned char c)
{
    return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')';
}

static int local_ok(const char *local)
{
    return local[0] == '5' || local[0] == '6' || local[0] == '9';
}

apr_status_t clinic_phone_normalize(const char **out, apr_pool_t *p,
                                    const char *in, apr_size_t len)
{
    const unsigned char *u = (const unsigned char *)in;
    char digits[PHONE_MAX_INPUT + 1];
    apr_size_t i = 0, nd = 0, n;
    const char *local;
    int plus = 0;
    char d;

    *out = NULL;
    if (in == NULL || len == 0 || len > PHONE_MAX_INPUT) {
        return APR_EINVAL;
    }
    while (i < len) {
        if (phone_separator(u[i])) {
            i++;
        }
        else if (u[i] == '+') {
            /* only once, before any digit */
            if (plus || nd > 0) {
                return APR_EINVAL;
            }
            plus = 1;
            i++;
        }
        else if ((n = fold_digit(u + i, len - i, &d)) != 0) {
            digits[nd++] = d;   /* nd <= len <= PHONE_MAX_INPUT */
            i += n;
        }
        else {
            return APR_EINVAL;
        }
    }
    digits[nd] = '\0';

    if (nd == 3 + KW_LOCAL && memcmp(digits, KW_CC, 3) == 0) {
        local = digits + 3;
    }
    else if (!plus && nd == 5 + KW_LOCAL && memcmp(digits, "00" KW_CC, 5) == 0) {
        local = digits + 5;
    }
    else if (!plus && nd == KW_LOCAL) {
        local = digits;
    }
    else {
        return APR_EINVAL;
    }
    if (!local_ok(local)) {
        return APR_EINVAL;
    }
    *out = apr_pstrcat(p, "+" KW_CC, local, NULL);
    return APR_SUCCESS;
}

static int ascii_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'
           || c == '\f';
}

apr_status_t clinic_code_normalize(const char **out, apr_pool_t *p,
                                   const char *in, apr_size_t len)
{
    const unsigned char *u = (const unsigned char *)in;
    char code[6];
    apr_size_t nd = 0, n;
    char d;

    *out = NULL;
    if (in == NULL) {
        return APR_EINVAL;
    }
    while (len > 0 && ascii_space(u[0])) {
        u++;
        len--;
    }
    while (len > 0 && ascii_space(u[len - 1])) {
        len--;
    }
    while (len > 0) {
        n = fold_digit(u, len, &d);
        if (n == 0 || nd == 5) {
            return APR_EINVAL;
        }
        code[nd++] = d;
        u += n;
        len -= n;
    }
    if (nd != 5) {
        return APR_EINVAL;
    }
    code[5] = '\0';
    *out = apr_pstrmemdup(p, code, 5);
    return APR_SUCCESS;
}

/* Trimmed white space: ASCII space, tab, CR, LF; U+00A0; U+2000..200A;
 * U+3000. */
static int trim_space(apr_uint32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n'
           || cp == 0x00A0 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x3000;
}

/* Byte length of the white space character that ends s[0..len), or 0.
 * s must be well-formed UTF-8, so a matching tail is a whole character
 * (C2, E2 and E3 are lead bytes and never continuation bytes). */
static apr_size_t trailing_space(const unsigned char *s, apr_size_t len)
{
    unsigned char c;

    if (len == 0) {
        return 0;
    }
    c = s[len - 1];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        return 1;
    }
    if (len >= 2 && s[len - 2] == 0xC2 && c == 0xA0) {
        return 2;
    }
    if (len >= 3 && s[len - 3] == 0xE2 && s[len - 2] == 0x80
        && c >= 0x80 && c <= 0x8A) {
        return 3;
    }
    if (len >= 3 && s[len - 3] == 0xE3 && s[len - 2] == 0x80 && c == 0x80) {
        return 3;
    }
    return 0;
}

clinic_text_rc clinic_text_clean(const char **out, apr_pool_t *p,
                                 const char *in, apr_size_t len,
                                 apr_size_t max_chars)
{
    const unsigned char *u = (const unsigned char *)in;
    apr_size_t i, n, chars = 0;
    apr_uint32_t cp;

    *out = NULL;
    if (len == 0 || in == NULL) {
        if (len != 0) {
            return CLINIC_TEXT_BAD_UTF8;
        }
        *out = apr_pstrdup(p, "");
        return CLINIC_TEXT_OK;
    }
    /* well-formedness first, over the whole input, so that trimming below
     * may decode freely and never cuts a broken sequence in half */
    if (!clinic_utf8_valid(in, len, NULL)) {
        return CLINIC_TEXT_BAD_UTF8;
    }
    while (len > 0) {
        n = utf8_seq(u, len, &cp);
        if (!trim_space(cp)) {
            break;
        }
        u += n;
        len -= n;
    }
    while ((n = trailing_space(u, len)) != 0) {
        len -= n;
    }
    for (i = 0; i < len; i += n) {
        n = utf8_seq(u + i, len - i, &cp);
        if (cp <= 0x1F || (cp >= 0x7F && cp <= 0x9F)) {
            return CLINIC_TEXT_CONTROL;
        }
        chars++;
    }
    if (chars > max_chars) {
        return CLINIC_TEXT_TOO_LONG;
    }
    *out = apr_pstrmemdup(p, (const char *)u, len);
    return CLINIC_TEXT_OK;
}

const char *clinic_mask_phone(apr_pool_t *p, const char *phone)
{
    apr_size_t n = phone ? strlen(phone) : 0;

    if (n < 12) {
        return "****";
    }
    return apr_pstrcat(p, apr_pstrndup(p, phone, 4), "****", phone + n - 4,
                       NULL);
}
