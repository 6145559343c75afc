/*
 * certfile.h - is a certificate file usable? The one check of
 * the PEM files of certificates a configuration names (certificate.cert,
 * certificate.chain): readable, a regular file of sane size, PEM, every
 * certificate block decodes, at least one certificate.
 *
 * domsec-milter runs it at start-up and at every reload (milter/main.c):
 * the milter does not use certificates, but a configuration whose
 * certificate files are broken (a renewal half done, a file overwritten
 * with garbage) is refused as a whole, so the previous one stays in force.
 * domsec-policy's certificate store reads the same files for their
 * attributes.
 *
 * Must not: read, decode or even look inside private keys (blocks other
 * than certificates are skipped undecoded), log, or exit.
 */
#ifndef DS_CERTFILE_H
#define DS_CERTFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "dsconfig.h"
#include "diag.h"

/*
 * Check the certificate file at path. Returns the number of certificates
 * in it (at least 1), or -1 with a one-line reason in err (errsize bytes,
 * always terminated): cannot be read (not a regular file, larger than
 * 16 MiB: the certificate store's own reader decides), no
 * PEM certificate, a certificate block that does not decode.
 */
int ds_certfile_check(const char *path, char *err, size_t errsize);

/*
 * Check every cert and chain file of cfg's certificate sections; each bad
 * file is an error in diag at the option's file:line, with a hint.
 * Returns the number of errors added.
 */
size_t ds_certfile_check_config(const struct ds_config *cfg,
                                struct ds_diag *diag);

/* What a CA file holds (ds_certfile_check_cas). */
struct ds_cafile {
    int certs;          /* certificates */
    int cas;            /* CA certificates (X509_check_ca) */
    int roots;          /* self-signed CA certificates */
    bool public_bundle; /* the system's bundle of public CAs, or one like it */
};

/*
 * Check a file of CA certificates (transport.partner_trust_store): a
 * readable regular PEM file whose certificates all decode. Fills *info and
 * returns the number of CA certificates (0 is for the caller to judge), or
 * -1 with a one-line reason in err. public_bundle is set for OpenSSL's
 * default CA file and the usual system bundles (also through symbolic
 * links), and for any file with 50 or more root CAs.
 */
int ds_certfile_check_cas(const char *path, struct ds_cafile *info, char *err,
                          size_t errsize);

#endif
