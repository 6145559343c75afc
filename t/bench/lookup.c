/*
 * lookup - what the milter's per-message list lookup costs as the secure
 * domain list grows: the real ds_domain_normalise() + ds_domainset_match()
 * (policy/domains.c) on lists of 10, 10^3, 10^5 and 10^6 domains.
 *
 *   lookup [-q QUERIES] [-r REPEATS] [SIZE...]
 *
 * Each list holds SIZE names, one of them a ".partners.example" subdomain
 * entry so every miss walks the parent names as a real list makes it do.
 * The working set is 1,000 distinct sender domains (450 listed, 50 under
 * the subdomain entry, 500 unlisted, mixed case), queried round-robin
 * QUERIES times (default 500,000); the best of REPEATS (default 5) runs
 * is reported as ns per lookup. Also reported: the match alone on names
 * normalised beforehand (the part that depends on the list size), and a
 * "wide" run over 100,000 distinct senders (cache misses dominate:
 * informational). Building the set (normalise + add every name, as a
 * config load does) is timed too.
 * Prints a table and "result lookup ..." lines; exits 1 if any lookup
 * answered wrong (a broken set never looks fast), 64 on usage.
 *
 * Must not: reimplement the lookup (it measures policy/domains.c), or let
 * the compiler drop the work (every answer is counted and checked).
 */
#include "domains.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define NAME_SIZE 48 /* room for every generated name */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct list {
    size_t n;
    char (*raw)[NAME_SIZE];  /* as written in the config */
    char (*norm)[NAME_SIZE]; /* normalised: the set points into this */
    struct ds_domainset set;
    double build_ms;
};

struct workset {
    size_t n, expected; /* names, how many are listed */
    char (*name)[NAME_SIZE];
    size_t *len;
};

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (p == NULL) {
        fprintf(stderr, "lookup: out of memory\n");
        exit(1);
    }
    return p;
}

/* Listed name number i (i >= 1); entry 0 is the subdomain entry. */
static void listed_name(char *buf, size_t i)
{
    snprintf(buf, NAME_SIZE, "Partner%07zu.Example", i);
}

