/*
 * SPDX-License-Identifier: Apache-2.0
 * store_reach.c: taking a connection from mod_dbd, and what this process
 * does while the database can't be reached, without writing the error
 * log full.
 *
 * ap_dbd_open answers NULL for two different things, and logs each try
 * itself (AH00629 and AH02655 for a connection it could not make, AH00639
 * for a pooled one that failed its ping):
 *
 *  - a pooled connection was dead (the database restarted since it was
 *    made): mod_dbd threw it away, and the next try takes the next one or
 *    makes a new one.  Worth trying again at once.
 *  - a new connection could not be made: the database is down, refuses,
 *    is out of reach (or refuses the statements).  Trying again at once
 *    only writes two more lines.
 *
 * mod_dbd's post_connect hook runs for every connection it makes, those of
 * DBDMin included: the module ties a cleanup to the connection's pool
 * there.  mod_dbd throws a dead connection away by destroying that pool in
 * the thread that found it dead, so the cleanup marks that thread.  A
 * failed try that marked it threw a dead connection away; one that did not
 * could not connect.
 *
 * A try that could not connect tells the process the database is down.
 * From then on every thread is refused at once without dialling (threads
 * already in the loop stop at their next try), and one thread at a time,
 * a pause apart, tries again.  That try is quiet when it can be:
 * apr_dbd_open_ex with mod_dbd's own driver and DBDParams (read from its
 * configuration at child start), which logs nothing; only once it
 * connects does ap_dbd_open run again.  Without those parameters the try
 * is ap_dbd_open, once a second.  The virtual hosts on one database share
 * this view (clinic_reach_child_init).  The lines: one when the database is found
 * down (CLINIC0100), one a second at most while it stays down, with the
 * count of refusals, fewer as it goes on (CLINIC0621), one when it is back
 * (CLINIC0622).
 */
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_strings.h>
#include <apr_atomic.h>
#include <apr_optional_hooks.h>

#include "store.h"
#include "store_exec.h"
#include "store_reach.h"
#include "config.h"

APLOG_USE_MODULE(clinic);

/* dead pooled connections one call may throw away: more than a pool
 * holds (DBDMax) in any sane configuration */
#define OPEN_TRIES 64
/* between tries while the database is down: a quiet try is cheap, a try
 * with ap_dbd_open writes two lines */
#define QUIET_PAUSE apr_time_from_msec(250)
#define LOUD_PAUSE apr_time_from_sec(1)
/* between two lines saying it is still down: as long as it has been down
 * when the last was written, a second at least, a minute at most (lines
 * 1, 2, 4, 8 ... s into an outage, then one a minute) */
#define LOG_EVERY_MIN apr_time_from_sec(1)
#define LOG_EVERY_MAX apr_time_from_sec(60)

/* set when mod_dbd destroys one of its connections in this thread */
static __thread int thrown_away;

static apr_status_t mark_thrown_away(void *data)
{
    (void)data;
    thrown_away = 1;
    return APR_SUCCESS;
}

static apr_status_t mark_connection(apr_pool_t *p, dbd_cfg_t *cfg,
                                    ap_dbd_t *d)
{
    (void)p;
    (void)cfg;
    apr_pool_cleanup_register(d->pool, NULL, mark_thrown_away,
                              apr_pool_cleanup_null);
    return OK;
}

void clinic_store_register_hooks(apr_pool_t *p)
{
    (void)p;
    APR_OPTIONAL_HOOK(dbd, post_connect, mark_connection, NULL, NULL,
                      APR_HOOK_MIDDLE);
}

/* ---- the process's view of the database ---------------------------------- */

static apr_time_t pause_of(clinic_reach_t *c)
{
    return c->params ? QUIET_PAUSE : LOUD_PAUSE;
}

typedef enum { REACH_DIAL, REACH_REFUSE, REACH_RETRY } reach_t;

/* May this thread dial?  While the database is down, one thread a pause
 * apart may (REACH_RETRY), the others are refused. */
