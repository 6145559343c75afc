/*
 * certstore.c - load the certificate store: read every certificate file
 * (leaf, then its chain) and chain file, and fill in the attributes the
 * selection rules need; the what-if additions and removals.
 *
 * Must not: decode public or private keys or verify signatures (that is
 * certcheck.c, on first use), print, or exit. A bad file is an error at
 * the line of the configuration that names it, never a crash.
 */
#include "config.h"

#include "certstore_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define MAX_FILE (16 * 1024 * 1024)

/* Where a certificate comes from: a section, or --with. */
struct source {
    const char *name, *cert, *key, *chain;
    struct ds_where where, where_cert, where_key, where_chain;
    struct ds_strlist services;
    bool smtp, from_cli;
};

/* ---- files --------------------------------------------------------------- */

int ds_certstore_read_file(const char *path, struct ds_filebuf *fb, char *err,
                           size_t errsz)
{
    fb->data = NULL;
    fb->len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errsz, "%s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > MAX_FILE) {
        snprintf(err, errsz, "%s",
                 S_ISDIR(st.st_mode)   ? "is a directory"
                 : S_ISREG(st.st_mode) ? "larger than 16 MiB"
                                       : "not a regular file");
        close(fd);
        return -1;
    }
    fb->data = malloc((size_t)st.st_size + 1);
    ssize_t got = 0, r = 0;
    while (fb->data && got < st.st_size &&
           (r = read(fd, fb->data + got, (size_t)(st.st_size - got))) > 0)
        got += r;
    int saved = errno;
    close(fd);
    if (fb->data == NULL || r < 0) {
        snprintf(err, errsz, "%s",
                 fb->data ? strerror(saved) : "out of memory");
        free(fb->data);
        fb->data = NULL;
        return -1;
    }
    fb->len = (size_t)got;
    fb->data[fb->len] = '\0';
    return 0;
}

const char *ds_certstore_not_pem(const struct ds_filebuf *fb)
{
    if (memmem(fb->data, fb->len, "-----BEGIN ", 11) != NULL)
        return NULL;
    size_t i = 0;
    while (i < fb->len && strchr(" \t\r\n", fb->data[i]) && fb->data[i])
        i++;
    if (i == fb->len)
        return "is empty";
    if ((unsigned char)fb->data[0] == 0x30)
        return "is DER (binary), not PEM";
    return "holds no PEM block (no -----BEGIN line)";
}

const char *ds_certstore_ssl_error(void)
{
    static char buf[256];
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    snprintf(buf, sizeof(buf), "%s", r ? r : "unknown error");
    ERR_clear_error();
    return buf;
}

/* ---- the store ----------------------------------------------------------- */

static size_t pool_hash(const unsigned char *sha1, size_t mask)
{
    size_t h = 0;
    for (int i = 0; i < 8; i++)
        h = (h << 8) | sha1[i];
    return h & mask;
}

/* Grow the open-addressing index over the pool (slots hold index + 1). */
static int pool_reindex(struct ds_store_cache *c, size_t cap)
{
    size_t *idx = calloc(cap, sizeof(*idx));
    if (idx == NULL)
        return -1;
    for (size_t i = 0; i < c->npool; i++) {
        size_t h = pool_hash(c->pool[i].sha1, cap - 1);
        while (idx[h] != 0)
            h = (h + 1) & (cap - 1);
        idx[h] = i + 1;
    }
    free(c->index);
    c->index = idx;
    c->index_cap = cap;
    return 0;
}

/*
 * The pool entry for this DER: an existing one (*added false) or a new one
 * with only its digest and bytes filled in (the caller parses it).
 * Returns NULL when out of memory.
 */
