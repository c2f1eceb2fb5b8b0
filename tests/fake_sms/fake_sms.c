/*
 * fake_sms: a loopback SMS gateway for the integration tests.
 *
 *   fake_sms --port-file FILE [--port N]
 *
 * Listens on 127.0.0.1 only, writes the port to FILE once listening, and
 * records every POST so tests can read the code a patient would get.
 *   POST /ok...      record, 200 {"status":"queued"}
 *   POST /created... record, 201 (Twilio's answer)
 *   POST /fail...    record, 500
 *   POST /hang...    record, never answer (until the client gives up)
 *   GET  /messages   all records as JSON (fields decoded from form or JSON)
 *   GET  /count, GET /health
 * SIGTERM/SIGINT stop it.
 */
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_HEAD 16384
#define MAX_BODY 65536
#define MAX_RECORDS 10000
#define MAX_CONNS 256

typedef struct {
    char *path, *type, *auth, *body;
} record_t;

static record_t records[MAX_RECORDS];
static int n_records;
static long total;
static int active_conns;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static volatile sig_atomic_t stopping;

/* ---- a growing string ---------------------------------------------------- */

typedef struct {
    char *s;
    size_t len, cap;
} str_t;

static void put(str_t *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        if (!b->s) {
            abort();
        }
    }
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void puts_(str_t *b, const char *p)
{
    put(b, p, strlen(p));
}

static void printf_(str_t *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    puts_(b, tmp);
}

static void json_str(str_t *b, const char *s)
{
    if (!s) {
        puts_(b, "null");
        return;
    }
    put(b, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            put(b, "\\", 1);
            put(b, (char *)&c, 1);
        }
        else if (c < 0x20) {
            printf_(b, "\\u%04x", c);
        }
        else {
            put(b, (char *)&c, 1);
        }
    }
    put(b, "\"", 1);
}

/* ---- decoding the recorded bodies --------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static char *form_decode(const char *s, size_t n)
{
    char *out = malloc(n + 1), *o = out;
    size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] == '+') {
            *o++ = ' ';
        }
        else if (s[i] == '%' && i + 2 < n
                 && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            *o++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        }
        else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

/* form fields as a JSON object */
static void fields_form(str_t *b, const char *body)
{
    const char *p = body;
    int first = 1;

    put(b, "{", 1);
    while (*p) {
        size_t n = strcspn(p, "&");
        const char *eq = memchr(p, '=', n);
        if (eq) {
            char *k = form_decode(p, (size_t)(eq - p));
            char *v = form_decode(eq + 1, n - (size_t)(eq - p) - 1);
            if (!first) put(b, ",", 1);
            first = 0;
            json_str(b, k);
            put(b, ":", 1);
            json_str(b, v);
            free(k);
            free(v);
        }
        p += n;
        if (*p == '&') p++;
    }
    put(b, "}", 1);
}

static void utf8_put(str_t *b, unsigned cp)
{
    char u[4];
    if (cp < 0x80) { u[0] = (char)cp; put(b, u, 1); }
    else if (cp < 0x800) { u[0] = (char)(0xC0 | cp >> 6); u[1] = (char)(0x80 | (cp & 63)); put(b, u, 2); }
    else if (cp < 0x10000) { u[0] = (char)(0xE0 | cp >> 12); u[1] = (char)(0x80 | ((cp >> 6) & 63)); u[2] = (char)(0x80 | (cp & 63)); put(b, u, 3); }
    else { u[0] = (char)(0xF0 | cp >> 18); u[1] = (char)(0x80 | ((cp >> 12) & 63)); u[2] = (char)(0x80 | ((cp >> 6) & 63)); u[3] = (char)(0x80 | (cp & 63)); put(b, u, 4); }
}

static unsigned hex4(const char *p)
{
    unsigned v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0) return 0xFFFFFFFF;
        v = v * 16 + (unsigned)h;
    }
    return v;
}

