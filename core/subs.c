/*
 * SPDX-License-Identifier: Apache-2.0
 * subs.c: the rules of a subscription (see subs.h).
 */
#include <string.h>

#include "subs.h"

int clinic_sub_is_active(const clinic_sub_t *sub, apr_int64_t now)
{
    return sub->expires_at > now
        && strcmp(sub->payment_status, "completed") == 0;
}
