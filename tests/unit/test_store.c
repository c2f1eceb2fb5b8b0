/*
 * SPDX-License-Identifier: Apache-2.0
 * test_store.c: the store's SQL against SQLite, through the real store
 * functions.  Each test gets a fresh database file in a directory of its
 * own, made as `clinicctl migrate` makes one (schema/sqlite.sql, then
 * every schema/migrations/NNN-*.sqlite.sql in order), opened as
 * clinicctl opens one (ctl/ctldb.c): apr_dbd's sqlite3 driver, a busy
 * timeout, every statement prepared under its label.  Log lines are kept
 * to be looked at.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <apr_dbd.h>
#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "store.h"
#include "store_exec.h"
#include "store_admin.h"

#include "pool_fixture.h"
#include "log_fixture.h"

#ifndef CLINIC_SCHEMA_DIR
#error "CLINIC_SCHEMA_DIR: the Makefile passes the schema folder"
#endif

#define T0 ((apr_int64_t)1767225600)     /* 2026-01-01 00:00:00 UTC */
#define DAY 86400

static clinic_env_t env;
static clinic_db_t *db;
static char dir[256];                    /* this test's folder */
static apr_dbd_t *other;                 /* a second connection, or NULL */

/* ---- the fixture -------------------------------------------------------- */

/* one statement as it stands in a schema file: PRAGMAs answer rows */
static void exec_sql(const char *sql)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    int rv, n = 0;

    sql += strspn(sql, " \t\r\n");
    if (!*sql) {
        return;
    }
    if (!strncasecmp(sql, "PRAGMA", 6)) {
        rv = apr_dbd_select(db->driver, pool, db->handle, &res, sql, 0);
        while (rv == 0 && apr_dbd_get_row(db->driver, pool, res, &row,
                                          -1) == 0) {
        }
    }
    else {
        rv = apr_dbd_query(db->driver, db->handle, &n, sql);
    }
    cr_assert_eq(rv, 0, "%s: %s", sql,
                 apr_dbd_error(db->driver, db->handle, rv));
}

/* Run a schema file a statement at a time: a statement ends at ';'
 * outside quotes; '--' comments (the only kind the files use) go. */
static void run_file(const char *path)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t n;
    char *text, *buf, *o, quote = 0;
    const char *s;

    cr_assert_eq(apr_file_open(&f, path, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT,
                               pool), APR_SUCCESS, "%s", path);
    cr_assert_eq(apr_file_info_get(&fi, APR_FINFO_SIZE, f), APR_SUCCESS);
    n = (apr_size_t)fi.size;
    text = apr_palloc(pool, n + 1);
    cr_assert_eq(apr_file_read_full(f, text, n, &n), APR_SUCCESS);
    apr_file_close(f);
    text[n] = '\0';
    o = buf = apr_palloc(pool, n + 1);
    for (s = text; *s; s++) {
        if (quote) {
            quote = *s == quote ? 0 : quote;   /* '' closes, then reopens */
            *o++ = *s;
        }
        else if (*s == '\'' || *s == '"') {
            quote = *o++ = *s;
        }
        else if (s[0] == '-' && s[1] == '-') {
            s += strcspn(s, "\n") - 1;         /* to the line's end */
        }
        else if (*s == ';') {
            *o = '\0';
            exec_sql(buf);
            o = buf;
        }
        else {
            *o++ = *s;
        }
    }
    *o = '\0';
    exec_sql(buf);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* the base schema, then each migration of SQLite's in order */
static void migrate(void)
{
    const char *mdir = CLINIC_SCHEMA_DIR "/migrations", *suffix = ".sqlite.sql";
    apr_array_header_t *names = apr_array_make(pool, 8, sizeof(const char *));
    apr_dir_t *dh;
    apr_finfo_t fi;
    int i;

    run_file(CLINIC_SCHEMA_DIR "/sqlite.sql");
    cr_assert_eq(apr_dir_open(&dh, mdir, pool), APR_SUCCESS, "%s", mdir);
    while (apr_dir_read(&fi, APR_FINFO_NAME, dh) == APR_SUCCESS) {
        size_t len = strlen(fi.name);
        if (len > strlen(suffix)
            && !strcmp(fi.name + len - strlen(suffix), suffix)) {
            *(const char **)apr_array_push(names) = apr_pstrdup(pool, fi.name);
        }
    }
    apr_dir_close(dh);
    cr_assert_eq(names->nelts, CLINIC_SCHEMA_VERSION - 1,
                 "one migration a version after the first");
    qsort(names->elts, (size_t)names->nelts, sizeof(const char *), by_name);
    for (i = 0; i < names->nelts; i++) {
        run_file(apr_pstrcat(pool, mdir, "/",
                             APR_ARRAY_IDX(names, i, const char *), NULL));
    }
}

