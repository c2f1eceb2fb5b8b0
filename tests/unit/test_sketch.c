/*
 * SPDX-License-Identifier: Apache-2.0
 * test_sketch.c: the lock-free counters of the general limits: exact for
 * one key, never below the true count for many, a new window starts
 * again, and threads hitting one key at once lose no count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_atomic.h>
#include <apr_thread_proc.h>
#include <criterion/criterion.h>

#include "sketch.h"

#include "pool_fixture.h"

TestSuite(sketch, .init = setup, .fini = teardown);

static clinic_sketch_t *table(unsigned log2)
{
    void *mem = apr_pcalloc(pool, clinic_sketch_size(log2));
    return clinic_sketch_init(mem, log2, 0x1234abcdULL);
}

static apr_uint32_t hit(clinic_sketch_t *s, const char *key, apr_uint32_t w)
{
    return clinic_sketch_hit(s, key, strlen(key), w);
}

Test(sketch, one_key_counts_exactly_and_a_new_window_starts_again)
{
    clinic_sketch_t *s = table(10);
    apr_uint32_t i;

    for (i = 1; i <= 100; i++) {
        cr_assert_eq(hit(s, "main:443|a|192.0.2.1|60", 60), i);
    }
    cr_assert_eq(hit(s, "main:443|a|192.0.2.2|60", 60), 1, "another key");
    cr_assert_eq(hit(s, "main:443|a|192.0.2.1|60", 120), 1, "next window");
    /* a request that read the clock a moment earlier counts in */
    cr_assert_eq(hit(s, "main:443|a|192.0.2.1|60", 60), 2);
}

Test(sketch, many_keys_in_a_small_table_are_never_under_counted)
{
    /* 5,000 keys in 1,024 buckets: collisions everywhere */
    clinic_sketch_t *s = table(10);
    static apr_uint32_t truth[5000];
    char key[32];
    int i, round, over = 0;

    for (round = 0; round < 3; round++) {
        for (i = 0; i < 5000; i++) {
            apr_uint32_t c;
            snprintf(key, sizeof(key), "k%d", i);
            c = hit(s, key, 7);
            truth[i]++;
            cr_assert_geq(c, truth[i], "key %d: %u < %u", i, c, truth[i]);
            over += c > truth[i];
        }
    }
    cr_assert_gt(over, 0, "a table this small must over-count some");
}

Test(sketch, a_large_table_counts_a_crowd_exactly)
{
    /* the module's size: 2^20 buckets, 20,000 clients of one window */
    clinic_sketch_t *s = table(20);
    char key[32];
    int i, wrong = 0;

    for (i = 0; i < 20000; i++) {
        snprintf(key, sizeof(key), "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
        hit(s, key, 9);
    }
    for (i = 0; i < 20000; i++) {
        snprintf(key, sizeof(key), "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
        wrong += hit(s, key, 9) != 2;
    }
    /* about 0.6 expected (each of 4 buckets shared with p = 0.073) */
    cr_assert_leq(wrong, 5, "%d of 20,000 clients over-counted", wrong);
}

typedef struct {
    clinic_sketch_t *s;
    apr_uint32_t seen;
    apr_uint32_t within;        /* hits that saw a count <= LIMIT */
} worker_t;

#define LIMIT 1000

static void *APR_THREAD_FUNC hammer(apr_thread_t *t, void *data)
{
    worker_t *w = data;
    int i;

    for (i = 0; i < 20000; i++) {
        apr_uint32_t c = hit(w->s, "one-key", 3);
        if (c > w->seen) {
            w->seen = c;
        }
        w->within += c <= LIMIT;
    }
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

Test(sketch, threads_at_once_lose_no_count)
{
    clinic_sketch_t *s = table(12);
    apr_thread_t *th[8];
    worker_t w[8];
    apr_uint32_t top = 0, within = 0;
    apr_status_t rv;
    int i;

    for (i = 0; i < 8; i++) {
        w[i].s = s;
        w[i].seen = 0;
        w[i].within = 0;
        cr_assert_eq(apr_thread_create(&th[i], NULL, hammer, &w[i], pool),
                     APR_SUCCESS);
    }
    for (i = 0; i < 8; i++) {
        apr_thread_join(&rv, th[i]);
        if (w[i].seen > top) {
            top = w[i].seen;
        }
        within += w[i].within;
    }
    /* racing through the buckets, no more requests got a count within
     * a limit than the limit */
    cr_assert_leq(within, LIMIT, "%u hits saw a count <= %d", within, LIMIT);
    cr_assert_eq(top, 160000, "8 x 20,000 hits counted as %u", top);
    cr_assert_eq(hit(s, "one-key", 3), 160001);
}

/* 8 threads meet at a barrier, then each counts 4 hits of one key in a
 * fresh window; with a limit of 16, at most 16 of the 32 hits may see a
 * count within it, however they race through the 4 buckets (fewer when a
 * read after the bumps already sees later hits: counted high, safe) */
#define RACERS 8
#define WINDOWS 400

typedef struct {
    clinic_sketch_t *s;
    volatile apr_uint32_t *arrived;
    apr_uint32_t passed;
} racer_t;

static void *APR_THREAD_FUNC race(apr_thread_t *t, void *data)
{
    racer_t *r = data;
    apr_uint32_t w;
    int k;

    for (w = 1; w <= WINDOWS; w++) {
        apr_atomic_inc32(r->arrived);
        while (apr_atomic_read32(r->arrived) < RACERS * w) {
            apr_thread_yield();     /* all start the window together */
        }
        for (k = 0; k < 4; k++) {
            r->passed += hit(r->s, "racing-key", w) <= 16;
        }
    }
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

Test(sketch, racing_requests_never_pass_beyond_the_limit)
{
    clinic_sketch_t *s = table(12);
    volatile apr_uint32_t arrived = 0;
    apr_thread_t *th[RACERS];
    racer_t r[RACERS];
    apr_uint32_t passed = 0;
    apr_status_t rv;
    int i;

    for (i = 0; i < RACERS; i++) {
        r[i].s = s;
        r[i].arrived = &arrived;
        r[i].passed = 0;
        cr_assert_eq(apr_thread_create(&th[i], NULL, race, &r[i], pool),
                     APR_SUCCESS);
    }
    for (i = 0; i < RACERS; i++) {
        apr_thread_join(&rv, th[i]);
        passed += r[i].passed;
    }
    cr_assert_leq(passed, 16 * WINDOWS, "%u passed in %d windows of 16",
                  passed, WINDOWS);
    cr_assert_geq(passed, 15 * WINDOWS, "counted far too high: %u", passed);
}
