/*
 * certcheck.c - the certificate checks that are left to first use and then
 * cached (see certstore.h): the private key, the self-signed test, and
 * chain validation against server.trust_store at a time T.
 *
 * Must not: print or exit. A problem with a file is recorded in the
 * store's diagnostics, at the line of the configuration that names it.
 */
#include "dsconfig.h"

#include "certstore_int.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

/* An error about c, at w, in the store's first-use diagnostics. */
#define cert_error(s, c, code, w, hint, ...)                                   \
    ds_cert_report(&(s)->cache->diag, (code), (c)->from_cli, (c)->name, (w),   \
                   (hint), __VA_ARGS__)

/* The leaf parsed in the default library context, with its public key. */
static X509 *full_cert(const struct ds_certstore *s, const struct ds_cert *c)
{
    struct ds_cert_lazy *lz = c->lazy;
    if (lz->full != NULL || lz->full_tried)
        return lz->full;
    lz->full_tried = true;
    const unsigned char *p = lz->der;
    lz->full = d2i_X509(NULL, &p, lz->der_len);
    if (lz->full == NULL || X509_get0_pubkey(lz->full) == NULL) {
        cert_error(s, c, DS_CODE_CERT_FILE, &c->where,
                   "use an RSA, EC or Ed25519 key",
                   "cannot decode the public key in %s (%s)", c->cert_path,
                   ds_certstore_ssl_error());
        X509_free(lz->full);
        lz->full = NULL;
    }
    return lz->full;
}

static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

/* The decoded key for a key file's content (cached: certificates that
 * share a key decode it once). NULL when out of memory. */
static const struct ds_key_entry *key_of(const struct ds_certstore *s,
                                         const struct ds_filebuf *fb)
{
    struct ds_store_cache *cache = s->cache;
    unsigned char md[32];
    EVP_Digest(fb->data, fb->len, md, NULL, EVP_sha256(), NULL);
    size_t i = ds_dindex_get(&cache->key_index, md, sizeof(md));
    if (i != SIZE_MAX)
        return &cache->keys[i];
    struct ds_key_entry *v =
        ds_grow(cache->keys, &cache->capkeys, cache->nkeys + 1, sizeof(*v), 16);
    if (v == NULL)
        return NULL;
    cache->keys = v;
    if (ds_dindex_put(&cache->key_index, md, sizeof(md), cache->nkeys) < 0)
        return NULL;
    struct ds_key_entry *e = &cache->keys[cache->nkeys++];
    memset(e, 0, sizeof(*e));
    BIO *b = BIO_new_mem_buf(fb->data, (int)fb->len);
    e->key = b ? PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL) : NULL;
    BIO_free(b);
    if (e->key == NULL)
        snprintf(e->why, sizeof(e->why), "%s", ds_certstore_ssl_error());
    else if ((e->spki_len = i2d_PUBKEY(e->key, &e->spki)) <= 0)
        e->spki_len = 0;
    return e;
}

/* Does the key belong to the certificate? Identical SubjectPublicKeyInfo
 * bytes say yes without decoding the certificate's key; otherwise
 * EVP_PKEY_eq decides (another encoding of the same key). */
static bool key_matches(const struct ds_certstore *s, const struct ds_cert *c,
                        const struct ds_key_entry *e)
{
    unsigned char *spki = NULL;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(c->x509), &spki);
    bool same = len > 0 && len == e->spki_len &&
                memcmp(spki, e->spki, (size_t)len) == 0;
    OPENSSL_free(spki);
    if (same)
        return true;
    X509 *x = full_cert(s, c);
    return x && EVP_PKEY_eq(X509_get0_pubkey(x), e->key) == 1;
}

/* Read the key file and compare it with the certificate: 1 or 0. */
static signed char check_key(const struct ds_certstore *s,
                             const struct ds_cert *c)
{
    const char *path = c->key_path;
    const struct ds_where *w = &c->where_key;
    struct ds_filebuf fb;
    char err[256], hint[1200];
    if (path == NULL)
        return 0;
    if (ds_certstore_read_file(path, &fb, err, sizeof(err)) < 0) {
        cert_error(s, c, DS_CODE_KEY_FILE, w,
                   "run domsec-policy as a user who can read the keys (the "
                   "MTA's)",
                   "cannot read key file %s: %s", path, err);
        return 0;
    }
    const char *not_pem = ds_certstore_not_pem(&fb);
    bool encrypted = !not_pem && strstr(fb.data, "ENCRYPTED") != NULL;
    const struct ds_key_entry *e = NULL;
    if (not_pem || encrypted) {
        snprintf(hint, sizeof(hint),
                 encrypted ? "write it without a passphrase (the MTA cannot "
                             "ask for one): openssl pkey -in %s -out KEY.pem"
                           : "convert it to PEM: openssl pkey -inform DER -in "
                             "%s -out KEY.pem",
                 path);
        cert_error(s, c, DS_CODE_KEY_FILE, w, hint, "key file %s %s", path,
                   encrypted ? "is encrypted" : not_pem);
    } else if ((e = key_of(s, &fb)) != NULL && e->key == NULL) {
        cert_error(s, c, DS_CODE_KEY_FILE, w,
                   "key = names the PEM private key "
                   "(-----BEGIN PRIVATE KEY-----) made with this "
                   "certificate's request",
                   "key file %s holds no readable private key (%s)", path,
                   e->why);
    }
    OPENSSL_cleanse(fb.data, fb.len);
    free(fb.data);
    signed char match = e && e->key && key_matches(s, c, e);
    if (e && e->key && !match) {
        snprintf(hint, sizeof(hint),
                 "name the key made with this certificate's request; compare "
                 "`openssl x509 -noout -pubkey -in %s` with `openssl pkey "
                 "-pubout -in KEY`",
                 c->cert_path);
        cert_error(s, c, DS_CODE_KEY_FILE, w, hint,
                   "key file %s does not match the certificate in %s", path,
                   c->cert_path);
    }
    ERR_clear_error();
    return match;
}

