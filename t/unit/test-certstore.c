/*
 * test-certstore.c - a store large enough to be read by several threads
 * (certstore.c reads 256 or more in parallel) comes out exactly as a
 * small one would: in configuration order, with the right attributes,
 * every broken file reported once, in order; intermediates shared by
 * many files are kept once and complete every chain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certstore.h"
#include "tap.h"

#define N 400

static char dir[] = "/tmp/ds-test-certstore-XXXXXX";

static X509 *make(const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
                  EVP_PKEY *key, long serial, bool ca)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
                               (const unsigned char *)cn, -1, -1, 0);
    X509_set_subject_name(x, n);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
    X509_NAME_free(n);
    X509_gmtime_adj(X509_getm_notBefore(x), -86400);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
    X509_set_pubkey(x, key);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *e =
        X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
                            ca ? "critical,CA:TRUE" : "CA:FALSE");
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    X509_sign(x, issuer_key, EVP_sha256());
    return x;
}

/* dir/NAME, or dir/cI.pem when name is NULL */
static const char *path(const char *name, int i)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    if (name)
        snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
    else
        snprintf(buf[k], sizeof(buf[k]), "%s/c%d.pem", dir, i);
    return buf[k];
}

int main(void)
{
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *root = make("Root", NULL, k, k, 1, true);
    X509 *ica = make("Issuing CA", root, k, k, 2, true);
    FILE *fp = fopen(path("root.pem", 0), "w");
    PEM_write_X509(fp, root);
    fclose(fp);
    char *thumb[N];
    FILE *conf = fopen(path("domsec.conf", 0), "w");
    fprintf(conf, "server {\n  trust_store = \"%s\"\n}\n", path("root.pem", 0));
    for (int i = 0; i < N; i++) {
        char cn[64];
        snprintf(cn, sizeof(cn), "host%d.example.com", i);
        X509 *x = make(cn, ica, k, k, 100 + i, false);
        unsigned char md[20];
        unsigned len;
        X509_digest(x, EVP_sha1(), md, &len);
        thumb[i] = malloc(41);
        for (unsigned j = 0; j < len; j++)
            sprintf(thumb[i] + 2 * j, "%02X", md[j]);
        fp = fopen(path(NULL, i), "w");
        if (i == 123 || i == 321) /* broken files */
            fputs("-----BEGIN CERTIFICATE-----\nMIIB\n", fp);
        else {
            PEM_write_X509(fp, x);
            PEM_write_X509(fp, ica); /* the same intermediate every time */
        }
        fclose(fp);
        fprintf(conf, "certificate \"c%d\" {\n  cert = \"%s\"\n}\n", i,
                path(NULL, i));
        X509_free(x);
    }
    fclose(conf);

    struct ds_diag d = {0};
    struct ds_config *cfg = ds_config_load(path("domsec.conf", 0), &d);
    ok(cfg != NULL, "configuration with %d certificates loads", N);
    struct ds_certstore *s = cfg ? ds_certstore_load(cfg, &d) : NULL;
    ok(s == NULL && d.nerrors == 2, "two broken files: two errors, no store");
    if (d.n == 2) {
        ok(strstr(d.v[0].text, "certificate \"c123\": cert file") &&
               strstr(d.v[1].text, "certificate \"c321\": cert file"),
           "errors in configuration order");
        ok(d.v[0].line < d.v[1].line, "errors at their own lines");
    }
    ds_diag_free(&d);
    ds_config_free(cfg);

    /* mend the two files and load again */
    for (int i = 123; i < N; i += 198) {
        X509 *x = make("mended.example.com", ica, k, k, 100 + i, false);
        unsigned char md[20];
        unsigned len;
        X509_digest(x, EVP_sha1(), md, &len);
        for (unsigned j = 0; j < len; j++)
            sprintf(thumb[i] + 2 * j, "%02X", md[j]);
        fp = fopen(path(NULL, i), "w");
        PEM_write_X509(fp, x);
        fclose(fp);
        X509_free(x);
    }
    memset(&d, 0, sizeof(d));
    cfg = ds_config_load(path("domsec.conf", 0), &d);
    s = cfg ? ds_certstore_load(cfg, &d) : NULL;
    if (!ok(s != NULL && ds_certstore_count(s) == N, "%d certificates load", N))
        ds_diag_print(&d, stdout);
    bool order = s != NULL, attrs = s != NULL;
    for (int i = 0; s && i < N && ds_certstore_count(s) == N; i++) {
        const struct ds_cert *c = ds_certstore_get(s, (size_t)i);
        char want[32];
        snprintf(want, sizeof(want), "c%d", i);
        order &= strcmp(c->name, want) == 0;
        attrs &= strcmp(c->thumbprint, thumb[i]) == 0 &&
                 c->nchain == (i == 123 || i == 321 ? 0u : 1u);
    }
    ok(order, "certificates in configuration order");
    ok(attrs, "each with its own thumbprint and chain count");
    const struct ds_cert *c = s ? ds_certstore_get(s, 7) : NULL;
    ok(c && ds_cert_has_name(c, "host7.example.com") &&
           !ds_cert_has_name(c, "host8.example.com"),
       "names belong to their certificate");
    ok(c && ds_cert_pki(s, c, (long long)time(NULL), NULL) == DS_PKI_VALID,
       "the shared intermediate completes the chain");
    ds_certstore_free(s);
    ds_config_free(cfg);
    ds_diag_free(&d);

    for (int i = 0; i < N; i++)
        free(thumb[i]);
    X509_free(root);
    X509_free(ica);
    EVP_PKEY_free(k);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        tap_diag("could not remove %s", dir);
    return tap_done();
}
