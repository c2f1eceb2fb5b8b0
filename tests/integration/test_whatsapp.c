/*
 * SPDX-License-Identifier: Apache-2.0
 * Codes by WhatsApp (issue 22), against the fake Cloud API
 * (tests/fake_wa), which speaks Meta's shapes and signs its status
 * notifications as Meta does.  The wa site sends by WhatsApp and falls
 * back to SMS (ClinicOTPFallback sms, a 2-second ClinicWhatsAppTimeout);
 * wanofb sends by WhatsApp only when asked, with no fallback.  Each test
 * tells the fake what its own number meets: delivered, refused at once,
 * a hanging API, or a failure reported later on the webhook.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "waclient.h"

/* ---- delivered ---------------------------------------------------------------- */

Test(whatsapp, a_delivered_code_comes_by_whatsapp_and_logs_in)
{
    char *phone = fake_phone(), *ip = fake_ip(), *code, *button, *wamid;
    resp_t *r;
    cJSON *n = NULL;
    int tries;

    wa_mode(phone, "deliver", 1);
    sent_by(site("wa"), phone, "whatsapp", ip);
    code = wa_last(phone, "code");
    button = wa_last(phone, "button");
    wamid = wa_last(phone, "wamid");
    cr_assert_str_eq(code, button, "the code is the copy button's too");
    cr_assert_str_eq(wa_last(phone, "template"), "clinic_code");
    cr_assert_str_eq(wa_last(phone, "language"), "en_US");
    cr_assert_str_eq(wa_last(phone, "phoneNumberId"), "106540352242922");
    cr_assert_str_eq(wa_last(phone, "to"), phone + 1, "965... digits");
    cr_assert_eq(sms_count(phone), 0, "no SMS beside it");
    cr_assert_eq(count_sql(CODES "AND channel = 'whatsapp' AND status = "
                           "'active' AND code_box IS NOT NULL AND "
                           "fallback_at IS NULL", phone), 1);
    cr_assert_eq(count_sql(fmt(CODES "AND wamid = '%s'", "%s", wamid),
                           phone), 1, "the wamid is kept with the code");
    cr_assert_eq(count_sql(fmt(CODES "AND code_box LIKE '%%%%%s%%%%'", "%s",
                               code), phone), 0,
                 "the code is kept sealed, never as it is");
    /* the fake reports sent, then delivered: nothing to do */
    for (tries = 0; tries < 30; tries++) {
        n = wa_ctl(fmt("{\"action\":\"notified\",\"to\":\"%s\"}", phone + 1));
        if (cJSON_GetArraySize(n) == 2) {
            break;
        }
        cJSON_Delete(n);
        n = NULL;
        usleep(100000);
    }
    cr_assert(n, "the fake notified sent and delivered");
    cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(
        cJSON_GetArrayItem(n, 1), "answer"), "status")->valueint, 200);
    cJSON_Delete(n);
    cr_assert_eq(sms_count(phone), 0);

    r = verify_otp(site("wa"), phone, code, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert(jstr(r, "data.token"));
    resp_free(r);
    cr_assert_eq(count_sql(CODES "AND code_box IS NOT NULL", phone), 0,
                 "a used code's sealed copy is gone");
}

