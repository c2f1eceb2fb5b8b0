/*
 * SPDX-License-Identifier: Apache-2.0
 * test_scale.c: the invariants across two Apache hosts on a Galera
 * cluster (tests/scale/run.sh starts it all).
 *
 * CLINIC_A and CLINIC_B are the two hosts, each on its own Galera node;
 * CLINIC_FRONT the load balancer in front of both.  CLINIC_SCALE_VIA
 * "direct" sends request i of a race to host A when i is even and host B
 * when odd; "front" sends every request through the balancer.  A Galera
 * certification conflict must be retried or answered as the race's loser:
 * every race below accepts only the winner's and the loser's statuses, so
 * a 500 or a 503 fails it as surely as a broken count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "client.h"

#define SEED_PACKAGE "5f0c6a52-3f1e-4d8e-9a51-0d6c1f2b7a10"
/* a purchase needs a name and a national ID first */
#define PROFILE "{\"name\":\"Test Patient\",\"national_id\":\"290010112345\"}"

static int via_front(void)
{
    const char *v = getenv("CLINIC_SCALE_VIA");
    return v && !strcmp(v, "front");
}

/* the host for request i of a race */
static const char *host(int i)
{
    if (via_front()) {
        return site("front");
    }
    return i % 2 ? site("b") : site("a");
}

typedef struct {
    const char *phone, *code, *ip, *tok;
    long status[40];
    char err[40][32];
} race_t;

static void record(race_t *t, int i, resp_t *r)
{
    t->status[i] = r->status;
    snprintf(t->err[i], sizeof(t->err[i]), "%s",
             jstr(r, "error.code") ? jstr(r, "error.code") : "");
    resp_free(r);
}

/* every status of the race is one of the allowed ones */
static void only(const race_t *t, int n, const long *allowed, int nallowed)
{
    int i, j, ok;

    for (i = 0; i < n; i++) {
        for (ok = 0, j = 0; j < nallowed; j++) {
            ok |= t->status[i] == allowed[j];
        }
        cr_assert(ok, "request %d answered %ld %s", i, t->status[i], t->err[i]);
    }
}

static int count(const race_t *t, int n, long status)
{
    int i, c = 0;

    for (i = 0; i < n; i++) {
        c += t->status[i] == status;
    }
    return c;
}

/* ---- the invariants ---------------------------------------------------- */

TestSuite(scale, .timeout = 120);

static void race_send(void *arg, int i)
{
    race_t *t = arg;
    record(t, i, send_otp(host(i), t->phone, fake_ip()));
}

Test(scale, ten_sends_to_one_phone_three_succeed)
{
    race_t t = { 0 };

    t.phone = fake_phone();
    parallel(10, race_send, &t);
    only(&t, 10, (long[]){ 200, 429 }, 2);
    cr_assert_eq(count(&t, 10, 200), 3, "%d sent", count(&t, 10, 200));
    cr_assert_eq(sms_count(t.phone), 3);
}

static void race_verify(void *arg, int i)
{
    race_t *t = arg;
    record(t, i, verify_otp(host(i), t->phone, t->code, fake_ip()));
}

Test(scale, thirty_wrong_codes_count_at_most_three)
{
    race_t t = { 0 };
    char *code, *wrong, *attempts;
    int i, invalid = 0;

    t.phone = fake_phone();
    resp_free(send_otp(host(0), t.phone, fake_ip()));
    code = sms_code(t.phone);
    wrong = strdup(code);
    wrong[4] = (char)(wrong[4] == '9' ? '0' : wrong[4] + 1);
    t.code = wrong;
    parallel(30, race_verify, &t);
    only(&t, 30, (long[]){ 400 }, 1);
    for (i = 0; i < 30; i++) {
        invalid += !strcmp(t.err[i], "INVALID_OTP");
    }
    cr_assert_leq(invalid, 3, "%d attempts counted", invalid);
    attempts = sql("SELECT attempts FROM otp_codes WHERE phone_number = '%s' "
                   "AND status = 'active'", t.phone);
    cr_assert_str_eq(attempts, "3");
    free(attempts);
    free(wrong);
    free(code);
}

Test(scale, ten_right_codes_one_login)
{
    race_t t = { 0 };
    char *code;

    t.phone = fake_phone();
    resp_free(send_otp(host(1), t.phone, fake_ip()));
    code = sms_code(t.phone);
    t.code = code;
    parallel(10, race_verify, &t);
    only(&t, 10, (long[]){ 200, 400 }, 2);
    cr_assert_eq(count(&t, 10, 200), 1, "%d logins", count(&t, 10, 200));
    free(code);
}

