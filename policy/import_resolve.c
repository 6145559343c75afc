/*
 * import_resolve.c - the decisions of an import once every object was
 * read (import.h): the one server domsec.conf describes, its internal
 * certificate, which connectors and certificates are not converted and
 * why (other servers, disabled, internal to Exchange, not enabled for
 * SMTP, a binding Postfix cannot share), send connectors in Exchange's
 * cost order, certificate titles, and tls_certificate_name checked
 * against the certificates.
 *
 * Must not: read files or print; every decision leaves a note that the
 * written configuration carries.
 */
#include "import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certstore.h"
#include "import_int.h"

bool ds_import_objs_add(struct ds_import *im, struct ds_import_objlist *l,
                        const struct ds_fl_obj *o)
{
    const struct ds_fl_obj **v = realloc(l->v, (l->n + 1) * sizeof(*v));
    if (v == NULL) {
        im->oom = true;
        return false;
    }
    v[l->n++] = o;
    l->v = v;
    return true;
}

const char *ds_import_join(struct ds_arena *a, const struct ds_strlist *l)
{
    size_t len = 1;
    for (size_t i = 0; i < l->n; i++)
        len += strlen(l->v[i]) + 2;
    char *s = ds_arena_alloc(a, len);
    if (s == NULL)
        return "";
    s[0] = '\0';
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            strcat(s, ", ");
        strcat(s, l->v[i]);
    }
    return s;
}

/* ---- the server --------------------------------------------------------- */

/* The one server every receive connector belongs to, or NULL. */
static const char *connectors_server(const struct ds_import *im)
{
    const char *name = NULL;
    for (size_t i = 0; i < im->nrecv; i++) {
        const char *s = im->recv[i].server;
        if (s == NULL)
            continue;
        if (name && ds_strcasecmp(name, s) != 0)
            return NULL;
        name = s;
    }
    return name;
}

/* "Version 15.2 (Build 1118.7)": Exchange 2007 is version 8. */
static const char *rules_of(const char *version)
{
    int major;
    if (sscanf(version, "Version %d.", &major) != 1 &&
        sscanf(version, "%d.", &major) != 1)
        return NULL;
    return major <= 8 ? "2007" : "2016";
}

static const struct ds_fl_obj *pick_by_name(const struct ds_import_objlist *l,
                                            const char *name)
{
    for (size_t i = 0; name && i < l->n; i++)
        if (ds_strcasecmp(ds_fl_str(l->v[i], "Name"), name) == 0)
            return l->v[i];
    return l->n == 1 && name == NULL ? l->v[0] : NULL;
}

static void not_this_server(struct ds_import *im,
                            const struct ds_import_objlist *l,
                            const struct ds_fl_obj *pick, const char *cmdlet)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i] != pick)
            DS_IMPORT_NOTE(im, &im->notes,
                           "%s:%d: %s %s: not converted: this file describes "
                           "server %s",
                           l->v[i]->file, l->v[i]->line, cmdlet,
                           ds_fl_str(l->v[i], "Name"),
                           im->server.name ? im->server.name : "(unknown)");
}

/* The internal transport certificate, from Get-TransportService (or
 * the server object, when it carries the property). */
static void internal_certificate(struct ds_import *im,
                                 const struct ds_fl_obj *o)
{
    const struct ds_fl_prop *p =
        ds_fl_get(o, "InternalTransportCertificateThumbprint");
    char t[41];
    if (p == NULL)
        return;
    im->server.found_internal = true;
    im->server.where_internal = (struct ds_import_where){o->file, p->line};
    if (p->value[0] == '\0')
        DS_IMPORT_NOTE(im, &im->server.notes,
                       "InternalTransportCertificateThumbprint is empty: "
                       "anonymous TLS (exchange_server) has no certificate "
                       "(event 12012)");
    else if (ds_thumbprint_normalise(p->value, t) < 0)
        ds_import_error(im, o, p, "a SHA-1 thumbprint is 40 hex digits",
                        "InternalTransportCertificateThumbprint: \"%s\" is not "
                        "a SHA-1 thumbprint",
                        p->value);
    else
        im->server.internal = ds_arena_strdup(&im->a, t);
}

