/*
 * SPDX-License-Identifier: Apache-2.0
 * test_metrics_fmt.c: where the metrics' values sit in a slot, and their
 * text: the Prometheus exposition format (HELP and TYPE once per family,
 * before its samples; labels escaped; histograms cumulative with _sum and
 * _count) and mod_status's short and HTML forms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "metrics_fmt.h"

#include "pool_fixture.h"

TestSuite(metrics_fmt, .init = setup, .fini = teardown);

static apr_uint64_t *zeros(void)
{
    return apr_pcalloc(pool, clinic_metrics_width() * sizeof(apr_uint64_t));
}

static void has_line(const char *text, const char *line)
{
    const char *p = text;
    size_t n = strlen(line);

    while ((p = strstr(p, line)) != NULL) {
        if ((p == text || p[-1] == '\n') && p[n] == '\n') {
            return;
        }
        p += n;
    }
    cr_assert_fail("no line \"%s\" in:\n%.3000s", line, text);
}

static int count_of(const char *text, const char *needle)
{
    int n = 0;
    const char *p = text;

    while ((p = strstr(p, needle)) != NULL) {
        n++;
        p += strlen(needle);
    }
    return n;
}

Test(metrics_fmt, every_series_has_a_place_of_its_own)
{
    apr_size_t width = clinic_metrics_width();
    char *seen = apr_pcalloc(pool, width);
    long at, sum_at;
    int id, label;

    for (id = 0; id < CLINIC_M_COUNT; id++) {
        for (label = 0; (at = clinic_metrics_counter_at(id, label)) >= 0;
             label++) {
            cr_assert_lt(at, (long)width);
            cr_assert_not(seen[at], "counter %d label %d shares %ld", id,
                          label, at);
            seen[at] = 1;
        }
        cr_assert_gt(label, 0, "counter %d has no series", id);
    }
    cr_assert_eq(clinic_metrics_counter_at(CLINIC_M_SENDS,
                 CLINIC_SEND_LABEL(CLINIC_CH_COUNT, 0)), -1);
    cr_assert_eq(clinic_metrics_counter_at(CLINIC_M_DB_CONNECT_FAILURES, 1),
                 -1);
    cr_assert_eq(clinic_metrics_counter_at(CLINIC_M_COUNT, 0), -1);
    cr_assert_eq(clinic_metrics_counter_at(CLINIC_M_VERIFIES, -1), -1);
    /* histograms: past the counters, a bucket and the sum inside */
    at = clinic_metrics_bucket_at(CLINIC_H_DB_ACQUIRE, 0, 0, &sum_at);
    cr_assert_geq(at, 0);
    cr_assert_not(seen[at]);
    cr_assert_lt(sum_at, (long)width);
    cr_assert_eq(clinic_metrics_bucket_at(CLINIC_H_GATEWAY, CLINIC_CH_COUNT,
                                          0, &sum_at), -1);
    cr_assert_eq(clinic_metrics_bucket_at(CLINIC_H_COUNT, 0, 0, &sum_at), -1);
}

Test(metrics_fmt, counters_as_prometheus_text)
{
    apr_uint64_t *v = zeros();
    clinic_metrics_slot_t slots[2] = { { "main.test:8080", v },
                                       { "b\"ad\\host:80", zeros() } };
    char *t;

    v[clinic_metrics_counter_at(CLINIC_M_SENDS, CLINIC_SEND_LABEL(
        CLINIC_CH_SMS, CLINIC_SEND_GATEWAY_TIMEOUT))] = 7;
    v[clinic_metrics_counter_at(CLINIC_M_RATE_LIMITED, 1)] = 12345678901ULL;
    v[clinic_metrics_counter_at(CLINIC_M_CODES_NOT_ACTIVATED, 0)] = 2;
    t = clinic_metrics_prometheus(pool, slots, 2);

    has_line(t, "# TYPE clinic_sends_total counter");
    has_line(t, "clinic_sends_total{vhost=\"main.test:8080\",channel=\"sms\","
                "result=\"gateway_timeout\"} 7");
    has_line(t, "clinic_sends_total{vhost=\"main.test:8080\",channel=\"sms\","
                "result=\"ok\"} 0");
    has_line(t, "clinic_rate_limited_total{vhost=\"main.test:8080\","
                "bucket=\"otp-ip\"} 12345678901");
    has_line(t, "clinic_codes_not_activated_total{vhost=\"main.test:8080\"}"
                " 2");
    has_line(t, "clinic_payment_transitions_total{vhost=\"main.test:8080\","
                "provider=\"tap\",state=\"refund_needed\"} 0");
    /* a quote and a backslash in a label value are escaped */
    has_line(t, "clinic_verifies_total{vhost=\"b\\\"ad\\\\host:80\","
                "result=\"locked\"} 0");
    cr_assert_eq(count_of(t, "# TYPE clinic_sends_total "), 1);
    cr_assert_eq(count_of(t, "# HELP clinic_sends_total "), 1);
    cr_assert_eq(t[strlen(t) - 1], '\n');
}

