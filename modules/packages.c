/*
 * SPDX-License-Identifier: Apache-2.0
 * packages.c: GET /api/packages/available, POST /api/packages/purchase,
 * GET /api/packages/history, GET /api/packages/subscriptions/{id}.
 *
 * One active subscription per user is the database's unique key on
 * user_packages.active_user_id: a purchase first releases the user's slot
 * if the subscription in it has run out, then inserts; of simultaneous
 * purchases exactly one insert wins.
 */
#include <string.h>
#include <apr_strings.h>

#include <httpd.h>
#include <http_protocol.h>

#include "handlers.h"
#include "ids.h"
#include "fields.h"
#include "json.h"
#include "pay.h"
#include "pkgcache.h"
#include "user.h"
#include "seclog.h"
#include "store_db.h"

int clinic_h_packages_available(clinic_req_t *cr)
{
    apr_array_header_t *pkgs;
    const char *currency = clinic_currency(cr->conf), *text, *etag;
    cJSON *data, *list;
    int i;

    /* every visitor asks, the list rarely changes: kept a moment */
    if ((text = clinic_pkgcache_get(cr, &etag))) {
        return clinic_send_cacheable(cr, text, etag);
    }
    if (!clinic_db(cr)) {
        return DONE;
    }
    if (clinic_store_packages_active(&pkgs, cr->dbd) != APR_SUCCESS) {
        return clinic_send_internal(cr, "package list failed");
    }
    if (pkgs->nelts == 0) {
        return clinic_send_error(cr, HTTP_NOT_FOUND, "NO_PACKAGES_AVAILABLE",
                                 "No package is on sale right now.", NULL);
    }
    data = clinic_json_object(cr->r->pool);
    clinic_json_add_package(data, "package", cr->r->pool,
                            &APR_ARRAY_IDX(pkgs, 0, clinic_package_t),
                            currency);
    list = cJSON_AddArrayToObject(data, "packages");
    for (i = 0; i < pkgs->nelts; i++) {
        clinic_json_add_package(list, NULL, cr->r->pool,
                                &APR_ARRAY_IDX(pkgs, i, clinic_package_t),
                                currency);
    }
    if (!(text = clinic_envelope_ok(cr->r->pool, data, "Packages on sale."))) {
        return clinic_send_internal(cr, "package list printing failed");
    }
    return clinic_send_cacheable(cr, text, clinic_pkgcache_put(cr, text));
}

#define KEY_MAX 64
#define KEY_WINDOW 86400       /* a key answers again for 24 hours */

/* 1 to 64 printable ASCII characters */
static int key_valid(const char *key)
{
    apr_size_t n = 0;

    for (; key[n]; n++) {
        if (key[n] < 0x20 || key[n] > 0x7e || n >= KEY_MAX) {
            return 0;
        }
    }
    return n > 0;
}

/* The subscription the user's key made within the window: answered again
 * (the same package) or refused (another one); DECLINED when the key is
 * new.  The unique key on (user, key) makes parallel retries one. */
static int replay(clinic_req_t *cr, const char *key, const char *package_id)
{
    clinic_sub_t *sub;

    if (clinic_store_sub_by_key(&sub, cr->dbd, cr->user->id, key,
                                cr->now - KEY_WINDOW) != APR_SUCCESS) {
        return clinic_send_internal(cr, "idempotency lookup failed");
    }
    if (!sub) {
        return DECLINED;
    }
    if (strcmp(sub->pkg.id, package_id)) {
        return clinic_send_error(cr, HTTP_CONFLICT, "IDEMPOTENCY_KEY_REUSED",
                                 "This Idempotency-Key was used for another "
                                 "package.", NULL);
    }
    /* the first request may still be at the payment provider */
    return sub->pay_provider ? clinic_pay_replay(cr, sub)
                             : clinic_pay_answer(cr, sub);
}

/* The purchase's request: the package id, the user_info object (NULL
 * when absent or null) and the Idempotency-Key (NULL when none).  OK, or
 * the 400 answered. */
