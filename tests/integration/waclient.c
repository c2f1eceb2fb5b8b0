/*
 * SPDX-License-Identifier: Apache-2.0
 * waclient.c: helpers of the WhatsApp tests (test_whatsapp.c), against the
 * fake Cloud API of tests/fake_wa: telling it what a number meets,
 * reading the messages it was asked to send, and posting Meta's status
 * notifications to a site's webhook, signed as Meta signs them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "waclient.h"

/* ---- the fake Cloud API ---------------------------------------------------- */

cJSON *wa_ctl(const char *json)
{
    const char *h[] = { "Content-Type: application/json", NULL };
    char *url = fmt("%s/_control", site("waapi"));
    resp_t *r = req("POST", url, json, h);
    cJSON *out;

    cr_assert_eq(r->status, 200, "fake_wa: %s", r->body);
    out = r->json;
    r->json = NULL;
    resp_free(r);
    free(url);
    return out;
}

/* what the fake does with messages to phone; webhook: it notifies the
 * wa site's webhook of their statuses */
void wa_mode(const char *phone, const char *mode, int webhook)
{
    char *hook = fmt("%s" WEBHOOK, site("wa"));
    char *body = fmt("{\"action\":\"mode\",\"to\":\"%s\",\"mode\":\"%s\""
                     "%s%s%s}", phone + 1, mode,
                     webhook ? ",\"webhook\":\"" : "", webhook ? hook : "",
                     webhook ? "\"" : "");

    cJSON_Delete(wa_ctl(body));
    free(body);
    free(hook);
}

/* the messages the fake was asked to send to phone, oldest first */
cJSON *wa_msgs(const char *phone)
{
    char *body = fmt("{\"action\":\"messages\",\"to\":\"%s\"}", phone + 1);
    cJSON *a = wa_ctl(body);

    free(body);
    cr_assert(cJSON_IsArray(a));
    return a;
}

int wa_count(const char *phone)
{
    cJSON *a = wa_msgs(phone);
    int n = cJSON_GetArraySize(a);

    cJSON_Delete(a);
    return n;
}

/* a member of the newest message to phone (waits up to 3 s for one) */
char *wa_last(const char *phone, const char *member)
{
    int tries;

    for (tries = 0; tries < 30; tries++) {
        cJSON *a = wa_msgs(phone);
        int n = cJSON_GetArraySize(a);
        if (n > 0) {
            cJSON *v = cJSON_GetObjectItem(cJSON_GetArrayItem(a, n - 1),
                                           member);
            char *out = cJSON_IsString(v) ? strdup(v->valuestring) : NULL;
            cJSON_Delete(a);
            return out;
        }
        cJSON_Delete(a);
        usleep(100000);
    }
    cr_assert_fail("no WhatsApp message to %s", phone);
    return NULL;
}

/* ---- the webhook, as Meta calls it ------------------------------------------ */

char *hex_hmac(const char *key_file, const char *body)
{
    char *key = slurp(key_file), *out = malloc(65);
    unsigned char mac[32];
    unsigned int len = 0, i;
    size_t n;

    cr_assert(key, "%s", key_file);
    n = strlen(key);
    while (n && (key[n - 1] == '\n' || key[n - 1] == ' ')) {
        key[--n] = '\0';
    }
    HMAC(EVP_sha256(), key, (int)n, (const unsigned char *)body,
         strlen(body), mac, &len);
    for (i = 0; i < len; i++) {
        sprintf(out + 2 * i, "%02x", mac[i]);
    }
    free(key);
    return out;
}

/* Meta's status notification for one message */
char *status_body(const char *wamid, const char *phone,
                         const char *status, long error)
{
    char *errors = error ? fmt(",\"errors\":[{\"code\":%ld,\"title\":"
                               "\"Message undeliverable\",\"message\":"
                               "\"Message undeliverable\",\"error_data\":"
                               "{\"details\":\"Message Undeliverable.\"}}]",
                               error)
                         : strdup("");
    char *b = fmt("{\"object\":\"whatsapp_business_account\",\"entry\":[{"
                  "\"id\":\"102290129340398\",\"changes\":[{\"value\":{"
                  "\"messaging_product\":\"whatsapp\",\"metadata\":{"
                  "\"display_phone_number\":\"96522000000\","
                  "\"phone_number_id\":\"106540352242922\"},\"statuses\":[{"
                  "\"id\":\"%s\",\"status\":\"%s\",\"timestamp\":"
                  "\"1750263773\",\"recipient_id\":\"%s\"%s}]},\"field\":"
                  "\"messages\"}]}]}", wamid, status, phone + 1, errors);
    free(errors);
    return b;
}

