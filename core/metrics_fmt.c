/*
 * SPDX-License-Identifier: Apache-2.0
 * metrics_fmt.c: the metrics' table, where their values sit, and their
 * text (see metrics_fmt.h).  No httpd headers, no global state but the
 * constant table.
 *
 * Histograms keep each bucket's own count (one atomic add an
 * observation); the text makes them cumulative, and _count is the +Inf
 * bucket, so _count always equals the buckets whatever a reader met
 * half-way.
 */
#include <string.h>
#include <apr_strings.h>

#include "metrics_fmt.h"

typedef struct {
    const char *name;             /* without "_total" / "_bucket" */
    const char *help;
    const char *label[2];         /* label names, NULL when fewer */
    const char *const *values[2]; /* their values, NULL-terminated */
    const apr_int64_t *le;        /* histograms: upper bounds, in us */
    int n_le;
} family_t;

static const char *const channels[] = { "sms", "whatsapp", NULL };
static const char *const fallback_reasons[] = { "refused", "timeout",
                                                "failed", NULL };
static const char *const send_results[] = { "ok", "gateway_failed",
                                            "gateway_timeout", NULL };
static const char *const verify_results[] = { "ok", "wrong", "expired",
                                              "not_found", "replaced",
                                              "used", "locked", NULL };
static const char *const login_kinds[] = { "new", "returning", NULL };
/* in the order of clinic_rl_kind (config.h; metrics.c checks the count) */
static const char *const rl_buckets[] = { "otp-phone", "otp-ip", "user",
                                          "anon", "otp-guess", NULL };
static const char *const causes[] = { "db_down", "db_busy", "send_cap",
                                      "payment_cap", "other", "sms_budget",
                                      NULL };
static const char *const budget_levels[] = { "80", "100", NULL };
static const char *const providers[] = { "myfatoorah", "tap", NULL };
static const char *const pay_states[] = { "pending", "paid", "failed",
                                          "refund_needed", NULL };

/* counters, in the order of clinic_metric_id */
static const family_t counters[CLINIC_M_COUNT] = {
    { "clinic_sends", "Codes handed to a gateway, by channel and result.",
      { "channel", "result" }, { channels, send_results }, NULL, 0 },
    { "clinic_verifies", "Code verifications, by result.",
      { "result", NULL }, { verify_results, NULL }, NULL, 0 },
    { "clinic_logins", "Logins, of new and of returning patients.",
      { "kind", NULL }, { login_kinds, NULL }, NULL, 0 },
    { "clinic_rate_limited", "Requests refused by a rate limit, by bucket.",
      { "bucket", NULL }, { rl_buckets, NULL }, NULL, 0 },
    { "clinic_unavailable", "Answers 503, by cause.",
      { "cause", NULL }, { causes, NULL }, NULL, 0 },
    { "clinic_payment_transitions", "Payments entering a state, by "
      "provider.", { "provider", "state" }, { providers, pay_states },
      NULL, 0 },
    { "clinic_payment_amount_mismatches", "Payments the provider reported "
      "paid with another amount or currency.", { "provider", NULL },
      { providers, NULL }, NULL, 0 },
    { "clinic_webhook_signature_failures", "Payment notifications refused "
      "for their signature.", { "provider", NULL }, { providers, NULL },
      NULL, 0 },
    { "clinic_db_connect_failures", "Database connections that could not "
      "be opened.", { NULL, NULL }, { NULL, NULL }, NULL, 0 },
    { "clinic_codes_not_activated", "Codes whose SMS went out but which "
      "could not be activated.", { NULL, NULL }, { NULL, NULL }, NULL, 0 },
    { "clinic_send_cap_waits", "Sends that waited for a place under the "
      "send cap.", { NULL, NULL }, { NULL, NULL }, NULL, 0 },
    { "clinic_sms_budget_events", "Days on which the sends reached 80 % and "
      "100 % of ClinicSMSDailyLimit.", { "level", NULL },
      { budget_levels, NULL }, NULL, 0 },
    { "clinic_webhooks_refused", "Payment notifications refused unread: "
      "their client sent too many bad signatures.", { "provider", NULL },
      { providers, NULL }, NULL, 0 },
    { "clinic_otp_fallbacks", "Codes sent again by SMS because WhatsApp "
      "did not deliver them, by what WhatsApp did.", { "reason", NULL },
      { fallback_reasons, NULL }, NULL, 0 },
    { "clinic_whatsapp_webhook_signature_failures", "WhatsApp "
      "notifications refused for their signature.", { NULL, NULL },
      { NULL, NULL }, NULL, 0 },
};

