/*
 * SPDX-License-Identifier: Apache-2.0
 * smslen.c: the length of a text as an SMS, GSM-7 or UCS-2 (smslen.h).
 * The default alphabet's non-ASCII characters are those of the GSM 03.38
 * to Unicode mapping (0x09 is U+00E7, as that mapping has it).
 */
#include <string.h>

#include "smslen.h"

/* the default alphabet beyond ASCII, in code point order */
static const apr_uint16_t gsm7_latin[] = {
    0x00A1, 0x00A3, 0x00A4, 0x00A5, 0x00A7, 0x00BF, 0x00C4, 0x00C5,
    0x00C6, 0x00C9, 0x00D1, 0x00D6, 0x00D8, 0x00DC, 0x00DF, 0x00E0,
    0x00E4, 0x00E5, 0x00E6, 0x00E7, 0x00E8, 0x00E9, 0x00EC, 0x00F1,
    0x00F2, 0x00F6, 0x00F8, 0x00F9, 0x00FC, 0x0393, 0x0394, 0x0398,
    0x039B, 0x039E, 0x03A0, 0x03A3, 0x03A6, 0x03A8, 0x03A9,
};

int clinic_gsm7_septets(apr_uint32_t cp)
{
    size_t lo = 0, hi = sizeof(gsm7_latin) / sizeof(gsm7_latin[0]);

    if (cp == '\n' || cp == '\r') {
        return 1;
    }
    if (cp == '\f' || cp == 0x20AC) {
        return 2;
    }
    if (cp >= 0x20 && cp <= 0x7E) {
        if (cp == '`') {
            return 0;
        }
        return strchr("[\\]^{|}~", (int)cp) ? 2 : 1;
    }
    while (lo < hi) {                       /* binary search */
        size_t mid = (lo + hi) / 2;

        if (gsm7_latin[mid] == cp) {
            return 1;
        }
        if (gsm7_latin[mid] < cp) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return 0;
}

/* The code point at s and its length in bytes (*n >= 1); a byte that
 * starts no valid UTF-8 sequence is 0xFFFD, one byte long */
static apr_uint32_t utf8_next(const unsigned char *s, size_t *n)
{
    apr_uint32_t cp, min;
    size_t len, i;

    if (s[0] < 0x80) {
        *n = 1;
        return s[0];
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        len = 2;
        cp = s[0] & 0x1F;
        min = 0x80;
    }
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3;
        cp = s[0] & 0x0F;
        min = 0x800;
    }
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4;
        cp = s[0] & 0x07;
        min = 0x10000;
    }
    else {
        *n = 1;
        return 0xFFFD;
    }
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {        /* also stops at the NUL */
            *n = 1;
            return 0xFFFD;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        *n = 1;
        return 0xFFFD;
    }
    *n = len;
    return cp;
}

/* what the character at s takes in the encoding: septets, or UTF-16
 * units; 0 in GSM-7 when it has none there */
static apr_size_t char_units(const unsigned char *s, size_t *n, int ucs2)
{
    apr_uint32_t cp = utf8_next(s, n);

    if (ucs2) {
        return cp > 0xFFFF ? 2 : 1;
    }
    return (apr_size_t)clinic_gsm7_septets(cp);
}

void clinic_sms_len(const char *text, clinic_sms_len_t *out)
{
    const unsigned char *s;
    apr_size_t part = 0, cap, u;
    size_t n;

    memset(out, 0, sizeof(*out));
    for (s = (const unsigned char *)text; *s; s += n) {
        if (!char_units(s, &n, 0)) {
            out->ucs2 = 1;
            break;
        }
    }
    out->one = out->ucs2 ? CLINIC_SMS_UCS2_ONE : CLINIC_SMS_GSM7_ONE;
    cap = out->ucs2 ? CLINIC_SMS_UCS2_PART : CLINIC_SMS_GSM7_PART;
    for (s = (const unsigned char *)text; *s; s += n) {
        out->units += char_units(s, &n, out->ucs2);
    }
    if (out->units == 0 || out->units <= out->one) {
        out->parts = out->units ? 1 : 0;
        return;
    }
    out->parts = 1;
    for (s = (const unsigned char *)text; *s; s += n) {
        u = char_units(s, &n, out->ucs2);
        if (part + u > cap) {
            out->parts++;
            part = 0;
        }
        part += u;
    }
}
