/*
 * apply_files.c - the files around `apply postfix` (apply.h): finding the
 * configuration directory, the working copy that every edit and check is
 * made on, the originals kept once for --revert, diffs, the renames that
 * put new files in place, --revert itself, and reloading Postfix.
 *
 * Must not: decide what changes in main.cf or master.cf (apply.c does),
 * print anything but the summary, or exit.
 */
#include "apply.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "postconf.h"

static void fail(struct ds_diag *diag, const char *file, const char *hint,
                 int err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void fail(struct ds_diag *diag, const char *file, const char *hint,
                 int err, const char *fmt, ...)
{
    char text[4400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    ds_diag_add(diag, DS_SEV_ERROR, file, 0, hint, "%s%s%s", text,
                err ? ": " : "", err ? strerror(err) : "");
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Absolute, without trailing slashes. */
static int absolute(const char *in, char *out, size_t size)
{
    char cwd[2048];
    int n;
    if (in[0] == '/')
        n = snprintf(out, size, "%s", in);
    else if (getcwd(cwd, sizeof(cwd)) != NULL)
        n = snprintf(out, size, "%s/%s", cwd, in);
    else
        return -1;
    if (n < 0 || (size_t)n >= size)
        return -1;
    while (n > 1 && out[n - 1] == '/')
        out[--n] = '\0';
    return 0;
}

static enum ds_apply_status find_dir(const struct ds_apply_opts *o, char *dir,
                                     size_t size, struct ds_diag *diag)
{
    char found[2048], why[512] = "";
    const char *given = o->config_dir;
    if (given == NULL) {
        const char *argv[] = {"postconf", "-h", "config_directory", NULL};
        struct ds_buf out = {0}, err = {0};
        int rc = ds_postconf_run(argv, &out, &err);
        size_t n = out.len;
        while (n > 0 && out.p[n - 1] == '\n')
            n--;
        snprintf(found, sizeof(found), "%.*s", (int)n, n ? out.p : "");
        snprintf(why, sizeof(why), "%.*s",
                 (int)(err.len ? strcspn(err.p, "\n") : 0),
                 err.len ? err.p : "");
        ds_buf_free(&out);
        ds_buf_free(&err);
        if (rc != 0 || found[0] == '\0') {
            fail(diag, NULL,
                 "is Postfix installed and configured? Or give "
                 "--config-directory DIR",
                 0,
                 "cannot find Postfix's configuration directory with "
                 "`postconf -h config_directory`: %s",
                 why[0] ? why : "no output");
            return rc == 127 ? DS_APPLY_UNAVAILABLE : DS_APPLY_NOINPUT;
        }
        given = found;
    }
    if (absolute(given, dir, size) < 0) {
        fail(diag, given, NULL, 0, "%s: path too long", given);
        return DS_APPLY_NOINPUT;
    }
    return DS_APPLY_OK;
}

enum ds_apply_status ds_apply_dirs(const struct ds_apply_opts *o,
                                   struct ds_apply_dirs *d,
                                   struct ds_diag *diag)
{
    char path[2200];
    memset(d, 0, sizeof(*d));
    d->lock = -1;
    enum ds_apply_status st = find_dir(o, d->dir, sizeof(d->dir), diag);
    if (st != DS_APPLY_OK)
        return st;
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/%s", d->dir,
                 i ? "master.cf" : "main.cf");
        if (!is_file(path)) {
            fail(diag, path,
                 "configure Postfix first (dpkg-reconfigure postfix), or "
                 "give --config-directory DIR",
                 errno, "%s: not a Postfix configuration directory", d->dir);
            return DS_APPLY_NOINPUT;
        }
    }
    int n = o->output ? snprintf(d->out, sizeof(d->out), "%s", o->output)
                      : snprintf(d->out, sizeof(d->out), "%s/domsec", d->dir);
    if (n < 0 || (size_t)n >= sizeof(d->out)) {
        fail(diag, d->out, NULL, 0, "%s: path too long", d->out);
        return DS_APPLY_NOINPUT;
    }
    snprintf(d->backup, sizeof(d->backup), "%s/%s", d->out, DS_APPLY_BACKUP);
    return DS_APPLY_OK;
}

/* ---- copies ------------------------------------------------------------- */

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Copy src into the open file fd, then give it like's mode and owner. */
static int copy_into(const char *src, int fd, const char *like)
{
    struct stat st;
    char chunk[8192];
    int in = open(src, O_RDONLY);
    if (in < 0)
        return -1;
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = read(in, chunk, sizeof(chunk))) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        rc = n < 0 ? -1 : write_all(fd, chunk, (size_t)n);
    }
    int saved = errno;
    close(in);
    if (rc == 0 && stat(like, &st) == 0)
        rc = fchmod(fd, st.st_mode & 07777) < 0 ||
                     fchown(fd, st.st_uid, st.st_gid) < 0 || fsync(fd) < 0
                 ? -1
                 : 0;
    else if (rc < 0)
        errno = saved;
    return rc;
}

