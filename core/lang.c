/*
 * SPDX-License-Identifier: Apache-2.0
 * lang.c: Accept-Language (RFC 9110, 12.5.4) for two languages.  One
 * pass over the value, nothing allocated: each element is read into its
 * range and weight, or skipped when it is not of the grammar's form.
 */
#include <limits.h>
#include <string.h>

#include "lang.h"

static const char *const tags[CLINIC_LANG_COUNT] = { "en", "ar" };

const char *clinic_lang_tag(clinic_lang_t lang)
{
    return lang > CLINIC_LANG_EN && lang < CLINIC_LANG_COUNT ? tags[lang]
                                                              : tags[0];
}

int clinic_lang_from_tag(const char *tag, clinic_lang_t *out)
{
    int i;

    for (i = 0; tag && i < CLINIC_LANG_COUNT; i++) {
        if (!strcmp(tag, tags[i])) {
            *out = (clinic_lang_t)i;
            return 1;
        }
    }
    return 0;
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(char c)
{
    return is_alpha(c) || (c >= '0' && c <= '9');
}

static const char *skip_ows(const char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    return s;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* A language range at s: its end, and *primary, *plen its first subtag
 * ("*" for the wildcard); NULL when s holds none */
static const char *read_range(const char *s, const char **primary,
                              size_t *plen)
{
    size_t n;

    *primary = s;
    if (*s == '*') {
        *plen = 1;
        return s + 1;
    }
    for (n = 0; is_alpha(s[n]); n++) {
    }
    if (n < 1 || n > 8) {
        return NULL;
    }
    *plen = n;
    s += n;
    while (*s == '-') {
        for (n = 0; is_alnum(s[n + 1]); n++) {
        }
        if (n < 1 || n > 8) {
            return NULL;
        }
        s += n + 1;
    }
    return s;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in
 * thousandths: its end, or NULL */
static const char *read_qvalue(const char *s, int *q)
{
    int i, v;

    if (*s != '0' && *s != '1') {
        return NULL;
    }
    v = (*s++ - '0') * 1000;
    if (*s != '.') {
        *q = v;
        return s;
    }
    s++;
    for (i = 0; i < 3 && *s >= '0' && *s <= '9'; i++, s++) {
        if (v == 1000 && *s != '0') {
            return NULL;
        }
        v += (*s - '0') * (i == 0 ? 100 : i == 1 ? 10 : 1);
    }
    *q = v;
    return s;
}

/* The weight after a range at s (1000 when none), then the element's
 * end: the end of the value or its ','.  NULL when malformed. */
static const char *read_weight(const char *s, int *q)
{
    *q = 1000;
    s = skip_ows(s);
    if (*s == ';') {
        s = skip_ows(s + 1);
        if ((*s != 'q' && *s != 'Q') || s[1] != '=') {
            return NULL;
        }
        if (!(s = read_qvalue(s + 2, q))) {
            return NULL;
        }
        s = skip_ows(s);
    }
    return *s == ',' || *s == '\0' ? s : NULL;
}

typedef struct {
    int bare, regional;        /* highest weight, -1 when never named */
    int first;                 /* the element that first named it */
} lang_seen_t;

/* What one well-formed element says */
static void note(lang_seen_t *seen, int *star, const char *primary,
                 size_t plen, const char *end, int q, int pos)
{
    int i;

    if (plen == 1 && *primary == '*') {
        *star = q > *star ? q : *star;
        return;
    }
    for (i = 0; i < CLINIC_LANG_COUNT; i++) {
        lang_seen_t *l = &seen[i];

        if (plen != 2 || lower(primary[0]) != tags[i][0]
            || lower(primary[1]) != tags[i][1]) {
            continue;
        }
        if (primary + plen == end) {
            l->bare = q > l->bare ? q : l->bare;
        }
        else {
            l->regional = q > l->regional ? q : l->regional;
        }
        if (l->first == INT_MAX) {
            l->first = pos;
        }
    }
}

/* The winner of what the elements said */
static int weight(const lang_seen_t *l, int star)
{
    return l->bare >= 0 ? l->bare : l->regional >= 0 ? l->regional : star;
}

/* Nothing acceptable was named: the default, unless the client refused
 * it (q=0) and left another language unnamed, which it then gets */
static clinic_lang_t fallback(const lang_seen_t *seen, int star,
                              clinic_lang_t dflt)
{
    int i;

    if (weight(&seen[dflt], star) != 0) {
        return dflt;
    }
    for (i = 0; i < CLINIC_LANG_COUNT; i++) {
        if (weight(&seen[i], star) < 0) {
            return (clinic_lang_t)i;
        }
    }
    return dflt;                    /* every language refused */
}

static clinic_lang_t choose(const lang_seen_t *seen, int star,
                            clinic_lang_t dflt)
{
    int i, best = -1, best_q = 0;

    for (i = 0; i < CLINIC_LANG_COUNT; i++) {
        int q = weight(&seen[i], star);

        if (q <= 0) {
            continue;
        }
        if (best < 0 || q > best_q
            || (q == best_q && seen[i].first < seen[best].first)) {
            best = i;
            best_q = q;
        }
        else if (q == best_q && seen[i].first == seen[best].first) {
            best = (int)dflt;       /* both only by "*" */
        }
    }
    return best < 0 ? fallback(seen, star, dflt) : (clinic_lang_t)best;
}

clinic_lang_t clinic_lang_negotiate(const char *value, clinic_lang_t dflt)
{
    lang_seen_t seen[CLINIC_LANG_COUNT];
    const char *s = value, *primary, *end;
    size_t plen;
    int i, q, star = -1, pos = 0;

    if (dflt < CLINIC_LANG_EN || dflt >= CLINIC_LANG_COUNT) {
        dflt = CLINIC_LANG_EN;
    }
    if (!value) {
        return dflt;
    }
    for (i = 0; i < CLINIC_LANG_COUNT; i++) {
        seen[i].bare = seen[i].regional = -1;
        seen[i].first = INT_MAX;
    }
    while (*s) {
        s = skip_ows(s);
        if ((end = read_range(s, &primary, &plen))
            && (s = read_weight(end, &q))) {
            note(seen, &star, primary, plen, end, q, pos++);
        }
        else {
            s = primary + strcspn(primary, ",");     /* skipped */
        }
        if (*s == ',') {
            s++;
        }
    }
    return choose(seen, star, dflt);
}
