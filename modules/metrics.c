/*
 * SPDX-License-Identifier: Apache-2.0
 * metrics.c: the metrics' shared memory, the counting calls of
 * metrics.h, the clinic-metrics handler and the mod_status hook.
 *
 * Once a server lifetime.  Anonymous shared memory made in post_config
 * from pconf is made again on every graceful restart (pconf is cleared),
 * and the counters would start from zero each time logrotate reloads
 * Apache.  So the segment is made from the process pool
 * (s->process->pool), which lives as long as the parent process, and
 * found again on each later pass through that pool's user data.  The
 * module itself is unloaded and loaded again on a restart: nothing of it
 * (no cleanup, no function) is left in that pool, only APR's segment and
 * its key.  Children inherit the mapping when they are forked, so every
 * generation of children counts into the same memory.  (ap_slotmem would
 * do the same with mod_slotmem_shm loaded; a plain segment needs no
 * other module.)
 *
 * Exact across children: every value is a 64-bit counter changed only by
 * an atomic add, never read-modify-written.
 *
 * Labelled by virtual host: a fixed table of slots, each named
 * "ServerName:port" and found again by that name on every pass, so a
 * graceful that adds, removes or reorders virtual hosts keeps each one's
 * counters.  A name once seen keeps its slot for the server's lifetime.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_shm.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <mod_status.h>

#include "config.h"
#include "metrics.h"
#include "metrics_fmt.h"
#include "req_env.h"
#include "store.h"

APLOG_USE_MODULE(clinic);

#define SHM_KEY "mod_clinic-metrics-shm"
#define SHM_MAGIC 0x436c4d31u           /* "ClM1": the layout below */
#define MAX_SLOTS 128                   /* virtual hosts counted */
#define NAME_MAX_LEN 120
#define NOTE_CAUSE "clinic-503-cause"

typedef struct {
    apr_uint32_t magic;
    apr_uint32_t width;                 /* values a slot */
    apr_uint32_t used;                  /* slots named */
    apr_uint32_t pad;
} shm_head_t;

typedef struct {
    char name[NAME_MAX_LEN + 8];        /* "ServerName:port", NUL-ended */
    apr_uint64_t values[];              /* clinic_metrics_width() */
} slot_t;

/* this generation's view: set in the parent, inherited by the children */
static shm_head_t *head;
static apr_size_t slot_size;

_Static_assert(CLINIC_RL_COUNT == 5, "metrics_fmt.c names five rate-limit "
               "buckets, in clinic_rl_kind's order");
_Static_assert(CLINIC_PAY_TAP - CLINIC_PAY_MYFATOORAH + 1
               == CLINIC_PAY_PROVIDER_COUNT && CLINIC_PAY_MYFATOORAH == 1,
               "metrics_fmt.c names the payment providers");

static slot_t *slot_at(apr_uint32_t i)
{
    return (slot_t *)((char *)(head + 1) + (apr_size_t)i * slot_size);
}

/* ---- the segment -------------------------------------------------------- */

static apr_status_t segment(server_rec *s)
{
    apr_pool_t *proc = s->process->pool;
    apr_uint32_t width = (apr_uint32_t)clinic_metrics_width();
    apr_shm_t *shm = NULL;
    void *found = NULL;
    apr_status_t rv;

    slot_size = APR_ALIGN(sizeof(slot_t) + width * sizeof(apr_uint64_t), 64);
    apr_pool_userdata_get(&found, SHM_KEY, proc);
    if (found) {
        shm = found;
        head = apr_shm_baseaddr_get(shm);
        if (head->magic == SHM_MAGIC && head->width == width) {
            return APR_SUCCESS;
        }
        /* a module of another layout was loaded by this restart */
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, "CLINIC0600: the "
                     "metrics changed with the new module: they start "
                     "from zero");
        head = NULL;
        apr_pool_userdata_set(NULL, SHM_KEY, apr_pool_cleanup_null, proc);
        apr_shm_destroy(shm);
    }
    rv = apr_shm_create(&shm, sizeof(shm_head_t) + MAX_SLOTS * slot_size,
                        NULL, proc);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, "CLINIC0601: no shared "
                     "memory for the metrics: they are not counted");
        return rv;
    }
    head = apr_shm_baseaddr_get(shm);
    memset(head, 0, apr_shm_size_get(shm));
    head->magic = SHM_MAGIC;
    head->width = width;
    apr_pool_userdata_set(shm, SHM_KEY, apr_pool_cleanup_null, proc);
    return APR_SUCCESS;
}

/* "ServerName:port" of a server (its address's port when the name has
 * none) */