int ds_apply_install(const char *src, const char *dir, const char *name,
                     const char *like)
{
    char tmp[4200], path[4200];
    snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return -1;
    int rc = copy_into(src, fd, like ? like : src);
    int saved = errno;
    if (close(fd) < 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    if (rc == 0 && rename(tmp, path) < 0) {
        rc = -1;
        saved = errno;
    }
    if (rc < 0) {
        unlink(tmp);
        errno = saved;
    }
    return rc;
}

enum ds_apply_status ds_apply_lock(struct ds_apply_dirs *d,
                                   struct ds_diag *diag)
{
    d->lock = open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d->lock < 0) {
        fail(diag, d->dir, NULL, errno, "cannot open %s", d->dir);
        return DS_APPLY_CANTCREAT;
    }
    if (flock(d->lock, LOCK_EX | LOCK_NB) == 0)
        return DS_APPLY_OK;
    int err = errno;
    close(d->lock);
    d->lock = -1;
    if (err == EWOULDBLOCK) {
        fail(diag, d->dir, "wait for it to finish, then run this again", 0,
             "another domsec-policy apply or revert is working on %s",
             d->dir);
        return DS_APPLY_TEMPFAIL;
    }
    fail(diag, d->dir, NULL, err, "cannot lock %s", d->dir);
    return DS_APPLY_CANTCREAT;
}

void ds_apply_unlock(struct ds_apply_dirs *d)
{
    if (d->lock >= 0)
        close(d->lock);
    d->lock = -1;
}

