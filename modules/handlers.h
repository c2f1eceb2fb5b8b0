/*
 * SPDX-License-Identifier: Apache-2.0
 * handlers.h: one function per API route, one file per resource.
 */
#ifndef CLINIC_HANDLERS_H
#define CLINIC_HANDLERS_H

#include "request.h"

/* system.c */
int clinic_h_health(clinic_req_t *cr);
int clinic_h_version(clinic_req_t *cr);

/* auth.c */
int clinic_h_send_otp(clinic_req_t *cr);
int clinic_h_verify_otp(clinic_req_t *cr);
int clinic_h_send_phone_change_otp(clinic_req_t *cr);
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

/* user.c */
int clinic_h_profile_get(clinic_req_t *cr);
int clinic_h_profile_put(clinic_req_t *cr);
int clinic_h_phone_put(clinic_req_t *cr);

/* packages.c */
int clinic_h_packages_available(clinic_req_t *cr);
int clinic_h_packages_purchase(clinic_req_t *cr);
int clinic_h_packages_history(clinic_req_t *cr);
int clinic_h_subscription_get(clinic_req_t *cr);

/* payments.c */
int clinic_h_pay_return(clinic_req_t *cr);
int clinic_h_pay_webhook(clinic_req_t *cr);

#endif
