/*
 * SPDX-License-Identifier: Apache-2.0
 * cap.h: a number of places (calls in flight) with a bounded waiting room,
 * per process.  A call past the places waits a short, bounded time for
 * one; past the waiting room it is refused at once, so a service that
 * hangs holds at most places + waiting threads.  A place freed while
 * someone waits is handed to a waiter, not to a newcomer.  Pure: APR
 * thread mutex and condition only, so the unit tests drive it from
 * threads without httpd.
 */
#ifndef CLINIC_CAP_H
#define CLINIC_CAP_H

#include <apr.h>
#include <apr_pools.h>
#include <apr_time.h>

typedef struct clinic_cap_t clinic_cap_t;

/* max places (>= 1) and max_waiting threads (>= 0) allowed to wait */
apr_status_t clinic_cap_create(clinic_cap_t **out, int max, int max_waiting,
                               apr_pool_t *p);

/* Take a place, waiting at most timeout for one.  APR_SUCCESS: taken
 * (*waited 1 when it had to wait); APR_EBUSY: refused at once (max_waiting
 * already wait, or timeout 0); APR_TIMEUP: waited timeout, no place. */
apr_status_t clinic_cap_take(clinic_cap_t *c, apr_interval_time_t timeout,
                             int *waited);
void clinic_cap_give(clinic_cap_t *c);

/* every place and every waiting spot taken: a take now is refused at once */
int clinic_cap_full(clinic_cap_t *c);

/* Count a refusal; 1 when a log line is due (the first, then at most one
 * every `every`), with *count the refusals since the last line. */
int clinic_cap_refused(clinic_cap_t *c, apr_interval_time_t every,
                       unsigned *count);

#endif
