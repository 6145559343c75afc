/*
 * decisions.c - a lock-free table of (connector, partner) series and
 * their counters (decisions.h).
 *
 * Open addressing over a fixed array: a slot's key is set once with a
 * compare-and-swap and never changes or goes away, so readers need no
 * lock and the writer thread can walk the table while connections count.
 *
 * Must not: lock, free a key, or allocate more than once per new pair.
 */
#include "dsconfig.h"

#include "decisions.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct key {
    uint64_t hash;
    const char *connector, *domain; /* point into the same allocation */
};

struct slot {
    _Atomic(struct key *) key;
    atomic_ulong n[3][DS_REASON_COUNT]; /* [result][reason] */
};

static struct slot table[DS_DECISIONS_SLOTS];
/* (connector "-", domain "other"), inserted before any other series, so
 * that it is there to count what does not fit */
static struct key overflow_key = {0, "-", "other"};
static pthread_once_t reserved = PTHREAD_ONCE_INIT;

#define OTHER "other"
#define UNKNOWN "-"

static uint64_t hash2(const char *a, const char *b)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *a; a++)
        h = (h ^ (unsigned char)*a) * 0x100000001b3ULL;
    h = (h ^ 0xff) * 0x100000001b3ULL; /* a byte no name holds */
    for (; *b; b++)
        h = (h ^ (unsigned char)*b) * 0x100000001b3ULL;
    return h;
}

static bool same(const struct key *k, uint64_t h, const char *c, const char *d)
{
    return k->hash == h && strcmp(k->connector, c) == 0 &&
           strcmp(k->domain, d) == 0;
}

static struct key *new_key(uint64_t h, const char *c, const char *d)
{
    size_t lc = strlen(c) + 1, ld = strlen(d) + 1;
    struct key *k = malloc(sizeof(*k) + lc + ld);
    if (k == NULL)
        return NULL;
    char *p = (char *)(k + 1);
    memcpy(p, c, lc);
    memcpy(p + lc, d, ld);
    k->hash = h;
    k->connector = p;
    k->domain = p + lc;
    return k;
}

/* The slot of (c, d), or NULL. Inserts it when `insert` (with the key
 * `k` when given, else a new one); when there is no room, or no memory
 * for the key, returns the overflow series' slot. */
static struct slot *slot_of(const char *c, const char *d, bool insert,
                            struct key *k0)
{
    uint64_t h = k0 ? k0->hash : hash2(c, d);
    struct key *mine = k0;
    size_t i = (size_t)h & (DS_DECISIONS_SLOTS - 1);
    for (size_t probe = 0; probe < DS_DECISIONS_SLOTS; probe++) {
        struct slot *s = &table[(i + probe) & (DS_DECISIONS_SLOTS - 1)];
        struct key *k = atomic_load_explicit(&s->key, memory_order_acquire);
        if (k == NULL) {
            if (!insert)
                return NULL;
            if (mine == NULL && (mine = new_key(h, c, d)) == NULL)
                break;
            struct key *expected = NULL;
            if (atomic_compare_exchange_strong(&s->key, &expected, mine))
                return s;
            k = expected; /* another thread took this slot */
        }
        if (same(k, h, c, d)) {
            if (mine != k0)
                free(mine);
            return s;
        }
    }
    if (mine != k0)
        free(mine);
    return insert ? slot_of(UNKNOWN, OTHER, false, NULL) : NULL;
}

static void reserve(void)
{
    overflow_key.hash = hash2(UNKNOWN, OTHER);
    slot_of(UNKNOWN, OTHER, true, &overflow_key);
}

void ds_decisions_count(const char *connector, const struct ds_decision *d)
{
    if ((unsigned)d->result >= 3 || (unsigned)d->reason >= DS_REASON_COUNT)
        return;
    pthread_once(&reserved, reserve); /* one atomic load once done */
    struct slot *s = slot_of(connector ? connector : UNKNOWN,
                             d->list_entry ? d->list_entry : OTHER, true, NULL);
    if (s != NULL)
        atomic_fetch_add_explicit(&s->n[d->result][d->reason], 1,
                                  memory_order_relaxed);
}

unsigned long ds_decisions_get(const char *connector, const char *domain,
                               enum ds_result result, enum ds_reason reason)
{
    struct slot *s = slot_of(connector, domain, false, NULL);
    if (s == NULL || (unsigned)result >= 3 ||
        (unsigned)reason >= DS_REASON_COUNT)
        return 0;
    return atomic_load_explicit(&s->n[result][reason], memory_order_relaxed);
}

/* ---- the metric --------------------------------------------------------- */

/* Does the configuration in force still name this series? */
static bool shown(const struct key *k, const struct ds_config *cfg)
{
    if (cfg == NULL)
        return true;
    if (strcmp(k->domain, OTHER) != 0 &&
        ds_domainset_get(&cfg->receive_list, k->domain) == NULL)
        return false;
    return strcmp(k->connector, UNKNOWN) == 0 ||
           ds_config_recv_by_name(cfg, k->connector) != NULL;
}

/* A Prometheus label value: backslash, quote and newline escaped. */
static void label(struct ds_buf *o, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            ds_buf_printf(o, "\\%c", *s);
        else if (*s == '\n')
            ds_buf_printf(o, "\\n");
        else
            ds_buf_printf(o, "%c", *s);
    }
}

static void series(struct ds_buf *o, const struct key *k, struct slot *s)
{
    for (int res = 0; res < DS_RESULT_COUNT; res++)
        for (int r = 0; r < DS_REASON_COUNT; r++) {
            unsigned long v =
                atomic_load_explicit(&s->n[res][r], memory_order_relaxed);
            if (v == 0)
                continue;
            ds_buf_printf(o, "domsec_decisions_total{connector=\"");
            label(o, k->connector);
            ds_buf_printf(o, "\",domain=\"");
            label(o, k->domain);
            ds_buf_printf(o, "\",result=\"%s\",reason=\"%s\"} %lu\n",
                          ds_result_name((enum ds_result)res),
                          ds_reason_name((enum ds_reason)r), v);
        }
}

void ds_decisions_metrics(struct ds_buf *o, const struct ds_config *cfg)
{
    ds_buf_printf(o, "# HELP domsec_decisions_total Decisions per receive "
                     "connector and partner (the tls_receive_domain_secure_"
                     "list entry; \"other\" for senders not on it).\n"
                     "# TYPE domsec_decisions_total counter\n");
    for (size_t i = 0; i < DS_DECISIONS_SLOTS; i++) {
        const struct key *k = atomic_load(&table[i].key);
        if (k != NULL && shown(k, cfg))
            series(o, k, &table[i]);
    }
}
