/*
 * SPDX-License-Identifier: Apache-2.0
 * cap.c: places with a bounded waiting room (see cap.h).
 */
#include <apr_thread_mutex.h>
#include <apr_thread_cond.h>

#include "cap.h"

struct clinic_cap_t {
    apr_thread_mutex_t *lock;
    apr_thread_cond_t *freed;
    int max, max_waiting;
    int in_use;             /* places taken, handed ones included */
    int waiting;            /* threads waiting for a place */
    int handed;             /* places given to waiters not yet awake */
    unsigned refused;       /* refusals since the last log line */
    apr_time_t logged_at;
};

apr_status_t clinic_cap_create(clinic_cap_t **out, int max, int max_waiting,
                               apr_pool_t *p)
{
    clinic_cap_t *c = apr_pcalloc(p, sizeof(*c));
    apr_status_t rv;

    *out = NULL;
    if ((rv = apr_thread_mutex_create(&c->lock, APR_THREAD_MUTEX_DEFAULT, p))
        != APR_SUCCESS
        || (rv = apr_thread_cond_create(&c->freed, p)) != APR_SUCCESS) {
        return rv;
    }
    c->max = max > 0 ? max : 1;
    c->max_waiting = max_waiting > 0 ? max_waiting : 0;
    *out = c;
    return APR_SUCCESS;
}

apr_status_t clinic_cap_take(clinic_cap_t *c, apr_interval_time_t timeout,
                             int *waited)
{
    apr_time_t deadline = apr_time_now() + timeout, left;
    apr_status_t rv = APR_EBUSY;

    *waited = 0;
    apr_thread_mutex_lock(c->lock);
    if (c->in_use < c->max) {
        c->in_use++;
        rv = APR_SUCCESS;
    }
    else if (timeout > 0 && c->waiting - c->handed < c->max_waiting) {
        c->waiting++;
        *waited = 1;
        /* woken by a give (or spuriously): a handed place is ours */
        while (!c->handed && (left = deadline - apr_time_now()) > 0) {
            apr_thread_cond_timedwait(c->freed, c->lock, left);
        }
        c->waiting--;
        if (c->handed) {
            c->handed--;        /* in_use already counts it */
            rv = APR_SUCCESS;
        }
        else {
            rv = APR_TIMEUP;
        }
    }
    apr_thread_mutex_unlock(c->lock);
    return rv;
}

void clinic_cap_give(clinic_cap_t *c)
{
    apr_thread_mutex_lock(c->lock);
    if (c->waiting > c->handed) {
        /* the place stays taken: it goes to a waiter */
        c->handed++;
        apr_thread_cond_signal(c->freed);
    }
    else {
        c->in_use--;
    }
    apr_thread_mutex_unlock(c->lock);
}

int clinic_cap_full(clinic_cap_t *c)
{
    int full;

    apr_thread_mutex_lock(c->lock);
    full = c->in_use >= c->max && c->waiting - c->handed >= c->max_waiting;
    apr_thread_mutex_unlock(c->lock);
    return full;
}

int clinic_cap_refused(clinic_cap_t *c, apr_interval_time_t every,
                       unsigned *count)
{
    apr_time_t now = apr_time_now();
    int due = 0;

    apr_thread_mutex_lock(c->lock);
    c->refused++;
    if (!c->logged_at || now - c->logged_at >= every) {
        *count = c->refused;
        c->refused = 0;
        c->logged_at = now;
        due = 1;
    }
    apr_thread_mutex_unlock(c->lock);
    return due;
}
