/*
 * SPDX-License-Identifier: Apache-2.0
 * waclient.h: helpers of the WhatsApp tests (waclient.c).  Phones are
 * "+965XXXXXXXX"; the fake knows them by their digits.
 */
#ifndef CLINIC_TEST_WACLIENT_H
#define CLINIC_TEST_WACLIENT_H

#include "client.h"

#define WEBHOOK "/api/whatsapp/webhook"
#define CODES "SELECT COUNT(*) FROM otp_codes WHERE phone_number = '%s' "

/* POST the fake's /_control; its JSON answer (caller deletes) */
cJSON *wa_ctl(const char *json);
/* what the fake does with messages to phone ("deliver", "refuse", "hang",
 * "fail_later"); webhook: it notifies the wa site's webhook of their
 * statuses */
void wa_mode(const char *phone, const char *mode, int webhook);
/* the messages the fake was asked to send to phone, oldest first */
cJSON *wa_msgs(const char *phone);
int wa_count(const char *phone);
/* a member of the newest message to phone (waits up to 3 s for one) */
char *wa_last(const char *phone, const char *member);

/* hex HMAC-SHA256 of body with the key in key_file */
char *hex_hmac(const char *key_file, const char *body);
/* Meta's status notification for one message (error 0: none) */
char *status_body(const char *wamid, const char *phone, const char *status,
                  long error);
/* POST body to base's webhook with X-Hub-Signature-256 sig, or none */
/* the same, from the client ip (X-Forwarded-For) */
resp_t *post_hook_from(const char *base, const char *body, const char *sig,
                       const char *ip);
resp_t *post_hook(const char *base, const char *body, const char *sig);
/* a status of wamid, signed well, on base's webhook */
resp_t *notify(const char *base, const char *wamid, const char *phone,
               const char *status, long error);
/* notify the wa site and expect 200 with this many fallbacks sent */
void notified(const char *wamid, const char *phone, const char *status,
              long error, int fallbacks);

/* send-otp on base, channel a JSON value or NULL */
resp_t *send_on(const char *base, const char *phone, const char *channel,
                const char *ip);
/* a send that answers 200 by channel */
void sent_by(const char *base, const char *phone, const char *channel,
             const char *ip);
/* a count the query gives for phone */
long count_sql(const char *query, const char *phone);
/* waits up to 5 s for phone's SMS count to reach n; the count */
int sms_reach(const char *phone, int n);
/* a security-log line holds a, b and (unless NULL) c */
int seclog_has(const char *a, const char *b, const char *c);

#endif
