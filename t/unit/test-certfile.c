/*
 * test-certfile.c - the certificate file check domsec-milter runs at every
 * (re)load: good PEM files (a leaf, a chain, a certificate sharing its file
 * with its key) pass; garbage, an empty file, a key alone, a corrupted
 * block, DER, a directory, a FIFO and a missing file fail with a reason;
 * and a configuration naming a bad file gets an error at the option's
 * file:line.
 */
#include "dsconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "certfile.h"
#include "tap.h"

static char dir[] = "/tmp/ds-certfile.XXXXXX";
static char path[512];

static const char *at(const char *name)
{
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return path;
}

/* A self-signed EC certificate and its key, made in memory. */
static X509 *make_cert(EVP_PKEY **key)
{
    *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    if (*key == NULL || x == NULL)
        return NULL;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
                               (const unsigned char *)"mail.woodgrovebank.com",
                               -1, -1, 0);
    X509_set_issuer_name(x, n);
    X509_set_pubkey(x, *key);
    if (X509_sign(x, *key, EVP_sha256()) == 0)
        return NULL;
    return x;
}

static void write_text(const char *name, const char *text, size_t len)
{
    FILE *f = fopen(at(name), "w");
    if (f == NULL || fwrite(text, 1, len, f) != len || fclose(f) != 0)
        tap_diag("cannot write %s: %s", path, strerror(errno));
}

/* The PEM of x (and key) as a string (static buffer). */
static const char *pem_of(X509 *x, EVP_PKEY *key, int copies)
{
    static char out[16384];
    BIO *b = BIO_new(BIO_s_mem());
    if (key != NULL)
        PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
    for (int i = 0; i < copies; i++)
        PEM_write_bio_X509(b, x);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    snprintf(out, sizeof(out), "%.*s", (int)n, p);
    BIO_free(b);
    return out;
}

static void good(const char *name, int want, const char *what)
{
    char err[512];
    int n = ds_certfile_check(at(name), err, sizeof(err));
    is_int(n, want, "%s: %d certificate(s)", what, want);
    if (n != want)
        tap_diag("error: %s", err);
}

static void bad(const char *name, const char *want, const char *what)
{
    char err[512];
    int n = ds_certfile_check(at(name), err, sizeof(err));
    ok(n == -1, "%s: refused", what);
    if (!ok(strstr(err, want) != NULL, "%s: says \"%s\"", what, want))
        tap_diag("got: %s", err);
}

