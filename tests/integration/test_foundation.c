/*
 * SPDX-License-Identifier: Apache-2.0
 * Foundation: routing, the envelope for every general error, the first
 * read-only routes, and the database being down or empty.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "client.h"

Test(foundation, health_and_version)
{
    resp_t *r = call("GET", site("main"), "/api/health", NULL, NULL, fake_ip());
    cr_assert_eq(r->status, 200, "%s", r->body);
    assert_envelope(r, 1);
    cr_assert_str_eq(jstr(r, "data.status"), "healthy");
    cr_assert_str_eq(jstr(r, "data.database"), "up");
    cr_assert(resp_header(r, "X-Request-Id"));
    resp_free(r);

    r = call("GET", site("main"), "/api/version", NULL, NULL, fake_ip());
    cr_assert_eq(r->status, 200);
    assert_envelope(r, 1);
    cr_assert_str_eq(jstr(r, "data.name"), "mod_clinic");
    cr_assert(jstr(r, "data.version"));
    resp_free(r);

    /* one trailing slash is the same route; HEAD is GET without a body */
    r = call("GET", site("main"), "/api/version/", NULL, NULL, fake_ip());
    cr_assert_eq(r->status, 200);
    resp_free(r);
    r = call("HEAD", site("main"), "/api/health", NULL, NULL, fake_ip());
    cr_assert_eq(r->status, 200);
    cr_assert_eq(r->len, 0);
    resp_free(r);
}

Test(foundation, packages_available_shape)
{
    resp_t *r = call("GET", site("main"), "/api/packages/available", NULL,
                     NULL, fake_ip());
    cJSON *pkg, *list, *item;
    int found = 0;

    cr_assert_eq(r->status, 200, "%s", r->body);
    assert_envelope(r, 1);
    pkg = jget(r, "data.package");
    cr_assert(cJSON_IsObject(pkg));
    cr_assert(jstr(r, "data.package.id"));
    cr_assert(jstr(r, "data.package.name"));
    cr_assert(cJSON_IsNumber(jget(r, "data.package.price")), "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.package.currency"), "KWD");
    cr_assert(cJSON_IsNumber(jget(r, "data.package.duration")));
    cr_assert(cJSON_IsTrue(jget(r, "data.package.isActive")));
    cr_assert(jget(r, "data.package.description"));
    cr_assert(jstr(r, "data.package.createdAt"));
    cr_assert_eq(strlen(jstr(r, "data.package.createdAt")), 20);
    cr_assert_eq(jstr(r, "data.package.createdAt")[19], 'Z');
    list = jget(r, "data.packages");
    cr_assert(cJSON_IsArray(list) && cJSON_GetArraySize(list) >= 1);
    cJSON_ArrayForEach(item, list) {
        const cJSON *id = cJSON_GetObjectItem(item, "id");
        if (!strcmp(id->valuestring, "5f0c6a52-3f1e-4d8e-9a51-0d6c1f2b7a10")) {
            /* the seed: 25.000 KWD, 30 days */
            cr_assert_float_eq(cJSON_GetObjectItem(item, "price")->valuedouble, 25.0, 1e-9);
            cr_assert_eq(cJSON_GetObjectItem(item, "duration")->valueint, 30);
            found = 1;
        }
        cr_assert_null(cJSON_GetObjectItem(item, "price_fils"));
        cr_assert_null(cJSON_GetObjectItem(item, "duration_days"));
    }
    cr_assert(found, "the seed package is listed");
    resp_free(r);
}

/* GET /api/packages/available on base until its body holds needle, for
 * at most seconds */
static resp_t *packages_showing(const char *base, const char *needle,
                                int seconds)
{
    int i;

    for (i = 0;; i++) {
        resp_t *r = call("GET", base, "/api/packages/available", NULL, NULL,
                         fake_ip());
        if (strstr(r->body, needle) || i >= seconds * 10) {
            return r;
        }
        resp_free(r);
        usleep(100 * 1000);
    }
}

Test(foundation, package_list_has_an_etag_and_answers_304)
{
    const char *headers[3] = { NULL, "X-Forwarded-For: 192.0.2.77", NULL };
    char *url = fmt("%s/api/packages/available", site("main"));
    char *inm, *etag;
    resp_t *r = req("GET", url, NULL, NULL), *again;

    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert(resp_header(r, "ETag"), "an ETag");
    etag = strdup(resp_header(r, "ETag"));
    cr_assert_eq(etag[0], '"', "a strong ETag: %s", etag);
    cr_assert_str_eq(resp_header(r, "Cache-Control"), "no-cache");
    inm = fmt("If-None-Match: %s", etag);
    headers[0] = inm;
    again = req("GET", url, NULL, headers);
    cr_assert_eq(again->status, 304, "%s", again->body);
    cr_assert_eq(again->len, 0, "no body with a 304");
    cr_assert_str_eq(resp_header(again, "ETag"), etag);
    resp_free(again);
    /* another ETag: the whole answer */
    headers[0] = "If-None-Match: \"p-0000000000000000\"";
    again = req("GET", url, NULL, headers);
    cr_assert_eq(again->status, 200);
    assert_envelope(again, 1);
    resp_free(again);
    free(inm);
    free(etag);
    free(url);
    resp_free(r);
}

