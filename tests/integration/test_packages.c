/*
 * SPDX-License-Identifier: Apache-2.0
 * Packages: purchase, one active subscription under concurrency, history.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "client.h"

#define SEED "5f0c6a52-3f1e-4d8e-9a51-0d6c1f2b7a10"

static resp_t *purchase(const char *tok, const char *ip, const char *body)
{
    return call("POST", site("main"), "/api/packages/purchase", body, tok, ip);
}

static char *ready_user(char **ip_out)
{
    char *ip = fake_ip(), *tok = login(site("main"), fake_phone(), ip);
    resp_t *r = call("PUT", site("main"), "/api/user/profile",
                     "{\"name\":\"Test Patient\",\"national_id\":\"290010112345\"}", tok, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
    *ip_out = ip;
    return tok;
}

Test(packages, purchase_and_history)
{
    char *ip, *tok = ready_user(&ip);
    resp_t *r = purchase(tok, ip, "{\"package_id\":\"" SEED "\"}");
    double total;

    cr_assert_eq(r->status, 201, "%s", r->body);
    assert_envelope(r, 1);
    cr_assert_str_eq(jstr(r, "data.subscription.packageId"), SEED);
    cr_assert_str_eq(jstr(r, "data.subscription.paymentStatus"), "completed");
    cr_assert(cJSON_IsTrue(jget(r, "data.subscription.isActive")));
    cr_assert_eq(jnum(r, "data.subscription.duration"), 30);
    cr_assert_eq(jnum(r, "data.subscription.remainingDays"), 30);
    total = jnum(r, "data.subscription.remainingTime.totalSeconds");
    cr_assert(total > 30 * 86400 - 5 && total <= 30 * 86400, "%f", total);
    cr_assert_eq(jnum(r, "data.subscription.remainingTime.days") * 86400
                 + jnum(r, "data.subscription.remainingTime.hours") * 3600
                 + jnum(r, "data.subscription.remainingTime.minutes") * 60
                 + jnum(r, "data.subscription.remainingTime.seconds"), total);
    cr_assert_str_eq(jstr(r, "data.subscription.currency"), "KWD");
    cr_assert_str_eq(jstr(r, "data.user.activePackage.id"), jstr(r, "data.subscription.id"));
    resp_free(r);

    /* a second purchase while active */
    r = purchase(tok, ip, "{\"packageId\":\"" SEED "\"}");
    assert_error(r, 409, "ACTIVE_PACKAGE_EXISTS");
    resp_free(r);

    r = call("GET", site("main"), "/api/user/profile", NULL, tok, ip);
    cr_assert(cJSON_IsObject(jget(r, "data.user.activePackage")));
    resp_free(r);

    r = call("GET", site("main"), "/api/packages/history", NULL, tok, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(cJSON_GetArraySize(jget(r, "data.history")), 1);
    resp_free(r);
    free(tok);
}

Test(packages, expired_subscription_allows_a_new_one)
{
    char *ip, *tok = ready_user(&ip), *id;
    resp_t *r = purchase(tok, ip, "{\"package_id\":\"" SEED "\"}");

    cr_assert_eq(r->status, 201, "%s", r->body);
    id = strdup(jstr(r, "data.subscription.id"));
    resp_free(r);
    free(sql("UPDATE user_packages SET purchased_at = '2020-01-01 00:00:00', "
             "expires_at = '2020-01-31 00:00:00' WHERE id = '%s'", id));

    r = call("GET", site("main"), "/api/user/profile", NULL, tok, ip);
    cr_assert(cJSON_IsNull(jget(r, "data.user.activePackage")), "%s", r->body);
    resp_free(r);

    r = purchase(tok, ip, "{\"package_id\":\"" SEED "\"}");
    cr_assert_eq(r->status, 201, "%s", r->body);
    resp_free(r);

    r = call("GET", site("main"), "/api/packages/history", NULL, tok, ip);
    cr_assert_eq(cJSON_GetArraySize(jget(r, "data.history")), 2, "%s", r->body);
    /* newest first; the old one shows expired */
    cr_assert(cJSON_IsTrue(jget(r, "data.history.0.isActive")));
    cr_assert_str_eq(jstr(r, "data.history.1.id"), id);
    cr_assert(cJSON_IsFalse(jget(r, "data.history.1.isActive")));
    cr_assert_eq(jnum(r, "data.history.1.remainingDays"), 0);
    cr_assert_eq(jnum(r, "data.history.1.remainingTime.totalSeconds"), 0);
    cr_assert_str_eq(jstr(r, "data.history.1.expiresAt"), "2020-01-31T00:00:00Z");
    resp_free(r);
    free(id);
    free(tok);
}

