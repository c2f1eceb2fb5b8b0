/*
 * SPDX-License-Identifier: Apache-2.0
 * test_smstpl.c: SMS template rendering and escaping.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "smstpl.h"

#include "pool_fixture.h"

/* "مرحبا" (hello) in UTF-8 */
#define ARABIC "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7"
#define ARABIC_FORM "%D9%85%D8%B1%D8%AD%D8%A8%D8%A7"


TestSuite(smstpl, .init = setup, .fini = teardown);

static const char *esc(const char *v, clinic_escape_t e)
{
    return clinic_tpl_escape(pool, v, e);
}

/* ---- escaping ---- */

Test(smstpl, json_escape)
{
    cr_assert_str_eq(esc("say \"hi\"", CLINIC_ESC_JSON), "say \\\"hi\\\"");
    cr_assert_str_eq(esc("a\\b", CLINIC_ESC_JSON), "a\\\\b");
    cr_assert_str_eq(esc("l1\nl2\r\t", CLINIC_ESC_JSON), "l1\\nl2\\r\\t");
    cr_assert_str_eq(esc("\b\f", CLINIC_ESC_JSON), "\\b\\f");
    cr_assert_str_eq(esc("x\x01y\x1f", CLINIC_ESC_JSON), "x\\u0001y\\u001f");
    cr_assert_str_eq(esc(ARABIC " 12345", CLINIC_ESC_JSON), ARABIC " 12345");
    cr_assert_str_eq(esc("/<>&'{}", CLINIC_ESC_JSON), "/<>&'{}");
    cr_assert_str_eq(esc("", CLINIC_ESC_JSON), "");
}

Test(smstpl, form_escape)
{
    cr_assert_str_eq(esc("+96550000000", CLINIC_ESC_FORM), "%2B96550000000");
    cr_assert_str_eq(esc("a b", CLINIC_ESC_FORM), "a%20b");
    cr_assert_str_eq(esc("a&b=c", CLINIC_ESC_FORM), "a%26b%3Dc");
    cr_assert_str_eq(esc(ARABIC, CLINIC_ESC_FORM), ARABIC_FORM);
    cr_assert_str_eq(esc("Az09-._~", CLINIC_ESC_FORM), "Az09-._~");
    cr_assert_str_eq(esc("%/?#\n\"", CLINIC_ESC_FORM), "%25%2F%3F%23%0A%22");
    cr_assert_str_eq(esc("\xff", CLINIC_ESC_FORM), "%FF");
}

Test(smstpl, none_escape)
{
    const char *v = "a \"b\" & +c\n" ARABIC;

    cr_assert_str_eq(esc(v, CLINIC_ESC_NONE), v);
}

Test(smstpl, null_value)
{
    cr_assert_str_eq(esc(NULL, CLINIC_ESC_JSON), "");
    cr_assert_str_eq(esc(NULL, CLINIC_ESC_FORM), "");
    cr_assert_str_eq(esc(NULL, CLINIC_ESC_NONE), "");
}

/* ---- content types ---- */

Test(smstpl, escape_for)
{
    cr_assert_eq(clinic_tpl_escape_for("application/json"), CLINIC_ESC_JSON);
    cr_assert_eq(clinic_tpl_escape_for("Application/JSON"), CLINIC_ESC_JSON);
    cr_assert_eq(clinic_tpl_escape_for("application/json; charset=utf-8"),
                 CLINIC_ESC_JSON);
    cr_assert_eq(clinic_tpl_escape_for("application/json;charset=UTF-8"),
                 CLINIC_ESC_JSON);
    cr_assert_eq(clinic_tpl_escape_for(" application/json "), CLINIC_ESC_JSON);
    cr_assert_eq(clinic_tpl_escape_for("application/vnd.api+json"), CLINIC_ESC_JSON);
    cr_assert_eq(clinic_tpl_escape_for("application/problem+JSON; q=1"),
                 CLINIC_ESC_JSON);
    cr_assert_eq(clinic_tpl_escape_for(NULL), CLINIC_ESC_FORM);
    /* an empty value counts as no Content-Type */
    cr_assert_eq(clinic_tpl_escape_for(""), CLINIC_ESC_FORM);
    cr_assert_eq(clinic_tpl_escape_for(" ; charset=utf-8"), CLINIC_ESC_FORM);
    cr_assert_eq(clinic_tpl_escape_for("application/x-www-form-urlencoded"),
                 CLINIC_ESC_FORM);
    cr_assert_eq(clinic_tpl_escape_for("application/X-WWW-Form-Urlencoded; charset=utf-8"),
                 CLINIC_ESC_FORM);
    cr_assert_eq(clinic_tpl_escape_for("text/plain"), CLINIC_ESC_NONE);
    cr_assert_eq(clinic_tpl_escape_for("application/xml"), CLINIC_ESC_NONE);
    cr_assert_eq(clinic_tpl_escape_for("text/json"), CLINIC_ESC_NONE);
    cr_assert_eq(clinic_tpl_escape_for("application/jsonx"), CLINIC_ESC_NONE);
    cr_assert_eq(clinic_tpl_escape_for("application/+json"), CLINIC_ESC_NONE);
    cr_assert_eq(clinic_tpl_escape_for("application/json+xml"), CLINIC_ESC_NONE);
    cr_assert_eq(clinic_tpl_escape_for("multipart/form-data"), CLINIC_ESC_NONE);
}

/* ---- rendering ---- */

