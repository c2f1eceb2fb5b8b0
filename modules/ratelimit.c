/*
 * SPDX-License-Identifier: Apache-2.0
 * ratelimit.c: exact OTP limits in the database; general limits in
 * lock-free shared counters (sketch.c), or in the socache named by
 * ClinicRateLimitCache.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_global_mutex.h>
#include <apr_sha1.h>
#include <apr_shm.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_core.h>
#include <http_protocol.h>
#include <ap_provider.h>
#include <ap_socache.h>
#include <util_mutex.h>

#include "ratelimit.h"
#include "sketch.h"
#include "store_db.h"
#include "handlers.h"
#include "metrics.h"
#include "seclog.h"

APLOG_USE_MODULE(clinic);

#define MUTEX_TYPE "clinic-ratelimit"
#define DEFAULT_PROVIDER "shmcb"
/* shmcb without a size of the operator's: 4 MiB.  A counter costs 48
 * bytes there (20 of key and 4 of count, 24 of index), so it holds about
 * 87,000 clients a window; the path is used only where anonymous shared
 * memory is not available. */
#define DEFAULT_SHMCB_ARGS "clinic-ratelimit(4194304)"
#define KEY_LEN APR_SHA1_DIGESTSIZE

/* Without ClinicRateLimitCache: one table of counters per window length
 * of the general limits (windows of one length share boundaries, which a
 * table needs), in anonymous shared memory made before the children
 * fork.  2^20 buckets (8 MiB) a table, 4 buckets a key: with 20,000
 * clients in one window, about one shares all four with others (and is
 * counted a little high); at 2^18 it was one in two hundred. */
#define SKETCH_LOG2 20
#define SKETCH_MAX 8

/* What outlives a configuration.  A graceful restart (logrotate makes one
 * a day) clears pconf and reloads this module; counters made there would
 * start again from zero, and a client at 0 remaining would get a fresh
 * window.  So the tables and the cache are made in the process pool, once
 * per server lifetime, and found again on every later pass through that
 * pool's userdata.  Nothing of this module's code is kept there (no
 * cleanup of ours, no provider pointer): the module is loaded anew on
 * every pass.  The key carries the layout, so a newer build loaded by a
 * graceful never reads an older build's record. */
#define KEPT_LAYOUT 1
typedef struct {
    struct {
        int seconds;
        apr_size_t size;            /* a table of another size is not reused */
        apr_shm_t *shm;
        clinic_sketch_t *table;
    } sketch[SKETCH_MAX];
    int n_sketches;
    const char *spec;               /* the socache the instance was made for */
    const char *name;               /* its provider's name */
    ap_socache_instance_t *instance;
    apr_global_mutex_t *mutex;      /* made once; serialises any instance */
} kept_t;

static struct {
    int seconds;
    clinic_sketch_t *table;
} sketches[SKETCH_MAX];
static int n_sketches;

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
    n_sketches = 0;
    return ap_mutex_register(pconf, MUTEX_TYPE, NULL, APR_LOCK_DEFAULT, 0);
}

void clinic_ratelimit_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_pre_config(rl_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
}

/* the record kept in the process pool, made empty on the first pass */
static kept_t *kept_get(server_rec *s)
{
    apr_pool_t *pp = s->process->pool;
    char key[64];       /* copied by apr_pool_userdata_set */
    void *data = NULL;

    apr_snprintf(key, sizeof(key), "clinic-ratelimit:%d:%d", KEPT_LAYOUT,
                 (int)sizeof(kept_t));
    apr_pool_userdata_get(&data, key, pp);
    if (!data) {
        data = apr_pcalloc(pp, sizeof(kept_t));
        apr_pool_userdata_set(data, key, apr_pool_cleanup_null, pp);
    }
    return data;
}

/* the kept table of window length seconds, made if missing; 0 when there
 * are too many lengths */
