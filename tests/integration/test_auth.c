/*
 * SPDX-License-Identifier: Apache-2.0
 * Phone login: send-otp and verify-otp through the fake SMS gateway, the
 * attempt rules, expiry, limits, the gateway failing, parallel requests,
 * tokens, and what the database and logs keep.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "client.h"

/* a code that is certainly not `code` */
static char *other_code(const char *code)
{
    char *c = strdup(code);
    c[4] = (char)(c[4] == '9' ? '0' : c[4] + 1);
    return c;
}

Test(auth, login_end_to_end)
{
    char *phone = fake_phone(), *ip = fake_ip(), *code, *tok;
    char local[32];
    resp_t *r;

    /* the 8 local digits with separators, as a phone keyboard gives them */
    snprintf(local, sizeof(local), "%.4s-%.4s", phone + 4, phone + 8);
    r = send_otp(site("main"), local, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    assert_envelope(r, 1);
    cr_assert_str_eq(jstr(r, "data.phoneNumber"), phone);
    cr_assert_str_eq(jstr(r, "data.purpose"), "login");
    cr_assert_eq(jnum(r, "data.expiresIn"), 300);
    cr_assert_str_eq(resp_header(r, "Cache-Control"), "no-store");
    cr_assert_null(strstr(r->body, "code\""), "the answer carries no code");
    resp_free(r);

    code = sms_code(phone);
    {
        cJSON *rec = sms_last(phone);
        cr_assert_str_eq(cJSON_GetObjectItem(rec, "path")->valuestring, "/ok/main");
        cr_assert(strstr(cJSON_GetObjectItem(rec, "contentType")->valuestring,
                         "application/x-www-form-urlencoded"));
        cJSON_Delete(rec);
    }
    r = verify_otp(site("main"), phone, code, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    assert_envelope(r, 1);
    cr_assert_str_eq(resp_header(r, "Cache-Control"), "no-store");
    cr_assert_str_eq(jstr(r, "data.user.phoneNumber"), phone);
    cr_assert(jstr(r, "data.user.id"));
    cr_assert(cJSON_IsNull(jget(r, "data.user.name")));
    cr_assert(cJSON_IsNull(jget(r, "data.user.nationalId")));
    cr_assert(cJSON_IsTrue(jget(r, "data.user.isActive")));
    cr_assert(cJSON_IsNull(jget(r, "data.user.activePackage")));
    cr_assert(jstr(r, "data.user.createdAt"));
    cr_assert(jstr(r, "data.user.updatedAt"));
    cr_assert_str_eq(jstr(r, "data.tokenType"), "Bearer");
    cr_assert_eq(jnum(r, "data.expiresIn"), 86400);
    cr_assert(cJSON_IsTrue(jget(r, "data.isNewUser")));
    tok = strdup(jstr(r, "data.token"));
    resp_free(r);

    r = call("GET", site("main"), "/api/user/profile", NULL, tok, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.user.phoneNumber"), phone);
    resp_free(r);
    free(tok);
    free(code);

    /* second login: same user, not new */
    tok = login(site("main"), phone, fake_ip());
    r = send_otp(site("main"), phone, ip);
    resp_free(r);
    code = sms_code(phone);
    r = verify_otp(site("main"), phone, code, ip);
    cr_assert_eq(r->status, 200);
    cr_assert(cJSON_IsFalse(jget(r, "data.isNewUser")));
    resp_free(r);
    free(code);
    free(tok);
}

Test(auth, same_answer_whether_or_not_the_user_exists)
{
    char *known = fake_phone(), *unknown = fake_phone();
    char *tok = login(site("main"), known, fake_ip());
    resp_t *a = send_otp(site("main"), known, fake_ip());
    resp_t *b = send_otp(site("main"), unknown, fake_ip());

    cr_assert_eq(a->status, b->status);
    cr_assert_str_eq(jstr(a, "message"), jstr(b, "message"));
    cr_assert_eq(cJSON_GetArraySize(jget(a, "data")), cJSON_GetArraySize(jget(b, "data")));
    cr_assert_eq(a->len - strlen(known), b->len - strlen(unknown));
    resp_free(a);
    resp_free(b);
    free(tok);
}

Test(auth, phone_forms)
{
    char *phone = fake_phone(), *ip = fake_ip();
    const char *digits = phone + 4;
    static const char *ar[] = { "٠", "١", "٢", "٣", "٤", "٥", "٦", "٧", "٨", "٩" };
    static const char *fa[] = { "۰", "۱", "۲", "۳", "۴", "۵", "۶", "۷", "۸", "۹" };
    char arabic[128] = "", persian[128] = "+965 ", forms[4][160];
    const char *bad[] = { "+96541234567", "+9665123456", "5123456", "512345678",
                          "+966 51234567", "phone", "", "+965 5123 456a",
                          "96551234567890", "+96551234567+", "1234567",
                          "+00965 51234567", NULL };
    int i;
    resp_t *r;

    for (i = 0; i < 8; i++) {
        strcat(arabic, ar[digits[i] - '0']);
        strcat(persian, fa[digits[i] - '0']);
    }
    snprintf(forms[0], 160, "00965%s", digits);
    snprintf(forms[1], 160, "965 %.4s %.4s", digits, digits + 4);
    snprintf(forms[2], 160, "(+965) %.4s.%.4s", digits, digits + 4);
    snprintf(forms[3], 160, "%s", arabic);
    for (i = 0; i < 4; i++) {
        r = send_otp(site("main"), forms[i], ip);
        if (i == 3) {
            /* the phone limit: 3 sends; the 4th form shows normalisation */
            assert_error(r, 429, "RATE_LIMITED");
        }
        else {
            cr_assert_eq(r->status, 200, "%s: %s", forms[i], r->body);
            cr_assert_str_eq(jstr(r, "data.phoneNumber"), phone);
        }
        resp_free(r);
    }
    {
        char *p2 = fake_phone(), pers[128] = "+965 ";
        for (i = 0; i < 8; i++) {
            strcat(pers, fa[p2[4 + i] - '0']);
        }
        r = send_otp(site("main"), pers, fake_ip());
        cr_assert_eq(r->status, 200, "%s", r->body);
        cr_assert_str_eq(jstr(r, "data.phoneNumber"), p2);
        resp_free(r);
        free(p2);
    }
    (void)persian;
    for (i = 0; bad[i]; i++) {
        r = send_otp(site("main"), bad[i], ip);
        assert_error(r, 400, "VALIDATION_ERROR");
        cr_assert(jstr(r, "error.details.phone_number"), "%s: %s", bad[i], r->body);
        resp_free(r);
    }
    /* details are keyed by the name the client sent */
    r = call("POST", site("main"), "/api/auth/send-otp",
             "{\"phoneNumber\": \"123\"}", NULL, ip);
    assert_error(r, 400, "VALIDATION_ERROR");
    cr_assert(jstr(r, "error.details.phoneNumber"), "%s", r->body);
    resp_free(r);
    r = call("POST", site("main"), "/api/auth/send-otp",
             "{\"phone_number\": 96551234567}", NULL, ip);
    assert_error(r, 400, "VALIDATION_ERROR");
    resp_free(r);
    r = call("POST", site("main"), "/api/auth/send-otp", "{}", NULL, ip);
    assert_error(r, 400, "VALIDATION_ERROR");
    cr_assert(jstr(r, "error.details.phone_number"));
    resp_free(r);
    r = call("POST", site("main"), "/api/auth/send-otp",
             "{\"phone_number\": \"+96551234567\", \"purpose\": \"admin\"}", NULL, ip);
    assert_error(r, 400, "VALIDATION_ERROR");
    cr_assert(jstr(r, "error.details.purpose"));
    resp_free(r);
}

Test(auth, wrong_codes_to_exhaustion)
{
    char *phone = fake_phone(), *ip = fake_ip(), *code, *bad;
    resp_t *r;
    int i;
    char *log;

    resp_free(send_otp(site("main"), phone, ip));
    code = sms_code(phone);
    bad = other_code(code);
    for (i = 2; i >= 0; i--) {
        r = verify_otp(site("main"), phone, bad, ip);
        assert_error(r, 400, "INVALID_OTP");
        cr_assert_eq(jnum(r, "error.details.attemptsRemaining"), i, "%s", r->body);
        resp_free(r);
    }
    r = verify_otp(site("main"), phone, code, ip);
    assert_error(r, 400, "OTP_ATTEMPTS_EXCEEDED");
    resp_free(r);
    log = slurp(getenv("CLINIC_SECURITY_LOG"));
    cr_assert(strstr(log, "\"event\":\"otp_verify_failed\""));
    cr_assert(strstr(log, "\"event\":\"otp_locked\""));
    cr_assert_null(strstr(log, code), "the security log never holds a code");
    free(log);
    free(code);
    free(bad);
}

Test(auth, code_expires, .timeout = 30)
{
    char *phone = fake_phone(), *ip = fake_ip(), *code;
    resp_t *r = send_otp(site("short"), phone, ip);

    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(jnum(r, "data.expiresIn"), 2);
    resp_free(r);
    code = sms_code(phone);
    sleep(4);
    r = verify_otp(site("short"), phone, code, ip);
    assert_error(r, 400, "OTP_EXPIRED");
    resp_free(r);
    free(code);
}

Test(auth, code_works_once)
{
    char *phone = fake_phone(), *ip = fake_ip(), *code;
    resp_t *r;

    resp_free(send_otp(site("main"), phone, ip));
    code = sms_code(phone);
    r = verify_otp(site("main"), phone, code, ip);
    cr_assert_eq(r->status, 200);
    resp_free(r);
    r = verify_otp(site("main"), phone, code, ip);
    assert_error(r, 400, "OTP_NOT_FOUND");
    resp_free(r);
    free(code);
}

Test(auth, no_code_sent_is_not_found)
{
    resp_t *r = verify_otp(site("main"), "+96559999999", "12345", fake_ip());
    char *phone = fake_phone();

    resp_free(r);
    r = verify_otp(site("main"), phone, "12345", fake_ip());
    assert_error(r, 400, "OTP_NOT_FOUND");
    resp_free(r);
    r = call("POST", site("main"), "/api/auth/verify-otp",
             fmt("{\"phone_number\":\"%s\",\"code\":\"1234\"}", phone), NULL, fake_ip());
    assert_error(r, 400, "VALIDATION_ERROR");
    cr_assert(jstr(r, "error.details.code"));
    resp_free(r);
}

Test(auth, new_send_replaces_the_old_code)
{
    char *phone = fake_phone(), *ip = fake_ip(), *first, *second;
    resp_t *r;

    resp_free(send_otp(site("main"), phone, ip));
    first = sms_code(phone);
    cr_assert_eq(sms_count(phone), 1);
    resp_free(send_otp(site("main"), phone, ip));
    while (sms_count(phone) < 2) {
        usleep(50000);
    }
    second = sms_code(phone);
    if (strcmp(first, second)) {
        /* the replaced code is not found, and spends no attempt */
        r = verify_otp(site("main"), phone, first, ip);
        assert_error(r, 400, "OTP_NOT_FOUND");
        resp_free(r);
        r = verify_otp(site("main"), phone, first, ip);
        assert_error(r, 400, "OTP_NOT_FOUND");
        resp_free(r);
        {
            char *wrong = other_code(second);
            if (strcmp(wrong, first)) {
                r = verify_otp(site("main"), phone, wrong, ip);
                assert_error(r, 400, "INVALID_OTP");
                cr_assert_eq(jnum(r, "error.details.attemptsRemaining"), 2, "%s", r->body);
                resp_free(r);
            }
            free(wrong);
        }
    }
    r = verify_otp(site("main"), phone, second, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
    free(first);
    free(second);
}

Test(auth, arabic_digits_in_the_code)
{
    static const char *ar[] = { "٠", "١", "٢", "٣", "٤", "٥", "٦", "٧", "٨", "٩" };
    char *phone = fake_phone(), *ip = fake_ip(), *code, arabic[64] = "";
    resp_t *r;
    int i;

    resp_free(send_otp(site("main"), phone, ip));
    code = sms_code(phone);
    for (i = 0; i < 5; i++) {
        strcat(arabic, ar[code[i] - '0']);
    }
    r = call("POST", site("main"), "/api/auth/verify-otp",
             fmt("{\"phoneNumber\":\"%s\",\"otpCode\":\"%s\"}", phone, arabic),
             NULL, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
    free(code);
}

Test(auth, phone_send_limit)
{
    char *phone = fake_phone();
    resp_t *r;
    int i;

    for (i = 0; i < 3; i++) {
        r = send_otp(site("main"), phone, fake_ip());
        cr_assert_eq(r->status, 200, "%s", r->body);
        resp_free(r);
    }
    r = send_otp(site("main"), phone, fake_ip());
    assert_error(r, 429, "RATE_LIMITED");
    cr_assert(resp_header(r, "Retry-After"));
    cr_assert(atoi(resp_header(r, "Retry-After")) > 0);
    cr_assert(atoi(resp_header(r, "Retry-After")) <= 900);
    cr_assert(jnum(r, "error.details.retryAfter") > 0);
    cr_assert(jnum(r, "error.details.retryAfter") <= 900);
    resp_free(r);
    cr_assert_eq(sms_count(phone), 3, "the refused send sent nothing");
}

Test(auth, ip_limit_counts_sends_and_verifies)
{
    char *ip = fake_ip();
    resp_t *r;
    int i;

    for (i = 0; i < 10; i++) {
        char *phone = fake_phone();
        r = (i % 2) ? verify_otp(site("main"), phone, "12345", ip)
                    : send_otp(site("main"), phone, ip);
        cr_assert(r->status == 200 || r->status == 400, "%d: %s", i, r->body);
        resp_free(r);
        free(phone);
    }
    r = send_otp(site("main"), "+96551111111", ip);
    assert_error(r, 429, "RATE_LIMITED");
    cr_assert(atoi(resp_header(r, "Retry-After")) > 0);
    cr_assert(atoi(resp_header(r, "Retry-After")) <= 3600);
    resp_free(r);
    r = verify_otp(site("main"), "+96551111111", "12345", ip);
    assert_error(r, 429, "RATE_LIMITED");
    resp_free(r);
}

Test(auth, gateway_failure_is_502_and_the_code_is_dead)
{
    char *phone = fake_phone(), *ip = fake_ip(), *code;
    resp_t *r = send_otp(site("fail"), phone, ip);
    char *log;

    assert_error(r, 502, "SMS_DELIVERY_FAILED");
    resp_free(r);
    /* the gateway saw the request (and the code) but refused it */
    code = sms_code(phone);
    r = verify_otp(site("main"), phone, code, ip);
    assert_error(r, 400, "OTP_NOT_FOUND");
    resp_free(r);
    log = slurp(getenv("CLINIC_SECURITY_LOG"));
    cr_assert(strstr(log, "\"event\":\"otp_send_failed\""));
    free(log);
    free(code);
}

Test(auth, gateway_hang_is_502_within_the_timeout, .timeout = 30)
{
    char *phone = fake_phone();
    resp_t *r = send_otp(site("hang"), phone, fake_ip());

    assert_error(r, 502, "SMS_DELIVERY_FAILED");
    /* ClinicSMSTimeout 2: answered within timeout + 1 s */
    cr_assert(r->seconds < 3.0, "took %.2f s", r->seconds);
    cr_assert(r->seconds > 1.5, "took %.2f s", r->seconds);
    resp_free(r);
}

typedef struct {
    const char *phone, *code;
    long status[32];
    char codes[32][32];
} race_t;

static void race_verify(void *arg, int i)
{
    race_t *t = arg;
    resp_t *r = verify_otp(site("main"), t->phone, t->code, fake_ip());
    t->status[i] = r->status;
    snprintf(t->codes[i], sizeof(t->codes[i]), "%s",
             jstr(r, "error.code") ? jstr(r, "error.code") : "");
    resp_free(r);
}

Test(auth, parallel_right_codes_give_one_login, .timeout = 60)
{
    race_t t = { 0 };
    int i, ok = 0;

    t.phone = fake_phone();
    resp_free(send_otp(site("main"), t.phone, fake_ip()));
    t.code = sms_code(t.phone);
    parallel(10, race_verify, &t);
    for (i = 0; i < 10; i++) {
        ok += t.status[i] == 200;
        if (t.status[i] != 200) {
            cr_assert_eq(t.status[i], 400, "%ld", t.status[i]);
        }
    }
    cr_assert_eq(ok, 1, "one code, one login (%d)", ok);
}

Test(auth, parallel_wrong_codes_count_three_attempts, .timeout = 60)
{
    race_t t = { 0 };
    char *code, *out;
    int i, invalid = 0, exceeded = 0;

    t.phone = fake_phone();
    resp_free(send_otp(site("main"), t.phone, fake_ip()));
    code = sms_code(t.phone);
    t.code = other_code(code);
    parallel(10, race_verify, &t);
    for (i = 0; i < 10; i++) {
        cr_assert_eq(t.status[i], 400);
        invalid += !strcmp(t.codes[i], "INVALID_OTP");
        exceeded += !strcmp(t.codes[i], "OTP_ATTEMPTS_EXCEEDED");
    }
    cr_assert_eq(invalid, 3, "three counted attempts (%d)", invalid);
    cr_assert_eq(exceeded, 7);
    out = sql("SELECT attempts FROM otp_codes WHERE phone_number = '%s' AND status = 'active'",
              t.phone);
    cr_assert_str_eq(out, "3");
    free(out);
    /* and the right code is refused now */
    {
        resp_t *r = verify_otp(site("main"), t.phone, code, fake_ip());
        assert_error(r, 400, "OTP_ATTEMPTS_EXCEEDED");
        resp_free(r);
    }
    free(code);
}

static void race_send(void *arg, int i)
{
    race_t *t = arg;
    resp_t *r = send_otp(site("main"), t->phone, fake_ip());
    t->status[i] = r->status;
    resp_free(r);
}

Test(auth, parallel_sends_respect_the_phone_limit, .timeout = 60)
{
    race_t t = { 0 };
    int i, ok = 0, limited = 0;

    t.phone = fake_phone();
    parallel(10, race_send, &t);
    for (i = 0; i < 10; i++) {
        ok += t.status[i] == 200;
        limited += t.status[i] == 429;
    }
    cr_assert_eq(ok, 3, "at most 3 sends per phone (%d)", ok);
    cr_assert_eq(limited, 7);
    cr_assert_eq(sms_count(t.phone), 3);
}

Test(auth, database_keeps_only_an_hmac)
{
    char *phone = fake_phone(), *code, *row, *log;
    const char *p;

    resp_free(send_otp(site("main"), phone, fake_ip()));
    code = sms_code(phone);
    row = sql("SELECT * FROM otp_codes WHERE phone_number = '%s'", phone);
    cr_assert(strlen(row) > 0);
    cr_assert_null(strstr(row, code), "no column holds the code: %s", row);
    free(row);
    row = sql("SELECT code_hash FROM otp_codes WHERE phone_number = '%s'", phone);
    cr_assert_eq(strlen(row), 64, "%s", row);
    for (p = row; *p; p++) {
        cr_assert(strchr("0123456789abcdef", *p));
    }
    free(row);
    log = slurp(getenv("CLINIC_ERROR_LOG"));
    cr_assert_null(strstr(log, code), "the error log never holds a code");
    free(log);
    free(code);
}

Test(auth, tokens_are_checked)
{
    char *phone = fake_phone(), *ip = fake_ip();
    char *tok = login(site("main"), phone, ip), *forged, *payload, *id;
    const char *bearer_basic[] = { NULL };
    resp_t *r;
    long now = (long)time(NULL);

    (void)bearer_basic;
    r = call("GET", site("main"), "/api/user/profile", NULL, NULL, ip);
    assert_error(r, 401, "UNAUTHORIZED");
    resp_free(r);
    {
        char url[512];
        const char *h[] = { "Authorization: Basic dXNlcjpwYXNz", NULL };
        snprintf(url, sizeof(url), "%s/api/user/profile", site("main"));
        r = req("GET", url, NULL, h);
        assert_error(r, 401, "UNAUTHORIZED");
        resp_free(r);
    }
    r = call("GET", site("main"), "/api/user/profile", NULL, "not.a.token", ip);
    assert_error(r, 401, "INVALID_TOKEN");
    resp_free(r);

    r = call("GET", site("main"), "/api/user/profile", NULL, tok, ip);
    id = strdup(jstr(r, "data.user.id"));
    resp_free(r);

    /* tampered signature */
    forged = strdup(tok);
    forged[strlen(forged) - 2] = forged[strlen(forged) - 2] == 'A' ? 'B' : 'A';
    r = call("GET", site("main"), "/api/user/profile", NULL, forged, ip);
    assert_error(r, 401, "INVALID_TOKEN");
    resp_free(r);
    free(forged);

    /* alg none, and HS512, with a valid-looking payload */
    payload = fmt("{\"sub\":\"%s\",\"phone\":\"%s\",\"iat\":%ld,\"exp\":%ld}",
                  id, phone, now, now + 3600);
    forged = make_token("{\"alg\":\"none\",\"typ\":\"JWT\"}", payload, NULL);
    r = call("GET", site("main"), "/api/user/profile", NULL, forged, ip);
    assert_error(r, 401, "INVALID_TOKEN");
    resp_free(r);
    free(forged);
    forged = make_token("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", payload, NULL);
    r = call("GET", site("main"), "/api/user/profile", NULL, forged, ip);
    assert_error(r, 401, "INVALID_TOKEN");
    resp_free(r);
    free(forged);
    /* a good signature with the right key works: the forging is sound */
    forged = make_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload, NULL);
    r = call("GET", site("main"), "/api/user/profile", NULL, forged, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
    free(forged);
    /* the wrong key */
    forged = make_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload,
                        "another-key-that-is-long-enough-0123456789");
    r = call("GET", site("main"), "/api/user/profile", NULL, forged, ip);
    assert_error(r, 401, "INVALID_TOKEN");
    resp_free(r);
    free(forged);
    free(payload);

    /* expired */
    payload = fmt("{\"sub\":\"%s\",\"phone\":\"%s\",\"iat\":%ld,\"exp\":%ld}",
                  id, phone, now - 7200, now - 3600);
    forged = make_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload, NULL);
    r = call("GET", site("main"), "/api/user/profile", NULL, forged, ip);
    assert_error(r, 401, "TOKEN_EXPIRED");
    resp_free(r);
    free(forged);
    free(payload);

    /* a user that does not exist */
    payload = fmt("{\"sub\":\"00000000-0000-4000-8000-000000000000\",\"phone\":\"%s\","
                  "\"iat\":%ld,\"exp\":%ld}", phone, now, now + 3600);
    forged = make_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload, NULL);
    r = call("GET", site("main"), "/api/user/profile", NULL, forged, ip);
    assert_error(r, 401, "INVALID_TOKEN");
    resp_free(r);
    free(forged);
    free(payload);

    /* an inactive user */
    free(sql("UPDATE users SET is_active = 0 WHERE id = '%s'", id));
    r = call("GET", site("main"), "/api/user/profile", NULL, tok, ip);
    assert_error(r, 403, "USER_INACTIVE");
    resp_free(r);
    resp_free(send_otp(site("main"), phone, ip));
    {
        char *code = sms_code(phone);
        r = verify_otp(site("main"), phone, code, ip);
        assert_error(r, 403, "USER_INACTIVE");
        resp_free(r);
        free(code);
    }
    free(id);
    free(tok);
}

Test(auth, phone_change_purpose_needs_a_token)
{
    resp_t *r = call("POST", site("main"), "/api/auth/send-otp",
                     "{\"phone_number\":\"+96551234567\",\"purpose\":\"phone_change\"}",
                     NULL, fake_ip());
    assert_error(r, 401, "UNAUTHORIZED");
    resp_free(r);
}

Test(auth, json_gateway_body_and_webotp_line)
{
    char *phone = fake_phone(), *code, *expect;
    cJSON *rec;
    const char *text;
    resp_t *r = send_otp(site("short"), phone, fake_ip());

    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
    code = sms_code(phone);
    rec = sms_last(phone);
    cr_assert(strstr(cJSON_GetObjectItem(rec, "contentType")->valuestring,
                     "application/json"));
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "fields"),
                                         "recipient")->valuestring, phone);
    text = cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "fields"), "text")->valuestring;
    expect = fmt("Clinic code %s\n\n@clinic.test #%s", code, code);
    cr_assert_str_eq(text, expect);
    free(expect);
    cJSON_Delete(rec);
    free(code);
}

