/*
 * SPDX-License-Identifier: Apache-2.0
 * cmd_users.c: `clinicctl users`, `subscriptions`, `stats` and `cleanup`:
 * a patient found by phone number (any form the API accepts), switched
 * off and on, their subscriptions, the clinic's counts, and the cleanup
 * the module otherwise does every ten minutes.
 */
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>

#include "ctl.h"
#include "subs.h"
#include "store.h"
#include "store_admin.h"
#include "json.h"
#include "validate.h"

static apr_int64_t now_sec(void)
{
    return apr_time_sec(apr_time_now());
}

/* open the database and find the user with the number */
static int find_user(ctl_t *c, clinic_user_t **u, const char *number)
{
    const char *phone;
    int rc;

    if (clinic_phone_normalize(&phone, c->pool, number, strlen(number))
        != APR_SUCCESS) {
        return ctl_fail(CTL_FAILED, "\"%s\" is not a Kuwaiti mobile number "
                        "(+965 and 8 digits starting with 5, 6 or 9)",
                        number);
    }
    if ((rc = ctl_db_open(c, 0)) != CTL_OK
        || (rc = ctl_db_status(c, clinic_store_user_by_phone(u, c->d,
                                                             phone),
                               "reading the user")) != CTL_OK) {
        return rc;
    }
    return *u ? CTL_OK : ctl_fail(CTL_FAILED, "no user has the number %s",
                                  phone);
}

/* a command's one positional argument, the phone number */
static int phone_arg(int argc, const char *const *argv, const char **phone,
                     const char *usage)
{
    const ctl_opt_t none[] = { { NULL, NULL, NULL } };
    int npos, rc = ctl_parse(argc, argv, none, phone, 1, &npos);

    if (rc == CTL_OK && npos != 1) {
        return ctl_fail(CTL_USAGE, "%s", usage);
    }
    return rc;
}

static int show(ctl_t *c, const char *number)
{
    clinic_user_t *u, *again;
    clinic_sub_t *active;
    cJSON *o;
    apr_int64_t now = now_sec();
    int rc = find_user(c, &u, number);

    if (rc != CTL_OK
        || (rc = ctl_db_status(c, clinic_store_user_with_active(&again,
                                   &active, c->d, u->id, now),
                               "reading the subscription")) != CTL_OK) {
        return rc;
    }
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", u->id);
    cJSON_AddStringToObject(o, "phoneNumber", u->phone);
    cJSON_AddItemToObject(o, "name", ctl_str(u->name));
    cJSON_AddItemToObject(o, "nationalId", ctl_str(u->national_id));
    cJSON_AddBoolToObject(o, "isActive", u->is_active);
    cJSON_AddItemToObject(o, "createdAt", ctl_time(c, u->created_at));
    cJSON_AddItemToObject(o, "updatedAt", ctl_time(c, u->updated_at));
    if (active && clinic_sub_is_active(active, now)) {
        cJSON_AddStringToObject(o, "subscription", active->pkg.name);
        cJSON_AddItemToObject(o, "subscriptionExpiresAt",
                              ctl_time(c, active->expires_at));
    }
    else {
        cJSON_AddNullToObject(o, "subscription");
        cJSON_AddNullToObject(o, "subscriptionExpiresAt");
    }
    return ctl_print(c, o);
}

static int set_active(ctl_t *c, const char *number, int active)
{
    clinic_user_t *u;
    cJSON *o;
    int found, rc = find_user(c, &u, number);

    if (rc != CTL_OK
        || (rc = ctl_db_status(c, clinic_admin_user_set_active(&found, c->d, u->id, active, now_sec()),
                               "changing the user")) != CTL_OK) {
        return rc;
    }
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", u->id);
    cJSON_AddStringToObject(o, "phoneNumber", u->phone);
    cJSON_AddBoolToObject(o, "isActive", active);
    cJSON_AddBoolToObject(o, "changed", u->is_active != active);
    return ctl_print(c, o);
}

int ctl_users(ctl_t *c, int argc, const char *const *argv)
{
    const char *sub = argc > 0 ? argv[0] : "", *phone;
    const char *usage = "users show|activate|deactivate PHONE";
    int rc;

    if (strcmp(sub, "show") && strcmp(sub, "activate")
        && strcmp(sub, "deactivate")) {
        return ctl_fail(CTL_USAGE, "%s", usage);
    }
    if ((rc = phone_arg(argc - 1, argv + 1, &phone, usage)) != CTL_OK) {
        return rc;
    }
    return !strcmp(sub, "show") ? show(c, phone)
                                : set_active(c, phone, sub[0] == 'a');
}

