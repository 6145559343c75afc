/*
 * probe_tls.c - the client side of TLS for the probe, set up as Postfix's
 * smtp client is for a domain-secure transport: our certificate chain and
 * key (smtp_tls_chain_files), the partner CAs only (smtp_tls_CAfile), no
 * SNI; then what the server showed: its chain, whether it verifies, which
 * match= name it carries (X509_check_host, partial wildcards off, as
 * Postfix), and whether it asked for our certificate and named which CAs.
 *
 * Must not: stop a handshake for a verification failure (the probe reports
 * every problem; the callback only records), or trust any CA but the file
 * it is given.
 */
#include "dsconfig.h"

#include "probe_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certstore.h"

struct ds_probe_tls {
    SSL_CTX *ctx;
    X509 *ours; /* our leaf (owned by ctx), NULL without a certificate */
};

const char *ds_probe_tls_error(char *buf, size_t size, const char *fallback)
{
    unsigned long e, last = 0;
    while ((e = ERR_get_error()) != 0)
        last = e;
    const char *r = last ? ERR_reason_error_string(last) : NULL;
    snprintf(buf, size, "%s", r ? r : fallback);
    return buf;
}

static bool date_error(int e)
{
    return e == X509_V_ERR_CERT_HAS_EXPIRED ||
           e == X509_V_ERR_CERT_NOT_YET_VALID ||
           e == X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD ||
           e == X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD;
}

/* "DN" of a certificate, Windows form, into buf. */
static const char *dn(const X509_NAME *n, char *buf, size_t size)
{
    struct ds_arena a = {0};
    const char *s = n ? ds_cert_dn_windows(n, &a) : NULL;
    snprintf(buf, size, "%s", s ? s : "?");
    ds_arena_free(&a);
    return buf;
}

/* Records every verification problem and lets the handshake go on. */
static int verify_cb(int ok, X509_STORE_CTX *x)
{
    if (ok)
        return 1;
    SSL *ssl =
        X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct ds_probe_session *s = ssl ? SSL_get_app_data(ssl) : NULL;
    if (s == NULL)
        return 1;
    int e = X509_STORE_CTX_get_error(x);
    int depth = X509_STORE_CTX_get_error_depth(x);
    X509 *c = X509_STORE_CTX_get_current_cert(x);
    char subj[300], iss[300];
    dn(c ? X509_get_subject_name(c) : NULL, subj, sizeof(subj));
    dn(c ? X509_get_issuer_name(c) : NULL, iss, sizeof(iss));
    bool dates = date_error(e);
    if (dates)
        s->expired = true;
    if ((!dates && s->trusted) || s->verify_error[0] == '\0') {
        if (depth == 0)
            snprintf(s->verify_error, sizeof(s->verify_error),
                     "%s (the server's certificate %.250s, issued by %.250s)",
                     X509_verify_cert_error_string(e), subj, iss);
        else
            snprintf(s->verify_error, sizeof(s->verify_error),
                     "%s (certificate %d of its chain, %.250s, issued by "
                     "%.250s)",
                     X509_verify_cert_error_string(e), depth, subj, iss);
    }
    if (!dates)
        s->trusted = false;
    return 1;
}

/* Is one of our certificates' issuers among the names the server sent? */
static bool issuer_named(SSL *ssl, const STACK_OF(X509_NAME) * names)
{
    X509 *ours = SSL_get_certificate(ssl);
    STACK_OF(X509) *chain = NULL;
    if (ours == NULL || names == NULL)
        return false;
    SSL_get0_chain_certs(ssl, &chain);
    for (int i = 0; i < sk_X509_NAME_num(names); i++) {
        const X509_NAME *n = sk_X509_NAME_value(names, i);
        if (X509_NAME_cmp(n, X509_get_issuer_name(ours)) == 0)
            return true;
        for (int j = 0; chain && j < sk_X509_num(chain); j++)
            if (X509_NAME_cmp(
                    n, X509_get_issuer_name(sk_X509_value(chain, j))) == 0)
                return true;
    }
    return false;
}

