/*
 * SPDX-License-Identifier: Apache-2.0
 * Profile and phone change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "client.h"

static resp_t *put_profile(const char *tok, const char *ip, const char *body)
{
    return call("PUT", site("main"), "/api/user/profile", body, tok, ip);
}

Test(user, profile_get_and_update)
{
    char *phone = fake_phone(), *ip = fake_ip(), *tok = login(site("main"), phone, ip);
    char *before;
    resp_t *r = call("GET", site("main"), "/api/user/profile", NULL, tok, ip);

    cr_assert_eq(r->status, 200, "%s", r->body);
    assert_envelope(r, 1);
    cr_assert_str_eq(resp_header(r, "Cache-Control"), "no-store");
    cr_assert(cJSON_IsNull(jget(r, "data.user.activePackage")));
    before = strdup(jstr(r, "data.user.updatedAt"));
    resp_free(r);
    sleep(1);

    r = put_profile(tok, ip, "{\"name\": \"  Fatima Al-Sabah \", \"national_id\": \"287654321012\"}");
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.user.name"), "Fatima Al-Sabah");
    cr_assert_str_eq(jstr(r, "data.user.nationalId"), "287654321012");
    cr_assert_str_neq(jstr(r, "data.user.updatedAt"), before, "updatedAt moves");
    resp_free(r);

    /* camelCase key; only one field; the other stays */
    r = put_profile(tok, ip, "{\"nationalId\": \"111\"}");
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.user.name"), "Fatima Al-Sabah");
    cr_assert_str_eq(jstr(r, "data.user.nationalId"), "111");
    resp_free(r);

    /* null and "" clear */
    r = put_profile(tok, ip, "{\"name\": null, \"national_id\": \"   \"}");
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert(cJSON_IsNull(jget(r, "data.user.name")));
    cr_assert(cJSON_IsNull(jget(r, "data.user.nationalId")));
    resp_free(r);

    /* at least one field */
    r = put_profile(tok, ip, "{\"unknown\": 1}");
    assert_error(r, 400, "VALIDATION_ERROR");
    resp_free(r);
    free(before);
    free(tok);
}

Test(user, profile_text_rules)
{
    char *ip = fake_ip(), *tok = login(site("main"), fake_phone(), ip), *body;
    char arabic[1024] = "";
    resp_t *r;
    int i;

    /* 100 Arabic letters are 200 bytes and valid */
    for (i = 0; i < 100; i++) {
        strcat(arabic, "ع");
    }
    body = fmt("{\"name\": \"%s\"}", arabic);
    r = put_profile(tok, ip, body);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.user.name"), arabic);
    resp_free(r);
    free(body);
    strcat(arabic, "ع");
    body = fmt("{\"name\": \"%s\"}", arabic);
    r = put_profile(tok, ip, body);
    assert_error(r, 400, "VALIDATION_ERROR");
    cr_assert(jstr(r, "error.details.name"));
    resp_free(r);
    free(body);

    /* 51 characters of national ID */
    r = put_profile(tok, ip, "{\"nationalId\": \"123456789012345678901234567890123456789012345678901\"}");
    assert_error(r, 400, "VALIDATION_ERROR");
    cr_assert(jstr(r, "error.details.nationalId"), "%s", r->body);
    resp_free(r);

    /* control characters, wrong types */
    r = put_profile(tok, ip, "{\"name\": \"a\\u0007b\"}");
    assert_error(r, 400, "VALIDATION_ERROR");
    resp_free(r);
    r = put_profile(tok, ip, "{\"name\": \"line\\nbreak\"}");
    assert_error(r, 400, "VALIDATION_ERROR");
    resp_free(r);
    r = put_profile(tok, ip, "{\"name\": 42, \"national_id\": [1]}");
    assert_error(r, 400, "VALIDATION_ERROR");
    cr_assert(jstr(r, "error.details.name"));
    cr_assert(jstr(r, "error.details.national_id"));
    resp_free(r);

    /* stored and returned verbatim: quotes, SQL-looking text, emoji */
    r = put_profile(tok, ip, "{\"name\": \"O'Brien \\\"Bob\\\"; DROP TABLE users; -- 😀\"}");
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.user.name"), "O'Brien \"Bob\"; DROP TABLE users; -- 😀");
    resp_free(r);
    r = call("GET", site("main"), "/api/user/profile", NULL, tok, ip);
    cr_assert_str_eq(jstr(r, "data.user.name"), "O'Brien \"Bob\"; DROP TABLE users; -- 😀");
    resp_free(r);
    free(tok);
}

