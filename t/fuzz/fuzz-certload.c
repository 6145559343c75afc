/*
 * fuzz-certload.c - domsec-policy's certificate store (certread.c,
 * certcheck.c, certname.c) on arbitrary bytes: the same file is the
 * certificate section's cert, its key and the server's trust store, so
 * one input exercises PEM framing, certificate and key decoding, the key
 * match, the self-signed test, chain building and the DN/SAN attributes.
 *
 * Input: the file's bytes.
 * Checks: the store loads or reports at least one error; every diagnostic
 * has text; a loaded certificate has its thumbprint (40 hex digits) and
 * Windows-form DNs; evaluating everything at a fixed time is clean.
 */
#include "dsconfig.h"

#include <stdio.h>
#include <string.h>

#include "certstore.h"
#include "fuzz.h"

static void check_diag(const struct ds_diag *d)
{
    for (size_t i = 0; d != NULL && i < d->n; i++)
        DS_FUZZ_CHECK(d->v[i].text != NULL && d->v[i].text[0] != '\0',
                      "diagnostic without text");
}

static int one(const uint8_t *data, size_t size)
{
    const char *pem = ds_fuzz_file(data, size);
    if (pem == NULL)
        return 0;
    char conf[4200];
    snprintf(conf, sizeof(conf), "%s.conf", pem);
    FILE *fp = fopen(conf, "w");
    if (fp == NULL)
        return 0;
    fprintf(fp,
            "server { fqdn = \"mail.contoso.com\" trust_store = \"%s\" }\n"
            "certificate \"f\" { cert = \"%s\" key = \"%s\" }\n",
            pem, pem, pem);
    fclose(fp);

    struct ds_diag d = {0};
    struct ds_config *cfg = ds_config_load(conf, &d);
    DS_FUZZ_CHECK(cfg != NULL, "the fixed configuration did not load");
    struct ds_certstore *s = ds_certstore_load(cfg, &d);
    DS_FUZZ_CHECK(s != NULL || d.nerrors > 0, "failed without an error");
    check_diag(&d);
    if (s != NULL) {
        for (size_t i = 0; i < ds_certstore_count(s); i++) {
            const struct ds_cert *c = ds_certstore_get(s, i);
            DS_FUZZ_CHECK(strlen(c->thumbprint) == 40, "thumbprint '%s'",
                          c->thumbprint);
            DS_FUZZ_CHECK(c->subject != NULL && c->issuer != NULL,
                          "certificate without DNs");
            (void)ds_cert_has_name(c, "mail.contoso.com");
        }
        ds_certstore_check_all(s, 1800000000LL);
        check_diag(ds_certstore_diag(s));
        ds_certstore_free(s);
    }
    ds_config_free(cfg);
    ds_diag_free(&d);
    return 0;
}

DS_FUZZ_TARGET("certload", NULL, one)
