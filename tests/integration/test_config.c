/*
 * SPDX-License-Identifier: Apache-2.0
 * Configuration: `apache2 -t` refuses a missing or weak secret and bad
 * values with a sentence that names the directive.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "client.h"

static int configtest(const char *body, char **out)
{
    return configtest_conf("", body, out);
}

static void refused(const char *body, const char *needle)
{
    char *out;
    int status = configtest(body, &out);

    cr_assert_neq(status, 0, "configtest accepted:\n%s\n%s", body, out);
    cr_assert(strstr(out, needle), "the error names %s:\n%s", needle, out);
    free(out);
}

static char *with_secret(const char *rest)
{
    return fmt("ClinicJWTSecretFile \"%s\"\nClinicSMSURL http://127.0.0.1:9/\n%s",
               getenv("CLINIC_JWT_KEY"), rest);
}

Test(config, a_good_vhost_passes)
{
    char *out, *body = with_secret("ClinicOTPTTL 120\nClinicRateLimit otp-phone 5 600\n"
                                   "ClinicSMSQueueTimeout 500ms\nClinicSMSMaxWaiting 0\n"
                                   "ClinicRateLimit otp-guess 10 86400");
    int status = configtest(body, &out);

    cr_assert_eq(status, 0, "%s", out);
    cr_assert(strstr(out, "Syntax OK"), "%s", out);
    free(out);
    free(body);
}

Test(config, missing_secret)
{
    refused("ClinicSMSURL http://127.0.0.1:9/\nClinicOTPTTL 120", "ClinicJWTSecretFile");
}

Test(config, unreadable_or_weak_secret)
{
    refused("ClinicJWTSecretFile /nonexistent/clinic.key", "ClinicJWTSecretFile");
    refused("ClinicJWTSecretFile /tmp/clinic-conf-weak-absent.key", "ClinicJWTSecretFile");
}

Test(config, weak_secret_file)
{
    char dir[] = "/tmp/clinic-weak.XXXXXX", path[256], *body;
    FILE *f;

    cr_assert(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/k", dir);
    f = fopen(path, "w");
    fputs("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", f);  /* long, one byte value */
    fclose(f);
    body = fmt("ClinicJWTSecretFile %s\nClinicSMSURL http://127.0.0.1:9/", path);
    refused(body, "ClinicJWTSecretFile");
    free(body);
    f = fopen(path, "w");
    fputs("only-20-bytes-long!!\n", f);
    fclose(f);
    body = fmt("ClinicJWTSecretFile %s\nClinicSMSURL http://127.0.0.1:9/", path);
    refused(body, "too weak");
    free(body);
    unlink(path);
    rmdir(dir);
}

Test(config, bad_values_name_their_directive)
{
    static const struct { const char *line, *name; } cases[] = {
        { "ClinicOTPTTL abc", "ClinicOTPTTL" },
        { "ClinicOTPTTL 0", "ClinicOTPTTL" },
        { "ClinicTokenTTL -5", "ClinicTokenTTL" },
        { "ClinicOTPMaxAttempts 99", "ClinicOTPMaxAttempts" },
        { "ClinicRateLimit everyone 5 60", "ClinicRateLimit" },
        { "ClinicRateLimit user 0 60", "ClinicRateLimit" },
        { "ClinicSMSDailyLimit -1", "ClinicSMSDailyLimit" },
        { "ClinicSMSDailyLimit unlimited", "ClinicSMSDailyLimit" },
        { "ClinicWebhookFailureLimit 1e3", "ClinicWebhookFailureLimit" },
        { "ClinicRateLimit otp-guess 1001 86400", "ClinicRateLimit" },
        { "ClinicSMSDriver carrier-pigeon", "ClinicSMSDriver" },
        { "ClinicSMSURL ftp://example.com/", "ClinicSMSURL" },
        { "ClinicSMSHeader NoColonHere", "ClinicSMSHeader" },
        { "ClinicSMSMessage \"no placeholder\"", "ClinicSMSMessage" },
        { "ClinicSMSTimeout 1000", "ClinicSMSTimeout" },
        { "ClinicSMSQueueTimeout 61", "ClinicSMSQueueTimeout" },
        { "ClinicSMSQueueTimeout soon", "ClinicSMSQueueTimeout" },
        { "ClinicSMSQueueTimeout -1", "ClinicSMSQueueTimeout" },
        { "ClinicSMSMaxWaiting -1", "ClinicSMSMaxWaiting" },
        { "ClinicSMSMaxWaiting many", "ClinicSMSMaxWaiting" },
        { "ClinicCurrency kwd", "ClinicCurrency" },
        { "ClinicMaxBody 12", "ClinicMaxBody" },
        { "ClinicTwilioAccountSID nope", "ClinicTwilioAccountSID" },
        { "ClinicSMSDriver twilio", "ClinicTwilioAccountSID" },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *body = with_secret(cases[i].line);
        refused(body, cases[i].name);
        free(body);
    }
}

