/*
 * SPDX-License-Identifier: Apache-2.0
 * store_exec.h: the plumbing the store files share (not for handlers):
 * statement tables, running a prepared statement, reading rows, and the
 * mapping of database errors to what the client is told (store_exec.c;
 * the module's connections are store_db.c's, clinicctl's ctl/ctldb.c's).
 */
#ifndef CLINIC_STORE_EXEC_H
#define CLINIC_STORE_EXEC_H

#include <apr_dbd.h>

#include "store.h"

typedef struct {
    const char *label;         /* mod_dbd label, "clinic_..." */
    const char *sql;           /* %s parameters only */
    int lock_is_lost_race;     /* a lock conflict on this write means a
                                * concurrent request got there first */
} clinic_stmt_t;

/* one table file's statements, registered by clinic_store_prepare */
typedef struct {
    const clinic_stmt_t *stmts;
    int n;
} clinic_stmt_set_t;

extern const clinic_stmt_set_t clinic_user_stmts, clinic_code_stmts,
                               clinic_package_stmts, clinic_payment_stmts,
                               clinic_count_stmts, clinic_wa_stmts;
/* the six above: what a connection prepares (not clinicctl's own) */
#define CLINIC_N_STMT_SETS 6
extern const clinic_stmt_set_t *const clinic_stmt_sets[CLINIC_N_STMT_SETS];
/* SELECT version FROM clinic_schema */
extern const clinic_stmt_t clinic_schema_stmt;

/*
 * A column read as text on the server.  apr_dbd_mysql binds every result
 * column as a string, so the client library formats each DATETIME and
 * integer with sprintf: 11 calls, 34,000 instructions, for the profile's
 * row (callgrind).  Cast on the server, it arrives as text and is copied.
 * On SQLite the cast changes nothing.  NULL stays NULL.  No alias: an
 * ORDER BY on the column's name still sorts by the column, not the text.
 */
#define CLINIC_TXT(col) "CAST(" col " AS CHAR)"

typedef const char **clinic_row_t;   /* ncols values, NULL for SQL NULL */

/* nargs, then the array: CLINIC_ARGS(a, b) */
#define CLINIC_ARGS(...) (int)(sizeof((const char *[]){ __VA_ARGS__ }) \
                               / sizeof(const char *)), \
                         (const char *[]){ __VA_ARGS__ }

/* Run a SELECT and read every row to the end. */
apr_status_t clinic_db_select(apr_array_header_t **rows, clinic_db_t *d, const clinic_stmt_t *st,
                              int nargs, const char **args);
/* Run a write; *nrows gets the affected rows (nrows may be NULL). */
apr_status_t clinic_db_run(int *nrows, clinic_db_t *d,
                           const clinic_stmt_t *st, int nargs,
                           const char **args);

/* the schema's version, -1 when unreadable (*rv says why) */
int clinic_db_schema_version(clinic_db_t *d, apr_status_t *rv);

int clinic_db_is_mysql(const apr_dbd_driver_t *driver);

const char *clinic_db_num(apr_pool_t *p, apr_int64_t v);
apr_int64_t clinic_db_time(const char *s);     /* 0 when NULL or bad */
int clinic_db_int(const char *s);

#endif
