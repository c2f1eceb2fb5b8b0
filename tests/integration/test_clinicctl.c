/*
 * SPDX-License-Identifier: Apache-2.0
 * clinicctl against the harness's database (MariaDB, then SQLite), read
 * from the same db.conf the test httpd includes: what it changes shows in
 * the API, what it refuses changes nothing, and `migrate` builds and
 * upgrades a schema and refuses a newer one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <unistd.h>
#include <sys/wait.h>
#include <time.h>
#include <criterion/criterion.h>

#include "client.h"

#include "ctlrun.h"

int uniq(void)
{
    static int n;

    return (int)getpid() * 100 + n++;
}

void ctl_free(ctl_t *c)
{
    free(c->out);
    free(c->err);
    cJSON_Delete(c->json);
    free(c);
}

/* clinicctl with the database given by `db` (options, or NULL for the
 * harness's db.conf) and the rest of the line; shell words, quoted by the
 * caller */
ctl_t *ctl_on(const char *db, const char *format, ...)
{
    char args[2048], errf[] = "/tmp/clinic-ctl-err.XXXXXX", *cmd;
    const char *top = getenv("CLINIC_TOP"), *run = getenv("CLINIC_RUN_DIR");
    ctl_t *c = calloc(1, sizeof(*c));
    va_list ap;
    FILE *f;
    int fd, st, ch;
    size_t len = 0, cap = 256;

    cr_assert(top && run, "CLINIC_TOP and CLINIC_RUN_DIR are the harness's");
    va_start(ap, format);
    vsnprintf(args, sizeof(args), format, ap);
    va_end(ap);
    fd = mkstemp(errf);
    cr_assert(fd >= 0);
    close(fd);
    cr_assert(asprintf(&cmd, "%s/build/clinicctl --schema-dir %s/schema %s%s "
                       "%s 2>%s", top, top, db ? "" : "-c ",
                       db ? db : fmt("%s/db.conf", run), args, errf) > 0);
    f = popen(cmd, "r");
    cr_assert(f);
    c->out = malloc(cap);
    while ((ch = fgetc(f)) != EOF) {
        if (len + 2 > cap) {
            c->out = realloc(c->out, cap *= 2);
        }
        c->out[len++] = (char)ch;
    }
    c->out[len] = '\0';
    st = pclose(f);
    c->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    c->err = slurp(errf);
    unlink(errf);
    c->json = cJSON_Parse(c->out);
    free(cmd);
    return c;
}

const char *cstr(const ctl_t *c, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->json, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

double cnum(const ctl_t *c, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->json, key);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

void expect(const ctl_t *c, int status, const char *in_err)
{
    cr_assert_eq(c->status, status, "exit %d, not %d: %s%s", c->status,
                 status, c->err ? c->err : "", c->out);
    if (in_err) {
        cr_assert(c->err && strstr(c->err, in_err), "stderr says \"%s\": %s",
                  in_err, c->err ? c->err : "(none)");
    }
}

/* the one package called name in `packages list --json`, or NULL */
cJSON *listed(const char *name)
{
    ctl_t *c = ctl("--json packages list");
    cJSON *p, *found = NULL;

    expect(c, 0, NULL);
    cJSON_ArrayForEach(p, c->json) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(p, "name");
        if (cJSON_IsString(n) && !strcmp(n->valuestring, name)) {
            found = cJSON_Duplicate(p, 1);
        }
    }
    ctl_free(c);
    return found;
}

Test(ctl, version_is_the_module_s)
{
    ctl_t *c = ctl("--json version");
    resp_t *r = call("GET", site("main"), "/api/version", NULL, NULL, NULL);

    expect(c, 0, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(cstr(c, "version"), jstr(r, "data.version"));
    resp_free(r);
    ctl_free(c);
}

Test(ctl, packages_add_refuses_bad_values_and_adds_nothing)
{
    static const char *const bad[] = {
        "--price 25.5001 --days 30", "--price 0 --days 30",
        "--price -3 --days 30", "--price abc --days 30",
        "--price 10000000 --days 30", "--price 1 --days 0",
        "--price 1 --days 3651", "--price 1 --days 7x",
        "--price 25,500 --days 30", "--price 1,5 --days 30",
        "--price 25. --days 30", "--price .5 --days 30",
        "--price '25.5 ' --days 30",
    };
    char *name = fmt("Refused %d", uniq());
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ctl_t *c = ctl("packages add --name '%s' %s", name, bad[i]);
        expect(c, 1, NULL);
        cr_assert(strstr(c->err, "--price") || strstr(c->err, "--days"),
                  "%s: %s", bad[i], c->err);
        ctl_free(c);
    }
    expect(ctl("packages add --name '   ' --price 1 --days 1"), 1, "--name");
    expect(ctl("packages add --name '%s' --price 1", name), 2, "--days");
    expect(ctl("packages add --name '%s' --price 1 --days 1 --colour red",
               name), 2, "unknown option --colour");
    expect(ctl("packages frobnicate"), 2, NULL);
    expect(ctl("nothing"), 2, "no command");
    cr_assert_null(listed(name), "a refused package was not added");
}

