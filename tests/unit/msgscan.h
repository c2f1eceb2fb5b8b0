/*
 * SPDX-License-Identifier: Apache-2.0
 * msgscan.h: the messages the module's sources answer with, found by
 * reading them (mod_clinic.c and modules/NAME.c), for the test that each has
 * its Arabic (test_msgcat.c).  A small C tokenizer, no preprocessor:
 *
 * - a message is a string literal (adjacent literals joined; a macro
 *   pasted among them, such as CLINIC_VERSION, counts as "%s") inside
 *   the arguments of a function that answers with one (SINKS: the
 *   senders of request.c and the files' own wrappers, and the error
 *   filter's status table), unless it is one word (an error code, or a
 *   reason the security log records);
 * - and, wherever it stands outside a log call, a command table or a
 *   config*.c file (directives' errors, which are for the operator), any
 *   literal shaped like a sentence: a capital first, a space, a lower
 *   case letter, a full stop, question or exclamation mark last.  A new
 *   wrapper that is not a sink is caught by the second rule.
 */
#ifndef CLINIC_TEST_MSGSCAN_H
#define CLINIC_TEST_MSGSCAN_H

#include <ctype.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

typedef struct {
    const char *file;
    int line;
    const char *text;
} msgscan_hit_t;

static const char *const msgscan_sinks[] = {
    "clinic_send_ok", "clinic_send_error", "clinic_envelope_ok",
    "clinic_envelope_error", "body_fail", "token_refused", "otp_refused",
    "answer_user", "status_codes", NULL
};
/* calls whose literals are for the logs, and the command table */
static const char *const msgscan_quiet[] = {
    "ap_log_error", "ap_log_rerror", "ap_log_perror", "ap_log_cerror",
    "clinic_log", "clinic_seclog", "AP_INIT_", NULL
};

#define MSGSCAN_DEPTH 128
#define MSGSCAN_NAME 64

typedef struct {
    const char *s;
    int line;
    char frames[MSGSCAN_DEPTH][MSGSCAN_NAME];
    int depth;
    char last_ident[MSGSCAN_NAME];
    char prev;        /* the last token: 'i' identifier, '"' string,
                       * else the punctuation itself */
} msgscan_t;

static int msgscan_listed(const char *name, const char *const *list)
{
    for (; *list; list++) {
        size_t n = strlen(*list);

        if ((*list)[n - 1] == '_' ? !strncmp(name, *list, n)
                                  : !strcmp(name, *list)) {
            return 1;
        }
    }
    return 0;
}

static int msgscan_inside(const msgscan_t *st, const char *const *list)
{
    int i;

    for (i = 0; i < st->depth && i < MSGSCAN_DEPTH; i++) {
        if (st->frames[i][0] && msgscan_listed(st->frames[i], list)) {
            return 1;
        }
    }
    return 0;
}

/* white space and comments, lines counted */
static void msgscan_skip(msgscan_t *st)
{
    for (;;) {
        if (*st->s == '\n') {
            st->line++;
            st->s++;
        }
        else if (isspace((unsigned char)*st->s)) {
            st->s++;
        }
        else if (st->s[0] == '/' && st->s[1] == '/') {
            st->s += strcspn(st->s, "\n");
        }
        else if (st->s[0] == '/' && st->s[1] == '*') {
            for (st->s += 2; *st->s && !(st->s[0] == '*' && st->s[1] == '/');
                 st->s++) {
                st->line += *st->s == '\n';
            }
            st->s += *st->s ? 2 : 0;
        }
        else {
            return;
        }
    }
}

/* one literal at st->s ('"'), appended to out unescaped (\" \\ \n) */
static void msgscan_literal(msgscan_t *st, char *out, size_t cap)
{
    size_t n = strlen(out);

    for (st->s++; *st->s && *st->s != '"' && *st->s != '\n'; st->s++) {
        char c = *st->s;

        if (c == '\\' && st->s[1]) {
            c = *++st->s;
            c = c == 'n' ? '\n' : c;
        }
        if (n + 1 < cap) {
            out[n++] = c;
        }
    }
    out[n] = '\0';
    st->s += *st->s == '"';
}

static size_t msgscan_ident_len(const char *s)
{
    size_t n = 0;

    if (!isalpha((unsigned char)*s) && *s != '_') {
        return 0;
    }
    while (isalnum((unsigned char)s[n]) || s[n] == '_') {
        n++;
    }
    return n;
}

/* one word of letters, digits and '_': an error code ("NOT_FOUND") or a
 * reason for the logs ("unknown_key"), never a message */
static int msgscan_is_word(const char *t)
{
    size_t n = 0;

    while (isalnum((unsigned char)t[n]) || t[n] == '_') {
        n++;
    }
    return n > 0 && t[n] == '\0';
}

static int msgscan_sentence(const char *t)
{
    size_t n = strlen(t);
    const char *c;
    int lower = 0;

    for (c = t; *c; c++) {
        lower |= islower((unsigned char)*c);
    }
    return n > 2 && isupper((unsigned char)t[0]) && strchr(t, ' ') && lower
           && strchr(".!?", t[n - 1]);
}

