/*
 * SPDX-License-Identifier: Apache-2.0
 * test_msgcat.c: the Arabic catalogue of the API's messages: its entries
 * are well formed, its "%s" entries fill in, a cached envelope changes
 * its message only, and every message the module's sources answer
 * (msgscan.h) has its Arabic.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "msgcat.h"
#include "msgscan.h"

#include "pool_fixture.h"

TestSuite(msgcat, .init = setup, .fini = teardown);

#define AR CLINIC_LANG_AR
#define EN CLINIC_LANG_EN

/* the code point at *s (valid UTF-8 asserted), s moved past it */
static unsigned utf8_take(const unsigned char **s)
{
    const unsigned char *c = *s;
    unsigned cp;
    int n, i;

    if (c[0] < 0x80) {
        *s += 1;
        return c[0];
    }
    n = c[0] >= 0xF0 ? 4 : c[0] >= 0xE0 ? 3 : 2;
    cr_assert(c[0] >= 0xC2 && c[0] <= 0xF4, "bad UTF-8 lead byte");
    cp = c[0] & (0x7F >> n);
    for (i = 1; i < n; i++) {
        cr_assert_eq(c[i] & 0xC0, 0x80, "bad UTF-8 continuation");
        cp = (cp << 6) | (c[i] & 0x3F);
    }
    *s += n;
    return cp;
}

static int count_of(const char *s, const char *what)
{
    int n = 0;

    for (; (s = strstr(s, what)); s += strlen(what)) {
        n++;
    }
    return n;
}

Test(msgcat, entries_are_well_formed)
{
    apr_size_t i, j, n = clinic_msg_count();

    cr_assert_gt(n, 60);
    cr_assert_null(clinic_msg_english(n));
    for (i = 0; i < n; i++) {
        const char *en = clinic_msg_english(i), *ar = clinic_msg_arabic(i);
        const unsigned char *s = (const unsigned char *)ar;
        int arabic = 0;

        cr_assert(en && *en && ar && *ar, "entry %zu", i);
        /* one "%s" at most, the same on both sides, no other % */
        cr_assert_leq(count_of(en, "%s"), 1, "%s", en);
        cr_assert_eq(count_of(en, "%s"), count_of(ar, "%s"), "%s", en);
        cr_assert_eq(count_of(en, "%"), count_of(en, "%s"), "%s", en);
        cr_assert_eq(count_of(ar, "%"), count_of(ar, "%s"), "%s", en);
        while (*s) {
            unsigned cp = utf8_take(&s);

            /* no bidi marks, embeddings, overrides or isolates */
            cr_assert(cp != 0x200E && cp != 0x200F && cp != 0x061C
                      && !(cp >= 0x202A && cp <= 0x202E)
                      && !(cp >= 0x2066 && cp <= 0x2069),
                      "a bidi control in the Arabic of \"%s\"", en);
            cr_assert(cp >= 0x20, "a control character in \"%s\"", en);
            arabic |= cp >= 0x0621 && cp <= 0x064A;
        }
        cr_assert(arabic, "no Arabic letter in the Arabic of \"%s\"", en);
        cr_assert_str_neq(en, ar);
        for (j = 0; j < i; j++) {
            cr_assert_str_neq(en, clinic_msg_english(j), "twice: %s", en);
        }
    }
}

Test(msgcat, translation)
{
    cr_assert_str_eq(clinic_msg_in(pool, "The token is invalid.", AR),
                     "رمز الدخول غير صالح.");
    cr_assert_str_eq(clinic_msg_in(pool, "The token is invalid.", EN),
                     "The token is invalid.");
    /* none: NULL, the caller keeps the English */
    cr_assert_null(clinic_msg_in(pool, "Not a message of ours.", AR));
    cr_assert_null(clinic_msg_in(pool, "", AR));
    cr_assert_null(clinic_msg_in(pool, NULL, AR));
    /* exact: a message is not matched by its start */
    cr_assert_null(clinic_msg_in(pool, "The token is invalid", AR));
    cr_assert_null(clinic_msg_in(pool, "The token is invalid. ", AR));
}

Test(msgcat, entries_with_a_hole)
{
    cr_assert_str_eq(clinic_msg_in(pool, "Something went wrong. Reference: "
                                   "ab12-XY@.", AR),
                     "حدث خطأ ما. الرقم المرجعي: ab12-XY@.");
    cr_assert_str_eq(clinic_msg_in(pool, "Use GET, HEAD, OPTIONS for this "
                                   "route.", AR),
                     "استخدم GET, HEAD, OPTIONS لهذا المسار.");
    cr_assert_str_eq(clinic_msg_in(pool, "The body is larger than 1024 "
                                   "bytes.", AR),
                     "حجم محتوى الطلب أكبر من 1024 بايت.");
    cr_assert_str_eq(clinic_msg_in(pool, "mod_clinic 0.2.0", AR),
                     "mod_clinic، الإصدار 0.2.0");
    /* the plain entry wins over the one with a hole */
    cr_assert_str_eq(clinic_msg_in(pool, "Something went wrong.", AR),
                     "حدث خطأ ما.");
    /* the text around the hole must match, and not overlap */
    cr_assert_null(clinic_msg_in(pool, "Use GET for that route.", AR));
    cr_assert_null(clinic_msg_in(pool, "Use for this route.", AR));
    cr_assert_str_eq(clinic_msg_in(pool, "Use  for this route.", AR),
                     "استخدم  لهذا المسار.");
}

