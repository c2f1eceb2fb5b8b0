/*
 * SPDX-License-Identifier: Apache-2.0
 * fields.c: reading the request fields shared by several routes.
 */
#include <string.h>
#include <httpd.h>

#include "fields.h"
#include "json.h"
#include "validate.h"

const char *const CLINIC_F_PHONE[] = { "phone_number", "phoneNumber", NULL };
const char *const CLINIC_F_NEW_PHONE[] = { "new_phone_number",
                                           "newPhoneNumber", NULL };
const char *const CLINIC_F_CODE[] = { "code", "otp_code", "otpCode", NULL };
const char *const CLINIC_F_OTP_CODE[] = { "otp_code", "otpCode", "code",
                                          NULL };
const char *const CLINIC_F_PURPOSE[] = { "purpose", NULL };
const char *const CLINIC_F_NAME[] = { "name", NULL };
const char *const CLINIC_F_NATIONAL_ID[] = { "national_id", "nationalId",
                                             NULL };
const char *const CLINIC_F_PACKAGE_ID[] = { "package_id", "packageId", NULL };
const char *const CLINIC_F_USER_INFO[] = { "user_info", "userInfo", NULL };

typedef apr_status_t (*normalize_fn)(const char **out, apr_pool_t *p,
                                     const char *in, apr_size_t len);

static int field_normalized(clinic_req_t *cr, const char *const *names,
                            normalize_fn fn, const char *what,
                            const char **out)
{
    const char *used;
    const cJSON *item = clinic_json_field(cr->body, names, &used);

    if (!item || cJSON_IsNull(item)) {
        return clinic_send_invalid(cr, used, "is required");
    }
    if (!cJSON_IsString(item)) {
        return clinic_send_invalid(cr, used, "must be a string");
    }
    if (fn(out, cr->r->pool, item->valuestring,
           strlen(item->valuestring)) != APR_SUCCESS) {
        return clinic_send_invalid(cr, used, what);
    }
    return OK;
}

int clinic_field_phone(clinic_req_t *cr, const char *const *names,
                       const char **out)
{
    return field_normalized(cr, names, clinic_phone_normalize,
                            "must be a Kuwaiti mobile number: +965 and 8 "
                            "digits starting with 5, 6 or 9", out);
}

int clinic_field_code(clinic_req_t *cr, const char *const *names,
                      const char **out)
{
    return field_normalized(cr, names, clinic_code_normalize,
                            "must be the 5-digit code", out);
}
