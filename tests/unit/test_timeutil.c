/*
 * SPDX-License-Identifier: Apache-2.0
 * test_timeutil.c: UTC formatting and parsing, subscription time left.
 *
 * Fixed epochs were computed independently; the sweep tests compare against
 * the C library's gmtime_r/strftime.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <apr_general.h>
#include <apr_pools.h>

#include "timeutil.h"

#include "pool_fixture.h"


TestSuite(timefmt, .init = setup, .fini = teardown);
TestSuite(timeparse, .init = setup, .fini = teardown);
TestSuite(remaining);

#define DAY ((apr_int64_t)86400)
#define T_API ((apr_int64_t)1795502938)        /* 2026-11-24 06:48:58 UTC */
#define T_LEAP ((apr_int64_t)1835438400)       /* 2028-02-29 12:00:00 UTC */

static apr_int64_t parsed(const char *s)
{
    apr_int64_t t = -12345;

    cr_assert_eq(clinic_time_parse_db(s, &t), 1, "rejected \"%s\"", s);
    return t;
}

static void parse_bad(const char *s)
{
    apr_int64_t t = -12345;

    cr_assert_eq(clinic_time_parse_db(s, &t), 0, "accepted \"%s\"", s);
}

/* ---- formatting --------------------------------------------------------- */

Test(timefmt, epoch_zero)
{
    cr_assert_str_eq(clinic_time_iso(pool, 0), "1970-01-01T00:00:00Z");
    cr_assert_str_eq(clinic_time_db(pool, 0), "1970-01-01 00:00:00");
}

Test(timefmt, api_example)
{
    cr_assert_str_eq(clinic_time_iso(pool, T_API), "2026-11-24T06:48:58Z");
    cr_assert_str_eq(clinic_time_db(pool, T_API), "2026-11-24 06:48:58");
}

Test(timefmt, leap_day)
{
    cr_assert_str_eq(clinic_time_iso(pool, T_LEAP), "2028-02-29T12:00:00Z");
    cr_assert_str_eq(clinic_time_db(pool, T_LEAP - 12 * 3600 - 1),
                     "2028-02-28 23:59:59");
    cr_assert_str_eq(clinic_time_db(pool, T_LEAP + 12 * 3600),
                     "2028-03-01 00:00:00");
    cr_assert_str_eq(clinic_time_db(pool, 951868799), "2000-02-29 23:59:59");
}

Test(timefmt, before_epoch)
{
    cr_assert_str_eq(clinic_time_db(pool, -1), "1969-12-31 23:59:59");
    cr_assert_str_eq(clinic_time_iso(pool, -2208988800LL), "1900-01-01T00:00:00Z");
}

Test(timefmt, far_future)
{
    cr_assert_str_eq(clinic_time_iso(pool, 253402300799LL), "9999-12-31T23:59:59Z");
    cr_assert_str_eq(clinic_time_db(pool, 4102444800LL), "2100-01-01 00:00:00");
}

/* found by the fuzzer: the day arithmetic overflowed near INT64_MIN */
Test(timefmt, extreme_epochs_clamp_to_four_digit_years)
{
    cr_assert_str_eq(clinic_time_db(pool, INT64_MIN), "0000-01-01 00:00:00");
    cr_assert_str_eq(clinic_time_db(pool, -106751991167301LL * 86000),
                     "0000-01-01 00:00:00");
    cr_assert_str_eq(clinic_time_iso(pool, INT64_MAX), "9999-12-31T23:59:59Z");
    cr_assert_str_eq(clinic_time_iso(pool, 253402300800LL), "9999-12-31T23:59:59Z");
}

Test(timefmt, matches_gmtime)
{
    /* about 1901..2038 by an odd step, so every month, day and hour gets hit */
    apr_int64_t t;
    char want[64];
    struct tm tm;
    time_t tt;

    for (t = -2147483647LL; t < 2147483647LL; t += 86400 * 7 + 3631) {
        tt = (time_t)t;
        cr_assert_not_null(gmtime_r(&tt, &tm));
        strftime(want, sizeof(want), "%Y-%m-%d %H:%M:%S", &tm);
        cr_assert_str_eq(clinic_time_db(pool, t), want);
        strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
        cr_assert_str_eq(clinic_time_iso(pool, t), want);
    }
}

