/*
 * SPDX-License-Identifier: Apache-2.0
 * payclient.c: what the payment tests share: a patient ready to buy on a
 * payment test site, the fake providers' /_control (tests/fake_pay), and
 * checks of a subscription and of the security log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "client.h"
#include "payclient.h"

/* a patient logged in on site s, with the profile a purchase needs */
char *buyer(const char *s)
{
    char *ip = fake_ip(), *tok = login(site(s), fake_phone(), ip);
    resp_t *r = call("PUT", site(s), "/api/user/profile",
                     "{\"name\":\"Test Patient\",\"national_id\":\"290010112345\"}",
                     tok, ip);

    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
    free(ip);
    return tok;
}

/* POST /api/packages/purchase on s, with an Idempotency-Key if key */
resp_t *buy(const char *s, const char *tok, const char *key)
{
    char *url = fmt("%s/api/packages/purchase", site(s));
    char *auth = fmt("Authorization: Bearer %s", tok);
    char *idem = key ? fmt("Idempotency-Key: %s", key) : NULL;
    char *xff = fmt("X-Forwarded-For: %s", fake_ip());
    const char *headers[] = { "Content-Type: application/json", auth, xff,
                              idem, NULL };
    resp_t *r = req("POST", url, "{\"package_id\":\"" SEED "\"}", headers);

    free(url);
    free(auth);
    free(idem);
    free(xff);
    return r;
}

/* buy, expecting 201 pending; the subscription id and the provider's id
 * for the payment (from the database) */
char *buy_pending(const char *s, const char *tok, char **ref)
{
    resp_t *r = buy(s, tok, NULL);
    char *id;

    cr_assert_eq(r->status, 201, "%s", r->body);
    assert_envelope(r, 1);
    cr_assert_str_eq(jstr(r, "data.subscription.paymentStatus"), "pending");
    cr_assert(cJSON_IsFalse(jget(r, "data.subscription.isActive")));
    cr_assert(cJSON_IsNull(jget(r, "data.user.activePackage")), "%s", r->body);
    cr_assert(jstr(r, "data.payment.url"), "%s", r->body);
    cr_assert(!strncmp(jstr(r, "data.payment.url"), getenv("CLINIC_PAY"),
                       strlen(getenv("CLINIC_PAY"))), "%s", r->body);
    cr_assert(jstr(r, "data.payment.expiresAt"));
    id = strdup(jstr(r, "data.subscription.id"));
    resp_free(r);
    *ref = sql("SELECT pay_ref FROM user_packages WHERE id = '%s'", id);
    (*ref)[strcspn(*ref, "\n")] = '\0';
    cr_assert(**ref, "the provider's payment id is kept");
    return id;
}

resp_t *control(const char *json)
{
    char *url = fmt("%s/_control", getenv("CLINIC_PAY"));
    const char *headers[] = { "Content-Type: application/json", NULL };
    resp_t *r = req("POST", url, json, headers);

    free(url);
    return r;
}

/* the patient pays (or not) at the provider: {return, webhook} */
resp_t *settle(const char *provider, const char *ref,
                      const char *outcome, const char *extra)
{
    char *json = fmt("{\"action\":\"settle\",\"provider\":\"%s\","
                     "\"ref\":\"%s\",\"outcome\":\"%s\"%s}", provider, ref,
                     outcome, extra ? extra : "");
    resp_t *r = control(json);

    cr_assert_eq(r->status, 200, "%s", r->body);
    free(json);
    return r;
}

/* the browser comes back */
resp_t *come_back(const resp_t *settled)
{
    return req("GET", jstr(settled, "return"), NULL, NULL);
}

/* the provider's notification, delivered to site s; a signature header
 * value may replace the real one */
resp_t *deliver(const char *s, const resp_t *settled,
                       const char *forged_signature)
{
    cJSON *h = jget(settled, "webhook.headers"), *it;
    const char *headers[8];
    char *own[8] = { 0 }, *url = fmt("%s/api/payments/webhook", site(s));
    int n = 0, i;
    resp_t *r;

    cJSON_ArrayForEach(it, h) {
        int sig = strcasecmp(it->string, "Content-Type") != 0;
        own[n] = fmt("%s: %s", it->string, sig && forged_signature
                                               ? forged_signature
                                               : it->valuestring);
        headers[n] = own[n];
        n++;
    }
    headers[n] = NULL;
    r = req("POST", url, jstr(settled, "webhook.body"), headers);
    for (i = 0; i < n; i++) {
        free(own[i]);
    }
    free(url);
    return r;
}

resp_t *sub_get(const char *s, const char *tok, const char *id)
{
    char *path = fmt("/api/packages/subscriptions/%s", id);
    resp_t *r = call("GET", site(s), path, NULL, tok, fake_ip());

    free(path);
    return r;
}

void assert_status(const char *s, const char *tok, const char *id,
                          const char *status, int active)
{
    resp_t *r = sub_get(s, tok, id);

    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.subscription.paymentStatus"), status,
                     "%s", r->body);
    cr_assert_eq(cJSON_IsTrue(jget(r, "data.subscription.isActive")), active,
                 "%s", r->body);
    resp_free(r);
}

/* security events of one subscription */
int events(const char *event, const char *sub_id)
{
    char *log = slurp(getenv("CLINIC_SECURITY_LOG")), *line, *save = NULL;
    char *want = fmt("\"event\":\"%s\"", event);
    char *sub = fmt("\"subscriptionId\":\"%s\"", sub_id);
    int n = 0;

    for (line = strtok_r(log, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        n += strstr(line, want) && strstr(line, sub);
    }
    free(log);
    free(want);
    free(sub);
    return n;
}

/* the Location of a 303 back to the frontend */
void assert_back(const resp_t *r, const char *id, const char *status)
{
    char *want = fmt(BACK "%s&status=%s", id, status);

    cr_assert_eq(r->status, 303, "%s", r->body);
    assert_envelope(r, 1);
    cr_assert_str_eq(resp_header(r, "Location"), want);
    free(want);
}

int provider_payments(const char *sub_id)
{
    char *json = fmt("{\"action\":\"count\",\"reference\":\"%s\"}", sub_id);
    resp_t *r = control(json);
    int n = (int)jnum(r, "count");

    resp_free(r);
    free(json);
    return n;
}

int asked(const char *provider, const char *key)
{
    char *json = fmt("{\"action\":\"asked\",\"provider\":\"%s\","
                     "\"key\":\"%s\"}", provider, key);
    resp_t *r = control(json);
    int n = (int)jnum(r, "count");

    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
    free(json);
    return n;
}

char *query_arg(const char *url, const char *name)
{
    const char *q = strchr(url, '?');
    size_t n = strlen(name);

    while (q && *q) {
        q++;
        if (!strncmp(q, name, n) && q[n] == '=') {
            return strndup(q + n + 1, strcspn(q + n + 1, "&#"));
        }
        q = strchr(q, '&');
    }
    return NULL;
}

char *event_line(const char *event, const char *sub_id, const char *with)
{
    char *log = slurp(getenv("CLINIC_SECURITY_LOG")), *line, *save = NULL;
    char *want = fmt("\"event\":\"%s\"", event);
    char *sub = fmt("\"subscriptionId\":\"%s\"", sub_id);
    char *found = NULL;

    for (line = strtok_r(log, "\n", &save); line && !found;
         line = strtok_r(NULL, "\n", &save)) {
        if (strstr(line, want) && strstr(line, sub) && strstr(line, with)) {
            found = strdup(line);
        }
    }
    free(log);
    free(want);
    free(sub);
    return found;
}
