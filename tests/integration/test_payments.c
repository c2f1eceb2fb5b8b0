/*
 * SPDX-License-Identifier: Apache-2.0
 * Payments through MyFatoorah and Tap (API.md, Payments): paid, declined,
 * notifications first and repeated, forged ones, wrong amounts, payments
 * that are not ours.  Helpers and the fake providers: payclient.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "payclient.h"

Test(payments, myfatoorah_paid_through_the_return)
{
    char *tok = buyer("paymf"), *ref, *id = buy_pending("paymf", tok, &ref);
    resp_t *s, *r;
    char *amount;

    /* what was asked of the provider: the price from the database */
    r = control(fmt("{\"action\":\"last\",\"provider\":\"mf\","
                    "\"reference\":\"%s\"}", id));
    cr_assert_eq(jnum(r, "InvoiceValue"), 25, "%s", r->body);
    cr_assert_str_eq(jstr(r, "CustomerReference"), id);
    cr_assert_str_eq(jstr(r, "DisplayCurrencyIso"), "KWD");
    cr_assert_str_eq(jstr(r, "CustomerName"), "Test Patient");
    cr_assert(strstr(jstr(r, "CallBackUrl"), "/api/payments/return"));
    resp_free(r);
    amount = sql("SELECT amount FROM user_packages WHERE id = '%s'", id);
    cr_assert(!strncmp(amount, "25", 2), "%s", amount);
    free(amount);

    /* still pending: the slot is held */
    r = buy("paymf", tok, NULL);
    assert_error(r, 409, "ACTIVE_PACKAGE_EXISTS");
    resp_free(r);

    s = settle("mf", ref, "paid", NULL);
    r = come_back(s);
    assert_back(r, id, "completed");
    resp_free(r);
    assert_status("paymf", tok, id, "completed", 1);
    r = call("GET", site("paymf"), "/api/user/profile", NULL, tok, fake_ip());
    cr_assert_str_eq(jstr(r, "data.user.activePackage.id"), id, "%s", r->body);
    cr_assert_eq(jnum(r, "data.user.activePackage.remainingDays"), 30);
    resp_free(r);
    cr_assert_eq(events("payment_created", id), 1);
    cr_assert_eq(events("payment_completed", id), 1);

    /* the browser comes back twice: nothing changes */
    r = come_back(s);
    assert_back(r, id, "completed");
    resp_free(r);
    cr_assert_eq(events("payment_completed", id), 1);
    resp_free(s);
    free(ref);
    free(id);
    free(tok);
}

Test(payments, myfatoorah_declined_frees_the_slot)
{
    char *tok = buyer("paymf"), *ref, *id = buy_pending("paymf", tok, &ref);
    char *ref2, *id2;
    resp_t *s = settle("mf", ref, "declined", NULL), *r = come_back(s);

    assert_back(r, id, "failed");
    resp_free(r);
    assert_status("paymf", tok, id, "failed", 0);
    cr_assert_eq(events("payment_failed", id), 1);
    /* the slot is free: a new purchase starts a new payment */
    id2 = buy_pending("paymf", tok, &ref2);
    cr_assert_str_neq(id2, id);
    cr_assert_str_neq(ref2, ref);
    resp_free(s);
    free(ref);
    free(ref2);
    free(id);
    free(id2);
    free(tok);
}

static void webhook_first(int version)
{
    char *tok = buyer("paymf"), *ref, *id = buy_pending("paymf", tok, &ref);
    char *extra = fmt(",\"version\":%d", version);
    resp_t *s = settle("mf", ref, "paid", extra), *r;
    int i;

    /* the notification comes before the browser, then twice more */
    for (i = 0; i < 3; i++) {
        r = deliver("paymf", s, NULL);
        cr_assert_eq(r->status, 200, "%s", r->body);
        assert_envelope(r, 1);
        cr_assert_str_eq(jstr(r, "data.paymentStatus"), "completed");
        resp_free(r);
    }
    r = come_back(s);
    assert_back(r, id, "completed");
    resp_free(r);
    assert_status("paymf", tok, id, "completed", 1);
    cr_assert_eq(events("payment_completed", id), 1, "completed once");
    resp_free(s);
    free(extra);
    free(ref);
    free(id);
    free(tok);
}

