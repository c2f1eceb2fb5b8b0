/*
 * SPDX-License-Identifier: Apache-2.0
 * client.c: HTTP, gateway and SQL helpers for the integration tests.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <criterion/criterion.h>

#include "client.h"
#include "resplog.h"

const char *site(const char *name)
{
    char var[64], *v;
    size_t i;

    snprintf(var, sizeof(var), "CLINIC_%s", name);
    for (i = 7; var[i]; i++) {
        if (var[i] >= 'a' && var[i] <= 'z') {
            var[i] = (char)(var[i] - 32);
        }
    }
    v = getenv(var);
    cr_assert(v, "%s is not set: run the suite through tests/run-integration.sh", var);
    return v;
}

typedef struct {
    char *data;
    size_t len;
} buf_t;

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
    buf_t *b = ud;
    size_t add = size * n;
    char *grown = realloc(b->data, b->len + add + 1);

    if (!grown) {
        return 0;
    }
    b->data = grown;
    memcpy(b->data + b->len, p, add);
    b->len += add;
    b->data[b->len] = '\0';
    return add;
}

static resp_t *perform(const char *method, const char *url, const char *body,
                       const char *const *headers, int must);

resp_t *req(const char *method, const char *url, const char *body,
            const char *const *headers)
{
    return perform(method, url, body, headers, 1);
}

static resp_t *perform(const char *method, const char *url, const char *body,
                       const char *const *headers, int must)
{
    CURL *h = curl_easy_init();
    struct curl_slist *list = NULL;
    buf_t bd = { NULL, 0 }, hd = { NULL, 0 };
    resp_t *r = calloc(1, sizeof(*r));
    CURLcode rc;

    cr_assert(h && r);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    if (!strcmp(method, "HEAD")) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    }
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    for (; headers && *headers; headers++) {
        list = curl_slist_append(list, *headers);
    }
    list = curl_slist_append(list, "Expect:");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &bd);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &hd);
    rc = curl_easy_perform(h);
    if (must) {
        cr_assert_eq(rc, CURLE_OK, "%s %s: %s", method, url,
                     curl_easy_strerror(rc));
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    if (rc != CURLE_OK) {
        r->status = 0;
    }
    curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &r->seconds);
    curl_slist_free_all(list);
    curl_easy_cleanup(h);
    r->body = bd.data ? bd.data : strdup("");
    r->len = bd.len;
    r->headers = hd.data ? hd.data : strdup("");
    r->json = cJSON_ParseWithLength(r->body, r->len);
    resp_log(method, url, r->status, r->headers, r->body);
    return r;
}

static resp_t *call_as(const char *method, const char *base,
                       const char *path, const char *json_body,
                       const char *token, const char *ip, int must);

resp_t *call(const char *method, const char *base, const char *path,
             const char *json_body, const char *token, const char *ip)
{
    return call_as(method, base, path, json_body, token, ip, 1);
}

resp_t *try_call(const char *method, const char *base, const char *path,
                 const char *json_body, const char *token, const char *ip)
{
    return call_as(method, base, path, json_body, token, ip, 0);
}

static resp_t *call_as(const char *method, const char *base,
                       const char *path, const char *json_body,
                       const char *token, const char *ip, int must)
{
    char url[1024], auth[2048], xff[128];
    const char *headers[5];
    int n = 0;

    snprintf(url, sizeof(url), "%s%s", base, path);
    if (json_body) {
        headers[n++] = "Content-Type: application/json";
    }
    if (token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        headers[n++] = auth;
    }
    if (ip) {
        snprintf(xff, sizeof(xff), "X-Forwarded-For: %s", ip);
        headers[n++] = xff;
    }
    headers[n] = NULL;
    return perform(method, url, json_body, headers, must);
}

void resp_free(resp_t *r)
{
    if (r) {
        cJSON_Delete(r->json);
        free(r->body);
        free(r->headers);
        free(r);
    }
}

const char *resp_header(const resp_t *r, const char *name)
{
    static __thread char value[1024];
    size_t n = strlen(name);
    const char *line = r->headers;

    while (line && *line) {
        if (!strncasecmp(line, name, n) && line[n] == ':') {
            const char *v = line + n + 1, *end;
            while (*v == ' ') {
                v++;
            }
            end = strpbrk(v, "\r\n");
            n = end ? (size_t)(end - v) : strlen(v);
            if (n >= sizeof(value)) {
                n = sizeof(value) - 1;
            }
            memcpy(value, v, n);
            value[n] = '\0';
            return value;
        }
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    return NULL;
}

cJSON *jget(const resp_t *r, const char *path)
{
    char key[128];
    const char *p = path;
    cJSON *cur = r->json;

    while (cur && *p) {
        size_t n = strcspn(p, ".");
        if (n >= sizeof(key)) {
            return NULL;
        }
        memcpy(key, p, n);
        key[n] = '\0';
        if (cJSON_IsArray(cur)) {
            cur = cJSON_GetArrayItem(cur, atoi(key));
        }
        else {
            cur = cJSON_GetObjectItemCaseSensitive(cur, key);
        }
        p += n;
        if (*p == '.') {
            p++;
        }
    }
    return cur;
}

const char *jstr(const resp_t *r, const char *path)
{
    cJSON *j = jget(r, path);
    return cJSON_IsString(j) ? j->valuestring : NULL;
}

double jnum(const resp_t *r, const char *path)
{
    cJSON *j = jget(r, path);
    return cJSON_IsNumber(j) ? j->valuedouble : -1;
}

void assert_envelope(const resp_t *r, int success)
{
    const char *ct = resp_header(r, "Content-Type");

    cr_assert(ct && !strncmp(ct, "application/json", 16),
              "Content-Type is %s; body: %s", ct ? ct : "(none)", r->body);
    cr_assert(r->json, "body is not JSON: %s", r->body);
    cr_assert(cJSON_IsBool(jget(r, "success")), "no success flag: %s", r->body);
    cr_assert_eq(cJSON_IsTrue(jget(r, "success")), success, "%s", r->body);
    if (success) {
        cr_assert(cJSON_IsObject(jget(r, "data")), "%s", r->body);
        cr_assert(jstr(r, "message"), "%s", r->body);
    }
    else {
        cr_assert(jstr(r, "error.code"), "%s", r->body);
        cr_assert(jstr(r, "error.message"), "%s", r->body);
        cr_assert_null(jget(r, "data"), "%s", r->body);
    }
    /* nothing internal, ever */
    cr_assert_null(strstr(r->body, "SELECT"), "%s", r->body);
    cr_assert_null(strstr(r->body, "/tmp/"), "%s", r->body);
    cr_assert_null(strstr(r->body, "<html"), "%s", r->body);
}

