/*
 * fake_sms: a loopback-only HTTP "SMS gateway" for the integration tests.
 * It records every POST it gets (path, Content-Type, Authorization, body and
 * the decoded form or JSON string fields) and answers by path prefix:
 *
 *   POST /ok...       200 {"status":"queued","id":"N"}
 *   POST /created...  201 the same (Twilio answers 201)
 *   POST /fail...     500 {"error":"gateway failure"}
 *   POST /hang...     no answer; the connection is held up to 30 s
 *   POST /slow/N...   sleeps N (<= 30) seconds, then answers like /ok
 *   GET /messages[?to=V], GET /count, GET /health   for the tests
 *
 *   fake_sms --port-file FILE [--port N]
 *
 * A thread per connection.  HTTP/1.1 connections are kept for the next
 * request, as a real gateway keeps them (idle ones close after IO_TIMEOUT);
 * "Connection: close", HTTP/1.0, an error and /hang end them.
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

#define MAX_CONN    256
#define MAX_HEAD    (16 * 1024)
#define MAX_BODY    (64 * 1024)
#define MAX_RECORDS 100000
#define MAX_WAIT    30          /* seconds, for /hang and /slow/N */
#define IO_TIMEOUT  5           /* seconds, SO_RCVTIMEO / SO_SNDTIMEO */

typedef struct { char *p; size_t n, cap; int oom; } buf_t;
typedef struct { buf_t k, v; } field_t;
typedef struct {
    unsigned long seq;
    char *path, *ctype, *auth;          /* ctype, auth: NULL when absent */
    buf_t body;
    field_t *f;
    size_t nf;
} record_t;

static atomic_int stop, active;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static record_t *ring[MAX_RECORDS];
static size_t ring_start, ring_len;
static unsigned long total;

/* ---- growable byte buffers (NUL-terminated once touched; oom: no-ops) ---- */

static void b_add(buf_t *b, const void *s, size_t n)
{
    if (b->oom) return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        char *p;
        while (cap < b->n + n + 1) cap *= 2;
        if (!(p = realloc(b->p, cap))) { b->oom = 1; return; }
        b->p = p;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void b_ch(buf_t *b, char c) { b_add(b, &c, 1); }

static void b_fmt(buf_t *b, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0) b_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* a JSON string literal (bytes >= 0x80 as they are), or null for s == NULL */
static void b_jstr(buf_t *b, const char *s, size_t n)
{
    if (!s) { b_add(b, "null", 4); return; }
    b_ch(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') { b_ch(b, '\\'); b_ch(b, (char)c); }
        else if (c < 0x20) b_fmt(b, "\\u%04x", c);
        else b_ch(b, (char)c);
    }
    b_ch(b, '"');
}

static void b_utf8(buf_t *b, unsigned cp)
{
    char u[4];
    size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    static const unsigned char lead[] = {0, 0, 0xC0, 0xE0, 0xF0};
    for (size_t i = n - 1; i > 0; i--, cp >>= 6) u[i] = (char)(0x80 | (cp & 0x3F));
    u[0] = (char)(lead[n] | cp);
    b_add(b, u, n);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* %XX decoding (and '+' as space when plus); bad escapes are kept as is */
static void url_decode(buf_t *out, const char *s, size_t n, int plus)
{
    b_add(out, "", 0);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+' && plus) b_ch(out, ' ');
        else if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            b_ch(out, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
            i += 2;
        } else b_ch(out, s[i]);
    }
}

/* ---- decoding request bodies into fields ---- */

static void add_field(record_t *r, buf_t k, buf_t v)      /* takes k and v */
{
    field_t *f;
    b_add(&k, "", 0);
    b_add(&v, "", 0);
    if (k.oom || v.oom || !(f = realloc(r->f, (r->nf + 1) * sizeof(*f)))) {
        free(k.p);
        free(v.p);
        return;
    }
    r->f = f;
    f[r->nf].k = k;
    f[r->nf++].v = v;
}

static void parse_form(record_t *r, const char *s, size_t n)
{
    for (size_t i = 0, j; i < n; i = j + 1) {
        for (j = i; j < n && s[j] != '&'; j++) ;
        if (j > i) {
            const char *eq = memchr(s + i, '=', j - i);
            buf_t k = {0}, v = {0};
            url_decode(&k, s + i, eq ? (size_t)(eq - (s + i)) : j - i, 1);
            if (eq) url_decode(&v, eq + 1, (size_t)(s + j - eq - 1), 1);
            add_field(r, k, v);
        }
    }
}

typedef struct { const char *s; size_t n, i; } jp_t;

static void jp_ws(jp_t *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t'
                           || p->s[p->i] == '\r' || p->s[p->i] == '\n'))
        p->i++;
}

static int jp_hex4(jp_t *p, unsigned *out)    /* advances only on success */
{
    unsigned v = 0;
    if (p->i + 4 > p->n) return -1;
    for (int k = 0; k < 4; k++) {
        int h = hexval(p->s[p->i + k]);
        if (h < 0) return -1;
        v = v << 4 | (unsigned)h;
    }
    p->i += 4;
    *out = v;
    return 0;
}

