/*
 * lint.c - find what will break: connectors that cannot offer TLS, stale
 * tls_certificate_name, certificates that carry a connector's name but
 * cannot be used, expiry (with a forecast of what happens after), the
 * internal certificate, and domain security that cannot work, inbound and
 * outbound (send-list domains no domain-secure connector carries).
 *
 * Must not: print or exit; change the configuration or the store.
 */
#include "config.h"

#include "lint.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "route.h"
#include "select.h"

#define DAY 86400LL
/* Longest lifetime that marks an internal certificate as a short-lived
 * CA-issued one (825 days: the CA/Browser Forum limit before 2020). */
#define SHORT_LIVED_DAYS 825

struct linter {
    const struct ds_config *cfg;
    const struct ds_certstore *store;
    long long at;
    int days;
    struct ds_lint *out;
    struct ds_selection sel;
    bool oom;
};

static struct ds_finding *add(struct linter *L, enum ds_sev sev, int event,
                              const char *connector, const char *cert,
                              const struct ds_where *where, const char *fmt,
                              ...) __attribute__((format(printf, 7, 8)));
static struct ds_finding *add(struct linter *L, enum ds_sev sev, int event,
                              const char *connector, const char *cert,
                              const struct ds_where *where, const char *fmt,
                              ...)
{
    struct ds_lint *o = L->out;
    if (o->n == o->cap) {
        size_t cap = o->cap ? 2 * o->cap : 16;
        struct ds_finding *v = realloc(o->v, cap * sizeof(*v));
        if (v == NULL) {
            L->oom = true;
            return NULL;
        }
        o->v = v;
        o->cap = cap;
    }
    struct ds_finding *f = &o->v[o->n];
    memset(f, 0, sizeof(*f));
    va_list ap;
    va_start(ap, fmt);
    int r = vasprintf(&f->text, fmt, ap);
    va_end(ap);
    if (r < 0) {
        L->oom = true;
        return NULL;
    }
    f->sev = sev;
    f->event = event;
    f->connector = connector;
    f->certificate = cert;
    if (where)
        f->where = *where;
    o->n++;
    if (sev == DS_SEV_ERROR)
        o->nerrors++;
    else
        o->nwarnings++;
    return f;
}