void assert_error(const resp_t *r, long status, const char *code)
{
    cr_assert_eq(r->status, status, "status %ld, expected %ld: %s",
                 r->status, status, r->body);
    assert_envelope(r, 0);
    cr_assert_str_eq(jstr(r, "error.code"), code, "%s", r->body);
}

static unsigned rnd(void)
{
    unsigned v;
    cr_assert_eq(getrandom(&v, sizeof(v), 0), (ssize_t)sizeof(v));
    return v;
}

char *fake_phone(void)
{
    char *p = malloc(16);
    static const char first[] = "569";
    snprintf(p, 16, "+965%c%07u", first[rnd() % 3], rnd() % 10000000);
    return p;
}

char *fake_ip(void)
{
    char *p = malloc(64);
    snprintf(p, 64, "2001:db8:%x:%x::%x", rnd() & 0xffff, rnd() & 0xffff,
             rnd() & 0xffff);
    return p;
}

static cJSON *sms_fetch(const char *url)
{
    resp_t *r = req("GET", url, NULL, NULL);
    cJSON *arr;

    cr_assert_eq(r->status, 200);
    arr = r->json;
    r->json = NULL;
    resp_free(r);
    cr_assert(cJSON_IsArray(arr));
    return arr;
}

/* the gateway's records that may be to phone: those it finds in a "to"
 * field, or, when none (a body template with other names), all of them;
 * the callers match the phone in any field */
static cJSON *sms_records(const char *phone)
{
    char url[512];
    cJSON *arr;

    /* a phone is "+" and digits: only the "+" needs escaping */
    snprintf(url, sizeof(url), "%s/messages?to=%%2B%s", site("sms"),
             phone[0] == '+' ? phone + 1 : phone);
    arr = sms_fetch(url);
    if (cJSON_GetArraySize(arr) == 0) {
        cJSON_Delete(arr);
        snprintf(url, sizeof(url), "%s/messages", site("sms"));
        arr = sms_fetch(url);
    }
    return arr;
}

static int record_is_for(const cJSON *rec, const char *phone)
{
    const cJSON *f, *fields = cJSON_GetObjectItemCaseSensitive(rec, "fields");

    cJSON_ArrayForEach(f, fields) {
        if (cJSON_IsString(f) && !strcmp(f->valuestring, phone)) {
            return 1;
        }
    }
    return 0;
}

