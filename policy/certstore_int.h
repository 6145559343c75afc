/*
 * certstore_int.h - the certificate store's private parts, shared by
 * certstore.c (loading) and certcheck.c (first-use checks: keys,
 * self-signed tests, chains).
 *
 * Must not: be included by anything but those two files.
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

/* A possible intermediate: every certificate after a leaf or in a chain
 * file, and every leaf that is itself a CA; each only once (by SHA-1). */
struct ds_pool_cert {
    unsigned char sha1[20];
    const unsigned char *der; /* arena */
    long der_len;
    X509 *light; /* for its names */
    X509 *full;  /* NULL until a chain needs it */
};

/* Everything the const query functions may change. */
struct ds_store_cache {
    struct ds_pool_cert *pool;
    size_t npool, cap;
    size_t *index; /* open addressing on the SHA-1; slots hold index + 1 */
    size_t index_cap;
    X509_STORE *trust;
    struct ds_diag diag; /* problems found on first use */
};

struct ds_certstore {
    const struct ds_config *cfg;
    struct ds_arena arena; /* the certificates and their strings */
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

/* Read `path` (a regular file, at most 16 MiB). Returns 0, or -1 with a
 * reason in err. Free fb->data with free(). */
int ds_certstore_read_file(const char *path, struct ds_filebuf *fb, char *err,
                           size_t errsz);

/* Why a file holds no PEM block at all: "is empty", "is DER (binary), not
 * PEM", ... Returns NULL when there is a "-----BEGIN" line. */
const char *ds_certstore_not_pem(const struct ds_filebuf *fb);

/* OpenSSL's last error as text (static buffer), and clear the queue. */
const char *ds_certstore_ssl_error(void);

#endif
