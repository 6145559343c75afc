/*
 * stats.c - lock-free counters and their Prometheus textfile.
 *
 * Must not: lock, or allocate on the message path except once per new
 * partner name (the table is bounded; when it is full, further partners
 * are counted under "_other").
 */
#include "dsconfig.h"

#include "stats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decisions.h"
#include "log.h"

#define PARTNER_SLOTS 1024 /* a power of two */

/* Per-reason counts: only the fail reasons and pass are kept per partner. */
enum { PK_PASS, PK_TLS, PK_VERIFY, PK_MISMATCH, PK_COUNT };

struct partner_slot {
    _Atomic(char *) name;
    atomic_ulong n[PK_COUNT];
};

static atomic_ulong by_reason[DS_RESULT_COUNT][DS_REASON_COUNT];
static atomic_ulong misc[DS_STAT_COUNT];
static struct partner_slot partners[PARTNER_SLOTS];
static struct partner_slot other; /* when the table is full */
static atomic_ulong generation, written_generation;

/* The reason each per-partner counter counts (names.h spells it). */
static const enum ds_reason pk_reason[PK_COUNT] = {
    [PK_PASS] = DS_REASON_PASS,
    [PK_TLS] = DS_REASON_TLS_NOT_STARTED,
    [PK_VERIFY] = DS_REASON_NOT_VERIFIED,
    [PK_MISMATCH] = DS_REASON_SUBJECT_MISMATCH,
};

static uint64_t hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* The slot for a partner name, inserting it on first use. */
static struct partner_slot *partner_slot(const char *name)
{
    size_t i = (size_t)hash(name) & (PARTNER_SLOTS - 1);
    char *mine = NULL;
    for (size_t probe = 0; probe < PARTNER_SLOTS; probe++) {
        struct partner_slot *s = &partners[(i + probe) & (PARTNER_SLOTS - 1)];
        char *cur = atomic_load_explicit(&s->name, memory_order_acquire);
        if (cur == NULL) {
            if (mine == NULL && (mine = strdup(name)) == NULL)
                return &other;
            char *expected = NULL;
            if (atomic_compare_exchange_strong(&s->name, &expected, mine))
                return s;
            cur = expected; /* somebody else took the slot */
        }
        if (strcmp(cur, name) == 0) {
            free(mine);
            return s;
        }
    }
    free(mine);
    return &other;
}

static int partner_kind(enum ds_reason r)
{
    switch (r) {
    case DS_REASON_PASS:
        return PK_PASS;
    case DS_REASON_TLS_NOT_STARTED:
        return PK_TLS;
    case DS_REASON_NOT_VERIFIED:
        return PK_VERIFY;
    case DS_REASON_SUBJECT_MISMATCH:
        return PK_MISMATCH;
    default:
        return -1;
    }
}

void ds_stats_decision(const struct ds_decision *d)
{
    if ((unsigned)d->result < 3 && (unsigned)d->reason < DS_REASON_COUNT)
        atomic_fetch_add_explicit(&by_reason[d->result][d->reason], 1,
                                  memory_order_relaxed);
    int k = partner_kind(d->reason);
    if (k >= 0 && d->list_entry != NULL)
        atomic_fetch_add_explicit(&partner_slot(d->list_entry)->n[k], 1,
                                  memory_order_relaxed);
    atomic_fetch_add_explicit(&generation, 1, memory_order_relaxed);
}

void ds_stats_inc(enum ds_stat which)
{
    atomic_fetch_add_explicit(&misc[which], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&generation, 1, memory_order_relaxed);
}

unsigned long ds_stats_get(enum ds_stat which)
{
    return atomic_load_explicit(&misc[which], memory_order_relaxed);
}

unsigned long ds_stats_reason(enum ds_result result, enum ds_reason reason)
{
    return atomic_load_explicit(&by_reason[result][reason],
                                memory_order_relaxed);
}

bool ds_stats_changed(void)
{
    unsigned long g = atomic_load(&generation);
    return atomic_exchange(&written_generation, g) != g;
}

/* ---- output ------------------------------------------------------------- */

/* Prometheus label values: escape backslash, quote and newline. */
static const char *label(const char *s, char *buf, size_t size)
{
    size_t n = 0;
    for (; *s && n + 3 < size; s++) {
        if (*s == '\\' || *s == '"') {
            buf[n++] = '\\';
            buf[n++] = *s;
        } else if (*s == '\n') {
            buf[n++] = '\\';
            buf[n++] = 'n';
        } else {
            buf[n++] = *s;
        }
    }
    buf[n] = '\0';
    return buf;
}

static void partner_metrics(struct ds_buf *o, const char *name,
                            const struct partner_slot *s)
{
    char lb[600];
    label(name, lb, sizeof(lb));
    for (int k = 0; k < PK_COUNT; k++) {
        unsigned long v = atomic_load(&s->n[k]);
        ds_buf_printf(
            o,
            "domsec_partner_messages_total{partner=\"%s\",result=\"%s\","
            "reason=\"%s\"} %lu\n",
            lb, ds_result_name(k == PK_PASS ? DS_RESULT_PASS : DS_RESULT_FAIL),
            ds_reason_name(pk_reason[k]), v);
    }
}

