/*
 * peer.h - what the MTA's macros mean: Postfix and Sendmail describe the
 * client's TLS and certificate differently (doc/mta-notes.md),
 * and the envelope sender must be reduced to a normalised domain.
 *
 * Postfix: {cert_subject} is the subject CN, raw, present only when the
 *   client certificate verified; {cert_issuer} the issuer CN (or O).
 * Sendmail: {verify} is OK or TRUSTED when verified; {cert_subject} and
 *   {cert_issuer} are xtext-encoded one-line DNs sent whether or not the
 *   certificate verified; {cn_subject}/{cn_issuer} the xtext CNs, or
 *   BadCertificateUnknown / BadCertificateTooLong / BadCertificateContainsNUL.
 *
 * milter.mta = auto decides per message (ds_peer_detect): the connect macro
 * `v` starting with "Postfix" means Postfix; otherwise any {verify} value,
 * or a `v` of another kind, means Sendmail; no hint at all means Postfix.
 * When unsure it leans to Sendmail's rules, which demand {verify} = OK and
 * so fail closed on an MTA that does not send it.
 *
 * Must not: use libmilter types, log, or allocate (libidn2 aside).
 */
#ifndef DS_PEER_H
#define DS_PEER_H

#include <stdbool.h>
#include <stddef.h>

#include "dsconfig.h"
#include "decide.h"

/* The raw macro values the milter asks for; NULL when absent. */
struct ds_macros {
    const char *v;            /* MTA version, at connect */
    const char *tls_version;  /* {tls_version} */
    const char *cipher;       /* {cipher} */
    const char *cert_subject; /* {cert_subject} */
    const char *cert_issuer;  /* {cert_issuer} */
    const char *verify;       /* {verify} (Sendmail) */
    const char *cn_subject;   /* {cn_subject} (Sendmail) */
    const char *cn_issuer;    /* {cn_issuer} (Sendmail) */
};

/* Which semantics apply: mta unless it is DS_MTA_AUTO, else the macros'. */
enum ds_mta ds_peer_detect(enum ds_mta mta, const struct ds_macros *m);

#define DS_CN_MAX 256

/* Buffers for decoded names; ds_peer_tls points struct ds_tls into them. */
struct ds_peer_names {
    char cn[DS_CN_MAX + 1];
    char issuer[DS_CN_MAX + 1];
    char version[64];
};

/*
 * Turn the macros into TLS facts under the given semantics (postfix or
 * sendmail; auto is resolved with ds_peer_detect first). Names that cannot
 * be decoded (bad xtext, NUL, BadCertificate*) leave the CN NULL, which the
 * decision treats as a name that matches nothing.
 */
void ds_peer_tls(enum ds_mta mta, const struct ds_macros *m, struct ds_tls *out,
                 struct ds_peer_names *buf);

/*
 * Decode xtext (RFC 3461: "+XX" for an octet) from in into out (size
 * bytes). Returns the decoded length, or -1 for a malformed escape, an
 * encoded NUL, or too little room.
 */
long ds_xtext_decode(const char *in, char *out, size_t size);

/*
 * The most specific CN of a distinguished name written either as OpenSSL's
 * one-line form ("/C=US/O=Ex/CN=mx.ex.com", as Sendmail sends it: the last
 * CN) or as RFC 4514 ("CN=mx.ex.com,O=Ex\, Inc.,C=US": the first CN;
 * escapes "\," "\2C" and quoted values understood). Copies it into out
 * and returns true, or false when there is no CN, it holds a NUL, or it
 * does not fit.
 */
bool ds_dn_cn(const char *dn, char *out, size_t size);

/* The outcome of reducing an envelope sender to its domain. */
enum ds_sender {
    DS_SENDER_DOMAIN, /* out holds the normalised domain */
    DS_SENDER_NONE,   /* null sender, or no '@': out is "" */
    DS_SENDER_BAD,    /* a domain that cannot be normalised */
};

/*
 * The normalised domain of the envelope sender addr[0..len) as libmilter
 * gives it ("<u@d>", with or without brackets, spaces around). The address
 * ends at a NUL, as it does for every C consumer. The domain is everything
 * after the last '@' outside a quoted string (so quoted local parts such as
 * "a@b"@d and source routes "<@a,@b:u@d>" come out right); a trailing dot
 * is dropped, case folded, IDN converted to A-labels. out must hold
 * DS_DOMAIN_MAX + 2 bytes; *why explains DS_SENDER_BAD.
 */
enum ds_sender ds_sender_domain(const char *addr, size_t len, char *out,
                                const char **why);

#endif
