/*
 * SPDX-License-Identifier: Apache-2.0
 * Languages (issue 22): answers in Arabic or English by Accept-Language,
 * else ClinicLanguage (the lang host), with Content-Language and Vary;
 * error codes, fields and details unchanged; send-otp's language picks
 * the code's text, which reaches the gateway whole in each body encoding;
 * the package list's ETag never crosses languages.  The directives'
 * configtest: test_language_cfg.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <criterion/criterion.h>

#include "client.h"

#define AR_INVALID "يحتوي الطلب على حقول غير صالحة."
#define AR_SENT "تم إرسال رمز التحقق في رسالة نصية."
#define EN_SENT "A verification code was sent by SMS."
#define AR_TEXT "رمز التحقق الخاص بك هو "
#define EN_TEXT "Your verification code is "
/* the lang host's own texts (tests/httpd-test.conf.in) */
#define LANG_AR_TEXT "رمز الدخول إلى العيادة: "
#define LANG_EN_TEXT "Clinic sign-in code: "

/* A request with Accept-Language lang (none when NULL), a JSON body, a
 * token, a client address, and one more header */
static resp_t *ask(const char *method, const char *base, const char *path,
                   const char *body, const char *lang, const char *token,
                   const char *ip, const char *extra)
{
    char url[1024], al[256], auth[2048], xff[128];
    const char *h[7];
    int n = 0;

    snprintf(url, sizeof(url), "%s%s", base, path);
    if (body) {
        h[n++] = "Content-Type: application/json";
    }
    if (lang) {
        snprintf(al, sizeof(al), "Accept-Language: %s", lang);
        h[n++] = al;
    }
    if (token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        h[n++] = auth;
    }
    if (ip) {
        snprintf(xff, sizeof(xff), "X-Forwarded-For: %s", ip);
        h[n++] = xff;
    }
    if (extra) {
        h[n++] = extra;
    }
    h[n] = NULL;
    return req(method, url, body, h);
}

/* every Vary line of the answer, joined */
static char *vary_of(const resp_t *r)
{
    char *out = calloc(1, 1);
    const char *line = r->headers;

    while (line && *line) {
        if (!strncasecmp(line, "Vary:", 5)) {
            size_t n = strcspn(line + 5, "\r\n");
            char *more = fmt("%s,%.*s", out, (int)n, line + 5);

            free(out);
            out = more;
        }
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    return out;
}

/* Content-Language is lang; Vary names Accept-Language, once */
static void assert_lang(const resp_t *r, const char *lang)
{
    const char *cl = resp_header(r, "Content-Language");
    char *vary = vary_of(r), *at;

    cr_assert(cl, "no Content-Language:\n%s", r->headers);
    cr_assert_str_eq(cl, lang, "%s", r->headers);
    at = strcasestr(vary, "Accept-Language");
    cr_assert(at, "Vary has no Accept-Language:\n%s", r->headers);
    cr_assert_null(strcasestr(at + 1, "Accept-Language"),
                   "Accept-Language twice in Vary:\n%s", r->headers);
    free(vary);
}

static const char *message_of(const resp_t *r)
{
    const char *m = jstr(r, "error.message");

    return m ? m : jstr(r, "message");
}

/* the text of the newest SMS to phone (in field), its code in *code */
static char *sms_text(const char *phone, const char *field, char **code)
{
    cJSON *rec = sms_last(phone);
    const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(
        cJSON_GetObjectItem(rec, "fields"), field));
    char *text;

    cr_assert(t, "no field %s in the SMS to %s", field, phone);
    text = strdup(t);
    cJSON_Delete(rec);
    *code = sms_code(phone);
    return text;
}

/* The SMS to phone is prefix followed by its code */
static void assert_sms(const char *phone, const char *field,
                       const char *prefix)
{
    char *code, *text = sms_text(phone, field, &code), *want;

    want = fmt("%s%s", prefix, code);
    cr_assert_str_eq(text, want, "the SMS to %s", phone);
    free(want);
    free(text);
    free(code);
}