static int purchase_args(clinic_req_t *cr, const char **package_id,
                         const cJSON **info, const char **key)
{
    const char *used, *info_name;
    const cJSON *pid = clinic_json_field(cr->body, CLINIC_F_PACKAGE_ID, &used);

    if (!pid || cJSON_IsNull(pid)) {
        return clinic_send_invalid(cr, used, "is required");
    }
    if (!cJSON_IsString(pid) || !*pid->valuestring
        || strlen(pid->valuestring) > 64) {
        return clinic_send_invalid(cr, used, "must be a package id");
    }
    *package_id = pid->valuestring;
    *info = clinic_json_field(cr->body, CLINIC_F_USER_INFO, &info_name);
    if (*info && !cJSON_IsNull(*info) && !cJSON_IsObject(*info)) {
        return clinic_send_invalid(cr, info_name, "must be an object");
    }
    if (!cJSON_IsObject(*info)) {
        *info = NULL;
    }
    *key = apr_table_get(cr->r->headers_in, "Idempotency-Key");
    if (*key && !key_valid(*key)) {
        return clinic_send_invalid(cr, "Idempotency-Key", "must be 1 to 64 "
                                   "printable ASCII characters");
    }
    return OK;
}

/* The package id names, on sale: OK with *pkg, or the error answered */
static int package_on_sale(clinic_req_t *cr, const char *id,
                           clinic_package_t **pkg)
{
    if (clinic_store_package_by_id(pkg, cr->dbd, id) != APR_SUCCESS) {
        return clinic_send_internal(cr, "package lookup failed");
    }
    if (!*pkg) {
        return clinic_send_error(cr, HTTP_NOT_FOUND, "PACKAGE_NOT_FOUND",
                                 "There is no such package.", NULL);
    }
    if (!(*pkg)->is_active) {
        return clinic_send_error(cr, HTTP_BAD_REQUEST, "PACKAGE_UNAVAILABLE",
                                 "This package is no longer on sale.", NULL);
    }
    return OK;
}

/* The user_info applied (when given), then the profile a purchase needs:
 * OK, or the error answered (400 PROFILE_INCOMPLETE naming what lacks) */
static int profile_complete(clinic_req_t *cr, const cJSON *info)
{
    cJSON *missing;
    int present, st;

    if (info) {
        if ((st = clinic_profile_apply(cr, info, &present)) != OK
            || (present && (st = clinic_profile_reload(cr)) != OK)) {
            return st;
        }
    }
    missing = clinic_json_object(cr->r->pool);
    if (!cr->user->name) {
        cJSON_AddStringToObject(missing, "name", "is required");
    }
    if (!cr->user->national_id) {
        cJSON_AddStringToObject(missing, "national_id", "is required");
    }
    if (cJSON_GetArraySize(missing) > 0) {
        return clinic_send_error(cr, HTTP_BAD_REQUEST, "PROFILE_INCOMPLETE",
                                 "Add your name and national ID first.",
                                 missing);
    }
    return OK;
}

/* The subscription a purchase of pkg makes (not stored yet); its id NULL
 * when none could be made */
static clinic_sub_t *new_sub(clinic_req_t *cr, const clinic_package_t *pkg,
                             const clinic_pay_driver_ops *ops)
{
    clinic_sub_t *sub = apr_pcalloc(cr->r->pool, sizeof(*sub));

    sub->id = clinic_uuid(cr->r->pool);
    sub->pkg = *pkg;
    sub->user_id = cr->user->id;
    sub->created_at = sub->purchased_at = cr->now;
    /* with a provider, both move to the payment's confirmation */
    sub->expires_at = cr->now + (apr_int64_t)pkg->duration_days * 86400;
    sub->payment_status = ops ? "pending" : "completed";
    sub->currency = clinic_currency(cr->conf);
    sub->pay_provider = ops ? ops->name : NULL;
    return sub;
}

/* Store sub, freeing the slots of expired and (with a provider) stale
 * ones first: OK, or the answer sent (a replay of key for the package id
 * asked for, 409, 500) */
