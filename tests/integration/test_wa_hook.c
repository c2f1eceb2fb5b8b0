/*
 * SPDX-License-Identifier: Apache-2.0
 * test_wa_hook.c: the WhatsApp webhook's edges.  Bad signatures are
 * limited per client, as the payment webhook's are
 * (ClinicWebhookFailureLimit, 10 a minute by default): a stranger can't
 * make the module check HMACs and write security-log lines without end.
 * A `failed` status for a code its send-otp is still making live is
 * answered 503, so Meta tells it again once the code is live.
 */
#include <stdlib.h>
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
