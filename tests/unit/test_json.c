/*
 * SPDX-License-Identifier: Apache-2.0
 * test_json.c: the API.md envelope, request body checks, field aliases,
 * prices, the User / Package / Subscription objects, and masked phones.
 *
 * Everything the code prints is parsed back with cJSON and compared key by
 * key against API.md, so a missing, extra or misnamed key fails a test.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <cjson/cJSON.h>

#include "json.h"
#include "subs.h"
#include "model.h"
#include "timeutil.h"
#include "validate.h"

#include "pool_fixture.h"


TestSuite(json, .init = setup, .fini = teardown);
TestSuite(mask, .init = setup, .fini = teardown);

#define DAY ((apr_int64_t)86400)
#define T_NOW ((apr_int64_t)1795502938)     /* 2026-11-24 06:48:58 UTC */
#define ISO_NOW "2026-11-24T06:48:58Z"
#define T_CREATED ((apr_int64_t)1767225600) /* 2026-01-01 00:00:00 UTC */
#define ISO_CREATED "2026-01-01T00:00:00Z"
#define T_UPDATED ((apr_int64_t)1772323199) /* 2026-02-28 23:59:59 UTC */
#define ISO_UPDATED "2026-02-28T23:59:59Z"

#define ALEF "\xd8\xa7"                     /* U+0627, two bytes */

/* ------------------------------------------------------------------ */
/* helpers                                                             */

static apr_status_t delete_tree(void *data)
{
    cJSON_Delete(data);
    return APR_SUCCESS;
}

/* Parse text printed by the code under test; the test fails if it is not
 * JSON.  The tree lives as long as the test's pool. */
static cJSON *reparse(const char *text)
{
    cJSON *j;

    cr_assert_not_null(text, "no text was produced");
    j = cJSON_Parse(text);
    cr_assert_not_null(j, "not JSON: %s", text);
    apr_pool_cleanup_register(pool, j, delete_tree, apr_pool_cleanup_null);
    return j;
}

/* cJSON_PrintUnformatted into the pool */
static const char *print(const cJSON *j)
{
    char *text = cJSON_PrintUnformatted(j);
    const char *copy;

    cr_assert_not_null(text);
    copy = apr_pstrdup(pool, text);
    cJSON_free(text);
    return copy;
}

/* o is an object whose member names are exactly keys (NULL-terminated),
 * each once, nothing else. */
static void assert_keys(const cJSON *o, const char *const *keys)
{
    const cJSON *c;
    int want = 0, have = 0;

    cr_assert(cJSON_IsObject(o), "not an object");
    for (; keys[want]; want++) {
        int seen = 0;

        cr_assert_not_null(cJSON_GetObjectItemCaseSensitive(o, keys[want]),
                           "missing key \"%s\" in %s", keys[want], print(o));
        cJSON_ArrayForEach(c, o) {
            if (c->string && !strcmp(c->string, keys[want])) {
                seen++;
            }
        }
        cr_assert_eq(seen, 1, "key \"%s\" appears %d times", keys[want], seen);
    }
    cJSON_ArrayForEach(c, o) {
        have++;
    }
    cr_assert_eq(have, want, "%d keys, expected %d: %s", have, want, print(o));
}

static const cJSON *member(const cJSON *o, const char *key)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, key);

    cr_assert_not_null(m, "missing \"%s\" in %s", key, print(o));
    return m;
}

static void assert_str(const cJSON *o, const char *key, const char *want)
{
    const cJSON *m = member(o, key);

    cr_assert(cJSON_IsString(m), "\"%s\" is not a string", key);
    cr_assert_str_eq(m->valuestring, want, "\"%s\"", key);
}

static void assert_null(const cJSON *o, const char *key)
{
    cr_assert(cJSON_IsNull(member(o, key)), "\"%s\" is not null", key);
}

static void assert_bool(const cJSON *o, const char *key, int want)
{
    const cJSON *m = member(o, key);

    cr_assert(cJSON_IsBool(m), "\"%s\" is not a boolean", key);
    cr_assert_eq(cJSON_IsTrue(m) ? 1 : 0, want ? 1 : 0, "\"%s\"", key);
}

static void assert_num(const cJSON *o, const char *key, double want)
{
    const cJSON *m = member(o, key);

    cr_assert(cJSON_IsNumber(m), "\"%s\" is not a number", key);
    cr_assert(m->valuedouble == want, "\"%s\" is %.17g, expected %.17g",
              key, m->valuedouble, want);
}

static cJSON *arr_items(const cJSON *a, int *n)
{
    cr_assert(cJSON_IsArray(a));
    *n = cJSON_GetArraySize(a);
    return a->child;
}

/* ------------------------------------------------------------------ */
/* envelope                                                            */

static const char *const OK_KEYS[] = {"success", "data", "message", NULL};
static const char *const ERR_KEYS[] = {"success", "error", NULL};
static const char *const ERR_INNER[] = {"code", "message", NULL};
static const char *const ERR_INNER_D[] = {"code", "message", "details", NULL};

Test(json, envelope_ok_with_data)
{
    cJSON *data = clinic_json_object(pool), *env;

    cJSON_AddStringToObject(data, "phoneNumber", "+96551234567");
    cJSON_AddNumberToObject(data, "expiresIn", 300);
    env = reparse(clinic_envelope_ok(pool, data, "Code sent"));
    assert_keys(env, OK_KEYS);
    assert_bool(env, "success", 1);
    assert_str(env, "message", "Code sent");
    assert_keys(member(env, "data"),
                (const char *const[]){"phoneNumber", "expiresIn", NULL});
    assert_str(member(env, "data"), "phoneNumber", "+96551234567");
    assert_num(member(env, "data"), "expiresIn", 300);
}

Test(json, envelope_ok_null_data_is_empty_object)
{
    cJSON *env = reparse(clinic_envelope_ok(pool, NULL, "Fine"));
    const cJSON *data;

    assert_keys(env, OK_KEYS);
    assert_bool(env, "success", 1);
    data = member(env, "data");
    cr_assert(cJSON_IsObject(data), "data is not an object");
    cr_assert_null(data->child, "data is not empty");
    assert_str(env, "message", "Fine");
}

