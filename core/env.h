/*
 * SPDX-License-Identifier: Apache-2.0
 * env.h: what the core asks of whoever runs it.  The core (the store,
 * the HTTP client, the drivers, the parsers) includes no httpd header: it
 * takes a pool and this small context, and says what happened through
 * its log callback.  The module's glue fills one per request and logs to
 * the error log with the request; clinicctl logs to standard error; the
 * unit tests keep the lines to look at them.
 */
#ifndef CLINIC_ENV_H
#define CLINIC_ENV_H

#include <apr_pools.h>

/* Levels, as syslog (and httpd's APLOG_) number them */
#define CLINIC_LOG_CRIT    2
#define CLINIC_LOG_ERR     3
#define CLINIC_LOG_WARNING 4
#define CLINIC_LOG_NOTICE  5
#define CLINIC_LOG_INFO    6
#define CLINIC_LOG_DEBUG   7

typedef struct clinic_env_t clinic_env_t;

/* One finished message, its CLINICnnnn tag first */
typedef void (*clinic_log_fn)(const clinic_env_t *env, int level,
                              const char *msg);

struct clinic_env_t {
    apr_pool_t *pool;          /* what a call returns lives here */
    clinic_log_fn log;         /* NULL: messages are dropped */
    void *baton;               /* the caller's (the request; clinicctl) */
    const char *id;            /* the request's id, for lines naming it */
    const char *fault;         /* the store: what a failed database call
                                * met ("busy", "broken", "down"), NULL */
};

/* A message through env's callback, formatted on env's pool */
void clinic_log(const clinic_env_t *env, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