static void hint(struct linter *L, struct ds_finding *f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void hint(struct linter *L, struct ds_finding *f, const char *fmt, ...)
{
    if (f == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    free(f->hint);
    if (vasprintf(&f->hint, fmt, ap) < 0) {
        f->hint = NULL;
        L->oom = true;
    }
    va_end(ap);
}

static const char *iso(long long t, char *buf)
{
    return ds_time_iso(t, buf, 32);
}

static const struct ds_where *conn_where(const struct ds_result *res)
{
    return res->recv ? &res->recv->where : &res->send->where;
}

static const char *conn_tls_name(const struct ds_result *res)
{
    return res->recv ? res->recv->tls_certificate_name
                     : res->send->tls_certificate_name;
}

/* "receive connector Inet (starttls)" */
static const char *what(const struct ds_result *res, char *buf, size_t size)
{
    snprintf(buf, size, "%s connector %s (%s)", ds_select_dir_name(res->dir),
             res->connector, ds_select_kind_name(res->kind));
    return buf;
}

/* ---- the forecast -------------------------------------------------------- */

/* What the connector does once its certificate has expired. */
static void forecast(struct linter *L, const struct ds_result *res, char *buf,
                     size_t size)
{
    const struct ds_cert *c = res->selected;
    const char *names[1] = {res->connector};
    struct ds_strlist only = {1, names};
    struct ds_selection later;
    char when[32];
    snprintf(buf, size, "%s", "");
    if (c == NULL)
        return;
    if (ds_select_run(L->cfg, L->store, c->not_after + 1, &only, &later) < 0) {
        L->oom = true;
        ds_selection_free(&later);
        return;
    }
    const struct ds_result *r2 =
        ds_select_find(&later, res->connector, res->dir, res->kind);
    iso(c->not_after, when);
    if (r2 == NULL || !r2->advertise)
        snprintf(
            buf, size, "after %s this connector has no certificate%s", when,
            r2 && r2->nevents ? " (see `domsec-policy --at` after that)" : "");
    else if (r2->selected != c)
        snprintf(buf, size, "after %s, certificate \"%s\" (%s) takes over",
                 when, r2->selected->name, r2->selected->thumbprint);
    else
        snprintf(buf, size,
                 "after %s the expired certificate is still presented (event "
                 "%d)",
                 when, res->kind == DS_KIND_ANONYMOUS ? 12015 : 12016);
    ds_selection_free(&later);
}

/* ---- events from the selection ------------------------------------------- */

/* The newest certificate with the subject of tls_certificate_name but
 * another issuer (a renewal by a new CA), or NULL. */
static const struct ds_cert *reissued(const struct linter *L,
                                      const struct ds_tls_name *tn)
{
    const struct ds_cert *best = NULL;
    for (size_t i = 0; i < ds_certstore_count(L->store); i++) {
        const struct ds_cert *c = ds_certstore_get(L->store, i);
        if (c->subject && ds_strcasecmp(c->subject, tn->subject) == 0 &&
            ds_strcasecmp(c->issuer, tn->issuer) != 0 &&
            (best == NULL || c->not_before > best->not_before))
            best = c;
    }
    return best;
}

static void hint_12014(struct linter *L, struct ds_finding *f,
                       const struct ds_result *res)
{
    const char *tls_name = conn_tls_name(res);
    struct ds_tls_name tn;
    const char *why;
    if (tls_name && res->name == tls_name &&
        ds_cert_tls_name_parse(tls_name, &tn, &why) == 0) {
        const struct ds_cert *n = reissued(L, &tn);
        if (n)
            hint(L, f,
                 "the certificate for %s was re-issued by %s (certificate "
                 "\"%s\", %s): set tls_certificate_name = \"%s\"",
                 tn.subject, n->issuer, n->name, n->thumbprint,
                 n->tls_certificate_name);
        else
            hint(L, f,
                 "no certificate in the store has the subject %s: copy the "
                 "right string from `domsec-policy certs`, or remove "
                 "tls_certificate_name to select by fqdn",
                 tn.subject);
        f->where = res->recv ? res->recv->where_tls_certificate_name
                             : res->send->where_tls_certificate_name;
    } else if (res->ncand > 0) {
        hint(L, f,
             "%zu certificate(s) carry %s but none can be used; `domsec-policy "
             "explain %s` shows why",
             res->ncand, res->name, res->connector);
    } else {
        hint(L, f,
             "add a certificate with %s in its subject CN or SAN, with its "
             "key and services = { \"smtp\" }, or set the connector's fqdn "
             "to a name a certificate carries",
             res->name);
    }
}

static void event_hint(struct linter *L, struct ds_finding *f,
                       const struct ds_result *res, const struct ds_event *ev)
{
    const char *tp = L->cfg->server.internal_certificate;
    char fc[600], when[32];
    switch (ev->id) {
    case 12012:
        hint(L, f,
             "set server.internal_certificate to the thumbprint of a "
             "certificate with its key (Exchange: "
             "InternalTransportCertificateThumbprint); `domsec-policy "
             "certs` prints thumbprints");
        break;
    case 12013:
        hint(L, f,
             "add a certificate section (with its key) for %s, or point "
             "server.internal_certificate at a certificate in the store",
             tp ? tp : "it");
        break;
    case 12014:
        hint_12014(L, f, res);
        break;
    case 12015:
    case 12016:
        hint(L, f, "renew the certificate%s",
             ev->id == 12015 ? " and set server.internal_certificate to the "
                               "new thumbprint"
             : conn_tls_name(res) ? " and update tls_certificate_name"
                                  : " (a newer one for the same name is "
                                    "selected by itself)");
        break;
    case 12017:
    case 12018:
        forecast(L, res, fc, sizeof(fc));
        hint(L, f, "renew it before %s%s%s",
             iso(res->selected->not_after, when), fc[0] ? "; " : "", fc);
        break;
    case 1037:
        for (size_t i = 0; i < res->ncand; i++)
            if (res->cand[i].cert != res->selected && res->cand[i].eligible &&
                res->cand[i].reasons.n == 1 &&
                strstr(res->cand[i].reasons.v[0], "1037"))
                hint(L, f,
                     "set server.internal_certificate = \"%s\" (the best "
                     "certificate for the domain list), or make the "
                     "internal certificate the newest one for those names",
                     res->cand[i].cert->thumbprint);
        break;
    }
}

static void event_findings(struct linter *L)
{
    char w[200];
    for (size_t i = 0; i < L->sel.n; i++) {
        const struct ds_result *res = &L->sel.v[i];
        for (size_t j = 0; j < res->nevents; j++) {
            const struct ds_event *ev = &res->events[j];
            bool internal =
                ev->id != 12014 && ev->id != 12016 && ev->id != 12018;
            struct ds_finding *f =
                add(L, ev->sev, ev->id, res->connector,
                    res->selected ? res->selected->name : NULL,
                    internal ? &L->cfg->server.where_internal_certificate
                             : conn_where(res),
                    "%s: %s", what(res, w, sizeof(w)), ev->text);
            if (f)
                event_hint(L, f, res, ev);
        }
    }
}

/* ---- tls_certificate_name --------------------------------------------------
 */

static void tls_name_check(struct linter *L, const char *dir, const char *conn,
                           const char *tls_name, const struct ds_where *where)
{
    struct ds_tls_name tn;
    const char *why;
    char when[32];
    if (tls_name == NULL || ds_cert_tls_name_parse(tls_name, &tn, &why) < 0)
        return;
    const struct ds_cert *pinned = NULL;
    for (size_t i = 0; i < ds_certstore_count(L->store); i++) {
        const struct ds_cert *c = ds_certstore_get(L->store, i);
        if (ds_cert_tls_name_matches(c, &tn) &&
            (pinned == NULL || c->not_before > pinned->not_before))
            pinned = c;
    }
    const struct ds_cert *n = reissued(L, &tn);
    struct ds_finding *f = NULL;
    if (pinned == NULL && L->cfg->server.rules == DS_RULES_2007) {
        f = add(L, DS_SEV_WARNING, 0, conn, NULL, where,
                "%s connector %s: tls_certificate_name matches no "
                "certificate; the 2007 rules ignore it, the 2016 rules would "
                "not offer STARTTLS (event 12014)",
                dir, conn);
    } else if (pinned && n && n->not_before > pinned->not_before) {
        f = add(L, DS_SEV_WARNING, 0, conn, pinned->name, where,
                "%s connector %s: tls_certificate_name pins certificate "
                "\"%s\" (issuer %s, expires %s); the newer certificate "
                "\"%s\" for the same subject, issued by %s, is not used: "
                "once the pinned one is removed, STARTTLS stops (event "
                "12014)",
                dir, conn, pinned->name, pinned->issuer,
                iso(pinned->not_after, when), n->name, n->issuer);
    }
    if (f && n)
        hint(L, f, "set tls_certificate_name = \"%s\"",
             n->tls_certificate_name);
    else if (f)
        hint(L, f,
             "copy the right string from `domsec-policy certs`, or "
             "remove tls_certificate_name");
}

static void tls_name_checks(struct linter *L)
{
    for (size_t i = 0; i < L->cfg->nrecv; i++) {
        const struct ds_recv_connector *r = &L->cfg->recv[i];
        if (r->auth & DS_AUTH_TLS)
            tls_name_check(L, "receive", r->name, r->tls_certificate_name,
                           &r->where_tls_certificate_name);
    }
    for (size_t i = 0; i < L->cfg->nsend; i++) {
        const struct ds_send_connector *s = &L->cfg->send[i];
        tls_name_check(L, "send", s->name, s->tls_certificate_name,
                       &s->where_tls_certificate_name);
    }
}

/* ---- candidates that cannot be used ----------------------------------------
 */

static void candidate_hint(struct linter *L, struct ds_finding *f,
                           const struct ds_candidate *cd, const char *r)
{
    char when[32];
    if (strstr(r, "no private key"))
        hint(L, f,
             "add key = \"...\" to certificate \"%s\": the private key "
             "made with its request",
             cd->cert->name);
    else if (strstr(r, "SMTP"))
        hint(L, f,
             "add \"smtp\" to its services (Enable-ExchangeCertificate "
             "-Services SMTP)");
    else if (strstr(r, "X.509 v"))
        hint(L, f, "have it re-issued as an X.509 v3 certificate");
    else if (strstr(r, "not yet valid"))
        hint(L, f, "it becomes eligible on %s",
             iso(cd->cert->not_before, when));
    else if (strstr(r, "untrusted issuer"))
        hint(L, f,
             "add its intermediate CA certificates (after the "
             "certificate in its file, or chain =) and make sure "
             "server.trust_store holds its root");
    else if (strstr(r, "private key unusable"))
        hint(L, f, "see the error about its key file");
}

/* Why a candidate that carries the connector's name cannot be used: the
 * reasons it is not eligible, or its untrusted chain (judged here, as the
 * selection stops at the first valid PKI certificate); NULL when it can.
 * (The internal certificate without key is event 12013 already.) */
static const char *unusable(const struct linter *L, const struct ds_result *res,
                            const struct ds_candidate *cd, char *buf,
                            size_t size)
{
    const char *why = NULL;
    if (res->kind == DS_KIND_ANONYMOUS && res->selected == NULL)
        return NULL;
    if (cd->eligible) {
        if (ds_cert_pki(L->store, cd->cert, L->at, &why) != DS_PKI_UNTRUSTED)
            return NULL;
        snprintf(buf, size, "untrusted issuer (%s)", why ? why : "?");
        return buf;
    }
    size_t off = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < cd->reasons.n && off < size; k++)
        off += (size_t)snprintf(buf + off, size - off, "%s%s", k ? "; " : "",
                                cd->reasons.v[k]);
    return buf[0] ? buf : NULL;
}

/* Was (c, connector) reported for an earlier result or candidate? */
static bool seen_pair(const struct linter *L, const struct ds_cert *c,
                      const char *conn, size_t upto_result, size_t upto_cand)
{
    char buf[1024];
    for (size_t i = 0; i <= upto_result; i++) {
        const struct ds_result *res = &L->sel.v[i];
        size_t m = i == upto_result ? upto_cand : res->ncand;
        for (size_t j = 0; j < m; j++)
            if (res->cand[j].cert == c && strcmp(res->connector, conn) == 0 &&
                unusable(L, res, &res->cand[j], buf, sizeof(buf)))
                return true;
    }
    return false;
}

static void candidate_checks(struct linter *L)
{
    char w[200], why[1024];
    for (size_t i = 0; i < L->sel.n; i++) {
        const struct ds_result *res = &L->sel.v[i];
        for (size_t j = 0; j < res->ncand; j++) {
            const struct ds_candidate *cd = &res->cand[j];
            if (!unusable(L, res, cd, why, sizeof(why)) ||
                seen_pair(L, cd->cert, res->connector, i, j))
                continue;
            struct ds_finding *f =
                add(L, DS_SEV_WARNING, 0, res->connector, cd->cert->name,
                    &cd->cert->where,
                    "certificate \"%s\" is a candidate for %s but %s: %s",
                    cd->cert->name, what(res, w, sizeof(w)),
                    cd->eligible ? "is never chosen" : "is not eligible", why);
            candidate_hint(L, f, cd, why);
        }
    }
}

/* ---- expiry
 * ------------------------------------------------------------------ */

/* The first result that uses c, and whether an event already warned. */
static const struct ds_result *user_of(const struct linter *L,
                                       const struct ds_cert *c, bool *warned)
{
    const struct ds_result *first = NULL;
    *warned = false;
    for (size_t i = 0; i < L->sel.n; i++) {
        const struct ds_result *res = &L->sel.v[i];
        if (res->selected != c)
            continue;
        if (first == NULL)
            first = res;
        for (size_t j = 0; j < res->nevents; j++)
            *warned |= res->events[j].id == 12017 ||
                       res->events[j].id == 12018 ||
                       res->events[j].id == 12015 || res->events[j].id == 12016;
    }
    return first;
}

static void expiry_checks(struct linter *L)
{
    char when[32], fc[600], w[200];
    for (size_t i = 0; i < ds_certstore_count(L->store); i++) {
        const struct ds_cert *c = ds_certstore_get(L->store, i);
        bool warned;
        const struct ds_result *res = user_of(L, c, &warned);
        long long left = c->not_after - L->at;
        iso(c->not_after, when);
        if (res == NULL && left < 0) {
            struct ds_finding *f =
                add(L, DS_SEV_WARNING, 0, NULL, c->name, &c->where,
                    "certificate \"%s\" expired on %s; no connector uses it",
                    c->name, when);
            hint(L, f, "remove its section (and the files)");
        } else if (res && !warned && left >= 0 &&
                   left <= (long long)L->days * DAY) {
            struct ds_finding *f =
                add(L, DS_SEV_WARNING, 0, res->connector, c->name, &c->where,
                    "certificate \"%s\", used by %s, expires on %s, in %lld "
                    "days",
                    c->name, what(res, w, sizeof(w)), when, left / DAY);
            forecast(L, res, fc, sizeof(fc));
            hint(L, f, "renew it before %s%s%s", when, fc[0] ? "; " : "", fc);
        }
    }
}

/* ---- the internal certificate ----------------------------------------------
 */

static void internal_checks(struct linter *L)
{
    const struct ds_server *sv = &L->cfg->server;
    const struct ds_cert *c =
        sv->internal_certificate
            ? ds_certstore_find(L->store, sv->internal_certificate)
            : NULL;
    bool used = false;
    for (size_t i = 0; i < L->sel.n; i++)
        used |= L->sel.v[i].kind == DS_KIND_ANONYMOUS;
    if (sv->internal_certificate && c == NULL && !used) {
        struct ds_finding *f = add(
            L, DS_SEV_WARNING, 0, NULL, NULL, &sv->where_internal_certificate,
            "server.internal_certificate %s is not in the certificate "
            "store (no connector uses exchange_server yet)",
            sv->internal_certificate);
        hint(L, f, "add its certificate section, or clear the option");
    }
    if (c == NULL || ds_cert_self_signed(L->store, c))
        return;
    long long life = (c->not_after - c->not_before) / DAY;
    if (life > SHORT_LIVED_DAYS)
        return;
    struct ds_finding *f = add(
        L, DS_SEV_WARNING, 0, NULL, c->name, &sv->where_internal_certificate,
        "the internal certificate \"%s\" is CA-issued and valid for only "
        "%lld days: every renewal changes its thumbprint, and X-ANONYMOUSTLS "
        "stops (event 12013) until server.internal_certificate follows",
        c->name, life);
    hint(L, f,
         "use a long-lived self-signed certificate as the internal "
         "certificate (Exchange's own lasts 5 years) and keep the "
         "CA-issued one for STARTTLS");
}

/* ---- domain security ----------------------------------------------------- */

/* Can OpenSSL load the partner trust store? NULL, or why not. */
static const char *trust_store_problem(const char *path)
{
    static char why[300];
    X509_STORE *st = X509_STORE_new();
    int ok = st && X509_STORE_load_file(st, path);
    X509_STORE_free(st);
    if (ok)
        return NULL;
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    snprintf(why, sizeof(why), "%s", r ? r : "no certificate in it");
    ERR_clear_error();
    return why;
}

static void recv_domain_security(struct linter *L, bool *any)
{
    const struct ds_config *cfg = L->cfg;
    for (size_t i = 0; i < cfg->nrecv; i++) {
        const struct ds_recv_connector *r = &cfg->recv[i];
        if (!r->domain_secure)
            continue;
        *any = true;
        const struct ds_result *res =
            ds_select_find(&L->sel, r->name, DS_DIR_RECEIVE, DS_KIND_STARTTLS);
        if (res && !res->advertise) {
            struct ds_finding *f =
                add(L, DS_SEV_ERROR, 0, r->name, NULL, &r->where,
                    "receive connector %s has domain security but no "
                    "STARTTLS certificate: partners cannot send it "
                    "domain-secured mail",
                    r->name);
            hint(L, f,
                 "fix the STARTTLS certificate first (see event "
                 "12014 for this connector)");
        }
    }
    if (!*any)
        return;
    const char *p = cfg->partner_trust_store, *why = NULL;
    struct ds_finding *f = NULL;
    if (p == NULL)
        f = add(L, DS_SEV_ERROR, 0, NULL, NULL, &cfg->where_partner_trust_store,
                "transport.partner_trust_store is not set, but a receive "
                "connector has domain security: the MTA cannot verify "
                "partners' client certificates");
    else if ((why = trust_store_problem(p)) != NULL)
        f = add(L, DS_SEV_ERROR, 0, NULL, NULL, &cfg->where_partner_trust_store,
                "transport.partner_trust_store %s cannot be loaded (%s)", p,
                why);
    hint(L, f,
         "set partner_trust_store to a PEM file of the CAs your "
         "partners' certificates chain to (not a public CA bundle)");
}

static void send_domain_security(struct linter *L, bool *any)
{
    const struct ds_config *cfg = L->cfg;
    for (size_t i = 0; i < cfg->nsend; i++) {
        const struct ds_send_connector *s = &cfg->send[i];
        if (!s->domain_secure)
            continue;
        *any = true;
        const struct ds_result *res =
            ds_select_find(&L->sel, s->name, DS_DIR_SEND, DS_KIND_STARTTLS);
        struct ds_finding *f;
        if (res && res->selected == NULL) {
            f = add(L, DS_SEV_ERROR, 0, s->name, NULL, &s->where,
                    "send connector %s has domain security but no client "
                    "certificate: mutual TLS cannot work",
                    s->name);
            hint(L, f,
                 "add a certificate with %s (the connector's fqdn) in its CN "
                 "or SAN, with its key and services = { \"smtp\" }",
                 s->fqdn);
        }
        if (res && res->selected && !ds_cert_has_name(res->selected, s->fqdn)) {
            const struct ds_cert *c = res->selected;
            f = add(L, DS_SEV_ERROR, 0, s->name, c->name, &s->where,
                    "send connector %s has domain security, but its client "
                    "certificate \"%s\" (%s) does not carry the connector's "
                    "name %s: partners cannot match it",
                    s->name, c->name, c->subject, s->fqdn);
            hint(L, f,
                 "point tls_certificate_name at a certificate with %s in its "
                 "CN or SAN, or set the connector's fqdn to a name the "
                 "certificate carries",
                 s->fqdn);
        } else if (res && res->selected &&
                   ds_cert_self_signed(L->store, res->selected)) {
            f = add(L, DS_SEV_WARNING, 0, s->name, res->selected->name,
                    &s->where,
                    "send connector %s has domain security with a "
                    "self-signed client certificate \"%s\": partners "
                    "verify it only if they trust it explicitly",
                    s->name, res->selected->name);
            hint(L, f, "use a certificate from a CA your partners trust");
        }
        if (!s->dns_routing) {
            f = add(L, DS_SEV_ERROR, 0, s->name, NULL, &s->where,
                    "send connector %s has domain security but routes through "
                    "smart hosts: domain-secured mail must go straight to the "
                    "partner (DNS routing)",
                    s->name);
            hint(L, f,
                 "set dns_routing_enabled = true and remove "
                 "smart_hosts, or use another connector for partners");
        }
    }
}

/* Every domain on the send list must leave through a domain-secure send
 * connector: one whose address spaces cover it (route.h). */
static void send_list_checks(struct linter *L, bool send_any)
{
    const struct ds_config *cfg = L->cfg;
    for (size_t i = 0; i < cfg->send_names.n; i++) {
        const char *d = cfg->send_names.v[i];
        if (ds_route_find(cfg, d, true) != NULL)
            continue;
        const struct ds_send_connector *other = ds_route_find(cfg, d, false);
        struct ds_finding *f =
            add(L, DS_SEV_ERROR, 0, other ? other->name : NULL, NULL,
                &cfg->where_send_list,
                "%s is on tls_send_domain_secure_list, but no send connector "
                "with domain_secure_enabled covers it%s%s%s: mail to it is not "
                "domain-secured",
                d, other ? " (it leaves through send connector " : "",
                other ? other->name : "", other ? ")" : "");
        if (!send_any)
            hint(L, f,
                 "set domain_secure_enabled = true on the send connector "
                 "that delivers to it");
        else
            hint(L, f,
                 "add \"%s%s\" (or \"*\") to the address_spaces of a "
                 "domain-secure send connector",
                 d[0] == '.' ? "*" : "", d);
    }
}

static void domain_security_checks(struct linter *L)
{
    const struct ds_config *cfg = L->cfg;
    bool recv_any = false, send_any = false;
    recv_domain_security(L, &recv_any);
    send_domain_security(L, &send_any);
    struct ds_finding *f = NULL;
    if (recv_any && cfg->receive_names.n == 0)
        f = add(L, DS_SEV_WARNING, 0, NULL, NULL, &cfg->where_receive_list,
                "a receive connector has domain security, but "
                "tls_receive_domain_secure_list is empty: nothing is "
                "enforced");
    else if (!recv_any && cfg->receive_names.n > 0)
        f = add(L, DS_SEV_WARNING, 0, NULL, NULL, &cfg->where_receive_list,
                "tls_receive_domain_secure_list lists %zu domain(s), but no "
                "receive connector has domain_secure_enabled: their mail is "
                "not checked",
                cfg->receive_names.n);
    hint(L, f,
         "set domain_secure_enabled on the partners' receive "
         "connector and list the partners' domains");
    send_list_checks(L, send_any);
}

/* Receive connectors that offer no TLS at all. */
static void no_tls_checks(struct linter *L)
{
    for (size_t i = 0; i < L->cfg->nrecv; i++) {
        const struct ds_recv_connector *r = &L->cfg->recv[i];
        if (r->auth & (DS_AUTH_TLS | DS_AUTH_EXCHANGE_SERVER))
            continue;
        struct ds_finding *f =
            add(L, DS_SEV_WARNING, 0, r->name, NULL, &r->where,
                "receive connector %s offers no TLS: auth_mechanism has "
                "neither tls nor exchange_server",
                r->name);
        hint(L, f,
             "add \"tls\" to auth_mechanism (Set-ReceiveConnector "
             "-AuthMechanism Tls)");
    }
}

static void load_warnings(struct linter *L, const struct ds_diag *d)
{
    for (size_t i = 0; d && i < d->n; i++) {
        const struct ds_diag_item *it = &d->v[i];
        struct ds_where w = {it->file, it->line};
        struct ds_finding *f =
            add(L, it->sev, 0, NULL, NULL, &w, "%s", it->text);
        if (it->hint)
            hint(L, f, "%s", it->hint);
    }
}

int ds_lint_run(const struct ds_config *cfg, const struct ds_certstore *store,
                long long at, int days, const struct ds_diag *load_diag,
                struct ds_lint *out)
{
    struct linter L = {
        .cfg = cfg, .store = store, .at = at, .days = days, .out = out};
    memset(out, 0, sizeof(*out));
    out->at = at;
    out->days = days;
    if (ds_select_run(cfg, store, at, NULL, &L.sel) < 0) {
        ds_selection_free(&L.sel);
        return -1;
    }
    load_warnings(&L, load_diag);
    event_findings(&L);
    no_tls_checks(&L);
    tls_name_checks(&L);
    candidate_checks(&L);
    domain_security_checks(&L);
    internal_checks(&L);
    expiry_checks(&L);
    ds_selection_free(&L.sel);
    return L.oom ? -1 : 0;
}

void ds_lint_free(struct ds_lint *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].text);
        free(l->v[i].hint);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}