static void prepare(const clinic_stmt_t *st)
{
    apr_dbd_prepared_t *p = NULL;

    cr_assert_eq(apr_dbd_prepare(db->driver, pool, db->handle, st->sql,
                                 st->label, &p), 0, "%s: %s", st->label,
                 apr_dbd_error(db->driver, db->handle, -1));
    apr_hash_set(db->prepared, st->label, APR_HASH_KEY_STRING, p);
}

static void open_db(void)
{
    const char *tmp = NULL, *err = NULL;
    int i, j;

    setup();
    lines = apr_array_make(pool, 8, sizeof(const char *));
    env.pool = pool;
    env.log = keep_line;
    env.fault = NULL;
    cr_assert_eq(apr_temp_dir_get(&tmp, pool), APR_SUCCESS);
    snprintf(dir, sizeof(dir), "%s/clinic-store-XXXXXX", tmp);
    cr_assert_not_null(mkdtemp(dir), "mkdtemp %s", dir);
    db = apr_pcalloc(pool, sizeof(*db));
    db->pool = pool;
    db->env = &env;
    db->prepared = apr_hash_make(pool);
    apr_dbd_init(pool);
    cr_assert_eq(apr_dbd_get_driver(pool, "sqlite3", &db->driver),
                 APR_SUCCESS, "no sqlite3 driver (libaprutil1-dbd-sqlite3)");
    cr_assert_eq(apr_dbd_open_ex(db->driver, pool,
                                 apr_pstrcat(pool, dir, "/clinic.db", NULL),
                                 &db->handle, &err), 0, "%s", err ? err : "");
    exec_sql("PRAGMA busy_timeout = 5000");
    migrate();
    for (i = 0; i < CLINIC_N_STMT_SETS; i++) {
        for (j = 0; j < clinic_stmt_sets[i]->n; j++) {
            prepare(&clinic_stmt_sets[i]->stmts[j]);
        }
    }
    for (j = 0; j < clinic_admin_stmts.n; j++) {
        prepare(&clinic_admin_stmts.stmts[j]);
    }
    prepare(&clinic_schema_stmt);
}

static void close_db(void)
{
    static const char *const files[] = { "clinic.db", "clinic.db-wal",
                                         "clinic.db-shm" };
    size_t i;

    if (other) {
        apr_dbd_close(db->driver, other);
        other = NULL;
    }
    if (db && db->handle) {
        apr_dbd_close(db->driver, db->handle);
    }
    db = NULL;
    for (i = 0; dir[0] && i < sizeof(files) / sizeof(files[0]); i++) {
        apr_file_remove(apr_pstrcat(pool, dir, "/", files[i], NULL), pool);
    }
    if (dir[0]) {
        apr_dir_remove(dir, pool);
    }
    dir[0] = '\0';
    teardown();
}

TestSuite(store, .init = open_db, .fini = close_db);

/* ---- what tests make ---------------------------------------------------- */

static void add_user(const char *id, const char *phone)
{
    cr_assert_eq(clinic_store_user_create(db, id, phone, T0), APR_SUCCESS,
                 "user %s", id);
}

static void add_package(const char *id)
{
    clinic_package_t k = { .id = id, .name = "Monthly", .description = NULL,
                           .price = "25.500", .duration_days = 30,
                           .is_active = 1 };

    cr_assert_eq(clinic_admin_package_add(db, &k, T0), APR_SUCCESS);
}

/* a subscription of pkg_id for user, in the given state */
static apr_status_t add_sub(const char *id, const char *user,
                            const char *pkg_id, const char *status)
{
    clinic_sub_t s = { .id = id, .purchased_at = T0,
                       .expires_at = T0 + 30 * DAY,
                       .payment_status = status, .currency = "KWD",
                       .pay_provider = "tap" };

    s.pkg.id = pkg_id;
    s.pkg.price = "25.500";
    return clinic_store_sub_insert(db, &s, user, NULL, T0);
}

