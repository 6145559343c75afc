/*
 * render.c - what the Postfix and Sendmail renderers share (render.h):
 * the spellings of milter sockets and listening addresses, running the
 * selection rules and lint and refusing on their errors, the checks of
 * the certificate and CA files rendered, and writing the files: all or
 * nothing, atomically, leaving unchanged files untouched, then postmap.
 *
 * Must not: choose certificates (select.c does), print anything but the
 * summary it is given a FILE for, or exit.
 */
#include "dsconfig.h"

#include "render.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "certfile.h"
#include "lint.h"

/* The worse of two refusals: out of memory, configuration, certificate. */
static void refuse(struct ds_render *r, enum ds_render_status st)
{
    if (r->status == DS_RENDER_OK || st == DS_RENDER_NOMEM ||
        (st == DS_RENDER_CONFIG && r->status == DS_RENDER_REFUSED))
        r->status = st;
}

void ds_render_error(struct ds_render *r, enum ds_code code,
                     const struct ds_where *w, const char *hint,
                     const char *fmt, ...)
{
    char *text = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    ds_diag_code(&r->diag, code, w->file, w->line, hint, "%s",
                 n < 0 ? "out of memory" : text);
    if (n >= 0)
        free(text);
    refuse(r, (ds_code_flags(code) & DS_CODEF_CONFIG) ? DS_RENDER_CONFIG
                                                      : DS_RENDER_REFUSED);
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

/* ---- spellings ---------------------------------------------------------- */

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

/* ---- the certificates --------------------------------------------------- */

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

/* The selection's events for the STARTTLS results the MTA needs. */
static void select_events(struct ds_render *r)
{
    char qn[300], hint[400];
    for (size_t i = 0; i < r->sel.n; i++) {
        const struct ds_result *res = &r->sel.v[i];
        const struct ds_where *w = result_where(res);
        const char *dir = ds_select_dir_name(res->dir);
        if (!needed(res))
            continue;
        snprintf(hint, sizeof(hint),
                 "`domsec-policy explain %s` shows every candidate; "
                 "`domsec-policy lint` says how to fix it",
                 ds_shell_quote(res->connector, qn, sizeof(qn)));
        for (size_t j = 0; j < res->nevents; j++) {
            const struct ds_event *ev = &res->events[j];
            bool refused = !res->advertise && ev->sev == DS_SEV_ERROR;
            const char *h = refused ? hint : NULL;
            if (refused)
                ds_render_error(r, ev->code, w, h,
                                "%s connector %s: event %d: %s; nothing "
                                "rendered",
                                dir, res->connector, ev->id, ev->text);
            else /* an event that leaves the certificate in use */
                ds_diag_code(&r->diag, ev->code, w->file, w->line, h,
                             "%s connector %s: event %d: %s", dir,
                             res->connector, ev->id, ev->text);
        }
        if (!res->advertise)
            refuse(r, DS_RENDER_REFUSED);
    }
}

/* Lint's findings, but for the events (select_events has them) and
 * anonymous TLS (only the finding that says it is not rendered). */
static void lint_findings(struct ds_render *r)
{
    struct ds_lint lint;
    if (ds_lint_run(r->cfg, r->store, r->at, DS_LINT_DEFAULT_DAYS, NULL,
                    &lint) < 0) {
        ds_lint_free(&lint);
        refuse(r, DS_RENDER_NOMEM);
        return;
    }
    for (size_t i = 0; i < lint.n; i++) {
        const struct ds_finding *f = &lint.v[i];
        unsigned flags = ds_code_flags(f->code);
        if (f->event != 0 || ((flags & DS_CODEF_ANONYMOUS) &&
                              f->code != DS_CODE_ANONYMOUS_NOT_RENDERED))
            continue;
        if (f->sev == DS_SEV_ERROR)
            ds_render_error(r, f->code, &f->where, f->hint, "%s", f->text);
        else
            ds_diag_code(&r->diag, f->code, f->where.file, f->where.line,
                         f->hint, "%s", f->text);
    }
    ds_lint_free(&lint);
}

enum ds_render_status ds_render_select(struct ds_render *r)
{
    if (ds_select_run(r->cfg, r->store, r->at, NULL, &r->sel) < 0) {
        refuse(r, DS_RENDER_NOMEM);
        return r->status;
    }
    select_events(r);
    lint_findings(r);
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

/* ---- postmap ------------------------------------------------------------ */

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

/* ---- the files rendered ------------------------------------------------- */

const char *ds_render_chain_files(const struct ds_cert *c, const char *sep,
                                  char *buf, size_t size)
{
    const char *files[3] = {c->key_path, c->cert_path, c->chain_path};
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; i < 3; i++) {
        bool again = files[i] == NULL;
        for (int j = 0; j < i && !again; j++)
            again = files[j] && strcmp(files[j], files[i]) == 0;
        if (again || off >= size)
            continue;
        off += (size_t)snprintf(buf + off, size - off, "%s%s", off ? sep : "",
                                files[i]);
    }
    return buf;
}

/* The keys ('K') and certificates ('C') of a PEM file, in order, appended
 * to seq; other objects (EC PARAMETERS before an EC key) Postfix skips,
 * and so does this. Only the BEGIN lines are looked at: nothing is
 * decoded. Returns -1 when the file cannot be read. */
static int pem_kinds(const char *path, char *seq, size_t size, size_t *n)
{
    char line[256];
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return -1;
    while (fgets(line, sizeof(line), fp)) {
        if (strncmp(line, "-----BEGIN ", 11) != 0 || *n + 1 >= size)
            continue;
        const char *what = line + 11;
        if (strstr(what, "PRIVATE KEY-----"))
            seq[(*n)++] = 'K';
        else if (strncmp(what, "CERTIFICATE-----", 16) == 0 ||
                 strncmp(what, "TRUSTED CERTIFICATE-----", 24) == 0 ||
                 strncmp(what, "X509 CERTIFICATE-----", 21) == 0)
            seq[(*n)++] = 'C';
    }
    seq[*n] = '\0';
    fclose(fp);
    return 0;
}

bool ds_render_check_chain(struct ds_render *r, const struct ds_cert *c)
{
    const char *files[3] = {c->key_path, c->cert_path, c->chain_path};
    char seq[512];
    size_t n = 0;
    if (c->key_path == NULL)
        return true; /* never selected without a key */
    for (int i = 0; i < 3; i++) {
        bool again = files[i] == NULL;
        for (int j = 0; j < i && !again; j++)
            again = files[j] && strcmp(files[j], files[i]) == 0;
        if (!again && pem_kinds(files[i], seq, sizeof(seq), &n) < 0)
            return true; /* the store reported it */
    }
    /* one key, then its certificate and chain: "KC", "KCC", ... */
    if (n >= 2 && seq[0] == 'K' && strspn(seq + 1, "C") == n - 1)
        return true;
    char files_buf[4200];
    ds_render_error(
        r, DS_CODE_RENDER_CHAIN_ORDER, &c->where,
        c->key_path && strcmp(c->key_path, c->cert_path) == 0
            ? "put the private key first in the file, then the "
              "certificate, then its chain"
            : "keep only the key in the key file, and only "
              "certificates (leaf first) in the others",
        "certificate \"%s\": Postfix reads %s as one sequence "
        "that must be a private key and then its certificates; "
        "the PEM objects there are, in order: %s (K: key, C: "
        "certificate)",
        c->name, ds_render_chain_files(c, ", ", files_buf, sizeof(files_buf)),
        seq);
    return false;
}

void ds_render_check_cas(struct ds_render *r)
{
    const struct ds_config *cfg = r->cfg;
    bool secure = false;
    struct ds_cafile info;
    char err[512] = "";
    for (size_t i = 0; i < cfg->nsend; i++)
        secure |= cfg->send[i].domain_secure;
    if (!secure || cfg->partner_trust_store != NULL)
        return;
    const char *p = cfg->server.trust_store;
    const struct ds_where *w = &cfg->server.where_trust_store;
    struct stat st;
    if (p == NULL)
        return;
    if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
        snprintf(err, sizeof(err), "a directory, where the MTA needs a file");
    else if (ds_certfile_check_cas(p, &info, err, sizeof(err)) > 0)
        return;
    else if (err[0] == '\0')
        snprintf(err, sizeof(err), "no CA certificate in it");
    ds_render_error(r, DS_CODE_PARTNER_CAS_UNREADABLE, w,
                    "set transport.partner_trust_store to a PEM file of the "
                    "CAs your partners' servers use",
                    "server: trust_store: %s: %s (it verifies partners' "
                    "servers for the domain-secure send connectors, as "
                    "transport.partner_trust_store is not set)",
                    p, err);
}
