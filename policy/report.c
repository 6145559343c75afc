/*
 * report.c - domsec-policy's output, text and JSON (see report.h).
 *
 * Must not: decide anything (it only formats results), or print to
 * anything but the FILE it is given.
 */
#include "dsconfig.h"

#include "report.h"

#include <string.h>

#include "json.h"
#include "names.h"

#define DAY 86400LL

static const char *iso(long long t, char *buf)
{
    return ds_time_iso(t, buf, 32);
}

static const char *pki_name(enum ds_pki p)
{
    return p == DS_PKI_VALID         ? "valid PKI"
           : p == DS_PKI_SELF_SIGNED ? "self-signed"
                                     : "untrusted";
}

/* "receive connector "Inet", STARTTLS" */
static void result_title(FILE *fp, const struct ds_result *res)
{
    fprintf(fp, "%s connector \"%s\", %s", ds_select_dir_name(res->dir),
            res->connector,
            res->kind == DS_KIND_STARTTLS
                ? (res->dir == DS_DIR_RECEIVE ? "STARTTLS"
                                              : "STARTTLS client certificate")
                : (res->dir == DS_DIR_RECEIVE ? "X-ANONYMOUSTLS"
                                              : "anonymous TLS"));
}

static void events_text(FILE *fp, const struct ds_result *res)
{
    for (size_t i = 0; i < res->nevents; i++)
        fprintf(fp, "    %s %d: %s\n", ds_sev_name(res->events[i].sev),
                res->events[i].id, res->events[i].text);
}

static void select_one_text(FILE *fp, const struct ds_certstore *store,
                            const struct ds_selection *sel,
                            const struct ds_result *res)
{
    char a[32], b[32];
    result_title(fp, res);
    if (res->name)
        fprintf(fp, " for %s", res->name);
    fprintf(fp, ": %s\n",
            res->advertise
                ? (res->dir == DS_DIR_RECEIVE ? "advertised" : "used")
                : (res->dir == DS_DIR_RECEIVE ? "NOT advertised" : "NOT used"));
    const struct ds_cert *c = res->selected;
    if (c) {
        fprintf(fp, "    certificate \"%s\" %s\n", c->name, c->thumbprint);
        fprintf(fp, "        %s; issuer %s\n", c->subject, c->issuer);
        fprintf(fp, "        %s; valid %s to %s%s\n",
                pki_name(ds_cert_pki(store, c, sel->at, NULL)),
                iso(c->not_before, a), iso(c->not_after, b),
                c->not_after < sel->at ? " (EXPIRED)" : "");
    }
    events_text(fp, res);
}

void ds_report_select_text(FILE *fp, const struct ds_certstore *store,
                           const struct ds_selection *sel, bool explain)
{
    char at[32];
    if (sel->n == 0)
        fprintf(fp, "no connector uses TLS\n");
    for (size_t i = 0; i < sel->n; i++) {
        const struct ds_result *res = &sel->v[i];
        if (!explain) {
            select_one_text(fp, store, sel, res);
            continue;
        }
        if (i > 0)
            fputc('\n', fp);
        fputs("== ", fp);
        result_title(fp, res);
        fprintf(fp, " (%s rules, at %s)\n", ds_rules_name(sel->rules),
                iso(sel->at, at));
        for (size_t j = 0; j < res->trace.n; j++)
            fprintf(fp, "%s\n", res->trace.v[j]);
    }
}

/* ---- select --json: the contract ---------------------------------------- */

static void selected_json(struct ds_json *j, const struct ds_certstore *store,
                          const struct ds_selection *sel,
                          const struct ds_cert *c)
{
    char a[32], b[32];
    if (c == NULL) {
        ds_json_null(j);
        return;
    }
    enum ds_pki p = ds_cert_pki(store, c, sel->at, NULL);
    ds_json_begin_object(j);
    ds_json_kv_string(j, "thumbprint", c->thumbprint);
    ds_json_kv_string(j, "sha256", c->sha256);
    ds_json_kv_string(j, "certificate", c->name);
    ds_json_kv_string(j, "subject", c->subject);
    ds_json_kv_string(j, "issuer", c->issuer);
    ds_json_kv_string(j, "not_before", iso(c->not_before, a));
    ds_json_kv_string(j, "not_after", iso(c->not_after, b));
    ds_json_kv_bool(j, "self_signed", p == DS_PKI_SELF_SIGNED);
    ds_json_kv_bool(j, "pki_valid", p == DS_PKI_VALID);
    ds_json_kv_bool(j, "expired", c->not_after < sel->at);
    ds_json_end_object(j);
}

