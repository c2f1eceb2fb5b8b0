/*
 * SPDX-License-Identifier: Apache-2.0
 * test_metrics.c: the metrics as a real Prometheus stores them.
 *
 * The harness starts Prometheus (tests/metrics/prometheus.sh) scraping
 * the metrics site's clinic-metrics location every second, with the
 * shipped alert rules.  One test makes a known set of requests on the
 * metrics site (and its twin whose database is down), in parallel bursts
 * that the access log shows were served by at least two child processes,
 * counts what each answer says happened, and then asserts that what
 * Prometheus scraped after the last answer moved by exactly those counts.
 * Then a graceful restart: the values stay, Prometheus sees no counter
 * reset, and the new children count into the same memory.
 *
 * It runs in the harness's pass of its own (CLINIC_ALONE): the graceful
 * restart would disturb the tests running beside it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include <curl/curl.h>
#include <criterion/criterion.h>

#include "client.h"

#define BURST 40                /* parallel requests of one burst */
#define RL_BURST 10             /* sends to one number (limit: 3) */
#define RETURNING 5
#define AFTER_GRACEFUL 4

/* ---- Prometheus's HTTP API (not through the suite's logged client) ---- */

typedef struct {
    char *data;
    size_t len;
} text_t;

static size_t on_text(char *p, size_t size, size_t n, void *ud)
{
    text_t *t = ud;
    char *grown = realloc(t->data, t->len + size * n + 1);

    cr_assert(grown);
    t->data = grown;
    memcpy(t->data + t->len, p, size * n);
    t->len += size * n;
    t->data[t->len] = '\0';
    return size * n;
}

/* the body of a GET that must answer 200 */
static char *get_text(const char *url)
{
    CURL *h = curl_easy_init();
    text_t t = { NULL, 0 };
    long status = 0;
    CURLcode rc;

    cr_assert(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_text);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    cr_assert_eq(rc, CURLE_OK, "%s: %s", url, curl_easy_strerror(rc));
    cr_assert_eq(status, 200, "%s: %ld %s", url, status, t.data);
    return t.data ? t.data : strdup("");
}

/* the value of an instant query's one sample; NAN when it has none */
static double prom(const char *expr)
{
    char *q = curl_easy_escape(NULL, expr, 0);
    char *body = get_text(fmt("%s/api/v1/query?query=%s",
                              getenv("CLINIC_PROMETHEUS"), q));
    cJSON *j = cJSON_Parse(body), *res, *val;
    double v = NAN;

    cr_assert(j, "%s", body);
    res = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "result");
    cr_assert(cJSON_IsArray(res), "%s", body);
    cr_assert_leq(cJSON_GetArraySize(res), 1, "%s: %s", expr, body);
    if (cJSON_GetArraySize(res) == 1) {
        val = cJSON_GetArrayItem(cJSON_GetObjectItem(
                  cJSON_GetArrayItem(res, 0), "value"), 1);
        cr_assert(cJSON_IsString(val), "%s", body);
        v = strtod(val->valuestring, NULL);
    }
    cJSON_Delete(j);
    free(body);
    curl_free(q);
    return v;
}

