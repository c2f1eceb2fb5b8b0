/*
 * SPDX-License-Identifier: Apache-2.0
 * smstpl.c: SMS templates and escaping for the gateway request body.
 *
 * Rendering is one pass over the template: each value is escaped once and
 * copied into the output, which is never scanned again, so a value holding
 * "{code}" (or any brace text) stays as it is.
 */
#include <string.h>
#include <strings.h>

#include <apr_strings.h>

#include "json.h"
#include "smstpl.h"

static const char hex_upper[] = "0123456789ABCDEF";

/* ASCII white space as HTTP allows around a media type */
static int tpl_is_space(char c)
{
    return c == ' ' || c == '\t';
}

/*
 * Only the media type counts: leading/trailing white space and any
 * parameters after ';' are ignored, and case does not matter.
 *   application/json, application/<something>+json      -> JSON
 *   application/x-www-form-urlencoded, NULL, empty       -> FORM
 *   anything else (text/plain, application/xml, ...)     -> NONE
 * An empty value counts as no Content-Type at all (the default body is
 * form encoded).
 */
clinic_escape_t clinic_tpl_escape_for(const char *content_type)
{
    static const char app[] = "application/";
    static const char plus_json[] = "+json";
    const size_t app_len = sizeof(app) - 1, pj_len = sizeof(plus_json) - 1;
    const char *s, *e;
    size_t n;

    if (!content_type) {
        return CLINIC_ESC_FORM;
    }
    s = content_type;
    while (tpl_is_space(*s)) {
        s++;
    }
    e = strchr(s, ';');
    if (!e) {
        e = s + strlen(s);
    }
    while (e > s && tpl_is_space(e[-1])) {
        e--;
    }
    n = (size_t)(e - s);
    if (n == 0) {
        return CLINIC_ESC_FORM;
    }
    if (n == sizeof("application/json") - 1
        && strncasecmp(s, "application/json", n) == 0) {
        return CLINIC_ESC_JSON;
    }
    if (n == sizeof("application/x-www-form-urlencoded") - 1
        && strncasecmp(s, "application/x-www-form-urlencoded", n) == 0) {
        return CLINIC_ESC_FORM;
    }
    /* application/vnd.example+json: a non-empty subtype before "+json" */
    if (n > app_len + pj_len && strncasecmp(s, app, app_len) == 0
        && strncasecmp(e - pj_len, plus_json, pj_len) == 0) {
        return CLINIC_ESC_JSON;
    }
    return CLINIC_ESC_NONE;
}

static int tpl_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
           || c == '~';
}

/*
 * JSON: the inside of a JSON string (the template supplies the quotes),
 *   as clinic_json_escape (json.c) writes it.
 * FORM: A-Z a-z 0-9 - . _ ~ kept, every other byte as %XX (uppercase hex),
 *   space as %20 (not '+'), so UTF-8 text becomes one %XX per byte.
 * NONE: a copy.
 * A NULL value gives "".
 */
const char *clinic_tpl_escape(apr_pool_t *p, const char *value,
                              clinic_escape_t esc)
{
    const unsigned char *c;
    apr_size_t need = 1;
    char *out, *o;

    if (!value) {
        return "";
    }
    if (esc == CLINIC_ESC_JSON) {
        return clinic_json_escape(p, value);
    }
    if (esc != CLINIC_ESC_FORM) {
        return apr_pstrdup(p, value);
    }
    for (c = (const unsigned char *)value; *c; c++) {
        need += tpl_unreserved(*c) ? 1 : 3;
    }
    out = o = apr_palloc(p, need);
    for (c = (const unsigned char *)value; *c; c++) {
        if (tpl_unreserved(*c)) {
            *o++ = (char)*c;
        }
        else {
            *o++ = '%';
            *o++ = hex_upper[*c >> 4];
            *o++ = hex_upper[*c & 15];
        }
    }
    *o = '\0';
    return out;
}

/* which placeholder starts at s: 0 {to}, 1 {message}, 2 {code}, -1 none */
static int tpl_placeholder(const char *s, apr_size_t *len)
{
    static const char *const names[] = { "{to}", "{message}", "{code}" };
    int i;

    for (i = 0; i < 3; i++) {
        apr_size_t n = strlen(names[i]);

        if (strncmp(s, names[i], n) == 0) {
            *len = n;
            return i;
        }
    }
    return -1;
}

/*
 * Placeholders are exactly "{to}", "{message}" and "{code}" (case
 * sensitive, no spaces); anything else, including unknown {words} and
 * lone braces, is copied.  Returns NULL only when tpl is NULL.
 */
const char *clinic_tpl_render(apr_pool_t *p, const char *tpl,
                              clinic_escape_t esc, const char *to,
                              const char *message, const char *code)
{
    const char *vals[3];
    apr_size_t vlen[3], need = 1, n;
    const char *s;
    char *out, *o;
    int k;

    if (!tpl) {
        return NULL;
    }
    vals[0] = clinic_tpl_escape(p, to, esc);
    vals[1] = clinic_tpl_escape(p, message, esc);
    vals[2] = clinic_tpl_escape(p, code, esc);
    for (k = 0; k < 3; k++) {
        vlen[k] = strlen(vals[k]);
    }

    /* size first, then fill: the same scan both times */
    for (s = tpl; *s; ) {
        if (*s == '{' && (k = tpl_placeholder(s, &n)) >= 0) {
            need += vlen[k];
            s += n;
        }
        else {
            need++;
            s++;
        }
    }
    out = o = apr_palloc(p, need);
    for (s = tpl; *s; ) {
        if (*s == '{' && (k = tpl_placeholder(s, &n)) >= 0) {
            memcpy(o, vals[k], vlen[k]);
            o += vlen[k];
            s += n;
        }
        else {
            *o++ = *s++;
        }
    }
    *o = '\0';
    return out;
}
