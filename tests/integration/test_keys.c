/*
 * SPDX-License-Identifier: Apache-2.0
 * Token keys that rotate, on three hosts sharing main's database:
 * keyold (jwt.key alone: before), keyrot (new.key signs, jwt.key still
 * verifies) and keyret (jwt.key removed).  None sets ClinicOTPSecretFile,
 * so their code keys are derived from their token keys.  The main host
 * signs with jwt.key as well.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <criterion/criterion.h>
#include <openssl/evp.h>

#include "client.h"

/* the kid the module gives a key file: the first 8 bytes of SHA-256 of
 * its text, trailing white space removed, in hex */
static char *kid_of(const char *path)
{
    char *key = slurp(path), *kid = malloc(17);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0, i;
    size_t len;

    cr_assert(key, "%s is not readable", path);
    len = strlen(key);
    while (len > 0 && strchr(" \t\r\n", key[len - 1])) {
        key[--len] = '\0';
    }
    cr_assert(EVP_Digest(key, len, md, &n, EVP_sha256(), NULL));
    for (i = 0; i < 8; i++) {
        sprintf(kid + 2 * i, "%02x", md[i]);
    }
    free(key);
    return kid;
}

/* the "kid" of a token's header, or NULL (caller frees) */
static char *token_kid(const char *tok)
{
    size_t n = strcspn(tok, "."), i;
    char *b64 = calloc(1, n + 4), *kid = NULL, *at;
    unsigned char *raw = calloc(1, n + 4);

    for (i = 0; i < n; i++) {
        b64[i] = tok[i] == '-' ? '+' : tok[i] == '_' ? '/' : tok[i];
    }
    while (i % 4) {
        b64[i++] = '=';
    }
    cr_assert(EVP_DecodeBlock(raw, (unsigned char *)b64, (int)i) > 0);
    if ((at = strstr((char *)raw, "\"kid\":\"")) != NULL) {
        at += 7;
        kid = strndup(at, strcspn(at, "\""));
    }
    free(b64);
    free(raw);
    return kid;
}

static long profile_status(const char *base, const char *tok, const char *ip)
{
    resp_t *r = call("GET", base, "/api/user/profile", NULL, tok, ip);
    long st = r->status;

    if (st != 200) {
        assert_error(r, 401, "INVALID_TOKEN");
    }
    resp_free(r);
    return st;
}

/* verify-otp on base, asserting 200; the token (caller frees) */
static char *logged_in(const char *base, const char *phone, const char *code,
                       const char *ip)
{
    resp_t *r = verify_otp(base, phone, code, ip);
    char *tok;

    cr_assert_eq(r->status, 200, "%s", r->body);
    tok = strdup(jstr(r, "data.token"));
    resp_free(r);
    return tok;
}

Test(keys, a_token_of_the_old_key_works_once_the_new_key_signs)
{
    char *ip = fake_ip(), *tok = login(site("main"), fake_phone(), ip);
    char *old_kid = kid_of(getenv("CLINIC_JWT_KEY")), *kid = token_kid(tok);

    cr_assert(kid, "the token names its key: %s", tok);
    cr_assert_str_eq(kid, old_kid);
    cr_assert_eq(profile_status(site("main"), tok, ip), 200);
    cr_assert_eq(profile_status(site("keyrot"), tok, ip), 200);
    free(kid);
    free(old_kid);
    free(tok);
}

Test(keys, the_new_signer_names_the_new_key)
{
    char *ip = fake_ip(), *tok = login(site("keyrot"), fake_phone(), ip);
    char *new_kid = kid_of(getenv("CLINIC_NEW_KEY")), *kid = token_kid(tok);

    cr_assert(kid, "the token names its key: %s", tok);
    cr_assert_str_eq(kid, new_kid);
    cr_assert_eq(profile_status(site("keyrot"), tok, ip), 200);
    cr_assert_eq(profile_status(site("keyret"), tok, ip), 200);
    /* a host that doesn't have the new key yet refuses it: why the new
     * key goes on every host before it signs anywhere */
    cr_assert_eq(profile_status(site("keyold"), tok, ip), 401);
    free(kid);
    free(new_kid);
    free(tok);
}

