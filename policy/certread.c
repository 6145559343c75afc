/*
 * certread.c - read one certificate source (a section, or --with): its
 * files, PEM blocks and key file, and the attributes of its leaf, into a
 * struct ds_prepared that certstore.c then merges into the store.
 *
 * Must not: touch shared state: ds_certread_prepare() runs in several
 * threads at once, each with its own arena (the light library context is
 * only read). No key or signature work here (certcheck.c, on first use).
 */
#include "dsconfig.h"

#include "certstore_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
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

const char *const ds_certread_copy_hint =
    "copy the certificate again, whole: from -----BEGIN CERTIFICATE----- to "
    "-----END CERTIFICATE-----";

/* ---- files -------------------------------------------------------------- */

int ds_certstore_read_file(const char *path, struct ds_filebuf *fb, char *err,
                           size_t errsz)
{
    fb->data = NULL;
    fb->len = 0;
    /* O_NONBLOCK: a FIFO or device named by mistake must not hang us. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
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
    static _Thread_local char buf[256];
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    snprintf(buf, sizeof(buf), "%s", r ? r : "unknown error");
    ERR_clear_error();
    return buf;
}

void ds_cert_report(struct ds_diag *diag, enum ds_code code, bool from_cli,
                    const char *name, const struct ds_where *w,
                    const char *hint, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (from_cli)
        ds_diag_code(diag, code, w->file, w->line, hint, "--with: %s", msg);
    else
        ds_diag_code(diag, code, w->file, w->line, hint,
                     "certificate \"%s\": %s", name, msg);
}

X509 *ds_certread_parse_light(OSSL_LIB_CTX *light, const unsigned char *der,
                              long len, long *used)
{
    X509 *x = X509_new_ex(light, NULL);
    const unsigned char *p = der;
    if (x == NULL)
        return NULL;
    ERR_set_mark();
    if (d2i_X509(&x, &p, len) == NULL) {
        X509_free(x);          /* NULL already: d2i frees what it cannot fill */
        ERR_clear_last_mark(); /* keep the reason for the message */
        return NULL;
    }
    ERR_pop_to_mark(); /* "no decoder for the public key": expected */
    *used = (long)(p - der);
    return x;
}

/* ---- attributes --------------------------------------------------------- */

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
static const char *subject_cn(struct ds_arena *a, const X509_NAME *name)
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
        r = ds_arena_strndup(a, (char *)u, (size_t)n);
    OPENSSL_free(u);
    return r;
}

static struct ds_strlist dns_names(struct ds_arena *a, X509 *x)
{
    struct ds_strlist l = {0};
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    int n = gens ? sk_GENERAL_NAME_num(gens) : 0;
    if (n > 0)
        l.v = ds_arena_calloc(a, (size_t)n, sizeof(*l.v));
    for (int i = 0; l.v && i < n; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        if (g->type != GEN_DNS)
            continue;
        const char *d = (const char *)ASN1_STRING_get0_data(g->d.dNSName);
        size_t len = (size_t)ASN1_STRING_length(g->d.dNSName);
        if (memchr(d, '\0', len) == NULL)
            l.v[l.n++] = ds_arena_strndup(a, d, len);
    }
    GENERAL_NAMES_free(gens);
    return l;
}

static void fill_attributes(struct ds_arena *a, struct ds_cert *c)
{
    X509 *x = c->x509;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;

    c->version = (int)X509_get_version(x) + 1;
    c->subject = ds_cert_dn_windows(X509_get_subject_name(x), a);
    c->issuer = ds_cert_dn_windows(X509_get_issuer_name(x), a);
    c->subject_cn = subject_cn(a, X509_get_subject_name(x));
    c->dns_names = dns_names(a, x);
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
        ds_arena_printf(a, "<I>%s<S>%s", c->issuer ? c->issuer : "",
                        c->subject ? c->subject : "");
    c->name_fits = c->tls_certificate_name &&
                   strlen(c->tls_certificate_name) <= DS_TLS_NAME_MAX;
    /* Not X509_check_ca(): OpenSSL's extension cache would also try to
     * fetch SHA-1 from the certificate's empty library context. */
    BASIC_CONSTRAINTS *bc =
        X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);
    c->is_ca = bc && bc->ca;
    BASIC_CONSTRAINTS_free(bc);
}

/* ---- PEM files ---------------------------------------------------------- */