Test(json, envelope_ok_null_message_still_a_sentence)
{
    cJSON *env = reparse(clinic_envelope_ok(pool, NULL, NULL));
    const cJSON *m;

    assert_keys(env, OK_KEYS);
    m = member(env, "message");
    cr_assert(cJSON_IsString(m));
    cr_assert_gt(strlen(m->valuestring), 0);
}

Test(json, envelope_ok_does_not_take_the_data)
{
    cJSON *data = clinic_json_object(pool), *env1, *env2;

    cJSON_AddStringToObject(data, "k", "v");
    env1 = reparse(clinic_envelope_ok(pool, data, "one"));
    /* still the caller's, whole and usable for a second envelope */
    cr_assert_null(data->string);
    cr_assert_null(data->next);
    cr_assert_null(data->prev);
    cr_assert_str_eq(print(data), "{\"k\":\"v\"}");
    env2 = reparse(clinic_envelope_ok(pool, data, "two"));
    assert_str(member(env1, "data"), "k", "v");
    assert_str(member(env2, "data"), "k", "v");
    assert_str(env2, "message", "two");
}

/* answers around and past the size printed without allocating */
Test(json, envelope_ok_of_any_length_prints_whole)
{
    size_t lens[] = { 0, 1990, 2000, 2010, 2040, 2100, 70000 };
    size_t i;

    for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        char *v = apr_palloc(pool, lens[i] + 1);
        cJSON *data = clinic_json_object(pool), *env;

        memset(v, 'x', lens[i]);
        v[lens[i]] = '\0';
        cJSON_AddStringToObject(data, "v", v);
        env = reparse(clinic_envelope_ok(pool, data, "OK"));
        assert_str(member(env, "data"), "v", v);
        assert_str(env, "message", "OK");
    }
}

Test(json, envelope_ok_escapes_and_keeps_utf8)
{
    const char *msg = "He said \"hi\"\\ \n " ALEF ALEF;
    cJSON *env = reparse(clinic_envelope_ok(pool, NULL, msg));

    assert_str(env, "message", msg);
}

Test(json, envelope_error_without_details)
{
    const char *text = clinic_envelope_error(pool, "NOT_FOUND",
                                             "No such route", NULL);
    cJSON *env = reparse(text);
    const cJSON *err;

    assert_keys(env, ERR_KEYS);
    assert_bool(env, "success", 0);
    cr_assert_null(cJSON_GetObjectItem(env, "data"));
    err = member(env, "error");
    assert_keys(err, ERR_INNER);
    assert_str(err, "code", "NOT_FOUND");
    assert_str(err, "message", "No such route");
    cr_assert_null(strstr(text, "details"));
}

Test(json, envelope_error_with_details)
{
    cJSON *details = clinic_json_object(pool), *env;
    const cJSON *err, *d;

    cJSON_AddStringToObject(details, "phone_number", "must be +965XXXXXXXX");
    env = reparse(clinic_envelope_error(pool, "VALIDATION_ERROR",
                                        "Invalid input", details));
    assert_keys(env, ERR_KEYS);
    assert_bool(env, "success", 0);
    cr_assert_null(cJSON_GetObjectItem(env, "data"));
    err = member(env, "error");
    assert_keys(err, ERR_INNER_D);
    assert_str(err, "code", "VALIDATION_ERROR");
    assert_str(err, "message", "Invalid input");
    d = member(err, "details");
    assert_keys(d, (const char *const[]){"phone_number", NULL});
    assert_str(d, "phone_number", "must be +965XXXXXXXX");
    /* the details tree is still the caller's: unnamed, unlinked, intact */
    cr_assert_null(details->string);
    cr_assert_null(details->next);
    cr_assert_null(details->prev);
    cr_assert_str_eq(print(details),
                     "{\"phone_number\":\"must be +965XXXXXXXX\"}");
}

Test(json, envelope_error_numeric_details)
{
    cJSON *details = clinic_json_object(pool), *env;

    cJSON_AddNumberToObject(details, "retryAfter", 42);
    env = reparse(clinic_envelope_error(pool, "RATE_LIMITED",
                                        "Too many requests", details));
    assert_num(member(member(env, "error"), "details"), "retryAfter", 42);
}

/* ------------------------------------------------------------------ */
/* request bodies                                                      */

static clinic_body_rc parse_len(const char *buf, apr_size_t len, cJSON **out)
{
    /* an exact-length copy without a terminating NUL, as a body arrives */
    char *copy = apr_palloc(pool, len ? len : 1);

    memcpy(copy, buf, len);
    *out = (cJSON *)1;
    return clinic_json_parse_body(out, pool, copy, len);
}

static clinic_body_rc parse(const char *text, cJSON **out)
{
    return parse_len(text, strlen(text), out);
}

static void assert_rejected(const char *text, apr_size_t len,
                            clinic_body_rc want)
{
    cJSON *out;
    clinic_body_rc rc = parse_len(text, len, &out);

    cr_assert_eq(rc, want, "body <%.*s>: rc %d, expected %d",
                 (int)len, text, (int)rc, (int)want);
    cr_assert_null(out, "body <%.*s>: *out set on failure", (int)len, text);
}

/* a string literal, embedded NUL bytes included, without its terminator */
#define REJECT(lit, rc) assert_rejected(lit, sizeof(lit) - 1, rc)

Test(json, body_empty_is_empty_object)
{
    cJSON *out;

    cr_assert_eq(clinic_json_parse_body(&out, pool, "", 0), CLINIC_BODY_OK);
    cr_assert(cJSON_IsObject(out));
    cr_assert_null(out->child);
    /* len 0 wins even when the pointer holds text */
    cr_assert_eq(clinic_json_parse_body(&out, pool, "[1]", 0), CLINIC_BODY_OK);
    cr_assert(cJSON_IsObject(out));
    cr_assert_null(out->child);
}

