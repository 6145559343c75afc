/*
 * certdir.c - read the certificate files of `import exchange --certs DIR`
 * (certdir.h): PEM (certificates and keys, encrypted keys with the
 * password), DER certificates (.cer/.crt as Windows exports them) and
 * PKCS#12 (PFX/P12: PKCS12_parse, the empty password too, OpenSSL's
 * legacy provider for the RC2/3DES files of older Windows). Every
 * certificate is known by its SHA-1 thumbprint (X509_digest), as in
 * Exchange. certdir_place.c matches and writes.
 *
 * Must not: keep the password after the scan, or fail on a file it does
 * not understand (a warning says it was ignored).
 */
#include "certdir_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>

#define MAX_FILE (16 * 1024 * 1024)

static const char pw_hint[] =
    "put the password in a file and give --pfx-password-file FILE, or set "
    "DOMSEC_PFX_PASSWORD";

/* OpenSSL's reason for the last failure (and the queue cleared). */
static const char *ssl_reason(char *buf, size_t size)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    snprintf(buf, size, "%s", r ? r : "unknown error");
    ERR_clear_error();
    return buf;
}

static void *grow(void **v, size_t *n, size_t size)
{
    void *nv = realloc(*v, (*n + 1) * size);
    if (nv == NULL)
        return NULL;
    *v = nv;
    memset((char *)nv + *n * size, 0, size);
    return (char *)nv + (*n)++ * size;
}

/* Take x (and key, which may be NULL) into the list. */
static int add_cert(struct ds_certdir *cd, X509 *x, const char *file,
                    enum ds_certdir_src src, int index, EVP_PKEY *key)
{
    struct ds_certdir_cert *c =
        grow((void **)&cd->certs, &cd->ncerts, sizeof(*c));
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    static const char hex[] = "0123456789ABCDEF";
    if (c == NULL || !X509_digest(x, EVP_sha1(), md, &n) || n != 20) {
        if (c)
            cd->ncerts--;
        X509_free(x);
        EVP_PKEY_free(key);
        return -1;
    }
    for (unsigned i = 0; i < n; i++) {
        c->thumb[2 * i] = hex[md[i] >> 4];
        c->thumb[2 * i + 1] = hex[md[i] & 15];
    }
    c->x = x;
    c->file = file;
    c->src = src;
    c->index = index;
    c->key = key;
    return 0;
}

static int add_key(struct ds_certdir *cd, EVP_PKEY *k, const char *file,
                   bool in_place)
{
    struct ds_certdir_key *e = grow((void **)&cd->keys, &cd->nkeys, sizeof(*e));
    if (e == NULL) {
        EVP_PKEY_free(k);
        return -1;
    }
    e->k = k;
    e->file = file;
    e->in_place = in_place;
    return 0;
}

static int password_cb(char *buf, int size, int rwflag, void *u)
{
    const char *pw = u ? u : "";
    int n = (int)strlen(pw);
    (void)rwflag;
    if (n > size)
        n = size;
    memcpy(buf, pw, (size_t)n);
    return n;
}

