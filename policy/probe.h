/*
 * probe.h - an outbound Domain Security test against a partner's server,
 * made the way Postfix's smtp client will make it (domsec-policy probe):
 *
 *   probe_dns.c   the addresses to try: MX records of the domain (with the
 *                 A/AAAA fallback when there is none), the smart hosts, or
 *                 the host the admin named
 *   probe_smtp.c  one session: TCP, the greeting, EHLO, STARTTLS, EHLO
 *                 again over TLS, QUIT; every step under a deadline
 *   probe_tls.c   the client side of TLS: the client certificate, the
 *                 partner CAs, what the server sent (chain, CA names in
 *                 its CertificateRequest), verification and name matching
 *
 * The verdict of a session is a code (enum ds_probe_result) with a line of
 * detail; the command (cmd_probe.c) turns codes into text.
 *
 * Must not: print, exit, or reach any host but the ones it is given (and
 * the resolver's name servers for the MX and address lookups).
 */
#ifndef DS_PROBE_H
#define DS_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <sys/socket.h>

#include "dsconfig.h"
#include "util.h"

/* What a session (or the whole probe) came to. */
enum ds_probe_result {
    DS_PROBE_OK,
    DS_PROBE_UNREACHABLE,       /* no TCP connection, or no SMTP greeting */
    DS_PROBE_NO_STARTTLS,       /* STARTTLS not offered, or refused */
    DS_PROBE_HANDSHAKE_FAILED,  /* the TLS handshake (or its end) failed */
    DS_PROBE_UNTRUSTED,         /* the chain does not verify to the CAs */
    DS_PROBE_NAME_MISMATCH,     /* no match= name in the certificate */
    DS_PROBE_EXPIRED,           /* expired or not yet valid */
    DS_PROBE_NOT_DOMAIN_SECURE, /* the domain is not on the send list */
    DS_PROBE_RESULT_COUNT
};

/* Warnings that do not change the verdict. */
enum ds_probe_warning {
    DS_PROBE_W_NO_CERT_REQUEST,  /* the server did not ask for ours */
    DS_PROBE_W_ISSUER_NOT_NAMED, /* our issuer is not in its CA names */
    DS_PROBE_W_NO_CLIENT_CERT,   /* we have no client certificate */
    DS_PROBE_W_ADDRESS_FAILED,   /* another address fails */
    DS_PROBE_W_COUNT
};

/* "ok", "unreachable", ...: names for output, and back (-1: unknown). */
const char *ds_probe_result_name(enum ds_probe_result r);
int ds_probe_result_code(const char *name);
const char *ds_probe_warning_name(enum ds_probe_warning w);

/* Seconds allowed for each step (connect, each SMTP reply, the TLS
 * handshake, each DNS query). */
struct ds_probe_timeouts {
    int connect, reply, tls, dns;
};

#define DS_PROBE_DEFAULT_CONNECT 10
#define DS_PROBE_DEFAULT_REPLY 30
#define DS_PROBE_DEFAULT_TLS 30
#define DS_PROBE_DEFAULT_DNS 10
/* Addresses tried at most (Postfix's smtp_mx_address_limit default). */
#define DS_PROBE_MAX_ADDRESSES 5

/* ---- addresses (probe_dns.c) -------------------------------------------- */

struct ds_probe_addr {
    char host[256]; /* the MX host, smart host or named host */
    int preference; /* MX preference; -1 when not from an MX record */
    char ip[64];    /* printable address */
    int port;
    struct sockaddr_storage sa;
    socklen_t salen;
};

struct ds_probe_hops {
    struct ds_probe_addr *v;
    size_t n, cap;
    size_t dropped;          /* addresses beyond DS_PROBE_MAX_ADDRESSES */
    struct ds_strlist notes; /* how they were found, one line each */
    /* When nothing can be tried: why (a lookup that failed, a null MX). */
    char error[300];
};

/* A name server for the lookups instead of /etc/resolv.conf's: an IPv4 or
 * IPv6 address and port. */
struct ds_probe_ns {
    bool set;
    struct sockaddr_storage sa;
    socklen_t salen;
};

/*
 * The addresses Postfix tries for a DNS-routed domain: its MX hosts by
 * preference (equal preferences in answer order), each host's IPv6 then
 * IPv4 addresses; without MX records, the domain's own addresses. A null
 * MX, a domain that does not exist or a lookup that fails leaves hops
 * empty with the reason in hops->error. Returns 0, or -1 when out of
 * memory. Free with ds_probe_hops_free.
 */
int ds_probe_resolve_mx(const char *domain, int port,
                        const struct ds_probe_ns *ns,
                        const struct ds_probe_timeouts *t,
                        struct ds_probe_hops *hops);
/* The addresses of each smart host, in order (no MX lookup: Postfix's
 * "[host]:port"), as the configuration parsed them: a name (A-labels) or
 * an address, each with its own port (dsconfig.h). */
int ds_probe_resolve_hosts(const struct ds_smarthost *hosts, size_t n,
                           const struct ds_probe_ns *ns,
                           const struct ds_probe_timeouts *t,
                           struct ds_probe_hops *hops);
/* HOST[:PORT] or [HOST]:PORT given by the admin (--connect), through the
 * system's resolver (getaddrinfo). Returns 0, -1 out of memory, or -2
 * when the spelling is wrong (hops->error says how). */
