/*
 * SPDX-License-Identifier: Apache-2.0
 * test_nodeloss.c: a Galera node is killed (SIGKILL) while logins and
 * purchases run through the load balancer.
 *
 * CLINIC_SCALE_KILL is the command that kills host A's node.  Eight
 * workers log in (send-otp, the code from the gateway, verify-otp) and buy
 * the package, through CLINIC_FRONT, for CLINIC_SCALE_SECONDS (20); the
 * node dies after a quarter of that.  Checked: every answer has a status
 * of the contract (no 500); every login answered 200 and every purchase
 * answered 201 is in the database afterwards (read through another node);
 * host A answers its health check again within 10 s of the kill, on its
 * own.  The counts are printed for the closing note.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "client.h"

#define WORKERS   8
#define MAX_DONE  20000
#define SEED_PACKAGE "5f0c6a52-3f1e-4d8e-9a51-0d6c1f2b7a10"

static const long contract[] = { 200, 201, 400, 401, 404, 409, 429, 503 };

typedef struct {
    pthread_mutex_t mu;
    double deadline;
    long by_status[600];
    long other;                 /* statuses outside the contract, 0 (no answer) */
    char *logins[MAX_DONE];     /* phones answered 200 by verify-otp */
    char *subs[MAX_DONE];       /* subscription ids answered 201 */
    int nlogins, nsubs;
} load_t;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void count_status(load_t *l, long status)
{
    size_t i;
    int ok = 0;

    for (i = 0; i < sizeof(contract) / sizeof(contract[0]); i++) {
        ok |= status == contract[i];
    }
    pthread_mutex_lock(&l->mu);
    if (ok) {
        l->by_status[status]++;
    }
    else {
        l->other++;
        fprintf(stderr, "[nodeloss] status %ld outside the contract\n", status);
    }
    pthread_mutex_unlock(&l->mu);
}

/* the code the gateway got for phone, NULL when none arrived (a send
 * answered 503 after its SMS went out is possible and harmless) */
static char *code_for(const char *phone)
{
    char url[256], *code = NULL;
    const cJSON *rec, *f;
    resp_t *r;

    snprintf(url, sizeof(url), "%s/messages?to=%%2B%s", site("sms"), phone + 1);
    r = req("GET", url, NULL, NULL);
    cJSON_ArrayForEach(rec, r->json) {
        cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(rec, "fields")) {
            const char *s = cJSON_IsString(f) ? f->valuestring : "";
            if (strlen(s) >= 5 && strspn(s + strlen(s) - 5, "0123456789") == 5) {
                free(code);
                code = strdup(s + strlen(s) - 5);
            }
        }
    }
    resp_free(r);
    return code;
}

static void one_login_and_purchase(load_t *l)
{
    const char *front = site("front");
    char *phone = fake_phone(), *ip = fake_ip(), *body, *code, *tok = NULL;
    resp_t *r;

    body = fmt("{\"phone_number\":\"%s\"}", phone);
    r = try_call("POST", front, "/api/auth/send-otp", body, NULL, ip);
    free(body);
    count_status(l, r ? r->status : 0);
    if (!r || r->status != 200 || !(code = code_for(phone))) {
        goto out;
    }
    resp_free(r);
    body = fmt("{\"phone_number\":\"%s\",\"code\":\"%s\"}", phone, code);
    r = try_call("POST", front, "/api/auth/verify-otp", body, NULL, ip);
    free(body);
    free(code);
    count_status(l, r ? r->status : 0);
    if (!r || r->status != 200 || !jstr(r, "data.token")) {
        goto out;
    }
    tok = strdup(jstr(r, "data.token"));
    pthread_mutex_lock(&l->mu);
    if (l->nlogins < MAX_DONE) {
        l->logins[l->nlogins++] = strdup(phone);
    }
    pthread_mutex_unlock(&l->mu);
    resp_free(r);
    r = try_call("PUT", front, "/api/user/profile",
                 "{\"name\":\"Test Patient\",\"national_id\":\"290010112345\"}", tok, ip);
    count_status(l, r ? r->status : 0);
    if (!r || r->status != 200) {
        goto out;
    }
    resp_free(r);
    r = try_call("POST", front, "/api/packages/purchase",
                 "{\"package_id\":\"" SEED_PACKAGE "\"}", tok, ip);
    count_status(l, r ? r->status : 0);
    if (r && r->status == 201 && jstr(r, "data.subscription.id")) {
        pthread_mutex_lock(&l->mu);
        if (l->nsubs < MAX_DONE) {
            l->subs[l->nsubs++] = strdup(jstr(r, "data.subscription.id"));
        }
        pthread_mutex_unlock(&l->mu);
    }
out:
    if (r) {
        resp_free(r);
    }
    free(tok);
    free(phone);
    free(ip);
}

