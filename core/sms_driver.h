/*
 * SPDX-License-Identifier: Apache-2.0
 * sms_driver.h: the interface of an SMS driver, and the drivers this
 * module carries (sms_drivers.c: http, twilio, log).  A driver builds its
 * gateway's request from its settings and sends one message; it knows no
 * httpd.  The glue (modules/sms.c) registers each by name as an httpd
 * provider, picks the one ClinicSMSDriver names, holds the send cap and
 * counts.  Adding a driver: a file of its own and a line in the glue's
 * registration; nothing else changes.
 */
#ifndef CLINIC_SMS_DRIVER_H
#define CLINIC_SMS_DRIVER_H

#include <apr_tables.h>

#include "env.h"
#include "http.h"
#include "otp.h"            /* clinic_secret_t */

/* What a driver is configured with (the ClinicSMS* and ClinicTwilio*
 * directives) */
typedef struct {
    const char *url;                 /* ClinicSMSURL */
    const char *body;                /* ClinicSMSBody, NULL: the default */
    apr_array_header_t *headers;     /* const char * "Name: value" */
    int timeout;                     /* seconds, the whole call */
    const char *twilio_sid;
    const clinic_secret_t *twilio_token;
    const char *twilio_from;
} clinic_sms_settings_t;

typedef struct {
    const char *name;   /* ClinicSMSDriver's word */
    int calls_out;      /* calls a gateway: holds a place of the send cap */
    /* send message (the code's text) to `to`: APR_SUCCESS when the
     * gateway accepted it (2xx), else a failure already logged without
     * the code */
    apr_status_t (*send)(const clinic_env_t *env,
                         const clinic_sms_settings_t *s, const char *to,
                         const char *message, const char *code);
} clinic_sms_driver_ops;

/* The drivers this module carries (registered by modules/sms.c) */
extern const clinic_sms_driver_ops clinic_sms_http, clinic_sms_twilio,
                                   clinic_sms_log;

/* For the drivers: POST q to the gateway; APR_SUCCESS on a 2xx answer,
 * else a failure, logged */
apr_status_t clinic_sms_gateway_call(const clinic_env_t *env,
                                     const clinic_http_req_t *q);

#endif
