/*
 * SPDX-License-Identifier: Apache-2.0
 * model.h: the rows the API shows, as plain C structs (no httpd headers).
 * The store fills them; json.c shapes them into API.md's objects.
 */
#ifndef CLINIC_MODEL_H
#define CLINIC_MODEL_H

#include <apr.h>

typedef struct {
    const char *id;
    const char *phone;          /* +965XXXXXXXX */
    const char *name;           /* NULL when unset */
    const char *national_id;    /* NULL when unset */
    int is_active;
    apr_int64_t created_at;     /* seconds since the epoch, UTC */
    apr_int64_t updated_at;
    apr_int64_t token_version;  /* bumped when older tokens must die */
} clinic_user_t;

typedef struct {
    const char *id;
    const char *name;
    const char *description;    /* NULL when unset */
    const char *price;          /* exact decimal text as stored: "25.500" */
    int duration_days;
    int is_active;
    apr_int64_t created_at;
} clinic_package_t;

typedef struct {
    const char *id;
    clinic_package_t pkg;       /* the package it was bought from; its
                                 * price is what this subscription costs */
    apr_int64_t purchased_at;   /* the payment's confirmation, once paid */
    apr_int64_t expires_at;
    const char *payment_status; /* pending | completed | failed */
    const char *user_id;
    apr_int64_t created_at;     /* when the purchase was asked for */
    const char *currency;       /* what the provider must confirm, or NULL
                                 * (bought before payments) */
    const char *pay_provider;   /* myfatoorah | tap, NULL when none */
    const char *pay_ref;        /* the provider's id for the payment */
    const char *pay_url;        /* where the patient pays */
    apr_int64_t pay_expires_at;
} clinic_sub_t;

#endif
