/*
 * dsconfig.h - the loaded configuration: one immutable struct built by one
 * function, used by domsec-policy and by every domsec-milter (re)load.
 *
 * Must not: be modified after ds_config_load() returns (the milter shares
 * one instance between threads), or load certificates and keys (that is
 * certstore.c, run by domsec-policy only).
 *
 * Named dsconfig.h, not config.h: that name is autoconf's generated header.
 */
#ifndef DS_DSCONFIG_H
#define DS_DSCONFIG_H

#include <stdbool.h>
#include <sys/types.h>

#include "diag.h"
#include "domains.h"
#include "util.h"

/* sysexits.h's EX_CONFIG: what both programs exit with on a bad config. */
#define DS_EXIT_CONFIG 78

enum ds_rules { DS_RULES_2016, DS_RULES_2007 };
enum ds_mode { DS_MODE_ENFORCE, DS_MODE_MONITOR };
enum ds_action { DS_ACTION_REJECT, DS_ACTION_TEMPFAIL, DS_ACTION_QUARANTINE };
enum ds_peer_match { DS_PEER_DOMAIN, DS_PEER_SUBDOMAIN };
enum ds_mta { DS_MTA_AUTO, DS_MTA_POSTFIX, DS_MTA_SENDMAIL };
enum ds_log_level { DS_LOG_ERROR, DS_LOG_WARNING, DS_LOG_INFO, DS_LOG_DEBUG };

/* Authentication mechanisms (receive) / smart host auth (send), as bits. */
enum ds_auth {
    DS_AUTH_TLS = 1 << 0,
    DS_AUTH_EXCHANGE_SERVER = 1 << 1,
    DS_AUTH_BASIC = 1 << 2,
    DS_AUTH_BASIC_REQUIRE_TLS = 1 << 3,
    DS_AUTH_EXTERNALLY_SECURED = 1 << 4,
};

/* Where a section or option was written (real line numbers). */
struct ds_where {
    const char *file;
    int line;
};

struct ds_server {
    const char *fqdn, *hostname, *physical_fqdn, *physical_hostname;
    const char *internal_certificate; /* 40 upper-case hex digits or NULL */
    const char *trust_store;
    enum ds_rules rules;
    int expiry_warning_days;
    struct ds_where where, where_internal_certificate, where_trust_store;
};

struct ds_certconf {
    const char *name; /* the section title */
    /* Paths made absolute and canonical (ds_config_path_abs), relative
     * ones relative to the directory of the file they are written in (as
     * include() does). key and chain may be NULL. */
    const char *cert, *key, *chain;
    struct ds_strlist services; /* lower case */
    bool smtp;                  /* "smtp" in services */
    struct ds_where where, where_cert, where_key, where_chain;
};

/* A listening address from a receive connector's bindings, as Exchange
 * writes them: "0.0.0.0:25", "127.0.0.1:2525", "[::]:25", "[::1]:25". */
struct ds_binding {
    char addr[64]; /* without brackets */
    bool v6;
    int port;
    struct ds_where where; /* the line of this entry */
};

/* Parse one binding. Returns 0, or -1 when `s` is not one of the forms
 * above. */
int ds_config_parse_binding(const char *s, struct ds_binding *out);

/* A smart host, as Exchange and Postfix administrators write one:
 * "relay.example.net", "relay.example.net:587", "[relay.example.net]:587",
 * "192.0.2.25", "[192.0.2.25]", "[192.0.2.25]:2525",
 * "[ipv6:2001:db8::1]", "[ipv6:2001:db8::1]:2525" (also "[2001:db8::1]"
 * and a bare IPv6 address), names in Unicode (made A-labels). */
enum ds_host_kind { DS_HOST_NAME, DS_HOST_IPV4, DS_HOST_IPV6 };
struct ds_smarthost {
    const char *host; /* A-label name or address (no brackets, no ipv6:) */
    enum ds_host_kind kind;
    int port;      /* the port mail goes to (its own, else the connector's) */
    bool own_port; /* the port was written with the host */
    struct ds_where where; /* the line of this entry */
};

/* Parse one smart host; the host goes to host (size >= DS_DOMAIN_MAX + 2,
 * out->host points to it). Returns 0, or -1 with *why (a static message). */
int ds_config_parse_smarthost(const char *s, struct ds_smarthost *out,
                              char *host, size_t size, const char **why);

/* "[host]:port", "[192.0.2.25]:port", "[ipv6:2001:db8::1]:port": a Postfix
 * next hop (no MX lookup, the port written once). Returns buf. */
const char *ds_smarthost_nexthop(const struct ds_smarthost *h, char *buf,
                                 size_t size);