bool ds_cert_has_key(const struct ds_certstore *s, const struct ds_cert *c)
{
    if (c->lazy->key < 0)
        c->lazy->key = check_key(s, c);
    return c->lazy->key == 1;
}

bool ds_cert_self_signed(const struct ds_certstore *s, const struct ds_cert *c)
{
    struct ds_cert_lazy *lz = c->lazy;
    if (lz->selfsig >= 0)
        return lz->selfsig == 1;
    lz->selfsig = 0;
    if (X509_NAME_cmp(X509_get_subject_name(c->x509),
                      X509_get_issuer_name(c->x509)) == 0) {
        X509 *x = full_cert(s, c);
        ERR_set_mark();
        lz->selfsig = x && X509_verify(x, X509_get0_pubkey(x)) == 1;
        ERR_pop_to_mark();
    }
    return lz->selfsig == 1;
}

/* A pool certificate with its public key; NULL when it has none. */
static X509 *pool_full(struct ds_pool_cert *p)
{
    if (p->full == NULL && p->light != NULL) {
        const unsigned char *d = p->der;
        ERR_set_mark();
        p->full = d2i_X509(NULL, &d, p->der_len);
        ERR_pop_to_mark();
    }
    return p->full;
}

/* The intermediates that may complete c's chain: walk up by issuer name
 * through the pool. The stack does not own its certificates. */
static STACK_OF(X509) *
    untrusted_for(const struct ds_certstore *s, const struct ds_cert *c)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    const X509_NAME *want[16];
    size_t nwant = 0;
    struct ds_store_cache *cache = s->cache;
    want[nwant++] = X509_get_issuer_name(c->x509);
    for (size_t next = 0; sk && next < nwant; next++) {
        for (size_t i = 0; i < cache->npool; i++) {
            struct ds_pool_cert *p = &cache->pool[i];
            if (p->light == NULL ||
                X509_NAME_cmp(X509_get_subject_name(p->light), want[next]))
                continue;
            X509 *x = pool_full(p);
            if (x == NULL || sk_X509_find(sk, x) >= 0)
                continue;
            sk_X509_push(sk, x);
            const X509_NAME *up = X509_get_issuer_name(p->light);
            if (nwant < DS_ARRAY_LEN(want) &&
                X509_NAME_cmp(up, X509_get_subject_name(p->light)) != 0)
                want[nwant++] = up;
        }
    }
    return sk;
}

/* The leaf's own dates are judged by the rules (12015/12016), not here. */
static int ignore_leaf_dates(int ok, X509_STORE_CTX *ctx)
{
    int err = X509_STORE_CTX_get_error(ctx);
    if (!ok && X509_STORE_CTX_get_error_depth(ctx) == 0 &&
        (err == X509_V_ERR_CERT_HAS_EXPIRED ||
         err == X509_V_ERR_CERT_NOT_YET_VALID))
        return 1;
    return ok;
}

static enum ds_pki verify_chain(const struct ds_certstore *s,
                                const struct ds_cert *c, long long at,
                                const char **why)
{
    X509 *leaf = full_cert(s, c);
    if (leaf == NULL || s->cache->trust == NULL) {
        *why = leaf ? "no trust store" : "the public key cannot be decoded";
        return DS_PKI_UNTRUSTED;
    }
    STACK_OF(X509) *untrusted = untrusted_for(s, c);
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int ok = 0;
    *why = "out of memory";
    if (untrusted && ctx &&
        X509_STORE_CTX_init(ctx, s->cache->trust, leaf, untrusted)) {
        X509_STORE_CTX_set_verify_cb(ctx, ignore_leaf_dates);
        X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), (time_t)at);
        ok = X509_verify_cert(ctx) == 1;
        *why =
            ok ? NULL
               : X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
    }
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    ERR_clear_error();
    return ok ? DS_PKI_VALID : DS_PKI_UNTRUSTED;
}

enum ds_pki ds_cert_pki(const struct ds_certstore *s, const struct ds_cert *c,
                        long long at, const char **why)
{
    struct ds_cert_lazy *lz = c->lazy;
    if (!lz->pki_known || lz->pki_at != at) {
        lz->pki_why = NULL;
        lz->pki = ds_cert_self_signed(s, c)
                      ? DS_PKI_SELF_SIGNED
                      : verify_chain(s, c, at, &lz->pki_why);
        lz->pki_at = at;
        lz->pki_known = true;
    }
    if (why)
        *why = lz->pki_why;
    return lz->pki;
}

size_t ds_certstore_check_all(const struct ds_certstore *s, long long at)
{
    for (size_t i = 0; i < s->n; i++) {
        ds_cert_has_key(s, s->v[i]);
        ds_cert_pki(s, s->v[i], at, NULL);
    }
    return s->cache->diag.nerrors;
}
