/*
 * SPDX-License-Identifier: Apache-2.0
 * clinicctl run as root over SQLite files in folders others can write
 * (docs/clinicctl.8, "Run as root"): whom it works as is the folder's
 * owner, a file of root's where others can write is refused, and a file
 * swapped for a symbolic link under it never makes root write the link's
 * target.  Files only: the SQLite pass runs them, as root (the harness
 * does; by hand, they skip).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <criterion/criterion.h>

#include "client.h"
#include "ctlrun.h"

static void need_root(void)
{
    if (db_is_mysql()) {
        cr_skip_test("SQLite files: the SQLite pass");
    }
    if (geteuid() != 0) {
        cr_skip_test("clinicctl as root needs the tests to run as root");
    }
}

static void run(const char *cmd)
{
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* A tree of its own, root's, 0755; with a current database in a folder
 * only root can write (template/c.db) to copy from */
static char *tree(void)
{
    char *t = fmt("/tmp/clinic-ctlroot-%d", uniq());
    ctl_t *c;

    run(fmt("rm -rf %s && mkdir -m 755 %s %s/template", t, t, t));
    c = ctl_on(fmt("--driver sqlite3 --params %s/template/c.db", t),
               "migrate");
    expect(c, 0, NULL);
    ctl_free(c);
    return t;
}

/* folder dir (made), owner:group and mode; a copy of the template in it,
 * given to file_owner unless NULL (then root's, as cp as root leaves it) */
static char *place(const char *t, const char *dir, const char *owner,
                   const char *mode, const char *file_owner)
{
    char *d = fmt("%s/%s", t, dir);

    run(fmt("mkdir -p %s && chown %s %s && chmod %s %s && "
            "cp %s/template/c.db %s/c.db", d, owner, d, mode, d, t, d));
    if (file_owner) {
        run(fmt("chown %s %s/c.db && chmod 666 %s/c.db", file_owner, d, d));
    }
    return fmt("%s/c.db", d);
}

static const char *owner_of(const char *path)
{
    struct stat st;
    struct passwd *pw;

    cr_assert_eq(stat(path, &st), 0, "%s is not there", path);
    pw = getpwuid(st.st_uid);
    return pw ? pw->pw_name : "?";
}

/* Whom clinicctl worked as: the owner of the file DBDInitSQL made it
 * create in a folder anyone may write.  NULL when it refused. */
static char *worked_as(const char *t, const char *db, int status,
                       const char *in_err)
{
    char *conf = fmt("%s/probe-%d.conf", t, uniq());
    char *probe = fmt("%s/probe/p-%d.db", t, uniq());
    FILE *f;
    ctl_t *c;

    run(fmt("mkdir -p %s/probe && chmod 1777 %s/probe", t, t));
    f = fopen(conf, "w");
    cr_assert(f);
    fprintf(f, "DBDriver sqlite3\nDBDParams \"%s\"\n"
               "DBDInitSQL \"ATTACH DATABASE '%s' AS probe\"\n"
               "DBDInitSQL \"CREATE TABLE probe.t (x INTEGER)\"\n", db, probe);
    fclose(f);
    c = ctl_on(fmt("-c %s", conf), "stats");
    expect(c, status, in_err);
    ctl_free(c);
    if (status != 0) {
        cr_assert_neq(access(probe, F_OK), 0, "refused, yet it ran");
        return NULL;
    }
    return strdup(owner_of(probe));
}

Test(ctl_root, a_root_database_where_others_can_write_is_refused)
{
    char *t, *db;
    struct stat before, after;

    need_root();
    t = tree();
    /* the web server's folder; a world-writable one; /tmp-like (sticky);
     * root's but the web server's group may write it */
    static const char *const folders[][3] = {
        { "www", "www-data:www-data", "755" }, { "world", "root:root", "777" },
        { "sticky", "root:root", "1777" }, { "group", "root:www-data", "775" },
    };
    for (size_t i = 0; i < sizeof(folders) / sizeof(folders[0]); i++) {
        db = place(t, folders[i][0], folders[i][1], folders[i][2], NULL);
        cr_assert_eq(stat(db, &before), 0);
        cr_assert_null(worked_as(t, db, 3, "is root's"), "%s", db);
        expect(ctl_on(fmt("--driver sqlite3 --params %s", db),
                      "packages list"), 3, "is root's");
        /* untouched: no journal beside it, the same bytes */
        cr_assert_eq(stat(db, &after), 0);
        cr_assert_eq(before.st_mtime, after.st_mtime, "%s", db);
        cr_assert_neq(access(fmt("%s-wal", db), F_OK), 0, "%s", db);
        cr_assert_neq(access(fmt("%s-journal", db), F_OK), 0, "%s", db);
    }
    /* nor does it create one as root where others can write */
    expect(ctl_on(fmt("--driver sqlite3 --params %s/world/new.db", t),
                  "migrate"), 3, "others can write");
    cr_assert_neq(access(fmt("%s/world/new.db", t), F_OK), 0);

    /* a root-only folder inside the web server's, which can swap it */
    run(fmt("mkdir -m 755 %s/www/sub && cp %s/template/c.db %s/www/sub/",
            t, t, t));
    expect(ctl_on(fmt("--driver sqlite3 --params %s/www/sub/c.db", t),
                  "packages list"), 3, "on the way to the database");
    run(fmt("rm -rf %s", t));
}