/* POST body to base's webhook with signature sig ("sha256=..." or NULL) */
resp_t *post_hook_from(const char *base, const char *body, const char *sig,
                       const char *ip)
{
    char *url = fmt("%s" WEBHOOK, base);
    char *from = fmt("X-Forwarded-For: %s", ip);
    char *h = sig ? fmt("X-Hub-Signature-256: %s", sig) : NULL;
    const char *headers[] = { "Content-Type: application/json",
                              "User-Agent: facebookexternalua", from, h,
                              NULL };
    resp_t *r = req("POST", url, body, headers);

    free(url);
    free(from);
    free(h);
    return r;
}

/* each from a client of its own, so the bad signatures of one test never
 * reach the per-client limit (ClinicWebhookFailureLimit) of another */
resp_t *post_hook(const char *base, const char *body, const char *sig)
{
    char *ip = fake_ip();
    resp_t *r = post_hook_from(base, body, sig, ip);

    free(ip);
    return r;
}

/* a status of wamid, signed well, on base's webhook */
resp_t *notify(const char *base, const char *wamid, const char *phone,
                      const char *status, long error)
{
    char *body = status_body(wamid, phone, status, error);
    char *mac = hex_hmac(getenv("CLINIC_WA_SECRET"), body);
    char *sig = fmt("sha256=%s", mac);
    resp_t *r = post_hook(base, body, sig);

    free(body);
    free(mac);
    free(sig);
    return r;
}

/* notify and expect 200 with this many fallbacks sent */
void notified(const char *wamid, const char *phone, const char *status,
                     long error, int fallbacks)
{
    resp_t *r = notify(site("wa"), wamid, phone, status, error);

    cr_assert_eq(r->status, 200, "%s: %s", status, r->body);
    assert_envelope(r, 1);
    cr_assert_eq(jnum(r, "data.fallbacks"), fallbacks, "%s: %s", status,
                 r->body);
    resp_free(r);
}

/* ---- the module's side ------------------------------------------------------ */

resp_t *send_on(const char *base, const char *phone,
                       const char *channel, const char *ip)
{
    char *body = channel ? fmt("{\"phone_number\":\"%s\",\"channel\":%s}",
                               phone, channel)
                         : fmt("{\"phone_number\":\"%s\"}", phone);
    resp_t *r = call("POST", base, "/api/auth/send-otp", body, NULL, ip);

    free(body);
    return r;
}

/* a send that answers 200 by channel */
void sent_by(const char *base, const char *phone, const char *channel,
                    const char *ip)
{
    resp_t *r = send_on(base, phone, NULL, ip);

    cr_assert_eq(r->status, 200, "%s", r->body);
    assert_envelope(r, 1);
    cr_assert_str_eq(jstr(r, "data.channel"), channel, "%s", r->body);
    resp_free(r);
}

long count_sql(const char *query, const char *phone)
{
    char *out = sql(query, phone);
    long n = atol(out);

    free(out);
    return n;
}

/* waits up to 5 s for phone's SMS count to reach n */
int sms_reach(const char *phone, int n)
{
    int tries, have = 0;

    for (tries = 0; tries < 50 && (have = sms_count(phone)) < n; tries++) {
        usleep(100000);
    }
    return have;
}

int seclog_has(const char *a, const char *b, const char *c)
{
    char *log = slurp(getenv("CLINIC_SECURITY_LOG")), *line, *save = NULL;
    int found = 0;

    for (line = log ? strtok_r(log, "\n", &save) : NULL; line && !found;
         line = strtok_r(NULL, "\n", &save)) {
        found = strstr(line, a) && strstr(line, b) && (!c || strstr(line, c));
    }
    free(log);
    return found;
}
