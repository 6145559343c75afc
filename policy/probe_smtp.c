/*
 * probe_smtp.c - one probe session, as Postfix's smtp client runs it for a
 * domain-secure destination: connect, read the greeting, EHLO with the
 * send connector's fqdn, STARTTLS, the handshake with our client
 * certificate, EHLO again over TLS (a server that refuses our certificate
 * after a TLS 1.3 handshake says so here), QUIT. No mail is sent.
 *
 * Must not: send MAIL, RCPT or DATA, or wait on any step without the
 * deadline its timeout gives.
 */
#include "dsconfig.h"

#include "probe_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const result_names[DS_PROBE_RESULT_COUNT] = {
    [DS_PROBE_OK] = "ok",
    [DS_PROBE_UNREACHABLE] = "unreachable",
    [DS_PROBE_NO_STARTTLS] = "no-starttls",
    [DS_PROBE_HANDSHAKE_FAILED] = "handshake-failed",
    [DS_PROBE_UNTRUSTED] = "certificate-untrusted",
    [DS_PROBE_NAME_MISMATCH] = "certificate-name-mismatch",
    [DS_PROBE_EXPIRED] = "certificate-expired",
    [DS_PROBE_NOT_DOMAIN_SECURE] = "not-domain-secure",
};

static const char *const warning_names[DS_PROBE_W_COUNT] = {
    [DS_PROBE_W_NO_CERT_REQUEST] = "no-client-certificate-request",
    [DS_PROBE_W_ISSUER_NOT_NAMED] = "issuer-not-in-ca-names",
    [DS_PROBE_W_NO_CLIENT_CERT] = "no-client-certificate",
    [DS_PROBE_W_ADDRESS_FAILED] = "address-failed",
};

const char *ds_probe_result_name(enum ds_probe_result r)
{
    return (unsigned)r < DS_PROBE_RESULT_COUNT ? result_names[r] : "?";
}

int ds_probe_result_code(const char *name)
{
    for (int i = 0; i < DS_PROBE_RESULT_COUNT; i++)
        if (strcmp(result_names[i], name) == 0)
            return i;
    return -1;
}

const char *ds_probe_warning_name(enum ds_probe_warning w)
{
    return (unsigned)w < DS_PROBE_W_COUNT ? warning_names[w] : "?";
}

