/*
 * SPDX-License-Identifier: Apache-2.0
 * Restarts patients don't feel: a graceful restart (logrotate makes one a
 * day) keeps the general limits' counts.  It restarts the whole httpd, so
 * it runs in the harness's pass of its own (CLINIC_ALONE=1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "client.h"

static void alone(void)
{
    const char *vg = getenv("CLINIC_VALGRIND");

    if (!getenv("CLINIC_ALONE")) {
        cr_skip_test("runs in the harness's pass of its own");
    }
    if (vg && !strcmp(vg, "1")) {
        cr_skip_test("httpd -X (make valgrind) has no children to restart");
    }
}

static int remaining(const resp_t *r)
{
    const char *v = resp_header(r, "RateLimit-Remaining");

    cr_assert(v, "no RateLimit-Remaining: %s", r->headers);
    return atoi(v);
}

/* the nth request from ip was served by a child of the new generation:
 * one that was not among the children before the restart */
static void served_after(const char *ip, int nth, const int *old, int n_old)
{
    int pid;

    cr_assert(served_by(ip, nth, &pid), "no access log line %d for %s", nth,
              ip);
    cr_assert(!in_generation(pid, old, n_old),
              "child %d, of the generation before the restart, served %s",
              pid, ip);
}

/* The limits site keeps the defaults: user 100 and anon 20 a minute. */
Test(alone, general_limits_survive_a_graceful_restart, .timeout = 120)
{
    const char *base = site("limits");
    char *phone = fake_phone(), *ip = fake_ip(), *anon = fake_ip(), *tok;
    int old[64], n_old, i;
    resp_t *r;

    alone();
    tok = login(base, phone, ip);
    /* the counting, the restart and the checks in one window */
    window_room(30);
    for (i = 0; i < 100; i++) {
        char *other = fake_ip();
        r = call("GET", base, "/api/version", NULL, tok, other);
        cr_assert_eq(r->status, 200, "user request %d: %s", i, r->body);
        resp_free(r);
        free(other);
    }
    for (i = 0; i < 20; i++) {
        r = call("GET", base, "/api/version", NULL, NULL, anon);
        cr_assert_eq(r->status, 200, "anonymous request %d: %s", i, r->body);
        resp_free(r);
    }
    r = call("GET", base, "/api/version", NULL, NULL, anon);
    assert_error(r, 429, "RATE_LIMITED");
    resp_free(r);

    n_old = graceful_restart(old, 64);

    /* the user: still at 0 remaining */
    r = call("GET", base, "/api/user/profile", NULL, tok, ip);
    assert_error(r, 429, "RATE_LIMITED");
    cr_assert_eq(remaining(r), 0);
    cr_assert(resp_header(r, "Retry-After"), "429 without Retry-After");
    resp_free(r);
    served_after(ip, 3, old, n_old);    /* after send-otp, verify-otp */
    /* the anonymous client too */
    r = call("GET", base, "/api/version", NULL, NULL, anon);
    assert_error(r, 429, "RATE_LIMITED");
    cr_assert_eq(remaining(r), 0);
    resp_free(r);
    served_after(anon, 22, old, n_old);
    /* and a client it never saw starts with its whole allowance */
    free(ip);
    ip = fake_ip();
    r = call("GET", base, "/api/version", NULL, NULL, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(remaining(r), 19);
    resp_free(r);
    free(tok);
    free(phone);
    free(ip);
    free(anon);
}