enum ds_apply_status ds_apply_workcopy(struct ds_apply_dirs *d,
                                       struct ds_diag *diag)
{
    char src[2200];
    snprintf(d->tmp, sizeof(d->tmp), "%s/.domsec-apply.XXXXXX", d->dir);
    if (mkdtemp(d->tmp) == NULL) {
        fail(diag, d->dir, "run as root (apply edits Postfix's configuration)",
             errno, "cannot make a working copy in %s", d->dir);
        d->tmp[0] = '\0';
        return DS_APPLY_CANTCREAT;
    }
    chmod(d->tmp, 0755);
    for (int i = 0; i < 2; i++) {
        const char *name = i ? "master.cf" : "main.cf";
        snprintf(src, sizeof(src), "%s/%s", d->dir, name);
        if (ds_apply_install(src, d->tmp, name, NULL) < 0) {
            fail(diag, src, NULL, errno, "cannot copy %s", src);
            return DS_APPLY_CANTCREAT;
        }
    }
    return DS_APPLY_OK;
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void ds_apply_workcopy_remove(struct ds_apply_dirs *d)
{
    if (d->tmp[0] == '\0')
        return;
    nftw(d->tmp, remove_one, 8, FTW_DEPTH | FTW_PHYS);
    d->tmp[0] = '\0';
}

bool ds_apply_same(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    bool same = fa == NULL && fb == NULL;
    if (fa && fb) {
        int ca, cb;
        do {
            ca = getc(fa);
            cb = getc(fb);
        } while (ca == cb && ca != EOF);
        same = ca == cb && !ferror(fa) && !ferror(fb);
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

int ds_apply_diff(const char *a, const char *b, const char *label, FILE *fp)
{
    const char *argv[] = {"diff",
                          "-u",
                          "--label",
                          label,
                          "--label",
                          label,
                          is_file(a) ? a : "/dev/null",
                          is_file(b) ? b : "/dev/null",
                          NULL};
    struct ds_buf out = {0};
    int rc = ds_postconf_run(argv, &out, NULL);
    if (out.len)
        fwrite(out.p, 1, out.len, fp);
    ds_buf_free(&out);
    return rc == 0 || rc == 1 ? 0 : -1;
}

/* ---- reload ------------------------------------------------------------- */

enum ds_apply_status ds_apply_reload(const char *dir, FILE *summary,
                                     struct ds_diag *diag)
{
    const char *status[] = {"postfix", "-c", dir, "status", NULL};
    const char *reload[] = {"postfix", "-c", dir, "reload", NULL};
    struct ds_buf err = {0};
    if (ds_postconf_run(status, NULL, NULL) != 0) {
        fprintf(summary, "not running: Postfix (%s) was not reloaded\n", dir);
        return DS_APPLY_OK;
    }
    int rc = ds_postconf_run(reload, NULL, &err);
    if (rc != 0)
        fail(diag, dir, "see the mail log; the new files are in place", 0,
             "postfix -c %s reload failed", dir);
    else
        fprintf(summary, "reloaded  Postfix (postfix -c %s reload)\n", dir);
    ds_buf_free(&err);
    return rc == 0 ? DS_APPLY_OK : DS_APPLY_UNAVAILABLE;
}

/* ---- revert ------------------------------------------------------------- */

static enum ds_apply_status revert_files(const struct ds_apply_dirs *d,
                                         const struct ds_apply_opts *o,
                                         FILE *summary, struct ds_diag *diag,
                                         bool *changed)
{
    char orig[2200], live[2200];
    /* the backup is removed only once both are back: a revert cut
     * short can be run again */
    for (int i = 1; i >= 0; i--) {
        const char *name = i ? "master.cf" : "main.cf";
        snprintf(orig, sizeof(orig), "%s/%s", d->backup, name);
        snprintf(live, sizeof(live), "%s/%s", d->dir, name);
        bool same = ds_apply_same(orig, live);
        if (o->dry_run) {
            if (!same && ds_apply_diff(live, orig, live, summary) < 0)
                fail(diag, live, NULL, 0, "diff %s failed", live);
            continue;
        }
        if (!same && ds_apply_install(orig, d->dir, name, live) < 0) {
            fail(diag, live, "nothing after it was restored", errno,
                 "cannot restore %s", live);
            return DS_APPLY_CANTCREAT;
        }
        *changed |= !same;
        fprintf(summary, "%-9s %s\n", same ? "unchanged" : "restored", live);
    }
    return DS_APPLY_OK;
}

static enum ds_apply_status revert_locked(const struct ds_apply_dirs *d,
                                          const struct ds_apply_opts *o,
                                          FILE *summary, struct ds_diag *diag)
{
    char path[2300];
    bool changed = false;
    snprintf(path, sizeof(path), "%s/main.cf", d->backup);
    if (!is_file(path)) {
        fail(diag, path,
             "apply keeps the originals in OUTPUT/backup: give the "
             "--output of that apply",
             0, "nothing to revert: %s does not exist", path);
        return DS_APPLY_NOINPUT;
    }
    enum ds_apply_status st = revert_files(d, o, summary, diag, &changed);
    if (st != DS_APPLY_OK || o->dry_run)
        return st;
    /* forget the first apply: the next one keeps the files anew */
    static const char *const kept[] = {"applied", "master.cf", "main.cf"};
    for (size_t i = 0; i < DS_ARRAY_LEN(kept); i++) {
        snprintf(path, sizeof(path), "%s/%s", d->backup, kept[i]);
        unlink(path);
    }
    rmdir(d->backup);
    fprintf(summary, "removed   %s\n", d->backup);
    if (changed && !o->no_reload)
        return ds_apply_reload(d->dir, summary, diag);
    return DS_APPLY_OK;
}

enum ds_apply_status ds_apply_revert(const struct ds_apply_opts *o,
                                     FILE *summary, struct ds_diag *diag)
{
    struct ds_apply_dirs d;
    enum ds_apply_status st = ds_apply_dirs(o, &d, diag);
    if (st == DS_APPLY_OK)
        st = ds_apply_lock(&d, diag);
    if (st == DS_APPLY_OK)
        st = revert_locked(&d, o, summary, diag);
    ds_apply_unlock(&d);
    return st;
}
