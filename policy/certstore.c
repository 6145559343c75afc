/*
 * certstore.c - the certificate store: certificates read by certread.c
 * (in parallel for a large store) merged in configuration order, the pool
 * of possible intermediates, the trust store, the what-if additions and
 * removals, and the queries.
 *
 * Must not: decode public or private keys or verify signatures (that is
 * certcheck.c, on first use), print, or exit.
 */
#include "dsconfig.h"

#include "certstore_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509_vfy.h>

/* Below this many certificates, one thread reads them all. */
#define PARALLEL_MIN 256
#define MAX_READERS 8

/* ---- the pool of intermediates ------------------------------------------ */

/* ---- an index by digest ------------------------------------------------- */

static struct ds_dindex_slot *dindex_slot(struct ds_dindex_slot *slots,
                                          size_t cap, const unsigned char *d,
                                          size_t dlen)
{
    size_t h = 0;
    for (int i = 0; i < 8; i++)
        h = (h << 8) | d[i];
    for (h &= cap - 1; slots[h].used; h = (h + 1) & (cap - 1))
        if (memcmp(slots[h].digest, d, dlen) == 0)
            break;
    return &slots[h];
}

size_t ds_dindex_get(const struct ds_dindex *ix, const unsigned char *d,
                     size_t dlen)
{
    if (ix->cap == 0)
        return SIZE_MAX;
    const struct ds_dindex_slot *sl = dindex_slot(ix->slots, ix->cap, d, dlen);
    return sl->used ? sl->value : SIZE_MAX;
}

int ds_dindex_put(struct ds_dindex *ix, const unsigned char *d, size_t dlen,
                  size_t value)
{
    if (2 * (ix->n + 1) > ix->cap) { /* grow: rehash every slot */
        size_t cap = ix->cap ? 2 * ix->cap : 64;
        struct ds_dindex_slot *v = calloc(cap, sizeof(*v));
        if (v == NULL)
            return -1;
        for (size_t i = 0; i < ix->cap; i++)
            if (ix->slots[i].used)
                *dindex_slot(v, cap, ix->slots[i].digest, dlen) = ix->slots[i];
        free(ix->slots);
        ix->slots = v;
        ix->cap = cap;
    }
    struct ds_dindex_slot *sl = dindex_slot(ix->slots, ix->cap, d, dlen);
    if (!sl->used) {
        memcpy(sl->digest, d, dlen);
        sl->used = true;
        ix->n++;
    }
    sl->value = value;
    return 0;
}

void ds_dindex_free(struct ds_dindex *ix)
{
    free(ix->slots);
    memset(ix, 0, sizeof(*ix));
}

/* ---- the pool of intermediates ------------------------------------------ */

/*
 * The pool entry for this certificate (sha1: the digest of its DER, which
 * must outlive the store): an existing one (*added false) or a new one
 * without ->light (the caller parses it). NULL when out of memory.
 */
static struct ds_pool_cert *pool_find_or_add(struct ds_certstore *s,
                                             const unsigned char *sha1,
                                             const unsigned char *der, long len,
                                             bool *added)
{
    struct ds_store_cache *c = s->cache;
    size_t i = ds_dindex_get(&c->pool_index, sha1, 20);
    *added = i == SIZE_MAX;
    if (!*added)
        return &c->pool[i];
    struct ds_pool_cert *v =
        ds_grow(c->pool, &c->cap, c->npool + 1, sizeof(*v), 16);
    if (v == NULL)
        return NULL;
    c->pool = v;
    if (ds_dindex_put(&c->pool_index, sha1, 20, c->npool) < 0)
        return NULL;
    struct ds_pool_cert *p = &c->pool[c->npool++];
    memset(p, 0, sizeof(*p));
    memcpy(p->sha1, sha1, sizeof(p->sha1));
    p->der = der;
    p->der_len = len;
    return p;
}

static int push_cert(struct ds_certstore *s, struct ds_cert *c)
{
    struct ds_cert **v = ds_grow(s->v, &s->cap, s->n + 1, sizeof(*v), 16);
    if (v == NULL)
        return -1;
    s->v = v;
    s->v[s->n++] = c;
    return 0;
}

/* ---- merging what the readers made -------------------------------------- */