static int store_sub(clinic_req_t *cr, clinic_sub_t *sub, int with_provider,
                     const char *key, const char *package_id)
{
    apr_status_t rv;
    int st;

    if (with_provider) {
        /* a payment left pending past ClinicPaymentTimeout frees its slot
         * first */
        clinic_pay_sweep(cr, cr->user->id);
        if (!clinic_db(cr)) {
            return DONE;
        }
    }
    if (clinic_store_sub_release_expired(cr->dbd, cr->user->id,
                                         cr->now) != APR_SUCCESS) {
        return clinic_send_internal(cr, "subscription release failed");
    }
    rv = clinic_store_sub_insert(cr->dbd, sub, cr->user->id, key,
                                 cr->now);
    if (rv == APR_EEXIST) {
        /* a parallel retry with the same key got there first, or the
         * user holds an active subscription */
        if (key && (st = replay(cr, key, package_id)) != DECLINED) {
            return st;
        }
        return clinic_send_error(cr, HTTP_CONFLICT, "ACTIVE_PACKAGE_EXISTS",
                                 "You already have an active package.", NULL);
    }
    if (rv != APR_SUCCESS) {
        return clinic_send_internal(cr, "subscription insert failed");
    }
    return OK;
}

int clinic_h_packages_purchase(clinic_req_t *cr)
{
    const clinic_pay_driver_ops *ops = clinic_pay_ops(cr->conf);
    const char *package_id = NULL, *key = NULL;
    const cJSON *info = NULL;
    clinic_package_t *pkg;
    clinic_sub_t *sub;
    int st;

    if ((st = purchase_args(cr, &package_id, &info, &key)) != OK) {
        return st;
    }
    /* a retry with the same key answers what the first one made */
    if (key && (st = replay(cr, key, package_id)) != DECLINED) {
        return st;
    }
    if ((st = package_on_sale(cr, package_id, &pkg)) != OK
        || (st = profile_complete(cr, info)) != OK) {
        return st;
    }
    sub = new_sub(cr, pkg, ops);
    if (!sub->id) {
        return clinic_send_internal(cr, "id generation failed");
    }
    if ((st = store_sub(cr, sub, ops != NULL, key, package_id)) != OK) {
        return st;
    }
    clinic_seclog(cr, "package_purchased", NULL, cr->user->id, pkg->id);
    return ops ? clinic_pay_start(cr, sub) : clinic_pay_answer(cr, sub);
}

/* With a provider, the user's payments pending past ClinicPaymentTimeout
 * are settled before they are shown; 0 after answering 503 */
static int sweep(clinic_req_t *cr)
{
    if (clinic_pay_ops(cr->conf)) {
        clinic_pay_sweep(cr, cr->user->id);
        return clinic_db(cr) != NULL;
    }
    return 1;
}

int clinic_h_packages_history(clinic_req_t *cr)
{
    apr_array_header_t *subs;
    cJSON *data, *list;
    int i;

    if (!sweep(cr)) {
        return DONE;
    }
    if (clinic_store_sub_history(&subs, cr->dbd, cr->user->id)
        != APR_SUCCESS) {
        return clinic_send_internal(cr, "history lookup failed");
    }
    data = clinic_json_object(cr->r->pool);
    list = cJSON_AddArrayToObject(data, "history");
    for (i = 0; i < subs->nelts; i++) {
        clinic_json_add_sub(list, NULL, cr->r->pool,
                            &APR_ARRAY_IDX(subs, i, clinic_sub_t),
                            clinic_currency(cr->conf), cr->now);
    }
    return clinic_send_ok(cr, HTTP_OK, data, "Your packages, newest first.");
}

int clinic_h_subscription_get(clinic_req_t *cr)
{
    clinic_sub_t *sub = NULL;
    cJSON *data;

    if (!sweep(cr)) {
        return DONE;
    }
    /* ids are UUIDs; anything longer is no subscription of anyone's */
    if (strlen(cr->param) <= 64
        && clinic_store_sub_of_user(&sub, cr->dbd, cr->param,
                                    cr->user->id) != APR_SUCCESS) {
        return clinic_send_internal(cr, "subscription lookup failed");
    }
    if (!sub) {
        /* another user's is "not found" too: nothing tells them apart */
        return clinic_send_error(cr, HTTP_NOT_FOUND, "SUBSCRIPTION_NOT_FOUND",
                                 "There is no such subscription.", NULL);
    }
    data = clinic_json_object(cr->r->pool);
    clinic_json_add_sub(data, "subscription", cr->r->pool, sub,
                        clinic_currency(cr->conf), cr->now);
    return clinic_send_ok(cr, HTTP_OK, data, "Your subscription.");
}
