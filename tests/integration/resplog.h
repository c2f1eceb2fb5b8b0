/*
 * SPDX-License-Identifier: Apache-2.0
 * resplog.h: every answer the test client receives, one JSON line each,
 * appended to the file named by CLINIC_RESPONSE_LOG (when it is set):
 *
 *   {"method":"GET","url":"http://...","path":"/api/health","status":200,
 *    "headers":{"content-type":"...",...},"body":"..."}
 *
 * tests/openapi/validate.mjs checks each line against docs/openapi.yaml.
 * Header-only, for client.c alone: the scale tests link client.c without
 * the rest of this folder.  One write() with O_APPEND a line, so lines of
 * parallel threads and of Criterion's worker processes never interleave.
 */
#ifndef CLINIC_TEST_RESPLOG_H
#define CLINIC_TEST_RESPLOG_H

#include <ctype.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>

/* The header lines of the last response in head (after a 100 Continue),
 * names in lower case; a name sent twice gets its values joined by ", ". */
static cJSON *resplog_headers(const char *head)
{
    cJSON *out = cJSON_CreateObject();
    const char *line, *last = head, *p;

    for (p = head; (p = strstr(p, "HTTP/")) != NULL; p++) {
        if (p == head || p[-1] == '\n') {
            last = p;
        }
    }
    for (line = strchr(last, '\n'); line && *++line; line = strchr(line, '\n')) {
        size_t n = strcspn(line, ":\r\n"), vlen;
        const char *v = line + n;
        char name[128];
        cJSON *had;

        if (*v != ':' || n == 0 || n >= sizeof(name)) {
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            name[i] = (char)tolower((unsigned char)line[i]);
        }
        name[n] = '\0';
        v++;
        while (*v == ' ' || *v == '\t') {
            v++;
        }
        vlen = strcspn(v, "\r\n");
        had = cJSON_GetObjectItemCaseSensitive(out, name);
        if (had) {
            size_t old = strlen(had->valuestring);
            char *both = malloc(old + 2 + vlen + 1);
            memcpy(both, had->valuestring, old);
            memcpy(both + old, ", ", 2);
            memcpy(both + old + 2, v, vlen);
            both[old + 2 + vlen] = '\0';
            cJSON_ReplaceItemInObjectCaseSensitive(out, name,
                                                   cJSON_CreateString(both));
            free(both);
        }
        else {
            char *value = strndup(v, vlen);
            cJSON_AddStringToObject(out, name, value);
            free(value);
        }
    }
    return out;
}

/* Append one answer; status 0 (nothing came back) is not an answer. */
static void resp_log(const char *method, const char *url, long status,
                     const char *head, const char *body)
{
    const char *file = getenv("CLINIC_RESPONSE_LOG");
    const char *host = strstr(url, "://");
    cJSON *line;
    char *path, *text;
    size_t n;
    int fd;

    if (!file || !*file || status == 0) {
        return;
    }
    host = host ? host + 3 : url;
    host += strcspn(host, "/?#");
    path = strndup(*host == '/' ? host : "/", *host == '/'
                                                   ? strcspn(host, "?#") : 1);
    line = cJSON_CreateObject();
    cJSON_AddStringToObject(line, "method", method);
    cJSON_AddStringToObject(line, "url", url);
    cJSON_AddStringToObject(line, "path", path);
    cJSON_AddNumberToObject(line, "status", (double)status);
    cJSON_AddItemToObject(line, "headers", resplog_headers(head));
    cJSON_AddStringToObject(line, "body", body);
    text = cJSON_PrintUnformatted(line);
    n = strlen(text);
    text[n] = '\n';        /* over the NUL: written by length */
    fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        /* a short write leaves a line the validator reports as bad JSON */
        ssize_t w = write(fd, text, n + 1);
        (void)w;
        close(fd);
    }
    cJSON_free(text);
    cJSON_Delete(line);
    free(path);
}

#endif
