/*
 * SPDX-License-Identifier: Apache-2.0
 * ctlrun.h: running clinicctl from the integration tests
 * (test_clinicctl.c, test_ctl_migrate.c).
 */
#ifndef CLINIC_TEST_CTLRUN_H
#define CLINIC_TEST_CTLRUN_H

#include <cjson/cJSON.h>

typedef struct {
    int status;                 /* the exit status */
    char *out, *err;
    cJSON *json;                /* stdout parsed, or NULL */
} ctl_t;

/* clinicctl on the database `db` names (options, or NULL: the harness's
 * db.conf), then the rest of the line: shell words, quoted by the caller */
ctl_t *ctl_on(const char *db, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
#define ctl(...) ctl_on(NULL, __VA_ARGS__)
void ctl_free(ctl_t *c);
/* a number no other test process has: Criterion forks each test, so
 * rand() repeats itself in every one */
int uniq(void);

const char *cstr(const ctl_t *c, const char *key);   /* NULL if absent */
double cnum(const ctl_t *c, const char *key);        /* -1 if absent */
/* asserts the exit status and, unless NULL, a phrase of stderr */
void expect(const ctl_t *c, int status, const char *in_err);
/* the package called name in `packages list --json`, or NULL; the
 * caller deletes it */
cJSON *listed(const char *name);

#endif