static int sketch_for(kept_t *k, apr_pool_t *pp, int seconds,
                      apr_status_t *rv)
{
    apr_size_t size = clinic_sketch_size(SKETCH_LOG2);
    apr_uint64_t seed;
    apr_shm_t *shm;
    void *mem;
    int i;

    for (i = 0; i < n_sketches; i++) {
        if (sketches[i].seconds == seconds) {
            return 1;
        }
    }
    if (n_sketches == SKETCH_MAX) {
        return 0;
    }
    for (i = 0; i < k->n_sketches; i++) {
        if (k->sketch[i].seconds == seconds && k->sketch[i].size == size) {
            break;                  /* made on an earlier pass: counts kept */
        }
    }
    if (i == k->n_sketches) {
        if (i == SKETCH_MAX) {
            return 0;
        }
        if ((*rv = apr_shm_create(&shm, size, NULL, pp)) != APR_SUCCESS
            || (*rv = apr_generate_random_bytes((unsigned char *)&seed,
                                                sizeof(seed)))
               != APR_SUCCESS) {
            return 0;
        }
        mem = apr_shm_baseaddr_get(shm);
        memset(mem, 0, size);
        k->sketch[i].seconds = seconds;
        k->sketch[i].size = size;
        k->sketch[i].shm = shm;
        k->sketch[i].table = clinic_sketch_init(mem, SKETCH_LOG2, seed);
        k->n_sketches++;
    }
    sketches[n_sketches].seconds = seconds;
    sketches[n_sketches].table = k->sketch[i].table;
    n_sketches++;
    return 1;
}

/* Tables a configuration no longer uses (a window length changed) are
 * given back: children of the older generation keep their own mapping
 * until they exit. */
static void sketches_trim(kept_t *k)
{
    int i, j, used, n = 0;

    for (i = 0; i < k->n_sketches; i++) {
        for (used = 0, j = 0; j < n_sketches; j++) {
            used |= sketches[j].table == k->sketch[i].table;
        }
        if (used) {
            k->sketch[n++] = k->sketch[i];
        }
        else {
            apr_shm_destroy(k->sketch[i].shm);
        }
    }
    k->n_sketches = n;
}

/* Tables for every window length of the general limits; anything else
 * than APR_SUCCESS leaves the socache to do it */
static apr_status_t sketches_create(kept_t *k, server_rec *s)
{
    apr_pool_t *pp = s->process->pool;
    apr_status_t rv = APR_SUCCESS;
    server_rec *sp;

    for (sp = s; sp; sp = sp->next) {
        clinic_server_conf *c = clinic_conf(sp);
        if (!c->used) {
            continue;
        }
        if (!sketch_for(k, pp, clinic_limit(c, CLINIC_RL_USER).seconds, &rv)
            || !sketch_for(k, pp, clinic_limit(c, CLINIC_RL_ANON).seconds,
                           &rv)) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s,
                         "CLINIC0405: more than %d window lengths of the "
                         "user and anon limits, or no anonymous shared "
                         "memory: the limits use the shmcb cache and its "
                         "mutex", SKETCH_MAX);
            n_sketches = 0;
            return rv == APR_SUCCESS ? APR_EGENERAL : rv;
        }
    }
    sketches_trim(k);
    return APR_SUCCESS;
}

/* The socache instance of spec, kept from an earlier pass when spec is
 * the same; made anew (in the process pool) when it changed, the older
 * one destroyed if its provider is still loaded (its children keep their
 * mappings).  The mutex is made once and serialises whichever instance. */