static struct ds_pool_cert *pool_find_or_add(struct ds_certstore *s,
                                             const unsigned char *der, long len,
                                             bool *added)
{
    struct ds_store_cache *c = s->cache;
    unsigned char md[20];
    EVP_Digest(der, (size_t)len, md, NULL, EVP_sha1(), NULL);
    if (2 * (c->npool + 1) > c->index_cap &&
        pool_reindex(c, c->index_cap ? 2 * c->index_cap : 64) < 0)
        return NULL;
    size_t mask = c->index_cap - 1, h = pool_hash(md, mask);
    for (; c->index[h] != 0; h = (h + 1) & mask) {
        struct ds_pool_cert *p = &c->pool[c->index[h] - 1];
        if (memcmp(p->sha1, md, sizeof(md)) == 0) {
            *added = false;
            return p;
        }
    }
    if (c->npool == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        struct ds_pool_cert *v = realloc(c->pool, cap * sizeof(*v));
        if (v == NULL)
            return NULL;
        c->pool = v;
        c->cap = cap;
    }
    unsigned char *copy = ds_arena_alloc(&s->arena, (size_t)len);
    if (copy == NULL)
        return NULL;
    memcpy(copy, der, (size_t)len);
    struct ds_pool_cert *p = &c->pool[c->npool++];
    memset(p, 0, sizeof(*p));
    memcpy(p->sha1, md, sizeof(md));
    p->der = copy;
    p->der_len = len;
    c->index[h] = c->npool;
    *added = true;
    return p;
}

static int push_cert(struct ds_certstore *s, struct ds_cert *c)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct ds_cert **v = realloc(s->v, cap * sizeof(*v));
        if (v == NULL)
            return -1;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = c;
    return 0;
}

/* Parse DER without decoding the public key (the "null" library context
 * has no decoders). Returns NULL when it is not a certificate; *used is
 * the number of bytes the certificate takes. */
static X509 *parse_light(struct ds_certstore *s, const unsigned char *der,
                         long len, long *used)
{
    X509 *x = X509_new_ex(s->light, NULL);
    const unsigned char *p = der;
    if (x == NULL)
        return NULL;
    ERR_set_mark();
    if (d2i_X509(&x, &p, len) == NULL) {
        X509_free(x);          /* NULL already: d2i frees what it cannot fill */
        ERR_clear_last_mark(); /* keep the reason for the message */
        return NULL;
    }
    X509_check_ca(x);  /* fill OpenSSL's extension cache now */
    ERR_pop_to_mark(); /* "no decoder for the public key": expected */
    *used = (long)(p - der);
    return x;
}

/* ---- attributes ---------------------------------------------------------- */

static void hex_upper(const unsigned char *md, size_t n, char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[2 * n] = '\0';
}

static long long asn1_time(const ASN1_TIME *t)
{
    struct tm tm;
    if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
        return 0;
    return (long long)timegm(&tm);
}

/* The most specific CN, as UTF-8; NULL when none or it holds a NUL. */
static const char *subject_cn(struct ds_certstore *s, const X509_NAME *name)
{
    int i = -1, last = -1;
    while ((i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) >= 0)
        last = i;
    if (last < 0)
        return NULL;
    unsigned char *u = NULL;
    const ASN1_STRING *v =
        X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, last));
    int n = ASN1_STRING_to_UTF8(&u, v);
    const char *r = NULL;
    if (n >= 0 && strlen((char *)u) == (size_t)n)
        r = ds_arena_strndup(&s->arena, (char *)u, (size_t)n);
    OPENSSL_free(u);
    return r;
}

static struct ds_strlist dns_names(struct ds_certstore *s, X509 *x)
{
    struct ds_strlist l = {0, NULL};
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    int n = gens ? sk_GENERAL_NAME_num(gens) : 0;
    if (n > 0)
        l.v = ds_arena_calloc(&s->arena, (size_t)n, sizeof(*l.v));
    for (int i = 0; l.v && i < n; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        if (g->type != GEN_DNS)
            continue;
        const char *d = (const char *)ASN1_STRING_get0_data(g->d.dNSName);
        size_t len = (size_t)ASN1_STRING_length(g->d.dNSName);
        if (memchr(d, '\0', len) == NULL)
            l.v[l.n++] = ds_arena_strndup(&s->arena, d, len);
    }
    GENERAL_NAMES_free(gens);
    return l;
}

