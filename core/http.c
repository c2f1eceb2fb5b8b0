/*
 * SPDX-License-Identifier: Apache-2.0
 * http.c: outbound HTTP through libcurl.  The only file that includes
 * curl.h.
 *
 * Every handle gets the careful option set: no signals (threaded MPMs),
 * connect and total timeouts, http/https only, TLS peer and host
 * verification, no redirects, a cap on the answer kept.  curl's
 * allocations are released on every path through one exit; each thread
 * keeps one handle (reset before each call).
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_atomic.h>
#include <apr_thread_proc.h>
#include <curl/curl.h>

#include "http.h"
#include "version.h"

static apr_status_t curl_global_cleanup_cb(void *d)
{
    (void)d;
    curl_global_cleanup();
    return APR_SUCCESS;
}

/* Each thread keeps its curl handle: a new one per call costs more than
 * the call on loopback, and a kept one keeps its connections to the
 * gateway (keep-alive), its TLS sessions and CA store */
static apr_threadkey_t *handle_key;

static void handle_free(void *h)
{
    curl_easy_cleanup(h);
}

apr_status_t clinic_http_init(apr_pool_t *p, const char **why)
{
    CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);

    if (rc != CURLE_OK) {
        *why = curl_easy_strerror(rc);
        return APR_EGENERAL;
    }
    apr_pool_cleanup_register(p, NULL, curl_global_cleanup_cb,
                              apr_pool_cleanup_null);
    if (apr_threadkey_private_create(&handle_key, handle_free, p)
        != APR_SUCCESS) {
        handle_key = NULL;      /* then a handle per call */
    }
    return APR_SUCCESS;
}

/* this thread's handle, as new; NULL when out of memory.  *own: the
 * caller cleans it up (no thread key) */
static CURL *thread_handle(int *own)
{
    void *h = NULL;

    *own = 0;
    if (handle_key && apr_threadkey_private_get(&h, handle_key) == APR_SUCCESS
        && h) {
        curl_easy_reset(h);
        return h;
    }
    if (!(h = curl_easy_init())) {
        return NULL;
    }
    if (!handle_key
        || apr_threadkey_private_set(h, handle_key) != APR_SUCCESS) {
        *own = 1;
    }
    return h;
}

/* ---- calls in flight ---------------------------------------------------- */

int clinic_http_saturated(volatile apr_uint32_t *in_flight, int max)
{
    return apr_atomic_read32(in_flight) >= (apr_uint32_t)max;
}

apr_status_t clinic_http_slot_take(const clinic_env_t *env,
                                   volatile apr_uint32_t *in_flight, int max,
                                   const char *directive)
{
    if (apr_atomic_inc32(in_flight) >= (apr_uint32_t)max) {
        apr_atomic_dec32(in_flight);
        clinic_log(env, CLINIC_LOG_WARNING,
                   "CLINIC0205: %d calls already wait on the outside "
                   "service in this process (%s): answering 503",
                   max, directive);
        return APR_EBUSY;
    }
    return APR_SUCCESS;
}

void clinic_http_slot_give(volatile apr_uint32_t *in_flight)
{
    apr_atomic_dec32(in_flight);
}

/* ---- one call ----------------------------------------------------------- */

typedef struct {
    apr_pool_t *pool;
    char *buf;
    apr_size_t len, cap;
    int truncated;
} answer_t;

/* Keep up to CLINIC_HTTP_ANSWER_MAX bytes of the answer, drop the rest. */
static size_t on_data(char *data, size_t size, size_t n, void *ud)
{
    answer_t *a = ud;
    apr_size_t total = size * n, take = total;

    if (a->len + take > CLINIC_HTTP_ANSWER_MAX) {
        take = CLINIC_HTTP_ANSWER_MAX - a->len;
        a->truncated = 1;
    }
    if (a->len + take + 1 > a->cap) {
        apr_size_t cap = a->cap ? a->cap : 1024;
        char *grown;
        while (cap < a->len + take + 1) {
            cap *= 2;
        }
        grown = apr_palloc(a->pool, cap);
        if (a->len) {
            memcpy(grown, a->buf, a->len);
        }
        a->buf = grown;
        a->cap = cap;
    }
    if (take) {
        memcpy(a->buf + a->len, data, take);
        a->len += take;
    }
    a->buf[a->len] = '\0';
    return total;
}

