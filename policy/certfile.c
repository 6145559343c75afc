/*
 * certfile.c - check that a certificate file holds usable PEM certificates.
 *
 * Must not: decode anything but certificate blocks (a key that shares the
 * file with its certificate is skipped, its base64 held only in OpenSSL's
 * clearing allocator), follow a FIFO or a device (open is non-blocking and
 * only regular files are read), log, or exit.
 */
#include "dsconfig.h"

#include "certfile.h"

#include "certstore_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static int cert_kind(const char *pem_name)
{
    if (strcmp(pem_name, PEM_STRING_X509) == 0 ||
        strcmp(pem_name, PEM_STRING_X509_OLD) == 0)
        return 1;
    if (strcmp(pem_name, PEM_STRING_X509_TRUSTED) == 0)
        return 2;
    return 0;
}

/* Does this DER hold exactly one certificate? */
static bool decodes(const unsigned char *der, long len, int kind)
{
    const unsigned char *p = der;
    X509 *x = kind == 2 ? d2i_X509_AUX(NULL, &p, len) : d2i_X509(NULL, &p, len);
    bool good = x != NULL && p == der + len;
    X509_free(x);
    return good;
}

int ds_certfile_check(const char *path, char *err, size_t errsize)
{
    struct ds_filebuf fb;
    char reason[256];
    if (errsize > 0)
        err[0] = '\0';
    if (ds_certstore_read_file(path, &fb, reason, sizeof(reason)) < 0) {
        snprintf(err, errsize, "cannot read it: %s", reason);
        return -1;
    }
    char *data = fb.data;
    size_t len = fb.len;
    if (len > 0 && memchr(data, '\0', len) != NULL) {
        snprintf(err, errsize, "not a PEM file (it holds NUL bytes)");
        free(data);
        return -1;
    }
    BIO *b = BIO_new_mem_buf(data, (int)len);
    if (b == NULL) {
        snprintf(err, errsize, "out of memory");
        free(data);
        return -1;
    }
    int certs = 0, blocks = 0, rc = 0;
    ERR_clear_error();
    for (;;) {
        char *name = NULL, *header = NULL;
        unsigned char *der = NULL;
        long dlen = 0;
        if (!PEM_read_bio_ex(b, &name, &header, &der, &dlen,
                             PEM_FLAG_SECURE | PEM_FLAG_EAY_COMPATIBLE)) {
            unsigned long e = ERR_peek_last_error();
            if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
                ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
                break; /* no further block */
            }
            const char *why = e ? ERR_reason_error_string(e) : NULL;
            snprintf(err, errsize, "PEM block %d does not decode: %s",
                     blocks + 1, why ? why : "?");
            rc = -1;
            break;
        }
        blocks++;
        int kind = cert_kind(name);
        if (kind != 0) {
            if (!decodes(der, dlen, kind)) {
                snprintf(err, errsize,
                         "PEM block %d (%s) is not a valid certificate", blocks,
                         name);
                rc = -1;
            }
            certs++;
        }
        OPENSSL_secure_free(name);
        OPENSSL_secure_free(header);
        OPENSSL_secure_clear_free(der, dlen > 0 ? (size_t)dlen : 0);
        if (rc < 0)
            break;
    }
    ERR_clear_error();
    BIO_free(b);
    free(data);
    if (rc == 0 && certs == 0) {
        snprintf(err, errsize, "no PEM certificate in the file");
        rc = -1;
    }
    return rc < 0 ? -1 : certs;
}

/* ---- CA files ----------------------------------------------------------- */

/* The usual bundles of public CAs (Debian, Red Hat, SUSE, Alpine, BSD). */
static const char *const public_bundles[] = {
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
    "/usr/local/share/certs/ca-root-nss.crt",
    NULL};

/* Is path (through symbolic links) one of the public bundles? */
static bool is_public_bundle(const char *path)
{
    char *real = realpath(path, NULL);
    bool yes = false;
    const char *def = X509_get_default_cert_file();
    for (int i = -1; real && !yes && (i < 0 || public_bundles[i]); i++) {
        const char *cand = i < 0 ? def : public_bundles[i];
        char *r = cand ? realpath(cand, NULL) : NULL;
        yes = r && strcmp(r, real) == 0;
        free(r);
    }
    free(real);
    return yes;
}

