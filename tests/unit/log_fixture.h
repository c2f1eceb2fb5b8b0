/*
 * SPDX-License-Identifier: Apache-2.0
 * log_fixture.h: the core's log lines kept for a test to look at.  Include
 * after pool_fixture.h; point the env's callback at keep_line and make
 * `lines` on the test's pool in its setup:
 *     lines = apr_array_make(pool, 8, sizeof(const char *));
 *     env.log = keep_line;
 */
#ifndef CLINIC_LOG_FIXTURE_H
#define CLINIC_LOG_FIXTURE_H

#include <string.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "env.h"

static apr_array_header_t *lines;        /* const char *, as logged */

static void keep_line(const clinic_env_t *e, int level, const char *msg)
{
    (void)e;
    (void)level;
    *(const char **)apr_array_push(lines) = apr_pstrdup(pool, msg);
}

/* the first kept line that starts with prefix, or NULL */
static const char *logged(const char *prefix)
{
    int i;

    for (i = 0; i < lines->nelts; i++) {
        const char *l = APR_ARRAY_IDX(lines, i, const char *);
        if (!strncmp(l, prefix, strlen(prefix))) {
            return l;
        }
    }
    return NULL;
}

#endif