Test(foundation, price_is_exact_decimal)
{
    resp_t *r;
    const char *p;
    char *out;

    /* an older active package with fils: listed after the newest one */
    out = sql("DELETE FROM packages WHERE id = %s",
              "'0e5d2c1a-0000-4000-8000-000000000123'");
    free(out);
    out = sql("INSERT INTO packages (id, name, description, price, duration_days, "
              "is_active, created_at, updated_at) VALUES "
              "('0e5d2c1a-0000-4000-8000-000000000123', 'Fils test', NULL, "
              "'12.345', 7, 1, '2020-01-01 00:00:00', '2020-01-01 00:00:00')");
    free(out);
    /* the list is kept a moment per process: a change shows within 5 s */
    r = packages_showing(site("main"), "\"name\":\"Fils test\"", 5);
    cr_assert_eq(r->status, 200);
    /* the newest active package is "package", not this 2020 one */
    cr_assert_str_neq(jstr(r, "data.package.id"), "0e5d2c1a-0000-4000-8000-000000000123");
    p = strstr(r->body, "\"name\":\"Fils test\"");
    cr_assert(p, "%s", r->body);
    cr_assert(strstr(p, "\"price\":12.345,"), "price printed exactly: %s", p);
    cr_assert(strstr(p, "\"description\":null"), "%s", p);
    resp_free(r);

    /* currency comes from ClinicCurrency */
    r = call("GET", site("short"), "/api/packages/available", NULL, NULL, fake_ip());
    cr_assert_str_eq(jstr(r, "data.package.currency"), "USD");
    resp_free(r);
    free(sql("DELETE FROM packages WHERE id = %s", "'0e5d2c1a-0000-4000-8000-000000000123'"));
}

Test(foundation, unknown_route_is_404)
{
    resp_t *r = call("GET", site("main"), "/api/nothing/here", NULL, NULL, fake_ip());
    assert_error(r, 404, "NOT_FOUND");
    resp_free(r);
    r = call("GET", site("main"), "/api/", NULL, NULL, fake_ip());
    assert_error(r, 404, "NOT_FOUND");
    resp_free(r);
}

Test(foundation, wrong_method_is_405_with_allow)
{
    resp_t *r = call("DELETE", site("main"), "/api/health", NULL, NULL, fake_ip());
    assert_error(r, 405, "METHOD_NOT_ALLOWED");
    cr_assert(resp_header(r, "Allow"));
    cr_assert(strstr(resp_header(r, "Allow"), "GET"));
    resp_free(r);

    r = call("GET", site("main"), "/api/auth/send-otp", NULL, NULL, fake_ip());
    assert_error(r, 405, "METHOD_NOT_ALLOWED");
    cr_assert(strstr(resp_header(r, "Allow"), "POST"));
    resp_free(r);

    /* profile has GET and PUT */
    r = call("POST", site("main"), "/api/user/profile", "{}", NULL, fake_ip());
    assert_error(r, 405, "METHOD_NOT_ALLOWED");
    cr_assert(strstr(resp_header(r, "Allow"), "GET"));
    cr_assert(strstr(resp_header(r, "Allow"), "PUT"));
    resp_free(r);
}

Test(foundation, plain_options_is_not_an_error)
{
    resp_t *r = call("OPTIONS", site("main"), "/api/auth/send-otp", NULL, NULL, fake_ip());
    cr_assert_eq(r->status, 204, "%s", r->body);
    cr_assert(strstr(resp_header(r, "Allow"), "POST"));
    resp_free(r);
}

Test(foundation, body_too_large_is_413)
{
    size_t n = 17 * 1024;
    char *big = malloc(n + 64);
    resp_t *r;

    memset(big, ' ', n + 64);
    memcpy(big, "{\"phone_number\":\"", 17);
    memset(big + 17, '5', n - 17);
    strcpy(big + n, "\"}");
    r = call("POST", site("main"), "/api/auth/send-otp", big, NULL, fake_ip());
    assert_error(r, 413, "PAYLOAD_TOO_LARGE");
    resp_free(r);

    /* ClinicMaxBody 1024 on the short site */
    big[1500] = '\0';
    strcpy(big + 1498, "\"}");
    r = call("POST", site("short"), "/api/auth/send-otp", big, NULL, fake_ip());
    assert_error(r, 413, "PAYLOAD_TOO_LARGE");
    resp_free(r);
    free(big);
}

