/*
 * mkcerts - many real X.509 certificates, fast, for the `domsec-policy
 * select` benchmark (t/lib/pki.sh runs openssl twice per certificate,
 * far too slow for 10^4).
 *
 *   mkcerts -n COUNT -d DIR [-h HOST] [-e EVERY]
 *
 * Writes into DIR (which must exist):
 *   ca.pem               a self-signed root CA (EC P-256), the trust store
 *   cert-NNNNN.pem       COUNT leaves signed by the CA, NNNNN = 1..COUNT:
 *                        the first and every EVERY-th (default 100) name
 *                        HOST (default mail.contoso.com) in CN and SAN,
 *                        the others hostNNNNN.contoso.com; each starts a
 *                        minute after the one before (from 2025-01-01), so
 *                        the last one naming HOST is the newest; all
 *                        expire on 2036-01-01
 *   cert-NNNNN.key       its EC P-256 key (mode 0600): a key of its own for
 *                        a certificate naming HOST (those are the ones a
 *                        connector's selection checks), one shared key for
 *                        the others
 * Fast because almost nothing is decoded or re-keyed per certificate: in
 * OpenSSL 3.0 setting a public key costs ~1 ms and copying a certificate
 * ~0.5 ms, signing 70 us; one certificate object is changed and re-signed
 * for each leaf with the shared key. The certificates are distinct:
 * serial, names, dates and signature differ.
 * Exits 0, 1 on an OpenSSL or file error, 64 on usage.
 *
 * Must not: write outside DIR, or make anything but valid X.509 v3 in PEM.
 */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

static const char *dir;

static int fail(const char *what)
{
    fprintf(stderr, "mkcerts: %s\n", what);
    ERR_print_errors_fp(stderr);
    return 1;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext == NULL)
        return -1;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

static int set_name(X509 *x, const char *cn, bool issuer_too)
{
    X509_NAME *name = X509_NAME_new();
    bool ok =
        name != NULL &&
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                   (const unsigned char *)"Contoso", -1, -1,
                                   0) &&
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   (const unsigned char *)cn, -1, -1, 0) &&
        X509_set_subject_name(x, name) &&
        (!issuer_too || X509_set_issuer_name(x, name));
    X509_NAME_free(name);
    return ok ? 0 : -1;
}

/*
 * What every certificate of one kind shares: the key, the issuer, the
 * expiry and the extensions but subjectAltName. (X509_set_pubkey costs a
 * millisecond in OpenSSL 3.0; a copy of this template costs 20 us.)
 */
static X509 *template(EVP_PKEY *pkey, X509 *issuer, bool ca)
{
    X509 *x = X509_new();
    X509 *iss = issuer ? issuer : x;
    bool ok =
        x != NULL && X509_set_version(x, 2) && X509_set_pubkey(x, pkey) &&
        (issuer == NULL ||
         X509_set_issuer_name(x, X509_get_subject_name(issuer))) &&
        ASN1_TIME_set_string_X509(X509_getm_notAfter(x),
                                  ca ? "20400101000000Z" : "20360101000000Z") &&
        add_ext(x, x, NID_subject_key_identifier, "hash") == 0 &&
        (issuer == NULL ||
         add_ext(x, iss, NID_authority_key_identifier, "keyid:always") == 0) &&
        add_ext(x, iss, NID_basic_constraints,
                ca ? "critical,CA:TRUE" : "CA:FALSE") == 0 &&
        add_ext(x, iss, NID_key_usage,
                ca ? "critical,keyCertSign,cRLSign"
                   : "critical,digitalSignature") == 0 &&
        (ca ||
         add_ext(x, iss, NID_ext_key_usage, "serverAuth,clientAuth") == 0);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* Complete a template (a copy needs every field) and sign it. */
static int finish(X509 *x, long serial, const char *cn, bool self,
                  const char *not_before, EVP_PKEY *signer)
{
    return ASN1_INTEGER_set(X509_get_serialNumber(x), serial) &&
                   set_name(x, cn, self) == 0 &&
                   ASN1_TIME_set_string_X509(X509_getm_notBefore(x),
                                             not_before) &&
                   X509_sign(x, signer, EVP_sha256()) > 0
               ? 0
               : -1;
}

/* Make the template leaf cn's (it is reused: copying a certificate
 * decodes its key again, as slow as setting one), and sign it. */
static int reuse(X509 *x, long serial, const char *cn, const char *not_before,
                 EVP_PKEY *signer)
{
    char san[310];
    snprintf(san, sizeof(san), "DNS:%s", cn);
    int at = X509_get_ext_by_NID(x, NID_subject_alt_name, -1);
    if (at >= 0)
        X509_EXTENSION_free(X509_delete_ext(x, at));
    return add_ext(x, NULL, NID_subject_alt_name, san) == 0
               ? finish(x, serial, cn, false, not_before, signer)
               : -1;
}

/* Write len bytes to DIR/file with the given mode. */
static int write_file(const char *file, const void *data, size_t len,
                      mode_t mode)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0)
        return -1;
    ssize_t w = write(fd, data, len);
    return close(fd) == 0 && w == (ssize_t)len ? 0 : -1;
}