Test(packages, purchase_errors)
{
    char *ip = fake_ip(), *tok = login(site("main"), fake_phone(), ip);
    resp_t *r;

    r = call("POST", site("main"), "/api/packages/purchase",
             "{\"package_id\":\"" SEED "\"}", NULL, ip);
    assert_error(r, 401, "UNAUTHORIZED");
    resp_free(r);

    /* profile incomplete: both missing, then one */
    r = purchase(tok, ip, "{\"package_id\":\"" SEED "\"}");
    assert_error(r, 400, "PROFILE_INCOMPLETE");
    cr_assert(jstr(r, "error.details.name"));
    cr_assert(jstr(r, "error.details.national_id"));
    resp_free(r);
    r = purchase(tok, ip, "{\"package_id\":\"" SEED "\",\"user_info\":{\"name\":\"Sara\"}}");
    assert_error(r, 400, "PROFILE_INCOMPLETE");
    cr_assert_null(jget(r, "error.details.name"));
    cr_assert(jstr(r, "error.details.national_id"));
    resp_free(r);

    r = purchase(tok, ip, "{}");
    assert_error(r, 400, "VALIDATION_ERROR");
    cr_assert(jstr(r, "error.details.package_id"));
    resp_free(r);
    r = purchase(tok, ip, "{\"package_id\": 7}");
    assert_error(r, 400, "VALIDATION_ERROR");
    resp_free(r);
    r = purchase(tok, ip, "{\"package_id\":\"00000000-0000-4000-8000-00000000dead\"}");
    assert_error(r, 404, "PACKAGE_NOT_FOUND");
    resp_free(r);
    r = purchase(tok, ip, "{\"package_id\":\"" SEED "\",\"userInfo\":{\"name\":\"\\u0001\"}}");
    assert_error(r, 400, "VALIDATION_ERROR");
    cr_assert(jstr(r, "error.details.name"));
    resp_free(r);

    /* an inactive package */
    free(sql("DELETE FROM packages WHERE id = 'aaaaaaaa-0000-4000-8000-000000000001'"));
    free(sql("INSERT INTO packages (id, name, description, price, duration_days, is_active, "
             "created_at, updated_at) VALUES ('aaaaaaaa-0000-4000-8000-000000000001', "
             "'Old offer', NULL, '10.000', 10, 0, '2020-01-01 00:00:00', '2020-01-01 00:00:00')"));
    r = purchase(tok, ip, "{\"package_id\":\"aaaaaaaa-0000-4000-8000-000000000001\","
                 "\"user_info\":{\"name\":\"Sara\",\"national_id\":\"1\"}}");
    assert_error(r, 400, "PACKAGE_UNAVAILABLE");
    resp_free(r);

    /* user_info completes the profile and the purchase goes through */
    r = purchase(tok, ip, "{\"package_id\":\"" SEED "\",\"user_info\":"
                 "{\"name\":\"Sara\",\"national_id\":\"280123456789\"}}");
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.user.name"), "Sara");
    cr_assert_str_eq(jstr(r, "data.user.nationalId"), "280123456789");
    resp_free(r);
    free(tok);
}

typedef struct {
    const char *tok;
    long status[32];
} buy_t;

static void buy(void *arg, int i)
{
    buy_t *b = arg;
    resp_t *r = purchase(b->tok, NULL, "{\"package_id\":\"" SEED "\"}");
    b->status[i] = r->status;
    resp_free(r);
}

Test(packages, twenty_parallel_purchases_one_success, .timeout = 90)
{
    char *ip, *tok = ready_user(&ip), *count, *uid;
    buy_t b = { 0 };
    int i, ok = 0, conflict = 0;
    resp_t *r;

    b.tok = tok;
    parallel(20, buy, &b);
    for (i = 0; i < 20; i++) {
        ok += b.status[i] == 201;
        conflict += b.status[i] == 409;
    }
    cr_assert_eq(ok, 1, "exactly one purchase (%d ok, %d conflicts)", ok, conflict);
    cr_assert_eq(conflict, 19);
    r = call("GET", site("main"), "/api/user/profile", NULL, tok, ip);
    uid = strdup(jstr(r, "data.user.id"));
    resp_free(r);
    count = sql("SELECT COUNT(*) FROM user_packages WHERE user_id = '%s'", uid);
    cr_assert_str_eq(count, "1");
    free(count);
    free(uid);
    free(tok);
}

