/*
 * SPDX-License-Identifier: Apache-2.0
 * fields.h: request field names (every alias API.md accepts) and the
 * readers that answer VALIDATION_ERROR keyed by the name the client sent.
 */
#ifndef CLINIC_FIELDS_H
#define CLINIC_FIELDS_H

#include "request.h"

extern const char *const CLINIC_F_PHONE[];
extern const char *const CLINIC_F_NEW_PHONE[];
extern const char *const CLINIC_F_CODE[];       /* verify-otp */
extern const char *const CLINIC_F_OTP_CODE[];   /* PUT /api/user/phone */
extern const char *const CLINIC_F_PURPOSE[];
extern const char *const CLINIC_F_NAME[];
extern const char *const CLINIC_F_NATIONAL_ID[];
extern const char *const CLINIC_F_PACKAGE_ID[];
extern const char *const CLINIC_F_USER_INFO[];

/* A required phone number, normalised; OK or DONE (400 answered). */
int clinic_field_phone(clinic_req_t *cr, const char *const *names,
                       const char **out);
/* A required 5-digit code; OK or DONE. */
int clinic_field_code(clinic_req_t *cr, const char *const *names,
                      const char **out);

#endif
