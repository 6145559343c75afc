/*
 * certdir_place.c - match the certificates of --certs DIR (certdir.c) to
 * the Exchange certificates by thumbprint, find each one's key (by its
 * public key) and chain (by issuer), and name the files in domsec.conf:
 * a PEM file where it is, anything else written as PEM next to the
 * configuration (certs/T.pem, certs/T.chain.pem, private/T.key with mode
 * 0600), atomically.
 *
 * Must not: write outside the output's certs/ and private/ directories,
 * or leave a key file readable by others at any moment.
 */
#include "certdir_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certstore.h"
#include "import_int.h"

#define MAX_CHAIN 8

/* The best copy of thumbprint t: one with its key, then the first
 * certificate of a PEM file, then any. */
static struct ds_certdir_cert *find(struct ds_certdir *cd, const char *t)
{
    struct ds_certdir_cert *best = NULL;
    for (size_t i = 0; i < cd->ncerts; i++) {
        struct ds_certdir_cert *c = &cd->certs[i];
        if (strcmp(c->thumb, t) != 0)
            continue;
        c->used = true;
        int rank = c->key ? 3 : (c->src == DS_CERTDIR_PEM && !c->index) ? 2 : 1;
        int brank = !best                                           ? 0
                    : best->key                                     ? 3
                    : (best->src == DS_CERTDIR_PEM && !best->index) ? 2
                                                                    : 1;
        if (rank > brank)
            best = c;
    }
    return best;
}

static const struct ds_certdir_key *key_of(struct ds_certdir *cd, X509 *x)
{
    EVP_PKEY *pub = X509_get0_pubkey(x);
    for (size_t i = 0; pub && i < cd->nkeys; i++)
        if (EVP_PKEY_eq(pub, cd->keys[i].k) == 1)
            return &cd->keys[i];
    ERR_clear_error();
    return NULL;
}

static bool self_signed(X509 *x)
{
    return X509_check_issued(x, x) == X509_V_OK;
}

/* The issuers of x found in DIR, up to (not including) a root. */
static size_t chain_of(struct ds_certdir *cd, X509 *x, X509 **out)
{
    size_t n = 0;
    while (n < MAX_CHAIN && !self_signed(x)) {
        X509 *issuer = NULL;
        for (size_t i = 0; i < cd->ncerts && !issuer; i++)
            if (cd->certs[i].x != x && X509_cmp(cd->certs[i].x, x) != 0 &&
                X509_check_issued(cd->certs[i].x, x) == X509_V_OK) {
                issuer = cd->certs[i].x;
                cd->certs[i].used = true;
            }
        if (issuer == NULL || self_signed(issuer))
            break;
        out[n++] = x = issuer;
    }
    return n;
}

/* Does the PEM file of f hold every certificate of chain after f? */
static bool file_has_chain(struct ds_certdir *cd,
                           const struct ds_certdir_cert *f, X509 **chain,
                           size_t n)
{
    for (size_t k = 0; k < n; k++) {
        bool found = false;
        for (size_t i = 0; i < cd->ncerts && !found; i++)
            found = cd->certs[i].file == f->file && cd->certs[i].index > 0 &&
                    X509_cmp(cd->certs[i].x, chain[k]) == 0;
        if (!found)
            return false;
    }
    return true;
}

/* ---- writing ------------------------------------------------------------ */

struct out {
    const char *dir; /* the output's directory */
    struct ds_diag *diag;
    struct ds_arena *a;
};

static int make_dir(const struct out *o, const char *sub, mode_t mode)
{
    char *path = ds_arena_printf(o->a, "%s/%s", o->dir, sub);
    if (path && (mkdir(path, mode) == 0 || errno == EEXIST))
        return 0;
    ds_diag_add(o->diag, DS_SEV_ERROR, path ? path : o->dir, 0,
                "choose an --output in a directory you can write",
                "cannot create the directory: %s", strerror(errno));
    return -1;
}

/* Write rel (under o->dir) atomically with mode: certificates (x and
 * chain) or a key. Returns 0 or -1 after an error. */
static int write_pem(const struct out *o, const char *rel, mode_t mode, X509 *x,
                     X509 **chain, size_t n, EVP_PKEY *key)
{
    char *path = ds_arena_printf(o->a, "%s/%s", o->dir, rel);
    char *tmp = ds_arena_printf(o->a, "%s.tmpXXXXXX", path ? path : "");
    int fd = path && tmp ? mkstemp(tmp) : -1;
    FILE *fp = fd >= 0 && fchmod(fd, mode) == 0 ? fdopen(fd, "w") : NULL;
    bool ok = fp != NULL;
    if (ok && x)
        ok = PEM_write_X509(fp, x);
    for (size_t i = 0; ok && i < n; i++)
        ok = PEM_write_X509(fp, chain[i]);
    if (ok && key)
        ok = PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL);
    ok = ok && fflush(fp) == 0 && fsync(fileno(fp)) == 0;
    int saved = errno;
    if (fp ? fclose(fp) != 0 : (fd >= 0 && close(fd) != 0))
        ok = false;
    if (ok && rename(tmp, path) == 0)
        return 0;
    if (fd >= 0)
        unlink(tmp);
    ERR_clear_error();
    ds_diag_add(o->diag, DS_SEV_ERROR, path ? path : o->dir, 0,
                "choose an --output in a directory you can write",
                "cannot write: %s", strerror(saved ? saved : EIO));
    return -1;
}

/* ---- placing ------------------------------------------------------------ */