/* upper bounds in microseconds: 5 ms to 10 s, and 0.5 ms to 2.5 s */
static const apr_int64_t gateway_le[] = { 5000, 10000, 25000, 50000, 100000,
                                          250000, 500000, 1000000, 2500000,
                                          5000000, 10000000 };
static const apr_int64_t acquire_le[] = { 500, 1000, 2500, 5000, 10000,
                                          25000, 50000, 100000, 250000,
                                          500000, 1000000, 2500000 };
#define N_LE(a) (int)(sizeof(a) / sizeof(a[0]))

/* histograms, in the order of clinic_hist_id */
static const family_t hists[CLINIC_H_COUNT] = {
    { "clinic_gateway_duration_seconds", "Time of one call to the gateway, "
      "by channel.", { "channel", NULL }, { channels, NULL },
      gateway_le, N_LE(gateway_le) },
    { "clinic_db_acquire_seconds", "Time to get a pooled database "
      "connection.", { NULL, NULL }, { NULL, NULL },
      acquire_le, N_LE(acquire_le) },
};

static int n_values(const char *const *v)
{
    int n = 0;

    while (v && v[n]) {
        n++;
    }
    return n;
}

/* label combinations of a family (1 without labels) */
static int n_series(const family_t *f)
{
    int a = f->values[0] ? n_values(f->values[0]) : 1;
    int b = f->values[1] ? n_values(f->values[1]) : 1;

    return a * b;
}

/* values one histogram series takes: its buckets, +Inf, the sum */
#define HIST_WIDTH(f) ((f)->n_le + 2)

static long counter_base(clinic_metric_id id)
{
    long at = 0;
    int i;

    for (i = 0; i < (int)id; i++) {
        at += n_series(&counters[i]);
    }
    return at;
}

static long hist_base(clinic_hist_id id)
{
    long at = counter_base(CLINIC_M_COUNT);
    int i;

    for (i = 0; i < (int)id; i++) {
        at += (long)n_series(&hists[i]) * HIST_WIDTH(&hists[i]);
    }
    return at;
}

apr_size_t clinic_metrics_width(void)
{
    return (apr_size_t)hist_base(CLINIC_H_COUNT);
}

long clinic_metrics_counter_at(clinic_metric_id id, int label)
{
    if ((int)id < 0 || id >= CLINIC_M_COUNT || label < 0
        || label >= n_series(&counters[id])) {
        return -1;
    }
    return counter_base(id) + label;
}

long clinic_metrics_bucket_at(clinic_hist_id id, int label,
                              apr_interval_time_t elapsed, long *sum_at)
{
    const family_t *f;
    long base;
    int b = 0;

    if ((int)id < 0 || id >= CLINIC_H_COUNT || label < 0
        || label >= n_series(&hists[id])) {
        return -1;
    }
    f = &hists[id];
    base = hist_base(id) + (long)label * HIST_WIDTH(f);
    while (b < f->n_le && elapsed > f->le[b]) {
        b++;
    }
    *sum_at = base + f->n_le + 1;
    return base + b;
}

/* ---- text --------------------------------------------------------------- */

typedef struct {
    apr_pool_t *pool;
    char *buf;
    apr_size_t len, cap;
} out_t;

static void put(out_t *o, const char *s, apr_size_t n)
{
    if (o->len + n + 1 > o->cap) {
        apr_size_t cap = o->cap ? o->cap * 2 : 8192;
        char *grown;
        while (cap < o->len + n + 1) {
            cap *= 2;
        }
        grown = apr_palloc(o->pool, cap);
        if (o->len) {
            memcpy(grown, o->buf, o->len);
        }
        o->buf = grown;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void puts_(out_t *o, const char *s)
{
    put(o, s, strlen(s));
}

/* a label value: \ " and newline escaped (exposition format) */
static void put_label_value(out_t *o, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"') {
            put(o, "\\", 1);
            put(o, v, 1);
        }
        else if (*v == '\n') {
            put(o, "\\n", 2);
        }
        else {
            put(o, v, 1);
        }
    }
}

