/*
 * ratelimit.h: request limits.
 *
 * OTP limits (otp-phone, otp-ip) must be exact across processes and hosts,
 * so they are counted in the database (store_codes.c, sliding window).
 * The general limits (user, anon) are checked on every request and must
 * stay cheap, so they live in Apache's socache (shmcb by default, a fixed
 * window per key, read, incremented and stored under a global mutex
 * whatever the provider: the socache API has no increment).
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

#endif