int sms_count(const char *phone)
{
    cJSON *arr = sms_records(phone), *rec;
    int n = 0;

    cJSON_ArrayForEach(rec, arr) {
        n += record_is_for(rec, phone);
    }
    cJSON_Delete(arr);
    return n;
}

cJSON *sms_last(const char *phone)
{
    int tries;

    for (tries = 0; tries < 30; tries++) {
        cJSON *arr = sms_records(phone), *rec, *found = NULL;
        cJSON_ArrayForEach(rec, arr) {
            if (record_is_for(rec, phone)) {
                found = rec;
            }
        }
        if (found) {
            found = cJSON_Duplicate(found, 1);
            cJSON_Delete(arr);
            return found;
        }
        cJSON_Delete(arr);
        usleep(100000);
    }
    cr_assert_fail("no SMS reached the gateway for %s", phone);
    return NULL;
}

char *sms_code(const char *phone)
{
    cJSON *rec = sms_last(phone), *f;
    const cJSON *fields = cJSON_GetObjectItemCaseSensitive(rec, "fields");
    char *code = NULL;

    cJSON_ArrayForEach(f, fields) {
        const char *s;
        if (!cJSON_IsString(f) || !strcmp(f->valuestring, phone)) {
            continue;
        }
        for (s = f->valuestring; *s; s++) {
            if (strspn(s, "0123456789") == 5
                && (s == f->valuestring || s[-1] < '0' || s[-1] > '9')) {
                code = strndup(s, 5);
                break;
            }
        }
        if (code) {
            break;
        }
    }
    cJSON_Delete(rec);
    cr_assert(code, "no 5-digit code in the SMS to %s", phone);
    return code;
}

resp_t *send_otp(const char *base, const char *phone, const char *ip)
{
    char *body = fmt("{\"phone_number\":\"%s\"}", phone);
    resp_t *r = call("POST", base, "/api/auth/send-otp", body, NULL, ip);
    free(body);
    return r;
}

resp_t *verify_otp(const char *base, const char *phone, const char *code,
                   const char *ip)
{
    char *body = fmt("{\"phone_number\":\"%s\",\"code\":\"%s\"}", phone, code);
    resp_t *r = call("POST", base, "/api/auth/verify-otp", body, NULL, ip);
    free(body);
    return r;
}

char *login(const char *base, const char *phone, const char *ip)
{
    resp_t *r;
    char *code, *token;

    r = send_otp(base, phone, ip);
    cr_assert_eq(r->status, 200, "send-otp: %s", r->body);
    resp_free(r);
    code = sms_code(phone);
    r = verify_otp(base, phone, code, ip);
    free(code);
    cr_assert_eq(r->status, 200, "verify-otp: %s", r->body);
    token = strdup(jstr(r, "data.token"));
    resp_free(r);
    return token;
}

char *sql(const char *fmt, ...)
{
    char query[4096], *cmd, *out = NULL, tmpl[] = "/tmp/clinic-sql.XXXXXX";
    size_t len = 0, cap = 0;
    const char *script = getenv("CLINIC_SQL");
    va_list ap;
    FILE *f;
    int c, status, fd;

    cr_assert(script, "CLINIC_SQL is not set");
    va_start(ap, fmt);
    vsnprintf(query, sizeof(query), fmt, ap);
    va_end(ap);
    /* the query goes through a file on stdin: no shell quoting at all */
    fd = mkstemp(tmpl);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, query, strlen(query)), (ssize_t)strlen(query));
    cr_assert_eq(write(fd, ";\n", 2), 2);
    close(fd);
    cr_assert(asprintf(&cmd, "%s < %s", script, tmpl) > 0);
    f = popen(cmd, "r");
    cr_assert(f, "cannot run %s", cmd);
    while ((c = fgetc(f)) != EOF) {
        if (len + 2 > cap) {
            cap = cap ? cap * 2 : 256;
            out = realloc(out, cap);
        }
        out[len++] = (char)c;
    }
    status = pclose(f);
    unlink(tmpl);
    cr_assert_eq(status, 0, "SQL failed: %s", query);
    free(cmd);
    if (!out) {
        out = strdup("");
    }
    else {
        out[len] = '\0';
    }
    while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r')) {
        out[--len] = '\0';
    }
    return out;
}