Test(language, arabic_message_same_code_fields_and_details)
{
    const char *body = "{\"phone_number\": \"12345\"}";
    char *ip = fake_ip(), *en_details, *ar_details;
    resp_t *en = ask("POST", site("main"), "/api/auth/send-otp", body, NULL,
                     NULL, ip, NULL);
    resp_t *ar = ask("POST", site("main"), "/api/auth/send-otp", body,
                     "ar-KW,ar;q=0.9,en;q=0.5", NULL, ip, NULL);

    assert_error(en, 400, "VALIDATION_ERROR");
    assert_error(ar, 400, "VALIDATION_ERROR");
    cr_assert_str_eq(message_of(en), "The request has invalid fields.");
    cr_assert_str_eq(message_of(ar), AR_INVALID);
    en_details = cJSON_PrintUnformatted(jget(en, "error.details"));
    ar_details = cJSON_PrintUnformatted(jget(ar, "error.details"));
    cr_assert(jstr(ar, "error.details.phone_number"), "%s", ar->body);
    cr_assert_str_eq(ar_details, en_details);
    assert_lang(en, "en");
    assert_lang(ar, "ar");
    /* plain UTF-8: no \u escapes, no bidi controls */
    cr_assert_null(strstr(ar->body, "\\u"), "%s", ar->body);
    cr_assert_null(strstr(ar->body, "\xe2\x80\x8f"), "an RLM in %s", ar->body);
    cr_assert_null(strstr(ar->body, "\xe2\x80\xab"), "an RLE in %s", ar->body);
    cr_assert_null(strstr(ar->body, "\xe2\x81\xa7"), "an RLI in %s", ar->body);
    free(en_details);
    free(ar_details);
    resp_free(en);
    resp_free(ar);
}

Test(language, english_without_the_header_or_when_asked)
{
    static const char *const asks[] = {
        NULL, "en", "en-US", "fr-FR", "ar;q=0, en;q=0.1", "ar;q=5",
        "*", "", "en-US,en;q=0.9,ar;q=0.8",
    };
    size_t i;

    for (i = 0; i < sizeof(asks) / sizeof(asks[0]); i++) {
        resp_t *r = ask("GET", site("main"), "/api/health", NULL, asks[i],
                        NULL, fake_ip(), NULL);

        cr_assert_eq(r->status, 200, "%s", r->body);
        cr_assert_str_eq(message_of(r), "The service is healthy.",
                         "Accept-Language: %s", asks[i] ? asks[i] : "(none)");
        assert_lang(r, "en");
        resp_free(r);
    }
}

Test(language, success_answers_in_arabic)
{
    static const char *const asks[] = {
        "ar", "AR-kw", "ar-SA;q=0.8, fr;q=0.9", "en;q=0, *",
        "fr-FR,fr;q=0.9,ar;q=0.8",
    };
    size_t i;
    resp_t *r;

    for (i = 0; i < sizeof(asks) / sizeof(asks[0]); i++) {
        r = ask("GET", site("main"), "/api/health", NULL, asks[i], NULL,
                fake_ip(), NULL);
        cr_assert_eq(r->status, 200, "%s", r->body);
        cr_assert_str_eq(message_of(r), "الخدمة تعمل بشكل سليم.",
                         "Accept-Language: %s", asks[i]);
        assert_lang(r, "ar");
        resp_free(r);
    }
    r = ask("GET", site("main"), "/api/version", NULL, "ar", NULL, fake_ip(),
            NULL);
    cr_assert_str_eq(jstr(r, "data.name"), "mod_clinic");
    cr_assert(strstr(message_of(r), "الإصدار"), "%s", r->body);
    cr_assert(strstr(message_of(r), jstr(r, "data.version")), "%s", r->body);
    resp_free(r);
}