struct ds_recv_connector {
    const char *name, *daemon_name;
    struct ds_strlist bindings; /* as written */
    struct ds_binding *binds;   /* parsed, one per entry of bindings */
    size_t nbinds;
    const char *fqdn; /* effective: default server.physical_fqdn */
    bool fqdn_set;    /* written in the file */
    unsigned auth;    /* enum ds_auth bits */
    bool domain_secure, require_tls;
    const char *tls_certificate_name; /* NULL when unset */
    struct ds_where where, where_tls_certificate_name, where_auth;
};

struct ds_send_connector {
    const char *name;
    struct ds_strlist address_spaces; /* "*", "example.com", "*.example.com" */
    bool dns_routing;
    struct ds_strlist smart_hosts; /* as written */
    struct ds_smarthost *hosts;    /* parsed, one per entry */
    size_t nhosts;
    int port;
    bool port_set;    /* written in the file */
    const char *fqdn; /* effective: default server.fqdn */
    bool fqdn_set;
    bool domain_secure, require_tls;
    const char *tls_certificate_name;
    unsigned smart_host_auth; /* enum ds_auth bits */
    struct ds_where where, where_tls_certificate_name;
};

struct ds_partner {
    const char *domain;           /* normalised, may start with "." */
    struct ds_strlist peer_names; /* normalised certificate names */
    struct ds_strlist issuers;    /* issuer CNs, compared without case */
    bool has_action;
    enum ds_action action;
    struct ds_where where;
};

struct ds_milter_conf {
    const char *socket;
    mode_t socket_mode;
    const char *user; /* NULL: keep the starting user */
    enum ds_mode mode;
    enum ds_action action;
    enum ds_peer_match peer_match;
    const char *header;
    const char *default_connector; /* NULL: judge as domain-secure */
    enum ds_mta mta;
    const char *metrics_file; /* NULL: none */
    int syslog_facility;
    const char *syslog_facility_name;
    enum ds_log_level log_level;
};

struct ds_config {
    const char *path;
    struct ds_server server;

    struct ds_domainset receive_list; /* value: struct ds_partner * or NULL */
    struct ds_domainset send_list;
    struct ds_strlist receive_names, send_names; /* the lists, in file order */
    struct ds_where *send_where;     /* each name of send_names: its line */
    const char *partner_trust_store; /* NULL when unset */
    struct ds_where where_receive_list, where_send_list;
    struct ds_where where_partner_trust_store;

    struct ds_certconf *certs;
    size_t ncerts;
    struct ds_recv_connector *recv;
    size_t nrecv;
    struct ds_send_connector *send;
    size_t nsend;
    struct ds_partner *partners;
    size_t npartners;
    struct ds_milter_conf milter;

    struct ds_arena arena; /* owns every string above */
};

/*
 * Parse and validate FILE and the files it names that are not
 * certificates (transport.partner_trust_store: readable, PEM, at least one
 * CA certificate; a warning when it is a public CA bundle). Certificate
 * files are checked by ds_certfile_check_config() (the milter) or read by
 * the certificate store (domsec-policy), with the same codes. On success
 * returns the new configuration (free with ds_config_free) and may add
 * warnings to diag; on failure returns NULL with at least one error in
 * diag (each with its code, file:line and a hint): every error the file
 * holds once it parses, not only the first. Never exits; safe to call
 * from a reload thread (not from two threads at once: libconfuse's lexer
 * is global).
 */
struct ds_config *ds_config_load(const char *file, struct ds_diag *diag);

/* ds_config_load() with flags: DS_CONFIG_NO_RESOLVE leaves an unset
 * server.fqdn as gethostname() says, without asking the resolver for the
 * canonical name (domsec-milter never uses it, and must not make a DNS
 * query at every reload). */
#define DS_CONFIG_NO_RESOLVE 0x1u
struct ds_config *ds_config_load_flags(const char *file, unsigned flags,
                                       struct ds_diag *diag);
void ds_config_free(struct ds_config *cfg);

/*
 * `path` made absolute and canonical: a relative path is relative to the
 * directory of `base_file` (NULL: the working directory; a relative
 * base_file is taken from the working directory too); the directory part
 * is resolved (realpath: "..", "." and symbolic links to directories), the
 * last component kept as written (a certificate symlink renewed in place
 * stays the same path). Returns a malloc'ed string, or NULL when out of
 * memory.
 */
char *ds_config_path_abs(const char *base_file, const char *path);

/* The receive connector whose daemon_name is `daemon`, or NULL. */
const struct ds_recv_connector *
ds_config_recv_by_daemon(const struct ds_config *cfg, const char *daemon);
/* Connectors by name (section title), compared without case as Exchange
 * compares them. */
const struct ds_recv_connector *
ds_config_recv_by_name(const struct ds_config *cfg, const char *name);
const struct ds_send_connector *
ds_config_send_by_name(const struct ds_config *cfg, const char *name);

/* Names for enums, as written in the configuration file. */

#endif
