/*
 * SPDX-License-Identifier: Apache-2.0
 * ctlconf.c: the database of a virtual host, read from its httpd config
 * file as mod_dbd reads it: DBDriver, DBDParams and DBDInitSQL, in the
 * <VirtualHost> that names them or at the file's top level (which a
 * virtual host without its own inherits).  The words are split as httpd
 * splits them: quotes, backslash escapes inside them, lines continued
 * with a trailing backslash, '#' comments.  Include and ${VAR} are not
 * followed: a file that needs them is refused, and --driver and --params
 * say it instead.
 */
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_lib.h>
#include <apr_tables.h>

#include "ctl.h"

typedef struct {
    const char *names;          /* " host alias ... ", lower case */
    const char *driver, *params;
    apr_array_header_t *init_sql;
    int line;                   /* where the section starts */
} section_t;

/* "https://API.clinic.example:443" -> "api.clinic.example" */
static const char *host_of(apr_pool_t *p, const char *name)
{
    const char *s = strstr(name, "://") ? strstr(name, "://") + 3 : name;
    char *h = apr_pstrndup(p, s, strcspn(s, ":/")), *q;

    for (q = h; *q; q++) {
        *q = (char)apr_tolower(*q);
    }
    return h;
}

/* The next word of *s, unquoted; NULL at the end of the line. */
static char *word(apr_pool_t *p, const char **s)
{
    const char *in = *s;
    char *out, *o, quote = 0;

    while (apr_isspace(*in)) {
        in++;
    }
    if (!*in) {
        return NULL;
    }
    o = out = apr_palloc(p, strlen(in) + 1);
    if (*in == '"' || *in == '\'') {
        quote = *in++;
    }
    for (; *in; in++) {
        if (quote && *in == '\\' && (in[1] == quote || in[1] == '\\')) {
            *o++ = *++in;
        }
        else if (quote ? *in == quote : apr_isspace(*in)) {
            in++;
            break;
        }
        else {
            *o++ = *in;
        }
    }
    *o = '\0';
    *s = in;
    return out;
}

static section_t *section(apr_array_header_t *all, apr_pool_t *p, int line)
{
    section_t *sec = apr_array_push(all);

    memset(sec, 0, sizeof(*sec));
    sec->names = " ";
    sec->init_sql = apr_array_make(p, 2, sizeof(const char *));
    sec->line = line;
    return sec;
}

/* the value of cmd into the section it belongs to; s follows cmd */
static void keep(ctl_t *c, section_t *cur, const char *cmd, char *arg,
                 const char **s)
{
    if (!strcasecmp(cmd, "ServerName") || !strcasecmp(cmd, "ServerAlias")) {
        for (; arg; arg = word(c->pool, s)) {
            cur->names = apr_pstrcat(c->pool, cur->names,
                                     host_of(c->pool, arg), " ", NULL);
        }
    }
    else if (!strcasecmp(cmd, "DBDriver")) {
        cur->driver = arg;
    }
    else if (!strcasecmp(cmd, "DBDParams")) {
        cur->params = arg;
    }
    else {
        *(const char **)apr_array_push(cur->init_sql) = arg;
    }
}

/* One whole line n, continuations joined: a section opens or closes, or a
 * directive clinicctl reads is kept.  CTL_OK, or a status after closing f
 * and saying why. */
static int take_line(ctl_t *c, apr_array_header_t *all, apr_file_t *f,
                     section_t **cur, int *vhost, const char *s, int n)
{
    char *cmd = word(c->pool, &s), *arg;

    if (!cmd || *cmd == '#') {
        return CTL_OK;
    }
    if (!strncasecmp(cmd, "<VirtualHost", 12)) {
        *cur = section(all, c->pool, n);
        *vhost = 1;
        return CTL_OK;
    }
    if (!strcasecmp(cmd, "</VirtualHost>")) {
        *cur = &APR_ARRAY_IDX(all, 0, section_t);
        *vhost = 0;
        return CTL_OK;
    }
    if (strcasecmp(cmd, "DBDriver") && strcasecmp(cmd, "DBDParams")
        && strcasecmp(cmd, "DBDInitSQL")
        && ((strcasecmp(cmd, "ServerName")
             && strcasecmp(cmd, "ServerAlias")) || !*vhost)) {
        return CTL_OK;
    }
    arg = word(c->pool, &s);
    if (!arg) {
        apr_file_close(f);
        return ctl_fail(CTL_USAGE, "%s:%d: %s without a value",
                        c->config, n, cmd);
    }
    if (strstr(arg, "${")) {
        apr_file_close(f);
        return ctl_fail(CTL_USAGE, "%s:%d: %s uses a ${...} variable, "
                        "which clinicctl does not expand: give "
                        "--driver and --params", c->config, n, cmd);
    }
    keep(c, *cur, cmd, arg, &s);
    return CTL_OK;
}

