/*
 * SPDX-License-Identifier: Apache-2.0
 * store_stmts.c: every table file's statements, the list a connection
 * prepares (the module's in store_db.c, clinicctl's in ctl/ctldb.c).  On
 * its own, above the table files, so that running a statement
 * (store_exec.c) never depends on the files whose statements it runs.
 */
#include "store_exec.h"

const clinic_stmt_set_t *const clinic_stmt_sets[CLINIC_N_STMT_SETS] = {
    &clinic_user_stmts, &clinic_code_stmts, &clinic_package_stmts,
    &clinic_payment_stmts, &clinic_count_stmts, &clinic_wa_stmts,
};