static void result_json(struct ds_json *j, const struct ds_certstore *store,
                        const struct ds_selection *sel,
                        const struct ds_result *res)
{
    ds_json_begin_object(j);
    ds_json_kv_string(j, "connector", res->connector);
    ds_json_kv_string(j, "direction", ds_select_dir_name(res->dir));
    ds_json_kv_string(j, "kind", ds_select_kind_name(res->kind));
    ds_json_kv_string(j, "name", res->name);
    ds_json_kv_bool(j, "advertise", res->advertise);
    ds_json_key(j, "selected");
    selected_json(j, store, sel, res->selected);
    ds_json_key(j, "candidates");
    ds_json_begin_array(j);
    for (size_t i = 0; i < res->ncand; i++) {
        ds_json_begin_object(j);
        ds_json_kv_string(j, "thumbprint", res->cand[i].cert->thumbprint);
        ds_json_kv_bool(j, "eligible", res->cand[i].eligible);
        ds_json_kv_strings(j, "reasons", &res->cand[i].reasons);
        ds_json_end_object(j);
    }
    ds_json_end_array(j);
    ds_json_key(j, "events");
    ds_json_begin_array(j);
    for (size_t i = 0; i < res->nevents; i++) {
        ds_json_begin_object(j);
        ds_json_kv_int(j, "id", res->events[i].id);
        ds_json_kv_string(j, "severity", ds_sev_name(res->events[i].sev));
        ds_json_kv_string(j, "text", res->events[i].text);
        ds_json_end_object(j);
    }
    ds_json_end_array(j);
    ds_json_kv_strings(j, "trace", &res->trace);
    ds_json_end_object(j);
}

void ds_report_select_json(FILE *fp, const struct ds_certstore *store,
                           const struct ds_selection *sel)
{
    struct ds_json j;
    char at[32];
    ds_json_init(&j, fp, true);
    ds_json_begin_object(&j);
    ds_json_kv_string(&j, "at", iso(sel->at, at));
    ds_json_kv_string(&j, "rules", ds_rules_name(sel->rules));
    ds_json_key(&j, "results");
    ds_json_begin_array(&j);
    for (size_t i = 0; i < sel->n; i++)
        result_json(&j, store, sel, &sel->v[i]);
    ds_json_end_array(&j);
    ds_json_end_object(&j);
    ds_json_finish(&j);
}

/* ---- certs -------------------------------------------------------------- */

static const char *validity_note(const struct ds_cert *c, long long at,
                                 char *buf, size_t size)
{
    if (c->not_after < at)
        snprintf(buf, size, "EXPIRED");
    else if (c->not_before > at)
        snprintf(buf, size, "not yet valid");
    else
        snprintf(buf, size, "expires in %lld days", (c->not_after - at) / DAY);
    return buf;
}

static void cert_text(FILE *fp, const struct ds_certstore *store,
                      const struct ds_selection *sel, const struct ds_cert *c)
{
    char a[32], b[32], note[64];
    const char *why = NULL;
    enum ds_pki p = ds_cert_pki(store, c, sel->at, &why);
    fprintf(fp, "certificate \"%s\"\n", c->name);
    fprintf(fp, "    file         %s\n", c->cert_path);
    fprintf(fp, "    thumbprint   %s\n", c->thumbprint);
    fprintf(fp, "    sha256       %s\n", c->sha256);
    fprintf(fp, "    subject      %s\n", c->subject);
    fprintf(fp, "    issuer       %s\n", c->issuer);
    fprintf(fp, "    names        CN %s", c->subject_cn ? c->subject_cn : "-");
    for (size_t i = 0; i < c->dns_names.n; i++)
        fprintf(fp, "%s%s", i ? ", " : "; SAN ", c->dns_names.v[i]);
    fprintf(fp, "\n    valid        %s to %s (%s)\n", iso(c->not_before, a),
            iso(c->not_after, b),
            validity_note(c, sel->at, note, sizeof(note)));
    fprintf(fp, "    version      X.509 v%d\n", c->version);
    fprintf(fp, "    key          %s%s\n", c->key_path ? c->key_path : "none",
            c->key_path
                ? (ds_cert_has_key(store, c) ? " (matches)" : " (UNUSABLE)")
                : "");
    fprintf(fp, "    services     ");
    for (size_t i = 0; i < c->services.n; i++)
        fprintf(fp, "%s%s", i ? ", " : "", c->services.v[i]);
    fprintf(fp, "%s\n", c->services.n ? "" : "none");
    fprintf(fp, "    chain        %s%s%s%s\n", pki_name(p), why ? " (" : "",
            why ? why : "", why ? ")" : "");
    size_t used = 0;
    fprintf(fp, "    used by      ");
    for (size_t i = 0; i < sel->n; i++)
        if (sel->v[i].selected == c)
            fprintf(fp, "%s%s %s (%s)", used++ ? ", " : "",
                    ds_select_dir_name(sel->v[i].dir), sel->v[i].connector,
                    ds_select_kind_name(sel->v[i].kind));
    fprintf(fp, "%s\n", used ? "" : "no connector");
    fprintf(fp, "    tls_certificate_name = \"%s\"%s\n",
            c->tls_certificate_name,
            c->name_fits ? "" : "  (longer than 256 characters: unusable)");
}

