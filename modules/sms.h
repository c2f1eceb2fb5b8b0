/*
 * sms.h: sending the code by SMS (drivers http, twilio, log).
 */
#ifndef CLINIC_SMS_H
#define CLINIC_SMS_H

#include <httpd.h>
#include "config.h"

/* Send code to `to` (+965XXXXXXXX) through the server's driver.
 * APR_SUCCESS when the gateway accepted it (2xx); APR_EBUSY when
 * ClinicSMSMaxConcurrent sends of this process already wait on the
 * gateway; anything else is a failure already logged without the code. */
apr_status_t clinic_sms_send(request_rec *r, clinic_server_conf *c,
                             const char *to, const char *code);

/* Are ClinicSMSMaxConcurrent sends of this process waiting on the gateway
 * already?  (Asked before a send spends a limit; clinic_sms_send is what
 * holds the cap.) */
int clinic_sms_saturated(clinic_server_conf *c);

#endif