Test(json, body_valid_object)
{
    cJSON *out;

    cr_assert_eq(parse("{\"phone_number\":\"+96551234567\",\"n\":[1,2]}",
                       &out), CLINIC_BODY_OK);
    cr_assert(cJSON_IsObject(out));
    assert_str(out, "phone_number", "+96551234567");
    cr_assert_eq(cJSON_GetArraySize(member(out, "n")), 2);
}

Test(json, body_surrounding_whitespace_ok)
{
    cJSON *out;

    cr_assert_eq(parse(" \r\n\t{\"a\":1}\n", &out), CLINIC_BODY_OK);
    assert_num(out, "a", 1);
}

Test(json, body_utf8_string_ok)
{
    cJSON *out;

    cr_assert_eq(parse("{\"name\":\"" ALEF "\\u0627\"}", &out),
                 CLINIC_BODY_OK);
    assert_str(out, "name", ALEF ALEF);
}

Test(json, body_length_is_respected)
{
    cJSON *out;
    const char *text = "{\"a\":1}garbage";

    /* only the first 7 bytes are the body */
    cr_assert_eq(parse_len(text, 7, &out), CLINIC_BODY_OK);
    assert_num(out, "a", 1);
}

Test(json, body_not_object)
{
    REJECT("[]", CLINIC_BODY_NOT_OBJECT);
    REJECT("[{\"a\":1}]", CLINIC_BODY_NOT_OBJECT);
    REJECT("42", CLINIC_BODY_NOT_OBJECT);
    REJECT("\"s\"", CLINIC_BODY_NOT_OBJECT);
    REJECT("null", CLINIC_BODY_NOT_OBJECT);
    REJECT("true", CLINIC_BODY_NOT_OBJECT);
}

Test(json, body_not_json)
{
    REJECT("{", CLINIC_BODY_NOT_JSON);
    REJECT("{\"a\":}", CLINIC_BODY_NOT_JSON);
    REJECT("{'a':1}", CLINIC_BODY_NOT_JSON);
    REJECT("   ", CLINIC_BODY_NOT_JSON);
    REJECT("phone_number=1", CLINIC_BODY_NOT_JSON);
}

/* API.md: "body is not valid JSON" is INVALID_JSON; a complete value
 * followed by more text is not a JSON text. */
Test(json, body_trailing_garbage_not_json)
{
    REJECT("{} x", CLINIC_BODY_NOT_JSON);
    REJECT("{}{}", CLINIC_BODY_NOT_JSON);
    REJECT("{\"a\":1}]", CLINIC_BODY_NOT_JSON);
}

Test(json, body_bad_utf8)
{
    REJECT("{\"a\":\"\xff\"}", CLINIC_BODY_BAD_UTF8);
    /* overlong "/" and a lone continuation byte */
    REJECT("{\"a\":\"\xc0\xaf\"}", CLINIC_BODY_BAD_UTF8);
    REJECT("{\"\x80\":1}", CLINIC_BODY_BAD_UTF8);
    /* truncated two-byte sequence at the very end */
    REJECT("{}\xd8", CLINIC_BODY_BAD_UTF8);
}

Test(json, body_raw_nul)
{
    REJECT("{\"a\":\"x\0y\"}", CLINIC_BODY_NUL);
    REJECT("{\"a\":1}\0", CLINIC_BODY_NUL);
    REJECT("\0{}", CLINIC_BODY_NUL);
}

Test(json, body_escaped_nul)
{
    /* in a value, in a key, after other text, and after an escaped
     * backslash (\\ then \u0000: the second escape is real) */
    REJECT("{\"a\":\"\\u0000\"}", CLINIC_BODY_NUL);
    REJECT("{\"\\u0000\":1}", CLINIC_BODY_NUL);
    REJECT("{\"a\":\"xy\\u0000z\"}", CLINIC_BODY_NUL);
    REJECT("{\"a\":\"\\\\\\u0000\"}", CLINIC_BODY_NUL);
    REJECT("{\"a\":[\"ok\",\"\\u0000\"]}", CLINIC_BODY_NUL);
}

Test(json, body_escaped_backslash_then_u0000_is_not_nul)
{
    cJSON *out;

    /* JSON text {"a":"\\u0000"}: a backslash, then the letters u0000 */
    cr_assert_eq(parse("{\"a\":\"\\\\u0000\"}", &out), CLINIC_BODY_OK);
    assert_str(out, "a", "\\u0000");
    /* same in a key */
    cr_assert_eq(parse("{\"\\\\u0000\":2}", &out), CLINIC_BODY_OK);
    assert_num(out, "\\u0000", 2);
}

Test(json, body_u0000_outside_escape_is_text)
{
    cJSON *out;

    /* the letters u0000 and a quoted-quote before them */
    cr_assert_eq(parse("{\"a\":\"u0000\",\"b\":\"\\\"u0000\"}", &out),
                 CLINIC_BODY_OK);
    assert_str(out, "a", "u0000");
    assert_str(out, "b", "\"u0000");
}

Test(json, body_u0001_ok)
{
    cJSON *out;

    cr_assert_eq(parse("{\"a\":\"\\u0001\"}", &out), CLINIC_BODY_OK);
    assert_str(out, "a", "\x01");
    cr_assert_eq(parse("{\"a\":\"\\u0100\"}", &out), CLINIC_BODY_OK);
    assert_str(out, "a", "\xc4\x80");
}

Test(json, body_duplicate_keys_rejected)
{
    REJECT("{\"phone_number\":\"1\",\"phone_number\":\"2\"}",
           CLINIC_BODY_DUPLICATE_KEY);
    REJECT("{\"a\":1,\"b\":2,\"c\":3,\"a\":4}", CLINIC_BODY_DUPLICATE_KEY);
    /* in a nested object too (user_info) */
    REJECT("{\"user_info\":{\"name\":\"x\",\"name\":\"y\"}}",
           CLINIC_BODY_DUPLICATE_KEY);
    REJECT("{\"l\":[{\"k\":1,\"k\":1}]}", CLINIC_BODY_DUPLICATE_KEY);
}

