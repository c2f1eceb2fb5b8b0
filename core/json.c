/*
 * SPDX-License-Identifier: Apache-2.0
 * json.c: the API.md envelope and object shapes.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#include "json.h"
#include "money.h"
#include "subs.h"
#include "timeutil.h"
#include "validate.h"

static apr_status_t json_cleanup(void *data)
{
    cJSON_Delete(data);
    return APR_SUCCESS;
}

static cJSON *json_track(apr_pool_t *p, cJSON *j)
{
    if (j) {
        apr_pool_cleanup_register(p, j, json_cleanup, apr_pool_cleanup_null);
    }
    return j;
}

static apr_size_t json_escaped_len(unsigned char c)
{
    switch (c) {
    case '"': case '\\': case '\b': case '\f': case '\n': case '\r': case '\t':
        return 2;
    default:
        return c < 0x20 ? 6 : 1;
    }
}

const char *clinic_json_escape(apr_pool_t *p, const char *value)
{
    static const char hex_lower[] = "0123456789abcdef";
    const unsigned char *c;
    apr_size_t need = 1;
    char *out, *o;

    if (!value) {
        return "";
    }
    for (c = (const unsigned char *)value; *c; c++) {
        need += json_escaped_len(*c);
    }
    out = o = apr_palloc(p, need);
    for (c = (const unsigned char *)value; *c; c++) {
        switch (*c) {
        case '"':  *o++ = '\\'; *o++ = '"';  break;
        case '\\': *o++ = '\\'; *o++ = '\\'; break;
        case '\b': *o++ = '\\'; *o++ = 'b';  break;
        case '\f': *o++ = '\\'; *o++ = 'f';  break;
        case '\n': *o++ = '\\'; *o++ = 'n';  break;
        case '\r': *o++ = '\\'; *o++ = 'r';  break;
        case '\t': *o++ = '\\'; *o++ = 't';  break;
        default:
            if (*c < 0x20) {
                *o++ = '\\'; *o++ = 'u'; *o++ = '0'; *o++ = '0';
                *o++ = hex_lower[*c >> 4];
                *o++ = hex_lower[*c & 15];
            }
            else {
                *o++ = (char)*c;
            }
        }
    }
    *o = '\0';
    return out;
}

cJSON *clinic_json_object(apr_pool_t *p)
{
    return json_track(p, cJSON_CreateObject());
}

cJSON *clinic_json_array(apr_pool_t *p)
{
    return json_track(p, cJSON_CreateArray());
}

/* Print j into p.  Most answers fit JSON_PRINT_BUF and are printed there
 * with no allocation; a longer one is printed by cJSON into a buffer it
 * grows, which is freed here once copied.  (cJSON asks for 5 bytes more
 * than it may need.) */
#define JSON_PRINT_BUF 2048

static const char *json_print(apr_pool_t *p, const cJSON *j)
{
    char *buf = apr_palloc(p, JSON_PRINT_BUF);
    char *text;
    const char *copy;

    if (cJSON_PrintPreallocated((cJSON *)j, buf, JSON_PRINT_BUF, 0)) {
        return buf;
    }
    text = cJSON_PrintUnformatted(j);
    if (!text) {
        return NULL;
    }
    copy = apr_pstrdup(p, text);
    cJSON_free(text);
    return copy;
}

/* Build an envelope root on p; data/details are referenced, not owned. */
static const char *envelope(apr_pool_t *p, int success, const char *member,
                            const cJSON *payload, cJSON *extra)
{
    cJSON *root = clinic_json_object(p);

    if (!root) {
        cJSON_Delete(extra);
        return NULL;
    }
    cJSON_AddBoolToObject(root, "success", success);
    if (success) {
        if (payload) {
            cJSON_AddItemReferenceToObject(root, member, (cJSON *)payload);
        }
        else {
            cJSON_AddObjectToObject(root, member);
        }
    }
    if (extra) {
        cJSON_AddItemToObject(root, success ? "message" : "error", extra);
    }
    return json_print(p, root);
}

const char *clinic_envelope_ok(apr_pool_t *p, const cJSON *data,
                               const char *message)
{
    return envelope(p, 1, "data", data,
                    cJSON_CreateString(message ? message : "OK"));
}

const char *clinic_envelope_error(apr_pool_t *p, const char *code,
                                  const char *message, const cJSON *details)
{
    cJSON *err = cJSON_CreateObject();

    if (!err) {
        return NULL;
    }
    cJSON_AddStringToObject(err, "code", code);
    cJSON_AddStringToObject(err, "message", message);
    if (details) {
        cJSON_AddItemReferenceToObject(err, "details", (cJSON *)details);
    }
    return envelope(p, 0, NULL, NULL, err);
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
        || (c >= 'A' && c <= 'F');
}

