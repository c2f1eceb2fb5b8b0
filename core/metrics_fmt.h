/*
 * SPDX-License-Identifier: Apache-2.0
 * metrics_fmt.h: the metrics' table and their text, without httpd.
 *
 * What each metric is called and which label values it has (the table in
 * metrics_fmt.c), where its values sit in a virtual host's slot of the
 * shared memory, and the text made from a copy of the values: the
 * Prometheus text exposition format 0.0.4, and mod_status's short
 * ("?auto") and HTML forms.  Pure, so the unit tests check the text.
 */
#ifndef CLINIC_METRICS_FMT_H
#define CLINIC_METRICS_FMT_H

#include <apr_pools.h>
#include "metric_ids.h"

#define CLINIC_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The values of one virtual host, as many as clinic_metrics_width():
 * each counter series, then for each histogram series its buckets (not
 * cumulative, the last one +Inf) and the sum of its observations in
 * microseconds. */
typedef struct {
    const char *vhost;            /* "ServerName:port" */
    const apr_uint64_t *values;
} clinic_metrics_slot_t;

/* values in a slot */
apr_size_t clinic_metrics_width(void);
/* where counter id's series `label` sits, or -1 for a label out of range */
long clinic_metrics_counter_at(clinic_metric_id id, int label);
/* where the bucket of histogram id's series `label` for `elapsed` sits,
 * or -1; *sum_at gets where its sum sits */
long clinic_metrics_bucket_at(clinic_hist_id id, int label,
                              apr_interval_time_t elapsed, long *sum_at);
/* The Prometheus text of n slots (every line ends in a newline) */
char *clinic_metrics_prometheus(apr_pool_t *p,
                                const clinic_metrics_slot_t *slots, int n);
/* mod_status: "name{labels}: value" lines (?auto), or HTML tables */
char *clinic_metrics_status_short(apr_pool_t *p,
                                  const clinic_metrics_slot_t *slots, int n);
char *clinic_metrics_status_html(apr_pool_t *p,
                                 const clinic_metrics_slot_t *slots, int n);

#endif
