/*
 * SPDX-License-Identifier: Apache-2.0
 * records.h: the fake SMS gateway's record store (records.c).
 */
#ifndef FAKE_SMS_RECORDS_H
#define FAKE_SMS_RECORDS_H

#include <stddef.h>

#define MAX_RECORDS 100000

typedef struct { char *p; size_t n, cap; int oom; } buf_t;
typedef struct { buf_t k, v; } field_t;
typedef struct {
    unsigned long seq;
    char *path, *ctype, *auth;          /* ctype, auth: NULL when absent */
    buf_t body;
    field_t *f;
    size_t nf;
} record_t;

/* growable byte buffers, NUL-terminated once touched; after a failed
 * allocation (oom) every call is a no-op */
void b_add(buf_t *b, const void *s, size_t n);
void b_fmt(buf_t *b, const char *fmt, ...);
void b_jstr(buf_t *b, const char *s, size_t n);   /* a JSON string, or null */
void url_decode(buf_t *out, const char *s, size_t n, int plus);

/* a body's fields into r */
void parse_form(record_t *r, const char *s, size_t n);
void parse_json(record_t *r, const char *s, size_t n);

void rec_free(record_t *r);
unsigned long store(record_t *r);                 /* takes r; its number */
void list_json(buf_t *out, const buf_t *to);      /* to: NULL for all */
unsigned long records_total(void);
void records_free_all(void);

#endif
