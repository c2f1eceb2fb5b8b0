/*
 * SPDX-License-Identifier: Apache-2.0
 * mod_clinic: the clinic's patient API inside Apache httpd.
 *
 * This file holds the module record, the hooks and the one route table.
 * The parts live in modules/: request plumbing (request.c), directives
 * (config.c), SQL (store_*.c), and one file per resource.
 */
#include <string.h>
#include <apr_strings.h>

#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_cfgtree.h>

#include "config.h"
#include "request.h"
#include "i18n.h"
#include "handlers.h"
#include "auth.h"
#include "store_db.h"
#include "seclog.h"
#include "http.h"
#include "sms.h"
#include "ratelimit.h"
#include "ipkey.h"
#include "pkgcache.h"
#include "mac.h"
#include "metrics.h"
#include "background.h"
#include "whlimit.h"
#include "pay.h"
#include "whatsapp.h"

/* Every route of API.md, in one place. */
static const clinic_route_t routes[] = {
    /* method  path                               handler               token body provider */
    { "GET",  "/api/health",                      clinic_h_health,               0, 0, 0 },
    { "GET",  "/api/version",                     clinic_h_version,              0, 0, 0 },
    { "POST", "/api/auth/send-otp",               clinic_h_send_otp,             0, 1, 0 },
    { "POST", "/api/auth/verify-otp",             clinic_h_verify_otp,           0, 1, 0 },
    { "GET",  "/api/user/profile",                clinic_h_profile_get,          1, 0, 0 },
    { "PUT",  "/api/user/profile",                clinic_h_profile_put,          1, 1, 0 },
    { "PUT",  "/api/user/phone",                  clinic_h_phone_put,            1, 1, 0 },
    { "POST", "/api/user/send-phone-change-otp",  clinic_h_send_phone_change_otp, 1, 1, 0 },
    { "GET",  "/api/packages/available",          clinic_h_packages_available,   0, 0, 0 },
    { "POST", "/api/packages/purchase",           clinic_h_packages_purchase,    1, 1, 0 },
    { "GET",  "/api/packages/history",            clinic_h_packages_history,     1, 0, 0 },
    /* a trailing '*' is one path segment, the route's parameter */
    { "GET",  "/api/packages/subscriptions/*",    clinic_h_subscription_get,     1, 0, 0 },
    { "GET",  "/api/payments/return",             clinic_h_pay_return,           0, 0, 0 },
    /* the provider's notifications are not limited (API.md, Payments) */
    { "POST", "/api/payments/webhook",            clinic_h_pay_webhook,          0, 1, 1 },
    /* Meta's subscription check, limited as any stranger's request; its
     * notifications are not limited, and their body is read by the
     * handler once the signature header is there */
    { "GET",  "/api/whatsapp/webhook",            clinic_h_wa_verify,            0, 0, 0 },
    { "POST", "/api/whatsapp/webhook",            clinic_h_wa_webhook,           0, 0, 1 },
};
#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

/* The path without one trailing slash ("/api/health/" is "/api/health"). */
static const char *route_path(request_rec *r)
{
    apr_size_t n = strlen(r->uri);

    if (n > 1 && r->uri[n - 1] == '/') {
        return apr_pstrndup(r->pool, r->uri, n - 1);
    }
    return r->uri;
}

/* Does path match the route's path?  A trailing '*' matches one
 * non-empty path segment, kept in *param. */
static int path_matches(const char *route, const char *path,
                        const char **param)
{
    apr_size_t n = strlen(route);

    if (n && route[n - 1] == '*') {
        const char *rest = path + n - 1;
        if (strncmp(route, path, n - 1) || !*rest || strchr(rest, '/')) {
            return 0;
        }
        *param = rest;
        return 1;
    }
    return !strcmp(route, path);
}

/* Find the route; *allow lists the methods of the path when only the
 * method is wrong, *param is the path parameter of a '*' route. */
static const clinic_route_t *route_find(request_rec *r, const char **allow,
                                        const char **param)
{
    const char *path = route_path(r);
    const char *method = r->header_only ? "GET" : r->method;
    apr_size_t i;

    *allow = NULL;
    for (i = 0; i < N_ROUTES; i++) {
        if (!path_matches(routes[i].path, path, param)) {
            continue;
        }
        if (!strcmp(routes[i].method, method)) {
            return &routes[i];
        }
        *allow = *allow ? apr_pstrcat(r->pool, *allow, ", ", routes[i].method,
                                      NULL)
                        : routes[i].method;
        if (!strcmp(routes[i].method, "GET")) {
            *allow = apr_pstrcat(r->pool, *allow, ", HEAD", NULL);
        }
    }
    if (*allow) {
        *allow = apr_pstrcat(r->pool, *allow, ", OPTIONS", NULL);
    }
    return NULL;
}

