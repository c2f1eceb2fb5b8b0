/*
 * SPDX-License-Identifier: Apache-2.0
 * background.h: the work that must not wait for traffic (DESIGN.md,
 * "Running it for years"), run by mod_watchdog every
 * ClinicBackgroundInterval seconds for each server that uses the clinic:
 * pending payments past ClinicPaymentTimeout are settled, and codes and
 * limit slots past their keeping time are deleted, in bounded batches.
 */
#ifndef CLINIC_BACKGROUND_H
#define CLINIC_BACKGROUND_H

#include <httpd.h>

/* check_config: find mod_watchdog's functions; NULL, or a sentence
 * saying mod_watchdog is missing */
const char *clinic_bg_init(void);

/* post_config: one watchdog callback per server that uses the clinic */
apr_status_t clinic_bg_post_config(apr_pool_t *pconf, server_rec *s);

/* child_init: the child's own set-up is done (curl, the database
 * library): the callbacks may work from now on */
void clinic_bg_child_init(apr_pool_t *p, server_rec *s);

#endif
