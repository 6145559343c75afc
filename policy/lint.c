/*
 * lint.c - find what will break, beyond what the configuration layer
 * checks (config_check.c): connectors without a certificate (the
 * selection's events), stale tls_certificate_name, certificates that carry
 * a connector's name but cannot be used, expiry (with a forecast of what
 * happens after), the internal certificate and anonymous TLS, and domain
 * security whose certificates or partner CAs cannot work.
 *
 * Must not: print or exit; change the configuration or the store; decide
 * by the words of a message (select.c's events and exclusions are codes).
 */
#include "dsconfig.h"

#include "lint.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static struct ds_finding *
vadd(struct linter *L, enum ds_code code, enum ds_sev sev, int event,
     const char *connector, const char *cert, const struct ds_where *where,
     const char *fmt, va_list ap) __attribute__((format(printf, 8, 0)));
static struct ds_finding *vadd(struct linter *L, enum ds_code code,
                               enum ds_sev sev, int event,
                               const char *connector, const char *cert,
                               const struct ds_where *where, const char *fmt,
                               va_list ap)
{
    struct ds_lint *o = L->out;
    struct ds_finding *v = ds_grow(o->v, &o->cap, o->n + 1, sizeof(*v), 16);
    if (v == NULL) {
        L->oom = true;
        return NULL;
    }
    o->v = v;
    struct ds_finding *f = &o->v[o->n];
    memset(f, 0, sizeof(*f));
    if (vasprintf(&f->text, fmt, ap) < 0) {
        L->oom = true;
        return NULL;
    }
    f->code = code;
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

/* A finding with code (and its severity), the Exchange event (0: none). */
static struct ds_finding *add(struct linter *L, enum ds_code code, int event,
                              const char *connector, const char *cert,
                              const struct ds_where *where, const char *fmt,
                              ...) __attribute__((format(printf, 7, 8)));
static struct ds_finding *add(struct linter *L, enum ds_code code, int event,
                              const char *connector, const char *cert,
                              const struct ds_where *where, const char *fmt,
                              ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct ds_finding *f = vadd(L, code, ds_code_sev(code), event, connector,
                                cert, where, fmt, ap);
    va_end(ap);
    return f;
}

/* A diagnostic of the configuration or the store, with its own code and
 * severity (DS_CODE_OTHER keeps the one it was recorded with). */
static struct ds_finding *add_sev(struct linter *L, enum ds_code code,
                                  enum ds_sev sev, const struct ds_where *w,
                                  const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static struct ds_finding *add_sev(struct linter *L, enum ds_code code,
                                  enum ds_sev sev, const struct ds_where *w,
                                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct ds_finding *f = vadd(L, code, sev, 0, NULL, NULL, w, fmt, ap);
    va_end(ap);
    return f;
}

static struct ds_finding *add_item(struct linter *L,
                                   const struct ds_diag_item *it,
                                   const struct ds_where *w)
{
    return add_sev(L, it->code, it->sev, w, "%s", it->text);
}

/* A connector's name as it pastes into a shell: 'Default Frontend'. */
static const char *q(const char *name, char *buf, size_t size)
{
    return ds_shell_quote(name, buf, size);
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

/* ---- the forecast ------------------------------------------------------- */

/* What the connector does once its certificate has expired. */
static void forecast(struct linter *L, const struct ds_result *res, char *buf,
                     size_t size)
{
    const struct ds_cert *c = res->selected;
    const char *names[1] = {res->connector};
    struct ds_strlist only = {.n = 1, .v = names};
    struct ds_selection later;
    char when[32];
    if (size > 0)
        buf[0] = '\0';
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

/* ---- events from the selection ------------------------------------------ */

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
        char qn[300];
        hint(L, f,
             "%zu certificate(s) carry %s but none can be used; `domsec-policy "
             "explain %s` shows why",
             res->ncand, res->name, q(res->connector, qn, sizeof(qn)));
    } else {
        hint(L, f,
             "add a certificate with %s in its subject CN or SAN, with its "
             "key and services = { \"smtp\" }, or set the connector's fqdn "
             "to a name a certificate carries",
             res->name);
    }
}

/* What anonymous TLS findings add to their hint: only Exchange peers use
 * it, and no MTA renderer writes it (the same words as
 * DS_CODE_ANONYMOUS_NOT_RENDERED). */
#define ANON_NOTE                                                              \
    " (only Exchange servers use anonymous TLS; Postfix and Sendmail do "      \
    "not, and render writes nothing for it)"

static void event_hint(struct linter *L, struct ds_finding *f,
                       const struct ds_result *res, const struct ds_event *ev)
{
    const char *tp = L->cfg->server.internal_certificate;
    char fc[600], when[32];
    switch (ev->code) {
    case DS_CODE_INTERNAL_UNSET:
        hint(L, f,
             "set server.internal_certificate to the thumbprint of a "
             "certificate with its key (Exchange: "
             "InternalTransportCertificateThumbprint; `domsec-policy "
             "certs` prints thumbprints)" ANON_NOTE);
        break;
    case DS_CODE_INTERNAL_MISSING:
        hint(L, f,
             "add a certificate section (with its key) for %s, or point "
             "server.internal_certificate at a certificate in the "
             "store" ANON_NOTE,
             tp ? tp : "it");
        break;
    case DS_CODE_NO_CERTIFICATE:
        hint_12014(L, f, res);
        break;
    case DS_CODE_INTERNAL_EXPIRED:
        hint(L, f,
             "renew the certificate and set server.internal_certificate to "
             "the new thumbprint" ANON_NOTE);
        break;
    case DS_CODE_CERT_EXPIRED:
    case DS_CODE_CERT_EXPIRED_2007:
        hint(L, f, "renew the certificate%s",
             conn_tls_name(res) ? " and update tls_certificate_name"
                                : " (a newer one for the same name is "
                                  "selected by itself)");
        break;
    case DS_CODE_INTERNAL_EXPIRING:
    case DS_CODE_CERT_EXPIRING:
        forecast(L, res, fc, sizeof(fc));
        hint(L, f, "renew it before %s%s%s",
             iso(res->selected->not_after, when), fc[0] ? "; " : "", fc);
        break;
    case DS_CODE_INTERNAL_NOT_BEST:
        for (size_t i = 0; i < res->ncand; i++)
            if (res->cand[i].cert != res->selected &&
                (res->cand[i].excluded & DS_EXCL_NOT_INTERNAL))
                hint(L, f,
                     "set server.internal_certificate = \"%s\" (the best "
                     "certificate for the domain list), or make the "
                     "internal certificate the newest one for those "
                     "names" ANON_NOTE,
                     res->cand[i].cert->thumbprint);
        break;
    default:
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
            bool internal = ds_code_flags(ev->code) & DS_CODEF_ANONYMOUS;
            struct ds_finding *f =
                add(L, ev->code, ev->id, res->connector,
                    res->selected ? res->selected->name : NULL,
                    internal ? &L->cfg->server.where_internal_certificate
                             : conn_where(res),
                    "%s: %s", what(res, w, sizeof(w)), ev->text);
            if (f)
                event_hint(L, f, res, ev);
        }
    }
}

/* ---- tls_certificate_name ----------------------------------------------- */

static void tls_name_check(struct linter *L, const char *dir, const char *conn,
                           const char *tls_name, const struct ds_where *where)
{
    struct ds_tls_name tn;
    const char *why;
    char when[32];
    /* the 2007 rules select by name and never look at it (select says so
     * in its trace): nothing to warn about */
    if (tls_name == NULL || L->cfg->server.rules == DS_RULES_2007 ||
        ds_cert_tls_name_parse(tls_name, &tn, &why) < 0)
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
    if (pinned && n && n->not_before > pinned->not_before) {
        f = add(L, DS_CODE_TLS_NAME_STALE, 0, conn, pinned->name, where,
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

/* ---- candidates that cannot be used ------------------------------------- */

/* The hint for the first reason a candidate cannot be used (`untrusted`:
 * lint judged its chain itself). */
static void candidate_hint(struct linter *L, struct ds_finding *f,
                           const struct ds_candidate *cd, bool untrusted)
{
    char when[32];
    unsigned x = cd->excluded;
    if (x & DS_EXCL_NO_KEY)
        hint(L, f,
             "add key = \"...\" to certificate \"%s\": the private key "
             "made with its request",
             cd->cert->name);
    else if (x & DS_EXCL_NOT_SMTP)
        hint(L, f,
             "add \"smtp\" to its services (Enable-ExchangeCertificate "
             "-Services SMTP)");
    else if (x & DS_EXCL_VERSION)
        hint(L, f, "have it re-issued as an X.509 v3 certificate");
    else if (x & DS_EXCL_NOT_YET_VALID)
        hint(L, f, "it becomes eligible on %s",
             iso(cd->cert->not_before, when));
    else if ((x & DS_EXCL_UNTRUSTED) || untrusted)
        hint(L, f,
             "add its intermediate CA certificates (after the "
             "certificate in its file, or chain =) and make sure "
             "server.trust_store holds its root");
    else if (x & DS_EXCL_KEY_UNUSABLE)
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
                add(L, DS_CODE_CANDIDATE_UNUSABLE, 0, res->connector,
                    cd->cert->name, &cd->cert->where,
                    "certificate \"%s\" is a candidate for %s but %s: %s",
                    cd->cert->name, what(res, w, sizeof(w)),
                    cd->eligible ? "is never chosen" : "is not eligible", why);
            candidate_hint(L, f, cd, cd->eligible);
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
        for (size_t j = 0; j < res->nevents; j++) {
            enum ds_code e = res->events[j].code;
            *warned |=
                e == DS_CODE_INTERNAL_EXPIRING || e == DS_CODE_CERT_EXPIRING ||
                e == DS_CODE_INTERNAL_EXPIRED || e == DS_CODE_CERT_EXPIRED ||
                e == DS_CODE_CERT_EXPIRED_2007;
        }
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
                add(L, DS_CODE_UNUSED_EXPIRED, 0, NULL, c->name, &c->where,
                    "certificate \"%s\" expired on %s; no connector uses it",
                    c->name, when);
            hint(L, f, "remove its section (and the files)");
        } else if (res && !warned && left >= 0 &&
                   left <= (long long)L->days * DAY) {
            struct ds_finding *f =
                add(L, DS_CODE_EXPIRY_FORECAST, 0, res->connector, c->name,
                    &c->where,
                    "certificate \"%s\", used by %s, expires on %s, in %lld "
                    "days",
                    c->name, what(res, w, sizeof(w)), when, left / DAY);
            forecast(L, res, fc, sizeof(fc));
            hint(L, f, "renew it before %s%s%s", when, fc[0] ? "; " : "", fc);
        }
    }
}

/* ---- the internal certificate ------------------------------------------- */

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
        struct ds_finding *f =
            add(L, DS_CODE_INTERNAL_NOT_IN_STORE, 0, NULL, NULL,
                &sv->where_internal_certificate,
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
        L, DS_CODE_INTERNAL_SHORT_LIVED, 0, NULL, c->name,
        &sv->where_internal_certificate,
        "the internal certificate \"%s\" is CA-issued and valid for only "
        "%lld days: every renewal changes its thumbprint, and X-ANONYMOUSTLS "
        "stops (event 12013) until server.internal_certificate follows",
        c->name, life);
    hint(L, f,
         "use a long-lived self-signed certificate as the internal "
         "certificate (Exchange's own lasts 5 years) and keep the "
         "CA-issued one for STARTTLS");
}

/* ---- domain security ---------------------------------------------------- */

/* Did the certificate a domain-secure connector presents expire? Partners
 * refuse it, whatever Exchange's 2016 rules do with it. */
static void secure_expired(struct linter *L, const struct ds_result *res,
                           const char *dir, const char *conn,
                           const struct ds_where *where)
{
    char when[32];
    const struct ds_cert *c = res ? res->selected : NULL;
    if (c == NULL || !res->advertise || c->not_after >= L->at)
        return;
    struct ds_finding *f =
        add(L, DS_CODE_SECURE_CERT_EXPIRED, 0, conn, c->name, where,
            "%s connector %s has domain security, but its certificate "
            "\"%s\" expired on %s: partners refuse it",
            dir, conn, c->name, iso(c->not_after, when));
    hint(L, f,
         "renew the certificate (a newer one for the same name is "
         "selected by itself)");
}

static void recv_domain_security(struct linter *L)
{
    const struct ds_config *cfg = L->cfg;
    bool any = false;
    for (size_t i = 0; i < cfg->nrecv; i++) {
        const struct ds_recv_connector *r = &cfg->recv[i];
        if (!r->domain_secure)
            continue;
        any = true;
        const struct ds_result *res =
            ds_select_find(&L->sel, r->name, DS_DIR_RECEIVE, DS_KIND_STARTTLS);
        if (res && !res->advertise) {
            struct ds_finding *f =
                add(L, DS_CODE_SECURE_NO_CERT, 0, r->name, NULL, &r->where,
                    "receive connector %s has domain security but no "
                    "STARTTLS certificate: partners cannot send it "
                    "domain-secured mail",
                    r->name);
            hint(L, f,
                 "fix the STARTTLS certificate first (see event "
                 "12014 for this connector)");
        }
        secure_expired(L, res, "receive", r->name, &r->where);
    }
    if (!any || cfg->partner_trust_store != NULL)
        return;
    struct ds_finding *f =
        add(L, DS_CODE_PARTNER_CAS_UNSET, 0, NULL, NULL,
            &cfg->where_partner_trust_store,
            "transport.partner_trust_store is not set, but a receive "
            "connector has domain security: the MTA cannot verify "
            "partners' client certificates (render refuses without it)");
    hint(L, f,
         "set partner_trust_store to a PEM file of the CAs your "
         "partners' certificates chain to (not a public CA bundle)");
}

static void send_domain_security(struct linter *L)
{
    const struct ds_config *cfg = L->cfg;
    for (size_t i = 0; i < cfg->nsend; i++) {
        const struct ds_send_connector *s = &cfg->send[i];
        if (!s->domain_secure)
            continue;
        const struct ds_result *res =
            ds_select_find(&L->sel, s->name, DS_DIR_SEND, DS_KIND_STARTTLS);
        const struct ds_cert *c = res ? res->selected : NULL;
        struct ds_finding *f;
        if (res && c == NULL) {
            f = add(L, DS_CODE_SECURE_NO_CLIENT_CERT, 0, s->name, NULL,
                    &s->where,
                    "send connector %s has domain security but no client "
                    "certificate: mutual TLS cannot work",
                    s->name);
            hint(L, f,
                 "add a certificate with %s (the connector's fqdn) in its CN "
                 "or SAN, with its key and services = { \"smtp\" }",
                 s->fqdn);
        }
        if (c && !ds_cert_has_name(c, s->fqdn)) {
            f = add(L, DS_CODE_CLIENT_CERT_NAME, 0, s->name, c->name, &s->where,
                    "send connector %s has domain security, but its client "
                    "certificate \"%s\" (%s) does not carry the connector's "
                    "name %s: partners cannot match it",
                    s->name, c->name, c->subject, s->fqdn);
            hint(L, f,
                 "point tls_certificate_name at a certificate with %s in its "
                 "CN or SAN, or set the connector's fqdn to a name the "
                 "certificate carries",
                 s->fqdn);
        } else if (c && ds_cert_self_signed(L->store, c)) {
            f = add(L, DS_CODE_CLIENT_CERT_SELF_SIGNED, 0, s->name, c->name,
                    &s->where,
                    "send connector %s has domain security with a "
                    "self-signed client certificate \"%s\": partners "
                    "verify it only if they trust it explicitly",
                    s->name, c->name);
            hint(L, f, "use a certificate from a CA your partners trust");
        }
        secure_expired(L, res, "send", s->name, &s->where);
    }
}

/* ---- anonymous TLS ------------------------------------------------------ */

/* One finding for every connector with exchange_server: what render says
 * too (it writes nothing for anonymous TLS). */
static void anonymous_checks(struct linter *L)
{
    struct ds_buf list = {0};
    const struct ds_where *where = NULL;
    char qn[300];
    for (size_t i = 0; i < L->sel.n; i++) {
        const struct ds_result *res = &L->sel.v[i];
        if (res->kind != DS_KIND_ANONYMOUS)
            continue;
        if (where == NULL)
            where = conn_where(res);
        ds_buf_printf(&list, "%s%s connector %s", list.len ? ", " : "",
                      ds_select_dir_name(res->dir),
                      q(res->connector, qn, sizeof(qn)));
    }
    if (list.len) {
        struct ds_finding *f =
            add(L, DS_CODE_ANONYMOUS_NOT_RENDERED, 0, NULL, NULL, where,
                "anonymous TLS (exchange_server) is for Exchange servers "
                "only: Postfix and Sendmail have no counterpart, and render "
                "writes nothing for it (%s)",
                list.p);
        hint(L, f,
             "for Postfix or Sendmail, remove exchange_server from "
             "auth_mechanism and smart_host_auth_mechanism; keep it only to "
             "see what Exchange would select");
    }
    if (list.oom)
        L->oom = true;
    ds_buf_free(&list);
}

static void load_warnings(struct linter *L, const struct ds_diag *d)
{
    for (size_t i = 0; d && i < d->n; i++) {
        const struct ds_diag_item *it = &d->v[i];
        struct ds_where w = {it->file, it->line};
        struct ds_finding *f = add_item(L, it, &w);
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
    tls_name_checks(&L);
    candidate_checks(&L);
    recv_domain_security(&L);
    send_domain_security(&L);
    anonymous_checks(&L);
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

int ds_lint_from_diag(const struct ds_diag *d, long long at, int days,
                      struct ds_lint *out)
{
    struct linter L = {.at = at, .days = days, .out = out};
    memset(out, 0, sizeof(*out));
    out->at = at;
    out->days = days;
    load_warnings(&L, d);
    return L.oom ? -1 : 0;
}