/* the request's state, before anything is checked */
static clinic_req_t *new_request(request_rec *r)
{
    clinic_req_t *cr = apr_pcalloc(r->pool, sizeof(*cr));

    cr->r = r;
    cr->env = clinic_req_env(r);
    cr->conf = clinic_conf(r->server);
    cr->request_id = clinic_request_id(r);
    cr->client = clinic_ip_key(r->pool, r->useragent_ip,
                               clinic_ipv6_prefix(cr->conf));
    cr->now = apr_time_sec(r->request_time);
    cr->bearer_rc = -2;
    return cr;
}

/* no route for the path, or not for its method: allow lists the methods
 * the path has, NULL when it has none */
static int answer_unrouted(clinic_req_t *cr, const char *allow)
{
    request_rec *r = cr->r;

    if (!allow) {
        clinic_send_error(cr, HTTP_NOT_FOUND, "NOT_FOUND",
                          "No such API route.", NULL);
        return OK;
    }
    apr_table_setn(r->err_headers_out, "Allow", allow);
    if (r->method_number == M_OPTIONS) {
        /* a plain OPTIONS (CORS preflights are answered by the
         * Apache configuration before they get here) */
        clinic_common_headers(r);
        r->status = HTTP_NO_CONTENT;
        return OK;
    }
    clinic_send_error(cr, HTTP_METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED",
                      apr_psprintf(r->pool, "Use %s for this route.",
                                   allow), NULL);
    return OK;
}

/* a route found and the request counted: its token, its body, then its
 * handler, or the answer an earlier step kept pending */
static int run_route(clinic_req_t *cr)
{
    if (cr->route->needs_token && clinic_bearer(cr) != CLINIC_JWT_OK) {
        return clinic_auth_refuse(cr);         /* before reading a body */
    }
    if (cr->route->has_body && !cr->body && !cr->pending.status
        && !cr->pending.httpd) {
        clinic_read_json_body(cr);
    }
    if (cr->pending.status || cr->pending.httpd) {
        return clinic_send_pending(cr);
    }
    if (cr->route->needs_token && !cr->user) {
        return clinic_auth_refuse(cr);
    }
    return cr->route->handler(cr);
}

static int clinic_handler(request_rec *r)
{
    clinic_req_t *cr;
    const char *allow;
    int rv;

    if (!r->handler || strcmp(r->handler, CLINIC_HANDLER)) {
        return DECLINED;
    }
    cr = new_request(r);

    if (!cr->conf->jwt_key.data) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "CLINIC0002: SetHandler "
                      "clinic is used in a server without %s",
                      CLINIC_D_JWT_SECRET);
        clinic_send_error(cr, HTTP_SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE",
                          "The service is not configured.", NULL);
        return OK;
    }

    /* API answers are never partial: a Range would cut a JSON answer
     * (and a POST's side effects would still happen) */
    apr_table_unset(r->headers_in, "Range");
    apr_table_unset(r->headers_in, "If-Range");

    cr->route = route_find(r, &allow, &cr->param);
    /* A token counts against its user's limit only once the user is known
     * to be live.  That needs the database, which waits until the body is
     * in: no pooled connection waits on a slow client.  A body error is
     * kept until the request is counted. */
    if (cr->route && clinic_bearer(cr) == CLINIC_JWT_OK) {
        if (cr->route->has_body) {
            clinic_read_json_body(cr);
        }
        if (!cr->pending.status && !cr->pending.httpd) {
            clinic_auth_load(cr);
        }
    }
    /* every /api request counts, and every answer carries the headers */
    if ((!cr->route || !cr->route->from_provider)
        && (rv = clinic_ratelimit_general(cr)) != OK) {
        rv = rv == DONE ? OK : rv;
        goto done;
    }
    rv = cr->route ? run_route(cr) : answer_unrouted(cr, allow);
done:
    /* the answer is still buffered: give the connection back before it
     * leaves, so a client slow to read holds none */
    clinic_db_release(cr);
    return rv == DONE ? OK : rv;
}

/* Errors httpd raises itself inside the clinic's location leave as JSON:
 * those after the handler was chosen, and those before it (a bad path
 * under /api/ of a virtual host that configures the clinic itself, so
 * other sites of a shared host keep their own error pages). */