Test(msgcat, cached_envelope)
{
    const char *text = "{\"success\":true,\"data\":{\"packages\":[{\"name\":"
                       "\"a \\\"message\\\":\\\"x\"}]},\"message\":"
                       "\"Packages on sale.\"}";
    const char *out;
    int tr;

    out = clinic_msg_envelope(pool, text, AR, &tr);
    cr_assert(tr);
    cr_assert_str_eq(out, "{\"success\":true,\"data\":{\"packages\":[{\"name\":"
                          "\"a \\\"message\\\":\\\"x\"}]},\"message\":"
                          "\"الباقات المتاحة للشراء.\"}");
    cr_assert_eq(clinic_msg_envelope(pool, text, EN, &tr), text);
    cr_assert_not(tr);
    /* no message, a message the catalogue lacks, an escaped one, not an
     * envelope: unchanged */
    cr_assert_eq(clinic_msg_envelope(pool, "{\"success\":true}", AR, &tr),
                 (const char *)"{\"success\":true}");
    text = "{\"success\":true,\"data\":{},\"message\":\"Unknown.\"}";
    cr_assert_eq(clinic_msg_envelope(pool, text, AR, &tr), text);
    cr_assert_not(tr);
    text = "{\"success\":true,\"data\":{},\"message\":\"a\\\"b\"}";
    cr_assert_eq(clinic_msg_envelope(pool, text, AR, &tr), text);
    text = "\"}";
    cr_assert_eq(clinic_msg_envelope(pool, text, AR, &tr), text);
    text = "";
    cr_assert_eq(clinic_msg_envelope(pool, text, AR, &tr), text);
}

/* Every message of the module's sources: its Arabic (an entry of the
 * same English; one with a "%s" where the source formats or pastes in a
 * value) */
Test(msgcat, every_message_of_the_sources)
{
    apr_array_header_t *msgs = clinic_msgscan_sources(pool);
    apr_size_t j, n = clinic_msg_count();
    int i, missing = 0;

    /* a scan that found nothing proves nothing */
    cr_assert_gt(msgs->nelts, 60, "only %d messages found in the sources",
                 msgs->nelts);
    for (i = 0; i < msgs->nelts; i++) {
        const msgscan_hit_t *m = &APR_ARRAY_IDX(msgs, i, msgscan_hit_t);

        for (j = 0; j < n && strcmp(m->text, clinic_msg_english(j)); j++) {
        }
        if (j == n) {
            cr_log_error("%s:%d: no Arabic for \"%s\" (core/msgcat.c)",
                         m->file, m->line, m->text);
            missing++;
        }
    }
    cr_assert_eq(missing, 0, "%d messages without Arabic", missing);
}

/* The scan itself, on a made-up source */
Test(msgcat, the_scan_finds_messages)
{
    static const char src[] =
        "/* \"Not in a comment.\" */\n"
        "// \"Nor here.\"\n"
        "static int f(clinic_req_t *cr)\n"
        "{\n"
        "    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, \"CLINIC0001: A log "
        "line.\");\n"
        "    clinic_send_error(cr, 400, \"SOME_CODE\", \"Two \"\n"
        "                      \"parts.\", NULL);\n"
        "    x = clinic_send_ok(cr, 200, d, ok ? \"Yes it is.\" : \"No, \"\n"
        "        \"it is not.\");\n"
        "    token_refused(cr, \"CODE\", apr_psprintf(p, \"Ref %s.\", id),\n"
        "                  \"a_reason\", NULL);\n"
        "    clinic_send_ok(cr, 200, d, \"mod_clinic \" CLINIC_VERSION);\n"
        "    y = \"A sentence anywhere else.\";\n"
        "    z = \"not a sentence\";\n"
        "    c = '\"';\n"
        "    return clinic_send_invalid(cr, \"field\", \"is required\");\n"
        "}\n"
        "static const struct { int s; const char *c, *m; } status_codes[] "
        "= {\n"
        "    { 400, \"BAD_REQUEST\", \"Bad \\\"one\\\".\" },\n"
        "};\n";
    apr_array_header_t *out = apr_array_make(pool, 8, sizeof(msgscan_hit_t));
    static const char *const want[] = {
        "Two parts.", "Yes it is.", "No, it is not.", "Ref %s.", "mod_clinic %s",
        "A sentence anywhere else.", "Bad \"one\".",
    };
    size_t k;

    clinic_msgscan_text(pool, "made-up.c", src, out);
    for (k = 0; k < (size_t)out->nelts; k++) {
        cr_log_info("found: %s",
                    APR_ARRAY_IDX(out, (int)k, msgscan_hit_t).text);
    }
    cr_assert_eq(out->nelts, (int)(sizeof(want) / sizeof(want[0])));
    for (k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
        cr_assert_str_eq(APR_ARRAY_IDX(out, (int)k, msgscan_hit_t).text,
                         want[k]);
    }
    cr_assert_eq(APR_ARRAY_IDX(out, 0, msgscan_hit_t).line, 6);
}