/* The only Edge server among several (domsec takes an Edge's place), or
 * NULL. */
static const struct ds_fl_obj *only_edge(const struct ds_import_objlist *l)
{
    const struct ds_fl_obj *edge = NULL;
    for (size_t i = 0; i < l->n; i++)
        if (strcasestr(ds_fl_str(l->v[i], "ServerRole"), "Edge")) {
            if (edge)
                return NULL;
            edge = l->v[i];
        }
    return edge;
}

/* One server: the only one given, else the one every receive connector
 * belongs to, else the only Edge server. */
static void choose_server(struct ds_import *im, const struct ds_import_objs *sv)
{
    struct ds_import_server *s = &im->server;
    const char *name = connectors_server(im);
    const struct ds_fl_obj *pick = sv->servers.n == 1
                                       ? sv->servers.v[0]
                                       : pick_by_name(&sv->servers, name);
    if (pick == NULL && sv->servers.n > 1)
        pick = only_edge(&sv->servers);
    if (sv->servers.n > 1 && pick == NULL) {
        ds_import_error(im, sv->servers.v[0], NULL,
                        "export one server: Get-ExchangeServer NAME | "
                        "Format-List > server.txt",
                        "%zu Get-ExchangeServer objects, and neither the "
                        "receive connectors nor the server roles tell which "
                        "one this is: domsec.conf describes one server",
                        sv->servers.n);
        return;
    }
    if (pick) {
        s->found = true;
        s->where = (struct ds_import_where){pick->file, pick->line};
        s->name = ds_fl_str(pick, "Name");
        s->fqdn = ds_fl_str(pick, "Fqdn");
        s->role = ds_fl_str(pick, "ServerRole");
        s->version = ds_fl_str(pick, "AdminDisplayVersion");
        s->rules = rules_of(s->version);
        internal_certificate(im, pick);
    } else {
        s->name = name;
        ds_diag_add(im->diag, DS_SEV_WARNING, NULL, 0,
                    "add `Get-ExchangeServer NAME | Format-List > "
                    "server.txt` to the files",
                    "no Get-ExchangeServer output: server.fqdn is left to "
                    "its default (this host's name)");
    }
    not_this_server(im, &sv->servers, pick, "Get-ExchangeServer");
    const struct ds_fl_obj *ts = pick_by_name(&sv->tservices, s->name);
    if (ts && !s->found_internal)
        internal_certificate(im, ts);
    not_this_server(im, &sv->tservices, ts, "Get-TransportService");
}

/* ---- receive connectors ------------------------------------------------- */

/* Why a receive connector only serves Exchange itself, or NULL. */
static const char *internal_only(struct ds_import *im,
                                 const struct ds_import_recv *r)
{
    static const char *const open[] = {"AnonymousUsers", "Partners",
                                       "ExchangeUsers", "Custom"};
    bool anyone = false;
    for (size_t i = 0; i < r->perms.n; i++)
        for (size_t k = 0; k < DS_ARRAY_LEN(open); k++)
            anyone = anyone || ds_strcasecmp(r->perms.v[i], open[k]) == 0;
    if (r->perms.n > 0 && !anyone)
        return ds_arena_printf(&im->a,
                               "internal to Exchange: only Exchange servers "
                               "may use it (PermissionGroups %s)",
                               ds_import_join(&im->a, &r->perms));
    if (ds_strcasecmp(r->transport_role, "HubTransport") == 0 &&
        im->server.role && im->server.role[0] &&
        strcasestr(im->server.role, "Edge") == NULL)
        return "internal to Exchange: it is the Mailbox server's Transport "
               "service (TransportRole HubTransport), which only the Front "
               "End Transport service and other Exchange servers reach";
    return NULL;
}

