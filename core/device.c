/*
 * SPDX-License-Identifier: Apache-2.0
 * device.c: device tokens, signed with the token key ring (device.h for
 * the format and the order of the checks).
 */
#include <string.h>

#include <apr_strings.h>
#include <apr_general.h>
#include <openssl/crypto.h>

#include "device.h"
#include "mac.h"

#define VERSION "d1"
#define DOMAIN "clinic-device-token:"
#define PHONE_LEN 12              /* +965 and 8 digits */
#define TIME_DIGITS_MAX 18

static int is_hex_id(const char *s, apr_size_t len)
{
    apr_size_t i;

    if (len != CLINIC_DEVICE_ID_LEN) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

static int is_phone(const char *s, apr_size_t len)
{
    apr_size_t i;

    if (len != PHONE_LEN || strncmp(s, "+965", 4)) {
        return 0;
    }
    for (i = 4; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return 1;
}

/* a decimal time of 1 to 18 digits, no sign; -1 when not */
static apr_int64_t time_of(const char *s, apr_size_t len)
{
    apr_int64_t v = 0;
    apr_size_t i;

    if (len < 1 || len > TIME_DIGITS_MAX) {
        return -1;
    }
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

apr_status_t clinic_device_new_id(char out[CLINIC_DEVICE_ID_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[CLINIC_DEVICE_ID_LEN / 2];
    apr_status_t rv = apr_generate_random_bytes(raw, sizeof(raw));
    apr_size_t i;

    if (rv != APR_SUCCESS) {
        return rv;
    }
    for (i = 0; i < sizeof(raw); i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[CLINIC_DEVICE_ID_LEN] = '\0';
    return APR_SUCCESS;
}

/* HMAC of DOMAIN head into mac; 1 on success */
static int sign_head(unsigned char mac[CLINIC_MAC_LEN], apr_pool_t *p,
                     const clinic_jwt_key_t *k, const char *head,
                     apr_size_t len)
{
    char *text = apr_palloc(p, sizeof(DOMAIN) - 1 + len);

    memcpy(text, DOMAIN, sizeof(DOMAIN) - 1);
    memcpy(text + sizeof(DOMAIN) - 1, head, len);
    return clinic_hmac_sha256(mac, k->key, k->keylen, text,
                              sizeof(DOMAIN) - 1 + len);
}

const char *clinic_device_sign(apr_pool_t *p, const clinic_jwt_key_t *k,
                               const clinic_device_t *d)
{
    unsigned char mac[CLINIC_MAC_LEN];
    const char *payload, *head;

    if (!d->id || !is_hex_id(d->id, strlen(d->id)) || !d->phone
        || !is_phone(d->phone, strlen(d->phone)) || d->iat < 0
        || d->exp < 0) {
        return NULL;
    }
    payload = apr_psprintf(p, "%s|%s|%" APR_INT64_T_FMT "|%"
                           APR_INT64_T_FMT, d->id, d->phone, d->iat, d->exp);
    head = apr_pstrcat(p, VERSION ".", k->kid, ".",
                       clinic_b64url_encode(p, (const unsigned char *)payload,
                                            strlen(payload)), NULL);
    if (!sign_head(mac, p, k, head, strlen(head))) {
        return NULL;
    }
    return apr_pstrcat(p, head, ".", clinic_b64url_encode(p, mac, sizeof(mac)),
                       NULL);
}

/* "<id>|<phone>|<iat>|<exp>" into *out; 1 when it has that shape */
static int parse_payload(clinic_device_t *out, apr_pool_t *p,
                         const char *s, apr_size_t len)
{
    const char *part[4];
    apr_size_t plen[4], start = 0, i;
    int k = 0;

    for (i = 0; i <= len && k < 4; i++) {
        if (i == len || s[i] == '|') {
            part[k] = s + start;
            plen[k++] = i - start;
            start = i + 1;
        }
    }
    if (k != 4 || start != len + 1 || !is_hex_id(part[0], plen[0])
        || !is_phone(part[1], plen[1])) {
        return 0;
    }
    out->iat = time_of(part[2], plen[2]);
    out->exp = time_of(part[3], plen[3]);
    if (out->iat < 0 || out->exp < 0) {
        return 0;
    }
    out->id = apr_pstrmemdup(p, part[0], plen[0]);
    out->phone = apr_pstrmemdup(p, part[1], plen[1]);
    return 1;
}

clinic_device_rc clinic_device_verify(clinic_device_t *out, apr_pool_t *p,
                                      const char *token,
                                      const clinic_jwt_key_t *ring, int n,
                                      const char *phone, apr_int64_t now)
{
    const char *kid, *pay, *sig, *end;
    unsigned char mac[CLINIC_MAC_LEN], *raw;
    const clinic_jwt_key_t *k = NULL;
    clinic_device_t d;
    apr_size_t len;
    long rawlen;
    int i;

    if (!token || (len = strlen(token)) > CLINIC_DEVICE_MAX_LEN
        || strncmp(token, VERSION ".", sizeof(VERSION))) {
        return CLINIC_DEVICE_MALFORMED;
    }
    kid = token + sizeof(VERSION);
    end = token + len;
    if (!(pay = memchr(kid, '.', (apr_size_t)(end - kid)))
        || !(sig = memchr(pay + 1, '.', (apr_size_t)(end - pay - 1)))
        || memchr(sig + 1, '.', (apr_size_t)(end - sig - 1))
        || pay - kid != CLINIC_JWT_KID_LEN || sig == pay + 1) {
        return CLINIC_DEVICE_MALFORMED;
    }
    pay++;
    for (i = 0; i < n; i++) {
        if (!memcmp(ring[i].kid, kid, CLINIC_JWT_KID_LEN)) {
            k = &ring[i];
            break;
        }
    }
    if (!k) {
        return CLINIC_DEVICE_UNKNOWN_KEY;
    }
    sig++;
    if (clinic_b64url_decode(p, sig, (apr_size_t)(end - sig), &raw)
        != CLINIC_MAC_LEN) {
        return CLINIC_DEVICE_MALFORMED;
    }
    if (!sign_head(mac, p, k, token, (apr_size_t)(sig - 1 - token))
        || CRYPTO_memcmp(mac, raw, CLINIC_MAC_LEN) != 0) {
        return CLINIC_DEVICE_BAD_SIGNATURE;
    }
    rawlen = clinic_b64url_decode(p, pay, (apr_size_t)(sig - 1 - pay), &raw);
    if (rawlen < 0 || !parse_payload(&d, p, (const char *)raw,
                                     (apr_size_t)rawlen)) {
        return CLINIC_DEVICE_MALFORMED;
    }
    if (d.exp <= now) {
        return CLINIC_DEVICE_EXPIRED;
    }
    if (!phone || strcmp(d.phone, phone)) {
        return CLINIC_DEVICE_OTHER_PHONE;
    }
    *out = d;
    return CLINIC_DEVICE_OK;
}

const char *clinic_device_reason(clinic_device_rc rc)
{
    switch (rc) {
    case CLINIC_DEVICE_OK:
        return "ok";
    case CLINIC_DEVICE_UNKNOWN_KEY:
        return "unknown_key";
    case CLINIC_DEVICE_BAD_SIGNATURE:
        return "signature";
    case CLINIC_DEVICE_EXPIRED:
        return "expired";
    case CLINIC_DEVICE_OTHER_PHONE:
        return "other_phone";
    default:
        return "malformed";
    }
}
