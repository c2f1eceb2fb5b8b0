/*
 * SPDX-License-Identifier: Apache-2.0
 * config_args.c: reading a directive's argument, shared by the files
 * that hold the directives (config.c and config_*.c, budget.c,
 * whlimit.c): the server's configuration a directive sets, a secret
 * file, a whole number in a range, a URL.  Each refusal is a sentence
 * that names the directive, so `apachectl configtest` says what to fix.
 */
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_lib.h>

#include <httpd.h>
#include <http_config.h>

#include "config.h"
#include "otp.h"

#define SECRET_MAX 4096

clinic_server_conf *clinic_conf_of(cmd_parms *cmd)
{
    clinic_server_conf *c = clinic_conf(cmd->server);
    c->used = 1;
    c->own = 1;
    return c;
}

/* Read a secret file, trailing white space removed. */
const char *clinic_read_secret(cmd_parms *cmd, const char *arg,
                               clinic_secret_t *out, apr_size_t min_len)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);
    const char *name = cmd->directive->directive;
    apr_file_t *f;
    apr_finfo_t fi;
    apr_status_t rv;
    apr_size_t len, i, distinct = 0;
    unsigned char *buf, seen[256];

    if (!path) {
        return apr_psprintf(cmd->pool, "%s: invalid file path '%s'.",
                            name, arg);
    }
    rv = apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, cmd->temp_pool);
    if (rv != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "%s: cannot open the secret file "
                            "'%s' (%pm).", name, path, &rv);
    }
    rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    if (rv != APR_SUCCESS || fi.size > SECRET_MAX) {
        apr_file_close(f);
        return apr_psprintf(cmd->pool, "%s: the secret file '%s' must be a "
                            "regular file of at most %d bytes.", name, path,
                            SECRET_MAX);
    }
    len = (apr_size_t)fi.size;
    buf = apr_palloc(cmd->pool, len + 1);
    rv = apr_file_read_full(f, buf, len, &len);
    apr_file_close(f);
    if (rv != APR_SUCCESS && rv != APR_EOF) {
        return apr_psprintf(cmd->pool, "%s: cannot read '%s' (%pm).",
                            name, path, &rv);
    }
    while (len > 0 && apr_isspace(buf[len - 1])) {
        len--;
    }
    buf[len] = '\0';
    memset(seen, 0, sizeof(seen));
    for (i = 0; i < len; i++) {
        distinct += !seen[buf[i]];
        seen[buf[i]] = 1;
    }
    if (len < min_len || distinct < 8) {
        return apr_psprintf(cmd->pool, "%s: the secret in '%s' is too weak "
                            "(%" APR_SIZE_T_FMT " bytes); use at least %"
                            APR_SIZE_T_FMT " random bytes, for example "
                            "`head -c 48 /dev/urandom | base64 > %s`.",
                            name, path, len, min_len, path);
    }
    out->data = buf;
    out->len = len;
    out->file = path;
    return NULL;
}

/* A whole number within [lo, hi], else a sentence naming the directive. */
const char *clinic_parse_num(cmd_parms *cmd, const char *arg,
                             apr_int64_t lo, apr_int64_t hi, apr_int64_t *out)
{
    char *end;
    apr_int64_t v;

    if (!arg || !apr_isdigit(*arg)) {
        goto bad;
    }
    v = apr_strtoi64(arg, &end, 10);
    if (*end || v < lo || v > hi) {
        goto bad;
    }
    *out = v;
    return NULL;
bad:
    return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number from %"
                        APR_INT64_T_FMT " to %" APR_INT64_T_FMT ".",
                        cmd->directive->directive, arg ? arg : "", lo, hi);
}

const char *clinic_set_int(cmd_parms *cmd, int *dst, const char *arg,
                           apr_int64_t lo, apr_int64_t hi)
{
    apr_int64_t v;
    const char *err = clinic_parse_num(cmd, arg, lo, hi, &v);
    if (!err) {
        *dst = (int)v;
    }
    return err;
}

const char *clinic_check_url(cmd_parms *cmd, const char *arg)
{
    if (strncasecmp(arg, "https://", 8) && strncasecmp(arg, "http://", 7)) {
        return apr_psprintf(cmd->pool, "%s: '%s' must be an http:// or "
                            "https:// URL.", cmd->directive->directive, arg);
    }
    if (strpbrk(arg, " \r\n\t")) {
        return apr_psprintf(cmd->pool, "%s: the URL may not contain white "
                            "space.", cmd->directive->directive);
    }
    return NULL;
}

const char *clinic_read_line_secret(cmd_parms *cmd, const char *arg,
                                    clinic_secret_t *out, apr_size_t min_len)
{
    const char *err = clinic_read_secret(cmd, arg, out, min_len);
    apr_size_t i;

    if (err) {
        return err;
    }
    for (i = 0; i < out->len; i++) {
        if (out->data[i] < 0x21 || out->data[i] > 0x7e) {
            out->data = NULL;
            return apr_psprintf(cmd->pool, "%s: '%s' must hold the key on "
                                "one line, printable characters only.",
                                cmd->directive->directive, arg);
        }
    }
    return NULL;
}

int clinic_url_in_clear(const char *url)
{
    return url && !strncasecmp(url, "http://", 7)
           && strncmp(url + 7, "127.0.0.1", 9)
           && strncasecmp(url + 7, "localhost", 9);
}