static bool share_binding(const struct ds_import_recv *a,
                          const struct ds_import_recv *b, const char **which)
{
    for (size_t i = 0; i < a->bindings.n; i++)
        for (size_t k = 0; k < b->bindings.n; k++)
            if (ds_strcasecmp(a->bindings.v[i], b->bindings.v[k]) == 0) {
                *which = a->bindings.v[i];
                return true;
            }
    return false;
}

/* Two connectors on one address and port: Exchange chose between them by
 * the client's address, Postfix cannot. The one for every client stays. */
static void binding_conflicts(struct ds_import *im)
{
    for (size_t i = 0; i < im->nrecv; i++)
        for (size_t j = 0; j < i && !im->recv[i].skip; j++) {
            struct ds_import_recv *a = &im->recv[j], *b = &im->recv[i];
            const char *bind;
            if (a->skip || !share_binding(a, b, &bind))
                continue;
            struct ds_import_recv *loser =
                b->all_remote && !a->all_remote ? a : b;
            struct ds_import_recv *winner = loser == a ? b : a;
            loser->skip = ds_arena_printf(
                &im->a,
                "binding %s is also receive connector \"%s\"'s: Exchange "
                "told them apart by the client's address (RemoteIPRanges "
                "%s), a Postfix listener cannot (one listener per address "
                "and port)",
                bind, winner->name,
                loser->remote_ranges[0] ? loser->remote_ranges : "{}");
        }
}

static void receive_skips(struct ds_import *im)
{
    const char *me = im->server.name;
    for (size_t i = 0; i < im->nrecv; i++) {
        struct ds_import_recv *r = &im->recv[i];
        if (me && r->server && ds_strcasecmp(me, r->server) != 0)
            r->skip = ds_arena_printf(&im->a,
                                      "it belongs to server %s; this file "
                                      "describes %s",
                                      r->server, me);
        else if (!r->enabled)
            r->skip = "disabled in Exchange (Enabled False)";
        else
            r->skip = internal_only(im, r);
    }
    binding_conflicts(im);
}

/* ---- send connectors ---------------------------------------------------- */

static void send_skips(struct ds_import *im)
{
    const char *me = im->server.name;
    for (size_t i = 0; i < im->nsend; i++) {
        struct ds_import_send *s = &im->send[i];
        if (!s->enabled)
            s->skip = "disabled in Exchange (Enabled False)";
        else if (s->internal)
            s->skip = "internal to the Exchange organisation: \"--\" stands "
                      "for its accepted domains and Mailbox servers "
                      "(EdgeSync); route your own domains with Postfix's "
                      "relay_domains and transport_maps";
        else if (me && s->sources.n > 0 &&
                 !ds_strlist_has_nocase(&s->sources, me))
            s->skip = ds_arena_printf(&im->a,
                                      "it runs on %s (SourceTransportServers), "
                                      "not on %s",
                                      ds_import_join(&im->a, &s->sources), me);
        else if (s->spaces.n == 0)
            s->skip = "no SMTP address space that domsec can route";
    }
}

/* Exchange prefers the lower cost among connectors for one address
 * space; domsec the connector written first: write them by cost. */
static void sort_by_cost(struct ds_import *im)
{
    for (size_t i = 1; i < im->nsend; i++) {
        struct ds_import_send key = im->send[i];
        size_t j = i;
        while (j > 0 && im->send[j - 1].min_cost > key.min_cost) {
            im->send[j] = im->send[j - 1];
            j--;
        }
        if (j != i) {
            im->send[j] = key;
            im->sorted_by_cost = true;
        }
    }
}

/* ---- certificates ------------------------------------------------------- */

