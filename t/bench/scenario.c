/*
 * scenario.c - milterload's sessions, the mix, and Postfix macro values.
 *
 * Must not: allocate per session (sc_macro returns static or scenario
 * strings), or drift from bench.conf: woodgrovebank.com is listed, the
 * connector "Inet" has domain security, peer_match is subdomain, and the
 * action is reject.
 */
#include "scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WG_CN "mail.woodgrovebank.com"
#define WG_ISSUER "Woodgrove Bank Issuing CA"
#define WG_ADDR "192.0.2.10"
#define FAB_CN "mail.fabrikam.com"
#define FAB_ADDR "198.51.100.20"

const struct scenario sc_all[] = {
    /* Partner over mutual TLS with a verified certificate for a host in
     * its domain: domain-secured, marked. */
    {"partner-pass", "alice@" SC_PARTNER, WG_CN, WG_ADDR,
     WG_CN " [" WG_ADDR "]", true, WG_CN, WG_ISSUER, false, SC_PASS},
    /* The same with a forged mark in the header: the copy must go. */
    {"partner-pass-forged", "bob@" SC_PARTNER, WG_CN, WG_ADDR,
     WG_CN " [" WG_ADDR "]", true, WG_CN, WG_ISSUER, true, SC_PASS},
    /* Partner without STARTTLS. */
    {"partner-no-tls", "carol@" SC_PARTNER, WG_CN, WG_ADDR,
     WG_CN " [" WG_ADDR "]", false, NULL, NULL, false, SC_REJECT},
    /* Partner over TLS without a verified client certificate (Postfix
     * then sends no {cert_subject}). */
    {"partner-no-cert", "dave@" SC_PARTNER, WG_CN, WG_ADDR,
     WG_CN " [" WG_ADDR "]", true, NULL, NULL, false, SC_REJECT},
    /* Partner sender, but the verified certificate names someone else. */
    {"partner-wrong-cert", "erin@" SC_PARTNER, FAB_CN, FAB_ADDR,
     FAB_CN " [" FAB_ADDR "]", true, FAB_CN, "Fabrikam CA", false, SC_REJECT},
    /* A sender that is not listed, over verified TLS: no enforcement. */
    {"unlisted", "frank@fabrikam.com", FAB_CN, FAB_ADDR,
     FAB_CN " [" FAB_ADDR "]", true, FAB_CN, "Fabrikam CA", false, SC_UNLISTED},
    /* Unlisted, no TLS, trying to smuggle a mark in. */
    {"unlisted-forged", "grace@fabrikam.com", FAB_CN, FAB_ADDR,
     FAB_CN " [" FAB_ADDR "]", false, NULL, NULL, true, SC_UNLISTED},
};
const size_t sc_count = sizeof(sc_all) / sizeof(sc_all[0]);

const char *const sc_default_macros[7] = {
    /* SMFIM_CONNECT */ "j {daemon_name} {daemon_addr} v _",
    /* SMFIM_HELO */
    "{tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer}",
    /* SMFIM_ENVFROM: Postfix's default plus the TLS macros */
    "i {auth_type} {auth_authen} {auth_author} {mail_addr} {mail_host} "
    "{mail_mailer} {tls_version} {cipher} {cipher_bits} {cert_subject} "
    "{cert_issuer}",
    /* SMFIM_ENVRCPT */ "i {rcpt_addr} {rcpt_host} {rcpt_mailer}",
    /* SMFIM_DATA */ "i",
    /* SMFIM_EOM */ "i",
    /* SMFIM_EOH */ "i",
};

static const struct scenario *find(const char *name, size_t len)
{
    for (size_t i = 0; i < sc_count; i++)
        if (strlen(sc_all[i].name) == len &&
            memcmp(sc_all[i].name, name, len) == 0)
            return &sc_all[i];
    return NULL;
}

static int push(struct sc_mix *mix, const struct scenario *sc, size_t count)
{
    const struct scenario **seq =
        realloc(mix->seq, (mix->n + count) * sizeof(*seq));
    if (seq == NULL)
        return -1;
    mix->seq = seq;
    for (size_t i = 0; i < count; i++)
        mix->seq[mix->n++] = sc;
    return 0;
}

