/*
 * SPDX-License-Identifier: Apache-2.0
 * ctl.h: clinicctl, the clinic's command-line tool (docs/clinicctl.8).
 * It runs the module's store code (modules/store_*.c) on a connection it
 * opens itself with apr_dbd, without httpd: the store takes a clinic_db_t
 * (store.h) whose log callback is clinicctl's.
 */
#ifndef CLINIC_CTL_H
#define CLINIC_CTL_H

#include <apr_pools.h>
#include <apr_dbd.h>
#include <cjson/cJSON.h>

#include "env.h"
#include "store.h"

#include "store_exec.h"

/* exit statuses */
#define CTL_OK 0
#define CTL_FAILED 1        /* refused: not found, bad value, a conflict */
#define CTL_USAGE 2         /* the command line is wrong */
#define CTL_DB 3            /* no database, the wrong schema, a DB error */

#ifndef CLINICCTL_SCHEMA_DIR
#define CLINICCTL_SCHEMA_DIR "/usr/share/libapache2-mod-clinic/schema"
#endif

typedef struct {
    apr_pool_t *pool;
    clinic_env_t env;           /* the store's pool and log */
    clinic_db_t *d;             /* open after ctl_db_open */
    int json;                   /* --json */
    int verbose;                /* -v: the store's messages too */
    const char *config;         /* -c FILE */
    const char *vhost;          /* --vhost NAME */
    const char *driver;         /* DBDriver */
    const char *params;         /* DBDParams */
    apr_array_header_t *init_sql;   /* DBDInitSQL, in order (const char *) */
    const char *schema_dir;
    const char *db_error;       /* the last database error, for messages */
} ctl_t;

/* "clinicctl: <message>" on standard error, cleaned as table cells are
 * (a database's error can quote stored text); returns status */
int ctl_fail(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ctlfile.c: SQLite, the database file: there (unless may_create), not
 * a symbolic link; as root, become whom the folder says (see there) and
 * look again.  CTL_OK or CTL_DB after saying why. */
int ctl_sqlite_file(ctl_t *c, int may_create);

/* ctlconf.c: DBDriver, DBDParams, DBDInitSQL of the virtual host in
 * c->config; CTL_OK or a status after saying why */
int ctl_conf_read(ctl_t *c);

/* ctldb.c: connect, prepare every statement and check the schema's
 * version (not when for_migrate: then c->d->prepared is empty) */
int ctl_db_open(ctl_t *c, int for_migrate);
/* prepare st under its label: CTL_OK, or CTL_DB (said why unless quiet) */
int ctl_db_prepare(ctl_t *c, const clinic_stmt_t *st, int quiet);
/* the schema is the version needed and every statement prepares */
int ctl_db_ready(ctl_t *c);
/* the status for a store call's result, after saying what failed */
int ctl_db_status(ctl_t *c, apr_status_t rv, const char *what);
/* run one statement of a schema file; 0 or the driver's error */
int ctl_db_exec(ctl_t *c, const char *sql);

/* out.c: print a result and free it: --json prints it as it is; else an
 * array of objects is a table (columns in the first object's order), an
 * object "key  value" lines */
int ctl_print(ctl_t *c, cJSON *v);
/* s with what a terminal would act on (C0, DEL, C1, bidi controls) and
 * bytes that are not UTF-8 replaced by U+FFFD, into out, which has room
 * for 3 * strlen(s) + 1 bytes */
void ctl_clean(const char *s, char *out);
/* values shared by the commands */
cJSON *ctl_time(ctl_t *c, apr_int64_t t);      /* ISO 8601, null for 0 */
cJSON *ctl_str(const char *s);                  /* null for NULL */
/* key: the stored decimal as "25.500", keyFils: 25500 (null when it is
 * not an amount) */
void ctl_amount(ctl_t *c, cJSON *o, const char *key, const char *decimal);

/* A command's options: "--name VALUE", "--name=VALUE", or a flag
 * ("--name" alone, when flag is set); the rest are positional, at most
 * max_pos of them.  CTL_OK or CTL_USAGE after saying why. */
typedef struct {
    const char *name;
    const char **value;
    int *flag;
} ctl_opt_t;
int ctl_parse(int argc, const char *const *argv, const ctl_opt_t *opts,
              const char **pos, int max_pos, int *npos);

/* the commands: argv after the command's name */
int ctl_packages(ctl_t *c, int argc, const char *const *argv);
int ctl_users(ctl_t *c, int argc, const char *const *argv);
int ctl_subscriptions(ctl_t *c, int argc, const char *const *argv);
int ctl_stats(ctl_t *c, int argc, const char *const *argv);
int ctl_cleanup(ctl_t *c, int argc, const char *const *argv);
int ctl_migrate(ctl_t *c, int argc, const char *const *argv);

#endif