static void cert_titles(struct ds_import *im)
{
    for (size_t i = 0; i < im->ncerts; i++) {
        struct ds_import_cert *c = &im->certs[i];
        char date[16] = "";
        if (c->na_ok) {
            time_t t = (time_t)c->na;
            struct tm tm;
            gmtime_r(&t, &tm);
            strftime(date, sizeof(date), "%Y%m%d", &tm);
        }
        c->title = ds_arena_printf(&im->a, "%s-%.8s", c->cn ? c->cn : "cert",
                                   date[0] ? date : c->thumbprint);
        for (size_t k = 0; k < i; k++)
            if (c->title && im->certs[k].title &&
                strcmp(c->title, im->certs[k].title) == 0)
                c->title =
                    ds_arena_printf(&im->a, "%s-%.8s", c->title, c->thumbprint);
        if (!ds_strlist_has(&c->services, "smtp") &&
            !(im->server.internal &&
              strcmp(im->server.internal, c->thumbprint) == 0))
            c->skip = ds_arena_printf(
                &im->a,
                "not enabled for SMTP (Services %s): "
                "Exchange never uses it for mail",
                c->services.n ? ds_import_join(&im->a, &c->services) : "none");
    }
    if (im->server.internal) {
        for (size_t i = 0; i < im->ncerts; i++)
            if (strcmp(im->certs[i].thumbprint, im->server.internal) == 0)
                return;
        DS_IMPORT_NOTE(im, &im->server.notes,
                       "the internal certificate %s is not in the "
                       "Get-ExchangeCertificate output: anonymous TLS "
                       "(exchange_server) finds no certificate (event 12013)",
                       im->server.internal);
    }
}

/* Section titles must differ: a second connector of one name (two
 * servers, or an edited file) gets " (2)", " (3)", ... */
static const char *unique_title(struct ds_import *im, const char *name,
                                const char *const *taken, size_t n)
{
    const char *t = name;
    for (int k = 2; t; k++) {
        size_t i = 0;
        while (i < n && strcmp(taken[i], t) != 0)
            i++;
        if (i == n)
            return t;
        t = ds_arena_printf(&im->a, "%s (%d)", name, k);
    }
    return name;
}

static void unique_titles(struct ds_import *im)
{
    const char **taken =
        ds_arena_calloc(&im->a, im->nrecv + im->nsend + 1, sizeof(char *));
    if (taken == NULL)
        return;
    for (size_t i = 0; i < im->nrecv; i++)
        taken[i] = im->recv[i].name =
            unique_title(im, im->recv[i].name, taken, i);
    for (size_t i = 0; i < im->nsend; i++)
        taken[im->nrecv + i] = im->send[i].name =
            unique_title(im, im->send[i].name, taken + im->nrecv, i);
}

void ds_import_resolve(struct ds_import *im, const struct ds_import_objs *sv)
{
    size_t errors = im->diag->nerrors;
    choose_server(im, sv);
    if (im->diag->nerrors != errors)
        return;
    unique_titles(im);
    receive_skips(im);
    send_skips(im);
    sort_by_cost(im);
    cert_titles(im);
}

/* ---- tls_certificate_name ----------------------------------------------- */

/* s without spaces, lower case: a wrap that lost a space still matches. */
static void squash(const char *s, char *out, size_t size)
{
    size_t n = 0;
    for (; s && *s && n + 1 < size; s++)
        if (*s != ' ' && *s != '\t')
            out[n++] = ds_lower(*s);
    out[n] = '\0';
}

static bool same_dn(const char *a, const char *b)
{
    char x[DS_TLS_NAME_MAX + 1], y[DS_TLS_NAME_MAX + 1];
    if (a == NULL || b == NULL)
        return false;
    squash(a, x, sizeof(x));
    squash(b, y, sizeof(y));
    return strcmp(x, y) == 0;
}

static bool cert_named(const struct ds_import_cert *c,
                       const struct ds_tls_name *n)
{
    return (same_dn(n->issuer, c->issuer) && same_dn(n->subject, c->subject)) ||
           (same_dn(n->issuer, c->real_issuer) &&
            same_dn(n->subject, c->real_subject));
}

