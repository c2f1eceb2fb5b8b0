/*
 * SPDX-License-Identifier: Apache-2.0
 * otp_deliver.h: a code's way out (otp_deliver.c): by SMS, or by
 * WhatsApp and, refused at once, by SMS in the same request
 * (ClinicOTPFallback sms).
 */
#ifndef CLINIC_OTP_DELIVER_H
#define CLINIC_OTP_DELIVER_H

#include "request.h"

typedef struct {
    /* the send's */
    const char *id;            /* the code's row */
    const char *phone;         /* +965XXXXXXXX */
    const char *owner;         /* "" for a login, else the user's id */
    const char *lang;          /* of its text: "en", "ar" */
    int whatsapp;              /* WhatsApp first (asked, and configured) */
    /* what happened */
    const char *channel;       /* "sms" or "whatsapp": what took it, or
                                * what refused it */
    const char *wamid;         /* WhatsApp's id for its message */
    int fell_back;             /* WhatsApp refused it, SMS took it */
} clinic_delivery_t;

/* Deliver code to dl->phone (no database connection may be held: the
 * calls may take their timeouts).  APR_SUCCESS when a channel took it;
 * APR_EBUSY when the send cap had no place; APR_TIMEUP or another
 * failure when none did (already logged, without the code).  An
 * immediate fallback is counted (metrics) and logged (otp_fallback). */
apr_status_t clinic_otp_deliver(clinic_req_t *cr, const char *code,
                                clinic_delivery_t *dl);

#endif
