/*
 * SPDX-License-Identifier: Apache-2.0
 * http.h: every outbound HTTP call of mod_clinic (SMS gateways, payment
 * providers) goes through clinic_http_call: no signals, a connect and a
 * total timeout, http/https only, TLS peer and host verified, no
 * redirects, and a cap on the answer kept.  The per-process caps on calls
 * in flight are here too.
 */
#ifndef CLINIC_HTTP_H
#define CLINIC_HTTP_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "env.h"

#define CLINIC_HTTP_ANSWER_MAX (64 * 1024)   /* bytes of an answer kept */

typedef struct {
    const char *what;            /* "SMS gateway", for log lines */
    const char *method;          /* "GET" or "POST" */
    const char *url;
    const char *body;            /* POST body, or NULL */
    const char *content_type;    /* of the body */
    apr_array_header_t *headers; /* const char * "Name: value", or NULL */
    const char *user, *pass;     /* HTTP basic auth, or NULL */
    int timeout;                 /* seconds, the whole call */
    int fresh;                   /* a new connection: a request that must
                                  * never be sent twice (curl re-sends on
                                  * a kept connection found dead) */
} clinic_http_req_t;

typedef struct {
    long status;                 /* the HTTP status answered */
    const char *body;            /* NUL-terminated, on env's pool */
    apr_size_t len;
    int truncated;               /* longer than CLINIC_HTTP_ANSWER_MAX */
} clinic_http_resp_t;

/* curl_global_init and the threads' handles, once per process (a
 * child's start), undone when p goes; else an error and *why */
apr_status_t clinic_http_init(apr_pool_t *p, const char **why);

/* APR_SUCCESS once an HTTP answer came, whatever its status (in *out);
 * APR_TIMEUP when the timeout passed; another error when the call failed
 * (logged with the host only: a URL may hold keys). */
apr_status_t clinic_http_call(const clinic_env_t *env,
                              const clinic_http_req_t *q,
                              clinic_http_resp_t *out);

/* The host of a URL, for log lines (never the path or the user:password@:
 * they may hold keys). */
const char *clinic_http_host(apr_pool_t *p, const char *url);

/* Calls in flight, per process: take one of max places for the time of
 * one call, APR_EBUSY (logged, naming the directive) when all are taken. */
apr_status_t clinic_http_slot_take(const clinic_env_t *env,
                                   volatile apr_uint32_t *in_flight, int max,
                                   const char *directive);
void clinic_http_slot_give(volatile apr_uint32_t *in_flight);
int clinic_http_saturated(volatile apr_uint32_t *in_flight, int max);

#endif