/* A certificate for mail with the same subject: the likely renewal. */
static const struct ds_import_cert *renewal_of(const struct ds_import *im,
                                               const struct ds_tls_name *n)
{
    const struct ds_import_cert *best = NULL;
    for (size_t i = 0; i < im->ncerts; i++) {
        const struct ds_import_cert *c = &im->certs[i];
        if (!c->skip && same_dn(n->subject, c->subject) &&
            (best == NULL || (c->nb_ok && best->nb_ok && c->nb > best->nb)))
            best = c;
    }
    return best;
}

/* One connector's tls_certificate_name: written as the certificate it
 * names (as domsec prints it), or kept with a note when it names none. */
static void check_tls_name(struct ds_import *im, const char *kind,
                           const char *name, const struct ds_import_where *w,
                           const char **tls_name, const char **note)
{
    struct ds_tls_name n;
    const char *why;
    if (*tls_name == NULL)
        return;
    if (ds_cert_tls_name_parse(*tls_name, &n, &why) < 0) {
        *note = ds_arena_printf(&im->a,
                                "not converted: TlsCertificateName \"%s\" "
                                "is not <I>issuer<S>subject (%s)",
                                *tls_name, why);
        *tls_name = NULL;
        return;
    }
    for (size_t i = 0; i < im->ncerts; i++) {
        const struct ds_import_cert *c = &im->certs[i];
        if (!cert_named(c, &n))
            continue;
        const char *is = c->real_issuer ? c->real_issuer : c->issuer;
        const char *su = c->real_subject ? c->real_subject : c->subject;
        if (!same_dn(is, n.issuer) || !same_dn(su, n.subject))
            *note = ds_arena_printf(&im->a,
                                    "TlsCertificateName is written as "
                                    "domsec-policy certs prints certificate "
                                    "%s (Exchange wrote \"%s\")",
                                    c->thumbprint, *tls_name);
        if (c->skip)
            *note = ds_arena_printf(&im->a,
                                    "TlsCertificateName names certificate "
                                    "%s, which is not converted (%s): no "
                                    "STARTTLS here (event 12014)",
                                    c->thumbprint, c->skip);
        *tls_name = ds_arena_printf(&im->a, "<I>%s<S>%s", is, su);
        return;
    }
    const struct ds_import_cert *r = renewal_of(im, &n);
    const char *fix =
        r ? ds_arena_printf(
                &im->a,
                " Certificate %s has this subject (a renewal by a new "
                "issuer?): set tls_certificate_name = \"<I>%s<S>%s\", or "
                "remove the line to select the certificate by fqdn.",
                r->thumbprint, r->real_issuer ? r->real_issuer : r->issuer,
                r->real_subject ? r->real_subject : r->subject)
          : " Set it to a certificate's name (domsec-policy certs prints "
            "them), or remove the line to select by fqdn.";
    *note = ds_arena_printf(&im->a,
                            "TlsCertificateName names no certificate of the "
                            "Get-ExchangeCertificate output: Exchange logs "
                            "event 12014 and offers no STARTTLS here, and "
                            "so does domsec.%s",
                            fix ? fix : "");
    ds_diag_add(im->diag, DS_SEV_WARNING, w->file, w->line,
                "see the comment above its tls_certificate_name",
                "%s \"%s\": TlsCertificateName names no certificate "
                "(Exchange's event 12014: no STARTTLS)",
                kind, name);
}

int ds_import_finish(struct ds_import *im)
{
    for (size_t i = 0; i < im->nrecv; i++)
        check_tls_name(im, "receive connector", im->recv[i].name,
                       &im->recv[i].where, &im->recv[i].tls_name,
                       &im->recv[i].tls_note);
    for (size_t i = 0; i < im->nsend; i++)
        check_tls_name(im, "send connector", im->send[i].name,
                       &im->send[i].where, &im->send[i].tls_name,
                       &im->send[i].tls_note);
    return im->oom || im->a.failed ? -2 : 0;
}