static void race_buy(void *arg, int i)
{
    race_t *t = arg;
    record(t, i, call("POST", host(i), "/api/packages/purchase",
                      "{\"package_id\":\"" SEED_PACKAGE "\"}", t->tok, t->ip));
}

Test(scale, twenty_purchases_by_one_user_one_succeeds)
{
    race_t t = { 0 };
    char *ip = fake_ip(), *phone = fake_phone(), *tok, *n;
    resp_t *r;

    tok = login(host(0), phone, ip);
    r = call("PUT", host(1), "/api/user/profile", PROFILE, tok, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
    t.tok = tok;
    t.ip = ip;
    parallel(20, race_buy, &t);
    only(&t, 20, (long[]){ 201, 409 }, 2);
    cr_assert_eq(count(&t, 20, 201), 1, "%d purchases", count(&t, 20, 201));
    n = sql("SELECT COUNT(*) FROM user_packages up JOIN users u ON u.id = up.user_id "
            "WHERE u.phone_number = '%s'", phone);
    cr_assert_str_eq(n, "1");
    free(n);
    free(tok);
}

typedef struct {
    char *tok[2], *body[2];
    race_t t;
} swap_t;

static void race_put_phone(void *arg, int i)
{
    swap_t *s = arg;
    record(&s->t, i, call("PUT", host(i), "/api/user/phone", s->body[i],
                          s->tok[i], fake_ip()));
}

Test(scale, two_users_changing_to_one_number_one_succeeds)
{
    char *target = fake_phone(), *holders;
    swap_t s = { 0 };
    int i, tries;

    for (i = 0; i < 2; i++) {
        char *ip = fake_ip(), *code, *body;
        resp_t *r;

        s.tok[i] = login(host(i), fake_phone(), ip);
        body = fmt("{\"new_phone_number\":\"%s\"}", target);
        r = call("POST", host(i), "/api/user/send-phone-change-otp", body,
                 s.tok[i], ip);
        cr_assert_eq(r->status, 200, "%s", r->body);
        resp_free(r);
        free(body);
        for (tries = 0; sms_count(target) < i + 1; tries++) {
            cr_assert_lt(tries, 100, "no code reached the gateway in 5 s");
            usleep(50000);
        }
        code = sms_code(target);
        s.body[i] = fmt("{\"new_phone_number\":\"%s\",\"otp_code\":\"%s\"}",
                        target, code);
        free(code);
    }
    parallel(2, race_put_phone, &s);
    only(&s.t, 2, (long[]){ 200, 409 }, 2);
    cr_assert_eq(count(&s.t, 2, 200), 1, "%ld, %ld", s.t.status[0], s.t.status[1]);
    holders = sql("SELECT COUNT(*) FROM users WHERE phone_number = '%s'", target);
    cr_assert_str_eq(holders, "1");
    free(holders);
    for (i = 0; i < 2; i++) {
        free(s.tok[i]);
        free(s.body[i]);
    }
}

static void race_send_from_ip(void *arg, int i)
{
    race_t *t = arg;
    char *phone = fake_phone();
    record(t, i, send_otp(host(i), phone, t->ip));
    free(phone);
}

/* the per-address limit is 10 sends an hour: of 12 at once, 10 pass */
Test(scale, twelve_sends_from_one_address_ten_pass)
{
    race_t t = { 0 };
    char *ip = fake_ip();
    resp_t *r;

    t.ip = ip;
    parallel(12, race_send_from_ip, &t);
    only(&t, 12, (long[]){ 200, 429 }, 2);
    cr_assert_eq(count(&t, 12, 200), 10, "%d passed", count(&t, 12, 200));
    /* one at a time afterwards, on both hosts: still refused */
    r = send_otp(host(0), "+96551000000", ip);
    assert_error(r, 429, "RATE_LIMITED");
    resp_free(r);
    r = send_otp(host(1), "+96551000001", ip);
    assert_error(r, 429, "RATE_LIMITED");
    resp_free(r);
}

/* a token made on one node works at once on the other host's node: the
 * hosts read with wsrep_sync_wait (DBDInitSQL), so a read waits for the
 * writes the cluster has already committed */
Test(scale, a_login_on_one_host_is_seen_at_once_on_the_other)
{
    int i;

    if (via_front()) {
        cr_skip_test("direct hosts only");
    }
    for (i = 0; i < 20; i++) {
        char *ip = fake_ip(), *phone = fake_phone();
        char *tok = login(site("a"), phone, ip);
        resp_t *r = call("GET", site("b"), "/api/user/profile", NULL, tok, ip);

        cr_assert_eq(r->status, 200, "login %d: %s", i, r->body);
        resp_free(r);
        free(tok);
        free(phone);
        free(ip);
    }
}