/* Count one certificate block into info; -1 when it does not decode. */
static int count_ca(const unsigned char *der, long len, int kind,
                    struct ds_cafile *info)
{
    const unsigned char *p = der;
    X509 *x = kind == 2 ? d2i_X509_AUX(NULL, &p, len) : d2i_X509(NULL, &p, len);
    if (x == NULL || p != der + len) {
        X509_free(x);
        return -1;
    }
    info->certs++;
    if (X509_check_ca(x) != 0) {
        info->cas++;
        /* the issuer is the subject, as in a root (no signature check:
         * only a count for the "public bundle" guess) */
        if (X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) ==
            0)
            info->roots++;
    }
    X509_free(x);
    return 0;
}

int ds_certfile_check_cas(const char *path, struct ds_cafile *info, char *err,
                          size_t errsize)
{
    struct ds_filebuf fb;
    char reason[256];
    memset(info, 0, sizeof(*info));
    if (ds_certstore_read_file(path, &fb, reason, sizeof(reason)) < 0) {
        snprintf(err, errsize, "cannot read it: %s", reason);
        return -1;
    }
    BIO *b = BIO_new_mem_buf(fb.data, (int)fb.len);
    int rc = b ? 0 : -1, blocks = 0;
    if (b == NULL)
        snprintf(err, errsize, "out of memory");
    ERR_clear_error();
    while (rc == 0) {
        char *name = NULL, *header = NULL;
        unsigned char *der = NULL;
        long dlen = 0;
        if (!PEM_read_bio(b, &name, &header, &der, &dlen)) {
            unsigned long e = ERR_peek_last_error();
            if (!(ERR_GET_LIB(e) == ERR_LIB_PEM &&
                  ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
                snprintf(err, errsize, "PEM block %d does not decode: %s",
                         blocks + 1,
                         e ? ERR_reason_error_string(e) : "unknown error");
                rc = -1;
            }
            break;
        }
        blocks++;
        int kind = cert_kind(name);
        if (kind != 0 && count_ca(der, dlen, kind, info) < 0) {
            snprintf(err, errsize,
                     "PEM block %d (%s) is not a valid certificate", blocks,
                     name);
            rc = -1;
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(der);
    }
    ERR_clear_error();
    BIO_free(b);
    if (rc == 0 && info->certs == 0) {
        const char *why = ds_certstore_not_pem(&fb);
        snprintf(err, errsize, "%s",
                 why ? why : "holds no certificate (-----BEGIN CERTIFICATE)");
        rc = -1;
    }
    free(fb.data);
    if (rc < 0)
        return -1;
    info->public_bundle = info->roots >= 50 || is_public_bundle(path);
    return info->cas;
}

/* ---- certificate files of the configuration ----------------------------- */

static size_t check_one(const struct ds_certconf *c, const char *opt,
                        const char *path, struct ds_where w,
                        struct ds_diag *diag)
{
    char err[512];
    if (path == NULL || ds_certfile_check(path, err, sizeof(err)) > 0)
        return 0;
    ds_diag_code(diag, DS_CODE_CERT_FILE, w.file, w.line,
                 "put the PEM certificate back (or fix the path): every "
                 "certificate file named in the configuration must be "
                 "readable and hold PEM certificates",
                 "certificate \"%s\": %s: %s: %s", c->name, opt, path, err);
    return 1;
}

size_t ds_certfile_check_config(const struct ds_config *cfg,
                                struct ds_diag *diag)
{
    size_t errors = 0;
    for (size_t i = 0; i < cfg->ncerts; i++) {
        const struct ds_certconf *c = &cfg->certs[i];
        errors += check_one(c, "cert", c->cert, c->where_cert, diag);
        errors += check_one(c, "chain", c->chain, c->where_chain, diag);
    }
    return errors;
}
