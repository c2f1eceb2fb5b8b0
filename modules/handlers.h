/*
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
/* Check the bearer token's signature and claims (no database); OK, or
 * the 401 already answered. */
int clinic_auth_signature(clinic_req_t *cr);
/* Load the signed token's user (cr->user); OK, or the status already
 * answered (401/403/503/500). */
int clinic_auth_user(clinic_req_t *cr);
/* Both of the above. */
int clinic_auth_token(clinic_req_t *cr);

/* user.c */
int clinic_h_profile_get(clinic_req_t *cr);
int clinic_h_profile_put(clinic_req_t *cr);
int clinic_h_phone_put(clinic_req_t *cr);

/* packages.c */
int clinic_h_packages_available(clinic_req_t *cr);
int clinic_h_packages_purchase(clinic_req_t *cr);
int clinic_h_packages_history(clinic_req_t *cr);

#endif
