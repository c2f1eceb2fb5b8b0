/*
 * SPDX-License-Identifier: Apache-2.0
 * Staying up: one slow or broken dependency must not take the API or the
 * host down.  A database restart under load, a hanging gateway and slow
 * clients against a pool of two connections, the cap on sends in flight,
 * a busy SQLite, and a clean start-up log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>
#include <criterion/criterion.h>

#include "client.h"

static resp_t *send_otp_to(const char *base, const char *phone)
{
    char *body = fmt("{\"phone_number\":\"%s\"}", phone);
    char *ip = fake_ip();
    resp_t *r = try_call("POST", base, "/api/auth/send-otp", body, NULL, ip);

    free(body);
    free(ip);
    return r;
}

/* ---- start-up ------------------------------------------------------------ */

Test(staying_up, each_statement_is_registered_once)
{
    char *log = slurp(getenv("CLINIC_ERROR_LOG"));
    resp_t *a = call("GET", site("inherit1"), "/api/health", NULL, NULL, NULL);
    resp_t *b = call("GET", site("inherit2"), "/api/packages/available", NULL,
                     NULL, NULL);

    /* two virtual hosts share the main server's database configuration */
    cr_assert_eq(a->status, 200, "%s", a->body);
    cr_assert_eq(b->status, 200, "%s", b->body);
    cr_assert(log, "no error log");
    cr_assert_null(strstr(log, "AH02653"), "mod_dbd warned at start-up:\n%s",
                   log);
    resp_free(a);
    resp_free(b);
    free(log);
}

/* ---- a hanging gateway, a pool of two ------------------------------------ */

typedef struct {
    const char *base;
    long status[16];
    double seconds[16];
    char *phones[16];
    int has_retry_after[16];
} sends_t;

static void send_one(void *arg, int i)
{
    sends_t *s = arg;
    resp_t *r = send_otp_to(s->base, s->phones[i]);

    s->status[i] = r->status;
    s->seconds[i] = r->seconds;
    s->has_retry_after[i] = resp_header(r, "Retry-After") != NULL;
    resp_free(r);
}

/* GET a no-token route and say how long it took */
static double quick_get(const char *base, const char *path)
{
    resp_t *r = call("GET", base, path, NULL, NULL, NULL);
    double t = r->seconds;

    cr_assert_eq(r->status, 200, "%s %s", path, r->body);
    resp_free(r);
    return t;
}

Test(staying_up, a_hanging_gateway_holds_no_connection, .timeout = 60)
{
    sends_t s = { .base = site("pool2") };
    jobs_t *j;
    double t1, t2;
    int i;

    for (i = 0; i < 8; i++) {
        s.phones[i] = fake_phone();
    }
    j = spawn(8, send_one, &s);
    usleep(800 * 1000);                 /* all eight wait on the gateway */
    t1 = quick_get(s.base, "/api/packages/available");
    t2 = quick_get(s.base, "/api/health");
    join(j);
    cr_assert(t1 < 1.5, "the package list waited %.2f s behind the sends", t1);
    cr_assert(t2 < 1.5, "health waited %.2f s behind the sends", t2);
    for (i = 0; i < 8; i++) {
        cr_assert_eq(s.status[i], 502, "send %d: %ld", i, s.status[i]);
        free(s.phones[i]);
    }
}

Test(staying_up, slow_clients_hold_no_connection, .timeout = 60)
{
    const char *base = site("pool2");
    int fds[6], i;
    double t1, t2;

    for (i = 0; i < 6; i++) {
        char *phone = fake_phone(), *ip = fake_ip();
        char *token = login(site("main"), phone, ip);
        char *head = fmt("PUT /api/user/profile HTTP/1.1\r\nHost: pool2.test\r\n"
                         "Authorization: Bearer %s\r\n"
                         "Content-Type: application/json\r\n"
                         "Content-Length: 40\r\n\r\n{\"na", token);
        /* a logged-in client that sends four bytes of its body, then
         * nothing */
        fds[i] = open_trickle(base, head);
        free(head);
        free(token);
        free(phone);
        free(ip);
    }
    usleep(500 * 1000);
    t1 = quick_get(base, "/api/packages/available");
    t2 = quick_get(base, "/api/health");
    for (i = 0; i < 6; i++) {
        close(fds[i]);
    }
    cr_assert(t1 < 1.5, "the package list waited %.2f s behind slow clients", t1);
    cr_assert(t2 < 1.5, "health waited %.2f s behind slow clients", t2);
}

