/*
 * SPDX-License-Identifier: Apache-2.0
 * client.h: what the integration tests share (client.c, load.c): an HTTP
 * client (libcurl)
 * for the module under test, the fake SMS gateway's records, and SQL on
 * the database the harness started.  Settings come from the environment
 * the harness exports (CLINIC_MAIN, CLINIC_SMS, CLINIC_SQL, ...).
 */
#ifndef CLINIC_TEST_CLIENT_H
#define CLINIC_TEST_CLIENT_H

#include <stddef.h>
#include <cjson/cJSON.h>

typedef struct {
    long status;
    char *body;          /* NUL-terminated */
    size_t len;
    char *headers;       /* raw response head */
    cJSON *json;         /* parsed body or NULL */
    double seconds;      /* total time */
} resp_t;

/* base URL of a test site: "main", "short", "fail", ... (CLINIC_<NAME>) */
const char *site(const char *name);

/* One request.  headers: NULL-terminated "Name: value" list or NULL. */
resp_t *req(const char *method, const char *url, const char *body,
            const char *const *headers);
/* Convenience: JSON body, optional bearer token and client IP. */
resp_t *call(const char *method, const char *base, const char *path,
             const char *json_body, const char *token, const char *ip);
/* The same, asserting nothing (safe in threads): status 0 when the
 * request failed at the transport. */
resp_t *try_call(const char *method, const char *base, const char *path,
                 const char *json_body, const char *token, const char *ip);
void resp_free(resp_t *r);

const char *resp_header(const resp_t *r, const char *name);  /* static buf */
/* dotted path into the JSON: "data.user.phoneNumber", "error.code" */
cJSON *jget(const resp_t *r, const char *path);
const char *jstr(const resp_t *r, const char *path);   /* NULL if absent */
double jnum(const resp_t *r, const char *path);        /* -1 if absent */
/* the envelope is well formed: success flag matches, error has code and
 * message; asserts inside */
void assert_envelope(const resp_t *r, int success);
void assert_error(const resp_t *r, long status, const char *code);

char *fake_phone(void);      /* "+9655XXXXXXX", random */
char *fake_ip(void);         /* a random documentation IPv6 address */

/* the newest SMS the gateway got for phone (waits up to 3 s); its code */
char *sms_code(const char *phone);
int sms_count(const char *phone);
cJSON *sms_last(const char *phone);  /* the record; caller cJSON_Delete */

/* POST send-otp / verify-otp for phone from ip */
resp_t *send_otp(const char *base, const char *phone, const char *ip);
resp_t *verify_otp(const char *base, const char *phone, const char *code,
                   const char *ip);
/* send-otp + verify-otp on base; returns the token (caller frees) */
char *login(const char *base, const char *phone, const char *ip);

/* run SQL through the harness (CLINIC_SQL); returns stdout (caller frees) */
char *sql(const char *fmt, ...);
int db_is_mysql(void);
/* how to run httpd ("apache2", or with the sanitizer preloaded under
 * make asan: CLINIC_APACHE2) */
const char *apache2(void);
/* a file's text (caller frees), or NULL */
char *slurp(const char *path);
/* a job for spawn(): a send-otp for phone through slowgw (its gateway
 * answers after 3 s); status gets the answer's */
typedef struct {
    const char *phone;
    long status;
} slow_send_t;
void slow_send(void *arg, int i);
/* seconds on the monotonic clock */
double now_s(void);
/* how many times tag occurs in text ("\n": its lines) */
int count_in(const char *text, const char *tag);
/* the error log's size now (CLINIC_ERROR_LOG): where a test's lines start */
long error_log_size(void);



/* An HS256 token over the given header and payload JSON, signed with the
 * key in CLINIC_JWT_KEY (the harness's key file), or with `key` if set. */
char *make_token(const char *header_json, const char *payload_json,
                 const char *key);
/* "{\"phone_number\":\"...\",\"code\":\"...\"}" and friends */
char *fmt(const char *format, ...);
/* apache2 -t on common.conf + `main` in the main server + a vhost holding
 * `body`: its exit status, and *out what it printed */
int configtest_conf(const char *main, const char *body, char **out);
/* the same with a vhost that has a token key and an SMS URL, then lines */
int configtest_vhost(const char *lines, char **out);
/* The general limits use fixed 60-second windows: wait, if need be, so a
 * burst of `seconds` fits inside one. */
void window_room(int seconds);
/* run n copies of fn(arg, i) in parallel threads */
void parallel(int n, void (*fn)(void *arg, int i), void *arg);
/* the same in the background: spawn, then join when done */
typedef struct jobs jobs_t;
jobs_t *spawn(int n, void (*fn)(void *arg, int i), void *arg);
void join(jobs_t *j);
/* A client that sent `head` to the site at base and then goes quiet: the
 * connection stays open until close(fd). */
int open_trickle(const char *base, const char *head);
/* A graceful restart of the harness's httpd (SIGUSR1 to the master in
 * CLINIC_RUN_DIR/httpd.pid), as logrotate makes one a day: returns once
 * the children of the generation before are gone and the main site
 * answers (nothing else may hold a connection open meanwhile).  old gets
 * the children of the generation before (at most max); their count is
 * returned. */
int graceful_restart(int *old, int max);
/* The pid (access log, pid=) of the child that served the nth request
 * (from 1) from ip, waiting up to 3 s for its line; 0 when none came */
int served_by(const char *ip, int nth, int *pid);
/* pid is one of pids[0..n) */
int in_generation(int pid, const int *pids, int n);
#endif
