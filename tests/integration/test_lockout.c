/*
 * SPDX-License-Identifier: Apache-2.0
 * Strangers and owners: a number flooded with sends from many addresses
 * still lets its owner's device (the device token of an earlier login)
 * get a code and log in; without a device token the 3 sends a number a
 * 15 minutes still hold; strangers get at most 20 wrong codes a number a
 * day however many addresses they use, counted in the database that two
 * virtual hosts share; and a device token that is forged, another
 * number's or expired counts as none.
 *
 * Tests pose as many clients with X-Forwarded-For (trusted from loopback
 * on main and limits).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <criterion/criterion.h>

#include "client.h"

#define SEND "/api/auth/send-otp"
#define VERIFY "/api/auth/verify-otp"

/* send-otp for phone from ip, with a device token (raw JSON value, or
 * NULL for none) */
static resp_t *send_dev(const char *base, const char *phone,
                        const char *token_json, const char *ip)
{
    char *body = token_json
        ? fmt("{\"phone_number\":\"%s\",\"deviceToken\":%s}", phone,
              token_json)
        : fmt("{\"phone_number\":\"%s\"}", phone);
    resp_t *r = call("POST", base, SEND, body, NULL, ip);

    free(body);
    return r;
}

static resp_t *verify_dev(const char *base, const char *phone,
                          const char *code, const char *token_json,
                          const char *ip)
{
    char *body = token_json
        ? fmt("{\"phone_number\":\"%s\",\"code\":\"%s\",\"device_token\":%s}",
              phone, code, token_json)
        : fmt("{\"phone_number\":\"%s\",\"code\":\"%s\"}", phone, code);
    resp_t *r = call("POST", base, VERIFY, body, NULL, ip);

    free(body);
    return r;
}

/* a JSON string of text (no characters that need escaping in tokens) */
static char *quoted(const char *text)
{
    return fmt("\"%s\"", text);
}

/* log phone in from ip; its device token, quoted as JSON */
static char *owner_login(const char *phone, const char *ip)
{
    resp_t *r = send_dev(site("main"), phone, NULL, ip);
    char *code, *dev;

    cr_assert_eq(r->status, 200, "send-otp: %s", r->body);
    resp_free(r);
    code = sms_code(phone);
    r = verify_dev(site("main"), phone, code, NULL, ip);
    cr_assert_eq(r->status, 200, "verify-otp: %s", r->body);
    cr_assert(jstr(r, "data.deviceToken"), "verify-otp hands out no device "
              "token: %s", r->body);
    dev = quoted(jstr(r, "data.deviceToken"));
    resp_free(r);
    free(code);
    return dev;
}

/* a 5-digit code that is not code */
static char *wrong_of(const char *code)
{
    return fmt("%05d", (atoi(code) + 1) % 100000);
}

static void assert_retry_after(const resp_t *r, int most)
{
    const char *h = resp_header(r, "Retry-After");

    cr_assert(h, "429 without Retry-After: %s", r->body);
    cr_assert(atoi(h) > 0 && atoi(h) <= most, "Retry-After %s", h);
    cr_assert(jnum(r, "error.details.retryAfter") > 0, "%s", r->body);
}

/* send from n fresh addresses; how many were refused 429 (every answer
 * is 200 or 429) */
static int flood(const char *phone, int n)
{
    int i, refused = 0;

    for (i = 0; i < n; i++) {
        char *ip = fake_ip();
        resp_t *r = send_dev(site(i % 2 ? "limits" : "main"), phone, NULL,
                             ip);

        cr_assert(r->status == 200 || r->status == 429, "%ld %s", r->status,
                  r->body);
        if (r->status == 429) {
            assert_error(r, 429, "RATE_LIMITED");
            assert_retry_after(r, 900);
            refused++;
        }
        resp_free(r);
        free(ip);
    }
    return refused;
}

/* the owner's device gets a code for phone and logs in with it */
static void owner_logs_in(const char *phone, const char *dev, const char *ip)
{
    resp_t *r = send_dev(site("main"), phone, dev, ip);
    char *code;

    cr_assert_eq(r->status, 200, "the owner's device was locked out: %ld %s",
                 r->status, r->body);
    resp_free(r);
    code = sms_code(phone);
    r = verify_dev(site("main"), phone, code, dev, ip);
    cr_assert_eq(r->status, 200, "the owner's login: %s", r->body);
    cr_assert(jstr(r, "data.token") && jstr(r, "data.deviceToken"), "%s",
              r->body);
    resp_free(r);
    free(code);
}

Test(lockout, a_flooded_number_still_lets_its_owners_device_log_in,
     .timeout = 90)
{
    char *phone = fake_phone(), *home = fake_ip();
    char *dev = owner_login(phone, home);
    int refused;

    /* 30 strangers, each from an address of its own, on two hosts */
    refused = flood(phone, 30);
    cr_assert_geq(refused, 28, "only %d of 30 strangers' sends were refused",
                  refused);
    owner_logs_in(phone, dev, home);
    /* and from another network (the device, not the address, counts) */
    {
        char *away = fake_ip();
        cr_assert_eq(flood(phone, 3), 3);
        owner_logs_in(phone, dev, away);
        free(away);
    }
    free(phone);
    free(home);
    free(dev);
}

