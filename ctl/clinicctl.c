/*
 * SPDX-License-Identifier: Apache-2.0
 * clinicctl.c: the command line (docs/clinicctl.8): global options, the
 * command, and the exit status.
 */
#include <stdio.h>
#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "ctl.h"
#include "store.h"
#include "version.h"

static const char usage[] =
"usage: clinicctl [-c FILE [--vhost NAME]] [--driver DRIVER --params PARAMS]\n"
"                 [--schema-dir DIR] [--json] [-v] COMMAND ...\n"
"\n"
"The database: DBDriver, DBDParams and DBDInitSQL of the virtual host in\n"
"FILE (-c), or --driver (mysql, sqlite3) and --params as in DBDParams.\n"
"\n"
"  packages list\n"
"  packages add --name NAME --price KWD --days N [--description TEXT]\n"
"               [--inactive]\n"
"  packages update ID [--name NAME] [--price KWD] [--days N]\n"
"               [--description TEXT | --no-description]\n"
"  packages activate|deactivate ID\n"
"  users show|activate|deactivate PHONE\n"
"  subscriptions show PHONE\n"
"  stats          users, active subscriptions, sends and logins in 24 h,\n"
"                 pending payments\n"
"  cleanup        delete expired codes and old limit slots\n"
"  migrate        create or upgrade the schema (from --schema-dir, default\n"
"                 " CLINICCTL_SCHEMA_DIR ")\n"
"  version\n"
"\n"
"Exit status: 0 done, 1 refused (not found, a bad value), 2 usage,\n"
"3 database (unreachable, wrong schema, an error).\n";

int ctl_parse(int argc, const char *const *argv, const ctl_opt_t *opts,
              const char **pos, int max_pos, int *npos)
{
    int i;

    *npos = 0;
    for (i = 0; i < argc; i++) {
        const ctl_opt_t *o;
        const char *arg = argv[i], *eq = strchr(arg, '=');
        apr_size_t len = eq ? (apr_size_t)(eq - arg) : strlen(arg);

        if (strncmp(arg, "--", 2) || !arg[2]) {
            if (*npos >= max_pos) {
                return ctl_fail(CTL_USAGE, "unexpected argument \"%s\"",
                                arg);
            }
            pos[(*npos)++] = arg;
            continue;
        }
        for (o = opts; o->name; o++) {
            if (strlen(o->name) == len && !strncmp(o->name, arg, len)) {
                break;
            }
        }
        if (!o->name) {
            return ctl_fail(CTL_USAGE, "unknown option %.*s", (int)len, arg);
        }
        if (o->flag) {
            if (eq) {
                return ctl_fail(CTL_USAGE, "%s takes no value", o->name);
            }
            *o->flag = 1;
        }
        else if (eq) {
            *o->value = eq + 1;
        }
        else if (i + 1 < argc) {
            *o->value = argv[++i];
        }
        else {
            return ctl_fail(CTL_USAGE, "%s needs a value", o->name);
        }
    }
    return CTL_OK;
}

/* The global options, anywhere on the line; the rest into *rest */
static int globals(ctl_t *c, int argc, const char *const *argv,
                   apr_array_header_t *rest, int *help, int *version)
{
    int i;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i], **val = NULL;

        if (!strcmp(a, "-c") || !strcmp(a, "--config")) {
            val = &c->config;
        }
        else if (!strcmp(a, "--vhost")) {
            val = &c->vhost;
        }
        else if (!strcmp(a, "--driver")) {
            val = &c->driver;
        }
        else if (!strcmp(a, "--params")) {
            val = &c->params;
        }
        else if (!strcmp(a, "--schema-dir")) {
            val = &c->schema_dir;
        }
        else if (!strcmp(a, "--json")) {
            c->json = 1;
            continue;
        }
        else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            c->verbose = 1;
            continue;
        }
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            *help = 1;
            continue;
        }
        else if (!strcmp(a, "--version")) {
            *version = 1;
            continue;
        }
        else {
            *(const char **)apr_array_push(rest) = a;
            continue;
        }
        if (i + 1 >= argc) {
            return ctl_fail(CTL_USAGE, "%s needs a value", a);
        }
        *val = argv[++i];
    }
    return CTL_OK;
}

typedef struct {
    const char *name;
    int (*run)(ctl_t *c, int argc, const char *const *argv);
} command_t;

static const command_t commands[] = {
    { "packages", ctl_packages }, { "users", ctl_users },
    { "subscriptions", ctl_subscriptions }, { "stats", ctl_stats },
    { "cleanup", ctl_cleanup }, { "migrate", ctl_migrate }, { NULL, NULL },
};

static int run(ctl_t *c, int argc, const char *const *argv)
{
    apr_array_header_t *rest = apr_array_make(c->pool, argc,
                                              sizeof(const char *));
    const command_t *k;
    const char *cmd;
    int help = 0, version = 0, rc;

    if ((rc = globals(c, argc, argv, rest, &help, &version)) != CTL_OK) {
        return rc;
    }
    if (help) {
        fputs(usage, stdout);
        return CTL_OK;
    }
    cmd = rest->nelts ? APR_ARRAY_IDX(rest, 0, const char *) : NULL;
    if (version || (cmd && !strcmp(cmd, "version"))) {
        printf(c->json ? "{\"version\": \"%s\", \"schema\": %d}\n"
                       : "clinicctl %s (schema version %d)\n",
               CLINIC_VERSION, CLINIC_SCHEMA_VERSION);
        return CTL_OK;
    }
    if (!cmd) {
        fputs(usage, stderr);
        return CTL_USAGE;
    }
    for (k = commands; k->name && strcmp(k->name, cmd); k++) {
    }
    if (!k->name) {
        return ctl_fail(CTL_USAGE, "no command %s (clinicctl --help)", cmd);
    }
    if (c->vhost && !c->config) {
        return ctl_fail(CTL_USAGE, "--vhost names a virtual host of the "
                        "file given with -c");
    }
    if (c->config && (rc = ctl_conf_read(c)) != CTL_OK) {
        return rc;
    }
    if (!c->driver || !c->params) {
        return ctl_fail(CTL_USAGE, "which database? -c /etc/apache2/sites-"
                        "available/SITE.conf (the virtual host's file), or "
                        "--driver and --params");
    }
    return k->run(c, rest->nelts - 1,
                  (const char *const *)rest->elts + 1);
}

int main(int argc, const char *const *argv)
{
    ctl_t c;
    int rc;

    apr_app_initialize(&argc, &argv, NULL);
    memset(&c, 0, sizeof(c));
    apr_pool_create(&c.pool, NULL);
    c.schema_dir = CLINICCTL_SCHEMA_DIR;
    rc = run(&c, argc, argv);
    if (c.d) {
        apr_dbd_close(c.d->driver, c.d->handle);
    }
    apr_pool_destroy(c.pool);
    apr_terminate();
    return rc;
}