Test(json, body_same_key_in_different_objects_ok)
{
    cJSON *out;

    cr_assert_eq(parse("{\"a\":{\"a\":1},\"b\":{\"a\":2}}", &out),
                 CLINIC_BODY_OK);
    /* a capital first letter is another (unknown) key */
    cr_assert_eq(parse("{\"Name\":1,\"name\":2}", &out), CLINIC_BODY_OK);
    cr_assert_eq(parse("{\"phone_number\":1,\"new_phone_number\":2,"
                       "\"code\":\"1\"}", &out), CLINIC_BODY_OK);
}

Test(json, body_one_field_under_two_spellings_rejected)
{
    REJECT("{\"phone_number\":\"1\",\"phoneNumber\":\"2\"}",
           CLINIC_BODY_DUPLICATE_KEY);
    REJECT("{\"newPhoneNumber\":\"1\",\"new_phone_number\":\"2\"}",
           CLINIC_BODY_DUPLICATE_KEY);
    /* the code goes by "code" or "otp_code" depending on the route */
    REJECT("{\"code\":\"11111\",\"otp_code\":\"22222\"}",
           CLINIC_BODY_DUPLICATE_KEY);
    REJECT("{\"otpCode\":\"11111\",\"code\":\"22222\"}",
           CLINIC_BODY_DUPLICATE_KEY);
    REJECT("{\"user_info\":{\"nationalId\":\"1\",\"national_id\":\"2\"}}",
           CLINIC_BODY_DUPLICATE_KEY);
}

Test(json, body_many_keys_checked_quickly)
{
    /* 20000 distinct keys: sorted, not compared pairwise */
    apr_size_t cap = 20000 * 16 + 16, n = 0;
    char *buf = apr_palloc(pool, cap);
    cJSON *out;
    int i;

    buf[n++] = '{';
    for (i = 0; i < 20000; i++) {
        n += (apr_size_t)apr_snprintf(buf + n, cap - n, "%s\"k%d\":1",
                                      i ? "," : "", i);
    }
    buf[n++] = '}';
    cr_assert_eq(parse_len(buf, n, &out), CLINIC_BODY_OK);
    buf[n - 1] = ',';
    n += (apr_size_t)apr_snprintf(buf + n, cap - n, "\"k19999\":2}");
    cr_assert_eq(parse_len(buf, n, &out), CLINIC_BODY_DUPLICATE_KEY);
}

/* ------------------------------------------------------------------ */
/* field aliases                                                       */

static const char *const PHONE[] = {"phone_number", "phoneNumber", NULL};

Test(json, field_first_alias_wins)
{
    cJSON *out;
    const cJSON *f;
    const char *used = NULL;

    /* document order does not matter, alias order does (a request body
     * never holds both: the parser refuses one field under two names, so
     * the object is built here) */
    out = clinic_json_object(pool);
    cJSON_AddStringToObject(out, "phoneNumber", "b");
    cJSON_AddStringToObject(out, "phone_number", "a");
    f = clinic_json_field(out, PHONE, &used);
    cr_assert_not_null(f);
    cr_assert_str_eq(f->valuestring, "a");
    cr_assert_eq(used, PHONE[0]);
}

Test(json, field_second_alias)
{
    cJSON *out;
    const cJSON *f;
    const char *used = NULL;

    cr_assert_eq(parse("{\"x\":1,\"phoneNumber\":\"b\"}", &out),
                 CLINIC_BODY_OK);
    f = clinic_json_field(out, PHONE, &used);
    cr_assert_not_null(f);
    cr_assert_str_eq(f->valuestring, "b");
    cr_assert_eq(used, PHONE[1]);
}

Test(json, field_third_alias)
{
    static const char *const CODE[] = {"otp_code", "otpCode", "code", NULL};
    cJSON *out;
    const cJSON *f;
    const char *used = NULL;

    cr_assert_eq(parse("{\"code\":\"12345\"}", &out), CLINIC_BODY_OK);
    f = clinic_json_field(out, CODE, &used);
    cr_assert_not_null(f);
    cr_assert_str_eq(f->valuestring, "12345");
    cr_assert_eq(used, CODE[2]);
}

Test(json, field_absent_reports_first_name)
{
    cJSON *out;
    const char *used = "unset";

    /* names are matched case-sensitively */
    cr_assert_eq(parse("{\"PHONE_NUMBER\":\"a\",\"phonenumber\":\"b\"}", &out),
                 CLINIC_BODY_OK);
    cr_assert_null(clinic_json_field(out, PHONE, &used));
    cr_assert_eq(used, PHONE[0]);

    used = "unset";
    cr_assert_null(clinic_json_field(NULL, PHONE, &used));
    cr_assert_eq(used, PHONE[0]);
}

Test(json, field_null_value_is_present)
{
    cJSON *out;
    const cJSON *f;
    const char *used = NULL;

    cr_assert_eq(parse("{\"phoneNumber\":null}", &out), CLINIC_BODY_OK);
    f = clinic_json_field(out, PHONE, &used);
    cr_assert_not_null(f);
    cr_assert(cJSON_IsNull(f));
    cr_assert_eq(used, PHONE[1]);
}

Test(json, field_used_may_be_null)
{
    cJSON *out;
    const cJSON *f;

    cr_assert_eq(parse("{\"phone_number\":\"a\"}", &out), CLINIC_BODY_OK);
    f = clinic_json_field(out, PHONE, NULL);
    cr_assert_not_null(f);
    cr_assert_str_eq(f->valuestring, "a");
}

/* ------------------------------------------------------------------ */
/* prices                                                              */