const char *clinic_http_host(apr_pool_t *p, const char *url)
{
    const char *h = strstr(url, "://"), *end, *at;

    h = h ? h + 3 : url;
    end = h + strcspn(h, "/?#");
    /* user:password@ is a secret too: only what follows the last @ */
    while ((at = memchr(h, '@', (apr_size_t)(end - h)))) {
        h = at + 1;
    }
    return apr_pstrndup(p, h, (apr_size_t)(end - h));
}

/* the request headers as a curl list; NULL *out only when out of memory */
static apr_status_t header_list(struct curl_slist **out, apr_pool_t *p,
                                const clinic_http_req_t *q)
{
    struct curl_slist *list = NULL, *grown;
    int i, n = q->headers ? q->headers->nelts : 0;

    *out = NULL;
    if (q->content_type) {
        if (!(grown = curl_slist_append(list, apr_pstrcat(p,
                          "Content-Type: ", q->content_type, NULL)))) {
            goto oom;
        }
        list = grown;
    }
    if (!(grown = curl_slist_append(list, "Expect:"))) {
        goto oom;
    }
    list = grown;
    for (i = 0; i < n; i++) {
        const char *h = APR_ARRAY_IDX(q->headers, i, const char *);
        if (q->content_type && !strncasecmp(h, "Content-Type:", 13)) {
            continue;
        }
        if (!(grown = curl_slist_append(list, h))) {
            goto oom;
        }
        list = grown;
    }
    *out = list;
    return APR_SUCCESS;
oom:
    curl_slist_free_all(list);
    return APR_ENOMEM;
}

/* the options of one call on h; errbuf and a live until the call is over */
static void set_options(CURL *h, const clinic_http_req_t *q,
                        struct curl_slist *headers, char *errbuf, answer_t *a)
{
    long timeout = q->timeout > 0 ? q->timeout : 10;

    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_URL, q->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout < 5 ? timeout : 5L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "mod_clinic/" CLINIC_VERSION);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    /* one kept connection a thread, only while freshly used */
    curl_easy_setopt(h, CURLOPT_MAXCONNECTS, 1L);
    curl_easy_setopt(h, CURLOPT_MAXAGE_CONN, 4L);
    if (q->fresh) {
        curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
    }
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, a);
    if (q->body) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(q->body));
    }
    if (q->method && strcmp(q->method, q->body ? "POST" : "GET")) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
    }
    if (q->user) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, q->user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, q->pass);
    }
}

/* a handle of our own goes; the thread's keeps nothing of this call */
static void release_handle(CURL *h, int own)
{
    if (h && own) {
        curl_easy_cleanup(h);
    }
    else if (h) {
        /* nothing of this call's stays pointed to: the header list and
         * the answer buffer go now */
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, NULL);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    }
}

apr_status_t clinic_http_call(const clinic_env_t *env,
                              const clinic_http_req_t *q,
                              clinic_http_resp_t *out)
{
    CURL *h = NULL;
    struct curl_slist *headers = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    answer_t a = { env->pool, NULL, 0, 0, 0 };
    CURLcode rc;
    apr_status_t rv;
    int own = 0;

    memset(out, 0, sizeof(*out));
    out->body = "";
    if ((rv = header_list(&headers, env->pool, q)) != APR_SUCCESS
        || !(h = thread_handle(&own))) {
        clinic_log(env, CLINIC_LOG_ERR,
                   "CLINIC0201: no memory for a call to the %s", q->what);
        rv = APR_ENOMEM;
        goto done;
    }
    set_options(h, q, headers, errbuf, &a);

    rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        clinic_log(env, CLINIC_LOG_ERR, "CLINIC0202: %s %s failed: %s",
                   q->what, clinic_http_host(env->pool, q->url),
                   *errbuf ? errbuf : curl_easy_strerror(rc));
        rv = rc == CURLE_OPERATION_TIMEDOUT ? APR_TIMEUP : APR_EGENERAL;
        goto done;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    if (a.buf) {
        out->body = a.buf;
        out->len = a.len;
    }
    out->truncated = a.truncated;
    rv = APR_SUCCESS;
done:
    release_handle(h, own);
    curl_slist_free_all(headers);
    return rv;
}