/* PEM text of a certificate or of a private key, in *buf (freed by the
 * caller's BIO_free of *bio). */
static long pem_of(X509 *x, EVP_PKEY *k, BIO **bio, char **buf)
{
    *bio = BIO_new(BIO_s_mem());
    if (*bio == NULL ||
        !(x ? PEM_write_bio_X509(*bio, x)
            : PEM_write_bio_PrivateKey(*bio, k, NULL, NULL, 0, NULL, NULL)))
        return -1;
    return BIO_get_mem_data(*bio, buf);
}

static int write_pem(const char *file, X509 *x, EVP_PKEY *k)
{
    BIO *bio = NULL;
    char *buf;
    long n = pem_of(x, k, &bio, &buf);
    int rc = n > 0 ? write_file(file, buf, (size_t)n, x ? 0644 : 0600) : -1;
    BIO_free(bio);
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: mkcerts -n COUNT -d DIR [-h HOST] [-e EVERY]\n");
}

int main(int argc, char **argv)
{
    long count = 0, every = 100;
    const char *host = "mail.contoso.com";
    int ch;
    while ((ch = getopt(argc, argv, "n:d:h:e:")) != -1) {
        switch (ch) {
        case 'n':
            count = strtol(optarg, NULL, 10);
            break;
        case 'd':
            dir = optarg;
            break;
        case 'h':
            host = optarg;
            break;
        case 'e':
            every = strtol(optarg, NULL, 10);
            break;
        default:
            usage(stderr);
            return EX_USAGE;
        }
    }
    if (count < 1 || count > 999999 || every < 1 || dir == NULL ||
        optind != argc || strlen(host) > 250) {
        usage(stderr);
        return EX_USAGE;
    }
    EVP_PKEY *cakey = EVP_EC_gen("P-256"), *key = EVP_EC_gen("P-256");
    if (cakey == NULL || key == NULL)
        return fail("cannot make EC keys");
    X509 *ca = template(cakey, NULL, true), *tmpl = NULL;
    if (ca == NULL ||
        finish(ca, 1, "Contoso Bench Root CA", true, "20200101000000Z", cakey) <
            0 ||
        (tmpl = template(key, ca, false)) == NULL ||
        finish(tmpl, 2, host, false, "20250101000000Z", cakey) < 0)
        return fail("cannot make the CA");
    BIO *keybio = NULL;
    char *keypem;
    long keylen = pem_of(NULL, key, &keybio, &keypem);
    if (write_pem("ca.pem", ca, NULL) < 0 || keylen <= 0)
        return fail("cannot write the CA or the key");
    for (long i = 1; i <= count; i++) {
        char cn[300], file[64], keyfile[64], start[32];
        bool named = i == 1 || i % every == 0;
        if (named)
            snprintf(cn, sizeof(cn), "%s", host);
        else
            snprintf(cn, sizeof(cn), "host%05ld.contoso.com", i);
        /* 2025-01-01 plus i minutes (at most 999,999: under two years) */
        long min = i;
        struct tm tm = {.tm_year = 125, .tm_mday = 1};
        tm.tm_min = (int)(min % 60);
        tm.tm_hour = (int)(min / 60 % 24);
        tm.tm_mday += (int)(min / 1440);
        timegm(&tm); /* normalise the day of the month */
        strftime(start, sizeof(start), "%Y%m%d%H%M%SZ", &tm);
        snprintf(file, sizeof(file), "cert-%05ld.pem", i);
        snprintf(keyfile, sizeof(keyfile), "cert-%05ld.key", i);
        if (named) {
            /* a key of its own: these are the ones select checks */
            EVP_PKEY *own = EVP_EC_gen("P-256");
            X509 *x = own ? template(own, ca, false) : NULL;
            if (x == NULL || reuse(x, i + 1, cn, start, cakey) < 0 ||
                write_pem(file, x, NULL) < 0 ||
                write_pem(keyfile, NULL, own) < 0)
                return fail("cannot make or write a leaf certificate");
            X509_free(x);
            EVP_PKEY_free(own);
        } else if (reuse(tmpl, i + 1, cn, start, cakey) < 0 ||
                   write_pem(file, tmpl, NULL) < 0 ||
                   write_file(keyfile, keypem, (size_t)keylen, 0600) < 0) {
            return fail("cannot make or write a leaf certificate");
        }
    }
    BIO_free(keybio);
    X509_free(tmpl);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(cakey);
    return 0;
}