static bool is_cert_block(const char *pem_name)
{
    return strcmp(pem_name, PEM_STRING_X509) == 0 ||
           strcmp(pem_name, PEM_STRING_X509_OLD) == 0 ||
           strcmp(pem_name, PEM_STRING_X509_TRUSTED) == 0;
}

/* Keep a possible intermediate (checked when it is merged: most are the
 * same few CA certificates again and again). */
static int add_chain(struct ds_arena *a, struct ds_prepared *p,
                     const unsigned char *der, long len, int n,
                     bool in_chain_file)
{
    struct ds_chain_der *v =
        ds_grow(p->chain, &p->capchain, p->nchain + 1, sizeof(*v), 4);
    if (v == NULL)
        return -1;
    p->chain = v;
    unsigned char *copy = ds_arena_alloc(a, (size_t)len);
    if (copy == NULL)
        return -1;
    memcpy(copy, der, (size_t)len);
    struct ds_chain_der *c = &p->chain[p->nchain++];
    EVP_Digest(der, (size_t)len, c->sha1, NULL, EVP_sha1(), NULL);
    c->der = copy;
    c->len = len;
    c->number = n;
    c->in_chain_file = in_chain_file;
    return 0;
}

/* The leaf: parsed without its key, and its exact bytes (the thumbprint
 * is their digest; "TRUSTED CERTIFICATE" blocks append more). */
static int take_leaf(OSSL_LIB_CTX *light, struct ds_arena *a, struct ds_cert *c,
                     const unsigned char *der, long len)
{
    long used = len;
    X509 *x = ds_certread_parse_light(light, der, len, &used);
    unsigned char *copy = x ? ds_arena_alloc(a, (size_t)used) : NULL;
    if (copy == NULL) {
        X509_free(x);
        return -1;
    }
    memcpy(copy, der, (size_t)used);
    c->lazy->der = copy;
    c->lazy->der_len = used;
    c->x509 = x;
    return 0;
}

/* Why a file holds no PEM at all, as an error with a hint. */
static void not_pem_error(struct ds_prepared *p, const struct ds_where *w,
                          const char *what, const char *path, const char *why)
{
    char hint[600];
    if (strstr(why, "DER"))
        snprintf(hint, sizeof(hint),
                 "convert it to PEM: openssl x509 -inform DER -in %s -out "
                 "%s.pem",
                 path, path);
    else
        snprintf(hint, sizeof(hint), "%s", ds_certread_copy_hint);
    ds_cert_report(&p->diag, DS_CODE_CERT_FILE, p->src->from_cli, p->src->name,
                   w, hint, "%s %s %s", what, path, why);
}

/* Every PEM block of a file in memory: the first certificate of a cert
 * file is the leaf, the others are possible intermediates. Returns the
 * number of certificates, or -1 after an error. */
static int read_blocks(OSSL_LIB_CTX *light, struct ds_arena *a,
                       struct ds_prepared *p, const struct ds_filebuf *fb,
                       const char *path, bool leaf_file)
{
    const struct ds_where *w =
        leaf_file ? &p->src->where_cert : &p->src->where_chain;
    const char *what = leaf_file ? "cert file" : "chain file";
    BIO *b = BIO_new_mem_buf(fb->data, (int)fb->len);
    int n = 0, block = 0, rc = 0;
    char other[64] = "";
    while (b != NULL && rc == 0) {
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
            ds_cert_report(&p->diag, DS_CODE_CERT_FILE, p->src->from_cli,
                           p->src->name, w, ds_certread_copy_hint,
                           "%s %s: PEM block %d is truncated or corrupt "
                           "(%s)",
                           what, path, block, ds_certstore_ssl_error());
            rc = -1;
            break;
        }
        if (!is_cert_block(pem_name)) {
            if (other[0] == '\0')
                snprintf(other, sizeof(other), "%s", pem_name);
        } else {
            if (leaf_file && n == 0)
                rc = take_leaf(light, a, p->cert, der, len);
            else
                rc = add_chain(a, p, der, len, n + 1, !leaf_file);
            if (rc < 0)
                ds_cert_report(&p->diag, DS_CODE_CERT_FILE, p->src->from_cli,
                               p->src->name, w, ds_certread_copy_hint,
                               "%s %s: certificate %d is not a valid X.509 "
                               "certificate (%s)",
                               what, path, n + 1, ds_certstore_ssl_error());
            n++;
        }
        OPENSSL_free(pem_name);
        OPENSSL_free(header);
        OPENSSL_free(der);
    }
    BIO_free(b);
    if (rc == 0 && n == 0) {
        ds_cert_report(
            &p->diag, DS_CODE_CERT_FILE, p->src->from_cli, p->src->name, w,
            leaf_file ? "cert = names the PEM certificate; a private key "
                        "goes in key ="
                      : "chain = names a PEM file of CA certificates",
            "%s %s holds no certificate%s%s%s", what, path,
            other[0] ? " (it holds: " : "", other, other[0] ? ")" : "");
        rc = -1;
    }
    return rc < 0 ? -1 : n;
}

