/*
 * SPDX-License-Identifier: Apache-2.0
 * ratelimit.h: request limits.
 *
 * OTP limits (otp-phone, otp-ip, otp-guess) must be exact across processes and hosts,
 * so they are counted in the database (store_codes.c, sliding window).
 * The general limits (user, anon) are checked on every request and must
 * stay cheap: a fixed window per key, counted without a lock in shared
 * memory (sketch.c) by default; with ClinicRateLimitCache, in that socache
 * (memcache or redis for several hosts), read, incremented and stored
 * under a global mutex (the socache API has no increment).
 */
#ifndef CLINIC_RATELIMIT_H
#define CLINIC_RATELIMIT_H

#include "request.h"

void clinic_ratelimit_register_hooks(apr_pool_t *p);
int clinic_ratelimit_post_config(apr_pool_t *pconf, server_rec *s);
void clinic_ratelimit_child_init(apr_pool_t *p, server_rec *s);

/* General limit for this request (user when the token's user was loaded
 * live into cr->user, else anon by client); sets the RateLimit-* headers.
 * OK, or the status of the 429 already sent. */
int clinic_ratelimit_general(clinic_req_t *cr);

/* Exact limit `kind` for key (a phone number or an IP).  OK, or DONE
 * once answered (429, 503 or 500). */
int clinic_ratelimit_exact(clinic_req_t *cr, clinic_rl_kind kind,
                           const char *key);

/* One slot of an exact limit, held by a request until it knows whether
 * the request counts (a code check counts only when the code was wrong) */
typedef struct {
    const char *bucket;
    int slot;              /* -1: none held */
} clinic_rl_held_t;

/* clinic_ratelimit_exact, keeping in *held the slot taken on OK */
int clinic_ratelimit_hold(clinic_req_t *cr, clinic_rl_kind kind,
                          const char *key, clinic_rl_held_t *held);
/* Give the held slot back: the request did not count after all */
void clinic_ratelimit_give_back(clinic_req_t *cr, clinic_rl_held_t *held);

/* The same for two limits counted together (the IP's first, then the
 * number's, as two calls would) */
int clinic_ratelimit_exact_pair(clinic_req_t *cr, clinic_rl_kind kind1,
                                const char *key1, clinic_rl_kind kind2,
                                const char *key2);

#endif
