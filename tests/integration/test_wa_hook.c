/*
 * SPDX-License-Identifier: Apache-2.0
 * test_wa_hook.c: the WhatsApp webhook's edges.  Bad signatures are
 * limited per client, as the payment webhook's are
 * (ClinicWebhookFailureLimit, 10 a minute by default): a stranger can't
 * make the module check HMACs and write security-log lines without end.
 * A `failed` status for a code its send-otp is still making live is
 * answered 503, so Meta tells it again once the code is live.  The same
 * status told by several requests at once sends one SMS.
 */
#include <stdlib.h>
#include <unistd.h>
#include <criterion/criterion.h>
#include "waclient.h"
#include "client.h"

#define LIMIT 10

Test(whatsapp_limit, bad_signatures_are_limited_per_client, .timeout = 150)
{
    const char *body = "{\"object\":\"whatsapp_business_account\","
                       "\"entry\":[]}";
    char *ip = fake_ip(), *other = fake_ip();
    const char *after;
    resp_t *r;
    int i;

    window_room(30);            /* the flood within one minute of the clock */
    for (i = 0; i < LIMIT; i++) {
        r = post_hook_from(site("wa"), body, "sha256=00", ip);
        assert_error(r, 401, "INVALID_SIGNATURE");
        resp_free(r);
    }
    r = post_hook_from(site("wa"), body, "sha256=00", ip);
    after = resp_header(r, "Retry-After");
    cr_assert(after && atoi(after) >= 1 && atoi(after) <= 60, "%s",
              r->headers);
    assert_error(r, 429, "RATE_LIMITED");
    resp_free(r);
    /* another client is still heard */
    r = post_hook_from(site("wa"), body, "sha256=00", other);
    assert_error(r, 401, "INVALID_SIGNATURE");
    resp_free(r);
    free(ip);
    free(other);
}

Test(whatsapp_hook, a_failure_before_the_code_is_live_is_told_again)
{
    char *phone = fake_phone(), *id = fmt("wa-pending-%s", phone + 4);
    char *wamid = fmt("wamid.HBgLOTY1NTAwMDAwMDAVAgARGBI%s", phone + 4);
    resp_t *r;

    /* a code sent by WhatsApp (its wamid stored), not yet made live */
    free(sql("INSERT INTO otp_codes (id, phone_number, purpose, owner, "
             "code_hash, attempts, status, created_at, created_us, "
             "expires_at, channel, lang, wamid, code_box) VALUES ('%s', "
             "'%s', 'login', '', 'x', 0, 'pending', '2099-01-01 00:00:00', "
             "4070908800000001, '2099-01-01 00:05:00', 'whatsapp', 'en', "
             "'%s', 'sealed')", id, phone, wamid));
    r = notify(site("wa"), wamid, phone, "failed", 131026);
    cr_assert_eq(r->status, 503, "told again later: %s", r->body);
    cr_assert(resp_header(r, "Retry-After"), "%s", r->headers);
    resp_free(r);
    cr_assert_eq(count_sql(CODES "AND fallback_at IS NULL AND code_box IS "
                           "NOT NULL", phone), 1, "its fallback is still "
                 "to come");
    free(sql("DELETE FROM otp_codes WHERE id = '%s'", id));
    free(phone);
    free(id);
    free(wamid);
}

/* Meta sends the same `failed` status several times at once */
#define RACERS 10

typedef struct {
    const char *wamid, *phone;
    int status[RACERS];
    int fallbacks[RACERS];
} race_t;

static void tell_failed(void *arg, int i)
{
    race_t *t = arg;
    resp_t *r = notify(site("wa"), t->wamid, t->phone, "failed", 131026);

    t->status[i] = (int)r->status;
    t->fallbacks[i] = r->status == 200 ? (int)jnum(r, "data.fallbacks") : -1;
    resp_free(r);
}

Test(whatsapp_hook, one_fallback_however_many_tell_it_at_once)
{
    char *phone = fake_phone(), *ip = fake_ip(), *code;
    race_t t = { 0 };
    int i, sent = 0;
    resp_t *r;

    wa_mode(phone, "deliver", 0);
    sent_by(site("wa"), phone, "whatsapp", ip);
    code = wa_last(phone, "code");
    t.wamid = wa_last(phone, "wamid");
    t.phone = phone;
    parallel(RACERS, tell_failed, &t);
    for (i = 0; i < RACERS; i++) {
        cr_assert_eq(t.status[i], 200, "racer %d answered %d", i,
                     t.status[i]);
        sent += t.fallbacks[i];
    }
    cr_assert_eq(sent, 1, "one request sent the fallback");
    cr_assert_eq(sms_reach(phone, 1), 1);
    usleep(300000);
    cr_assert_eq(sms_count(phone), 1, "one SMS for one code");
    r = verify_otp(site("wa"), phone, code, ip);
    cr_assert_eq(r->status, 200, "the same code: %s", r->body);
    resp_free(r);
}
