/*
 * SPDX-License-Identifier: Apache-2.0
 * Payments when things go wrong or race: a provider down or hanging,
 * payments left pending past ClinicPaymentTimeout and paid late, twenty
 * parallel purchases with and without one Idempotency-Key, ten parallel
 * notifications of one payment.  Helpers: payclient.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "payclient.h"

static void provider_unreachable(const char *s, double within)
{
    char *tok = buyer(s), *count, *uid;
    resp_t *r = buy(s, tok, NULL);

    assert_error(r, 502, "PAYMENT_PROVIDER_ERROR");
    cr_assert(r->seconds < within, "answered in %.1f s", r->seconds);
    resp_free(r);
    r = call("GET", site(s), "/api/user/profile", NULL, tok, fake_ip());
    uid = strdup(jstr(r, "data.user.id"));
    resp_free(r);
    count = sql("SELECT COUNT(*) FROM user_packages WHERE user_id = '%s' "
                "AND active_user_id IS NOT NULL", uid);
    cr_assert_str_eq(count, "0", "the slot is free");
    free(count);
    /* the same patient can buy where the provider answers */
    free(buy_pending("paymf", tok, &count));
    free(count);
    free(uid);
    free(tok);
}

Test(payments, a_provider_that_is_down_answers_502_and_frees_the_slot)
{
    provider_unreachable("paydown", 5);
}

Test(payments, a_hanging_provider_answers_502_after_its_timeout, .timeout = 30)
{
    provider_unreachable("payhang", 6);      /* ClinicPaymentRequestTimeout 2 */
}

Test(payments, a_payment_left_pending_times_out, .timeout = 30)
{
    char *tok = buyer("paylate"), *ref, *id = buy_pending("paylate", tok, &ref);
    char *ref2, *id2;
    resp_t *r;

    /* the patient walked away from the payment page */
    r = buy("paylate", tok, NULL);
    assert_error(r, 409, "ACTIVE_PACKAGE_EXISTS");
    resp_free(r);
    sleep(3);                                /* ClinicPaymentTimeout 2 */
    assert_status("paylate", tok, id, "failed", 0);
    cr_assert_eq(events("payment_failed", id), 1);
    /* freed: another purchase goes through */
    id2 = buy_pending("paylate", tok, &ref2);
    free(ref2);
    free(id2);
    free(ref);
    free(id);
    free(tok);
}

static double mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* paylate: ClinicPaymentTimeout 2, ClinicBackgroundInterval 1 */
#define PAYLATE_TIMEOUT 2
#define PAYLATE_INTERVAL 1

Test(payments, an_abandoned_payment_fails_with_no_request, .timeout = 60)
{
    char *tok = buyer("paylate"), *ref, *id = buy_pending("paylate", tok, &ref);
    char *state = NULL, *slot;
    double start = mono(), took = 0;
    int i;

    /* the patient walked away and never sends another request: the
     * database alone says what became of the payment */
    for (i = 0; i < 150; i++) {
        free(state);
        state = sql("SELECT payment_status FROM user_packages WHERE id = '%s'",
                    id);
        took = mono() - start;
        if (strcmp(state, "pending")) {
            break;
        }
        usleep(100000);
    }
    printf("an abandoned payment: %s after %.1f s (timeout %d s, "
           "interval %d s)\n", state, took, PAYLATE_TIMEOUT, PAYLATE_INTERVAL);
    cr_assert_str_eq(state, "failed", "still %s after %.1f s", state, took);
    /* the timeout, one interval, and slack for a loaded machine */
    cr_assert(took < PAYLATE_TIMEOUT + PAYLATE_INTERVAL + 3,
              "failed only after %.1f s", took);
    slot = sql("SELECT COUNT(*) FROM user_packages WHERE id = '%s' "
               "AND active_user_id IS NOT NULL", id);
    cr_assert_str_eq(slot, "0", "the slot is free");
    cr_assert_eq(events("payment_failed", id), 1);
    free(slot);
    free(state);
    free(ref);
    free(id);
    free(tok);
}

