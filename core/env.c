/*
 * SPDX-License-Identifier: Apache-2.0
 * env.c: the core's log line, handed to whoever runs it (env.h).
 */
#include <stdarg.h>
#include <apr_strings.h>

#include "env.h"

void clinic_log(const clinic_env_t *env, int level, const char *fmt, ...)
{
    va_list ap;
    const char *msg;

    if (!env || !env->log) {
        return;
    }
    va_start(ap, fmt);
    msg = apr_pvsprintf(env->pool, fmt, ap);
    va_end(ap);
    env->log(env, level, msg);
}
