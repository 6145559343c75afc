/*
 * render.c - what the Postfix and Sendmail renderers share (render.h):
 * text buffers, the spellings of milter sockets and listening addresses,
 * running the selection rules and refusing when a connector has no
 * certificate, and writing the files: all or nothing, atomically, leaving
 * unchanged files untouched, then postmap.
 *
 * Must not: choose certificates (select.c does), print anything but the
 * summary it is given a FILE for, or exit.
 */
#include "config.h"

#include "render.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void ds_render_error(struct ds_render *r, const struct ds_where *w,
                     const char *hint, const char *fmt, ...)
{
    char *text = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    ds_diag_add(&r->diag, DS_SEV_ERROR, w->file, w->line, hint, "%s",
                n < 0 ? "out of memory" : text);
    if (n >= 0)
        free(text);
    r->status = DS_RENDER_CONFIG;
}

struct ds_render_file *ds_render_add_file(struct ds_render *r, const char *name,
                                          const char *map_type,
                                          bool map_of_files)
{
    if (r->nfiles == DS_RENDER_MAX_FILES)
        return NULL;
    struct ds_render_file *f = &r->files[r->nfiles++];
    memset(f, 0, sizeof(*f));
    f->name = name;
    f->map_type = map_type;
    f->map_of_files = map_of_files;
    return f;
}

void ds_render_free(struct ds_render *r)
{
    for (size_t i = 0; i < r->nfiles; i++)
        ds_buf_free(&r->files[i].text);
    ds_selection_free(&r->sel);
    ds_diag_free(&r->diag);
    r->nfiles = 0;
}

/* ---- spellings -------------------------------------------------------------
 */

int ds_render_binding(const char *s, struct ds_binding *out)
{
    const char *colon, *addr = s;
    size_t alen;
    unsigned char tmp[16];
    memset(out, 0, sizeof(*out));
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':')
            return -1;
        addr = s + 1;
        alen = (size_t)(close - addr);
        colon = close + 1;
        out->v6 = true;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL)
            return -1;
        alen = (size_t)(colon - s);
    }
    if (alen == 0 || alen >= sizeof(out->addr))
        return -1;
    memcpy(out->addr, addr, alen);
    out->addr[alen] = '\0';
    if (inet_pton(out->v6 ? AF_INET6 : AF_INET, out->addr, tmp) != 1)
        return -1;
    char *end;
    const char *p = colon + 1;
    if (*p < '0' || *p > '9')
        return -1;
    long port = strtol(p, &end, 10);
    if (*end != '\0' || port < 1 || port > 65535)
        return -1;
    out->port = (int)port;
    return 0;
}

