/*
 * SPDX-License-Identifier: Apache-2.0
 * request.h: the per-request context, body reading and JSON responses.
 *
 * Every answer under /api/ leaves through clinic_send_ok/clinic_send_error
 * (or the error filter for errors httpd raises itself), so the envelope of
 * API.md, Content-Type and Cache-Control are set in one place.
 */
#ifndef CLINIC_REQUEST_H
#define CLINIC_REQUEST_H

#include <httpd.h>
#include <util_filter.h>
#include <cjson/cJSON.h>

#include "config.h"
#include "model.h"
#include "jwt.h"
#include "store.h"
#include "req_env.h"

typedef struct clinic_req_t clinic_req_t;
typedef int (*clinic_handler_fn)(clinic_req_t *cr);

typedef struct {
    const char *method;        /* "GET", "POST", "PUT" */
    const char *path;          /* exact path under the host */
    clinic_handler_fn handler;
    int needs_token;
    int has_body;              /* reads a JSON body */
    int from_provider;         /* the payment provider's notifications:
                                * not counted by the general limits, the
                                * body read as it writes JSON */
} clinic_route_t;

/* An answer decided before the general limit was counted, sent after it */
typedef struct {
    int status;                /* 0: none */
    const char *code, *message;
    int httpd;                 /* a status for httpd to answer instead */
} clinic_pending_t;

struct clinic_req_t {
    request_rec *r;
    clinic_env_t *env;         /* the core's context (clinic_req_env) */
    clinic_server_conf *conf;
    const clinic_route_t *route;
    const char *param;         /* the path parameter of a '*' route */
    const char *request_id;
    const char *client;        /* the client the per-IP limits count: the
                                * IPv4 address or the IPv6 prefix */
    apr_int64_t now;           /* seconds since the epoch, at arrival */
    cJSON *body;               /* parsed JSON object (routes with a body) */
    const char *raw;           /* the body's bytes as they came (once read,
                                * also when they did not parse), NUL
                                * after raw_len of them; NULL unread */
    apr_size_t raw_len;
    clinic_db_t *dbd;             /* held from clinic_db to clinic_db_release */
    clinic_user_t *user;       /* the token's user (routes with a token) */
    clinic_sub_t *active;      /* its active subscription, read with it */
    int active_known;          /* active is what the database said */
    int bearer_rc;             /* clinic_bearer(): -2 unchecked, -1 none */
    clinic_jwt_claims_t claims;  /* valid when bearer_rc is CLINIC_JWT_OK */
    const char *refused;       /* why the signed token's user was refused
                                * ("unknown_user", "phone_changed",
                                * "inactive", "database"), NULL if not */
    clinic_pending_t pending;  /* a body error, kept for after the count */
};

/* Conventions: a step returns OK to go on, DONE once it has answered, or
 * an HTTP status for httpd to answer (the error filter makes it JSON).
 * The senders below answer and return DONE. */
int clinic_send_ok(clinic_req_t *cr, int status, const cJSON *data,
                   const char *message);
int clinic_send_error(clinic_req_t *cr, int status, const char *code,
                      const char *message, const cJSON *details);
/* 200 with text (an envelope) and its ETag, or 304 Not Modified without
 * a body when the client's If-None-Match names it; Cache-Control
 * no-cache */
int clinic_send_cacheable(clinic_req_t *cr, const char *text,
                          const char *etag);
/* 200 with text as it is, text/plain: the one answer under /api/ that
 * is no envelope (the WhatsApp webhook's subscription check: Meta wants
 * its hub.challenge back, nothing else) */
int clinic_send_text(clinic_req_t *cr, const char *text);
/* VALIDATION_ERROR with one field in details */
int clinic_send_invalid(clinic_req_t *cr, const char *field,
                        const char *what);
/* 429 RATE_LIMITED with Retry-After and details.retryAfter */
int clinic_send_rate_limited(clinic_req_t *cr, apr_int64_t retry_after);
/* 503 SERVICE_UNAVAILABLE with Retry-After */
int clinic_send_unavailable(clinic_req_t *cr, apr_int64_t retry_after);
/* 500 INTERNAL_ERROR: logs why with the request id, shows nothing; but a
 * 503 when a database call of this request met a busy or broken
 * database (clinic_store_fault) */
int clinic_send_internal(clinic_req_t *cr, const char *why);

/* Read the body (Content-Type and ClinicMaxBody checked) and parse it into
 * cr->body.  OK, or not OK with the error kept in cr->pending (nothing is
 * sent: clinic_send_pending does that). */
int clinic_read_json_body(clinic_req_t *cr);
int clinic_send_pending(clinic_req_t *cr);

/* JSON text for an error status httpd raised itself (error filter). */
const char *clinic_error_json_for_status(request_rec *r, int status);

/* Headers every /api answer carries */
void clinic_common_headers(request_rec *r);

/* Output filter that turns httpd's own error pages into the envelope. */
apr_status_t clinic_error_filter(ap_filter_t *f, apr_bucket_brigade *bb);
#define CLINIC_ERROR_FILTER "CLINIC_ERROR_JSON"

#endif
