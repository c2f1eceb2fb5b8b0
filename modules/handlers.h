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

/* wa_webhook.c */
int clinic_h_wa_verify(clinic_req_t *cr);
int clinic_h_wa_webhook(clinic_req_t *cr);

#endif