int ds_render_socket(const char *sock, enum ds_mta_spelling how, char *out,
                     size_t size)
{
    const char *path = NULL;
    bool v6 = strncmp(sock, "inet6:", 6) == 0;
    int n;
    if (strncmp(sock, "unix:", 5) == 0 || strncmp(sock, "local:", 6) == 0)
        path = strchr(sock, ':') + 1;
    else if (sock[0] == '/')
        path = sock;
    if (path) {
        n = snprintf(out, size, "%s:%s",
                     how == DS_SPELL_POSTFIX ? "unix" : "local", path);
        return n < 0 || (size_t)n >= size ? -1 : 0;
    }
    if (!v6 && strncmp(sock, "inet:", 5) != 0)
        return -1;
    const char *p = strchr(sock, ':') + 1;
    char *end;
    long port = strtol(p, &end, 10);
    if (end == p || port < 1 || port > 65535 || (*end && *end != '@'))
        return -1;
    /* libmilter listens on every address without a host: connect to the
     * loopback address */
    const char *host = *end == '@' ? end + 1 : v6 ? "::1" : "127.0.0.1";
    if (how == DS_SPELL_SENDMAIL)
        n = snprintf(out, size, "%s:%ld@%s", v6 ? "inet6" : "inet", port, host);
    else if (v6 && strchr(host, ':'))
        n = snprintf(out, size, "inet:[%s]:%ld", host, port);
    else
        n = snprintf(out, size, "inet:%s:%ld", host, port);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

int ds_render_socket_postfix(const char *sock, const char *queue_dir, char *out,
                             size_t size, bool *in_queue)
{
    *in_queue = false;
    if (ds_render_socket(sock, DS_SPELL_POSTFIX, out, size) < 0)
        return -1;
    size_t q = queue_dir ? strlen(queue_dir) : 0;
    while (q > 1 && queue_dir[q - 1] == '/')
        q--;
    const char *path = out + 5; /* after "unix:" */
    if (q < 2 || strncmp(out, "unix:", 5) != 0 ||
        strncmp(path, queue_dir, q) != 0 || path[q] != '/' || !path[q + 1])
        return 0;
    memmove(out + 5, path + q + 1, strlen(path + q + 1) + 1);
    *in_queue = true;
    return 0;
}

/* ---- the certificates -----------------------------------------------------
 */

static const struct ds_where *result_where(const struct ds_result *res)
{
    return res->recv ? &res->recv->where : &res->send->where;
}

static bool needed(const struct ds_result *res)
{
    if (res->kind != DS_KIND_STARTTLS)
        return false;
    return res->send != NULL || (res->recv->auth & DS_AUTH_TLS);
}

enum ds_render_status ds_render_select(struct ds_render *r)
{
    if (ds_select_run(r->cfg, r->store, r->at, NULL, &r->sel) < 0)
        return r->status = DS_RENDER_NOMEM;
    for (size_t i = 0; i < r->sel.n; i++) {
        const struct ds_result *res = &r->sel.v[i];
        const struct ds_where *w = result_where(res);
        const char *dir = ds_select_dir_name(res->dir);
        if (res->kind == DS_KIND_ANONYMOUS) {
            ds_diag_add(&r->diag, DS_SEV_WARNING, w->file, w->line,
                        "the connector's STARTTLS settings are rendered",
                        "%s connector %s: anonymous TLS (exchange_server) "
                        "has no Postfix or Sendmail counterpart and is not "
                        "rendered",
                        dir, res->connector);
            continue;
        }
        if (!needed(res))
            continue;
        for (size_t j = 0; j < res->nevents; j++) {
            const struct ds_event *ev = &res->events[j];
            bool refuse = !res->advertise && ev->sev == DS_SEV_ERROR;
            char hint[200];
            snprintf(hint, sizeof(hint),
                     "`domsec-policy explain %s` shows every candidate; "
                     "`domsec-policy lint` says how to fix it",
                     res->connector);
            ds_diag_add(&r->diag, refuse ? DS_SEV_ERROR : DS_SEV_WARNING,
                        w->file, w->line, refuse ? hint : NULL,
                        "%s connector %s: event %d: %s%s", dir, res->connector,
                        ev->id, ev->text, refuse ? "; nothing rendered" : "");
        }
        if (!res->advertise && r->status == DS_RENDER_OK)
            r->status = DS_RENDER_REFUSED;
    }
    return r->status;
}

static const struct ds_cert *starttls_cert(const struct ds_render *r,
                                           const char *name, enum ds_dir dir)
{
    const struct ds_result *res =
        ds_select_find(&r->sel, name, dir, DS_KIND_STARTTLS);
    return res && res->advertise ? res->selected : NULL;
}

const struct ds_cert *ds_render_recv_cert(const struct ds_render *r,
                                          const struct ds_recv_connector *c)
{
    return starttls_cert(r, c->name, DS_DIR_RECEIVE);
}

const struct ds_cert *ds_render_send_cert(const struct ds_render *r,
                                          const struct ds_send_connector *c)
{
    return starttls_cert(r, c->name, DS_DIR_SEND);
}

const char *ds_render_cert_line(const struct ds_cert *c, char *buf, size_t size)
{
    char when[32];
    ds_time_iso(c->not_after, when, sizeof(when));
    when[10] = '\0';
    snprintf(buf, size, "\"%s\": %s; issuer %s; thumbprint %s; expires %s",
             c->name, c->subject, c->issuer, c->thumbprint, when);
    return buf;
}

const char *ds_render_partner_cas(const struct ds_config *cfg)
{
    return cfg->partner_trust_store ? cfg->partner_trust_store
                                    : cfg->server.trust_store;
}

/* ---- writing ------------------------------------------------------------ */

enum change { CREATED, UPDATED, UNCHANGED };
static const char *const change_names[] = {"created", "updated", "unchanged"};

/* Does the file at path hold exactly b? */
static enum change compare(const char *path, const struct ds_buf *b)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return CREATED;
    if (!S_ISREG(st.st_mode) || (size_t)st.st_size != b->len)
        return UPDATED;
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return UPDATED;
    enum change c = UNCHANGED;
    char chunk[8192];
    size_t off = 0, n;
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
        if (off + n > b->len || memcmp(chunk, b->p + off, n) != 0) {
            c = UPDATED;
            break;
        }
        off += n;
    }
    if (c == UNCHANGED && (ferror(fp) || off != b->len))
        c = UPDATED;
    fclose(fp);
    return c;
}

