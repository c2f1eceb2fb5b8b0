/*
 * SPDX-License-Identifier: Apache-2.0
 * background.c: the background work (background.h) on mod_watchdog.
 *
 * Where it runs.  A singleton child watchdog: one thread, in one child
 * process at a time (mod_watchdog elects it with a mutex; when that child
 * exits, another takes over).  A child and not the parent, because
 * mod_dbd's connection pools live in the children: the parent has none,
 * and with a forked MPM mod_watchdog offers no parent watchdog at all.
 * One child, because the work is the same for all of them.
 *
 * Several runners at once are still possible and harmless: hosts that
 * share one database, or an old generation's child finishing after a
 * graceful restart.  Every change is what the request path does too: the
 * conditional UPDATEs of the payment core (one of them wins, and only
 * the winner writes the security event) and DELETEs of rows that ran out.
 *
 * What a tick does, for one server: the pending payments at its provider
 * that are past their timeout, one batch (CLINIC_PAY_BATCH), each asked
 * about once more and then completed or failed (pay_core.c, the request
 * path's own sweep); then, on the first server of each database
 * configuration, one batch of expired codes and old limit slots
 * (CLINIC_CLEANUP_BATCH each, the oldest, each deleted by its key).  A database connection is held only while
 * statements run, never across a call to the provider.
 */
#include <string.h>
#include <apr_atomic.h>
#include <apr_hash.h>
#include <apr_strings.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <mod_watchdog.h>

#include "background.h"
#include "config.h"
#include "pay.h"
#include "request.h"
#include "store_db.h"
#include "store_exec.h"
#include "store_reach.h"

APLOG_USE_MODULE(clinic);

#define WATCHDOG_NAME "clinic"

static APR_OPTIONAL_FN_TYPE(ap_watchdog_get_instance) *wd_get_instance;
static APR_OPTIONAL_FN_TYPE(ap_watchdog_register_callback) *wd_register;

/* set once this child's clinic_child_init has run (curl_global_init,
 * the database library looked up); per process */
static volatile apr_uint32_t child_ready;

typedef struct {
    server_rec *s;
    int cleans;                /* the first server of its database
                                * configuration: deletes what ran out */
} bg_server_t;

const char *clinic_bg_init(void)
{
    wd_get_instance = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_get_instance);
    wd_register = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_register_callback);
    if (!wd_get_instance || !wd_register) {
        return "mod_clinic needs mod_watchdog, which times out pending "
               "payments and deletes expired codes in the background: add "
               "`LoadModule watchdog_module modules/mod_watchdog.so` before "
               "mod_clinic (Debian's apache2 has it built in).";
    }
    return NULL;
}

void clinic_bg_child_init(apr_pool_t *p, server_rec *s)
{
    (void)p;
    (void)s;
    apr_atomic_set32(&child_ready, 1);
}

/*
 * The store and the payment core were written for the request path: they
 * take a request for its pool, its notes (the database fault), its
 * server and the error log's context.  No request exists here, so this
 * builds the smallest one they can use, on the tick's pool, with nothing
 * in it that a client could have set: no headers, no body, no token.
 * The error log shows it as "[remote -:0]" and the security log's "ip"
 * is "-".  Its id, in both logs, tells one tick's lines from another's.
 */
static clinic_req_t *background_request(apr_pool_t *p, server_rec *s)
{
    conn_rec *c = apr_pcalloc(p, sizeof(*c));
    request_rec *r = apr_pcalloc(p, sizeof(*r));
    clinic_req_t *cr = apr_pcalloc(p, sizeof(*cr));

    c->pool = p;
    c->base_server = s;
    c->client_ip = "-";
    c->local_ip = "-";
    c->notes = apr_table_make(p, 1);
    r->pool = p;
    r->connection = c;
    r->server = s;
    r->request_time = apr_time_now();
    r->useragent_ip = "-";
    r->notes = apr_table_make(p, 2);
    r->headers_in = apr_table_make(p, 1);
    r->headers_out = apr_table_make(p, 1);
    r->err_headers_out = apr_table_make(p, 1);
    r->subprocess_env = apr_table_make(p, 1);
    r->request_config = ap_create_request_config(p);
    cr->r = r;
    cr->conf = clinic_conf(s);
    cr->now = apr_time_sec(r->request_time);
    cr->request_id = clinic_request_id(r);
    cr->bearer_rc = -2;
    /* the error log's id: set, so no log-id hook runs for it */
    r->log_id = c->log_id = cr->request_id;
    cr->env = clinic_req_env(r);
    return cr;
}

/* One batch of expired codes and old limit slots */
static void clean(clinic_req_t *cr, int *codes, int *slots)
{
    clinic_db_t *d = clinic_db_quiet(cr);
    int full;

    *codes = *slots = 0;
    if (d) {
        clinic_store_cleanup_batch(codes, slots, &full, d, cr->now);
        clinic_db_release(cr);
    }
}

static apr_status_t tick(int state, void *data, apr_pool_t *pool)
{
    const bg_server_t *b = data;
    apr_pool_t *p;
    clinic_req_t *cr;
    int settled, codes = 0, slots = 0;

    if (state != AP_WATCHDOG_STATE_RUNNING
        || !apr_atomic_read32(&child_ready)) {
        return APR_SUCCESS;
    }
    if (apr_pool_create(&p, pool) != APR_SUCCESS) {
        return APR_SUCCESS;
    }
    cr = background_request(p, b->s);
    settled = clinic_pay_settle_overdue(cr);
    if (b->cleans) {
        clean(cr, &codes, &slots);
    }
    if (settled > 0 || codes > 0 || slots > 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, cr->r,
                      "CLINIC0681: background: %d overdue payments settled, "
                      "%d expired codes and %d limit slots deleted",
                      settled > 0 ? settled : 0, codes, slots);
    }
    apr_pool_destroy(p);           /* gives back a connection still held */
    /* anything else would stop mod_watchdog calling again */
    return APR_SUCCESS;
}

/* The servers that use the clinic, each with its callback; the first of
 * each mod_dbd configuration cleans that database (a virtual host without
 * DBD directives shares the main server's). */
apr_status_t clinic_bg_post_config(apr_pool_t *pconf, server_rec *s)
{
    apr_hash_t *seen = apr_hash_make(pconf);
    ap_watchdog_t *w = NULL;
    server_rec *sp;
    apr_status_t rv;

    for (sp = s; sp; sp = sp->next) {
        clinic_server_conf *c = clinic_conf(sp);
        const char *key = clinic_db_key(pconf, sp);
        bg_server_t *b;

        if (!c->used) {
            continue;
        }
        if (!w && (rv = wd_get_instance(&w, WATCHDOG_NAME, 0, 1, pconf))
                  != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                         "CLINIC0682: mod_watchdog gave no watchdog for "
                         "the background work");
            return rv;
        }
        b = apr_pcalloc(pconf, sizeof(*b));
        b->s = sp;
        b->cleans = !apr_hash_get(seen, key, APR_HASH_KEY_STRING);
        apr_hash_set(seen, key, APR_HASH_KEY_STRING, "");
        rv = wd_register(w, apr_time_from_sec(clinic_bg_interval(c)), b,
                         tick);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, rv, sp,
                         "CLINIC0683: the background work could not be "
                         "registered with mod_watchdog");
            return rv;
        }
    }
    return APR_SUCCESS;
}
