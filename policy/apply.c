/*
 * apply.c - `domsec-policy apply postfix` (apply.h): render the policy,
 * then merge it into main.cf and master.cf with postconf on a working
 * copy, check the copy, and put it in place.
 *
 *   main.cf    each rendered value set with postconf -e, except lists
 *              (smtpd_milters, transport_maps, smtp_tls_policy_maps,
 *              tls_server_sni_maps): domsec's item goes first and the
 *              admin's items stay after it; the milter carries its own
 *              default_action, so other milters keep theirs; log levels
 *              are only raised
 *   master.cf  the rendered entries added or replaced with postconf -M;
 *              an admin's inet listener on a port a receive connector
 *              binds is commented out (postconf -M#) and its -o
 *              parameters move to domsec's listener, except those
 *              domsec's sets and those that decide whether mail reaches
 *              the milter; entries an earlier apply added and this one
 *              does not render are removed
 *
 * What apply merged is recorded (backup/applied) so that a later apply
 * takes back what domsec.conf no longer asks for, and a second apply with
 * the same domsec.conf changes no byte.
 *
 * Must not: parse main.cf or master.cf (postconf does), touch the live
 * files before the working copy passed `postfix check`, print anything
 * but the summary, or exit.
 */
#include "apply.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "postconf.h"
#include "render.h"

/* What an apply merged: the record in backup/applied. */
struct state {
    struct ds_strlist set;     /* main.cf parameters it set */
    struct ds_strlist list;    /* "NAME ITEM": list items it put first */
    struct ds_strlist service; /* master.cf entries it added: "NAME/TYPE" */
    /* "NAME/TYPE PARAM=VALUE": an -o of an admin's listener that one of
     * those entries took over (the listener itself is commented out) */
    struct ds_strlist carry;
};

struct run {
    const struct ds_apply_opts *o;
    struct ds_apply_dirs d;
    FILE *summary;
    struct ds_diag *diag;
    const struct ds_config *cfg;
    struct ds_render r;
    char queue[2048];
    int compat;
    char sock[600]; /* milter.socket as smtpd_milters names it */
    bool in_queue;  /* ... relative to the queue directory */
    struct state old, now;
    /* the edits, in the order they run */
    struct ds_strlist e, x, comment, remove, add;
    struct ds_strlist notes; /* summary lines, printed once all went well */
    bool oom;
};

/* How a rendered main.cf parameter is merged. */
enum pkind { P_SET, P_LIST, P_MILTER, P_MILTER_OPT, P_AT_LEAST };
static const struct {
    const char *name;
    enum pkind kind;
} kinds[] = {
    {"smtpd_milters", P_MILTER},        {"milter_default_action", P_MILTER_OPT},
    {"milter_protocol", P_MILTER_OPT},  {"transport_maps", P_LIST},
    {"smtp_tls_policy_maps", P_LIST},   {"tls_server_sni_maps", P_LIST},
    {"smtpd_tls_loglevel", P_AT_LEAST}, {"smtp_tls_loglevel", P_AT_LEAST},
};

static enum pkind kind_of(const char *name)
{
    for (size_t i = 0; i < DS_ARRAY_LEN(kinds); i++)
        if (strcmp(kinds[i].name, name) == 0)
            return kinds[i].kind;
    return P_SET;
}