/* Add a possible intermediate to the pool, parsing it the first time. */
static void pool_take(struct ds_certstore *s, const struct ds_prepared *p,
                      const struct ds_chain_der *c, struct ds_diag *diag)
{
    bool added;
    long used;
    struct ds_pool_cert *e =
        pool_find_or_add(s, c->sha1, c->der, c->len, &added);
    if (e == NULL || !added)
        return;
    if ((e->light = ds_certread_parse_light(s->light, c->der, c->len, &used)) !=
        NULL)
        return; /* an entry left without ->light is skipped */
    const struct ds_source *src = p->src;
    ds_cert_report(diag, DS_CODE_CERT_FILE, src->from_cli, src->name,
                   c->in_chain_file ? &src->where_chain : &src->where_cert,
                   ds_certread_copy_hint,
                   "%s %s: certificate %d is not a valid X.509 "
                   "certificate (%s)",
                   c->in_chain_file ? "chain file" : "cert file",
                   c->in_chain_file ? src->chain : src->cert, c->number,
                   ds_certstore_ssl_error());
}

/* Merge one prepared certificate: its diagnostics in order, its
 * intermediates, the certificate itself. */
static void merge(struct ds_certstore *s, struct ds_prepared *p,
                  struct ds_diag *diag)
{
    for (size_t i = 0; i < p->diag.n; i++) {
        ds_diag_copy(diag, &p->diag.v[i]);
    }
    if (p->diag.nerrors + p->diag.nwarnings > p->diag.n)
        ds_diag_code(diag, DS_CODE_NOMEM, NULL, 0, NULL, "out of memory");
    ds_diag_free(&p->diag);
    for (size_t i = 0; i < p->nchain; i++)
        pool_take(s, p, &p->chain[i], diag);
    free(p->chain);
    p->chain = NULL;
    struct ds_cert *c = p->cert;
    if (c == NULL)
        return;
    if (push_cert(s, c) < 0) {
        X509_free(c->x509);
        ds_diag_code(diag, DS_CODE_NOMEM, NULL, 0, NULL, "out of memory");
        return;
    }
    if (c->is_ca) { /* a CA in the store may complete another's chain */
        struct ds_chain_der self = {.der = c->lazy->der,
                                    .len = c->lazy->der_len};
        bool added;
        EVP_Digest(self.der, (size_t)self.len, self.sha1, NULL, EVP_sha1(),
                   NULL);
        struct ds_pool_cert *e =
            pool_find_or_add(s, self.sha1, self.der, self.len, &added);
        if (e && added && X509_up_ref(c->x509))
            e->light = c->x509;
    }
}

/* ---- reading in parallel ------------------------------------------------ */

struct readers {
    struct ds_certstore *s;
    struct ds_prepared *jobs;
    size_t n;
    atomic_size_t next;
};

struct reader {
    struct readers *all;
    struct ds_arena *arena;
};

static void *read_jobs(void *arg)
{
    struct reader *r = arg;
    struct readers *all = r->all;
    size_t i;
    while ((i = atomic_fetch_add(&all->next, 1)) < all->n)
        ds_certread_prepare(all->s->light, r->arena, &all->jobs[i]);
    ERR_clear_error();
    return NULL;
}

static size_t reader_count(size_t n)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < PARALLEL_MIN || cpus < 2)
        return 1;
    return cpus > MAX_READERS ? MAX_READERS : (size_t)cpus;
}

/* Read every job, with one arena per reader thread (the main thread is
 * reader 0; if a thread cannot start, the others do its share). */
static int read_all(struct ds_certstore *s, struct ds_prepared *jobs, size_t n)
{
    size_t k = reader_count(n);
    struct readers all = {.s = s, .jobs = jobs, .n = n};
    struct reader r[MAX_READERS];
    pthread_t tid[MAX_READERS];
    bool started[MAX_READERS] = {false};
    atomic_init(&all.next, 0);
    s->arenas = calloc(k, sizeof(*s->arenas));
    if (s->arenas == NULL)
        return -1;
    s->narenas = k;
    for (size_t i = 0; i < k; i++) {
        r[i] = (struct reader){&all, &s->arenas[i]};
        if (i > 0)
            started[i] = pthread_create(&tid[i], NULL, read_jobs, &r[i]) == 0;
    }
    read_jobs(&r[0]);
    for (size_t i = 1; i < k; i++)
        if (started[i])
            pthread_join(tid[i], NULL);
    for (size_t i = 0; i < k; i++)
        if (s->arenas[i].failed)
            return -1;
    return 0;
}

