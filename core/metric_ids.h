/*
 * SPDX-License-Identifier: Apache-2.0
 * metric_ids.h: the catalogue of metrics, ids and label values, that the
 * counting (modules/metrics.c, httpd's shared memory) and the Prometheus
 * text (metrics_fmt.c) share.  Adding a metric: an id here, its row in
 * metrics_fmt.c's table, a line in README.md.
 */
#ifndef CLINIC_METRIC_IDS_H
#define CLINIC_METRIC_IDS_H

/* ---- counters and their labels ------------------------------------------ */

typedef enum {
    CLINIC_M_SENDS = 0,           /* channel x result: CLINIC_SEND_LABEL */
    CLINIC_M_VERIFIES,            /* clinic_verify_result */
    CLINIC_M_LOGINS,              /* clinic_login_kind */
    CLINIC_M_RATE_LIMITED,        /* clinic_rl_kind (config.h) */
    CLINIC_M_UNAVAILABLE,         /* clinic_unavail_cause */
    CLINIC_M_PAYMENTS,            /* provider x state: CLINIC_PAY_LABEL */
    CLINIC_M_PAY_MISMATCHES,      /* provider: CLINIC_PAY_PROVIDER */
    CLINIC_M_WEBHOOK_BAD_SIG,     /* provider: CLINIC_PAY_PROVIDER */
    CLINIC_M_DB_CONNECT_FAILURES, /* no label */
    CLINIC_M_CODES_NOT_ACTIVATED, /* no label: an SMS went out, its code
                                   * could not be activated */
    CLINIC_M_SEND_CAP_WAITS,      /* no label: a send waited for a place
                                   * under ClinicSMSMaxConcurrent */
    CLINIC_M_SMS_BUDGET,          /* clinic_budget_level: once a day each */
    CLINIC_M_WEBHOOK_REFUSED,     /* provider: CLINIC_PAY_PROVIDER; a
                                   * client past its signature failures */
    CLINIC_M_OTP_FALLBACKS,       /* clinic_fallback_reason: a code sent
                                   * again by SMS after WhatsApp */
    CLINIC_M_WA_BAD_SIG,          /* no label: WhatsApp notifications
                                   * refused for their signature */
    CLINIC_M_COUNT
} clinic_metric_id;

typedef enum {
    CLINIC_CH_SMS = 0,
    CLINIC_CH_WHATSAPP,
    CLINIC_CH_COUNT
} clinic_channel;

typedef enum {
    CLINIC_SEND_OK = 0,
    CLINIC_SEND_GATEWAY_FAILED,   /* refused, an HTTP error, no connection */
    CLINIC_SEND_GATEWAY_TIMEOUT,
    CLINIC_SEND_RESULT_COUNT
} clinic_send_result;
#define CLINIC_SEND_LABEL(ch, res) ((int)(ch) * CLINIC_SEND_RESULT_COUNT \
                                    + (int)(res))

typedef enum {
    CLINIC_FALLBACK_REFUSED = 0,  /* WhatsApp refused it at once */
    CLINIC_FALLBACK_TIMEOUT,      /* WhatsApp did not answer in time */
    CLINIC_FALLBACK_FAILED,       /* a failed status on the webhook */
    CLINIC_FALLBACK_REASON_COUNT
} clinic_fallback_reason;

typedef enum {
    CLINIC_VERIFY_OK = 0,
    CLINIC_VERIFY_WRONG,          /* a wrong code, an attempt spent */
    CLINIC_VERIFY_EXPIRED,
    CLINIC_VERIFY_NOT_FOUND,      /* no code pending for the number */
    CLINIC_VERIFY_REPLACED,       /* the code of an earlier SMS */
    CLINIC_VERIFY_USED,           /* no longer valid: used or retired */
    CLINIC_VERIFY_LOCKED,         /* its attempts were all spent */
    CLINIC_VERIFY_COUNT
} clinic_verify_result;

typedef enum {
    CLINIC_LOGIN_NEW = 0,
    CLINIC_LOGIN_RETURNING,
    CLINIC_LOGIN_COUNT
} clinic_login_kind;

typedef enum {
    CLINIC_503_DB_DOWN = 0,       /* unreachable, or a connection broke */
    CLINIC_503_DB_BUSY,           /* locked or busy */
    CLINIC_503_SEND_CAP,          /* ClinicSMSMaxConcurrent */
    CLINIC_503_PAYMENT_CAP,       /* ClinicPaymentMaxConcurrent */
    CLINIC_503_OTHER,
    CLINIC_503_SMS_BUDGET,        /* ClinicSMSDailyLimit */
    CLINIC_503_COUNT
} clinic_unavail_cause;

typedef enum {
    CLINIC_BUDGET_80 = 0,         /* 80 % of ClinicSMSDailyLimit sent */
    CLINIC_BUDGET_100,            /* all of it: sends refused */
    CLINIC_BUDGET_LEVEL_COUNT
} clinic_budget_level;

/* providers: clinic_pay_driver_t (config.h) less "none" */
#define CLINIC_PAY_PROVIDER(driver) ((int)(driver) - 1)
#define CLINIC_PAY_PROVIDER_COUNT 2
typedef enum {
    CLINIC_PAYST_PENDING = 0,     /* made at the provider */
    CLINIC_PAYST_PAID,
    CLINIC_PAYST_FAILED,
    CLINIC_PAYST_REFUND_NEEDED,   /* paid after it was failed, slot taken */
    CLINIC_PAYST_COUNT
} clinic_pay_state;
#define CLINIC_PAY_LABEL(driver, st) \
    (CLINIC_PAY_PROVIDER(driver) * CLINIC_PAYST_COUNT + (int)(st))

/* ---- histograms --------------------------------------------------------- */

typedef enum {
    CLINIC_H_GATEWAY = 0,     /* one call to the gateway: channel */
    CLINIC_H_DB_ACQUIRE,          /* getting a pooled connection */
    CLINIC_H_COUNT
} clinic_hist_id;

#endif
