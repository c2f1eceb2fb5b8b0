/*
 * SPDX-License-Identifier: Apache-2.0
 * budget.h: ClinicSMSDailyLimit, the SMS bill's cap (budget.c).
 */
#ifndef CLINIC_BUDGET_H
#define CLINIC_BUDGET_H

#include "request.h"

/* Count one send against the virtual host's daily limit, before the
 * gateway is called.  OK to send, or DONE once answered (503
 * SMS_BUDGET_EXHAUSTED, or 503/500 when the database failed). */
int clinic_budget_take(clinic_req_t *cr);

/* the count that is 80 % of a limit (rounded up, at least 1) */
int clinic_budget_mark(int limit);

#endif
