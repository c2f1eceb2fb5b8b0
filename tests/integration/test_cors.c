/*
 * SPDX-License-Identifier: Apache-2.0
 * CORS as the shipped Apache configuration answers it (conf/clinic-cors.conf);
 * the browser test (tests/browser) proves the same with a real browser.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "client.h"

static resp_t *with_origin(const char *method, const char *path,
                           const char *origin, const char *extra)
{
    char url[512], o[256];
    const char *h[4] = { o, extra, NULL, NULL };

    snprintf(url, sizeof(url), "%s%s", site("cors"), path);
    snprintf(o, sizeof(o), "Origin: %s", origin);
    return req(method, url, NULL, h);
}

Test(cors, preflight_from_the_allowed_origin)
{
    resp_t *r = with_origin("OPTIONS", "/api/user/profile", site("page"),
                            "Access-Control-Request-Method: GET");
    const char *v;

    cr_assert_eq(r->status, 204, "%s\n%s", r->headers, r->body);
    cr_assert_str_eq(resp_header(r, "Access-Control-Allow-Origin"), site("page"));
    v = resp_header(r, "Access-Control-Allow-Headers");
    cr_assert(v && strstr(v, "Authorization") && strstr(v, "Content-Type"), "%s", r->headers);
    cr_assert(resp_header(r, "Access-Control-Max-Age"));
    cr_assert(strstr(resp_header(r, "Vary"), "Origin"));
    cr_assert_null(resp_header(r, "Access-Control-Allow-Credentials"));
    cr_assert_eq(r->len, 0);
    resp_free(r);
}

/* API.md offers Idempotency-Key on a purchase: a browser sends it only
 * when the preflight allows it */
Test(cors, preflight_allows_the_idempotency_key)
{
    char url[512], o[256];
    const char *h[] = { o, "Access-Control-Request-Method: POST",
                        "Access-Control-Request-Headers: authorization, "
                        "content-type, idempotency-key", NULL };
    const char *v;
    resp_t *r;

    snprintf(url, sizeof(url), "%s/api/packages/purchase", site("cors"));
    snprintf(o, sizeof(o), "Origin: %s", site("page"));
    r = req("OPTIONS", url, NULL, h);
    cr_assert_eq(r->status, 204, "%s", r->headers);
    v = resp_header(r, "Access-Control-Allow-Headers");
    cr_assert(v && strstr(v, "Idempotency-Key"), "%s", r->headers);
    resp_free(r);
}

Test(cors, answers_and_errors_carry_the_headers)
{
    resp_t *r = with_origin("GET", "/api/version", site("page"), NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(resp_header(r, "Access-Control-Allow-Origin"), site("page"));
    resp_free(r);
    r = with_origin("GET", "/api/user/profile", site("page"), NULL);
    assert_error(r, 401, "UNAUTHORIZED");
    cr_assert_str_eq(resp_header(r, "Access-Control-Allow-Origin"), site("page"));
    resp_free(r);
}

Test(cors, other_origins_get_nothing)
{
    resp_t *r = with_origin("OPTIONS", "/api/user/profile", site("evil"),
                            "Access-Control-Request-Method: GET");
    cr_assert_null(resp_header(r, "Access-Control-Allow-Origin"), "%s", r->headers);
    cr_assert_null(resp_header(r, "Access-Control-Allow-Headers"), "%s", r->headers);
    resp_free(r);
    r = with_origin("GET", "/api/version", "https://clinic.example.evil.test", NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_null(resp_header(r, "Access-Control-Allow-Origin"));
    resp_free(r);
    /* a prefix of the allowed origin is not the allowed origin */
    r = with_origin("GET", "/api/version", fmt("%s.evil.test", site("page")), NULL);
    cr_assert_null(resp_header(r, "Access-Control-Allow-Origin"));
    resp_free(r);
}
