/*
 * SPDX-License-Identifier: Apache-2.0
 * config_keys.c: the key rings of ClinicJWTSecretFile and
 * ClinicOTPSecretFile.
 *
 * Each directive may be given several times (or name several files on one
 * line): the first key signs tokens or hashes new codes, every key
 * verifies.  A virtual host's own lines replace the main server's ring, as
 * any directive does.  Without ClinicOTPSecretFile the code keys are
 * derived from the token keys, one for one, so the code ring follows the
 * token ring: a code stored under the old signer's code key still checks
 * once a new token key signs.
 */
#include <string.h>
#include <apr_strings.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

#include "config.h"
#include "otp.h"

APLOG_USE_MODULE(clinic);

void clinic_keys_conf_init(apr_pool_t *p, clinic_server_conf *c)
{
    c->jwt_files = apr_array_make(p, 2, sizeof(clinic_secret_t));
    c->jwt_ring = apr_array_make(p, 2, sizeof(clinic_jwt_key_t));
    c->otp_files = apr_array_make(p, 2, sizeof(clinic_secret_t));
}

void clinic_keys_conf_merge(clinic_server_conf *c,
                            const clinic_server_conf *base,
                            const clinic_server_conf *add)
{
    const clinic_server_conf *jwt = add->jwt_ring->nelts ? add : base;

    c->jwt_files = jwt->jwt_files;
    c->jwt_ring = jwt->jwt_ring;
    c->jwt_key = jwt->jwt_key;
    c->otp_files = add->otp_files->nelts ? add->otp_files : base->otp_files;
    /* completed by clinic_keys_check, from the merged lines */
    c->otp_ring = NULL;
    memset(&c->otp_key, 0, sizeof(c->otp_key));
}

/* Read one key file into ring (the server's own lines), refusing a key
 * given twice; *added is the new entry. */
static const char *add_key(cmd_parms *cmd, const char *arg,
                           apr_array_header_t *ring, clinic_secret_t **added)
{
    clinic_secret_t s;
    const char *err;
    int i;

    if (ring->nelts >= CLINIC_KEYS_MAX) {
        return apr_psprintf(cmd->pool, "%s: at most %d keys per server.",
                            cmd->directive->directive, CLINIC_KEYS_MAX);
    }
    if ((err = clinic_read_secret(cmd, arg, &s, CLINIC_KEY_MIN)) != NULL) {
        return err;
    }
    for (i = 0; i < ring->nelts; i++) {
        const clinic_secret_t *o = &APR_ARRAY_IDX(ring, i, clinic_secret_t);

        if (o->len == s.len && !memcmp(o->data, s.data, s.len)) {
            return apr_psprintf(cmd->pool, "%s: '%s' holds the same key as "
                                "'%s'; give each key once.",
                                cmd->directive->directive, s.file, o->file);
        }
    }
    *added = apr_array_push(ring);
    **added = s;
    return NULL;
}

const char *clinic_keys_set_jwt(cmd_parms *cmd, void *d, const char *arg)
{
    clinic_server_conf *c = clinic_conf_of(cmd);
    clinic_jwt_key_t *k;
    clinic_secret_t *s;
    const char *err;
    (void)d;

    if ((err = add_key(cmd, arg, c->jwt_files, &s)) != NULL) {
        return err;
    }
    k = apr_array_push(c->jwt_ring);
    if (clinic_jwt_key_init(k, cmd->pool, s->data, s->len) != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "%s: cannot compute the key id of "
                            "'%s'.", cmd->directive->directive, s->file);
    }
    if (c->jwt_ring->nelts == 1) {
        c->jwt_key = *s;
    }
    return NULL;
}

const char *clinic_keys_set_otp(cmd_parms *cmd, void *d, const char *arg)
{
    clinic_server_conf *c = clinic_conf_of(cmd);
    clinic_secret_t *s;
    (void)d;

    return add_key(cmd, arg, c->otp_files, &s);
}

/* The code ring: the ClinicOTPSecretFile keys, else one derived from each
 * token key, in the same order. */
static const char *code_ring(apr_pool_t *p, clinic_server_conf *c)
{
    int i;

    if (c->otp_files->nelts) {
        c->otp_ring = c->otp_files;
        return NULL;
    }
    c->otp_ring = apr_array_make(p, c->jwt_files->nelts,
                                 sizeof(clinic_secret_t));
    for (i = 0; i < c->jwt_files->nelts; i++) {
        const clinic_secret_t *j = &APR_ARRAY_IDX(c->jwt_files, i,
                                                  clinic_secret_t);
        clinic_secret_t *o = apr_array_push(c->otp_ring);

        o->data = apr_palloc(p, 32);
        o->len = 32;
        o->file = NULL;
        if (clinic_otp_derive_key(o->data, j->data, j->len) != APR_SUCCESS) {
            return "mod_clinic: cannot derive the OTP key.";
        }
    }
    return NULL;
}

const char *clinic_keys_check(apr_pool_t *p, clinic_server_conf *c,
                              const char *where)
{
    const char *err;
    int i;

    if (!c->jwt_ring->nelts) {
        return apr_psprintf(p, "mod_clinic: %s is required for the server "
                            "%s: name a file holding at least 32 random "
                            "bytes.", CLINIC_D_JWT_SECRET, where);
    }
    if ((err = code_ring(p, c)) != NULL) {
        return err;
    }
    c->otp_key = APR_ARRAY_IDX(c->otp_ring, 0, clinic_secret_t);
    for (i = 0; i < c->jwt_ring->nelts; i++) {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, c->server, "CLINIC0660: %s: "
                     "token key %s (%s) %s", where,
                     APR_ARRAY_IDX(c->jwt_ring, i, clinic_jwt_key_t).kid,
                     APR_ARRAY_IDX(c->jwt_files, i, clinic_secret_t).file,
                     i ? "verifies" : "signs and verifies");
    }
    return NULL;
}