/* a JSON string at *pp (after the quote) decoded; NULL when malformed */
static char *json_take_string(const char **pp)
{
    const char *p = *pp;
    str_t out = { 0 };

    put(&out, "", 0);
    while (*p && *p != '"') {
        if (*p != '\\') {
            put(&out, p++, 1);
            continue;
        }
        p++;
        switch (*p) {
        case '"': case '\\': case '/': put(&out, p, 1); break;
        case 'b': put(&out, "\b", 1); break;
        case 'f': put(&out, "\f", 1); break;
        case 'n': put(&out, "\n", 1); break;
        case 'r': put(&out, "\r", 1); break;
        case 't': put(&out, "\t", 1); break;
        case 'u': {
            unsigned cp = hex4(p + 1);
            if (cp == 0xFFFFFFFF) goto bad;
            p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && p[1] == '\\' && p[2] == 'u') {
                unsigned lo = hex4(p + 3);
                if (lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    p += 6;
                }
            }
            utf8_put(&out, cp);
            break;
        }
        default: goto bad;
        }
        p++;
    }
    if (*p != '"') goto bad;
    *pp = p + 1;
    return out.s;
bad:
    free(out.s);
    return NULL;
}

/* top-level string members of a flat JSON object */
static void fields_json(str_t *b, const char *body)
{
    const char *p = body;
    int first = 1;

    put(b, "{", 1);
    while (*p && *p != '{') p++;
    if (*p) p++;
    for (;;) {
        char *k, *v = NULL;
        while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t' || *p == ',') p++;
        if (*p != '"') break;
        p++;
        if (!(k = json_take_string(&p))) break;
        while (*p == ' ' || *p == ':') p++;
        if (*p == '"') {
            p++;
            v = json_take_string(&p);
        }
        else {
            /* skip a non-string value */
            int depth = 0;
            while (*p && (depth > 0 || (*p != ',' && *p != '}'))) {
                if (*p == '{' || *p == '[') depth++;
                if (*p == '}' || *p == ']') depth--;
                p++;
            }
        }
        if (v) {
            if (!first) put(b, ",", 1);
            first = 0;
            json_str(b, k);
            put(b, ":", 1);
            json_str(b, v);
            free(v);
        }
        free(k);
    }
    put(b, "}", 1);
}

static void record_json(str_t *b, int seq, const record_t *r)
{
    printf_(b, "{\"seq\":%d,\"path\":", seq);
    json_str(b, r->path);
    puts_(b, ",\"contentType\":");
    json_str(b, r->type);
    puts_(b, ",\"authorization\":");
    json_str(b, r->auth);
    puts_(b, ",\"body\":");
    json_str(b, r->body);
    puts_(b, ",\"fields\":");
    if (r->type && !strncasecmp(r->type, "application/json", 16)) {
        fields_json(b, r->body);
    }
    else if (r->type && !strncasecmp(r->type, "application/x-www-form-urlencoded", 33)) {
        fields_form(b, r->body);
    }
    else {
        puts_(b, "{}");
    }
    put(b, "}", 1);
}

/* ---- HTTP ----------------------------------------------------------------- */

static void answer(int fd, int status, const char *reason, const char *body)
{
    str_t b = { 0 };
    size_t off = 0;

    printf_(&b, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
            "Content-Length: %zu\r\nConnection: close\r\n\r\n",
            status, reason, strlen(body));
    puts_(&b, body);
    while (off < b.len) {
        ssize_t n = write(fd, b.s + off, b.len - off);
        if (n <= 0) break;
        off += (size_t)n;
    }
    free(b.s);
}

static char *header(const char *head, const char *name)
{
    size_t n = strlen(name);
    const char *p = head;

    while ((p = strchr(p, '\n')) != NULL) {
        p++;
        if (!strncasecmp(p, name, n) && p[n] == ':') {
            const char *v = p + n + 1, *end;
            while (*v == ' ' || *v == '\t') v++;
            end = v + strcspn(v, "\r\n");
            return strndup(v, (size_t)(end - v));
        }
    }
    return NULL;
}