static const char *vhost_name(apr_pool_t *p, server_rec *s)
{
    unsigned port = s->port;

    if (!port && s->addrs) {
        port = s->addrs->host_port;
    }
    return apr_psprintf(p, "%s:%u", s->server_hostname ? s->server_hostname
                                                       : "", port);
}

/* the slot named name, taken if new; 0 when the table is full, else
 * 1 + its index */
static int slot_for(const char *name)
{
    apr_uint32_t i, used = head->used;

    for (i = 0; i < used; i++) {
        if (!strncmp(slot_at(i)->name, name, NAME_MAX_LEN)) {
            return (int)i + 1;
        }
    }
    if (used >= MAX_SLOTS) {
        return 0;
    }
    apr_cpystrn(slot_at(used)->name, name, NAME_MAX_LEN + 1);
    /* the name is whole before a reader (an old child) counts the slot */
    __atomic_store_n(&head->used, used + 1, __ATOMIC_RELEASE);
    return (int)used + 1;
}

apr_status_t clinic_metrics_post_config(apr_pool_t *pconf, server_rec *s)
{
    apr_status_t rv = segment(s);
    server_rec *sp;
    int full = 0;

    for (sp = s; sp; sp = sp->next) {
        clinic_server_conf *c = clinic_conf(sp);
        c->metrics_slot = 0;
        if (rv != APR_SUCCESS || !c->used) {
            continue;
        }
        if (!(c->metrics_slot = slot_for(vhost_name(pconf, sp))) && !full++) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, sp, "CLINIC0602: "
                         "metrics are kept for %d virtual hosts: this one "
                         "and those after it are not counted", MAX_SLOTS);
        }
    }
    return rv;
}

/* ---- counting ----------------------------------------------------------- */

static apr_uint64_t *values_of(server_rec *s)
{
    int slot;

    if (!head || !s || !(slot = clinic_conf(s)->metrics_slot)) {
        return NULL;
    }
    return slot_at((apr_uint32_t)slot - 1)->values;
}

void clinic_metric_add(server_rec *s, clinic_metric_id id, int label,
                       apr_uint64_t n)
{
    apr_uint64_t *v = values_of(s);
    long at = clinic_metrics_counter_at(id, label);

    if (v && at >= 0) {
        __atomic_fetch_add(&v[at], n, __ATOMIC_RELAXED);
    }
}

void clinic_metric_inc(server_rec *s, clinic_metric_id id, int label)
{
    clinic_metric_add(s, id, label, 1);
}

void clinic_metric_observe_at(server_rec *s, clinic_hist_id id, int label,
                              apr_interval_time_t elapsed)
{
    apr_uint64_t *v = values_of(s);
    long sum_at, at;

    if (elapsed < 0) {
        elapsed = 0;                    /* the clock was set back */
    }
    at = clinic_metrics_bucket_at(id, label, elapsed, &sum_at);
    if (v && at >= 0) {
        __atomic_fetch_add(&v[at], 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(&v[sum_at], (apr_uint64_t)elapsed,
                           __ATOMIC_RELAXED);
    }
}

void clinic_metric_observe(server_rec *s, clinic_hist_id id,
                           apr_interval_time_t elapsed)
{
    clinic_metric_observe_at(s, id, 0, elapsed);
}

void clinic_metric_send(server_rec *s, clinic_channel ch, apr_status_t rv,
                        apr_interval_time_t elapsed)
{
    clinic_send_result res = rv == APR_SUCCESS ? CLINIC_SEND_OK
                             : rv == APR_TIMEUP ? CLINIC_SEND_GATEWAY_TIMEOUT
                                                : CLINIC_SEND_GATEWAY_FAILED;

    clinic_metric_inc(s, CLINIC_M_SENDS, CLINIC_SEND_LABEL(ch, res));
    clinic_metric_observe_at(s, CLINIC_H_GATEWAY, (int)ch, elapsed);
}

void clinic_metric_verify_refused(server_rec *s, const char *reason)
{
    static const struct {
        const char *word;
        clinic_verify_result res;
    } words[] = {
        { "wrong_code", CLINIC_VERIFY_WRONG },
        { "expired", CLINIC_VERIFY_EXPIRED },
        { "not_found", CLINIC_VERIFY_NOT_FOUND },
        { "replaced", CLINIC_VERIFY_REPLACED },
        { "used", CLINIC_VERIFY_USED },
        { "attempts_exceeded", CLINIC_VERIFY_LOCKED },
    };
    apr_size_t i;

    for (i = 0; reason && i < sizeof(words) / sizeof(words[0]); i++) {
        if (!strcmp(reason, words[i].word)) {
            clinic_metric_inc(s, CLINIC_M_VERIFIES, words[i].res);
            return;
        }
    }
}

void clinic_metric_payment(server_rec *s, int pay_driver, const char *event)
{
    static const struct {
        const char *event;
        clinic_pay_state st;
    } events[] = {
        { "payment_created", CLINIC_PAYST_PENDING },
        { "payment_completed", CLINIC_PAYST_PAID },
        { "payment_failed", CLINIC_PAYST_FAILED },
        { "payment_late_success", CLINIC_PAYST_REFUND_NEEDED },
    };
    apr_size_t i;

    if (pay_driver < CLINIC_PAY_MYFATOORAH || pay_driver > CLINIC_PAY_TAP) {
        return;
    }
    if (!strcmp(event, "payment_amount_mismatch")) {
        clinic_metric_inc(s, CLINIC_M_PAY_MISMATCHES,
                          CLINIC_PAY_PROVIDER(pay_driver));
        return;
    }
    for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
        if (!strcmp(event, events[i].event)) {
            clinic_metric_inc(s, CLINIC_M_PAYMENTS,
                              CLINIC_PAY_LABEL(pay_driver, events[i].st));
            return;
        }
    }
}

