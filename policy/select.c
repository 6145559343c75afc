/*
 * select.c - the certificate selection rules (doc/exchange-rules.md): STARTTLS
 * and anonymous TLS, inbound and outbound, 2016 and 2007, with their
 * Exchange events and a trace of every step.
 *
 * Must not: print, exit, read files (the store does, on first use), or
 * decide anything the rules document does not say without saying so in
 * the trace.
 */
#include "dsconfig.h"

#include "select.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

#define DAY 86400LL

/* One result being built. */
struct run {
    const struct ds_config *cfg;
    const struct ds_certstore *store;
    long long at;
    enum ds_rules rules;
    struct ds_result *res;
    bool oom;
};

/* ---- building a result -------------------------------------------------- */

static void trace(struct run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void trace(struct run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (ds_strlist_vaddf(&r->res->trace, fmt, ap) < 0)
        r->oom = true;
    va_end(ap);
}

/* The Exchange event ID of each event code. */
static int event_id(enum ds_code code)
{
    static const struct {
        enum ds_code code;
        int id;
    } ids[] = {
        {DS_CODE_INTERNAL_UNSET, 12012},    {DS_CODE_INTERNAL_MISSING, 12013},
        {DS_CODE_NO_CERTIFICATE, 12014},    {DS_CODE_INTERNAL_EXPIRED, 12015},
        {DS_CODE_CERT_EXPIRED, 12016},      {DS_CODE_CERT_EXPIRED_2007, 12016},
        {DS_CODE_INTERNAL_EXPIRING, 12017}, {DS_CODE_CERT_EXPIRING, 12018},
        {DS_CODE_INTERNAL_NOT_BEST, 1037},
    };
    for (size_t i = 0; i < DS_ARRAY_LEN(ids); i++)
        if (ids[i].code == code)
            return ids[i].id;
    return 0;
}

/* An event: its ID and severity are the code's. */
static void event(struct run *r, enum ds_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void event(struct run *r, enum ds_code code, const char *fmt, ...)
{
    struct ds_result *res = r->res;
    int id = event_id(code);
    enum ds_sev sev = ds_code_sev(code);
    struct ds_event *v =
        ds_grow(res->events, &res->capevents, res->nevents + 1, sizeof(*v), 4);
    if (v == NULL) {
        r->oom = true;
        return;
    }
    res->events = v;
    struct ds_event *e = &res->events[res->nevents];
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&e->text, fmt, ap);
    va_end(ap);
    if (n < 0) {
        r->oom = true;
        return;
    }
    e->id = id;
    e->sev = sev;
    e->code = code;
    res->nevents++;
    trace(r, "  event %d (%s): %s", id, ds_sev_name(sev), e->text);
}

static struct ds_candidate *add_candidate(struct run *r,
                                          const struct ds_cert *c)
{
    struct ds_result *res = r->res;
    struct ds_candidate *v =
        ds_grow(res->cand, &res->capcand, res->ncand + 1, sizeof(*v), 8);
    if (v == NULL) {
        r->oom = true;
        return NULL;
    }
    res->cand = v;
    struct ds_candidate *cd = &res->cand[res->ncand++];
    memset(cd, 0, sizeof(*cd));
    cd->cert = c;
    return cd;
}

/* Why a candidate is not eligible or was not chosen: the code (a bit of
 * cd->excluded), and the words for explain and select --json. */
static void reason(struct run *r, struct ds_candidate *cd, unsigned code,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void reason(struct run *r, struct ds_candidate *cd, unsigned code,
                   const char *fmt, ...)
{
    va_list ap;
    cd->excluded |= code;
    va_start(ap, fmt);
    if (ds_strlist_vaddf(&cd->reasons, fmt, ap) < 0)
        r->oom = true;
    va_end(ap);
}

/* "NAME (THUMBPRINT)" for traces and events. */
static const char *label(const struct ds_cert *c, char *buf, size_t size)
{
    snprintf(buf, size, "\"%s\" (%s)", c->name, c->thumbprint);
    return buf;
}

static const char *iso(long long t, char *buf)
{
    return ds_time_iso(t, buf, 32);
}

/* ---- eligibility and the best certificate ------------------------------- */

/* The eligibility tests other than the name (the caller matched it).
 * Returns true when the certificate is eligible. */
static bool judge(struct run *r, struct ds_candidate *cd)
{
    const struct ds_cert *c = cd->cert;
    char when[32];
    if (c->version < 3)
        reason(r, cd, DS_EXCL_VERSION,
               "X.509 v%d certificate (v3 or later required)", c->version);
    if (!ds_cert_has_key(r->store, c))
        reason(r, cd, c->key_path ? DS_EXCL_KEY_UNUSABLE : DS_EXCL_NO_KEY,
               c->key_path ? "private key unusable (see the error about %s)"
                           : "no private key%s",
               c->key_path ? c->key_path : "");
    if (!c->smtp)
        reason(r, cd, DS_EXCL_NOT_SMTP,
               "not enabled for SMTP (services has no \"smtp\")");
    if (c->not_before > r->at)
        reason(r, cd, DS_EXCL_NOT_YET_VALID, "not yet valid (valid from %s)",
               iso(c->not_before, when));
    cd->eligible = cd->reasons.n == 0;
    return cd->eligible;
}

/* Eligible first; then the most recent NotBefore; ties by thumbprint. */
static int best_first(const void *a, const void *b)
{
    const struct ds_candidate *x = a, *y = b;
    if (x->eligible != y->eligible)
        return x->eligible ? -1 : 1;
    if (x->cert->not_before != y->cert->not_before)
        return x->cert->not_before > y->cert->not_before ? -1 : 1;
    return strcmp(x->cert->thumbprint, y->cert->thumbprint);
}

/* Trace every candidate with its verdict. */
static void trace_candidates(struct run *r)
{
    char lb[128], when[32];
    for (size_t i = 0; i < r->res->ncand; i++) {
        const struct ds_candidate *cd = &r->res->cand[i];
        if (cd->eligible) {
            trace(r, "    %s: eligible (valid from %s)",
                  label(cd->cert, lb, sizeof(lb)),
                  iso(cd->cert->not_before, when));
            continue;
        }
        char why[1024] = "";
        size_t off = 0;
        for (size_t j = 0; j < cd->reasons.n && off < sizeof(why); j++)
            off += (size_t)snprintf(why + off, sizeof(why) - off, "%s%s",
                                    j ? "; " : "", cd->reasons.v[j]);
        trace(r, "    %s: not eligible: %s", label(cd->cert, lb, sizeof(lb)),
              why);
    }
}

/* Why an eligible candidate that was not examined lost to `chosen`. */
static void lost_to(struct run *r, struct ds_candidate *cd,
                    const struct ds_cert *chosen)
{
    if (cd->cert->not_before == chosen->not_before)
        reason(r, cd, DS_EXCL_OLDER,
               "same NotBefore as the selected certificate; its thumbprint "
               "sorts after it");
    else
        reason(r, cd, DS_EXCL_OLDER,
               "older than the selected certificate (NotBefore)");
}

/*
 * Sort the candidates and walk the eligible ones, newest first: the first
 * valid PKI certificate wins; failing that, the first self-signed one. A
 * CA-issued certificate whose chain does not verify is never chosen.
 * Returns the winner, or NULL.
 */
static const struct ds_cert *pick_best(struct run *r)
{
    struct ds_result *res = r->res;
    char lb[128];
    size_t ne = 0, chosen = SIZE_MAX, first_ss = SIZE_MAX, walked = 0;
    if (res->ncand > 1)
        qsort(res->cand, res->ncand, sizeof(*res->cand), best_first);
    while (ne < res->ncand && res->cand[ne].eligible)
        ne++;
    trace(r, "  sorted by NotBefore, newest first (ties: thumbprint)");
    for (size_t i = 0; i < ne && chosen == SIZE_MAX; i++, walked++) {
        struct ds_candidate *cd = &res->cand[i];
        const char *why = NULL;
        enum ds_pki p = ds_cert_pki(r->store, cd->cert, r->at, &why);
        label(cd->cert, lb, sizeof(lb));
        if (p == DS_PKI_VALID) {
            trace(r, "    %s: valid PKI certificate: selected", lb);
            chosen = i;
        } else if (p == DS_PKI_SELF_SIGNED) {
            trace(r, "    %s: self-signed%s", lb,
                  first_ss == SIZE_MAX
                      ? ": the choice unless a valid PKI certificate follows"
                      : "; a newer self-signed certificate comes first");
            if (first_ss == SIZE_MAX)
                first_ss = i;
        } else {
            trace(r,
                  "    %s: CA-issued, but the chain does not verify (%s): "
                  "never chosen",
                  lb, why ? why : "?");
            reason(r, cd, DS_EXCL_UNTRUSTED, "untrusted issuer (%s)",
                   why ? why : "?");
        }
    }
    if (chosen == SIZE_MAX && first_ss != SIZE_MAX) {
        chosen = first_ss;
        trace(r,
              "    no valid PKI certificate: the first self-signed one, "
              "%s, is selected",
              label(res->cand[chosen].cert, lb, sizeof(lb)));
    }
    if (chosen == SIZE_MAX)
        return NULL;
    const struct ds_cert *best = res->cand[chosen].cert;
    for (size_t i = 0; i < ne; i++) {
        struct ds_candidate *cd = &res->cand[i];
        if (i == chosen || cd->reasons.n > 0)
            continue;
        if (i < walked &&
            ds_cert_pki(r->store, cd->cert, r->at, NULL) == DS_PKI_SELF_SIGNED)
            reason(r, cd, DS_EXCL_SELF_SIGNED,
                   chosen == first_ss
                       ? "self-signed; a newer self-signed certificate was "
                         "selected"
                       : "self-signed; a valid PKI certificate is preferred");
        else
            lost_to(r, cd, best);
    }
    return best;
}

/* ---- STARTTLS (receive: server certificate; send: client certificate) --- */

struct starttls_args {
    const char *fqdn;      /* effective fqdn */
    const char *fqdn_from; /* where it comes from, for the trace */
    const char *tls_name;  /* NULL when unset */
};

/* Collect the candidates: by tls_certificate_name, or by host name. */
static void collect_starttls(struct run *r, const struct ds_tls_name *tn)
{
    size_t n = ds_certstore_count(r->store), matching = 0, eligible = 0;
    for (size_t i = 0; i < n; i++) {
        const struct ds_cert *c = ds_certstore_get(r->store, i);
        if (tn ? !ds_cert_tls_name_matches(c, tn)
               : !ds_cert_has_name(c, r->res->name))
            continue;
        struct ds_candidate *cd = add_candidate(r, c);
        matching++;
        if (cd && judge(r, cd))
            eligible++;
    }
    trace(r,
          "  %zu of %zu certificates %s; %zu eligible (v3, private key, "
          "SMTP, already valid)",
          matching, n,
          tn ? "match tls_certificate_name" : "carry the name (CN or SAN)",
          eligible);
}

/* No certificate: event 12014, nothing advertised. */
static void no_certificate(struct run *r, const struct starttls_args *a,
                           bool by_tls_name)
{
    struct ds_result *res = r->res;
    const char *what = by_tls_name ? "that matches tls_certificate_name"
                                   : "that contains the domain name";
    if (res->dir == DS_DIR_RECEIVE)
        event(r, DS_CODE_NO_CERTIFICATE,
              "could not find a usable certificate %s %s; unable to support "
              "the STARTTLS SMTP verb for the connector %s with a FQDN "
              "parameter of %s",
              what, res->name, res->connector, a->fqdn);
    else if (by_tls_name)
        event(r, DS_CODE_NO_CERTIFICATE,
              "the certificate specified in tls_certificate_name of the send "
              "connector %s could not be found (%s); delivery would fail with "
              "\"454 4.7.5\"",
              res->connector, res->name);
    else
        event(r, DS_CODE_NO_CERTIFICATE,
              "could not find a usable certificate %s %s; the send "
              "connector %s has no client certificate to present",
              what, res->name, res->connector);
    res->advertise = false;
}

/* Expiry of the chosen certificate: 12016 (expired) or 12018 (soon). */
static void starttls_expiry(struct run *r, const struct ds_cert *best)
{
    struct ds_result *res = r->res;
    char lb[128], when[32];
    long long left = best->not_after - r->at;
    int window = r->cfg->server.expiry_warning_days;
    label(best, lb, sizeof(lb));
    iso(best->not_after, when);
    if (left < 0 && r->rules == DS_RULES_2016) {
        event(r, DS_CODE_CERT_EXPIRED,
              "the STARTTLS certificate %s for the connector %s expired on "
              "%s; it is still used (2016 rules)",
              lb, res->connector, when);
    } else if (left < 0) {
        event(r, DS_CODE_CERT_EXPIRED_2007,
              "the STARTTLS certificate %s for the connector %s expired on "
              "%s; STARTTLS is not advertised (2007 rules)",
              lb, res->connector, when);
        res->advertise = false;
        res->selected = NULL;
        for (size_t i = 0; i < res->ncand; i++)
            if (res->cand[i].cert == best)
                reason(r, &res->cand[i], DS_EXCL_EXPIRED_2007,
                       "expired on %s (2007 rules: not used)", when);
    } else if (left <= (long long)window * DAY) {
        event(r, DS_CODE_CERT_EXPIRING,
              "the STARTTLS certificate %s for the connector %s expires on "
              "%s, in %lld days (warning window: %d days)",
              lb, res->connector, when, left / DAY, window);
    } else {
        trace(r, "  valid until %s: outside the %d-day warning window", when,
              window);
    }
}

static void select_starttls(struct run *r, const struct starttls_args *a)
{
    struct ds_result *res = r->res;
    struct ds_tls_name tn;
    bool by_tls_name = a->tls_name && r->rules == DS_RULES_2016;
    char lb[128];

    if (a->tls_name && !by_tls_name)
        trace(r, "step 2: tls_certificate_name is ignored by the 2007 rules");
    if (by_tls_name) {
        res->name = a->tls_name;
        trace(r,
              "step 2: tls_certificate_name is set: candidates are the "
              "certificates whose issuer and subject match %s",
              a->tls_name);
        const char *why = NULL;
        if (ds_cert_tls_name_parse(a->tls_name, &tn, &why) < 0) {
            trace(r, "  tls_certificate_name cannot be parsed: %s", why);
            no_certificate(r, a, true);
            return;
        }
    } else {
        res->name = a->fqdn;
        trace(r, "step 2: name: %s (%s)", a->fqdn, a->fqdn_from);
    }
    trace(r, "step 3: eligible certificates");
    collect_starttls(r, by_tls_name ? &tn : NULL);
    trace_candidates(r);
    trace(r, "step 4: the best certificate");
    const struct ds_cert *best = pick_best(r);
    if (best == NULL) {
        trace(r, "  no certificate can be used");
        no_certificate(r, a, by_tls_name);
        return;
    }
    res->selected = best;
    res->advertise = true;
    trace(r, "step 5: expiry");
    starttls_expiry(r, best);
    if (res->advertise)
        trace(r, "result: %s %s",
              res->dir == DS_DIR_RECEIVE ? "STARTTLS advertised with"
                                         : "client certificate",
              label(best, lb, sizeof(lb)));
}

/* ---- anonymous TLS (the internal transport certificate) ----------------- */

static const char *anon_verb(const struct ds_result *res)
{
    return res->dir == DS_DIR_RECEIVE ? "X-ANONYMOUSTLS is not advertised for"
                                      : "anonymous TLS is not used by";
}

/* Steps 2-4 of both rule sets: the certificate named by
 * server.internal_certificate, its key and its expiry. Returns it, or
 * NULL after event 12012 or 12013. */
static const struct ds_cert *internal_cert(struct run *r)
{
    struct ds_result *res = r->res;
    const char *tp = r->cfg->server.internal_certificate;
    char lb[128], when[32];
    res->name = tp;
    if (tp == NULL) {
        trace(r, "step 2: server.internal_certificate is not set");
        event(r, DS_CODE_INTERNAL_UNSET,
              "the internal transport certificate thumbprint "
              "(server.internal_certificate) is not set; %s the connector %s",
              anon_verb(res), res->connector);
        return NULL;
    }
    trace(r, "step 2: server.internal_certificate is %s", tp);
    const struct ds_cert *c = ds_certstore_find(r->store, tp);
    if (c == NULL) {
        trace(r, "step 3: no certificate in the store has this thumbprint");
        event(r, DS_CODE_INTERNAL_MISSING,
              "the internal transport certificate %s was not found in the "
              "certificate store; %s the connector %s",
              tp, anon_verb(res), res->connector);
        return NULL;
    }
    label(c, lb, sizeof(lb));
    if (!ds_cert_has_key(r->store, c)) {
        struct ds_candidate *cd = add_candidate(r, c);
        if (cd)
            reason(r, cd, DS_EXCL_NO_KEY, "no private key");
        trace(r, "step 3: found %s, but without a usable private key", lb);
        event(r, DS_CODE_INTERNAL_MISSING,
              "the internal transport certificate %s is in the certificate "
              "store without a usable private key; %s the connector %s",
              lb, anon_verb(res), res->connector);
        return NULL;
    }
    trace(r, "step 3: found %s, subject %s", lb, c->subject);
    long long left = c->not_after - r->at;
    int window = r->cfg->server.expiry_warning_days;
    iso(c->not_after, when);
    trace(r, "step 4: expiry");
    if (left < 0)
        event(r, DS_CODE_INTERNAL_EXPIRED,
              "the internal transport certificate %s expired on %s; it is "
              "still used",
              lb, when);
    else if (left <= (long long)window * DAY)
        event(r, DS_CODE_INTERNAL_EXPIRING,
              "the internal transport certificate %s expires on %s, in %lld "
              "days (warning window: %d days)",
              lb, when, left / DAY, window);
    else
        trace(r, "  valid until %s", when);
    return c;
}

/* 2007 rules, steps 6-9: the best certificate for the server's domain list
 * must be the internal certificate, or event 1037 (a warning only). */
static void domain_list_check(struct run *r, const struct ds_cert *internal)
{
    const struct ds_server *sv = &r->cfg->server;
    const char *all[] = {sv->fqdn, sv->hostname, sv->physical_fqdn,
                         sv->physical_hostname};
    const char *names[4];
    size_t nn = 0, n = ds_certstore_count(r->store);
    char list[1100] = "", lb[128], lb2[128];
    for (size_t i = 0; i < 4; i++) {
        bool dup = all[i] == NULL;
        for (size_t j = 0; j < nn && !dup; j++)
            dup = ds_strcasecmp(names[j], all[i]) == 0;
        if (!dup) {
            names[nn++] = all[i];
            snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
                     nn > 1 ? ", " : "", all[i]);
        }
    }
    trace(r,
          "step 6: domain list (fqdn, host name, physical fqdn, "
          "physical host name): %s",
          list);
    trace(r, "step 7: eligible certificates for any name in the list");
    bool internal_seen = false;
    for (size_t i = 0; i < n; i++) {
        const struct ds_cert *c = ds_certstore_get(r->store, i);
        bool match = false;
        for (size_t j = 0; j < nn && !match; j++)
            match = ds_cert_has_name(c, names[j]);
        struct ds_candidate *cd = match ? add_candidate(r, c) : NULL;
        if (cd)
            judge(r, cd);
        internal_seen |= match && c == internal;
    }
    trace_candidates(r);
    trace(r, "step 8: the best certificate");
    const struct ds_cert *best = pick_best(r);
    struct ds_candidate *cd = NULL;
    if (!internal_seen && (cd = add_candidate(r, internal)) != NULL)
        cd->eligible = true; /* usable for X-ANONYMOUSTLS: it has its key */
    for (size_t i = 0; i < r->res->ncand; i++) {
        cd = &r->res->cand[i];
        if (cd->cert == internal) { /* the one used: usable, no reasons */
            cd->eligible = true;
            cd->excluded = 0;
            ds_strlist_free(&cd->reasons);
        } else if (cd->cert == best)
            reason(r, cd, DS_EXCL_NOT_INTERNAL,
                   "best certificate for the domain list, but X-ANONYMOUSTLS "
                   "uses the internal certificate (event 1037)");
    }
    if (best == NULL)
        trace(r, "step 9: no eligible certificate for the domain list: "
                 "nothing to compare");
    else if (best == internal)
        trace(r, "step 9: the best certificate is the internal certificate");
    else
        event(r, DS_CODE_INTERNAL_NOT_BEST,
              "the best certificate for the domain list (%s) is %s, not the "
              "internal transport certificate %s; X-ANONYMOUSTLS still uses "
              "the internal certificate",
              list, label(best, lb, sizeof(lb)),
              label(internal, lb2, sizeof(lb2)));
}

static void select_anonymous(struct run *r)
{
    struct ds_result *res = r->res;
    char lb[128];
    const struct ds_cert *c = internal_cert(r);
    if (c == NULL) {
        trace(r, "result: %s",
              res->dir == DS_DIR_RECEIVE ? "X-ANONYMOUSTLS not advertised"
                                         : "no anonymous TLS");
        return;
    }
    if (r->rules == DS_RULES_2007 && res->dir == DS_DIR_RECEIVE) {
        domain_list_check(r, c);
    } else {
        struct ds_candidate *cd = add_candidate(r, c);
        if (cd)
            cd->eligible = true;
    }
    res->selected = c;
    res->advertise = true;
    trace(r, "result: %s with %s",
          res->dir == DS_DIR_RECEIVE ? "X-ANONYMOUSTLS advertised"
                                     : "anonymous TLS",
          label(c, lb, sizeof(lb)));
}

/* ---- connectors --------------------------------------------------------- */

static struct ds_result *new_result(struct ds_selection *sel,
                                    const char *connector, enum ds_dir dir,
                                    enum ds_kind kind)
{
    struct ds_result *v = ds_grow(sel->v, &sel->cap, sel->n + 1, sizeof(*v), 8);
    if (v == NULL)
        return NULL;
    sel->v = v;
    struct ds_result *res = &sel->v[sel->n++];
    memset(res, 0, sizeof(*res));
    res->connector = connector;
    res->dir = dir;
    res->kind = kind;
    return res;
}

static void run_recv(struct run *r, const struct ds_recv_connector *rc)
{
    r->res->recv = rc;
    if (r->res->kind == DS_KIND_ANONYMOUS) {
        trace(r,
              "step 1: auth_mechanism includes exchange_server: "
              "X-ANONYMOUSTLS applies (%s rules)",
              ds_rules_name(r->rules));
        select_anonymous(r);
        return;
    }
    trace(r,
          "step 1: auth_mechanism includes tls: STARTTLS applies (%s "
          "rules)",
          ds_rules_name(r->rules));
    struct starttls_args a = {
        .fqdn = rc->fqdn,
        .fqdn_from = rc->fqdn_set ? "the connector's fqdn"
                                  : "server.physical_fqdn: the connector sets "
                                    "no fqdn",
        .tls_name = rc->tls_certificate_name,
    };
    select_starttls(r, &a);
}

static void run_send(struct run *r, const struct ds_send_connector *sc)
{
    r->res->send = sc;
    if (r->res->kind == DS_KIND_ANONYMOUS) {
        trace(r, "step 1: smart_host_auth_mechanism includes "
                 "exchange_server: outbound anonymous TLS applies");
        select_anonymous(r);
        return;
    }
    trace(r, "step 1: outbound STARTTLS: the client certificate (%s rules)",
          ds_rules_name(r->rules));
    struct starttls_args a = {
        .fqdn = sc->fqdn,
        .fqdn_from = sc->fqdn_set ? "the connector's fqdn"
                                  : "server.fqdn: the connector sets no fqdn",
        .tls_name = sc->tls_certificate_name,
    };
    select_starttls(r, &a);
}

static bool wanted(const struct ds_strlist *only, const char *name)
{
    /* connector names are compared without case, as Exchange does */
    return only == NULL || only->n == 0 || ds_strlist_has_nocase(only, name);
}

int ds_select_run(const struct ds_config *cfg, const struct ds_certstore *store,
                  long long at, const struct ds_strlist *only,
                  struct ds_selection *out)
{
    struct run r = {
        .cfg = cfg, .store = store, .at = at, .rules = cfg->server.rules};
    memset(out, 0, sizeof(*out));
    out->at = at;
    out->rules = cfg->server.rules;
    for (size_t i = 0; i < cfg->nrecv && !r.oom; i++) {
        const struct ds_recv_connector *rc = &cfg->recv[i];
        for (int k = 0; k < 2 && wanted(only, rc->name) && !r.oom; k++) {
            unsigned bit = k == 0 ? DS_AUTH_TLS : DS_AUTH_EXCHANGE_SERVER;
            if (!(rc->auth & bit))
                continue;
            r.res = new_result(out, rc->name, DS_DIR_RECEIVE,
                               k == 0 ? DS_KIND_STARTTLS : DS_KIND_ANONYMOUS);
            if (r.res == NULL)
                return -1;
            run_recv(&r, rc);
        }
    }
    for (size_t i = 0; i < cfg->nsend && !r.oom; i++) {
        const struct ds_send_connector *sc = &cfg->send[i];
        for (int k = 0; k < 2 && wanted(only, sc->name) && !r.oom; k++) {
            if (k == 1 && !(sc->smart_host_auth & DS_AUTH_EXCHANGE_SERVER))
                continue;
            r.res = new_result(out, sc->name, DS_DIR_SEND,
                               k == 0 ? DS_KIND_STARTTLS : DS_KIND_ANONYMOUS);
            if (r.res == NULL)
                return -1;
            run_send(&r, sc);
        }
    }
    return r.oom ? -1 : 0;
}

void ds_selection_free(struct ds_selection *sel)
{
    for (size_t i = 0; i < sel->n; i++) {
        struct ds_result *res = &sel->v[i];
        for (size_t j = 0; j < res->ncand; j++)
            ds_strlist_free(&res->cand[j].reasons);
        free(res->cand);
        for (size_t j = 0; j < res->nevents; j++)
            free(res->events[j].text);
        free(res->events);
        ds_strlist_free(&res->trace);
    }
    free(sel->v);
    memset(sel, 0, sizeof(*sel));
}

bool ds_select_all_advertise(const struct ds_selection *sel)
{
    for (size_t i = 0; i < sel->n; i++)
        if (!sel->v[i].advertise)
            return false;
    return true;
}

const struct ds_result *ds_select_find(const struct ds_selection *sel,
                                       const char *connector, enum ds_dir dir,
                                       enum ds_kind kind)
{
    for (size_t i = 0; i < sel->n; i++) {
        const struct ds_result *res = &sel->v[i];
        if (res->dir == dir && res->kind == kind &&
            ds_strcasecmp(res->connector, connector) == 0)
            return res;
    }
    return NULL;
}

const char *ds_select_dir_name(enum ds_dir d)
{
    return d == DS_DIR_SEND ? "send" : "receive";
}

const char *ds_select_kind_name(enum ds_kind k)
{
    return k == DS_KIND_ANONYMOUS ? "anonymous" : "starttls";
}