/* A raw NUL byte, or a \u0000 escape inside a JSON string. */
static int body_has_nul(const char *buf, apr_size_t len)
{
    apr_size_t i;
    int in_string = 0;

    for (i = 0; i < len; i++) {
        char c = buf[i];

        if (c == '\0') {
            return 1;
        }
        if (!in_string) {
            in_string = (c == '"');
            continue;
        }
        if (c == '"') {
            in_string = 0;
        }
        else if (c == '\\' && i + 1 < len) {
            if (buf[i + 1] == 'u' && i + 5 < len
                && is_hex(buf[i + 2]) && is_hex(buf[i + 3])
                && is_hex(buf[i + 4]) && is_hex(buf[i + 5])
                && !strncmp(buf + i + 2, "0000", 4)) {
                return 1;
            }
            i++;    /* skip the escaped character */
        }
    }
    return 0;
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The name a member stands for: API.md takes camelCase and snake_case
 * alike (phoneNumber is phone_number), and the code is "code" or
 * "otp_code" by route, so two spellings of one field are one field. */
static const char *canonical_key(apr_pool_t *p, const char *key)
{
    apr_size_t n = strlen(key), i, k = 0;
    char *out = apr_palloc(p, 2 * n + 1);

    for (i = 0; i < n; i++) {
        char c = key[i];
        if (i > 0 && c >= 'A' && c <= 'Z') {
            out[k++] = '_';
            c = (char)(c - 'A' + 'a');
        }
        out[k++] = c;
    }
    out[k] = '\0';
    return strcmp(out, "otp_code") ? out : "code";
}

/* Does an object at or below j name a member twice, or one field under two
 * of its spellings?  (cJSON keeps both and finds the first: the body would
 * mean what the client did not intend.)  Sorted, so a large body costs
 * n log n, not n squared. */
static int has_duplicate_key(apr_pool_t *p, const cJSON *j, int aliases)
{
    const cJSON *c;
    int n = 0, i;

    for (c = j ? j->child : NULL; c; c = c->next) {
        if (has_duplicate_key(p, c, aliases)) {
            return 1;
        }
        n++;
    }
    if (!cJSON_IsObject(j) || n < 2) {
        return 0;
    }
    {
        const char **keys = apr_palloc(p, sizeof(*keys) * (apr_size_t)n);
        for (c = j->child, i = 0; c; c = c->next) {
            const char *k = c->string ? c->string : "";
            keys[i++] = aliases ? canonical_key(p, k) : k;
        }
        qsort(keys, (size_t)n, sizeof(*keys), cmp_keys);
        for (i = 1; i < n; i++) {
            if (!strcmp(keys[i - 1], keys[i])) {
                return 1;
            }
        }
    }
    return 0;
}

static clinic_body_rc parse(cJSON **out, apr_pool_t *p, const char *buf,
                            apr_size_t len, int aliases)
{
    const char *end = NULL;
    cJSON *j;

    *out = NULL;
    if (len == 0) {
        *out = clinic_json_object(p);
        return CLINIC_BODY_OK;
    }
    if (!clinic_utf8_valid(buf, len, NULL)) {
        return CLINIC_BODY_BAD_UTF8;
    }
    if (body_has_nul(buf, len)) {
        return CLINIC_BODY_NUL;
    }
    j = json_track(p, cJSON_ParseWithLengthOpts(buf, len, &end, 0));
    if (!j) {
        return CLINIC_BODY_NOT_JSON;
    }
    /* one value and nothing after it but white space */
    for (; end < buf + len; end++) {
        if (*end != ' ' && *end != '\t' && *end != '\r' && *end != '\n') {
            return CLINIC_BODY_NOT_JSON;
        }
    }
    if (!cJSON_IsObject(j)) {
        return CLINIC_BODY_NOT_OBJECT;
    }
    if (has_duplicate_key(p, j, aliases)) {
        return CLINIC_BODY_DUPLICATE_KEY;
    }
    *out = j;
    return CLINIC_BODY_OK;
}

clinic_body_rc clinic_json_parse_body(cJSON **out, apr_pool_t *p,
                                      const char *buf, apr_size_t len)
{
    return parse(out, p, buf, len, 1);
}

clinic_body_rc clinic_json_parse_foreign(cJSON **out, apr_pool_t *p,
                                         const char *buf, apr_size_t len)
{
    return parse(out, p, buf, len, 0);
}

const cJSON *clinic_json_field(const cJSON *obj, const char *const *names,
                               const char **used)
{
    const char *const *n;

    if (used) {
        *used = names[0];
    }
    for (n = names; obj && *n; n++) {
        const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, *n);
        if (item) {
            if (used) {
                *used = *n;
            }
            return item;
        }
    }
    return NULL;
}

const char *clinic_price_json(apr_pool_t *p, const char *decimal)
{
    apr_int64_t fils;

    if (clinic_amount_decimal(decimal, &fils)) {
        return NULL;
    }
    return clinic_amount_shortest(p, fils);
}

/* Hand item to parent; an item nobody took is deleted here. */
static cJSON *attach(cJSON *parent, const char *key, cJSON *item)
{
    cJSON_bool taken;

    if (!item) {
        return NULL;
    }
    taken = (key && cJSON_IsObject(parent))
            ? cJSON_AddItemToObject(parent, key, item)
            : cJSON_AddItemToArray(parent, item);
    if (!taken) {
        cJSON_Delete(item);
        return NULL;
    }
    return item;
}

