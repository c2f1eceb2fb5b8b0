/*
 * SPDX-License-Identifier: Apache-2.0
 * fake_sms: a loopback-only HTTP "SMS gateway" for the integration tests.
 * It records every POST it gets (path, Content-Type, Authorization, body and
 * the decoded form or JSON string fields) and answers by path prefix:
 *
 *   POST /ok...       200 {"status":"queued","id":"N"}
 *   POST /created...  201 the same (Twilio answers 201)
 *   POST /fail...     500 {"error":"gateway failure"}
 *   POST /hang...     no answer; the connection is held up to 30 s
 *   POST /slow/N...   sleeps N (<= 30) seconds, then answers like /ok
 *   POST /lifo/N/MS... holds each batch of N requests until the batch is
 *                     full (or 5 s), then answers them newest first, MS ms
 *                     apart, like /ok: later requests are answered first
 *   GET /messages[?to=V], GET /count, GET /health   for the tests
 *
 *   fake_sms --port-file FILE [--port N]
 *
 * A thread per connection.  HTTP/1.1 connections are kept for the next
 * request, as a real gateway keeps them (idle ones close after IO_TIMEOUT);
 * "Connection: close", HTTP/1.0, an error, /hang and /slow end them, and
 * so do bytes sent after a request's body (no pipelining; that answer does
 * not say "Connection: close").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "records.h"

#define MAX_CONN    256
#define MAX_HEAD    (16 * 1024)
#define MAX_BODY    (64 * 1024)
#define MAX_WAIT    30          /* seconds, for /hang and /slow/N */
#define IO_TIMEOUT  5           /* seconds, SO_RCVTIMEO / SO_SNDTIMEO */

static atomic_int stop, active;

/* ---- /lifo: a batch of requests answered in the reverse of their order ---- */

#define LIFO_MAX    64          /* requests in a batch */
#define LIFO_GAP    5000        /* ms, the longest gap between two answers */
#define LIFO_FILL   5           /* seconds a request waits for its batch to fill */

static pthread_mutex_t lifo_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t lifo_cv = PTHREAD_COND_INITIALIZER;
static int lifo_in, lifo_size;  /* arrived in the open batch; size of the last closed */
static unsigned long lifo_gen;  /* batches closed so far */

static void lifo_close(void)    /* with lifo_mu held */
{
    lifo_size = lifo_in;
    lifo_in = 0;
    lifo_gen++;
    pthread_cond_broadcast(&lifo_cv);
}

/* how long the k-th request of its batch waits once the batch is closed:
 * the newest answers at once, the oldest (size - 1) gaps later */
static long lifo_wait(int n, long gap)
{
    struct timespec until;
    unsigned long gen;
    int k, size, rc = 0;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += LIFO_FILL;
    pthread_mutex_lock(&lifo_mu);
    k = lifo_in++;
    gen = lifo_gen;
    if (lifo_in >= n) lifo_close();
    while (lifo_gen == gen && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&lifo_cv, &lifo_mu, &until);
    if (lifo_gen == gen) lifo_close();          /* a short batch: what came */
    size = lifo_size;
    pthread_mutex_unlock(&lifo_mu);
    return size > k ? (long)(size - 1 - k) * gap : 0;
}

/* ---- HTTP ---- */

static void send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return;
        p += k;
        n -= (size_t)k;
    }
}

/* head and body in one send: two small writes on a kept connection would
 * wait out the client's delayed ACK (Nagle), 40 ms each */
static void reply(int fd, int code, const char *body, int keep)
{
    const char *why = code == 200 ? "OK" : code == 201 ? "Created" : code == 400 ? "Bad Request"
        : code == 404 ? "Not Found" : code == 411 ? "Length Required"
        : code == 413 ? "Content Too Large" : "Internal Server Error";
    char head[160];
    buf_t out = {0};
    int n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n%s\r\n", code, why, strlen(body),
                     keep ? "" : "Connection: close\r\n");

    b_add(&out, head, (size_t)n);
    b_add(&out, body, strlen(body));
    if (!out.oom) send_all(fd, out.p, out.n);
    free(out.p);
}

