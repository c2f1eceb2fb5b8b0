/*
 * SPDX-License-Identifier: Apache-2.0
 * clinicctl migrate on a database of its own (a new MariaDB database, or
 * a new SQLite file), its reading of httpd config files, and the one
 * clinicctl test that changes the package list every other test reads:
 * in the harness's pass of its own (CLINIC_ALONE).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "client.h"
#include "ctlrun.h"

/* the harness's DBDParams, read from its db.conf */
static char *harness_params(void)
{
    char *conf = slurp(fmt("%s/db.conf", getenv("CLINIC_RUN_DIR")));
    char *p, *end;

    cr_assert(conf);
    p = strstr(conf, "DBDParams \"");
    cr_assert(p, "%s", conf);
    p += strlen("DBDParams \"");
    end = strchr(p, '"');
    cr_assert(end);
    *end = '\0';
    p = strdup(p);
    free(conf);
    return p;
}

/* A database of its own: "--driver ... --params ..."; *name for SQL */
static char *new_database(char **name)
{
    char *params = harness_params(), *at;

    *name = fmt("clinic_ctl_%d", uniq());
    if (!db_is_mysql()) {
        /* a folder of its own: clinicctl run as root refuses to make a
         * database of root's where others can write (/tmp) */
        cr_assert_eq(system(fmt("rm -rf /tmp/%s && mkdir -m 755 /tmp/%s",
                                *name, *name)), 0);
        return fmt("--driver sqlite3 --params /tmp/%s/c.db", *name);
    }
    free(sql("CREATE DATABASE %s CHARACTER SET utf8mb4 COLLATE utf8mb4_bin; "
             "GRANT ALL ON %s.* TO 'clinic'@'127.0.0.1'", *name, *name));
    at = strstr(params, "dbname=clinic");
    cr_assert(at, "%s", params);
    *at = '\0';
    return fmt("--driver mysql --params '%sdbname=%s'", params, *name);
}

static void drop_database(const char *name)
{
    if (db_is_mysql()) {
        free(sql("DROP DATABASE %s", name));
    }
    else {
        cr_assert_eq(system(fmt("rm -rf /tmp/%s", name)), 0);
    }
}

/* SQL on that database: through the harness's client (MariaDB, whose
 * tables it names with the database), or sqlite3 */
static char *sql_on(const char *name, const char *query)
{
    if (db_is_mysql()) {
        return sql("USE %s; %s", name, query);
    }
    {
        char *cmd = fmt("sqlite3 /tmp/%s/c.db \"%s\"", name, query);
        FILE *f = popen(cmd, "r");
        char buf[256] = "";
        size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
        while (n && buf[n - 1] == '\n') {
            n--;                /* as sql() gives it */
        }
        buf[n] = '\0';
        cr_assert(f && pclose(f) == 0, "%s", cmd);
        return strdup(buf);
    }
}

Test(ctl_migrate, builds_a_schema_and_refuses_a_newer_one)
{
    char *name, *db = new_database(&name), *v;
    ctl_t *c = ctl_on(db, "--json migrate");
    const char *kind = db_is_mysql() ? "mysql" : "sqlite";

    expect(c, 0, NULL);
    cr_assert_eq(cnum(c, "from"), 0);
    cr_assert_eq(cnum(c, "to"), 6);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(c->json, "applied")),
                 6, "%s", c->out);
    cr_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(c->json,
                                                            "applied"), 2)
                     ->valuestring, fmt("003-payments.%s.sql", kind));
    cr_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(c->json,
                                                            "applied"), 3)
                     ->valuestring, fmt("004-day-counts.%s.sql", kind));
    cr_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(c->json,
                                                            "applied"), 4)
                     ->valuestring, fmt("005-one-live-code.%s.sql", kind));
    cr_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(c->json,
                                                            "applied"), 5)
                     ->valuestring, fmt("006-whatsapp.%s.sql", kind));
    ctl_free(c);
    v = sql_on(name, "SELECT version FROM clinic_schema");
    cr_assert_str_eq(v, "6");
    free(v);

    /* current: nothing to do, and the other commands work */
    c = ctl_on(db, "migrate");
    expect(c, 0, NULL);
    cr_assert(strstr(c->out, "already current"), "%s", c->out);
    ctl_free(c);
    c = ctl_on(db, "packages list");
    expect(c, 0, NULL);
    cr_assert_str_eq(c->out, "(none)\n");
    ctl_free(c);

    /* newer than it knows: refused, untouched */
    free(sql_on(name, "UPDATE clinic_schema SET version = 9"));
    expect(ctl_on(db, "migrate"), 3, "newer");
    expect(ctl_on(db, "stats"), 3, "newer");
    v = sql_on(name, "SELECT version FROM clinic_schema");
    cr_assert_str_eq(v, "9");
    free(v);
    drop_database(name);
}