static void render(struct ds_buf *o, const struct ds_config *cfg)
{
    ds_buf_printf(
        o,
        "# HELP domsec_domain_secured_received_total Messages received "
        "over mutual TLS from a listed partner (Domain-Secured Messages "
        "Received).\n"
        "# TYPE domsec_domain_secured_received_total counter\n"
        "domsec_domain_secured_received_total %lu\n",
        ds_stats_reason(DS_RESULT_PASS, DS_REASON_PASS));
    ds_buf_printf(
        o, "# HELP domsec_failures_total Messages from listed partners that "
           "failed Domain Security, by reason.\n"
           "# TYPE domsec_failures_total counter\n");
    for (int r = DS_REASON_TLS_NOT_STARTED; r <= DS_REASON_SUBJECT_MISMATCH;
         r++)
        ds_buf_printf(o, "domsec_failures_total{reason=\"%s\"} %lu\n",
                      ds_reason_name((enum ds_reason)r),
                      ds_stats_reason(DS_RESULT_FAIL, (enum ds_reason)r));
    ds_buf_printf(o,
                  "# HELP domsec_messages_total Every decision, by result and "
                  "reason.\n"
                  "# TYPE domsec_messages_total counter\n");
    for (int res = 0; res < DS_RESULT_COUNT; res++)
        for (int r = 0; r < DS_REASON_COUNT; r++) {
            unsigned long v = atomic_load(&by_reason[res][r]);
            if (v > 0 || (res == DS_RESULT_PASS && r == DS_REASON_PASS))
                ds_buf_printf(
                    o,
                    "domsec_messages_total{result=\"%s\",reason=\"%s\"} "
                    "%lu\n",
                    ds_result_name((enum ds_result)res),
                    ds_reason_name((enum ds_reason)r), v);
        }
    ds_buf_printf(
        o, "# HELP domsec_partner_messages_total Decisions per partner (the "
           "matching list entry).\n"
           "# TYPE domsec_partner_messages_total counter\n");
    for (size_t i = 0; i < PARTNER_SLOTS; i++) {
        const char *name = atomic_load(&partners[i].name);
        if (name != NULL)
            partner_metrics(o, name, &partners[i]);
    }
    partner_metrics(o, "_other", &other);
    ds_decisions_metrics(o, cfg);
    ds_buf_printf(
        o,
        "# HELP domsec_connections_total SMTP sessions seen.\n"
        "# TYPE domsec_connections_total counter\n"
        "domsec_connections_total %lu\n"
        "# HELP domsec_internal_errors_total Messages deferred because of an "
        "internal error.\n"
        "# TYPE domsec_internal_errors_total counter\n"
        "domsec_internal_errors_total %lu\n"
        "# HELP domsec_reloads_total Configuration reloads, by outcome.\n"
        "# TYPE domsec_reloads_total counter\n"
        "domsec_reloads_total{outcome=\"ok\"} %lu\n"
        "domsec_reloads_total{outcome=\"failed\"} %lu\n",
        ds_stats_get(DS_STAT_CONNECTIONS),
        ds_stats_get(DS_STAT_INTERNAL_ERRORS), ds_stats_get(DS_STAT_RELOADS),
        ds_stats_get(DS_STAT_RELOAD_FAILURES));
}

int ds_stats_write(const char *path, const struct ds_config *cfg)
{
    struct ds_buf o = {0};
    render(&o, cfg);
    if (o.oom) {
        ds_buf_free(&o);
        errno = ENOMEM;
        return -1;
    }
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
        (int)sizeof(tmp)) {
        ds_buf_free(&o);
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        ds_buf_free(&o);
        return -1;
    }
    size_t done = 0;
    int saved = 0;
    while (done < o.len) {
        ssize_t w = write(fd, o.p + done, o.len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            saved = w < 0 ? errno : EIO;
            break;
        }
        done += (size_t)w;
    }
    ds_buf_free(&o);
    if (close(fd) != 0 && saved == 0)
        saved = errno;
    if (saved != 0) {
        unlink(tmp);
        errno = saved;
        return -1;
    }
    if (rename(tmp, path) != 0) {
        saved = errno;
        unlink(tmp);
        errno = saved;
        return -1;
    }
    return 0;
}

static void log_partner(const char *name, const struct partner_slot *s)
{
    unsigned long v[PK_COUNT];
    unsigned long sum = 0;
    for (int k = 0; k < PK_COUNT; k++)
        sum += v[k] = atomic_load(&s->n[k]);
    if (sum == 0)
        return;
    ds_log(DS_LOG_INFO,
           "counters: partner=%s pass=%lu tls-not-started=%lu "
           "certificate-not-verified=%lu certificate-subject-mismatch=%lu",
           name, v[PK_PASS], v[PK_TLS], v[PK_VERIFY], v[PK_MISMATCH]);
}

void ds_stats_log(void)
{
    unsigned long none = 0;
    for (int r = 0; r < DS_REASON_COUNT; r++)
        none += ds_stats_reason(DS_RESULT_NONE, (enum ds_reason)r);
    ds_log(DS_LOG_INFO,
           "counters: domain-secured=%lu tls-not-started=%lu "
           "certificate-not-verified=%lu certificate-subject-mismatch=%lu "
           "not-enforced=%lu connections=%lu internal-errors=%lu reloads=%lu "
           "reload-failures=%lu",
           ds_stats_reason(DS_RESULT_PASS, DS_REASON_PASS),
           ds_stats_reason(DS_RESULT_FAIL, DS_REASON_TLS_NOT_STARTED),
           ds_stats_reason(DS_RESULT_FAIL, DS_REASON_NOT_VERIFIED),
           ds_stats_reason(DS_RESULT_FAIL, DS_REASON_SUBJECT_MISMATCH), none,
           ds_stats_get(DS_STAT_CONNECTIONS),
           ds_stats_get(DS_STAT_INTERNAL_ERRORS), ds_stats_get(DS_STAT_RELOADS),
           ds_stats_get(DS_STAT_RELOAD_FAILURES));
    for (size_t i = 0; i < PARTNER_SLOTS; i++) {
        const char *name = atomic_load(&partners[i].name);
        if (name != NULL)
            log_partner(name, &partners[i]);
    }
    log_partner("_other", &other);
}