/* the wall clock: Prometheus's scrape timestamps are wall-clock times */
static double wall_s(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* wait until Prometheus has scraped the site after time t (its scrape
 * timestamp is when the scrape began: the answers before t are in it) */
static void scraped_after(double t)
{
    double seen = NAN;
    int i;

    for (i = 0; i < 150; i++) {
        /* a plain selector: timestamp() of an expression would be the
         * evaluation's time, not the scrape's */
        seen = prom("timestamp(up{job=\"clinic\"})");
        if (!isnan(seen) && seen > t) {
            cr_assert_eq(prom("up{job=\"clinic\"}"), 1, "the scrape failed");
            return;
        }
        usleep(200 * 1000);
    }
    cr_assert_fail("no successful scrape after %.3f (last %.3f)", t, seen);
}

/* ---- what is watched ----------------------------------------------------- */

enum {
    SENT_OK, SENT_FAILED, SENT_TIMEOUT, GATEWAY_COUNT,
    V_OK, V_WRONG, V_NOT_FOUND, L_NEW, L_RETURNING, RL_PHONE, RL_IP,
    DOWN_503, DOWN_CONNECT, ACQUIRE_COUNT, N_WATCH
};

static const struct {
    const char *name, *labels;
    int down;                   /* of the metricsdown site */
} watch[N_WATCH] = {
    { "clinic_sends_total", "channel=\"sms\",result=\"ok\"", 0 },
    { "clinic_sends_total", "channel=\"sms\",result=\"gateway_failed\"", 0 },
    { "clinic_sends_total", "channel=\"sms\",result=\"gateway_timeout\"", 0 },
    { "clinic_gateway_duration_seconds_count", "channel=\"sms\"", 0 },
    { "clinic_verifies_total", "result=\"ok\"", 0 },
    { "clinic_verifies_total", "result=\"wrong\"", 0 },
    { "clinic_verifies_total", "result=\"not_found\"", 0 },
    { "clinic_logins_total", "kind=\"new\"", 0 },
    { "clinic_logins_total", "kind=\"returning\"", 0 },
    { "clinic_rate_limited_total", "bucket=\"otp-phone\"", 0 },
    { "clinic_rate_limited_total", "bucket=\"otp-ip\"", 0 },
    { "clinic_unavailable_total", "cause=\"db_down\"", 1 },
    { "clinic_db_connect_failures_total", NULL, 1 },
    { "clinic_db_acquire_seconds_count", NULL, 0 },
};

/* "ServerName:port" of a site, as the metrics label it */
static char *vhost_of(const char *name, const char *server_name)
{
    const char *url = site(name), *port = strrchr(url, ':');

    cr_assert(port);
    return fmt("%s:%s", server_name, port + 1);
}

static char *series(int w)
{
    char *vh = watch[w].down ? vhost_of("metricsdown", "metricsdown.test")
                             : vhost_of("metrics", "metrics.test");
    char *s = fmt("%s{vhost=\"%s\"%s%s}", watch[w].name, vh,
                  watch[w].labels ? "," : "",
                  watch[w].labels ? watch[w].labels : "");
    free(vh);
    return s;
}

static void read_all(double *out)
{
    int w;

    for (w = 0; w < N_WATCH; w++) {
        char *s = series(w);
        out[w] = prom(s);
        cr_assert(!isnan(out[w]), "Prometheus has no %s", s);
        free(s);
    }
}

/* ---- the requests -------------------------------------------------------- */

typedef struct {
    const char *base;
    char *phones[BURST], *ips[BURST], *codes[BURST];
    long status[BURST];
    char error[BURST][32];
    int is_new[BURST];
    int verify;                 /* 0 send, 1 verify codes[i] */
} burst_t;

static void one(void *arg, int i)
{
    burst_t *b = arg;
    char *body = b->verify
        ? fmt("{\"phone_number\":\"%s\",\"code\":\"%s\"}", b->phones[i],
              b->codes[i])
        : fmt("{\"phone_number\":\"%s\"}", b->phones[i]);
    resp_t *r = try_call("POST", b->base, b->verify ? "/api/auth/verify-otp"
                                                    : "/api/auth/send-otp",
                         body, NULL, b->ips[i]);
    const char *code = jstr(r, "error.code");
    cJSON *is_new = jget(r, "data.isNewUser");

    b->status[i] = r->status;
    snprintf(b->error[i], sizeof(b->error[i]), "%s", code ? code : "");
    b->is_new[i] = cJSON_IsTrue(is_new);
    resp_free(r);
    free(body);
}

static void run(burst_t *b, int n, int verify)
{
    int i;

    for (i = 0; i < n; i++) {
        free(b->ips[i]);
        b->ips[i] = fake_ip();
        b->status[i] = 0;
    }
    b->verify = verify;
    parallel(n, one, b);
}

static int tally(const burst_t *b, int n, long status, const char *error)
{
    int i, k = 0;

    for (i = 0; i < n; i++) {
        k += b->status[i] == status
             && (!error || !strcmp(b->error[i], error));
    }
    return k;
}

/* the child processes that served the metrics site (access log) */
static int metrics_children(char pids[][16], int max)
{
    char *log = slurp(fmt("%s/access.log", getenv("CLINIC_RUN_DIR")));
    char *line, *save = NULL;
    int n = 0, j, seen;

    cr_assert(log);
    for (line = strtok_r(log, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *p = strstr(line, " pid="), *end = line + strlen(line);
        if (!p || end - line < 18 || strcmp(end - 18, " host=metrics.test")) {
            continue;
        }
        p += 5;
        p[strcspn(p, " ")] = '\0';
        for (j = seen = 0; j < n; j++) {
            seen |= !strcmp(pids[j], p);
        }
        if (!seen && n < max) {
            snprintf(pids[n++], 16, "%s", p);
        }
    }
    free(log);
    return n;
}

static void alone(void)
{
    if (!getenv("CLINIC_ALONE")) {
        cr_skip_test("runs in the harness's pass of its own");
    }
    cr_assert(getenv("CLINIC_PROMETHEUS"), "the harness starts Prometheus");
}

/* a code of the same length that is not the code */
static char *wrong_code(const char *code)
{
    char *w = strdup(code);
    size_t n = strlen(w);

    w[n - 1] = (char)('0' + (w[n - 1] - '0' + 1) % 10);
    return w;
}

/* after read_all(before): assert every exact figure moved by expect */
static void assert_moved(const double *before, const double *after,
                         const double *expect)
{
    char all[4096] = "";
    int w;

    for (w = 0; w < N_WATCH; w++) {
        snprintf(all + strlen(all), sizeof(all) - strlen(all),
                 w == DOWN_CONNECT ? "\n  %s %s: %.0f (1 to %.0f)"
                 : w == ACQUIRE_COUNT ? "\n  %s %s: %.0f (at least %.0f)"
                 : "\n  %s %s: %.0f (expected %.0f)", watch[w].name,
                 watch[w].labels ? watch[w].labels : "", after[w] - before[w],
                 w == DOWN_CONNECT ? expect[DOWN_503]
                 : w == ACQUIRE_COUNT ? expect[SENT_OK] + expect[V_OK]
                                        + expect[V_WRONG] + expect[V_NOT_FOUND]
                 : expect[w]);
    }
    for (w = 0; w < N_WATCH; w++) {
        char *s = series(w);
        if (w == DOWN_CONNECT) {
            /* at least one dial failed; a child found it down pauses */
            cr_assert_geq(after[w] - before[w], 1, "%s", s);
            cr_assert_leq(after[w] - before[w], expect[DOWN_503], "%s", s);
        }
        else if (w == ACQUIRE_COUNT) {
            /* every send and verify took a connection at least once */
            cr_assert_geq(after[w] - before[w], expect[SENT_OK] + expect[V_OK]
                          + expect[V_WRONG] + expect[V_NOT_FOUND], "%s", s);
        }
        else {
            cr_assert_eq(after[w] - before[w], expect[w],
                         "%s moved by %.0f, %.0f expected; all:%s", s,
                         after[w] - before[w], expect[w], all);
        }
        free(s);
    }
    fprintf(stderr, "[metrics] as Prometheus stored them, moved by:%s\n",
            all);
}

static void health(void *arg, int i)
{
    long *status = arg;
    char *ip = fake_ip();
    resp_t *r = try_call("GET", site("metrics"), "/api/health", NULL, NULL,
                         ip);

    status[i] = r->status;
    resp_free(r);
    free(ip);
}

/* Before counting: every pooled connection works.  A test before this
 * one may have restarted the database, and a connection that meets the
 * restart answers 503 once (README, "Staying up"); two bursts in a row
 * answered 200 throw such connections away. */
static void database_settled(void)
{
    long status[BURST];
    int round, clean = 0, i;

    for (round = 0; round < 30 && clean < 2; round++) {
        parallel(BURST, health, status);
        for (i = 0; i < BURST && status[i] == 200; i++) {
        }
        clean = i == BURST ? clean + 1 : 0;
    }
    cr_assert_eq(clean, 2, "the metrics site's database does not settle");
}

/* The bursts: sends, wrong codes, right codes, unknown numbers, one
 * number past its limit, returning patients, a database down.  expect
 * gets what the answers say happened. */
static void make_requests(double *expect)
{
    burst_t b = { 0 }, d = { 0 };
    char *first[BURST], *right[BURST], *one_phone = fake_phone();
    int i, k;

    b.base = site("metrics");
    for (i = 0; i < BURST; i++) {
        b.phones[i] = first[i] = fake_phone();
    }
    run(&b, BURST, 0);
    cr_assert_eq(k = tally(&b, BURST, 200, NULL), BURST, "%d sends of %d "
                 "answered 200 (one answered %ld %s)", k, BURST, b.status[0],
                 b.error[0]);
    expect[SENT_OK] += k;
    for (i = 0; i < BURST; i++) {
        right[i] = sms_code(b.phones[i]);
        cr_assert(right[i], "no SMS for %s", b.phones[i]);
        b.codes[i] = wrong_code(right[i]);
    }
    run(&b, BURST, 1);
    cr_assert_eq(k = tally(&b, BURST, 400, "INVALID_OTP"), BURST);
    expect[V_WRONG] += k;
    for (i = 0; i < BURST; i++) {
        free(b.codes[i]);
        b.codes[i] = right[i];
    }
    run(&b, BURST, 1);
    cr_assert_eq(k = tally(&b, BURST, 200, NULL), BURST);
    expect[V_OK] += k;
    for (i = 0; i < BURST; i++) {
        expect[L_NEW] += b.is_new[i];
        b.phones[i] = fake_phone();     /* nobody sent these a code */
    }
    cr_assert_eq(expect[L_NEW], BURST, "new numbers are new patients");
    run(&b, BURST, 1);
    cr_assert_eq(k = tally(&b, BURST, 400, "OTP_NOT_FOUND"), BURST);
    expect[V_NOT_FOUND] += k;

    /* one number from as many addresses: 3 sends, then otp-phone */
    for (i = 0; i < RL_BURST; i++) {
        b.phones[i] = one_phone;
    }
    run(&b, RL_BURST, 0);
    k = tally(&b, RL_BURST, 200, NULL);
    cr_assert_eq(k, 3, "%d sends to one number passed", k);
    expect[SENT_OK] += k;
    expect[RL_PHONE] += tally(&b, RL_BURST, 429, "RATE_LIMITED");
    cr_assert_eq(expect[RL_PHONE], RL_BURST - 3);

    for (i = 0; i < RETURNING; i++) {
        free(login(b.base, first[i], fake_ip()));
        expect[SENT_OK]++;
        expect[V_OK]++;
        expect[L_RETURNING]++;
    }

    d.base = site("metricsdown");
    for (i = 0; i < RL_BURST; i++) {
        d.phones[i] = fake_phone();
    }
    run(&d, RL_BURST, 0);
    cr_assert_eq(k = tally(&d, RL_BURST, 503, "SERVICE_UNAVAILABLE"),
                 RL_BURST);
    expect[DOWN_503] += k;
    expect[GATEWAY_COUNT] = expect[SENT_OK];
}

/* the line of a series in server-status?auto, its value; -1 if absent */
static double status_value(const char *text, const char *series_name)
{
    const char *p = strstr(text, fmt("\n%s: ", series_name));

    return p ? strtod(strchr(p, '}') + 3, NULL) : -1;
}

/* the handler's own text: its type, and promtool finds nothing wrong */
static void check_exposition(void)
{
    const char *base = site("metrics");
    char *file = fmt("%s/metrics.txt", getenv("CLINIC_RUN_DIR"));
    const char *forwarded[] = { "X-Forwarded-For: 203.0.113.9", NULL };
    resp_t *r = req("GET", fmt("%s/clinic-metrics", base), NULL, NULL);
    char *out;
    FILE *f;
    int rc;

    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(resp_header(r, "Content-Type"),
                     "text/plain; version=0.0.4; charset=utf-8");
    cr_assert(strstr(r->body, "# TYPE clinic_sends_total counter\n"));
    f = fopen(file, "w");
    cr_assert(f);
    fwrite(r->body, 1, r->len, f);
    fclose(f);
    resp_free(r);
    rc = system(fmt("promtool check metrics < %s > %s.out 2>&1", file, file));
    out = slurp(fmt("%s.out", file));
    cr_assert_eq(rc, 0, "promtool check metrics: %s", out ? out : "");
    cr_assert(!out || !*out, "promtool check metrics: %s", out);
    free(out);

    /* Require local: a client the local proxy forwards is not local */
    r = req("GET", fmt("%s/clinic-metrics", base), NULL, forwarded);
    cr_assert_eq(r->status, 403, "%ld %s", r->status, r->body);
    resp_free(r);
    r = req("POST", fmt("%s/clinic-metrics", base), NULL, NULL);
    cr_assert_eq(r->status, 405, "%ld", r->status);
    resp_free(r);
}

/* mod_status: the same figure in ?auto, and the HTML page */
static void check_status(double sent_ok)
{
    const char *base = site("metrics");
    char *s = series(SENT_OK), *vh = vhost_of("metrics", "metrics.test");
    resp_t *r = req("GET", fmt("%s/server-status?auto", base), NULL, NULL);

    cr_assert_eq(r->status, 200);
    cr_assert_eq(status_value(r->body, s), sent_ok, "%s in ?auto:\n%.2000s",
                 s, r->body);
    resp_free(r);
    r = req("GET", fmt("%s/server-status", base), NULL, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert(strstr(r->body, "<h2>mod_clinic</h2>"), "%.2000s", r->body);
    cr_assert(strstr(r->body, fmt("<h3>%s</h3>", vh)));
    resp_free(r);
    free(s);
    free(vh);
}

/* the shipped rules evaluate, and ClinicDatabaseDown saw the down site */
static void check_rules(void)
{
    const char *prom_url = getenv("CLINIC_PROMETHEUS");
    char *vh = vhost_of("metricsdown", "metricsdown.test"), *body;
    cJSON *j, *groups, *g, *rule;
    int i, n = 0, alerted = 0;

    body = get_text(fmt("%s/api/v1/rules", prom_url));
    j = cJSON_Parse(body);
    groups = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "groups");
    cJSON_ArrayForEach(g, groups) {
        cJSON_ArrayForEach(rule, cJSON_GetObjectItem(g, "rules")) {
            const char *h = cJSON_GetStringValue(
                cJSON_GetObjectItem(rule, "health"));
            cr_assert_str_eq(h ? h : "", "ok", "rule %s: %s",
                cJSON_GetStringValue(cJSON_GetObjectItem(rule, "name")),
                cJSON_GetStringValue(cJSON_GetObjectItem(rule, "lastError")));
            n++;
        }
    }
    cr_assert_geq(n, 4, "%s", body);
    cJSON_Delete(j);
    free(body);
    for (i = 0; i < 50 && !alerted; i++) {
        body = get_text(fmt("%s/api/v1/alerts", prom_url));
        alerted = strstr(body, "\"alertname\":\"ClinicDatabaseDown\"")
                  && strstr(body, fmt("\"vhost\":\"%s\"", vh));
        free(body);
        usleep(200 * 1000);
    }
    cr_assert(alerted, "ClinicDatabaseDown is not pending for %s", vh);
    free(vh);
}

Test(alone, metrics_are_exact_across_children_and_a_graceful,
     .timeout = 300)
{
    double before[N_WATCH], after[N_WATCH], expect[N_WATCH] = { 0 };
    char pids[16][16], *s, *phone;
    double t, resets;
    int n, i;

    alone();
    database_settled();
    scraped_after(wall_s());
    read_all(before);

    make_requests(expect);
    n = metrics_children(pids, 16);
    cr_assert_geq(n, 2, "the requests were served by %d child process(es)",
                  n);
    fprintf(stderr, "[metrics] the requests were served by %d child "
            "processes\n", n);
    t = wall_s();
    scraped_after(t);
    read_all(after);
    assert_moved(before, after, expect);
    check_status(after[SENT_OK]);
    check_exposition();
    check_rules();

    /* a graceful restart keeps them; the new children add to them */
    {
        int old[64];
        graceful_restart(old, 64);   /* every child now is a new one */
    }
    for (i = 0; i < AFTER_GRACEFUL; i++) {
        phone = fake_phone();
        resp_t *r = send_otp(site("metrics"), phone, fake_ip());
        cr_assert_eq(r->status, 200, "%s", r->body);
        resp_free(r);
        free(phone);
    }
    expect[SENT_OK] += AFTER_GRACEFUL;
    expect[GATEWAY_COUNT] += AFTER_GRACEFUL;
    scraped_after(wall_s());
    read_all(after);
    assert_moved(before, after, expect);
    s = series(SENT_OK);
    resets = prom(fmt("resets(%s[10m])", s));
    cr_assert_eq(resets, 0, "Prometheus saw %s reset %.0f time(s)", s, resets);
    free(s);
}
