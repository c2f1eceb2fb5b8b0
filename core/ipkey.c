/*
 * SPDX-License-Identifier: Apache-2.0
 * ipkey.c: see ipkey.h.
 */
#include <string.h>
#include <arpa/inet.h>
#include <apr_strings.h>

#include "ipkey.h"

const char *clinic_ip_key(apr_pool_t *p, const char *ip, int v6_bits)
{
    static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
                                              0, 0, 0xff, 0xff };
    unsigned char a[16];
    char text[INET6_ADDRSTRLEN];
    int i;

    if (!ip || !strchr(ip, ':') || inet_pton(AF_INET6, ip, a) != 1) {
        return ip;
    }
    if (!memcmp(a, mapped, sizeof(mapped))) {
        return inet_ntop(AF_INET, a + 12, text, sizeof(text))
               ? apr_pstrdup(p, text) : ip;
    }
    if (v6_bits < 1 || v6_bits > 128) {
        v6_bits = CLINIC_IPV6_PREFIX_DEFAULT;
    }
    for (i = 0; i < 16; i++) {
        int keep = v6_bits - 8 * i;
        if (keep <= 0) {
            a[i] = 0;
        }
        else if (keep < 8) {
            a[i] &= (unsigned char)(0xff << (8 - keep));
        }
    }
    if (!inet_ntop(AF_INET6, a, text, sizeof(text))) {
        return ip;
    }
    return apr_psprintf(p, "%s/%d", text, v6_bits);
}
