/*
 * SPDX-License-Identifier: Apache-2.0
 * Quiet outages: a database that can't be reached is logged once a second
 * at most per child, not once per request or per try; and an SMS the
 * gateway took is a code that logs in, even when the database went away
 * while the gateway had it.  Both take the database away (or read the
 * whole error log), so they run in the harness's pass of its own
 * (CLINIC_ALONE=1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "client.h"

static void alone(void)
{
    if (!getenv("CLINIC_ALONE")) {
        cr_skip_test("runs in the harness's pass of its own");
    }
}

/* ---- a database that is not there --------------------------------------- */

#define DOWN_THREADS 6
#define DOWN_REQUESTS 12

typedef struct {
    volatile int not_503, no_retry_after;
} down_t;

static void hit_down(void *arg, int i)
{
    down_t *d = arg;
    int k;

    for (k = 0; k < DOWN_REQUESTS; k++) {
        char *ip = fake_ip();
        resp_t *r = try_call("GET", site("dbdown"),
                             (k + i) % 2 ? "/api/packages/available"
                                         : "/api/health", NULL, NULL, ip);
        if (r->status != 503) {
            __sync_fetch_and_add(&d->not_503, 1);
        }
        else if (!resp_header(r, "Retry-After")) {
            __sync_fetch_and_add(&d->no_retry_after, 1);
        }
        resp_free(r);
        free(ip);
        usleep(200 * 1000);
    }
}

/* 72 requests over about 2.5 s to a host whose database refuses every
 * connection (MariaDB: a closed port; SQLite: a path that does not
 * exist).  Each child may say so once, then once a second with a count,
 * and try the database once a second: a few lines per child, where each
 * request used to write up to 64 (32 tries, two mod_dbd lines each). */
Test(outage, an_unreachable_database_is_logged_quietly, .timeout = 60)
{
    down_t d = { 0, 0 };
    long from;
    char *log, *added;
    int lines;

    alone();
    from = error_log_size();
    parallel(DOWN_THREADS, hit_down, &d);
    log = slurp(getenv("CLINIC_ERROR_LOG"));
    cr_assert(log && (long)strlen(log) >= from, "the error log shrank");
    added = log + from;
    lines = count_in(added, "\n");
    fprintf(stderr, "[outage] %d requests to an unreachable database "
            "(%s) wrote %d error-log lines\n", DOWN_THREADS * DOWN_REQUESTS,
            db_is_mysql() ? "MariaDB" : "SQLite", lines);
    cr_assert_eq(d.not_503, 0, "%d answers were not 503", d.not_503);
    cr_assert_eq(d.no_retry_after, 0, "%d 503s without Retry-After",
                 d.no_retry_after);
    /* up to 4 children, each: the first line, one a second with the
     * count, and a try a second (mod_dbd's two lines) */
    cr_assert(lines <= 40, "%d lines for %d requests:\n%.3000s", lines,
              DOWN_THREADS * DOWN_REQUESTS, added);
    cr_assert(count_in(added, "CLINIC0621") >= 1, "no line counts the "
              "requests refused while the database was down:\n%.3000s", added);
    free(log);
}

/* ---- an SMS sent while the database went away ---------------------------- */

#define SLOW_SENDS 6

typedef struct {
    char *phones[SLOW_SENDS];
    long status[SLOW_SENDS];
    char body[SLOW_SENDS][200];
    double answered[SLOW_SENDS];
} slow_sends_t;

static void send_slow(void *arg, int i)
{
    slow_sends_t *s = arg;
    char *ip = fake_ip(), *body = fmt("{\"phone_number\":\"%s\"}",
                                      s->phones[i]);
    resp_t *r = try_call("POST", site("slowgw"), "/api/auth/send-otp", body,
                         NULL, ip);

    s->status[i] = r->status;
    snprintf(s->body[i], sizeof(s->body[i]), "%s", r->body);
    s->answered[i] = now_s();
    resp_free(r);
    free(body);
    free(ip);
}

/* every child has its connections to slowgw's database at hand, so the
 * sends reach the gateway together */
