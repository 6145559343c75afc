/*
 * maillog.c - decision lines out of a mail log, and their sum per partner
 * (maillog.h).
 *
 * Must not: print, or fail on a line it cannot read (it is skipped);
 * every field is copied into a bounded buffer.
 */
#include "dsconfig.h"

#include "maillog.h"

#include "decision.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The milter's reason each failure counter counts (decision.h spells
 * them), and the report's own words for what was done. */
static const enum ds_reason ml_reason[DS_ML_REASON_COUNT] = {
    [DS_ML_TLS_NOT_STARTED] = DS_REASON_TLS_NOT_STARTED,
    [DS_ML_NOT_VERIFIED] = DS_REASON_NOT_VERIFIED,
    [DS_ML_SUBJECT_MISMATCH] = DS_REASON_SUBJECT_MISMATCH,
};
static const char *const action_names[DS_ML_ACTION_COUNT] = {
    [DS_ML_REFUSED] = "refused",
    [DS_ML_QUARANTINED] = "quarantined",
    [DS_ML_MONITORED] = "monitored",
};

const char *ds_ml_reason_name(enum ds_ml_reason r)
{
    return (unsigned)r < DS_ML_REASON_COUNT ? ds_reason_name(ml_reason[r])
                                            : "?";
}

const char *ds_ml_action_name(enum ds_ml_action a)
{
    return (unsigned)a < DS_ML_ACTION_COUNT ? action_names[a] : "?";
}

/* ---- time stamps -------------------------------------------------------- */

/* Exactly n digits at *p; returns the number (and advances), or -1. */
static int digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    return v;
}

static const char *skip_fraction(const char *p)
{
    if (*p == '.' || *p == ',')
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    return p;
}

/* "HH:MM:SS" into tm. */
static int clock_time(const char **p, struct tm *tm)
{
    int h = digits(p, 2);
    if (h < 0 || *(*p)++ != ':')
        return -1;
    int m = digits(p, 2);
    if (m < 0 || *(*p)++ != ':')
        return -1;
    int s = digits(p, 2);
    if (s < 0 || h > 23 || m > 59 || s > 60)
        return -1;
    tm->tm_hour = h;
    tm->tm_min = m;
    tm->tm_sec = s;
    return 0;
}

/* "Dec  3 10:00:00 " or "Dec 03 10:00:00.123 " (local time, no year). */
static const char *syslog_time(const char *p, long long now, long long *t)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    struct tm tm = {0}, ref;
    const char *m = NULL;
    for (int i = 0; i < 12 && m == NULL; i++)
        if (strncmp(p, months + 3 * i, 3) == 0 && p[3] == ' ') {
            m = p;
            tm.tm_mon = i;
        }
    if (m == NULL)
        return NULL;
    p += 4;
    if (*p == ' ')
        p++;
    int day = p[1] == ' ' ? digits(&p, 1) : digits(&p, 2);
    if (day < 1 || day > 31 || *p++ != ' ' || clock_time(&p, &tm) < 0)
        return NULL;
    p = skip_fraction(p);
    if (*p != ' ')
        return NULL;
    time_t n = (time_t)now;
    localtime_r(&n, &ref);
    tm.tm_mday = day;
    tm.tm_year = ref.tm_year;
    tm.tm_isdst = -1;
    struct tm copy = tm;
    time_t v = mktime(&tm);
    if ((long long)v > now + 86400) { /* last year's, read in January */
        copy.tm_year--;
        v = mktime(&copy);
    }
    *t = (long long)v;
    return p + 1;
}

/* "2026-12-03T10:00:00[.frac](Z|+HH:MM|+HHMM) " (RFC 3339). */
static const char *iso_time(const char *p, long long *t)
{
    struct tm tm = {0};
    int y = digits(&p, 4);
    if (y < 1970 || *p++ != '-')
        return NULL;
    int mo = digits(&p, 2);
    if (mo < 1 || mo > 12 || *p++ != '-')
        return NULL;
    int d = digits(&p, 2);
    if (d < 1 || d > 31 || (*p != 'T' && *p != ' '))
        return NULL;
    p++;
    if (clock_time(&p, &tm) < 0)
        return NULL;
    p = skip_fraction(p);
    long off = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1;
        int oh = digits(&p, 2);
        if (*p == ':')
            p++;
        int om = digits(&p, 2);
        if (oh < 0 || om < 0)
            return NULL;
        off = sign * (oh * 3600L + om * 60L);
    }
    if (*p != ' ')
        return NULL;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    *t = (long long)timegm(&tm) - off;
    return p + 1;
}

/* ---- the decision ------------------------------------------------------- */