static void fill_attributes(struct ds_certstore *s, struct ds_cert *c)
{
    X509 *x = c->x509;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;

    c->version = (int)X509_get_version(x) + 1;
    c->subject = ds_cert_dn_windows(X509_get_subject_name(x), &s->arena);
    c->issuer = ds_cert_dn_windows(X509_get_issuer_name(x), &s->arena);
    c->subject_rfc = ds_cert_dn_rfc2253(X509_get_subject_name(x), &s->arena);
    c->issuer_rfc = ds_cert_dn_rfc2253(X509_get_issuer_name(x), &s->arena);
    c->subject_cn = subject_cn(s, X509_get_subject_name(x));
    c->dns_names = dns_names(s, x);
    c->not_before = asn1_time(X509_get0_notBefore(x));
    c->not_after = asn1_time(X509_get0_notAfter(x));
    /* X509_digest() would fetch SHA-1 from the certificate's (empty)
     * library context; the thumbprint is the digest of the DER anyway. */
    EVP_Digest(c->lazy->der, (size_t)c->lazy->der_len, md, &mdlen, EVP_sha1(),
               NULL);
    hex_upper(md, mdlen, c->thumbprint);
    EVP_Digest(c->lazy->der, (size_t)c->lazy->der_len, md, &mdlen, EVP_sha256(),
               NULL);
    hex_upper(md, mdlen, c->sha256);
    c->tls_certificate_name =
        ds_arena_printf(&s->arena, "<I>%s<S>%s", c->issuer ? c->issuer : "",
                        c->subject ? c->subject : "");
    c->name_fits = c->tls_certificate_name &&
                   strlen(c->tls_certificate_name) <= DS_TLS_NAME_MAX;
    c->is_ca = X509_check_ca(x) == 1;
}

/* ---- reading certificate files --------------------------------------------
 */

static const char *const copy_hint =
    "copy the certificate again, whole: from -----BEGIN CERTIFICATE----- to "
    "-----END CERTIFICATE-----";

static void file_error(struct ds_diag *diag, const struct source *src,
                       const struct ds_where *w, const char *hint,
                       const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* An error about one of src's files, at the line that names the file. */
static void file_error(struct ds_diag *diag, const struct source *src,
                       const struct ds_where *w, const char *hint,
                       const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (src->from_cli)
        ds_diag_add(diag, DS_SEV_ERROR, w->file, w->line, hint, "--with: %s",
                    msg);
    else
        ds_diag_add(diag, DS_SEV_ERROR, w->file, w->line, hint,
                    "certificate \"%s\": %s", src->name, msg);
}

static bool is_cert_block(const char *pem_name)
{
    return strcmp(pem_name, PEM_STRING_X509) == 0 ||
           strcmp(pem_name, PEM_STRING_X509_OLD) == 0 ||
           strcmp(pem_name, PEM_STRING_X509_TRUSTED) == 0;
}

/*
 * Keep one certificate block: the first of a cert file is the leaf (its
 * parsed form in *leaf_x, its DER in leaf->der), every other one a
 * possible intermediate. Returns 0, or -1 when the block is not a
 * certificate.
 */
static int take_block(struct ds_certstore *s, const unsigned char *der,
                      long len, X509 **leaf_x, struct ds_cert_lazy *leaf)
{
    bool added = true;
    struct ds_pool_cert *p = NULL;
    long used = len;
    if (leaf_x == NULL && (p = pool_find_or_add(s, der, len, &added)) == NULL)
        return -1;
    if (!added)
        return 0; /* an intermediate seen before */
    X509 *x = parse_light(s, der, len, &used);
    if (x == NULL)
        return -1; /* a pool entry left without ->light is skipped */
    if (p != NULL) {
        p->light = x;
        return 0;
    }
    /* the thumbprint is the digest of exactly the certificate's bytes
     * ("TRUSTED CERTIFICATE" blocks append more) */
    unsigned char *copy = ds_arena_alloc(&s->arena, (size_t)used);
    if (copy == NULL) {
        X509_free(x);
        return -1;
    }
    memcpy(copy, der, (size_t)used);
    leaf->der = copy;
    leaf->der_len = used;
    *leaf_x = x;
    return 0;
}

/*
 * Read the PEM file `path` (src's cert file when leaf is not NULL, else its
 * chain file): the first certificate is the leaf (*leaf_x, leaf->der), the
 * others go to the pool. Returns how many certificates the file holds, or
 * -1 after an error.
 */
static int read_pem_certs(struct ds_certstore *s, const struct source *src,
                          const char *path, const struct ds_where *w,
                          X509 **leaf_x, struct ds_cert_lazy *leaf,
                          struct ds_diag *diag)
{
    const char *what = leaf ? "cert file" : "chain file";
    struct ds_filebuf fb;
    char err[256];
    if (ds_certstore_read_file(path, &fb, err, sizeof(err)) < 0) {
        file_error(diag, src, w,
                   "fix the path (a relative path is relative to the file "
                   "that names it)",
                   "cannot read %s %s: %s", what, path, err);
        return -1;
    }
    const char *not_pem = ds_certstore_not_pem(&fb);
    if (not_pem) {
        char hint[600];
        if (strstr(not_pem, "DER"))
            snprintf(hint, sizeof(hint),
                     "convert it to PEM: openssl x509 -inform DER -in %s "
                     "-out %s.pem",
                     path, path);
        else
            snprintf(hint, sizeof(hint), "%s", copy_hint);
        file_error(diag, src, w, hint, "%s %s %s", what, path, not_pem);
        free(fb.data);
        return -1;
    }
    BIO *b = BIO_new_mem_buf(fb.data, (int)fb.len);
    int n = 0, block = 0, rc = 0;
    char other[64] = "";
    while (b != NULL) {
        char *pem_name = NULL, *header = NULL;
        unsigned char *der = NULL;
        long len = 0;
        block++;
        if (!PEM_read_bio(b, &pem_name, &header, &der, &len)) {
            unsigned long e = ERR_peek_last_error();
            if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
                ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
                ERR_clear_error();
                break;
            }
            file_error(diag, src, w, copy_hint,
                       "%s %s: PEM block %d is truncated or corrupt (%s)", what,
                       path, block, ds_certstore_ssl_error());
            rc = -1;
            break;
        }
        if (!is_cert_block(pem_name)) {
            if (other[0] == '\0')
                snprintf(other, sizeof(other), "%s", pem_name);
        } else if (take_block(s, der, len, leaf && n == 0 ? leaf_x : NULL,
                              leaf) < 0) {
            file_error(diag, src, w, copy_hint,
                       "%s %s: certificate %d is not a valid X.509 "
                       "certificate (%s)",
                       what, path, n + 1, ds_certstore_ssl_error());
            rc = -1;
        } else {
            n++;
        }
        OPENSSL_free(pem_name);
        OPENSSL_free(header);
        OPENSSL_free(der);
        if (rc < 0)
            break;
    }
    BIO_free(b);
    free(fb.data);
    if (rc == 0 && n == 0) {
        file_error(diag, src, w,
                   leaf ? "cert = names the PEM certificate; a private key "
                          "goes in key ="
                        : "chain = names a PEM file of CA certificates",
                   "%s %s holds no certificate%s%s%s", what, path,
                   other[0] ? " (it holds: " : "", other, other[0] ? ")" : "");
        rc = -1;
    }
    return rc < 0 ? -1 : n;
}

