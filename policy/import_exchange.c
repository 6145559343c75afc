/*
 * import_exchange.c - Exchange objects (Format-List, formatlist.h) into
 * the import model (import.h): which cmdlet an object came from (by its
 * properties), each property that has a domsec option read and checked,
 * and a note for each one that has none. import_resolve.c then decides
 * what belongs to the one server domsec.conf describes.
 *
 * Must not: convert a value it cannot convert faithfully: a list cut at
 * $FormatEnumerationLimit, a boolean that is not True/False or a domain
 * that is no domain stops the import at its file:line.
 */
#include "import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domains.h"
#include "import_int.h"

/* ---- Get-TransportConfig ------------------------------------------------ */

/* Every entry of a secure-domain list must be a domain. */
static bool check_domains(struct ds_import *im, const struct ds_fl_obj *o,
                          const char *prop, const struct ds_strlist *l)
{
    bool ok = true;
    for (size_t i = 0; i < l->n; i++) {
        char buf[DS_DOMAIN_MAX + 2];
        const char *why;
        if (ds_domain_normalise(l->v[i], strlen(l->v[i]), buf, 0, &why) < 0) {
            ds_import_error(im, o, ds_fl_get(o, prop),
                            "Set-TransportConfig takes domain names; fix the "
                            "entry in Exchange or in the exported file",
                            "%s: \"%s\": %s", prop, l->v[i], why);
            ok = false;
        }
    }
    return ok;
}

static bool same_list(const struct ds_strlist *a, const struct ds_strlist *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (ds_strcasecmp(a->v[i], b->v[i]) != 0)
            return false;
    return true;
}

static bool read_transport(struct ds_import *im, const struct ds_fl_obj *o)
{
    struct ds_import_transport t = {.found = true, .where = {o->file, o->line}};
    if (!ds_import_read_list(im, o, "TLSReceiveDomainSecureList", true,
                             &t.receive, &im->notes) ||
        !ds_import_read_list(im, o, "TLSSendDomainSecureList", true, &t.send,
                             &im->notes) ||
        !check_domains(im, o, "TLSReceiveDomainSecureList", &t.receive) ||
        !check_domains(im, o, "TLSSendDomainSecureList", &t.send))
        return false;
    if (!im->transport.found) {
        im->transport = t;
        return true;
    }
    if (same_list(&t.receive, &im->transport.receive) &&
        same_list(&t.send, &im->transport.send))
        return true;
    ds_import_error(im, o, NULL,
                    "give one Get-TransportConfig output (the organisation "
                    "has one transport configuration)",
                    "a second Get-TransportConfig object with other "
                    "secure-domain lists than the one at %s:%d",
                    im->transport.where.file, im->transport.where.line);
    return false;
}

/* ---- Get-ReceiveConnector ----------------------------------------------- */

/* "SERVER\Name" -> "SERVER" (or NULL). */
static const char *identity_server(struct ds_arena *a, const char *id)
{
    const char *bs = strchr(id, '\\');
    return bs && bs > id ? ds_arena_strndup(a, id, (size_t)(bs - id)) : NULL;
}

static bool covers_everything(const struct ds_strlist *ranges)
{
    for (size_t i = 0; i < ranges->n; i++)
        if (strcmp(ranges->v[i], "0.0.0.0-255.255.255.255") == 0 ||
            ds_strcasecmp(ranges->v[i],
                          "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") == 0)
            return true;
    return false;
}