Test(ctl, packages_add_update_and_a_hidden_one_is_not_for_sale)
{
    char *name = fmt("Hidden %d", uniq()), *ip, *tok;
    ctl_t *c = ctl("--json packages add --name '%s' --price 25.5 --days 30 "
                   "--description 'Two visits' --inactive", name);
    char *id, *stored;
    cJSON *p;
    resp_t *r;

    expect(c, 0, NULL);
    cr_assert_str_eq(cstr(c, "price"), "25.500");
    cr_assert_eq(cnum(c, "priceFils"), 25500);
    cr_assert_eq(cnum(c, "duration"), 30);
    cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(c->json, "isActive")));
    id = strdup(cstr(c, "id"));
    ctl_free(c);
    /* exact on both databases: DECIMAL(10,3), or the text */
    stored = sql("SELECT price FROM packages WHERE id = '%s'", id);
    cr_assert_str_eq(stored, "25.500");
    free(stored);

    c = ctl("--json packages update %s --price 7.125 --days 10 "
            "--no-description --name '%s'", id, name);
    expect(c, 0, NULL);
    ctl_free(c);
    p = listed(name);
    cr_assert_not_null(p);
    cr_assert_str_eq(cJSON_GetObjectItem(p, "price")->valuestring, "7.125");
    cr_assert_eq(cJSON_GetObjectItem(p, "priceFils")->valuedouble, 7125);
    cr_assert_eq(cJSON_GetObjectItem(p, "duration")->valuedouble, 10);
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(p, "description")));
    cJSON_Delete(p);

    expect(ctl("packages update 00000000-0000-4000-8000-000000000000 "
               "--days 3"), 1, "no package");
    expect(ctl("packages deactivate 00000000-0000-4000-8000-000000000000"),
           1, "no package");
    expect(ctl("packages update %s", id), 2, NULL);

    /* not on sale: the API lists it nowhere and will not sell it */
    r = call("GET", site("main"), "/api/packages/available", NULL, NULL,
             NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_null(strstr(r->body, id));
    resp_free(r);
    ip = fake_ip();
    tok = login(site("main"), fake_phone(), ip);
    r = call("POST", site("main"), "/api/packages/purchase",
             fmt("{\"package_id\":\"%s\",\"user_info\":{\"name\":\"A B\","
                 "\"national_id\":\"290010112345\"}}", id), tok, ip);
    assert_error(r, 400, "PACKAGE_UNAVAILABLE");
    resp_free(r);
    free(id);
}

Test(ctl, users_show_deactivate_and_activate)
{
    char *phone = fake_phone(), *ip = fake_ip();
    char *tok = login(site("main"), phone, ip), *again;
    ctl_t *c = ctl("--json users show '%s'", phone + 4);   /* local form */
    resp_t *r;

    expect(c, 0, NULL);
    cr_assert_str_eq(cstr(c, "phoneNumber"), phone);
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(c->json, "isActive")));
    ctl_free(c);

    c = ctl("--json users deactivate '%s'", phone);
    expect(c, 0, NULL);
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(c->json, "changed")));
    ctl_free(c);
    /* the token it held is dead, and a new login is refused */
    r = call("GET", site("main"), "/api/user/profile", NULL, tok, ip);
    cr_assert_eq(r->status, 401, "%s", r->body);
    resp_free(r);
    r = send_otp(site("main"), phone, ip);
    if (r->status == 200) {
        char *code = sms_code(phone);
        resp_free(r);
        r = verify_otp(site("main"), phone, code, ip);
        free(code);
    }
    assert_error(r, 403, "USER_INACTIVE");
    resp_free(r);

    c = ctl("users activate '%s'", phone);
    expect(c, 0, NULL);
    cr_assert(strstr(c->out, "isActive") && strstr(c->out, "yes"), "%s", c->out);
    ctl_free(c);
    again = login(site("main"), phone, fake_ip());
    r = call("GET", site("main"), "/api/user/profile", NULL, tok, ip);
    cr_assert_eq(r->status, 401, "the old token stays dead: %s", r->body);
    resp_free(r);
    free(again);

    expect(ctl("users show +96555000000x"), 1, "not a Kuwaiti");
    expect(ctl("users show '%s'", fake_phone()), 1, "no user");
    expect(ctl("users show"), 2, NULL);
}