static void assert_price(const char *in, const char *want)
{
    const char *got = clinic_price_json(pool, in);

    if (!want) {
        cr_assert_null(got, "price <%s> gave <%s>, expected NULL",
                       in ? in : "(null)", got);
        return;
    }
    cr_assert_not_null(got, "price <%s> gave NULL, expected <%s>", in, want);
    cr_assert_str_eq(got, want, "price <%s>", in);
}

Test(json, price_normalised)
{
    assert_price("25.500", "25.5");
    assert_price("25.000", "25");
    assert_price("25.5", "25.5");
    assert_price("0.125", "0.125");
    assert_price("0.100", "0.1");
    assert_price("0.000", "0");
    assert_price("0", "0");
    assert_price("7", "7");
    assert_price("007.10", "7.1");
    assert_price("000.5", "0.5");
    assert_price("1000", "1000");
    assert_price("1000.000", "1000");
    assert_price("9999999.999", "9999999.999");
    assert_price("12.3400", "12.34");
    assert_price("12.3450", "12.345");
    assert_price("12.345000", "12.345");
    assert_price("3.0000000", "3");
}

Test(json, price_more_than_fils)
{
    assert_price("12.3456", NULL);
    assert_price("12.3451", NULL);
    assert_price("0.0001", NULL);
    assert_price("12.34500001", NULL);
}

Test(json, price_malformed)
{
    assert_price(NULL, NULL);
    assert_price("", NULL);
    assert_price("abc", NULL);
    assert_price("-1", NULL);
    assert_price("+1", NULL);
    assert_price("1e3", NULL);
    assert_price("1.2.3", NULL);
    assert_price(".5", NULL);
    assert_price(" 1", NULL);
    assert_price("1 ", NULL);
    assert_price("1.5 ", NULL);
    assert_price("1,5", NULL);
    assert_price("0x10", NULL);
    assert_price("1.2a", NULL);
    assert_price("12.34a0", NULL);
    assert_price("NaN", NULL);
}

Test(json, price_output_is_a_json_number)
{
    static const char *const in[] = {"25.500", "007.10", "0.125", "12.3450"};
    size_t i;

    for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        const char *txt = clinic_price_json(pool, in[i]);
        cJSON *n = reparse(txt);

        cr_assert(cJSON_IsNumber(n), "<%s> is not a JSON number", txt);
    }
}

/* ------------------------------------------------------------------ */
/* Package, Subscription, User                                         */

static const char *const PACKAGE_KEYS[] = {
    "id", "name", "description", "price", "currency", "duration",
    "isActive", "createdAt", NULL
};

static const char *const SUB_KEYS[] = {
    "id", "packageId", "name", "description", "price", "currency",
    "duration", "purchasedAt", "expiresAt", "isActive", "paymentStatus",
    "remainingDays", "remainingTime", NULL
};

static const char *const RT_KEYS[] = {
    "days", "hours", "minutes", "seconds", "totalSeconds", NULL
};

static const char *const USER_KEYS[] = {
    "id", "phoneNumber", "name", "nationalId", "isActive", "createdAt",
    "updatedAt", "activePackage", NULL
};

#define PKG_ID "5f0c6e1a-8a1b-4c57-9d2e-3b9f1c2d4e5f"
#define SUB_ID "0e4b7a3c-1d2f-4e5a-8b6c-7d8e9f0a1b2c"
#define USER_ID "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d"

static clinic_package_t make_package(void)
{
    clinic_package_t pkg;

    memset(&pkg, 0, sizeof pkg);
    pkg.id = PKG_ID;
    pkg.name = "Gold " ALEF " \"plus\"";
    pkg.description = "Thirty days of visits";
    pkg.price = "12.3450";
    pkg.duration_days = 30;
    pkg.is_active = 1;
    pkg.created_at = T_CREATED;
    return pkg;
}

/* a 30-day subscription bought at purchased, status status */
static clinic_sub_t make_sub(apr_int64_t purchased, const char *status)
{
    clinic_sub_t sub;

    memset(&sub, 0, sizeof sub);
    sub.id = SUB_ID;
    sub.pkg = make_package();
    sub.purchased_at = purchased;
    sub.expires_at = purchased + 30 * DAY;
    sub.payment_status = status;
    return sub;
}

static clinic_user_t make_user(void)
{
    clinic_user_t u;

    memset(&u, 0, sizeof u);
    u.id = USER_ID;
    u.phone = "+96551234567";
    u.name = ALEF " Ahmad";
    u.national_id = "290010112345";
    u.is_active = 1;
    u.created_at = T_CREATED;
    u.updated_at = T_UPDATED;
    return u;
}

static void assert_remaining(const cJSON *sub, double rdays, double d,
                             double h, double m, double s, double total)
{
    const cJSON *rt = member(sub, "remainingTime");

    assert_num(sub, "remainingDays", rdays);
    assert_keys(rt, RT_KEYS);
    assert_num(rt, "days", d);
    assert_num(rt, "hours", h);
    assert_num(rt, "minutes", m);
    assert_num(rt, "seconds", s);
    assert_num(rt, "totalSeconds", total);
}

/* print parent, check the raw price text, parse it back, return key */
static const cJSON *roundtrip(const cJSON *parent, const char *key,
                              const char *raw_price)
{
    const char *text = print(parent);
    cJSON *back;

    if (raw_price) {
        cr_assert_not_null(strstr(text, raw_price),
                           "no %s in %s", raw_price, text);
    }
    back = reparse(text);
    return key ? member(back, key) : back;
}

Test(json, package_all_fields)
{
    clinic_package_t pkg = make_package();
    cJSON *parent = clinic_json_object(pool), *o;
    const cJSON *back;

    o = clinic_json_add_package(parent, "package", pool, &pkg, "KWD");
    cr_assert_not_null(o);
    cr_assert_eq(o, cJSON_GetObjectItemCaseSensitive(parent, "package"));
    back = roundtrip(parent, "package", "\"price\":12.345,");
    assert_keys(back, PACKAGE_KEYS);
    assert_str(back, "id", PKG_ID);
    assert_str(back, "name", "Gold " ALEF " \"plus\"");
    assert_str(back, "description", "Thirty days of visits");
    assert_num(back, "price", 12.345);
    assert_str(back, "currency", "KWD");
    assert_num(back, "duration", 30);
    assert_bool(back, "isActive", 1);
    assert_str(back, "createdAt", ISO_CREATED);
}