static long ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* waits up to ms in 100 ms steps, discarding input; -1: shutdown or client gone */
static int hold(int fd, long ms)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long left; (left = ms - ms_since(&t0)) > 0; ) {
        struct pollfd pf = {fd, POLLIN, 0};
        char junk[4096];
        ssize_t k;
        if (atomic_load(&stop)) return -1;
        if (poll(&pf, 1, left < 100 ? (int)left : 100) <= 0) continue;
        if (pf.revents & (POLLERR | POLLHUP | POLLNVAL)) return -1;
        k = recv(fd, junk, sizeof(junk), MSG_DONTWAIT);
        if (k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return -1;
    }
    return atomic_load(&stop) ? -1 : 0;
}

static char *trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t') s++;
    for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'); ) *--e = '\0';
    return s;
}

#define FAIL(code, msg) do { keep = 0; reply(fd, code, "{\"error\":\"" msg "\"}", 0); goto out; } while (0)

/* one request; 1 when the connection stays open for the next */
static int handle(int fd)
{
    char *buf = malloc(MAX_HEAD + 1), *line, *next, *method, *target, *version, *query;
    char *ctype = NULL, *auth = NULL, resp[96];
    size_t len = 0, hlen = 0, scan, have;
    long clen = -1, n, wait_ms = -1;    /* wait_ms >= 0: hold before answering */
    long lifo_n = 0, lifo_gap = 0;      /* lifo_n > 0: a /lifo request */
    int expect = 0, chunked = 0, code = 404, keep = 0;
    record_t *rec = NULL;
    buf_t body = {0};

    if (!buf) return 0;
    while (!hlen) {             /* the head ends at "\n\n" or "\n\r\n" */
        ssize_t k;
        if (len == MAX_HEAD) FAIL(413, "head too large");
        if ((k = recv(fd, buf + len, MAX_HEAD - len, 0)) < 0 && errno == EINTR) continue;
        if (k <= 0) goto out;
        for (scan = len > 2 ? len - 2 : 0, len += (size_t)k; scan < len && !hlen; scan++)
            if (buf[scan] == '\n' && scan + 1 < len && buf[scan + 1] == '\n') hlen = scan + 2;
            else if (buf[scan] == '\n' && scan + 2 < len && buf[scan + 1] == '\r'
                     && buf[scan + 2] == '\n') hlen = scan + 3;
    }
    buf[hlen - 1] = '\0';
    if (!(next = strchr(buf, '\n'))) FAIL(400, "bad request line");
    *next++ = '\0';
    method = strtok_r(buf, " ", &line);
    target = strtok_r(NULL, " ", &line);
    version = strtok_r(NULL, " \r", &line);
    if (!method || !target || !version || *target != '/' || strncmp(version, "HTTP/1.", 7))
        FAIL(400, "bad request line");
    keep = !strcmp(version, "HTTP/1.1");
    if ((query = strchr(target, '?'))) *query++ = '\0';
    for (line = next; line && *line; line = next) {
        char *colon, *val;
        if ((next = strchr(line, '\n'))) *next++ = '\0';
        if (!*trim(line)) break;
        if (!(colon = strchr(line, ':'))) FAIL(400, "bad header");
        *colon = '\0';
        val = trim(colon + 1);
        if (!strcasecmp(line, "Content-Length")) {
            if (!*val || strspn(val, "0123456789") != strlen(val) || strlen(val) > 10
                || (clen >= 0 && strtol(val, NULL, 10) != clen))
                FAIL(400, "bad Content-Length");
            clen = strtol(val, NULL, 10);
        } else if (!strcasecmp(line, "Transfer-Encoding")) chunked |= !!strcasecmp(val, "identity");
        else if (!strcasecmp(line, "Expect")) expect = !strcasecmp(val, "100-continue");
        else if (!strcasecmp(line, "Content-Type")) ctype = val;
        else if (!strcasecmp(line, "Authorization")) auth = val;
        else if (!strcasecmp(line, "Connection") && !strcasecmp(val, "close")) keep = 0;
    }
    if (chunked) FAIL(411, "Content-Length required");
    if (clen < 0) clen = 0;
    if (clen > MAX_BODY) FAIL(413, "body too large");

    have = len - hlen < (size_t)clen ? len - hlen : (size_t)clen;
    b_add(&body, buf + hlen, have);
    if (have < (size_t)clen && expect) send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
    while (body.n < (size_t)clen && !body.oom) {
        char tmp[8192];
        size_t want = (size_t)clen - body.n;
        ssize_t k = recv(fd, tmp, want < sizeof(tmp) ? want : sizeof(tmp), 0);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) { keep = 0; goto out; }
        b_add(&body, tmp, (size_t)k);
    }
    if (body.oom) FAIL(500, "out of memory");

    if (!strcmp(method, "GET")) {
        buf_t out = {0}, to = {0};
        if (!strcmp(target, "/messages")) {
            /* ?to=V: plain %XX decoding, a literal '+' stays '+' */
            for (char *kv = query, *amp; kv; kv = amp) {
                if ((amp = strchr(kv, '&'))) *amp++ = '\0';
                if (!strncmp(kv, "to=", 3)) { to.n = 0; url_decode(&to, kv + 3, strlen(kv + 3), 0); }
            }
            list_json(&out, to.p ? &to : NULL);
        } else if (!strcmp(target, "/count")) {
            b_fmt(&out, "{\"count\":%lu}", records_total());
        } else if (!strcmp(target, "/health")) b_add(&out, "{\"ok\":true}", 11);
        code = !out.p ? 404 : out.oom || to.oom ? 500 : 200;
        reply(fd, code, code == 200 ? out.p : code == 404 ? "{\"error\":\"not found\"}"
              : "{\"error\":\"out of memory\"}", keep);
        free(out.p);
        free(to.p);
        goto log;
    }

    if (strcmp(method, "POST")) code = 404;
    else if (!strncmp(target, "/ok", 3)) code = 200;
    else if (!strncmp(target, "/created", 8)) code = 201;
    else if (!strncmp(target, "/fail", 5)) code = 500;
    else if (!strncmp(target, "/hang", 5)) code = 0, wait_ms = MAX_WAIT * 1000L;
    else if (!strncmp(target, "/slow/", 6)) {
        char *end;
        n = strtol(target + 6, &end, 10);
        if (end == target + 6 || target[6] < '0' || target[6] > '9' || n > MAX_WAIT) FAIL(400, "bad delay");
        code = 200, wait_ms = n * 1000L;
    } else if (!strncmp(target, "/lifo/", 6)) {
        char *end, *end2 = NULL;
        lifo_n = strtol(target + 6, &end, 10);
        lifo_gap = *end == '/' ? strtol(end + 1, &end2, 10) : -1;
        if (end == target + 6 || target[6] < '0' || target[6] > '9' || lifo_n < 1
            || lifo_n > LIFO_MAX || *end != '/' || end2 == end + 1 || end[1] < '0'
            || end[1] > '9' || lifo_gap < 0 || lifo_gap > LIFO_GAP)
            FAIL(400, "bad batch");
        code = 200;
    }
    if (code == 404) {
        reply(fd, code, "{\"error\":\"not found\"}", keep);
        goto log;
    }
    if (!(rec = calloc(1, sizeof(*rec))) || !(rec->path = strdup(target))
        || (ctype && !(rec->ctype = strdup(ctype))) || (auth && !(rec->auth = strdup(auth))))
        FAIL(500, "out of memory");
    if (ctype && !strncasecmp(ctype, "application/x-www-form-urlencoded", 33))
        parse_form(rec, body.p, body.n);
    else if (ctype && !strncasecmp(ctype, "application/json", 16))
        parse_json(rec, body.p, body.n);
    rec->body = body;
    body.p = NULL;
    n = (long)store(rec);
    rec = NULL;
    fprintf(stderr, "fake_sms: recorded #%ld POST %s\n", n, target);
    if (lifo_n > 0) wait_ms = lifo_wait((int)lifo_n, lifo_gap);
    if (wait_ms >= 0) {
        keep = 0;               /* hold() throws away what arrives meanwhile */
        if (hold(fd, wait_ms)) goto out;
    }
    if (code == 0) { keep = 0; goto out; }   /* /hang: close without a response */
    if (code == 500) reply(fd, 500, "{\"error\":\"gateway failure\"}", keep);
    else {
        snprintf(resp, sizeof(resp), "{\"status\":\"queued\",\"id\":\"%ld\"}", n);
        reply(fd, code, resp, keep);
    }
