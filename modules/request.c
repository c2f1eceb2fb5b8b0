/*
 * SPDX-License-Identifier: Apache-2.0
 * request.c: body reading, the JSON envelope on the wire, error pages.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_buckets.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_filter.h>

#include "request.h"
#include "i18n.h"
#include "json.h"
#include "msgcat.h"
#include "store_db.h"
#include "metrics.h"

APLOG_USE_MODULE(clinic);


void clinic_common_headers(request_rec *r)
{
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->err_headers_out, "X-Content-Type-Options", "nosniff");
    apr_table_setn(r->err_headers_out, "X-Request-Id", clinic_request_id(r));
}

static int send_json(request_rec *r, int status, const char *text)
{
    static const char fallback[] = "{\"success\":false,\"error\":{\"code\":"
        "\"INTERNAL_ERROR\",\"message\":\"Something went wrong.\"}}";

    if (!text) {
        status = HTTP_INTERNAL_SERVER_ERROR;
        text = fallback;
        clinic_lang_headers(r, CLINIC_LANG_EN);
    }
    r->status = status;
    clinic_common_headers(r);
    ap_set_content_type(r, "application/json; charset=utf-8");
    ap_set_content_length(r, (apr_off_t)strlen(text));
    if (!r->header_only) {
        ap_rwrite(text, (int)strlen(text), r);
    }
    return DONE;
}

/* Does If-None-Match name etag (or "*")?  A list, weak or strong: the
 * answer is the same bytes either way. */
static int etag_matches(const char *inm, const char *etag)
{
    apr_size_t n = strlen(etag);
    const char *p = inm;

    if (!inm) {
        return 0;
    }
    while (*p) {
        while (apr_isspace(*p) || *p == ',') {
            p++;
        }
        if (!strncmp(p, "W/", 2)) {
            p += 2;
        }
        if (*p == '*' || (!strncmp(p, etag, n)
                          && (p[n] == '\0' || p[n] == ','
                              || apr_isspace(p[n])))) {
            return 1;
        }
        /* mod_deflate sends it as "...-gzip" (DeflateAlterETag) */
        if (!strncmp(p, etag, n - 1) && (!strncmp(p + n - 1, "-gzip\"", 6)
                                         || !strncmp(p + n - 1, "-br\"", 4))) {
            return 1;
        }
        p += strcspn(p, ",");
    }
    return 0;
}

/* The cached English answer in the answer's language: its text, and its
 * ETag, one of its own for each language ("...-ar"), so a 304 never
 * confirms a copy in the other language */
static const char *cacheable_in(request_rec *r, const char *text,
                                const char **etag)
{
    clinic_lang_t lang = clinic_answer_lang(r);
    apr_size_t n = strlen(*etag);
    int translated;

    text = clinic_msg_envelope(r->pool, text, lang, &translated);
    if (translated && n >= 2 && (*etag)[n - 1] == '"') {
        *etag = apr_pstrcat(r->pool, apr_pstrndup(r->pool, *etag, n - 1),
                            "-", clinic_lang_tag(lang), "\"", NULL);
    }
    clinic_lang_headers(r, translated ? lang : CLINIC_LANG_EN);
    return text;
}

int clinic_send_cacheable(clinic_req_t *cr, const char *text,
                          const char *etag)
{
    request_rec *r = cr->r;

    clinic_db_release(cr);
    text = cacheable_in(r, text, &etag);
    if (etag_matches(apr_table_get(r->headers_in, "If-None-Match"), etag)) {
        clinic_common_headers(r);
        r->status = HTTP_NOT_MODIFIED;
    }
    else {
        send_json(r, HTTP_OK, text);
    }
    /* may be kept, but asked again each time (the ETag makes that cheap) */
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-cache");
    apr_table_setn(r->err_headers_out, "ETag", etag);
    return DONE;
}

int clinic_send_ok(clinic_req_t *cr, int status, const cJSON *data,
                   const char *message)
{
    clinic_db_release(cr);         /* before a large answer meets a slow
                                    * reader */
    message = clinic_answer_message(cr->r, message);
    return send_json(cr->r, status,
                     clinic_envelope_ok(cr->r->pool, data, message));
}

int clinic_send_error(clinic_req_t *cr, int status, const char *code,
                      const char *message, const cJSON *details)
{
    clinic_db_release(cr);
    message = clinic_answer_message(cr->r, message);
    return send_json(cr->r, status, clinic_envelope_error(cr->r->pool, code,
                                                          message, details));
}

