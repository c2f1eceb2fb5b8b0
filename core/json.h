/*
 * SPDX-License-Identifier: Apache-2.0
 * json.h: the API.md envelope and object shapes (pure: cJSON, APR pools).
 *
 * cJSON trees made here are tied to a pool (a cleanup deletes them), so no
 * path leaks one.  Objects are built in place under a parent that the
 * caller owns; the envelope refers to the data tree without taking it.
 */
#ifndef CLINIC_JSON_H
#define CLINIC_JSON_H

#include <apr_pools.h>
#include <cjson/cJSON.h>
#include "model.h"

/* A new empty object or array whose lifetime is the pool's. */
cJSON *clinic_json_object(apr_pool_t *p);
cJSON *clinic_json_array(apr_pool_t *p);

/* The whole envelope as text (from p).  data and details may be NULL. */
const char *clinic_envelope_ok(apr_pool_t *p, const cJSON *data,
                               const char *message);
const char *clinic_envelope_error(apr_pool_t *p, const char *code,
                                  const char *message, const cJSON *details);

/* value written for the inside of a JSON string (the caller supplies
 * the quotes): \" \\ \b \f \n \r \t, other bytes below 0x20 as \u00XX,
 * everything else (UTF-8 included) copied as it is; from p.  NULL gives
 * "". */
const char *clinic_json_escape(apr_pool_t *p, const char *value);

typedef enum {
    CLINIC_BODY_OK = 0,
    CLINIC_BODY_BAD_UTF8,    /* bytes that are not UTF-8 */
    CLINIC_BODY_NUL,         /* a NUL byte, raw or as \u0000 */
    CLINIC_BODY_NOT_JSON,    /* does not parse */
    CLINIC_BODY_NOT_OBJECT,  /* parses, but is not an object */
    CLINIC_BODY_DUPLICATE_KEY  /* an object names a member twice */
} clinic_body_rc;

/* Check and parse a request body; on CLINIC_BODY_OK *out is a pool-tied
 * object.  An empty body (len 0) parses as an empty object. */
clinic_body_rc clinic_json_parse_body(cJSON **out, apr_pool_t *p,
                                      const char *buf, apr_size_t len);
/* The same for JSON a payment provider wrote: its names are its own, so
 * only a name given twice exactly is a duplicate. */
clinic_body_rc clinic_json_parse_foreign(cJSON **out, apr_pool_t *p,
                                         const char *buf, apr_size_t len);

/* The first member of obj named by one of names (NULL-terminated list of
 * aliases, e.g. {"phone_number", "phoneNumber", NULL}); *used (when not
 * NULL) gets the alias found, or names[0] when none is present. */
const cJSON *clinic_json_field(const cJSON *obj, const char *const *names,
                               const char **used);

/* o.key = v, a whole number (cheaper than cJSON_AddNumberToObject) */
cJSON *clinic_json_add_int(cJSON *o, const char *key, apr_int64_t v);

/* Price text as stored ("25.500", "25.5", "7") as JSON number text with at
 * most 3 decimals and no trailing zeros ("25.5", "7"); NULL if malformed. */
const char *clinic_price_json(apr_pool_t *p, const char *decimal);

/* Add API.md objects under parent: a named member when parent is an
 * object and key is not NULL, else appended to the array parent.
 * now is the response time; currency comes from configuration. */
cJSON *clinic_json_add_package(cJSON *parent, const char *key, apr_pool_t *p,
                               const clinic_package_t *pkg,
                               const char *currency);
cJSON *clinic_json_add_sub(cJSON *parent, const char *key, apr_pool_t *p,
                           const clinic_sub_t *sub, const char *currency,
                           apr_int64_t now);
/* active may be NULL (then "activePackage": null) */
cJSON *clinic_json_add_user(cJSON *parent, const char *key, apr_pool_t *p,
                            const clinic_user_t *u, const clinic_sub_t *active,
                            const char *currency, apr_int64_t now);

#endif
