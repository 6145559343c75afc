/*
 * certdir.h - `import exchange --certs DIR`: the certificates and keys
 * an admin copied from Windows (PEM, DER .cer/.crt, PFX/P12), matched to
 * the Exchange certificates by SHA-1 thumbprint, and placed where
 * domsec.conf names them: a PEM file is named where it is; what is not
 * PEM (a PFX, a DER file, an encrypted key) is written as PEM next to
 * the configuration, keys with mode 0600.
 *
 * Must not: write anything but certs/THUMBPRINT.pem, .chain.pem and
 * private/THUMBPRINT.key in the output's directory, or keep a password.
 */
#ifndef DS_CERTDIR_H
#define DS_CERTDIR_H

#include "diag.h"
#include "import.h"

struct ds_certdir;

/*
 * Read every file of dir. password (may be NULL) opens PFX files and
 * encrypted keys; the empty password is always tried. A PFX encrypted
 * with RC2 or 3DES (Windows Server 2016 and older) makes OpenSSL's legacy
 * provider load. Files that hold nothing usable are warnings in diag.
 * Returns NULL with an error in diag when dir cannot be read (*noinput
 * set) or memory runs out.
 */
struct ds_certdir *ds_certdir_scan(const char *dir, const char *password,
                                   struct ds_diag *diag, bool *noinput);

/*
 * Fill in every certificate of im that dir holds (cert_path, key_path,
 * chain_path, origin, real_subject, real_issuer, found), writing PEM
 * files under outdir (the output's directory; NULL: standard output, and
 * then nothing can be written: an error). Certificates of dir that are
 * not in im become notes. Returns 0, or -1 after an error in diag.
 */
int ds_certdir_place(struct ds_certdir *cd, struct ds_import *im,
                     const char *outdir, struct ds_diag *diag);

void ds_certdir_free(struct ds_certdir *cd);

#endif
