/*
 * SPDX-License-Identifier: Apache-2.0
 * otp.h: one-time codes (pure: OpenSSL CSPRNG and HMAC).
 *
 * A code is 5 decimal digits drawn without modulo bias; only its
 * HMAC-SHA256(key, phone "|" purpose "|" code), as 64 lowercase hex
 * characters, is ever stored.
 */
#ifndef CLINIC_OTP_H
#define CLINIC_OTP_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>

#define CLINIC_OTP_DIGITS 5
#define CLINIC_KEY_MIN 32

/* A key, as read from a secret file (config.c) or derived */
typedef struct {
    unsigned char *data;
    apr_size_t len;
    const char *file;       /* where it came from, for messages; NULL when
                             * derived */
} clinic_secret_t;

/* Fill out with 5 ASCII digits and a NUL from RAND_bytes, rejection
 * sampling so every code 00000..99999 is equally likely.
 * Returns APR_SUCCESS, or APR_EGENERAL when the CSPRNG fails. */
apr_status_t clinic_otp_generate(char out[CLINIC_OTP_DIGITS + 1]);

/* hex HMAC-SHA256 over phone|purpose|code, from p; NULL on failure */
const char *clinic_otp_hash(apr_pool_t *p, const unsigned char *key,
                            apr_size_t keylen, const char *phone,
                            const char *purpose, const char *code);

/* The hash of the code under each of the n keys of a code ring (const
 * char *, in the ring's order), from p; NULL when one fails. */
apr_array_header_t *clinic_otp_hashes(apr_pool_t *p,
                                      const clinic_secret_t *keys, int n,
                                      const char *phone, const char *purpose,
                                      const char *code);

/* 1 when stored equals one of hashes.  Every one is compared, in constant
 * time, whichever matches: the time tells nothing of the code nor of the
 * key.  A NULL stored matches nothing. */
int clinic_otp_hash_in(const apr_array_header_t *hashes, const char *stored);

/* Derive the OTP key from the JWT key when ClinicOTPSecretFile is unset:
 * HMAC-SHA256(jwt_key, "mod_clinic otp key v1"), 32 bytes into out. */
apr_status_t clinic_otp_derive_key(unsigned char out[32],
                                   const unsigned char *jwt_key,
                                   apr_size_t jwt_keylen);

#endif