/* ---- loading ------------------------------------------------------------ */

/* Load server.trust_store: a PEM file, or a directory of hashed names. */
static int load_trust(struct ds_certstore *s, struct ds_diag *diag)
{
    const struct ds_server *sv = &s->cfg->server;
    struct ds_store_cache *c = s->cache;
    if (c->trust != NULL)
        return 0;
    if ((c->trust = X509_STORE_new()) == NULL)
        return -1;
    if (sv->trust_store == NULL)
        return 0; /* no trust anchors: no certificate is valid PKI */
    const char *hint = "trust_store names a PEM file (or a c_rehash "
                       "directory) of the CA certificates that make a "
                       "certificate valid PKI; Debian: "
                       "/etc/ssl/certs/ca-certificates.crt";
    struct stat st;
    if (stat(sv->trust_store, &st) != 0) {
        ds_diag_code(diag, DS_CODE_TRUST_STORE, sv->where_trust_store.file,
                     sv->where_trust_store.line, hint,
                     "server: trust_store: cannot read %s: %s", sv->trust_store,
                     strerror(errno));
        return -1;
    }
    int ok = S_ISDIR(st.st_mode)
                 ? X509_STORE_load_path(c->trust, sv->trust_store)
                 : X509_STORE_load_file(c->trust, sv->trust_store);
    if (!ok) {
        ds_diag_code(diag, DS_CODE_TRUST_STORE, sv->where_trust_store.file,
                     sv->where_trust_store.line, hint,
                     "server: trust_store: cannot load %s (%s)",
                     sv->trust_store, ds_certstore_ssl_error());
        return -1;
    }
    return 0;
}

struct order {
    const struct ds_cert *c;
    size_t i;
};

static int by_thumbprint(const void *a, const void *b)
{
    const struct order *x = a, *y = b;
    int r = strcmp(x->c->thumbprint, y->c->thumbprint);
    return r ? r : (x->i > y->i) - (x->i < y->i);
}

