/*
 * SPDX-License-Identifier: Apache-2.0
 * config_sms.c: the directives of the send cap's waiting room, read and
 * checked like the others in config.c (a bad value stops configtest with
 * a sentence naming the directive).
 */
#include <apr_strings.h>
#include <apr_lib.h>

#include <httpd.h>
#include <http_config.h>

#include "config.h"

#define QUEUE_TIMEOUT_MAX apr_time_from_sec(60)

const char *clinic_sms_set_queue_timeout(cmd_parms *cmd, void *d,
                                         const char *arg)
{
    apr_interval_time_t t;
    (void)d;

    /* seconds, or a number with ms, s or mi as Apache's own timeouts */
    if (!apr_isdigit(*arg)
        || ap_timeout_parameter_parse(arg, &t, "s") != APR_SUCCESS
        || t < 0 || t > QUEUE_TIMEOUT_MAX) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a time from 0 to 60 "
                            "seconds (2, 500ms).",
                            cmd->directive->directive, arg);
    }
    clinic_conf_of(cmd)->sms_queue_timeout = t;
    return NULL;
}

const char *clinic_sms_set_max_waiting(cmd_parms *cmd, void *d,
                                       const char *arg)
{
    (void)d;
    return clinic_set_int(cmd, &clinic_conf_of(cmd)->sms_max_waiting, arg, 0,
                          10000);
}
