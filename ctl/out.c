/*
 * SPDX-License-Identifier: Apache-2.0
 * out.c: what clinicctl prints.  Every command builds its answer as JSON;
 * --json prints that, and people get it as a table or as lines of
 * "key  value".  Widths count characters, not bytes: names are Arabic as
 * often as not.
 */
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>

#include "ctl.h"
#include "money.h"
#include "timeutil.h"
#include "validate.h"

cJSON *ctl_time(ctl_t *c, apr_int64_t t)
{
    return t ? cJSON_CreateString(clinic_time_iso(c->pool, t))
             : cJSON_CreateNull();
}

cJSON *ctl_str(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

/* The length (1 to 4) of the well-formed UTF-8 sequence at s, its code
 * point in *cp; 0 when the bytes there are not one (a stray or truncated
 * byte, an overlong form, a surrogate) */
static int sequence(const unsigned char *s, unsigned long *cp)
{
    int n = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2
          : s[0] >= 0xe0 && s[0] <= 0xef ? 3
          : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0, i;

    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;           /* also stops at the terminating NUL */
        }
    }
    if (!n || !clinic_utf8_valid((const char *)s, (apr_size_t)n, NULL)) {
        return 0;
    }
    *cp = n == 1 ? s[0] : (unsigned long)(s[0] & (0x7f >> n));
    for (i = 1; i < n; i++) {
        *cp = (*cp << 6) | (s[i] & 0x3f);
    }
    return n;
}

/* The code point at *s (valid UTF-8: clinic_utf8_valid said so), and
 * *s past it */
static unsigned long next_cp(const unsigned char **s)
{
    unsigned long cp = **s;
    int n = sequence(*s, &cp);

    *s += n ? n : 1;
    return cp;
}

/* Marks drawn on the letter before (Arabic harakat, combining accents)
 * and invisible format characters take no column */
static int zero_width(unsigned long cp)
{
    return (cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x0610 && cp <= 0x061a)
        || (cp >= 0x064b && cp <= 0x065f) || cp == 0x0670
        || (cp >= 0x06d6 && cp <= 0x06ed) || (cp >= 0x200b && cp <= 0x200f)
        || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2069)
        || (cp >= 0xfe00 && cp <= 0xfe0f) || cp == 0xfeff;
}

/* What a terminal acts on instead of showing: C0 (escape sequences,
 * bell, a new line in a cell), DEL and C1 (U+0080-U+009F, CSI and OSC on
 * terminals that take them); and the bidi embedding, override and
 * isolate controls, which would reorder the columns after a cell */
static int control(unsigned long cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)
        || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

void ctl_clean(const char *s, char *out)
{
    const unsigned char *in = (const unsigned char *)s;
    unsigned long cp;
    int n;

    while (*in) {
        n = sequence(in, &cp);
        if (!n || control(cp)) {
            memcpy(out, "\xef\xbf\xbd", 3);     /* U+FFFD */
            out += 3;
            in += n ? n : 1;
        }
        else {
            memcpy(out, in, (apr_size_t)n);
            out += n;
            in += n;
        }
    }
    *out = '\0';
}

/* A cell as people see it: controls and bytes that are not UTF-8 shown
 * as U+FFFD */
static const char *visible(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, strlen(s) * 3 + 1);

    ctl_clean(s, out);
    return out;
}

/* cJSON's text with what it leaves raw escaped too: DEL, C1 and bidi
 * controls as \uXXXX (the same string to a JSON reader), and bytes that
 * are not UTF-8 as \ufffd, so the text stays valid JSON.  They can only
 * be inside strings: JSON's own syntax is printable ASCII. */
static const char *json_text(apr_pool_t *p, const char *text)
{
    const unsigned char *in = (const unsigned char *)text;
    char *out = apr_palloc(p, strlen(text) * 6 + 1), *o = out;
    unsigned long cp;
    int n;

    while (*in) {
        n = sequence(in, &cp);
        if (!n || (control(cp) && cp >= 0x7f)) {
            o += sprintf(o, "\\u%04lx", n ? cp : 0xfffdUL);
            in += n ? n : 1;
        }
        else {
            memcpy(o, in, (apr_size_t)n);
            o += n;
            in += n;
        }
    }
    *o = '\0';
    return out;
}