Test(ctl, subscriptions_show_what_was_bought)
{
    char *phone = fake_phone(), *ip = fake_ip();
    char *tok = login(site("main"), phone, ip);
    resp_t *r = call("POST", site("main"), "/api/packages/purchase",
                     "{\"package_id\":\"5f0c6a52-3f1e-4d8e-9a51-0d6c1f2b7a10\","
                     "\"user_info\":{\"name\":\"A B\","
                     "\"national_id\":\"290010112345\"}}", tok, ip);
    ctl_t *c;
    cJSON *s;

    cr_assert_eq(r->status, 201, "%s", r->body);
    resp_free(r);
    c = ctl("--json subscriptions show '%s'", phone);
    expect(c, 0, NULL);
    cr_assert_eq(cJSON_GetArraySize(c->json), 1, "%s", c->out);
    s = cJSON_GetArrayItem(c->json, 0);
    cr_assert_str_eq(cJSON_GetObjectItem(s, "package")->valuestring,
                     "Monthly care package");
    cr_assert_str_eq(cJSON_GetObjectItem(s, "amount")->valuestring, "25.000");
    cr_assert_eq(cJSON_GetObjectItem(s, "amountFils")->valuedouble, 25000);
    cr_assert_str_eq(cJSON_GetObjectItem(s, "paymentStatus")->valuestring,
                     "completed");
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(s, "isActive")));
    ctl_free(c);

    /* for people: a table, one line per subscription under its header */
    c = ctl("subscriptions show '%s'", phone);
    expect(c, 0, NULL);
    cr_assert(!strncmp(c->out, "id ", 3) && strstr(c->out, "25.000"),
              "%s", c->out);
    ctl_free(c);
}

Test(ctl, stats_count_what_happened)
{
    ctl_t *before = ctl("--json stats"), *after;
    char *phone = fake_phone(), *tok = login(site("main"), phone, fake_ip());

    expect(before, 0, NULL);
    free(sql("INSERT INTO user_packages (id, user_id, package_id, "
             "purchased_at, expires_at, payment_status, created_at) "
             "SELECT '%s', id, '5f0c6a52-3f1e-4d8e-9a51-0d6c1f2b7a10', "
             "'2026-01-01 00:00:00', '2026-01-01 00:00:00', 'pending', "
             "'2026-01-01 00:00:00' FROM users WHERE phone_number = '%s'",
             fmt("ctl-%d", uniq()), phone));
    after = ctl("--json stats");
    expect(after, 0, NULL);
    cr_assert_geq(cnum(after, "users"), cnum(before, "users") + 1);
    cr_assert_geq(cnum(after, "sends24h"), cnum(before, "sends24h") + 1);
    cr_assert_geq(cnum(after, "logins24h"), cnum(before, "logins24h") + 1);
    cr_assert_geq(cnum(after, "pendingPayments"),
                  cnum(before, "pendingPayments") + 1);
    cr_assert_geq(cnum(after, "activeUsers"), 1);
    ctl_free(before);
    ctl_free(after);
    free(tok);
}