static void add(struct run *R, struct ds_strlist *sv, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add(struct run *R, struct ds_strlist *sv, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (ds_strlist_vaddf(sv, fmt, ap) < 0)
        R->oom = true;
    va_end(ap);
}

static bool has(const struct ds_strlist *sv, const char *s)
{
    for (size_t i = 0; i < sv->n; i++)
        if (strcmp(sv->v[i], s) == 0)
            return true;
    return false;
}

static void error(struct run *R, const char *file, const char *hint,
                  const char *what, const char *why)
{
    ds_diag_add(R->diag, DS_SEV_ERROR, file, 0, hint, "%s%s%s", what,
                why && *why ? ": " : "", why ? why : "");
}

/* postconf -c CONFDIR FLAGS NAME into out; false (and an error) when it
 * fails. */
static bool get(struct run *R, const char *confdir, const char *flags,
                const char *name, char *out, size_t size)
{
    char why[512] = "", what[300];
    if (ds_postconf_get(confdir, flags, name, out, size, why, sizeof(why)) == 0)
        return true;
    snprintf(what, sizeof(what), "postconf -c %s %s %s failed", confdir, flags,
             name);
    error(R, confdir, "is Postfix installed?", what, why);
    return false;
}

/* ---- the record --------------------------------------------------------- */

static void state_free(struct state *s)
{
    ds_strlist_free(&s->set);
    ds_strlist_free(&s->list);
    ds_strlist_free(&s->service);
    ds_strlist_free(&s->carry);
}

static void state_read(struct run *R)
{
    char path[2300], line[4096];
    snprintf(path, sizeof(path), "%s/applied", R->d.backup);
    FILE *fp = fopen(path, "r");
    while (fp && fgets(line, sizeof(line), fp)) {
        line[strcspn(line, "\n")] = '\0';
        char *arg = strchr(line, ' ');
        if (line[0] == '#' || arg == NULL)
            continue;
        *arg++ = '\0';
        struct ds_strlist *sv = strcmp(line, "set") == 0       ? &R->old.set
                                : strcmp(line, "list") == 0    ? &R->old.list
                                : strcmp(line, "service") == 0 ? &R->old.service
                                : strcmp(line, "carry") == 0   ? &R->old.carry
                                                               : NULL;
        if (sv)
            add(R, sv, "%s", arg);
    }
    if (fp)
        fclose(fp);
}

static void state_text(const struct run *R, struct ds_buf *b)
{
    static const char *const names[] = {"set", "list", "service", "carry"};
    const struct ds_strlist *v[] = {&R->now.set, &R->now.list, &R->now.service,
                                    &R->now.carry};
    ds_buf_printf(b,
                  "# What domsec-policy apply merged into %s (main.cf and\n"
                  "# master.cf as they were before are beside this file, "
                  "for --revert).\n"
                  "# Do not edit.\n",
                  R->d.dir);
    for (size_t k = 0; k < DS_ARRAY_LEN(names); k++)
        for (size_t i = 0; i < v[k]->n; i++)
            ds_buf_printf(b, "%s %s\n", names[k], v[k]->v[i]);
}

/* ---- main.cf ------------------------------------------------------------ */

/* NAME=VALUE unless main.cf already says exactly that. */
static void set(struct run *R, const char *name, const char *value)
{
    char cur[8192], want[8192];
    if (!get(R, R->d.tmp, "-n", name, cur, sizeof(cur)))
        return;
    snprintf(want, sizeof(want), "%s =%s%s", name, *value ? " " : "", value);
    if (strcmp(cur, want) != 0)
        add(R, &R->e, "%s=%s", name, value);
}

/* Put `item` first in list NAME (NULL: only take out earlier ones). */
static void list_first(struct run *R, const char *name, const char *item)
{
    char cur[8192], ep[600], mine[600];
    struct ds_strlist items = {0};
    struct ds_buf v = {0};
    if (!get(R, R->d.tmp, "-h", name, cur, sizeof(cur)))
        return;
    if (ds_postconf_split(cur, &items) < 0)
        R->oom = true;
    ds_postconf_endpoint(R->sock, mine, sizeof(mine));
    if (item)
        ds_buf_printf(&v, "%s", item);
    for (size_t i = 0; i < items.n; i++) {
        char key[8400];
        snprintf(key, sizeof(key), "%s %s", name, items.v[i]);
        ds_postconf_endpoint(items.v[i], ep, sizeof(ep));
        if ((item && strcmp(items.v[i], item) == 0) || has(&R->old.list, key) ||
            (strcmp(name, "smtpd_milters") == 0 && strcmp(ep, mine) == 0))
            continue;
        ds_buf_printf(&v, "%s%s", v.len ? ", " : "", items.v[i]);
    }
    if (item)
        add(R, &R->now.list, "%s %s", name, item);
    if (strcmp(v.len ? v.p : "", cur) != 0)
        add(R, &R->e, "%s=%s", name, v.len ? v.p : "");
    R->oom |= v.oom;
    ds_buf_free(&v);
    ds_strlist_free(&items);
}

static void at_least(struct run *R, const char *name, const char *value)
{
    char cur[64];
    bool mine = has(&R->old.set, name);
    if (!get(R, R->d.tmp, "-hx", name, cur, sizeof(cur)))
        return;
    if (atoi(cur) < atoi(value)) {
        add(R, &R->e, "%s=%s", name, value);
        mine = true;
    }
    if (mine)
        add(R, &R->now.set, "%s", name);
}

/* A parameter an earlier apply set and this one does not: back to what
 * it was before the first apply (or unset). */
static void restore(struct run *R, const char *name)
{
    char before[8192], cur[8192];
    if (!get(R, R->d.backup, "-n", name, before, sizeof(before)) ||
        !get(R, R->d.tmp, "-n", name, cur, sizeof(cur)))
        return;
    if (strcmp(before, cur) == 0)
        return;
    if (before[0] == '\0') {
        add(R, &R->x, "%s", name);
        return;
    }
    const char *eq = strchr(before, '=');
    add(R, &R->e, "%s=%s", name, eq[1] == ' ' ? eq + 2 : eq + 1);
}

static void plan_param(struct run *R, const char *name, const char *value,
                       struct ds_buf *milter)
{
    switch (kind_of(name)) {
    case P_MILTER:
        snprintf(R->sock, sizeof(R->sock), "%s", value);
        break;
    case P_MILTER_OPT: /* "milter_default_action" -> "default_action" */
        ds_buf_printf(milter, ", %s=%s", name + 7, value);
        break;
    case P_LIST:
        list_first(R, name, value);
        break;
    case P_AT_LEAST:
        at_least(R, name, value);
        break;
    case P_SET:
        set(R, name, value);
        add(R, &R->now.set, "%s", name);
        break;
    }
}

/* The rendered main.cf, line by line ("NAME = VALUE"). */
static void plan_main(struct run *R)
{
    const struct ds_buf *text = &R->r.files[0].text;
    struct ds_buf milter = {0};
    char *copy = strndup(text->p, text->len);
    R->oom |= copy == NULL;
    for (char *line = copy, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        if ((nl = strchr(line, '\n')) != NULL)
            *nl = '\0';
        char *eq = strstr(line, " =");
        if (line[0] == '#' || line[0] == '\0' || eq == NULL)
            continue;
        *eq = '\0';
        plan_param(R, line, eq[2] == ' ' ? eq + 3 : eq + 2, &milter);
    }
    free(copy);
    char item[1200];
    snprintf(item, sizeof(item), "{ %s%s }", R->sock,
             milter.len ? milter.p : "");
    ds_buf_free(&milter);
    list_first(R, "smtpd_milters", item);
    for (size_t i = 0; i < R->old.set.n; i++)
        if (!has(&R->now.set, R->old.set.v[i]))
            restore(R, R->old.set.v[i]);
    for (size_t i = 0; i < R->old.list.n; i++) {
        char name[200];
        snprintf(name, sizeof(name), "%.*s",
                 (int)strcspn(R->old.list.v[i], " "), R->old.list.v[i]);
        bool kept = false;
        for (size_t j = 0; j < R->now.list.n; j++)
            kept |= strncmp(R->now.list.v[j], name, strlen(name)) == 0 &&
                    R->now.list.v[j][strlen(name)] == ' ';
        if (!kept)
            list_first(R, name, NULL);
    }
}

/* ---- master.cf ---------------------------------------------------------- */

/* The rendered master.cf as postconf -M arguments ("NAME/TYPE=ENTRY"). */
static void rendered_entries(struct run *R, struct ds_strlist *entries)
{
    const struct ds_buf *text = &R->r.files[1].text;
    struct ds_buf cur = {0};
    char name[300], type[64];
    for (const char *p = text->p, *nl; p && *p; p = nl ? nl + 1 : NULL) {
        nl = strchr(p, '\n');
        int n = nl ? (int)(nl - p) : (int)strlen(p);
        if (p[0] == '#' || n == 0)
            continue;
        if (p[0] == ' ' || p[0] == '\t') {
            while (*p == ' ' || *p == '\t')
                p++, n--;
            ds_buf_printf(&cur, " %.*s", n, p);
            continue;
        }
        if (cur.len)
            add(R, entries, "%s", cur.p);
        cur.len = 0;
        if (sscanf(p, "%299s %63s", name, type) != 2)
            continue;
        ds_buf_printf(&cur, "%s/%s=%.*s", name, type, n, p);
    }
    if (cur.len)
        add(R, entries, "%s", cur.p);
    R->oom |= cur.oom;
    ds_buf_free(&cur);
}

static bool wildcard(const char *h)
{
    return strcmp(h, "0.0.0.0") == 0 || strcmp(h, "::") == 0;
}

/* Can listeners on hosts a and b (same port) not both be bound? */
static bool overlap(const char *a, const char *b)
{
    bool v6a = strchr(a, ':') != NULL, v6b = strchr(b, ':') != NULL;
    if (!*a || !*b || strcmp(a, b) == 0)
        return true;
    return v6a == v6b && (wildcard(a) || wildcard(b));
}

/* Is param ("NAME=VALUE") the parameter name? */
static bool param_is(const char *param, const char *name, size_t n)
{
    return strncmp(param, name, n) == 0 && param[n] == '=';
}

/* Does the rendered entry ("KEY=LINE -o a=b ...") set param's name? */
static bool entry_sets(const char *entry, const char *param)
{
    size_t n = strcspn(param, "=");
    for (const char *p = strstr(entry, " -o "); p; p = strstr(p + 1, " -o "))
        if (param_is(p + 4, param, n))
            return true;
    return false;
}

/* Is param's name among carry's parameters? */
static bool carry_has(const struct ds_strlist *carry, const char *param)
{
    size_t n = strcspn(param, "=");
    for (size_t i = 0; i < carry->n; i++)
        if (param_is(carry->v[i], param, n))
            return true;
    return false;
}

/* Whether the admin's -o param moves to domsec's listener that takes the
 * port over: not when domsec's entry sets it, nor when it decides whether
 * mail reaches domsec-milter. Notes the ones that do not move. */
static bool carried(struct run *R, const char *entry, const char *key,
                    const char *from, const char *param)
{
    static const char *const decide[] = {"smtpd_milters",
                                         "receive_override_options"};
    bool sets = entry_sets(entry, param), milter = false;
    for (size_t i = 0; i < DS_ARRAY_LEN(decide); i++)
        milter |= param_is(param, decide[i], strlen(decide[i]));
    if (sets || milter)
        add(R, &R->notes, "not kept  master.cf %s -o %s (%s%s%s)", from, param,
            sets ? "" : "mail on ", key,
            sets ? " sets its own" : " must reach domsec-milter");
    return !sets && !milter;
}

/* An admin's inet listener on a port the rendered listener `key` binds:
 * commented out, and its -o parameters added to carry ("NAME=VALUE"). */
static void disable_conflicts(struct run *R, const struct ds_pf_master *m,
                              const char *key, const char *entry,
                              struct ds_strlist *carry)
{
    char host[300], h2[300], name[300];
    int port, p2;
    snprintf(name, sizeof(name), "%.*s", (int)strcspn(key, "/"), key);
    if (ds_postconf_inet_addr(name, host, sizeof(host), &port) < 0)
        return;
    for (size_t i = 0; i < m->n; i++) {
        const struct ds_pf_service *s = &m->v[i];
        if (strcmp(s->type, "inet") != 0 || has(&R->now.service, s->key) ||
            has(&R->old.service, s->key) ||
            ds_postconf_inet_addr(s->name, h2, sizeof(h2), &p2) < 0 ||
            p2 != port || !overlap(host, h2))
            continue;
        if (!has(&R->comment, s->key)) {
            add(R, &R->comment, "%s", s->key);
            add(R, &R->notes,
                "disabled  master.cf %s (commented out: its port %d is the "
                "binding %s of a receive connector)",
                s->key, port, name);
        }
        for (size_t k = 0; k < s->params.n; k++)
            if (!carry_has(carry, s->params.v[k]) &&
                carried(R, entry, key, s->key, s->params.v[k])) {
                add(R, carry, "%s", s->params.v[k]);
                add(R, &R->notes, "kept      master.cf %s -o %s (from %s)",
                    key, s->params.v[k], s->key);
            }
    }
}

/* The rendered entry with the -o parameters it carries over from the
 * listeners it replaced (now or at an earlier apply), into R->add. */
static void add_entry(struct run *R, const char *key, const char *entry,
                      struct ds_strlist *carry)
{
    size_t klen = strlen(key);
    for (size_t i = 0; i < R->old.carry.n; i++) {
        const char *c = R->old.carry.v[i], *param = c + klen + 1;
        if (strncmp(c, key, klen) == 0 && c[klen] == ' ' &&
            !carry_has(carry, param) && !entry_sets(entry, param))
            add(R, carry, "%s", param);
    }
    struct ds_buf b = {0};
    ds_buf_printf(&b, "%s", entry);
    for (size_t i = 0; i < carry->n; i++) {
        const char *p = carry->v[i];
        size_t n = strcspn(p, "=");
        if (p[n + 1 + strcspn(p + n + 1, " \t{}")] != '\0')
            ds_buf_printf(&b, " -o { %.*s = %s }", (int)n, p, p + n + 1);
        else
            ds_buf_printf(&b, " -o %s", p);
        add(R, &R->now.carry, "%s %s", key, p);
    }
    add(R, &R->add, "%s", b.len ? b.p : entry);
    R->oom |= b.oom;
    ds_buf_free(&b);
}

static int plan_master(struct run *R)
{
    struct ds_pf_master m;
    struct ds_strlist entries = {0};
    char why[512] = "";
    if (ds_postconf_master(R->d.tmp, &m, why, sizeof(why)) < 0) {
        error(R, R->d.dir, "is Postfix installed?",
              "cannot read master.cf with postconf -F", why);
        return -1;
    }
    rendered_entries(R, &entries);
    for (size_t i = 0; i < entries.n; i++)
        add(R, &R->now.service, "%.*s", (int)strcspn(entries.v[i], "="),
            entries.v[i]);
    for (size_t i = 0; i < entries.n && i < R->now.service.n; i++) {
        const char *key = R->now.service.v[i];
        struct ds_strlist carry = {0};
        if (strstr(key, "/inet"))
            disable_conflicts(R, &m, key, entries.v[i], &carry);
        add_entry(R, key, entries.v[i], &carry);
        ds_strlist_free(&carry);
    }
    for (size_t i = 0; i < R->old.service.n; i++) {
        const char *k = R->old.service.v[i];
        bool present = false;
        for (size_t j = 0; j < m.n; j++)
            present |= strcmp(m.v[j].key, k) == 0;
        if (present && !has(&R->now.service, k)) {
            add(R, &R->remove, "%s", k);
            add(R, &R->notes,
                "removed   master.cf %s (no longer in domsec.conf)", k);
        }
    }
    ds_strlist_free(&entries);
    ds_postconf_master_free(&m);
    return 0;
}

/* ---- edit and check the working copy ------------------------------------ */

static int postconf_edit(struct run *R, const char *flag,
                         const struct ds_strlist *args)
{
    if (args->n == 0)
        return 0;
    const char **argv = calloc(args->n + 5, sizeof(*argv));
    struct ds_buf err = {0};
    char what[200];
    if (argv == NULL)
        return R->oom = true, -1;
    argv[0] = "postconf";
    argv[1] = "-c";
    argv[2] = R->d.tmp;
    argv[3] = flag;
    for (size_t i = 0; i < args->n; i++)
        argv[4 + i] = args->v[i];
    int rc = ds_postconf_run(argv, NULL, &err);
    free(argv);
    if (rc != 0) {
        snprintf(what, sizeof(what), "postconf %s failed (exit %d)", flag, rc);
        err.len = err.len ? strcspn(err.p, "\n") : 0;
        if (err.p)
            err.p[err.len] = '\0';
        error(R, R->d.dir, "nothing was changed", what, err.p);
    }
    ds_buf_free(&err);
    return rc == 0 ? 0 : -1;
}

static int edit(struct run *R)
{
    if (postconf_edit(R, "-e", &R->e) < 0 ||
        postconf_edit(R, "-X", &R->x) < 0 ||
        postconf_edit(R, "-M#", &R->comment) < 0 ||
        postconf_edit(R, "-MX", &R->remove) < 0 ||
        postconf_edit(R, "-M", &R->add) < 0)
        return -1;
    return 0;
}

/* Does listener s hand its mail to domsec-milter? */
static bool reaches(const struct ds_pf_service *s, const char *global,
                    const char *override_opts, const char *mine)
{
    const char *l = ds_postconf_service_param(s, "smtpd_milters");
    const char *rop = ds_postconf_service_param(s, "receive_override_options");
    struct ds_strlist items = {0};
    char ep[600];
    bool yes = false;
    if (strstr(rop ? rop : override_opts, "no_milters"))
        return false;
    if (l == NULL || strstr(l, "smtpd_milters")) /* "$smtpd_milters" */
        l = global;
    ds_postconf_split(l, &items);
    for (size_t i = 0; i < items.n; i++) {
        ds_postconf_endpoint(items.v[i], ep, sizeof(ep));
        yes |= strcmp(ep, mine) == 0;
    }
    ds_strlist_free(&items);
    return yes;
}

/* Every smtpd that takes mail must reach the milter, chrooted or not. */
static enum ds_apply_status check_milter(struct run *R)
{
    struct ds_pf_master m;
    char why[512] = "", global[8192], rop[2048], mine[600];
    struct ds_buf bad = {0};
    if (ds_postconf_master(R->d.tmp, &m, why, sizeof(why)) < 0) {
        error(R, R->d.dir, NULL, "cannot read master.cf with postconf", why);
        return DS_APPLY_UNAVAILABLE;
    }
    ds_postconf_endpoint(R->sock, mine, sizeof(mine));
    bool unix_sock = strncmp(mine, "unix:", 5) == 0;
    enum ds_apply_status st = DS_APPLY_UNAVAILABLE;
    if (get(R, R->d.tmp, "-h", "smtpd_milters", global, sizeof(global)) &&
        get(R, R->d.tmp, "-hx", "receive_override_options", rop, sizeof(rop))) {
        st = DS_APPLY_OK;
        for (size_t i = 0; i < m.n; i++) {
            const struct ds_pf_service *s = &m.v[i];
            if (s->command == NULL || strncmp(s->command, "smtpd", 5) != 0 ||
                (s->command[5] && s->command[5] != ' '))
                continue;
            if (!reaches(s, global, rop, mine))
                add(R, &R->notes,
                    "note      master.cf %s has its own smtpd_milters or "
                    "no_milters: domsec-milter does not see its mail",
                    s->key);
            else if (unix_sock && !R->in_queue &&
                     ds_postconf_chrooted(s, R->compat))
                ds_buf_printf(&bad, "%s%s", bad.len ? ", " : "", s->key);
        }
    }
    char non[8192];
    if (st == DS_APPLY_OK &&
        get(R, R->d.tmp, "-h", "non_smtpd_milters", non, sizeof(non)) &&
        (strstr(non, "smtpd_milters") || strstr(non, mine)))
        add(R, &R->notes,
            "note      main.cf non_smtpd_milters = %s: domsec-milter also "
            "judges mail from sendmail(1); give it a list of its own",
            non);
    if (bad.len) {
        st = DS_APPLY_CONFIG;
        char hint[3000];
        snprintf(hint, sizeof(hint),
                 "set milter.socket = \"unix:%s/domsec/milter.sock\" (under "
                 "the queue directory chrooted smtpd reaches it) or "
                 "\"inet:8895@127.0.0.1\"; or run the listener unchrooted "
                 "(postconf -F NAME/TYPE/chroot=n)",
                 R->queue);
        ds_diag_add(R->diag, DS_SEV_ERROR, R->cfg->path, 0, hint,
                    "milter.socket %s is outside Postfix's queue directory "
                    "%s: chrooted there, master.cf's %s cannot reach "
                    "domsec-milter and would defer all mail; nothing was "
                    "changed",
                    R->cfg->milter.socket, R->queue, bad.p);
    }
    ds_buf_free(&bad);
    ds_postconf_master_free(&m);
    return st;
}

static int check_postfix(struct run *R)
{
    const char *argv[] = {"postfix", "-c", R->d.tmp, "check", NULL};
    struct ds_buf err = {0};
    int rc = ds_postconf_run(argv, NULL, &err);
    for (char *p = err.p, *nl; p && *p; p = nl ? nl + 1 : NULL) {
        if ((nl = strchr(p, '\n')) != NULL)
            *nl = '\0';
        ds_diag_add(R->diag, rc ? DS_SEV_ERROR : DS_SEV_WARNING, R->d.dir, 0,
                    NULL, "postfix check: %s", p);
    }
    if (rc != 0)
        error(R, R->d.dir,
              "the merged files failed `postfix check`; nothing was changed",
              "postfix check failed", NULL);
    ds_buf_free(&err);
    return rc == 0 ? 0 : -1;
}

/* ---- render, merge, put in place ---------------------------------------- */

static enum ds_apply_status facts(struct run *R)
{
    char compat[64];
    if (!get(R, R->d.dir, "-hx", "queue_directory", R->queue,
             sizeof(R->queue)) ||
        !get(R, R->d.dir, "-hx", "compatibility_level", compat, sizeof(compat)))
        return DS_APPLY_UNAVAILABLE;
    R->compat = atoi(compat);
    return DS_APPLY_OK;
}

static enum ds_apply_status
do_render(struct run *R, const struct ds_certstore *store, long long at)
{
    char sock[600];
    enum ds_render_status st =
        ds_render_postfix_queue(R->cfg, store, at, R->d.out, R->queue, &R->r);
    /* problems the store met on first use, then render's own */
    const struct ds_diag *d[2] = {ds_certstore_diag(store), &R->r.diag};
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < d[k]->n; i++)
            ds_diag_copy(R->diag, &d[k]->v[i]); /* with its code */
    if (d[0]->nerrors)
        st = DS_RENDER_CONFIG;
    if (st != DS_RENDER_OK) {
        error(R, NULL, NULL, "apply postfix: nothing was changed", NULL);
        return (enum ds_apply_status)st; /* 1, 70 and 78 alike */
    }
    ds_render_socket_postfix(R->cfg->milter.socket, R->queue, sock,
                             sizeof(sock), &R->in_queue);
    return DS_APPLY_OK;
}

