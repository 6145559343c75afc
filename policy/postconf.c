/*
 * postconf.c - run Postfix's commands and read their output (postconf.h):
 * main.cf values through `postconf -h`, master.cf entries through
 * `postconf -F` and `-P`, Postfix's list syntax, listener addresses.
 *
 * Must not: edit files, print, or exit; never parse main.cf or master.cf
 * itself (postconf does, with Postfix's own rules).
 */
#include "dsconfig.h"

#include "postconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- running a command -------------------------------------------------- */

static void append(struct ds_buf *b, const char *p, size_t n)
{
    if (b)
        ds_buf_printf(b, "%.*s", (int)n, p);
}

/* Read both pipes until both are closed. */
static void drain(int fo, int fe, struct ds_buf *out, struct ds_buf *err)
{
    struct pollfd p[2] = {{fo, POLLIN, 0}, {fe, POLLIN, 0}};
    char chunk[4096];
    while (p[0].fd >= 0 || p[1].fd >= 0) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !p[i].revents)
                continue;
            ssize_t n = read(p[i].fd, chunk, sizeof(chunk));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                close(p[i].fd);
                p[i].fd = -1;
                continue;
            }
            append(i == 0 ? out : err, chunk, (size_t)n);
        }
    }
}

static void child(const char *const argv[], int po[2], int pe[2])
{
    char path[512];
    dup2(po[1], STDOUT_FILENO);
    dup2(pe[1], STDERR_FILENO);
    close(po[0]);
    close(po[1]);
    close(pe[0]);
    close(pe[1]);
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0)
        dup2(null, STDIN_FILENO);
    execvp(argv[0], (char *const *)argv);
    snprintf(path, sizeof(path), "/usr/sbin/%s", argv[0]);
    execv(path, (char *const *)argv);
    _exit(127);
}