Test(metrics_fmt, help_and_type_come_once_before_the_samples)
{
    clinic_metrics_slot_t slots[2] = { { "a:1", zeros() }, { "b:2", zeros() } };
    char *t = clinic_metrics_prometheus(pool, slots, 2), *line, *save = NULL;
    char family[128] = "";

    for (line = strtok_r(t, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(line, "# HELP ", 7)) {
            sscanf(line + 7, "%127s", family);
            continue;
        }
        if (!strncmp(line, "# TYPE ", 7)) {
            cr_assert(!strncmp(line + 7, family, strlen(family)), "%s", line);
            continue;
        }
        cr_assert_neq(line[0], '#', "%s", line);
        cr_assert(*family && !strncmp(line, family, strlen(family)),
                  "sample %s outside its family %s", line, family);
        cr_assert(strchr(line, '}') && strchr(line, '}')[1] == ' ', "%s",
                  line);
    }
}

Test(metrics_fmt, histograms_are_cumulative_with_sum_and_count)
{
    apr_uint64_t *v = zeros();
    clinic_metrics_slot_t slot = { "h:1", v };
    apr_interval_time_t obs[] = { 300, 2000, 2000, 40000, 7000000 };
    long at, sum_at;
    size_t i;
    char *t;

    for (i = 0; i < sizeof(obs) / sizeof(obs[0]); i++) {
        at = clinic_metrics_bucket_at(CLINIC_H_DB_ACQUIRE, 0, obs[i], &sum_at);
        v[at]++;
        v[sum_at] += (apr_uint64_t)obs[i];
    }
    t = clinic_metrics_prometheus(pool, &slot, 1);
    has_line(t, "# TYPE clinic_db_acquire_seconds histogram");
    has_line(t, "clinic_db_acquire_seconds_bucket{vhost=\"h:1\",le=\"0.0005\"} 1");
    has_line(t, "clinic_db_acquire_seconds_bucket{vhost=\"h:1\",le=\"0.001\"} 1");
    has_line(t, "clinic_db_acquire_seconds_bucket{vhost=\"h:1\",le=\"0.0025\"} 3");
    has_line(t, "clinic_db_acquire_seconds_bucket{vhost=\"h:1\",le=\"0.05\"} 4");
    has_line(t, "clinic_db_acquire_seconds_bucket{vhost=\"h:1\",le=\"2.5\"} 4");
    has_line(t, "clinic_db_acquire_seconds_bucket{vhost=\"h:1\",le=\"+Inf\"} 5");
    has_line(t, "clinic_db_acquire_seconds_sum{vhost=\"h:1\"} 7.044300");
    has_line(t, "clinic_db_acquire_seconds_count{vhost=\"h:1\"} 5");
    /* an observation on a bound is in that bucket (le: less or equal) */
    at = clinic_metrics_bucket_at(CLINIC_H_GATEWAY, CLINIC_CH_SMS, 10000,
                                  &sum_at);
    v[at]++;
    t = clinic_metrics_prometheus(pool, &slot, 1);
    has_line(t, "clinic_gateway_duration_seconds_bucket{vhost=\"h:1\","
                "channel=\"sms\",le=\"0.005\"} 0");
    has_line(t, "clinic_gateway_duration_seconds_bucket{vhost=\"h:1\","
                "channel=\"sms\",le=\"0.01\"} 1");
}

Test(metrics_fmt, no_virtual_host_is_still_valid_text)
{
    char *t = clinic_metrics_prometheus(pool, NULL, 0);

    has_line(t, "# TYPE clinic_verifies_total counter");
    cr_assert_not(strstr(t, "vhost="));
}

Test(metrics_fmt, status_short_is_name_colon_value)
{
    apr_uint64_t *v = zeros();
    clinic_metrics_slot_t slot = { "s.test:443", v };
    long sum_at, at;
    char *t;

    v[clinic_metrics_counter_at(CLINIC_M_LOGINS, CLINIC_LOGIN_RETURNING)] = 4;
    at = clinic_metrics_bucket_at(CLINIC_H_GATEWAY, 0, 1500000, &sum_at);
    v[at] = 2;
    v[sum_at] = 3000000;
    t = clinic_metrics_status_short(pool, &slot, 1);
    has_line(t, "clinic_logins_total{vhost=\"s.test:443\",kind=\"returning\"}"
                ": 4");
    has_line(t, "clinic_gateway_duration_seconds_count{vhost=\"s.test:443\","
                "channel=\"sms\"}: 2");
    has_line(t, "clinic_gateway_duration_seconds_sum{vhost=\"s.test:443\","
                "channel=\"sms\"}: 3.000000");
    cr_assert_not(strstr(t, "#"), "no comments in ?auto");
    cr_assert_not(strstr(t, "_bucket"), "no buckets in ?auto");
}

Test(metrics_fmt, status_html_escapes_the_host)
{
    apr_uint64_t *v = zeros();
    clinic_metrics_slot_t slot = { "<x>&:80", v };
    char *t;

    v[clinic_metrics_counter_at(CLINIC_M_UNAVAILABLE, CLINIC_503_SEND_CAP)]
        = 9;
    t = clinic_metrics_status_html(pool, &slot, 1);
    cr_assert(strstr(t, "<h3>&lt;x&gt;&amp;:80</h3>"), "%s", t);
    cr_assert(strstr(t, "<tr><td>clinic_unavailable_total</td><td>cause="
                        "send_cap</td><td>9</td></tr>"), "%.2000s", t);
    cr_assert_not(strstr(t, "<x>"));
}