static enum ds_apply_status merge(struct run *R)
{
    plan_main(R);
    if (R->diag->nerrors == 0 && !R->oom && plan_master(R) == 0 && !R->oom &&
        edit(R) == 0) {
        enum ds_apply_status st = check_milter(R);
        if (st != DS_APPLY_OK)
            return st;
        return check_postfix(R) == 0 ? DS_APPLY_OK : DS_APPLY_UNAVAILABLE;
    }
    return R->oom ? DS_APPLY_SOFTWARE : DS_APPLY_UNAVAILABLE;
}

/* --dry-run: what would change, as a unified diff. */
static enum ds_apply_status show(struct run *R)
{
    char a[4400], b[4400], out[2300], err[4400];
    for (int i = 0; i < 2; i++) {
        const char *name = i ? "master.cf" : "main.cf";
        snprintf(a, sizeof(a), "%s/%s", R->d.dir, name);
        snprintf(b, sizeof(b), "%s/%s", R->d.tmp, name);
        ds_apply_diff(a, b, a, R->summary);
    }
    snprintf(out, sizeof(out), "%s/rendered", R->d.tmp);
    if (ds_render_write(&R->r, out, NULL, err, sizeof(err)) < 0) {
        error(R, R->d.tmp, NULL, "cannot write the rendered files", err);
        return DS_APPLY_CANTCREAT;
    }
    for (size_t i = 0; i < R->r.nfiles; i++) {
        snprintf(a, sizeof(a), "%s/%s", R->d.out, R->r.files[i].name);
        snprintf(b, sizeof(b), "%s/%s", out, R->r.files[i].name);
        ds_apply_diff(a, b, a, R->summary);
    }
    return DS_APPLY_OK;
}