static int cache_attach(kept_t *k, server_rec *s, const char *spec,
                        const char *name, const char *args)
{
    apr_pool_t *pp = s->process->pool;
    /* key and value as they are, index included: shmcb sizes its index
     * from these, and half the space must stay for the data */
    struct ap_socache_hints hints = { KEY_LEN, 48 - KEY_LEN,
                                      apr_time_from_sec(3600) };
    const ap_socache_provider_t *old;
    const char *err;
    apr_status_t rv;

    if (k->instance && !strcmp(k->spec, spec)) {
        cache.instance = k->instance;
        cache.mutex = k->mutex;
        return OK;
    }
    if (k->instance
        && (old = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, k->name,
                                     AP_SOCACHE_PROVIDER_VERSION))) {
        old->destroy(k->instance, s);
    }
    k->instance = NULL;
    err = cache.provider->create(&cache.instance, args, pp, pp);
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, "CLINIC0401: %s: %s",
                     CLINIC_D_RATE_CACHE, err);
        return !OK;
    }
    /* The socache API has no increment: read, add and store is a race on
     * every provider, so every provider is used under the global mutex
     * (exact on one host; README for several hosts sharing memcache or
     * redis). */
    if (!k->mutex
        && ap_global_mutex_create(&k->mutex, NULL, MUTEX_TYPE, NULL, s, pp,
                                  0) != APR_SUCCESS) {
        k->mutex = NULL;
        return !OK;
    }
    rv = cache.provider->init(cache.instance, "mod_clinic-ratelimit", &hints,
                              s, pp);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     "CLINIC0402: %s: cannot initialise the '%s' cache",
                     CLINIC_D_RATE_CACHE, name);
        return !OK;
    }
    k->spec = apr_pstrdup(pp, spec);
    k->name = apr_pstrdup(pp, name);
    k->instance = cache.instance;
    cache.mutex = k->mutex;
    return OK;
}

