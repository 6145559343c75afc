/*
 * decide.c - the Domain Security decision table, as a pure function.
 *
 * Must not: know about libmilter, log, or keep state between calls.
 */
#include "dsconfig.h"

#include "decide.h"

#include <stdio.h>
#include <string.h>

enum ds_logged_action ds_decision_logged(const struct ds_decision *d)
{
    switch (d->verdict) {
    case DS_VERDICT_REJECT:
        return DS_LOGGED_REJECT;
    case DS_VERDICT_TEMPFAIL:
        return DS_LOGGED_TEMPFAIL;
    case DS_VERDICT_QUARANTINE:
        return DS_LOGGED_QUARANTINE;
    case DS_VERDICT_CONTINUE:
        break;
    }
    if (d->monitor)
        return DS_LOGGED_MONITOR;
    return d->mark ? DS_LOGGED_MARK : DS_LOGGED_ACCEPT;
}

const char *ds_decision_action(const struct ds_decision *d)
{
    return ds_name_of(ds_logged_action_names, (int)ds_decision_logged(d));
}

const struct ds_recv_connector *ds_decide_connector(const struct ds_config *cfg,
                                                    const char *daemon_name,
                                                    bool *known)
{
    const struct ds_recv_connector *r =
        ds_config_recv_by_daemon(cfg, daemon_name);
    *known = r != NULL;
    if (r == NULL && cfg->milter.default_connector != NULL)
        r = ds_config_recv_by_name(cfg, cfg->milter.default_connector);
    return r;
}

/* Does a partner.peer_names entry (normalised, maybe "*.x.y") accept the
 * normalised certificate name? A wildcard entry covers exactly one label;
 * a wildcard certificate name must be listed literally. */
static bool peer_name_accepts(const char *entry, const char *name)
{
    if (strcmp(entry, name) == 0)
        return true;
    if (entry[0] != '*' || entry[1] != '.' || name[0] == '*')
        return false;
    const char *dot = strchr(name, '.');
    return dot != NULL && dot != name && strcmp(dot + 1, entry + 2) == 0;
}

bool ds_decide_name_ok(const char *cn, const char *domain,
                       enum ds_peer_match match,
                       const struct ds_partner *partner)
{
    char name[DS_DOMAIN_MAX + 2];
    const char *why;

    if (cn == NULL || domain == NULL || domain[0] == '\0')
        return false;
    if (ds_domain_normalise(cn, strlen(cn), name,
                            DS_DOMAIN_ALLOW_WILDCARD | DS_DOMAIN_ALLOW_SINGLE,
                            &why) < 0)
        return false;
    if (partner != NULL && partner->peer_names.n > 0) {
        for (size_t i = 0; i < partner->peer_names.n; i++)
            if (peer_name_accepts(partner->peer_names.v[i], name))
                return true;
        return false;
    }
    return ds_name_covers(name, domain, match == DS_PEER_SUBDOMAIN);
}

static bool issuer_ok(const char *issuer, const struct ds_partner *partner)
{
    if (partner == NULL || partner->issuers.n == 0)
        return true;
    return issuer != NULL && ds_strlist_has_nocase(&partner->issuers, issuer);
}

/* The enforcement action for a failure, and its reply. */
static void fail(const struct ds_decide_in *in, struct ds_decision *out,
                 enum ds_reason reason, int event)
{
    out->result = DS_RESULT_FAIL;
    out->reason = reason;
    out->event = event;
    if (in->milter->mode == DS_MODE_MONITOR) {
        out->monitor = true;
        out->mark = true;
        return;
    }
    enum ds_action action = in->milter->action;
    if (out->partner != NULL && out->partner->has_action)
        action = out->partner->action;
    snprintf(out->text, sizeof(out->text),
             "Domain Security: %s requires mutual TLS (%s)", in->domain,
             ds_reason_name(reason));
    switch (action) {
    case DS_ACTION_REJECT:
        out->verdict = DS_VERDICT_REJECT;
        memcpy(out->code, "550", 4);
        memcpy(out->xcode, "5.7.1", 6);
        break;
    case DS_ACTION_TEMPFAIL:
        out->verdict = DS_VERDICT_TEMPFAIL;
        memcpy(out->code, "451", 4);
        memcpy(out->xcode, "4.7.1", 6);
        break;
    case DS_ACTION_QUARANTINE:
        out->verdict = DS_VERDICT_QUARANTINE;
        break;
    }
}

void ds_decide(const struct ds_decide_in *in, struct ds_decision *out)
{
    memset(out, 0, sizeof(*out));
    out->result = DS_RESULT_NONE;
    out->verdict = DS_VERDICT_CONTINUE;

    if (in->connector != NULL && !in->connector->domain_secure) {
        out->reason = DS_REASON_NOT_DOMAIN_SECURE;
        /* not judged, but counted per partner (decisions.c) */
        if (in->domain != NULL && in->domain[0] != '\0') {
            const struct ds_domainset_entry *e =
                ds_domainset_match(in->receive_list, in->domain);
            out->list_entry = e ? e->name : NULL;
        }
        return;
    }
    if (in->domain == NULL) {
        out->reason = DS_REASON_BAD_SENDER;
        return;
    }
    if (in->domain[0] == '\0') {
        out->reason = DS_REASON_NULL_SENDER;
        return;
    }
    const struct ds_domainset_entry *e =
        ds_domainset_match(in->receive_list, in->domain);
    if (e == NULL) {
        out->reason = DS_REASON_UNLISTED;
        return;
    }
    out->list_entry = e->name;
    out->partner = e->value;

    const struct ds_tls *t = in->tls;
    if (t == NULL || !t->active) {
        fail(in, out, DS_REASON_TLS_NOT_STARTED, 11012);
        return;
    }
    if (!t->verified) {
        fail(in, out, DS_REASON_NOT_VERIFIED, 0);
        return;
    }
    if (!ds_decide_name_ok(t->peer_cn, in->domain, in->milter->peer_match,
                           out->partner) ||
        !issuer_ok(t->issuer_cn, out->partner)) {
        fail(in, out, DS_REASON_SUBJECT_MISMATCH, 11015);
        return;
    }
    out->result = DS_RESULT_PASS;
    out->reason = DS_REASON_PASS;
    out->mark = true;
}