static void clinic_insert_error_filter(request_rec *r)
{
    int ours;

    if (r->handler) {
        ours = !strcmp(r->handler, CLINIC_HANDLER);
    }
    else if (!clinic_conf(r->server)->own) {
        ours = 0;
    }
    else {
        /* a request for /api/, or one whose request line httpd could not
         * read (malformed, too long, a NUL in it): it came to a host that
         * serves the clinic, and a client of the API may be waiting */
        ours = !r->uri || r->uri[0] != '/' || !r->parsed_uri.path
               || !strncmp(r->uri, "/api/", 5);
    }
    if (ours) {
        ap_add_output_filter(CLINIC_ERROR_FILTER, NULL, r, r->connection);
    }
}

/* HTTP/0.9 answers have no status line, so no envelope: on a virtual host
 * that serves the clinic, an HTTP/0.9 request is refused with an HTTP/1.0
 * 400 (as HttpProtocolOptions Require1.0 would, which only counts in the
 * default virtual host of an address). */
static int clinic_post_read_request(request_rec *r)
{
    if (!r->assbackwards || r->main || r->prev
        || !clinic_conf(r->server)->own) {
        return DECLINED;
    }
    r->assbackwards = 0;
    r->proto_num = HTTP_VERSION(1, 0);
    r->protocol = "HTTP/1.0";
    r->connection->keepalive = AP_CONN_CLOSE;
    return HTTP_BAD_REQUEST;
}

/* ---- configtest: SetHandler clinic without a secret -------------------- */

static int is_handler_line(apr_pool_t *p, const ap_directive_t *d)
{
    const char *args = d->args;

    if (strcasecmp(d->directive, "SetHandler")
        && strcasecmp(d->directive, "AddHandler")) {
        return 0;
    }
    return !strcasecmp(ap_getword_conf(p, &args), CLINIC_HANDLER);
}

static int is_secret_line(apr_pool_t *p, const ap_directive_t *d)
{
    (void)p;
    return !strcasecmp(d->directive, CLINIC_D_JWT_SECRET);
}

/* Does the tree below d (not entering <VirtualHost> sections unless
 * vhosts is set) hold a line that pred accepts? */
static int tree_has(apr_pool_t *p, const ap_directive_t *d, int vhosts,
                    int (*pred)(apr_pool_t *, const ap_directive_t *))
{
    for (; d; d = d->next) {
        if (!vhosts && !strcasecmp(d->directive, "<VirtualHost")) {
            continue;
        }
        if (pred(p, d) || tree_has(p, d->first_child, 1, pred)) {
            return 1;
        }
    }
    return 0;
}

/* The handler runs only where a token key exists: a virtual host (or the
 * main server) that says SetHandler clinic must have ClinicJWTSecretFile,
 * its own or the main server's.  SetHandler is an expression in httpd's
 * per-directory config, so the configuration tree is where to look. */
static const char *check_handler_secrets(apr_pool_t *p)
{
    const ap_directive_t *d;
    int main_secret = tree_has(p, ap_conftree, 0, is_secret_line);

    if (!main_secret && tree_has(p, ap_conftree, 0, is_handler_line)) {
        return apr_psprintf(p, "mod_clinic: SetHandler clinic is used "
                            "outside any virtual host, but the main server "
                            "has no %s.", CLINIC_D_JWT_SECRET);
    }
    for (d = ap_conftree; d; d = d->next) {
        if (strcasecmp(d->directive, "<VirtualHost")) {
            continue;
        }
        if (tree_has(p, d->first_child, 1, is_handler_line) && !main_secret
            && !tree_has(p, d->first_child, 1, is_secret_line)) {
            return apr_psprintf(p, "mod_clinic: <VirtualHost %s> (%s, line "
                                "%d) uses SetHandler clinic but has no %s, "
                                "nor has the main server.", d->args,
                                d->filename, d->line_num,
                                CLINIC_D_JWT_SECRET);
        }
    }
    return NULL;
}

static int clinic_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s)
{
    const char *err = clinic_store_init();
    server_rec *sp;
    (void)plog;
    (void)ptemp;

    if (err) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                     "CLINIC0003: %s", err);
        return !OK;
    }
    if ((err = clinic_bg_init()) != NULL) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                     "CLINIC0680: %s", err);
        return !OK;
    }
    for (sp = s; sp; sp = sp->next) {
        err = clinic_config_check(pconf, sp, clinic_conf(sp));
        if (err) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, sp,
                         "CLINIC0004: %s", err);
            return !OK;
        }
    }
    if ((err = check_handler_secrets(ptemp)) != NULL) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                     "CLINIC0007: %s", err);
        return !OK;
    }
    /* `apache2 -t` stops before post_config, which warns on a start */
    if (ap_state_query(AP_SQ_RUN_MODE) == AP_SQ_RM_CONFIG_TEST) {
        for (sp = s; sp; sp = sp->next) {
            if (clinic_conf(sp)->used) {
                clinic_sms_len_warn(ptemp, sp, clinic_conf(sp));
            }
        }
        clinic_wa_warn(s);
    }
    return OK;
}

