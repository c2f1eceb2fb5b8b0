/*
 * SPDX-License-Identifier: Apache-2.0
 * test_budget.c: ClinicSMSDailyLimit (the budget site sends ten codes a
 * UTC day).  One test alone uses the site: the day's count is the
 * database's, so it starts from zero in each database of a run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "client.h"

#define LIMIT 10
#define MARK 8                  /* 80 % */
#define BURST 16

typedef struct {
    char *phone[BURST];
    resp_t *r[BURST];
} burst_t;

static void one_send(void *arg, int i)
{
    burst_t *b = arg;
    char *ip = fake_ip();

    b->r[i] = send_otp(site("budget"), b->phone[i], ip);
    free(ip);
}

/* the budget's lines of the security log on this site: their count, and
 * the "count" member of the last */
static int budget_lines(const char *event, int *count)
{
    char *log = slurp(getenv("CLINIC_SECURITY_LOG")), *line, *save = NULL;
    char *want = fmt("\"event\":\"%s\"", event);
    int n = 0;

    *count = -1;
    for (line = strtok_r(log, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (strstr(line, want) && strstr(line, "\"host\":\"budget.test\"")) {
            cJSON *j = cJSON_Parse(line);
            cr_assert(j, "%s", line);
            *count = cJSON_GetObjectItem(j, "count")->valueint;
            cJSON_Delete(j);
            n++;
        }
    }
    free(log);
    free(want);
    return n;
}

static void assert_exhausted(const resp_t *r)
{
    long left = 86400 - (long)(time(NULL) % 86400), said;
    const char *h = resp_header(r, "Retry-After");   /* a static buffer */

    cr_assert(h, "a refused send says when to come back: %s", r->body);
    said = atol(h);
    assert_error(r, 503, "SMS_BUDGET_EXHAUSTED");
    cr_assert(said >= left - 5 && said <= left + 1,
              "Retry-After %ld, %ld s to the next UTC day", said, left);
}

/* the value of one series on the metrics site's clinic-metrics page */
static long metric(const char *text, const char *series)
{
    const char *at = strstr(text, series);

    return at ? atol(at + strlen(series)) : -1;
}

Test(budget, the_day_s_sends_stop_at_the_limit_and_warn_once,
     .timeout = 120)
{
    burst_t b;
    char *owner = fake_phone(), *ip = fake_ip(), *tok, *body, *vhost, *page;
    resp_t *r;
    int i, sent = 0, refused = 0, delivered = 0, count;
    long left = 86400 - (long)(time(NULL) % 86400);

    if (left < 30) {
        sleep((unsigned)left + 1);      /* not across midnight (UTC) */
    }
    /* a patient logs in: the first send of the day */
    tok = login(site("budget"), owner, ip);

    /* strangers: more sends at once than the day has left */
    for (i = 0; i < BURST; i++) {
        b.phone[i] = fake_phone();
    }
    parallel(BURST, one_send, &b);
    for (i = 0; i < BURST; i++) {
        if (b.r[i]->status == 200) {
            sent++;
        }
        else {
            assert_exhausted(b.r[i]);
            refused++;
        }
        delivered += sms_count(b.phone[i]);
    }
    cr_assert_eq(sent, LIMIT - 1, "%d sent of the %d left", sent, LIMIT - 1);
    cr_assert_eq(refused, BURST - (LIMIT - 1));
    cr_assert_eq(delivered, LIMIT - 1, "a refused send reached no gateway");

    /* a phone change is a send too */
    body = fmt("{\"new_phone_number\":\"%s\"}", b.phone[0]);
    r = call("POST", site("budget"), "/api/user/send-phone-change-otp", body,
             tok, ip);
    assert_exhausted(r);
    resp_free(r);
    free(body);
    r = send_otp(site("budget"), owner, ip);
    assert_exhausted(r);
    resp_free(r);

    /* 80 % and 100 %: once each, with the count that crossed */
    cr_assert_eq(budget_lines("sms_budget_warning", &count), 1);
    cr_assert_eq(count, MARK);
    cr_assert_eq(budget_lines("sms_budget_exhausted", &count), 1);
    cr_assert_eq(count, LIMIT);

    /* the metrics, read on the metrics site: every host's are there */
    vhost = fmt("vhost=\"budget.test:%s\"", strrchr(site("budget"), ':') + 1);
    r = req("GET", fmt("%s/clinic-metrics", site("metrics")), NULL, NULL);
    cr_assert_eq(r->status, 200);
    page = r->body;
    cr_assert_eq(metric(page, fmt("clinic_sms_budget_events_total{%s,"
                                  "level=\"80\"} ", vhost)), 1, "%s", page);
    cr_assert_eq(metric(page, fmt("clinic_sms_budget_events_total{%s,"
                                  "level=\"100\"} ", vhost)), 1);
    cr_assert_eq(metric(page, fmt("clinic_unavailable_total{%s,"
                                  "cause=\"sms_budget\"} ", vhost)),
                 refused + 2);
    resp_free(r);

    /* the day's count, as the database holds it */
    {
        char *n = sql("SELECT n FROM day_counts WHERE bucket = "
                      "'sms:budget.test' AND day_no = %ld",
                      (long)(time(NULL) / 86400));
        cr_assert_eq(atoi(n), LIMIT, "%s", n);
        free(n);
    }
    for (i = 0; i < BURST; i++) {
        resp_free(b.r[i]);
        free(b.phone[i]);
    }
    free(vhost);
    free(ip);
    free(owner);
    free(tok);
}