int clinic_send_text(clinic_req_t *cr, const char *text)
{
    request_rec *r = cr->r;

    clinic_db_release(cr);
    r->status = HTTP_OK;
    clinic_common_headers(r);
    /* the text is not a message: the language headers as on every answer */
    clinic_lang_headers(r, clinic_answer_lang(r));
    ap_set_content_type(r, "text/plain; charset=utf-8");
    ap_set_content_length(r, (apr_off_t)strlen(text));
    if (!r->header_only) {
        ap_rwrite(text, (int)strlen(text), r);
    }
    return DONE;
}

int clinic_send_invalid(clinic_req_t *cr, const char *field, const char *what)
{
    cJSON *details = clinic_json_object(cr->r->pool);

    if (details) {
        cJSON_AddStringToObject(details, field, what);
    }
    return clinic_send_error(cr, HTTP_BAD_REQUEST, "VALIDATION_ERROR",
                             "The request has invalid fields.", details);
}

int clinic_send_rate_limited(clinic_req_t *cr, apr_int64_t retry_after)
{
    cJSON *details = clinic_json_object(cr->r->pool);

    if (retry_after < 1) {
        retry_after = 1;
    }
    apr_table_setn(cr->r->err_headers_out, "Retry-After",
                   apr_psprintf(cr->r->pool, "%" APR_INT64_T_FMT,
                                retry_after));
    if (details) {
        clinic_json_add_int(details, "retryAfter", retry_after);
    }
    return clinic_send_error(cr, HTTP_TOO_MANY_REQUESTS, "RATE_LIMITED",
                             "Too many requests. Please try again later.",
                             details);
}

int clinic_send_unavailable(clinic_req_t *cr, apr_int64_t retry_after)
{
    clinic_metric_unavailable(cr->r);
    apr_table_setn(cr->r->err_headers_out, "Retry-After",
                   apr_psprintf(cr->r->pool, "%" APR_INT64_T_FMT,
                                retry_after));
    return clinic_send_error(cr, HTTP_SERVICE_UNAVAILABLE,
                             "SERVICE_UNAVAILABLE", "The service is "
                             "temporarily unavailable. Please try again "
                             "shortly.", NULL);
}

int clinic_send_internal(clinic_req_t *cr, const char *why)
{
    /* the database's state, not a fault: the store has logged it */
    switch (clinic_store_fault(cr->env)) {
    case CLINIC_DB_BUSY:
        return clinic_send_unavailable(cr, 1);
    case CLINIC_DB_DOWN:
        return clinic_send_unavailable(cr, 5);
    default:
        break;
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, cr->r,
                  "CLINIC0001: internal error in %s %s (request %s): %s",
                  cr->r->method, cr->r->uri, cr->request_id, why);
    return clinic_send_error(cr, HTTP_INTERNAL_SERVER_ERROR, "INTERNAL_ERROR",
                             apr_psprintf(cr->r->pool, "Something went wrong."
                                          " Reference: %s.", cr->request_id),
                             NULL);
}

static int is_json_type(const char *ct)
{
    apr_size_t n = sizeof("application/json") - 1;

    if (!ct) {
        return 0;
    }
    while (apr_isspace(*ct)) {
        ct++;
    }
    return !strncasecmp(ct, "application/json", n)
        && (ct[n] == '\0' || ct[n] == ';' || apr_isspace(ct[n]));
}

/* A body error is kept, not sent: the general limit is counted first
 * (it may need the token's user, which waits for the body). */
static int body_fail(clinic_req_t *cr, int status, const char *code,
                     const char *message)
{
    cr->pending.status = status;
    cr->pending.code = code;
    cr->pending.message = message;
    return status;
}

int clinic_send_pending(clinic_req_t *cr)
{
    if (cr->pending.httpd) {
        return cr->pending.httpd;       /* httpd answers; the filter makes
                                         * it JSON */
    }
    return clinic_send_error(cr, cr->pending.status, cr->pending.code,
                             cr->pending.message, NULL);
}

/* 413, the connection closed after it (the rest of the body unread) */
static int body_too_large(clinic_req_t *cr, apr_off_t limit)
{
    cr->r->connection->keepalive = AP_CONN_CLOSE;
    /* the number as "%s": the message's Arabic has the same hole */
    return body_fail(cr, HTTP_REQUEST_ENTITY_TOO_LARGE, "PAYLOAD_TOO_LARGE",
                     apr_psprintf(cr->r->pool, "The body is larger than %s "
                                  "bytes.", apr_off_t_toa(cr->r->pool,
                                                          limit)));
}

/* The body's headers: a JSON Content-Type when there is a body, and the
 * Content-Length (*declared, -1 when none) within limit.  OK, or the
 * failure kept. */