static void add_code(const char *id, const char *phone, apr_int64_t us)
{
    cr_assert_eq(clinic_store_otp_insert(db, id, phone, "login", "",
                                         apr_pstrcat(pool, "hash-", id, NULL),
                                         T0, T0 + 300, us), APR_SUCCESS);
}

/* ---- users -------------------------------------------------------------- */

Test(store, a_user_is_read_back_by_phone_and_by_id)
{
    clinic_user_t *u = NULL;

    add_user("u-1", "+96550000001");
    cr_assert_eq(clinic_store_user_by_phone(&u, db, "+96550000001"),
                 APR_SUCCESS);
    cr_assert_not_null(u);
    cr_assert_str_eq(u->id, "u-1");
    cr_assert_str_eq(u->phone, "+96550000001");
    cr_assert_null(u->name);
    cr_assert_null(u->national_id);
    cr_assert_eq(u->is_active, 1);
    cr_assert_eq(u->created_at, T0);
    cr_assert_eq(u->token_version, 0);

    cr_assert_eq(clinic_store_user_by_id(&u, db, "u-1"), APR_SUCCESS);
    cr_assert_not_null(u);
    cr_assert_str_eq(u->phone, "+96550000001");

    cr_assert_eq(clinic_store_user_by_phone(&u, db, "+96550000002"),
                 APR_SUCCESS);
    cr_assert_null(u, "no one has that number");
    cr_assert_eq(clinic_store_user_by_id(&u, db, "u-2"), APR_SUCCESS);
    cr_assert_null(u, "no one has that id");
    cr_assert_eq(clinic_store_fault(&env), CLINIC_DB_OK);
}

Test(store, a_second_user_with_the_same_phone_is_refused)
{
    clinic_user_t *u = NULL;

    add_user("u-1", "+96550000001");
    cr_assert_eq(clinic_store_user_create(db, "u-2", "+96550000001", T0),
                 APR_EEXIST);
    cr_assert_eq(clinic_store_user_by_id(&u, db, "u-2"), APR_SUCCESS);
    cr_assert_null(u, "the refused user was not written");
    /* a taken number is the caller's business, not the database's state */
    cr_assert_eq(clinic_store_fault(&env), CLINIC_DB_OK);
}

Test(store, moving_to_a_taken_number_is_refused)
{
    clinic_user_t *u = NULL;

    add_user("u-1", "+96550000001");
    add_user("u-2", "+96550000002");
    cr_assert_eq(clinic_store_user_set_phone(db, "u-2", "+96550000001",
                                             T0 + 10), APR_EEXIST);
    cr_assert_eq(clinic_store_user_by_id(&u, db, "u-2"), APR_SUCCESS);
    cr_assert_str_eq(u->phone, "+96550000002", "unchanged");
    cr_assert_eq(u->token_version, 0, "tokens untouched");

    cr_assert_eq(clinic_store_user_set_phone(db, "u-2", "+96550000003",
                                             T0 + 20), APR_SUCCESS);
    cr_assert_eq(clinic_store_user_by_phone(&u, db, "+96550000003"),
                 APR_SUCCESS);
    cr_assert_not_null(u);
    cr_assert_str_eq(u->id, "u-2");
    cr_assert_eq(u->token_version, 1, "older tokens die with the number");
    cr_assert_eq(u->updated_at, T0 + 20);
}

/* ---- codes -------------------------------------------------------------- */

Test(store, the_newest_activated_code_is_the_live_one)
{
    const char *p = "+96550000001";
    clinic_otp_row_t *o = NULL;

    add_code("c-1", p, 1000);
    cr_assert_eq(clinic_store_otp_latest(&o, db, p, "login", ""),
                 APR_SUCCESS);
    cr_assert_null(o, "a code still at the gateway is not live");

    cr_assert_eq(clinic_store_otp_activate(db, "c-1", p, "login", "", 1000),
                 APR_SUCCESS);
    cr_assert_eq(clinic_store_otp_latest(&o, db, p, "login", ""),
                 APR_SUCCESS);
    cr_assert_not_null(o);
    cr_assert_str_eq(o->id, "c-1");
    cr_assert_str_eq(o->hash, "hash-c-1");
    cr_assert_str_eq(o->status, "active");
    cr_assert_eq(o->attempts, 0);
    cr_assert_eq(o->expires_at, T0 + 300);

    add_code("c-2", p, 2000);
    cr_assert_eq(clinic_store_otp_activate(db, "c-2", p, "login", "", 2000),
                 APR_SUCCESS);
    cr_assert_eq(clinic_store_otp_latest(&o, db, p, "login", ""),
                 APR_SUCCESS);
    cr_assert_str_eq(o->id, "c-2");
    cr_assert_eq(clinic_store_otp_get(&o, db, "c-1"), APR_SUCCESS);
    cr_assert_str_eq(o->status, "replaced", "one live code a number");

    cr_assert_eq(clinic_store_otp_latest(&o, db, p, "login", "u-1"),
                 APR_SUCCESS);
    cr_assert_null(o, "another owner's codes are apart");
    cr_assert_eq(clinic_store_otp_latest(&o, db, "+96550000002", "login",
                                         ""), APR_SUCCESS);
    cr_assert_null(o, "another number's codes are apart");
}

