/*
 * SPDX-License-Identifier: Apache-2.0
 * Languages (issue 22), the directives: configtest warns on a code text
 * longer than one SMS and refuses a language the module does not speak.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "client.h"

/* configtest: a text over one SMS is a warning, not a failure */
Test(language, configtest_warns_on_texts_over_one_sms)
{
    char *out, *lines;
    int status;

    /* the defaults fit */
    status = configtest_vhost("", &out);
    cr_assert_eq(status, 0, "%s", out);
    cr_assert_null(strstr(out, "CLINIC0950"), "%s", out);
    free(out);
    /* 70 UCS-2 characters at most: this Arabic text has 72 with a code */
    lines = fmt("ClinicSMSMessage ar \"%s{code}\"",
                "رمز التحقق الخاص بك لدى العيادة هو الرمز التالي، "
                "لا تشاركه مع أحد: ");
    status = configtest_vhost(lines, &out);
    cr_assert_eq(status, 0, "a warning, not a failure: %s", out);
    cr_assert(strstr(out, "Syntax OK"), "%s", out);
    cr_assert(strstr(out, "CLINIC0950: ClinicSMSMessage ar"), "%s", out);
    cr_assert(strstr(out, "UCS-2"), "%s", out);
    cr_assert_null(strstr(out, "ClinicSMSMessage en"), "%s", out);
    free(out);
    free(lines);
    /* 160 GSM-7 septets: braces count two (161 here, 159 if not) */
    lines = fmt("ClinicSMSMessage \"%0152d{code}{}\"", 0);
    status = configtest_vhost(lines, &out);
    cr_assert_eq(status, 0, "%s", out);
    cr_assert(strstr(out, "CLINIC0950: ClinicSMSMessage en"), "%s", out);
    cr_assert(strstr(out, "GSM-7"), "%s", out);
    free(out);
    free(lines);
    lines = fmt("ClinicSMSMessage en \"%0151d{code}{}\"", 0);
    status = configtest_vhost(lines, &out);
    cr_assert_eq(status, 0, "%s", out);
    cr_assert_null(strstr(out, "CLINIC0950"), "160 fit: %s", out);
    free(out);
    free(lines);
}

Test(language, configtest_refuses_a_bad_language)
{
    static const char *const bad[][2] = {
        { "ClinicLanguage fr", "ClinicLanguage" },
        { "ClinicLanguage AR", "ClinicLanguage" },
        { "ClinicSMSMessage fr \"Code {code}\"", "ClinicSMSMessage" },
        { "ClinicSMSMessage ar \"بدون رمز\"", "ClinicSMSMessage" },
    };
    size_t i;
    char *out;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int status = configtest_vhost(bad[i][0], &out);

        cr_assert_neq(status, 0, "accepted: %s\n%s", bad[i][0], out);
        cr_assert(strstr(out, bad[i][1]), "%s", out);
        free(out);
    }
    cr_assert_eq(configtest_vhost("ClinicLanguage ar\nClinicSMSMessage en \"C "
                            "{code}\"", &out), 0, "%s", out);
    free(out);
}