static resp_t *send_change(const char *tok, const char *ip, const char *phone, int alias)
{
    char *body = alias ? fmt("{\"new_phone_number\":\"%s\"}", phone)
                       : fmt("{\"phone_number\":\"%s\",\"purpose\":\"phone_change\"}", phone);
    resp_t *r = call("POST", site("main"),
                     alias ? "/api/user/send-phone-change-otp" : "/api/auth/send-otp",
                     body, tok, ip);
    free(body);
    return r;
}

Test(user, phone_change_end_to_end)
{
    char *old_phone = fake_phone(), *new_phone = fake_phone(), *ip = fake_ip();
    char *tok = login(site("main"), old_phone, ip), *code, *body, *new_tok, *id, *log;
    resp_t *r;

    r = call("GET", site("main"), "/api/user/profile", NULL, tok, ip);
    id = strdup(jstr(r, "data.user.id"));
    resp_free(r);

    r = send_change(tok, ip, new_phone, 0);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.purpose"), "phone_change");
    cr_assert_str_eq(jstr(r, "data.phoneNumber"), new_phone);
    resp_free(r);
    code = sms_code(new_phone);

    /* a login code can't be used for it, nor this code to log in */
    r = call("POST", site("main"), "/api/auth/verify-otp",
             fmt("{\"phone_number\":\"%s\",\"code\":\"%s\"}", new_phone, code), NULL, ip);
    assert_error(r, 400, "OTP_NOT_FOUND");
    resp_free(r);

    body = fmt("{\"new_phone_number\":\"%s\",\"otp_code\":\"%s\"}", new_phone, code);
    r = call("PUT", site("main"), "/api/user/phone", body, tok, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    assert_envelope(r, 1);
    cr_assert_str_eq(jstr(r, "data.user.phoneNumber"), new_phone);
    cr_assert_str_eq(jstr(r, "data.user.id"), id);
    new_tok = strdup(jstr(r, "data.token"));
    resp_free(r);

    /* the old token is dead, the new one works */
    r = call("GET", site("main"), "/api/user/profile", NULL, tok, ip);
    assert_error(r, 401, "INVALID_TOKEN");
    resp_free(r);
    r = call("GET", site("main"), "/api/user/profile", NULL, new_tok, ip);
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(jstr(r, "data.user.phoneNumber"), new_phone);
    resp_free(r);

    /* the code works once */
    r = call("PUT", site("main"), "/api/user/phone", body, new_tok, ip);
    assert_error(r, 400, "VALIDATION_ERROR");     /* already this user's number */
    resp_free(r);

    /* the old number now logs in as a new user */
    {
        resp_t *s;
        char *c;
        s = call("POST", site("main"), "/api/auth/send-otp",
                 fmt("{\"phone_number\":\"%s\"}", old_phone), NULL, fake_ip());
        resp_free(s);
        c = sms_code(old_phone);
        s = call("POST", site("main"), "/api/auth/verify-otp",
                 fmt("{\"phone_number\":\"%s\",\"code\":\"%s\"}", old_phone, c), NULL, fake_ip());
        cr_assert_eq(s->status, 200, "%s", s->body);
        cr_assert(cJSON_IsTrue(jget(s, "data.isNewUser")));
        cr_assert_str_neq(jstr(s, "data.user.id"), id);
        resp_free(s);
        free(c);
    }
    log = slurp(getenv("CLINIC_SECURITY_LOG"));
    cr_assert(strstr(log, "\"event\":\"phone_change_requested\""));
    cr_assert(strstr(log, "\"event\":\"phone_changed\""));
    free(log);
    free(body);
    free(code);
    free(new_tok);
    free(tok);
    free(id);
}

Test(user, phone_change_alias_and_conflicts)
{
    char *ip = fake_ip(), *mine = fake_phone(), *theirs = fake_phone(), *target = fake_phone();
    char *tok = login(site("main"), mine, ip), *other = login(site("main"), theirs, fake_ip());
    char *code, *body;
    resp_t *r;

    /* taken by another user */
    r = send_change(tok, ip, theirs, 1);
    assert_error(r, 409, "PHONE_EXISTS");
    resp_free(r);
    r = send_change(tok, ip, theirs, 0);
    assert_error(r, 409, "PHONE_EXISTS");
    resp_free(r);
    /* no token */
    r = call("POST", site("main"), "/api/user/send-phone-change-otp",
             fmt("{\"new_phone_number\":\"%s\"}", target), NULL, ip);
    assert_error(r, 401, "UNAUTHORIZED");
    resp_free(r);

    /* the alias sends to the new number */
    r = send_change(tok, ip, target, 1);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.purpose"), "phone_change");
    resp_free(r);
    code = sms_code(target);

    /* the code is bound to this user: another user can't use it */
    body = fmt("{\"newPhoneNumber\":\"%s\",\"otpCode\":\"%s\"}", target, code);
    r = call("PUT", site("main"), "/api/user/phone", body, other, fake_ip());
    assert_error(r, 400, "OTP_NOT_FOUND");
    resp_free(r);

    /* someone takes the number between send and verify: 409 at write time */
    {
        char *thief = login(site("main"), target, fake_ip());
        r = call("PUT", site("main"), "/api/user/phone", body, tok, ip);
        assert_error(r, 409, "PHONE_EXISTS");
        resp_free(r);
        free(thief);
    }
    /* wrong code on a free number counts attempts */
    {
        char *free_number = fake_phone(), *c2, *b2;
        resp_free(send_change(tok, ip, free_number, 1));
        c2 = sms_code(free_number);
        c2[0] = (char)(c2[0] == '9' ? '0' : c2[0] + 1);
        b2 = fmt("{\"new_phone_number\":\"%s\",\"otp_code\":\"%s\"}", free_number, c2);
        r = call("PUT", site("main"), "/api/user/phone", b2, tok, ip);
        assert_error(r, 400, "INVALID_OTP");
        cr_assert_eq(jnum(r, "error.details.attemptsRemaining"), 2);
        resp_free(r);
        free(b2);
        free(c2);
    }
    free(body);
    free(code);
    free(tok);
    free(other);
}

/* change the number of the token's user to `to`; returns the new token */
static char *change_phone(const char *tok, const char *ip, const char *to)
{
    char *code, *body, *new_tok;
    resp_t *r = send_change(tok, ip, to, 1);

    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
    code = sms_code(to);
    body = fmt("{\"new_phone_number\":\"%s\",\"otp_code\":\"%s\"}", to, code);
    r = call("PUT", site("main"), "/api/user/phone", body, tok, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    new_tok = strdup(jstr(r, "data.token"));
    resp_free(r);
    free(body);
    free(code);
    return new_tok;
}

Test(user, old_tokens_stay_dead_when_the_number_comes_back)
{
    char *a = fake_phone(), *b = fake_phone(), *ip = fake_ip();
    char *t1 = login(site("main"), a, ip), *t2, *t3;
    resp_t *r;

    t2 = change_phone(t1, ip, b);
    t3 = change_phone(t2, ip, a);          /* back to the first number */
    r = call("GET", site("main"), "/api/user/profile", NULL, t1, ip);
    assert_error(r, 401, "INVALID_TOKEN");  /* its phone matches again, still dead */
    resp_free(r);
    r = call("GET", site("main"), "/api/user/profile", NULL, t2, ip);
    assert_error(r, 401, "INVALID_TOKEN");
    resp_free(r);
    r = call("GET", site("main"), "/api/user/profile", NULL, t3, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(jstr(r, "data.user.phoneNumber"), a);
    resp_free(r);
    free(t1);
    free(t2);
    free(t3);
}

typedef struct {
    char *tok[2], *body[2];
    long status[2];
} swap_t;

static void put_phone(void *arg, int i)
{
    swap_t *s = arg;
    resp_t *r = call("PUT", site("main"), "/api/user/phone", s->body[i], s->tok[i], fake_ip());
    s->status[i] = r->status;
    resp_free(r);
}

Test(user, two_users_racing_for_one_number, .timeout = 60)
{
    char *target = fake_phone();
    swap_t s;
    int i, ok = 0, conflict = 0;
    char *holders;

    for (i = 0; i < 2; i++) {
        char *ip = fake_ip(), *code;
        resp_t *r;
        s.tok[i] = login(site("main"), fake_phone(), ip);
        r = send_change(s.tok[i], ip, target, 1);
        cr_assert_eq(r->status, 200, "%s", r->body);
        resp_free(r);
        while (sms_count(target) < i + 1) {
            usleep(50000);
        }
        code = sms_code(target);
        s.body[i] = fmt("{\"new_phone_number\":\"%s\",\"otp_code\":\"%s\"}", target, code);
        free(code);
    }
    parallel(2, put_phone, &s);
    for (i = 0; i < 2; i++) {
        ok += s.status[i] == 200;
        conflict += s.status[i] == 409;
    }
    cr_assert_eq(ok, 1, "one user gets the number (%ld, %ld)", s.status[0], s.status[1]);
    cr_assert_eq(conflict, 1);
    holders = sql("SELECT COUNT(*) FROM users WHERE phone_number = '%s'", target);
    cr_assert_str_eq(holders, "1");
    free(holders);
}
