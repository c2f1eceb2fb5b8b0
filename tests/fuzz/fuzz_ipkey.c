/*
 * SPDX-License-Identifier: Apache-2.0
 * fuzz_ipkey.c: the client key of the per-IP limits.  Any text gives a key;
 * the key of an IPv6 address is its prefix, which is its own key.
 */
#include "fuzz_common.h"
#include <apr_strings.h>
#include "ipkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *in = fuzz_text(p, data, size), *key;
    int bits = size ? data[0] % 130 : 64;

    key = clinic_ip_key(p, in, bits);
    CHECK(key != NULL);
    if (key != in) {
        const char *slash = strchr(key, '/');
        if (slash) {
            char *addr = apr_pstrndup(p, key, (apr_size_t)(slash - key));
            CHECK(!strcmp(clinic_ip_key(p, addr, atoi(slash + 1)), key));
        }
    }
    apr_pool_destroy(p);
    return 0;
}
