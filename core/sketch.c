/*
 * SPDX-License-Identifier: Apache-2.0
 * sketch.c: lock-free request counters (see sketch.h).  Pure: APR atomics
 * only, so the unit tests hammer it from threads without httpd.
 */
#include <apr_atomic.h>

#include "sketch.h"

struct clinic_sketch_t {
    apr_uint64_t seed;
    apr_uint64_t mask;
    volatile apr_uint64_t bucket[1];    /* 2^log2 of them */
};

apr_size_t clinic_sketch_size(unsigned log2_buckets)
{
    return sizeof(clinic_sketch_t)
           + (((apr_size_t)1 << log2_buckets) - 1) * sizeof(apr_uint64_t);
}

clinic_sketch_t *clinic_sketch_init(void *mem, unsigned log2_buckets,
                                    apr_uint64_t seed)
{
    clinic_sketch_t *s = mem;

    s->seed = seed;
    s->mask = ((apr_uint64_t)1 << log2_buckets) - 1;
    return s;
}

/* FNV-1a from the seed, then a 64-bit finaliser (splitmix64's) so every
 * bit of the key moves every bit of the hash */
static apr_uint64_t hash(apr_uint64_t seed, const unsigned char *p,
                         apr_size_t n)
{
    apr_uint64_t h = APR_UINT64_C(14695981039346656037) ^ seed;

    while (n--) {
        h = (h ^ *p++) * APR_UINT64_C(1099511628211);
    }
    h ^= h >> 30;
    h *= APR_UINT64_C(0xbf58476d1ce4e5b9);
    h ^= h >> 27;
    h *= APR_UINT64_C(0x94d049bb133111eb);
    return h ^ (h >> 31);
}

/* add one to a bucket for window; its count now.  A bucket of an older
 * window starts again; one of a newer window (a request that read the
 * clock a moment before another) is counted in as it is. */
static apr_uint32_t bump(volatile apr_uint64_t *b, apr_uint32_t window)
{
    apr_uint64_t old = apr_atomic_read64(b), now;
    apr_uint32_t count, w;

    for (;;) {
        w = (apr_uint32_t)(old >> 32);
        if (w >= window) {
            count = (apr_uint32_t)old;
        }
        else {
            count = 0;
            w = window;
        }
        if (count < APR_UINT32_MAX) {
            count++;
        }
        now = ((apr_uint64_t)w << 32) | count;
        {
            apr_uint64_t seen = apr_atomic_cas64(b, now, old);
            if (seen == old) {
                return count;
            }
            old = seen;
        }
    }
}

apr_uint32_t clinic_sketch_hit(clinic_sketch_t *s, const void *key,
                               apr_size_t len, apr_uint32_t window)
{
    apr_uint64_t h1 = hash(s->seed, key, len);
    apr_uint64_t h2 = hash(~s->seed, key, len) | 1;
    apr_uint32_t least = APR_UINT32_MAX, again;
    int i;

    volatile apr_uint64_t *b[CLINIC_SKETCH_DEPTH];

    /* the buckets h1 + i*h2 (mod the table): as good as independent
     * hashes for a sketch, for two hashes' work */
    for (i = 0; i < CLINIC_SKETCH_DEPTH; i++) {
        apr_uint32_t c;
        b[i] = &s->bucket[(h1 + (apr_uint64_t)i * h2) & s->mask];
        c = bump(b[i], window);
        if (c < least) {
            least = c;
        }
    }
    /* Read them again once all are counted: requests of one key racing
     * through the buckets in turn could each see a low count in another
     * bucket; read after every bump, of n racing requests the last one
     * sees all n, so no more than the limit get a count within it. */
    again = APR_UINT32_MAX;
    for (i = 0; i < CLINIC_SKETCH_DEPTH; i++) {
        apr_uint64_t v = apr_atomic_read64(b[i]);
        if ((apr_uint32_t)(v >> 32) >= window && (apr_uint32_t)v < again) {
            again = (apr_uint32_t)v;
        }
    }
    /* a bucket only grows within its window: again is at least least,
     * unless every bucket moved on to a newer window meanwhile */
    return again != APR_UINT32_MAX && again > least ? again : least;
}
