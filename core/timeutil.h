/*
 * SPDX-License-Identifier: Apache-2.0
 * timeutil.h: UTC time formats and subscription arithmetic (pure).
 *
 * Times travel as seconds since the epoch (apr_int64_t).  The database
 * stores "YYYY-MM-DD HH:MM:SS" in UTC; the API shows ISO 8601 with "Z".
 */
#ifndef CLINIC_TIMEUTIL_H
#define CLINIC_TIMEUTIL_H

#include <apr_pools.h>

/* "2026-11-24T06:48:58Z" */
const char *clinic_time_iso(apr_pool_t *p, apr_int64_t epoch);

/* "2026-11-24 06:48:58", the form stored in the database */
const char *clinic_time_db(apr_pool_t *p, apr_int64_t epoch);

/* Parse the database form back ("YYYY-MM-DD HH:MM:SS", also accepting a
 * 'T' separator, a fractional part, ignored, and a trailing 'Z'), read as
 * UTC.  Fields are range-checked (real calendar days, leap years included;
 * seconds 00..59).  Returns 1 and sets *out on success, 0 on anything
 * malformed. */
int clinic_time_parse_db(const char *s, apr_int64_t *out);

typedef struct {
    apr_int64_t days, hours, minutes, seconds; /* whole units left */
    apr_int64_t total_seconds;                 /* all of it, >= 0 */
    apr_int64_t remaining_days;                /* total rounded up to days */
} clinic_remaining_t;

/* Time left from now until expires; all zero once expires <= now.
 * days/hours/minutes/seconds split total_seconds; remaining_days is
 * ceil(total_seconds / 86400): 30 right after buying 30 days, 1 on the
 * last day. */
void clinic_time_remaining(clinic_remaining_t *out, apr_int64_t now,
                           apr_int64_t expires);

#endif