void ctl_amount(ctl_t *c, cJSON *o, const char *key, const char *decimal)
{
    const char *fils_key = apr_pstrcat(c->pool, key, "Fils", NULL);
    apr_int64_t fils;

    if (decimal && clinic_amount_parse(decimal, &fils) == 0) {
        cJSON_AddStringToObject(o, key, clinic_amount_format(c->pool, fils, 3));
        cJSON_AddNumberToObject(o, fils_key, (double)fils);
    }
    else {
        cJSON_AddItemToObject(o, key, ctl_str(decimal));
        cJSON_AddNullToObject(o, fils_key);
    }
}

static const char *cell(apr_pool_t *p, const cJSON *v)
{
    if (cJSON_IsString(v)) {
        return visible(p, v->valuestring);
    }
    if (cJSON_IsBool(v)) {
        return cJSON_IsTrue(v) ? "yes" : "no";
    }
    if (cJSON_IsNumber(v)) {
        return apr_psprintf(p, "%.0f", v->valuedouble);
    }
    return "-";
}

static apr_size_t width(const char *s)
{
    const unsigned char *in = (const unsigned char *)s;
    apr_size_t n = 0;

    if (!clinic_utf8_valid(s, strlen(s), NULL)) {
        return strlen(s);
    }
    while (*in) {
        n += !zero_width(next_cp(&in));
    }
    return n;
}

static void pad(const char *s, apr_size_t w, int last)
{
    apr_size_t n = width(s);

    fputs(s, stdout);
    if (!last) {
        for (; n < w + 2; n++) {
            putchar(' ');
        }
    }
}

static void table(ctl_t *c, const cJSON *rows)
{
    const cJSON *first = cJSON_GetArrayItem(rows, 0), *col, *row;
    int ncols = cJSON_GetArraySize(first), i;
    apr_size_t *w = apr_pcalloc(c->pool, sizeof(*w) * (ncols + 1));

    for (col = first ? first->child : NULL, i = 0; col; col = col->next, i++) {
        w[i] = width(col->string);
    }
    cJSON_ArrayForEach(row, rows) {
        for (col = first->child, i = 0; col; col = col->next, i++) {
            apr_size_t n = width(cell(c->pool,
                cJSON_GetObjectItemCaseSensitive(row, col->string)));
            w[i] = n > w[i] ? n : w[i];
        }
    }
    for (col = first ? first->child : NULL, i = 0; col; col = col->next, i++) {
        pad(col->string, w[i], !col->next);
    }
    putchar('\n');
    cJSON_ArrayForEach(row, rows) {
        for (col = first->child, i = 0; col; col = col->next, i++) {
            pad(cell(c->pool,
                     cJSON_GetObjectItemCaseSensitive(row, col->string)),
                w[i], !col->next);
        }
        putchar('\n');
    }
}

static void lines(ctl_t *c, const cJSON *obj)
{
    const cJSON *f;
    apr_size_t w = 0;

    cJSON_ArrayForEach(f, obj) {
        w = width(f->string) > w ? width(f->string) : w;
    }
    cJSON_ArrayForEach(f, obj) {
        pad(f->string, w, 0);
        puts(cell(c->pool, f));
    }
}

int ctl_print(ctl_t *c, cJSON *v)
{
    if (!v) {
        return ctl_fail(CTL_FAILED, "out of memory");
    }
    if (c->json) {
        char *text = cJSON_Print(v);
        if (!text) {
            cJSON_Delete(v);
            return ctl_fail(CTL_FAILED, "out of memory");
        }
        puts(json_text(c->pool, text));
        cJSON_free(text);
    }
    else if (cJSON_IsArray(v)) {
        if (cJSON_GetArraySize(v) == 0) {
            puts("(none)");
        }
        else {
            table(c, v);
        }
    }
    else {
        lines(c, v);
    }
    cJSON_Delete(v);
    return fflush(stdout) ? ctl_fail(CTL_FAILED, "cannot write the output")
                          : CTL_OK;
}