Test(ctl, cleanup_deletes_only_what_ran_out_a_day_ago)
{
    char *old = fmt("ctl-old-%d", uniq()), *recent = fmt("ctl-new-%d", uniq());
    char *bucket = fmt("ctl-bucket-%d", uniq()), *left, at[32];
    char *kept = fmt("ctl-kept-%d", uniq()), made[32];
    time_t two_hours_ago = time(NULL) - 7200, a_day_ago = time(NULL) - 90000;
    ctl_t *c;

    /* one live code per number (schema 004): three numbers.  Every code
     * this test adds was made more than 24 hours ago, so the stats test
     * beside this one (its sends of the last 24 hours) never sees one
     * come and go */
    strftime(made, sizeof(made), "%Y-%m-%d %H:%M:%S", gmtime(&a_day_ago));
    free(sql("INSERT INTO otp_codes (id, phone_number, purpose, owner, "
             "code_hash, attempts, status, created_at, created_us, "
             "expires_at) VALUES ('%s', '+96550000000', 'login', '', 'x', 0, "
             "'active', '2020-01-01 00:00:00', 1, '2020-01-01 00:05:00'), "
             "('%s', '+96550000001', 'login', '', 'x', 0, 'active', "
             "'%s', 2, '%s')", old, recent, made, "2099-01-01 00:05:00"));
    /* the server's background work deletes old codes and slots too, a
     * batch of 100 a tick for each of the test server's ~25 virtual hosts
     * (their first ticks come together), the oldest first: 10,000 older
     * ones of each (a second apart) leave some for clinicctl however its
     * start is timed.  10,000 rows from 100 x 100 (MariaDB recurses 1,000
     * times at most), used codes: a number has one live code at most. */
#define ROWS_10000 "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 " \
                  "FROM n WHERE i < 99) SELECT a.i * 100 + b.i AS k " \
                  "FROM n a CROSS JOIN n b"
    free(sql(db_is_mysql()
             ? "INSERT INTO otp_codes (id, phone_number, purpose, owner, "
               "code_hash, attempts, status, created_at, created_us, "
               "expires_at) SELECT CONCAT('%s-', k), '+96550000000', 'login', "
               "'', 'x', 0, 'consumed', '2019-01-01 00:00:00' + INTERVAL k "
               "SECOND, k, '2019-01-01 00:00:00' + INTERVAL k SECOND "
               "FROM (" ROWS_10000 ") t"
             : "INSERT INTO otp_codes (id, phone_number, purpose, owner, "
               "code_hash, attempts, status, created_at, created_us, "
               "expires_at) SELECT '%s-' || k, '+96550000000', 'login', '', "
               "'x', 0, 'consumed', datetime('2019-01-01 00:00:00', '+' || k "
               "|| ' seconds'), k, datetime('2019-01-01 00:00:00', '+' || k "
               "|| ' seconds') FROM (" ROWS_10000 ") t", old));
    /* expired two hours ago: kept, so stats can count the day's codes */
    strftime(at, sizeof(at), "%Y-%m-%d %H:%M:%S", gmtime(&two_hours_ago));
    free(sql("INSERT INTO otp_codes (id, phone_number, purpose, owner, "
             "code_hash, attempts, status, created_at, created_us, "
             "expires_at) VALUES ('%s', '+96550000002', 'login', '', 'x', 0, "
             "'active', '%s', 3, '%s')", kept, made, at));
    free(sql("INSERT INTO rate_slots (bucket, slot, used_at) "
             "SELECT '%s', k, 1000 + k FROM (" ROWS_10000 ") t", bucket));
    c = ctl("--json cleanup");
    expect(c, 0, NULL);
    /* a batch is 100 rows */
    cr_assert_geq(cnum(c, "codesDeleted"), 101, "more than one batch: %s",
                  c->out);
    cr_assert_geq(cnum(c, "limitSlotsDeleted"), 101,
                  "more than one batch: %s", c->out);
    ctl_free(c);
    left = sql("SELECT id FROM otp_codes WHERE id IN ('%s', '%s', '%s') "
               "ORDER BY id", old, kept, recent);
    cr_assert_str_eq(left, fmt("%s\n%s", kept, recent));
    free(left);
    left = sql("SELECT COUNT(*) FROM otp_codes WHERE id LIKE '%s-%%'", old);
    cr_assert_str_eq(left, "0", "every batch ran");
    free(left);
    left = sql("SELECT COUNT(*) FROM rate_slots WHERE bucket = '%s'", bucket);
    cr_assert_str_eq(left, "0");
    free(left);
    free(sql("DELETE FROM otp_codes WHERE id IN ('%s', '%s')", kept, recent));
}