int main(void)
{
    if (mkdtemp(dir) == NULL) {
        printf("Bail out! mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    EVP_PKEY *key;
    X509 *x = make_cert(&key);
    if (x == NULL) {
        printf("Bail out! cannot make a certificate\n");
        return 1;
    }
    char pem[16384];
    snprintf(pem, sizeof(pem), "%s", pem_of(x, NULL, 1));

    write_text("leaf.pem", pem, strlen(pem));
    good("leaf.pem", 1, "one certificate");
    const char *chain = pem_of(x, NULL, 3);
    write_text("chain.pem", chain, strlen(chain));
    good("chain.pem", 3, "a chain of three");
    const char *both = pem_of(x, key, 1);
    write_text("both.pem", both, strlen(both));
    good("both.pem", 1, "key and certificate in one file (key skipped)");
    char text[20000];
    snprintf(text, sizeof(text), "Subject: mail.woodgrovebank.com\n%s\n", pem);
    write_text("explained.pem", text, strlen(text));
    good("explained.pem", 1, "text around the block");

    const char *garbage = "\x7f"
                          "ELF garbage where a certificate was\n";
    write_text("garbage.pem", garbage, strlen(garbage));
    bad("garbage.pem", "no PEM certificate in the file", "garbage");
    write_text("empty.pem", "", 0);
    bad("empty.pem", "no PEM certificate in the file", "empty file");
    const char *keyonly = pem_of(x, key, 0);
    write_text("key.pem", keyonly, strlen(keyonly));
    bad("key.pem", "no PEM certificate in the file", "a key alone");

    /* A block whose base64 is damaged, and one whose DER is not a
     * certificate. */
    snprintf(text, sizeof(text), "%s", pem);
    char *mid = strchr(text, '\n') + 10;
    mid[0] = '!';
    write_text("corrupt.pem", text, strlen(text));
    bad("corrupt.pem", "PEM block 1", "damaged base64");
    const char *notcert = "-----BEGIN CERTIFICATE-----\n"
                          "MAMCAQE=\n"
                          "-----END CERTIFICATE-----\n";
    write_text("notcert.pem", notcert, strlen(notcert));
    bad("notcert.pem", "PEM block 1 (CERTIFICATE) is not a valid certificate",
        "DER that is not a certificate");
    snprintf(text, sizeof(text), "%s%s", pem, notcert);
    write_text("second.pem", text, strlen(text));
    bad("second.pem", "PEM block 2", "a good block, then a bad one");
    const char *truncated = "-----BEGIN CERTIFICATE-----\nMIIB";
    write_text("truncated.pem", truncated, strlen(truncated));
    bad("truncated.pem", "PEM block 1 does not decode", "cut short");

    unsigned char *der = NULL;
    int dlen = i2d_X509(x, &der);
    write_text("cert.der", (const char *)der, (size_t)dlen);
    OPENSSL_free(der);
    bad("cert.der", "not a PEM file", "DER instead of PEM");

    mkdir(at("adir"), 0755);
    bad("adir", "cannot read it: is a directory", "a directory");
    mkfifo(at("fifo"), 0644);
    bad("fifo", "not a regular file", "a FIFO (never blocks)");
    bad("missing.pem", "cannot read it: No such file or directory",
        "a missing file");

    /* A configuration: every bad file is an error at its option's line. */
    char conf[4096];
    snprintf(conf, sizeof(conf),
             "# certificates\n"
             "certificate \"good\" {\n"
             "    cert = \"%s/leaf.pem\"\n"
             "    chain = \"%s/chain.pem\"\n"
             "}\n"
             "certificate \"renewed\" {\n"
             "    # overwritten by mistake\n"
             "    cert = \"%s/garbage.pem\"\n"
             "    key = \"%s/no-such.key\"\n"
             "    chain = \"%s/missing.pem\"\n"
             "}\n",
             dir, dir, dir, dir, dir);
    write_text("domsec.conf", conf, strlen(conf));
    char cpath[600];
    snprintf(cpath, sizeof(cpath), "%s", at("domsec.conf"));
    struct ds_diag d = {0};
    struct ds_config *cfg = ds_config_load(cpath, &d);
    ok(cfg != NULL, "the configuration itself loads");
    if (cfg != NULL) {
        is_int(ds_certfile_check_config(cfg, &d), 2,
               "two bad certificate files: two errors");
        char line[2048], want[1024];
        snprintf(want, sizeof(want),
                 "%s:8: error: certificate \"renewed\": cert: %s/garbage.pem: "
                 "no PEM certificate in the file",
                 cpath, dir);
        is_str(d.n > 0 ? ds_diag_format(&d.v[0], line, sizeof(line)) : "", want,
               "cert: error at its file:line");
        snprintf(want, sizeof(want),
                 "%s:10: error: certificate \"renewed\": chain: "
                 "%s/missing.pem: cannot read it",
                 cpath, dir);
        ok(d.n > 1 && strncmp(ds_diag_format(&d.v[1], line, sizeof(line)), want,
                              strlen(want)) == 0,
           "chain: error at its file:line");
        ok(d.n > 0 && d.v[0].hint != NULL, "with a hint");
        ok(d.n < 3, "the key file is never looked at");
        ds_config_free(cfg);
    }
    ds_diag_free(&d);

    X509_free(x);
    EVP_PKEY_free(key);
    const char *names[] = {"leaf.pem",      "chain.pem",     "both.pem",
                           "explained.pem", "garbage.pem",   "empty.pem",
                           "key.pem",       "corrupt.pem",   "notcert.pem",
                           "second.pem",    "truncated.pem", "cert.der",
                           "fifo",          "domsec.conf"};
    for (size_t i = 0; i < DS_ARRAY_LEN(names); i++)
        unlink(at(names[i]));
    rmdir(at("adir"));
    rmdir(dir);
    return tap_done();
}