static void fail(struct ds_probe_session *s, enum ds_probe_result r,
                 const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void fail(struct ds_probe_session *s, enum ds_probe_result r,
                 const char *fmt, ...)
{
    va_list ap;
    s->result = r;
    va_start(ap, fmt);
    vsnprintf(s->detail, sizeof(s->detail), fmt, ap);
    va_end(ap);
}

/* Does the EHLO reply offer STARTTLS? */
static bool offers_starttls(const struct ds_probe_reply *r)
{
    for (size_t i = 1; i < r->lines.n; i++) {
        const char *l = r->lines.v[i];
        if (strncasecmp(l, "STARTTLS", 8) == 0 && (l[8] == '\0' || l[8] == ' '))
            return true;
    }
    return false;
}

/* One command and its reply; -1 with s failed as `r` when either fails. */
static int command(struct ds_probe_io *io, const char *cmd,
                   const struct ds_probe_params *p, struct ds_probe_reply *rep,
                   struct ds_probe_session *s, enum ds_probe_result r)
{
    char err[400];
    memset(rep, 0, sizeof(*rep));
    if (ds_probe_io_send(io, cmd, p->timeouts.reply, err, sizeof(err)) < 0 ||
        ds_probe_io_reply(io, p->timeouts.reply, rep, err, sizeof(err)) < 0) {
        fail(s, r, "%s: %s", cmd, err);
        return -1;
    }
    return 0;
}

/* Up to the TLS handshake. Returns 0 when it may start, -1 otherwise (the
 * session's result says why). */
static int plain_part(struct ds_probe_io *io, const struct ds_probe_params *p,
                      struct ds_probe_session *s)
{
    struct ds_probe_reply rep;
    char err[400], ehlo[300];
    if (ds_probe_io_reply(io, p->timeouts.reply, &rep, err, sizeof(err)) < 0) {
        ds_probe_reply_free(&rep);
        fail(s, DS_PROBE_UNREACHABLE, "greeting: %s", err);
        return -1;
    }
    snprintf(s->greeting, sizeof(s->greeting), "%.250s", rep.first);
    ds_probe_reply_free(&rep);
    if (rep.code != 220) {
        fail(s, DS_PROBE_UNREACHABLE,
             "the server does not accept mail: greeting \"%s\"", s->greeting);
        return -1;
    }
    s->reachable = true;
    snprintf(ehlo, sizeof(ehlo), "EHLO %s", p->helo);
    if (command(io, ehlo, p, &rep, s, DS_PROBE_NO_STARTTLS) < 0) {
        ds_probe_reply_free(&rep);
        return -1;
    }
    s->starttls = rep.code == 250 && offers_starttls(&rep);
    if (rep.code != 250)
        fail(s, DS_PROBE_NO_STARTTLS,
             "EHLO refused (\"%.200s\"): Postfix falls back to HELO, without "
             "STARTTLS",
             rep.first);
    else if (!s->starttls)
        fail(s, DS_PROBE_NO_STARTTLS, "the server does not offer STARTTLS");
    ds_probe_reply_free(&rep);
    if (!s->starttls)
        return -1;
    if (command(io, "STARTTLS", p, &rep, s, DS_PROBE_NO_STARTTLS) == 0 &&
        rep.code != 220)
        fail(s, DS_PROBE_NO_STARTTLS, "STARTTLS refused: \"%.200s\"",
             rep.first);
    int code = rep.code;
    ds_probe_reply_free(&rep);
    return code == 220 ? 0 : -1;
}

/* The handshake, the facts, and EHLO over TLS. */
static int tls_part(struct ds_probe_tls *t, struct ds_probe_io *io,
                    const struct ds_probe_params *p, struct ds_probe_session *s)
{
    char err[400], ehlo[300];
    ds_probe_io_discard(io);
    if ((io->ssl = ds_probe_tls_ssl(t, io->fd, s)) == NULL)
        return -1;
    if (ds_probe_io_handshake(io, p->timeouts.tls, err, sizeof(err)) < 0) {
        fail(s, DS_PROBE_HANDSHAKE_FAILED, "TLS handshake: %s", err);
        return 0;
    }
    s->tls = true;
    if (ds_probe_tls_facts(t, io->ssl, p, s) < 0)
        return -1;
    struct ds_probe_reply rep;
    snprintf(ehlo, sizeof(ehlo), "EHLO %s", p->helo);
    if (command(io, ehlo, p, &rep, s, DS_PROBE_HANDSHAKE_FAILED) < 0) {
        ds_probe_reply_free(&rep);
        /* s->detail: "EHLO ...: TLS: <alert>" */
        char d[sizeof(s->detail)];
        snprintf(d, sizeof(d), "%s", s->detail);
        fail(s, DS_PROBE_HANDSHAKE_FAILED,
             "the server ended the session after the handshake (%.700s)%s", d,
             s->cert_sent ? "; it may have refused our certificate" : "");
        return 0;
    }
    if (rep.code != 250) {
        fail(s, DS_PROBE_HANDSHAKE_FAILED,
             "the server refused to go on after the handshake: \"%.300s\"%s",
             rep.first,
             s->cert_sent ? " (it did not accept our certificate?)" : "");
        ds_probe_reply_free(&rep);
        return 0;
    }
    ds_probe_reply_free(&rep);
    ds_probe_tls_verdict(p, s);
    if (ds_probe_io_send(io, "QUIT", p->timeouts.reply, err, sizeof(err)) == 0)
        ds_probe_io_reply(io, p->timeouts.reply, &rep, err, sizeof(err));
    ds_probe_reply_free(&rep);
    return 0;
}

int ds_probe_session_run(struct ds_probe_tls *t,
                         const struct ds_probe_params *p,
                         const struct ds_probe_addr *a,
                         struct ds_probe_session *s)
{
    struct ds_probe_io io = {.fd = -1};
    char err[400];
    memset(s, 0, sizeof(*s));
    s->addr = a;
    if (ds_probe_io_connect(&io, a, p->timeouts.connect, err, sizeof(err)) <
        0) {
        fail(s, DS_PROBE_UNREACHABLE, "%s", err);
        ds_probe_io_close(&io);
        return 0;
    }
    int rc = 0;
    if (plain_part(&io, p, s) == 0)
        rc = tls_part(t, &io, p, s);
    else if (s->reachable) {
        struct ds_probe_reply rep = {0};
        if (ds_probe_io_send(&io, "QUIT", p->timeouts.reply, err,
                             sizeof(err)) == 0)
            ds_probe_io_reply(&io, p->timeouts.reply, &rep, err, sizeof(err));
        ds_probe_reply_free(&rep);
    }
    ds_probe_io_close(&io);
    return rc;
}

void ds_probe_session_free(struct ds_probe_session *s)
{
    for (size_t i = 0; i < s->nchain; i++) {
        free(s->chain[i].subject);
        free(s->chain[i].issuer);
        ds_strlist_free(&s->chain[i].dns_names);
    }
    free(s->chain);
    ds_strlist_free(&s->ca_names);
    memset(s, 0, sizeof(*s));
}