Test(ctl_root, it_works_as_the_folder_s_owner)
{
    char *t, *as;

    need_root();
    t = tree();
    /* the web server's folder, whoever owns the file */
    as = worked_as(t, place(t, "www", "www-data:www-data", "755", "nobody"),
                   0, NULL);
    cr_assert_str_eq(as, "www-data");
    free(as);
    /* root's, only root may write it: root */
    as = worked_as(t, place(t, "root", "root:root", "700", "www-data"), 0,
                   NULL);
    cr_assert_str_eq(as, "root");
    free(as);
    /* root's but anyone may write it: the file's owner, never root */
    as = worked_as(t, place(t, "sticky", "root:root", "1777", "www-data"), 0,
                   NULL);
    cr_assert_str_eq(as, "www-data");
    free(as);

    /* migrate makes a new database as the folder's owner, its journal too */
    run(fmt("mkdir -m 755 %s/new && chown www-data:www-data %s/new", t, t));
    expect(ctl_on(fmt("--driver sqlite3 --params %s/new/c.db", t),
                  "migrate"), 0, "as www-data");
    cr_assert_str_eq(owner_of(fmt("%s/new/c.db", t)), "www-data");
    expect(ctl_on(fmt("--driver sqlite3 --params %s/new/c.db", t),
                  "packages add --name N --price 1 --days 1"), 0, NULL);
    run(fmt("rm -rf %s", t));
}

Test(ctl_root, symbolic_links_are_not_followed)
{
    char *t;

    need_root();
    t = tree();
    run(fmt("mkdir -m 700 %s/secret && cp %s/template/c.db %s/secret/", t, t,
            t));
    place(t, "www", "www-data:www-data", "755", "www-data");
    /* the database's name is a link to root's file */
    run(fmt("ln -s %s/secret/c.db %s/www/l.db", t, t));
    expect(ctl_on(fmt("--driver sqlite3 --params %s/www/l.db", t),
                  "packages list"), 3, "symbolic link");
    /* the folder's name is a link to a root-only folder */
    run(fmt("ln -s %s/secret %s/www/dir", t, t));
    expect(ctl_on(fmt("--driver sqlite3 --params %s/www/dir/c.db", t),
                  "packages list"), 3, "symbolic link");
    expect(ctl_on(fmt("--driver sqlite3 --params %s/www/dir/new.db", t),
                  "migrate"), 3, "symbolic link");
    cr_assert_neq(access(fmt("%s/secret/new.db", t), F_OK), 0);
    run(fmt("rm -rf %s", t));
}

/* The attack itself: the web server's user swaps a root-owned database
 * and a link to a root-only folder, back and forth, while root runs
 * `packages list` again and again.  Root never creates the target. */
Test(ctl_root, a_swap_under_it_never_makes_root_write_the_link_s_target,
     .timeout = 120)
{
    struct passwd *www = getpwnam("www-data");
    char *t, *db, *link, *target;
    pid_t pid;
    int i, st;

    need_root();
    cr_assert_not_null(www);
    t = tree();
    run(fmt("mkdir -m 700 %s/secret", t));
    db = place(t, "www", "www-data:www-data", "755", NULL);
    link = fmt("%s/www/evil.db", t);
    target = fmt("%s/secret/created-by-root.db", t);
    run(fmt("ln -s %s %s && chown -h www-data:www-data %s", target, link,
            link));
    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        long n;
        if (setgroups(0, NULL) || setgid(www->pw_gid)
            || setuid(www->pw_uid)) {
            _exit(2);
        }
        for (n = 0; n < 200000000L; n++) {       /* stopped by the parent */
            renameat2(AT_FDCWD, db, AT_FDCWD, link, RENAME_EXCHANGE);
        }
        _exit(0);
    }
    for (i = 0; i < 200 && access(target, F_OK) != 0; i++) {
        ctl_free(ctl_on(fmt("--driver sqlite3 --params %s", db),
                        "packages list"));
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    cr_assert(WIFSIGNALED(st), "the swapping process ended by itself");
    cr_assert_neq(access(target, F_OK), 0, "root created %s after %d runs",
                  target, i);
    run(fmt("rm -rf %s", t));
}
