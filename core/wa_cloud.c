/*
 * SPDX-License-Identifier: Apache-2.0
 * wa_cloud.c: the WhatsApp Cloud API driver (Meta's Graph API):
 *
 *     POST {ClinicWhatsAppURL}/{phone-number-id}/messages
 *     Authorization: Bearer <token>
 *     {"messaging_product": "whatsapp", "recipient_type": "individual",
 *      "to": "965XXXXXXXX", "type": "template",
 *      "template": {"name": ..., "language": {"code": ...},
 *                   "components": [
 *        {"type": "body", "parameters": [{"type": "text", "text": CODE}]},
 *        {"type": "button", "sub_type": "url", "index": "0",
 *         "parameters": [{"type": "text", "text": CODE}]}]}}
 *
 * answered {"messaging_product": "whatsapp", "contacts": [...],
 * "messages": [{"id": "wamid..."}]}, or an error object
 * {"error": {"message", "type", "code", "error_data", "fbtrace_id"}}.
 * The call goes through http.c (timeouts, TLS checks) on a fresh
 * connection: a message is never sent twice by a retry of curl's.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <openssl/crypto.h>

#include "http.h"
#include "json.h"
#include "wa_driver.h"

const char *clinic_wa_to(apr_pool_t *p, const char *phone)
{
    char *out = apr_palloc(p, strlen(phone) + 1), *o = out;

    for (; *phone; phone++) {
        if (apr_isdigit(*phone)) {
            *o++ = *phone;
        }
    }
    *o = '\0';
    return out;
}

const char *clinic_wa_lang_code(const apr_table_t *configured,
                                const char *lang)
{
    const char *code = configured && lang ? apr_table_get(configured, lang)
                                          : NULL;

    if (code) {
        return code;
    }
    if (lang && !strcmp(lang, "ar")) {
        return "ar";
    }
    code = configured ? apr_table_get(configured, "en") : NULL;
    return code ? code : "en_US";
}

/* {"type": "text", "text": code} in a new parameters array of o */
static int add_code_param(cJSON *o, const char *code)
{
    cJSON *params = cJSON_AddArrayToObject(o, "parameters");
    cJSON *t = cJSON_CreateObject();

    if (!params || !t) {
        cJSON_Delete(t);
        return 0;
    }
    cJSON_AddItemToArray(params, t);
    return cJSON_AddStringToObject(t, "type", "text")
           && cJSON_AddStringToObject(t, "text", code);
}

/* the template object's components: the body, then the button */
static int add_components(cJSON *tpl, const char *code)
{
    cJSON *comps = cJSON_AddArrayToObject(tpl, "components");
    cJSON *body = cJSON_CreateObject(), *button = cJSON_CreateObject();

    if (!comps || !body || !button) {
        cJSON_Delete(body);
        cJSON_Delete(button);
        return 0;
    }
    cJSON_AddItemToArray(comps, body);
    cJSON_AddItemToArray(comps, button);
    return cJSON_AddStringToObject(body, "type", "body")
           && add_code_param(body, code)
           && cJSON_AddStringToObject(button, "type", "button")
           && cJSON_AddStringToObject(button, "sub_type", "url")
           && cJSON_AddStringToObject(button, "index", "0")
           && add_code_param(button, code);
}

const char *clinic_wa_body(apr_pool_t *p, const char *to, const char *name,
                           const char *lang, const char *code)
{
    cJSON *o = clinic_json_object(p), *tpl, *language;
    char *text;
    const char *out;

    if (!o || !cJSON_AddStringToObject(o, "messaging_product", "whatsapp")
        || !cJSON_AddStringToObject(o, "recipient_type", "individual")
        || !cJSON_AddStringToObject(o, "to", to)
        || !cJSON_AddStringToObject(o, "type", "template")
        || !(tpl = cJSON_AddObjectToObject(o, "template"))
        || !cJSON_AddStringToObject(tpl, "name", name)
        || !(language = cJSON_AddObjectToObject(tpl, "language"))
        || !cJSON_AddStringToObject(language, "code", lang)
        || !add_components(tpl, code)
        || !(text = cJSON_PrintUnformatted(o))) {
        return NULL;
    }
    out = apr_pstrdup(p, text);
    OPENSSL_cleanse(text, strlen(text));        /* it holds the code */
    cJSON_free(text);
    return out;
}

apr_status_t clinic_wa_answer(apr_pool_t *p, long status, const char *body,
                              apr_size_t len, clinic_wa_result_t *out)
{
    cJSON *j = NULL;
    const cJSON *m, *e;

    out->http_status = status;
    out->error = 0;
    out->wamid = NULL;
    if (clinic_json_parse_foreign(&j, p, body ? body : "", body ? len : 0)
        != CLINIC_BODY_OK) {
        j = NULL;
    }
    if (status >= 200 && status <= 299) {
        m = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j,
                                                                "messages"),
                               0);
        m = cJSON_GetObjectItemCaseSensitive(m, "id");
        if (cJSON_IsString(m) && *m->valuestring
            && strlen(m->valuestring) <= 200) {
            out->wamid = apr_pstrdup(p, m->valuestring);
            return APR_SUCCESS;
        }
        return APR_EGENERAL;
    }
    e = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(j, "error"), "code");
    if (cJSON_IsNumber(e)) {
        out->error = (long)e->valueint;     /* saturated by cJSON */
    }
    return APR_EGENERAL;
}

static apr_status_t cloud_send(const clinic_env_t *env,
                               const clinic_wa_settings_t *s, const char *to,
                               const char *code, clinic_wa_result_t *out)
{
    apr_pool_t *p = env->pool;
    apr_array_header_t *headers = apr_array_make(p, 1, sizeof(const char *));
    clinic_http_req_t q = { "WhatsApp Cloud API", "POST", NULL, NULL,
                            "application/json", headers, NULL, NULL,
                            s->timeout, 1 };
    clinic_http_resp_t resp;
    apr_status_t rv;

    memset(out, 0, sizeof(*out));
    APR_ARRAY_PUSH(headers, const char *) =
        apr_pstrcat(p, "Authorization: Bearer ",
                    (const char *)s->token->data, NULL);
    q.url = apr_pstrcat(p, s->url, "/", s->phone_number_id, "/messages",
                        NULL);
    if (!(q.body = clinic_wa_body(p, clinic_wa_to(p, to), s->template_name,
                                  s->language, code))) {
        return APR_ENOMEM;
    }
    if ((rv = clinic_http_call(env, &q, &resp)) != APR_SUCCESS) {
        return rv;
    }
    rv = clinic_wa_answer(p, resp.status, resp.body, resp.len, out);
    if (rv != APR_SUCCESS) {
        clinic_log(env, CLINIC_LOG_ERR, "CLINIC0900: WhatsApp Cloud API %s "
                   "refused the message: HTTP %ld, error %ld",
                   clinic_http_host(p, q.url), resp.status, out->error);
    }
    return rv;
}

const clinic_wa_driver_ops clinic_wa_cloud = { "cloud", cloud_send };
