/*
 * certstore.h - the certificate store: every `certificate` section of the
 * configuration (plus --with, minus --without) read from disk, with the
 * attributes Exchange's selection rules need.
 *
 * Loading is split in two so that a store of 10,000 certificates loads in
 * well under a second with OpenSSL 3.0 (which spends ~0.4 ms building a
 * decoder for every public key and ~1.5 ms for every private key it parses):
 *  - at load, for every certificate: the files are read and parsed without
 *    decoding the public key, and everything below that is a plain field is
 *    filled in (names, dates, thumbprints, services); a large store is read
 *    by several threads, and merged in configuration order;
 *  - on first use, and then cached: the private key (read, decoded once per
 *    key file content, compared with the certificate's public key), the
 *    self-signed test (needs the signature checked) and chain validation.
 * select.c asks only about certificates that carry the name it looks for;
 * ds_certstore_check_all() asks about all of them. A file error found on first
 * use is recorded in ds_certstore_diag().
 *
 * Must not: choose certificates (select.c), print, or exit. Not
 * thread-safe (the first-use caches are filled without locks).
 */
#ifndef DS_CERTSTORE_H
#define DS_CERTSTORE_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>

#include "dsconfig.h"
#include "diag.h"
#include "util.h"

/* The longest tls_certificate_name Exchange can store. */
#define DS_TLS_NAME_MAX 256

struct ds_cert_lazy; /* first-use state, private to certstore */

struct ds_cert {
    const char *name;       /* the section title; the path for --with */
    const char *cert_path;  /* as in the configuration (resolved) */
    const char *key_path;   /* NULL when no key is configured */
    const char *chain_path; /* NULL when none */
    struct ds_where where;  /* the section; {cert path, 0} for --with */
    struct ds_where where_key;
    bool from_cli; /* added with --with */

    int version;            /* 1, 2 or 3 */
    const char *subject;    /* Windows form: "CN=a, O=b, S=WA, C=US" */
    const char *issuer;     /* Windows form (RFC 2253: ds_cert_dn_rfc2253) */
    const char *subject_cn; /* NULL when the subject has no CN */
    struct ds_strlist dns_names; /* SAN dNSNames, as written */
    long long not_before, not_after;
    char thumbprint[41];              /* SHA-1 of the DER, upper-case hex */
    char sha256[65];                  /* SHA-256 of the DER, upper-case hex */
    const char *tls_certificate_name; /* "<I>issuer<S>subject" to paste */
    bool name_fits; /* tls_certificate_name within DS_TLS_NAME_MAX */
    struct ds_strlist services;
    bool smtp;     /* services include smtp */
    bool is_ca;    /* basicConstraints CA:TRUE */
    size_t nchain; /* certificates after the leaf and in the chain file */

    /* Parsed without its public key: good for names, dates and
     * X509_check_host, not for signatures. */
    X509 *x509;
    struct ds_cert_lazy *lazy;
};

/* A certificate's chain as judged at a time T. */
enum ds_pki {
    DS_PKI_VALID,       /* CA-issued, chain verifies to server.trust_store */
    DS_PKI_SELF_SIGNED, /* issuer == subject, signed by its own key */
    DS_PKI_UNTRUSTED,   /* CA-issued, chain does not verify */
};

struct ds_certstore;

/*
 * Load every certificate section of cfg and server.trust_store (when there
 * is a certificate). Returns the store (free with ds_certstore_free), or
 * NULL with errors in diag (each at the section's file:line, with a hint).
 * Warnings (a key readable by others, the same certificate twice) go to
 * diag too. cfg must outlive the store.
 */
struct ds_certstore *ds_certstore_load(const struct ds_config *cfg,
                                       struct ds_diag *diag);
void ds_certstore_free(struct ds_certstore *s);

/*
 * What-if: add the certificate in cert_path (key_path may be NULL) as if a
 * section named by its path, with services { smtp }, were configured.
 * Returns 0, or -1 with errors in diag.
 */
int ds_certstore_add(struct ds_certstore *s, const char *cert_path,
                     const char *key_path, struct ds_diag *diag);
/* What-if: remove every certificate with this thumbprint (normalised).
 * Returns how many were removed. Call before any selection. */
size_t ds_certstore_remove(struct ds_certstore *s, const char *thumbprint);

size_t ds_certstore_count(const struct ds_certstore *s);
/* Certificate i (0 <= i < count), in configuration order, --with last. */
const struct ds_cert *ds_certstore_get(const struct ds_certstore *s, size_t i);
/* The first certificate with this thumbprint (normalised), or NULL. */
const struct ds_cert *ds_certstore_find(const struct ds_certstore *s,
                                        const char *thumbprint);

/*
 * Evaluate everything that is otherwise left to first use (keys,
 * self-signed tests, chains at time `at`) for every certificate. Returns
 * the number of errors in ds_certstore_diag().
 */
size_t ds_certstore_check_all(const struct ds_certstore *s, long long at);
/* Errors and warnings found on first use (key mismatch, unreadable key,
 * unparsable chain). Owned by the store. */
const struct ds_diag *ds_certstore_diag(const struct ds_certstore *s);

/* Does `name` (a host name) appear in the Subject CN or a SAN dNSName?
 * X509_check_host semantics; a wildcard covers exactly one label. */
bool ds_cert_has_name(const struct ds_cert *c, const char *name);
/* Is a private key configured, readable and matching the certificate's
 * public key? (First use reads it; a problem is also an error in
 * ds_certstore_diag.) */
bool ds_cert_has_key(const struct ds_certstore *s, const struct ds_cert *c);
/* Issuer equals subject and the signature verifies with its own key. */
bool ds_cert_self_signed(const struct ds_certstore *s, const struct ds_cert *c);
/*
 * The chain state at time `at` (cached per time). For DS_PKI_UNTRUSTED,
 * *why (when why is not NULL) is OpenSSL's verification error, a static
 * string. The leaf's own validity dates are not judged here.
 */
enum ds_pki ds_cert_pki(const struct ds_certstore *s, const struct ds_cert *c,
                        long long at, const char **why);

/* ---- names (certname.c) ------------------------------------------------- */

/*
 * Format a DN the way Windows and Exchange show it: most specific RDN first
 * (CN first), ", " between RDNs, " + " inside a multi-valued RDN, Windows
 * attribute names (S for stateOrProvinceName, E for emailAddress, OID.n.n
 * for unknown ones), values quoted when they hold special characters.
 * Returns a string from the arena, or NULL when out of memory.
 */
char *ds_cert_dn_windows(const X509_NAME *name, struct ds_arena *a);
/* The DN in RFC 2253 form (UTF-8 kept), from the arena. */
char *ds_cert_dn_rfc2253(const X509_NAME *name, struct ds_arena *a);

/* A parsed tls_certificate_name. */
struct ds_tls_name {
    char issuer[DS_TLS_NAME_MAX + 1];
    char subject[DS_TLS_NAME_MAX + 1];
};

/*
 * Parse "<I>issuer<S>subject" or "[I]issuer[S]subject" (tags in any case).
 * Returns 0, or -1 with *why set to a static message (longer than 256
 * characters, no issuer or subject tag, an empty DN).
 */
int ds_cert_tls_name_parse(const char *s, struct ds_tls_name *out,
                           const char **why);
/* Do the certificate's issuer and subject equal the parsed name (Windows
 * form, case-insensitive)? */
bool ds_cert_tls_name_matches(const struct ds_cert *c,
                              const struct ds_tls_name *n);

#endif
