/*
 * SPDX-License-Identifier: Apache-2.0
 * cmd_packages.c: `clinicctl packages list|add|update|activate|deactivate`.
 * Prices are read and written in whole fils (KWD has 1000): "25.5" is
 * 25500 fils, stored as "25.500"; a part of a fils is refused, never
 * rounded.  The module's package list shows a change within
 * CLINIC_PKG_CACHE_SECONDS.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <apr_strings.h>

#include "ctl.h"
#include "ids.h"
#include "store.h"
#include "store_admin.h"
#include "money.h"
#include "validate.h"

#define DESCRIPTION_MAX 1000
#define DAYS_MAX 3650
/* DECIMAL(10,3) on MySQL */
#define PRICE_MAX_FILS APR_INT64_C(9999999999)

static cJSON *package_json(ctl_t *c, const clinic_package_t *k)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "id", k->id);
    cJSON_AddStringToObject(o, "name", k->name);
    ctl_amount(c, o, "price", k->price);
    cJSON_AddNumberToObject(o, "duration", k->duration_days);
    cJSON_AddBoolToObject(o, "isActive", k->is_active);
    cJSON_AddItemToObject(o, "createdAt", ctl_time(c, k->created_at));
    cJSON_AddItemToObject(o, "description", ctl_str(k->description));
    return o;
}

/* the values of --name, --description, --price, --days, into k */
static int package_values(ctl_t *c, clinic_package_t *k, const char *name,
                          const char *description, const char *price,
                          const char *days)
{
    apr_int64_t fils;
    char *end;
    long n;

    if (name && clinic_text_clean(&k->name, c->pool, name, strlen(name),
                                  CLINIC_NAME_MAX) != CLINIC_TEXT_OK) {
        return ctl_fail(CTL_FAILED, "--name must be UTF-8 text without "
                        "control characters, at most %d characters",
                        CLINIC_NAME_MAX);
    }
    if (name && !*k->name) {
        return ctl_fail(CTL_FAILED, "--name must not be empty");
    }
    if (description
        && clinic_text_clean(&k->description, c->pool, description,
                             strlen(description), DESCRIPTION_MAX)
           != CLINIC_TEXT_OK) {
        return ctl_fail(CTL_FAILED, "--description must be UTF-8 text "
                        "without control characters, at most %d characters",
                        DESCRIPTION_MAX);
    }
    if (description && !*k->description) {
        k->description = NULL;
    }
    if (price) {
        /* digits, then at most 3 decimals after a point: "25,500" is no
         * thousands separator here, and no decimal comma either */
        apr_size_t whole = strspn(price, "0123456789");
        apr_size_t frac = price[whole] == '.'
                          ? strspn(price + whole + 1, "0123456789") : 0;
        if (!whole || (price[whole] && (price[whole] != '.' || !frac
                                        || frac > 3
                                        || price[whole + 1 + frac]))
            || clinic_amount_parse(price, &fils) != 0 || fils <= 0
            || fils > PRICE_MAX_FILS) {
            return ctl_fail(CTL_FAILED, "--price is in KWD, digits with at "
                            "most 3 decimals after a point (fils), more than "
                            "0 and at most 9999999.999: \"%s\"", price);
        }
        k->price = clinic_amount_format(c->pool, fils, 3);
    }
    if (days) {
        n = strtol(days, &end, 10);
        if (!*days || *end || n < 1 || n > DAYS_MAX) {
            return ctl_fail(CTL_FAILED, "--days is a whole number of days "
                            "from 1 to %d: \"%s\"", DAYS_MAX, days);
        }
        k->duration_days = (int)n;
    }
    return CTL_OK;
}

static int list(ctl_t *c)
{
    apr_array_header_t *pkgs;
    cJSON *out;
    int i, rc = ctl_db_status(c, clinic_admin_packages(&pkgs, c->d),
                              "listing the packages");

    if (rc != CTL_OK) {
        return rc;
    }
    out = cJSON_CreateArray();
    for (i = 0; i < pkgs->nelts; i++) {
        cJSON_AddItemToArray(out, package_json(c, &APR_ARRAY_IDX(
                                 pkgs, i, clinic_package_t)));
    }
    return ctl_print(c, out);
}