Test(json, package_null_description_inactive_currency)
{
    clinic_package_t pkg = make_package();
    cJSON *parent = clinic_json_object(pool);
    const cJSON *back;

    pkg.description = NULL;
    pkg.is_active = 0;
    pkg.price = "25.500";
    pkg.duration_days = 7;
    clinic_json_add_package(parent, "p", pool, &pkg, "USD");
    back = roundtrip(parent, "p", "\"price\":25.5,");
    assert_keys(back, PACKAGE_KEYS);
    assert_null(back, "description");
    assert_bool(back, "isActive", 0);
    assert_str(back, "currency", "USD");
    assert_num(back, "duration", 7);
}

Test(json, package_whole_price)
{
    clinic_package_t pkg = make_package();
    cJSON *parent = clinic_json_object(pool);

    pkg.price = "25.000";
    clinic_json_add_package(parent, "p", pool, &pkg, "KWD");
    assert_num(roundtrip(parent, "p", "\"price\":25,"), "price", 25);
}

Test(json, package_bad_price_keeps_json_valid)
{
    clinic_package_t pkg = make_package();
    cJSON *parent = clinic_json_object(pool);
    const cJSON *back;

    pkg.price = "1e3\"}";
    clinic_json_add_package(parent, "p", pool, &pkg, "KWD");
    back = roundtrip(parent, "p", NULL);
    assert_keys(back, PACKAGE_KEYS);
    assert_null(back, "price");
}

Test(json, package_appended_to_array)
{
    clinic_package_t a = make_package(), b = make_package();
    cJSON *arr = clinic_json_array(pool), *o1, *o2;
    const cJSON *back, *first;
    int n;

    b.id = "other";
    o1 = clinic_json_add_package(arr, NULL, pool, &a, "KWD");
    o2 = clinic_json_add_package(arr, NULL, pool, &b, "KWD");
    cr_assert_not_null(o1);
    cr_assert_not_null(o2);
    back = roundtrip(arr, NULL, "\"price\":12.345,");
    first = arr_items(back, &n);
    cr_assert_eq(n, 2);
    assert_keys(first, PACKAGE_KEYS);
    assert_str(first, "id", PKG_ID);
    assert_keys(first->next, PACKAGE_KEYS);
    assert_str(first->next, "id", "other");
}

Test(json, sub_right_after_purchase)
{
    clinic_sub_t sub = make_sub(T_NOW, "completed");
    cJSON *parent = clinic_json_object(pool), *o;
    const cJSON *back;

    o = clinic_json_add_sub(parent, "subscription", pool, &sub, "KWD", T_NOW);
    cr_assert_not_null(o);
    cr_assert_eq(o, cJSON_GetObjectItemCaseSensitive(parent, "subscription"));
    back = roundtrip(parent, "subscription", "\"price\":12.345,");
    assert_keys(back, SUB_KEYS);
    assert_str(back, "id", SUB_ID);
    assert_str(back, "packageId", PKG_ID);
    assert_str(back, "name", "Gold " ALEF " \"plus\"");
    assert_str(back, "description", "Thirty days of visits");
    assert_num(back, "price", 12.345);
    assert_str(back, "currency", "KWD");
    assert_num(back, "duration", 30);
    assert_str(back, "purchasedAt", ISO_NOW);
    assert_str(back, "expiresAt", "2026-12-24T06:48:58Z");
    assert_bool(back, "isActive", 1);
    assert_str(back, "paymentStatus", "completed");
    assert_remaining(back, 30, 30, 0, 0, 0, 2592000);
}

Test(json, sub_api_example_two_seconds_later)
{
    clinic_sub_t sub = make_sub(T_NOW, "completed");
    cJSON *parent = clinic_json_object(pool);
    const cJSON *back;

    clinic_json_add_sub(parent, "s", pool, &sub, "KWD", T_NOW + 2);
    back = roundtrip(parent, "s", NULL);
    assert_remaining(back, 30, 29, 23, 59, 58, 2591998);
}

Test(json, sub_mixed_units)
{
    clinic_sub_t sub = make_sub(T_NOW, "completed");
    cJSON *parent = clinic_json_object(pool);
    const cJSON *back;
    apr_int64_t left = 1 * DAY + 2 * 3600 + 3 * 60 + 4;

    clinic_json_add_sub(parent, "s", pool, &sub, "KWD",
                        sub.expires_at - left);
    back = roundtrip(parent, "s", NULL);
    assert_remaining(back, 2, 1, 2, 3, 4, 93784);
    assert_bool(back, "isActive", 1);
    assert_str(back, "paymentStatus", "completed");
}

Test(json, sub_one_day_left)
{
    clinic_sub_t sub = make_sub(T_NOW, "completed");
    cJSON *parent = clinic_json_object(pool);
    const cJSON *back;

    clinic_json_add_sub(parent, "s", pool, &sub, "KWD", sub.expires_at - DAY);
    back = roundtrip(parent, "s", NULL);
    assert_remaining(back, 1, 1, 0, 0, 0, 86400);
    assert_bool(back, "isActive", 1);
}

Test(json, sub_one_second_left)
{
    clinic_sub_t sub = make_sub(T_NOW, "completed");
    cJSON *parent = clinic_json_object(pool);
    const cJSON *back;

    clinic_json_add_sub(parent, "s", pool, &sub, "KWD", sub.expires_at - 1);
    back = roundtrip(parent, "s", NULL);
    assert_remaining(back, 1, 0, 0, 0, 1, 1);
    assert_bool(back, "isActive", 1);
}