Test(foundation, chunked_body_over_limit_is_413)
{
    char url[512];
    const char *headers[] = { "Content-Type: application/json",
                              "Transfer-Encoding: chunked", NULL };
    size_t n = 40 * 1024;
    char *big = malloc(n + 1);
    resp_t *r;

    memset(big, 'a', n);
    big[0] = '"';
    big[n - 1] = '"';
    big[n] = '\0';
    snprintf(url, sizeof(url), "%s/api/auth/send-otp", site("main"));
    r = req("POST", url, big, headers);
    assert_error(r, 413, "PAYLOAD_TOO_LARGE");
    resp_free(r);
    free(big);
}

Test(foundation, non_json_body_is_415)
{
    char url[512];
    const char *headers[] = { "Content-Type: text/plain", NULL };
    resp_t *r;

    snprintf(url, sizeof(url), "%s/api/auth/send-otp", site("main"));
    r = req("POST", url, "phone_number=+96550000000", headers);
    assert_error(r, 415, "UNSUPPORTED_MEDIA_TYPE");
    resp_free(r);
}

Test(foundation, bad_json_is_400)
{
    static const char *bodies[] = {
        "{", "{\"phone_number\": }", "[1,2]", "\"just a string\"", "42",
        "{\"phone_number\": \"\xff\xfe\"}",          /* not UTF-8 */
        "{\"phone_number\": \"\\u0000+96550000000\"}",  /* NUL escape */
        "{\"a\": \"\\ud800\"}",                        /* lone surrogate */
        NULL
    };
    const char **b;

    for (b = bodies; *b; b++) {
        resp_t *r = call("POST", site("main"), "/api/auth/send-otp", *b, NULL,
                         fake_ip());
        assert_error(r, 400, "INVALID_JSON");
        resp_free(r);
    }
}

Test(foundation, sql_looking_input_is_a_validation_error)
{
    resp_t *r = call("POST", site("main"), "/api/auth/send-otp",
                     "{\"phone_number\": \"' OR 1=1; DROP TABLE users; --\"}",
                     NULL, fake_ip());
    assert_error(r, 400, "VALIDATION_ERROR");
    cr_assert(jstr(r, "error.details.phone_number"), "%s", r->body);
    resp_free(r);
    r = call("GET", site("main"), "/api/health", NULL, NULL, fake_ip());
    cr_assert_eq(r->status, 200);
    resp_free(r);
}

Test(foundation, database_down_is_503)
{
    resp_t *r = call("GET", site("dbdown"), "/api/health", NULL, NULL, fake_ip());
    assert_error(r, 503, "SERVICE_UNAVAILABLE");
    resp_free(r);
    r = call("GET", site("dbdown"), "/api/packages/available", NULL, NULL, fake_ip());
    assert_error(r, 503, "SERVICE_UNAVAILABLE");
    resp_free(r);
    r = call("POST", site("dbdown"), "/api/auth/send-otp",
             "{\"phone_number\": \"+96550000000\"}", NULL, fake_ip());
    assert_error(r, 503, "SERVICE_UNAVAILABLE");
    resp_free(r);
}

Test(foundation, empty_database_is_503_and_names_the_schema)
{
    resp_t *r = call("GET", site("noschema"), "/api/health", NULL, NULL, fake_ip());
    char *log;

    assert_error(r, 503, "SERVICE_UNAVAILABLE");
    resp_free(r);
    log = slurp(getenv("CLINIC_ERROR_LOG"));
    cr_assert(log);
    cr_assert(strstr(log, db_is_mysql() ? "schema/mysql.sql" : "schema/sqlite.sql"),
              "the error log names the schema file");
    free(log);
}

Test(foundation, failing_statement_is_500_with_a_reference)
{
    resp_t *r = call("POST", site("readonly"), "/api/auth/send-otp",
                     "{\"phone_number\": \"+96550000000\"}", NULL, fake_ip());
    const char *id = resp_header(r, "X-Request-Id");
    char idcopy[128], *log;

    cr_assert(id);
    snprintf(idcopy, sizeof(idcopy), "%s", id);   /* resp_header reuses its buffer */
    assert_error(r, 500, "INTERNAL_ERROR");
    cr_assert(strstr(jstr(r, "error.message"), idcopy), "%s", r->body);
    cr_assert_null(strstr(r->body, "readonly"), "%s", r->body);
    cr_assert_null(strstr(r->body, "INSERT"), "%s", r->body);
    resp_free(r);
    log = slurp(getenv("CLINIC_ERROR_LOG"));
    cr_assert(strstr(log, idcopy), "the error log has the request id");
    free(log);
}

