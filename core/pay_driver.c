/*
 * SPDX-License-Identifier: Apache-2.0
 * pay_driver.c: what the payment drivers share (pay_driver.h): reading a
 * provider's id, and the start of a payment request.
 */
#include <apr_strings.h>

#include "json.h"
#include "money.h"
#include "pay_driver.h"

const char *clinic_pay_id(apr_pool_t *p, const cJSON *v)
{
    const char *s;
    apr_size_t i;

    if (cJSON_IsNumber(v)) {
        if (v->valuedouble < 0 || v->valuedouble > 9007199254740992.0
            || v->valuedouble != (double)(apr_int64_t)v->valuedouble) {
            return NULL;
        }
        return apr_psprintf(p, "%" APR_INT64_T_FMT,
                            (apr_int64_t)v->valuedouble);
    }
    if (!cJSON_IsString(v)) {
        return NULL;
    }
    s = v->valuestring;
    for (i = 0; s[i]; i++) {
        if (s[i] < 0x21 || s[i] > 0x7e || i >= 128) {
            return NULL;
        }
    }
    return i ? s : NULL;
}

apr_status_t clinic_pay_body(clinic_pay_ctx_t *x, const clinic_sub_t *sub,
                             cJSON **body, const char **currency,
                             const char **amount)
{
    apr_int64_t fils;
    int decimals;

    *currency = sub->currency ? sub->currency : x->currency;
    decimals = clinic_currency_decimals(*currency);
    if (clinic_amount_parse(sub->pkg.price, &fils) || fils <= 0
        || (decimals == 2 && fils % 10)) {
        clinic_log(x->env, CLINIC_LOG_ERR,
                   "CLINIC0807: the price %s of package %s can't be "
                   "charged in %s", sub->pkg.price, sub->pkg.id, *currency);
        return APR_EINVAL;
    }
    *amount = clinic_amount_format(x->env->pool, fils, decimals);
    *body = clinic_json_object(x->env->pool);
    return *body ? APR_SUCCESS : APR_ENOMEM;
}
