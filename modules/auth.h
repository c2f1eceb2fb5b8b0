/*
 * auth.h: what the login code shares with the other resources.
 */
#ifndef CLINIC_AUTH_H
#define CLINIC_AUTH_H

#include "request.h"

/* Verify code for (phone, purpose, owner) under the attempt rules and
 * consume it, first counting the request under otp-ip when count_ip is
 * set (else the caller has).  OK when it was right and this request used
 * it; DONE after answering the error (429, OTP_NOT_FOUND, OTP_EXPIRED,
 * INVALID_OTP, ...). */
int clinic_otp_check(clinic_req_t *cr, const char *phone, const char *purpose,
                     const char *owner, const char *code, int count_ip);

/* A new token for user (from pool), NULL on failure */
const char *clinic_token_for(clinic_req_t *cr, const clinic_user_t *user);

#endif