/* main.cf and master.cf as they were before the first apply. */
static enum ds_apply_status keep_originals(struct run *R)
{
    char path[2400];
    snprintf(path, sizeof(path), "%s/main.cf", R->d.backup);
    if (access(path, F_OK) == 0)
        return DS_APPLY_OK;
    if ((mkdir(R->d.out, 0755) < 0 && errno != EEXIST) ||
        (mkdir(R->d.backup, 0700) < 0 && errno != EEXIST)) {
        error(R, R->d.backup, NULL, "cannot create the backup directory",
              strerror(errno));
        return DS_APPLY_CANTCREAT;
    }
    /* main.cf last: its presence says the backup is whole */
    for (int i = 1; i >= 0; i--) {
        const char *name = i ? "master.cf" : "main.cf";
        snprintf(path, sizeof(path), "%s/%s", R->d.dir, name);
        if (ds_apply_install(path, R->d.backup, name, NULL) < 0) {
            error(R, R->d.backup, NULL, "cannot keep a copy of the original",
                  strerror(errno));
            return DS_APPLY_CANTCREAT;
        }
    }
    fprintf(R->summary,
            "kept      %s/main.cf and master.cf as they were, "
            "in %s (for --revert)\n",
            R->d.dir, R->d.backup);
    return DS_APPLY_OK;
}

