/*
 * SPDX-License-Identifier: Apache-2.0
 * store_db.h: the module's database connections (store_db.c), the glue
 * between mod_dbd and the store: statements registered with mod_dbd, a
 * pooled connection taken for the time a request's statements run and
 * handed to the store as a clinic_db_t (store.h).
 */
#ifndef CLINIC_STORE_DB_H
#define CLINIC_STORE_DB_H

#include <httpd.h>

#include "store.h"
#include "req_env.h"

/* Look up mod_dbd's functions; NULL or a sentence saying mod_dbd is
 * missing. */
const char *clinic_store_init(void);

/* Hook mod_dbd's post_connect, so a failed open can tell a dead pooled
 * connection from a database that can't be reached (store_reach.c) */
void clinic_store_register_hooks(apr_pool_t *p);

/* Per child: find the MySQL client library's mysql_options, if loaded */
void clinic_store_child_init(apr_pool_t *p, server_rec *s);

/* Register every statement, once per database configuration, for the
 * servers that use the clinic (before mod_dbd's post_config). */
void clinic_store_prepare(apr_pool_t *ptemp, server_rec *s);

/* Take a pooled connection whose schema is current (ap_dbd_open), and
 * give it back as soon as its statements have run (clinic_store_close).
 * Failures are logged; the request should answer 503. */
apr_status_t clinic_store_open(clinic_db_t **out, request_rec *r);
void clinic_store_close(request_rec *r, clinic_db_t *d);

/* A request's connection (clinic_req_t, request.h) */
typedef struct clinic_req_t clinic_req_t;

/* The database connection, taken from the pool on first use, or NULL
 * after answering 503 when the database can't be reached or its schema
 * is missing or old.  clinic_db_release gives it back before anything
 * slow (an SMS call); the request's end gives it back in any case. */
clinic_db_t *clinic_db(clinic_req_t *cr);
/* The same, answering nothing on failure */
clinic_db_t *clinic_db_quiet(clinic_req_t *cr);
void clinic_db_release(clinic_req_t *cr);

#endif
