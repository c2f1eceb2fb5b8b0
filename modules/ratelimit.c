/*
 * ratelimit.c: exact OTP limits in the database, general limits in socache.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_global_mutex.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_core.h>
#include <http_protocol.h>
#include <ap_provider.h>
#include <ap_socache.h>
#include <util_mutex.h>

#include "ratelimit.h"
#include "store.h"
#include "handlers.h"
#include "seclog.h"

APLOG_USE_MODULE(clinic);

#define MUTEX_TYPE "clinic-ratelimit"
#define DEFAULT_PROVIDER "shmcb"

/* One cache for the whole httpd: keys carry the virtual host. */
static struct {
    const ap_socache_provider_t *provider;
    ap_socache_instance_t *instance;
    apr_global_mutex_t *mutex;
} cache;

static int rl_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                         apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    memset(&cache, 0, sizeof(cache));
    return ap_mutex_register(pconf, MUTEX_TYPE, NULL, APR_LOCK_DEFAULT, 0);
}

void clinic_ratelimit_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_pre_config(rl_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
}

static apr_status_t cache_destroy(void *data)
{
    server_rec *s = data;

    if (cache.instance) {
        cache.provider->destroy(cache.instance, s);
        cache.instance = NULL;
    }
    return APR_SUCCESS;
}

int clinic_ratelimit_post_config(apr_pool_t *pconf, server_rec *s)
{
    clinic_server_conf *main_conf = clinic_conf(s);
    const char *spec = main_conf->rate_cache ? main_conf->rate_cache
                                             : DEFAULT_PROVIDER;
    const char *name = spec, *args = NULL, *colon, *err;
    struct ap_socache_hints hints = { 64, sizeof(apr_uint32_t),
                                      apr_time_from_sec(3600) };
    server_rec *sp;
    int used = 0;
    apr_status_t rv;

    for (sp = s; sp; sp = sp->next) {
        used |= clinic_conf(sp)->used;
    }
    if (!used || ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    if ((colon = strchr(spec, ':')) != NULL) {
        name = apr_pstrndup(pconf, spec, (apr_size_t)(colon - spec));
        args = colon + 1;
    }
    cache.provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                                        AP_SOCACHE_PROVIDER_VERSION);
    if (!cache.provider) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "CLINIC0400: %s: the socache provider '%s' is not "
                     "loaded (LoadModule socache_%s_module, or a2enmod "
                     "socache_%s)", CLINIC_D_RATE_CACHE, name, name, name);
        return !OK;
    }
    err = cache.provider->create(&cache.instance, args, pconf, pconf);
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, "CLINIC0401: %s: %s",
                     CLINIC_D_RATE_CACHE, err);
        return !OK;
    }
    if (cache.provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE) {
        rv = ap_global_mutex_create(&cache.mutex, NULL, MUTEX_TYPE, NULL, s,
                                    pconf, 0);
        if (rv != APR_SUCCESS) {
            return !OK;
        }
    }
    rv = cache.provider->init(cache.instance, "mod_clinic-ratelimit", &hints,
                              s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     "CLINIC0402: %s: cannot initialise the '%s' cache",
                     CLINIC_D_RATE_CACHE, name);
        return !OK;
    }
    apr_pool_cleanup_register(pconf, s, cache_destroy, apr_pool_cleanup_null);
    return OK;
}

void clinic_ratelimit_child_init(apr_pool_t *p, server_rec *s)
{
    if (cache.mutex) {
        apr_status_t rv = apr_global_mutex_child_init(&cache.mutex,
            apr_global_mutex_lockfile(cache.mutex), p);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                         "CLINIC0403: cannot attach the rate-limit mutex");
        }
    }
}

/* Count one request for key in the current fixed window; *count gets the
 * count including this one.  Fails open (count 0) when the cache fails:
 * the OTP limits, which matter most, are in the database. */