Test(lockout, three_sends_a_number_hold_for_any_one_requester, .timeout = 60)
{
    char *phone = fake_phone(), *home = fake_ip();
    char *dev = owner_login(phone, home);
    resp_t *r;
    int i;

    /* strangers: the login's send and two more, then 429 (from anywhere) */
    cr_assert_eq(flood(phone, 2), 0, "a stranger refused below the limit");
    cr_assert_eq(flood(phone, 3), 3, "a 4th send without a device token");
    /* the device: three sends of its own in 15 minutes, then 429 */
    for (i = 0; i < 3; i++) {
        r = send_dev(site(i % 2 ? "limits" : "main"), phone, dev, home);
        cr_assert_eq(r->status, 200, "device send %d: %s", i + 1, r->body);
        resp_free(r);
    }
    r = send_dev(site("main"), phone, dev, home);
    assert_error(r, 429, "RATE_LIMITED");
    assert_retry_after(r, 900);
    resp_free(r);
    free(phone);
    free(home);
    free(dev);
}

/* a stranger's send of a fresh code to phone, as if 15 minutes had
 * passed since the last ones (the per-number send limit is tested above;
 * here the guesses need more codes than it allows at once) */
static char *stranger_code(const char *phone)
{
    char *ip = fake_ip(), *out;
    resp_t *r;

    free(sql("DELETE FROM rate_slots WHERE bucket = 'otp-phone:%s'", phone));
    r = send_dev(site("main"), phone, NULL, ip);
    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
    out = sms_code(phone);
    free(ip);
    return out;
}

Test(lockout, strangers_get_20_wrong_codes_a_number_a_day, .timeout = 120)
{
    char *phone = fake_phone(), *home = fake_ip();
    char *dev = owner_login(phone, home), *code = NULL, *wrong, *n;
    resp_t *r;
    int g;

    /* 20 wrong codes from 20 addresses, alternately through two hosts
     * sharing the database, over 7 codes of 3 attempts each */
    for (g = 0; g < 20; g++) {
        char *ip = fake_ip();

        if (g % 3 == 0) {
            free(code);
            code = stranger_code(phone);
        }
        wrong = wrong_of(code);
        r = verify_dev(site(g % 2 ? "limits" : "main"), phone, wrong, NULL,
                       ip);
        assert_error(r, 400, "INVALID_OTP");
        resp_free(r);
        free(wrong);
        free(ip);
    }
    /* a fresh code, and the 21st wrong guess from yet another address */
    free(code);
    code = stranger_code(phone);
    wrong = wrong_of(code);
    {
        char *ip = fake_ip();
        r = verify_dev(site("limits"), phone, wrong, NULL, ip);
        assert_error(r, 429, "RATE_LIMITED");
        assert_retry_after(r, 86400);
        cr_log_info("strangers on 21 addresses: 20 wrong codes, then 429 "
                    "with Retry-After %s s", resp_header(r, "Retry-After"));
        resp_free(r);
        free(ip);
    }
    n = sql("SELECT COUNT(*) FROM rate_slots WHERE bucket = 'otp-guess:%s' "
            "AND used_at > 0", phone);
    cr_assert_str_eq(n, "20", "wrong codes counted in the database");
    free(n);
    /* it spent no attempt of the live code: the owner's device still has
     * all three, and logs in */
    r = verify_dev(site("main"), phone, wrong, dev, home);
    assert_error(r, 400, "INVALID_OTP");
    cr_assert_eq(jnum(r, "error.details.attemptsRemaining"), 2, "%s",
                 r->body);
    resp_free(r);
    r = verify_dev(site("main"), phone, code, dev, home);
    cr_assert_eq(r->status, 200, "the owner's device under the attack: %s",
                 r->body);
    cr_log_info("the owner's device logs in under the attack: %ld in "
                "%.3f s", r->status, r->seconds);
    resp_free(r);
    /* and gets a fresh code of its own and logs in again */
    owner_logs_in(phone, dev, home);
    free(wrong);
    free(code);
    free(phone);
    free(home);
    free(dev);
}

Test(lockout, only_wrong_codes_are_counted_as_guesses, .timeout = 60)
{
    char *phone = fake_phone(), *n;
    int i;

    /* three logins without a device token spend nothing of the budget */
    for (i = 0; i < 3; i++) {
        char *ip = fake_ip(), *code = stranger_code(phone);
        resp_t *r = verify_dev(site("main"), phone, code, NULL, ip);

        cr_assert_eq(r->status, 200, "%s", r->body);
        resp_free(r);
        /* a code used up: OTP_NOT_FOUND, no wrong guess either */
        r = verify_dev(site("main"), phone, code, NULL, ip);
        assert_error(r, 400, "OTP_NOT_FOUND");
        resp_free(r);
        free(code);
        free(ip);
    }
    /* and one wrong code is one */
    {
        char *ip = fake_ip(), *code = stranger_code(phone);
        char *wrong = wrong_of(code);
        resp_t *r = verify_dev(site("main"), phone, wrong, NULL, ip);

        assert_error(r, 400, "INVALID_OTP");
        resp_free(r);
        free(wrong);
        free(code);
        free(ip);
    }
    n = sql("SELECT COUNT(*) FROM rate_slots WHERE bucket = 'otp-guess:%s' "
            "AND used_at > 0", phone);
    cr_assert_str_eq(n, "1", "right codes were counted as wrong ones");
    free(n);
    free(phone);
}

