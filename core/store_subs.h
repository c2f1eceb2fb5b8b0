/*
 * SPDX-License-Identifier: Apache-2.0
 * store_subs.h: the package and subscription rows, shared by
 * store_packages.c (buying, history), store_payments.c (the provider's
 * payment) and store_admin.c (clinicctl).  Store files only.
 */
#ifndef CLINIC_STORE_SUBS_H
#define CLINIC_STORE_SUBS_H

#include "model.h"
#include "store_exec.h"

/* a subscription joined with its package; its price is what was charged
 * (amount), the package's for rows bought before payments existed */
#define CLINIC_SUB_COLS \
    "up.id, up.package_id, p.name, p.description, " \
    "COALESCE(up.amount, p.price), " CLINIC_TXT("p.duration_days") ", " \
    CLINIC_TXT("p.is_active") ", " CLINIC_TXT("p.created_at") ", " \
    CLINIC_TXT("up.purchased_at") ", " CLINIC_TXT("up.expires_at") ", " \
    "up.payment_status, up.user_id, " CLINIC_TXT("up.created_at") ", " \
    "up.currency, up.pay_provider, up.pay_ref, up.pay_url, " \
    CLINIC_TXT("up.pay_expires_at")
#define CLINIC_SUB_SELECT \
    "SELECT " CLINIC_SUB_COLS " " \
    "FROM user_packages up JOIN packages p ON p.id = up.package_id "

void clinic_sub_from(clinic_sub_t *s, clinic_row_t v);

/* a package's columns, read by clinic_package_from */
#define CLINIC_PKG_COLS "id, name, description, price, " \
    CLINIC_TXT("duration_days") ", " CLINIC_TXT("is_active") ", " \
    CLINIC_TXT("created_at")
void clinic_package_from(clinic_package_t *k, clinic_row_t v);
/* the packages a CLINIC_PKG_COLS statement without parameters selects */
apr_status_t clinic_packages_select(apr_array_header_t **out,
                                    clinic_db_t *d,
                                    const clinic_stmt_t *st);

/* the first row of a CLINIC_SUB_SELECT statement, *out NULL when none */
apr_status_t clinic_sub_one(clinic_sub_t **out, clinic_db_t *d,
                            const clinic_stmt_t *st, int nargs,
                            const char **args);

#endif