static cJSON *sub_json(ctl_t *c, const clinic_sub_t *s, apr_int64_t now)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "id", s->id);
    cJSON_AddStringToObject(o, "package", s->pkg.name);
    ctl_amount(c, o, "amount", s->pkg.price);
    /* no currency: bought before payments existed, in KWD */
    cJSON_AddStringToObject(o, "currency", s->currency ? s->currency : "KWD");
    cJSON_AddStringToObject(o, "paymentStatus", s->payment_status);
    cJSON_AddBoolToObject(o, "isActive", clinic_sub_is_active(s, now));
    cJSON_AddItemToObject(o, "createdAt", ctl_time(c, s->created_at));
    cJSON_AddItemToObject(o, "purchasedAt",
                          ctl_time(c, strcmp(s->payment_status, "completed")
                                      ? 0 : s->purchased_at));
    cJSON_AddItemToObject(o, "expiresAt",
                          ctl_time(c, strcmp(s->payment_status, "completed")
                                      ? 0 : s->expires_at));
    cJSON_AddItemToObject(o, "provider", ctl_str(s->pay_provider));
    cJSON_AddItemToObject(o, "providerRef", ctl_str(s->pay_ref));
    return o;
}

int ctl_subscriptions(ctl_t *c, int argc, const char *const *argv)
{
    const char *usage = "subscriptions show PHONE", *phone;
    apr_array_header_t *subs;
    clinic_user_t *u;
    apr_int64_t now = now_sec();
    cJSON *out;
    int i, rc;

    if (argc < 1 || strcmp(argv[0], "show")) {
        return ctl_fail(CTL_USAGE, "%s", usage);
    }
    if ((rc = phone_arg(argc - 1, argv + 1, &phone, usage)) != CTL_OK
        || (rc = find_user(c, &u, phone)) != CTL_OK
        || (rc = ctl_db_status(c, clinic_store_sub_history(&subs, c->d,
                                                           u->id),
                               "reading the subscriptions")) != CTL_OK) {
        return rc;
    }
    out = cJSON_CreateArray();
    for (i = 0; i < subs->nelts; i++) {
        cJSON_AddItemToArray(out, sub_json(c, &APR_ARRAY_IDX(subs, i,
                                                             clinic_sub_t),
                                           now));
    }
    return ctl_print(c, out);
}

int ctl_stats(ctl_t *c, int argc, const char *const *argv)
{
    clinic_stats_t st;
    cJSON *o;
    int rc;

    (void)argv;
    if (argc != 0) {
        return ctl_fail(CTL_USAGE, "stats takes no arguments");
    }
    if ((rc = ctl_db_open(c, 0)) != CTL_OK
        || (rc = ctl_db_status(c, clinic_admin_stats(&st, c->d,
                                                     now_sec()),
                               "counting")) != CTL_OK) {
        return rc;
    }
    o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "users", (double)st.users);
    cJSON_AddNumberToObject(o, "activeUsers", (double)st.active_users);
    cJSON_AddNumberToObject(o, "activeSubscriptions",
                            (double)st.active_subscriptions);
    cJSON_AddNumberToObject(o, "sends24h", (double)st.sends);
    cJSON_AddNumberToObject(o, "failedSends24h", (double)st.failed_sends);
    cJSON_AddNumberToObject(o, "logins24h", (double)st.logins);
    cJSON_AddNumberToObject(o, "pendingPayments",
                            (double)st.pending_payments);
    return ctl_print(c, o);
}

int ctl_cleanup(ctl_t *c, int argc, const char *const *argv)
{
    cJSON *o;
    int codes = 0, slots = 0, rc;

    (void)argv;
    if (argc != 0) {
        return ctl_fail(CTL_USAGE, "cleanup takes no arguments");
    }
    if ((rc = ctl_db_open(c, 0)) != CTL_OK
        || (rc = ctl_db_status(c, clinic_store_cleanup(&codes, &slots, c->d, now_sec()),
                               "cleaning up")) != CTL_OK) {
        return rc;
    }
    o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "codesDeleted", codes);
    cJSON_AddNumberToObject(o, "limitSlotsDeleted", slots);
    return ctl_print(c, o);
}