Test(json, sub_expired_exactly_now)
{
    clinic_sub_t sub = make_sub(T_NOW, "completed");
    cJSON *parent = clinic_json_object(pool);
    const cJSON *back;

    clinic_json_add_sub(parent, "s", pool, &sub, "KWD", sub.expires_at);
    back = roundtrip(parent, "s", NULL);
    assert_keys(back, SUB_KEYS);
    assert_remaining(back, 0, 0, 0, 0, 0, 0);
    assert_bool(back, "isActive", 0);
    assert_str(back, "paymentStatus", "completed");
}

Test(json, sub_long_expired)
{
    clinic_sub_t sub = make_sub(T_NOW - 100 * DAY, "completed");
    cJSON *parent = clinic_json_object(pool);
    const cJSON *back;

    clinic_json_add_sub(parent, "s", pool, &sub, "KWD", T_NOW);
    back = roundtrip(parent, "s", NULL);
    assert_remaining(back, 0, 0, 0, 0, 0, 0);
    assert_bool(back, "isActive", 0);
    assert_str(back, "purchasedAt", "2026-08-16T06:48:58Z");
    assert_str(back, "expiresAt", "2026-09-15T06:48:58Z");
}

Test(json, sub_pending_payment_runs_nothing_down)
{
    clinic_sub_t sub = make_sub(T_NOW, "pending");
    cJSON *parent = clinic_json_object(pool);
    const cJSON *back;

    clinic_json_add_sub(parent, "s", pool, &sub, "KWD", T_NOW + 60);
    back = roundtrip(parent, "s", NULL);
    assert_bool(back, "isActive", 0);
    assert_remaining(back, 0, 0, 0, 0, 0, 0);
    assert_str(back, "paymentStatus", "pending");
}

Test(json, sub_failed_payment_inactive)
{
    clinic_sub_t sub = make_sub(T_NOW, "failed");
    cJSON *parent = clinic_json_object(pool);
    const cJSON *back;

    clinic_json_add_sub(parent, "s", pool, &sub, "KWD", T_NOW + 60);
    back = roundtrip(parent, "s", NULL);
    assert_keys(back, SUB_KEYS);
    assert_bool(back, "isActive", 0);
    assert_str(back, "paymentStatus", "failed");
}

Test(json, sub_null_description_and_currency)
{
    clinic_sub_t sub = make_sub(T_NOW, "completed");
    cJSON *parent = clinic_json_object(pool);
    const cJSON *back;

    sub.pkg.description = NULL;
    sub.pkg.price = "0.125";
    clinic_json_add_sub(parent, "s", pool, &sub, "SAR", T_NOW);
    back = roundtrip(parent, "s", "\"price\":0.125,");
    assert_null(back, "description");
    assert_str(back, "currency", "SAR");
}

Test(json, sub_appended_to_array)
{
    clinic_sub_t a = make_sub(T_NOW, "completed");
    clinic_sub_t b = make_sub(T_NOW - 40 * DAY, "completed");
    cJSON *arr = clinic_json_array(pool);
    const cJSON *back, *first;
    int n;

    b.id = "older";
    cr_assert_not_null(clinic_json_add_sub(arr, NULL, pool, &a, "KWD", T_NOW));
    cr_assert_not_null(clinic_json_add_sub(arr, NULL, pool, &b, "KWD", T_NOW));
    back = roundtrip(arr, NULL, NULL);
    first = arr_items(back, &n);
    cr_assert_eq(n, 2);
    assert_keys(first, SUB_KEYS);
    assert_str(first, "id", SUB_ID);
    assert_bool(first, "isActive", 1);
    assert_keys(first->next, SUB_KEYS);
    assert_str(first->next, "id", "older");
    assert_bool(first->next, "isActive", 0);
}

Test(json, sub_is_active_edges)
{
    clinic_sub_t sub = make_sub(T_NOW, "completed");

    cr_assert_eq(clinic_sub_is_active(&sub, T_NOW), 1);
    cr_assert_eq(clinic_sub_is_active(&sub, sub.expires_at - 1), 1);
    cr_assert_eq(clinic_sub_is_active(&sub, sub.expires_at), 0);
    cr_assert_eq(clinic_sub_is_active(&sub, sub.expires_at + 1), 0);
    /* not before the provider confirms the payment (API.md, Payments) */
    sub.payment_status = "pending";
    cr_assert_eq(clinic_sub_is_active(&sub, T_NOW), 0);
    sub.payment_status = "failed";
    cr_assert_eq(clinic_sub_is_active(&sub, T_NOW), 0);
    cr_assert_eq(clinic_sub_is_active(&sub, sub.expires_at - 1), 0);
}

Test(json, user_all_fields_no_package)
{
    clinic_user_t u = make_user();
    cJSON *parent = clinic_json_object(pool), *o;
    const cJSON *back;

    o = clinic_json_add_user(parent, "user", pool, &u, NULL, "KWD", T_NOW);
    cr_assert_not_null(o);
    cr_assert_eq(o, cJSON_GetObjectItemCaseSensitive(parent, "user"));
    back = roundtrip(parent, "user", NULL);
    assert_keys(back, USER_KEYS);
    assert_str(back, "id", USER_ID);
    assert_str(back, "phoneNumber", "+96551234567");
    assert_str(back, "name", ALEF " Ahmad");
    assert_str(back, "nationalId", "290010112345");
    assert_bool(back, "isActive", 1);
    assert_str(back, "createdAt", ISO_CREATED);
    assert_str(back, "updatedAt", ISO_UPDATED);
    assert_null(back, "activePackage");
}

Test(json, user_null_name_and_national_id)
{
    clinic_user_t u = make_user();
    cJSON *parent = clinic_json_object(pool);
    const cJSON *back;

    u.name = NULL;
    u.national_id = NULL;
    u.is_active = 0;
    clinic_json_add_user(parent, "user", pool, &u, NULL, "KWD", T_NOW);
    back = roundtrip(parent, "user", NULL);
    assert_keys(back, USER_KEYS);
    assert_null(back, "name");
    assert_null(back, "nationalId");
    assert_bool(back, "isActive", 0);
}

