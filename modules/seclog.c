/*
 * SPDX-License-Identifier: Apache-2.0
 * seclog.c: security events as JSON lines.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_file_io.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

#include "seclog.h"
#include "metrics.h"
#include "json.h"
#include "timeutil.h"
#include "validate.h"

APLOG_USE_MODULE(clinic);

struct clinic_seclog_t {
    apr_file_t *file;
};

apr_status_t clinic_seclog_open(apr_pool_t *pconf, server_rec *s)
{
    server_rec *sp;
    apr_hash_t *opened = apr_hash_make(pconf);

    for (sp = s; sp; sp = sp->next) {
        clinic_server_conf *c = clinic_conf(sp);
        clinic_seclog_t *log;

        c->seclog = NULL;
        if (!c->seclog_spec) {
            continue;
        }
        /* servers naming the same log share one handle */
        log = apr_hash_get(opened, c->seclog_spec, APR_HASH_KEY_STRING);
        if (!log) {
            log = apr_pcalloc(pconf, sizeof(*log));
            if (c->seclog_spec[0] == '|') {
                /* as for CustomLog: "|$cmd" runs through the shell,
                 * "|cmd" and "||cmd" run the program directly */
                const char *cmd = c->seclog_spec + 1;
                apr_cmdtype_e type = APR_PROGRAM_ENV;
                piped_log *pl;

                if (*cmd == '$') {
                    type = APR_SHELLCMD_ENV;
                    cmd++;
                }
                else if (*cmd == '|') {
                    cmd++;
                }
                pl = ap_open_piped_log_ex(pconf, cmd, type);
                if (!pl) {
                    ap_log_error(APLOG_MARK, APLOG_EMERG, 0, sp,
                                 "CLINIC0301: %s: cannot start '%s'",
                                 CLINIC_D_SECURITY_LOG, cmd);
                    return APR_EGENERAL;
                }
                log->file = ap_piped_log_write_fd(pl);
            }
            else {
                const char *path = ap_server_root_relative(pconf,
                                                           c->seclog_spec);
                apr_status_t rv = path ? apr_file_open(&log->file, path,
                    APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_APPEND
                    | APR_FOPEN_LARGEFILE, APR_FPROT_OS_DEFAULT, pconf)
                    : APR_EBADPATH;
                if (rv != APR_SUCCESS) {
                    ap_log_error(APLOG_MARK, APLOG_EMERG, rv, sp,
                                 "CLINIC0302: %s: cannot open '%s'",
                                 CLINIC_D_SECURITY_LOG, c->seclog_spec);
                    return rv;
                }
            }
            apr_hash_set(opened, c->seclog_spec, APR_HASH_KEY_STRING, log);
        }
        c->seclog = log;
    }
    return APR_SUCCESS;
}

/* A line's common members; NULL when out of memory */
static cJSON *line_start(clinic_req_t *cr, const char *event)
{
    request_rec *r = cr->r;
    cJSON *o = clinic_json_object(r->pool);

    if (o) {
        cJSON_AddStringToObject(o, "time", clinic_time_iso(r->pool,
                                    apr_time_sec(apr_time_now())));
        cJSON_AddStringToObject(o, "event", event);
        cJSON_AddStringToObject(o, "ip", r->useragent_ip ? r->useragent_ip
                                                         : "");
    }
    return o;
}

static void line_end(clinic_req_t *cr, cJSON *o, const char *reason)
{
    request_rec *r = cr->r;
    char *text;

    if (reason) {
        cJSON_AddStringToObject(o, "reason", reason);
    }
    cJSON_AddStringToObject(o, "requestId", cr->request_id);
    cJSON_AddStringToObject(o, "host", r->server->server_hostname
                                       ? r->server->server_hostname : "");
    text = cJSON_PrintUnformatted(o);
    if (!text) {
        return;
    }
    if (cr->conf->seclog) {
        /* one write per line, appended: lines of concurrent writers don't
         * interleave */
        char *line = apr_pstrcat(r->pool, text, "\n", NULL);
        apr_size_t n = strlen(line);
        apr_file_write(cr->conf->seclog->file, line, &n);
    }
    else {
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r,
                      "CLINIC0300: security %s", text);
    }
    cJSON_free(text);
}

void clinic_seclog_count(clinic_req_t *cr, const char *event,
                         const char *reason, long count)
{
    cJSON *o = line_start(cr, event);

    if (o) {
        cJSON_AddNumberToObject(o, "count", (double)count);
        line_end(cr, o, reason);
    }
}

void clinic_seclog(clinic_req_t *cr, const char *event, const char *phone,
                   const char *user_id, const char *reason)
{
    cJSON *o = line_start(cr, event);

    if (!o) {
        return;
    }
    if (phone) {
        cJSON_AddStringToObject(o, "phone",
                                clinic_mask_phone(cr->r->pool, phone));
    }
    if (user_id) {
        cJSON_AddStringToObject(o, "userId", user_id);
    }
    line_end(cr, o, reason);
}

void clinic_seclog_fallback(clinic_req_t *cr, const char *phone,
                            const char *user_id, const char *reason,
                            long error)
{
    cJSON *o = line_start(cr, "otp_fallback");

    if (!o) {
        return;
    }
    cJSON_AddStringToObject(o, "phone", clinic_mask_phone(cr->r->pool,
                                                          phone));
    if (user_id && *user_id) {
        cJSON_AddStringToObject(o, "userId", user_id);
    }
    cJSON_AddStringToObject(o, "from", "whatsapp");
    cJSON_AddStringToObject(o, "channel", "sms");
    if (error) {
        cJSON_AddNumberToObject(o, "error", (double)error);
    }
    line_end(cr, o, reason);
}

/* A payment line's members, before its reason; NULL when out of memory */
static cJSON *payment_line(clinic_req_t *cr, const char *event,
                           const clinic_sub_t *sub)
{
    cJSON *o = line_start(cr, event);

    clinic_metric_payment(cr->r->server, clinic_pay_driver(cr->conf), event);

    if (!o) {
        return NULL;
    }
    if (sub->user_id) {
        cJSON_AddStringToObject(o, "userId", sub->user_id);
    }
    cJSON_AddStringToObject(o, "subscriptionId", sub->id);
    if (sub->pay_provider) {
        cJSON_AddStringToObject(o, "provider", sub->pay_provider);
    }
    if (sub->pay_ref) {
        cJSON_AddStringToObject(o, "paymentRef", sub->pay_ref);
    }
    return o;
}

void clinic_seclog_payment(clinic_req_t *cr, const char *event,
                           const clinic_sub_t *sub, const char *reason)
{
    cJSON *o = payment_line(cr, event, sub);

    if (o) {
        line_end(cr, o, reason);
    }
}

void clinic_seclog_refund(clinic_req_t *cr, const char *event,
                          const clinic_sub_t *sub, const char *reason,
                          const char *ids, const char *amount,
                          const char *currency)
{
    cJSON *o = payment_line(cr, event, sub);

    if (!o) {
        return;
    }
    cJSON_AddStringToObject(o, "refundPaymentIds", ids ? ids : "");
    cJSON_AddStringToObject(o, "refundAmount", amount ? amount : "");
    cJSON_AddStringToObject(o, "currency", currency ? currency : "");
    line_end(cr, o, reason);
}
