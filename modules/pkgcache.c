/*
 * SPDX-License-Identifier: Apache-2.0
 * pkgcache.c: the package list's answer, per child process (see
 * pkgcache.h).  One mutex per server guards a malloc'd copy; readers copy
 * it out under the mutex, so replacing it never frees what a request
 * still reads.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <apr_time.h>

#include <httpd.h>
#include <http_log.h>

#include "pkgcache.h"

APLOG_USE_MODULE(clinic);

struct clinic_pkg_cache_t {
    apr_thread_mutex_t *lock;
    char *text;                 /* malloc'd, NULL when empty */
    char etag[24];              /* "\"p-<16 hex>\"" */
    apr_time_t at;
};

static apr_status_t cache_free(void *data)
{
    clinic_pkg_cache_t *c = data;

    free(c->text);
    c->text = NULL;
    return APR_SUCCESS;
}

void clinic_pkgcache_child_init(apr_pool_t *p, server_rec *s)
{
    for (; s; s = s->next) {
        clinic_server_conf *conf = clinic_conf(s);
        clinic_pkg_cache_t *c;

        if (!conf->used || conf->pkg_cache) {
            continue;
        }
        c = apr_pcalloc(p, sizeof(*c));
        if (apr_thread_mutex_create(&c->lock, APR_THREAD_MUTEX_DEFAULT, p)
            != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                         "CLINIC0500: no mutex for the package list's "
                         "cache: it is read from the database every time");
            continue;
        }
        apr_pool_cleanup_register(p, c, cache_free, apr_pool_cleanup_null);
        conf->pkg_cache = c;
    }
}

const char *clinic_pkgcache_get(clinic_req_t *cr, const char **etag)
{
    clinic_pkg_cache_t *c = cr->conf->pkg_cache;
    const char *text = NULL;

    if (!c || apr_thread_mutex_lock(c->lock) != APR_SUCCESS) {
        return NULL;
    }
    if (c->text && apr_time_now() - c->at
                   < apr_time_from_sec(CLINIC_PKG_CACHE_SECONDS)) {
        text = apr_pstrdup(cr->r->pool, c->text);
        *etag = apr_pstrdup(cr->r->pool, c->etag);
    }
    apr_thread_mutex_unlock(c->lock);
    return text;
}

/* FNV-1a, 64 bits: an ETag names a version of the answer, it is no
 * secret */
static const char *etag_of(apr_pool_t *p, const char *text)
{
    apr_uint64_t h = APR_UINT64_C(14695981039346656037);

    for (; *text; text++) {
        h = (h ^ (unsigned char)*text) * APR_UINT64_C(1099511628211);
    }
    return apr_psprintf(p, "\"p-%016" APR_UINT64_T_HEX_FMT "\"", h);
}

const char *clinic_pkgcache_put(clinic_req_t *cr, const char *text)
{
    clinic_pkg_cache_t *c = cr->conf->pkg_cache;
    const char *etag = etag_of(cr->r->pool, text);
    char *copy;

    if (!c || !(copy = strdup(text))) {
        return etag;
    }
    if (apr_thread_mutex_lock(c->lock) != APR_SUCCESS) {
        free(copy);
        return etag;
    }
    free(c->text);
    c->text = copy;
    apr_cpystrn(c->etag, etag, sizeof(c->etag));
    c->at = apr_time_now();
    apr_thread_mutex_unlock(c->lock);
    return etag;
}
