/*
 * SPDX-License-Identifier: Apache-2.0
 * sms.h: sending the code by SMS (drivers http, twilio, log).
 */
#ifndef CLINIC_SMS_H
#define CLINIC_SMS_H

#include <httpd.h>
#include "config.h"
#include "sms_driver.h"

/* A driver, registered by its name (ClinicSMSDriver's word) as an httpd
 * provider of CLINIC_SMS_PROVIDER_GROUP, version
 * CLINIC_SMS_PROVIDER_VERSION (the core's clinic_sms_drivers) */
#define CLINIC_SMS_PROVIDER_GROUP "clinic-sms"
#define CLINIC_SMS_PROVIDER_VERSION "0"


/* register_hooks: register every driver this module carries */
void clinic_sms_register_drivers(apr_pool_t *p);

/* The server's driver, the one registered under the configured name */
const clinic_sms_driver_ops *clinic_sms_ops(const clinic_server_conf *c);

/* The send cap of every virtual host, per process */
void clinic_sms_child_init(apr_pool_t *p, server_rec *s);

/* Send code to `to` (+965XXXXXXXX) through the server's driver, in the
 * text of language lang ("en", "ar").
 * APR_SUCCESS when the gateway accepted it (2xx); APR_EBUSY when
 * ClinicSMSMaxConcurrent sends of this process already wait on the
 * gateway and no place freed within ClinicSMSQueueTimeout (or
 * ClinicSMSMaxWaiting sends wait already); anything else is a failure
 * already logged without the code. */
apr_status_t clinic_sms_send(request_rec *r, clinic_server_conf *c,
                             const char *to, const char *code,
                             const char *lang);

/* Would a send be refused at once: ClinicSMSMaxConcurrent sends of this
 * process on the gateway and ClinicSMSMaxWaiting waiting for a place?
 * (Asked before a send spends a limit; clinic_sms_send is what holds
 * the cap and waits.) */
int clinic_sms_saturated(clinic_server_conf *c);

/* One place of the send cap (ClinicSMSMaxConcurrent, its waiting room),
 * for one call of any channel's gateway (WhatsApp's too: whatsapp.c):
 * APR_SUCCESS, at once or after a wait, or APR_EBUSY; given back after
 * the call */
apr_status_t clinic_send_place_take(request_rec *r, clinic_server_conf *c);
void clinic_send_place_give(clinic_server_conf *c);

#endif
