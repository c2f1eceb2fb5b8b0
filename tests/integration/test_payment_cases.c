/*
 * SPDX-License-Identifier: Apache-2.0
 * Payments, the provider's harder cases (API.md, Payments): returns that
 * this clinic did not sign never reach the provider, and returns have
 * places of their own; a MyFatoorah DuplicatePayment completes the
 * subscription and asks for a refund of the extra payment; MyFatoorah's
 * notifications that are not about a payment (refunds, deposits, V1 and
 * V2) are received and change nothing.  Helpers: payclient.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "payclient.h"

/* a return URL like the settle's, with its query replaced */
static char *back_with(const char *s, const char *query)
{
    return fmt("%s/api/payments/return?%s", site(s), query);
}

static void assert_refused_at_home(const char *url)
{
    resp_t *r = req("GET", url, NULL, NULL);

    assert_error(r, 404, "PAYMENT_NOT_FOUND");
    resp_free(r);
}

Test(payments, a_myfatoorah_return_not_signed_here_never_reaches_the_provider)
{
    char *tok = buyer("paymf"), *ref, *id = buy_pending("paymf", tok, &ref);
    resp_t *s = settle("mf", ref, "paid", NULL), *r;
    char *pid = query_arg(jstr(s, "return"), "paymentId");
    char *sig = query_arg(jstr(s, "return"), "sig");
    char *url;

    /* the provider's real payment id, with no signature; any payment id
     * at all */
    url = back_with("paymf", fmt("paymentId=%s&Id=%s", pid, pid));
    assert_refused_at_home(url);
    free(url);
    url = back_with("paymf", "paymentId=070799999999");
    assert_refused_at_home(url);
    free(url);
    /* a forged signature, or the signature of another subscription */
    cr_assert(sig, "%s", jstr(s, "return"));
    cr_assert_eq(strlen(sig), 43, "%s", sig);
    url = back_with("paymf", fmt("subscription=%s&sig=%.42s%c&paymentId=%s",
                                 id, sig, sig[42] == 'A' ? 'B' : 'A', pid));
    assert_refused_at_home(url);
    free(url);
    url = back_with("paymf", fmt("subscription=6d1f0c9e-1111-4a2b-8c3d-"
                                 "000000000000&sig=%s&paymentId=%s", sig,
                                 pid));
    assert_refused_at_home(url);
    free(url);
    cr_assert_eq(asked("mf", pid), 0, "a forged return was asked about");
    cr_assert_eq(asked("mf", "070799999999"), 0);
    assert_status("paymf", tok, id, "pending", 0);

    /* the return as the provider makes it: asked once, completed */
    r = come_back(s);
    assert_back(r, id, "completed");
    resp_free(r);
    cr_assert_eq(asked("mf", pid), 1);
    /* a completed subscription's return is answered at home */
    r = come_back(s);
    assert_back(r, id, "completed");
    resp_free(r);
    cr_assert_eq(asked("mf", pid), 1);
    resp_free(s);
    free(pid);
    free(sig);
    free(ref);
    free(id);
    free(tok);
}

Test(payments, a_tap_return_not_signed_here_never_reaches_the_provider)
{
    char *tok = buyer("paytap"), *ref, *id = buy_pending("paytap", tok, &ref);
    char *tok2 = buyer("paytap"), *ref2, *id2 = buy_pending("paytap", tok2,
                                                            &ref2);
    resp_t *s = settle("tap", ref, "paid", NULL);
    resp_t *s2 = settle("tap", ref2, "paid", NULL), *r;
    char *sig2 = query_arg(jstr(s2, "return"), "sig"), *url;

    /* Tap's own charge id of a payment of ours, without the signature */
    url = back_with("paytap", fmt("tap_id=%s", ref));
    assert_refused_at_home(url);
    free(url);
    /* another patient's signed return, with this charge */
    url = back_with("paytap", fmt("subscription=%s&sig=%s&tap_id=%s", id2,
                                  sig2, ref));
    assert_refused_at_home(url);
    free(url);
    cr_assert_eq(asked("tap", ref), 0, "a forged return was asked about");
    assert_status("paytap", tok, id, "pending", 0);

    r = come_back(s);
    assert_back(r, id, "completed");
    resp_free(r);
    cr_assert_eq(asked("tap", ref), 1);
    r = come_back(s2);
    assert_back(r, id2, "completed");
    resp_free(r);
    resp_free(s);
    resp_free(s2);
    free(sig2);
    free(ref);
    free(ref2);
    free(id);
    free(id2);
    free(tok);
    free(tok2);
}

typedef struct {
    const char *url;
    long status[12];
    char where[12][200];
} returns_t;

static void return_one(void *arg, int i)
{
    returns_t *x = arg;
    resp_t *r = req("GET", x->url, NULL, NULL);
    const char *to = resp_header(r, "Location");

    x->status[i] = r->status;
    snprintf(x->where[i], sizeof(x->where[i]), "%s", to ? to : "");
    resp_free(r);
}

/* A flood of good returns while the provider hangs: payhang shares the
 * database and the token key, its provider never answers (calls time out
 * in 2 s) and ClinicPaymentMaxConcurrent is 2 there, so one return per
 * process may wait on the provider; httpd runs at most 4 processes
 * (ServerLimit).  The others are answered pending at once, and a
 * purchase still finds a place. */