static int load_file(const char *path, struct sc_mix *mix, char *err,
                     size_t errsize)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errsize, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[256];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
        lineno++;
        char *p = line + strspn(line, " \t");
        if (*p == '#' || *p == '\n' || *p == '\0')
            continue;
        size_t len = strcspn(p, " \t\r\n#");
        const struct scenario *sc = find(p, len);
        char *end;
        long count = strtol(p + len, &end, 10);
        if (end == p + len)
            count = 1;
        end += strspn(end, " \t\r\n");
        if (sc == NULL || count < 1 || count > 1000 ||
            (*end != '\0' && *end != '#')) {
            snprintf(err, errsize,
                     "%s:%d: expected \"SCENARIO [COUNT]\" with a scenario "
                     "milterload -l lists and a count 1..1000",
                     path, lineno);
            rc = -1;
        } else if (push(mix, sc, (size_t)count) < 0) {
            snprintf(err, errsize, "out of memory");
            rc = -1;
        }
    }
    fclose(f);
    if (rc == 0 && mix->n == 0) {
        snprintf(err, errsize, "%s: no scenarios", path);
        rc = -1;
    }
    return rc;
}

int sc_mix_load(const char *spec, struct sc_mix *mix, char *err, size_t errsize)
{
    memset(mix, 0, sizeof(*mix));
    snprintf(mix->name, sizeof(mix->name), "%s", spec);
    int rc = 0;
    if (strcmp(spec, "builtin") == 0 || strcmp(spec, "eom") == 0) {
        bool eom_only = spec[0] == 'e';
        for (size_t i = 0; rc == 0 && i < sc_count; i++)
            if (!eom_only || sc_all[i].expect != SC_REJECT)
                rc = push(mix, &sc_all[i], 1);
        if (rc < 0)
            snprintf(err, errsize, "out of memory");
    } else {
        rc = load_file(spec, mix, err, errsize);
    }
    if (rc < 0)
        sc_mix_free(mix);
    return rc;
}

void sc_mix_free(struct sc_mix *mix)
{
    free(mix->seq);
    mix->seq = NULL;
    mix->n = 0;
}

const char *sc_macro(const struct scenario *sc, const char *name,
                     const char *queue_id)
{
    if (name[0] != '{') {
        switch (name[1] == '\0' ? name[0] : '\0') {
        case 'i':
            return queue_id;
        case 'j':
            return "mail.contoso.com";
        case 'v':
            return "Postfix 3.7.11";
        case '_':
            return sc->client_id;
        default:
            return NULL;
        }
    }
    static const char *const fixed[][2] = {
        {"{daemon_name}", "Inet"},
        {"{daemon_addr}", "192.0.2.25"},
        {"{daemon_port}", "25"},
        {"{client_port}", "40123"},
        {"{client_connections}", "1"},
        {"{mail_mailer}", "smtp"},
        {"{rcpt_addr}", "postmaster@contoso.com"},
        {"{rcpt_host}", "mail.contoso.com"},
        {"{rcpt_mailer}", "local"},
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        if (strcmp(name, fixed[i][0]) == 0)
            return fixed[i][1];
    if (strcmp(name, "{client_addr}") == 0)
        return sc->client_addr;
    if (strcmp(name, "{client_name}") == 0 || strcmp(name, "{client_ptr}") == 0)
        return sc->client_name;
    if (strcmp(name, "{mail_addr}") == 0)
        return sc->sender;
    if (strcmp(name, "{mail_host}") == 0) {
        const char *at = strrchr(sc->sender, '@');
        return at ? at + 1 : NULL;
    }
    if (!sc->tls)
        return NULL;
    if (strcmp(name, "{tls_version}") == 0)
        return "TLSv1.3";
    if (strcmp(name, "{cipher}") == 0)
        return "TLS_AES_256_GCM_SHA384";
    if (strcmp(name, "{cipher_bits}") == 0)
        return "256";
    if (strcmp(name, "{cert_subject}") == 0)
        return sc->cert_subject;
    if (strcmp(name, "{cert_issuer}") == 0)
        return sc->cert_issuer;
    /* {auth_*} (no SMTP AUTH here) and Sendmail-only macros ({verify},
     * {cn_subject}, ...): Postfix leaves them out. */
    return NULL;
}