static void *worker(void *arg)
{
    load_t *l = arg;

    while (now() < l->deadline) {
        one_login_and_purchase(l);
    }
    return NULL;
}

/* host A answers /api/health 200 twenty times in a row (2 s): the time
 * from t0 to the first of them, or -1 past the limit */
static double recovered_after(double t0, double limit)
{
    double first = -1;
    int streak = 0;

    while (now() - t0 < limit + 2.5) {
        /* from a new address each time: 20 a minute from one would meet
         * the general limit */
        char *ip = fake_ip();
        resp_t *r = try_call("GET", site("a"), "/api/health", NULL, NULL, ip);

        free(ip);
        if (!r) {
            streak = 0;
            usleep(100000);
            continue;
        }
        if (r->status == 200) {
            if (!streak++) {
                first = now() - t0;
            }
            if (streak == 20) {
                resp_free(r);
                return first;
            }
        }
        else {
            streak = 0;
        }
        resp_free(r);
        usleep(100000);
    }
    return -1;
}

/* how many of values[0..n) the query finds; query_fmt has one %s for a
 * quoted, comma-separated list, asked 40 at a time */
static int found(const char *query_fmt, char **values, int n)
{
    int i, j, total = 0;

    for (i = 0; i < n; i += 40) {
        char list[2048] = "", *c;
        for (j = i; j < n && j < i + 40; j++) {
            size_t len = strlen(list);
            snprintf(list + len, sizeof(list) - len, "%s'%s'", j > i ? "," : "",
                     values[j]);
        }
        c = sql(query_fmt, list);
        total += atoi(c);
        free(c);
    }
    return total;
}

Test(nodeloss, a_node_killed_under_load_loses_nothing, .timeout = 300)
{
    static load_t l;
    const char *kill_cmd = getenv("CLINIC_SCALE_KILL");
    const char *secs_env = getenv("CLINIC_SCALE_SECONDS");
    double secs = secs_env ? atof(secs_env) : 20, t_kill, back;
    pthread_t t[WORKERS];
    int i, missing_logins = 0, missing_subs = 0;
    long answered = 0;

    cr_assert(kill_cmd, "CLINIC_SCALE_KILL is not set: run tests/scale/run.sh");
    pthread_mutex_init(&l.mu, NULL);
    l.deadline = now() + secs;
    for (i = 0; i < WORKERS; i++) {
        cr_assert_eq(pthread_create(&t[i], NULL, worker, &l), 0);
    }
    usleep((useconds_t)(secs / 4 * 1e6));
    t_kill = now();
    cr_assert_eq(system(kill_cmd), 0, "%s", kill_cmd);
    fprintf(stderr, "[nodeloss] node killed %.1f s into the load\n", secs / 4);
    back = recovered_after(t_kill, 10);
    for (i = 0; i < WORKERS; i++) {
        pthread_join(t[i], NULL);
    }

    for (i = 0; i < 600; i++) {
        if (l.by_status[i]) {
            fprintf(stderr, "[nodeloss] %ld answers %d\n", l.by_status[i], i);
            answered += l.by_status[i];
        }
    }
    fprintf(stderr, "[nodeloss] %ld answers, %ld outside the contract; %d logins "
            "and %d purchases answered\n", answered, l.other, l.nlogins, l.nsubs);
    fprintf(stderr, "[nodeloss] host A healthy again %.2f s after the kill\n", back);

    missing_logins = l.nlogins - found("SELECT COUNT(*) FROM users "
                                       "WHERE phone_number IN (%s)", l.logins, l.nlogins);
    missing_subs = l.nsubs - found("SELECT COUNT(*) FROM user_packages WHERE id IN (%s) "
                                   "AND payment_status = 'completed'", l.subs, l.nsubs);
    fprintf(stderr, "[nodeloss] in the database afterwards: %d of %d logins, "
            "%d of %d purchases\n", l.nlogins - missing_logins, l.nlogins,
            l.nsubs - missing_subs, l.nsubs);
    cr_expect_eq(l.other, 0, "answers outside the contract (a 500, or none)");
    cr_expect_gt(l.nlogins, 0, "no login got through at all");
    cr_expect_eq(missing_logins, 0, "answered logins missing from the database");
    cr_expect_eq(missing_subs, 0, "answered purchases missing from the database");
    cr_expect(back >= 0 && back <= 10, "host A not healthy within 10 s (%.2f)", back);
    for (i = 0; i < l.nlogins; i++) {
        free(l.logins[i]);
    }
    for (i = 0; i < l.nsubs; i++) {
        free(l.subs[i]);
    }
}