/* ClinicSMSMaxConcurrent 2, ClinicSMSMaxWaiting 1 and the default
 * ClinicSMSQueueTimeout (2 s) on a gateway that hangs 3 s: httpd runs at
 * most 4 children (ServerLimit), so of 16 sends at most 8 reach the
 * gateway, at most 4 wait 2 s for a place that never frees and get 503,
 * and the rest (at least 4) are refused at once.  A hanging gateway holds
 * a bounded number of threads. */
Test(staying_up, sends_past_the_cap_wait_a_bounded_time_then_503,
     .timeout = 60)
{
    sends_t s = { .base = site("cap") };
    int i, at_once = 0, waited = 0, reached = 0;

    for (i = 0; i < 16; i++) {
        s.phones[i] = fake_phone();
    }
    parallel(16, send_one, &s);
    for (i = 0; i < 16; i++) {
        if (s.status[i] == 503) {
            cr_assert(s.has_retry_after[i], "503 without Retry-After");
            cr_assert(s.seconds[i] < 4.0, "a refusal took %.2f s: past the "
                      "queue timeout (2 s)", s.seconds[i]);
            if (s.seconds[i] < 1.5) {
                at_once++;
            }
            else {
                waited++;
            }
        }
        else {
            cr_assert_eq(s.status[i], 502, "send %d: %ld", i, s.status[i]);
        }
        reached += sms_count(s.phones[i]);
        free(s.phones[i]);
    }
    cr_assert(reached <= 8, "%d sends reached the gateway", reached);
    cr_assert(waited <= 4, "%d sends waited: more than one a child", waited);
    cr_assert(waited >= 1, "no send waited for a place");
    cr_assert(at_once >= 4, "only %d of 16 sends were refused at once "
              "(%d waited, %d reached the gateway)", at_once, waited, reached);
}

/* ClinicSMSMaxConcurrent 1 on a gateway that takes 1 s, and room for 16
 * to wait 10 s: 8 sends at once through at most 4 children all succeed,
 * and those past a child's place waited for it (a second or more). */
Test(staying_up, a_send_past_the_cap_waits_for_a_place, .timeout = 60)
{
    sends_t s = { .base = site("capwait") };
    int i, waited = 0;

    for (i = 0; i < 8; i++) {
        s.phones[i] = fake_phone();
    }
    parallel(8, send_one, &s);
    for (i = 0; i < 8; i++) {
        cr_assert_eq(s.status[i], 200, "send %d: %ld after %.2f s", i,
                     s.status[i], s.seconds[i]);
        cr_assert_eq(sms_count(s.phones[i]), 1, "send %d: no SMS", i);
        waited += s.seconds[i] >= 1.8;
        free(s.phones[i]);
    }
    cr_assert(waited >= 4, "only %d of 8 sends took two gateway calls' time: "
              "they did not wait behind one place a child", waited);
}

/* ---- alone: tests that take the whole database away ----------------------
 *
 * A restart or a held SQLite write lock would fail every test running
 * beside them, so the harness runs the `outage` suite in a pass of its
 * own (CLINIC_ALONE=1). */

static void alone(void)
{
    if (!getenv("CLINIC_ALONE")) {
        cr_skip_test("runs in the harness's pass of its own");
    }
}

