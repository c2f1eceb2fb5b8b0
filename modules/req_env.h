/*
 * SPDX-License-Identifier: Apache-2.0
 * req_env.h: a request's identity and its core context (req_env.c).
 */
#ifndef CLINIC_REQ_ENV_H
#define CLINIC_REQ_ENV_H

#include <httpd.h>

#include "env.h"

/* The request id (mod_unique_id's when loaded, else a random one) */
const char *clinic_request_id(request_rec *r);

/* The request's core context: its pool, its id, the error log with the
 * request for the core's messages, and the fault its store calls met.
 * One per request, made on first use. */
clinic_env_t *clinic_req_env(request_rec *r);

#endif
