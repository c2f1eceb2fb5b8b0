/*
 * SPDX-License-Identifier: Apache-2.0
 * test_money.c: exact amounts and currency names (money.c).
 */
#include <string.h>
#include <criterion/criterion.h>

#include "money.h"

#include "pool_fixture.h"

TestSuite(money, .init = setup, .fini = teardown);

static apr_int64_t fils_of(const char *text)
{
    apr_int64_t f = -7;
    cr_assert_eq(clinic_amount_parse(text, &f), 0, "%s", text);
    return f;
}

Test(money, amounts_are_whole_fils)
{
    cr_assert_eq(fils_of("25.500"), 25500);
    cr_assert_eq(fils_of("25.5"), 25500);
    cr_assert_eq(fils_of("7"), 7000);
    cr_assert_eq(fils_of("0.001"), 1);
    cr_assert_eq(fils_of("12,345.000"), 12345000);
    cr_assert_eq(fils_of("1.2500"), 1250);      /* trailing zeros only */
    cr_assert_eq(fils_of(" 3.000 "), 3000);
}

Test(money, amounts_refused)
{
    static const char *const bad[] = { "", "-1", "+1", "1.2345", "1.", ".5",
                                       "1e3", "abc", "1.0.0", ",1", "0x10",
                                       "99999999999999999999", "1 000" };
    apr_int64_t f;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_neq(clinic_amount_parse(bad[i], &f), 0, "'%s'", bad[i]);
    }
    cr_assert_neq(clinic_amount_parse(NULL, &f), 0);
}

Test(money, json_amounts)
{
    cJSON *n = cJSON_CreateNumber(10.942), *s = cJSON_CreateString("25.500");
    cJSON *x = cJSON_CreateNumber(1.0001), *neg = cJSON_CreateNumber(-1);
    apr_int64_t f;

    cr_assert_eq(clinic_amount_json(n, &f), 0);
    cr_assert_eq(f, 10942);
    cr_assert_eq(clinic_amount_json(s, &f), 0);
    cr_assert_eq(f, 25500);
    cr_assert_neq(clinic_amount_json(x, &f), 0, "a part of a fils");
    cr_assert_neq(clinic_amount_json(neg, &f), 0);
    cr_assert_neq(clinic_amount_json(NULL, &f), 0);
    cJSON_Delete(n);
    cJSON_Delete(s);
    cJSON_Delete(x);
    cJSON_Delete(neg);
}

Test(money, formats_and_currencies)
{
    cr_assert_str_eq(clinic_amount_format(pool, 25500, 3), "25.500");
    cr_assert_str_eq(clinic_amount_format(pool, 25500, 2), "25.50");
    cr_assert_str_eq(clinic_amount_format(pool, 1, 3), "0.001");
    cr_assert_str_eq(clinic_amount_format(pool, 1005, 2), "1.01");
    cr_assert_eq(clinic_currency_decimals("KWD"), 3);
    cr_assert_eq(clinic_currency_decimals("BHD"), 3);
    cr_assert_eq(clinic_currency_decimals("SAR"), 2);
    cr_assert_eq(clinic_currency_decimals(NULL), 2);
    cr_assert_str_eq(clinic_currency_iso("KD"), "KWD");
    cr_assert_str_eq(clinic_currency_iso("KWD"), "KWD");
    cr_assert_str_eq(clinic_currency_iso("SR"), "SAR");
    cr_assert_str_eq(clinic_currency_iso("USD"), "USD");
    cr_assert_null(clinic_currency_iso("K$"));
    cr_assert_null(clinic_currency_iso(NULL));
}

Test(money, stored_decimals_are_digits_and_a_point_only)
{
    apr_int64_t f = -7;

    cr_assert_eq(clinic_amount_decimal("007.10", &f), 0);
    cr_assert_eq(f, 7100);
    cr_assert_eq(clinic_amount_decimal("12.", &f), 0);
    cr_assert_eq(f, 12000);
    cr_assert_eq(clinic_amount_decimal("999999999999.999", &f), 0);
    cr_assert_eq(f, APR_INT64_C(999999999999999));
    cr_assert_neq(clinic_amount_decimal("0000000000001", &f), 0);
    cr_assert_neq(clinic_amount_decimal(" 1", &f), 0);
    cr_assert_neq(clinic_amount_decimal("1,5", &f), 0);
    cr_assert_neq(clinic_amount_decimal("1,000", &f), 0);
    cr_assert_neq(clinic_amount_decimal(NULL, &f), 0);
}

Test(money, shortest_is_a_json_number)
{
    cr_assert_str_eq(clinic_amount_shortest(pool, 25500), "25.5");
    cr_assert_str_eq(clinic_amount_shortest(pool, 25000), "25");
    cr_assert_str_eq(clinic_amount_shortest(pool, 125), "0.125");
    cr_assert_str_eq(clinic_amount_shortest(pool, 100), "0.1");
    cr_assert_str_eq(clinic_amount_shortest(pool, 10), "0.01");
    cr_assert_str_eq(clinic_amount_shortest(pool, 0), "0");
}