static reach_t may_dial(clinic_reach_t *c, apr_time_t now)
{
    apr_uint64_t next;

    if (!apr_atomic_read32(&c->down_since)) {
        return REACH_DIAL;
    }
    next = apr_atomic_read64(&c->next_try);
    if ((apr_uint64_t)now < next
        || apr_atomic_cas64(&c->next_try,
                            (apr_uint64_t)(now + pause_of(c)), next)
           != next) {
        return REACH_REFUSE;
    }
    return REACH_RETRY;
}

/* Does the database take a connection now?  apr_dbd alone: no line. */
static int quiet_try(request_rec *r, clinic_reach_t *c)
{
    dbd_cfg_t *cfg = c->params;
    const apr_dbd_driver_t *drv;
    apr_dbd_t *h = NULL;
    const char *err = NULL;
    apr_pool_t *p;
    int ok;

    if (apr_pool_create(&p, r->pool) != APR_SUCCESS) {
        return 0;
    }
    ok = apr_dbd_get_driver(p, cfg->name, &drv) == APR_SUCCESS
         && apr_dbd_open_ex(drv, p, cfg->params, &h, &err) == APR_SUCCESS;
    if (ok) {
        apr_dbd_close(drv, h);
    }
    apr_pool_destroy(p);
    return ok;
}

/* the pause before the next line saying it is still down */
static apr_time_t log_every(apr_time_t last, apr_uint32_t since)
{
    apr_time_t down = last - apr_time_from_sec(since);

    return down < LOG_EVERY_MIN ? LOG_EVERY_MIN
         : down > LOG_EVERY_MAX ? LOG_EVERY_MAX : down;
}

/* A refusal while down: counted, and said with the count once a second
 * at most, less often as the outage goes on. */
static void refused(request_rec *r, clinic_reach_t *c, apr_time_t now)
{
    apr_uint32_t n, since = apr_atomic_read32(&c->down_since);
    apr_uint64_t last;

    apr_atomic_inc32(&c->refused);
    last = apr_atomic_read64(&c->logged);
    if ((apr_uint64_t)now < last + log_every((apr_time_t)last, since)
        || apr_atomic_cas64(&c->logged, (apr_uint64_t)now, last)
           != last) {
        return;
    }
    n = apr_atomic_xchg32(&c->refused, 0);
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, r->server,
                 "CLINIC0621: the database is still unreachable (for %ld s): "
                 "%u connections refused in the last %.1f s, answered 503",
                 since ? (long)apr_time_sec(now) - (long)since : 0L, n,
                 (double)(now - (apr_time_t)last) / APR_USEC_PER_SEC);
}

/* A try could not connect: the database is down from now on. */
static void found_down(request_rec *r, clinic_reach_t *c,
                       apr_time_t now, apr_time_t pause)
{
    apr_uint32_t sec = (apr_uint32_t)apr_time_sec(now);

    apr_atomic_set64(&c->next_try, (apr_uint64_t)(now + pause));
    if (apr_atomic_cas32(&c->down_since, sec, 0) != 0) {
        refused(r, c, now);                     /* it still is */
        return;
    }
    apr_atomic_set32(&c->refused, 0);
    apr_atomic_set64(&c->logged, (apr_uint64_t)now);
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, r->server,
                 "CLINIC0100: no database connection: check DBDriver and "
                 "DBDParams, that the database is up, and that it holds the "
                 "tables of schema/mysql.sql (MySQL/MariaDB) or "
                 "schema/sqlite.sql (SQLite); this process answers 503 "
                 "without dialling but for a try a moment apart, and counts "
                 "the refusals (CLINIC0621) until it connects");
}

