/*
 * config_check.c - the checks of the configuration layer that need the
 * whole loaded configuration (several sections, or a file it names), run
 * by ds_config_load() before it returns: the same findings reach
 * check-config, lint, render and every milter (re)load.
 *
 * Must not: read certificates or keys (the certificate store and
 * certfile.c do), log, or exit.
 */
#include "dsconfig.h"

#include "config_int.h"

#include <string.h>

#include "certfile.h"
#include "route.h"

/* ---- listeners ---------------------------------------------------------- */

/* Would the MTA fail to listen on both? The same address and port, or a
 * wildcard address and any address of its family on the same port. */
static bool clash(const struct ds_binding *a, const struct ds_binding *b)
{
    if (a->port != b->port || a->v6 != b->v6)
        return false;
    const char *any = a->v6 ? "::" : "0.0.0.0";
    return strcmp(a->addr, b->addr) == 0 || strcmp(a->addr, any) == 0 ||
           strcmp(b->addr, any) == 0;
}

static void check_bindings(const struct ds_config *c, struct ds_diag *diag)
{
    char conn[300];
    for (size_t i = 0; i < c->nrecv; i++) {
        const struct ds_recv_connector *r = &c->recv[i];
        for (size_t j = 0; j < r->nbinds; j++) {
            const struct ds_binding *b = &r->binds[j];
            const struct ds_recv_connector *other = NULL;
            const struct ds_binding *ob = NULL;
            for (size_t k = 0; k <= i && other == NULL; k++)
                for (size_t m = 0; m < c->recv[k].nbinds; m++) {
                    if (k == i && m >= j)
                        break;
                    if (clash(&c->recv[k].binds[m], b)) {
                        other = &c->recv[k];
                        ob = &c->recv[k].binds[m];
                        break;
                    }
                }
            if (other == NULL)
                continue;
            snprintf(conn, sizeof(conn), "%s%s%s",
                     other == r ? "" : "receive connector \"",
                     other == r ? "this connector" : other->name,
                     other == r ? "" : "\"");
            ds_diag_code(
                diag, DS_CODE_DUPLICATE_BINDING, b->where.file, b->where.line,
                "give every listener its own address and port",
                "receive_connector \"%s\": bindings: %s%s%s:%d is "
                "already bound by %s (%s%s%s:%d)",
                r->name, b->v6 ? "[" : "", b->addr, b->v6 ? "]" : "", b->port,
                conn, ob->v6 ? "[" : "", ob->addr, ob->v6 ? "]" : "", ob->port);
        }
    }
}

/* Receive connectors that offer no TLS at all. */
static void check_tls(const struct ds_config *c, struct ds_diag *diag)
{
    for (size_t i = 0; i < c->nrecv; i++) {
        const struct ds_recv_connector *r = &c->recv[i];
        if (r->auth & (DS_AUTH_TLS | DS_AUTH_EXCHANGE_SERVER))
            continue;
        ds_diag_code(diag, DS_CODE_NO_TLS, r->where_auth.file,
                     r->where_auth.line,
                     "add \"tls\" to auth_mechanism (Set-ReceiveConnector "
                     "-AuthMechanism Tls)",
                     "receive connector %s offers no TLS: auth_mechanism has "
                     "neither tls nor exchange_server",
                     r->name);
    }
}

/* ---- the secure-domain lists -------------------------------------------- */

static void check_receive_list(const struct ds_config *c, struct ds_diag *diag)
{
    bool any = false;
    for (size_t i = 0; i < c->nrecv; i++)
        any |= c->recv[i].domain_secure;
    const char *hint = "set domain_secure_enabled on the partners' receive "
                       "connector and list the partners' domains";
    if (any && c->receive_names.n == 0)
        ds_diag_code(diag, DS_CODE_RECEIVE_LIST_EMPTY,
                     c->where_receive_list.file, c->where_receive_list.line,
                     hint,
                     "a receive connector has domain security, but "
                     "tls_receive_domain_secure_list is empty: nothing is "
                     "enforced");
    else if (!any && c->receive_names.n > 0)
        ds_diag_code(diag, DS_CODE_RECEIVE_LIST_UNUSED,
                     c->where_receive_list.file, c->where_receive_list.line,
                     hint,
                     "tls_receive_domain_secure_list lists %zu domain(s), but "
                     "no receive connector has domain_secure_enabled: their "
                     "mail is not checked",
                     c->receive_names.n);
}