/* Read the file into sections: [0] is the top level */
static int parse(ctl_t *c, apr_array_header_t *all)
{
    apr_file_t *f;
    char buf[8192];
    const char *joined = "";
    section_t *cur;
    int n = 0, vhost = 0, st;
    apr_status_t rv = apr_file_open(&f, c->config, APR_FOPEN_READ,
                                    APR_FPROT_OS_DEFAULT, c->pool);

    if (rv != APR_SUCCESS) {
        return ctl_fail(CTL_USAGE, "cannot read %s: %s", c->config,
                        apr_strerror(rv, buf, sizeof(buf)));
    }
    cur = section(all, c->pool, 0);
    while (apr_file_gets(buf, sizeof(buf), f) == APR_SUCCESS) {
        apr_size_t len = strlen(buf);
        const char *s;

        n++;
        while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) {
            buf[--len] = '\0';
        }
        if (len && buf[len - 1] == '\\') {         /* continued */
            buf[len - 1] = '\0';
            joined = apr_pstrcat(c->pool, joined, buf, NULL);
            continue;
        }
        s = apr_pstrcat(c->pool, joined, buf, NULL);
        joined = "";
        if ((st = take_line(c, all, f, &cur, &vhost, s, n)) != CTL_OK) {
            return st;
        }
    }
    apr_file_close(f);
    return CTL_OK;
}

/* what a virtual host does not set, it inherits from the top level */
static void effective(section_t *out, const section_t *v,
                      const section_t *top, apr_pool_t *p)
{
    *out = *v;
    out->driver = v->driver ? v->driver : top->driver;
    out->params = v->params ? v->params : top->params;
    /* mod_dbd runs the virtual host's DBDInitSQL, then the main server's */
    out->init_sql = v == top ? top->init_sql
                             : apr_array_append(p, v->init_sql, top->init_sql);
}

static int same_db(const section_t *a, const section_t *b)
{
    return a->driver && b->driver && a->params && b->params
        && !strcmp(a->driver, b->driver) && !strcmp(a->params, b->params);
}

int ctl_conf_read(ctl_t *c)
{
    apr_array_header_t *all = apr_array_make(c->pool, 4, sizeof(section_t));
    section_t *top, pick, inherited, v;
    const char *want = c->vhost
        ? apr_pstrcat(c->pool, " ", host_of(c->pool, c->vhost), " ", NULL)
        : NULL;
    int i, named = 0, own = 0, rc = parse(c, all);

    if (rc != CTL_OK) {
        return rc;
    }
    top = &APR_ARRAY_IDX(all, 0, section_t);
    effective(&pick, top, top, c->pool);
    /* The virtual hosts (with --vhost: of that name or alias) that set a
     * database must agree on it; one of that name that sets none (the :80
     * redirect beside the :443 host) inherits the top level's. */
    for (i = 1; i < all->nelts; i++) {
        section_t *s = &APR_ARRAY_IDX(all, i, section_t);
        if (want && !strstr(s->names, want)) {
            continue;
        }
        if (!s->driver && !s->params) {
            if (want && !named++) {
                effective(&inherited, s, top, c->pool);
            }
            continue;
        }
        named++;
        effective(&v, s, top, c->pool);
        if (own++ && !same_db(&v, &pick)) {
            return ctl_fail(CTL_USAGE, "%s: the virtual hosts at lines %d "
                            "and %d name different databases: %s",
                            c->config, pick.line, v.line,
                            want ? "no --vhost can tell them apart"
                                 : "choose one with --vhost SERVERNAME");
        }
        if (own == 1) {
            pick = v;
        }
    }
    if (want && !named) {
        return ctl_fail(CTL_USAGE, "%s: no <VirtualHost> has the ServerName "
                        "or ServerAlias %s", c->config, c->vhost);
    }
    if (want && !own) {
        pick = inherited;
    }
    c->driver = c->driver ? c->driver : pick.driver;
    c->params = c->params ? c->params : pick.params;
    c->init_sql = pick.init_sql;
    if (!c->driver || !c->params) {
        return ctl_fail(CTL_USAGE, "%s sets no %s: name the virtual host's "
                        "config file, or give --driver and --params",
                        c->config, !c->driver ? "DBDriver" : "DBDParams");
    }
    return CTL_OK;
}