static void add_str_or_null(cJSON *o, const char *key, const char *v)
{
    if (v) {
        cJSON_AddStringToObject(o, key, v);
    }
    else {
        cJSON_AddNullToObject(o, key);
    }
}

cJSON *clinic_json_add_int(cJSON *o, const char *key, apr_int64_t v)
{
    /* cJSON prints a number with sprintf("%1.15g") and reads it back
     * with sscanf: written as whole-number text instead, the answers
     * with many numbers (remainingTime) cost a tenth */
    char buf[24], *e = buf + sizeof(buf) - 1;
    apr_uint64_t u = v < 0 ? 0 - (apr_uint64_t)v : (apr_uint64_t)v;

    *e = '\0';
    do {
        *--e = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) {
        *--e = '-';
    }
    return cJSON_AddRawToObject(o, key, e);
}

/* the fields Package and Subscription share */
static void add_package_fields(cJSON *o, apr_pool_t *p,
                               const clinic_package_t *pkg,
                               const char *currency)
{
    const char *price = clinic_price_json(p, pkg->price);

    cJSON_AddStringToObject(o, "name", pkg->name);
    add_str_or_null(o, "description", pkg->description);
    if (price) {
        cJSON_AddRawToObject(o, "price", price);
    }
    else {
        cJSON_AddNullToObject(o, "price");
    }
    cJSON_AddStringToObject(o, "currency", currency);
    clinic_json_add_int(o, "duration", pkg->duration_days);
}

cJSON *clinic_json_add_package(cJSON *parent, const char *key, apr_pool_t *p,
                               const clinic_package_t *pkg,
                               const char *currency)
{
    cJSON *o = attach(parent, key, cJSON_CreateObject());

    if (o) {
        cJSON_AddStringToObject(o, "id", pkg->id);
        add_package_fields(o, p, pkg, currency);
        cJSON_AddBoolToObject(o, "isActive", pkg->is_active);
        cJSON_AddStringToObject(o, "createdAt",
                                clinic_time_iso(p, pkg->created_at));
    }
    return o;
}

cJSON *clinic_json_add_sub(cJSON *parent, const char *key, apr_pool_t *p,
                           const clinic_sub_t *sub, const char *currency,
                           apr_int64_t now)
{
    cJSON *o = attach(parent, key, cJSON_CreateObject()), *rt;
    clinic_remaining_t left;

    if (!o) {
        return NULL;
    }
    /* nothing runs down before it is paid, nor after it failed */
    clinic_time_remaining(&left, now, strcmp(sub->payment_status,
                                             "completed") ? APR_INT64_MIN
                                                          : sub->expires_at);
    cJSON_AddStringToObject(o, "id", sub->id);
    cJSON_AddStringToObject(o, "packageId", sub->pkg.id);
    add_package_fields(o, p, &sub->pkg, currency);
    cJSON_AddStringToObject(o, "purchasedAt",
                            clinic_time_iso(p, sub->purchased_at));
    cJSON_AddStringToObject(o, "expiresAt",
                            clinic_time_iso(p, sub->expires_at));
    cJSON_AddBoolToObject(o, "isActive", clinic_sub_is_active(sub, now));
    cJSON_AddStringToObject(o, "paymentStatus", sub->payment_status);
    clinic_json_add_int(o, "remainingDays", left.remaining_days);
    rt = cJSON_AddObjectToObject(o, "remainingTime");
    if (rt) {
        clinic_json_add_int(rt, "days", left.days);
        clinic_json_add_int(rt, "hours", left.hours);
        clinic_json_add_int(rt, "minutes", left.minutes);
        clinic_json_add_int(rt, "seconds", left.seconds);
        clinic_json_add_int(rt, "totalSeconds", left.total_seconds);
    }
    return o;
}

cJSON *clinic_json_add_user(cJSON *parent, const char *key, apr_pool_t *p,
                            const clinic_user_t *u, const clinic_sub_t *active,
                            const char *currency, apr_int64_t now)
{
    cJSON *o = attach(parent, key, cJSON_CreateObject());

    if (!o) {
        return NULL;
    }
    cJSON_AddStringToObject(o, "id", u->id);
    cJSON_AddStringToObject(o, "phoneNumber", u->phone);
    add_str_or_null(o, "name", u->name);
    add_str_or_null(o, "nationalId", u->national_id);
    cJSON_AddBoolToObject(o, "isActive", u->is_active);
    cJSON_AddStringToObject(o, "createdAt", clinic_time_iso(p, u->created_at));
    cJSON_AddStringToObject(o, "updatedAt", clinic_time_iso(p, u->updated_at));
    if (active && clinic_sub_is_active(active, now)) {
        clinic_json_add_sub(o, "activePackage", p, active, currency, now);
    }
    else {
        cJSON_AddNullToObject(o, "activePackage");
    }
    return o;
}