/* the literals from st->s on, joined; a hit when it is a message */
static void msgscan_string(msgscan_t *st, apr_pool_t *p, const char *file,
                           int config_file, apr_array_header_t *out)
{
    char text[4096] = "";
    int line = st->line;
    size_t n;

    for (;;) {
        msgscan_literal(st, text, sizeof(text));
        msgscan_skip(st);
        if (*st->s == '"') {
            continue;
        }
        if ((n = msgscan_ident_len(st->s)) > 0) {      /* a pasted macro */
            strncat(text, "%s", sizeof(text) - strlen(text) - 1);
            st->s += n;
            msgscan_skip(st);
            if (*st->s == '"') {
                continue;
            }
        }
        break;
    }
    st->prev = '"';
    if (msgscan_inside(st, msgscan_quiet)) {
        return;
    }
    if ((msgscan_inside(st, msgscan_sinks) && !msgscan_is_word(text))
        || (!config_file && msgscan_sentence(text))) {
        msgscan_hit_t *h = apr_array_push(out);

        h->file = file;
        h->line = line;
        h->text = apr_pstrdup(p, text);
    }
}

/* an opening bracket: a frame named by the call, or by the array an
 * initializer fills ("status_codes[] = {"), else unnamed */
static void msgscan_open(msgscan_t *st, char c)
{
    char *name = st->depth < MSGSCAN_DEPTH ? st->frames[st->depth] : NULL;

    if (name) {
        name[0] = '\0';
        if ((c == '(' && st->prev == 'i') || (c == '{' && st->prev == '=')) {
            apr_cpystrn(name, st->last_ident, MSGSCAN_NAME);
        }
    }
    st->depth++;
}

static void clinic_msgscan_text(apr_pool_t *p, const char *file,
                                const char *src, apr_array_header_t *out)
{
    const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    int config_file = !strncmp(base, "config", 6);
    msgscan_t st;
    size_t n;

    memset(&st, 0, sizeof(st));
    st.s = src;
    st.line = 1;
    for (msgscan_skip(&st); *st.s; msgscan_skip(&st)) {
        char c = *st.s;

        if (c == '"') {
            msgscan_string(&st, p, file, config_file, out);
            continue;
        }
        if (c == '\'') {                     /* a character literal */
            for (st.s++; *st.s && *st.s != '\'' && *st.s != '\n'; st.s++) {
                st.s += *st.s == '\\' && st.s[1];
            }
            st.s += *st.s == '\'';
            st.prev = '\'';
            continue;
        }
        if ((n = msgscan_ident_len(st.s)) > 0) {
            apr_cpystrn(st.last_ident, st.s, n + 1 < MSGSCAN_NAME
                                             ? n + 1 : MSGSCAN_NAME);
            st.s += n;
            st.prev = 'i';
            continue;
        }
        if (c == '(' || c == '{' || c == '[') {
            msgscan_open(&st, c);
        }
        else if ((c == ')' || c == '}' || c == ']') && st.depth > 0) {
            st.depth--;
        }
        st.prev = isdigit((unsigned char)c) ? '0' : c;
        st.s++;
    }
}

/* the folder the sources are in: from this file's path as compiled
 * (tests/unit/msgscan.h from the top), else CLINIC_TOP */
static const char *msgscan_top(apr_pool_t *p)
{
    const char *me = __FILE__, *end = strstr(me, "tests/unit/msgscan.h");
    const char *env = getenv("CLINIC_TOP");

    if (env && *env) {
        return env;
    }
    if (!end || end == me) {
        return ".";
    }
    return apr_pstrndup(p, me, (apr_size_t)(end - me - 1));
}

static char *msgscan_slurp(apr_pool_t *p, const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = apr_palloc(p, (apr_size_t)n + 1);
    buf[fread(buf, 1, (size_t)n, f)] = '\0';
    fclose(f);
    return buf;
}

/* Every message of mod_clinic.c and modules/NAME.c, as msgscan_hit_t */
static apr_array_header_t *clinic_msgscan_sources(apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_make(p, 128, sizeof(msgscan_hit_t));
    const char *top = msgscan_top(p);
    glob_t g;
    size_t i;
    char *text;
    const char *name;

    if ((text = msgscan_slurp(p, apr_pstrcat(p, top, "/mod_clinic.c",
                                             NULL)))) {
        clinic_msgscan_text(p, "mod_clinic.c", text, out);
    }
    if (glob(apr_pstrcat(p, top, "/modules/" "*.c", NULL), 0, NULL, &g) == 0) {
        for (i = 0; i < g.gl_pathc; i++) {
            name = g.gl_pathv[i];
            name += strncmp(name, "./", 2) ? 0 : 2;
            if ((text = msgscan_slurp(p, name))) {
                clinic_msgscan_text(p, apr_pstrdup(p, name), text, out);
            }
        }
        globfree(&g);
    }
    return out;
}

#endif
