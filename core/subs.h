/*
 * SPDX-License-Identifier: Apache-2.0
 * subs.h: the rules of a subscription (model.h's clinic_sub_t), apart
 * from how it is stored or written out.
 */
#ifndef CLINIC_SUBS_H
#define CLINIC_SUBS_H

#include "model.h"

/* 1 when the subscription counts as active at now */
int clinic_sub_is_active(const clinic_sub_t *sub, apr_int64_t now);

#endif
