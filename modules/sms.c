/*
 * sms.c: SMS gateway drivers.  The only file that includes curl.h.
 *
 * Every handle gets the careful option set: no signals (threaded MPMs),
 * connect and total timeouts, http/https only, TLS peer and host
 * verification, no redirects, a cap on the response kept.  curl's
 * allocations are released on every path through one exit.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_atomic.h>
#include <curl/curl.h>

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

#include "sms.h"
#include "smstpl.h"
#include "version.h"

APLOG_USE_MODULE(clinic);

#define RESPONSE_CAP 8192
#define TWILIO_API "https://api.twilio.com/2010-04-01/Accounts/"

static apr_status_t curl_global_cleanup_cb(void *d)
{
    (void)d;
    curl_global_cleanup();
    return APR_SUCCESS;
}

void clinic_sms_child_init(apr_pool_t *p, server_rec *s)
{
    CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);

    if (rc != CURLE_OK) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "CLINIC0200: curl_global_init failed: %s",
                     curl_easy_strerror(rc));
        return;
    }
    apr_pool_cleanup_register(p, NULL, curl_global_cleanup_cb,
                              apr_pool_cleanup_null);
}

/* ---- sends in flight ---------------------------------------------------- */

int clinic_sms_saturated(clinic_server_conf *c)
{
    return apr_atomic_read32(&c->sms_in_flight)
        >= (apr_uint32_t)clinic_sms_max_concurrent(c);
}

/* Take one of the places for the time of the gateway call; APR_EBUSY when
 * all are taken. */
static apr_status_t slot_take(request_rec *r, clinic_server_conf *c)
{
    apr_uint32_t max = (apr_uint32_t)clinic_sms_max_concurrent(c);

    if (apr_atomic_inc32(&c->sms_in_flight) >= max) {
        apr_atomic_dec32(&c->sms_in_flight);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "CLINIC0205: %u SMS sends already wait on the "
                      "gateway in this process (%s): answering 503",
                      (unsigned)max, CLINIC_D_SMS_MAX_CONCURRENT);
        return APR_EBUSY;
    }
    return APR_SUCCESS;
}

/* ---- gateway calls ------------------------------------------------------ */

typedef struct {
    char buf[RESPONSE_CAP + 1];
    size_t len;
} response_t;

/* Keep the start of the answer (for the log), drop the rest. */
static size_t on_data(char *data, size_t size, size_t n, void *ud)
{
    response_t *resp = ud;
    size_t total = size * n, room = RESPONSE_CAP - resp->len;

    if (room > 0) {
        size_t take = total < room ? total : room;
        memcpy(resp->buf + resp->len, data, take);
        resp->len += take;
    }
    return total;
}

/* The Content-Type the operator set with ClinicSMSHeader, if any. */
static const char *configured_type(const clinic_server_conf *c)
{
    int i;

    for (i = 0; i < c->sms_headers->nelts; i++) {
        const char *h = APR_ARRAY_IDX(c->sms_headers, i, const char *);
        if (!strncasecmp(h, "Content-Type:", 13)) {
            h += 13;
            while (*h == ' ' || *h == '\t') {
                h++;
            }
            return h;
        }
    }
    return NULL;
}

/* The host of a URL, for log lines (never the path: it may hold keys). */
static const char *url_host(apr_pool_t *p, const char *url)
{
    const char *h = strstr(url, "://"), *end;

    h = h ? h + 3 : url;
    end = h + strcspn(h, "/?#");
    return apr_pstrndup(p, h, (apr_size_t)(end - h));
}