void clinic_metric_cause(request_rec *r, clinic_unavail_cause cause)
{
    static const char *const digits[CLINIC_503_COUNT] = { "0", "1", "2", "3",
                                                          "4", "5" };

    if ((unsigned)cause < CLINIC_503_COUNT) {
        apr_table_setn(r->notes, NOTE_CAUSE, digits[cause]);
    }
}

void clinic_metric_unavailable(request_rec *r)
{
    const char *said = apr_table_get(r->notes, NOTE_CAUSE);
    int cause;

    if (said) {
        cause = *said - '0';
    }
    else {
        switch (clinic_store_fault(clinic_req_env(r))) {
        case CLINIC_DB_BUSY:
            cause = CLINIC_503_DB_BUSY;
            break;
        case CLINIC_DB_DOWN:
            cause = CLINIC_503_DB_DOWN;
            break;
        default:
            cause = CLINIC_503_OTHER;
        }
    }
    clinic_metric_inc(r->server, CLINIC_M_UNAVAILABLE, cause);
}

/* ---- reading ------------------------------------------------------------ */

/* a copy of every named slot, each value read atomically */
static int snapshot(apr_pool_t *p, clinic_metrics_slot_t **out)
{
    apr_uint32_t used, i;
    apr_size_t width = clinic_metrics_width(), j;
    clinic_metrics_slot_t *slots;

    *out = NULL;
    if (!head) {
        return -1;
    }
    used = __atomic_load_n(&head->used, __ATOMIC_ACQUIRE);
    slots = apr_pcalloc(p, (used ? used : 1) * sizeof(*slots));
    for (i = 0; i < used; i++) {
        slot_t *sl = slot_at(i);
        apr_uint64_t *v = apr_palloc(p, width * sizeof(*v));
        for (j = 0; j < width; j++) {
            v[j] = __atomic_load_n(&sl->values[j], __ATOMIC_RELAXED);
        }
        slots[i].vhost = apr_pstrndup(p, sl->name, NAME_MAX_LEN);
        slots[i].values = v;
    }
    *out = slots;
    return (int)used;
}

static int metrics_handler(request_rec *r)
{
    clinic_metrics_slot_t *slots;
    int n;

    if (!r->handler || strcmp(r->handler, CLINIC_METRICS_HANDLER)) {
        return DECLINED;
    }
    r->allowed |= AP_METHOD_BIT << M_GET;
    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if ((n = snapshot(r->pool, &slots)) < 0) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "CLINIC0603: the metrics "
                      "have no shared memory (the error log said why at "
                      "startup)");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    ap_set_content_type(r, CLINIC_METRICS_CONTENT_TYPE);
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (!r->header_only) {
        ap_rputs(clinic_metrics_prometheus(r->pool, slots, n), r);
    }
    return OK;
}

static int status_hook(request_rec *r, int flags)
{
    clinic_metrics_slot_t *slots;
    int n = snapshot(r->pool, &slots);

    if (n < 0) {
        return OK;
    }
    ap_rputs(flags & AP_STATUS_SHORT
                 ? clinic_metrics_status_short(r->pool, slots, n)
                 : clinic_metrics_status_html(r->pool, slots, n), r);
    return OK;
}

void clinic_metrics_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_handler(metrics_handler, NULL, NULL, APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(ap, status_hook, status_hook, NULL, NULL,
                      APR_HOOK_MIDDLE);
}