void ds_report_certs_text(FILE *fp, const struct ds_certstore *store,
                          const struct ds_selection *sel)
{
    size_t n = ds_certstore_count(store);
    if (n == 0)
        fprintf(fp, "the certificate store is empty\n");
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc('\n', fp);
        cert_text(fp, store, sel, ds_certstore_get(store, i));
    }
}

static void cert_json(struct ds_json *j, const struct ds_certstore *store,
                      const struct ds_selection *sel, const struct ds_cert *c)
{
    char a[32], b[32];
    const char *why = NULL;
    enum ds_pki p = ds_cert_pki(store, c, sel->at, &why);
    ds_json_begin_object(j);
    ds_json_kv_string(j, "certificate", c->name);
    ds_json_kv_string(j, "file", c->cert_path);
    ds_json_kv_string(j, "thumbprint", c->thumbprint);
    ds_json_kv_string(j, "sha256", c->sha256);
    ds_json_kv_string(j, "subject", c->subject);
    ds_json_kv_string(j, "issuer", c->issuer);
    struct ds_arena tmp = {0};
    ds_json_kv_string(j, "subject_rfc2253",
                      ds_cert_dn_rfc2253(X509_get_subject_name(c->x509), &tmp));
    ds_json_kv_string(j, "issuer_rfc2253",
                      ds_cert_dn_rfc2253(X509_get_issuer_name(c->x509), &tmp));
    ds_arena_free(&tmp);
    ds_json_kv_string(j, "subject_cn", c->subject_cn);
    ds_json_kv_strings(j, "dns_names", &c->dns_names);
    ds_json_kv_string(j, "not_before", iso(c->not_before, a));
    ds_json_kv_string(j, "not_after", iso(c->not_after, b));
    ds_json_kv_bool(j, "expired", c->not_after < sel->at);
    ds_json_kv_bool(j, "not_yet_valid", c->not_before > sel->at);
    ds_json_kv_int(j, "version", c->version);
    ds_json_kv_string(j, "key", c->key_path);
    ds_json_kv_bool(j, "has_key", ds_cert_has_key(store, c));
    ds_json_kv_strings(j, "services", &c->services);
    ds_json_kv_bool(j, "self_signed", p == DS_PKI_SELF_SIGNED);
    ds_json_kv_bool(j, "pki_valid", p == DS_PKI_VALID);
    ds_json_kv_string(j, "pki_error", why);
    ds_json_key(j, "used_by");
    ds_json_begin_array(j);
    for (size_t i = 0; i < sel->n; i++) {
        if (sel->v[i].selected != c)
            continue;
        ds_json_begin_object(j);
        ds_json_kv_string(j, "connector", sel->v[i].connector);
        ds_json_kv_string(j, "direction", ds_select_dir_name(sel->v[i].dir));
        ds_json_kv_string(j, "kind", ds_select_kind_name(sel->v[i].kind));
        ds_json_end_object(j);
    }
    ds_json_end_array(j);
    ds_json_kv_string(j, "tls_certificate_name", c->tls_certificate_name);
    ds_json_end_object(j);
}

void ds_report_certs_json(FILE *fp, const struct ds_certstore *store,
                          const struct ds_selection *sel)
{
    struct ds_json j;
    char at[32];
    ds_json_init(&j, fp, true);
    ds_json_begin_object(&j);
    ds_json_kv_string(&j, "at", iso(sel->at, at));
    ds_json_key(&j, "certificates");
    ds_json_begin_array(&j);
    for (size_t i = 0; i < ds_certstore_count(store); i++)
        cert_json(&j, store, sel, ds_certstore_get(store, i));
    ds_json_end_array(&j);
    ds_json_end_object(&j);
    ds_json_finish(&j);
}

/* ---- lint --------------------------------------------------------------- */

