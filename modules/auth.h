/*
 * SPDX-License-Identifier: Apache-2.0
 * auth.h: what the login code shares with the other resources.
 */
#ifndef CLINIC_AUTH_H
#define CLINIC_AUTH_H

#include "request.h"

/* The request's bearer token, verified once per request: a clinic_jwt_rc
 * (claims in cr->claims when CLINIC_JWT_OK), or -1 when there is none. */
int clinic_bearer(clinic_req_t *cr);
/* Load the user of a token whose signature is good into cr->user: OK,
 * or not OK with the reason in cr->refused (nothing is sent). */
int clinic_auth_load(clinic_req_t *cr);
/* Answer the request's token as refused: 401 (signature, claims, user
 * unknown or changed), 403 (inactive), 503/500 (database). */
int clinic_auth_refuse(clinic_req_t *cr);
/* OK when the token's user is live (cr->user), else the answer sent. */
int clinic_auth_token(clinic_req_t *cr);

/* Verify code for (phone, purpose, owner) under the attempt rules and
 * consume it, first counting the request under otp-ip when count_ip is
 * set (else the caller has).  OK when it was right and this request used
 * it; DONE after answering the error (429, OTP_NOT_FOUND, OTP_EXPIRED,
 * INVALID_OTP, ...). */
int clinic_otp_check(clinic_req_t *cr, const char *phone, const char *purpose,
                     const char *owner, const char *code, int count_ip);

/* The same, the guess budget counted as the device's (device_req.c's id)
 * when device is set, else as the number's, shared by all strangers */
int clinic_otp_check_device(clinic_req_t *cr, const char *phone,
                            const char *purpose, const char *owner,
                            const char *code, int count_ip,
                            const char *device);

/* device_req.c: the device id of the request's deviceToken when it is
 * valid for phone, else NULL (an invalid token is ignored, and logged) */
const char *clinic_device_of(clinic_req_t *cr, const char *phone);
/* the key of a device's own budgets ("dev:<id>") */
const char *clinic_device_bucket(clinic_req_t *cr, const char *id);
/* a device token for phone with id (a fresh id when NULL), NULL on
 * failure */
const char *clinic_device_token_for(clinic_req_t *cr, const char *phone,
                                    const char *id);

/* A new token for user (from pool), NULL on failure */
const char *clinic_token_for(clinic_req_t *cr, const clinic_user_t *user);

#endif