static int build(struct list *l, size_t n)
{
    l->n = n;
    l->raw = xcalloc(n, NAME_SIZE);
    l->norm = xcalloc(n, NAME_SIZE);
    snprintf(l->raw[0], NAME_SIZE, ".Partners.Example");
    for (size_t i = 1; i < n; i++)
        listed_name(l->raw[i], i);
    char out[DS_DOMAIN_MAX + 2];
    const char *why;
    uint64_t t0 = now_ns();
    if (ds_domainset_init(&l->set, n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (ds_domain_normalise(l->raw[i], strlen(l->raw[i]), out,
                                DS_DOMAIN_ALLOW_SUFFIX, &why) < 0) {
            fprintf(stderr, "lookup: %s: %s\n", l->raw[i], why);
            return -1;
        }
        memcpy(l->norm[i], out, strlen(out) + 1);
        if (ds_domainset_add(&l->set, l->norm[i], NULL) != 1)
            return -1;
    }
    l->build_ms = (double)(now_ns() - t0) / 1e6;
    return 0;
}

static void list_free(struct list *l)
{
    ds_domainset_free(&l->set);
    free(l->raw);
    free(l->norm);
}

/* n senders: 45% listed (spread over the list), 5% under the subdomain
 * entry, 50% unlisted; case varies as it does in MAIL FROM. */
static void make_workset(struct workset *w, size_t n, size_t listsize)
{
    w->n = n;
    w->expected = 0;
    w->name = xcalloc(n, NAME_SIZE);
    w->len = xcalloc(n, sizeof(*w->len));
    size_t nlisted = n * 45 / 100, nsub = n / 20;
    for (size_t k = 0; k < n; k++) {
        char *b = w->name[k];
        if (k < nlisted) {
            size_t i = 1 + (k * (listsize - 1)) / nlisted % (listsize - 1);
            listed_name(b, i);
            if (k % 2)
                for (char *p = b; *p; p++)
                    *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
            w->expected++;
        } else if (k < nlisted + nsub) {
            snprintf(b, NAME_SIZE, "mx%zu.Partners.example", k);
            w->expected++;
        } else {
            snprintf(b, NAME_SIZE, "Sender%07zu.example", k);
        }
        w->len[k] = strlen(b);
    }
}

static void workset_free(struct workset *w)
{
    free(w->name);
    free(w->len);
}

/* ns per lookup for one pass of `queries` lookups, or -1 when an answer
 * was wrong. With `normalised`, skip ds_domain_normalise (match only). */
static double pass(const struct list *l, const struct workset *w,
                   size_t queries, bool normalised)
{
    char buf[DS_DOMAIN_MAX + 2];
    const char *why;
    size_t hits = 0, k = 0;
    uint64_t t0 = now_ns();
    for (size_t q = 0; q < queries; q++) {
        const char *d = w->name[k];
        if (!normalised) {
            if (ds_domain_normalise(d, w->len[k], buf, 0, &why) < 0)
                d = NULL;
            else
                d = buf;
        }
        if (d != NULL && ds_domainset_match(&l->set, d) != NULL)
            hits++;
        if (++k == w->n)
            k = 0;
    }
    double ns = (double)(now_ns() - t0) / (double)queries;
    size_t want = (queries / w->n) * w->expected;
    for (size_t i = 0; i < queries % w->n; i++)
        want += i < w->n * 45 / 100 + w->n / 20;
    if (hits != want) {
        fprintf(stderr, "lookup: %zu domains: %zu hits, expected %zu\n", l->n,
                hits, want);
        return -1;
    }
    return ns;
}

/* The working set again, normalised (for the match-only column). */
static void normalise_workset(struct workset *dst, const struct workset *src)
{
    const char *why;
    *dst = *src;
    dst->name = xcalloc(src->n, NAME_SIZE);
    dst->len = xcalloc(src->n, sizeof(*dst->len));
    for (size_t k = 0; k < src->n; k++) {
        char out[DS_DOMAIN_MAX + 2];
        if (ds_domain_normalise(src->name[k], src->len[k], out, 0, &why) < 0)
            out[0] = '\0';
        memcpy(dst->name[k], out, strlen(out) + 1);
        dst->len[k] = strlen(out);
    }
}

struct result {
    double ns, match_ns, wide_ns; /* best of the repeats; -1 = wrong */
};

static void keep_best(double *best, double ns)
{
    if (ns < 0 || *best < 0)
        *best = -1;
    else if (*best == 0 || ns < *best)
        *best = ns;
}

int main(int argc, char **argv)
{
    size_t queries = 500000;
    int repeats = 5, ch;
    while ((ch = getopt(argc, argv, "q:r:h")) != -1) {
        switch (ch) {
        case 'q':
            queries = strtoul(optarg, NULL, 10);
            break;
        case 'r':
            repeats = atoi(optarg);
            break;
        default:
            fprintf(ch == 'h' ? stdout : stderr,
                    "usage: lookup [-q QUERIES] [-r REPEATS] [SIZE...]\n");
            return ch == 'h' ? 0 : EX_USAGE;
        }
    }
    size_t sizes[8] = {10, 1000, 100000, 1000000}, n = 4;
    if (optind < argc) {
        n = 0;
        for (int i = optind; i < argc && n < 8; i++)
            sizes[n++] = strtoul(argv[i], NULL, 10);
    }
    if (queries < 1000 || repeats < 1) {
        fprintf(stderr, "lookup: need -q >= 1000 and -r >= 1\n");
        return EX_USAGE;
    }
    for (size_t i = 0; i < n; i++)
        if (sizes[i] < 2 || sizes[i] > 20000000) {
            fprintf(stderr, "lookup: sizes must be 2..20000000\n");
            return EX_USAGE;
        }

    struct list l[8];
    struct workset w[8], wn[8], wide[8];
    struct result res[8] = {{0}};
    for (size_t i = 0; i < n; i++) {
        if (build(&l[i], sizes[i]) < 0) {
            fprintf(stderr, "lookup: cannot build a set of %zu\n", sizes[i]);
            return 1;
        }
        make_workset(&w[i], 1000, sizes[i]);
        normalise_workset(&wn[i], &w[i]);
        make_workset(&wide[i], 100000, sizes[i]);
    }
    /* Repeats outermost, so that a slow spell on a shared machine hits
     * every size alike; the best run of each counts. */
    for (int r = 0; r < repeats; r++)
        for (size_t i = 0; i < n; i++) {
            keep_best(&res[i].ns, pass(&l[i], &w[i], queries, false));
            keep_best(&res[i].match_ns, pass(&l[i], &wn[i], queries, true));
            keep_best(&res[i].wide_ns, pass(&l[i], &wide[i], queries, false));
        }

    int status = 0;
    printf("%10s %9s %8s %10s %10s %10s\n", "domains", "build ms", "set MiB",
           "ns/lookup", "match ns", "wide ns");
    for (size_t i = 0; i < n; i++) {
        double mib =
            (double)(l[i].set.cap * sizeof(*l[i].set.slots)) / 1048576.0;
        bool ok = res[i].ns > 0 && res[i].match_ns > 0 && res[i].wide_ns > 0;
        if (!ok)
            status = 1;
        printf("%10zu %9.1f %8.1f %10.1f %10.1f %10.1f\n", sizes[i],
               l[i].build_ms, mib, res[i].ns, res[i].match_ns, res[i].wide_ns);
        printf("result lookup domains=%zu build_ms=%.1f set_mib=%.1f ns=%.1f "
               "match_ns=%.1f wide_ns=%.1f status=%s\n",
               sizes[i], l[i].build_ms, mib, res[i].ns, res[i].match_ns,
               res[i].wide_ns, ok ? "ok" : "FAILED");
    }
    if (n > 1 && status == 0)
        printf("result lookup ratio=%.2f match_ratio=%.2f wide_ratio=%.2f "
               "largest=%zu smallest=%zu\n",
               res[n - 1].ns / res[0].ns, res[n - 1].match_ns / res[0].match_ns,
               res[n - 1].wide_ns / res[0].wide_ns, sizes[n - 1], sizes[0]);
    for (size_t i = 0; i < n; i++) {
        workset_free(&w[i]);
        workset_free(&wn[i]);
        workset_free(&wide[i]);
        list_free(&l[i]);
    }
    return status;
}
