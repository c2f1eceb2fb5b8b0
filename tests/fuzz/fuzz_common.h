/*
 * SPDX-License-Identifier: Apache-2.0
 * fuzz_common.h: what every libFuzzer target of the pure parts shares: APR
 * set up once, a fresh pool per input, and a check that aborts (so the
 * fuzzer keeps the input) when a property of the code under test fails.
 */
#ifndef CLINIC_FUZZ_COMMON_H
#define CLINIC_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>

#define CHECK(cond) do { if (!(cond)) { \
    fprintf(stderr, "property failed: %s (%s:%d)\n", #cond, __FILE__, \
            __LINE__); abort(); } } while (0)

static apr_pool_t *fuzz_root;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    apr_initialize();
    apr_pool_create(&fuzz_root, NULL);
    return 0;
}

/* a pool for one input; the input as a NUL-terminated copy */
static apr_pool_t *fuzz_pool(void)
{
    apr_pool_t *p;

    apr_pool_create(&p, fuzz_root);
    return p;
}

static char *fuzz_text(apr_pool_t *p, const uint8_t *data, size_t size)
{
    char *s = apr_palloc(p, size + 1);

    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
