/*
 * SPDX-License-Identifier: Apache-2.0
 * money.c: exact amounts in thousandths (fils) and currency codes (see
 * money.h).  Pure: APR pools and cJSON.
 */
#include <math.h>
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include "money.h"

#define AMOUNT_MAX APR_INT64_C(1000000000000000)   /* fils: 10^12 KWD */
#define DECIMAL_DIGITS 12      /* before the point, in a stored decimal */

/* The one parser of a decimal amount.  text: what a provider or an
 * operator writes (spaces around it, thousands commas); else a stored
 * decimal, as the database gives it: digits, at most 12 before the
 * point, and nothing else. */
static int amount_parse(const char *s, int text, apr_int64_t *fils)
{
    apr_int64_t whole = 0, frac = 0;
    int digits = 0, decimals = 0;

    if (!s) {
        return -1;
    }
    while (text && *s == ' ') {
        s++;
    }
    for (; apr_isdigit(*s) || (text && *s == ',' && digits); s++) {
        if (*s == ',') {
            continue;
        }
        if (whole > AMOUNT_MAX / 10 || (!text && digits == DECIMAL_DIGITS)) {
            return -1;
        }
        whole = whole * 10 + (*s - '0');
        digits++;
    }
    if (*s == '.') {
        for (s++; apr_isdigit(*s); s++, decimals++) {
            if (decimals < 3) {
                frac = frac * 10 + (*s - '0');
            }
            else if (*s != '0') {
                return -1;      /* a part of a fils */
            }
        }
        if (!decimals && text) {
            return -1;
        }
    }
    while (text && *s == ' ') {
        s++;
    }
    if (!digits || *s) {
        return -1;
    }
    for (; decimals < 3; decimals++) {
        frac *= 10;
    }
    if (whole > AMOUNT_MAX / 1000) {
        return -1;
    }
    *fils = whole * 1000 + frac;
    return 0;
}

int clinic_amount_parse(const char *text, apr_int64_t *fils)
{
    return amount_parse(text, 1, fils);
}

int clinic_amount_decimal(const char *decimal, apr_int64_t *fils)
{
    return amount_parse(decimal, 0, fils);
}

int clinic_amount_json(const cJSON *v, apr_int64_t *fils)
{
    double x, scaled, rounded;

    if (cJSON_IsString(v)) {
        return clinic_amount_parse(v->valuestring, fils);
    }
    if (!cJSON_IsNumber(v)) {
        return -1;
    }
    x = v->valuedouble;
    if (!isfinite(x) || x < 0 || x > (double)(AMOUNT_MAX / 1000)) {
        return -1;
    }
    scaled = x * 1000.0;
    rounded = floor(scaled + 0.5);
    if (fabs(scaled - rounded) > 1e-4) {
        return -1;              /* a part of a fils */
    }
    *fils = (apr_int64_t)rounded;
    return 0;
}

const char *clinic_amount_format(apr_pool_t *p, apr_int64_t fils,
                                 int decimals)
{
    if (decimals == 3) {
        return apr_psprintf(p, "%" APR_INT64_T_FMT ".%03d", fils / 1000,
                            (int)(fils % 1000));
    }
    fils = (fils + 5) / 10;     /* hundredths */
    return apr_psprintf(p, "%" APR_INT64_T_FMT ".%02d", fils / 100,
                        (int)(fils % 100));
}

const char *clinic_amount_shortest(apr_pool_t *p, apr_int64_t fils)
{
    int frac = (int)(fils % 1000), width = 3;

    if (!frac) {
        return apr_psprintf(p, "%" APR_INT64_T_FMT, fils / 1000);
    }
    for (; frac % 10 == 0; frac /= 10) {
        width--;
    }
    return apr_psprintf(p, "%" APR_INT64_T_FMT ".%0*d", fils / 1000, width,
                        frac);
}

int clinic_currency_decimals(const char *iso)
{
    static const char *const three[] = { "KWD", "BHD", "OMR", "JOD", "IQD",
                                         "LYD", "TND" };
    apr_size_t i;

    for (i = 0; iso && i < sizeof(three) / sizeof(three[0]); i++) {
        if (!strcasecmp(iso, three[i])) {
            return 3;
        }
    }
    return 2;
}

const char *clinic_currency_iso(const char *name)
{
    /* MyFatoorah's status API writes symbols ("KD"), its webhooks ISO */
    static const struct { const char *sym, *iso; } symbols[] = {
        { "KD", "KWD" }, { "SR", "SAR" }, { "BD", "BHD" }, { "QR", "QAR" },
        { "RO", "OMR" }, { "JD", "JOD" }, { "DH", "AED" }, { "LE", "EGP" },
    };
    apr_size_t i;

    if (!name) {
        return NULL;
    }
    for (i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
        if (!strcasecmp(name, symbols[i].sym)
            || !strcasecmp(name, symbols[i].iso)) {
            return symbols[i].iso;
        }
    }
    if (strlen(name) == 3 && apr_isalpha(name[0]) && apr_isalpha(name[1])
        && apr_isalpha(name[2])) {
        return name;
    }
    return NULL;
}