/* {vhost="...",a="..",b="..",le=".."} for series i of f */
static void put_labels(out_t *o, const family_t *f, const char *vhost,
                       int i, const char *le)
{
    int nb = f->values[1] ? n_values(f->values[1]) : 1;

    puts_(o, "{vhost=\"");
    put_label_value(o, vhost);
    put(o, "\"", 1);
    if (f->label[0]) {
        puts_(o, ",");
        puts_(o, f->label[0]);
        puts_(o, "=\"");
        puts_(o, f->values[0][i / nb]);
        put(o, "\"", 1);
    }
    if (f->label[1]) {
        puts_(o, ",");
        puts_(o, f->label[1]);
        puts_(o, "=\"");
        puts_(o, f->values[1][i % nb]);
        put(o, "\"", 1);
    }
    if (le) {
        puts_(o, ",le=\"");
        puts_(o, le);
        put(o, "\"", 1);
    }
    put(o, "}", 1);
}

static void put_head(out_t *o, const family_t *f, const char *suffix,
                     const char *type)
{
    puts_(o, apr_pstrcat(o->pool, "# HELP ", f->name, suffix, " ", f->help,
                         "\n# TYPE ", f->name, suffix, " ", type, "\n",
                         NULL));
}

static void put_value(out_t *o, const char *sep, apr_uint64_t v)
{
    puts_(o, apr_psprintf(o->pool, "%s%" APR_UINT64_T_FMT "\n", sep, v));
}

static void put_seconds(out_t *o, const char *sep, apr_uint64_t us)
{
    puts_(o, apr_psprintf(o->pool, "%s%" APR_UINT64_T_FMT ".%06u\n", sep,
                          us / 1000000, (unsigned)(us % 1000000)));
}

/* a bound in microseconds as seconds, shortest: "0.0005", "1", "2.5" */
static const char *le_text(apr_pool_t *p, apr_int64_t us)
{
    char *t = apr_psprintf(p, "%" APR_INT64_T_FMT ".%06u", us / 1000000,
                           (unsigned)(us % 1000000));
    apr_size_t n = strlen(t);

    while (t[n - 1] == '0') {
        t[--n] = '\0';
    }
    if (t[n - 1] == '.') {
        t[--n] = '\0';
    }
    return t;
}

/* one histogram series of one slot; short: only _sum and _count */
static void put_hist_series(out_t *o, const family_t *f,
                            const clinic_metrics_slot_t *s, long at, int i,
                            int short_form)
{
    const char *sep = short_form ? ": " : " ";
    apr_uint64_t cum = 0;
    int b;

    for (b = 0; b <= f->n_le; b++) {
        cum += s->values[at + b];
        if (short_form) {
            continue;
        }
        puts_(o, f->name);
        puts_(o, "_bucket");
        put_labels(o, f, s->vhost, i, b < f->n_le
                   ? le_text(o->pool, f->le[b]) : "+Inf");
        put_value(o, sep, cum);
    }
    puts_(o, f->name);
    puts_(o, "_sum");
    put_labels(o, f, s->vhost, i, NULL);
    put_seconds(o, sep, s->values[at + f->n_le + 1]);
    puts_(o, f->name);
    puts_(o, "_count");
    put_labels(o, f, s->vhost, i, NULL);
    put_value(o, sep, cum);
}

