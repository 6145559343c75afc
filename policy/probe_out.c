/*
 * probe_out.c - what `domsec-policy probe` prints: text for an admin woken
 * at night (the verdict and its reason first, then the plan, then every
 * address step by step) and one JSON object (domsec-policy(8)).
 *
 * Must not: decide anything (the verdict is made in cmd_probe.c and the
 * sessions), or print to anything but the FILE it is given.
 */
#include "dsconfig.h"

#include "probe.h"

#include <stdio.h>
#include <string.h>

#include "json.h"

size_t ds_probe_session_warnings(const struct ds_probe_session *s,
                                 struct ds_probe_warn *w, size_t max)
{
    size_t n = 0;
    if (!s->tls || max == 0)
        return 0;
    if (!s->cert_requested) {
        w[n].code = DS_PROBE_W_NO_CERT_REQUEST;
        snprintf(w[n++].text, sizeof(w[0].text),
                 "%s port %d did not ask for a client certificate: it cannot "
                 "check ours, so our mail is not domain-secured there",
                 s->addr->ip, s->addr->port);
    } else if (s->cert_sent && s->ca_names.n > 0 && !s->issuer_named &&
               n < max) {
        w[n].code = DS_PROBE_W_ISSUER_NOT_NAMED;
        snprintf(w[n++].text, sizeof(w[0].text),
                 "%s port %d asked for a certificate from %zu CA(s), and "
                 "our certificate's issuer is not among them: the partner "
                 "will likely not accept it",
                 s->addr->ip, s->addr->port, s->ca_names.n);
    }
    return n;
}

const char *ds_probe_addr_label(const struct ds_probe_addr *a, char *buf,
                                size_t size)
{
    int n = snprintf(buf, size, "%s port %d", a->ip, a->port);
    if (n < 0 || (size_t)n >= size || strcmp(a->host, a->ip) == 0)
        return buf;
    if (a->preference >= 0)
        snprintf(buf + n, size - (size_t)n, " (%s, MX %d)", a->host,
                 a->preference);
    else
        snprintf(buf + n, size - (size_t)n, " (%s)", a->host);
    return buf;
}

static const char *iso(long long t, char *buf)
{
    return ds_time_iso(t, buf, 32);
}

static const char *yes(bool b)
{
    return b ? "yes" : "no";
}

/* ---- text --------------------------------------------------------------- */

static void match_text(FILE *fp, const struct ds_strlist *m)
{
    for (size_t i = 0; i < m->n; i++)
        fprintf(fp, "%s%s", i ? ":" : "", m->v[i]);
}

static void plan_text(FILE *fp, const struct ds_probe_run *r)
{
    char a[32];
    if (r->list_entry)
        fprintf(fp, "\nplan (what Postfix does with mail to %s):\n", r->domain);
    else
        fprintf(fp, "\nplan (as if %s were on tls_send_domain_secure_list):\n",
                r->domain);
    fprintf(fp, "  send connector  \"%s\"", r->connector);
    if (r->route_key)
        fprintf(fp, " (transport_maps key %s)", r->route_key);
    else
        fprintf(fp, " (--connector)");
    fprintf(fp, ", EHLO %s\n", r->params.helo);
    const char *postfix = r->connector_dns ? "the domain's MX records"
                                           : "the connector's smart hosts";
    if (strcmp(r->routing, "connect") == 0)
        fprintf(fp, "  next hop        --connect, instead of %s\n", postfix);
    else
        fprintf(fp, "  next hop        %s\n", postfix);
    for (size_t i = 0; i < r->hops.notes.n; i++)
        fprintf(fp, "                  %s\n", r->hops.notes.v[i]);
    if (r->hops.dropped)
        fprintf(fp,
                "                  (%zu more addresses: Postfix tries "
                "%d at most)\n",
                r->hops.dropped, DS_PROBE_MAX_ADDRESSES);
    fprintf(fp, "  TLS policy      %s match=", r->level);
    match_text(fp, &r->params.match);
    if (r->policy_key)
        fprintf(fp, " (tls_policy key %s)", r->policy_key);
    fprintf(fp, "\n  CA file         %s\n",
            r->params.cafile ? r->params.cafile : "(none)");
    if (r->cert_name)
        fprintf(fp,
                "  our certificate \"%s\" %s\n"
                "                  %s; issuer %s; expires %s\n",
                r->cert_name, r->cert_thumbprint, r->cert_subject,
                r->cert_issuer, iso(r->cert_not_after, a));
    else
        fprintf(fp, "  our certificate (none)\n");
    fprintf(fp,
            "  timeouts        connect %d s, each reply %d s, TLS handshake "
            "%d s, DNS %d s\n",
            r->params.timeouts.connect, r->params.timeouts.reply,
            r->params.timeouts.tls, r->params.timeouts.dns);
    for (size_t i = 0; i < r->notes.n; i++)
        fprintf(fp, "  note: %s\n", r->notes.v[i]);
}