Test(store, attempts_are_counted_up_to_max_then_refused)
{
    const char *p = "+96550000001";
    clinic_otp_row_t *o = NULL;
    int i, counted = -1;

    add_code("c-1", p, 1000);
    cr_assert_eq(clinic_store_otp_attempt(&counted, db, "c-1", 3, T0 + 1),
                 APR_SUCCESS);
    cr_assert_eq(counted, 0, "a code not yet live takes no attempt");
    cr_assert_eq(clinic_store_otp_activate(db, "c-1", p, "login", "", 1000),
                 APR_SUCCESS);
    for (i = 1; i <= 3; i++) {
        cr_assert_eq(clinic_store_otp_attempt(&counted, db, "c-1", 3,
                                              T0 + i), APR_SUCCESS);
        cr_assert_eq(counted, 1, "attempt %d of 3", i);
    }
    cr_assert_eq(clinic_store_otp_attempt(&counted, db, "c-1", 3, T0 + 4),
                 APR_SUCCESS);
    cr_assert_eq(counted, 0, "a fourth attempt is refused");
    cr_assert_eq(clinic_store_otp_get(&o, db, "c-1"), APR_SUCCESS);
    cr_assert_eq(o->attempts, 3, "the refused one was not counted");

    add_code("c-2", "+96550000002", 2000);
    cr_assert_eq(clinic_store_otp_activate(db, "c-2", "+96550000002",
                                           "login", "", 2000), APR_SUCCESS);
    cr_assert_eq(clinic_store_otp_attempt(&counted, db, "c-2", 3, T0 + 300),
                 APR_SUCCESS);
    cr_assert_eq(counted, 0, "an expired code takes no attempt");
}

Test(store, a_code_is_consumed_once)
{
    const char *p = "+96550000001";
    clinic_otp_row_t *o = NULL;
    int won = -1, counted = -1;

    add_code("c-1", p, 1000);
    cr_assert_eq(clinic_store_otp_activate(db, "c-1", p, "login", "", 1000),
                 APR_SUCCESS);
    cr_assert_eq(clinic_store_otp_consume(&won, db, "c-1", T0 + 5),
                 APR_SUCCESS);
    cr_assert_eq(won, 1);
    cr_assert_eq(clinic_store_otp_consume(&won, db, "c-1", T0 + 6),
                 APR_SUCCESS);
    cr_assert_eq(won, 0, "the second request does not win");
    cr_assert_eq(clinic_store_otp_get(&o, db, "c-1"), APR_SUCCESS);
    cr_assert_str_eq(o->status, "consumed");
    cr_assert_eq(clinic_store_otp_latest(&o, db, p, "login", ""),
                 APR_SUCCESS);
    cr_assert_null(o, "a used code is no longer live");
    cr_assert_eq(clinic_store_otp_attempt(&counted, db, "c-1", 3, T0 + 7),
                 APR_SUCCESS);
    cr_assert_eq(counted, 0);
}

/* ---- limits ------------------------------------------------------------- */