/* Decode the value at *p (quoted or bare) into out; advances *p. */
static void value(const char **p, char *out, size_t size)
{
    const char *s = *p;
    size_t n = 0;
    if (*s != '"') {
        for (; *s && *s != ' '; s++)
            if (n + 1 < size)
                out[n++] = *s;
    } else {
        for (s++; *s && *s != '"'; s++) {
            char c = *s;
            if (c == '\\' && s[1] == 'x' && s[2] && s[3]) {
                char hex[3] = {s[2], s[3], 0};
                c = (char)strtol(hex, NULL, 16);
                s += 3;
            } else if (c == '\\' && s[1]) {
                c = *++s;
            }
            if (n + 1 < size)
                out[n++] = c;
        }
        if (*s == '"')
            s++;
    }
    out[n] = '\0';
    if (strcmp(out, "-") == 0)
        out[0] = '\0';
    *p = s;
}

/* The buffer a key's value goes to, or NULL to skip it. */
static char *field(struct ds_ml_line *l, const char *key, size_t klen,
                   size_t *size)
{
    static const struct {
        const char *key;
        size_t off, size;
    } fields[] = {
#define F(k)                                                                   \
    {#k, offsetof(struct ds_ml_line, k), sizeof(((struct ds_ml_line *)0)->k)}
        F(qid),    F(connector), F(domain), F(tls),    F(peer),
        F(issuer), F(result),    F(reason), F(action),
#undef F
    };
    for (size_t i = 0; i < DS_ARRAY_LEN(fields); i++)
        if (strlen(fields[i].key) == klen &&
            strncmp(fields[i].key, key, klen) == 0) {
            *size = fields[i].size;
            return (char *)l + fields[i].off;
        }
    return NULL;
}

/* "qid=... key=value ..." into l. Returns 1 when it is a decision. */
static int decision(const char *p, struct ds_ml_line *l)
{
    while (*p) {
        while (*p == ' ')
            p++;
        const char *k = p;
        while ((*p >= 'a' && *p <= 'z') || *p == '_')
            p++;
        if (*p != '=' || p == k) { /* not key=value: skip the word */
            while (*p && *p != ' ')
                p++;
            continue;
        }
        size_t size = 0, klen = (size_t)(p - k);
        char *out = field(l, k, klen, &size), skip[8];
        p++;
        value(&p, out ? out : skip, out ? size : sizeof(skip));
    }
    return l->qid[0] && l->result[0] && l->reason[0];
}

int ds_ml_parse(const char *line, long long now, struct ds_ml_line *out)
{
    memset(out, 0, sizeof(*out));
    const char *p = line, *rest;
    if ((rest = iso_time(p, &out->when)) != NULL ||
        (rest = syslog_time(p, now, &out->when)) != NULL) {
        out->dated = true;
        while (*rest && *rest != ' ') /* the host */
            rest++;
        while (*rest == ' ')
            rest++;
    } else {
        rest = line;
    }
    /* the message starts at "qid=", after the tag and maybe a second tag
     * and a level ("domsec-milter[1]: warning: ") */
    const char *q = rest;
    while ((q = strstr(q, "qid=")) != NULL && q != rest && q[-1] != ' ')
        q++;
    if (q == NULL)
        return 0;
    if (q != rest) {
        size_t n = (size_t)(q - rest);
        if (n < 2 || q[-2] != ':' ||
            memmem(rest, n, "domsec-milter", 13) == NULL)
            return 0;
    }
    return decision(q, out);
}

/* ---- the sum per partner ------------------------------------------------ */

void ds_ml_report_init(struct ds_ml_report *r, long long since)
{
    memset(r, 0, sizeof(*r));
    r->since = since;
}

static void tally(struct ds_ml_names *t, const char *name, bool *oom)
{
    if (name[0] == '\0')
        return;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].name, name) == 0) {
            t->v[i].n++;
            return;
        }
    if (t->n == DS_ML_TALLY_MAX) {
        t->more++;
        return;
    }
    if ((t->v[t->n].name = strdup(name)) == NULL) {
        *oom = true;
        return;
    }
    t->v[t->n++].n = 1;
}

static struct ds_ml_partner *partner(struct ds_ml_report *r, const char *name,
                                     bool listed)
{
    const struct ds_domainset_entry *e = ds_domainset_get(&r->index, name);
    if (e != NULL)
        return &r->v[(uintptr_t)e->value - 1];
    struct ds_ml_partner *v = ds_grow(r->v, &r->cap, r->n + 1, sizeof(*v), 16);
    if (v == NULL)
        return NULL;
    r->v = v;
    struct ds_ml_partner *p = &r->v[r->n];
    memset(p, 0, sizeof(*p));
    if ((p->name = strdup(name)) == NULL ||
        ds_domainset_add(&r->index, p->name, (void *)(uintptr_t)(r->n + 1)) <
            0) {
        free(p->name);
        return NULL;
    }
    p->listed = listed;
    r->n++;
    return p;
}