Test(payments, paid_after_the_timeout, .timeout = 30)
{
    char *tok = buyer("paylate"), *ref, *id = buy_pending("paylate", tok, &ref);
    char *ref2, *id2, *active;
    resp_t *s, *r;

    /* paid late with the slot still free: the patient gets the package */
    sleep(3);
    assert_status("paylate", tok, id, "failed", 0);
    s = settle("mf", ref, "paid", NULL);
    r = come_back(s);
    assert_back(r, id, "completed");
    resp_free(r);
    resp_free(s);
    free(ref);
    free(id);
    free(tok);

    /* paid late after the slot was taken by a new purchase: logged for a
     * refund, never a second active subscription */
    tok = buyer("paylate");
    id = buy_pending("paylate", tok, &ref);
    sleep(3);
    id2 = buy_pending("paylate", tok, &ref2);
    s = settle("mf", ref2, "paid", NULL);
    r = come_back(s);
    assert_back(r, id2, "completed");
    resp_free(r);
    resp_free(s);
    s = settle("mf", ref, "paid", NULL);
    r = deliver("paylate", s, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.paymentStatus"), "failed");
    resp_free(r);
    cr_assert(events("payment_late_success", id) >= 1);
    active = sql("SELECT COUNT(*) FROM user_packages WHERE payment_status = "
                 "'completed' AND user_id = (SELECT user_id FROM "
                 "user_packages WHERE id = '%s')", id);
    cr_assert_str_eq(active, "1");
    free(active);
    resp_free(s);
    free(ref);
    free(ref2);
    free(id);
    free(id2);
    free(tok);
}

typedef struct {
    const char *tok;
    const char *key;
    long status[20];
    char ids[20][40];
    char urls[20][200];
} par_t;

static void buy_one(void *arg, int i)
{
    par_t *p = arg;
    resp_t *r = buy("paymf", p->tok, p->key);
    const char *id = jstr(r, "data.subscription.id");
    const char *url = jstr(r, "data.payment.url");

    p->status[i] = r->status;
    snprintf(p->ids[i], sizeof(p->ids[i]), "%s", id ? id : "");
    snprintf(p->urls[i], sizeof(p->urls[i]), "%s", url ? url : "");
    resp_free(r);
}


Test(payments, twenty_parallel_purchases_with_one_key, .timeout = 90)
{
    par_t p = { 0 };
    int i;

    p.tok = buyer("paymf");
    p.key = "pay-once-7c1e";
    parallel(20, buy_one, &p);
    for (i = 0; i < 20; i++) {
        cr_assert_eq(p.status[i], 201, "retry %d: %ld", i, p.status[i]);
        cr_assert_str_eq(p.ids[i], p.ids[0], "retry %d made another", i);
        cr_assert_str_eq(p.urls[i], p.urls[0], "retry %d paid elsewhere", i);
    }
    cr_assert_eq(provider_payments(p.ids[0]), 1, "one payment at the provider");
    free((char *)p.tok);
}

Test(payments, twenty_parallel_purchases_without_a_key, .timeout = 90)
{
    par_t p = { 0 };
    int i, ok = 0, conflict = 0, first = -1;

    p.tok = buyer("paymf");
    parallel(20, buy_one, &p);
    for (i = 0; i < 20; i++) {
        if (p.status[i] == 201) {
            ok++;
            first = i;
        }
        conflict += p.status[i] == 409;
    }
    cr_assert_eq(ok, 1, "%d created, %d conflicts", ok, conflict);
    cr_assert_eq(conflict, 19);
    cr_assert_eq(provider_payments(p.ids[first]), 1);
    free((char *)p.tok);
}

typedef struct {
    const resp_t *settled;
    long status[10];
} hooks_t;

static void hook_one(void *arg, int i)
{
    hooks_t *h = arg;
    resp_t *r = deliver("paymf", h->settled, NULL);

    h->status[i] = r->status;
    resp_free(r);
}

Test(payments, ten_parallel_notifications_complete_once, .timeout = 60)
{
    char *tok = buyer("paymf"), *ref, *id = buy_pending("paymf", tok, &ref);
    hooks_t h = { 0 };
    int i;

    h.settled = settle("mf", ref, "paid", NULL);
    parallel(10, hook_one, &h);
    for (i = 0; i < 10; i++) {
        cr_assert_eq(h.status[i], 200, "notification %d: %ld", i, h.status[i]);
    }
    assert_status("paymf", tok, id, "completed", 1);
    cr_assert_eq(events("payment_completed", id), 1, "completed once");
    resp_free((resp_t *)h.settled);
    free(ref);
    free(id);
    free(tok);
}