Test(auth, twilio_driver)
{
    char *phone = fake_phone(), *code;
    cJSON *rec, *fields;
    resp_t *r = send_otp(site("twilio"), phone, fake_ip());
    const char *auth;

    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
    code = sms_code(phone);
    rec = sms_last(phone);
    cr_assert_str_eq(cJSON_GetObjectItem(rec, "path")->valuestring, "/created/twilio");
    fields = cJSON_GetObjectItem(rec, "fields");
    cr_assert_str_eq(cJSON_GetObjectItem(fields, "To")->valuestring, phone);
    cr_assert_str_eq(cJSON_GetObjectItem(fields, "From")->valuestring, "+15005550006");
    cr_assert(strstr(cJSON_GetObjectItem(fields, "Body")->valuestring, code));
    auth = cJSON_GetObjectItem(rec, "authorization")->valuestring;
    cr_assert(auth && !strncmp(auth, "Basic ", 6), "%s", auth ? auth : "none");
    cJSON_Delete(rec);
    free(code);
}

Test(auth, security_log_lines)
{
    char *phone = fake_phone(), *tok = login(site("main"), phone, fake_ip());
    char *log = slurp(getenv("CLINIC_SECURITY_LOG")), *masked, *line;

    masked = fmt("\"phone\":\"+965****%s\"", phone + 8);
    line = strstr(log, masked);
    cr_assert(line, "a masked phone in the security log");
    cr_assert(strstr(log, "\"event\":\"otp_sent\""));
    cr_assert(strstr(log, "\"event\":\"login\""));
    cr_assert_null(strstr(log, phone), "never the whole number");
    cr_assert(strstr(log, "\"requestId\":"));
    free(masked);
    free(log);
    free(tok);
}

