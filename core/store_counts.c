/*
 * SPDX-License-Identifier: Apache-2.0
 * store_counts.c: counters of one period (day_counts), exact across
 * children and hosts, for ClinicSMSDailyLimit (budget.c).
 *
 * A count grows only by a conditional UPDATE whose condition names the
 * value it replaces, so a value is made by one request alone: the one
 * that makes the count 1 (the INSERT the primary key lets through once),
 * the mark (80 %) or the limit is known to exactly one request, and the
 * count never passes the limit.  The usual send costs one statement.
 *
 * Comparisons are column against parameter, never an expression against
 * one: SQLite applies a column's integer affinity to a text parameter,
 * but compares an expression's integer with text as "less" always.
 */
#include <apr_strings.h>

#include "store.h"
#include "store_exec.h"

#define KEEP_DAYS 31        /* older periods of a bucket are deleted */
#define ROUNDS 8            /* lost races before a count gives up */

enum {
    S_COUNT_INC,
    S_COUNT_INC_FROM,
    S_COUNT_GET,
    S_COUNT_NEW,
    S_COUNT_OLD,
    S_N
};

static const clinic_stmt_t stmts[S_N] = {
    /* the usual case: a count that makes no value a caller watches */
    [S_COUNT_INC] = { "clinic_count_inc",
        "UPDATE day_counts SET n = n + 1 "
        "WHERE bucket = %s AND day_no = %s AND n < %s AND n <> %s", 0 },
    [S_COUNT_INC_FROM] = { "clinic_count_inc_from",
        "UPDATE day_counts SET n = n + 1 "
        "WHERE bucket = %s AND day_no = %s AND n = %s", 0 },
    [S_COUNT_GET] = { "clinic_count_get",
        "SELECT " CLINIC_TXT("n") " FROM day_counts "
        "WHERE bucket = %s AND day_no = %s", 0 },
    [S_COUNT_NEW] = { "clinic_count_new",
        "INSERT INTO day_counts (bucket, day_no, n) VALUES (%s, %s, 1)", 1 },
    [S_COUNT_OLD] = { "clinic_count_old",
        "DELETE FROM day_counts WHERE bucket = %s AND day_no < %s", 0 },
};

const clinic_stmt_set_t clinic_count_stmts = { stmts, S_N };

/* the count of (bucket, day): -1 when there is no row yet */
static apr_status_t count_get(int *n, clinic_db_t *d,
                              const char *bucket, const char *day)
{
    apr_array_header_t *rows;
    apr_status_t rv = clinic_db_select(&rows, d, &stmts[S_COUNT_GET],
                                       CLINIC_ARGS(bucket, day));

    *n = -1;
    if (rv == APR_SUCCESS && rows->nelts > 0) {
        const char *v = APR_ARRAY_IDX(rows, 0, clinic_row_t)[0];
        *n = v ? clinic_db_int(v) : 0;
    }
    return rv;
}

/* the first count of the day: older days go */
static apr_status_t count_first(int *won, clinic_db_t *d,
                                const char *bucket, apr_int64_t day)
{
    apr_status_t rv = clinic_db_run(NULL, d, &stmts[S_COUNT_NEW],
                                    CLINIC_ARGS(bucket,
                                                clinic_db_num(d->pool, day)));

    *won = rv == APR_SUCCESS;
    if (rv == APR_EEXIST) {
        return APR_SUCCESS;             /* another request made it */
    }
    if (rv == APR_SUCCESS) {
        rv = clinic_db_run(NULL, d, &stmts[S_COUNT_OLD],
                           CLINIC_ARGS(bucket, clinic_db_num(d->pool,
                                                       day - KEEP_DAYS)));
    }
    return rv;
}

apr_status_t clinic_store_count_take(int *taken, int *at, clinic_db_t *d, const char *bucket,
                                     apr_int64_t day, int limit, int mark)
{
    const char *day_s = clinic_db_num(d->pool, day);
    int round, n, won;
    apr_status_t rv;

    *taken = 0;
    *at = 0;
    for (round = 0; round < ROUNDS; round++) {
        /* the count after this one is neither the limit nor the mark */
        rv = clinic_db_run(&n, d, &stmts[S_COUNT_INC],
                           CLINIC_ARGS(bucket, day_s,
                                       clinic_db_num(d->pool, limit - 1),
                                       clinic_db_num(d->pool, mark - 1)));
        if (rv != APR_SUCCESS || n == 1) {
            *taken = n == 1;
            return rv;
        }
        if ((rv = count_get(&n, d, bucket, day_s)) != APR_SUCCESS) {
            return rv;
        }
        if (n < 0) {
            if ((rv = count_first(&won, d, bucket, day)) != APR_SUCCESS
                || won) {
                *taken = *at = won;
                return rv;
            }
            continue;
        }
        if (n >= limit) {
            return APR_SUCCESS;         /* spent for the day */
        }
        /* n + 1 is the mark or the limit (or another request moved the
         * count on meanwhile): from n exactly, or not at all */
        rv = clinic_db_run(&won, d, &stmts[S_COUNT_INC_FROM],
                           CLINIC_ARGS(bucket, day_s,
                                       clinic_db_num(d->pool, n)));
        if (rv != APR_SUCCESS || won == 1) {
            *taken = won == 1;
            *at = won == 1 && (n + 1 == mark || n + 1 == limit) ? n + 1 : 0;
            return rv;
        }
    }
    /* still losing races after ROUNDS tries: not counted, and refused
     * (never sent beyond the limit by mistake) */
    return APR_SUCCESS;
}
