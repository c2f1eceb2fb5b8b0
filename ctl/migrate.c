/*
 * SPDX-License-Identifier: Apache-2.0
 * migrate.c: `clinicctl migrate` brings a database to the schema this
 * clinicctl (and the module of the same version) needs: the base schema
 * (schema/KIND.sql, version 1) on a database without one, then each
 * migration above its version in order (schema/migrations/NNN-*.KIND.sql,
 * each ending by setting the version to NNN).  A database newer than it
 * knows is refused, untouched.
 *
 * The files are run as they are, one statement at a time: statements end
 * with ';' outside quotes; '--' and C comments are dropped (so no MySQL
 * '#' comments, backslash escapes in strings or trigger bodies in them).
 * On SQLite each file runs in one transaction (its PRAGMAs first, alone),
 * so a failure leaves the version before it; MySQL commits each table
 * change by itself, and the error says so.
 */
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_tables.h>

#include "ctl.h"
#include "store.h"
#include "store_exec.h"

/* Split text into statements at each ';' outside quotes and comments;
 * comments are dropped.  Returns the statements (const char *). */
static apr_array_header_t *statements(apr_pool_t *p, const char *text)
{
    apr_array_header_t *out = apr_array_make(p, 16, sizeof(const char *));
    char *buf = apr_palloc(p, strlen(text) + 1), *o = buf;
    const char *s;

    for (s = text; *s; s++) {
        if (*s == '\'' || *s == '"' || *s == '`') {
            char q = *s;
            *o++ = *s++;
            for (; *s; s++) {
                *o++ = *s;
                if (*s == q && s[1] == q) {
                    *o++ = *++s;            /* a doubled quote */
                }
                else if (*s == q) {
                    break;
                }
            }
            if (!*s) {
                break;
            }
        }
        else if (s[0] == '-' && s[1] == '-') {
            while (s[1] && s[1] != '\n') {
                s++;
            }
        }
        else if (s[0] == '/' && s[1] == '*') {
            const char *end = strstr(s + 2, "*/");
            s = end ? end + 1 : s + strlen(s) - 1;
        }
        else if (*s == ';') {
            *o = '\0';
            *(const char **)apr_array_push(out) = apr_pstrdup(p, buf);
            o = buf;
        }
        else {
            *o++ = *s;
        }
    }
    *o = '\0';
    *(const char **)apr_array_push(out) = apr_pstrdup(p, buf);
    return out;
}

/* A file's text, or NULL after saying why */
static const char *slurp(ctl_t *c, const char *path)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t n = 0;
    char *text = NULL;

    if (apr_file_open(&f, path, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT,
                      c->pool) != APR_SUCCESS) {
        ctl_fail(CTL_FAILED, "cannot read %s (--schema-dir)", path);
        return NULL;
    }
    if (apr_file_info_get(&fi, APR_FINFO_SIZE, f) == APR_SUCCESS) {
        n = (apr_size_t)fi.size;
        text = apr_palloc(c->pool, n + 1);
        if (n && apr_file_read_full(f, text, n, &n) != APR_SUCCESS) {
            text = NULL;
        }
    }
    apr_file_close(f);
    if (!text) {
        ctl_fail(CTL_FAILED, "cannot read %s", path);
        return NULL;
    }
    text[n] = '\0';
    return text;
}

static int is_pragma(const char *sql)
{
    return !strncasecmp(sql, "PRAGMA", 6);
}

/* Run a file's statements; in_transaction: in one transaction, but for
 * its PRAGMAs (journal_mode), which run first, by themselves */
static int run_text(ctl_t *c, const char *name, const char *text,
                    int in_transaction)
{
    apr_array_header_t *sql = statements(c->pool, text);
    apr_dbd_transaction_t *trans = NULL;
    int i, pass, failed = 0;

    for (pass = 0; pass < 2 && !failed; pass++) {
        if (pass == 1 && in_transaction
            && apr_dbd_transaction_start(c->d->driver, c->pool,
                                         c->d->handle, &trans) != 0) {
            return ctl_fail(CTL_DB, "cannot start a transaction for %s",
                            name);
        }
        for (i = 0; i < sql->nelts && !failed; i++) {
            const char *one = APR_ARRAY_IDX(sql, i, const char *);
            one += strspn(one, " \t\r\n");
            if (*one && is_pragma(one) == (pass == 0)
                && ctl_db_exec(c, one)) {
                failed = 1;
            }
        }
    }
    if (trans) {
        if (failed) {
            apr_dbd_transaction_mode_set(c->d->driver, trans,
                                         APR_DBD_TRANSACTION_ROLLBACK);
        }
        if (apr_dbd_transaction_end(c->d->driver, c->pool, trans) != 0
            && !failed) {
            c->db_error = apr_dbd_error(c->d->driver, c->d->handle, -1);
            failed = 1;
        }
    }
    if (failed && !in_transaction) {
        return ctl_fail(CTL_DB, "%s failed: %s; what ran before the error "
                        "stays (MySQL commits each table change): restore "
                        "the backup, or undo it by hand, then migrate "
                        "again", name, c->db_error);
    }
    return failed ? ctl_fail(CTL_DB, "%s failed, and nothing of it was "
                             "kept: %s", name, c->db_error)
                  : CTL_OK;
}

