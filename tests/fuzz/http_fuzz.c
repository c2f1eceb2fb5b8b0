/*
 * SPDX-License-Identifier: Apache-2.0
 * http_fuzz.c: a request-level fuzzer against a live httpd with the module.
 *
 *   http_fuzz HOST:PORT COUNT SEED [JWT-KEY-FILE]
 *
 * Sends COUNT random requests, one per connection: random methods, paths
 * near the API's routes, headers (Content-Type, Content-Length right and
 * wrong, Transfer-Encoding with random chunking, Authorization with
 * garbage and with well-signed tokens of unknown users, Range,
 * X-Forwarded-For), and bodies built from the API's own fields and then
 * broken: truncated, deeply nested, huge, huge numbers, invalid UTF-8,
 * NUL bytes, duplicate keys.  The write side is shut after each request,
 * so a body shorter than its Content-Length ends instead of hanging.
 *
 * Every answer must have a status line; no 5xx but 503, or 501 for a
 * method or transfer coding httpd does not know, or 505 for a version it
 * does not speak; and every answer to a well-formed request under /api/
 * must be the JSON envelope.  Exits 1 on any violation, printing the
 * first ones; prints the count of each status.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include <openssl/hmac.h>
#include <openssl/evp.h>

#define MAX_REQ (1 << 20)

static unsigned long long rng;
static unsigned r32(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng >> 11);
}
static unsigned below(unsigned n) { return n ? r32() % n : 0; }
static int chance(unsigned pct) { return below(100) < pct; }

typedef struct {
    char *p;
    size_t len, cap;
} buf_t;

static void put(buf_t *b, const void *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}
static void puts_(buf_t *b, const char *s) { put(b, s, strlen(s)); }
static void putf(buf_t *b, const char *f, ...)
{
    char tmp[4096];
    va_list ap;
    int n;

    va_start(ap, f);
    n = vsnprintf(tmp, sizeof(tmp), f, ap);
    va_end(ap);
    put(b, tmp, (size_t)(n < (int)sizeof(tmp) ? n : (int)sizeof(tmp) - 1));
}

static const char *routes[] = {
    "/api/health", "/api/version", "/api/auth/send-otp",
    "/api/auth/verify-otp", "/api/user/profile", "/api/user/phone",
    "/api/user/send-phone-change-otp", "/api/packages/available",
    "/api/packages/purchase", "/api/packages/history", "/api/",
    "/api/nothing", "/api/health/", "/api//health", "/api/auth/../health",
    "/api/%00", "/api/user/profile%2f", "/api/packages/available?x=1",
    "/", "/other",
};
#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

static const char *fields[] = {
    "phone_number", "phoneNumber", "code", "otp_code", "new_phone_number",
    "newPhoneNumber", "name", "national_id", "nationalId", "purpose",
    "package_id", "packageId", "user_info", "userInfo", "language",
};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

/* ---- tokens ---------------------------------------------------------- */

static unsigned char jwt_key[256];
static size_t jwt_len;

static void b64url(buf_t *b, const unsigned char *in, size_t n)
{
    static const char a[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t i;

    for (i = 0; i + 2 < n; i += 3) {
        char o[4] = { a[in[i] >> 2], a[((in[i] & 3) << 4) | (in[i + 1] >> 4)],
                      a[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)],
                      a[in[i + 2] & 63] };
        put(b, o, 4);
    }
    if (n - i == 1) {
        char o[2] = { a[in[i] >> 2], a[(in[i] & 3) << 4] };
        put(b, o, 2);
    }
    else if (n - i == 2) {
        char o[3] = { a[in[i] >> 2], a[((in[i] & 3) << 4) | (in[i + 1] >> 4)],
                      a[(in[i + 1] & 15) << 2] };
        put(b, o, 3);
    }
}

