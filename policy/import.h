/*
 * import.h - `domsec-policy import exchange`: what was read from the
 * Exchange Management Shell's Format-List output (Get-TransportConfig,
 * Get-ExchangeServer, Get-TransportService, Get-ReceiveConnector,
 * Get-SendConnector, Get-ExchangeCertificate), mapped onto domsec.conf's
 * sections, with every setting that has no domsec equivalent kept as a
 * note that says why.
 *
 * import_exchange.c builds the model from the objects (formatlist.h),
 * certdir.c fills in certificate files (--certs DIR), import_write.c
 * writes the commented domsec.conf.
 *
 * Must not: drop anything silently (a setting is converted, or a note
 * says why not), or write files (cmd_import.c and certdir.c do).
 */
#ifndef DS_IMPORT_H
#define DS_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "formatlist.h"
#include "util.h"

/* Where an Exchange object (or property) was read. */
struct ds_import_where {
    const char *file;
    int line;
};

struct ds_import_server {
    bool found; /* a Get-ExchangeServer object was chosen */
    struct ds_import_where where;
    const char *name, *fqdn, *role, *version;
    const char *rules;   /* "2007", "2016", or NULL when unknown */
    bool found_internal; /* InternalTransportCertificateThumbprint read */
    struct ds_import_where where_internal;
    const char *internal; /* normalised thumbprint, NULL when empty */
    struct ds_strlist notes;
};

struct ds_import_transport {
    bool found;
    struct ds_import_where where;
    struct ds_strlist receive, send; /* as written (validated) */
};

struct ds_import_recv {
    struct ds_import_where where;
    const char *identity, *name, *server;
    struct ds_strlist bindings;
    const char *fqdn;           /* NULL: empty in Exchange */
    struct ds_strlist auth;     /* domsec's names, in Exchange's order */
    struct ds_strlist perms;    /* PermissionGroups */
    const char *transport_role; /* TransportRole, "" when absent */
    bool enabled, domain_secure, require_tls, all_remote;
    const char *remote_ranges; /* RemoteIPRanges as written */
    const char *tls_name;      /* TlsCertificateName, NULL when empty */
    const char *tls_note;      /* about tls_name, or NULL */
    const char *skip;          /* why the section is written as comments */
    struct ds_strlist notes;
};

struct ds_import_send {
    struct ds_import_where where;
    const char *identity, *name;
    struct ds_strlist spaces; /* domsec address spaces */
    struct ds_strlist costs;  /* "SPACE;COST" as written, for the note */
    long min_cost;
    struct ds_strlist smart_hosts, sources;
    bool enabled, dns_routing, domain_secure, require_tls, internal;
    long port;
    const char *fqdn, *tls_name, *tls_note;
    struct ds_strlist shauth; /* domsec's names */
    const char *skip;
    struct ds_strlist notes;
};

struct ds_import_cert {
    struct ds_import_where where;
    const char *thumbprint; /* normalised */
    const char *subject, *issuer, *cn, *status, *friendly;
    const char *not_before, *not_after; /* as written */
    long long nb, na;                   /* parsed (en-US or ISO), UTC */
    bool nb_ok, na_ok;
    struct ds_strlist domains, services; /* services: domsec's names */
    int has_key, self_signed;            /* 1, 0, or -1 when absent */
    const char *title;
    const char *skip;
    struct ds_strlist notes;
    /* --certs DIR (certdir.c) */
    bool found;
    const char *cert_path, *key_path, *chain_path, *origin;
    const char *real_subject, *real_issuer; /* as domsec prints them */
};

struct ds_import {
    struct ds_arena a;
    struct ds_diag *diag;
    struct ds_import_server server;
    struct ds_import_transport transport;
    struct ds_import_recv *recv;
    size_t nrecv;
    struct ds_import_send *send;
    size_t nsend;
    struct ds_import_cert *certs;
    size_t ncerts;
    struct ds_strlist notes; /* objects not converted at all */
    bool sorted_by_cost;     /* send connectors reordered by cost */
    bool oom;                /* a note could not be recorded */
};

/* Build the model from the objects of every input file. Returns 0; -1
 * after errors in im->diag (input that cannot be converted faithfully:
 * a cut list, a bad boolean, a bad domain); -2 when out of memory.
 * Warnings may be added either way. */
int ds_import_build(struct ds_import *im, const struct ds_fl_doc *docs,
                    size_t ndocs, struct ds_diag *diag);

/* After certificate files were placed: resolve tls_certificate_name
 * against the certificates, note the stale ones. Returns 0 or -2. */
int ds_import_finish(struct ds_import *im);

void ds_import_free(struct ds_import *im);

/* What the writer needs besides the model. */
struct ds_import_out {
    const char *output;    /* --output FILE (absolute), or NULL: stdout */
    const char *certs_dir; /* --certs DIR, or NULL */
    const char *trust_store, *partner_trust_store; /* NULL: defaults */
    const char *const *inputs;
    size_t ninputs;
};

/* The commented domsec.conf into b (b->oom on failure). */
void ds_import_write(const struct ds_import *im, const struct ds_import_out *o,
                     struct ds_buf *b);

#endif