Test(config, http_driver_needs_a_url)
{
    char *body = fmt("ClinicJWTSecretFile \"%s\"", getenv("CLINIC_JWT_KEY"));
    refused(body, "ClinicSMSURL");
    free(body);
}

Test(config, the_shipped_vhost_example_parses)
{
    char *example = slurp(fmt("%s/conf/clinic-vhost.conf", getenv("CLINIC_TOP")));
    char dir[] = "/tmp/clinic-example.XXXXXX", *out, *cmd, *p;
    FILE *f;
    int status;

    cr_assert(example);
    cr_assert(mkdtemp(dir));
    f = fopen(fmt("%s/httpd.conf", dir), "w");
    fprintf(f, "Include \"%s/common.conf\"\nListen 127.0.0.1:1\n", getenv("CLINIC_RUN_DIR"));
    /* Debian enables mod_authz_host: the metrics location's Require local */
    fprintf(f, "<IfModule !authz_host_module>\nLoadModule authz_host_module "
            "/usr/lib/apache2/modules/mod_authz_host.so\n</IfModule>\n");
    /* the example's paths, pointed at what this machine has */
    for (p = strtok(example, "\n"); p; p = strtok(NULL, "\n")) {
        if (strstr(p, "/etc/apache2/clinic/jwt.key") && !strchr(p, '#')) {
            fprintf(f, "    ClinicJWTSecretFile \"%s\"\n", getenv("CLINIC_JWT_KEY"));
        }
        else if (strstr(p, "/etc/apache2/clinic/otp.key") && !strchr(p, '#')) {
            fprintf(f, "    ClinicOTPSecretFile \"%s/otp.key\"\n",
                    getenv("CLINIC_RUN_DIR"));
        }
        else if (strstr(p, "Include /etc/apache2/conf-available/clinic-cors.conf")) {
            fprintf(f, "    Include \"%s/conf/clinic-cors.conf\"\n", getenv("CLINIC_TOP"));
        }
        else {
            fprintf(f, "%s\n", p);
        }
    }
    fclose(f);
    cmd = fmt("%s -t -f %s/httpd.conf > %s/out 2>&1", apache2(), dir, dir);
    status = system(cmd);
    out = slurp(fmt("%s/out", dir));
    cr_assert_eq(status, 0, "%s", out);
    cr_assert(strstr(out, "Syntax OK"), "%s", out);
    cr_assert_eq(system(fmt("rm -rf %s", dir)), 0);
    free(out);
    free(example);
}

Test(config, sethandler_without_any_clinic_directive)
{
    /* only the database and SetHandler clinic: the handler would have no key */
    refused("DBDriver sqlite3\nDBDParams /tmp/none.db", "ClinicJWTSecretFile");
}

Test(config, a_secret_in_the_main_server_serves_its_vhosts)
{
    char dir[] = "/tmp/clinic-main.XXXXXX", *out, *cmd;
    FILE *f;
    int status;

    cr_assert(mkdtemp(dir));
    f = fopen(fmt("%s/httpd.conf", dir), "w");
    fprintf(f, "Include \"%s/common.conf\"\nListen 127.0.0.1:1\n"
            "ClinicJWTSecretFile \"%s\"\nClinicSMSDriver log\n"
            "<VirtualHost 127.0.0.1:1>\n<Location \"/api/\">\nSetHandler clinic\n"
            "</Location>\n</VirtualHost>\n",
            getenv("CLINIC_RUN_DIR"), getenv("CLINIC_JWT_KEY"));
    fclose(f);
    cmd = fmt("%s -t -f %s/httpd.conf > %s/out 2>&1", apache2(), dir, dir);
    status = system(cmd);
    out = slurp(fmt("%s/out", dir));
    cr_assert_eq(status, 0, "%s", out);
    cr_assert_eq(system(fmt("rm -rf %s", dir)), 0);
    free(out);
}

/* ClinicRateLimitCache belongs to the main server; setting it there does
 * not make the main server a clinic site that needs its own secret (it
 * did: every host sharing a memcache was refused) */
Test(config, a_counter_cache_in_the_main_server_needs_no_secret_there)
{
    char *out, *body = with_secret("");
    int status = configtest_conf(
        "LoadModule socache_memcache_module "
        "/usr/lib/apache2/modules/mod_socache_memcache.so\n"
        "ClinicRateLimitCache memcache:127.0.0.1:11211", body, &out);

    cr_assert_eq(status, 0, "%s", out);
    cr_assert(strstr(out, "Syntax OK"), "%s", out);
    free(out);
    free(body);
}