/* ---- parsing ------------------------------------------------------------ */

Test(timeparse, db_form)
{
    cr_assert_eq(parsed("1970-01-01 00:00:00"), 0);
    cr_assert_eq(parsed("2026-11-24 06:48:58"), T_API);
    cr_assert_eq(parsed("1969-12-31 23:59:59"), -1);
    cr_assert_eq(parsed("9999-12-31 23:59:59"), 253402300799LL);
}

Test(timeparse, iso_variants)
{
    cr_assert_eq(parsed("2026-11-24T06:48:58"), T_API);
    cr_assert_eq(parsed("2026-11-24T06:48:58Z"), T_API);
    cr_assert_eq(parsed("2026-11-24 06:48:58Z"), T_API);
    cr_assert_eq(parsed("2026-11-24 06:48:58.123456"), T_API);
    cr_assert_eq(parsed("2026-11-24T06:48:58.999Z"), T_API);
    cr_assert_eq(parsed("2026-11-24 06:48:58.0"), T_API);
}

Test(timeparse, leap_day_round_trip)
{
    apr_int64_t t = parsed("2028-02-29 12:00:00");

    cr_assert_eq(t, T_LEAP);
    cr_assert_str_eq(clinic_time_db(pool, t), "2028-02-29 12:00:00");
    cr_assert_eq(parsed(clinic_time_iso(pool, t)), T_LEAP);
    cr_assert_eq(parsed("2000-02-29 23:59:59"), 951868799);
}

Test(timeparse, non_leap_years_rejected)
{
    parse_bad("2027-02-29 00:00:00");
    parse_bad("2100-02-29 00:00:00");      /* century, not divisible by 400 */
    parse_bad("2028-02-30 00:00:00");
    cr_assert_eq(parsed("2027-02-28 23:59:59") + 1, parsed("2027-03-01 00:00:00"));
}

Test(timeparse, round_trip_sweep)
{
    apr_int64_t t;

    for (t = -2208988800LL; t < 4200000000LL; t += 86400 * 3 + 3599) {
        cr_assert_eq(parsed(clinic_time_db(pool, t)), t);
        cr_assert_eq(parsed(clinic_time_iso(pool, t)), t);
    }
}

Test(timeparse, month_lengths)
{
    static const char *last[12] = {
        "2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30",
        "2026-05-31", "2026-06-30", "2026-07-31", "2026-08-31",
        "2026-09-30", "2026-10-31", "2026-11-30", "2026-12-31",
    };
    static const char *past[12] = {
        "2026-01-32", "2026-02-29", "2026-03-32", "2026-04-31",
        "2026-05-32", "2026-06-31", "2026-07-32", "2026-08-32",
        "2026-09-31", "2026-10-32", "2026-11-31", "2026-12-32",
    };
    char buf[32];
    int i;

    for (i = 0; i < 12; i++) {
        snprintf(buf, sizeof(buf), "%s 00:00:00", last[i]);
        (void)parsed(buf);
        snprintf(buf, sizeof(buf), "%s 00:00:00", past[i]);
        parse_bad(buf);
    }
}

Test(timeparse, out_of_range_fields)
{
    parse_bad("2026-00-10 00:00:00");
    parse_bad("2026-13-01 00:00:00");
    parse_bad("2026-01-00 00:00:00");
    parse_bad("2026-01-01 24:00:00");
    parse_bad("2026-01-01 23:60:00");
    parse_bad("2026-01-01 23:59:60");
    parse_bad("0000-00-00 00:00:00");
}