Test(store, a_limit_allows_limit_takes_in_its_window)
{
    apr_int64_t retry = -1;
    int i, allowed = -1;

    for (i = 0; i < 3; i++) {
        cr_assert_eq(clinic_store_rate_take(&allowed, &retry, db, "ip:a", 3,
                                            60, T0 + i), APR_SUCCESS);
        cr_assert_eq(allowed, 1, "take %d of 3", i + 1);
    }
    cr_assert_eq(clinic_store_rate_take(&allowed, &retry, db, "ip:a", 3, 60,
                                        T0 + 10), APR_SUCCESS);
    cr_assert_eq(allowed, 0, "a fourth take in the window is refused");
    cr_assert_eq(retry, 50, "the oldest slot is free at T0 + 60");

    cr_assert_eq(clinic_store_rate_take(&allowed, &retry, db, "ip:b", 3, 60,
                                        T0 + 10), APR_SUCCESS);
    cr_assert_eq(allowed, 1, "another bucket is apart");

    cr_assert_eq(clinic_store_rate_take(&allowed, &retry, db, "ip:a", 3, 60,
                                        T0 + 60), APR_SUCCESS);
    cr_assert_eq(allowed, 1, "the oldest slot's window is over");
    cr_assert_eq(clinic_store_rate_take(&allowed, &retry, db, "ip:a", 3, 60,
                                        T0 + 60), APR_SUCCESS);
    cr_assert_eq(allowed, 0, "only the one slot came free");
    cr_assert_gt(retry, 0);
}

Test(store, a_day_count_stops_at_its_limit)
{
    int i, taken = -1, at = -1;
    static const int at_want[] = { 1, 0, 0, 4, 5 };

    for (i = 0; i < 5; i++) {
        cr_assert_eq(clinic_store_count_take(&taken, &at, db, "sms:main",
                                             100, 5, 4), APR_SUCCESS);
        cr_assert_eq(taken, 1, "count %d of 5", i + 1);
        cr_assert_eq(at, at_want[i], "count %d: first, mark, limit", i + 1);
    }
    for (i = 0; i < 2; i++) {
        cr_assert_eq(clinic_store_count_take(&taken, &at, db, "sms:main",
                                             100, 5, 4), APR_SUCCESS);
        cr_assert_eq(taken, 0, "spent for the day");
        cr_assert_eq(at, 0);
    }
    cr_assert_eq(clinic_store_count_take(&taken, &at, db, "sms:main", 101, 5,
                                         4), APR_SUCCESS);
    cr_assert_eq(taken, 1, "the next day counts afresh");
    cr_assert_eq(at, 1);
}

/* ---- subscriptions and payments ----------------------------------------- */

Test(store, a_user_holds_one_active_subscription)
{
    clinic_sub_t *s = NULL;

    add_package("p-1");
    add_user("u-1", "+96550000001");
    add_user("u-2", "+96550000002");
    cr_assert_eq(add_sub("s-1", "u-1", "p-1", "completed"), APR_SUCCESS);
    cr_assert_eq(add_sub("s-2", "u-1", "p-1", "completed"), APR_EEXIST);
    cr_assert_eq(add_sub("s-3", "u-2", "p-1", "completed"), APR_SUCCESS,
                 "another user's is apart");

    cr_assert_eq(clinic_store_sub_active(&s, db, "u-1", T0 + DAY),
                 APR_SUCCESS);
    cr_assert_not_null(s);
    cr_assert_str_eq(s->id, "s-1");
    cr_assert_str_eq(s->pkg.id, "p-1");
    cr_assert_str_eq(s->pkg.name, "Monthly");
    cr_assert_str_eq(s->pkg.price, "25.500");
    cr_assert_eq(s->pkg.duration_days, 30);
    cr_assert_eq(s->expires_at, T0 + 30 * DAY);
    cr_assert_eq(clinic_store_sub_of_user(&s, db, "s-2", "u-1"),
                 APR_SUCCESS);
    cr_assert_null(s, "the refused one was not written");
    cr_assert_eq(clinic_store_sub_active(&s, db, "u-1", T0 + 31 * DAY),
                 APR_SUCCESS);
    cr_assert_null(s, "run out");
}