/* the string starting at the '"' at p->i, decoded into out (NULL: skip it) */
static int jp_string(jp_t *p, buf_t *out)
{
    buf_t dummy = {.oom = 1};
    if (!out) out = &dummy;
    p->i++;
    while (p->i < p->n) {
        char c = p->s[p->i++];
        unsigned cp, lo;
        if (c == '"') return 0;
        if (c != '\\') { b_ch(out, c); continue; }
        if (p->i >= p->n) return -1;
        switch ((c = p->s[p->i++])) {
        case '"': case '\\': case '/': break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case 'u':
            if (jp_hex4(p, &cp)) return -1;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                size_t save = p->i;
                if (p->i + 2 <= p->n && p->s[p->i] == '\\' && p->s[p->i + 1] == 'u'
                    && (p->i += 2, !jp_hex4(p, &lo)) && lo >= 0xDC00 && lo <= 0xDFFF)
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                else { p->i = save; cp = 0xFFFD; }    /* lone high surrogate */
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) cp = 0xFFFD;
            b_utf8(out, cp);
            continue;
        default: return -1;
        }
        b_ch(out, c);
    }
    return -1;
}

/* skips one non-string value (number, literal, object, array) */
static int jp_skip(jp_t *p)
{
    int depth = 0;
    while (p->i < p->n) {
        char c = p->s[p->i];
        if (c == '"') {
            if (jp_string(p, NULL)) return -1;
            continue;
        }
        if (depth == 0 && (c == ',' || c == '}' || c == ']')) return 0;
        p->i++;
        if (c == '{' || c == '[') depth++;
        else if ((c == '}' || c == ']') && --depth == 0) return 0;
    }
    return -1;
}

/* top-level string members of a flat JSON object; stops at the first error */
static void parse_json(record_t *r, const char *s, size_t n)
{
    jp_t p = {s, n, 0};
    jp_ws(&p);
    if (p.i >= n || s[p.i++] != '{') return;
    for (;;) {
        buf_t k = {0}, v = {0};
        jp_ws(&p);
        if (p.i >= n || s[p.i] != '"' || jp_string(&p, &k)) { free(k.p); return; }
        jp_ws(&p);
        if (p.i >= n || s[p.i++] != ':') { free(k.p); return; }
        jp_ws(&p);
        if (p.i < n && s[p.i] == '"') {
            if (jp_string(&p, &v)) { free(k.p); free(v.p); return; }
            add_field(r, k, v);
        } else {
            free(k.p);
            if (jp_skip(&p)) return;
        }
        jp_ws(&p);
        if (p.i >= n || s[p.i++] != ',') return;
    }
}

/* ---- the record store ---- */

static void rec_free(record_t *r)
{
    for (size_t i = 0; i < r->nf; i++) { free(r->f[i].k.p); free(r->f[i].v.p); }
    free(r->f); free(r->path); free(r->ctype); free(r->auth); free(r->body.p);
    free(r);
}

static unsigned long store(record_t *r)
{
    unsigned long seq;
    pthread_mutex_lock(&mu);
    seq = r->seq = ++total;
    if (ring_len == MAX_RECORDS) {      /* drop the oldest */
        rec_free(ring[ring_start]);
        ring[ring_start] = r;
        ring_start = (ring_start + 1) % MAX_RECORDS;
    } else ring[(ring_start + ring_len++) % MAX_RECORDS] = r;
    pthread_mutex_unlock(&mu);
    return seq;
}

static int rec_is_for(const record_t *r, const buf_t *to)
{
    for (size_t i = 0; i < r->nf; i++)
        if (r->f[i].k.n == 2 && (!memcmp(r->f[i].k.p, "to", 2) || !memcmp(r->f[i].k.p, "To", 2))
            && r->f[i].v.n == to->n && !memcmp(r->f[i].v.p, to->p, to->n))
            return 1;
    return 0;
}

static void list_json(buf_t *out, const buf_t *to)
{
    int first = 1;
    b_ch(out, '[');
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < ring_len; i++) {
        const record_t *r = ring[(ring_start + i) % MAX_RECORDS];
        if (to && !rec_is_for(r, to)) continue;
        b_fmt(out, "%s{\"seq\":%lu,\"path\":", first ? "" : ",", r->seq);
        first = 0;
        b_jstr(out, r->path, strlen(r->path));
        b_add(out, ",\"contentType\":", 15);
        b_jstr(out, r->ctype, r->ctype ? strlen(r->ctype) : 0);
        b_add(out, ",\"authorization\":", 17);
        b_jstr(out, r->auth, r->auth ? strlen(r->auth) : 0);
        b_add(out, ",\"body\":", 8);
        b_jstr(out, r->body.p, r->body.n);
        b_add(out, ",\"fields\":{", 11);
        for (size_t j = 0; j < r->nf; j++) {
            if (j) b_ch(out, ',');
            b_jstr(out, r->f[j].k.p, r->f[j].k.n);
            b_ch(out, ':');
            b_jstr(out, r->f[j].v.p, r->f[j].v.n);
        }
        b_add(out, "}}", 2);
    }
    pthread_mutex_unlock(&mu);
    b_ch(out, ']');
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
        if (k <= 0) goto out;
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
            pthread_mutex_lock(&mu);
            b_fmt(&out, "{\"count\":%lu}", total);
            pthread_mutex_unlock(&mu);
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
    if (wait_ms >= 0 && hold(fd, wait_ms)) { keep = 0; goto out; }
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
    pthread_mutex_lock(&mu);
    fprintf(stderr, "fake_sms: stopped, %lu recorded\n", total);
    pthread_mutex_unlock(&mu);
    if (atomic_load(&active)) _exit(0);         /* a client still stuck in a read */
    for (size_t i = 0; i < ring_len; i++) rec_free(ring[(ring_start + i) % MAX_RECORDS]);
    return 0;
}