static void chain_text(FILE *fp, const struct ds_probe_session *s)
{
    char a[32], b[32];
    fprintf(fp, "  server certificate chain:\n");
    for (size_t i = 0; i < s->nchain; i++) {
        const struct ds_probe_cert *c = &s->chain[i];
        fprintf(fp, "    [%zu] %s\n", i, c->subject);
        fprintf(fp, "        issuer      %s\n", c->issuer);
        if (c->dns_names.n) {
            fprintf(fp, "        DNS names  ");
            for (size_t j = 0; j < c->dns_names.n; j++)
                fprintf(fp, " %s", c->dns_names.v[j]);
            fprintf(fp, "\n");
        }
        fprintf(fp, "        valid       %s to %s\n", iso(c->not_before, a),
                iso(c->not_after, b));
        fprintf(fp, "        thumbprint  %s\n", c->thumbprint);
    }
}

static void tls_text(FILE *fp, const struct ds_probe_run *r,
                     const struct ds_probe_session *s)
{
    fprintf(fp, "  TLS             %s, %s\n", s->version, s->cipher);
    chain_text(fp, s);
    fprintf(fp, "  trusted         %s%s%s\n", yes(s->trusted),
            s->trusted ? "" : ": ", s->trusted ? "" : s->verify_error);
    fprintf(fp, "  dates           %s\n",
            s->expired ? s->verify_error : "valid");
    fprintf(fp, "  name            ");
    if (s->name_match)
        fprintf(fp, "%s matches", s->matched);
    else
        fprintf(fp, "NO MATCH for");
    fprintf(fp, " match=");
    match_text(fp, &r->params.match);
    fprintf(fp, "\n  our certificate %s\n",
            !s->cert_requested ? "not requested by the server"
            : s->cert_sent     ? "requested and sent"
                               : "requested, but we have none to send");
    if (s->cert_requested) {
        fprintf(fp, "  CA names sent   %s\n",
                s->ca_names.n ? s->ca_names.v[0] : "(none: any issuer may do)");
        for (size_t i = 1; i < s->ca_names.n; i++)
            fprintf(fp, "                  %s\n", s->ca_names.v[i]);
        if (s->ca_names.n && s->cert_sent)
            fprintf(fp, "  our issuer named %s\n", yes(s->issuer_named));
    }
}

static void session_text(FILE *fp, const struct ds_probe_run *r, size_t i)
{
    const struct ds_probe_session *s = &r->sessions[i];
    const struct ds_probe_addr *a = s->addr;
    char label[400];
    fprintf(fp, "\naddress %zu of %zu: %s\n", i + 1, r->nsessions,
            ds_probe_addr_label(a, label, sizeof(label)));
    fprintf(fp, "  result          %s: %s\n", ds_probe_result_name(s->result),
            s->detail);
    fprintf(fp, "  connected       %s%s%s%s\n", yes(s->reachable),
            s->greeting[0] ? ": \"" : "", s->greeting,
            s->greeting[0] ? "\"" : "");
    if (!s->reachable)
        return;
    fprintf(fp, "  STARTTLS        %s\n",
            s->starttls ? "offered" : "NOT offered");
    if (s->tls)
        tls_text(fp, r, s);
    struct ds_probe_warn w[4];
    size_t nw = ds_probe_session_warnings(s, w, 4);
    for (size_t k = 0; k < nw; k++)
        fprintf(fp, "  warning: %s\n", w[k].text);
}

