/*
 * SPDX-License-Identifier: Apache-2.0
 * validate.h: checks of client input on plain strings (no httpd headers).
 *
 * Phone numbers, OTP codes and free-text profile fields.  Every function
 * takes a pool for its result and never keeps a pointer to its input.
 */
#ifndef CLINIC_VALIDATE_H
#define CLINIC_VALIDATE_H

#include <apr_pools.h>
#include <apr_errno.h>

/* Normalise a Kuwaiti mobile number to "+965XXXXXXXX".
 * Accepts +965XXXXXXXX, 965XXXXXXXX, 00965XXXXXXXX or the 8 local digits,
 * the local part starting with 5, 6 or 9; spaces, dashes, dots and
 * parentheses are ignored; Arabic-Indic (U+0660..0669) and Extended
 * Arabic-Indic (U+06F0..06F9) digits count as ASCII digits.  A '+' may
 * appear once, before any digit, and then only as "+965".  Input longer
 * than 64 bytes, NUL bytes and any other character are rejected.
 * Returns APR_SUCCESS with *out set (allocated from p), or APR_EINVAL
 * with *out = NULL. */
apr_status_t clinic_phone_normalize(const char **out, apr_pool_t *p,
                                    const char *in, apr_size_t len);

/* Normalise an OTP code: exactly 5 digits (Arabic-Indic and Extended
 * Arabic-Indic digits folded), surrounding ASCII white space allowed and
 * dropped, nothing else.
 * Returns APR_SUCCESS with *out = "12345" (from p), or APR_EINVAL with
 * *out = NULL. */
apr_status_t clinic_code_normalize(const char **out, apr_pool_t *p,
                                   const char *in, apr_size_t len);

/* 1 when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF, no truncated or stray bytes), 0 otherwise.
 * A NUL byte is well-formed here.  When chars is not NULL and the text is
 * valid it receives the number of code points. */
int clinic_utf8_valid(const char *s, apr_size_t len, apr_size_t *chars);

/* The free-text fields' lengths, in code points: a patient's name (and
 * a package's), a national ID */
#define CLINIC_NAME_MAX 100
#define CLINIC_NATIONAL_ID_MAX 50

typedef enum {
    CLINIC_TEXT_OK = 0,
    CLINIC_TEXT_BAD_UTF8,     /* not well-formed UTF-8 */
    CLINIC_TEXT_CONTROL,      /* holds a control character (C0, DEL, C1) */
    CLINIC_TEXT_TOO_LONG      /* more than max_chars code points */
} clinic_text_rc;

/* Validate a free-text field (name, national ID): trims leading and
 * trailing white space (ASCII space, tab, CR, LF and U+00A0, U+2000..200A,
 * U+3000 no-break/typographic spaces), then checks UTF-8, control
 * characters (U+0000..001F, U+007F..009F) and the length in code points.
 * Well-formedness is checked over the whole input before trimming, so a
 * broken sequence is BAD_UTF8 wherever it is.  Checks run in the order of
 * the enum: BAD_UTF8, then CONTROL, then TOO_LONG.  Tabs and newlines are
 * trimmed at the ends but are control characters inside.
 * On CLINIC_TEXT_OK *out is the trimmed copy (from p), possibly "";
 * otherwise *out is NULL. */
clinic_text_rc clinic_text_clean(const char **out, apr_pool_t *p,
                                 const char *in, apr_size_t len,
                                 apr_size_t max_chars);

/* A phone number for logs: "+965****4567" (the first four and the last
 * four characters); "****" for anything shorter than +965XXXXXXXX. */
const char *clinic_mask_phone(apr_pool_t *p, const char *phone);

#endif
