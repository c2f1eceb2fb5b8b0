/*
 * SPDX-License-Identifier: Apache-2.0
 * test_cap.c: places with a bounded waiting room (the send cap): a call
 * past the places waits for one, gets a place as soon as one is given,
 * gives up after its timeout, and past the waiting room is refused at
 * once; a freed place goes to a waiter, never to a newcomer; threads
 * never hold more places than there are.
 */
#include <apr_atomic.h>
#include <apr_thread_proc.h>
#include <apr_time.h>
#include <criterion/criterion.h>

#include "cap.h"

#include "pool_fixture.h"

TestSuite(cap, .init = setup, .fini = teardown);

#define MS(n) ((apr_interval_time_t)(n) * 1000)

static clinic_cap_t *cap(int max, int waiting)
{
    clinic_cap_t *c;

    cr_assert_eq(clinic_cap_create(&c, max, waiting, pool), APR_SUCCESS);
    return c;
}

typedef struct {
    clinic_cap_t *cap;
    apr_interval_time_t timeout;
    apr_status_t rv;
    int waited;
    apr_interval_time_t took;
} taker_t;

static void *APR_THREAD_FUNC take_one(apr_thread_t *t, void *arg)
{
    taker_t *k = arg;
    apr_time_t t0 = apr_time_now();

    k->rv = clinic_cap_take(k->cap, k->timeout, &k->waited);
    k->took = apr_time_now() - t0;
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

static apr_thread_t *start(taker_t *k)
{
    apr_thread_t *t;

    cr_assert_eq(apr_thread_create(&t, NULL, take_one, k, pool), APR_SUCCESS);
    return t;
}

static void finish(apr_thread_t *t)
{
    apr_status_t rv;

    apr_thread_join(&rv, t);
}

Test(cap, places_then_refused_at_once_without_a_waiting_room)
{
    clinic_cap_t *c = cap(2, 0);
    int waited;
    apr_time_t t0;

    cr_assert_eq(clinic_cap_take(c, MS(500), &waited), APR_SUCCESS);
    cr_assert_eq(waited, 0);
    cr_assert_eq(clinic_cap_take(c, MS(500), &waited), APR_SUCCESS);
    cr_assert(clinic_cap_full(c));
    t0 = apr_time_now();
    cr_assert_eq(clinic_cap_take(c, MS(500), &waited), APR_EBUSY);
    cr_assert(apr_time_now() - t0 < MS(300), "a refusal waited");
    clinic_cap_give(c);
    cr_assert_not(clinic_cap_full(c));
    cr_assert_eq(clinic_cap_take(c, 0, &waited), APR_SUCCESS);
}

Test(cap, a_waiter_gets_the_place_given_back)
{
    clinic_cap_t *c = cap(1, 1);
    taker_t k = { c, MS(5000), APR_EGENERAL, 0, 0 };
    apr_thread_t *t;
    int waited;

    cr_assert_eq(clinic_cap_take(c, 0, &waited), APR_SUCCESS);
    t = start(&k);
    apr_sleep(MS(200));
    clinic_cap_give(c);
    finish(t);
    cr_assert_eq(k.rv, APR_SUCCESS);
    cr_assert_eq(k.waited, 1);
    cr_assert(k.took >= MS(150) && k.took < MS(3000), "took %" APR_TIME_T_FMT
              " us", k.took);
    /* the waiter holds the place now */
    cr_assert_eq(clinic_cap_take(c, 0, &waited), APR_EBUSY);
    clinic_cap_give(c);
    cr_assert_eq(clinic_cap_take(c, 0, &waited), APR_SUCCESS);
}

Test(cap, a_waiter_gives_up_after_its_timeout)
{
    clinic_cap_t *c = cap(1, 4);
    int waited;
    apr_time_t t0;

    cr_assert_eq(clinic_cap_take(c, 0, &waited), APR_SUCCESS);
    t0 = apr_time_now();
    cr_assert_eq(clinic_cap_take(c, MS(300), &waited), APR_TIMEUP);
    cr_assert_eq(waited, 1);
    cr_assert(apr_time_now() - t0 >= MS(290), "gave up early");
    cr_assert(apr_time_now() - t0 < MS(3000), "waited past the timeout");
    cr_assert_not(clinic_cap_full(c), "the waiting room is empty again");
}

Test(cap, past_the_waiting_room_refused_at_once)
{
    clinic_cap_t *c = cap(1, 2);
    taker_t k[2] = { { c, MS(5000), APR_EGENERAL, 0, 0 },
                     { c, MS(5000), APR_EGENERAL, 0, 0 } };
    apr_thread_t *t[2];
    int waited, i;
    apr_time_t t0;

    cr_assert_eq(clinic_cap_take(c, 0, &waited), APR_SUCCESS);
    t[0] = start(&k[0]);
    t[1] = start(&k[1]);
    for (i = 0; i < 100 && !clinic_cap_full(c); i++) {
        apr_sleep(MS(20));
    }
    cr_assert(clinic_cap_full(c), "two waiters never filled the room");
    t0 = apr_time_now();
    cr_assert_eq(clinic_cap_take(c, MS(5000), &waited), APR_EBUSY);
    cr_assert_eq(waited, 0);
    cr_assert(apr_time_now() - t0 < MS(300), "a refusal waited");
    /* each waiter in turn */
    clinic_cap_give(c);
    apr_sleep(MS(100));
    clinic_cap_give(c);
    finish(t[0]);
    finish(t[1]);
    cr_assert_eq(k[0].rv, APR_SUCCESS);
    cr_assert_eq(k[1].rv, APR_SUCCESS);
    clinic_cap_give(c);
    cr_assert_eq(clinic_cap_take(c, 0, &waited), APR_SUCCESS);
}

Test(cap, a_freed_place_goes_to_the_waiter_not_a_newcomer)
{
    clinic_cap_t *c = cap(1, 1);
    taker_t k = { c, MS(5000), APR_EGENERAL, 0, 0 };
    apr_thread_t *t;
    int waited, i;

    cr_assert_eq(clinic_cap_take(c, 0, &waited), APR_SUCCESS);
    t = start(&k);
    for (i = 0; i < 100 && !clinic_cap_full(c); i++) {
        apr_sleep(MS(20));
    }
    clinic_cap_give(c);
    /* before the waiter wakes: the place is not free for this one */
    cr_assert_eq(clinic_cap_take(c, 0, &waited), APR_EBUSY);
    finish(t);
    cr_assert_eq(k.rv, APR_SUCCESS);
}

typedef struct {
    clinic_cap_t *cap;
    volatile apr_uint32_t inside, most, got, refused;
} stress_t;

static void *APR_THREAD_FUNC churn(apr_thread_t *t, void *arg)
{
    stress_t *s = arg;
    int i, waited;

    for (i = 0; i < 2000; i++) {
        apr_uint32_t now, most;
        if (clinic_cap_take(s->cap, MS(1000), &waited) != APR_SUCCESS) {
            apr_atomic_inc32(&s->refused);
            continue;
        }
        now = apr_atomic_inc32(&s->inside) + 1;
        while ((most = apr_atomic_read32(&s->most)) < now
               && apr_atomic_cas32(&s->most, now, most) != most) {
        }
        apr_atomic_inc32(&s->got);
        apr_atomic_dec32(&s->inside);
        clinic_cap_give(s->cap);
    }
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

Test(cap, threads_never_hold_more_places_than_there_are)
{
    stress_t s = { cap(3, 16), 0, 0, 0, 0 };
    apr_thread_t *t[8];
    int i, waited;

    for (i = 0; i < 8; i++) {
        cr_assert_eq(apr_thread_create(&t[i], NULL, churn, &s, pool),
                     APR_SUCCESS);
    }
    for (i = 0; i < 8; i++) {
        finish(t[i]);
    }
    cr_assert_leq(s.most, 3, "%u places held at once", s.most);
    /* 8 threads fit in 3 places and 16 waiting spots: none refused */
    cr_assert_eq(s.refused, 0);
    cr_assert_eq(s.got, 8 * 2000);
    /* no place was lost */
    for (i = 0; i < 3; i++) {
        cr_assert_eq(clinic_cap_take(s.cap, 0, &waited), APR_SUCCESS);
    }
    cr_assert_eq(clinic_cap_take(s.cap, 0, &waited), APR_EBUSY);
}

Test(cap, refusals_are_logged_once_an_interval_with_their_count)
{
    clinic_cap_t *c = cap(1, 0);
    unsigned n = 0;
    int i, lines = 0;

    cr_assert(clinic_cap_refused(c, apr_time_from_sec(60), &n));
    cr_assert_eq(n, 1);
    for (i = 0; i < 9; i++) {
        lines += clinic_cap_refused(c, apr_time_from_sec(60), &n);
    }
    cr_assert_eq(lines, 0);
    cr_assert(clinic_cap_refused(c, 0, &n));
    cr_assert_eq(n, 10);
}
