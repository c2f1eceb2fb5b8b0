/*
 * SPDX-License-Identifier: Apache-2.0
 * smstpl.h: SMS templates (pure).
 *
 * ClinicSMSMessage has {code}; ClinicSMSBody has {to}, {message}, {code},
 * each value escaped for the body's content type.  Unknown {words} and
 * lone braces are copied as they are.
 */
#ifndef CLINIC_SMSTPL_H
#define CLINIC_SMSTPL_H

#include <apr_pools.h>

typedef enum {
    CLINIC_ESC_NONE = 0,  /* plain text: values as they are */
    CLINIC_ESC_JSON,      /* inside a JSON string: \" \\ \b \f \n \r \t, other C0 as \u00XX */
    CLINIC_ESC_FORM       /* application/x-www-form-urlencoded: unreserved kept, space as %20, rest %XX */
} clinic_escape_t;

/* Escape from a Content-Type value (case-insensitive, parameters after ';'
 * ignored): "application/json" (and any application/...+json) -> JSON,
 * "application/x-www-form-urlencoded", NULL or empty -> FORM, else NONE. */
clinic_escape_t clinic_tpl_escape_for(const char *content_type);

/* Escape one value */
const char *clinic_tpl_escape(apr_pool_t *p, const char *value,
                              clinic_escape_t esc);

/* Render tpl, replacing {to}, {message} and {code} (any may be NULL, then
 * the placeholder becomes empty) with escaped values. */
const char *clinic_tpl_render(apr_pool_t *p, const char *tpl,
                              clinic_escape_t esc, const char *to,
                              const char *message, const char *code);

#endif