static int body_headers(clinic_req_t *cr, apr_off_t limit,
                        apr_off_t *declared)
{
    request_rec *r = cr->r;
    const char *clen = apr_table_get(r->headers_in, "Content-Length");
    const char *te = apr_table_get(r->headers_in, "Transfer-Encoding");
    char *end;

    *declared = -1;
    if ((clen && strcmp(clen, "0")) || te) {
        if (!is_json_type(apr_table_get(r->headers_in, "Content-Type"))) {
            return body_fail(cr, HTTP_UNSUPPORTED_MEDIA_TYPE,
                             "UNSUPPORTED_MEDIA_TYPE",
                             "Send the body as application/json.");
        }
    }
    if (!clen) {
        return OK;
    }
    if (apr_strtoff(declared, clen, &end, 10) != APR_SUCCESS || *end
        || *declared < 0) {
        return body_fail(cr, HTTP_BAD_REQUEST, "INVALID_JSON",
                         "The Content-Length is invalid.");
    }
    return *declared > limit ? body_too_large(cr, limit) : OK;
}

/* A buffer of *size for at least need bytes, holding the used ones: what
 * the body declared, else doubled, never past limit */
static char *body_grow(apr_pool_t *p, char *buf, apr_size_t used,
                       apr_size_t *size, apr_size_t need, apr_off_t declared,
                       apr_off_t limit)
{
    apr_size_t want = declared > 0 ? (apr_size_t)declared
                                   : (*size ? 2 * *size : 4096);
    char *grown;

    while (want < need) {
        want *= 2;
    }
    if (want > (apr_size_t)limit) {
        want = (apr_size_t)limit;
    }
    grown = apr_palloc(p, want + 1);
    if (used) {
        memcpy(grown, buf, used);
    }
    *size = want;
    return grown;
}

/* Read the body, up to limit, into *out (NUL-terminated, *len bytes).
 * The buffer is what the body says it is (a chunked body grows up to the
 * limit), never the whole limit up front.  OK, or the failure kept. */
static int body_read(clinic_req_t *cr, apr_off_t limit, apr_off_t declared,
                     char **out, apr_size_t *len)
{
    request_rec *r = cr->r;
    char *buf = NULL, chunk[4096];
    apr_size_t used = 0, size = 0;
    long n;
    int rv;

    if ((rv = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK)) != OK) {
        cr->pending.httpd = rv;
        return rv;
    }
    /* asked once, before the first read: it says no once a read began */
    n = ap_should_client_block(r) ? ap_get_client_block(r, chunk,
                                                        sizeof(chunk))
                                  : 0;
    for (; n != 0; n = ap_get_client_block(r, chunk, sizeof(chunk))) {
        if (n < 0) {
            r->connection->keepalive = AP_CONN_CLOSE;
            return body_fail(cr, HTTP_BAD_REQUEST, "INVALID_JSON",
                             "The body could not be read.");
        }
        if (used + (apr_size_t)n > (apr_size_t)limit) {
            return body_too_large(cr, limit);
        }
        if (used + (apr_size_t)n > size) {
            buf = body_grow(r->pool, buf, used, &size, used + (apr_size_t)n,
                            declared, limit);
        }
        memcpy(buf + used, chunk, (apr_size_t)n);
        used += (apr_size_t)n;
    }
    if (!buf) {
        buf = apr_palloc(r->pool, 1);
    }
    buf[used] = '\0';
    *out = buf;
    *len = used;
    return OK;
}

/* The body as the route's JSON object in cr->body: OK, or the failure
 * kept */
static int body_parse(clinic_req_t *cr, const char *buf, apr_size_t len)
{
    switch ((cr->route && cr->route->from_provider
                 ? clinic_json_parse_foreign
                 : clinic_json_parse_body)(&cr->body, cr->r->pool, buf, len)) {
    case CLINIC_BODY_OK:
        return OK;
    case CLINIC_BODY_BAD_UTF8:
        return body_fail(cr, HTTP_BAD_REQUEST, "INVALID_JSON",
                         "The body is not valid UTF-8.");
    case CLINIC_BODY_NUL:
        return body_fail(cr, HTTP_BAD_REQUEST, "INVALID_JSON",
                         "The body may not contain NUL characters.");
    case CLINIC_BODY_NOT_OBJECT:
        return body_fail(cr, HTTP_BAD_REQUEST, "INVALID_JSON",
                         "The body must be a JSON object.");
    case CLINIC_BODY_DUPLICATE_KEY:
        return body_fail(cr, HTTP_BAD_REQUEST, "INVALID_JSON",
                         "The body names a field twice.");
    default:
        return body_fail(cr, HTTP_BAD_REQUEST, "INVALID_JSON",
                         "The body is not valid JSON.");
    }
}

