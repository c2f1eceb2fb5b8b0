/*
 * SPDX-License-Identifier: Apache-2.0
 * ipkey.h: the client an address stands for, as the per-IP limits count
 * it.  Pure: no httpd headers.
 *
 * An IPv4 address is itself.  An IPv6 address is its prefix of `bits`
 * (ClinicRateLimitIPv6Prefix, default 64): one home or phone network gets
 * a whole /64, so counting single addresses would give an attacker 2^64
 * clients.  An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is its IPv4
 * address.
 */
#ifndef CLINIC_IPKEY_H
#define CLINIC_IPKEY_H

#include <apr_pools.h>

#define CLINIC_IPV6_PREFIX_DEFAULT 64

/* "192.0.2.1", "2001:db8:1:2::/64"; an address that does not parse is
 * returned as it is (never NULL for a non-NULL ip). */
const char *clinic_ip_key(apr_pool_t *p, const char *ip, int v6_bits);

#endif