int ds_postconf_run(const char *const argv[], struct ds_buf *out,
                    struct ds_buf *err)
{
    int po[2], pe[2], st;
    if (pipe(po) < 0)
        return -1;
    if (pipe(pe) < 0) {
        close(po[0]);
        close(po[1]);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        child(argv, po, pe);
    close(po[1]);
    close(pe[1]);
    if (pid < 0) {
        close(po[0]);
        close(pe[0]);
        return -1;
    }
    drain(po[0], pe[0], out, err);
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void first_line(const struct ds_buf *b, char *why, size_t size)
{
    const char *p = b->len ? b->p : "";
    size_t n = strcspn(p, "\n");
    snprintf(why, size, "%.*s", (int)n, p);
}

int ds_postconf_get(const char *dir, const char *flags, const char *name,
                    char *out, size_t size, char *why, size_t whysize)
{
    const char *argv[] = {"postconf", "-c", dir, flags, name, NULL};
    struct ds_buf o = {0}, e = {0};
    int rc = ds_postconf_run(argv, &o, &e);
    size_t n = o.len;
    while (n > 0 && o.p[n - 1] == '\n')
        n--;
    snprintf(out, size, "%.*s", (int)n, n ? o.p : "");
    if (rc != 0)
        first_line(&e, why, whysize);
    if (rc == 0 && (o.oom || n >= size)) {
        snprintf(why, whysize, "postconf: %s: value too long", name);
        rc = -1;
    }
    ds_buf_free(&o);
    ds_buf_free(&e);
    return rc;
}

/* ---- list values -------------------------------------------------------- */

static bool sep(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',';
}

int ds_postconf_split(const char *s, struct ds_strlist *items)
{
    while (*s) {
        while (sep(*s))
            s++;
        if (!*s)
            break;
        const char *start = s;
        int depth = 0;
        for (; *s && (depth > 0 || !sep(*s)); s++) {
            if (*s == '{')
                depth++;
            else if (*s == '}' && depth > 0)
                depth--;
        }
        if (ds_strlist_addf(items, "%.*s", (int)(s - start), start) < 0)
            return -1;
    }
    return 0;
}

void ds_postconf_endpoint(const char *item, char *out, size_t size)
{
    if (item[0] == '{')
        item++;
    while (sep(*item))
        item++;
    size_t n = 0;
    while (item[n] && !sep(item[n]) && item[n] != '}')
        n++;
    snprintf(out, size, "%.*s", (int)n, item);
}

/* ---- master.cf ---------------------------------------------------------- */

static struct ds_pf_service *service(struct ds_pf_master *m, const char *name,
                                     size_t nlen, const char *type, size_t tlen)
{
    for (size_t i = 0; i < m->n; i++)
        if (strlen(m->v[i].name) == nlen &&
            strncmp(m->v[i].name, name, nlen) == 0 &&
            strlen(m->v[i].type) == tlen &&
            strncmp(m->v[i].type, type, tlen) == 0)
            return &m->v[i];
    struct ds_pf_service *v = realloc(m->v, (m->n + 1) * sizeof(*v));
    if (v == NULL)
        return NULL;
    m->v = v;
    struct ds_pf_service *s = &v[m->n];
    memset(s, 0, sizeof(*s));
    s->name = strndup(name, nlen);
    s->type = strndup(type, tlen);
    if (s->name == NULL || s->type == NULL ||
        asprintf(&s->key, "%s/%s", s->name, s->type) < 0) {
        free(s->name);
        free(s->type);
        return NULL;
    }
    m->n++;
    return s;
}

/* One "NAME/TYPE/FIELD = VALUE" line of postconf -F or -P. */
static int master_line(struct ds_pf_master *m, char *line, bool fields)
{
    char *eq = strstr(line, " = ");
    if (eq == NULL) /* "NAME/TYPE/FIELD =" has an empty value */
        eq = strstr(line, " =");
    if (eq == NULL)
        return 0;
    *eq = '\0';
    const char *value = eq[2] == ' ' ? eq + 3 : eq + 2;
    char *field = strrchr(line, '/');
    if (field == NULL || field == line)
        return 0;
    *field++ = '\0';
    char *type = strrchr(line, '/');
    if (type == NULL || type == line)
        return 0;
    type++;
    struct ds_pf_service *s =
        service(m, line, (size_t)(type - 1 - line), type, strlen(type));
    if (s == NULL)
        return -1;
    if (!fields)
        return ds_strlist_addf(&s->params, "%s=%s", field, value);
    char **slot = strcmp(field, "chroot") == 0    ? &s->chroot
                  : strcmp(field, "command") == 0 ? &s->command
                                                  : NULL;
    if (slot && (*slot = strdup(value)) == NULL)
        return -1;
    return 0;
}

static int master_read(const char *dir, const char *flag,
                       struct ds_pf_master *m, char *why, size_t whysize)
{
    const char *argv[] = {"postconf", "-c", dir, flag, NULL};
    struct ds_buf o = {0}, e = {0};
    int rc = ds_postconf_run(argv, &o, &e);
    if (rc != 0)
        first_line(&e, why, whysize);
    for (char *p = o.p, *nl; rc == 0 && p && *p; p = nl ? nl + 1 : NULL) {
        if ((nl = strchr(p, '\n')) != NULL)
            *nl = '\0';
        if (master_line(m, p, flag[1] == 'F') < 0 || o.oom) {
            snprintf(why, whysize, "out of memory");
            rc = -1;
        }
    }
    ds_buf_free(&o);
    ds_buf_free(&e);
    return rc == 0 ? 0 : -1;
}

int ds_postconf_master(const char *dir, struct ds_pf_master *m, char *why,
                       size_t whysize)
{
    memset(m, 0, sizeof(*m));
    if (master_read(dir, "-F", m, why, whysize) < 0 ||
        master_read(dir, "-P", m, why, whysize) < 0)
        return -1;
    return 0;
}

void ds_postconf_master_free(struct ds_pf_master *m)
{
    for (size_t i = 0; i < m->n; i++) {
        struct ds_pf_service *s = &m->v[i];
        free(s->key);
        free(s->name);
        free(s->type);
        free(s->chroot);
        free(s->command);
        ds_strlist_free(&s->params);
    }
    free(m->v);
    memset(m, 0, sizeof(*m));
}

const char *ds_postconf_service_param(const struct ds_pf_service *s,
                                      const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < s->params.n; i++)
        if (strncmp(s->params.v[i], name, n) == 0 && s->params.v[i][n] == '=')
            return s->params.v[i] + n + 1;
    return NULL;
}

bool ds_postconf_chrooted(const struct ds_pf_service *s, int compat_level)
{
    const char *c = s->chroot ? s->chroot : "-";
    if (strcmp(c, "-") == 0)
        return compat_level < 1;
    return c[0] == 'y' || c[0] == 'Y';
}

int ds_postconf_inet_addr(const char *name, char *host, size_t hostsize,
                          int *port)
{
    const char *colon = strrchr(name, ':'), *p = name;
    host[0] = '\0';
    if (colon) {
        const char *h = name;
        size_t n = (size_t)(colon - name);
        if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
            h++;
            n -= 2;
        }
        snprintf(host, hostsize, "%.*s", (int)n, h);
        p = colon + 1;
    }
    char *end;
    long v = strtol(p, &end, 10);
    if (*p && *end == '\0' && v > 0 && v < 65536) {
        *port = (int)v;
        return 0;
    }
    struct servent *se = getservbyname(p, "tcp");
    if (se == NULL)
        return -1;
    *port = ntohs((uint16_t)se->s_port);
    return 0;
}
