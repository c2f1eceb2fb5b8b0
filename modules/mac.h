/*
 * mac.h: HMAC-SHA256, the one place the module computes it.
 *
 * OpenSSL 3's one-shot HMAC() looks up the algorithm, makes a context and
 * hashes the key on every call: about 26,000 instructions for a token
 * check.  Here each thread keeps a context per key it has seen, keyed
 * once, and only resets it for the next message.
 */
#ifndef CLINIC_MAC_H
#define CLINIC_MAC_H

#include <stddef.h>

#define CLINIC_MAC_LEN 32

/* HMAC-SHA256(key, data) into out; 1 on success, 0 when OpenSSL fails.
 * A NULL key is the empty key only with keylen 0; NULL data only with
 * len 0. */
int clinic_hmac_sha256(unsigned char out[CLINIC_MAC_LEN],
                       const void *key, size_t keylen,
                       const void *data, size_t len);

#endif
