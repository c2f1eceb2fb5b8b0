/*
 * SPDX-License-Identifier: Apache-2.0
 * sketch.h: request counters in shared memory without a lock, for the
 * general limits (user, anon) on one host.
 *
 * A count-min sketch: each key counts in CLINIC_SKETCH_DEPTH buckets of
 * one table, picked by a hash seeded at random when the table is made;
 * its count is the smallest of them.  A bucket is one 64-bit word, the
 * window it counts (32 bits) and the count (32 bits), moved with
 * compare-and-swap: a bucket of an older window starts again at 1.  So a
 * count is never below the key's true count (a limit can't be slipped),
 * and above it only when every one of its buckets is shared with another
 * busy key, which a table many times larger than the clients of a window
 * makes rare.  All keys of one table must use windows of one length.
 */
#ifndef CLINIC_SKETCH_H
#define CLINIC_SKETCH_H

#include <apr.h>
#include <apr_pools.h>

#define CLINIC_SKETCH_DEPTH 4

typedef struct clinic_sketch_t clinic_sketch_t;

/* The bytes a table of 2^log2_buckets buckets takes */
apr_size_t clinic_sketch_size(unsigned log2_buckets);
/* Lay a table out in mem (clinic_sketch_size bytes, zeroed, 8-aligned:
 * shared memory made before the children fork, or any memory) */
clinic_sketch_t *clinic_sketch_init(void *mem, unsigned log2_buckets,
                                    apr_uint64_t seed);
/* Count one request of key in window (a number that grows with time);
 * the key's count in that window, this one included */
apr_uint32_t clinic_sketch_hit(clinic_sketch_t *s, const void *key,
                               apr_size_t len, apr_uint32_t window);

#endif