Test(smstpl, render_json_body)
{
    const char *out = clinic_tpl_render(
        pool, "{\"to\":\"{to}\",\"text\":\"{message}\",\"otp\":\"{code}\"}",
        CLINIC_ESC_JSON, "+96550000000", "Your code is \"12345\"\n" ARABIC,
        "12345");

    cr_assert_str_eq(out, "{\"to\":\"+96550000000\","
                          "\"text\":\"Your code is \\\"12345\\\"\\n" ARABIC "\","
                          "\"otp\":\"12345\"}");
}

Test(smstpl, render_form_body)
{
    const char *out = clinic_tpl_render(pool, "to={to}&message={message}",
                                        CLINIC_ESC_FORM, "+96550000000",
                                        "code: 12345 & more", NULL);

    cr_assert_str_eq(out, "to=%2B96550000000&message=code%3A%2012345%20%26%20more");
}

Test(smstpl, render_message_template)
{
    cr_assert_str_eq(clinic_tpl_render(pool, "Your verification code is {code}",
                                       CLINIC_ESC_NONE, NULL, NULL, "04321"),
                     "Your verification code is 04321");
    /* each placeholder may appear more than once */
    cr_assert_str_eq(clinic_tpl_render(pool, "{code}-{code}-{to}", CLINIC_ESC_NONE,
                                       "t", NULL, "1"),
                     "1-1-t");
}

Test(smstpl, unknown_placeholders_and_braces_kept)
{
    cr_assert_str_eq(clinic_tpl_render(pool, "{name} {Code} { code} {code",
                                       CLINIC_ESC_JSON, "t", "m", "c"),
                     "{name} {Code} { code} {code");
    cr_assert_str_eq(clinic_tpl_render(pool, "{ } } { {{code}} {}", CLINIC_ESC_NONE,
                                       "t", "m", "c"),
                     "{ } } { {c} {}");
    cr_assert_str_eq(clinic_tpl_render(pool, "{", CLINIC_ESC_NONE, "t", "m", "c"),
                     "{");
    cr_assert_str_eq(clinic_tpl_render(pool, "", CLINIC_ESC_NONE, "t", "m", "c"), "");
}

Test(smstpl, values_not_rescanned)
{
    /* the message comes from ClinicSMSMessage and may hold brace text */
    cr_assert_str_eq(clinic_tpl_render(pool, "{message}|{code}", CLINIC_ESC_NONE,
                                       "t", "see {code} and {to}", "999"),
                     "see {code} and {to}|999");
    cr_assert_str_eq(clinic_tpl_render(pool, "{to}{message}", CLINIC_ESC_NONE,
                                       "{message}", "{to}", NULL),
                     "{message}{to}");
    cr_assert_str_eq(clinic_tpl_render(pool, "{code}", CLINIC_ESC_NONE,
                                       NULL, NULL, "{code}"),
                     "{code}");
}

Test(smstpl, null_values_empty)
{
    cr_assert_str_eq(clinic_tpl_render(pool, "[{to}][{message}][{code}]",
                                       CLINIC_ESC_JSON, NULL, NULL, NULL),
                     "[][][]");
    cr_assert_null(clinic_tpl_render(pool, NULL, CLINIC_ESC_JSON, "t", "m", "c"));
}

/* An Arabic code text, as sms.c renders it and the http driver puts it
 * in its body: every UTF-8 byte percent-encoded in a form (and decoded
 * back whole), the bytes as they are in JSON */
static char *form_decode(const char *s)
{
    char *out = apr_palloc(pool, strlen(s) + 1), *o = out;

    for (; *s; s++) {
        if (*s == '%' && s[1] && s[2]) {
            char hex[3] = { s[1], s[2], 0 };

            *o++ = (char)strtol(hex, NULL, 16);
            s += 2;
        }
        else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

Test(smstpl, an_arabic_code_text_in_the_gateway_body)
{
    /* "رمز التحقق الخاص بك هو {code}", the Arabic default */
    const char *tpl = "\xd8\xb1\xd9\x85\xd8\xb2 \xd8\xa7\xd9\x84\xd8\xaa"
                      "\xd8\xad\xd9\x82\xd9\x82 \xd8\xa7\xd9\x84\xd8\xae"
                      "\xd8\xa7\xd8\xb5 \xd8\xa8\xd9\x83 \xd9\x87\xd9\x88 "
                      "{code}";
    const char *text = clinic_tpl_render(pool, tpl, CLINIC_ESC_NONE,
                                         "+96550000000", NULL, "12345");
    const char *form, *json, *p;

    cr_assert(strstr(text, "12345"));
    form = clinic_tpl_render(pool, "to={to}&message={message}",
                             clinic_tpl_escape_for(NULL), "+96550000000",
                             text, "12345");
    cr_assert(!strncmp(form, "to=%2B96550000000&message=%D8%B1%D9%85%D8%B2"
                             "%20%D8%A7", 36 + 10), "%s", form);
    for (p = form; *p; p++) {
        cr_assert((unsigned char)*p < 0x80, "a raw byte in %s", form);
    }
    cr_assert_str_eq(form_decode(strstr(form, "message=") + 8), text);
    json = clinic_tpl_render(pool, "{\"to\": \"{to}\", \"text\": \"{message}\"}",
                             clinic_tpl_escape_for("application/json"),
                             "+96550000000", text, "12345");
    cr_assert_str_eq(json, apr_pstrcat(pool, "{\"to\": \"+96550000000\", "
                                       "\"text\": \"", text, "\"}", NULL));
}