/* A PEM private key block, decrypted with pw when it is encrypted. */
static EVP_PKEY *pem_key(const char *name, const char *header,
                         const unsigned char *der, long len, const char *pw)
{
    BIO *m = BIO_new(BIO_s_mem());
    EVP_PKEY *k = NULL;
    if (m && PEM_write_bio(m, name, header, der, len) > 0)
        k = PEM_read_bio_PrivateKey(m, NULL, password_cb, (void *)pw);
    BIO_free(m);
    return k;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

/* Every certificate and key of a PEM file. */
static int read_pem(struct ds_certdir *cd, const char *file, const char *data,
                    size_t len, const char *pw)
{
    BIO *b = BIO_new_mem_buf(data, (int)len);
    int index = 0, rc = b ? 0 : -1;
    while (rc == 0) {
        char *name = NULL, *header = NULL;
        unsigned char *der = NULL;
        long dlen = 0;
        if (!PEM_read_bio(b, &name, &header, &der, &dlen)) {
            ERR_clear_error();
            break;
        }
        const unsigned char *p = der;
        bool trusted = strcmp(name, "TRUSTED CERTIFICATE") == 0;
        if (trusted || strcmp(name, "CERTIFICATE") == 0 ||
            strcmp(name, "X509 CERTIFICATE") == 0) {
            X509 *x = trusted ? d2i_X509_AUX(NULL, &p, dlen)
                              : d2i_X509(NULL, &p, dlen);
            if (x)
                rc = add_cert(cd, x, file, DS_CERTDIR_PEM, index++, NULL);
            else
                ds_diag_add(cd->diag, DS_SEV_WARNING, file, 0, NULL,
                            "certificate %d is not a valid X.509 "
                            "certificate: ignored",
                            index + 1);
        } else if (ends_with(name, "PRIVATE KEY")) {
            bool encrypted = strcmp(name, "ENCRYPTED PRIVATE KEY") == 0 ||
                             strstr(header, "ENCRYPTED") != NULL;
            EVP_PKEY *k = pem_key(name, header, der, dlen, pw);
            if (k)
                rc = add_key(cd, k, file, !encrypted);
            else
                ds_diag_add(cd->diag, DS_SEV_WARNING, file, 0,
                            encrypted ? pw_hint : NULL,
                            "a private key that cannot be read%s: ignored",
                            encrypted ? " (encrypted: wrong or no password)"
                                      : "");
            ERR_clear_error();
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(der);
    }
    BIO_free(b);
    return rc;
}

/* ---- PKCS#12 ------------------------------------------------------------ */

/* Old Windows encrypts PFX files with RC2-40 and 3DES: OpenSSL 3 has RC2
 * in its legacy provider only. Loading it into the default library
 * context stops the implicit default provider, so both are loaded. */
static bool load_legacy(struct ds_certdir *cd)
{
    if (cd->legacy)
        return true;
    cd->legacy = OSSL_PROVIDER_load(NULL, "legacy");
    if (cd->legacy && (cd->deflt = OSSL_PROVIDER_load(NULL, "default")))
        return true;
    ERR_clear_error();
    return false;
}

/* Is pw the password of p12 (the MAC verifies)? */
static bool right_password(PKCS12 *p12, const char *pw)
{
    if (!PKCS12_mac_present(p12))
        return true;
    bool ok = PKCS12_verify_mac(p12, pw, -1) ||
              (pw[0] == '\0' && PKCS12_verify_mac(p12, NULL, 0));
    ERR_clear_error();
    return ok;
}

static int take_pfx(struct ds_certdir *cd, const char *file, EVP_PKEY *key,
                    X509 *cert, STACK_OF(X509) * ca)
{
    int rc = 0, index = 0;
    if (cert)
        rc = add_cert(cd, cert, file, DS_CERTDIR_PFX, index++, key);
    else
        EVP_PKEY_free(key);
    while (ca && sk_X509_num(ca) > 0) {
        X509 *x = sk_X509_shift(ca);
        if (rc == 0)
            rc = add_cert(cd, x, file, DS_CERTDIR_PFX, index++, NULL);
        else
            X509_free(x);
    }
    sk_X509_free(ca);
    return rc;
}

/* A PFX file: 1 when data is not one, 0 when read (or warned about). */
static int read_pfx(struct ds_certdir *cd, const char *file,
                    const unsigned char *data, size_t len, const char *pw)
{
    const unsigned char *p = data;
    PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)len);
    const char *pws[2] = {pw && pw[0] ? pw : "", ""};
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    STACK_OF(X509) *ca = NULL;
    if (p12 == NULL) {
        ERR_clear_error();
        return 1;
    }
    int k = 0;
    while (k < 2 && !right_password(p12, pws[k]))
        k++;
    if (k == 2) {
        ds_diag_add(cd->diag, DS_SEV_WARNING, file, 0, pw_hint,
                    "a PKCS#12 file whose password %s: ignored",
                    pw && pw[0] ? "is neither the one given nor empty"
                                : "is not empty");
        PKCS12_free(p12);
        return 0;
    }
    bool ok = PKCS12_parse(p12, pws[k], &key, &cert, &ca);
    if (!ok && load_legacy(cd)) { /* the MAC verified: an algorithm */
        ERR_clear_error();
        ok = PKCS12_parse(p12, pws[k], &key, &cert, &ca);
    }
    PKCS12_free(p12);
    if (!ok) {
        char why[128];
        ds_diag_add(cd->diag, DS_SEV_WARNING, file, 0,
                    cd->legacy ? "export it again, or convert it: openssl "
                                 "pkcs12 -in FILE -nodes | openssl pkcs12 "
                                 "-export -out NEW.pfx"
                               : "OpenSSL's legacy provider (for RC2 and "
                                 "3DES, as older Windows writes PFX files) "
                                 "is not installed: install it, or convert "
                                 "the file with openssl pkcs12 -legacy",
                    "a PKCS#12 file that cannot be decrypted (%s): ignored",
                    ssl_reason(why, sizeof(why)));
        return 0;
    }
    return take_pfx(cd, file, key, cert, ca) < 0 ? -1 : 0;
}

