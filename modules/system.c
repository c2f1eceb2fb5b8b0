/*
 * SPDX-License-Identifier: Apache-2.0
 * system.c: GET /api/health and GET /api/version.
 */
#include <httpd.h>
#include "handlers.h"
#include "json.h"
#include "store_db.h"
#include "version.h"

int clinic_h_health(clinic_req_t *cr)
{
    cJSON *data;
    clinic_db_t *d;

    /* clinic_db answers 503 itself when the database is unreachable; a
     * real prepared statement proves what the routes will see */
    if (!(d = clinic_db(cr))) {
        return DONE;
    }
    if (clinic_store_ping(d) != APR_SUCCESS) {
        return clinic_send_unavailable(cr, 5);
    }
    data = clinic_json_object(cr->r->pool);
    cJSON_AddStringToObject(data, "status", "healthy");
    cJSON_AddStringToObject(data, "database", "up");
    return clinic_send_ok(cr, HTTP_OK, data, "The service is healthy.");
}

int clinic_h_version(clinic_req_t *cr)
{
    cJSON *data = clinic_json_object(cr->r->pool);

    cJSON_AddStringToObject(data, "name", "mod_clinic");
    cJSON_AddStringToObject(data, "version", CLINIC_VERSION);
    return clinic_send_ok(cr, HTTP_OK, data, "mod_clinic " CLINIC_VERSION);
}