static char *text(apr_pool_t *p, const clinic_metrics_slot_t *slots, int n,
                  int short_form)
{
    out_t o = { p, NULL, 0, 0 };
    const char *sep = short_form ? ": " : " ";
    int m, k, i;

    puts_(&o, "");
    for (m = 0; m < CLINIC_M_COUNT; m++) {
        const family_t *f = &counters[m];
        long base = counter_base((clinic_metric_id)m);
        if (!short_form) {
            put_head(&o, f, "_total", "counter");
        }
        for (k = 0; k < n; k++) {
            for (i = 0; i < n_series(f); i++) {
                puts_(&o, f->name);
                puts_(&o, "_total");
                put_labels(&o, f, slots[k].vhost, i, NULL);
                put_value(&o, sep, slots[k].values[base + i]);
            }
        }
    }
    for (m = 0; m < CLINIC_H_COUNT; m++) {
        const family_t *f = &hists[m];
        long base = hist_base((clinic_hist_id)m);
        if (!short_form) {
            put_head(&o, f, "", "histogram");
        }
        for (k = 0; k < n; k++) {
            for (i = 0; i < n_series(f); i++) {
                put_hist_series(&o, f, &slots[k],
                                base + (long)i * HIST_WIDTH(f), i,
                                short_form);
            }
        }
    }
    return o.buf;
}

char *clinic_metrics_prometheus(apr_pool_t *p,
                                const clinic_metrics_slot_t *slots, int n)
{
    return text(p, slots, n, 0);
}

char *clinic_metrics_status_short(apr_pool_t *p,
                                  const clinic_metrics_slot_t *slots, int n)
{
    return text(p, slots, n, 1);
}

/* ---- mod_status's page -------------------------------------------------- */

static void put_html(out_t *o, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': puts_(o, "&lt;"); break;
        case '>': puts_(o, "&gt;"); break;
        case '&': puts_(o, "&amp;"); break;
        case '"': puts_(o, "&quot;"); break;
        default: put(o, s, 1);
        }
    }
}

/* "a=x, b=y" of series i, or "" */
static const char *label_text(apr_pool_t *p, const family_t *f, int i)
{
    int nb = f->values[1] ? n_values(f->values[1]) : 1;

    if (!f->label[0]) {
        return "";
    }
    if (!f->label[1]) {
        return apr_pstrcat(p, f->label[0], "=", f->values[0][i / nb], NULL);
    }
    return apr_pstrcat(p, f->label[0], "=", f->values[0][i / nb], ", ",
                       f->label[1], "=", f->values[1][i % nb], NULL);
}

static void html_slot(out_t *o, const clinic_metrics_slot_t *s)
{
    int m, i, b;

    puts_(o, "<h3>");
    put_html(o, s->vhost);
    puts_(o, "</h3>\n<table border=\"0\"><tr><th>metric</th><th>labels</th>"
             "<th>value</th></tr>\n");
    for (m = 0; m < CLINIC_M_COUNT; m++) {
        const family_t *f = &counters[m];
        long base = counter_base((clinic_metric_id)m);
        for (i = 0; i < n_series(f); i++) {
            puts_(o, apr_psprintf(o->pool, "<tr><td>%s_total</td><td>%s</td>"
                                  "<td>%" APR_UINT64_T_FMT "</td></tr>\n",
                                  f->name, label_text(o->pool, f, i),
                                  s->values[base + i]));
        }
    }
    for (m = 0; m < CLINIC_H_COUNT; m++) {
        const family_t *f = &hists[m];
        long base = hist_base((clinic_hist_id)m);
        for (i = 0; i < n_series(f); i++) {
            long at = base + (long)i * HIST_WIDTH(f);
            apr_uint64_t count = 0, us = s->values[at + f->n_le + 1];
            for (b = 0; b <= f->n_le; b++) {
                count += s->values[at + b];
            }
            puts_(o, apr_psprintf(o->pool, "<tr><td>%s</td><td>%s</td><td>"
                                  "%" APR_UINT64_T_FMT " observed, mean "
                                  "%.3f s</td></tr>\n", f->name,
                                  label_text(o->pool, f, i), count,
                                  count ? (double)us / 1e6 / (double)count
                                        : 0.0));
        }
    }
    puts_(o, "</table>\n");
}

char *clinic_metrics_status_html(apr_pool_t *p,
                                 const clinic_metrics_slot_t *slots, int n)
{
    out_t o = { p, NULL, 0, 0 };
    int k;

    puts_(&o, "<hr />\n<h2>mod_clinic</h2>\n");
    if (!n) {
        puts_(&o, "<p>No virtual host serves the clinic.</p>\n");
    }
    for (k = 0; k < n; k++) {
        html_slot(&o, &slots[k]);
    }
    return o.buf;
}
