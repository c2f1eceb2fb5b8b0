/*
 * SPDX-License-Identifier: Apache-2.0
 * ids.c: the ids the module makes for its rows (see ids.h).
 */
#include <apr_general.h>
#include <apr_strings.h>

#include "ids.h"

const char *clinic_uuid(apr_pool_t *p)
{
    unsigned char b[16];
    char *out = apr_palloc(p, 37);

    if (apr_generate_random_bytes(b, sizeof(b)) != APR_SUCCESS) {
        return NULL;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);   /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
    apr_snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                 "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4],
                 b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                 b[14], b[15]);
    return out;
}