/* The failure counter of a logged reason, or -1. */
static int ml_reason_of(const char *name)
{
    int r = ds_name_to_code(ds_reason_names, name, -1);
    for (int i = 0; r >= 0 && i < DS_ML_REASON_COUNT; i++)
        if ((int)ml_reason[i] == r)
            return i;
    return -1;
}

/* The logged result: pass, fail, none, or -1. */
static int result_of(const struct ds_ml_line *l)
{
    return ds_name_to_code(ds_result_names, l->result, -1);
}

static void when(bool *dated, long long *first, long long *last,
                 const struct ds_ml_line *l)
{
    if (!l->dated)
        return;
    if (!*dated || l->when < *first)
        *first = l->when;
    if (!*dated || l->when > *last)
        *last = l->when;
    *dated = true;
}

/* Count a judged line (pass or fail) under p. */
static void judged(struct ds_ml_partner *p, const struct ds_ml_line *l,
                   bool *oom)
{
    if (result_of(l) == DS_RESULT_PASS) {
        p->pass++;
    } else {
        int why = ml_reason_of(l->reason);
        int done = ds_name_to_code(ds_logged_action_names, l->action, -1);
        int act = done == DS_LOGGED_MONITOR      ? DS_ML_MONITORED
                  : done == DS_LOGGED_QUARANTINE ? DS_ML_QUARANTINED
                                                 : DS_ML_REFUSED;
        if (why >= 0)
            p->fail[why][act]++;
    }
    tally(&p->peers, l->peer, oom);
    tally(&p->issuers, l->issuer, oom);
}

void ds_ml_report_add(struct ds_ml_report *r, const struct ds_config *cfg,
                      const struct ds_ml_line *l)
{
    if (r->since && !l->dated) {
        r->undated_skipped++;
        return;
    }
    if (r->since && l->when < r->since) {
        r->older_skipped++;
        return;
    }
    r->decisions++;
    when(&r->dated, &r->first, &r->last, l);
    const struct ds_domainset_entry *e =
        ds_domainset_match(&cfg->receive_list, l->domain);
    bool judgedline =
        result_of(l) == DS_RESULT_PASS || result_of(l) == DS_RESULT_FAIL;
    if (e == NULL && !judgedline) {
        r->others++; /* not a partner, then or now */
        return;
    }
    struct ds_ml_partner *p = partner(r, e ? e->name : l->domain, e != NULL);
    if (p == NULL) {
        r->oom = true;
        return;
    }
    p->messages++;
    if (judgedline)
        judged(p, l, &r->oom);
    else
        p->not_enforced++;
    tally(&p->domains, l->domain, &r->oom);
    tally(&p->connectors, l->connector, &r->oom);
    when(&p->dated, &p->first, &p->last, l);
}

unsigned long ds_ml_failures(const struct ds_ml_partner *p)
{
    unsigned long n = 0;
    for (int i = 0; i < DS_ML_REASON_COUNT; i++)
        for (int j = 0; j < DS_ML_ACTION_COUNT; j++)
            n += p->fail[i][j];
    return n;
}

static int by_order(const void *a, const void *b)
{
    const struct ds_ml_partner *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return strcmp(x->name, y->name);
}

void ds_ml_report_finish(struct ds_ml_report *r, const struct ds_config *cfg)
{
    size_t nl = cfg->receive_names.n;
    for (size_t i = 0; i < r->n; i++)
        r->v[i].order = nl; /* after the list, by name */
    for (size_t i = 0; i < nl; i++) {
        struct ds_ml_partner *p = partner(r, cfg->receive_names.v[i], true);
        if (p == NULL)
            r->oom = true;
        else if (p->listed)
            p->order = i;
    }
    if (r->n > 1)
        qsort(r->v, r->n, sizeof(*r->v), by_order);
    /* the index points at the old places: rebuild it */
    ds_domainset_free(&r->index);
    memset(&r->index, 0, sizeof(r->index));
    for (size_t i = 0; i < r->n; i++)
        if (ds_domainset_add(&r->index, r->v[i].name,
                             (void *)(uintptr_t)(i + 1)) < 0)
            r->oom = true;
}

static void names_free(struct ds_ml_names *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].name);
}

void ds_ml_report_free(struct ds_ml_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].name);
        names_free(&r->v[i].peers);
        names_free(&r->v[i].issuers);
        names_free(&r->v[i].domains);
        names_free(&r->v[i].connectors);
    }
    free(r->v);
    ds_domainset_free(&r->index);
    memset(r, 0, sizeof(*r));
}

int ds_ml_since_parse(const char *s, long long now, long long *out)
{
    char *end;
    long n = strtol(s, &end, 10);
    if (end != s && n >= 0 && end[0] && !end[1] && strchr("dhm", end[0])) {
        long unit = end[0] == 'd' ? 86400 : end[0] == 'h' ? 3600 : 60;
        *out = now - (long long)n * unit;
        return 0;
    }
    return ds_time_parse(s, out);
}