void ds_probe_print_text(FILE *fp, const struct ds_probe_run *r)
{
    fprintf(fp, "%s: %s\n", r->domain, ds_probe_result_name(r->result));
    fprintf(fp, "  %s\n", r->detail);
    if (r->if_listed != DS_PROBE_RESULT_COUNT)
        fprintf(fp, "  as if it were listed: %s: %s\n",
                ds_probe_result_name(r->if_listed), r->if_listed_detail);
    for (size_t i = 0; i < r->nwarnings; i++)
        fprintf(fp, "  warning: %s\n", r->warnings[i].text);
    plan_text(fp, r);
    for (size_t i = 0; i < r->nsessions; i++)
        session_text(fp, r, i);
}

/* ---- JSON --------------------------------------------------------------- */

static void warnings_json(struct ds_json *j, const struct ds_probe_warn *w,
                          size_t n)
{
    ds_json_key(j, "warnings");
    ds_json_begin_array(j);
    for (size_t i = 0; i < n; i++) {
        ds_json_begin_object(j);
        ds_json_kv_string(j, "code", ds_probe_warning_name(w[i].code));
        ds_json_kv_string(j, "text", w[i].text);
        ds_json_end_object(j);
    }
    ds_json_end_array(j);
}

static void kv_bool_or_null(struct ds_json *j, const char *key, bool known,
                            bool v)
{
    ds_json_key(j, key);
    if (known)
        ds_json_bool(j, v);
    else
        ds_json_null(j);
}

static void chain_json(struct ds_json *j, const struct ds_probe_session *s)
{
    char a[32];
    ds_json_key(j, "chain");
    ds_json_begin_array(j);
    for (size_t i = 0; i < s->nchain; i++) {
        const struct ds_probe_cert *c = &s->chain[i];
        ds_json_begin_object(j);
        ds_json_kv_string(j, "subject", c->subject);
        ds_json_kv_string(j, "issuer", c->issuer);
        ds_json_kv_strings(j, "dns_names", &c->dns_names);
        ds_json_kv_string(j, "not_before", iso(c->not_before, a));
        ds_json_kv_string(j, "not_after", iso(c->not_after, a));
        ds_json_kv_string(j, "thumbprint", c->thumbprint);
        ds_json_end_object(j);
    }
    ds_json_end_array(j);
}

static void tls_json(struct ds_json *j, const struct ds_probe_session *s)
{
    bool t = s->tls;
    ds_json_key(j, "tls");
    if (t) {
        ds_json_begin_object(j);
        ds_json_kv_string(j, "version", s->version);
        ds_json_kv_string(j, "cipher", s->cipher);
        ds_json_end_object(j);
    } else {
        ds_json_null(j);
    }
    chain_json(j, s);
    kv_bool_or_null(j, "trusted", t, s->trusted);
    kv_bool_or_null(j, "expired", t, s->expired);
    ds_json_kv_string(j, "verify_error",
                      t && s->verify_error[0] ? s->verify_error : NULL);
    kv_bool_or_null(j, "name_match", t, s->name_match);
    ds_json_kv_string(j, "matched_name",
                      t && s->name_match ? s->matched : NULL);
    kv_bool_or_null(j, "client_certificate_requested", t, s->cert_requested);
    ds_json_kv_strings(j, "ca_names", &s->ca_names);
    kv_bool_or_null(j, "client_certificate_sent", t, s->cert_sent);
    kv_bool_or_null(j, "issuer_in_ca_names",
                    t && s->cert_sent && s->ca_names.n > 0, s->issuer_named);
}

static void session_json(struct ds_json *j, const struct ds_probe_session *s)
{
    const struct ds_probe_addr *a = s->addr;
    ds_json_begin_object(j);
    ds_json_kv_string(j, "host", a->host);
    ds_json_key(j, "preference");
    if (a->preference >= 0)
        ds_json_int(j, a->preference);
    else
        ds_json_null(j);
    ds_json_kv_string(j, "address", a->ip);
    ds_json_kv_int(j, "port", a->port);
    ds_json_kv_string(j, "result", ds_probe_result_name(s->result));
    ds_json_kv_string(j, "detail", s->detail);
    ds_json_kv_bool(j, "reachable", s->reachable);
    ds_json_kv_string(j, "greeting", s->greeting[0] ? s->greeting : NULL);
    kv_bool_or_null(j, "starttls", s->reachable, s->starttls);
    tls_json(j, s);
    struct ds_probe_warn w[4];
    warnings_json(j, w, ds_probe_session_warnings(s, w, 4));
    ds_json_end_object(j);
}

