/*
 * SPDX-License-Identifier: Apache-2.0
 * ctlfile.c: a SQLite database is a file, and root opening a file in a
 * folder someone else can write opens whatever that someone puts there:
 * a symbolic link swapped in between a check and SQLite's open makes root
 * create or write the link's target.  So, run as root, clinicctl works as
 * whom the FOLDER says, decided from the folder held open:
 *
 *   - a folder someone else owns (the web server's): its owner;
 *   - a folder of root's that only root can write: root;
 *   - a folder of root's that others can write (group, others, /tmp):
 *     the owner of the database file, which must be there, not root's,
 *     and with no other hard link;
 *   - a file of root's in a folder others can write: refused.
 *
 * The folders on the way must be root's or that user's and not writable
 * by others (sticky ones such as /tmp aside), or they could be swapped
 * under it.  Once it is that user, it opens the folder again (never
 * through a symbolic link) and checks that it is the same one, and that
 * the file is the one it judged, not a link.  From there on a swap can
 * only make SQLite do what that user could do anyway.
 *
 * A path that is not there is refused (sqlite3 would make an empty
 * database of a typo), except by migrate, which creates it as that user.
 * MySQL/MariaDB is a connection, not a file: nothing of this applies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <apr_strings.h>

#include "ctl.h"

typedef struct {
    const char *path;           /* absolute */
    const char *dir, *base;     /* its folder, its name there */
    struct stat dst;            /* the folder, as held open */
    struct stat fst;            /* the file (lstat), when exists */
    int exists;
    uid_t uid;                  /* whom to work as */
    gid_t gid;                  /* its group, when it has no passwd entry */
} dbfile_t;

#define WRITABLE_BY_OTHERS(m) (((m) & (S_IWGRP | S_IWOTH)) != 0)

static const char *user_name(apr_pool_t *p, uid_t uid)
{
    struct passwd *pw = getpwuid(uid);

    return pw ? apr_pstrdup(p, pw->pw_name)
              : apr_psprintf(p, "uid %ld", (long)uid);
}

/* c->params as an absolute path, split at its last '/' */
static int split(ctl_t *c, dbfile_t *f)
{
    const char *slash;
    char *cwd;

    f->path = c->params;
    if (c->params[0] != '/') {
        if (!(cwd = getcwd(NULL, 0))) {
            return ctl_fail(CTL_DB, "cannot tell the current folder for %s",
                            c->params);
        }
        f->path = apr_pstrcat(c->pool, cwd, "/", c->params, NULL);
        free(cwd);
    }
    slash = strrchr(f->path, '/');
    f->base = slash + 1;
    f->dir = slash == f->path ? "/"
           : apr_pstrndup(c->pool, f->path, (apr_size_t)(slash - f->path));
    if (!*f->base || !strcmp(f->base, ".") || !strcmp(f->base, "..")) {
        return ctl_fail(CTL_DB, "%s names a folder, not a SQLite database "
                        "file", c->params);
    }
    return CTL_OK;
}

/* Open the folder (not through a symbolic link) into *fd, and look at
 * the file in it without following a link */
static int look(ctl_t *c, dbfile_t *f, int *fd, struct stat *dst,
                struct stat *fst, int *exists)
{
    *fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (*fd < 0) {
        int e = errno;
        return ctl_fail(CTL_DB, e == ENOENT
                        ? "no folder %s for the SQLite database"
                        : e == ELOOP || e == ENOTDIR
                        ? "%s is a symbolic link or not a folder: give the "
                          "database folder's own path"
                        : e == EACCES
                        ? "%s cannot be entered by %s, whom clinicctl works "
                          "as here: the web server's user must reach it"
                        : "cannot open the folder %s: %s", f->dir,
                        e == EACCES ? user_name(c->pool, geteuid())
                                    : strerror(e));
    }
    if (fstat(*fd, dst) != 0) {
        return ctl_fail(CTL_DB, "cannot look at the folder %s: %s", f->dir,
                        strerror(errno));
    }
    *exists = fstatat(*fd, f->base, fst, AT_SYMLINK_NOFOLLOW) == 0;
    if (!*exists && errno != ENOENT) {
        return ctl_fail(CTL_DB, "cannot look at %s: %s", f->path,
                        strerror(errno));
    }
    if (*exists && S_ISLNK(fst->st_mode)) {
        return ctl_fail(CTL_DB, "%s is a symbolic link: give the database "
                        "file's own path", c->params);
    }
    if (*exists && !S_ISREG(fst->st_mode)) {
        return ctl_fail(CTL_DB, "%s is not a file", c->params);
    }
    return CTL_OK;
}