static bool read_recv(struct ds_import *im, const struct ds_fl_obj *o,
                      struct ds_import_recv *r)
{
    struct ds_strlist ranges;
    r->where = (struct ds_import_where){o->file, o->line};
    r->identity = ds_fl_str(o, "Identity");
    r->name = ds_import_opt_str(o, "Name");
    if (r->name == NULL && strchr(r->identity, '\\'))
        r->name = strchr(r->identity, '\\') + 1;
    if (r->name == NULL || r->name[0] == '\0')
        r->name = ds_arena_printf(&im->a, "receive connector %s:%d", o->file,
                                  o->line);
    r->server = ds_import_opt_str(o, "Server");
    if (r->server == NULL)
        r->server = identity_server(&im->a, r->identity);
    r->fqdn = ds_import_opt_str(o, "Fqdn");
    r->tls_name = ds_import_opt_str(o, "TlsCertificateName");
    r->transport_role = ds_fl_str(o, "TransportRole");
    r->remote_ranges = ds_fl_str(o, "RemoteIPRanges");
    bool ok = ds_import_read_bool(im, o, "Enabled", true, &r->enabled);
    ok = ds_import_read_bool(im, o, "DomainSecureEnabled", false,
                             &r->domain_secure) &&
         ok;
    ok = ds_import_read_bool(im, o, "RequireTLS", false, &r->require_tls) && ok;
    ok =
        ds_import_read_list(im, o, "Bindings", true, &r->bindings, &r->notes) &&
        ok;
    ok = ds_import_read_mechanisms(im, o, "AuthMechanism", true, &r->auth,
                                   &r->notes) &&
         ok;
    ok = ds_import_read_list(im, o, "PermissionGroups", false, &r->perms,
                             &r->notes) &&
         ok;
    ok = ds_import_read_list(im, o, "RemoteIPRanges", false, &ranges,
                             &r->notes) &&
         ok;
    r->all_remote =
        ds_fl_get(o, "RemoteIPRanges") == NULL || covers_everything(&ranges);
    if (!r->all_remote)
        DS_IMPORT_NOTE(im, &r->notes,
                       "RemoteIPRanges %s: not converted: a Postfix listener "
                       "serves every client of its address and port (restrict "
                       "clients with smtpd_client_restrictions)",
                       r->remote_ranges);
    return ok;
}

/* ---- Get-SendConnector -------------------------------------------------- */

/* "SMTP:woodgrovebank.com;1", "woodgrovebank.com;1", "X400:...;1":
 * type (or NULL), address and cost (-1 when none) in the arena. */
static void split_space(struct ds_arena *a, const char *s, const char **type,
                        const char **addr, long *cost)
{
    const char *semi = strrchr(s, ';'), *colon = strchr(s, ':');
    size_t len = strlen(s);
    char *end = NULL;
    *cost = -1;
    if (semi) {
        long c = strtol(semi + 1, &end, 10);
        if (end != semi + 1 && *end == '\0' && c >= 0) {
            *cost = c;
            len = (size_t)(semi - s);
        }
    }
    *type = NULL;
    if (colon && (size_t)(colon - s) < len) {
        const char *p = s;
        while (p < colon &&
               ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                (*p >= '0' && *p <= '9')))
            p++;
        if (p == colon && p > s) {
            *type = ds_arena_strndup(a, s, (size_t)(colon - s));
            len -= (size_t)(colon + 1 - s);
            s = colon + 1;
        }
    }
    *addr = ds_arena_strndup(a, s, len);
}

/* AddressSpaces into domsec address spaces; the rest become notes. */
static bool read_spaces(struct ds_import *im, const struct ds_fl_obj *o,
                        struct ds_import_send *s)
{
    struct ds_strlist in;
    if (!ds_import_read_list(im, o, "AddressSpaces", true, &in, &s->notes))
        return false;
    s->spaces.v = ds_arena_calloc(&im->a, in.n + 1, sizeof(char *));
    s->costs.v = ds_arena_calloc(&im->a, in.n + 1, sizeof(char *));
    if (s->spaces.v == NULL || s->costs.v == NULL) {
        im->oom = true;
        return false;
    }
    s->min_cost = -1;
    for (size_t i = 0; i < in.n; i++) {
        const char *type, *addr, *why;
        char buf[DS_DOMAIN_MAX + 2];
        long cost;
        split_space(&im->a, in.v[i], &type, &addr, &cost);
        if (type && ds_strcasecmp(type, "SMTP") != 0) {
            DS_IMPORT_NOTE(im, &s->notes,
                           "address space %s: not converted: domsec routes "
                           "SMTP addresses only",
                           in.v[i]);
            continue;
        }
        if (strcmp(addr, "--") == 0) {
            s->internal = true;
            continue;
        }
        if (strcmp(addr, "*") != 0 &&
            ds_domain_normalise(
                addr, strlen(addr), buf,
                DS_DOMAIN_ALLOW_WILDCARD | DS_DOMAIN_ALLOW_SINGLE, &why) < 0) {
            DS_IMPORT_NOTE(im, &s->notes,
                           "address space %s: not converted: %s is not a "
                           "domain domsec can route (%s)",
                           in.v[i], addr, why);
            continue;
        }
        s->spaces.v[s->spaces.n++] = addr;
        if (cost >= 0) {
            s->costs.v[s->costs.n++] =
                ds_arena_printf(&im->a, "%s;%ld", addr, cost);
            if (s->min_cost < 0 || cost < s->min_cost)
                s->min_cost = cost;
        }
    }
    return true;
}

