/*
 * SPDX-License-Identifier: Apache-2.0
 * ids.h: the ids the module makes for its rows.
 */
#ifndef CLINIC_IDS_H
#define CLINIC_IDS_H

#include <apr_pools.h>

/* a fresh random UUID (v4) */
const char *clinic_uuid(apr_pool_t *p);

#endif