Test(ctl_migrate, upgrades_from_version_1_in_order)
{
    char *name, *db = new_database(&name), *v, *cmd, *dir;
    const char *top = getenv("CLINIC_TOP");
    const char *kind = db_is_mysql() ? "mysql" : "sqlite";
    ctl_t *c;

    /* without its migrations the schema folder is refused before anything
     * runs */
    dir = fmt("/tmp/%s-schema", name);
    cmd = fmt("rm -rf %s && mkdir -p %s/migrations && cp %s/schema/%s.sql %s/",
              dir, dir, top, kind, dir);
    cr_assert_eq(system(cmd), 0);
    c = ctl_on(db, "--schema-dir %s migrate", dir);
    expect(c, 1, "002");
    ctl_free(c);
    c = ctl_on(db, "stats");
    expect(c, 3, "migrate");
    ctl_free(c);

    /* version 1: the base schema alone, as the first release left it */
    if (db_is_mysql()) {
        cr_assert_eq(system(fmt("(echo 'USE %s;'; cat %s/schema/mysql.sql) "
                                "| %s >/dev/null", name, top,
                                getenv("CLINIC_SQL"))), 0);
    }
    else {
        cr_assert_eq(system(fmt("sqlite3 /tmp/%s/c.db < %s/schema/sqlite.sql "
                                ">/dev/null", name, top)), 0);
    }
    /* codes that racing sends left live before 004: the newest of each
     * number stays live, the others are retired */
    free(sql_on(name, "INSERT INTO otp_codes (id, phone_number, purpose, "
                "owner, code_hash, attempts, status, created_at, created_us, "
                "expires_at) VALUES "
                "('c1', '+96550000001', 'login', '', 'x', 0, 'active', "
                "'2030-01-01 00:00:00', 1, '2030-01-01 00:05:00'), "
                "('c3', '+96550000001', 'login', '', 'x', 0, 'active', "
                "'2030-01-01 00:00:00', 3, '2030-01-01 00:05:00'), "
                "('c2', '+96550000001', 'login', '', 'x', 0, 'active', "
                "'2030-01-01 00:00:00', 2, '2030-01-01 00:05:00'), "
                "('t1', '+96550000001', 'phone_change', 'u', 'x', 0, "
                "'active', '2030-01-01 00:00:00', 5, '2030-01-01 00:05:00'), "
                "('t2', '+96550000001', 'phone_change', 'u', 'x', 0, "
                "'active', '2030-01-01 00:00:00', 5, '2030-01-01 00:05:00'), "
                "('o1', '+96550000002', 'login', '', 'x', 0, 'active', "
                "'2030-01-01 00:00:00', 1, '2030-01-01 00:05:00')"));
    c = ctl_on(db, "migrate");
    expect(c, 0, NULL);
    cr_assert(strstr(c->out, fmt("applied 002-idempotency.%s.sql\n"
                                 "applied 003-payments.%s.sql\n"
                                 "applied 004-day-counts.%s.sql\n"
                                 "applied 005-one-live-code.%s.sql\n"
                                 "applied 006-whatsapp.%s.sql\n", kind,
                                 kind, kind, kind, kind)), "%s", c->out);
    ctl_free(c);
    v = sql_on(name, "SELECT version FROM clinic_schema");
    cr_assert_str_eq(v, "6");
    free(v);
    v = sql_on(name, "SELECT id FROM otp_codes WHERE status = 'active' "
               "ORDER BY id");
    cr_assert_str_eq(v, "c3\no1\nt2", "the live codes after 005: %s", v);
    free(v);
    /* and from now on the database refuses a second live code */
    cr_assert_neq(system(db_is_mysql()
                         ? fmt("echo \"USE %s; UPDATE otp_codes SET status = "
                               "'active' WHERE id = 'c2'\" | %s 2>/dev/null",
                               name, getenv("CLINIC_SQL"))
                         : fmt("sqlite3 /tmp/%s.db \"UPDATE otp_codes SET "
                               "status = 'active' WHERE id = 'c2'\" "
                               "2>/dev/null", name)), 0,
                  "a second live code of one number was let in");
    v = sql_on(name, "SELECT COUNT(*) FROM otp_codes WHERE status = 'active' "
               "AND phone_number = '+96550000001' AND purpose = 'login'");
    cr_assert_str_eq(v, "1", "%s live codes of one number", v);
    free(v);
    cr_assert_eq(system(fmt("rm -rf %s", dir)), 0);
    drop_database(name);
}