static apr_status_t post(request_rec *r, const clinic_server_conf *c,
                         const char *url, const char *body,
                         struct curl_slist *headers, const char *user,
                         const char *pass)
{
    CURL *h = curl_easy_init();
    char errbuf[CURL_ERROR_SIZE] = "";
    response_t *resp = apr_pcalloc(r->pool, sizeof(*resp));
    long status = 0;
    long timeout = clinic_sms_timeout(c);
    CURLcode rc;
    apr_status_t rv = APR_EGENERAL;

    if (!h) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "CLINIC0201: curl_easy_init failed");
        return APR_ENOMEM;
    }
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout < 5 ? timeout : 5L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "mod_clinic/" CLINIC_VERSION);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
    if (user) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, pass);
    }

    rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "CLINIC0202: SMS gateway %s failed: %s",
                      url_host(r->pool, url),
                      *errbuf ? errbuf : curl_easy_strerror(rc));
        rv = rc == CURLE_OPERATION_TIMEDOUT ? APR_TIMEUP : APR_EGENERAL;
        goto done;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "CLINIC0203: SMS gateway %s answered HTTP %ld",
                      url_host(r->pool, url), status);
        goto done;
    }
    rv = APR_SUCCESS;
done:
    curl_easy_cleanup(h);
    return rv;
}

static apr_status_t send_now(request_rec *r, const clinic_server_conf *c,
                             const char *to, const char *code);

apr_status_t clinic_sms_send(request_rec *r, clinic_server_conf *c,
                             const char *to, const char *code)
{
    apr_status_t rv;

    if (clinic_sms_driver(c) == CLINIC_SMS_LOG) {
        return send_now(r, c, to, code);
    }
    if ((rv = slot_take(r, c)) != APR_SUCCESS) {
        return rv;
    }
    rv = send_now(r, c, to, code);
    apr_atomic_dec32(&c->sms_in_flight);
    return rv;
}

static apr_status_t send_now(request_rec *r, const clinic_server_conf *c,
                             const char *to, const char *code)
{
    apr_pool_t *p = r->pool;
    const char *message = clinic_tpl_render(p, clinic_sms_message(c),
                                            CLINIC_ESC_NONE, to, NULL, code);
    struct curl_slist *headers = NULL, *grown;
    const char *url, *body, *user = NULL, *pass = NULL, *type;
    apr_status_t rv = APR_ENOMEM;
    int i;

    switch (clinic_sms_driver(c)) {
    case CLINIC_SMS_LOG:
        /* development only: the one place a code is ever written down */
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r,
                      "CLINIC0204: SMS to %s: %s", to, message);
        return APR_SUCCESS;

    case CLINIC_SMS_TWILIO:
        url = c->sms_url ? c->sms_url
                         : apr_pstrcat(p, TWILIO_API, c->twilio_sid,
                                       "/Messages.json", NULL);
        body = apr_pstrcat(p, "To=", clinic_tpl_escape(p, to, CLINIC_ESC_FORM),
                           "&From=", clinic_tpl_escape(p, c->twilio_from,
                                                       CLINIC_ESC_FORM),
                           "&Body=", clinic_tpl_escape(p, message,
                                                       CLINIC_ESC_FORM), NULL);
        type = "application/x-www-form-urlencoded";
        user = c->twilio_sid;
        pass = (const char *)c->twilio_token.data;
        break;

    default:
        url = c->sms_url;
        type = configured_type(c);
        body = clinic_tpl_render(p, c->sms_body ? c->sms_body
                                                : "to={to}&message={message}",
                                 clinic_tpl_escape_for(type), to, message,
                                 code);
        if (!type) {
            type = "application/x-www-form-urlencoded";
        }
        break;
    }

    if (!(grown = curl_slist_append(headers, apr_pstrcat(p, "Content-Type: ",
                                                         type, NULL)))) {
        goto done;
    }
    headers = grown;
    if (!(grown = curl_slist_append(headers, "Expect:"))) {
        goto done;
    }
    headers = grown;
    for (i = 0; i < c->sms_headers->nelts; i++) {
        const char *hdr = APR_ARRAY_IDX(c->sms_headers, i, const char *);
        if (!strncasecmp(hdr, "Content-Type:", 13)) {
            continue;
        }
        if (!(grown = curl_slist_append(headers, hdr))) {
            goto done;
        }
        headers = grown;
    }
    rv = post(r, c, url, body, headers, user, pass);
done:
    curl_slist_free_all(headers);
    return rv;
}