Test(timeparse, garbage)
{
    parse_bad(NULL);
    parse_bad("");
    parse_bad("garbage");
    parse_bad("2026-11-24");
    parse_bad("2026-11-24 06:48");
    parse_bad("2026-11-24 06:48:5");
    parse_bad("2026-1-24 06:48:58");
    parse_bad("26-11-24 06:48:58");
    parse_bad("+026-11-24 06:48:58");
    parse_bad(" 2026-11-24 06:48:58");
    parse_bad("2026-11-24 06:48:58 ");
    parse_bad("2026-11-24  06:48:58");
    parse_bad("2026-11-24X06:48:58");
    parse_bad("2026-11-24t06:48:58");
    parse_bad("2026/11/24 06:48:58");
    parse_bad("2026-11-24 06.48.58");
    parse_bad("2026-11-24 06:48:58.");
    parse_bad("2026-11-24 06:48:58.Z");
    parse_bad("2026-11-24 06:48:58.12a");
    parse_bad("2026-11-24 06:48:58ZZ");
    parse_bad("2026-11-24 06:48:58+03:00");
    parse_bad("2026-11-24 06:48:58Z junk");
    parse_bad("2026-11-24 -6:48:58");
    parse_bad("2026-11-24 06:-8:58");
}

/* ---- time left ---------------------------------------------------------- */

static clinic_remaining_t left(apr_int64_t now, apr_int64_t expires)
{
    clinic_remaining_t r;

    memset(&r, 0x5a, sizeof(r));            /* every field must be written */
    clinic_time_remaining(&r, now, expires);
    return r;
}

static void assert_left(clinic_remaining_t r, apr_int64_t d, apr_int64_t h,
                        apr_int64_t m, apr_int64_t s, apr_int64_t total,
                        apr_int64_t rdays)
{
    cr_assert_eq(r.days, d, "days %lld, want %lld", (long long)r.days, (long long)d);
    cr_assert_eq(r.hours, h, "hours %lld, want %lld", (long long)r.hours, (long long)h);
    cr_assert_eq(r.minutes, m, "minutes %lld, want %lld", (long long)r.minutes,
                 (long long)m);
    cr_assert_eq(r.seconds, s, "seconds %lld, want %lld", (long long)r.seconds,
                 (long long)s);
    cr_assert_eq(r.total_seconds, total, "total %lld, want %lld",
                 (long long)r.total_seconds, (long long)total);
    cr_assert_eq(r.remaining_days, rdays, "remaining_days %lld, want %lld",
                 (long long)r.remaining_days, (long long)rdays);
}

Test(remaining, just_bought_thirty_days)
{
    assert_left(left(T_API, T_API + 30 * DAY), 30, 0, 0, 0, 2592000, 30);
}

Test(remaining, api_example)
{
    /* two seconds after buying a 30-day package */
    assert_left(left(T_API + 2, T_API + 30 * DAY), 29, 23, 59, 58, 2591998, 30);
}

Test(remaining, one_second_left)
{
    assert_left(left(T_API, T_API + 1), 0, 0, 0, 1, 1, 1);
}

Test(remaining, last_day)
{
    assert_left(left(T_API, T_API + DAY), 1, 0, 0, 0, 86400, 1);
    assert_left(left(T_API, T_API + DAY - 1), 0, 23, 59, 59, 86399, 1);
    assert_left(left(T_API, T_API + DAY + 1), 1, 0, 0, 1, 86401, 2);
}

Test(remaining, mixed_units)
{
    assert_left(left(0, 90061), 1, 1, 1, 1, 90061, 2);
    assert_left(left(100, 100 + 3600), 0, 1, 0, 0, 3600, 1);
    assert_left(left(-10, 50), 0, 0, 1, 0, 60, 1);
}

Test(remaining, exactly_expired)
{
    assert_left(left(T_API, T_API), 0, 0, 0, 0, 0, 0);
}

Test(remaining, past)
{
    assert_left(left(T_API + 1, T_API), 0, 0, 0, 0, 0, 0);
    assert_left(left(T_API + 400 * DAY, T_API), 0, 0, 0, 0, 0, 0);
    assert_left(left(INT64_MAX, INT64_MIN), 0, 0, 0, 0, 0, 0);
}

Test(remaining, huge_span_does_not_overflow)
{
    clinic_remaining_t r = left(INT64_MIN, INT64_MAX);

    cr_assert_eq(r.total_seconds, INT64_MAX);
    cr_assert_gt(r.days, 0);
    cr_assert_eq(r.remaining_days, INT64_MAX / 86400 + 1);
}