static void cache_hit(request_rec *r, const char *key, apr_int64_t window_end,
                      apr_uint32_t *count)
{
    unsigned char buf[sizeof(apr_uint32_t)];
    unsigned int len = sizeof(buf);
    apr_uint32_t n = 0;
    apr_status_t rv;

    *count = 0;
    if (cache.mutex && apr_global_mutex_lock(cache.mutex) != APR_SUCCESS) {
        return;
    }
    rv = cache.provider->retrieve(cache.instance, r->server,
                                  (const unsigned char *)key,
                                  (unsigned int)strlen(key), buf, &len,
                                  r->pool);
    if (rv == APR_SUCCESS && len == sizeof(n)) {
        memcpy(&n, buf, sizeof(n));
    }
    n++;
    memcpy(buf, &n, sizeof(n));
    rv = cache.provider->store(cache.instance, r->server,
                               (const unsigned char *)key,
                               (unsigned int)strlen(key),
                               apr_time_from_sec(window_end), buf,
                               sizeof(n), r->pool);
    if (cache.mutex) {
        apr_global_mutex_unlock(cache.mutex);
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, r,
                      "CLINIC0404: rate-limit cache store failed");
        return;
    }
    *count = n;
}

int clinic_ratelimit_general(clinic_req_t *cr)
{
    request_rec *r = cr->r;
    /* a valid token counts as its user; anything else as its address */
    const char *sub = clinic_bearer(cr) == CLINIC_JWT_OK ? cr->claims.sub
                                                         : NULL;
    clinic_rl_kind kind = sub ? CLINIC_RL_USER : CLINIC_RL_ANON;
    clinic_limit_t l = clinic_limit(cr->conf, kind);
    apr_int64_t window_end = (cr->now / l.seconds + 1) * l.seconds;
    apr_int64_t reset = window_end - cr->now;
    apr_uint32_t count;
    const char *key;
    int remaining;

    if (!cache.instance) {
        return OK;
    }
    key = apr_psprintf(r->pool, "%s:%u|%s|%s|%" APR_INT64_T_FMT,
                       r->server->server_hostname ? r->server->server_hostname
                                                  : "",
                       (unsigned)r->server->port, sub ? "u" : "a",
                       sub ? sub : r->useragent_ip, window_end);
    cache_hit(r, key, window_end, &count);
    remaining = l.count - (int)count;
    apr_table_setn(r->err_headers_out, "RateLimit-Limit",
                   apr_itoa(r->pool, l.count));
    apr_table_setn(r->err_headers_out, "RateLimit-Remaining",
                   apr_itoa(r->pool, remaining > 0 ? remaining : 0));
    apr_table_setn(r->err_headers_out, "RateLimit-Reset",
                   apr_psprintf(r->pool, "%" APR_INT64_T_FMT, reset));
    if (count > (apr_uint32_t)l.count) {
        if (count == (apr_uint32_t)l.count + 1) {
            /* once a window, not on every refused request */
            clinic_seclog(cr, "rate_limited", NULL, sub,
                          clinic_limit_name(kind));
        }
        return clinic_send_rate_limited(cr, reset);
    }
    return OK;
}

int clinic_ratelimit_exact(clinic_req_t *cr, clinic_rl_kind kind,
                           const char *key)
{
    clinic_limit_t l = clinic_limit(cr->conf, kind);
    ap_dbd_t *d = clinic_db(cr);
    apr_int64_t retry_after;
    int allowed;

    if (!d) {
        return DONE;
    }
    if (clinic_store_rate_take(&allowed, &retry_after, cr->r, d,
                               apr_pstrcat(cr->r->pool,
                                           clinic_limit_name(kind), ":", key,
                                           NULL),
                               l.count, l.seconds, cr->now) != APR_SUCCESS) {
        return clinic_send_internal(cr, "rate limit store failed");
    }
    if (!allowed) {
        clinic_seclog(cr, "rate_limited",
                      kind == CLINIC_RL_OTP_PHONE ? key : NULL, NULL,
                      clinic_limit_name(kind));
        return clinic_send_rate_limited(cr, retry_after);
    }
    return OK;
}