static bool read_port(struct ds_import *im, const struct ds_fl_obj *o,
                      long *port)
{
    const struct ds_fl_prop *p = ds_fl_get(o, "Port");
    char *end;
    *port = 25;
    if (p == NULL || p->value[0] == '\0')
        return true;
    *port = strtol(p->value, &end, 10);
    if (*end == '\0' && *port >= 1 && *port <= 65535)
        return true;
    ds_import_error(im, o, p, "a TCP port, 1 to 65535",
                    "Port: \"%s\" is not a port", p->value);
    return false;
}

/* Settings of a send connector that domsec does not have. */
static void send_notes(struct ds_import *im, const struct ds_fl_obj *o,
                       struct ds_import_send *s)
{
    const char *level = ds_import_opt_str(o, "TlsAuthLevel"),
               *dom = ds_import_opt_str(o, "TlsDomain");
    bool ignore = false;
    if (s->costs.n > 0) {
        char list[1024] = "";
        for (size_t i = 0; i < s->costs.n; i++)
            snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
                     i ? ", " : "", s->costs.v[i]);
        DS_IMPORT_NOTE(im, &s->notes,
                       "address space costs (%s): not converted: domsec takes "
                       "the most specific address space, then the connector "
                       "written first",
                       list);
    }
    for (size_t i = 0; i < s->shauth.n; i++)
        if (strncmp(s->shauth.v[i], "basic_auth", 10) == 0) {
            DS_IMPORT_NOTE(im, &s->notes,
                           "the smart host's user name and password "
                           "(AuthenticationCredential) are not in Format-List "
                           "output: give Postfix an smtp_sasl_password_maps "
                           "entry for the smart hosts");
            break;
        }
    if (level)
        DS_IMPORT_NOTE(im, &s->notes,
                       "TlsAuthLevel %s%s%s: not converted: domsec verifies "
                       "the server certificate for the domains on "
                       "tls_send_domain_secure_list",
                       level, dom ? ", TlsDomain " : "", dom ? dom : "");
    if (ds_fl_get(o, "IgnoreSTARTTLS") &&
        ds_import_read_bool(im, o, "IgnoreSTARTTLS", false, &ignore) && ignore)
        DS_IMPORT_NOTE(im, &s->notes,
                       "IgnoreSTARTTLS True: not converted: domsec always uses "
                       "STARTTLS when the server offers it");
}

static bool read_send(struct ds_import *im, const struct ds_fl_obj *o,
                      struct ds_import_send *s)
{
    s->where = (struct ds_import_where){o->file, o->line};
    s->identity = ds_fl_str(o, "Identity");
    s->name = ds_import_opt_str(o, "Name");
    if (s->name == NULL)
        s->name = s->identity[0]
                      ? s->identity
                      : ds_arena_printf(&im->a, "send connector %s:%d", o->file,
                                        o->line);
    s->fqdn = ds_import_opt_str(o, "Fqdn");
    s->tls_name = ds_import_opt_str(o, "TlsCertificateName");
    bool ok = ds_import_read_bool(im, o, "Enabled", true, &s->enabled);
    ok = ds_import_read_bool(im, o, "DNSRoutingEnabled", true,
                             &s->dns_routing) &&
         ok;
    ok = ds_import_read_bool(im, o, "DomainSecureEnabled", false,
                             &s->domain_secure) &&
         ok;
    ok = ds_import_read_bool(im, o, "RequireTLS", false, &s->require_tls) && ok;
    ok = read_port(im, o, &s->port) && ok;
    ok = read_spaces(im, o, s) && ok;
    ok = ds_import_read_list(im, o, "SmartHosts", true, &s->smart_hosts,
                             &s->notes) &&
         ok;
    ok = ds_import_read_list(im, o, "SourceTransportServers", true, &s->sources,
                             &s->notes) &&
         ok;
    ok = ds_import_read_mechanisms(im, o, "SmartHostAuthMechanism", false,
                                   &s->shauth, &s->notes) &&
         ok;
    for (size_t i = 0; i < s->smart_hosts.n; i++)
        if (strcmp(s->smart_hosts.v[i], "--") == 0)
            s->internal = true;
    if (ok)
        send_notes(im, o, s);
    return ok;
}