int db_is_mysql(void)
{
    const char *k = getenv("CLINIC_DB_KIND");
    return k && !strcmp(k, "mysql");
}

char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *out = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];

    if (!f) {
        return NULL;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            out = realloc(out, cap);
        }
        memcpy(out + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (!out) {
        out = strdup("");
    }
    out[len] = '\0';
    return out;
}

#include <openssl/hmac.h>
#include <openssl/evp.h>

static char *b64url(const unsigned char *in, size_t len)
{
    static const char tbl[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *out = malloc(len * 4 / 3 + 4), *o = out;
    size_t i;

    for (i = 0; i + 2 < len; i += 3) {
        *o++ = tbl[in[i] >> 2];
        *o++ = tbl[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
        *o++ = tbl[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
        *o++ = tbl[in[i + 2] & 63];
    }
    if (len - i == 1) {
        *o++ = tbl[in[i] >> 2];
        *o++ = tbl[(in[i] & 3) << 4];
    }
    else if (len - i == 2) {
        *o++ = tbl[in[i] >> 2];
        *o++ = tbl[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
        *o++ = tbl[(in[i + 1] & 15) << 2];
    }
    *o = '\0';
    return out;
}

char *make_token(const char *header_json, const char *payload_json,
                 const char *key)
{
    char *h = b64url((const unsigned char *)header_json, strlen(header_json));
    char *p = b64url((const unsigned char *)payload_json, strlen(payload_json));
    char *signing, *sig, *tok, *filekey = NULL;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    size_t klen;

    if (!key) {
        filekey = slurp(getenv("CLINIC_JWT_KEY"));
        cr_assert(filekey, "CLINIC_JWT_KEY is not readable");
        klen = strlen(filekey);
        while (klen > 0 && (filekey[klen - 1] == '\n' || filekey[klen - 1] == ' '
                            || filekey[klen - 1] == '\r' || filekey[klen - 1] == '\t')) {
            filekey[--klen] = '\0';
        }
        key = filekey;
    }
    cr_assert(asprintf(&signing, "%s.%s", h, p) > 0);
    HMAC(EVP_sha256(), key, (int)strlen(key), (unsigned char *)signing,
         strlen(signing), mac, &maclen);
    sig = b64url(mac, maclen);
    cr_assert(asprintf(&tok, "%s.%s", signing, sig) > 0);
    free(h);
    free(p);
    free(signing);
    free(sig);
    free(filekey);
    return tok;
}

char *fmt(const char *format, ...)
{
    va_list ap;
    char *out;

    va_start(ap, format);
    cr_assert(vasprintf(&out, format, ap) >= 0);
    va_end(ap);
    return out;
}

const char *apache2(void)
{
    const char *v = getenv("CLINIC_APACHE2");

    return v && *v ? v : "apache2";
}

double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int count_in(const char *text, const char *tag)
{
    int n = 0;
    const char *p = text;

    while (p && (p = strstr(p, tag))) {
        n++;
        p += strlen(tag);
    }
    return n;
}

long error_log_size(void)
{
    char *log = slurp(getenv("CLINIC_ERROR_LOG"));
    long n = log ? (long)strlen(log) : 0;

    free(log);
    return n;
}

/* ---- a graceful restart, as logrotate makes one -------------------------- */

static int master_pid(void)
{
    char *text = slurp(fmt("%s/httpd.pid", getenv("CLINIC_RUN_DIR")));
    int pid = text ? atoi(text) : 0;

    free(text);
    return pid;
}

/* the apache2 processes whose parent is pid (not its piped loggers) */
static int children_of(int pid, int *out, int max)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;

    cr_assert(d, "no /proc");
    while ((e = readdir(d)) && n < max) {
        char path[64], comm[32] = "", state;
        int child = atoi(e->d_name), ppid = 0;
        FILE *f;

        if (child <= 0) {
            continue;
        }
        snprintf(path, sizeof(path), "/proc/%d/stat", child);
        if (!(f = fopen(path, "r"))) {
            continue;
        }
        if (fscanf(f, "%*d (%31[^)]) %c %d", comm, &state, &ppid) == 3
            && ppid == pid && !strcmp(comm, "apache2")) {
            out[n++] = child;
        }
        fclose(f);
    }
    closedir(d);
    return n;
}

static int listed(int pid, const int *pids, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        if (pids[i] == pid) {
            return 1;
        }
    }
    return 0;
}

int graceful_restart(int *old, int max)
{
    int master = master_pid(), n_old, now[64], n, i, tries;

    cr_assert(master > 0, "no httpd.pid in CLINIC_RUN_DIR");
    n_old = children_of(master, old, max);
    cr_assert(n_old > 0, "httpd %d has no children", master);
    cr_assert_eq(kill(master, SIGUSR1), 0, "kill -USR1 %d", master);
    for (tries = 0; tries < 200; tries++) {
        int fresh = 0;
        usleep(100 * 1000);
        n = children_of(master, now, 64);
        for (i = 0; i < n; i++) {
            fresh |= !listed(now[i], old, n_old);
        }
        if (fresh) {
            break;
        }
    }
    cr_assert(tries < 200, "no new child 20 s after a graceful restart");
    /* the old generation stops listening a moment later: once its
     * children are gone, every request meets a new one */
    for (tries = 0; tries < 200; tries++) {
        int left = 0;
        n = children_of(master, now, 64);
        for (i = 0; i < n; i++) {
            left |= listed(now[i], old, n_old);
        }
        if (!left) {
            break;
        }
        usleep(100 * 1000);
    }
    cr_assert(tries < 200, "children of the generation before still run "
              "20 s after a graceful restart");
    for (tries = 0; tries < 100; tries++) {
        resp_t *r = try_call("GET", site("main"), "/api/version", NULL, NULL,
                             NULL);
        long status = r->status;
        resp_free(r);
        if (status == 200) {
            break;
        }
        usleep(100 * 1000);
    }
    cr_assert(tries < 100, "no answer 10 s after a graceful restart");
    return n_old;
}

/* the pid of the nth access log line from ip, 0 while there is none */
static int nth_line_pid(const char *ip, int nth)
{
    char *log = slurp(fmt("%s/access.log", getenv("CLINIC_RUN_DIR")));
    char *needle = fmt("%s ", ip), *line, *save = NULL, *p;
    int seen = 0, pid = 0;

    for (line = log ? strtok_r(log, "\n", &save) : NULL; line && !pid;
         line = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(line, needle, strlen(needle))
            && (p = strstr(line, " pid=")) && ++seen == nth) {
            pid = atoi(p + 5);
        }
    }
    free(needle);
    free(log);
    return pid;
}

int served_by(const char *ip, int nth, int *pid)
{
    int tries;

    /* httpd writes the line after the answer: wait for it a little */
    for (tries = 0; tries < 30 && !(*pid = nth_line_pid(ip, nth)); tries++) {
        usleep(100 * 1000);
    }
    return *pid != 0;
}

int in_generation(int pid, const int *pids, int n)
{
    return listed(pid, pids, n);
}

void slow_send(void *arg, int i)
{
    slow_send_t *s = arg;
    char *body = fmt("{\"phone_number\":\"%s\"}", s->phone), *ip = fake_ip();
    resp_t *r = try_call("POST", site("slowgw"), "/api/auth/send-otp", body,
                         NULL, ip);

    (void)i;
    s->status = r->status;
    resp_free(r);
    free(body);
    free(ip);
}

/* Run apache2 -t on common.conf + `main` in the main server + a vhost
 * holding `body`; returns the exit status and sets *out to what it
 * printed. */
int configtest_conf(const char *main, const char *body, char **out)
{
    char dir[] = "/tmp/clinic-conf.XXXXXX", path[256], cmd[512];
    const char *run = getenv("CLINIC_RUN_DIR");
    FILE *f;
    int status;

    cr_assert(run, "CLINIC_RUN_DIR is not set");
    cr_assert(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/httpd.conf", dir);
    f = fopen(path, "w");
    cr_assert(f);
    fprintf(f, "Include \"%s/common.conf\"\nListen 127.0.0.1:1\n%s\n"
            "<VirtualHost 127.0.0.1:1>\n%s\n"
            "<Location \"/api/\">\nSetHandler clinic\n</Location>\n"
            "</VirtualHost>\n", run, main, body);
    fclose(f);
    snprintf(cmd, sizeof(cmd), "%s -t -f %s > %s/out 2>&1", apache2(), path,
             dir);
    status = system(cmd);
    snprintf(path, sizeof(path), "%s/out", dir);
    *out = slurp(path);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
    return status;
}

int configtest_vhost(const char *lines, char **out)
{
    char *body = fmt("ClinicJWTSecretFile \"%s\"\n"
                     "ClinicSMSURL http://127.0.0.1:9/\n%s",
                     getenv("CLINIC_JWT_KEY"), lines);
    int status = configtest_conf("", body, out);

    free(body);
    return status;
}