/* what a terminal would act on: an OSC title, a bell, clear-screen, C1's
 * CSI (U+009B), DEL and a bidi override, stored as a package's name */
#define HOSTILE_HEX "41421b5d303b70776e6564071b5b324a63c29b324a7f44e280ae45"
#define HOSTILE "AB\x1b]0;pwned\x07\x1b[2Jc\xc2\x9b" "2J\x7f" "D\xe2\x80\xae" "E"

Test(ctl, stored_control_characters_never_reach_the_terminal)
{
    char *id = fmt("ctl-esc-%d", uniq());
    const char *name = db_is_mysql() ? "CONVERT(X'" HOSTILE_HEX "' USING utf8mb4)"
                                     : "CAST(X'" HOSTILE_HEX "' AS TEXT)";
    const char *bad[] = { "\x1b", "\x07", "\x7f", "\xc2\x9b", "\xe2\x80\xae" };
    ctl_t *c;
    cJSON *p, *found = NULL;
    size_t i;

    /* off sale: the API's package list does not change */
    free(sql("INSERT INTO packages (id, name, description, price, "
             "duration_days, is_active, created_at, updated_at) VALUES "
             "('%s', %s, %s, '1.000', 1, 0, '2026-01-01 00:00:00', "
             "'2026-01-01 00:00:00')", id, name, name));

    /* for people: each one shown as U+FFFD, the rest as it is */
    c = ctl("packages list");
    expect(c, 0, NULL);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_null(strstr(c->out, bad[i]), "byte %02x reached the "
                       "terminal", (unsigned char)bad[i][0]);
    }
    cr_assert(strstr(c->out, "AB\xef\xbf\xbd]0;pwned\xef\xbf\xbd\xef\xbf\xbd"
                     "[2Jc\xef\xbf\xbd" "2J\xef\xbf\xbd" "D\xef\xbf\xbd" "E"),
              "%s", c->out);
    ctl_free(c);

    /* for scripts: valid JSON, the same string, escaped */
    c = ctl("--json packages list");
    expect(c, 0, NULL);
    cr_assert_not_null(c->json, "not JSON: %s", c->out);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_null(strstr(c->out, bad[i]), "byte %02x left raw in JSON",
                       (unsigned char)bad[i][0]);
    }
    cr_assert(strstr(c->out, "\\u001b]0;pwned\\u0007\\u001b[2Jc\\u009b2J"
                     "\\u007fD\\u202eE"), "%s", c->out);
    cJSON_ArrayForEach(p, c->json) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, "id");
        if (cJSON_IsString(v) && !strcmp(v->valuestring, id)) {
            found = p;
        }
    }
    cr_assert_not_null(found);
    cr_assert_str_eq(cJSON_GetObjectItem(found, "name")->valuestring, HOSTILE);
    cr_assert_str_eq(cJSON_GetObjectItem(found, "description")->valuestring,
                     HOSTILE);
    ctl_free(c);

    /* an error quoting what it was given is cleaned the same way */
    c = ctl("users show '+96550000000x%s'", "\x1b[2J");
    expect(c, 1, NULL);
    cr_assert_null(strstr(c->err, "\x1b"), "%s", c->err);
    ctl_free(c);
    free(sql("DELETE FROM packages WHERE id = '%s'", id));

    /* SQLite keeps bytes that are not UTF-8 as they are: U+FFFD in both */
    if (!db_is_mysql()) {
        free(sql("INSERT INTO packages (id, name, price, duration_days, "
                 "is_active, created_at, updated_at) VALUES ('%s', "
                 "CAST(X'41ff1b42' AS TEXT), '1.000', 1, 0, "
                 "'2026-01-01 00:00:00', '2026-01-01 00:00:00')", id));
        c = ctl("packages list");
        expect(c, 0, NULL);
        cr_assert(strstr(c->out, "A\xef\xbf\xbd\xef\xbf\xbd" "B"), "%s",
                  c->out);
        ctl_free(c);
        c = ctl("--json packages list");
        expect(c, 0, NULL);
        cr_assert_not_null(c->json, "not JSON: %s", c->out);
        cr_assert(strstr(c->out, "\"A\\ufffd\\u001bB\""), "%s", c->out);
        ctl_free(c);
        free(sql("DELETE FROM packages WHERE id = '%s'", id));
    }
    free(id);
}