int ds_probe_resolve_connect(const char *spec, int default_port,
                             struct ds_probe_hops *hops);
void ds_probe_hops_free(struct ds_probe_hops *hops);
/* "ADDRESS[:PORT]" for --nameserver. Returns 0 or -1. */
int ds_probe_ns_parse(const char *spec, struct ds_probe_ns *ns);

/* ---- one session (probe_smtp.c, probe_tls.c) ---------------------------- */

/* What the session presents and expects. */
struct ds_probe_params {
    const char *helo;   /* the send connector's fqdn */
    const char *cafile; /* the CAs the chain must verify to; NULL: none */
    /* Our client certificate (PEM files as Postfix's smtp_tls_chain_files
     * take them); cert NULL: none. */
    const char *cert_file, *key_file, *chain_file;
    struct ds_strlist match; /* names, ".d" for any name under d */
    long long at;            /* verification time */
    struct ds_probe_timeouts timeouts;
};

struct ds_probe_tls; /* a client TLS context, built once per probe */

/* Build the TLS context: the CA file, our certificate and key. Returns
 * NULL with a one-line reason in err (a file that cannot be read, a key
 * that does not match). */
struct ds_probe_tls *ds_probe_tls_new(const struct ds_probe_params *p,
                                      char *err, size_t errsize);
void ds_probe_tls_free(struct ds_probe_tls *t);

/* A certificate the server sent. */
struct ds_probe_cert {
    char *subject, *issuer; /* Windows form, as domsec-policy certs prints */
    struct ds_strlist dns_names;
    long long not_before, not_after;
    char thumbprint[41]; /* SHA-1 of the DER, upper-case hex */
};

struct ds_probe_session {
    const struct ds_probe_addr *addr;
    bool reachable;     /* TCP connected and greeted with 2xx */
    char greeting[256]; /* the first greeting line */
    bool starttls;      /* offered in the EHLO reply */
    bool tls;           /* the handshake completed */
    char version[32], cipher[128];
    struct ds_probe_cert *chain; /* leaf first */
    size_t nchain;
    bool trusted;           /* the chain verifies to the CAs */
    bool expired;           /* a certificate in it is out of its dates */
    char verify_error[700]; /* OpenSSL's first error, "" when none */
    bool name_match;
    char matched[256];          /* the certificate name that matched */
    bool cert_requested;        /* CertificateRequest received */
    struct ds_strlist ca_names; /* its CA names, Windows form */
    bool issuer_named;          /* our issuer (or chain) among them */
    bool cert_sent;             /* we sent a certificate */
    enum ds_probe_result result;
    char detail[1024]; /* one line: what failed, at which step */
};

/* Run one session against a; fills *s (free with
 * ds_probe_session_free). Returns 0, or -1 when out of memory. */
int ds_probe_session_run(struct ds_probe_tls *t,
                         const struct ds_probe_params *p,
                         const struct ds_probe_addr *a,
                         struct ds_probe_session *s);
void ds_probe_session_free(struct ds_probe_session *s);

/* ---- a whole probe, as cmd_probe.c plans and runs it (probe_out.c) ------ */

struct ds_probe_warn {
    enum ds_probe_warning code;
    char text[400];
};

#define DS_PROBE_MAX_WARNINGS 8

struct ds_probe_run {
    const char *domain; /* normalised */
    long long at;
    const char *list_entry; /* tls_send_domain_secure_list entry, or NULL */
    const char *connector;  /* the send connector's name */
    const char *route_key;  /* transport key ("*": default_transport), or
                               NULL for --connector */
    const char *routing;    /* "dns", "smart-hosts" or "connect" */
    bool connector_dns;     /* the connector routes by DNS (not --connect) */
    const char *level;      /* "secure", "encrypt", "may": the policy */
    const char *policy_key; /* the tls_policy key, or NULL */
    /* Not on the send list: what Postfix does instead (else NULL), and the
     * verdict as if it were (DS_PROBE_RESULT_COUNT when not probed). */
    char *instead;
    enum ds_probe_result if_listed;
    char if_listed_detail[1400];
    struct ds_probe_params params;
    /* The client certificate select chose (NULL: none). */
    const char *cert_name, *cert_thumbprint, *cert_subject, *cert_issuer;
    long long cert_not_after;
    struct ds_probe_hops hops;
    struct ds_probe_session *sessions;
    size_t nsessions;
    enum ds_probe_result result;
    char detail[1400];
    struct ds_probe_warn warnings[DS_PROBE_MAX_WARNINGS];
    size_t nwarnings;
    struct ds_strlist notes; /* how the plan was made, one line each */
};

/* The warnings of one session (at most max): no CertificateRequest, our
 * issuer not among its CA names. Returns how many. */
size_t ds_probe_session_warnings(const struct ds_probe_session *s,
                                 struct ds_probe_warn *w, size_t max);

/* "192.0.2.1 port 25 (mx1.example.com, MX 10)" into buf; returns buf. */
const char *ds_probe_addr_label(const struct ds_probe_addr *a, char *buf,
                                size_t size);
/* For the admin at 3 a.m.: the verdict first, then every address. */
void ds_probe_print_text(FILE *fp, const struct ds_probe_run *r);
/* One JSON object (domsec-policy(8), JSON OUTPUT). */
void ds_probe_print_json(FILE *fp, const struct ds_probe_run *r);

#endif