static enum ds_apply_status write_state(struct run *R)
{
    char tmp[2300], path[2300];
    struct ds_buf b = {0};
    state_text(R, &b);
    snprintf(tmp, sizeof(tmp), "%s/applied", R->d.tmp);
    snprintf(path, sizeof(path), "%s/applied", R->d.backup);
    FILE *fp = fopen(tmp, "w");
    bool ok = fp && !b.oom && fwrite(b.p, 1, b.len, fp) == b.len;
    ok = fp && fclose(fp) == 0 && ok;
    ds_buf_free(&b);
    if (ok && !ds_apply_same(tmp, path))
        ok = ds_apply_install(tmp, R->d.backup, "applied", NULL) == 0;
    if (!ok) {
        error(R, path, NULL, "cannot write", strerror(errno));
        return DS_APPLY_CANTCREAT;
    }
    return DS_APPLY_OK;
}

/* The working copy's main.cf and master.cf over the live ones. */
static enum ds_apply_status put_in_place(struct run *R, bool *changed)
{
    char src[2300], live[2300];
    struct stat st;
    for (int i = 1; i >= 0; i--) {
        const char *name = i ? "master.cf" : "main.cf";
        snprintf(src, sizeof(src), "%s/%s", R->d.tmp, name);
        snprintf(live, sizeof(live), "%s/%s", R->d.dir, name);
        bool same = ds_apply_same(src, live);
        if (!same && stat(live, &st) == 0 &&
            (chmod(src, st.st_mode & 07777) < 0 ||
             chown(src, st.st_uid, st.st_gid) < 0 || rename(src, live) < 0)) {
            error(R, live, NULL, "cannot replace", strerror(errno));
            return DS_APPLY_CANTCREAT;
        }
        *changed |= !same;
        fprintf(R->summary, "%-9s %s\n", same ? "unchanged" : "updated", live);
    }
    return DS_APPLY_OK;
}