static void warm_one(void *arg, int i)
{
    resp_t *r = try_call("GET", site("slowgw"), "/api/health", NULL, NULL,
                         NULL);
    (void)arg;
    (void)i;
    resp_free(r);
}

/* wait until the gateway has every SMS (it answers 3 s later) */
static void wait_for_gateway(slow_sends_t *s)
{
    double until = now_s() + 10;
    int i, got;

    do {
        usleep(50 * 1000);
        for (i = got = 0; i < SLOW_SENDS; i++) {
            got += sms_count(s->phones[i]) > 0;
        }
    } while (got < SLOW_SENDS && now_s() < until);
    cr_assert_eq(got, SLOW_SENDS, "only %d SMS reached the gateway", got);
}

/* after MariaDB is back: every site the tests use answers again */
static void wait_until_served(void)
{
    static const char *const sites[] = { "main", "slowgw" };
    double until = now_s() + 10;
    int i;

    for (i = 0; i < 2; i++) {
        long st = 0;
        while (st != 200 && now_s() < until) {
            resp_t *r = try_call("GET", site(sites[i]), "/api/health", NULL,
                                 NULL, NULL);
            st = r->status;
            resp_free(r);
            if (st != 200) {
                usleep(100 * 1000);
            }
        }
        cr_assert_eq(st, 200, "%s does not answer after MariaDB is back",
                     sites[i]);
    }
    /* a child that still thinks it down tries again within a second */
    usleep(1200 * 1000);
}

/* verify-otp on slowgw, again while it answers 503: a child that has not
 * yet seen the database come back may still refuse for a moment, and a
 * 503 spends no attempt */
static resp_t *verify_until_served(const char *phone, const char *code,
                                   const char *ip)
{
    double until = now_s() + 10;
    resp_t *r = verify_otp(site("slowgw"), phone, code, ip);

    while (r->status == 503 && now_s() < until) {
        resp_free(r);
        usleep(200 * 1000);
        r = verify_otp(site("slowgw"), phone, code, ip);
    }
    return r;
}

/* A 503 is the right answer only for a restart longer than a send waits
 * for the database (5 s after the gateway's answer, itself 3 s or more
 * after the send): on a loaded machine MariaDB may take that long to
 * start.  The send must then have waited the whole time, and MariaDB must
 * have been still away when it gave up. */
static int too_slow_a_start(const slow_sends_t *s, int i, double t0,
                            double back)
{
    double waited = s->answered[i] - (t0 + 3.0);

    cr_assert(waited > 4.5, "send %d answered 503 after waiting %.1f s for "
              "the database: %s", i, waited, s->body[i]);
    cr_assert(back > s->answered[i] - 1.0, "send %d gave up %.1f s after "
              "MariaDB was back", i, s->answered[i] - back);
    fprintf(stderr, "[outage] send %d: MariaDB took longer to start than "
            "a send waits (back %.1f s after it), 503 is right\n", i,
            back - t0 - 3.0);
    return 1;
}

/* SLOW_SENDS sends through slowgw, and MariaDB stopped once the gateway
 * has every SMS (*seen: when it had them); the sends go on */
static jobs_t *sends_then_stop(slow_sends_t *s, double *seen)
{
    jobs_t *j;
    int i;

    alone();
    if (!db_is_mysql()) {
        cr_skip_test("MariaDB only (the harness restarts MariaDB)");
    }
    memset(s, 0, sizeof(*s));
    for (i = 0; i < SLOW_SENDS; i++) {
        s->phones[i] = fake_phone();
    }
    parallel(SLOW_SENDS, warm_one, NULL);
    j = spawn(SLOW_SENDS, send_slow, s);
    wait_for_gateway(s);
    *seen = now_s();
    cr_assert_eq(system(getenv("CLINIC_DB_STOP")), 0, "MariaDB did not stop");
    return j;
}

/* The gateway (slowgw: it answers 3 s after it took the SMS) has every
 * code when MariaDB stops; MariaDB starts again once the gateway has
 * answered, so each send meets a database that is down when it comes to
 * make its code live.  It must wait for the database (a short restart fits
 * the wait) and answer 200 with a code that logs in: an SMS the patient
 * got with a code that says OTP_NOT_FOUND is a bill for nothing. */