/* Called when the server sends a CertificateRequest. */
static int cert_cb(SSL *ssl, void *arg)
{
    (void)arg;
    struct ds_probe_session *s = SSL_get_app_data(ssl);
    if (s == NULL)
        return 1;
    s->cert_requested = true;
    const STACK_OF(X509_NAME) *names = SSL_get0_peer_CA_list(ssl);
    for (int i = 0; names && i < sk_X509_NAME_num(names); i++) {
        char b[600];
        dn(sk_X509_NAME_value(names, i), b, sizeof(b));
        if (ds_strlist_addf(&s->ca_names, "%s", b) < 0)
            return 0;
    }
    s->issuer_named = issuer_named(ssl, names);
    s->cert_sent = SSL_get_certificate(ssl) != NULL;
    return 1;
}

/* Extra certificates of a chain file, sent after ours. */
static int add_chain_file(SSL_CTX *ctx, const char *path, char *err,
                          size_t errsize)
{
    FILE *fp = fopen(path, "r");
    X509 *c;
    int n = 0;
    if (fp == NULL) {
        snprintf(err, errsize, "cannot read the chain file %s", path);
        return -1;
    }
    while ((c = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL) {
        if (!SSL_CTX_add0_chain_cert(ctx, c)) {
            X509_free(c);
            break;
        }
        n++;
    }
    fclose(fp);
    ERR_clear_error(); /* the end of the file */
    if (n == 0) {
        snprintf(err, errsize, "no certificate in the chain file %s", path);
        return -1;
    }
    return 0;
}

static int client_cert(SSL_CTX *ctx, const struct ds_probe_params *p, char *err,
                       size_t errsize)
{
    char b[300];
    if (SSL_CTX_use_certificate_chain_file(ctx, p->cert_file) != 1) {
        snprintf(err, errsize, "cannot use the client certificate %s: %s",
                 p->cert_file, ds_probe_tls_error(b, sizeof(b), "error"));
        return -1;
    }
    if (p->chain_file && add_chain_file(ctx, p->chain_file, err, errsize) < 0)
        return -1;
    if (p->key_file == NULL ||
        SSL_CTX_use_PrivateKey_file(ctx, p->key_file, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        snprintf(err, errsize,
                 "cannot use the client key %s: %s (run the probe as a user "
                 "that can read it, as Postfix does)",
                 p->key_file ? p->key_file : "(none configured)",
                 ds_probe_tls_error(b, sizeof(b), "no key"));
        return -1;
    }
    return 0;
}

struct ds_probe_tls *ds_probe_tls_new(const struct ds_probe_params *p,
                                      char *err, size_t errsize)
{
    struct ds_probe_tls *t = calloc(1, sizeof(*t));
    char b[300];
    if (t == NULL || (t->ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
        snprintf(err, errsize, "out of memory");
        free(t);
        return NULL;
    }
    SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, verify_cb);
    SSL_CTX_set_cert_cb(t->ctx, cert_cb, NULL);
    X509_VERIFY_PARAM_set_time(SSL_CTX_get0_param(t->ctx), (time_t)p->at);
    if (p->cafile && SSL_CTX_load_verify_file(t->ctx, p->cafile) != 1) {
        snprintf(err, errsize, "cannot load the CA file %s: %s", p->cafile,
                 ds_probe_tls_error(b, sizeof(b), "error"));
        goto fail;
    }
    if (p->cert_file && client_cert(t->ctx, p, err, errsize) < 0)
        goto fail;
    t->ours = SSL_CTX_get0_certificate(t->ctx);
    return t;
fail:
    ds_probe_tls_free(t);
    return NULL;
}

void ds_probe_tls_free(struct ds_probe_tls *t)
{
    if (t == NULL)
        return;
    SSL_CTX_free(t->ctx);
    free(t);
}

SSL *ds_probe_tls_ssl(struct ds_probe_tls *t, int fd,
                      struct ds_probe_session *s)
{
    SSL *ssl = SSL_new(t->ctx);
    if (ssl == NULL)
        return NULL;
    if (SSL_set_fd(ssl, fd) != 1) {
        SSL_free(ssl);
        return NULL;
    }
    s->trusted = true; /* until the callback finds otherwise */
    SSL_set_app_data(ssl, s);
    return ssl;
}

/* ---- after the handshake ------------------------------------------------ */

static long long asn1_time(const ASN1_TIME *t)
{
    struct tm tm;
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return (long long)timegm(&tm);
}

static int cert_facts(X509 *x, struct ds_probe_cert *c)
{
    char b[600];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    c->subject = strdup(dn(X509_get_subject_name(x), b, sizeof(b)));
    c->issuer = strdup(dn(X509_get_issuer_name(x), b, sizeof(b)));
    if (c->subject == NULL || c->issuer == NULL)
        return -1;
    c->not_before = asn1_time(X509_get0_notBefore(x));
    c->not_after = asn1_time(X509_get0_notAfter(x));
    if (X509_digest(x, EVP_sha1(), md, &n) == 1 && n == 20)
        for (unsigned i = 0; i < n; i++)
            snprintf(c->thumbprint + 2 * i, 3, "%02X", md[i]);
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    int rc = 0;
    for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        if (g->type != GEN_DNS)
            continue;
        const ASN1_IA5STRING *s = g->d.dNSName;
        if (ds_strlist_addf(&c->dns_names, "%.*s", s->length,
                            (const char *)s->data) < 0)
            rc = -1;
    }
    GENERAL_NAMES_free(gens);
    return rc;
}

/* The first match= name the leaf carries (into s->matched). */
static void name_check(X509 *leaf, const struct ds_probe_params *p,
                       struct ds_probe_session *s)
{
    for (size_t i = 0; leaf && i < p->match.n; i++) {
        char *peer = NULL;
        if (X509_check_host(leaf, p->match.v[i], 0,
                            X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, &peer) == 1) {
            s->name_match = true;
            snprintf(s->matched, sizeof(s->matched), "%s",
                     peer ? peer : p->match.v[i]);
            OPENSSL_free(peer);
            return;
        }
    }
}

int ds_probe_tls_facts(struct ds_probe_tls *t, SSL *ssl,
                       const struct ds_probe_params *p,
                       struct ds_probe_session *s)
{
    (void)t;
    snprintf(s->version, sizeof(s->version), "%s", SSL_get_version(ssl));
    snprintf(s->cipher, sizeof(s->cipher), "%s", SSL_get_cipher_name(ssl));
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    int n = chain ? sk_X509_num(chain) : 0;
    if (n > 0 && (s->chain = calloc((size_t)n, sizeof(*s->chain))) == NULL)
        return -1;
    for (int i = 0; i < n; i++) {
        s->nchain++;
        if (cert_facts(sk_X509_value(chain, i), &s->chain[i]) < 0)
            return -1;
    }
    X509 *leaf = SSL_get0_peer_certificate(ssl);
    if (leaf == NULL) {
        s->trusted = false;
        snprintf(s->verify_error, sizeof(s->verify_error),
                 "the server sent no certificate");
    }
    name_check(leaf, p, s);
    return 0;
}

void ds_probe_tls_verdict(const struct ds_probe_params *p,
                          struct ds_probe_session *s)
{
    if (!s->trusted) {
        s->result = DS_PROBE_UNTRUSTED;
        snprintf(s->detail, sizeof(s->detail),
                 "the server's certificate does not verify against %s: %s",
                 p->cafile ? p->cafile : "(no CA file)", s->verify_error);
    } else if (s->expired) {
        s->result = DS_PROBE_EXPIRED;
        snprintf(s->detail, sizeof(s->detail),
                 "the chain verifies, but is out of its dates: %s",
                 s->verify_error);
    } else if (!s->name_match) {
        s->result = DS_PROBE_NAME_MISMATCH;
        struct ds_buf b = {0};
        ds_buf_printf(&b, "the server's certificate is for ");
        const struct ds_probe_cert *leaf = s->nchain ? &s->chain[0] : NULL;
        for (size_t i = 0; leaf && i < leaf->dns_names.n; i++)
            ds_buf_printf(&b, "%s%s", i ? ", " : "", leaf->dns_names.v[i]);
        if (leaf && leaf->dns_names.n == 0)
            ds_buf_printf(&b, "%s", leaf->subject);
        ds_buf_printf(&b, ", none of the names Postfix accepts: match=");
        for (size_t i = 0; i < p->match.n; i++)
            ds_buf_printf(&b, "%s%s", i ? ":" : "", p->match.v[i]);
        snprintf(s->detail, sizeof(s->detail), "%s",
                 b.p ? b.p : "name mismatch");
        ds_buf_free(&b);
    } else {
        s->result = DS_PROBE_OK;
        snprintf(s->detail, sizeof(s->detail),
                 "verified, and the certificate names %s", s->matched);
    }
}