Test(keys, a_token_of_a_removed_key_is_refused)
{
    char *ip = fake_ip(), *phone = fake_phone();
    char *tok = login(site("main"), phone, ip), *log, *line, *id, *payload;
    long now = (long)time(NULL);
    resp_t *r;

    cr_assert_eq(profile_status(site("keyret"), tok, ip), 401);
    log = slurp(getenv("CLINIC_SECURITY_LOG"));
    line = strstr(log ? log : "", "\"reason\":\"unknown_key\"");
    cr_assert(line, "token_rejected with reason unknown_key is logged");
    free(log);

    /* a token from before kids (the fixed header) is tried against every
     * key: good while its key is in the ring, refused once it is not */
    r = call("GET", site("main"), "/api/user/profile", NULL, tok, ip);
    id = strdup(jstr(r, "data.user.id"));
    resp_free(r);
    payload = fmt("{\"sub\":\"%s\",\"phone\":\"%s\",\"iat\":%ld,\"exp\":%ld}",
                  id, phone, now, now + 3600);
    free(tok);
    tok = make_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload, NULL);
    cr_assert_eq(profile_status(site("keyrot"), tok, ip), 200);
    cr_assert_eq(profile_status(site("keyret"), tok, ip), 401);
    free(tok);
    free(payload);
    free(id);
}

Test(keys, a_code_sent_before_the_change_still_logs_in)
{
    char *ip = fake_ip(), *phone = fake_phone(), *code, *tok, *kid, *new_kid;

    /* sent while jwt.key signed; verified where new.key signs */
    resp_free(send_otp(site("keyold"), phone, ip));
    code = sms_code(phone);
    tok = logged_in(site("keyrot"), phone, code, ip);
    kid = token_kid(tok);
    new_kid = kid_of(getenv("CLINIC_NEW_KEY"));
    cr_assert_str_eq(kid, new_kid);
    free(tok);
    free(code);
    free(kid);
    free(new_kid);

    /* sent where new.key signs: good once jwt.key is gone */
    phone = fake_phone();
    resp_free(send_otp(site("keyrot"), phone, ip));
    code = sms_code(phone);
    free(logged_in(site("keyret"), phone, code, ip));
    free(code);
}

Test(keys, a_wrong_code_spends_one_attempt_whatever_the_keys)
{
    char *ip = fake_ip(), *phone = fake_phone(), *code, *wrong;
    resp_t *r;

    resp_free(send_otp(site("keyold"), phone, ip));
    code = sms_code(phone);
    wrong = strdup(code);
    wrong[0] = (char)(wrong[0] == '9' ? '0' : wrong[0] + 1);
    /* two code keys on keyrot: still one attempt per wrong try */
    r = verify_otp(site("keyrot"), phone, wrong, ip);
    assert_error(r, 400, "INVALID_OTP");
    cr_assert_eq(jnum(r, "error.details.attemptsRemaining"), 2, "%s", r->body);
    resp_free(r);
    r = verify_otp(site("keyrot"), phone, wrong, ip);
    cr_assert_eq(jnum(r, "error.details.attemptsRemaining"), 1, "%s", r->body);
    resp_free(r);
    free(logged_in(site("keyrot"), phone, code, ip));
    free(wrong);
    free(code);
}

/* ---- alone: the same rotation on one host, with real gracefuls ----------
 *
 * keyold's own configuration goes from [jwt.key] to [new.key, jwt.key] to
 * [new.key] through the harness's httpd.conf and a graceful restart
 * (SIGUSR1) each time, as an operator would; then back.  A graceful
 * changes what every test beside it sees, hence the pass of its own. */

static char *conf_text;         /* httpd.conf as the harness wrote it */