int clinic_read_json_body(clinic_req_t *cr)
{
    apr_off_t limit = clinic_max_body(cr->conf), declared;
    char *buf = NULL;
    apr_size_t len = 0;
    int st;

    if ((st = body_headers(cr, limit, &declared)) != OK
        || (st = body_read(cr, limit, declared, &buf, &len)) != OK) {
        return st;
    }
    cr->raw = buf;
    cr->raw_len = len;
    return body_parse(cr, buf, len);
}


static const struct {
    int status;
    const char *code, *message;
} status_codes[] = {
    { 400, "BAD_REQUEST", "The request is malformed." },
    { 401, "UNAUTHORIZED", "Authentication is required." },
    { 403, "FORBIDDEN", "Access is forbidden." },
    { 404, "NOT_FOUND", "No such API route." },
    { 405, "METHOD_NOT_ALLOWED", "This method is not allowed here." },
    { 408, "REQUEST_TIMEOUT", "The request took too long." },
    { 411, "LENGTH_REQUIRED", "A Content-Length is required." },
    { 413, "PAYLOAD_TOO_LARGE", "The request is too large." },
    { 414, "URI_TOO_LONG", "The address is too long." },
    { 415, "UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json." },
    { 429, "RATE_LIMITED", "Too many requests. Please try again later." },
    { 431, "HEADERS_TOO_LARGE", "The request headers are too large." },
    { 501, "UNSUPPORTED_METHOD", "This method is not supported." },
    { 503, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable." },
};

const char *clinic_error_json_for_status(request_rec *r, int status)
{
    apr_pool_t *p = r->pool;
    apr_size_t i;

    /* 501 is a method httpd does not know, or a Transfer-Encoding it
     * can't decode */
    if (status == HTTP_NOT_IMPLEMENTED && r->method_number != M_INVALID) {
        return clinic_envelope_error(p, "NOT_IMPLEMENTED",
                                     clinic_answer_message(r, "The request "
                                     "uses a transfer coding the server "
                                     "does not support."), NULL);
    }

    for (i = 0; i < sizeof(status_codes) / sizeof(status_codes[0]); i++) {
        if (status_codes[i].status == status) {
            return clinic_envelope_error(p, status_codes[i].code,
                                         clinic_answer_message(r,
                                             status_codes[i].message), NULL);
        }
    }
    if (status >= 500) {
        return clinic_envelope_error(p, "INTERNAL_ERROR",
                                     clinic_answer_message(r, "Something went "
                                                           "wrong."), NULL);
    }
    return clinic_envelope_error(p, "BAD_REQUEST",
                                 clinic_answer_message(r, "The request could "
                                                       "not be handled."),
                                 NULL);
}

/* Replace whatever body httpd made for an error with the envelope. */
apr_status_t clinic_error_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    apr_bucket *b;
    int eos = 0;

    if (r->status < 400) {
        /* e.g. a CORS preflight answered 204 by mod_rewrite */
        ap_remove_output_filter(f);
        return ap_pass_brigade(f->next, bb);
    }
    if (!f->ctx) {
        f->ctx = f;
        const char *allow = apr_table_get(r->headers_out, "Allow");
        ap_set_content_type(r, "application/json; charset=utf-8");
        apr_table_unset(r->headers_out, "Content-Length");
        apr_table_unset(r->headers_out, "Content-Encoding");
        if (allow && !*allow) {
            apr_table_unset(r->headers_out, "Allow");   /* says nothing */
        }
        clinic_common_headers(r);
        /* a HEAD gets no message, but the headers of one */
        clinic_lang_headers(r, clinic_answer_lang(r));
    }
    while (!APR_BRIGADE_EMPTY(bb)) {
        b = APR_BRIGADE_FIRST(bb);
        if (APR_BUCKET_IS_EOS(b)) {
            eos = 1;
            break;
        }
        apr_bucket_delete(b);
    }
    if (!eos) {
        return APR_SUCCESS;
    }
    ap_remove_output_filter(f);
    if (!r->header_only) {
        const char *text = clinic_error_json_for_status(r, r->status);
        if (text) {
            APR_BUCKET_INSERT_BEFORE(b, apr_bucket_pool_create(
                text, strlen(text), r->pool, f->c->bucket_alloc));
        }
    }
    return ap_pass_brigade(f->next, bb);
}

/* A connection, or 503 (store_db.h) */
clinic_db_t *clinic_db(clinic_req_t *cr)
{
    if (!clinic_db_quiet(cr)) {
        clinic_send_unavailable(cr, clinic_store_fault(cr->env)
                                    == CLINIC_DB_BUSY ? 1 : 5);
        return NULL;
    }
    return cr->dbd;
}
