/*
 * SPDX-License-Identifier: Apache-2.0
 * config_pay.c: the payment directives (DESIGN.md), read and checked like
 * the others in config.c: a missing key or URL stops configtest with a
 * sentence naming the directive.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include <httpd.h>
#include <http_config.h>

#include "config.h"

void clinic_pay_conf_init(clinic_server_conf *c)
{
    c->pay_driver = CLINIC_PAY_UNSET;
    c->pay_timeout = -1;
    c->pay_request_timeout = -1;
    c->pay_max_concurrent = -1;
}

#define PICK_PTR(f) c->f = add->f ? add->f : base->f
#define PICK_NUM(f) c->f = add->f != -1 ? add->f : base->f
#define PICK_SECRET(f) c->f = add->f.data ? add->f : base->f

void clinic_pay_conf_merge(clinic_server_conf *c,
                           const clinic_server_conf *base,
                           const clinic_server_conf *add)
{
    PICK_NUM(pay_driver);
    PICK_PTR(pay_url);
    PICK_SECRET(pay_key);
    PICK_SECRET(pay_webhook_secret);
    PICK_PTR(public_url);
    PICK_PTR(pay_return_url);
    PICK_NUM(pay_timeout);
    PICK_NUM(pay_request_timeout);
    PICK_NUM(pay_max_concurrent);
}

/* ClinicPaymentDriver's words, by clinic_pay_driver_t; a driver is
 * registered under its word (pay_drivers.c) */
static const char *const driver_names[] = { "none", "myfatoorah", "tap" };
_Static_assert(sizeof(driver_names) / sizeof(driver_names[0])
               == CLINIC_PAY_TAP + 1, "a name for every driver");

const char *clinic_pay_driver_name(const clinic_server_conf *c)
{
    int driver = clinic_pay_driver(c);

    return driver > CLINIC_PAY_NONE ? driver_names[driver] : NULL;
}

const char *clinic_pay_set_driver(cmd_parms *cmd, void *d, const char *arg)
{
    clinic_server_conf *c = clinic_conf_of(cmd);
    int i;
    (void)d;

    for (i = CLINIC_PAY_NONE; i <= CLINIC_PAY_TAP; i++) {
        if (!strcasecmp(arg, driver_names[i])) {
            c->pay_driver = i;
            return NULL;
        }
    }
    return apr_psprintf(cmd->pool, "%s: unknown driver '%s'; use none, "
                        "myfatoorah or tap.", cmd->directive->directive, arg);
}

/* the URL without trailing slashes */
static const char *trimmed_url(cmd_parms *cmd, const char *arg,
                               const char **err)
{
    char *u;
    apr_size_t n;

    if ((*err = clinic_check_url(cmd, arg))) {
        return NULL;
    }
    u = apr_pstrdup(cmd->pool, arg);
    n = strlen(u);
    while (n > 0 && u[n - 1] == '/') {
        u[--n] = '\0';
    }
    return u;
}

const char *clinic_pay_set_url(cmd_parms *cmd, void *d, const char *arg)
{
    const char *err, *u = trimmed_url(cmd, arg, &err);
    apr_size_t n;
    (void)d;

    if (u) {
        /* the API base, with or without the version the paths carry */
        n = strlen(u);
        if (n > 3 && !strcasecmp(u + n - 3, "/v2")) {
            u = apr_pstrndup(cmd->pool, u, n - 3);
        }
        clinic_conf_of(cmd)->pay_url = u;
    }
    return err;
}

const char *clinic_pay_set_public_url(cmd_parms *cmd, void *d,
                                      const char *arg)
{
    const char *err, *u = trimmed_url(cmd, arg, &err);
    (void)d;

    if (u && strpbrk(u, "?#")) {
        return apr_psprintf(cmd->pool, "%s: give the base URL of this API, "
                            "such as https://api.clinic.example, without a "
                            "query.", cmd->directive->directive);
    }
    if (u) {
        clinic_conf_of(cmd)->public_url = u;
    }
    return err;
}

const char *clinic_pay_set_return_url(cmd_parms *cmd, void *d,
                                      const char *arg)
{
    const char *err = clinic_check_url(cmd, arg);
    (void)d;

    if (!err && strchr(arg, '#')) {
        return apr_psprintf(cmd->pool, "%s: the URL may not hold a "
                            "fragment (#).", cmd->directive->directive);
    }
    if (!err) {
        clinic_conf_of(cmd)->pay_return_url = arg;
    }
    return err;
}

const char *clinic_pay_set_secret(cmd_parms *cmd, void *d, const char *arg)
{
    clinic_server_conf *c = clinic_conf_of(cmd);
    apr_size_t off = (apr_size_t)(apr_uintptr_t)cmd->info;
    (void)d;
    return clinic_read_line_secret(cmd, arg,
                                   (clinic_secret_t *)((char *)c + off),
                                   16);
}

const char *clinic_pay_set_number(cmd_parms *cmd, void *d, const char *arg)
{
    clinic_server_conf *c = clinic_conf_of(cmd);
    apr_size_t off = (apr_size_t)(apr_uintptr_t)cmd->info;
    int *dst = (int *)((char *)c + off);
    (void)d;

    if (dst == &c->pay_timeout) {
        return clinic_set_int(cmd, dst, arg, 1, 7 * 86400);
    }
    if (dst == &c->pay_request_timeout) {
        return clinic_set_int(cmd, dst, arg, 1, 120);
    }
    return clinic_set_int(cmd, dst, arg, 1, 10000);
}

const char *clinic_pay_config_check(apr_pool_t *p, clinic_server_conf *c,
                                    const char *where)
{
    int driver = clinic_pay_driver(c);
    const char *name = clinic_pay_driver_name(c);

    if (driver == CLINIC_PAY_NONE) {
        return NULL;
    }
    if (!c->pay_key.data) {
        return apr_psprintf(p, "mod_clinic: %s %s needs %s for the server "
                            "%s.", CLINIC_D_PAY_DRIVER, name,
                            CLINIC_D_PAY_KEY, where);
    }
    if (driver == CLINIC_PAY_MYFATOORAH && !c->pay_webhook_secret.data) {
        return apr_psprintf(p, "mod_clinic: %s myfatoorah needs %s for the "
                            "server %s.", CLINIC_D_PAY_DRIVER,
                            CLINIC_D_PAY_WEBHOOK_SECRET, where);
    }
    if (!c->public_url || !c->pay_return_url) {
        return apr_psprintf(p, "mod_clinic: %s %s needs %s and %s for the "
                            "server %s.", CLINIC_D_PAY_DRIVER, name,
                            CLINIC_D_PUBLIC_URL, CLINIC_D_PAY_RETURN_URL,
                            where);
    }
    return NULL;
}
