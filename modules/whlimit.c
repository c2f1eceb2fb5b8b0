/*
 * SPDX-License-Identifier: Apache-2.0
 * whlimit.c: payment notifications with a bad signature, limited per
 * client (ClinicWebhookFailureLimit), and their security-log lines
 * thinned to one per client a minute.
 *
 * Only failures count: a provider whose notifications are signed well is
 * never counted, however often it retries.  A client that sent the limit
 * of bad signatures within a minute (a fixed window, the clock's minute)
 * is answered 429 without its signature being checked until the minute
 * ends.  A provider can't be locked out by a stranger: its address can't
 * be forged over TCP, and a forged X-Forwarded-For counts only where
 * mod_remoteip trusts the proxy that added it.  A provider that really
 * signs wrongly (a rotated secret not yet configured) is refused after
 * the limit until it is fixed, and retries later, as it does after any
 * error.
 *
 * Counted on this host, in shared memory made before the children fork
 * (made again by a graceful restart: the counts start from zero), without
 * a lock.  A slot is one 64-bit word moved by compare-and-swap:
 *
 *     tag (16 bits) | minute (16 bits) | count (32 bits)
 *
 * where the tag is more bits of the client's hash (a client meeting
 * another's slot takes it over, never inherits its count), the minute is
 * the clock's minute modulo 2^16 and the count is the minute's bad
 * signatures and refusals.  The line of a minute is written by its first
 * failure and carries the count since the client's previous line: the
 * previous minute's count (its first was on its own line, this one makes
 * up for it), or 1.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_shm.h>
#include <apr_atomic.h>

#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>

#include "whlimit.h"
#include "metrics.h"
#include "seclog.h"

APLOG_USE_MODULE(clinic);

#define SLOTS_LOG2 14           /* 16,384 clients failing in one minute */
#define MAX_LIMIT 100000

typedef struct {
    apr_uint64_t seed;
    volatile apr_uint64_t slot[1 << SLOTS_LOG2];
} table_t;

static table_t *table;

const char *clinic_whlimit_set(cmd_parms *cmd, void *d, const char *arg)
{
    (void)d;
    if (!strcasecmp(arg, "off")) {
        clinic_conf_of(cmd)->webhook_failures = 0;
        return NULL;
    }
    return clinic_set_int(cmd, &clinic_conf_of(cmd)->webhook_failures, arg, 0,
                          MAX_LIMIT);
}

static int wh_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                          apr_pool_t *ptemp, server_rec *s)
{
    apr_shm_t *shm;
    apr_uint64_t seed;
    apr_status_t rv;

    (void)plog;
    (void)ptemp;
    table = NULL;
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    if ((rv = apr_shm_create(&shm, sizeof(table_t), NULL, pconf))
        != APR_SUCCESS
        || (rv = apr_generate_random_bytes((unsigned char *)&seed,
                                           sizeof(seed))) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, "CLINIC0790: no "
                     "shared memory for %s: bad notification signatures "
                     "are not limited, and each is logged",
                     CLINIC_D_WEBHOOK_FAILURES);
        return OK;
    }
    table = apr_shm_baseaddr_get(shm);
    memset(table, 0, sizeof(*table));
    table->seed = seed;
    return OK;
}

void clinic_whlimit_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_post_config(wh_post_config, NULL, NULL, APR_HOOK_MIDDLE);
}

/* FNV-1a from the seed, then splitmix64's finaliser */
static apr_uint64_t hash(apr_uint64_t h, const char *s)
{
    h ^= APR_UINT64_C(14695981039346656037);
    while (*s) {
        h = (h ^ (unsigned char)*s++) * APR_UINT64_C(1099511628211);
    }
    h ^= h >> 30;
    h *= APR_UINT64_C(0xbf58476d1ce4e5b9);
    h ^= h >> 27;
    h *= APR_UINT64_C(0x94d049bb133111eb);
    return h ^ (h >> 31);
}

#define W_TAG(w)    ((apr_uint32_t)((w) >> 48))
#define W_MINUTE(w) ((apr_uint32_t)((w) >> 32) & 0xffff)
#define W_COUNT(w)  ((apr_uint32_t)(w))
#define W_MAKE(tag, min, n) (((apr_uint64_t)(tag) << 48) \
                             | ((apr_uint64_t)((min) & 0xffff) << 32) | (n))

/* the client's slot (of this virtual host) and its tag */
static volatile apr_uint64_t *slot_of(clinic_req_t *cr, apr_uint32_t *tag)
{
    const char *key = apr_psprintf(cr->r->pool, "%s:%u|%s",
                                   cr->r->server->server_hostname
                                   ? cr->r->server->server_hostname : "",
                                   (unsigned)cr->r->server->port,
                                   cr->client ? cr->client : "");
    apr_uint64_t h = hash(table->seed, key);

    *tag = (apr_uint32_t)(h >> 48);
    return &table->slot[h & ((1u << SLOTS_LOG2) - 1)];
}

/* Count one in the client's slot for this minute; *before gets the word
 * it replaced */
static void bump(volatile apr_uint64_t *p, apr_uint32_t tag,
                 apr_uint32_t minute, apr_uint64_t *before)
{
    apr_uint64_t old = apr_atomic_read64(p), now, seen;

    for (;;) {
        apr_uint32_t n = W_TAG(old) == tag && W_MINUTE(old) == (minute
                         & 0xffff) ? W_COUNT(old) : 0;
        if (n < 0xffffffffu) {
            n++;
        }
        now = W_MAKE(tag, minute, n);
        if ((seen = apr_atomic_cas64(p, now, old)) == old) {
            *before = old;
            return;
        }
        old = seen;
    }
}

int clinic_whlimit_check(clinic_req_t *cr, int pay_notification)
{
    int limit = clinic_webhook_failures(cr->conf);
    apr_uint32_t minute = (apr_uint32_t)(cr->now / 60), tag;
    volatile apr_uint64_t *p;
    apr_uint64_t w, before;

    if (!table || limit <= 0) {
        return OK;
    }
    p = slot_of(cr, &tag);
    w = apr_atomic_read64(p);
    if (W_TAG(w) != tag || W_MINUTE(w) != (minute & 0xffff)
        || W_COUNT(w) < (apr_uint32_t)limit) {
        return OK;
    }
    bump(p, tag, minute, &before);      /* told in the next line */
    if (pay_notification) {
        clinic_metric_inc(cr->r->server, CLINIC_M_WEBHOOK_REFUSED,
                          CLINIC_PAY_PROVIDER(clinic_pay_driver(cr->conf)));
    }
    return clinic_send_rate_limited(cr, 60 - cr->now % 60);
}

void clinic_whlimit_failed(clinic_req_t *cr, const char *event,
                           const char *provider)
{
    apr_uint32_t minute = (apr_uint32_t)(cr->now / 60), tag;
    volatile apr_uint64_t *p;
    apr_uint64_t before;
    long since = 1;

    if (!table) {
        clinic_seclog_count(cr, event, provider, 1);
        return;
    }
    p = slot_of(cr, &tag);
    bump(p, tag, minute, &before);
    if (W_TAG(before) == tag && W_MINUTE(before) == (minute & 0xffff)) {
        return;                         /* this minute has its line */
    }
    if (W_TAG(before) == tag && W_COUNT(before) > 0) {
        since = (long)W_COUNT(before);  /* the rest of its last minute */
    }
    clinic_seclog_count(cr, event, provider, since);
}
