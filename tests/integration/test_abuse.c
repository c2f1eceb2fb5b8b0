/*
 * SPDX-License-Identifier: Apache-2.0
 * Limits that hold against a real attacker: IPv6 clients counted by their
 * /64, a cache that keeps its counters while thousands of others come and
 * go, no listing of registered numbers, one login from one burst of sends
 * through a slow gateway, revoked tokens counted as anonymous, the body
 * buffer sized by the body, and the protocol edges of the envelope.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <pthread.h>
#include <curl/curl.h>
#include <criterion/criterion.h>

#include "client.h"

static unsigned salt(void)
{
    unsigned v;
    FILE *f = fopen("/dev/urandom", "r");

    cr_assert(f && fread(&v, sizeof(v), 1, f) == 1);
    fclose(f);
    return v & 0xffff;
}

static resp_t *send_from(const char *base, const char *phone, const char *ip)
{
    char *body = fmt("{\"phone_number\":\"%s\"}", phone);
    resp_t *r = call("POST", base, "/api/auth/send-otp", body, NULL, ip);

    free(body);
    return r;
}

/* ---- IPv6 ---------------------------------------------------------------- */

Test(abuse, one_ipv6_slash_64_is_one_client_for_codes, .timeout = 60)
{
    unsigned a = salt(), b = salt();
    resp_t *r;
    int i;

    for (i = 1; i <= 10; i++) {
        char *ip = fmt("2001:db8:%x:%x::%x", a, b, i), *phone = fake_phone();
        r = send_from(site("main"), phone, ip);
        cr_assert_eq(r->status, 200, "send %d from %s: %s", i, ip, r->body);
        resp_free(r);
        free(ip);
        free(phone);
    }
    {
        /* the 11th address of the same /64 is the same client */
        char *ip = fmt("2001:db8:%x:%x:8000::b", a, b), *phone = fake_phone();
        r = send_from(site("main"), phone, ip);
        assert_error(r, 429, "RATE_LIMITED");
        resp_free(r);
        free(ip);
        /* the next /64 is another one */
        ip = fmt("2001:db8:%x:%x::1", a, (b + 1) & 0xffff);
        r = send_from(site("main"), phone, ip);
        cr_assert_eq(r->status, 200, "%s", r->body);
        resp_free(r);
        free(ip);
        free(phone);
    }
}

Test(abuse, one_ipv6_slash_64_is_one_client_for_requests, .timeout = 90)
{
    unsigned a = salt(), b = salt();
    resp_t *r;
    int i;

    window_room(20);
    for (i = 1; i <= 20; i++) {
        char *ip = fmt("2001:db8:%x:%x::%x:%x", a, b, i, salt());
        r = call("GET", site("limits"), "/api/version", NULL, NULL, ip);
        cr_assert_eq(r->status, 200, "request %d: %s", i, r->body);
        resp_free(r);
        free(ip);
    }
    {
        char *ip = fmt("2001:db8:%x:%x:ffff::1", a, b);
        r = call("GET", site("limits"), "/api/version", NULL, NULL, ip);
        assert_error(r, 429, "RATE_LIMITED");
        resp_free(r);
        free(ip);
    }
}

/* ---- counters that stay put ---------------------------------------------- */