/* The checks on a key file that need no parsing: it exists, it is a file,
 * and others cannot read it. Returns -1 after an error. */
static int check_key_file(const struct source *src, struct ds_diag *diag)
{
    struct stat st;
    int r = stat(src->key, &st);
    if (r != 0 || !S_ISREG(st.st_mode)) {
        file_error(diag, src, &src->where_key,
                   "fix the path, or remove the key line (without a key the "
                   "certificate is never selected)",
                   "cannot read key file %s: %s", src->key,
                   r != 0 ? strerror(errno) : "not a regular file");
        return -1;
    }
    unsigned bits = st.st_mode & (S_IRGRP | S_IROTH);
    if (bits) {
        char hint[600];
        snprintf(hint, sizeof(hint),
                 "chmod 600 %s (only the user the MTA reads keys as needs "
                 "it)",
                 src->key);
        char who[300];
        if (src->from_cli)
            snprintf(who, sizeof(who), "--with");
        else
            snprintf(who, sizeof(who), "certificate \"%s\"", src->name);
        ds_diag_add(diag, DS_SEV_WARNING, src->where_key.file,
                    src->where_key.line, hint,
                    "%s: key file %s is readable by %s (mode %04o)", who,
                    src->key,
                    bits == (S_IRGRP | S_IROTH) ? "group and others"
                    : bits == S_IRGRP           ? "its group"
                                                : "others",
                    (unsigned)(st.st_mode & 07777));
    }
    return 0;
}

/* ---- loading ------------------------------------------------------------- */

/* Load one certificate (a section or --with). Returns 0, or -1 after
 * reporting every problem found. */