static enum ds_apply_status commit(struct run *R)
{
    char err[4400];
    bool changed = false;
    enum ds_apply_status st = keep_originals(R);
    if (st != DS_APPLY_OK)
        return st;
    if (ds_render_write(&R->r, R->d.out, R->summary, err, sizeof(err)) < 0) {
        error(R, R->d.out, NULL, "cannot write the rendered files", err);
        return DS_APPLY_CANTCREAT;
    }
    /* postmap reads the live main.cf, not the fragment beside the maps */
    const char *saved = getenv("MAIL_CONFIG");
    char *keep = saved ? strdup(saved) : NULL;
    setenv("MAIL_CONFIG", R->d.dir, 1);
    int rc = ds_render_postmap(&R->r, R->d.out, R->summary, err, sizeof(err));
    if (keep)
        setenv("MAIL_CONFIG", keep, 1);
    else
        unsetenv("MAIL_CONFIG");
    free(keep);
    if (rc < 0) {
        error(R, R->d.out, "main.cf and master.cf were not changed", err, NULL);
        return DS_APPLY_UNAVAILABLE;
    }
    if ((st = write_state(R)) != DS_APPLY_OK ||
        (st = put_in_place(R, &changed)) != DS_APPLY_OK)
        return st;
    if (changed && !R->o->no_reload)
        return ds_apply_reload(R->d.dir, R->summary, R->diag);
    return DS_APPLY_OK;
}