static int write_temp(const char *dir, const struct ds_render_file *f,
                      char *tmp, size_t size, char *err, size_t errsize)
{
    snprintf(tmp, size, "%s/.%s.XXXXXX", dir, f->name);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errsize,
                 "cannot create a file in %s: %s; nothing "
                 "written",
                 dir, strerror(errno));
        tmp[0] = '\0';
        return -1;
    }
    size_t off = 0;
    while (off < f->text.len) {
        ssize_t w = write(fd, f->text.p + off, f->text.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    int bad = off != f->text.len || fchmod(fd, 0644) < 0 || fsync(fd) < 0;
    int saved = errno;
    if (close(fd) < 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    if (bad) {
        snprintf(err, errsize, "cannot write %s: %s; nothing written", tmp,
                 strerror(saved));
        return -1;
    }
    return 0;
}

/* Does the file begin with a comment that carries DS_RENDER_MARK? */
static bool ours(const char *path)
{
    char line[512];
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return false;
    bool yes = false;
    for (int i = 0; i < 3 && fgets(line, sizeof(line), fp); i++)
        yes |= strstr(line, DS_RENDER_MARK) != NULL;
    fclose(fp);
    return yes;
}

static void remove_stale(const struct ds_render *r, const char *dir,
                         FILE *summary)
{
    char path[4096], db[4200];
    for (size_t i = 0; i < r->nstale; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, r->stale[i]);
        if (!ours(path))
            continue;
        if (unlink(path) == 0 && summary)
            fprintf(summary, "removed   %s (no longer needed)\n", path);
        snprintf(db, sizeof(db), "%s.db", path);
        (void)unlink(db);
    }
}

int ds_render_write(const struct ds_render *r, const char *dir, FILE *summary,
                    char *err, size_t errsize)
{
    char path[DS_RENDER_MAX_FILES][4096], tmp[DS_RENDER_MAX_FILES][4096];
    enum change ch[DS_RENDER_MAX_FILES];
    int rc = 0;

    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        snprintf(err, errsize, "cannot create %s: %s; nothing written", dir,
                 strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < r->nfiles; i++) {
        snprintf(path[i], sizeof(path[i]), "%s/%s", dir, r->files[i].name);
        ch[i] = compare(path[i], &r->files[i].text);
        tmp[i][0] = '\0';
    }
    /* every changed file to a temporary file first ... */
    for (size_t i = 0; i < r->nfiles && rc == 0; i++)
        if (ch[i] != UNCHANGED)
            rc = write_temp(dir, &r->files[i], tmp[i], sizeof(tmp[i]), err,
                            errsize);
    if (rc < 0) {
        for (size_t i = 0; i < r->nfiles; i++)
            if (tmp[i][0])
                unlink(tmp[i]);
        return -1;
    }
    /* ... then each into place */
    for (size_t i = 0; i < r->nfiles; i++) {
        if (ch[i] == UNCHANGED)
            continue;
        if (rc == 0 && rename(tmp[i], path[i]) < 0) {
            snprintf(err, errsize,
                     "cannot rename %s to %s: %s; the files before it were "
                     "updated, the others not",
                     tmp[i], path[i], strerror(errno));
            rc = -1;
        }
        if (rc < 0)
            unlink(tmp[i]);
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    if (rc < 0)
        return -1;
    for (size_t i = 0; summary && i < r->nfiles; i++)
        fprintf(summary, "%-9s %s\n", change_names[ch[i]], path[i]);
    remove_stale(r, dir, summary);
    return 0;
}

/* ---- postmap --------------------------------------------------------------
 */

static int run_postmap(const char *dir, const struct ds_render_file *f,
                       const char *path, char *err, size_t errsize)
{
    char map[4200];
    snprintf(map, sizeof(map), "%s:%s", f->map_type, path);
    const char *cfgdir = getenv("MAIL_CONFIG");
    char *argv[8];
    int n = 0;
    argv[n++] = "postmap";
    if (f->map_of_files)
        argv[n++] = "-F";
    if (cfgdir == NULL || cfgdir[0] == '\0') {
        argv[n++] = "-c";
        argv[n++] = (char *)dir;
    }
    argv[n++] = map;
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errsize, "cannot run postmap: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        execvp("postmap", argv);
        execv("/usr/sbin/postmap", argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) {
            snprintf(err, errsize, "postmap: %s", strerror(errno));
            return -1;
        }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
        snprintf(err, errsize, "postmap not found (is Postfix installed?)");
    else
        snprintf(err, errsize, "postmap %s%s failed",
                 f->map_of_files ? "-F " : "", map);
    return -1;
}

int ds_render_postmap(const struct ds_render *r, const char *dir, FILE *summary,
                      char *err, size_t errsize)
{
    char path[4096], db[4200];
    for (size_t i = 0; i < r->nfiles; i++) {
        const struct ds_render_file *f = &r->files[i];
        struct stat s, d;
        if (f->map_type == NULL)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, f->name);
        snprintf(db, sizeof(db), "%s.db", path);
        if (stat(path, &s) == 0 && stat(db, &d) == 0 &&
            (d.st_mtim.tv_sec > s.st_mtim.tv_sec ||
             (d.st_mtim.tv_sec == s.st_mtim.tv_sec &&
              d.st_mtim.tv_nsec >= s.st_mtim.tv_nsec))) {
            if (summary)
                fprintf(summary, "%-9s %s\n", "unchanged", db);
            continue;
        }
        if (run_postmap(dir, f, path, err, errsize) < 0)
            return -1;
        if (summary)
            fprintf(summary, "%-9s %s (postmap%s)\n", "built", db,
                    f->map_of_files ? " -F" : "");
    }
    return 0;
}

void ds_render_print(const struct ds_render *r, FILE *fp)
{
    for (size_t i = 0; i < r->nfiles; i++) {
        fprintf(fp, "%s==> %s/%s <==\n", i ? "\n" : "", r->dir,
                r->files[i].name);
        fwrite(r->files[i].text.p, 1, r->files[i].text.len, fp);
    }
}
