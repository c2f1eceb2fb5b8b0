/*
 * SPDX-License-Identifier: Apache-2.0
 * test_ipkey.c: the client key of the per-IP limits: IPv4 as it is, IPv6
 * by its prefix, IPv4-mapped IPv6 as IPv4.
 */
#include <criterion/criterion.h>

#include "ipkey.h"

#include "pool_fixture.h"

TestSuite(ipkey, .init = setup, .fini = teardown);

static void key_is(const char *ip, int bits, const char *want)
{
    const char *got = clinic_ip_key(pool, ip, bits);
    cr_assert_str_eq(got, want, "%s /%d: %s, not %s", ip, bits, got, want);
}

Test(ipkey, ipv4_is_itself)
{
    key_is("192.0.2.1", 64, "192.0.2.1");
    key_is("127.0.0.1", 48, "127.0.0.1");
}

Test(ipkey, ipv6_by_its_slash_64)
{
    key_is("2001:db8:1:2::b", 64, "2001:db8:1:2::/64");
    key_is("2001:db8:1:2:ffff:ffff:ffff:ffff", 64, "2001:db8:1:2::/64");
    key_is("2001:0DB8:0001:0002:0000:0000:0000:0001", 64, "2001:db8:1:2::/64");
    key_is("::1", 64, "::/64");
}

Test(ipkey, one_slash_64_is_one_client_another_is_another)
{
    cr_assert_str_eq(clinic_ip_key(pool, "2001:db8:1:2::1", 64),
                     clinic_ip_key(pool, "2001:db8:1:2:8000::1", 64));
    cr_assert_str_neq(clinic_ip_key(pool, "2001:db8:1:2::1", 64),
                      clinic_ip_key(pool, "2001:db8:1:3::1", 64));
}

Test(ipkey, other_prefix_lengths)
{
    key_is("2001:db8:abcd:12ff::1", 48, "2001:db8:abcd::/48");
    key_is("2001:db8:abcd:12ff::1", 56, "2001:db8:abcd:1200::/56");
    key_is("2001:db8:abcd:12ff::1", 60, "2001:db8:abcd:12f0::/60");
    key_is("2001:db8::1", 128, "2001:db8::1/128");
    key_is("2001:db8::1", 1, "::/1");
    key_is("ffff::1", 1, "8000::/1");
}

Test(ipkey, out_of_range_bits_mean_64)
{
    key_is("2001:db8:1:2::b", 0, "2001:db8:1:2::/64");
    key_is("2001:db8:1:2::b", 129, "2001:db8:1:2::/64");
}

Test(ipkey, mapped_ipv4_is_ipv4)
{
    key_is("::ffff:192.0.2.7", 64, "192.0.2.7");
}

Test(ipkey, what_does_not_parse_is_kept)
{
    key_is("not-an-address", 64, "not-an-address");
    key_is("2001:db8::zz", 64, "2001:db8::zz");
    key_is("", 64, "");
    cr_assert_null(clinic_ip_key(pool, NULL, 64));
}
