/*
 * SPDX-License-Identifier: Apache-2.0
 * smslen.h: how long a text is as an SMS (pure).  A text goes as GSM-7
 * (the GSM 03.38 default alphabet, 160 septets a segment, the extension
 * table's characters two septets each) when every character is in it,
 * else as UCS-2 (70 UTF-16 units a segment: Arabic always).  A longer
 * text is sent in parts of 153 septets or 67 units (the rest of each
 * segment holds the header that joins them); a character never straddles
 * two parts.
 */
#ifndef CLINIC_SMSLEN_H
#define CLINIC_SMSLEN_H

#include <apr.h>

#define CLINIC_SMS_GSM7_ONE 160
#define CLINIC_SMS_GSM7_PART 153
#define CLINIC_SMS_UCS2_ONE 70
#define CLINIC_SMS_UCS2_PART 67

typedef struct {
    int ucs2;            /* 1 when a character is outside GSM-7 */
    apr_size_t units;    /* septets (GSM-7) or UTF-16 units (UCS-2) */
    apr_size_t one;      /* what one segment holds: 160 or 70 */
    apr_size_t parts;    /* segments the text takes (0 for "") */
} clinic_sms_len_t;

/* The length of UTF-8 text as an SMS.  Bytes that are not UTF-8 count
 * as one UCS-2 unit each. */
void clinic_sms_len(const char *text, clinic_sms_len_t *out);

/* The septets a code point takes in GSM-7: 1 (default alphabet), 2 (the
 * extension table: ^ { } \ [ ~ ] | euro sign, form feed), 0 (none). */
int clinic_gsm7_septets(apr_uint32_t cp);

#endif