/* As root: whom the folder says to work as (see the top) */
static int whom(ctl_t *c, dbfile_t *f)
{
    int others = f->dst.st_uid != 0 || WRITABLE_BY_OTHERS(f->dst.st_mode);

    f->gid = f->dst.st_gid;
    if (f->exists && f->fst.st_uid == 0 && others) {
        return ctl_fail(CTL_DB, "%s is root's, in a folder others than root "
                        "can write (%s): give the file to the web server's "
                        "user (chown %s %s), or keep it in a folder only "
                        "root can write", c->params, f->dir,
                        f->dst.st_uid != 0
                        ? user_name(c->pool, f->dst.st_uid) : "www-data",
                        c->params);
    }
    if (f->dst.st_uid != 0 || !others) {
        f->uid = f->dst.st_uid;
        return CTL_OK;
    }
    if (!f->exists) {
        return ctl_fail(CTL_DB, "%s is root's and others can write it: "
                        "clinicctl will not create a database there as "
                        "root; give the folder to the web server's user "
                        "(chown www-data %s)", f->dir, f->dir);
    }
    if (f->fst.st_nlink != 1) {
        return ctl_fail(CTL_DB, "%s has other hard links, in a folder "
                        "others can write: copy it to a file of its own",
                        c->params);
    }
    f->uid = f->fst.st_uid;
    f->gid = f->fst.st_gid;
    return CTL_OK;
}

/* Every folder above path's last part is root's or uid's, and no one
 * else can write it unless it is sticky (/tmp): else it could be swapped
 * under clinicctl */
static int safe_way(ctl_t *c, const char *path, uid_t uid)
{
    char *p = apr_pstrdup(c->pool, path);
    const char *at;
    struct stat st;
    apr_size_t i;

    for (i = 0; p[i]; i++) {
        if (p[i] != '/') {
            continue;
        }
        p[i] = '\0';
        at = i ? p : "/";
        if (lstat(at, &st) != 0) {
            return ctl_fail(CTL_DB, "cannot look at %s: %s", at,
                            strerror(errno));
        }
        if ((st.st_uid != 0 && st.st_uid != uid)
            || (S_ISDIR(st.st_mode) && WRITABLE_BY_OTHERS(st.st_mode)
                && !(st.st_mode & S_ISVTX))) {
            return ctl_fail(CTL_DB, "%s, on the way to the database, can be "
                            "changed by others than root and %s: clinicctl "
                            "will not work through it as root", at,
                            user_name(c->pool, uid));
        }
        p[i] = '/';
    }
    return CTL_OK;
}

/* Become uid (its groups from passwd, or f->gid alone) for good */
static int become(ctl_t *c, dbfile_t *f)
{
    struct passwd *pw = getpwuid(f->uid);
    int ok = pw ? initgroups(pw->pw_name, pw->pw_gid) == 0
                  && setgid(pw->pw_gid) == 0
                : setgroups(0, NULL) == 0 && setgid(f->gid) == 0;

    if (!ok || setuid(f->uid) != 0 || geteuid() != f->uid
        || setuid(0) == 0) {
        return ctl_fail(CTL_DB, "cannot work as %s, the owner of %s",
                        user_name(c->pool, f->uid), f->dir);
    }
    return CTL_OK;
}

int ctl_sqlite_file(ctl_t *c, int may_create)
{
    dbfile_t f;
    struct stat dst, fst;
    char *real;
    int fd = -1, again = -1, exists, rc;

    memset(&f, 0, sizeof(f));
    if ((rc = split(c, &f)) != CTL_OK) {
        return rc;
    }
    if (!may_create && lstat(f.path, &fst) != 0 && errno == ENOENT) {
        return ctl_fail(CTL_DB, "no SQLite database at %s (DBDParams; "
                        "clinicctl migrate makes one)", c->params);
    }
    if ((rc = look(c, &f, &fd, &f.dst, &f.fst, &f.exists)) != CTL_OK) {
        goto done;
    }
    if (!f.exists && !may_create) {
        rc = ctl_fail(CTL_DB, "no SQLite database at %s (DBDParams; "
                      "clinicctl migrate makes one)", c->params);
        goto done;
    }
    if (geteuid() == 0) {
        real = realpath(f.dir, NULL);
        rc = whom(c, &f);
        if (rc == CTL_OK) {
            rc = safe_way(c, f.dir, f.uid);
        }
        if (rc == CTL_OK && real) {
            rc = safe_way(c, real, f.uid);
        }
        free(real);
        if (rc != CTL_OK || (f.uid != 0 && (rc = become(c, &f)) != CTL_OK)) {
            goto done;
        }
    }
    /* again, as whom it now is: the same folder, the same file */
    if ((rc = look(c, &f, &again, &dst, &fst, &exists)) != CTL_OK) {
        goto done;
    }
    if (dst.st_dev != f.dst.st_dev || dst.st_ino != f.dst.st_ino
        || exists != f.exists
        || (exists && (fst.st_dev != f.fst.st_dev
                       || fst.st_ino != f.fst.st_ino))) {
        rc = ctl_fail(CTL_DB, "%s changed while clinicctl was looking at it: "
                      "nothing was done", f.exists ? c->params : f.dir);
        goto done;
    }
    if (!f.exists) {
        fprintf(stderr, "clinicctl: creating a new SQLite database at %s, "
                "as %s\n", c->params, user_name(c->pool, geteuid()));
        if (geteuid() == 0) {
            fprintf(stderr, "clinicctl: %s is root's: the web server must "
                    "own the database and its folder (chown www-data)\n",
                    f.dir);
        }
    }
done:
    if (fd >= 0) {
        close(fd);
    }
    if (again >= 0) {
        close(again);
    }
    return rc;
}
