/*
 * SPDX-License-Identifier: Apache-2.0
 * test_http.c: the outbound HTTP client against a server the test runs:
 * a thread on 127.0.0.1 (a port the kernel picks) that accepts a bounded
 * number of connections, keeps the first request it reads, and answers a
 * canned HTTP/1.1 response, or never answers.  What the call sends, what
 * it keeps of the answer, its timeout, what it refuses (other schemes,
 * redirects), what it logs, and the caps on calls in flight.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <criterion/criterion.h>
#include <apr_base64.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <apr_time.h>

#include "http.h"

#include "pool_fixture.h"
#include "log_fixture.h"

#define WAIT_MS 50              /* one poll: how soon the server sees stop */
#define LIFE_MS 10000           /* a server gives up after this at most */
#define REQUEST_MAX 16384       /* bytes of a request kept */

typedef struct {
    int fd;                     /* listening, -1 when none */
    int port;
    int running;                /* the thread is to be joined */
    pthread_t thread;
    atomic_int stop;
    int max_conns;
    const char *answer;         /* the whole response; NULL: never answer */
    size_t answer_len;
    pthread_mutex_t lock;       /* conns and request */
    int conns;                  /* connections accepted */
    char request[REQUEST_MAX + 1];   /* the first one read */
} server_t;

static server_t srv = { .fd = -1 };
static clinic_env_t env;

/* ---- the server --------------------------------------------------------- */

static int ready(int fd, short events, int ms)
{
    struct pollfd p = { .fd = fd, .events = events };

    return poll(&p, 1, ms) == 1;
}

static int over(apr_time_t end)
{
    return atomic_load(&srv.stop) || apr_time_now() >= end;
}

/* the request's head and its Content-Length of body, or what came before
 * the end, the buffer's size or the stop */
static size_t read_request(int c, char *buf, apr_time_t end)
{
    size_t len = 0, want = 0;
    const char *head_end, *cl;

    while (len < REQUEST_MAX && !over(end)) {
        ssize_t n;
        if (!ready(c, POLLIN, WAIT_MS)) {
            continue;
        }
        if ((n = read(c, buf + len, REQUEST_MAX - len)) <= 0) {
            break;
        }
        len += (size_t)n;
        buf[len] = '\0';
        if (!(head_end = strstr(buf, "\r\n\r\n"))) {
            continue;
        }
        cl = strcasestr(buf, "\r\nContent-Length:");
        want = (size_t)(head_end + 4 - buf)
             + (cl && cl < head_end ? (size_t)atol(cl + 17) : 0);
        if (len >= want) {
            break;
        }
    }
    buf[len] = '\0';
    return len;
}

static void send_answer(int c, apr_time_t end)
{
    size_t sent = 0;

    while (sent < srv.answer_len && !over(end)) {
        ssize_t n;
        if (!ready(c, POLLOUT, WAIT_MS)) {
            continue;
        }
        n = send(c, srv.answer + sent, srv.answer_len - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            break;
        }
        sent += (size_t)n;
    }
}

/* never answer: hold the connection until the client gives up */
static void hold(int c, apr_time_t end)
{
    char b[512];

    while (!over(end)) {
        if (ready(c, POLLIN, WAIT_MS) && read(c, b, sizeof(b)) <= 0) {
            break;
        }
    }
}

static void *serve(void *arg)
{
    static char buf[REQUEST_MAX + 1];   /* the pool is the test's thread's */
    apr_time_t end = apr_time_now() + apr_time_from_msec(LIFE_MS);
    int c, first;

    (void)arg;
    while (srv.conns < srv.max_conns && !over(end)) {
        if (!ready(srv.fd, POLLIN, WAIT_MS)
            || (c = accept(srv.fd, NULL, NULL)) < 0) {
            continue;
        }
        pthread_mutex_lock(&srv.lock);
        first = srv.conns++ == 0;
        pthread_mutex_unlock(&srv.lock);
        read_request(c, buf, end);
        if (first) {
            pthread_mutex_lock(&srv.lock);
            memcpy(srv.request, buf, REQUEST_MAX + 1);
            pthread_mutex_unlock(&srv.lock);
        }
        if (srv.answer) {
            send_answer(c, end);
        }
        else {
            hold(c, end);
        }
        close(c);
    }
    return NULL;
}