static int add(ctl_t *c, int argc, const char *const *argv)
{
    const char *name = NULL, *description = NULL, *price = NULL,
               *days = NULL;
    int inactive = 0, npos, rc;
    const ctl_opt_t opts[] = {
        { "--name", &name, NULL }, { "--description", &description, NULL },
        { "--price", &price, NULL }, { "--days", &days, NULL },
        { "--inactive", NULL, &inactive }, { NULL, NULL, NULL },
    };
    clinic_package_t k;

    memset(&k, 0, sizeof(k));
    if ((rc = ctl_parse(argc, argv, opts, NULL, 0, &npos)) != CTL_OK) {
        return rc;
    }
    if (!name || !price || !days) {
        return ctl_fail(CTL_USAGE, "packages add needs --name, --price and "
                        "--days");
    }
    if ((rc = package_values(c, &k, name, description, price, days))
        != CTL_OK || (rc = ctl_db_open(c, 0)) != CTL_OK) {
        return rc;
    }
    k.id = clinic_uuid(c->pool);
    k.is_active = !inactive;
    k.created_at = apr_time_sec(apr_time_now());
    if (!k.id) {
        return ctl_fail(CTL_FAILED, "no random bytes for the package's id");
    }
    rc = ctl_db_status(c, clinic_admin_package_add(c->d, &k,
                                                   k.created_at),
                       "adding the package");
    return rc != CTL_OK ? rc : ctl_print(c, package_json(c, &k));
}

static int one(ctl_t *c, clinic_package_t **k, const char *id)
{
    int rc = ctl_db_status(c, clinic_store_package_by_id(k, c->d, id),
                           "reading the package");

    if (rc == CTL_OK && !*k) {
        return ctl_fail(CTL_FAILED, "no package has the id %s "
                        "(clinicctl packages list)", id);
    }
    return rc;
}

/* a write that found no row: the package went meanwhile */
static int gone(ctl_t *c, int found, const char *id)
{
    (void)c;
    if (found) {
        return 0;
    }
    ctl_fail(CTL_FAILED, "no package has the id %s any more", id);
    return 1;
}

static int update(ctl_t *c, int argc, const char *const *argv)
{
    const char *name = NULL, *description = NULL, *price = NULL,
               *days = NULL, *id;
    int no_description = 0, npos, found, rc;
    const ctl_opt_t opts[] = {
        { "--name", &name, NULL }, { "--description", &description, NULL },
        { "--price", &price, NULL }, { "--days", &days, NULL },
        { "--no-description", NULL, &no_description },
        { NULL, NULL, NULL },
    };
    clinic_package_t *k;

    if ((rc = ctl_parse(argc, argv, opts, &id, 1, &npos)) != CTL_OK) {
        return rc;
    }
    if (npos != 1 || !(name || description || price || days
                       || no_description)
        || (description && no_description)) {
        return ctl_fail(CTL_USAGE, "packages update ID needs one or more of "
                        "--name, --price, --days, --description or "
                        "--no-description");
    }
    if ((rc = ctl_db_open(c, 0)) != CTL_OK || (rc = one(c, &k, id))
        != CTL_OK
        || (rc = package_values(c, k, name, description, price, days))
        != CTL_OK) {
        return rc;
    }
    if (no_description) {
        k->description = NULL;
    }
    rc = ctl_db_status(c, clinic_admin_package_update(&found, c->d, k,
                               apr_time_sec(apr_time_now())),
                       "updating the package");
    return rc != CTL_OK ? rc : gone(c, found, id) ? CTL_FAILED
                                                 : ctl_print(c, package_json(c, k));
}

static int set_active(ctl_t *c, int argc, const char *const *argv,
                      int active)
{
    const ctl_opt_t opts[] = { { NULL, NULL, NULL } };
    const char *id;
    clinic_package_t *k;
    int npos, found, rc;

    if ((rc = ctl_parse(argc, argv, opts, &id, 1, &npos)) != CTL_OK) {
        return rc;
    }
    if (npos != 1) {
        return ctl_fail(CTL_USAGE, "packages %s ID",
                        active ? "activate" : "deactivate");
    }
    if ((rc = ctl_db_open(c, 0)) != CTL_OK || (rc = one(c, &k, id))
        != CTL_OK) {
        return rc;
    }
    rc = ctl_db_status(c, clinic_admin_package_set_active(&found, c->d, id, active,
                               apr_time_sec(apr_time_now())),
                       "changing the package");
    k->is_active = active;
    return rc != CTL_OK ? rc : gone(c, found, id) ? CTL_FAILED
                                                 : ctl_print(c, package_json(c, k));
}

int ctl_packages(ctl_t *c, int argc, const char *const *argv)
{
    const char *sub = argc > 0 ? argv[0] : "";

    if (!strcmp(sub, "list") && argc == 1) {
        int rc = ctl_db_open(c, 0);
        return rc != CTL_OK ? rc : list(c);
    }
    if (!strcmp(sub, "add")) {
        return add(c, argc - 1, argv + 1);
    }
    if (!strcmp(sub, "update")) {
        return update(c, argc - 1, argv + 1);
    }
    if (!strcmp(sub, "activate") || !strcmp(sub, "deactivate")) {
        return set_active(c, argc - 1, argv + 1, sub[0] == 'a');
    }
    return ctl_fail(CTL_USAGE, "packages list|add|update|activate|"
                    "deactivate (clinicctl --help)");
}