Test(payments, returns_have_places_of_their_own, .timeout = 60)
{
    char *tok = buyer("paymf"), *ref, *id = buy_pending("paymf", tok, &ref);
    resp_t *s = settle("mf", ref, "paid", NULL), *r;
    char *pid = query_arg(jstr(s, "return"), "paymentId");
    char *query = strchr(jstr(s, "return"), '?');
    char *want = fmt(BACK "%s&status=pending", id);
    char *url = fmt("%s/api/payments/return%s", site("payhang"), query);
    returns_t x = { 0 };
    char *tok2;
    jobs_t *flood;
    int i, n;

    x.url = url;
    flood = spawn(12, return_one, &x);
    /* meanwhile a purchase is not refused for want of a place: it gets
     * as far as the hanging provider (502 after its 2 s) */
    tok2 = buyer("payhang");
    r = buy("payhang", tok2, NULL);
    assert_error(r, 502, "PAYMENT_PROVIDER_ERROR");
    resp_free(r);
    join(flood);
    for (i = 0; i < 12; i++) {
        cr_assert_eq(x.status[i], 303, "return %d: %ld", i, x.status[i]);
        cr_assert_str_eq(x.where[i], want);
    }
    n = asked("mfhang", pid);
    cr_assert(n >= 1 && n <= 4, "%d of 12 returns reached the provider", n);
    assert_status("paymf", tok, id, "pending", 0);
    resp_free(s);
    free(tok2);
    free(url);
    free(want);
    free(pid);
    free(ref);
    free(id);
    free(tok);
}

/* the patient paid twice on the same invoice: DuplicatePayment */
static void duplicate(int version, int by_return)
{
    char *tok = buyer("paymf"), *ref, *id = buy_pending("paymf", tok, &ref);
    char *extra = fmt(",\"version\":%d", version);
    resp_t *s1 = settle("mf", ref, "paid", extra);
    resp_t *s2 = settle("mf", ref, "paid", extra), *r;
    char *pid1 = query_arg(jstr(s1, "return"), "paymentId");
    char *pid2 = query_arg(jstr(s2, "return"), "paymentId");
    char *line, *with = fmt("\"refundPaymentIds\":\"%s\"", pid2);

    if (by_return) {
        r = come_back(s2);
        assert_back(r, id, "completed");
    }
    else {
        r = deliver("paymf", s2, NULL);
        cr_assert_eq(r->status, 200, "%s", r->body);
        cr_assert_str_eq(jstr(r, "data.paymentStatus"), "completed");
    }
    resp_free(r);
    assert_status("paymf", tok, id, "completed", 1);
    cr_assert_eq(events("payment_completed", id), 1);
    /* the second payment is the one to refund, with its amount */
    line = event_line("payment_duplicate", id, with);
    cr_assert(line, "no payment_duplicate naming %s", pid2);
    cr_assert(strstr(line, "\"refundAmount\":\"25.000\""), "%s", line);
    cr_assert(strstr(line, "\"currency\":\"KWD\""), "%s", line);
    cr_assert_null(strstr(line, pid1), "%s", line);
    cr_assert_null(strstr(line, "\"phone\""), "%s", line);
    free(line);
    resp_free(s1);
    resp_free(s2);
    free(with);
    free(pid1);
    free(pid2);
    free(extra);
    free(ref);
    free(id);
    free(tok);
}

Test(payments, a_duplicate_payment_completes_on_the_return)
{
    duplicate(1, 1);
}

Test(payments, a_duplicate_payment_completes_on_a_v1_notification)
{
    duplicate(1, 0);
}

Test(payments, a_duplicate_payment_completes_on_a_v2_notification)
{
    duplicate(2, 0);
}

/* refunds and deposits, V1 and V2, signed as MyFatoorah signs each */
Test(payments, myfatoorah_events_that_are_not_payments_change_nothing)
{
    char *tok = buyer("paymf"), *ref, *id = buy_pending("paymf", tok, &ref);
    resp_t *s = settle("mf", ref, "paid", NULL), *r, *e;
    /* a V1 refund signs without its GatewayReference, also when null */
    const char *kinds[][3] = { { "1", "refund", "" },
                               { "1", "refund", ",\"gateway\":false" },
                               { "2", "refund", "" }, { "1", "deposit", "" },
                               { "2", "deposit", "" } };
    size_t i;

    r = come_back(s);
    assert_back(r, id, "completed");
    resp_free(r);
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        e = control(fmt("{\"action\":\"event\",\"provider\":\"mf\","
                        "\"version\":%s,\"type\":\"%s\",\"ref\":\"%s\"%s}",
                        kinds[i][0], kinds[i][1], ref, kinds[i][2]));
        cr_assert_eq(e->status, 200, "%s", e->body);
        r = deliver("paymf", e, NULL);
        cr_assert_eq(r->status, 200, "V%s %s%s: %s", kinds[i][0],
                     kinds[i][1], kinds[i][2], r->body);
        assert_envelope(r, 1);
        cr_assert(cJSON_IsTrue(jget(r, "data.received")), "%s", r->body);
        cr_assert_null(jget(r, "data.subscription"), "%s", r->body);
        resp_free(r);
        /* the same event, signed with another secret */
        r = deliver("paymf", e, "bm90IHRoZSBzaWduYXR1cmUgb2YgdGhpcyBldmVudA==");
        assert_error(r, 401, "INVALID_SIGNATURE");
        resp_free(r);
        resp_free(e);
    }
    assert_status("paymf", tok, id, "completed", 1);
    cr_assert_eq(events("payment_completed", id), 1);
    cr_assert_eq(events("payment_failed", id), 0);
    resp_free(s);
    free(ref);
    free(id);
    free(tok);
}