/* The same certificate in two sections is allowed, but worth a warning. */
static void warn_duplicates(const struct ds_certstore *s, struct ds_diag *diag)
{
    struct order *v = s->n > 1 ? malloc(s->n * sizeof(*v)) : NULL;
    if (v == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        v[i] = (struct order){s->v[i], i};
    qsort(v, s->n, sizeof(*v), by_thumbprint);
    for (size_t i = 1; i < s->n; i++)
        if (strcmp(v[i].c->thumbprint, v[i - 1].c->thumbprint) == 0)
            ds_diag_code(diag, DS_CODE_DUPLICATE_CERT, v[i].c->where.file,
                         v[i].c->where.line, "keep one section per certificate",
                         "certificate \"%s\" is the same certificate as "
                         "\"%s\" (thumbprint %s)",
                         v[i].c->name, v[i - 1].c->name, v[i].c->thumbprint);
    free(v);
}

static struct ds_certstore *store_new(const struct ds_config *cfg)
{
    struct ds_certstore *s = calloc(1, sizeof(*s));
    if (s == NULL || (s->cache = calloc(1, sizeof(*s->cache))) == NULL) {
        free(s);
        return NULL;
    }
    s->cfg = cfg;
    /* A library context with only the "null" provider: certificates parse
     * without their public key being decoded (see certstore.h). Without
     * it, the default context does the same work, only slower. */
    s->light = OSSL_LIB_CTX_new();
    if (s->light)
        s->null_provider = OSSL_PROVIDER_load(s->light, "null");
    if (s->null_provider == NULL) {
        OSSL_LIB_CTX_free(s->light);
        s->light = NULL;
    }
    return s;
}

static struct ds_source source_of(const struct ds_certconf *cc)
{
    return (struct ds_source){
        .name = cc->name,
        .cert = cc->cert,
        .key = cc->key,
        .chain = cc->chain,
        .where = cc->where,
        .where_cert = cc->where_cert,
        .where_key = cc->where_key,
        .where_chain = cc->where_chain,
        .services = cc->services,
        .smtp = cc->smtp,
    };
}

struct ds_certstore *ds_certstore_load(const struct ds_config *cfg,
                                       struct ds_diag *diag)
{
    struct ds_certstore *s = store_new(cfg);
    size_t n = cfg->ncerts, errors = diag->nerrors;
    struct ds_source *srcs = calloc(n + 1, sizeof(*srcs));
    struct ds_prepared *jobs = calloc(n + 1, sizeof(*jobs));
    if (s == NULL || srcs == NULL || jobs == NULL) {
        ds_diag_code(diag, DS_CODE_NOMEM, cfg->path, 0, NULL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        srcs[i] = source_of(&cfg->certs[i]);
        jobs[i].src = &srcs[i];
    }
    if (read_all(s, jobs, n) < 0)
        ds_diag_code(diag, DS_CODE_NOMEM, cfg->path, 0, NULL,
                     "out of memory while reading certificates");
    for (size_t i = 0; i < n; i++)
        merge(s, &jobs[i], diag);
    if (n > 0)
        load_trust(s, diag);
out:
    free(srcs);
    free(jobs);
    if (s && (s->arena.failed || diag->nerrors != errors)) {
        ds_certstore_free(s);
        return NULL;
    }
    if (s)
        warn_duplicates(s, diag);
    return s;
}

int ds_certstore_add(struct ds_certstore *s, const char *cert_path,
                     const char *key_path, struct ds_diag *diag)
{
    static const char *smtp[] = {"smtp"};
    struct ds_source *src = ds_arena_calloc(&s->arena, 1, sizeof(*src));
    if (src == NULL)
        return -1;
    *src = (struct ds_source){
        .name = ds_arena_strdup(&s->arena, cert_path),
        .cert = ds_arena_strdup(&s->arena, cert_path),
        .key = key_path ? ds_arena_strdup(&s->arena, key_path) : NULL,
        .services = {.n = 1, .v = smtp},
        .smtp = true,
        .from_cli = true,
    };
    if (src->name == NULL || (key_path && src->key == NULL))
        return -1;
    src->where = src->where_cert = (struct ds_where){src->cert, 0};
    src->where_key = (struct ds_where){src->key, 0};
    size_t errors = diag->nerrors;
    struct ds_prepared p = {.src = src};
    ds_certread_prepare(s->light, &s->arena, &p);
    merge(s, &p, diag);
    load_trust(s, diag);
    return diag->nerrors == errors && !s->arena.failed ? 0 : -1;
}

static void free_cert(struct ds_cert *c)
{
    X509_free(c->x509);
    X509_free(c->lazy->full);
}

size_t ds_certstore_remove(struct ds_certstore *s, const char *thumbprint)
{
    char tp[41];
    size_t kept = 0, n = s->n;
    if (ds_thumbprint_normalise(thumbprint, tp) < 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s->v[i]->thumbprint, tp) == 0)
            free_cert(s->v[i]);
        else
            s->v[kept++] = s->v[i];
    }
    s->n = kept;
    return n - kept;
}

void ds_certstore_free(struct ds_certstore *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        free_cert(s->v[i]);
    free(s->v);
    struct ds_store_cache *c = s->cache;
    for (size_t i = 0; i < c->npool; i++) {
        X509_free(c->pool[i].light);
        X509_free(c->pool[i].full);
    }
    free(c->pool);
    ds_dindex_free(&c->pool_index);
    for (size_t i = 0; i < c->nkeys; i++) {
        EVP_PKEY_free(c->keys[i].key);
        OPENSSL_free(c->keys[i].spki);
    }
    free(c->keys);
    ds_dindex_free(&c->key_index);
    X509_STORE_free(c->trust);
    ds_diag_free(&c->diag);
    free(c);
    for (size_t i = 0; i < s->narenas; i++)
        ds_arena_free(&s->arenas[i]);
    free(s->arenas);
    ds_arena_free(&s->arena);
    if (s->null_provider)
        OSSL_PROVIDER_unload(s->null_provider);
    OSSL_LIB_CTX_free(s->light);
    free(s);
}

size_t ds_certstore_count(const struct ds_certstore *s)
{
    return s->n;
}

const struct ds_cert *ds_certstore_get(const struct ds_certstore *s, size_t i)
{
    return i < s->n ? s->v[i] : NULL;
}

const struct ds_cert *ds_certstore_find(const struct ds_certstore *s,
                                        const char *thumbprint)
{
    char tp[41];
    if (thumbprint == NULL || ds_thumbprint_normalise(thumbprint, tp) < 0)
        return NULL;
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i]->thumbprint, tp) == 0)
            return s->v[i];
    return NULL;
}

const struct ds_diag *ds_certstore_diag(const struct ds_certstore *s)
{
    return &s->cache->diag;
}