Test(ctl_migrate, reads_the_virtual_host_s_database_from_its_file)
{
    char *params = harness_params();
    char *conf = fmt("/tmp/clinic-ctl-%d.conf", uniq());
    FILE *f = fopen(conf, "w");
    const char *driver = db_is_mysql() ? "mysql" : "sqlite3";
    ctl_t *c;

    cr_assert(f);
    /* two hosts on two databases, one of them continued over lines */
    fprintf(f, "# the clinic\n<VirtualHost *:80>\n  ServerName api.one\n"
               "  DBDriver %s\n  DBDParams \"%s\"\n</VirtualHost>\n"
               "<VirtualHost *:80>\n  ServerName api.two\n  DBDriver \\\n"
               "    %s\n  DBDParams \"/nowhere/else.db\"\n</VirtualHost>\n",
            driver, params, driver);
    fclose(f);
    expect(ctl_on(fmt("-c %s", conf), "stats"), 2, "--vhost");
    c = ctl_on(fmt("-c %s --vhost api.one", conf), "--json stats");
    expect(c, 0, NULL);
    cr_assert_geq(cnum(c, "users"), 0);
    ctl_free(c);
    expect(ctl_on(fmt("-c %s --vhost api.three", conf), "stats"), 2,
           "api.three");
    expect(ctl_on(fmt("-c %s --vhost api.two", conf), "stats"), 3, NULL);

    /* the usual pair: a :80 redirect and the :443 host with the database,
     * its ServerName with a port, an alias; DBDInitSQL at the top level */
    f = fopen(conf, "w");
    fprintf(f, "DBDInitSQL \"SELECT 1\"\n"
               "<VirtualHost *:80>\n  ServerName api.one\n"
               "  Redirect / https://api.one/\n</VirtualHost>\n"
               "<VirtualHost *:443>\n  ServerName https://API.one:443\n"
               "  ServerAlias www.api.one api.example\n"
               "  DBDriver %s\n  DBDParams \"%s\"\n</VirtualHost>\n",
            driver, params);
    fclose(f);
    expect(ctl_on(fmt("-c %s --vhost api.one", conf), "stats"), 0, NULL);
    expect(ctl_on(fmt("-c %s --vhost api.example", conf), "stats"), 0, NULL);
    expect(ctl_on(fmt("-c %s", conf), "stats"), 0, NULL);

    f = fopen(conf, "w");
    fprintf(f, "Define DB /x.db\nDBDriver sqlite3\nDBDParams ${DB}\n");
    fclose(f);
    expect(ctl_on(fmt("-c %s", conf), "stats"), 2, "${...}");
    unlink(conf);
    expect(ctl_on(fmt("-c %s", conf), "stats"), 2, "cannot read");
    expect(ctl_on("", "stats"), 2, "which database");
}

Test(ctl_migrate, a_failed_migration_says_what_it_left)
{
    char *name, *db = new_database(&name), *v, *dir;
    const char *top = getenv("CLINIC_TOP");
    const char *kind = db_is_mysql() ? "mysql" : "sqlite";
    ctl_t *c;

    /* 002 adds its column, then fails */
    dir = fmt("/tmp/%s-schema", name);
    cr_assert_eq(system(fmt("rm -rf %s && mkdir -p %s/migrations && "
                            "cp %s/schema/%s.sql %s/ && "
                            "cp %s/schema/migrations/00[3-9]-*.%s.sql "
                            "%s/migrations/",
                            dir, dir, top, kind, dir, top, kind, dir)), 0);
    FILE *f = fopen(fmt("%s/migrations/002-broken.%s.sql", dir, kind), "w");
    cr_assert(f);
    fputs("ALTER TABLE user_packages ADD COLUMN idempotency_key "
          "VARCHAR(64) NULL;\nINSERT INTO no_such_table VALUES (1);\n", f);
    fclose(f);
    c = ctl_on(db, "--schema-dir %s migrate", dir);
    expect(c, 3, "002-broken");
    if (db_is_mysql()) {
        cr_assert(strstr(c->err, "stays"), "%s", c->err);
    }
    else {
        /* SQLite: the whole file in one transaction, nothing kept */
        cr_assert(strstr(c->err, "nothing of it was kept"), "%s", c->err);
        v = sql_on(name, "SELECT COUNT(*) FROM pragma_table_info("
                         "'user_packages') WHERE name = 'idempotency_key'");
        cr_assert_str_eq(v, "0");
        free(v);
    }
    ctl_free(c);
    v = sql_on(name, "SELECT version FROM clinic_schema");
    cr_assert_str_eq(v, "1", "the version before the failed file");
    free(v);
    cr_assert_eq(system(fmt("rm -rf %s", dir)), 0);
    drop_database(name);
}