enum ds_apply_status ds_apply_postfix(const struct ds_config *cfg,
                                      const struct ds_certstore *store,
                                      long long at,
                                      const struct ds_apply_opts *o,
                                      FILE *summary, struct ds_diag *diag)
{
    struct run R = {.o = o, .summary = summary, .diag = diag, .cfg = cfg};
    enum ds_apply_status st = ds_apply_dirs(o, &R.d, diag);
    if (st == DS_APPLY_OK)
        st = ds_apply_lock(&R.d, diag);
    if (st == DS_APPLY_OK)
        st = facts(&R);
    if (st == DS_APPLY_OK)
        st = do_render(&R, store, at);
    if (st == DS_APPLY_OK) {
        state_read(&R);
        st = ds_apply_workcopy(&R.d, diag);
    }
    if (st == DS_APPLY_OK)
        st = merge(&R);
    for (size_t i = 0; st == DS_APPLY_OK && i < R.notes.n; i++)
        fprintf(summary, "%s%s\n", o->dry_run ? "(dry run) " : "",
                R.notes.v[i]);
    if (st == DS_APPLY_OK)
        st = o->dry_run ? show(&R) : commit(&R);
    ds_apply_workcopy_remove(&R.d);
    ds_apply_unlock(&R.d);
    ds_render_free(&R.r);
    state_free(&R.old);
    state_free(&R.now);
    ds_strlist_free(&R.e);
    ds_strlist_free(&R.x);
    ds_strlist_free(&R.comment);
    ds_strlist_free(&R.remove);
    ds_strlist_free(&R.add);
    ds_strlist_free(&R.notes);
    return st;
}