static void token(buf_t *out)
{
    buf_t t = { 0 }, pl = { 0 };
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    const char *hdr = chance(90) ? "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
                                 : "{\"alg\":\"none\"}";
    long now = (long)time(NULL);

    b64url(&t, (const unsigned char *)hdr, strlen(hdr));
    putf(&pl, "{\"sub\":\"%08x-0000-4000-8000-%012x\",\"phone\":\"+9655%07u\","
         "\"iat\":%ld,\"exp\":%ld%s}", r32(), r32(), below(10000000), now,
         now + (chance(80) ? 600 : -600), chance(20) ? ",\"ver\":3" : "");
    puts_(&t, ".");
    b64url(&t, (const unsigned char *)pl.p, pl.len);
    HMAC(EVP_sha256(), jwt_key, (int)jwt_len, (const unsigned char *)t.p,
         t.len, mac, &maclen);
    puts_(&t, ".");
    b64url(&t, mac, maclen);
    if (chance(10)) {
        t.p[t.len - 1 - below(5)] ^= 1;        /* a broken signature */
    }
    put(out, t.p, t.len);
    free(t.p);
    free(pl.p);
}

/* ---- bodies ---------------------------------------------------------- */

static void value(buf_t *b, int depth)
{
    switch (below(depth > 3 ? 8 : 10)) {
    case 0: putf(b, "\"+9655%07u\"", below(10000000)); break;
    case 1: putf(b, "\"%05u\"", below(100000)); break;
    case 2: puts_(b, "\"\xd9\x85\xd8\xad\xd9\x85\xd8\xaf\""); break;
    case 3: puts_(b, chance(50) ? "null" : "true"); break;
    case 4: puts_(b, chance(50) ? "1e999999" : "-123456789012345678901234567890"); break;
    case 5: puts_(b, "\"\\u0000\\ud800x\""); break;
    case 6: puts_(b, chance(50) ? (chance(50) ? "\"login\"" : "\"ar\"")
                                : (chance(50) ? "\"phone_change\"" : "\"en\""));
            break;
    case 7: putf(b, "%d", (int)r32()); break;
    case 8: {
        int i, n = (int)below(4);
        puts_(b, "{");
        for (i = 0; i < n; i++) {
            putf(b, "%s\"%s\":", i ? "," : "", fields[below(N_FIELDS)]);
            value(b, depth + 1);
        }
        puts_(b, "}");
        break;
    }
    default:
        puts_(b, "[");
        value(b, depth + 1);
        puts_(b, "]");
        break;
    }
}

static void body(buf_t *b)
{
    int i, n = (int)below(5);

    switch (below(12)) {
    case 0: {                              /* deep */
        int d = 10 + (int)below(3000);
        for (i = 0; i < d; i++) puts_(b, "[");
        for (i = 0; i < d; i++) puts_(b, "]");
        return;
    }
    case 1: {                              /* huge */
        size_t k = 1000 + below(40000);
        puts_(b, "{\"name\":\"");
        for (; k; k--) put(b, "a", 1);
        puts_(b, "\"}");
        return;
    }
    case 2: {                              /* random bytes */
        size_t k = below(300);
        for (; k; k--) { char c = (char)r32(); put(b, &c, 1); }
        return;
    }
    default:
        break;
    }
    puts_(b, "{");
    for (i = 0; i < n; i++) {
        putf(b, "%s\"%s\":", i ? "," : "", fields[below(N_FIELDS)]);
        value(b, 0);
    }
    puts_(b, "}");
    if (chance(15) && b->len > 2) {
        b->len = below((unsigned)b->len);    /* truncated */
        b->p[b->len] = '\0';
    }
    if (chance(10)) {                        /* a bad byte somewhere */
        b->p[below((unsigned)b->len)] = (char)(chance(50) ? 0xff : 0);
    }
}

/* ---- one request ----------------------------------------------------- */

typedef struct {
    int expect_501, expect_505, api, head, wellformed;
} expect_t;