/* ---- Get-ExchangeCertificate -------------------------------------------- */

static const char *const services[] = {
    "smtp", "imap", "pop", "iis", "um", "umcallrouter", "federation", "none"};

static bool read_services(struct ds_import *im, const struct ds_fl_obj *o,
                          struct ds_import_cert *c)
{
    struct ds_strlist in;
    if (!ds_import_read_list(im, o, "Services", true, &in, &c->notes))
        return false;
    c->services.v = ds_arena_calloc(&im->a, in.n + 1, sizeof(char *));
    if (c->services.v == NULL) {
        im->oom = true;
        return false;
    }
    for (size_t i = 0; i < in.n; i++) {
        size_t k = 0;
        while (k < DS_ARRAY_LEN(services) &&
               ds_strcasecmp(in.v[i], services[k]) != 0)
            k++;
        if (k < DS_ARRAY_LEN(services))
            c->services.v[c->services.n++] = services[k];
        else
            DS_IMPORT_NOTE(im, &c->notes,
                           "Services %s: not converted, domsec does not know "
                           "this service",
                           in.v[i]);
    }
    return true;
}

static bool read_cert(struct ds_import *im, const struct ds_fl_obj *o,
                      struct ds_import_cert *c)
{
    const struct ds_fl_prop *tp = ds_fl_get(o, "Thumbprint");
    char t[41];
    c->where = (struct ds_import_where){o->file, o->line};
    if (ds_thumbprint_normalise(tp->value, t) < 0) {
        ds_import_error(im, o, tp, "a SHA-1 thumbprint is 40 hex digits",
                        "Thumbprint: \"%s\" is not a SHA-1 thumbprint",
                        tp->value);
        return false;
    }
    c->thumbprint = ds_arena_strdup(&im->a, t);
    c->subject = ds_fl_str(o, "Subject");
    c->issuer = ds_fl_str(o, "Issuer");
    c->cn = ds_import_dn_cn(&im->a, c->subject);
    c->status = ds_import_opt_str(o, "Status");
    c->friendly = ds_import_opt_str(o, "FriendlyName");
    c->not_before = ds_fl_str(o, "NotBefore");
    c->not_after = ds_fl_str(o, "NotAfter");
    c->nb_ok = ds_import_parse_date(c->not_before, &c->nb);
    c->na_ok = ds_import_parse_date(c->not_after, &c->na);
    bool ok = ds_import_read_list(im, o, "CertificateDomains", false,
                                  &c->domains, &c->notes);
    ok = read_services(im, o, c) && ok;
    ok = ds_import_read_tristate(im, o, "HasPrivateKey", &c->has_key) && ok;
    ok = ds_import_read_tristate(im, o, "IsSelfSigned", &c->self_signed) && ok;
    return ok;
}

/* ---- objects ------------------------------------------------------------ */

enum kind {
    K_UNKNOWN,
    K_TRANSPORT,
    K_SERVER,
    K_TSERVICE,
    K_RECV,
    K_SEND,
    K_CERT
};

/* Which cmdlet wrote the object: told by its properties, so that files
 * can come in any order and hold any number of objects. */
static enum kind classify(const struct ds_fl_obj *o)
{
#define HAS(n) (ds_fl_get(o, n) != NULL)
    if (HAS("Bindings") && HAS("AuthMechanism"))
        return K_RECV;
    if (HAS("AddressSpaces"))
        return K_SEND;
    if (HAS("Thumbprint") && (HAS("NotAfter") || HAS("CertificateDomains")))
        return K_CERT;
    if (HAS("TLSReceiveDomainSecureList") || HAS("TLSSendDomainSecureList"))
        return K_TRANSPORT;
    if (HAS("ServerRole") && HAS("Fqdn"))
        return K_SERVER;
    if (HAS("InternalTransportCertificateThumbprint"))
        return K_TSERVICE;
#undef HAS
    return K_UNKNOWN;
}

static void *grow(struct ds_import *im, void **v, size_t *n, size_t size)
{
    void *nv = realloc(*v, (*n + 1) * size);
    if (nv == NULL) {
        im->oom = true;
        return NULL;
    }
    *v = nv;
    memset((char *)nv + *n * size, 0, size);
    return (char *)nv + (*n)++ * size;
}

