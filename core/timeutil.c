/*
 * SPDX-License-Identifier: Apache-2.0
 * timeutil.c: UTC time formats and subscription arithmetic (pure).
 *
 * Calendar conversion is done here with exact integer arithmetic on the
 * proleptic Gregorian calendar (days from/to civil date), so nothing depends
 * on the process time zone, on timegm(), or on any shared libc state.
 */
#include <apr_strings.h>

#include "timeutil.h"

#define SECS_PER_DAY 86400

typedef struct {
    apr_int64_t year;
    int month, day, hour, min, sec;
} civil_t;

/* floor(a / b) and the matching non-negative remainder, for b > 0 */
static apr_int64_t floor_div(apr_int64_t a, apr_int64_t b)
{
    apr_int64_t q = a / b;

    if (a % b < 0) {
        q--;
    }
    return q;
}

/* Days since 1970-01-01 of year-month-day (month 1..12). */
static apr_int64_t days_from_civil(apr_int64_t y, int m, int d)
{
    apr_int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = floor_div(y, 400);
    yoe = y - era * 400;                                     /* [0, 399] */
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;   /* [0, 365] */
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;             /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

/* Inverse of days_from_civil. */
static void civil_from_days(apr_int64_t z, civil_t *c)
{
    apr_int64_t era, doe, yoe, y, doy, mp;

    z += 719468;
    era = floor_div(z, 146097);
    doe = z - era * 146097;                                       /* [0, 146096] */
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  /* [0, 399] */
    y = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                /* [0, 365] */
    mp = (5 * doy + 2) / 153;                                     /* [0, 11] */
    c->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    c->month = (int)(mp < 10 ? mp + 3 : mp - 9);
    c->year = y + (c->month <= 2);
}

static void civil_from_epoch(apr_int64_t t, civil_t *c)
{
    apr_int64_t days = floor_div(t, SECS_PER_DAY);
    apr_int64_t secs = t - days * SECS_PER_DAY;                   /* [0, 86399] */

    civil_from_days(days, c);
    c->hour = (int)(secs / 3600);
    c->min = (int)(secs % 3600 / 60);
    c->sec = (int)(secs % 60);
}

/* 0000-01-01 00:00:00 and 9999-12-31 23:59:59 UTC: what four-digit years
 * can say (and far from where the day arithmetic would overflow) */
#define EPOCH_MIN APR_INT64_C(-62167219200)
#define EPOCH_MAX APR_INT64_C(253402300799)

static const char *format(apr_pool_t *p, apr_int64_t epoch, char sep,
                          const char *zone)
{
    civil_t c;

    epoch = epoch < EPOCH_MIN ? EPOCH_MIN : epoch > EPOCH_MAX ? EPOCH_MAX
                                                              : epoch;
    civil_from_epoch(epoch, &c);
    return apr_psprintf(p, "%04" APR_INT64_T_FMT "-%02d-%02d%c%02d:%02d:%02d%s",
                        c.year, c.month, c.day, sep, c.hour, c.min, c.sec,
                        zone);
}

const char *clinic_time_iso(apr_pool_t *p, apr_int64_t epoch)
{
    return format(p, epoch, 'T', "Z");
}

const char *clinic_time_db(apr_pool_t *p, apr_int64_t epoch)
{
    return format(p, epoch, ' ', "");
}

/* n ASCII digits at s as a number, or -1 */
static int digits(const char *s, int n)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int leap(apr_int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(apr_int64_t y, int m)
{
    static const int len[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    return m == 2 && leap(y) ? 29 : len[m - 1];
}

int clinic_time_parse_db(const char *s, apr_int64_t *out)
{
    int y, mo, d, h, mi, se;
    const char *e;

    if (s == NULL) {
        return 0;
    }
    /* "YYYY-MM-DD HH:MM:SS" is 19 characters; each check below stops at the
     * first mismatch, so a shorter string never gets read past its NUL */
    if ((y = digits(s, 4)) < 0 || s[4] != '-'
        || (mo = digits(s + 5, 2)) < 0 || s[7] != '-'
        || (d = digits(s + 8, 2)) < 0 || (s[10] != ' ' && s[10] != 'T')
        || (h = digits(s + 11, 2)) < 0 || s[13] != ':'
        || (mi = digits(s + 14, 2)) < 0 || s[16] != ':'
        || (se = digits(s + 17, 2)) < 0) {
        return 0;
    }
    e = s + 19;
    if (*e == '.') {
        e++;
        if (*e < '0' || *e > '9') {
            return 0;
        }
        while (*e >= '0' && *e <= '9') {
            e++;
        }
    }
    if (*e == 'Z') {
        e++;
    }
    if (*e != '\0') {
        return 0;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo)
        || h > 23 || mi > 59 || se > 59) {
        return 0;
    }
    *out = days_from_civil(y, mo, d) * SECS_PER_DAY + h * 3600 + mi * 60 + se;
    return 1;
}

void clinic_time_remaining(clinic_remaining_t *out, apr_int64_t now,
                           apr_int64_t expires)
{
    apr_int64_t total;

    out->days = out->hours = out->minutes = out->seconds = 0;
    out->total_seconds = out->remaining_days = 0;
    if (expires <= now) {
        return;
    }
    /* expires > now; the difference may not fit when the two have opposite
     * signs and huge magnitudes, so saturate instead of overflowing */
    if (now < 0 && expires > APR_INT64_MAX + now) {
        total = APR_INT64_MAX;
    }
    else {
        total = expires - now;
    }
    out->total_seconds = total;
    out->days = total / SECS_PER_DAY;
    out->hours = total % SECS_PER_DAY / 3600;
    out->minutes = total % 3600 / 60;
    out->seconds = total % 60;
    out->remaining_days = out->days + (total % SECS_PER_DAY != 0);
}