Test(whatsapp, the_phone_change_code_goes_by_whatsapp_too)
{
    char *phone = fake_phone(), *other = fake_phone(), *ip = fake_ip();
    char *token = login(site("main"), phone, ip), *body;
    resp_t *r;

    wa_mode(other, "deliver", 0);
    body = fmt("{\"new_phone_number\":\"%s\",\"channel\":\"whatsapp\"}",
               other);
    r = call("POST", site("wa"), "/api/user/send-phone-change-otp", body,
             token, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.channel"), "whatsapp");
    cr_assert_str_eq(jstr(r, "data.purpose"), "phone_change");
    resp_free(r);
    cr_assert_eq(wa_count(other), 1);
    free(body);
    body = fmt("{\"new_phone_number\":\"%s\",\"otp_code\":\"%s\"}", other,
               wa_last(other, "code"));
    r = call("PUT", site("wa"), "/api/user/phone", body, token, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
    free(body);
}

/* ---- refused at once ------------------------------------------------------------ */

Test(whatsapp, refused_at_once_the_same_code_goes_by_sms)
{
    char *phone = fake_phone(), *ip = fake_ip(), *code;
    resp_t *r;

    wa_mode(phone, "refuse", 0);
    r = send_on(site("wa"), phone, NULL, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.channel"), "sms");
    cr_assert(seclog_has("\"otp_fallback\"",
                         fmt("\"requestId\":\"%s\"",
                             resp_header(r, "X-Request-Id")),
                         "\"reason\":\"refused\""), "a security event");
    resp_free(r);
    code = wa_last(phone, "code");
    cr_assert_str_eq(sms_code(phone), code, "the same code by SMS");
    cr_assert_eq(sms_count(phone), 1);
    cr_assert_eq(count_sql(CODES "AND channel = 'sms' AND status = 'active' "
                           "AND fallback_at IS NOT NULL AND code_box IS NULL "
                           "AND wamid IS NULL", phone), 1);
    r = verify_otp(site("wa"), phone, code, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
    r = verify_otp(site("wa"), phone, code, ip);
    assert_error(r, 400, "OTP_NOT_FOUND");      /* once */
    resp_free(r);
}

Test(whatsapp, a_hanging_api_falls_back_within_the_timeout)
{
    char *phone = fake_phone(), *ip = fake_ip();
    double t0 = now_s(), took;
    resp_t *r;

    wa_mode(phone, "hang", 0);
    r = send_on(site("wa"), phone, NULL, ip);
    took = now_s() - t0;
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.channel"), "sms");
    /* ClinicWhatsAppTimeout 2, then the SMS gateway at once */
    cr_assert_geq(took, 1.8, "%.2f s: the API was waited for", took);
    cr_assert_lt(took, 4.5, "%.2f s: past the timeout and a margin", took);
    cr_assert(seclog_has("\"otp_fallback\"",
                         fmt("\"requestId\":\"%s\"",
                             resp_header(r, "X-Request-Id")),
                         "\"reason\":\"timeout\""));
    resp_free(r);
    cr_assert_str_eq(sms_code(phone), wa_last(phone, "code"));
    r = verify_otp(site("wa"), phone, wa_last(phone, "code"), ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
}

/* ---- failed later ---------------------------------------------------------------- */

Test(whatsapp, failed_later_the_same_code_goes_by_sms_once)
{
    char *phone = fake_phone(), *ip = fake_ip(), *code, *wamid;
    resp_t *r;
    cJSON *n = NULL;
    int tries;

    wa_mode(phone, "fail_later", 1);
    sent_by(site("wa"), phone, "whatsapp", ip);
    code = wa_last(phone, "code");
    wamid = wa_last(phone, "wamid");
    /* the fake reports 131026 on its own, a moment later */
    cr_assert_eq(sms_reach(phone, 1), 1, "the fallback SMS came");
    cr_assert_str_eq(sms_code(phone), code, "the same code");
    for (tries = 0; tries < 30; tries++) {
        n = wa_ctl(fmt("{\"action\":\"notified\",\"to\":\"%s\"}", phone + 1));
        if (cJSON_GetArraySize(n) == 1) {
            break;
        }
        cJSON_Delete(n);
        n = NULL;
        usleep(100000);
    }
    cr_assert(n);
    cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(
        cJSON_GetArrayItem(n, 0), "answer"), "status")->valueint, 200);
    cJSON_Delete(n);
    cr_assert(seclog_has("\"otp_fallback\"", "\"reason\":\"failed\"",
                         "\"error\":131026"));
    /* told again: no second SMS */
    notified(wamid, phone, "failed", 131026, 0);
    notified(wamid, phone, "failed", 131026, 0);
    usleep(300000);
    cr_assert_eq(sms_count(phone), 1, "one SMS for one code");
    cr_assert_eq(count_sql(CODES "AND status = 'active' AND fallback_at IS "
                           "NOT NULL AND code_box IS NULL", phone), 1);
    r = verify_otp(site("wa"), phone, code, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
}

Test(whatsapp, statuses_repeated_or_out_of_order_change_nothing)
{
    char *phone = fake_phone(), *ip = fake_ip(), *code, *wamid;
    resp_t *r;

    wa_mode(phone, "deliver", 0);
    sent_by(site("wa"), phone, "whatsapp", ip);
    code = wa_last(phone, "code");
    wamid = wa_last(phone, "wamid");
    notified(wamid, phone, "read", 0, 0);
    notified(wamid, phone, "delivered", 0, 0);
    notified(wamid, phone, "sent", 0, 0);
    notified(wamid, phone, "delivered", 0, 0);
    cr_assert_eq(count_sql(CODES "AND fallback_at IS NULL AND code_box IS "
                           "NOT NULL AND status = 'active'", phone), 1);
    notified(wamid, phone, "failed", 131026, 1);
    notified(wamid, phone, "delivered", 0, 0);     /* undoes nothing */
    notified(wamid, phone, "failed", 131026, 0);
    notified("wamid.HBgLOTY1NTAwMDAwMDAVAgARGBJub3Qgb25lIG9mIG91cnMA",
             phone, "failed", 131026, 0);            /* not ours: ignored */
    cr_assert_eq(sms_reach(phone, 1), 1);
    usleep(200000);
    cr_assert_eq(sms_count(phone), 1);
    cr_assert_str_eq(sms_code(phone), code);
    r = verify_otp(site("wa"), phone, code, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
}

/* ---- forged notifications ------------------------------------------------------- */

Test(whatsapp, forged_and_unsigned_notifications_change_nothing)
{
    char *phone = fake_phone(), *ip = fake_ip(), *wamid, *body, *mac;
    resp_t *r;

    wa_mode(phone, "deliver", 0);
    sent_by(site("wa"), phone, "whatsapp", ip);
    wamid = wa_last(phone, "wamid");
    body = status_body(wamid, phone, "failed", 131026);

    r = post_hook(site("wa"), body, NULL);                  /* unsigned */
    assert_error(r, 401, "INVALID_SIGNATURE");
    resp_free(r);
    r = post_hook(site("wa"), body, "sha256=00");           /* garbage */
    assert_error(r, 401, "INVALID_SIGNATURE");
    resp_free(r);
    mac = hex_hmac(getenv("CLINIC_WA_VERIFY"), body);       /* wrong key */
    r = post_hook(site("wa"), body, fmt("sha256=%s", mac));
    assert_error(r, 401, "INVALID_SIGNATURE");
    resp_free(r);
    free(mac);
    /* signed, then one byte changed */
    mac = hex_hmac(getenv("CLINIC_WA_SECRET"), body);
    body[strlen(body) - 3] = ' ';
    r = post_hook(site("wa"), body, fmt("sha256=%s", mac));
    assert_error(r, 401, "INVALID_SIGNATURE");
    resp_free(r);
    /* the fake signing with another secret, and not at all */
    cJSON_Delete(wa_ctl(fmt("{\"action\":\"status\",\"wamid\":\"%s\","
                            "\"status\":\"failed\",\"webhook\":\"%s" WEBHOOK
                            "\",\"signature\":\"bad\"}", wamid,
                            site("wa"))));
    usleep(300000);
    cr_assert_eq(sms_count(phone), 0, "nothing was sent");
    cr_assert_eq(count_sql(CODES "AND fallback_at IS NULL AND code_box IS "
                           "NOT NULL", phone), 1, "nothing changed");
    cr_assert(seclog_has("\"whatsapp_signature_invalid\"",
                         "\"reason\":\"whatsapp\"", NULL));
    /* the same notification, signed well, is believed */
    notified(wamid, phone, "failed", 131026, 1);
    cr_assert_eq(sms_reach(phone, 1), 1);
    free(body);
}

Test(whatsapp, a_signed_body_that_is_not_json_is_refused_unread)
{
    char *mac = hex_hmac(getenv("CLINIC_WA_SECRET"), "{\"entry\":");
    resp_t *r = post_hook(site("wa"), "{\"entry\":", fmt("sha256=%s", mac));

    assert_error(r, 400, "INVALID_JSON");
    resp_free(r);
    free(mac);
}

/* ---- the subscription check ----------------------------------------------------- */

static resp_t *verify_get(const char *base, const char *mode,
                          const char *token, const char *challenge)
{
    char *url = fmt("%s" WEBHOOK "?hub.mode=%s&hub.verify_token=%s"
                    "&hub.challenge=%s", base, mode, token, challenge);
    resp_t *r = req("GET", url, NULL, NULL);

    free(url);
    return r;
}

Test(whatsapp, the_verify_token_gets_the_challenge_back)
{
    char *token = slurp(getenv("CLINIC_WA_VERIFY"));
    resp_t *r;

    token[strcspn(token, "\n ")] = '\0';
    r = verify_get(site("wa"), "subscribe", token, "1158201444");
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(r->body, "1158201444", "the raw challenge");
    cr_assert(!strncmp(resp_header(r, "Content-Type"), "text/plain", 10));
    /* the language headers of every answer, this one too */
    cr_assert(resp_header(r, "Content-Language")
              && !strcmp(resp_header(r, "Content-Language"), "en"), "%s",
              r->headers);
    cr_assert(resp_header(r, "Vary")
              && strstr(resp_header(r, "Vary"), "Accept-Language"), "%s",
              r->headers);
    resp_free(r);

    r = verify_get(site("wa"), "subscribe", "not-the-token-0123", "42");
    assert_error(r, 403, "INVALID_VERIFY_TOKEN");
    resp_free(r);
    r = verify_get(site("wa"), "unsubscribe", token, "42");
    assert_error(r, 403, "INVALID_VERIFY_TOKEN");
    resp_free(r);
    r = req("GET", fmt("%s" WEBHOOK "?hub.mode=subscribe&hub.challenge=42",
                       site("wa")), NULL, NULL);
    assert_error(r, 403, "INVALID_VERIFY_TOKEN");
    resp_free(r);
    r = verify_get(site("wa"), "subscribe", token, "");
    assert_error(r, 400, "VALIDATION_ERROR");
    resp_free(r);
    /* wanofb has no verify token: nothing matches it */
    r = verify_get(site("wanofb"), "subscribe", token, "42");
    assert_error(r, 403, "INVALID_VERIFY_TOKEN");
    resp_free(r);
    /* a site without WhatsApp has no webhook */
    r = verify_get(site("main"), "subscribe", token, "42");
    assert_error(r, 404, "NOT_FOUND");
    resp_free(r);
    free(token);
}

/* ---- limits, one live code, attempts ---------------------------------------------- */

Test(whatsapp, fallbacks_are_not_sends_for_the_limits)
{
    char *phone = fake_phone(), *wamid;
    resp_t *r;

    /* otp-phone: 3 sends a number per 15 minutes (clients differ) */
    wa_mode(phone, "refuse", 0);
    sent_by(site("wa"), phone, "sms", fake_ip());           /* fell back */
    wa_mode(phone, "deliver", 0);
    sent_by(site("wa"), phone, "whatsapp", fake_ip());
    wamid = wa_last(phone, "wamid");
    notified(wamid, phone, "failed", 131026, 1);             /* fell back */
    cr_assert_eq(sms_reach(phone, 2), 2);
    cr_assert_eq(count_sql("SELECT COUNT(*) FROM rate_slots WHERE bucket = "
                           "'otp-phone:%s'", phone), 2, "two sends counted");
    sent_by(site("wa"), phone, "whatsapp", fake_ip());       /* the third */
    r = send_on(site("wa"), phone, NULL, fake_ip());
    assert_error(r, 429, "RATE_LIMITED");
    resp_free(r);
}

Test(whatsapp, a_code_is_never_live_twice)
{
    char *phone = fake_phone(), *ip = fake_ip(), *first, *wamid, *second;
    resp_t *r;

    wa_mode(phone, "deliver", 0);
    sent_by(site("wa"), phone, "whatsapp", ip);
    first = wa_last(phone, "code");
    wamid = wa_last(phone, "wamid");
    wa_mode(phone, "refuse", 0);
    sent_by(site("wa"), phone, "sms", ip);
    second = sms_code(phone);
    cr_assert_str_eq(second, wa_last(phone, "code"));
    cr_assert_eq(count_sql(CODES "AND status = 'active'", phone), 1);
    /* the first code's late failure sends nothing: it was replaced */
    notified(wamid, phone, "failed", 131026, 0);
    usleep(200000);
    cr_assert_eq(sms_count(phone), 1);
    cr_assert(seclog_has("\"whatsapp_failed\"", "\"code_not_live\"", NULL));
    if (strcmp(first, second)) {
        r = verify_otp(site("wa"), phone, first, ip);
        assert_error(r, 400, "OTP_NOT_FOUND");
        resp_free(r);
    }
    r = verify_otp(site("wa"), phone, second, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
}

static char *wrong_of(const char *code)
{
    char *w = strdup(code);
    w[0] = w[0] == '9' ? '0' : (char)(w[0] + 1);
    return w;
}

Test(whatsapp, a_fallback_gives_no_extra_attempt)
{
    char *phone = fake_phone(), *ip = fake_ip(), *code, *wrong;
    resp_t *r;

    wa_mode(phone, "deliver", 0);
    sent_by(site("wa"), phone, "whatsapp", ip);
    code = wa_last(phone, "code");
    wrong = wrong_of(code);
    r = verify_otp(site("wa"), phone, wrong, ip);
    assert_error(r, 400, "INVALID_OTP");
    cr_assert_eq(jnum(r, "error.details.attemptsRemaining"), 2);
    resp_free(r);
    notified(wa_last(phone, "wamid"), phone, "failed", 131026, 1);
    cr_assert_str_eq(sms_code(phone), code);
    r = verify_otp(site("wa"), phone, wrong, ip);
    assert_error(r, 400, "INVALID_OTP");
    cr_assert_eq(jnum(r, "error.details.attemptsRemaining"), 1,
                 "the attempts are the code's: %s", r->body);
    resp_free(r);
    r = verify_otp(site("wa"), phone, code, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
}

Test(whatsapp, a_code_whose_attempts_are_spent_does_not_fall_back)
{
    char *phone = fake_phone(), *ip = fake_ip(), *wrong;
    resp_t *r;
    int i;

    wa_mode(phone, "deliver", 0);
    sent_by(site("wa"), phone, "whatsapp", ip);
    wrong = wrong_of(wa_last(phone, "code"));
    for (i = 0; i < 3; i++) {
        r = verify_otp(site("wa"), phone, wrong, ip);
        assert_error(r, 400, "INVALID_OTP");
        resp_free(r);
    }
    notified(wa_last(phone, "wamid"), phone, "failed", 131026, 0);
    usleep(200000);
    cr_assert_eq(sms_count(phone), 0);
}

/* ---- no fallback, no WhatsApp, the field ------------------------------------------ */

Test(whatsapp, without_a_fallback_a_refusal_is_a_failed_send)
{
    char *phone = fake_phone(), *ip = fake_ip(), *wamid;
    resp_t *r;

    /* ClinicOTPChannel is sms there: WhatsApp only when asked */
    sent_by(site("wanofb"), phone, "sms", ip);
    cr_assert_eq(wa_count(phone), 0);
    cr_assert_eq(sms_count(phone), 1);
    wa_mode(phone, "deliver", 0);
    r = send_on(site("wanofb"), phone, "\"whatsapp\"", ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.channel"), "whatsapp");
    resp_free(r);
    wamid = wa_last(phone, "wamid");
    cr_assert_str_eq(wa_last(phone, "language"), "en_GB",
                     "ClinicWhatsAppLanguage en en_GB");
    /* no box is kept, and a failure sends nothing */
    cr_assert_eq(count_sql(CODES "AND status = 'active' AND code_box IS "
                           "NULL AND channel = 'whatsapp'", phone), 1);
    r = notify(site("wanofb"), wamid, phone, "failed", 131026);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(jnum(r, "data.fallbacks"), 0);
    resp_free(r);
    wa_mode(phone, "refuse", 0);
    r = send_on(site("wanofb"), phone, "\"whatsapp\"", ip);
    assert_error(r, 502, "SMS_DELIVERY_FAILED");
    resp_free(r);
    usleep(200000);
    cr_assert_eq(sms_count(phone), 1, "only the first send's SMS");
}

Test(whatsapp, the_channel_field_is_checked)
{
    char *phone = fake_phone(), *ip = fake_ip();
    resp_t *r = send_on(site("wa"), phone, "\"email\"", ip);

    assert_error(r, 400, "VALIDATION_ERROR");
    cr_assert(jstr(r, "error.details.channel"), "%s", r->body);
    resp_free(r);
    r = send_on(site("wa"), phone, "7", ip);
    assert_error(r, 400, "VALIDATION_ERROR");
    cr_assert(jstr(r, "error.details.channel"), "%s", r->body);
    resp_free(r);
    /* asked by SMS on a WhatsApp site; null is the default */
    r = send_on(site("wa"), phone, "\"sms\"", ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.channel"), "sms");
    resp_free(r);
    cr_assert_eq(wa_count(phone), 0);
    wa_mode(phone, "deliver", 0);
    r = send_on(site("wa"), phone, "null", ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.channel"), "whatsapp");
    resp_free(r);
    /* a site without WhatsApp sends by SMS, and says so */
    r = send_on(site("main"), fake_phone(), "\"whatsapp\"", ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.channel"), "sms");
    resp_free(r);
}

Test(whatsapp, fallbacks_are_counted_in_the_metrics)
{
    char *phone = fake_phone(), *url = fmt("%s/clinic-metrics", site("wa"));
    resp_t *m;
    const char *line;

    wa_mode(phone, "refuse", 0);
    sent_by(site("wa"), phone, "sms", fake_ip());
    m = req("GET", url, NULL, NULL);
    cr_assert_eq(m->status, 200);
    line = strstr(m->body, "clinic_otp_fallbacks_total{vhost=\"wa.test:");
    cr_assert(line, "%s", m->body);
    cr_assert(strstr(m->body, "reason=\"refused\"} "), "%s", m->body);
    cr_assert(strstr(m->body, "clinic_sends_total{vhost=\"wa.test:"));
    cr_assert(strstr(m->body, "channel=\"whatsapp\",result=\"gateway_failed\"}"));
    cr_assert(strstr(m->body, "clinic_whatsapp_webhook_signature_failures_total"));
    resp_free(m);
    free(url);
}

/* ---- configtest ------------------------------------------------------------------- */

static void refused(const char *body, const char *needle)
{
    char *out;

    cr_assert_neq(configtest_vhost(body, &out), 0, "accepted:\n%s\n%s", body, out);
    cr_assert(strstr(out, needle), "names %s:\n%s", needle, out);
    free(out);
}

Test(whatsapp, configtest_wants_what_whatsapp_needs)
{
    char *full = fmt("ClinicOTPChannel whatsapp\nClinicOTPFallback sms\n"
                     "ClinicWhatsAppPhoneNumberID 106540352242922\n"
                     "ClinicWhatsAppTokenFile \"%s\"\n"
                     "ClinicWhatsAppTemplate clinic_code\n"
                     "ClinicWhatsAppLanguage ar ar\n"
                     "ClinicWhatsAppAppSecretFile \"%s\"\n",
                     getenv("CLINIC_WA_TOKEN"), getenv("CLINIC_WA_SECRET"));
    char *out;

    cr_assert_eq(configtest_vhost(full, &out), 0, "%s", out);
    free(out);
    refused("ClinicOTPChannel whatsapp", "ClinicWhatsAppPhoneNumberID");
    refused("ClinicWhatsAppPhoneNumberID 106540352242922\n"
            "ClinicWhatsAppTemplate clinic_code", "ClinicWhatsAppTokenFile");
    refused(fmt("ClinicWhatsAppPhoneNumberID 1065\n"
                "ClinicWhatsAppTokenFile \"%s\"", getenv("CLINIC_WA_TOKEN")),
            "ClinicWhatsAppTemplate");
    refused("ClinicOTPChannel email", "ClinicOTPChannel");
    refused("ClinicOTPFallback voice", "ClinicOTPFallback");
    refused("ClinicWhatsAppPhoneNumberID +96522000000",
            "ClinicWhatsAppPhoneNumberID");
    refused("ClinicWhatsAppTemplate Clinic-Code", "ClinicWhatsAppTemplate");
    refused("ClinicWhatsAppLanguage arabic ar", "ClinicWhatsAppLanguage");
    refused("ClinicWhatsAppTimeout 0", "ClinicWhatsAppTimeout");
    refused("ClinicWhatsAppURL ftp://graph.facebook.com", "ClinicWhatsAppURL");
    refused("ClinicWhatsAppTokenFile /nonexistent/wa.token",
            "ClinicWhatsAppTokenFile");
    free(full);
}
