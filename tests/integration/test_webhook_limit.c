/*
 * SPDX-License-Identifier: Apache-2.0
 * test_webhook_limit.c: payment notifications with a bad signature are
 * limited per client (ClinicWebhookFailureLimit, 10 a minute by default)
 * and logged once a client a minute, with a count; good ones are never
 * counted.  The clients pose through X-Forwarded-For, as the other limit
 * tests do, so the suite's own notifications (from 127.0.0.1) are not
 * disturbed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "payclient.h"

#define LIMIT 10
#define FLOOD 300
#define FORGED "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

/* a documentation IPv6 address in a /64 of its own, written as httpd
 * writes it (no leading zeros, nothing to compress) */
static char *client_ip(void)
{
    unsigned short v[3];
    FILE *f = fopen("/dev/urandom", "r");

    cr_assert(f && fread(v, sizeof(v), 1, f) == 1);
    fclose(f);
    return fmt("2001:db8:%x:%x::%x", 0x1000 + v[0] % 0xe000,
               0x1000 + v[1] % 0xe000, 0x1000 + v[2] % 0xe000);
}

/* the notification of a settle, delivered to paymf from ip; forged: a
 * signature that is not MyFatoorah's */
static resp_t *notify(const resp_t *settled, const char *ip, int forged)
{
    cJSON *h = jget(settled, "webhook.headers"), *it;
    const char *headers[10];
    char *own[10] = { 0 }, *url = fmt("%s/api/payments/webhook",
                                      site("paymf"));
    int n = 0, i;
    resp_t *r;

    cJSON_ArrayForEach(it, h) {
        int sig = strcasecmp(it->string, "Content-Type") != 0;
        own[n] = fmt("%s: %s", it->string, sig && forged ? FORGED
                                                         : it->valuestring);
        headers[n] = own[n];
        n++;
    }
    own[n] = fmt("X-Forwarded-For: %s", ip);
    headers[n] = own[n];
    headers[++n] = NULL;
    r = req("POST", url, jstr(settled, "webhook.body"), headers);
    for (i = 0; i < n; i++) {
        free(own[i]);
    }
    free(url);
    return r;
}

/* the payment_signature_invalid lines of one client; *sum: their counts */
static int lines_of(const char *ip, long *sum)
{
    char *log = slurp(getenv("CLINIC_SECURITY_LOG")), *line, *save = NULL;
    char *who = fmt("\"ip\":\"%s\"", ip);
    int n = 0;

    *sum = 0;
    for (line = strtok_r(log, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (strstr(line, "\"event\":\"payment_signature_invalid\"")
            && strstr(line, who)) {
            cJSON *j = cJSON_Parse(line), *c;
            cr_assert(j, "%s", line);
            c = cJSON_GetObjectItem(j, "count");
            cr_assert(cJSON_IsNumber(c), "a line says how many: %s", line);
            *sum += (long)c->valuedouble;
            cJSON_Delete(j);
            n++;
        }
    }
    free(log);
    free(who);
    return n;
}

static void assert_limited(const resp_t *r)
{
    const char *h = resp_header(r, "Retry-After");   /* a static buffer */
    int said = h ? atoi(h) : -1;

    cr_assert(said >= 1 && said <= 60, "Retry-After %d: %s", said, r->body);
    assert_error(r, 429, "RATE_LIMITED");
}

Test(webhook_limit, bad_signatures_are_limited_per_client_good_ones_never,
     .timeout = 150)
{
    char *tok = buyer("paymf"), *ref, *id = buy_pending("paymf", tok, &ref);
    resp_t *s = settle("mf", ref, "paid", NULL), *r;
    char *ip = client_ip(), *other = client_ip();
    int i, unauthorized = 0, limited = 0;
    long sum;

    /* the whole flood within one minute of the clock */
    window_room(40);
    for (i = 0; i < LIMIT - 1; i++) {
        r = notify(s, ip, 1);
        assert_error(r, 401, "INVALID_SIGNATURE");
        resp_free(r);
    }
    /* the provider's own notification from the same client, between
     * them: answered, and not counted */
    r = notify(s, ip, 0);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.paymentStatus"), "completed");
    resp_free(r);
    for (i = LIMIT - 1; i < FLOOD; i++) {
        r = notify(s, ip, 1);
        if (r->status == 401) {
            assert_error(r, 401, "INVALID_SIGNATURE");
            unauthorized++;
        }
        else {
            assert_limited(r);
            limited++;
        }
        resp_free(r);
    }
    cr_assert_eq(unauthorized, 1, "the tenth failure is still answered 401");
    cr_assert_eq(limited, FLOOD - LIMIT);

    /* another client's notification goes through; this client's is
     * refused unread until the minute ends, signed well or not */
    r = notify(s, other, 0);
    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
    r = notify(s, ip, 0);
    assert_limited(r);
    resp_free(r);
    assert_status("paymf", tok, id, "completed", 1);
    cr_assert_eq(events("payment_completed", id), 1);

    /* one line for the whole minute */
    cr_assert_eq(lines_of(ip, &sum), 1);
    cr_assert_eq(sum, 1);
    cr_assert_eq(lines_of(other, &sum), 0);

    /* the next minute: counted from zero, and its line tells the rest of
     * the last one (its refusals included) */
    sleep((unsigned)(60 - time(NULL) % 60) + 1);
    r = notify(s, ip, 1);
    assert_error(r, 401, "INVALID_SIGNATURE");
    resp_free(r);
    r = notify(s, ip, 0);
    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
    cr_assert_eq(lines_of(ip, &sum), 2);
    cr_assert_eq(sum, 1 + (FLOOD + 1) , "every failure and refusal of the "
                 "last minute, and this one: %ld", sum);

    resp_free(s);
    free(other);
    free(ip);
    free(ref);
    free(id);
    free(tok);
}