static void request(buf_t *q, expect_t *e, const char *host)
{
    static const char *methods[] = { "GET", "POST", "PUT", "HEAD", "OPTIONS",
                                     "DELETE", "PATCH", "TRACE" };
    const char *m, *path = routes[below(N_ROUTES)];
    buf_t b = { 0 };
    int chunked = chance(15), te_odd = 0, has_body;

    memset(e, 0, sizeof(*e));
    e->wellformed = 1;
    if (chance(3)) {
        m = "FROB";
        e->expect_501 = 1;
    }
    else {
        m = methods[below(8)];
    }
    e->head = !strcmp(m, "HEAD");
    e->api = !strncmp(path, "/api/", 5);
    putf(q, "%s ", m);
    if (chance(2)) {                         /* a long line: 414 */
        size_t k = 8000 + below(2000);
        puts_(q, "/api/");
        for (; k; k--) put(q, "x", 1);
    }
    else {
        puts_(q, path);
        if (chance(5)) putf(q, "/%x", r32());
    }
    if (chance(2)) {
        puts_(q, " HTTP/9.9\r\n");
        e->expect_505 = 1;
        e->wellformed = 0;
    }
    else if (chance(2)) {
        puts_(q, chance(50) ? " HTTP/1.1\n" : "\r\n");   /* bare LF, 0.9 */
        e->wellformed = 0;
    }
    else {
        puts_(q, chance(90) ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n");
    }
    putf(q, "Host: %s\r\n", host);
    putf(q, "X-Forwarded-For: 2001:db8:%x:%x::%x\r\n", below(65536),
         below(65536), below(65536));
    if (chance(70)) {
        puts_(q, chance(90) ? "Content-Type: application/json\r\n"
                            : "Content-Type: text/plain\r\n");
    }
    if (chance(50)) {
        puts_(q, "Authorization: Bearer ");
        if (chance(70)) {
            token(q);
        }
        else {
            putf(q, "%x.%x.%x", r32(), r32(), r32());
        }
        puts_(q, "\r\n");
    }
    if (chance(10)) {
        putf(q, "Range: bytes=%u-%u\r\n", below(10), below(100));
    }
    if (chance(40)) {
        static const char *langs[] = {
            "ar", "ar-KW,ar;q=0.9,en;q=0.8", "en-US", "*", "ar;q=0, *",
            "fr;q=2, ar;q=", "\xd8\xb9\xd8\xb1", ";;,,q=1", "AR-kw ; Q=0.5",
        };
        putf(q, "Accept-Language: %s\r\n",
             langs[below(sizeof(langs) / sizeof(langs[0]))]);
    }
    has_body = strcmp(m, "GET") && strcmp(m, "HEAD") ? chance(90) : chance(5);
    if (has_body) {
        body(&b);
    }
    if (chunked) {
        if (chance(10)) {
            puts_(q, "Transfer-Encoding: gzip, chunked\r\n");
            te_odd = 1;
        }
        else {
            puts_(q, "Transfer-Encoding: chunked\r\n");
        }
        puts_(q, "\r\n");
        {
            size_t off = 0;
            while (off < b.len) {
                size_t n = 1 + below(2000);
                if (n > b.len - off) n = b.len - off;
                putf(q, "%zx\r\n", n);
                put(q, b.p + off, n);
                puts_(q, "\r\n");
                off += n;
            }
            if (chance(95)) puts_(q, "0\r\n\r\n");
        }
        if (te_odd) e->expect_501 = 1;
    }
    else {
        if (has_body || chance(10)) {
            long cl = (long)b.len;
            if (chance(10)) cl += (long)below(50) - 25;   /* wrong */
            if (chance(2)) cl = -1;
            putf(q, "Content-Length: %ld\r\n", cl);
        }
        puts_(q, "\r\n");
        put(q, b.p ? b.p : "", b.len);
    }
    free(b.p);
}

/* ---- the wire -------------------------------------------------------- */

static int exchange(struct sockaddr_in *a, const buf_t *q, buf_t *ans)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = { 15, 0 };
    size_t off = 0;
    char tmp[16384];
    ssize_t k;

    if (fd < 0) return -1;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)a, sizeof(*a)) != 0) {
        close(fd);
        return -1;
    }
    while (off < q->len) {
        k = send(fd, q->p + off, q->len - off, MSG_NOSIGNAL);
        if (k <= 0) break;            /* the server may stop reading */
        off += (size_t)k;
    }
    shutdown(fd, SHUT_WR);
    while ((k = recv(fd, tmp, sizeof(tmp), 0)) > 0) {
        if (ans->len < MAX_REQ) put(ans, tmp, (size_t)k);
    }
    close(fd);
    return k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? -2 : 0;
}