/* the version, 0 when the database has no schema yet */
static int current_version(ctl_t *c, int *version)
{
    apr_status_t rv;

    *version = 0;
    if (ctl_db_prepare(c, &clinic_schema_stmt, 1) != CTL_OK) {
        /* no clinic_schema table (SQLite's words, MySQL's 1146): a new
         * database; anything else is not for migrate to guess at */
        const char *e = c->db_error ? c->db_error : "";
        return strstr(e, "no such table") || strstr(e, "doesn't exist")
            ? CTL_OK
            : ctl_fail(CTL_DB, "cannot read the schema's version: %s", e);
    }
    *version = clinic_db_schema_version(c->d, &rv);
    if (*version < 1) {
        return rv != APR_SUCCESS
            ? ctl_db_status(c, rv, "reading the version")
            : ctl_fail(CTL_DB, "clinic_schema holds no version: the base "
                       "schema stopped half-way; restore the backup (or "
                       "empty the database) and migrate again");
    }
    return CTL_OK;
}

/* schema/migrations/NNN-*.KIND.sql for version n; NULL when none;
 * *twice 1 when two files have the number */
static const char *migration(ctl_t *c, const char *kind, int n, int *twice)
{
    const char *dir = apr_pstrcat(c->pool, c->schema_dir, "/migrations",
                                  NULL);
    const char *prefix = apr_psprintf(c->pool, "%03d-", n);
    const char *suffix = apr_pstrcat(c->pool, ".", kind, ".sql", NULL);
    const char *found = NULL;
    apr_dir_t *d;
    apr_finfo_t fi;

    if (apr_dir_open(&d, dir, c->pool) != APR_SUCCESS) {
        return NULL;
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        apr_size_t len = strlen(fi.name);
        if (!strncmp(fi.name, prefix, 4) && len > strlen(suffix)
            && !strcmp(fi.name + len - strlen(suffix), suffix)) {
            if (found) {
                *twice = 1;
            }
            found = apr_pstrcat(c->pool, dir, "/", fi.name, NULL);
        }
    }
    apr_dir_close(d);
    return found;
}

typedef struct {
    const char *name;           /* "003-payments.sqlite.sql" */
    const char *text;
} schema_file_t;

/* Every file this version needs, read before the database is opened (on
 * SQLite as root, clinicctl then works as the file's owner, who may not
 * reach the schema folder): [1] the base schema, [n] migration n. */
static int load(ctl_t *c, const char *kind, schema_file_t *files)
{
    int n;

    for (n = 1; n <= CLINIC_SCHEMA_VERSION; n++) {
        int twice = 0;
        const char *path = n == 1
            ? apr_pstrcat(c->pool, c->schema_dir, "/", kind, ".sql", NULL)
            : migration(c, kind, n, &twice);
        if (twice) {
            return ctl_fail(CTL_FAILED, "%s/migrations has two %03d-*.%s.sql "
                            "files", c->schema_dir, n, kind);
        }
        if (!path) {
            return ctl_fail(CTL_FAILED, "%s/migrations has no %03d-*.%s.sql "
                            "(--schema-dir)", c->schema_dir, n, kind);
        }
        files[n].name = strrchr(path, '/') + 1;
        if (!(files[n].text = slurp(c, path))) {
            return CTL_FAILED;
        }
    }
    return CTL_OK;
}

int ctl_migrate(ctl_t *c, int argc, const char *const *argv)
{
    schema_file_t files[CLINIC_SCHEMA_VERSION + 1];
    const char *kind = !strcmp(c->driver, "mysql") ? "mysql"
                     : !strcmp(c->driver, "sqlite3") ? "sqlite" : NULL;
    cJSON *out, *applied;
    int version, from, n, rc;

    (void)argv;
    if (argc != 0) {
        return ctl_fail(CTL_USAGE, "migrate takes no arguments");
    }
    if (!kind) {
        return ctl_fail(CTL_USAGE, "no database driver %s (DBDriver is mysql "
                        "or sqlite3)", c->driver);
    }
    if ((rc = load(c, kind, files)) != CTL_OK
        || (rc = ctl_db_open(c, 1)) != CTL_OK
        || (rc = current_version(c, &version)) != CTL_OK) {
        return rc;
    }
    if (version > CLINIC_SCHEMA_VERSION) {
        return ctl_fail(CTL_DB, "the database's schema is version %d, newer "
                        "than this clinicctl knows (%d): nothing was changed; "
                        "upgrade clinicctl", version, CLINIC_SCHEMA_VERSION);
    }
    from = version;
    applied = cJSON_CreateArray();
    for (n = version + 1; n <= CLINIC_SCHEMA_VERSION; n++) {
        /* MySQL commits each table change by itself: no transaction */
        if ((rc = run_text(c, files[n].name, files[n].text,
                           !clinic_db_is_mysql(c->d->driver))) != CTL_OK
            || (rc = current_version(c, &version)) != CTL_OK) {
            cJSON_Delete(applied);
            return rc;
        }
        if (version != n) {
            cJSON_Delete(applied);
            return ctl_fail(CTL_DB, "%s ran but left version %d, not %d",
                            files[n].name, version, n);
        }
        cJSON_AddItemToArray(applied, cJSON_CreateString(files[n].name));
    }
    /* the schema works: every statement of the store prepares on it */
    if ((rc = ctl_db_ready(c)) != CTL_OK) {
        cJSON_Delete(applied);
        return rc;
    }
    out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "from", from);
    cJSON_AddNumberToObject(out, "to", CLINIC_SCHEMA_VERSION);
    cJSON_AddItemToObject(out, "applied", applied);
    if (!c->json) {
        const cJSON *a;
        cJSON_ArrayForEach(a, applied) {
            printf("applied %s\n", a->valuestring);
        }
        printf("schema version %d%s\n", CLINIC_SCHEMA_VERSION,
               from == CLINIC_SCHEMA_VERSION ? ", already current" : "");
        cJSON_Delete(out);
        return CTL_OK;
    }
    return ctl_print(c, out);
}