Test(config, payment_directives_name_what_is_missing_or_wrong)
{
    const char *run = getenv("CLINIC_RUN_DIR");
    char *mf = fmt("ClinicPaymentDriver myfatoorah\nClinicPaymentKeyFile %s/mf.key\n"
                   "ClinicPaymentWebhookSecretFile %s/mf.secret\n"
                   "ClinicPublicURL https://api.clinic.test/\n"
                   "ClinicPaymentReturnURL https://clinic.test/paid", run, run);
    char *tap = fmt("ClinicPaymentDriver tap\nClinicPaymentKeyFile %s/tap.key\n"
                    "ClinicPublicURL https://api.clinic.test\n"
                    "ClinicPaymentReturnURL https://clinic.test/paid\n"
                    "ClinicPaymentTimeout 600", run);
    char *no_secret = fmt("ClinicPaymentDriver myfatoorah\nClinicPaymentKeyFile %s/mf.key\n"
                          "ClinicPublicURL https://api.clinic.test\n"
                          "ClinicPaymentReturnURL https://clinic.test/paid", run);
    char *no_urls = fmt("ClinicPaymentDriver tap\nClinicPaymentKeyFile %s/tap.key", run);
    char *bodies[] = { with_secret(mf), with_secret(tap),
                       with_secret("ClinicPaymentDriver tap"),
                       with_secret(no_secret), with_secret(no_urls),
                       with_secret("ClinicPaymentDriver paypal"),
                       with_secret("ClinicPaymentTimeout 0"),
                       with_secret("ClinicPaymentURL javascript:alert(1)"),
                       with_secret("ClinicPublicURL \"https://api.clinic.test/?x=1\""),
                       with_secret("ClinicPaymentKeyFile /nonexistent/payment.key") };
    char *out;
    int i;

    for (i = 0; i < 2; i++) {
        cr_assert_eq(configtest(bodies[i], &out), 0, "%s\n%s", bodies[i], out);
        free(out);
    }
    refused(bodies[2], "ClinicPaymentKeyFile");
    refused(bodies[3], "ClinicPaymentWebhookSecretFile");
    refused(bodies[4], "ClinicPublicURL");
    refused(bodies[5], "ClinicPaymentDriver");
    refused(bodies[6], "ClinicPaymentTimeout");
    refused(bodies[7], "ClinicPaymentURL");
    refused(bodies[8], "ClinicPublicURL");
    refused(bodies[9], "ClinicPaymentKeyFile");
    for (i = 0; i < 10; i++) {
        free(bodies[i]);
    }
    free(mf);
    free(tap);
    free(no_secret);
    free(no_urls);
}

/* Key rings: several files (lines or one line), each key once, each
 * strong; a weak one is named wherever it stands */
Test(config, key_rings_refuse_a_repeated_or_weak_key)
{
    const char *jwt = getenv("CLINIC_JWT_KEY"), *fresh = getenv("CLINIC_NEW_KEY");
    char *out, *body;
    int status;

    cr_assert(jwt && fresh);
    body = fmt("ClinicJWTSecretFile \"%s\"\nClinicJWTSecretFile \"%s\"\n"
               "ClinicOTPSecretFile \"%s\" \"%s\"\n"
               "ClinicSMSURL http://127.0.0.1:9/", fresh, jwt, fresh, jwt);
    status = configtest(body, &out);
    cr_assert_eq(status, 0, "two keys, as lines or on one line:\n%s", out);
    free(out);
    free(body);

    body = fmt("ClinicJWTSecretFile \"%s\"\nClinicJWTSecretFile \"%s\"\n"
               "ClinicSMSURL http://127.0.0.1:9/", jwt, jwt);
    refused(body, "ClinicJWTSecretFile");
    refused(body, "the same key");
    free(body);
    body = fmt("ClinicJWTSecretFile \"%s\"\nClinicOTPSecretFile \"%s\" \"%s\"\n"
               "ClinicSMSURL http://127.0.0.1:9/", jwt, fresh, fresh);
    refused(body, "ClinicOTPSecretFile");
    free(body);
    body = fmt("ClinicJWTSecretFile \"%s\" /nonexistent/clinic.key\n"
               "ClinicSMSURL http://127.0.0.1:9/", jwt);
    refused(body, "ClinicJWTSecretFile");
    free(body);
}

/* Key lines in the main server and in a virtual host of their own: both
 * are read, and a missing key in the main server's ring stops the whole
 * configuration even where a virtual host replaces that ring */
Test(config, key_rings_in_the_main_server_and_a_vhost)
{
    const char *jwt = getenv("CLINIC_JWT_KEY"), *fresh = getenv("CLINIC_NEW_KEY");
    char *out, *main, *body = fmt("ClinicJWTSecretFile \"%s\"\n"
                                  "ClinicSMSURL http://127.0.0.1:9/", fresh);
    int status;

    main = fmt("ClinicJWTSecretFile \"%s\"\nClinicSMSDriver log", jwt);
    status = configtest_conf(main, body, &out);
    cr_assert_eq(status, 0, "%s", out);
    free(out);
    free(main);
    main = fmt("ClinicJWTSecretFile \"%s\" /nonexistent/weak.key\n"
               "ClinicSMSDriver log", jwt);
    status = configtest_conf(main, body, &out);
    cr_assert_neq(status, 0, "%s", out);
    cr_assert(strstr(out, "ClinicJWTSecretFile"), "%s", out);
    free(out);
    free(main);
    free(body);
}