Test(ctl_migrate, a_base_schema_that_stopped_half_way_is_not_built_on)
{
    char *name, *db = new_database(&name);
    ctl_t *c;

    /* a table of the base schema already there: the base fails on it */
    if (db_is_mysql()) {
        free(sql("CREATE TABLE %s.packages (x INT)", name));
    }
    else {
        cr_assert_eq(system(fmt("sqlite3 /tmp/%s/c.db 'CREATE TABLE packages "
                                "(x INTEGER)'", name)), 0);
    }
    expect(ctl_on(db, "migrate"), 3, "packages");
    /* SQLite rolled it all back and says the same again; MySQL kept the
     * tables before the failure but no version: refused, not built on */
    c = ctl_on(db, "migrate");
    expect(c, 3, db_is_mysql() ? "half-way" : "packages");
    ctl_free(c);
    expect(ctl_on(db, "stats"), 3, NULL);
    drop_database(name);
}

Test(ctl_migrate, sqlite_paths_are_taken_with_care)
{
    char *dir = fmt("/tmp/clinic-ctl-own-%d", uniq()), *out;
    ctl_t *c;

    /* a typo is not a new, empty database */
    c = ctl_on(fmt("--driver sqlite3 --params %s/typo.db", dir), "stats");
    expect(c, 3, "no SQLite database");
    ctl_free(c);
    cr_assert_neq(access(fmt("%s/typo.db", dir), F_OK), 0);

    /* as root in the web server's folder: the file is the web server's */
    cr_assert_eq(system(fmt("mkdir -p %s && chown www-data:www-data %s",
                            dir, dir)), 0);
    c = ctl_on(fmt("--driver sqlite3 --params %s/c.db", dir), "migrate");
    expect(c, 0, "creating a new SQLite database");
    ctl_free(c);
    out = NULL;
    {
        FILE *p = popen(fmt("stat -c %%U %s/c.db", dir), "r");
        char owner[64] = "";
        cr_assert(p && fgets(owner, sizeof(owner), p));
        pclose(p);
        out = strdup(owner);
    }
    cr_assert_str_eq(out, "www-data\n");
    free(out);

    /* never through a symbolic link */
    cr_assert_eq(system(fmt("ln -s %s/c.db %s/link.db", dir, dir)), 0);
    expect(ctl_on(fmt("--driver sqlite3 --params %s/link.db", dir),
                  "stats"), 3, "symbolic link");
    cr_assert_eq(system(fmt("rm -rf %s", dir)), 0);
}

/* Changes every test reading the package list would see: its own pass */
Test(alone, clinicctl_changes_show_in_the_api, .timeout = 60)
{
    char *name = fmt("On sale %d", uniq()), *id;
    ctl_t *c;
    resp_t *r;
    int i, seen;

    if (!getenv("CLINIC_ALONE")) {
        cr_skip_test("runs in the harness's pass of its own");
    }
    c = ctl("--json packages add --name '%s' --price 12.345 --days 7", name);
    expect(c, 0, NULL);
    id = strdup(cstr(c, "id"));
    ctl_free(c);
    for (int want = 1; want >= 0; want--) {
        /* the module's package list is cached for a couple of seconds */
        for (i = 0, seen = !want; i < 50 && seen != want; i++) {
            r = call("GET", site("main"), "/api/packages/available", NULL,
                     NULL, NULL);
            cr_assert_eq(r->status, 200);
            seen = strstr(r->body, id) != NULL;
            if (seen && want) {
                cr_assert(strstr(r->body, "\"price\":12.345"), "%s", r->body);
            }
            resp_free(r);
            if (seen != want) {
                usleep(100000);
            }
        }
        cr_assert_eq(seen, want, "the API %s the package after 5 s",
                     want ? "does not list" : "still lists");
        if (want) {
            expect(ctl("packages deactivate %s", id), 0, NULL);
        }
    }
    free(id);
}
