/*
 * SPDX-License-Identifier: Apache-2.0
 * device_req.c: the device token of a request (the optional body field
 * deviceToken / device_token of send-otp and verify-otp), and a fresh one
 * for verify-otp's answer.  The token itself: device.c.
 *
 * A token that is missing, not a string, malformed, forged, signed with a
 * key the ring no longer holds, expired, or made for another number is
 * treated as no token at all: the request counts as a stranger's, as it
 * did before device tokens.  Never an error of its own.
 */
#include <string.h>
#include <apr_strings.h>

#include <httpd.h>

#include "auth.h"
#include "device.h"
#include "json.h"
#include "seclog.h"

const char *const CLINIC_F_DEVICE_TOKEN[] = { "device_token", "deviceToken",
                                              NULL };

const char *clinic_device_of(clinic_req_t *cr, const char *phone)
{
    const cJSON *t = clinic_json_field(cr->body, CLINIC_F_DEVICE_TOKEN, NULL);
    clinic_device_t dev;
    clinic_device_rc rc;

    if (!t || !cJSON_IsString(t) || !*t->valuestring) {
        return NULL;
    }
    rc = clinic_device_verify(&dev, cr->r->pool, t->valuestring,
                              (const clinic_jwt_key_t *)
                              cr->conf->jwt_ring->elts,
                              cr->conf->jwt_ring->nelts, phone, cr->now);
    if (rc != CLINIC_DEVICE_OK) {
        /* not an event fail2ban counts: an old phone's expired token is
         * as likely as a forgery */
        clinic_seclog(cr, "device_token_ignored", phone, NULL,
                      clinic_device_reason(rc));
        return NULL;
    }
    return dev.id;
}

const char *clinic_device_bucket(clinic_req_t *cr, const char *id)
{
    /* numbers start with '+': a device's buckets never meet a number's */
    return apr_pstrcat(cr->r->pool, "dev:", id, NULL);
}

const char *clinic_device_token_for(clinic_req_t *cr, const char *phone,
                                    const char *id)
{
    char fresh[CLINIC_DEVICE_ID_LEN + 1];
    clinic_device_t dev;

    if (!id) {
        if (clinic_device_new_id(fresh) != APR_SUCCESS) {
            return NULL;
        }
        id = fresh;
    }
    dev.id = id;
    dev.phone = phone;
    dev.iat = cr->now;
    dev.exp = cr->now + CLINIC_DEVICE_TTL;
    /* the ring's first key signs, as for bearer tokens */
    return clinic_device_sign(cr->r->pool,
                              &APR_ARRAY_IDX(cr->conf->jwt_ring, 0,
                                             clinic_jwt_key_t), &dev);
}
