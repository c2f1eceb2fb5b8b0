/*
 * SPDX-License-Identifier: Apache-2.0
 * store_admin.h: what clinicctl does to a clinic's data that the API does
 * not: every package (on sale or not), adding and changing packages,
 * switching users off and on, and counting.  These statements are
 * prepared by clinicctl only, never by the module's connections.
 */
#ifndef CLINIC_STORE_ADMIN_H
#define CLINIC_STORE_ADMIN_H

#include "store.h"
#include "store_exec.h"

extern const clinic_stmt_set_t clinic_admin_stmts;

/* every package, newest first */
apr_status_t clinic_admin_packages(apr_array_header_t **out, clinic_db_t *d);
/* pkg->id, name, description (or NULL), price ("25.500"), duration_days,
 * is_active */
apr_status_t clinic_admin_package_add(clinic_db_t *d,
                                      const clinic_package_t *pkg,
                                      apr_int64_t now);
/* writes name, description, price and duration_days; *found 0 when no
 * package has the id */
apr_status_t clinic_admin_package_update(int *found, clinic_db_t *d,
                                         const clinic_package_t *pkg,
                                         apr_int64_t now);
apr_status_t clinic_admin_package_set_active(int *found, clinic_db_t *d, const char *id,
                                             int active, apr_int64_t now);
/* switching a user off also ends every token it holds: switched on again,
 * the patient logs in afresh */
apr_status_t clinic_admin_user_set_active(int *found, clinic_db_t *d, const char *id,
                                          int active, apr_int64_t now);

typedef struct {
    apr_int64_t users, active_users;
    apr_int64_t active_subscriptions;   /* completed and not run out */
    apr_int64_t sends, failed_sends;    /* codes made in the last 24 h */
    apr_int64_t logins;                 /* login codes used in 24 h */
    apr_int64_t pending_payments;
} clinic_stats_t;

apr_status_t clinic_admin_stats(clinic_stats_t *out, clinic_db_t *d, apr_int64_t now);

#endif