Test(outage, sqlite_busy_is_503_never_429, .timeout = 90)
{
    char *phone, *ip, *body, *log, *line, *save = NULL;
    FILE *holder;
    resp_t *r;

    alone();
    if (db_is_mysql()) {
        cr_skip_test("SQLite only");
    }
    /* a second process holds the write lock */
    holder = popen(getenv("CLINIC_SQL"), "w");
    cr_assert(holder);
    fputs("BEGIN IMMEDIATE;\nINSERT INTO rate_slots (bucket, slot, used_at) "
          "VALUES ('test-lock-holder', 0, 0);\n", holder);
    fflush(holder);
    usleep(500 * 1000);

    phone = fake_phone();
    ip = fake_ip();
    body = fmt("{\"phone_number\":\"%s\"}", phone);
    r = call("POST", site("busy"), "/api/auth/send-otp", body, NULL, ip);
    assert_error(r, 503, "SERVICE_UNAVAILABLE");
    cr_assert(resp_header(r, "Retry-After"), "503 without Retry-After");
    cr_assert(r->seconds < 15, "took %.2f s", r->seconds);
    resp_free(r);

    fputs("ROLLBACK;\n", holder);
    pclose(holder);

    /* nothing was counted against the client, nothing for fail2ban */
    log = slurp(getenv("CLINIC_SECURITY_LOG"));
    for (line = strtok_r(log, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        cr_assert(!strstr(line, ip) || !strstr(line, "rate_limited"),
                  "a busy database was logged as a rate limit: %s", line);
    }
    free(log);
    r = call("POST", site("busy"), "/api/auth/send-otp", body, NULL, ip);
    cr_assert_eq(r->status, 200, "after the lock: %s", r->body);
    resp_free(r);
    free(body);
    free(phone);
    free(ip);
}

/* ---- a database restart under load --------------------------------------- */

#define USERS_PER_THREAD 8
#define LOAD_THREADS 4

typedef struct {
    const char *method, *path, *body;
    int token;
    long expect;
} route_t;

static const route_t load_routes[] = {
    { "GET", "/api/health", NULL, 0, 200 },
    { "GET", "/api/version", NULL, 0, 200 },
    { "GET", "/api/packages/available", NULL, 0, 200 },
    { "POST", "/api/auth/send-otp", "SEND", 0, 200 },
    { "POST", "/api/auth/verify-otp", "VERIFY", 0, 400 },
    { "GET", "/api/user/profile", NULL, 1, 200 },
    { "PUT", "/api/user/profile", "{\"name\":\"\\u0645\\u062d\\u0645\\u062f\"}", 1, 200 },
    { "GET", "/api/packages/history", NULL, 1, 200 },
};
#define N_LOAD_ROUTES (int)(sizeof(load_routes) / sizeof(load_routes[0]))

typedef struct {
    char *tokens[LOAD_THREADS][USERS_PER_THREAD];
    char *phones[LOAD_THREADS][USERS_PER_THREAD];
    volatile int stop;
    pthread_mutex_t lock;
    int count[LOAD_THREADS][600];
    int unexpected;
    volatile int missed;
    char sample[512];
} load_t;

static void note_unexpected(load_t *l, const char *why)
{
    pthread_mutex_lock(&l->lock);
    if (!l->unexpected++) {
        snprintf(l->sample, sizeof(l->sample), "%s", why);
    }
    pthread_mutex_unlock(&l->lock);
}

static long hit(const route_t *rt, const char *token, char *why, size_t n)
{
    char *phone = fake_phone(), *ip = fake_ip(), *body = NULL;
    resp_t *r;
    long st;

    if (rt->body && !strcmp(rt->body, "SEND")) {
        body = fmt("{\"phone_number\":\"%s\"}", phone);
    }
    else if (rt->body && !strcmp(rt->body, "VERIFY")) {
        body = fmt("{\"phone_number\":\"%s\",\"code\":\"12345\"}", phone);
    }
    else if (rt->body) {
        body = strdup(rt->body);
    }
    r = try_call(rt->method, site("main"), rt->path, body,
                 rt->token ? token : NULL, ip);
    st = r->status;
    if (why) {
        snprintf(why, n, "%s %s: %ld %s", rt->method, rt->path, st, r->body);
    }
    resp_free(r);
    free(body);
    free(phone);
    free(ip);
    return st;
}

static void load_one(void *arg, int t)
{
    load_t *l = arg;
    int k = 0;

    /* bounded: it stops when told, or after 3000 requests */
    while (!l->stop && k < 3000) {
        const route_t *rt = &load_routes[(k + t) % N_LOAD_ROUTES];
        char why[400];
        long st = hit(rt, l->tokens[t][k % USERS_PER_THREAD], why,
                      sizeof(why));

        if (st >= 0 && st < 600) {
            l->count[t][st]++;
        }
        if (st != rt->expect && st != 503) {
            note_unexpected(l, why);
        }
        k++;
        usleep(20 * 1000);
    }
}

/* A burst of parallel requests over every route: it takes many pooled
 * connections at once, the idle ones included.  Counts the answers that
 * were not the route's own in l->missed; anything but those and 503 is
 * unexpected. */
#define BURST 24
static void burst_one(void *arg, int i)
{
    load_t *l = arg;
    const route_t *rt = &load_routes[i % N_LOAD_ROUTES];
    char why[400];
    long st = hit(rt, l->tokens[i % LOAD_THREADS][i % USERS_PER_THREAD], why,
                  sizeof(why));

    if (st != rt->expect) {
        __sync_fetch_and_add(&l->missed, 1);
        if (st != 503) {
            note_unexpected(l, why);
        }
    }
}

static int burst(load_t *l)
{
    l->missed = 0;
    parallel(BURST, burst_one, l);
    return l->missed == 0;
}

/* Restart MariaDB (TERM, `down` seconds, start) and burst until every
 * route answers as it should; the seconds that took after MariaDB was
 * back, or -1 after 10 s.  A 500 or a dropped request is counted in
 * l->unexpected on the way. */
static double restart_and_recover(load_t *l, int down)
{
    char cmd[1024];
    double back;

    snprintf(cmd, sizeof(cmd), "%s %d", getenv("CLINIC_DB_RESTART"), down);
    cr_assert_eq(system(cmd), 0, "MariaDB did not come back");
    back = now_s();
    while (now_s() < back + 10) {
        if (burst(l)) {
            return now_s() - back;
        }
        usleep(200 * 1000);
    }
    return -1;
}

/* A ten-second outage under the load already running: the lines it adds
 * to the error log, from the stop until every route answers again. */
static int outage_lines(load_t *l, double *took)
{
    long from = error_log_size();
    char *log, *added;
    int lines;

    *took = restart_and_recover(l, 10);
    log = slurp(getenv("CLINIC_ERROR_LOG"));
    cr_assert(log && (long)strlen(log) >= from, "the error log shrank");
    added = log + from;
    lines = count_in(added, "\n");
    fprintf(stderr, "[outage] a 10 s MariaDB outage under load wrote %d "
            "error-log lines (AH00629 x%d, AH02655 x%d, AH00639 x%d, "
            "CLINIC0102 x%d, CLINIC0100 x%d, CLINIC0621 x%d, CLINIC0622 x%d)"
            "\n", lines, count_in(added, "AH00629"),
            count_in(added, "AH02655"), count_in(added, "AH00639"),
            count_in(added, "CLINIC0102"), count_in(added, "CLINIC0100"),
            count_in(added, "CLINIC0621"), count_in(added, "CLINIC0622"));
    /* each child says once that the database is back */
    cr_assert(*took < 0 || count_in(added, "CLINIC0622") >= 1,
              "no line says the database came back:\n%s", added);
    free(log);
    return lines;
}

Test(outage, database_restart_under_load, .timeout = 180)
{
    static load_t l;
    char *log, *len, *in;
    jobs_t *j;
    double took, took2, took3;
    int t, u, n503 = 0, n_ok = 0, lines;

    alone();
    if (!db_is_mysql()) {
        cr_skip_test("MariaDB only");
    }
    memset(&l, 0, sizeof(l));
    pthread_mutex_init(&l.lock, NULL);
    for (t = 0; t < LOAD_THREADS; t++) {
        for (u = 0; u < USERS_PER_THREAD; u++) {
            char *ip = fake_ip();
            l.phones[t][u] = fake_phone();
            l.tokens[t][u] = login(site("main"), l.phones[t][u], ip);
            free(ip);
        }
    }
    /* 1. with the pools warm and idle, a restart no request sees: the
     *    next requests meet every stale connection */
    cr_assert(burst(&l), "before the restart: %s", l.sample);
    took = restart_and_recover(&l, 0);
    cr_assert(took >= 0 && !l.unexpected, "after a restart with idle pools: "
              "%d answers other than the route's own and 503 (e.g. %s), "
              "recovered: %s", l.unexpected, l.sample,
              took >= 0 ? "yes" : "not within 10 s");
    /* 2. the same under a steady load on every route */
    cr_assert(burst(&l), "before the second restart: %s", l.sample);
    j = spawn(LOAD_THREADS, load_one, &l);
    sleep(1);
    took2 = restart_and_recover(&l, 1);
    /* and they keep answering, under load and in bursts */
    for (t = 0; t < 3 && took2 >= 0; t++) {
        cr_assert(burst(&l) || l.unexpected, "a burst after recovery missed");
    }
    /* 3. ten seconds down under the same load: a quiet error log */
    lines = outage_lines(&l, &took3);
    l.stop = 1;
    join(j);
    cr_assert_eq(l.unexpected, 0, "%d answers other than the route's own "
                 "and 503, e.g. %s", l.unexpected, l.sample);
    cr_assert(took >= 0 && took2 >= 0, "not every route answers 10 s after "
              "MariaDB came back (%d of %d answers in the last burst were "
              "not the route's own)", l.missed, BURST);
    fprintf(stderr, "[outage] every route answered again %.1f s (idle pools) "
            "and %.1f s (under load) after MariaDB was back\n", took, took2);
    cr_assert(took3 >= 0, "not every route answers 10 s after MariaDB came "
              "back from a 10 s outage");
    cr_assert(lines < 100, "a 10 s outage under load wrote %d lines to the "
              "error log", lines);

    for (t = 0; t < LOAD_THREADS; t++) {
        n503 += l.count[t][503];
        n_ok += l.count[t][200] + l.count[t][400];
    }
    cr_assert(n503 > 0, "no request met the restart (%d answered)", n_ok);

    /* fresh connections run DBDInitSQL (SET NAMES utf8mb4): the Arabic
     * name the load wrote is four letters, not mojibake */
    in = strdup("''");
    for (t = 0; t < LOAD_THREADS; t++) {
        for (u = 0; u < USERS_PER_THREAD; u++) {
            char *more = fmt("%s,'%s'", in, l.phones[t][u]);
            free(in);
            in = more;
        }
    }
    len = sql("SELECT CONCAT(MIN(CHAR_LENGTH(name)), ' ', MAX(CHAR_LENGTH(name))) "
              "FROM users WHERE phone_number IN (%s) AND name IS NOT NULL", in);
    cr_assert(!strncmp(len, "4 4", 3), "names written under load: %s", len);
    free(len);
    free(in);

    log = slurp(getenv("CLINIC_ERROR_LOG"));
    cr_assert_null(strstr(log, "exit signal"), "a child crashed:\n%s", log);
    free(log);
    for (t = 0; t < LOAD_THREADS; t++) {
        for (u = 0; u < USERS_PER_THREAD; u++) {
            free(l.tokens[t][u]);
            free(l.phones[t][u]);
        }
    }
}
