/*
 * SPDX-License-Identifier: Apache-2.0
 * metrics.h: the figures an operator watches (README, "Metrics").
 *
 * Counters and histograms live in shared memory made once per server
 * lifetime: exact across child processes, kept over graceful restarts,
 * labelled by virtual host ("ServerName:port").  They never hold personal
 * data: no phone numbers, ids or addresses, only the small label sets
 * below.  `SetHandler clinic-metrics` serves them in the Prometheus text
 * format, and mod_status shows them in server-status.
 *
 * Counting is one line where the thing happens:
 *
 *     clinic_metric_inc(r->server, CLINIC_M_VERIFIES, CLINIC_VERIFY_OK);
 *     clinic_metric_inc(r->server, CLINIC_M_CODES_NOT_ACTIVATED, 0);
 *     clinic_metric_observe(r->server, CLINIC_H_DB_ACQUIRE,
 *                           apr_time_now() - start);
 *
 * A counter without labels takes label 0.  Two-label counters take the
 * index their macro makes (CLINIC_SEND_LABEL, CLINIC_PAY_LABEL).  Adding
 * a metric: an id here, its row in metrics_fmt.c's table (name, help,
 * label values), a line in README.md.  The ids are metric_ids.h's.
 */
#ifndef CLINIC_METRICS_H
#define CLINIC_METRICS_H

#include <apr_time.h>
#include <apr_errno.h>

#include "metric_ids.h"

/* ---- the calls (server_rec from httpd.h; any server, NULL is ignored) -- */

struct server_rec;
struct request_rec;

void clinic_metric_inc(struct server_rec *s, clinic_metric_id id, int label);
void clinic_metric_add(struct server_rec *s, clinic_metric_id id, int label,
                       apr_uint64_t n);
void clinic_metric_observe(struct server_rec *s, clinic_hist_id id,
                           apr_interval_time_t elapsed);
/* the same for a histogram with a label (CLINIC_H_GATEWAY: the
 * channel; observe() is label 0) */
void clinic_metric_observe_at(struct server_rec *s, clinic_hist_id id,
                              int label, apr_interval_time_t elapsed);

/* One gateway call: its result from the driver's status (APR_SUCCESS,
 * APR_TIMEUP, anything else failed), and its time. */
void clinic_metric_send(struct server_rec *s, clinic_channel ch,
                        apr_status_t rv, apr_interval_time_t elapsed);
/* A verify refused with the security log's reason word ("wrong_code",
 * "expired", "not_found", "replaced", "used", "attempts_exceeded") */
void clinic_metric_verify_refused(struct server_rec *s, const char *reason);
/* A payment event of the security log ("payment_created",
 * "payment_completed", "payment_failed", "payment_late_success",
 * "payment_amount_mismatch") under the pay driver that made it */
void clinic_metric_payment(struct server_rec *s, int pay_driver,
                           const char *event);

/* 503s.  clinic_send_unavailable counts every one; a caller that knows
 * why (a cap) says so first.  Without it the cause is the database's
 * state the store recorded (clinic_store_fault), else "other". */
void clinic_metric_cause(struct request_rec *r, clinic_unavail_cause cause);
void clinic_metric_unavailable(struct request_rec *r);

/* ---- the module's hooks (mod_clinic.c) ---------------------------------- */

/* post_config: the shared memory (once a server lifetime) and each
 * server's vhost slot.  APR_SUCCESS, or the reason it is not kept. */
apr_status_t clinic_metrics_post_config(apr_pool_t *pconf,
                                        struct server_rec *s);
/* the clinic-metrics handler and the mod_status hook */
void clinic_metrics_register_hooks(apr_pool_t *p);
#define CLINIC_METRICS_HANDLER "clinic-metrics"

#endif