Test(packages, one_subscription_by_its_id_for_its_owner_only)
{
    char *ip, *tok = ready_user(&ip), *ip2, *other = ready_user(&ip2);
    resp_t *r = purchase(tok, ip, "{\"package_id\":\"" SEED "\"}");
    char *id, *path;

    cr_assert_eq(r->status, 201, "%s", r->body);
    id = strdup(jstr(r, "data.subscription.id"));
    resp_free(r);
    path = fmt("/api/packages/subscriptions/%s", id);

    r = call("GET", site("main"), path, NULL, tok, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    assert_envelope(r, 1);
    cr_assert_str_eq(jstr(r, "data.subscription.id"), id);
    cr_assert_str_eq(jstr(r, "data.subscription.paymentStatus"), "completed");
    resp_free(r);

    /* another user's subscription is not found, like one that isn't */
    r = call("GET", site("main"), path, NULL, other, ip2);
    assert_error(r, 404, "SUBSCRIPTION_NOT_FOUND");
    resp_free(r);
    r = call("GET", site("main"),
             "/api/packages/subscriptions/00000000-0000-4000-8000-000000000000",
             NULL, tok, ip);
    assert_error(r, 404, "SUBSCRIPTION_NOT_FOUND");
    resp_free(r);
    free(path);
    path = fmt("/api/packages/subscriptions/%0200d", 7);
    r = call("GET", site("main"), path, NULL, tok, ip);
    assert_error(r, 404, "SUBSCRIPTION_NOT_FOUND");
    resp_free(r);
    /* a token is needed; one segment only; GET only */
    r = call("GET", site("main"), fmt("/api/packages/subscriptions/%s", id),
             NULL, NULL, ip);
    assert_error(r, 401, "UNAUTHORIZED");
    resp_free(r);
    r = call("GET", site("main"), fmt("/api/packages/subscriptions/%s/x", id),
             NULL, tok, ip);
    assert_error(r, 404, "NOT_FOUND");
    resp_free(r);
    r = call("POST", site("main"), fmt("/api/packages/subscriptions/%s", id),
             "{}", tok, ip);
    assert_error(r, 405, "METHOD_NOT_ALLOWED");
    resp_free(r);
    free(path);
    free(id);
    free(tok);
    free(other);
}

/* a purchase with an Idempotency-Key */
static resp_t *purchase_key(const char *tok, const char *key,
                            const char *package)
{
    char *url = fmt("%s/api/packages/purchase", site("main"));
    char *auth = fmt("Authorization: Bearer %s", tok);
    char *idem = fmt("Idempotency-Key: %s", key);
    char *xff = fmt("X-Forwarded-For: %s", fake_ip());
    char *body = fmt("{\"package_id\":\"%s\"}", package);
    const char *headers[] = { "Content-Type: application/json", auth, idem,
                              xff, NULL };
    resp_t *r = req("POST", url, body, headers);

    free(url);
    free(auth);
    free(idem);
    free(xff);
    free(body);
    return r;
}

static char *user_id_of(const char *tok)
{
    resp_t *r = call("GET", site("main"), "/api/user/profile", NULL, tok,
                     fake_ip());
    char *id = strdup(jstr(r, "data.user.id"));

    resp_free(r);
    return id;
}

Test(packages, an_idempotency_key_answers_again_and_makes_nothing)
{
    char *ip, *tok = ready_user(&ip), *first, *uid, *count;
    resp_t *r = purchase_key(tok, "order-7f3a", SEED);

    cr_assert_eq(r->status, 201, "%s", r->body);
    first = strdup(jstr(r, "data.subscription.id"));
    resp_free(r);

    /* the retry: the same answer, nothing new (not a 409) */
    r = purchase_key(tok, "order-7f3a", SEED);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.subscription.id"), first);
    cr_assert_str_eq(jstr(r, "data.user.activePackage.id"), first);
    resp_free(r);
    uid = user_id_of(tok);
    count = sql("SELECT COUNT(*) FROM user_packages WHERE user_id = '%s'", uid);
    cr_assert_str_eq(count, "1");
    free(count);

    /* the same key for another package */
    r = purchase_key(tok, "order-7f3a", "00000000-0000-4000-8000-00000000beef");
    assert_error(r, 409, "IDEMPOTENCY_KEY_REUSED");
    resp_free(r);
    /* another key while the package is active */
    r = purchase_key(tok, "order-other", SEED);
    assert_error(r, 409, "ACTIVE_PACKAGE_EXISTS");
    resp_free(r);
    /* keys: 1 to 64 printable ASCII characters */
    r = purchase_key(tok, "k\xc3\xa9y", SEED);      /* not ASCII */
    assert_error(r, 400, "VALIDATION_ERROR");
    cr_assert(jget(r, "error.details.Idempotency-Key"), "%s", r->body);
    resp_free(r);
    {
        char key[66];
        memset(key, 'k', 65);
        key[65] = '\0';
        r = purchase_key(tok, key, SEED);
        assert_error(r, 400, "VALIDATION_ERROR");
        resp_free(r);
    }
    free(first);
    free(uid);
    free(tok);
}

typedef struct {
    const char *tok;
    long status[20];
    char ids[20][40];
} keyed_t;

static void buy_keyed(void *arg, int i)
{
    keyed_t *k = arg;
    resp_t *r = purchase_key(k->tok, "one-key-for-all", SEED);
    const char *id = jstr(r, "data.subscription.id");

    k->status[i] = r->status;
    snprintf(k->ids[i], sizeof(k->ids[i]), "%s", id ? id : "");
    resp_free(r);
}

Test(packages, twenty_parallel_retries_with_one_key_make_one, .timeout = 90)
{
    char *ip, *tok = ready_user(&ip), *uid, *count;
    keyed_t k = { 0 };
    int i;

    k.tok = tok;
    parallel(20, buy_keyed, &k);
    for (i = 0; i < 20; i++) {
        cr_assert_eq(k.status[i], 201, "retry %d: %ld", i, k.status[i]);
        cr_assert_str_eq(k.ids[i], k.ids[0], "retry %d made another", i);
    }
    uid = user_id_of(tok);
    count = sql("SELECT COUNT(*) FROM user_packages WHERE user_id = '%s'", uid);
    cr_assert_str_eq(count, "1");
    free(count);
    free(uid);
    free(tok);
}