static void record(const char *path, const char *head, const char *body)
{
    record_t r;

    r.path = strdup(path);
    r.type = header(head, "Content-Type");
    r.auth = header(head, "Authorization");
    r.body = strdup(body);
    pthread_mutex_lock(&lock);
    if (n_records == MAX_RECORDS) {
        free(records[0].path); free(records[0].type);
        free(records[0].auth); free(records[0].body);
        memmove(records, records + 1, sizeof(record_t) * (MAX_RECORDS - 1));
        n_records--;
    }
    records[n_records++] = r;
    total++;
    pthread_mutex_unlock(&lock);
}

static void list(int fd, const char *query)
{
    char *want = NULL;
    str_t b = { 0 };
    int i, first = 1;

    if (query && !strncmp(query, "to=", 3)) {
        want = form_decode(query + 3, strlen(query + 3));
    }
    puts_(&b, "[");
    pthread_mutex_lock(&lock);
    for (i = 0; i < n_records; i++) {
        if (want) {
            str_t f = { 0 }, needle = { 0 };
            int match;
            fields_form(&f, records[i].body);
            if (records[i].type && !strncasecmp(records[i].type, "application/json", 16)) {
                free(f.s);
                f.s = NULL; f.len = f.cap = 0;
                fields_json(&f, records[i].body);
            }
            json_str(&needle, want);
            match = strstr(f.s, needle.s) != NULL;
            free(f.s);
            free(needle.s);
            if (!match) continue;
        }
        if (!first) puts_(&b, ",");
        first = 0;
        record_json(&b, i + 1, &records[i]);
    }
    pthread_mutex_unlock(&lock);
    puts_(&b, "]");
    answer(fd, 200, "OK", b.s);
    free(b.s);
    free(want);
}

