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
static int configtest(const char *lines, char **out)
{
    char dir[] = "/tmp/clinic-lang.XXXXXX", path[256], cmd[512];
    const char *run = getenv("CLINIC_RUN_DIR");
    FILE *f;
    int status;

    cr_assert(run);
    cr_assert(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/httpd.conf", dir);
    f = fopen(path, "w");
    cr_assert(f);
    fprintf(f, "Include \"%s/common.conf\"\nListen 127.0.0.1:1\n"
            "<VirtualHost 127.0.0.1:1>\nClinicJWTSecretFile \"%s\"\n"
            "ClinicSMSURL http://127.0.0.1:9/\n%s\n"
            "<Location \"/api/\">\nSetHandler clinic\n</Location>\n"
            "</VirtualHost>\n", run, getenv("CLINIC_JWT_KEY"), lines);
    fclose(f);
    snprintf(cmd, sizeof(cmd), "%s -t -f %s > %s/out 2>&1", apache2(), path,
             dir);
    status = system(cmd);
    snprintf(path, sizeof(path), "%s/out", dir);
    *out = slurp(path);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
    return status;
}

Test(language, configtest_warns_on_texts_over_one_sms)
{
    char *out, *lines;
    int status;

    /* the defaults fit */
    status = configtest("", &out);
    cr_assert_eq(status, 0, "%s", out);
    cr_assert_null(strstr(out, "CLINIC0950"), "%s", out);
    free(out);
    /* 70 UCS-2 characters at most: this Arabic text has 72 with a code */
    lines = fmt("ClinicSMSMessage ar \"%s{code}\"",
                "رمز التحقق الخاص بك لدى العيادة هو الرمز التالي، "
                "لا تشاركه مع أحد: ");
    status = configtest(lines, &out);
    cr_assert_eq(status, 0, "a warning, not a failure: %s", out);
    cr_assert(strstr(out, "Syntax OK"), "%s", out);
    cr_assert(strstr(out, "CLINIC0950: ClinicSMSMessage ar"), "%s", out);
    cr_assert(strstr(out, "UCS-2"), "%s", out);
    cr_assert_null(strstr(out, "ClinicSMSMessage en"), "%s", out);
    free(out);
    free(lines);
    /* 160 GSM-7 septets: braces count two (161 here, 159 if not) */
    lines = fmt("ClinicSMSMessage \"%0152d{code}{}\"", 0);
    status = configtest(lines, &out);
    cr_assert_eq(status, 0, "%s", out);
    cr_assert(strstr(out, "CLINIC0950: ClinicSMSMessage en"), "%s", out);
    cr_assert(strstr(out, "GSM-7"), "%s", out);
    free(out);
    free(lines);
    lines = fmt("ClinicSMSMessage en \"%0151d{code}{}\"", 0);
    status = configtest(lines, &out);
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
        int status = configtest(bad[i][0], &out);

        cr_assert_neq(status, 0, "accepted: %s\n%s", bad[i][0], out);
        cr_assert(strstr(out, bad[i][1]), "%s", out);
        free(out);
    }
    cr_assert_eq(configtest("ClinicLanguage ar\nClinicSMSMessage en \"C "
                            "{code}\"", &out), 0, "%s", out);
    free(out);
}
