/*
 * config.h - the loaded configuration: one immutable struct built by one
 * function, used by domsec-policy and by every domsec-milter (re)load.
 *
 * Must not: be modified after ds_config_load() returns (the milter shares
 * one instance between threads), or load certificates and keys (that is
 * certstore.c, run by domsec-policy only).
 */
#ifndef DS_CONFIG_H
#define DS_CONFIG_H

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
    /* Paths as written, relative ones made relative to the directory of
     * the file they are written in (as include() does). key and chain
     * may be NULL. */
    const char *cert, *key, *chain;
    struct ds_strlist services; /* lower case */
    bool smtp;                  /* "smtp" in services */
    struct ds_where where, where_cert, where_key, where_chain;
};

struct ds_recv_connector {
    const char *name, *daemon_name;
    struct ds_strlist bindings;
    const char *fqdn; /* effective: default server.physical_fqdn */
    bool fqdn_set;    /* written in the file */
    unsigned auth;    /* enum ds_auth bits */
    bool domain_secure, require_tls;
    const char *tls_certificate_name; /* NULL when unset */
    struct ds_where where, where_tls_certificate_name;
};

struct ds_send_connector {
    const char *name;
    struct ds_strlist address_spaces; /* "*", "example.com", "*.example.com" */
    bool dns_routing;
    struct ds_strlist smart_hosts;
    int port;
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
    const char *partner_trust_store;             /* NULL when unset */
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
 * Parse and validate FILE. On success returns the new configuration
 * (free with ds_config_free) and may add warnings to diag; on failure
 * returns NULL with at least one error in diag (each with file:line and a
 * hint). Never exits; safe to call from a reload thread (not from two
 * threads at once: libconfuse's lexer is global).
 */
struct ds_config *ds_config_load(const char *file, struct ds_diag *diag);
void ds_config_free(struct ds_config *cfg);

/* The receive connector whose daemon_name is `daemon`, or NULL. */
const struct ds_recv_connector *
ds_config_recv_by_daemon(const struct ds_config *cfg, const char *daemon);
const struct ds_recv_connector *
ds_config_recv_by_name(const struct ds_config *cfg, const char *name);
const struct ds_send_connector *
ds_config_send_by_name(const struct ds_config *cfg, const char *name);

/* Names for enums, as written in the configuration file. */
const char *ds_action_name(enum ds_action a);
const char *ds_mode_name(enum ds_mode m);
const char *ds_rules_name(enum ds_rules r);

#endif