static size_t sink(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

/* n GETs of url, one keep-alive connection, each from its own address
 * fmt_ip(i); how many answered 200 */
static int many_clients(const char *url, int n, unsigned s)
{
    CURL *h = curl_easy_init();
    int i, ok = 0;

    cr_assert(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    for (i = 0; i < n; i++) {
        char xff[96];
        struct curl_slist *hd;
        long status = 0;

        snprintf(xff, sizeof(xff), "X-Forwarded-For: 2001:db8:%x:%x::1", s,
                 i);
        hd = curl_slist_append(NULL, xff);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
        if (curl_easy_perform(h) == CURLE_OK) {
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        }
        ok += status == 200;
        curl_slist_free_all(hd);
    }
    curl_easy_cleanup(h);
    return ok;
}

Test(abuse, a_client_over_its_limit_stays_over_while_10000_others_come,
     .timeout = 120)
{
    char *me = fake_ip(), *url = fmt("%s/api/version", site("limits"));
    resp_t *r;
    int i, ok;

    window_room(45);
    for (i = 0; i < 21; i++) {
        r = call("GET", site("limits"), "/api/version", NULL, NULL, me);
        resp_free(r);
    }
    r = call("GET", site("limits"), "/api/version", NULL, NULL, me);
    assert_error(r, 429, "RATE_LIMITED");
    resp_free(r);

    ok = many_clients(url, 10000, salt());
    cr_assert_eq(ok, 10000, "%d of 10000 new clients were let in", ok);

    r = call("GET", site("limits"), "/api/version", NULL, NULL, me);
    cr_assert_eq(r->status, 429, "the limited client was forgotten: %s",
                 r->body);
    resp_free(r);
    free(me);
    free(url);
}

/* ---- no enumeration ------------------------------------------------------ */

Test(abuse, a_taken_number_is_never_told_without_a_code, .timeout = 60)
{
    char *ip = fake_ip(), *taken = fake_phone(), *mine = fake_phone();
    char *other = login(site("main"), taken, fake_ip());
    char *token = login(site("main"), mine, fake_ip());
    char *body = fmt("{\"new_phone_number\":\"%s\",\"otp_code\":\"12345\"}",
                     taken);
    resp_t *r;
    int i;

    /* each try at a number is a code check, counted under otp-ip (10 an
     * hour); without a code sent to the number, nothing is said of it */
    for (i = 0; i < 10; i++) {
        r = call("PUT", site("main"), "/api/user/phone", body, token, ip);
        assert_error(r, 400, "OTP_NOT_FOUND");
        resp_free(r);
    }
    r = call("PUT", site("main"), "/api/user/phone", body, token, ip);
    assert_error(r, 429, "RATE_LIMITED");
    resp_free(r);
    free(body);
    free(token);
    free(other);
    free(ip);
    free(taken);
    free(mine);
}

/* ---- one burst, one login ------------------------------------------------- */

static resp_t *verify_code(const char *phone, const char *code)
{
    char *body = fmt("{\"phone_number\":\"%s\",\"code\":\"%s\"}", phone,
                     code);
    resp_t *r = call("POST", site("main"), "/api/auth/verify-otp", body, NULL,
                     fake_ip());

    free(body);
    return r;
}

/* the code of the SMS that went through the gateway path starting with
 * prefix */
static char *code_via(const char *phone, const char *prefix)
{
    char *url = fmt("%s/messages?to=%s", site("sms"), phone);
    resp_t *r = req("GET", url, NULL, NULL);
    cJSON *rec;
    char *code = NULL;

    cr_assert(cJSON_IsArray(r->json), "%s", r->body);
    cJSON_ArrayForEach(rec, r->json) {
        const cJSON *path = cJSON_GetObjectItem(rec, "path");
        const cJSON *fields = cJSON_GetObjectItem(rec, "fields");
        const cJSON *msg = fields ? cJSON_GetObjectItem(fields, "message")
                                  : NULL;
        if (cJSON_IsString(path) && !strncmp(path->valuestring, prefix,
                                             strlen(prefix))
            && cJSON_IsString(msg)) {
            const char *p = msg->valuestring + strlen(msg->valuestring) - 5;
            free(code);
            code = strndup(p, 5);
        }
    }
    resp_free(r);
    free(url);
    return code;
}

Test(abuse, a_code_still_at_a_slow_gateway_dies_with_the_login, .timeout = 60)
{
    slow_send_t s = { fake_phone(), 0 };
    char *fast, *later, *slow;
    jobs_t *j;
    resp_t *r;

    j = spawn(1, slow_send, &s);           /* the gateway takes 3 s */
    sleep(1);
    r = send_from(site("main"), s.phone, fake_ip());
    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
    fast = code_via(s.phone, "/ok/main");
    cr_assert(fast, "no SMS through the fast gateway");
    r = verify_code(s.phone, fast);
    cr_assert_eq(r->status, 200, "the first login: %s", r->body);
    resp_free(r);
    /* the user asks for a fresh code before the slow SMS lands */
    r = send_from(site("main"), s.phone, fake_ip());
    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
    later = code_via(s.phone, "/ok/main");
    cr_assert(later && strcmp(later, fast), "no second fast SMS");

    join(j);                               /* the slow SMS has landed */
    cr_assert_eq(s.status, 200, "the slow send: %ld", s.status);
    slow = code_via(s.phone, "/slow");
    cr_assert(slow, "no SMS through the slow gateway");
    r = verify_code(s.phone, slow);
    cr_assert_neq(r->status, 200, "one burst of sends gave a second login");
    assert_error(r, 400, "OTP_NOT_FOUND");
    resp_free(r);
    /* and its landing did not retire the code asked for since */
    r = verify_code(s.phone, later);
    cr_assert_eq(r->status, 200, "the code sent after the login: %s", r->body);
    resp_free(r);
    free(fast);
    free(later);
    free(slow);
}

/* ---- revoked tokens ------------------------------------------------------- */

Test(abuse, a_revoked_token_counts_as_anonymous, .timeout = 90)
{
    /* well signed, for a user that does not exist */
    char *token = make_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
                             fmt("{\"sub\":\"00000000-0000-4000-8000-%012x\","
                                 "\"phone\":\"+96550000000\",\"iat\":%ld,"
                                 "\"exp\":%ld}", salt(), (long)time(NULL),
                                 (long)time(NULL) + 600), NULL);
    char *ip = fake_ip();
    resp_t *r;
    int i;

    window_room(20);
    for (i = 0; i < 20; i++) {
        r = call("GET", site("limits"), "/api/packages/available", NULL,
                 token, ip);
        cr_assert_eq(r->status, 200, "%d: %s", i, r->body);
        cr_assert_eq(atoi(resp_header(r, "RateLimit-Limit")), 20,
                     "counted as a user");
        resp_free(r);
    }
    r = call("GET", site("limits"), "/api/user/profile", NULL, token, ip);
    assert_error(r, 429, "RATE_LIMITED");
    resp_free(r);
    free(token);
    free(ip);
}

/* ---- the body buffer ------------------------------------------------------ */

/* VmSize (kB) of the processes whose command line names the test
 * httpd.conf, among pids (or all of them, recorded into pids) */
static long vm_of(int *pids, int *n, int record)
{
    char want[512];
    long total = 0;
    int k;

    snprintf(want, sizeof(want), "%s/httpd.conf", getenv("CLINIC_RUN_DIR"));
    if (record) {
        DIR *d = opendir("/proc");
        struct dirent *e;
        *n = 0;
        while (d && (e = readdir(d)) != NULL && *n < 64) {
            char path[300], buf[1024];
            FILE *f;
            size_t len;
            if (e->d_name[0] < '0' || e->d_name[0] > '9') {
                continue;
            }
            snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
            if (!(f = fopen(path, "r"))) {
                continue;
            }
            len = fread(buf, 1, sizeof(buf) - 1, f);
            fclose(f);
            for (size_t i = 0; i < len; i++) {
                buf[i] = buf[i] ? buf[i] : ' ';
            }
            buf[len] = '\0';
            if (strstr(buf, want)) {
                pids[(*n)++] = atoi(e->d_name);
            }
        }
        if (d) {
            closedir(d);
        }
    }
    for (k = 0; k < *n; k++) {
        char path[64], line[256];
        FILE *f;
        snprintf(path, sizeof(path), "/proc/%d/status", pids[k]);
        if (!(f = fopen(path, "r"))) {
            continue;
        }
        while (fgets(line, sizeof(line), f)) {
            if (!strncmp(line, "VmSize:", 7)) {
                total += atol(line + 7);
            }
        }
        fclose(f);
    }
    return total;
}

Test(abuse, the_body_buffer_is_the_size_of_the_body, .timeout = 60)
{
    int pids[64], n = 0, fds[12], i;
    long before, during;

    /* ClinicMaxBody 16 MiB on bigbody: twelve requests that announce 40
     * bytes and send 4 must not reserve 12 x 16 MiB */
    before = vm_of(pids, &n, 1);
    cr_assert(n > 0, "no httpd process found");
    for (i = 0; i < 12; i++) {
        fds[i] = open_trickle(site("bigbody"),
                              "POST /api/auth/send-otp HTTP/1.1\r\n"
                              "Host: bigbody.test\r\n"
                              "Content-Type: application/json\r\n"
                              "Content-Length: 40\r\n\r\n{\"ph");
    }
    usleep(700 * 1000);
    during = vm_of(pids, &n, 0);
    for (i = 0; i < 12; i++) {
        close(fds[i]);
    }
    cr_assert(during - before < 96 * 1024, "httpd grew by %ld MiB for twelve "
              "40-byte bodies", (during - before) / 1024);
}

/* ---- protocol edges ------------------------------------------------------- */

/* Send raw bytes to a site; the whole answer (until the server closes). */
static char *raw(const char *base, const char *bytes, size_t len)
{
    int fd = open_trickle(base, "");
    size_t cap = 65536, got = 0;
    char *out = malloc(cap + 1);
    ssize_t k;
    struct timeval tv = { 5, 0 };

    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    cr_assert_eq(write(fd, bytes, len), (ssize_t)len);
    shutdown(fd, SHUT_WR);
    while (got < cap && (k = read(fd, out + got, cap - got)) > 0) {
        got += (size_t)k;
    }
    close(fd);
    out[got] = '\0';
    return out;
}

/* the answer is an HTTP/1.x status line, JSON, and the envelope's code */
static void assert_json_error(const char *answer, int status,
                              const char *code)
{
    char want[64];
    const char *body = strstr(answer, "\r\n\r\n");
    cJSON *j;

    snprintf(want, sizeof(want), " %d ", status);
    cr_assert(!strncmp(answer, "HTTP/1.", 7), "no status line:\n%s", answer);
    cr_assert(strstr(answer, want) && strstr(answer, want) < strchr(answer, '\n'),
              "not %d:\n%s", status, answer);
    cr_assert(strstr(answer, "application/json"), "not JSON:\n%s", answer);
    cr_assert(body, "no body:\n%s", answer);
    j = cJSON_Parse(body + 4);
    cr_assert(j, "the body is not JSON:\n%s", answer);
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"),
                                         "code")->valuestring, code,
                     "%s", answer);
    cJSON_Delete(j);
}