Test(store, a_payment_is_completed_once)
{
    clinic_sub_t *s = NULL;
    int won = -1;

    add_package("p-1");
    add_user("u-1", "+96550000001");
    cr_assert_eq(add_sub("s-1", "u-1", "p-1", "pending"), APR_SUCCESS);
    cr_assert_eq(clinic_store_sub_active(&s, db, "u-1", T0 + 1),
                 APR_SUCCESS);
    cr_assert_null(s, "pending is not active");

    cr_assert_eq(clinic_store_pay_complete(&won, db, "s-1", T0 + 100,
                                           T0 + 100 + 30 * DAY), APR_SUCCESS);
    cr_assert_eq(won, 1);
    cr_assert_eq(clinic_store_pay_complete(&won, db, "s-1", T0 + 200,
                                           T0 + 200 + 30 * DAY), APR_SUCCESS);
    cr_assert_eq(won, 0, "a second confirmation changes nothing");

    cr_assert_eq(clinic_store_pay_sub(&s, db, "s-1"), APR_SUCCESS);
    cr_assert_not_null(s);
    cr_assert_str_eq(s->payment_status, "completed");
    cr_assert_eq(s->purchased_at, T0 + 100, "the winner's time stays");
    cr_assert_eq(s->expires_at, T0 + 100 + 30 * DAY);
    cr_assert_eq(clinic_store_pay_fail(&won, db, "s-1", 0), APR_SUCCESS);
    cr_assert_eq(won, 0, "a paid subscription does not fail");
    cr_assert_eq(clinic_store_sub_active(&s, db, "u-1", T0 + 101),
                 APR_SUCCESS);
    cr_assert_not_null(s);
    cr_assert_str_eq(s->id, "s-1");
}

/* ---- the connection ----------------------------------------------------- */

Test(store, ping_reads_the_schema_version)
{
    cr_assert_eq(clinic_store_ping(db), APR_SUCCESS);
    cr_assert_eq(clinic_store_fault(&env), CLINIC_DB_OK);
    exec_sql("UPDATE clinic_schema SET version = 4");
    cr_assert_eq(clinic_store_ping(db), APR_EINCOMPLETE,
                 "an older schema is no working store");
}

Test(store, a_statement_not_prepared_is_an_error_logged)
{
    clinic_user_t *u = NULL;
    const char *line;

    add_user("u-1", "+96550000001");
    apr_hash_set(db->prepared, "clinic_user_by_id", APR_HASH_KEY_STRING,
                 NULL);
    cr_assert_eq(clinic_store_user_by_id(&u, db, "u-1"), APR_EGENERAL);
    cr_assert_null(u);
    line = logged("CLINIC0103: ");
    cr_assert_not_null(line, "logged: CLINIC0103");
    cr_assert_not_null(strstr(line, "clinic_user_by_id"), "%s", line);
    /* a fault of ours (500), not the database's state (503) */
    cr_assert_eq(clinic_store_fault(&env), CLINIC_DB_OK);
}

Test(store, the_fault_is_ok_after_success)
{
    int won = 0;

    env.fault = "busy";
    cr_assert_eq(clinic_store_fault(&env), CLINIC_DB_BUSY);
    env.fault = "broken";
    cr_assert_eq(clinic_store_fault(&env), CLINIC_DB_DOWN);
    clinic_store_fault_clear(&env);
    cr_assert_eq(clinic_store_fault(&env), CLINIC_DB_OK);

    add_user("u-1", "+96550000001");
    add_code("c-1", "+96550000001", 1000);
    cr_assert_eq(clinic_store_otp_consume(&won, db, "c-1", T0), APR_SUCCESS);
    cr_assert_eq(clinic_store_ping(db), APR_SUCCESS);
    cr_assert_eq(clinic_store_fault(&env), CLINIC_DB_OK);
    cr_assert_eq(lines->nelts, 0, "nothing to log");
}

/* A second connection holds the write lock: a write is refused as busy
 * (503 and Retry-After), not as a fault */
Test(store, a_locked_database_is_busy_not_a_fault)
{
    const char *err = NULL, *line;
    int n = 0;

    exec_sql("PRAGMA busy_timeout = 0");
    cr_assert_eq(apr_dbd_open_ex(db->driver, pool,
                                 apr_pstrcat(pool, dir, "/clinic.db", NULL),
                                 &other, &err), 0, "%s", err ? err : "");
    cr_assert_eq(apr_dbd_query(db->driver, other, &n, "BEGIN IMMEDIATE"), 0);
    cr_assert_eq(clinic_store_user_create(db, "u-1", "+96550000001", T0),
                 APR_EAGAIN);
    cr_assert_eq(clinic_store_fault(&env), CLINIC_DB_BUSY);
    line = logged("CLINIC0102: ");
    cr_assert_not_null(line, "logged: CLINIC0102");
    cr_assert_not_null(strstr(line, "clinic_user_insert"), "%s", line);
    cr_assert_eq(apr_dbd_query(db->driver, other, &n, "ROLLBACK"), 0);
    cr_assert_eq(clinic_store_user_create(db, "u-1", "+96550000001", T0),
                 APR_SUCCESS, "free again");
}