/* A login in Arabic: every answer's message, and the SMS, in Arabic */
Test(language, a_login_in_arabic)
{
    char *phone = fake_phone(), *ip = fake_ip(), *code, *body;
    resp_t *r;
    char *token;

    body = fmt("{\"phone_number\":\"%s\"}", phone);
    r = ask("POST", site("main"), "/api/auth/send-otp", body, "ar", NULL, ip,
            NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(message_of(r), AR_SENT);
    cr_assert_str_eq(jstr(r, "data.phoneNumber"), phone);
    assert_lang(r, "ar");
    resp_free(r);
    free(body);
    /* Accept-Language chose the text too; the form body carried it */
    assert_sms(phone, "message", AR_TEXT);
    code = sms_code(phone);
    body = fmt("{\"phone_number\":\"%s\",\"code\":\"%s\"}", phone, code);
    r = ask("POST", site("main"), "/api/auth/verify-otp", body, "ar", NULL,
            ip, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(message_of(r), "تم تسجيل دخولك.");
    token = strdup(jstr(r, "data.token"));
    resp_free(r);
    /* the same code again: spent, in Arabic, the same code */
    r = ask("POST", site("main"), "/api/auth/verify-otp", body, "ar", NULL,
            ip, NULL);
    assert_error(r, 400, "OTP_NOT_FOUND");
    cr_assert(!strcmp(message_of(r), "لم يعد هذا الرمز صالحًا. يرجى طلب رمز "
                                     "جديد.")
              || !strcmp(message_of(r), "لا يوجد رمز بانتظار التحقق لهذا "
                                        "الرقم. يرجى طلب رمز جديد."),
              "%s", r->body);
    resp_free(r);
    r = ask("GET", site("main"), "/api/user/profile", NULL, "ar", token, ip,
            NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(message_of(r), "ملفك الشخصي.");
    assert_lang(r, "ar");
    resp_free(r);
    /* a refused token: 401, its header, the Arabic */
    r = ask("GET", site("main"), "/api/user/profile", NULL, "ar",
            "not-a-token", ip, NULL);
    assert_error(r, 401, "INVALID_TOKEN");
    cr_assert_str_eq(message_of(r), "رمز الدخول غير صالح.");
    cr_assert(resp_header(r, "WWW-Authenticate"));
    assert_lang(r, "ar");
    resp_free(r);
    free(body);
    free(code);
    free(token);
    free(phone);
    free(ip);
}

/* Errors httpd raises itself, made JSON by the error filter */
Test(language, httpd_errors_in_arabic)
{
    char *ip = fake_ip();
    resp_t *r;

    r = ask("TRACE", site("main"), "/api/health", NULL, "ar", NULL, ip,
            NULL);
    assert_error(r, 405, "METHOD_NOT_ALLOWED");
    cr_assert_str_eq(message_of(r), "هذه الطريقة غير مسموح بها هنا.");
    assert_lang(r, "ar");
    resp_free(r);
    r = ask("TRACE", site("main"), "/api/health", NULL, NULL, NULL, ip, NULL);
    assert_error(r, 405, "METHOD_NOT_ALLOWED");
    cr_assert_str_eq(message_of(r), "This method is not allowed here.");
    assert_lang(r, "en");
    resp_free(r);
    /* a NUL in the path, refused before any handler */
    r = ask("GET", site("main"), "/api/%00health", NULL, "ar", NULL, ip,
            NULL);
    cr_assert(r->status == 400 || r->status == 404, "%ld", r->status);
    assert_envelope(r, 0);
    cr_assert(strstr(message_of(r), "\xd8"), "not Arabic: %s", r->body);
    assert_lang(r, "ar");
    resp_free(r);
    /* a HEAD has no message, but says its language */
    r = ask("HEAD", site("main"), "/api/%00health", NULL, "ar", NULL, ip,
            NULL);
    cr_assert(r->status == 400 || r->status == 404, "%ld", r->status);
    assert_lang(r, "ar");
    resp_free(r);
    free(ip);
}

Test(language, module_errors_in_arabic)
{
    char *ip = fake_ip(), *big;
    resp_t *r;
    const char *id;
    char idcopy[128];

    /* no such route; a method the route lacks (with its list) */
    r = ask("GET", site("main"), "/api/nothing-here", NULL, "ar", NULL, ip,
            NULL);
    assert_error(r, 404, "NOT_FOUND");
    cr_assert_str_eq(message_of(r), "هذا المسار غير موجود في الواجهة البرمجية.");
    assert_lang(r, "ar");
    resp_free(r);
    r = ask("DELETE", site("main"), "/api/health", NULL, "ar", NULL, ip,
            NULL);
    assert_error(r, 405, "METHOD_NOT_ALLOWED");
    cr_assert_str_eq(message_of(r), "استخدم GET, HEAD, OPTIONS لهذا المسار.");
    cr_assert_str_eq(resp_header(r, "Allow"), "GET, HEAD, OPTIONS");
    resp_free(r);
    /* the body's errors: not JSON, too large (ClinicMaxBody 1024 there) */
    r = ask("POST", site("main"), "/api/auth/send-otp", "{nope", "ar", NULL,
            ip, NULL);
    assert_error(r, 400, "INVALID_JSON");
    cr_assert_str_eq(message_of(r), "محتوى الطلب ليس JSON صالحًا.");
    resp_free(r);
    big = calloc(1, 2100);
    strcpy(big, "{\"phone_number\":\"");
    memset(big + strlen(big), 'x', 2000);
    strcat(big, "\"}");
    r = ask("POST", site("short"), "/api/auth/send-otp", big, "ar", NULL, ip,
            NULL);
    assert_error(r, 413, "PAYLOAD_TOO_LARGE");
    cr_assert_str_eq(message_of(r), "حجم محتوى الطلب أكبر من 1024 بايت.");
    assert_lang(r, "ar");
    resp_free(r);
    free(big);
    /* a 500 quotes its reference in Arabic too */
    r = ask("POST", site("readonly"), "/api/auth/send-otp",
            "{\"phone_number\": \"+96550000000\"}", "ar", NULL, ip, NULL);
    id = resp_header(r, "X-Request-Id");
    cr_assert(id);
    snprintf(idcopy, sizeof(idcopy), "%s", id);
    assert_error(r, 500, "INTERNAL_ERROR");
    big = fmt("حدث خطأ ما. الرقم المرجعي: %s.", idcopy);
    cr_assert_str_eq(message_of(r), big);
    free(big);
    assert_lang(r, "ar");
    resp_free(r);
    free(ip);
}

/* send-otp's language: the text, not the answer */
Test(language, the_language_field_picks_the_text)
{
    char *phone = fake_phone(), *ip = fake_ip(), *body;
    resp_t *r;

    body = fmt("{\"phone_number\":\"%s\",\"language\":\"ar\"}", phone);
    r = ask("POST", site("main"), "/api/auth/send-otp", body, "en", NULL, ip,
            NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(message_of(r), EN_SENT);
    assert_lang(r, "en");
    resp_free(r);
    free(body);
    assert_sms(phone, "message", AR_TEXT);
    free(phone);

    phone = fake_phone();
    body = fmt("{\"phone_number\":\"%s\",\"language\":\"en\"}", phone);
    r = ask("POST", site("main"), "/api/auth/send-otp", body, "ar", NULL, ip,
            NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(message_of(r), AR_SENT);
    resp_free(r);
    free(body);
    assert_sms(phone, "message", EN_TEXT);
    free(phone);

    /* null is no choice: Accept-Language's */
    phone = fake_phone();
    body = fmt("{\"phone_number\":\"%s\",\"language\":null}", phone);
    r = ask("POST", site("main"), "/api/auth/send-otp", body, "ar", NULL, ip,
            NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
    free(body);
    assert_sms(phone, "message", AR_TEXT);
    free(phone);
    free(ip);
}

Test(language, an_invalid_language_is_400)
{
    static const char *const bad[] = {
        "\"fr\"", "\"AR\"", "\"ar-KW\"", "\"\"", "5", "true", "[\"ar\"]",
        "{}", "\"en \"",
    };
    char *ip = fake_ip();
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *phone = fake_phone();
        char *body = fmt("{\"phone_number\":\"%s\",\"language\":%s}", phone,
                         bad[i]);
        resp_t *r = ask("POST", site("main"), "/api/auth/send-otp", body,
                        i % 2 ? "ar" : NULL, NULL, ip, NULL);

        assert_error(r, 400, "VALIDATION_ERROR");
        cr_assert(jstr(r, "error.details.language"), "%s: %s", bad[i],
                  r->body);
        cr_assert_str_eq(message_of(r), i % 2 ? AR_INVALID
                                              : "The request has invalid "
                                                "fields.");
        cr_assert_eq(sms_count(phone), 0, "no SMS for %s", bad[i]);
        resp_free(r);
        free(body);
        free(phone);
    }
    free(ip);
}

Test(language, a_phone_change_code_in_arabic)
{
    char *ip = fake_ip(), *phone = fake_phone(), *fresh = fake_phone();
    char *token = login(site("main"), phone, ip), *body;
    resp_t *r;

    body = fmt("{\"new_phone_number\":\"%s\",\"language\":\"ar\"}", fresh);
    r = ask("POST", site("main"), "/api/user/send-phone-change-otp", body,
            NULL, token, ip, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(message_of(r), EN_SENT);
    resp_free(r);
    free(body);
    assert_sms(fresh, "message", AR_TEXT);
    body = fmt("{\"new_phone_number\":\"%s\",\"language\":\"fa\"}",
               fake_phone());
    r = ask("POST", site("main"), "/api/user/send-phone-change-otp", body,
            "ar", token, ip, NULL);
    assert_error(r, 400, "VALIDATION_ERROR");
    cr_assert(jstr(r, "error.details.language"), "%s", r->body);
    cr_assert_str_eq(message_of(r), AR_INVALID);
    resp_free(r);
    free(body);
    free(token);
    free(phone);
    free(fresh);
    free(ip);
}

/* Arabic reaches the gateway whole: JSON (short), Twilio's form */
Test(language, arabic_texts_reach_the_gateway_whole)
{
    char *ip = fake_ip(), *phone = fake_phone(), *body;
    resp_t *r;

    body = fmt("{\"phone_number\":\"%s\",\"language\":\"ar\"}", phone);
    r = ask("POST", site("short"), "/api/auth/send-otp", body, NULL, NULL,
            ip, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
    assert_sms(phone, "text", AR_TEXT);
    free(body);
    free(phone);

    phone = fake_phone();
    body = fmt("{\"phone_number\":\"%s\",\"language\":\"ar\"}", phone);
    r = ask("POST", site("twilio"), "/api/auth/send-otp", body, NULL, NULL,
            ip, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    resp_free(r);
    assert_sms(phone, "Body", AR_TEXT);
    free(body);
    free(phone);
    free(ip);
}

/* ClinicLanguage ar: Arabic without a header; its own texts */
Test(language, a_host_that_speaks_arabic_by_default)
{
    char *ip = fake_ip(), *phone = fake_phone(), *body;
    resp_t *r;

    r = ask("GET", site("lang"), "/api/health", NULL, NULL, NULL, ip, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(message_of(r), "الخدمة تعمل بشكل سليم.");
    assert_lang(r, "ar");
    resp_free(r);
    r = ask("GET", site("lang"), "/api/health", NULL, "en-GB", NULL, ip,
            NULL);
    cr_assert_str_eq(message_of(r), "The service is healthy.");
    assert_lang(r, "en");
    resp_free(r);
    /* a header that names neither language: the host's */
    r = ask("GET", site("lang"), "/api/health", NULL, "de, fr;q=0.5", NULL,
            ip, NULL);
    assert_lang(r, "ar");
    resp_free(r);
    /* an error httpd raises, made JSON */
    r = ask("TRACE", site("lang"), "/api/health", NULL, NULL, NULL, ip, NULL);
    assert_error(r, 405, "METHOD_NOT_ALLOWED");
    cr_assert_str_eq(message_of(r), "هذه الطريقة غير مسموح بها هنا.");
    assert_lang(r, "ar");
    resp_free(r);

    body = fmt("{\"phone_number\":\"%s\"}", phone);
    r = ask("POST", site("lang"), "/api/auth/send-otp", body, NULL, NULL, ip,
            NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(message_of(r), AR_SENT);
    resp_free(r);
    free(body);
    assert_sms(phone, "message", LANG_AR_TEXT);
    free(phone);
    phone = fake_phone();
    body = fmt("{\"phone_number\":\"%s\",\"language\":\"en\"}", phone);
    r = ask("POST", site("lang"), "/api/auth/send-otp", body, NULL, NULL, ip,
            NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(message_of(r), AR_SENT);
    resp_free(r);
    free(body);
    assert_sms(phone, "message", LANG_EN_TEXT);
    free(phone);
    free(ip);
}

/* the package list: one ETag a language, a 304 only for the same one */
Test(language, the_package_list_etag_never_crosses_languages)
{
    char *ip = fake_ip(), *en_tag, *ar_tag = NULL, *inm;
    resp_t *en, *ar, *again = NULL;
    int tries;

    en = ask("GET", site("main"), "/api/packages/available", NULL, NULL,
             NULL, ip, NULL);
    cr_assert_eq(en->status, 200, "%s", en->body);
    cr_assert_str_eq(message_of(en), "Packages on sale.");
    assert_lang(en, "en");
    en_tag = strdup(resp_header(en, "ETag"));
    for (tries = 0; tries < 5; tries++) {     /* the list may change */
        ar = ask("GET", site("main"), "/api/packages/available", NULL, "ar",
                 NULL, ip, NULL);
        cr_assert_eq(ar->status, 200, "%s", ar->body);
        cr_assert_str_eq(message_of(ar), "الباقات المتاحة للشراء.");
        assert_lang(ar, "ar");
        cr_assert(jget(ar, "data.packages"), "%s", ar->body);
        free(ar_tag);
        ar_tag = strdup(resp_header(ar, "ETag"));
        cr_assert_str_neq(ar_tag, en_tag);
        cr_assert(strstr(ar_tag, "-ar\""), "%s", ar_tag);
        resp_free(ar);
        /* the Arabic copy's ETag: 304, in Arabic */
        inm = fmt("If-None-Match: %s", ar_tag);
        resp_free(again);
        again = ask("GET", site("main"), "/api/packages/available", NULL,
                    "ar", NULL, ip, inm);
        free(inm);
        if (again->status == 304) {
            break;
        }
    }
    cr_assert_eq(again->status, 304, "%s", again->headers);
    cr_assert_eq(again->len, 0);
    cr_assert_str_eq(resp_header(again, "ETag"), ar_tag);
    assert_lang(again, "ar");
    resp_free(again);
    /* the Arabic copy asked in English, the English asked in Arabic:
     * the whole answer, never a 304 */
    inm = fmt("If-None-Match: %s", ar_tag);
    again = ask("GET", site("main"), "/api/packages/available", NULL, NULL,
                NULL, ip, inm);
    cr_assert_eq(again->status, 200);
    cr_assert_str_eq(message_of(again), "Packages on sale.");
    resp_free(again);
    free(inm);
    inm = fmt("If-None-Match: %s", en_tag);
    again = ask("GET", site("main"), "/api/packages/available", NULL, "ar",
                NULL, ip, inm);
    cr_assert_eq(again->status, 200);
    cr_assert_str_eq(message_of(again), "الباقات المتاحة للشراء.");
    resp_free(again);
    free(inm);
    free(en_tag);
    free(ar_tag);
    resp_free(en);
    free(ip);
}

/* Vary keeps what the CORS configuration adds */
Test(language, vary_keeps_origin)
{
    char *origin = fmt("Origin: %s", site("page")), *vary;
    resp_t *r = ask("GET", site("cors"), "/api/health", NULL, "ar", NULL,
                    NULL, origin);

    cr_assert_eq(r->status, 200, "%s", r->body);
    vary = vary_of(r);
    cr_assert(strcasestr(vary, "Origin"), "%s", r->headers);
    assert_lang(r, "ar");
    free(vary);
    free(origin);
    resp_free(r);
}