static int clinic_open_logs(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    (void)plog;
    (void)ptemp;
    return clinic_seclog_open(pconf, s) == APR_SUCCESS ? OK : !OK;
}

static int clinic_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp, server_rec *s)
{
    server_rec *sp;
    (void)plog;

    clinic_store_prepare(ptemp, s);
    for (sp = s; sp; sp = sp->next) {
        clinic_server_conf *c = clinic_conf(sp);
        if (!c->used) {
            continue;
        }
        if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_CONFIG) {
            continue;       /* warn once, not on the first config pass */
        }
        if (clinic_sms_driver(c) == CLINIC_SMS_LOG) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, sp,
                         "CLINIC0005: %s log writes one-time codes to the "
                         "error log; use it for development only",
                         CLINIC_D_SMS_DRIVER);
        }
        else if (clinic_url_in_clear(c->sms_url)) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, sp,
                         "CLINIC0006: %s is plain http: codes cross the "
                         "network unencrypted; use https",
                         CLINIC_D_SMS_URL);
        }
        clinic_sms_len_warn(ptemp, sp, c);
    }
    clinic_wa_post_config(s);
    clinic_metrics_post_config(pconf, s);   /* without it: not counted */
    if (clinic_bg_post_config(pconf, s) != APR_SUCCESS) {
        return !OK;
    }
    return clinic_ratelimit_post_config(pconf, s);
}

static apr_status_t mac_fini(void *unused)
{
    (void)unused;
    clinic_mac_fini();
    return APR_SUCCESS;
}

static void clinic_child_init(apr_pool_t *p, server_rec *s)
{
    const char *why = NULL;

    /* keyed HMAC contexts per thread, in the child only (the parent
     * reloads the module; each load would leave a thread key behind) */
    if (!clinic_mac_init()) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "CLINIC0008: HMAC contexts are not kept (OpenSSL "
                     "before 3.0.3 does not reset them): every HMAC is "
                     "computed in full");
    }
    apr_pool_cleanup_register(p, NULL, mac_fini, apr_pool_cleanup_null);
    if (clinic_http_init(p, &why) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "CLINIC0200: curl_global_init failed: %s", why);
    }
    clinic_sms_child_init(p, s);
    clinic_store_child_init(p, s);
    clinic_ratelimit_child_init(p, s);
    clinic_pkgcache_child_init(p, s);
    clinic_bg_child_init(p, s);         /* last: the rest is ready */
}

static void clinic_register_hooks(apr_pool_t *p)
{
    static const char *const before_dbd[] = { "mod_dbd.c", NULL };
    (void)p;

    ap_hook_check_config(clinic_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_open_logs(clinic_open_logs, NULL, NULL, APR_HOOK_MIDDLE);
    /* statements must be registered before mod_dbd's post_config */
    ap_hook_post_config(clinic_post_config, NULL, before_dbd,
                        APR_HOOK_MIDDLE);
    ap_hook_child_init(clinic_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_read_request(clinic_post_read_request, NULL, NULL,
                              APR_HOOK_REALLY_FIRST);
    ap_hook_handler(clinic_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_insert_error_filter(clinic_insert_error_filter, NULL, NULL,
                                APR_HOOK_MIDDLE);
    ap_register_output_filter(CLINIC_ERROR_FILTER, clinic_error_filter, NULL,
                              AP_FTYPE_CONTENT_SET);
    clinic_ratelimit_register_hooks(p);
    clinic_metrics_register_hooks(p);
    clinic_store_register_hooks(p);
    clinic_whlimit_register_hooks(p);
    clinic_pay_register_drivers(p);
    clinic_sms_register_drivers(p);
    clinic_wa_register_drivers(p);
}

AP_DECLARE_MODULE(clinic) = {
    STANDARD20_MODULE_STUFF,
    NULL,                           /* per-directory config */
    NULL,                           /* merge per-directory */
    clinic_create_server_conf,
    clinic_merge_server_conf,
    clinic_cmds,
    clinic_register_hooks,
    AP_MODULE_FLAG_NONE
};
