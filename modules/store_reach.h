/*
 * SPDX-License-Identifier: Apache-2.0
 * store_reach.h: taking a connection from mod_dbd, quietly while the
 * database can't be reached (store_reach.c; for store_db.c).
 */
#ifndef CLINIC_STORE_REACH_H
#define CLINIC_STORE_REACH_H

#include <httpd.h>
#include <mod_dbd.h>

typedef ap_dbd_t *clinic_dbd_open_fn(apr_pool_t *p, server_rec *s);

/* A connection from open (mod_dbd's ap_dbd_open): dead pooled ones are
 * thrown away and the next tried; a connection that can't be made marks
 * the database down for this process, and while it is down this answers
 * APR_ECONNREFUSED at once, but for one try a short pause apart.  Logs
 * once a second at most. */
apr_status_t clinic_reach_open(ap_dbd_t **out, request_rec *r,
                               clinic_dbd_open_fn *open);

/* Which database a server's connections go to: mod_dbd's driver and
 * parameters, as a string (a server without them: one of its own). */
const char *clinic_db_key(apr_pool_t *p, server_rec *s);

/* In each child: the virtual hosts whose connections go to one database
 * share one view of it, from the start. */
void clinic_reach_child_init(apr_pool_t *p, server_rec *s);

#endif
