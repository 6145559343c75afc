/*
 * probe_int.h - the parts of the probe shared by probe_io.c (a connection
 * with a deadline on every step, plain or TLS), probe_smtp.c (the SMTP
 * dialogue) and probe_tls.c (OpenSSL).
 *
 * Must not: be included by anything but the probe_*.c files.
 */
#ifndef DS_PROBE_INT_H
#define DS_PROBE_INT_H

#include <openssl/ssl.h>

#include "probe.h"

/* Longest reply line kept (longer ones are cut) and most lines kept. */
#define DS_PROBE_LINE_MAX 1000
#define DS_PROBE_REPLY_LINES 64

struct ds_probe_io {
    int fd;
    SSL *ssl; /* NULL before STARTTLS */
    char buf[8192];
    size_t len;
};

struct ds_probe_reply {
    int code; /* 0 when the reply is not SMTP */
    char first[DS_PROBE_LINE_MAX + 1];
    struct ds_strlist lines; /* every line, without the code */
};

/* Each returns 0, or -1 with a one-line reason in err. */
int ds_probe_io_connect(struct ds_probe_io *io, const struct ds_probe_addr *a,
                        int seconds, char *err, size_t errsize);
int ds_probe_io_send(struct ds_probe_io *io, const char *line, int seconds,
                     char *err, size_t errsize);
int ds_probe_io_reply(struct ds_probe_io *io, int seconds,
                      struct ds_probe_reply *r, char *err, size_t errsize);
int ds_probe_io_handshake(struct ds_probe_io *io, int seconds, char *err,
                          size_t errsize);
/* Forget what was read but not used (before the TLS handshake). */
void ds_probe_io_discard(struct ds_probe_io *io);
void ds_probe_io_close(struct ds_probe_io *io);
void ds_probe_reply_free(struct ds_probe_reply *r);

/* A new SSL on fd for session s (its callbacks fill s), or NULL. */
SSL *ds_probe_tls_ssl(struct ds_probe_tls *t, int fd,
                      struct ds_probe_session *s);
/* After the handshake: version, cipher, the chain, verification, the name
 * and the CA names. Returns 0, or -1 when out of memory. */
int ds_probe_tls_facts(struct ds_probe_tls *t, SSL *ssl,
                       const struct ds_probe_params *p,
                       struct ds_probe_session *s);
/* The verdict of a session whose handshake completed. */
void ds_probe_tls_verdict(const struct ds_probe_params *p,
                          struct ds_probe_session *s);
/* OpenSSL's error queue as one line (emptied), or `fallback`. */
const char *ds_probe_tls_error(char *buf, size_t size, const char *fallback);

#endif