static void plan_json(struct ds_json *j, const struct ds_probe_run *r)
{
    char a[32];
    ds_json_kv_string(j, "connector", r->connector);
    ds_json_kv_string(j, "transport_key", r->route_key);
    ds_json_kv_string(j, "helo", r->params.helo);
    ds_json_kv_string(j, "routing", r->routing);
    ds_json_key(j, "tls_policy");
    ds_json_begin_object(j);
    ds_json_kv_string(j, "level", r->level);
    ds_json_kv_string(j, "key", r->policy_key);
    ds_json_key(j, "match");
    ds_json_begin_array(j);
    for (size_t i = 0; i < r->params.match.n; i++)
        ds_json_string(j, r->params.match.v[i]);
    ds_json_end_array(j);
    ds_json_end_object(j);
    ds_json_kv_string(j, "ca_file", r->params.cafile);
    ds_json_key(j, "client_certificate");
    if (r->cert_name) {
        ds_json_begin_object(j);
        ds_json_kv_string(j, "certificate", r->cert_name);
        ds_json_kv_string(j, "thumbprint", r->cert_thumbprint);
        ds_json_kv_string(j, "subject", r->cert_subject);
        ds_json_kv_string(j, "issuer", r->cert_issuer);
        ds_json_kv_string(j, "not_after", iso(r->cert_not_after, a));
        ds_json_end_object(j);
    } else {
        ds_json_null(j);
    }
    ds_json_key(j, "timeouts");
    ds_json_begin_object(j);
    ds_json_kv_int(j, "connect", r->params.timeouts.connect);
    ds_json_kv_int(j, "reply", r->params.timeouts.reply);
    ds_json_kv_int(j, "tls", r->params.timeouts.tls);
    ds_json_kv_int(j, "dns", r->params.timeouts.dns);
    ds_json_end_object(j);
    ds_json_key(j, "resolution");
    ds_json_begin_object(j);
    ds_json_kv_strings(j, "notes", &r->hops.notes);
    ds_json_kv_string(j, "error", r->hops.error[0] ? r->hops.error : NULL);
    ds_json_kv_int(j, "dropped", (long long)r->hops.dropped);
    ds_json_end_object(j);
    ds_json_kv_strings(j, "notes", &r->notes);
}

void ds_probe_print_json(FILE *fp, const struct ds_probe_run *r)
{
    struct ds_json j;
    char a[32];
    ds_json_init(&j, fp, true);
    ds_json_begin_object(&j);
    ds_json_kv_string(&j, "domain", r->domain);
    ds_json_kv_string(&j, "at", iso(r->at, a));
    ds_json_kv_string(&j, "result", ds_probe_result_name(r->result));
    ds_json_kv_string(&j, "detail", r->detail);
    ds_json_kv_bool(&j, "listed", r->list_entry != NULL);
    ds_json_kv_string(&j, "list_entry", r->list_entry);
    ds_json_kv_string(&j, "instead", r->instead);
    bool hypo = r->if_listed != DS_PROBE_RESULT_COUNT;
    ds_json_kv_string(&j, "if_listed",
                      hypo ? ds_probe_result_name(r->if_listed) : NULL);
    ds_json_kv_string(&j, "if_listed_detail",
                      hypo ? r->if_listed_detail : NULL);
    warnings_json(&j, r->warnings, r->nwarnings);
    plan_json(&j, r);
    ds_json_key(&j, "addresses");
    ds_json_begin_array(&j);
    for (size_t i = 0; i < r->nsessions; i++)
        session_json(&j, &r->sessions[i]);
    ds_json_end_array(&j);
    ds_json_end_object(&j);
    ds_json_finish(&j);
}
