/*
 * SPDX-License-Identifier: Apache-2.0
 * records.c: the fake SMS gateway's record store: byte buffers, the form
 * and JSON fields of a request body, and the ring of the last MAX_RECORDS
 * requests, listed as JSON.  Shared by the connection threads under mu.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static record_t *ring[MAX_RECORDS];
static size_t ring_start, ring_len;
static unsigned long total;

/* ---- growable byte buffers (NUL-terminated once touched; oom: no-ops) ---- */

void b_add(buf_t *b, const void *s, size_t n)
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

void b_fmt(buf_t *b, const char *fmt, ...)
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
void b_jstr(buf_t *b, const char *s, size_t n)
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
void url_decode(buf_t *out, const char *s, size_t n, int plus)
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

void parse_form(record_t *r, const char *s, size_t n)
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
void parse_json(record_t *r, const char *s, size_t n)
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

void rec_free(record_t *r)
{
    for (size_t i = 0; i < r->nf; i++) { free(r->f[i].k.p); free(r->f[i].v.p); }
    free(r->f); free(r->path); free(r->ctype); free(r->auth); free(r->body.p);
    free(r);
}

unsigned long store(record_t *r)
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

void list_json(buf_t *out, const buf_t *to)
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

unsigned long records_total(void)
{
    unsigned long n;
    pthread_mutex_lock(&mu);
    n = total;
    pthread_mutex_unlock(&mu);
    return n;
}

void records_free_all(void)
{
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < ring_len; i++) rec_free(ring[(ring_start + i) % MAX_RECORDS]);
    ring_len = 0;
    pthread_mutex_unlock(&mu);
}
