/*
 * certstore_int.h - the certificate store's private parts, shared by
 * certstore.c (the store), certread.c (reading one certificate) and
 * certcheck.c (first-use checks: keys, self-signed tests, chains).
 *
 * Must not: be included by anything but those three files.
 */
#ifndef DS_CERTSTORE_INT_H
#define DS_CERTSTORE_INT_H

#include <openssl/provider.h>

#include "certstore.h"

/* Per-certificate state filled on first use. */
struct ds_cert_lazy {
    const unsigned char *der; /* the leaf, DER (arena) */
    long der_len;
    X509 *full;          /* parsed with its public key; NULL until needed */
    bool full_tried;     /* a failed parse is not retried */
    signed char key;     /* -1 not yet known, 0 no usable key, 1 key matches */
    signed char selfsig; /* -1 not yet known, 0, 1 */
    bool pki_known;      /* pki/pki_why hold the answer at pki_at */
    long long pki_at;
    enum ds_pki pki;
    const char *pki_why;
};

/* Where a certificate comes from: a section, or --with. */
struct ds_source {
    const char *name, *cert, *key, *chain;
    struct ds_where where, where_cert, where_key, where_chain;
    struct ds_strlist services;
    bool smtp, from_cli;
};

/* A certificate after the leaf of a cert file, or in a chain file. */
struct ds_chain_der {
    unsigned char sha1[20];
    const unsigned char *der; /* in the reader's arena */
    long len;
    int number;         /* 1 = the first certificate of the file */
    bool in_chain_file; /* else after the leaf in the cert file */
};

/* One source read by ds_certread_prepare(), before it joins the store. */
struct ds_prepared {
    const struct ds_source *src;
    struct ds_cert *cert;       /* NULL when the leaf could not be read */
    struct ds_chain_der *chain; /* malloc'd */
    size_t nchain, capchain;
    struct ds_diag diag; /* its problems, in order */
};

/* A possible intermediate: every certificate after a leaf or in a chain
 * file, and every leaf that is itself a CA; each only once (by SHA-1). */
struct ds_pool_cert {
    unsigned char sha1[20];
    const unsigned char *der; /* arena */
    long der_len;
    X509 *light; /* for its names */
    X509 *full;  /* NULL until a chain needs it */
};

/* An index from a digest (SHA-1 or SHA-256) to a position in an array. */
struct ds_dindex_slot {
    unsigned char digest[32];
    size_t value;
    bool used;
};
struct ds_dindex {
    struct ds_dindex_slot *slots; /* open addressing; cap a power of two */
    size_t cap, n;
};
/* The value for digest d (dlen bytes, the same for every entry), or
 * SIZE_MAX. */
size_t ds_dindex_get(const struct ds_dindex *ix, const unsigned char *d,
                     size_t dlen);
/* Set it. Returns 0, or -1 when out of memory. */
int ds_dindex_put(struct ds_dindex *ix, const unsigned char *d, size_t dlen,
                  size_t value);
void ds_dindex_free(struct ds_dindex *ix);

/* A private key file's content, decoded once however many certificates
 * name a file with it (a store may share one key among thousands). */
struct ds_key_entry {
    EVP_PKEY *key;       /* NULL: unreadable, see why */
    unsigned char *spki; /* its public key as DER SubjectPublicKeyInfo */
    int spki_len;
    char why[160];
};

/* Everything the const query functions may change. */
struct ds_store_cache {
    struct ds_pool_cert *pool;
    size_t npool, cap;
    struct ds_dindex pool_index; /* by SHA-1 of the DER */
    struct ds_key_entry *keys;
    size_t nkeys, capkeys;
    struct ds_dindex key_index; /* by SHA-256 of the key file */
    X509_STORE *trust;
    struct ds_diag diag; /* problems found on first use */
};

struct ds_certstore {
    const struct ds_config *cfg;
    struct ds_arena arena;   /* --with certificates, and small things */
    struct ds_arena *arenas; /* one per reader thread: the certificates */
    size_t narenas;
    struct ds_cert **v;
    size_t n, cap;
    OSSL_LIB_CTX *light; /* no providers: parse without decoding keys */
    OSSL_PROVIDER *null_provider;
    struct ds_store_cache *cache;
};

/* A whole file in memory (NUL-terminated, for text checks). */
struct ds_filebuf {
    char *data;
    size_t len;
};

/* Read `path` (a regular file, at most 16 MiB; never blocks on a FIFO).
 * Returns 0, or -1 with a reason in err. Free fb->data with free(). The
 * one reader of certificate files: the store and certfile.c use it. */
int ds_certstore_read_file(const char *path, struct ds_filebuf *fb, char *err,
                           size_t errsz);

/* Why a file holds no PEM block at all: "is empty", "is DER (binary), not
 * PEM", ... Returns NULL when there is a "-----BEGIN" line. */
const char *ds_certstore_not_pem(const struct ds_filebuf *fb);

/* OpenSSL's last error as text (a thread-local buffer); clears the queue. */
const char *ds_certstore_ssl_error(void);

/* "copy the certificate again, whole: ..." */
extern const char *const ds_certread_copy_hint;

/*
 * Read src's files into p: the leaf parsed without its key and its
 * attributes, the other certificates as DER, the key file's existence and
 * mode; problems in p->diag. Strings and DER go to arena a. Safe in
 * several threads at once, each with its own arena and p.
 */
void ds_certread_prepare(OSSL_LIB_CTX *light, struct ds_arena *a,
                         struct ds_prepared *p);

/* Parse DER without decoding the public key (`light` has no providers).
 * Returns NULL when it is not a certificate; *used: the bytes it takes. */
X509 *ds_certread_parse_light(OSSL_LIB_CTX *light, const unsigned char *der,
                              long len, long *used);

/* A problem with a certificate (section `name`, or --with) or one of its
 * files, at w (the line that names it): "certificate "name": ...". */
void ds_cert_report(struct ds_diag *diag, enum ds_code code, bool from_cli,
                    const char *name, const struct ds_where *w,
                    const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

#endif