void ds_report_lint_text(FILE *fp, const struct ds_lint *lint)
{
    char at[32];
    for (size_t i = 0; i < lint->n; i++) {
        const struct ds_finding *f = &lint->v[i];
        if (f->where.file && f->where.line > 0)
            fprintf(fp, "%s:%d: ", f->where.file, f->where.line);
        else if (f->where.file)
            fprintf(fp, "%s: ", f->where.file);
        fprintf(fp, "%s: ", ds_sev_name(f->sev));
        if (f->event)
            fprintf(fp, "[%d] ", f->event);
        fprintf(fp, "%s", f->text);
        if (f->code != DS_CODE_OTHER)
            fprintf(fp, " [%s]", ds_code_name(f->code));
        fputc('\n', fp);
        if (f->hint)
            fprintf(fp, "    hint: %s\n", f->hint);
    }
    fprintf(fp,
            "lint: %zu error(s), %zu warning(s) at %s, expiry forecast "
            "%d days\n",
            lint->nerrors, lint->nwarnings, iso(lint->at, at), lint->days);
}

void ds_report_lint_json(FILE *fp, const struct ds_lint *lint)
{
    struct ds_json j;
    char at[32];
    ds_json_init(&j, fp, true);
    ds_json_begin_object(&j);
    ds_json_kv_string(&j, "at", iso(lint->at, at));
    ds_json_kv_int(&j, "days", lint->days);
    ds_json_kv_int(&j, "errors", (long long)lint->nerrors);
    ds_json_kv_int(&j, "warnings", (long long)lint->nwarnings);
    ds_json_key(&j, "findings");
    ds_json_begin_array(&j);
    for (size_t i = 0; i < lint->n; i++) {
        const struct ds_finding *f = &lint->v[i];
        ds_json_begin_object(&j);
        ds_json_kv_string(&j, "severity", ds_sev_name(f->sev));
        ds_json_key(&j, "event");
        if (f->event)
            ds_json_int(&j, f->event);
        else
            ds_json_null(&j);
        ds_json_kv_string(&j, "connector", f->connector);
        ds_json_kv_string(&j, "certificate", f->certificate);
        ds_json_kv_string(&j, "file", f->where.file);
        ds_json_kv_int(&j, "line", f->where.line);
        ds_json_kv_string(&j, "text", f->text);
        ds_json_kv_string(&j, "hint", f->hint);
        ds_json_kv_string(&j, "code", ds_code_name(f->code));
        ds_json_end_object(&j);
    }
    ds_json_end_array(&j);
    ds_json_end_object(&j);
    ds_json_finish(&j);
}

/* ---- check-config ------------------------------------------------------- */

void ds_report_check_text(FILE *fp, const char *path,
                          const struct ds_config *cfg,
                          const struct ds_certstore *store)
{
    fprintf(fp,
            "%s: OK: %zu certificate(s), %zu receive connector(s), %zu send "
            "connector(s), %zu/%zu domain(s) on the receive/send lists, %s "
            "rules\n",
            path, ds_certstore_count(store), cfg->nrecv, cfg->nsend,
            cfg->receive_names.n, cfg->send_names.n,
            ds_rules_name(cfg->server.rules));
}

static void diag_json(struct ds_json *j, const char *key,
                      const struct ds_diag *d, enum ds_sev sev)
{
    ds_json_key(j, key);
    ds_json_begin_array(j);
    for (size_t i = 0; d && i < d->n; i++) {
        const struct ds_diag_item *it = &d->v[i];
        if (it->sev != sev)
            continue;
        ds_json_begin_object(j);
        ds_json_kv_string(j, "file", it->file);
        ds_json_kv_int(j, "line", it->line);
        ds_json_kv_string(j, "text", it->text);
        ds_json_kv_string(j, "hint", it->hint);
        ds_json_kv_string(j, "code", ds_code_name(it->code));
        ds_json_end_object(j);
    }
    ds_json_end_array(j);
}

void ds_report_check_json(FILE *fp, const char *path,
                          const struct ds_config *cfg,
                          const struct ds_certstore *store,
                          const struct ds_diag *diag)
{
    struct ds_json j;
    bool ok = cfg && store && diag->nerrors == 0;
    ds_json_init(&j, fp, true);
    ds_json_begin_object(&j);
    ds_json_kv_string(&j, "file", path);
    ds_json_kv_bool(&j, "ok", ok);
    if (ok) {
        ds_json_kv_int(&j, "certificates",
                       (long long)ds_certstore_count(store));
        ds_json_kv_int(&j, "receive_connectors", (long long)cfg->nrecv);
        ds_json_kv_int(&j, "send_connectors", (long long)cfg->nsend);
        ds_json_kv_string(&j, "rules", ds_rules_name(cfg->server.rules));
    }
    diag_json(&j, "errors", diag, DS_SEV_ERROR);
    diag_json(&j, "warnings", diag, DS_SEV_WARNING);
    ds_json_end_object(&j);
    ds_json_finish(&j);
}
