/*
 * SPDX-License-Identifier: Apache-2.0
 * config_lang.c: ClinicLanguage, the language answers and codes speak
 * when the client names none, checked like the directives of config.c.
 */
#include <apr_strings.h>

#include <httpd.h>
#include <http_config.h>

#include "config.h"

const char *clinic_lang_set_default(cmd_parms *cmd, void *d, const char *arg)
{
    clinic_lang_t lang;
    (void)d;

    if (!clinic_lang_from_tag(arg, &lang)) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a language of the "
                            "clinic; use en or ar.",
                            cmd->directive->directive, arg);
    }
    clinic_conf_of(cmd)->lang = (int)lang;
    return NULL;
}