Test(outage, a_code_the_gateway_took_logs_in, .timeout = 90)
{
    slow_sends_t s;
    jobs_t *j;
    double t0, seen, stopped, back;
    int i, met_down;

    t0 = now_s();
    j = sends_then_stop(&s, &seen);
    stopped = now_s();
    /* every answer of the gateway is in (3 s after it took the SMS) */
    while (now_s() < seen + 3.2) {
        usleep(20 * 1000);
    }
    cr_assert_eq(system(getenv("CLINIC_DB_START")), 0, "MariaDB did not start");
    back = now_s();
    join(j);
    wait_until_served();
    fprintf(stderr, "[outage] sends at 0 s, at the gateway by %.1f s, "
            "MariaDB stopped by %.1f s, started at %.1f s, back at %.1f s\n",
            seen - t0, stopped - t0, seen + 3.2 - t0, back - t0);
    for (i = met_down = 0; i < SLOW_SENDS; i++) {
        fprintf(stderr, "[outage] send %d: %ld after %.1f s\n", i,
                s.status[i], s.answered[i] - t0);
        met_down += s.answered[i] > stopped;
    }
    /* on a machine so slow that every send ended before the stop, this
     * proved nothing */
    cr_assert(met_down > 0, "no send was still waiting when MariaDB had "
              "stopped");
    for (i = 0; i < SLOW_SENDS; i++) {
        char *code = sms_code(s.phones[i]), *ip = fake_ip();
        resp_t *r;

        if (s.status[i] == 503 && too_slow_a_start(&s, i, t0, back)) {
            free(code);
            free(ip);
            free(s.phones[i]);
            continue;
        }
        cr_assert_eq(s.status[i], 200, "send %d reached the gateway, then "
                     "answered %ld after %.1f s (MariaDB back after %.1f s): "
                     "%s", i, s.status[i], s.answered[i] - t0, back - t0,
                     s.body[i]);
        r = verify_until_served(s.phones[i], code, ip);
        cr_assert_eq(r->status, 200, "the code of send %d does not log in: "
                     "%s", i, r->body);
        cr_assert(jstr(r, "data.token"), "no token: %s", r->body);
        resp_free(r);
        free(code);
        free(ip);
        free(s.phones[i]);
    }
}

/* The same with MariaDB down for longer than a send waits for it (5 s
 * after the gateway's answer): the send answers 503 within that bound,
 * and its lost code is logged once (CLINIC0630), where an operator can
 * count what the outage cost. */
Test(outage, a_code_that_cannot_be_made_live_is_logged_once, .timeout = 90)
{
    slow_sends_t s;
    jobs_t *j;
    long from;
    char *log;
    double seen;
    int i, lost;

    from = error_log_size();
    j = sends_then_stop(&s, &seen);
    join(j);
    cr_assert_eq(system(getenv("CLINIC_DB_START")), 0, "MariaDB did not start");
    wait_until_served();
    log = slurp(getenv("CLINIC_ERROR_LOG"));
    cr_assert(log && (long)strlen(log) >= from, "the error log shrank");
    lost = count_in(log + from, "CLINIC0630");
    for (i = 0; i < SLOW_SENDS; i++) {
        char *code = sms_code(s.phones[i]), *ip = fake_ip();
        resp_t *r;

        cr_assert_eq(s.status[i], 503, "send %d: %ld %s", i, s.status[i],
                     s.body[i]);
        /* 3 s at the gateway, 5 s of waiting, and room for a busy machine */
        cr_assert(s.answered[i] - seen < 9.5, "send %d answered %.1f s "
                  "after its SMS was at the gateway", i, s.answered[i] - seen);
        r = verify_until_served(s.phones[i], code, ip);
        assert_error(r, 400, "OTP_NOT_FOUND");
        resp_free(r);
        free(code);
        free(ip);
        free(s.phones[i]);
    }
    cr_assert_eq(lost, SLOW_SENDS, "%d CLINIC0630 lines for %d lost codes",
                 lost, SLOW_SENDS);
    free(log);
}