static void *serve(void *arg)
{
    int fd = (int)(long)arg;
    char *buf = malloc(MAX_HEAD + MAX_BODY + 1), *end, *path, *q;
    size_t len = 0, head_len, body_len = 0;
    char method[16] = "", target[2048] = "";
    char *cl, *te, *expect;

    for (;;) {
        ssize_t n = read(fd, buf + len, MAX_HEAD - len);
        if (n <= 0) goto done;
        len += (size_t)n;
        buf[len] = '\0';
        if ((end = strstr(buf, "\r\n\r\n")) != NULL) break;
        if (len >= MAX_HEAD) {
            answer(fd, 413, "Too Large", "{\"error\":\"head too large\"}");
            goto done;
        }
    }
    head_len = (size_t)(end - buf) + 4;
    if (sscanf(buf, "%15s %2047s", method, target) != 2) goto done;
    cl = header(buf, "Content-Length");
    te = header(buf, "Transfer-Encoding");
    expect = header(buf, "Expect");
    if (te) {
        answer(fd, 411, "Length Required", "{\"error\":\"no chunked bodies\"}");
        free(te); free(cl); free(expect);
        goto done;
    }
    if (cl) body_len = strtoul(cl, NULL, 10);
    free(cl);
    if (body_len > MAX_BODY) {
        answer(fd, 413, "Too Large", "{\"error\":\"body too large\"}");
        free(expect);
        goto done;
    }
    if (expect && !strcasecmp(expect, "100-continue")) {
        (void)!write(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
    }
    free(expect);
    {
        /* the body: what came with the head, then the rest */
        char *body = malloc(body_len + 1);
        size_t have = len - head_len < body_len ? len - head_len : body_len;
        memcpy(body, buf + head_len, have);
        while (have < body_len) {
            ssize_t n = read(fd, body + have, body_len - have);
            if (n <= 0) { free(body); goto done; }
            have += (size_t)n;
        }
        body[body_len] = '\0';

        path = target;
        q = strchr(target, '?');
        if (q) *q++ = '\0';
        if (!strcmp(method, "GET") && !strcmp(path, "/messages")) {
            list(fd, q);
        }
        else if (!strcmp(method, "GET") && !strcmp(path, "/count")) {
            char tmp[64];
            pthread_mutex_lock(&lock);
            snprintf(tmp, sizeof(tmp), "{\"count\":%ld}", total);
            pthread_mutex_unlock(&lock);
            answer(fd, 200, "OK", tmp);
        }
        else if (!strcmp(method, "GET") && !strcmp(path, "/health")) {
            answer(fd, 200, "OK", "{\"ok\":true}");
        }
        else if (!strcmp(method, "POST") && !strncmp(path, "/ok", 3)) {
            record(path, buf, body);
            answer(fd, 200, "OK", "{\"status\":\"queued\"}");
        }
        else if (!strcmp(method, "POST") && !strncmp(path, "/created", 8)) {
            record(path, buf, body);
            answer(fd, 201, "Created", "{\"status\":\"queued\"}");
        }
        else if (!strcmp(method, "POST") && !strncmp(path, "/fail", 5)) {
            record(path, buf, body);
            answer(fd, 500, "Internal Server Error", "{\"error\":\"gateway failure\"}");
        }
        else if (!strcmp(method, "POST") && !strncmp(path, "/hang", 5)) {
            int waited;
            record(path, buf, body);
            /* no answer: wait until the client leaves, 30 s or shutdown */
            for (waited = 0; waited < 300 && !stopping; waited++) {
                struct pollfd p = { fd, POLLIN, 0 };
                char c;
                if (poll(&p, 1, 100) > 0 && read(fd, &c, 1) <= 0) break;
            }
        }
        else {
            answer(fd, 404, "Not Found", "{\"error\":\"no such path\"}");
        }
        free(body);
    }
done:
    free(buf);
    close(fd);
    pthread_mutex_lock(&lock);
    active_conns--;
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

int main(int argc, char **argv)
{
    const char *port_file = NULL;
    int port = 0, fd, one = 1, i;
    struct sockaddr_in addr;
    socklen_t alen = sizeof(addr);
    struct sigaction sa;
    char tmp[4096];
    FILE *f;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--port-file") && i + 1 < argc) port_file = argv[++i];
        else if (!strcmp(argv[i], "--port") && i + 1 < argc) port = atoi(argv[++i]);
        else { fprintf(stderr, "usage: fake_sms --port-file FILE [--port N]\n"); return 2; }
    }
    if (!port_file) {
        fprintf(stderr, "usage: fake_sms --port-file FILE [--port N]\n");
        return 2;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    fd = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, 128)
        || getsockname(fd, (struct sockaddr *)&addr, &alen)) {
        perror("fake_sms");
        return 1;
    }
    snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
    f = fopen(tmp, "w");
    if (!f) {
        perror(tmp);
        return 1;
    }
    fprintf(f, "%d\n", ntohs(addr.sin_port));
    fclose(f);
    rename(tmp, port_file);

    while (!stopping) {
        struct pollfd p = { fd, POLLIN, 0 };
        struct timeval tv = { 5, 0 };
        pthread_t t;
        int c;

        if (poll(&p, 1, 200) <= 0) continue;
        c = accept(fd, NULL, NULL);
        if (c < 0) continue;
        pthread_mutex_lock(&lock);
        if (active_conns >= MAX_CONNS) {
            pthread_mutex_unlock(&lock);
            close(c);
            continue;
        }
        active_conns++;
        pthread_mutex_unlock(&lock);
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        if (pthread_create(&t, NULL, serve, (void *)(long)c) == 0) {
            pthread_detach(t);
        }
        else {
            close(c);
            pthread_mutex_lock(&lock);
            active_conns--;
            pthread_mutex_unlock(&lock);
        }
    }
    close(fd);
    return 0;
}
