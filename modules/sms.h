/*
 * sms.h: sending the code by SMS (drivers http, twilio, log).
 */
#ifndef CLINIC_SMS_H
#define CLINIC_SMS_H

#include <httpd.h>
#include "config.h"

/* curl_global_init, once per process */
void clinic_sms_child_init(apr_pool_t *p, server_rec *s);

/* Send code to `to` (+965XXXXXXXX) through the server's driver.
 * APR_SUCCESS when the gateway accepted it (2xx); anything else is a
 * failure already logged without the code. */
apr_status_t clinic_sms_send(request_rec *r, const clinic_server_conf *c,
                             const char *to, const char *code);

#endif