Test(auth, the_module_deletes_old_expired_codes, .timeout = 90)
{
    char *code = NULL, *slot = NULL, *out, *id, *bucket, at[32];
    time_t day_ago = time(NULL) - 26 * 3600;
    resp_t *r;
    int i;

    /* the harness planted a code that expired 25 h ago and one 2 h ago
     * (kept a day, for clinicctl stats), and limit slots used eight days
     * and two hours ago; this test plants an old code and slot of its
     * own, long after the server started.  The background work deletes
     * what ran out, with no send-otp at all (main:
     * ClinicBackgroundInterval 1). */
    id = fmt("cleanup-%d-%ld", (int)getpid(), (long)time(NULL));
    bucket = fmt("otp-ip:%s", id);
    strftime(at, sizeof(at), "%Y-%m-%d %H:%M:%S", gmtime(&day_ago));
    free(sql("INSERT INTO otp_codes (id, phone_number, purpose, owner, "
             "code_hash, attempts, status, created_at, created_us, "
             "expires_at) VALUES ('%s', '+96550000013', 'login', '', 'x', "
             "0, 'active', '%s', 3, '%s')", id, at, at));
    free(sql("INSERT INTO rate_slots (bucket, slot, used_at) "
             "VALUES ('%s', 0, %lld)", bucket,
             (long long)time(NULL) - 8 * 86400));
    /* 100 rows a batch, oldest first: clinicctl's test may plant 10,000
     * older ones meanwhile */
    for (i = 0; i < 600; i++) {
        free(code);
        free(slot);
        code = sql("SELECT COUNT(*) FROM otp_codes WHERE id IN "
                   "('00000000-0000-4000-8000-0000000c1ea1', '%s')", id);
        slot = sql("SELECT COUNT(*) FROM rate_slots WHERE bucket IN "
                   "('otp-ip:cleanup-old', '%s')", bucket);
        if (!strcmp(code, "0") && !strcmp(slot, "0")) {
            break;
        }
        usleep(100000);
    }
    if (!strcmp(code, "0") && !strcmp(slot, "0")) {
        printf("old codes and slots deleted in the background within "
               "%.1f s\n", i / 10.0);
    }
    cr_assert_str_eq(code, "0", "the old expired codes are gone");
    /* limit slots are kept a week, the longest window an OTP limit may
     * have on any host sharing the database, then deleted */
    cr_assert_str_eq(slot, "0", "slots used eight days ago are gone");
    free(code);
    free(slot);
    out = sql("SELECT COUNT(*) FROM otp_codes WHERE id = '00000000-0000-4000-8000-0000000c1ea2'");
    cr_assert_str_eq(out, "1", "a code expired hours ago is kept");
    free(out);
    r = verify_otp(site("main"), "+96550000012", "12345", fake_ip());
    assert_error(r, 400, "OTP_EXPIRED");
    resp_free(r);
    out = sql("SELECT COUNT(*) FROM rate_slots WHERE bucket = 'otp-ip:cleanup-recent'");
    cr_assert_str_eq(out, "1", "a slot used two hours ago is kept");
    free(out);
    free(id);
    free(bucket);
}