/* Does the head from p to end hold s? */
static int head_has(const char *p, const char *end, const char *s)
{
    size_t n = strlen(s);

    for (; p + n <= end; p++) {
        if (!strncmp(p, s, n)) return 1;
    }
    return 0;
}

static void show(const char *what, const buf_t *q, const buf_t *ans)
{
    size_t i, n = q->len < 600 ? q->len : 600;

    fprintf(stderr, "VIOLATION: %s\n  request: ", what);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)q->p[i];
        if (c >= 0x20 && c < 0x7f) fputc(c, stderr);
        else fprintf(stderr, "\\x%02x", c);
    }
    fprintf(stderr, "%s\n  answer: %.400s\n", q->len > n ? "..." : "",
            ans->p ? ans->p : "(none)");
}

int main(int argc, char **argv)
{
    struct sockaddr_in a;
    char host[128];
    int port, count, i, bad = 0, timeouts = 0;
    long statuses[600] = { 0 };

    if (argc < 4 || sscanf(argv[1], "%127[^:]:%d", host, &port) != 2) {
        fprintf(stderr, "usage: http_fuzz HOST:PORT COUNT SEED [JWT-KEY]\n");
        return 2;
    }
    count = atoi(argv[2]);
    rng = strtoull(argv[3], NULL, 10) * 2654435761ULL + 1;
    if (argc > 4) {
        FILE *f = fopen(argv[4], "r");
        if (f) {
            jwt_len = fread(jwt_key, 1, sizeof(jwt_key), f);
            fclose(f);
            while (jwt_len && (jwt_key[jwt_len - 1] == '\n'
                               || jwt_key[jwt_len - 1] == ' ')) jwt_len--;
        }
    }
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    inet_pton(AF_INET, host, &a.sin_addr);

    for (i = 0; i < count; i++) {
        buf_t q = { 0 }, ans = { 0 };
        expect_t e;
        int st = 0, rc;
        const char *bodyp;

        request(&q, &e, host);
        rc = exchange(&a, &q, &ans);
        if (rc == -2) {
            timeouts++;
            if (bad++ < 10) show("no answer within 15 s", &q, &ans);
        }
        else if (!ans.p || sscanf(ans.p, "HTTP/1.%*d %d", &st) != 1) {
            if (bad++ < 10) show("no status line", &q, &ans);
        }
        else {
            if (st >= 0 && st < 600) statuses[st]++;
            if (st >= 500 && st != 503 && !(st == 501 && e.expect_501)
                && !(st == 505 && e.expect_505)) {
                if (bad++ < 10) show("a 5xx", &q, &ans);
            }
            bodyp = strstr(ans.p, "\r\n\r\n");
            if (e.api && e.wellformed && !e.head && st != 204 && st != 101) {
                cJSON *j = bodyp ? cJSON_Parse(bodyp + 4) : NULL;
                cJSON *ok = j ? cJSON_GetObjectItem(j, "success") : NULL;
                if (!strstr(ans.p, "application/json") || !cJSON_IsBool(ok)) {
                    if (bad++ < 10) show("not the JSON envelope", &q, &ans);
                }
                /* and the language of its message said (issue 22) */
                if (bodyp && !head_has(ans.p, bodyp, "\r\nContent-Language: ")) {
                    if (bad++ < 10) show("no Content-Language", &q, &ans);
                }
                cJSON_Delete(j);
            }
        }
        free(q.p);
        free(ans.p);
    }
    printf("http_fuzz: %d requests,", count);
    for (i = 0; i < 600; i++) {
        if (statuses[i]) printf(" %d:%ld", i, statuses[i]);
    }
    printf("; %d violations (%d without an answer)\n", bad, timeouts);
    return bad ? 1 : 0;
}
