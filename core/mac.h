/*
 * SPDX-License-Identifier: Apache-2.0
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
 * len 0.  Between clinic_mac_init and clinic_mac_fini it uses the kept
 * contexts; before, after, or when the self-test failed, OpenSSL's
 * one-shot HMAC() (the same answer, slower). */
int clinic_hmac_sha256(unsigned char out[CLINIC_MAC_LEN],
                       const void *key, size_t keylen,
                       const void *data, size_t len);

/* Start keeping contexts, in a process that will serve requests (httpd's
 * child_init; never the parent, which reloads the module and would leak
 * a thread key per load).  It checks once that a reset context gives the
 * one-shot HMAC's answer (OpenSSL 3.0.0 to 3.0.2 did not reset it), and
 * keeps none if not.  1 when contexts are kept. */
int clinic_mac_init(void);

/* Stop keeping contexts (the child's pool cleanup): the thread key and
 * the calling thread's contexts go; the others' went with their threads. */
void clinic_mac_fini(void);

/* 1 when the two NUL-terminated strings are equal; the time taken does not
 * depend on where they differ (CRYPTO_memcmp over the longer length). */
int clinic_ct_streq(const char *a, const char *b);

#endif