log:
    fprintf(stderr, "fake_sms: %s %s -> %d\n", method, target, code);
out:
    if (rec) rec_free(rec);
    free(body.p);
    free(buf);
    /* bytes after this request's body would be a pipelined next one:
     * not kept, so such a client gets its answers on new connections */
    return keep && len - hlen <= (size_t)clen && !atomic_load(&stop);
}

static void *conn_main(void *arg)
{
    int fd = (int)(intptr_t)arg;
    while (handle(fd)) {
    }
    shutdown(fd, SHUT_WR);      /* close gently: FIN, then drain the rest (<= 1 s) */
    hold(fd, 1000);
    close(fd);
    atomic_fetch_sub(&active, 1);
    return NULL;
}

static void on_signal(int sig) { (void)sig; atomic_store(&stop, 1); }

int main(int argc, char **argv)
{
    const char *port_file = NULL;
    long port = 0;
    struct sigaction sa;
    sigset_t block, orig;
    struct sockaddr_in sin;
    socklen_t slen = sizeof(sin);
    pthread_attr_t attr;
    char tmp[4096];
    FILE *f;
    int ls, one = 1, bad = 0;

    for (int i = 1; i < argc; i++) {
        char *end;
        if (!strcmp(argv[i], "--port-file") && i + 1 < argc) port_file = argv[++i];
        else if (!strcmp(argv[i], "--port") && i + 1 < argc) {
            port = strtol(argv[++i], &end, 10);
            bad |= !*argv[i] || *end || port < 0 || port > 65535;
        } else bad = 1;
    }
    if (!port_file || bad) {
        fprintf(stderr, "usage: %s --port-file FILE [--port N]\n", argv[0]);
        return 2;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;          /* no SA_RESTART: ppoll returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &orig);  /* delivered only inside ppoll */

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = htons((uint16_t)port);
    if ((ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0
        || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))
        || bind(ls, (struct sockaddr *)&sin, sizeof(sin)) || listen(ls, 128)
        || getsockname(ls, (struct sockaddr *)&sin, &slen)) {
        perror("fake_sms: listen on 127.0.0.1");
        return 1;
    }
    snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
    if (!(f = fopen(tmp, "w")) || fprintf(f, "%u\n", ntohs(sin.sin_port)) < 0
        || fclose(f) || rename(tmp, port_file)) {
        perror("fake_sms: port file");
        return 1;
    }
    fprintf(stderr, "fake_sms: listening on 127.0.0.1:%u\n", ntohs(sin.sin_port));

    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    while (!atomic_load(&stop)) {
        struct pollfd pf = {ls, POLLIN, 0};
        struct timeval tv = {IO_TIMEOUT, 0};
        pthread_t t;
        int c;
        if (ppoll(&pf, 1, NULL, &orig) <= 0) continue;
        if ((c = accept4(ls, NULL, NULL, SOCK_CLOEXEC)) < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOMEM) usleep(10000);
            continue;
        }
        if (atomic_load(&active) >= MAX_CONN) {
            static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                                       "Connection: close\r\n\r\n";
            send(c, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
            close(c);
            continue;
        }
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        atomic_fetch_add(&active, 1);
        if (pthread_create(&t, &attr, conn_main, (void *)(intptr_t)c)) {
            atomic_fetch_sub(&active, 1);
            close(c);
        }
    }
    close(ls);
    pthread_attr_destroy(&attr);
    for (int i = 0; i < 100 && atomic_load(&active); i++) usleep(10000);  /* <= 1 s */
    fprintf(stderr, "fake_sms: stopped, %lu recorded\n", records_total());
    if (atomic_load(&active)) _exit(0);         /* a client still stuck in a read */
    records_free_all();
    return 0;
}