/* Every domain on the send list must leave through a domain-secure send
 * connector: one whose address spaces cover it (route.h). */
static void check_send_list(const struct ds_config *c, struct ds_diag *diag)
{
    bool any = false;
    char hint[400];
    for (size_t i = 0; i < c->nsend; i++)
        any |= c->send[i].domain_secure;
    for (size_t i = 0; i < c->send_names.n; i++) {
        const char *d = c->send_names.v[i];
        if (ds_route_find(c, d, true) != NULL)
            continue;
        const struct ds_send_connector *other = ds_route_find(c, d, false);
        if (!any)
            snprintf(hint, sizeof(hint),
                     "set domain_secure_enabled = true on the send connector "
                     "that delivers to it");
        else
            snprintf(hint, sizeof(hint),
                     "add \"%s%s\" (or \"*\") to the address_spaces of a "
                     "domain-secure send connector",
                     d[0] == '.' ? "*" : "", d);
        ds_diag_code(diag, DS_CODE_SEND_UNCOVERED, c->send_where[i].file,
                     c->send_where[i].line, hint,
                     "%s is on tls_send_domain_secure_list, but no send "
                     "connector with domain_secure_enabled covers it%s%s%s: "
                     "mail to it is not domain-secured",
                     d, other ? " (it leaves through send connector " : "",
                     other ? other->name : "", other ? ")" : "");
    }
}

/* Domain-secured mail goes straight to the partner: Exchange refuses
 * DomainSecureEnabled on a send connector without DNS routing, and a
 * relay in between would verify the partner instead of us. */
static void check_send_routing(const struct ds_config *c,
                               struct ds_diag *diag)
{
    for (size_t i = 0; i < c->nsend; i++) {
        const struct ds_send_connector *s = &c->send[i];
        if (!s->domain_secure || s->dns_routing)
            continue;
        ds_diag_code(diag, DS_CODE_SECURE_SMART_HOST, s->where.file,
                     s->where.line,
                     "set dns_routing_enabled = true and remove smart_hosts, "
                     "or use another connector for partners",
                     "send connector %s has domain security but routes "
                     "through smart hosts: domain-secured mail must go "
                     "straight to the partner (DNS routing)",
                     s->name);
    }
}

void ds_config_check_cross(const struct ds_config *c, struct ds_diag *diag)
{
    check_bindings(c, diag);
    check_tls(c, diag);
    check_receive_list(c, diag);
    check_send_routing(c, diag);
    check_send_list(c, diag);
}

/* ---- files -------------------------------------------------------------- */

void ds_config_check_files(const struct ds_config *c, struct ds_diag *diag)
{
    const char *p = c->partner_trust_store;
    const struct ds_where *w = &c->where_partner_trust_store;
    struct ds_cafile info;
    char err[512];
    if (p == NULL)
        return;
    int n = ds_certfile_check_cas(p, &info, err, sizeof(err));
    if (n < 0)
        ds_diag_code(diag, DS_CODE_PARTNER_CAS_UNREADABLE, w->file, w->line,
                     "name a PEM file of the CA certificates your partners' "
                     "certificates chain to",
                     "transport: partner_trust_store: %s: %s", p, err);
    else if (n == 0)
        ds_diag_code(diag, DS_CODE_PARTNER_CAS_NO_CA, w->file, w->line,
                     "put the partners' CA certificates in it (issuers, not "
                     "their servers' certificates)",
                     "transport: partner_trust_store: %s holds %d "
                     "certificate(s), none of them a CA",
                     p, info.certs);
    else if (info.public_bundle)
        ds_diag_code(diag, DS_CODE_PARTNER_CAS_PUBLIC, w->file, w->line,
                     "keep only the CAs your partners use in a file of its "
                     "own",
                     "transport: partner_trust_store: %s is a bundle of "
                     "public CAs (%d CA certificates): anyone with a "
                     "certificate from any of them passes the TLS step",
                     p, info.cas);
}
