/*
 * SPDX-License-Identifier: Apache-2.0
 * user.c: GET/PUT /api/user/profile and PUT /api/user/phone.
 */
#include <string.h>
#include <apr_strings.h>

#include <httpd.h>
#include <http_protocol.h>

#include "handlers.h"
#include "auth.h"
#include "fields.h"
#include "json.h"
#include "user.h"
#include "ratelimit.h"
#include "seclog.h"
#include "store_db.h"
#include "validate.h"

typedef struct {
    const char *const *names;
    apr_size_t max;
    int set;
    const char *value;         /* NULL clears */
} profile_field_t;

static void field_read(clinic_req_t *cr, const cJSON *obj, profile_field_t *f,
                       cJSON *errors)
{
    const char *used;
    const cJSON *item = clinic_json_field(obj, f->names, &used);

    if (!item) {
        return;
    }
    f->set = 1;
    if (cJSON_IsNull(item)) {
        return;
    }
    if (!cJSON_IsString(item)) {
        cJSON_AddStringToObject(errors, used, "must be a string or null");
        return;
    }
    switch (clinic_text_clean(&f->value, cr->r->pool, item->valuestring,
                              strlen(item->valuestring), f->max)) {
    case CLINIC_TEXT_OK:
        if (!*f->value) {
            f->value = NULL;           /* an empty string clears */
        }
        return;
    case CLINIC_TEXT_BAD_UTF8:
        cJSON_AddStringToObject(errors, used, "is not valid UTF-8");
        return;
    case CLINIC_TEXT_CONTROL:
        cJSON_AddStringToObject(errors, used,
                                "may not contain control characters");
        return;
    case CLINIC_TEXT_TOO_LONG:
        cJSON_AddStringToObject(errors, used,
                                apr_psprintf(cr->r->pool, "must be at most %"
                                             APR_SIZE_T_FMT " characters",
                                             f->max));
        return;
    }
}

int clinic_profile_apply(clinic_req_t *cr, const cJSON *obj, int *present)
{
    profile_field_t name = { CLINIC_F_NAME, CLINIC_NAME_MAX, 0, NULL };
    profile_field_t nid = { CLINIC_F_NATIONAL_ID, CLINIC_NATIONAL_ID_MAX, 0,
                            NULL };
    cJSON *errors = clinic_json_object(cr->r->pool);

    field_read(cr, obj, &name, errors);
    field_read(cr, obj, &nid, errors);
    *present = name.set + nid.set;
    if (cJSON_GetArraySize(errors) > 0) {
        return clinic_send_error(cr, HTTP_BAD_REQUEST, "VALIDATION_ERROR",
                                 "The request has invalid fields.", errors);
    }
    if (!*present) {
        return OK;
    }
    if (clinic_store_user_update(cr->dbd, cr->user->id, name.set,
                                 name.value, nid.set, nid.value, cr->now)
        != APR_SUCCESS) {
        return clinic_send_internal(cr, "profile update failed");
    }
    return OK;
}

int clinic_profile_reload(clinic_req_t *cr)
{
    clinic_user_t *u;

    if (clinic_store_user_by_id(&u, cr->dbd, cr->user->id)
        != APR_SUCCESS || !u) {
        return clinic_send_internal(cr, "user reload failed");
    }
    cr->user = u;
    return OK;
}

/* {"user": User} for cr->user as it is now, plus a fresh token when asked
 * (after a phone change, whose token version it must carry). */
static int answer_user(clinic_req_t *cr, const char *message, int with_token)
{
    clinic_sub_t *active;
    const char *token = NULL;
    cJSON *data;

    /* read with the token's user; a change of profile or number leaves
     * the subscription as it was */
    if (cr->active_known) {
        active = cr->active;
    }
    else if (clinic_store_sub_active(&active, cr->dbd, cr->user->id,
                                     cr->now) != APR_SUCCESS) {
        return clinic_send_internal(cr, "subscription lookup failed");
    }
    if (with_token && !(token = clinic_token_for(cr, cr->user))) {
        return clinic_send_internal(cr, "token signing failed");
    }
    data = clinic_json_object(cr->r->pool);
    clinic_json_add_user(data, "user", cr->r->pool, cr->user, active,
                         clinic_currency(cr->conf), cr->now);
    if (token) {
        cJSON_AddStringToObject(data, "token", token);
    }
    return clinic_send_ok(cr, HTTP_OK, data, message);
}