static void unknown_object(struct ds_import *im, const struct ds_fl_obj *o)
{
    char names[200] = "";
    for (size_t i = 0; i < o->n && i < 4; i++)
        snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
                 i ? ", " : "", o->props[i].name);
    DS_IMPORT_NOTE(im, &im->notes,
                   "%s:%d: an object with the properties %s%s: not converted: "
                   "it is not from one of the cmdlets import reads",
                   o->file, o->line, names, o->n > 4 ? ", ..." : "");
    ds_diag_add(im->diag, DS_SEV_WARNING, o->file, o->line,
                "import reads Get-TransportConfig, Get-ExchangeServer, "
                "Get-TransportService, Get-ReceiveConnector, "
                "Get-SendConnector and Get-ExchangeCertificate output",
                "an object that is from none of the cmdlets import reads: "
                "ignored");
}

/* A certificate listed twice (the same thumbprint): kept once. */
static bool seen_cert(struct ds_import *im, const struct ds_import_cert *c)
{
    for (size_t i = 0; i < im->ncerts; i++)
        if (strcmp(im->certs[i].thumbprint, c->thumbprint) == 0) {
            DS_IMPORT_NOTE(im, &im->notes,
                           "%s:%d: certificate %s again (first at %s:%d): "
                           "converted once",
                           c->where.file, c->where.line, c->thumbprint,
                           im->certs[i].where.file, im->certs[i].where.line);
            return true;
        }
    return false;
}

static bool read_object(struct ds_import *im, const struct ds_fl_obj *o,
                        struct ds_import_objs *sv)
{
    switch (classify(o)) {
    case K_TRANSPORT:
        return read_transport(im, o);
    case K_SERVER:
        return ds_import_objs_add(im, &sv->servers, o);
    case K_TSERVICE:
        return ds_import_objs_add(im, &sv->tservices, o);
    case K_RECV: {
        struct ds_import_recv *r =
            grow(im, (void **)&im->recv, &im->nrecv, sizeof(*r));
        return r && read_recv(im, o, r);
    }
    case K_SEND: {
        struct ds_import_send *s =
            grow(im, (void **)&im->send, &im->nsend, sizeof(*s));
        return s && read_send(im, o, s);
    }
    case K_CERT: {
        struct ds_import_cert c = {0};
        bool ok = read_cert(im, o, &c);
        if (!ok || seen_cert(im, &c)) {
            ds_strlist_free(&c.notes);
            return ok;
        }
        struct ds_import_cert *slot =
            grow(im, (void **)&im->certs, &im->ncerts, sizeof(*slot));
        if (slot)
            *slot = c;
        else
            ds_strlist_free(&c.notes);
        return slot != NULL;
    }
    case K_UNKNOWN:
        unknown_object(im, o);
        return true;
    }
    return true;
}

int ds_import_build(struct ds_import *im, const struct ds_fl_doc *docs,
                    size_t ndocs, struct ds_diag *diag)
{
    struct ds_import_objs sv = {0};
    size_t errors = diag->nerrors;
    im->diag = diag;
    for (size_t d = 0; d < ndocs && !im->oom; d++)
        for (size_t i = 0; i < docs[d].n && !im->oom; i++)
            read_object(im, &docs[d].objs[i], &sv);
    if (!im->oom && diag->nerrors == errors)
        ds_import_resolve(im, &sv);
    free(sv.servers.v);
    free(sv.tservices.v);
    if (im->oom)
        return -2;
    return diag->nerrors == errors ? 0 : -1;
}

void ds_import_free(struct ds_import *im)
{
    for (size_t i = 0; i < im->nrecv; i++)
        ds_strlist_free(&im->recv[i].notes);
    for (size_t i = 0; i < im->nsend; i++)
        ds_strlist_free(&im->send[i].notes);
    for (size_t i = 0; i < im->ncerts; i++)
        ds_strlist_free(&im->certs[i].notes);
    free(im->recv);
    free(im->send);
    free(im->certs);
    ds_strlist_free(&im->server.notes);
    ds_strlist_free(&im->notes);
    ds_arena_free(&im->a);
    memset(im, 0, sizeof(*im));
}
