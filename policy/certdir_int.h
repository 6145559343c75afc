/*
 * certdir_int.h - what certdir.c (reading DIR) and certdir_place.c
 * (matching and writing) share: the certificates and keys found.
 *
 * Must not: be included outside those two files.
 */
#ifndef DS_CERTDIR_INT_H
#define DS_CERTDIR_INT_H

#include <stdbool.h>

#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "certdir.h"

enum ds_certdir_src { DS_CERTDIR_PEM, DS_CERTDIR_DER, DS_CERTDIR_PFX };

/* A certificate found in DIR. */
struct ds_certdir_cert {
    X509 *x;
    char thumb[41]; /* SHA-1 of the DER, upper-case hex */
    const char *file;
    enum ds_certdir_src src;
    int index;     /* among the file's certificates (0: the first) */
    EVP_PKEY *key; /* a PFX's key for it, or NULL */
    bool used;     /* matched to an Exchange certificate, or in a chain */
};

/* A private key found in a PEM file. */
struct ds_certdir_key {
    EVP_PKEY *k;
    const char *file;
    bool in_place; /* unencrypted PEM: the file itself can be named */
};

struct ds_certdir {
    const char *dir; /* absolute */
    struct ds_certdir_cert *certs;
    size_t ncerts;
    struct ds_certdir_key *keys;
    size_t nkeys;
    struct ds_arena a;
    OSSL_PROVIDER *legacy, *deflt;
    struct ds_diag *diag;
};

#endif