/* Read the cert file (leaf_file) or the chain file. */
static int read_pem_file(OSSL_LIB_CTX *light, struct ds_arena *a,
                         struct ds_prepared *p, bool leaf_file)
{
    const char *path = leaf_file ? p->src->cert : p->src->chain;
    const struct ds_where *w =
        leaf_file ? &p->src->where_cert : &p->src->where_chain;
    const char *what = leaf_file ? "cert file" : "chain file";
    struct ds_filebuf fb;
    char err[256];
    if (ds_certstore_read_file(path, &fb, err, sizeof(err)) < 0) {
        ds_cert_report(&p->diag, DS_CODE_CERT_FILE, p->src->from_cli,
                       p->src->name, w,
                       "fix the path (a relative path is relative to "
                       "the file that names it), or make the file (in an "
                       "imported configuration, the comment above the line "
                       "says how)",
                       "cannot read %s %s: %s", what, path, err);
        return -1;
    }
    const char *why = ds_certstore_not_pem(&fb);
    int n = why ? -1 : read_blocks(light, a, p, &fb, path, leaf_file);
    if (why)
        not_pem_error(p, w, what, path, why);
    free(fb.data);
    return n;
}

/* The checks on a key file that need no parsing: it exists, it is a
 * file, and others cannot read it. */
static void check_key_file(struct ds_prepared *p)
{
    const struct ds_source *src = p->src;
    struct stat st;
    int r = stat(src->key, &st);
    if (r != 0 || !S_ISREG(st.st_mode)) {
        ds_cert_report(&p->diag, DS_CODE_KEY_FILE, src->from_cli, src->name,
                       &src->where_key,
                       "fix the path, or remove the key line (without a "
                       "key the certificate is never selected)",
                       "cannot read key file %s: %s", src->key,
                       r != 0 ? strerror(errno) : "not a regular file");
        return;
    }
    unsigned bits = st.st_mode & (S_IRGRP | S_IROTH);
    if (bits == 0)
        return;
    char hint[600];
    snprintf(hint, sizeof(hint),
             "chmod 600 %s (only the user the MTA reads keys as needs it)",
             src->key);
    ds_cert_report(&p->diag, DS_CODE_KEY_PERMISSIONS, src->from_cli, src->name,
                   &src->where_key, hint,
                   "key file %s is readable by %s (mode %04o)", src->key,
                   bits == (S_IRGRP | S_IROTH) ? "group and others"
                   : bits == S_IRGRP           ? "its group"
                                               : "others",
                   (unsigned)(st.st_mode & 07777));
}

void ds_certread_prepare(OSSL_LIB_CTX *light, struct ds_arena *a,
                         struct ds_prepared *p)
{
    const struct ds_source *src = p->src;
    struct ds_cert *c = ds_arena_calloc(a, 1, sizeof(*c));
    struct ds_cert_lazy *lz = ds_arena_calloc(a, 1, sizeof(*lz));
    if (c == NULL || lz == NULL) {
        ds_diag_code(&p->diag, DS_CODE_NOMEM, src->where.file, src->where.line,
                     NULL, "out of memory");
        return;
    }
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
    p->cert = c;

    int n = src->cert ? read_pem_file(light, a, p, true) : -1;
    if (n > 0)
        c->nchain = (size_t)n - 1;
    if (src->chain && (n = read_pem_file(light, a, p, false)) > 0)
        c->nchain += (size_t)n;
    if (src->key)
        check_key_file(p);
    if (c->x509 == NULL) {
        p->cert = NULL; /* the error is in p->diag (or the config's) */
        return;
    }
    fill_attributes(a, c);
}