Test(json, user_with_active_package)
{
    clinic_user_t u = make_user();
    clinic_sub_t sub = make_sub(T_NOW, "completed");
    cJSON *parent = clinic_json_object(pool);
    const cJSON *back, *ap;

    clinic_json_add_user(parent, "user", pool, &u, &sub, "KWD", T_NOW);
    back = roundtrip(parent, "user", "\"price\":12.345,");
    assert_keys(back, USER_KEYS);
    ap = member(back, "activePackage");
    assert_keys(ap, SUB_KEYS);
    assert_str(ap, "id", SUB_ID);
    assert_str(ap, "packageId", PKG_ID);
    assert_str(ap, "currency", "KWD");
    assert_bool(ap, "isActive", 1);
    assert_str(ap, "purchasedAt", ISO_NOW);
    assert_remaining(ap, 30, 30, 0, 0, 0, 2592000);
}

Test(json, user_active_package_currency_passed_through)
{
    clinic_user_t u = make_user();
    clinic_sub_t sub = make_sub(T_NOW, "completed");
    cJSON *parent = clinic_json_object(pool);
    const cJSON *ap;

    clinic_json_add_user(parent, "user", pool, &u, &sub, "EUR",
                         sub.expires_at - 1);
    ap = member(roundtrip(parent, "user", NULL), "activePackage");
    assert_str(ap, "currency", "EUR");
    assert_remaining(ap, 1, 0, 0, 0, 1, 1);
}

Test(json, user_expired_package_is_null)
{
    clinic_user_t u = make_user();
    clinic_sub_t sub = make_sub(T_NOW, "completed");
    cJSON *parent = clinic_json_object(pool);
    const cJSON *back;

    clinic_json_add_user(parent, "user", pool, &u, &sub, "KWD",
                         sub.expires_at);
    back = roundtrip(parent, "user", NULL);
    assert_keys(back, USER_KEYS);
    assert_null(back, "activePackage");
}

Test(json, user_failed_package_is_null)
{
    clinic_user_t u = make_user();
    clinic_sub_t sub = make_sub(T_NOW, "failed");
    cJSON *parent = clinic_json_object(pool);
    const cJSON *back;

    clinic_json_add_user(parent, "user", pool, &u, &sub, "KWD", T_NOW);
    back = roundtrip(parent, "user", NULL);
    assert_keys(back, USER_KEYS);
    assert_null(back, "activePackage");
}

Test(json, user_appended_to_array)
{
    clinic_user_t a = make_user(), b = make_user();
    cJSON *arr = clinic_json_array(pool);
    const cJSON *back, *first;
    int n;

    b.id = "second";
    b.name = NULL;
    cr_assert_not_null(clinic_json_add_user(arr, NULL, pool, &a, NULL, "KWD",
                                            T_NOW));
    cr_assert_not_null(clinic_json_add_user(arr, NULL, pool, &b, NULL, "KWD",
                                            T_NOW));
    back = roundtrip(arr, NULL, NULL);
    first = arr_items(back, &n);
    cr_assert_eq(n, 2);
    assert_keys(first, USER_KEYS);
    assert_str(first, "id", USER_ID);
    assert_keys(first->next, USER_KEYS);
    assert_str(first->next, "id", "second");
    assert_null(first->next, "name");
}

Test(json, objects_in_an_envelope)
{
    clinic_user_t u = make_user();
    clinic_sub_t sub = make_sub(T_NOW, "completed");
    cJSON *data = clinic_json_object(pool), *env;
    const cJSON *d;

    clinic_json_add_sub(data, "subscription", pool, &sub, "KWD", T_NOW);
    clinic_json_add_user(data, "user", pool, &u, &sub, "KWD", T_NOW);
    env = reparse(clinic_envelope_ok(pool, data, "Package purchased"));
    assert_keys(env, OK_KEYS);
    d = member(env, "data");
    assert_keys(d, (const char *const[]){"subscription", "user", NULL});
    assert_keys(member(d, "subscription"), SUB_KEYS);
    assert_keys(member(d, "user"), USER_KEYS);
    assert_str(member(member(d, "user"), "activePackage"), "id", SUB_ID);
}

/* ------------------------------------------------------------------ */
/* masked phones                                                       */

Test(mask, kuwaiti_number)
{
    cr_assert_str_eq(clinic_mask_phone(pool, "+96551234567"), "+965****4567");
    cr_assert_str_eq(clinic_mask_phone(pool, "+96599887766"), "+965****7766");
}

Test(mask, short_or_null)
{
    cr_assert_str_eq(clinic_mask_phone(pool, NULL), "****");
    cr_assert_str_eq(clinic_mask_phone(pool, ""), "****");
    cr_assert_str_eq(clinic_mask_phone(pool, "5"), "****");
    cr_assert_str_eq(clinic_mask_phone(pool, "5123456"), "****");
}

Test(mask, input_untouched)
{
    char phone[] = "+96551234567";
    const char *m = clinic_mask_phone(pool, phone);

    cr_assert_str_eq(phone, "+96551234567");
    cr_assert_neq((const void *)m, (const void *)phone);
}

/* ---- escaping for a JSON string ---- */

Test(json, escape_writes_the_inside_of_a_json_string)
{
    cr_assert_str_eq(clinic_json_escape(pool, "a\"b\\c"), "a\\\"b\\\\c");
    cr_assert_str_eq(clinic_json_escape(pool, "\b\f\n\r\t"),
                     "\\b\\f\\n\\r\\t");
    cr_assert_str_eq(clinic_json_escape(pool, "\x01\x1f"),
                     "\\u0001\\u001f");
    cr_assert_str_eq(clinic_json_escape(pool, "\xd9\x85 +965"),
                     "\xd9\x85 +965");
    cr_assert_str_eq(clinic_json_escape(pool, ""), "");
    cr_assert_str_eq(clinic_json_escape(pool, NULL), "");
}