int clinic_ratelimit_post_config(apr_pool_t *pconf, server_rec *s)
{
    clinic_server_conf *main_conf = clinic_conf(s);
    const char *spec = main_conf->rate_cache ? main_conf->rate_cache
                                             : DEFAULT_PROVIDER;
    const char *name = spec, *args = NULL, *colon;
    server_rec *sp;
    kept_t *k;
    int used = 0;

    for (sp = s; sp; sp = sp->next) {
        used |= clinic_conf(sp)->used;
    }
    if (!used || ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    k = kept_get(s);
    if (!main_conf->rate_cache && sketches_create(k, s) == APR_SUCCESS) {
        return OK;
    }
    if ((colon = strchr(spec, ':')) != NULL) {
        name = apr_pstrndup(pconf, spec, (apr_size_t)(colon - spec));
        args = colon + 1;
    }
    if (!strcmp(name, "shmcb") && (!args || !*args)) {
        args = DEFAULT_SHMCB_ARGS;
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
    return cache_attach(k, s, spec, name, args);
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
static void cache_hit(request_rec *r, const char *text,
                      apr_int64_t window_end, apr_uint32_t *count)
{
    unsigned char buf[sizeof(apr_uint32_t)], key[KEY_LEN];
    unsigned int len = sizeof(buf);
    apr_uint32_t n = 0;
    apr_status_t rv;
    apr_sha1_ctx_t sha;

    /* The key is a digest of the text: shmcb picks a sub-cache from a
     * key's first bytes, and texts that all begin with the host name
     * would share one small sub-cache and push each other's counters
     * out.  A digest spreads them over all of it, at a fixed 20 bytes. */
    apr_sha1_init(&sha);
    apr_sha1_update(&sha, text, (unsigned int)strlen(text));
    apr_sha1_final(key, &sha);
    *count = 0;
    if (cache.mutex && apr_global_mutex_lock(cache.mutex) != APR_SUCCESS) {
        return;
    }
    rv = cache.provider->retrieve(cache.instance, r->server, key, KEY_LEN,
                                  buf, &len, r->pool);
    if (rv == APR_SUCCESS && len == sizeof(n)) {
        memcpy(&n, buf, sizeof(n));
    }
    n++;
    memcpy(buf, &n, sizeof(n));
    rv = cache.provider->store(cache.instance, r->server, key, KEY_LEN,
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

static apr_uint32_t sketch_hit(const char *key, int seconds,
                               apr_int64_t window_end)
{
    int i;

    for (i = 0; i < n_sketches; i++) {
        if (sketches[i].seconds == seconds) {
            return clinic_sketch_hit(sketches[i].table, key, strlen(key),
                                     (apr_uint32_t)window_end);
        }
    }
    return 0;       /* made for every length at startup: never here */
}

int clinic_ratelimit_general(clinic_req_t *cr)
{
    request_rec *r = cr->r;
    /* a token counts as its user only once the user was found live
     * (clinic_auth_load); anything else, a revoked token included,
     * counts as its client address */
    const char *sub = cr->user ? cr->user->id : NULL;
    clinic_rl_kind kind = sub ? CLINIC_RL_USER : CLINIC_RL_ANON;
    clinic_limit_t l = clinic_limit(cr->conf, kind);
    apr_int64_t window_end = (cr->now / l.seconds + 1) * l.seconds;
    apr_int64_t reset = window_end - cr->now;
    apr_uint32_t count;
    const char *key;
    int remaining;

    if (!cache.instance && !n_sketches) {
        return OK;
    }
    key = apr_psprintf(r->pool, "%s:%u|%s|%s|%" APR_INT64_T_FMT,
                       r->server->server_hostname ? r->server->server_hostname
                                                  : "",
                       (unsigned)r->server->port, sub ? "u" : "a",
                       sub ? sub : cr->client, window_end);
    if (n_sketches) {
        count = sketch_hit(key, l.seconds, window_end);
    }
    else {
        cache_hit(r, key, window_end, &count);
    }
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
        clinic_metric_inc(r->server, CLINIC_M_RATE_LIMITED, kind);
        return clinic_send_rate_limited(cr, reset);
    }
    return OK;
}

static const char *exact_bucket(clinic_req_t *cr, clinic_rl_kind kind,
                                const char *key)
{
    return apr_pstrcat(cr->r->pool, clinic_limit_name(kind), ":", key, NULL);
}

int clinic_ratelimit_exact_pair(clinic_req_t *cr, clinic_rl_kind kind1,
                                const char *key1, clinic_rl_kind kind2,
                                const char *key2)
{
    clinic_db_t *d = clinic_db(cr);
    int taken, st;

    if (!d) {
        return DONE;
    }
    /* most sends meet a number, and often an address, for the first
     * time in the window: one statement counts both */
    if (clinic_store_rate_take_fresh(&taken, d,
                                     exact_bucket(cr, kind1, key1),
                                     exact_bucket(cr, kind2, key2), cr->now)
        != APR_SUCCESS) {
        return clinic_send_internal(cr, "rate limit store failed");
    }
    if (taken) {
        return OK;
    }
    if ((st = clinic_ratelimit_exact(cr, kind1, key1)) != OK) {
        return st;
    }
    return clinic_ratelimit_exact(cr, kind2, key2);
}

int clinic_ratelimit_exact(clinic_req_t *cr, clinic_rl_kind kind,
                           const char *key)
{
    clinic_rl_held_t held;

    return clinic_ratelimit_hold(cr, kind, key, &held);
}

int clinic_ratelimit_hold(clinic_req_t *cr, clinic_rl_kind kind,
                          const char *key, clinic_rl_held_t *held)
{
    clinic_limit_t l = clinic_limit(cr->conf, kind);
    clinic_db_t *d = clinic_db(cr);
    apr_int64_t retry_after;
    int allowed;

    held->bucket = exact_bucket(cr, kind, key);
    held->slot = -1;
    if (!d) {
        return DONE;
    }
    if (clinic_store_rate_take_slot(&allowed, &held->slot, &retry_after,
                                    d, held->bucket, l.count,
                                    l.seconds, cr->now) != APR_SUCCESS) {
        return clinic_send_internal(cr, "rate limit store failed");
    }
    if (!allowed) {
        /* a number's own buckets name it in the log; a device's don't */
        int of_phone = (kind == CLINIC_RL_OTP_PHONE
                        || kind == CLINIC_RL_OTP_GUESS) && key[0] == '+';

        clinic_seclog(cr, "rate_limited", of_phone ? key : NULL, NULL,
                      clinic_limit_name(kind));
        clinic_metric_inc(cr->r->server, CLINIC_M_RATE_LIMITED, kind);
        return clinic_send_rate_limited(cr, retry_after);
    }
    return OK;
}

void clinic_ratelimit_give_back(clinic_req_t *cr, clinic_rl_held_t *held)
{
    if (held->slot < 0 || !cr->dbd) {
        return;
    }
    /* a failure here only leaves the slot counted: the safe side */
    if (clinic_store_rate_give_back(cr->dbd, held->bucket, held->slot,
                                    cr->now) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, cr->r,
                      "CLINIC0760: %s: a slot that did not count could not "
                      "be given back", held->bucket);
    }
    held->slot = -1;
}