/* Say once that the database is back, when it was down. */
static void back_again(request_rec *r, clinic_reach_t *c)
{
    apr_uint32_t since = apr_atomic_read32(&c->down_since), n;

    if (!since || apr_atomic_cas32(&c->down_since, 0, since) != since) {
        return;
    }
    n = apr_atomic_xchg32(&c->refused, 0);
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, r->server,
                 "CLINIC0622: the database is reachable again after %ld s; "
                 "%u connections refused since the last line",
                 (long)apr_time_sec(apr_time_now()) - (long)since, n);
}

/* mod_dbd makes a configuration for every virtual host (its merge), so
 * its pointer tells nothing; its per-server record starts with the
 * dbd_cfg_t (mod_dbd.c's svr_cfg, the same since 2.2). */
static dbd_cfg_t *dbd_cfg_of(server_rec *s)
{
    module *dbd = ap_find_linked_module("mod_dbd.c");
    void *svr = dbd ? ap_get_module_config(s->module_config, dbd) : NULL;
    dbd_cfg_t *cfg = svr ? *(dbd_cfg_t **)svr : NULL;

    return cfg && cfg->name && cfg->params ? cfg : NULL;
}

const char *clinic_db_key(apr_pool_t *p, server_rec *s)
{
    dbd_cfg_t *cfg = dbd_cfg_of(s);

    return cfg ? apr_pstrcat(p, cfg->name, "\n", cfg->params, NULL)
               : apr_psprintf(p, "server %pp", (void *)s);
}

/* The virtual hosts on one database share one view of it in a process,
 * so an outage is found, logged and retried once for all of them, not
 * once for each (the background work ticks on every one).  Made in
 * child_init, one thread, before any request. */
void clinic_reach_child_init(apr_pool_t *p, server_rec *s)
{
    apr_hash_t *seen = apr_hash_make(p);
    server_rec *sp;

    for (sp = s; sp; sp = sp->next) {
        clinic_server_conf *c = clinic_conf(sp);
        const char *key = clinic_db_key(p, sp);
        clinic_reach_t *st;

        if (!c->used) {
            continue;
        }
        if (!(st = apr_hash_get(seen, key, APR_HASH_KEY_STRING))) {
            st = apr_pcalloc(p, sizeof(*st));
            st->params = dbd_cfg_of(sp);
            apr_hash_set(seen, key, APR_HASH_KEY_STRING, st);
        }
        c->reach = st;
    }
}

/* A connection was taken: say once that the database is back. */
static void connected(request_rec *r, clinic_server_conf *conf, ap_dbd_t *d)
{
    (void)d;
    back_again(r, conf->reach ? conf->reach : &conf->own_reach);
}

apr_status_t clinic_reach_open(ap_dbd_t **out, request_rec *r,
                               clinic_dbd_open_fn *open)
{
    clinic_server_conf *conf = clinic_conf(r->server);
    clinic_reach_t *c = conf->reach ? conf->reach : &conf->own_reach;
    apr_time_t now;
    int tries, retrying = 0;

    *out = NULL;
    for (tries = 0; tries < OPEN_TRIES; tries++) {
        now = apr_time_now();
        if (!retrying) {
            switch (may_dial(c, now)) {
            case REACH_REFUSE:
                refused(r, c, now);
                return APR_ECONNREFUSED;
            case REACH_RETRY:
                if (c->params && !quiet_try(r, c)) {
                    refused(r, c, now);
                    return APR_ECONNREFUSED;
                }
                retrying = 1;       /* this thread dials until it knows */
                break;
            default:
                break;
            }
        }
        thrown_away = 0;
        if ((*out = open(r->pool, r->server))) {
            connected(r, conf, *out);
            return APR_SUCCESS;
        }
        if (!thrown_away) {
            /* connects quietly, fails with mod_dbd (its statements, its
             * DBDInitSQL): quiet tries won't tell when to dial again */
            found_down(r, c, apr_time_now(),
                       retrying && c->params ? LOUD_PAUSE : pause_of(c));
            return APR_ECONNREFUSED;
        }
        /* a dead pooled connection was thrown away: the next one */
    }
    return APR_ECONNREFUSED;
}
