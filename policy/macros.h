/*
 * macros.h - the MTA macros domsec-milter reads, per stage, declared once:
 * the milter asks for these lists with smfi_setsymlist()
 * (milter/callbacks.c), and `render sendmail` writes them into
 * confMILTER_MACROS_* for a Sendmail that ignores the request
 * (policy/render_sendmail.c). doc/mta-notes.md, "When macros arrive".
 *
 * Must not: list a macro the milter does not read (a list the milter asks
 * for replaces the MTA's own list for that stage, so the MAIL list
 * repeats the MAIL macros every milter expects).
 */
#ifndef DS_MACROS_H
#define DS_MACROS_H

#include <stddef.h>

/* What domsec-milter asks for, in libmilter's spelling (space-separated). */
#define DS_MACROS_MILTER_CONNECT "{daemon_name} v j _"
#define DS_MACROS_MILTER_HELO ""
#define DS_MACROS_MILTER_ENVFROM                                               \
    "i {mail_addr} {mail_host} {mail_mailer} {auth_type} {auth_authen} "       \
    "{auth_author} {auth_ssf} {tls_version} {cipher} {cipher_bits} "           \
    "{cert_subject} {cert_issuer} {verify} {cn_subject} {cn_issuer}"
#define DS_MACROS_MILTER_EOM "i"

enum ds_macro_stage {
    DS_MACROS_CONNECT,
    DS_MACROS_HELO,
    DS_MACROS_ENVFROM,
    DS_MACROS_EOM,
};

/*
 * The confMILTER_MACROS_* value for a stage: Sendmail's own default list
 * (which the other milters of that Sendmail expect, since the setting is
 * global) followed by what domsec-milter asks for and the default lacks,
 * comma-separated as sendmail.mc spells it. Returns the length, or -1 when
 * it does not fit in size bytes.
 */
int ds_macros_sendmail(enum ds_macro_stage stage, char *buf, size_t size);

#endif