static int load_source(struct ds_certstore *s, const struct source *src,
                       struct ds_diag *diag)
{
    struct ds_cert *c = ds_arena_calloc(&s->arena, 1, sizeof(*c));
    struct ds_cert_lazy *lz = ds_arena_calloc(&s->arena, 1, sizeof(*lz));
    if (c == NULL || lz == NULL)
        return -1;
    lz->key = lz->selfsig = -1;
    c->lazy = lz;
    c->name = src->name;
    c->cert_path = src->cert;
    c->key_path = src->key;
    c->chain_path = src->chain;
    c->where = src->where;
    c->where_key = src->where_key;
    c->from_cli = src->from_cli;
    c->services = src->services;
    c->smtp = src->smtp;

    int rc = 0, n;
    if (src->cert == NULL)
        return -1; /* the config loader has reported it */
    n = read_pem_certs(s, src, src->cert, &src->where_cert, &c->x509, lz, diag);
    if (n < 0)
        rc = -1;
    else
        c->nchain = (size_t)n - 1;
    if (src->chain) {
        n = read_pem_certs(s, src, src->chain, &src->where_chain, NULL, NULL,
                           diag);
        if (n < 0)
            rc = -1;
        else
            c->nchain += (size_t)n;
    }
    if (src->key && check_key_file(src, diag) < 0)
        rc = -1;
    if (c->x509 == NULL)
        return -1;
    if (push_cert(s, c) < 0) {
        X509_free(c->x509);
        return -1;
    }
    fill_attributes(s, c);
    if (c->is_ca) { /* a CA in the store may complete another's chain */
        bool added;
        struct ds_pool_cert *p =
            pool_find_or_add(s, lz->der, lz->der_len, &added);
        if (p && added && X509_up_ref(c->x509))
            p->light = c->x509;
    }
    return rc;
}

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
        ds_diag_add(diag, DS_SEV_ERROR, sv->where_trust_store.file,
                    sv->where_trust_store.line, hint,
                    "server: trust_store: cannot read %s: %s", sv->trust_store,
                    strerror(errno));
        return -1;
    }
    int ok = S_ISDIR(st.st_mode)
                 ? X509_STORE_load_path(c->trust, sv->trust_store)
                 : X509_STORE_load_file(c->trust, sv->trust_store);
    if (!ok) {
        ds_diag_add(diag, DS_SEV_ERROR, sv->where_trust_store.file,
                    sv->where_trust_store.line, hint,
                    "server: trust_store: cannot load %s (%s)", sv->trust_store,
                    ds_certstore_ssl_error());
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
            ds_diag_add(diag, DS_SEV_WARNING, v[i].c->where.file,
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

struct ds_certstore *ds_certstore_load(const struct ds_config *cfg,
                                       struct ds_diag *diag)
{
    struct ds_certstore *s = store_new(cfg);
    if (s == NULL) {
        ds_diag_add(diag, DS_SEV_ERROR, cfg->path, 0, NULL, "out of memory");
        return NULL;
    }
    size_t errors = diag->nerrors;
    for (size_t i = 0; i < cfg->ncerts; i++) {
        const struct ds_certconf *cc = &cfg->certs[i];
        struct source src = {
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
        load_source(s, &src, diag);
    }
    if (cfg->ncerts > 0)
        load_trust(s, diag);
    if (s->arena.failed)
        ds_diag_add(diag, DS_SEV_ERROR, cfg->path, 0, NULL,
                    "out of memory while loading certificates");
    if (diag->nerrors != errors) {
        ds_certstore_free(s);
        return NULL;
    }
    warn_duplicates(s, diag);
    return s;
}

int ds_certstore_add(struct ds_certstore *s, const char *cert_path,
                     const char *key_path, struct ds_diag *diag)
{
    static const char *smtp[] = {"smtp"};
    struct source src = {
        .name = ds_arena_strdup(&s->arena, cert_path),
        .cert = ds_arena_strdup(&s->arena, cert_path),
        .key = key_path ? ds_arena_strdup(&s->arena, key_path) : NULL,
        .services = {1, smtp},
        .smtp = true,
        .from_cli = true,
    };
    if (src.name == NULL || (key_path && src.key == NULL))
        return -1;
    src.where = src.where_cert = (struct ds_where){src.cert, 0};
    src.where_key = (struct ds_where){src.key, 0};
    size_t errors = diag->nerrors;
    load_source(s, &src, diag);
    load_trust(s, diag);
    return diag->nerrors == errors ? 0 : -1;
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
    free(c->index);
    X509_STORE_free(c->trust);
    ds_diag_free(&c->diag);
    free(c);
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