Test(auth, security_log_through_a_piped_logger, .timeout = 30)
{
    char *phone = fake_phone(), *log = NULL, *needle;
    resp_t *r = send_otp(site("short"), phone, fake_ip());
    int i;

    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
    needle = fmt("\"phone\":\"+965****%s\"", phone + 8);
    for (i = 0; i < 50; i++) {     /* the pipe is asynchronous */
        free(log);
        log = slurp(fmt("%s/security-piped.log", getenv("CLINIC_RUN_DIR")));
        if (log && strstr(log, needle)) {
            break;
        }
        usleep(100000);
    }
    cr_assert(log && strstr(log, needle), "the piped logger got the otp_sent line");
    cr_assert(strstr(log, "\"event\":\"otp_sent\""));
    free(log);
    free(needle);
}

typedef struct {
    char *phones[20];
} sends_t;

static void send_one(void *arg, int i)
{
    sends_t *s = arg;
    resp_t *r = send_otp(site("main"), s->phones[i / 3], fake_ip());
    resp_free(r);
}

static char **all_codes(const char *phone, int *n)
{
    char url[256], **codes = calloc(8, sizeof(char *));
    resp_t *r;
    cJSON *rec;

    snprintf(url, sizeof(url), "%s/messages?to=%%2B%s", site("sms"), phone + 1);
    r = req("GET", url, NULL, NULL);
    *n = 0;
    cJSON_ArrayForEach(rec, r->json) {
        const char *m = cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "fields"),
                                            "message")->valuestring;
        const char *d = m + strcspn(m, "0123456789");
        if (*n < 8 && strlen(d) >= 5) {
            codes[(*n)++] = strndup(d, 5);
        }
    }
    resp_free(r);
    return codes;
}

Test(auth, parallel_sends_leave_one_usable_code, .timeout = 120)
{
    sends_t s;
    int p, i, k, round;

    for (p = 0; p < 20; p++) {
        s.phones[p] = fake_phone();
    }
    parallel(60, send_one, &s);        /* three at once for each phone */
    for (p = 0; p < 20; p++) {
        int n, logins = 0;
        char **codes = all_codes(s.phones[p], &n);
        cr_assert_eq(n, 3, "three SMS for %s", s.phones[p]);
        /* every code, twice over: one login at most, whatever the order */
        for (round = 0; round < 2; round++) {
            for (i = 0; i < n; i++) {
                resp_t *r = verify_otp(site("main"), s.phones[p], codes[i], fake_ip());
                logins += r->status == 200;
                cr_assert(r->status == 200 || r->status == 400, "%s", r->body);
                resp_free(r);
            }
        }
        cr_assert_eq(logins, 1, "%s: %d logins from one burst of sends", s.phones[p], logins);
        for (k = 0; k < n; k++) {
            free(codes[k]);
        }
        free(codes);
    }
}