static const char *src_name(enum ds_certdir_src s)
{
    return s == DS_CERTDIR_PFX   ? "PKCS#12"
           : s == DS_CERTDIR_DER ? "DER"
                                 : "PEM";
}

/* One Exchange certificate found in DIR as f: the files it needs. */
static int place_one(struct ds_certdir *cd, struct ds_import *im,
                     struct ds_import_cert *c, struct ds_certdir_cert *f,
                     const struct out *o)
{
    X509 *chain[MAX_CHAIN];
    size_t n = chain_of(cd, f->x, chain);
    const struct ds_certdir_key *pk = f->key ? NULL : key_of(cd, f->x);
    EVP_PKEY *key = f->key ? f->key : pk ? pk->k : NULL;
    bool in_place = f->src == DS_CERTDIR_PEM && f->index == 0;
    bool write_cert = !in_place, write_chain = n > 0;
    bool write_key = key && !(pk && pk->in_place);
    if (in_place && file_has_chain(cd, f, chain, n))
        write_chain = false;
    if ((write_cert || write_chain || write_key) && o->dir == NULL) {
        ds_diag_add(o->diag, DS_SEV_ERROR, f->file, 0,
                    "give --output FILE: the PEM files are written next to "
                    "it",
                    "certificate %s must be written as PEM for domsec, "
                    "but the configuration goes to standard output",
                    c->thumbprint);
        return -1;
    }
    c->found = true;
    c->real_subject = ds_cert_dn_windows(X509_get_subject_name(f->x), &im->a);
    c->real_issuer = ds_cert_dn_windows(X509_get_issuer_name(f->x), &im->a);
    c->cert_path = in_place
                       ? ds_arena_strdup(&im->a, f->file)
                       : ds_arena_printf(&im->a, "certs/%s.pem", c->thumbprint);
    c->chain_path = write_chain ? ds_arena_printf(&im->a, "certs/%s.chain.pem",
                                                  c->thumbprint)
                                : NULL;
    c->key_path = !key ? NULL
                  : write_key
                      ? ds_arena_printf(&im->a, "private/%s.key", c->thumbprint)
                      : ds_arena_strdup(&im->a, pk->file);
    c->origin = ds_arena_printf(
        &im->a, "%s (%s)%s%s%s", f->file, src_name(f->src),
        pk && !f->key ? ", key from " : "", pk && !f->key ? pk->file : "",
        write_cert || write_chain || write_key
            ? "; written as PEM next to this file"
            : "");
    if (key == NULL && c->has_key == 1) {
        DS_IMPORT_NOTE(im, &c->notes,
                       "Exchange has its private key, but no key in %s matches "
                       "it: it is never selected until key = names the key "
                       "file",
                       cd->dir);
        ds_diag_add(o->diag, DS_SEV_WARNING, f->file, 0,
                    "export it with its key (Export-PfxCertificate)",
                    "certificate %s: no matching private key in %s",
                    c->thumbprint, cd->dir);
    }
    if ((write_cert || write_chain) && make_dir(o, "certs", 0755) < 0)
        return -1;
    if (write_key && make_dir(o, "private", 0700) < 0)
        return -1;
    if (write_cert && write_pem(o, c->cert_path, 0644, f->x, NULL, 0, NULL) < 0)
        return -1;
    if (write_chain &&
        write_pem(o, c->chain_path, 0644, NULL, chain, n, NULL) < 0)
        return -1;
    if (write_key && write_pem(o, c->key_path, 0600, NULL, NULL, 0, key) < 0)
        return -1;
    return 0;
}

/* Certificates of DIR that no Exchange certificate (or chain) used. */
static void leftovers(struct ds_certdir *cd, struct ds_import *im)
{
    for (size_t i = 0; i < cd->ncerts; i++) {
        struct ds_certdir_cert *c = &cd->certs[i];
        if (c->used || X509_check_ca(c->x) > 0)
            continue;
        for (size_t k = i; k < cd->ncerts; k++)
            if (strcmp(cd->certs[k].thumb, c->thumb) == 0)
                cd->certs[k].used = true;
        const char *subject =
            ds_cert_dn_windows(X509_get_subject_name(c->x), &im->a);
        DS_IMPORT_NOTE(im, &im->notes,
                       "%s: certificate %s (%s) is not in the "
                       "Get-ExchangeCertificate output: not added",
                       c->file, c->thumb, subject ? subject : "?");
    }
}

int ds_certdir_place(struct ds_certdir *cd, struct ds_import *im,
                     const char *outdir, struct ds_diag *diag)
{
    struct ds_arena a = {0};
    struct out o = {outdir, diag, &a};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < im->ncerts; i++) {
        struct ds_import_cert *c = &im->certs[i];
        struct ds_certdir_cert *f = find(cd, c->thumbprint);
        if (c->skip) /* written as comments: no files for it */
            continue;
        if (f)
            rc = place_one(cd, im, c, f, &o);
        else if (!c->skip)
            ds_diag_add(diag, DS_SEV_WARNING, c->where.file, c->where.line,
                        "export it (the comment above its cert = line says "
                        "how) and run the import again",
                        "certificate %s is not in %s", c->thumbprint, cd->dir);
    }
    if (rc == 0)
        leftovers(cd, im);
    if (a.failed || im->a.failed) {
        ds_diag_add(diag, DS_SEV_ERROR, cd->dir, 0, NULL, "out of memory");
        rc = -1;
    }
    ds_arena_free(&a);
    return rc;
}