static int phone_taken(clinic_req_t *cr)
{
    return clinic_send_error(cr, HTTP_CONFLICT, "PHONE_EXISTS", "This phone "
                             "number belongs to another account.", NULL);
}

int clinic_h_profile_get(clinic_req_t *cr)
{
    /* the token check has just read the user */
    return answer_user(cr, "Your profile.", 0);
}

int clinic_h_profile_put(clinic_req_t *cr)
{
    int present, st;

    if ((st = clinic_profile_apply(cr, cr->body, &present)) != OK) {
        return st;
    }
    if (!present) {
        cJSON *details = clinic_json_object(cr->r->pool);
        cJSON_AddStringToObject(details, "name",
                                "give name or national_id (or both)");
        cJSON_AddStringToObject(details, "national_id",
                                "give name or national_id (or both)");
        return clinic_send_error(cr, HTTP_BAD_REQUEST, "VALIDATION_ERROR",
                                 "Nothing to update.", details);
    }
    if ((st = clinic_profile_reload(cr)) != OK) {
        return st;
    }
    return answer_user(cr, "Your profile was updated.", 0);
}

int clinic_h_phone_put(clinic_req_t *cr)
{
    const char *phone, *code, *field, *old_phone;
    clinic_user_t *holder;
    clinic_otp_row_t *live;
    int st;
    apr_status_t rv;

    clinic_json_field(cr->body, CLINIC_F_NEW_PHONE, &field);
    if ((st = clinic_field_phone(cr, CLINIC_F_NEW_PHONE, &phone)) != OK
        || (st = clinic_field_code(cr, CLINIC_F_OTP_CODE, &code)) != OK) {
        return st;
    }
    if (!strcmp(phone, cr->user->phone)) {
        return clinic_send_invalid(cr, field, "is already your phone number");
    }
    /* a code check: counted under otp-ip before anything about the number
     * is told, so a token can't list registered numbers */
    if ((st = clinic_ratelimit_exact(cr, CLINIC_RL_OTP_IP, cr->client))
        != OK) {
        return st;
    }
    /* no code on its way to that number for this user, nothing to check:
     * send-otp refuses a number that is taken, so whoever has no code
     * learns nothing about the number here */
    if (clinic_store_otp_latest(&live, cr->dbd, phone, "phone_change",
                                cr->user->id) != APR_SUCCESS) {
        return clinic_send_internal(cr, "code lookup failed");
    }
    if (!live) {
        return clinic_send_error(cr, HTTP_BAD_REQUEST, "OTP_NOT_FOUND",
                                 "No code is pending for this number. "
                                 "Request a new one.", NULL);
    }
    /* taken since the code was sent: refuse before spending the code; the
     * unique key decides races */
    if (clinic_store_user_by_phone(&holder, cr->dbd, phone)
        != APR_SUCCESS) {
        return clinic_send_internal(cr, "phone lookup failed");
    }
    if (holder) {
        return phone_taken(cr);
    }
    if ((st = clinic_otp_check(cr, phone, "phone_change", cr->user->id, code,
                               0)) != OK) {
        return st;
    }
    old_phone = cr->user->phone;
    rv = clinic_store_user_set_phone(cr->dbd, cr->user->id, phone,
                                     cr->now);
    if (rv == APR_EEXIST) {
        return phone_taken(cr);
    }
    if (rv != APR_SUCCESS) {
        return clinic_send_internal(cr, "phone update failed");
    }
    if ((st = clinic_profile_reload(cr)) != OK) {
        return st;
    }
    clinic_seclog(cr, "phone_changed", phone, cr->user->id,
                  apr_pstrcat(cr->r->pool, "from ",
                              clinic_mask_phone(cr->r->pool, old_phone),
                              NULL));
    return answer_user(cr, "Your phone number was changed.", 1);
}
