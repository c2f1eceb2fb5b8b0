/*
 * SPDX-License-Identifier: Apache-2.0
 * budget.c: ClinicSMSDailyLimit, the codes a virtual host may send in a
 * UTC day, all numbers together: a cap on the SMS bill.
 *
 * Counted in the database (day_counts, store_counts.c) so it is exact
 * across children and hosts sharing the database, under the bucket
 * "sms:<ServerName>".  A send is counted after the rate limits let it
 * through and before the gateway is called, so a refused send costs
 * nothing; a send the gateway then fails still counts (the gateway may
 * have billed it).  Past the limit a send answers 503
 * SMS_BUDGET_EXHAUSTED with Retry-After up to the next UTC day.
 *
 * At 80 % and at 100 % a security event, an error-log line and a metric,
 * once a day each: the request whose count makes the value is the only
 * one that knows it (store_counts.c).
 */
#include <string.h>
#include <apr_strings.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>

#include "budget.h"
#include "metrics.h"
#include "seclog.h"
#include "store_db.h"

APLOG_USE_MODULE(clinic);

#define DAY 86400
#define MAX_LIMIT 10000000
#define BUCKET_MAX 200      /* day_counts.bucket */

const char *clinic_budget_set_limit(cmd_parms *cmd, void *d, const char *arg)
{
    (void)d;
    if (!strcasecmp(arg, "off")) {
        clinic_conf_of(cmd)->sms_daily_limit = 0;
        return NULL;
    }
    return clinic_set_int(cmd, &clinic_conf_of(cmd)->sms_daily_limit, arg, 0,
                          MAX_LIMIT);
}

/* 80 % of the limit, rounded up: the first count at or above it */
int clinic_budget_mark(int limit)
{
    int mark = (int)(((apr_int64_t)limit * 4 + 4) / 5);

    return mark < 1 ? 1 : mark;
}

static void crossed(clinic_req_t *cr, int level, int count, int limit)
{
    clinic_metric_inc(cr->r->server, CLINIC_M_SMS_BUDGET,
                      level == 100 ? CLINIC_BUDGET_100 : CLINIC_BUDGET_80);
    clinic_seclog_count(cr, level == 100 ? "sms_budget_exhausted"
                                         : "sms_budget_warning",
                        apr_psprintf(cr->r->pool, "%d%%", level), count);
    if (level == 100) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, cr->r, "CLINIC0780: "
                      "%s %d reached: no more codes are sent today (UTC) "
                      "by %s", CLINIC_D_SMS_DAILY_LIMIT, limit,
                      cr->r->server->server_hostname);
    }
    else {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, cr->r, "CLINIC0781: "
                      "%d codes sent today (UTC) by %s: 80%% of %s %d",
                      count, cr->r->server->server_hostname,
                      CLINIC_D_SMS_DAILY_LIMIT, limit);
    }
}

static int exhausted(clinic_req_t *cr)
{
    apr_int64_t left = DAY - cr->now % DAY;

    clinic_metric_cause(cr->r, CLINIC_503_SMS_BUDGET);
    clinic_metric_unavailable(cr->r);
    apr_table_setn(cr->r->err_headers_out, "Retry-After",
                   apr_psprintf(cr->r->pool, "%" APR_INT64_T_FMT, left));
    return clinic_send_error(cr, HTTP_SERVICE_UNAVAILABLE,
                             "SMS_BUDGET_EXHAUSTED", "No more codes can be "
                             "sent today. Please try again tomorrow.", NULL);
}

int clinic_budget_take(clinic_req_t *cr)
{
    int limit = clinic_sms_daily_limit(cr->conf), taken, at;
    const char *host = cr->r->server->server_hostname;
    const char *bucket;
    clinic_db_t *d;

    if (limit <= 0) {
        return OK;
    }
    if (!(d = clinic_db(cr))) {
        return DONE;
    }
    bucket = apr_pstrcat(cr->r->pool, "sms:", host ? host : "", NULL);
    if (strlen(bucket) > BUCKET_MAX) {
        bucket = apr_pstrndup(cr->r->pool, bucket, BUCKET_MAX);
    }
    if (clinic_store_count_take(&taken, &at, d, bucket, cr->now / DAY,
                                limit, clinic_budget_mark(limit))
        != APR_SUCCESS) {
        return clinic_send_internal(cr, "SMS budget count failed");
    }
    if (at && at == clinic_budget_mark(limit)) {
        crossed(cr, 80, at, limit);
    }
    if (at && at == limit) {
        crossed(cr, 100, at, limit);
    }
    return taken ? OK : exhausted(cr);
}
