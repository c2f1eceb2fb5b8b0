/*
 * SPDX-License-Identifier: Apache-2.0
 * whatsapp.h: sending the code by WhatsApp (the core's drivers,
 * wa_driver.h), with the send cap SMS sends share.
 */
#ifndef CLINIC_WHATSAPP_H
#define CLINIC_WHATSAPP_H

#include <httpd.h>
#include "config.h"
#include "wa_driver.h"

/* A driver, registered by its name as an httpd provider of
 * CLINIC_WA_PROVIDER_GROUP, version CLINIC_WA_PROVIDER_VERSION; the one
 * the module uses is CLINIC_WA_DRIVER */
#define CLINIC_WA_PROVIDER_GROUP "clinic-whatsapp"
#define CLINIC_WA_PROVIDER_VERSION "0"
#define CLINIC_WA_DRIVER "cloud"

/* register_hooks: register every WhatsApp driver this module carries */
void clinic_wa_register_drivers(apr_pool_t *p);

/* post_config: the warnings of a virtual host whose WhatsApp statuses
 * can't be believed (no ClinicWhatsAppAppSecretFile, so no later
 * fallback) or whose API URL is plain http */
void clinic_wa_post_config(server_rec *s);
/* The same warnings at once (configtest, which stops before post_config) */
void clinic_wa_warn(server_rec *s);

/* Send code to `to` (+965XXXXXXXX) in the authentication template of
 * language lang ("en", "ar"), holding a place of the send cap for the
 * call.  APR_SUCCESS once WhatsApp accepted it (out->wamid); APR_EBUSY
 * when the cap had no place; APR_TIMEUP when the API did not answer in
 * ClinicWhatsAppTimeout; anything else a refusal or a failure (out:
 * what the API said), already logged without the code. */
apr_status_t clinic_wa_send(request_rec *r, clinic_server_conf *c,
                            const char *to, const char *code,
                            const char *lang, clinic_wa_result_t *out);

#endif