#define RAW(site_, lit) raw(site(site_), lit, sizeof(lit) - 1)

Test(abuse, a_malformed_request_line_is_json)
{
    char *a = RAW("main", "GET /api/health HTTP/1.1\n\n");
    assert_json_error(a, 400, "BAD_REQUEST");
    free(a);
    a = RAW("main", "GET /api/he\0alth HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_json_error(a, 400, "BAD_REQUEST");
    free(a);
}

Test(abuse, a_request_line_too_long_is_json)
{
    size_t n = 9000;
    char *line = malloc(n + 64), *a;

    strcpy(line, "GET /api/");
    memset(line + 9, 'a', n);
    strcpy(line + 9 + n, " HTTP/1.1\r\nHost: x\r\n\r\n");
    a = raw(site("main"), line, strlen(line));
    assert_json_error(a, 414, "URI_TOO_LONG");
    free(a);
    free(line);
}

Test(abuse, http_0_9_is_refused)
{
    char *a = RAW("main", "GET /api/health\r\n");

    /* an answer with a status line, not a bare body */
    assert_json_error(a, 400, "BAD_REQUEST");
    free(a);
}

Test(abuse, an_unknown_transfer_encoding_is_json)
{
    char *a = RAW("main", "POST /api/auth/send-otp HTTP/1.1\r\nHost: x\r\n"
                          "Content-Type: application/json\r\n"
                          "Transfer-Encoding: gzip, chunked\r\n\r\n"
                          "0\r\n\r\n");

    assert_json_error(a, 501, "NOT_IMPLEMENTED");
    cr_assert_null(strstr(a, "Allow:"), "an empty Allow:\n%s", a);
    free(a);
}

Test(abuse, range_is_ignored)
{
    const char *range[] = { "Range: bytes=0-5", NULL };
    char *url = fmt("%s/api/packages/available", site("main"));
    char *phone = fake_phone(), *xff = fmt("X-Forwarded-For: %s", fake_ip());
    const char *post[] = { "Range: bytes=0-5", "Content-Type: application/json",
                           xff, NULL };
    char *body = fmt("{\"phone_number\":\"%s\"}", phone);
    resp_t *r = req("GET", url, NULL, range);

    cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
    assert_envelope(r, 1);
    resp_free(r);
    free(url);
    url = fmt("%s/api/auth/send-otp", site("main"));
    r = req("POST", url, body, post);
    cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
    assert_envelope(r, 1);
    resp_free(r);
    free(url);
    free(body);
    free(phone);
    free(xff);
}

/* a send-otp body naming the phone twice, under `first` and `second`: 400
 * INVALID_JSON, and no SMS to either number */
static void refused_twice(const char *first, const char *second)
{
    char *a = fake_phone(), *b = fake_phone();
    char *body = fmt("{\"%s\":\"%s\",\"%s\":\"%s\"}", first, a, second,
                     b);
    resp_t *r = call("POST", site("main"), "/api/auth/send-otp", body, NULL,
                     fake_ip());

    assert_error(r, 400, "INVALID_JSON");
    resp_free(r);
    cr_assert_eq(sms_count(a) + sms_count(b), 0, "an SMS was sent");
    free(body);
    free(a);
    free(b);
}

Test(abuse, a_field_named_twice_is_invalid_json)
{
    refused_twice("phone_number", "phone_number");
}

Test(abuse, one_field_under_two_names_is_invalid_json)
{
    refused_twice("phoneNumber", "phone_number");
}