/* ---- files -------------------------------------------------------------- */

static char *read_all(const char *path, size_t *len, struct ds_diag *diag)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    struct stat st;
    char *data = NULL;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_size > MAX_FILE) {
        if (fd >= 0 && S_ISDIR(st.st_mode)) {
            close(fd);
            return NULL; /* a directory in DIR: not read, not an error */
        }
        ds_diag_add(diag, DS_SEV_WARNING, path, 0, NULL,
                    "cannot be read (%s): ignored",
                    fd < 0 ? strerror(errno)
                           : "not a regular file of 16 MiB "
                             "or less");
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    data = malloc((size_t)st.st_size + 1);
    ssize_t got = 0, r = 0;
    while (data && got < st.st_size &&
           (r = read(fd, data + got, (size_t)(st.st_size - got))) > 0)
        got += r;
    close(fd);
    if (data == NULL || r < 0) {
        free(data);
        return NULL;
    }
    data[got] = '\0';
    *len = (size_t)got;
    return data;
}

static int read_file(struct ds_certdir *cd, const char *path, const char *pw)
{
    size_t len = 0, before = cd->ncerts + cd->nkeys;
    char *data = read_all(path, &len, cd->diag);
    int rc = 0;
    if (data == NULL)
        return 0;
    const unsigned char *u = (const unsigned char *)data;
    if (memmem(data, len, "-----BEGIN ", 11)) {
        rc = read_pem(cd, path, data, len, pw);
    } else if ((rc = read_pfx(cd, path, u, len, pw)) == 1) {
        const unsigned char *p = u;
        X509 *x = d2i_X509(NULL, &p, (long)len);
        rc = 0;
        if (x && p == u + len)
            rc = add_cert(cd, x, path, DS_CERTDIR_DER, 0, NULL);
        else {
            X509_free(x);
            ERR_clear_error();
        }
    } else {
        before = SIZE_MAX; /* a PFX: warned about already if unusable */
    }
    if (rc == 0 && before != SIZE_MAX && cd->ncerts + cd->nkeys == before)
        ds_diag_add(cd->diag, DS_SEV_WARNING, path, 0, NULL,
                    "holds no certificate, key or PKCS#12 data import can "
                    "read: ignored");
    free(data);
    return rc;
}

static int visible(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

struct ds_certdir *ds_certdir_scan(const char *dir, const char *password,
                                   struct ds_diag *diag, bool *noinput)
{
    struct ds_certdir *cd = calloc(1, sizeof(*cd));
    struct dirent **names = NULL;
    char abs[PATH_MAX];
    *noinput = false;
    if (cd == NULL)
        return NULL;
    cd->diag = diag;
    int n = realpath(dir, abs) ? scandir(abs, &names, visible, alphasort) : -1;
    if (n < 0) {
        ds_diag_add(diag, DS_SEV_ERROR, dir, 0,
                    "--certs names the directory that holds the exported "
                    "certificates",
                    "--certs: cannot read the directory: %s", strerror(errno));
        *noinput = true;
        free(cd);
        return NULL;
    }
    cd->dir = ds_arena_strdup(&cd->a, abs);
    int rc = 0;
    for (int i = 0; i < n; i++) {
        const char *path =
            ds_arena_printf(&cd->a, "%s/%s", abs, names[i]->d_name);
        if (rc == 0)
            rc = path ? read_file(cd, path, password) : -1;
        free(names[i]);
    }
    free(names);
    if (rc < 0 || cd->a.failed) {
        ds_diag_add(diag, DS_SEV_ERROR, dir, 0, NULL, "out of memory");
        ds_certdir_free(cd);
        return NULL;
    }
    return cd;
}

void ds_certdir_free(struct ds_certdir *cd)
{
    if (cd == NULL)
        return;
    for (size_t i = 0; i < cd->ncerts; i++) {
        X509_free(cd->certs[i].x);
        EVP_PKEY_free(cd->certs[i].key);
    }
    for (size_t i = 0; i < cd->nkeys; i++)
        EVP_PKEY_free(cd->keys[i].k);
    free(cd->certs);
    free(cd->keys);
    ds_arena_free(&cd->a);
    if (cd->deflt)
        OSSL_PROVIDER_unload(cd->deflt);
    if (cd->legacy)
        OSSL_PROVIDER_unload(cd->legacy);
    free(cd);
}
