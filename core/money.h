/*
 * SPDX-License-Identifier: Apache-2.0
 * money.h: exact amounts and currencies (pure: APR pools, cJSON).  An
 * amount is held as whole thousandths (fils), parsed by one parser and
 * written with the currency's decimals.
 */
#ifndef CLINIC_MONEY_H
#define CLINIC_MONEY_H

#include <apr_pools.h>
#include <cjson/cJSON.h>

/* An amount as whole fils (thousandths): "25.5", "25.500", "12,345.000".
 * 0 on success; -1 for anything else (signs, more than 3 decimals that
 * are not zeros, over 10^12). */
int clinic_amount_parse(const char *text, apr_int64_t *fils);
/* The same for a stored decimal, as the database gives it ("25.500",
 * "007.10", "12."): digits only, at most 12 before the point. */
int clinic_amount_decimal(const char *decimal, apr_int64_t *fils);
/* The same for a JSON number or numeric string */
int clinic_amount_json(const cJSON *v, apr_int64_t *fils);
/* "25.500" (decimals 3) or "25.50" (decimals 2, rounded half up) */
const char *clinic_amount_format(apr_pool_t *p, apr_int64_t fils,
                                 int decimals);
/* The shortest decimal of the amount, a JSON number: "25.5", "7", "0" */
const char *clinic_amount_shortest(apr_pool_t *p, apr_int64_t fils);

/* ISO 4217 decimals: 3 for KWD, BHD, OMR, JOD, IQD, LYD, TND; else 2 */
int clinic_currency_decimals(const char *iso);
/* An ISO code for what a provider wrote: "KWD" or "KD" -> "KWD"; NULL
 * when unknown */
const char *clinic_currency_iso(const char *name);

#endif