Test(payments, myfatoorah_webhook_v1_before_the_return_and_repeated)
{
    webhook_first(1);
}

Test(payments, myfatoorah_webhook_v2_before_the_return_and_repeated)
{
    webhook_first(2);
}

Test(payments, a_forged_notification_changes_nothing)
{
    char *tok = buyer("paymf"), *ref, *id = buy_pending("paymf", tok, &ref);
    resp_t *s = settle("mf", ref, "paid", NULL), *r;
    char *url = fmt("%s/api/payments/webhook", site("paymf"));
    const char *plain[] = { "Content-Type: application/json", NULL };
    char *body;

    r = deliver("paymf", s, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    assert_error(r, 401, "INVALID_SIGNATURE");
    resp_free(r);
    r = req("POST", url, jstr(s, "webhook.body"), plain);  /* unsigned */
    assert_error(r, 401, "INVALID_SIGNATURE");
    resp_free(r);
    /* a signed body changed after signing */
    body = strdup(jstr(s, "webhook.body"));
    memcpy(strstr(body, "SUCCESS"), "FAILED!", 7);
    cJSON_SetValuestring(jget(s, "webhook.body"), body);
    r = deliver("paymf", s, NULL);
    assert_error(r, 401, "INVALID_SIGNATURE");
    resp_free(r);
    assert_status("paymf", tok, id, "pending", 0);
    cr_assert_eq(events("payment_completed", id), 0);
    {
        char *log = slurp(getenv("CLINIC_SECURITY_LOG"));
        cr_assert(strstr(log, "\"event\":\"payment_signature_invalid\""));
        free(log);
    }
    free(body);
    free(url);
    resp_free(s);
    free(ref);
    free(id);
    free(tok);
}

Test(payments, another_amount_or_currency_is_never_completed)
{
    char *tok = buyer("paymf"), *ref, *id = buy_pending("paymf", tok, &ref);
    resp_t *s = settle("mf", ref, "paid", ",\"amount\":\"1.000\""), *r;

    r = come_back(s);
    assert_back(r, id, "failed");
    resp_free(r);
    r = deliver("paymf", s, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.paymentStatus"), "failed");
    resp_free(r);
    assert_status("paymf", tok, id, "failed", 0);
    cr_assert(events("payment_amount_mismatch", id) >= 1);
    cr_assert_eq(events("payment_completed", id), 0);
    resp_free(s);
    free(ref);
    free(id);
    free(tok);

    /* the right amount in another currency (Tap names ISO codes) */
    tok = buyer("paytap");
    id = buy_pending("paytap", tok, &ref);
    s = settle("tap", ref, "paid", ",\"currency\":\"USD\"");
    r = come_back(s);
    assert_back(r, id, "failed");
    resp_free(r);
    cr_assert(events("payment_amount_mismatch", id) >= 1);
    resp_free(s);
    free(ref);
    free(id);
    free(tok);
}

Test(payments, tap_paid_by_notification_declined_by_return)
{
    char *tok = buyer("paytap"), *ref, *id = buy_pending("paytap", tok, &ref);
    resp_t *s, *r;

    cr_assert(!strncmp(ref, "chg_", 4), "%s", ref);
    r = control(fmt("{\"action\":\"last\",\"provider\":\"tap\","
                    "\"reference\":\"%s\"}", id));
    cr_assert_eq(jnum(r, "amount"), 25, "%s", r->body);
    cr_assert_str_eq(jstr(r, "currency"), "KWD");
    cr_assert_str_eq(jstr(r, "reference.transaction"), id);
    cr_assert_str_eq(jstr(r, "source.id"), "src_all");
    resp_free(r);

    s = settle("tap", ref, "paid", NULL);
    r = deliver("paytap", s, "0000000000000000000000000000000000000000000000000000000000000000");
    assert_error(r, 401, "INVALID_SIGNATURE");
    resp_free(r);
    {
        /* the provider's own names: two spellings that the API's own
         * bodies would take for one field are two fields here */
        char *body = fmt("{\"meta_data\":1,\"metaData\":2,%s",
                         jstr(s, "webhook.body") + 1);
        cJSON_SetValuestring(jget(s, "webhook.body"), body);
        free(body);
    }
    r = deliver("paytap", s, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.paymentStatus"), "completed");
    resp_free(r);
    r = come_back(s);
    assert_back(r, id, "completed");
    resp_free(r);
    assert_status("paytap", tok, id, "completed", 1);
    cr_assert_eq(events("payment_completed", id), 1);
    resp_free(s);
    free(ref);
    free(id);
    free(tok);

    tok = buyer("paytap");
    id = buy_pending("paytap", tok, &ref);
    s = settle("tap", ref, "declined", NULL);
    r = come_back(s);
    assert_back(r, id, "failed");
    resp_free(r);
    assert_status("paytap", tok, id, "failed", 0);
    resp_free(s);
    free(ref);
    free(id);
    free(tok);
}

Test(payments, returns_and_notifications_that_name_no_payment_of_ours)
{
    char *url;
    resp_t *r, *s;

    r = call("GET", site("paymf"), "/api/payments/return", NULL, NULL, fake_ip());
    assert_error(r, 400, "VALIDATION_ERROR");
    resp_free(r);
    r = call("GET", site("paymf"), "/api/payments/return?paymentId=0707999999",
             NULL, NULL, fake_ip());
    assert_error(r, 404, "PAYMENT_NOT_FOUND");
    resp_free(r);
    r = call("GET", site("paytap"), "/api/payments/return?tap_id=chg_nothing",
             NULL, NULL, fake_ip());
    assert_error(r, 404, "PAYMENT_NOT_FOUND");
    resp_free(r);
    /* without a provider there is nothing to confirm */
    r = call("POST", site("main"), "/api/payments/webhook", "{}", NULL, fake_ip());
    assert_error(r, 404, "NOT_FOUND");
    resp_free(r);

    /* a correctly signed notification of an invoice this clinic never
     * made (another shop on the same account, say) */
    {
        char *key = slurp(fmt("%s/mf.key", getenv("CLINIC_RUN_DIR")));
        char *auth = fmt("Authorization: Bearer %s", key);
        const char *h[] = { "Content-Type: application/json", auth, NULL };
        char *ref;

        url = fmt("%s/mf/v2/SendPayment", getenv("CLINIC_PAY"));
        r = req("POST", url, "{\"CustomerName\":\"Other\",\"NotificationOption\":"
                "\"LNK\",\"InvoiceValue\":25,\"CustomerReference\":\"other-shop\"}", h);
        cr_assert_eq(r->status, 200, "%s", r->body);
        ref = fmt("%.0f", jnum(r, "Data.InvoiceId"));
        resp_free(r);
        s = settle("mf", ref, "paid", NULL);
        r = deliver("paymf", s, NULL);
        assert_error(r, 404, "PAYMENT_NOT_FOUND");
        resp_free(r);
        resp_free(s);
        free(ref);
        free(url);
        free(auth);
        free(key);
    }
    /* no route sets a payment status */
    r = call("PUT", site("paymf"), "/api/payments/return", "{}", NULL, fake_ip());
    cr_assert_eq(r->status, 405, "%s", r->body);
    resp_free(r);
}

Test(payments, pending_is_listed_first_and_is_not_active)
{
    char *tok = buyer("paymf"), *ref, *id = buy_pending("paymf", tok, &ref);
    char *ref2, *id2;
    resp_t *s = settle("mf", ref, "paid", NULL), *r = come_back(s);

    resp_free(r);
    resp_free(s);
    /* the paid one runs out; a new one is pending */
    free(sql("UPDATE user_packages SET purchased_at = '2020-01-01 00:00:00', "
             "expires_at = '2020-01-31 00:00:00' WHERE id = '%s'", id));
    id2 = buy_pending("paymf", tok, &ref2);
    r = call("GET", site("paymf"), "/api/packages/history", NULL, tok, fake_ip());
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(cJSON_GetArraySize(jget(r, "data.history")), 2);
    cr_assert_str_eq(jstr(r, "data.history.0.id"), id2, "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.history.0.paymentStatus"), "pending");
    cr_assert_eq(jnum(r, "data.history.0.remainingDays"), 0);
    resp_free(r);
    r = call("GET", site("paymf"), "/api/user/profile", NULL, tok, fake_ip());
    cr_assert(cJSON_IsNull(jget(r, "data.user.activePackage")), "%s", r->body);
    resp_free(r);
    free(ref);
    free(ref2);
    free(id);
    free(id2);
    free(tok);
}
