/*
 * SPDX-License-Identifier: Apache-2.0
 * req_env.c: a request's identity and its core context: the id its log
 * lines and X-Request-Id carry, and the clinic_env_t (core/env.h) the
 * core's calls get: the request's pool, that id, and the error log with
 * the request for the core's messages.
 */
#include <apr_strings.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

#include "config.h"
#include "req_env.h"

APLOG_USE_MODULE(clinic);

#define NOTE_REQUEST_ID "clinic-request-id"

const char *clinic_request_id(request_rec *r)
{
    const char *id = apr_table_get(r->notes, NOTE_REQUEST_ID);
    unsigned char raw[9];

    if (id) {
        return id;
    }
    id = apr_table_get(r->subprocess_env, "UNIQUE_ID");
    if (!id) {
        if (apr_generate_random_bytes(raw, sizeof(raw)) == APR_SUCCESS) {
            char *hex = apr_palloc(r->pool, 2 * sizeof(raw) + 1);
            ap_bin2hex(raw, sizeof(raw), hex);
            id = hex;
        }
        else {
            id = apr_psprintf(r->pool, "%" APR_TIME_T_FMT, r->request_time);
        }
    }
    apr_table_setn(r->notes, NOTE_REQUEST_ID, id);
    return id;
}

/* The core's messages, in the error log with the request's */
static void req_log(const clinic_env_t *env, int level, const char *msg)
{
    ap_log_rerror(APLOG_MARK, level, 0, (request_rec *)env->baton, "%s",
                  msg);
}

clinic_env_t *clinic_req_env(request_rec *r)
{
    clinic_env_t *env = ap_get_module_config(r->request_config,
                                             &clinic_module);

    if (!env) {
        env = apr_pcalloc(r->pool, sizeof(*env));
        env->pool = r->pool;
        env->log = req_log;
        env->baton = r;
        env->id = clinic_request_id(r);
        ap_set_module_config(r->request_config, &clinic_module, env);
    }
    return env;
}
