/*
 * SPDX-License-Identifier: Apache-2.0
 * wa_hook.c: the WhatsApp webhook's notifications (see wa_driver.h): the
 * X-Hub-Signature-256 over the raw body, and the message statuses in
 *
 *     {"object": "whatsapp_business_account",
 *      "entry": [{"id": WABA, "changes": [{"field": "messages",
 *        "value": {"messaging_product": "whatsapp", "metadata": {...},
 *          "statuses": [{"id": "wamid...", "status": "failed",
 *                        "timestamp": "...", "recipient_id": "965...",
 *                        "errors": [{"code": 131026, "title": ...}]}]}}]}]}
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include "mac.h"
#include "wa_driver.h"

#define SIG_PREFIX "sha256="

int clinic_wa_signature_ok(const clinic_secret_t *secret, const char *body,
                           apr_size_t len, const char *header)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char mac[CLINIC_MAC_LEN];
    char want[2 * CLINIC_MAC_LEN + 1], got[2 * CLINIC_MAC_LEN + 1];
    apr_size_t i, n;

    if (!secret || !secret->data || !secret->len || !header
        || strncmp(header, SIG_PREFIX, sizeof(SIG_PREFIX) - 1)
        || !clinic_hmac_sha256(mac, secret->data, secret->len, body, len)) {
        return 0;
    }
    header += sizeof(SIG_PREFIX) - 1;
    for (i = 0; i < CLINIC_MAC_LEN; i++) {
        want[2 * i] = hex[mac[i] >> 4];
        want[2 * i + 1] = hex[mac[i] & 15];
    }
    want[2 * CLINIC_MAC_LEN] = '\0';
    /* the header's hex in lower case, cut at the length of a good one
     * (a longer one then differs by its length) */
    n = strlen(header);
    for (i = 0; i < n && i < 2 * CLINIC_MAC_LEN; i++) {
        got[i] = (char)apr_tolower(header[i]);
    }
    got[i] = '\0';
    return n == 2 * CLINIC_MAC_LEN && clinic_ct_streq(want, got);
}

/* one status entry, or 0 when it has no id or status */
static int status_of(apr_pool_t *p, const cJSON *s, clinic_wa_status_t *out)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(s, "id");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(s, "status");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(s, "errors"), 0),
        "code");

    if (!cJSON_IsString(id) || !*id->valuestring
        || strlen(id->valuestring) > 200 || !cJSON_IsString(st)) {
        return 0;
    }
    out->id = apr_pstrdup(p, id->valuestring);
    out->status = apr_pstrdup(p, st->valuestring);
    /* valueint: cJSON's, saturated (1e999 is no long) */
    out->error = cJSON_IsNumber(code) ? (long)code->valueint : 0;
    return 1;
}

apr_array_header_t *clinic_wa_statuses(apr_pool_t *p, const cJSON *json,
                                       int max)
{
    apr_array_header_t *out = apr_array_make(p, 4,
                                             sizeof(clinic_wa_status_t));
    const cJSON *entry, *change, *s;

    cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(json,
                                                               "entry")) {
        cJSON_ArrayForEach(change, cJSON_GetObjectItemCaseSensitive(
                                       entry, "changes")) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(change,
                                                              "value");

            cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(
                                      v, "statuses")) {
                clinic_wa_status_t one;

                if (out->nelts < max && status_of(p, s, &one)) {
                    APR_ARRAY_PUSH(out, clinic_wa_status_t) = one;
                }
            }
        }
    }
    return out;
}