/* ---- device tokens that count as none ----------------------------------- */

static char *b64url(const unsigned char *in, size_t len)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    int k = EVP_EncodeBlock((unsigned char *)out, in, (int)len), i;

    while (k > 0 && out[k - 1] == '=') {
        k--;
    }
    out[k] = '\0';
    for (i = 0; i < k; i++) {
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    }
    return out;
}

/* a device token as API.md describes it, signed with the harness's
 * token key under kid (quoted as JSON) */
static char *signed_device(const char *kid, const char *phone, long iat,
                           long exp)
{
    char *key = slurp(getenv("CLINIC_JWT_KEY")), *payload, *p64, *head;
    char *text, *sig, *tok;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    size_t klen;

    cr_assert(key, "CLINIC_JWT_KEY is not readable");
    klen = strlen(key);
    while (klen > 0 && strchr(" \t\r\n", key[klen - 1])) {
        key[--klen] = '\0';
    }
    payload = fmt("0123456789abcdef0123456789abcdef|%s|%ld|%ld", phone, iat,
                  exp);
    p64 = b64url((unsigned char *)payload, strlen(payload));
    head = fmt("d1.%s.%s", kid, p64);
    text = fmt("clinic-device-token:%s", head);
    HMAC(EVP_sha256(), key, (int)klen, (unsigned char *)text, strlen(text),
         mac, &maclen);
    sig = b64url(mac, maclen);
    tok = fmt("\"%s.%s\"", head, sig);
    free(key);
    free(payload);
    free(p64);
    free(head);
    free(text);
    free(sig);
    return tok;
}

Test(lockout, a_forged_foreign_or_expired_device_token_counts_as_none,
     .timeout = 90)
{
    char *phone = fake_phone(), *other = fake_phone(), *home = fake_ip();
    char *mine = owner_login(phone, home), *theirs = owner_login(other, home);
    char kid[17], *forged, *expired, *good, *code, *wrong, *n;
    const char *bad[8];
    resp_t *r;
    int i;

    /* the kid of this server's signing key, from a genuine token */
    cr_assert_eq(strncmp(mine, "\"d1.", 4), 0, "%s", mine);
    memcpy(kid, mine + 4, 16);
    kid[16] = '\0';
    good = signed_device(kid, phone, (long)time(NULL) - 60,
                         (long)time(NULL) + 3600);
    expired = signed_device(kid, phone, (long)time(NULL) - 100 * 86400,
                            (long)time(NULL) - 1);
    /* the other number's token with this number's payload, its own MAC */
    {
        char *p = strdup(good), *q = strdup(theirs);
        char *psig = strrchr(p, '.'), *qsig = strrchr(q, '.');
        *psig = '\0';
        forged = fmt("%s%s", p, qsig);
        free(p);
        free(q);
    }
    bad[0] = theirs;
    bad[1] = forged;
    bad[2] = expired;
    bad[3] = "\"d1.0000000000000000.AAAA.AAAA\"";
    bad[4] = "\"not a token\"";
    bad[5] = "12345";
    bad[6] = "{\"a\":1}";
    bad[7] = NULL;

    cr_assert_eq(flood(phone, 5), 3, "the number is not flooded");
    code = sms_code(phone);
    wrong = wrong_of(code);
    for (i = 0; bad[i]; i++) {
        char *ip = fake_ip();

        r = send_dev(site("main"), phone, bad[i], ip);
        cr_assert_eq(r->status, 429, "token %d was not ignored: %ld %s", i,
                     r->status, r->body);
        assert_error(r, 429, "RATE_LIMITED");
        resp_free(r);
        /* a wrong code with it: a stranger's wrong code, never a 500 */
        r = verify_dev(site("main"), phone, wrong, bad[i], ip);
        cr_assert_eq(r->status, 400, "verify with token %d: %ld %s", i,
                     r->status, r->body);
        resp_free(r);
        free(ip);
    }
    n = sql("SELECT COUNT(*) FROM rate_slots WHERE bucket = 'otp-guess:%s' "
            "AND used_at > 0", phone);
    /* the code had 3 attempts: three wrong codes, then four refusals
     * that are no guesses; all of them a stranger's, on the number */
    cr_assert_str_eq(n, "3", "the wrong codes were not the number's");
    free(n);
    /* the checks above are of the token, not of the number: a well made
     * token of this number's gets through */
    r = send_dev(site("main"), phone, good, home);
    cr_assert_eq(r->status, 200, "a good device token: %s", r->body);
    resp_free(r);
    owner_logs_in(phone, mine, home);
    free(phone);
    free(other);
    free(home);
    free(mine);
    free(theirs);
    free(forged);
    free(expired);
    free(good);
    free(code);
    free(wrong);
}