/* a listening socket on 127.0.0.1, the kernel's port in *port */
static int listen_any(int *port)
{
    struct sockaddr_in a = { .sin_family = AF_INET };
    socklen_t alen = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    cr_assert_geq(fd, 0, "socket: %s", strerror(errno));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    cr_assert_eq(listen(fd, 8), 0);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* answer (NULL: never) to up to max_conns connections */
static void server_start(int max_conns, const char *answer)
{
    srv.fd = listen_any(&srv.port);
    srv.max_conns = max_conns;
    srv.answer = answer;
    srv.answer_len = answer ? strlen(answer) : 0;
    cr_assert_eq(pthread_create(&srv.thread, NULL, serve, NULL), 0);
    srv.running = 1;
}

/* stopped and joined: what it served, and no connection left waiting */
static void server_stop(void)
{
    atomic_store(&srv.stop, 1);
    if (srv.running) {
        pthread_join(srv.thread, NULL);
        srv.running = 0;
    }
}

/* every connection made to it, accepted or still in its backlog */
static int server_connections(void)
{
    server_stop();
    return srv.conns + ready(srv.fd, POLLIN, 0);
}

static const char *server_request(void)
{
    static char copy[REQUEST_MAX + 1];

    pthread_mutex_lock(&srv.lock);
    memcpy(copy, srv.request, sizeof(copy));
    pthread_mutex_unlock(&srv.lock);
    return copy;
}

static const char *url(const char *path)
{
    return apr_psprintf(pool, "http://127.0.0.1:%d%s", srv.port, path);
}

/* a canned answer: status line, Content-Length, Connection: close */
static const char *answer(const char *status, const char *more,
                          const char *body)
{
    return apr_psprintf(pool, "HTTP/1.1 %s\r\n%sContent-Length: %"
                        APR_SIZE_T_FMT "\r\nConnection: close\r\n\r\n%s",
                        status, more, strlen(body), body);
}

/* ---- the fixture -------------------------------------------------------- */

static void start(void)
{
    const char *why = NULL;

    setup();
    lines = apr_array_make(pool, 8, sizeof(const char *));
    env.pool = pool;
    env.log = keep_line;
    memset(&srv, 0, sizeof(srv));
    srv.fd = -1;
    pthread_mutex_init(&srv.lock, NULL);
    cr_assert_eq(clinic_http_init(pool, &why), APR_SUCCESS, "%s",
                 why ? why : "");
}

static void finish(void)
{
    server_stop();
    if (srv.fd >= 0) {
        close(srv.fd);
        srv.fd = -1;
    }
    pthread_mutex_destroy(&srv.lock);
    teardown();
}

TestSuite(http, .init = start, .fini = finish);

/* line appears as a whole header line of req */
static int has_line(const char *req, const char *line)
{
    return strstr(req, apr_pstrcat(pool, "\r\n", line, "\r\n", NULL))
           != NULL;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;

    for (; (hay = strstr(hay, needle)); hay += strlen(needle)) {
        n++;
    }
    return n;
}

/* ---- what a call sends and gets ----------------------------------------- */

Test(http, a_post_arrives_whole_and_its_answer_comes_back)
{
    const char *body = "{\"to\":\"+96550000001\",\"text\":\"1234\"}";
    apr_array_header_t *h = apr_array_make(pool, 2, sizeof(const char *));
    clinic_http_req_t q = { .what = "SMS gateway", .method = "POST",
                            .body = body, .content_type = "application/json",
                            .headers = h, .user = "svc-user",
                            .pass = "p4ss:w0rd", .timeout = 5 };
    clinic_http_resp_t out;
    const char *req, *auth = "svc-user:p4ss:w0rd";
    char *b64 = apr_palloc(pool, apr_base64_encode_len((int)strlen(auth)));

    *(const char **)apr_array_push(h) = "X-Api-Key: k-123";
    *(const char **)apr_array_push(h) = "Content-Type: text/plain";
    server_start(1, answer("201 Created", "", "{\"ok\":true}"));
    q.url = url("/v1/send");
    cr_assert_eq(clinic_http_call(&env, &q, &out), APR_SUCCESS);
    cr_assert_eq(out.status, 201);
    cr_assert_str_eq(out.body, "{\"ok\":true}");
    cr_assert_eq(out.len, strlen("{\"ok\":true}"));
    cr_assert_eq(out.truncated, 0);

    req = server_request();
    cr_assert_eq(strncmp(req, "POST /v1/send HTTP/1.1\r\n", 24), 0, "%s", req);
    cr_assert(has_line(req, "Content-Type: application/json"), "%s", req);
    cr_assert_eq(count(req, "Content-Type:"), 1, "the body's type wins");
    cr_assert(has_line(req, "X-Api-Key: k-123"), "%s", req);
    apr_base64_encode(b64, auth, (int)strlen(auth));
    cr_assert(has_line(req, apr_pstrcat(pool, "Authorization: Basic ", b64,
                                        NULL)), "%s", req);
    cr_assert_not_null(strstr(req, "\r\n\r\n"));
    cr_assert_str_eq(strstr(req, "\r\n\r\n") + 4, body);
}

Test(http, an_error_status_is_still_an_answer)
{
    clinic_http_req_t q = { .what = "payment provider", .method = "GET",
                            .timeout = 5 };
    clinic_http_resp_t out;

    server_start(1, answer("503 Service Unavailable", "Retry-After: 5\r\n",
                           "busy"));
    q.url = url("/v2/charges/ch_1");
    cr_assert_eq(clinic_http_call(&env, &q, &out), APR_SUCCESS);
    cr_assert_eq(out.status, 503);
    cr_assert_str_eq(out.body, "busy");
    cr_assert_eq(out.len, 4);
    cr_assert_eq(strncmp(server_request(), "GET /v2/charges/ch_1 HTTP/1.1\r\n",
                         31), 0, "%s", server_request());
    cr_assert_null(logged("CLINIC02"), "an answer is no failure to log");
}

Test(http, a_long_answer_is_cut_at_the_cap)
{
    apr_size_t n = CLINIC_HTTP_ANSWER_MAX + 4096, i;
    char *body = apr_palloc(pool, n + 1);
    clinic_http_req_t q = { .what = "SMS gateway", .method = "GET",
                            .timeout = 5 };
    clinic_http_resp_t out;

    for (i = 0; i < n; i++) {
        body[i] = (char)('a' + i % 26);
    }
    body[n] = '\0';
    server_start(1, answer("200 OK", "", body));
    q.url = url("/big");
    cr_assert_eq(clinic_http_call(&env, &q, &out), APR_SUCCESS);
    cr_assert_eq(out.status, 200);
    cr_assert_eq(out.truncated, 1);
    cr_assert_eq(out.len, CLINIC_HTTP_ANSWER_MAX);
    cr_assert_eq(strlen(out.body), CLINIC_HTTP_ANSWER_MAX, "NUL-terminated");
    cr_assert_eq(memcmp(out.body, body, CLINIC_HTTP_ANSWER_MAX), 0,
                 "the first bytes are kept");
}

Test(http, a_server_that_never_answers_times_out)
{
    clinic_http_req_t q = { .what = "SMS gateway", .method = "POST",
                            .body = "x=1", .timeout = 1 };
    clinic_http_resp_t out;
    apr_time_t t0, took;
    apr_status_t rv;

    server_start(1, NULL);
    q.url = url("/slow");
    t0 = apr_time_now();
    rv = clinic_http_call(&env, &q, &out);
    took = apr_time_now() - t0;
    cr_assert_eq(rv, APR_TIMEUP);
    cr_assert_lt(took, apr_time_from_sec(3), "took %" APR_TIME_T_FMT " us",
                 took);
    cr_assert_geq(took, apr_time_from_msec(500), "it waited for the answer");
    cr_assert_eq(out.status, 0);
    cr_assert_not_null(logged("CLINIC0202: "));
}

Test(http, a_closed_port_fails_and_the_log_names_the_host_only)
{
    clinic_http_req_t q = { .what = "SMS gateway", .method = "POST",
                            .body = "x=1", .timeout = 5 };
    clinic_http_resp_t out;
    const char *line;
    int port, fd = listen_any(&port);

    close(fd);                  /* nothing listens there now */
    q.url = apr_psprintf(pool, "http://127.0.0.1:%d/v1/key-Zq81secretTok/send"
                         "?sig=Zq81secretSig", port);
    cr_assert_neq(clinic_http_call(&env, &q, &out), APR_SUCCESS);
    cr_assert_eq(out.status, 0);
    line = logged("CLINIC0202: ");
    cr_assert_not_null(line, "logged: CLINIC0202");
    cr_assert_not_null(strstr(line, "SMS gateway"), "%s", line);
    cr_assert_not_null(strstr(line, apr_psprintf(pool, "127.0.0.1:%d", port)),
                       "%s", line);
    cr_assert_null(strstr(line, "Zq81secret"), "no path or query: %s", line);
    cr_assert_null(strstr(line, "/v1"), "no path: %s", line);
}

/* ---- what a call refuses ------------------------------------------------ */

Test(http, other_schemes_are_refused_before_connecting)
{
    clinic_http_req_t q = { .what = "SMS gateway", .method = "GET",
                            .timeout = 2 };
    clinic_http_resp_t out;

    server_start(1, answer("200 OK", "", "hello"));
    q.url = apr_psprintf(pool, "ftp://127.0.0.1:%d/file", srv.port);
    cr_assert_neq(clinic_http_call(&env, &q, &out), APR_SUCCESS);
    cr_assert_eq(out.status, 0);
    q.url = "file:///etc/hostname";
    cr_assert_neq(clinic_http_call(&env, &q, &out), APR_SUCCESS);
    cr_assert_eq(out.status, 0);
    cr_assert_eq(out.len, 0, "nothing of the file");
    cr_assert_eq(server_connections(), 0, "no connection was made");
    cr_assert_not_null(logged("CLINIC0202: "));
}

Test(http, a_redirect_is_not_followed)
{
    clinic_http_req_t q = { .what = "payment provider", .method = "GET",
                            .timeout = 5 };
    clinic_http_resp_t out;

    server_start(2, answer("302 Found", "Location: /elsewhere\r\n", ""));
    q.url = url("/start");
    cr_assert_eq(clinic_http_call(&env, &q, &out), APR_SUCCESS);
    cr_assert_eq(out.status, 302);
    cr_assert_eq(server_connections(), 1, "no second request");
    cr_assert_eq(strncmp(server_request(), "GET /start ", 11), 0);
}

/* ---- hosts and caps ----------------------------------------------------- */

Test(http, the_host_of_a_url_has_no_path)
{
    cr_assert_str_eq(clinic_http_host(pool, "https://api.example.com/v1/"
                                      "key-secret/send?x=1"),
                     "api.example.com");
    cr_assert_str_eq(clinic_http_host(pool, "http://127.0.0.1:8080?token=t"),
                     "127.0.0.1:8080");
    cr_assert_str_eq(clinic_http_host(pool, "https://gw.example.com#frag"),
                     "gw.example.com");
    cr_assert_str_eq(clinic_http_host(pool, "https://gw.example.com"),
                     "gw.example.com");
}

/* A gateway URL with credentials (user:password@) never puts them in a
 * CLINIC0202 line */
Test(http, the_host_of_a_url_has_no_credentials)
{
    cr_assert_str_eq(clinic_http_host(pool, "https://user:s3cret@gw.example"
                                      ".com:8443/send"), "gw.example.com:8443");
    cr_assert_str_eq(clinic_http_host(pool, "https://apikey@gw.example.com/"),
                     "gw.example.com");
}

Test(http, calls_in_flight_are_capped)
{
    volatile apr_uint32_t n = 0;
    const char *line;

    cr_assert_eq(clinic_http_slot_take(&env, &n, 2, "ClinicSMSMaxConcurrent"),
                 APR_SUCCESS);
    cr_assert_eq(clinic_http_saturated(&n, 2), 0);
    cr_assert_eq(clinic_http_slot_take(&env, &n, 2, "ClinicSMSMaxConcurrent"),
                 APR_SUCCESS);
    cr_assert_eq(clinic_http_saturated(&n, 2), 1);
    cr_assert_eq(clinic_http_slot_take(&env, &n, 2, "ClinicSMSMaxConcurrent"),
                 APR_EBUSY);
    cr_assert_eq(n, 2, "a refused take holds no place");
    line = logged("CLINIC0205: ");
    cr_assert_not_null(line, "logged: CLINIC0205");
    cr_assert_not_null(strstr(line, "ClinicSMSMaxConcurrent"), "%s", line);

    clinic_http_slot_give(&n);
    cr_assert_eq(clinic_http_saturated(&n, 2), 0);
    cr_assert_eq(clinic_http_slot_take(&env, &n, 2, "ClinicSMSMaxConcurrent"),
                 APR_SUCCESS, "a place given back is taken again");
    cr_assert_eq(lines->nelts, 1, "one refusal, one line");
}
