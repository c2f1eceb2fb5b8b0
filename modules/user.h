/*
 * SPDX-License-Identifier: Apache-2.0
 * user.h: applying profile fields, shared by PUT /api/user/profile and
 * the user_info of a purchase.
 */
#ifndef CLINIC_USER_H
#define CLINIC_USER_H

#include "request.h"

/* Validate name / national_id in obj and store them for cr->user.
 * *present counts the fields given.  OK, or DONE after answering
 * 400 VALIDATION_ERROR (details keyed by the names sent) or 500. */
int clinic_profile_apply(clinic_req_t *cr, const cJSON *obj, int *present);

/* Reload cr->user after a write changed it.  OK, or DONE (500 sent). */
int clinic_profile_reload(clinic_req_t *cr);

#endif
