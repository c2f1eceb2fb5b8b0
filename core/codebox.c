/*
 * SPDX-License-Identifier: Apache-2.0
 * codebox.c: sealing a code for a later SMS fallback (see codebox.h).
 */
#include <string.h>

#include <apr_strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "codebox.h"
#include "mac.h"

#define BOX_KEY_LABEL "mod_clinic code box key v1"
#define BOX_PREFIX "b1."
#define NONCE_LEN 12
#define TAG_LEN 16
#define RAW_LEN (NONCE_LEN + CLINIC_OTP_DIGITS + TAG_LEN)

/* the box key of a code key */
static int box_key(unsigned char out[CLINIC_MAC_LEN],
                   const clinic_secret_t *k)
{
    return k && k->data && k->len
           && clinic_hmac_sha256(out, k->data, k->len, BOX_KEY_LABEL,
                                 sizeof(BOX_KEY_LABEL) - 1);
}

/* what the box is bound to, into aad; 0 when it does not fit */
static int bound_to(char aad[256], const char *id, const char *phone)
{
    return apr_snprintf(aad, 256, "mod_clinic code box|%s|%s", id, phone)
           < 255;
}

/* AES-256-GCM of in (n bytes) into out, tag into tag; 1 on success */
static int gcm(int enc, const unsigned char *key, const unsigned char *nonce,
               const char *aad, const unsigned char *in, int n,
               unsigned char *out, unsigned char *tag)
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int len, ok;

    ok = x && EVP_CipherInit_ex(x, EVP_aes_256_gcm(), NULL, NULL, NULL, enc)
         && EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL)
         && EVP_CipherInit_ex(x, NULL, NULL, key, nonce, enc)
         && EVP_CipherUpdate(x, NULL, &len, (const unsigned char *)aad,
                             (int)strlen(aad))
         && EVP_CipherUpdate(x, out, &len, in, n)
         && (enc || EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
                                        tag))
         && EVP_CipherFinal_ex(x, out + len, &len)
         && (!enc || EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
                                         tag));
    EVP_CIPHER_CTX_free(x);
    return ok;
}

static int is_code(const unsigned char *s)
{
    int i;

    for (i = 0; i < CLINIC_OTP_DIGITS; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return 1;
}

const char *clinic_codebox_seal(apr_pool_t *p, const clinic_secret_t *otp_key,
                                const char *id, const char *phone,
                                const char *code)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char key[CLINIC_MAC_LEN], raw[RAW_LEN];
    char *out = NULL, aad[256];
    int i;

    if (!id || !phone || !code || strlen(code) != CLINIC_OTP_DIGITS
        || !is_code((const unsigned char *)code) || !bound_to(aad, id, phone)
        || !box_key(key, otp_key) || RAND_bytes(raw, NONCE_LEN) != 1
        || !gcm(1, key, raw, aad,
                (const unsigned char *)code, CLINIC_OTP_DIGITS,
                raw + NONCE_LEN, raw + NONCE_LEN + CLINIC_OTP_DIGITS)) {
        goto done;
    }
    out = apr_palloc(p, CLINIC_CODEBOX_LEN + 1);
    memcpy(out, BOX_PREFIX, sizeof(BOX_PREFIX) - 1);
    for (i = 0; i < RAW_LEN; i++) {
        out[sizeof(BOX_PREFIX) - 1 + 2 * i] = hex[raw[i] >> 4];
        out[sizeof(BOX_PREFIX) - 1 + 2 * i + 1] = hex[raw[i] & 15];
    }
    out[CLINIC_CODEBOX_LEN] = '\0';
done:
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(raw, sizeof(raw));
    return out;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* the box's bytes; 0 when it is not a box */
static int unhex_box(unsigned char raw[RAW_LEN], const char *box)
{
    const char *h;
    int i;

    if (!box || strlen(box) != CLINIC_CODEBOX_LEN
        || strncmp(box, BOX_PREFIX, sizeof(BOX_PREFIX) - 1)) {
        return 0;
    }
    h = box + sizeof(BOX_PREFIX) - 1;
    for (i = 0; i < RAW_LEN; i++) {
        int hi = hexval(h[2 * i]), lo = hexval(h[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return 0;
        }
        raw[i] = (unsigned char)(hi << 4 | lo);
    }
    return 1;
}

int clinic_codebox_open(char out[CLINIC_OTP_DIGITS + 1],
                        const clinic_secret_t *keys, int n, const char *id,
                        const char *phone, const char *box)
{
    unsigned char key[CLINIC_MAC_LEN], raw[RAW_LEN];
    unsigned char plain[CLINIC_OTP_DIGITS + TAG_LEN];
    char aad[256];
    int i, ok = 0;

    memset(out, 0, CLINIC_OTP_DIGITS + 1);
    if (!id || !phone || !unhex_box(raw, box) || !bound_to(aad, id, phone)) {
        return 0;
    }
    for (i = 0; i < n && !ok; i++) {
        ok = box_key(key, &keys[i])
             && gcm(0, key, raw, aad, raw + NONCE_LEN, CLINIC_OTP_DIGITS,
                    plain, raw + NONCE_LEN + CLINIC_OTP_DIGITS)
             && is_code(plain);
    }
    if (ok) {
        memcpy(out, plain, CLINIC_OTP_DIGITS);
    }
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(plain, sizeof(plain));
    OPENSSL_cleanse(raw, sizeof(raw));
    return ok;
}