static void conf_write(const char *text)
{
    char *path = fmt("%s/httpd.conf", getenv("CLINIC_RUN_DIR"));
    FILE *f = fopen(path, "w");

    cr_assert(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
    free(path);
}

static void graceful(void)
{
    int old[64];

    graceful_restart(old, 64);
}

/* keyold's key lines replaced by `lines`, then a graceful */
static void keyold_keys(const char *lines)
{
    const char *run = getenv("CLINIC_RUN_DIR");
    char *needle = fmt("    ClinicJWTSecretFile \"%s/jwt.key\"\n"
                       "    ClinicSMSURL \"%s/ok/keyold\"", run, site("sms"));
    char *at = strstr(conf_text, needle), *text;

    cr_assert(at, "keyold's block is not in httpd.conf as expected");
    text = fmt("%.*s%s\n    ClinicSMSURL \"%s/ok/keyold\"%s",
               (int)(at - conf_text), conf_text, lines, site("sms"),
               at + strlen(needle));
    conf_write(text);
    graceful();
    free(text);
    free(needle);
}

static void restore_conf(void)
{
    if (conf_text) {
        conf_write(conf_text);
        graceful();
        free(conf_text);
        conf_text = NULL;
    }
}

/* wait (20 s at most) until tok gets `status` on keyold three times in a
 * row: the new generation of children serves */
static void until_keyold(const char *tok, long status)
{
    int i, row = 0;

    for (i = 0; i < 80 && row < 3; i++) {
        resp_t *r = try_call("GET", site("keyold"), "/api/user/profile", NULL,
                             tok, fake_ip());
        row = r->status == status ? row + 1 : 0;
        resp_free(r);
        if (row < 3) {
            usleep(250 * 1000);
        }
    }
    cr_assert_eq(row, 3, "keyold never answered %ld after the graceful", status);
}

Test(alone, a_key_rotated_through_gracefuls, .timeout = 120,
     .fini = restore_conf)
{
    const char *run = getenv("CLINIC_RUN_DIR");
    char *ip = fake_ip(), *phone = fake_phone(), *code, *kid, *new_kid;
    char *old_tok, *new_tok, *tok, *path;

    if (!getenv("CLINIC_ALONE")) {
        cr_skip_test("runs in the harness's pass of its own");
    }
    if (getenv("CLINIC_VALGRIND") && !strcmp(getenv("CLINIC_VALGRIND"), "1")) {
        cr_skip_test("httpd -X has no graceful restart");
    }
    path = fmt("%s/httpd.conf", run);
    conf_text = slurp(path);
    free(path);
    cr_assert(conf_text);
    new_kid = kid_of(getenv("CLINIC_NEW_KEY"));
    /* before: a token and a code in flight under jwt.key */
    old_tok = login(site("keyold"), fake_phone(), ip);
    new_tok = login(site("keyrot"), fake_phone(), ip);
    until_keyold(new_tok, 401);
    resp_free(send_otp(site("keyold"), phone, ip));
    code = sms_code(phone);

    /* 1 and 2 at once on this single host: new.key signs, jwt.key verifies */
    keyold_keys(fmt("    ClinicJWTSecretFile \"%s/new.key\"\n"
                    "    ClinicJWTSecretFile \"%s/jwt.key\"", run, run));
    until_keyold(new_tok, 200);
    cr_assert_eq(profile_status(site("keyold"), old_tok, ip), 200);
    tok = logged_in(site("keyold"), phone, code, ip);
    kid = token_kid(tok);
    cr_assert_str_eq(kid, new_kid, "the code sent before logs in, and the "
                     "token names the new key");
    free(kid);

    /* 3: jwt.key removed */
    keyold_keys(fmt("    ClinicJWTSecretFile \"%s/new.key\"", run));
    until_keyold(old_tok, 401);
    cr_assert_eq(profile_status(site("keyold"), tok, ip), 200);
    cr_assert_eq(profile_status(site("keyold"), new_tok, ip), 200);

    /* back as the harness wrote it (again in .fini if this fails first) */
    restore_conf();
    until_keyold(old_tok, 200);
    free(tok);
    free(code);
    free(old_tok);
    free(new_tok);
    free(new_kid);
}