Test(foundation, httpd_errors_inside_api_are_json)
{
    /* TraceEnable off: httpd itself refuses TRACE */
    resp_t *r = call("TRACE", site("main"), "/api/health", NULL, NULL, fake_ip());
    assert_error(r, 405, "METHOD_NOT_ALLOWED");
    resp_free(r);
    /* a NUL in the path: httpd refuses it before any handler */
    r = call("GET", site("main"), "/api/%00health", NULL, NULL, fake_ip());
    cr_assert(r->status == 400 || r->status == 404, "%ld", r->status);
    assert_envelope(r, 0);
    resp_free(r);
}

Test(foundation, hostile_bodies_never_crash_or_500, .timeout = 120)
{
    static const char *routes[][2] = {
        { "POST", "/api/auth/send-otp" }, { "POST", "/api/auth/verify-otp" },
        { "PUT", "/api/user/profile" }, { "PUT", "/api/user/phone" },
        { "POST", "/api/user/send-phone-change-otp" },
        { "POST", "/api/packages/purchase" },
    };
    char *deep_ok, *deep_bad, *long_name, *ip = fake_ip();
    char *tok = login(site("main"), fake_phone(), ip);
    const char *bodies[32];
    size_t i, j, n = 0;

    deep_ok = calloc(1, 1200);
    deep_bad = calloc(1, 5000);
    strcpy(deep_ok, "{\"a\":");
    for (i = 0; i < 500; i++) strcat(deep_ok, "[");
    for (i = 0; i < 500; i++) strcat(deep_ok, "]");
    strcat(deep_ok, "}");
    strcpy(deep_bad, "{\"a\":");
    for (i = 0; i < 2000; i++) strcat(deep_bad, "[");
    for (i = 0; i < 2000; i++) strcat(deep_bad, "]");
    strcat(deep_bad, "}");
    long_name = calloc(1, 6000);
    strcpy(long_name, "{\"name\":\"");
    memset(long_name + 9, 'A', 5000);
    strcat(long_name, "\",\"national_id\":\"x\",\"phone_number\":\"x\"}");

    bodies[n++] = "{\"phone_number\": {\"nested\": [1, 2, {\"x\": null}]}, \"code\": []}";
    bodies[n++] = "{\"phone_number\": null, \"code\": null, \"name\": {}, \"package_id\": null}";
    bodies[n++] = "{\"phone_number\": true, \"code\": 12345, \"new_phone_number\": 5, \"otp_code\": false}";
    bodies[n++] = "{\"package_id\": 1e999, \"user_info\": \"me\"}";
    bodies[n++] = "{\"purpose\": [\"login\"], \"phone_number\": \"+96551234567\"}";
    bodies[n++] = "{\"name\": \"\\ud83d\\ude00\", \"phone_number\": 7, \"phone_number\": \"+96551234567\"}";
    bodies[n++] = "{\"new_phone_number\": \"'; DELETE FROM users; --\", \"otp_code\": \"1 OR 1=1\"}";
    bodies[n++] = "{\"package_id\": \"' UNION SELECT * FROM users --\", \"user_info\": {\"name\": []}}";
    bodies[n++] = "{\"code\": \"%s%n%x\", \"phone_number\": \"%s%s%s%s\"}";
    bodies[n++] = "\xef\xbb\xbf{\"phone_number\": \"+96541234567\"}";   /* a BOM is skipped; the number is not mobile */
    bodies[n++] = "{\"a\":\"\xc0\xaf\"}";
    bodies[n++] = "{\"a\":\"\xed\xa0\x80\"}";
    bodies[n++] = deep_ok;
    bodies[n++] = deep_bad;
    bodies[n++] = long_name;
    bodies[n++] = "   ";
    bodies[n++] = "null";

    for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        for (j = 0; j < n; j++) {
            resp_t *r = call(routes[i][0], site("main"), routes[i][1], bodies[j], tok, ip);
            /* some are valid for some routes (a surrogate-pair emoji is a
             * fine name); none may crash, hang or answer 5xx */
            cr_assert(r->status >= 200 && r->status < 500,
                      "%s %s with body #%zu: %ld %s", routes[i][0], routes[i][1], j,
                      r->status, r->body);
            assert_envelope(r, r->status < 300);
            resp_free(r);
        }
    }
    /* and the server is still fine */
    {
        resp_t *r = call("GET", site("main"), "/api/health", NULL, NULL, fake_ip());
        cr_assert_eq(r->status, 200);
        resp_free(r);
    }
    free(deep_ok);
    free(deep_bad);
    free(long_name);
    free(tok);
}
