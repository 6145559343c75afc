/*
 * import_write.c - the import model (import.h) as a commented
 * domsec.conf: one section per Exchange object, each opened by a comment
 * that names the object and the file:line it was read from; what was not
 * converted is written as comments that say why, whole sections included
 * (commented out, ready to be enabled by hand).
 *
 * Must not: decide anything (import_resolve.c did), or write a value
 * libconfuse would read differently: strings are quoted and escaped here
 * only.
 */
#include "import.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "import_int.h"

#define WIDTH 78
#define DEFAULT_TRUST "/etc/ssl/certs/ca-certificates.crt"
#define DEFAULT_PARTNERS "/etc/domsec/partner-cas.pem"

/* A libconfuse string: quoted; \ " and $ (libconfuse expands ${VAR} in
 * double quotes) escaped; control characters as spaces. */
static void quoted(struct ds_buf *b, const char *s)
{
    ds_buf_printf(b, "\"");
    for (; *s; s++) {
        if (*s == '\\' || *s == '"' || *s == '$')
            ds_buf_printf(b, "\\%c", *s);
        else
            ds_buf_printf(b, "%c", (unsigned char)*s < 0x20 ? ' ' : *s);
    }
    ds_buf_printf(b, "\"");
}

/* A comment, wrapped at WIDTH; a newline in text starts a new line. */
static void comment(struct ds_buf *b, const char *indent, const char *text)
{
    size_t room = WIDTH - strlen(indent) - 2;
    while (*text) {
        while (*text == ' ')
            text++;
        size_t len = 0, last_space = 0;
        while (text[len] && text[len] != '\n' && len < room) {
            if (text[len] == ' ')
                last_space = len;
            len++;
        }
        if (text[len] && text[len] != '\n' && text[len] != ' ' && last_space)
            len = last_space;
        ds_buf_printf(b, "%s#", indent);
        if (len)
            ds_buf_printf(b, " ");
        for (size_t i = 0; i < len; i++)
            ds_buf_printf(b, "%c",
                          (unsigned char)text[i] < 0x20 ? ' ' : text[i]);
        ds_buf_printf(b, "\n");
        text += len;
        if (*text == '\n')
            text++;
    }
}

/* comment() with printf. */
static void commentf(struct ds_buf *b, const char *indent, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void commentf(struct ds_buf *b, const char *indent, const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int r = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (r < 0) {
        b->oom = true;
        return;
    }
    comment(b, indent, s);
    free(s);
}

/* A comment line written as is (commands to copy; never wrapped). */
static void verbatim(struct ds_buf *b, const char *indent, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void verbatim(struct ds_buf *b, const char *indent, const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int r = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (r < 0) {
        b->oom = true;
        return;
    }
    for (char *p = s; *p; p++) /* one line, whatever the values hold */
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    ds_buf_printf(b, "%s# %s\n", indent, s);
    free(s);
}

static void notes(struct ds_buf *b, const char *indent,
                  const struct ds_strlist *n)
{
    for (size_t i = 0; i < n->n; i++)
        comment(b, indent, n->v[i]);
}

static void str_opt(struct ds_buf *b, const char *name, const char *v)
{
    ds_buf_printf(b, "    %s = ", name);
    quoted(b, v);
    ds_buf_printf(b, "\n");
}

static void bool_opt(struct ds_buf *b, const char *name, bool v)
{
    ds_buf_printf(b, "    %s = %s\n", name, v ? "true" : "false");
}

/* { "a", "b" } on one line, or one entry a line when long. */
static void list_opt(struct ds_buf *b, const char *name,
                     const struct ds_strlist *l)
{
    size_t len = strlen(name) + 12;
    for (size_t i = 0; i < l->n; i++)
        len += strlen(l->v[i]) + 4;
    if (l->n == 0) {
        ds_buf_printf(b, "    %s = { }\n", name);
        return;
    }
    bool one_line = len <= WIDTH;
    ds_buf_printf(b, "    %s = {%s", name, one_line ? " " : "\n");
    for (size_t i = 0; i < l->n; i++) {
        ds_buf_printf(b, "%s", one_line ? "" : "        ");
        quoted(b, l->v[i]);
        ds_buf_printf(b, "%s",
                      i + 1 < l->n ? (one_line ? ", " : ",\n")
                                   : (one_line ? " " : "\n    "));
    }
    ds_buf_printf(b, "}\n");
}

/* A section written as comments: every line of body behind "# ". */
static void commented_out(struct ds_buf *b, const struct ds_buf *body)
{
    const char *s = body->p ? body->p : "";
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        ds_buf_printf(b, "# %.*s\n", (int)n, s);
        s += n + (nl ? 1 : 0);
    }
}

/* Write the section in body to b, commented out when skip is set. */
static void section_end(struct ds_buf *b, struct ds_buf *body, const char *skip)
{
    if (body->oom)
        b->oom = true;
    if (skip) {
        commentf(b, "", "not converted: %s.", skip);
        comment(b, "",
                "Kept as comments: remove the \"# \" in front of "
                "its lines to use it.");
        commented_out(b, body);
    } else {
        ds_buf_printf(b, "%s", body->p ? body->p : "");
    }
    ds_buf_printf(b, "\n");
    ds_buf_free(body);
}

/* ---- header, server, transport ------------------------------------------ */

static void header(struct ds_buf *b, const struct ds_import_out *o)
{
    comment(b, "",
            "domsec.conf imported from Exchange by `domsec-policy "
            "import exchange`, from:");
    for (size_t i = 0; i < o->ninputs; i++)
        verbatim(b, "", "  %s", o->inputs[i]);
    comment(b, "",
            "Each section names the Exchange object it was converted "
            "from. What domsec has no equivalent for is kept in "
            "comments that say \"not converted\" and why. Review "
            "them, then check the file:");
    verbatim(b, "", "  domsec-policy -c %s check-config",
             o->output ? o->output : "THIS-FILE");
    verbatim(b, "", "  domsec-policy -c %s lint",
             o->output ? o->output : "THIS-FILE");
    comment(b, "", "Every option is described in domsec.conf(5).");
    ds_buf_printf(b, "\n");
}

static void server_section(struct ds_buf *b, const struct ds_import *im,
                           const struct ds_import_out *o)
{
    const struct ds_import_server *s = &im->server;
    if (s->found)
        commentf(b, "", "Get-ExchangeServer %s (%s:%d): ServerRole %s, %s",
                 s->name, s->where.file, s->where.line,
                 s->role[0] ? s->role : "?",
                 s->version[0] ? s->version : "no AdminDisplayVersion");
    else
        comment(b, "",
                "No Get-ExchangeServer output was given: fqdn and "
                "hostname default to this host's names.");
    ds_buf_printf(b, "server {\n");
    if (s->found && s->fqdn[0])
        str_opt(b, "fqdn", s->fqdn);
    if (s->name && s->name[0])
        str_opt(b, "hostname", s->name);
    if (s->rules) {
        commentf(b, "    ",
                 "%s is Exchange %s: %s's certificate selection "
                 "rules.",
                 s->version,
                 strcmp(s->rules, "2007") == 0 ? "2007" : "2010 or later",
                 s->rules);
        str_opt(b, "selection_rules", s->rules);
    }
    if (s->found_internal)
        commentf(b, "    ", "InternalTransportCertificateThumbprint (%s:%d)",
                 s->where_internal.file, s->where_internal.line);
    if (s->internal)
        str_opt(b, "internal_certificate", s->internal);
    notes(b, "    ", &s->notes);
    comment(b, "    ",
            "Exchange trusts the Windows Trusted Root "
            "Certification Authorities store; domsec trusts the "
            "CAs of this file. A certificate from your own CA "
            "counts as valid PKI in the selection rules only when "
            "that CA is here.");
    str_opt(b, "trust_store", o->trust_store ? o->trust_store : DEFAULT_TRUST);
    ds_buf_printf(b, "}\n\n");
}

static void transport_section(struct ds_buf *b, const struct ds_import *im,
                              const struct ds_import_out *o)
{
    const struct ds_import_transport *t = &im->transport;
    if (t->found)
        commentf(b, "", "Get-TransportConfig (%s:%d)", t->where.file,
                 t->where.line);
    else
        comment(b, "",
                "No Get-TransportConfig output was given: the "
                "secure-domain lists are empty, and domsec enforces "
                "nothing until they are filled in.");
    ds_buf_printf(b, "transport {\n");
    list_opt(b, "tls_receive_domain_secure_list", &t->receive);
    list_opt(b, "tls_send_domain_secure_list", &t->send);
    comment(b, "    ",
            "Not from Exchange, which trusts the Windows root "
            "store for partners' certificates: the CAs your "
            "partners' certificates chain to (client "
            "certificates of domain-secure listeners, servers "
            "of domain-secure send connectors).");
    if (o->partner_trust_store == NULL)
        comment(b, "    ",
                "Create this file (the partners' CA certificates, "
                "PEM) or name yours with --partner-trust-store: "
                "check-config refuses a missing one.");
    str_opt(b, "partner_trust_store",
            o->partner_trust_store ? o->partner_trust_store : DEFAULT_PARTNERS);
    ds_buf_printf(b, "}\n\n");
}

/* ---- certificates ------------------------------------------------------- */

/* Where a certificate's files go when they are not there yet: next to
 * the configuration (relative paths are relative to its directory). */
static void cert_paths(const struct ds_import_cert *c, struct ds_arena *a,
                       const char **cert, const char **key, const char **chain)
{
    *cert = ds_arena_printf(a, "certs/%s.pem", c->thumbprint);
    *key = ds_arena_printf(a, "private/%s.key", c->thumbprint);
    *chain = ds_arena_printf(a, "certs/%s.chain.pem", c->thumbprint);
}

/* The commands that make the files, as comments above `cert =`: the
 * line check-config names when a file is missing. */
static void export_commands(struct ds_buf *b, const struct ds_import_cert *c,
                            const struct ds_import_out *o, const char *dir,
                            bool chain)
{
    const char *t = c->thumbprint, *in = "    ";
    if (o->certs_dir)
        commentf(b, in,
                 "Not found in %s (no certificate there has "
                 "thumbprint %s).",
                 o->certs_dir, t);
    if (c->has_key == 0) {
        comment(b, in,
                "These files do not exist yet. Exchange has no "
                "private key for this certificate (HasPrivateKey "
                "False), so it is never selected, as in Exchange; "
                "export the certificate alone (Exchange Management "
                "Shell):");
        verbatim(b, in,
                 "  Get-ChildItem Cert:\\LocalMachine\\My\\%s | "
                 "Export-Certificate -Type CERT -FilePath .\\%s.cer",
                 t, t);
        comment(b, in, "then copy it here and convert it:");
        verbatim(b, in, "  mkdir -p %scerts", dir);
        verbatim(b, in,
                 "  openssl x509 -inform DER -in %s.cer -out %scerts/%s.pem", t,
                 dir, t);
        return;
    }
    comment(b, in,
            "These files do not exist yet. Export the certificate "
            "with its key and chain on the Exchange server "
            "(Exchange Management Shell):");
    verbatim(b, in, "  Get-ChildItem Cert:\\LocalMachine\\My\\%s |", t);
    verbatim(b, in,
             "    Export-PfxCertificate -FilePath .\\%s.pfx "
             "-ChainOption BuildChain",
             t);
    verbatim(
        b, in,
        "    -Password (Read-Host -AsSecureString -Prompt 'PFX password')");
    comment(b, in,
            "copy the .pfx here and run the import again with "
            "--certs DIR (the directory that holds it), or convert "
            "it with openssl:");
    verbatim(b, in, "  mkdir -p %scerts %sprivate", dir, dir);
    verbatim(b, in,
             "  openssl pkcs12 -in %s.pfx -clcerts -nokeys -out %scerts/%s.pem",
             t, dir, t);
    if (chain)
        verbatim(b, in,
                 "  openssl pkcs12 -in %s.pfx -cacerts -nokeys -out "
                 "%scerts/%s.chain.pem",
                 t, dir, t);
    verbatim(b, in,
             "  (umask 077; openssl pkcs12 -in %s.pfx -nocerts -nodes "
             "-out %sprivate/%s.key)",
             t, dir, t);
    comment(b, in,
            "(A .pfx from Windows Server 2016 or older is encrypted "
            "with RC2/3DES: OpenSSL 3 reads it with -legacy.)");
}

static void cert_header(struct ds_buf *b, const struct ds_import *im,
                        const struct ds_import_cert *c)
{
    commentf(b, "", "Get-ExchangeCertificate %s (%s:%d)", c->thumbprint,
             c->where.file, c->where.line);
    verbatim(b, "", "  Subject   %s", c->subject);
    verbatim(b, "", "  Issuer    %s", c->issuer);
    for (size_t i = 0; i < c->domains.n; i++)
        verbatim(b, "", "  %s %s", i ? "         " : "Domains  ",
                 c->domains.v[i]);
    verbatim(b, "", "  Valid     %s to %s%s", c->not_before, c->not_after,
             c->nb_ok && c->na_ok ? "" : " (as written; not read)");
    verbatim(b, "", "  Status    %s; self-signed %s; private key %s",
             c->status ? c->status : "?",
             c->self_signed < 0 ? "?"
             : c->self_signed   ? "yes"
                                : "no",
             c->has_key < 0 ? "?"
             : c->has_key   ? "yes"
                            : "no");
    if (im->server.internal && strcmp(im->server.internal, c->thumbprint) == 0)
        comment(b, "",
                "The internal transport certificate "
                "(server.internal_certificate).");
    notes(b, "", &c->notes);
}

static void cert_section(struct ds_buf *out, const struct ds_import *im,
                         const struct ds_import_cert *c,
                         const struct ds_import_out *o, const char *dir)
{
    struct ds_buf body = {0}, *b = &body;
    struct ds_arena a = {0};
    const char *cert, *key, *chain;
    bool has_chain = c->self_signed != 1;
    cert_header(out, im, c);
    ds_buf_printf(b, "certificate ");
    quoted(b, c->title);
    ds_buf_printf(b, " {\n");
    if (c->found) {
        commentf(b, "    ", "From %s.", c->origin);
        cert = c->cert_path;
        key = c->key_path;
        chain = c->chain_path;
    } else {
        cert_paths(c, &a, &cert, &key, &chain);
        if (c->has_key == 0)
            key = chain = NULL;
        if (!has_chain)
            chain = NULL;
        export_commands(b, c, o, dir, chain != NULL);
    }
    str_opt(b, "cert", cert);
    if (key)
        str_opt(b, "key", key);
    else if (c->found)
        comment(b, "    ",
                "No private key for it was found: it is never "
                "selected.");
    if (chain)
        str_opt(b, "chain", chain);
    list_opt(b, "services", &c->services);
    ds_buf_printf(b, "}\n");
    ds_arena_free(&a);
    section_end(out, b, c->skip);
}

/* ---- connectors --------------------------------------------------------- */

static void recv_section(struct ds_buf *out, const struct ds_import_recv *r)
{
    struct ds_buf body = {0}, *b = &body;
    commentf(out, "", "Get-ReceiveConnector \"%s\" (%s:%d)",
             r->identity[0] ? r->identity : r->name, r->where.file,
             r->where.line);
    ds_buf_printf(b, "receive_connector ");
    quoted(b, r->name);
    ds_buf_printf(b, " {\n");
    notes(b, "    ", &r->notes);
    list_opt(b, "bindings", &r->bindings);
    if (r->fqdn)
        str_opt(b, "fqdn", r->fqdn);
    if (r->auth.n) {
        list_opt(b, "auth_mechanism", &r->auth);
    } else {
        const char *none[] = {"none"};
        list_opt(b, "auth_mechanism", &(struct ds_strlist){.n = 1, .v = none});
    }
    bool_opt(b, "domain_secure_enabled", r->domain_secure);
    bool_opt(b, "require_tls", r->require_tls);
    if (r->tls_note)
        comment(b, "    ", r->tls_note);
    if (r->tls_name)
        str_opt(b, "tls_certificate_name", r->tls_name);
    ds_buf_printf(b, "}\n");
    section_end(out, b, r->skip);
}

static void send_section(struct ds_buf *out, const struct ds_import_send *s)
{
    struct ds_buf body = {0}, *b = &body;
    commentf(out, "", "Get-SendConnector \"%s\" (%s:%d)",
             s->identity[0] ? s->identity : s->name, s->where.file,
             s->where.line);
    ds_buf_printf(b, "send_connector ");
    quoted(b, s->name);
    ds_buf_printf(b, " {\n");
    notes(b, "    ", &s->notes);
    list_opt(b, "address_spaces", &s->spaces);
    bool_opt(b, "dns_routing_enabled", s->dns_routing);
    if (!s->dns_routing || s->smart_hosts.n)
        list_opt(b, "smart_hosts", &s->smart_hosts);
    ds_buf_printf(b, "    port = %ld\n", s->port);
    if (s->fqdn)
        str_opt(b, "fqdn", s->fqdn);
    bool_opt(b, "domain_secure_enabled", s->domain_secure);
    bool_opt(b, "require_tls", s->require_tls);
    if (s->shauth.n)
        list_opt(b, "smart_host_auth_mechanism", &s->shauth);
    if (s->tls_note)
        comment(b, "    ", s->tls_note);
    if (s->tls_name)
        str_opt(b, "tls_certificate_name", s->tls_name);
    ds_buf_printf(b, "}\n");
    section_end(out, b, s->skip);
}

static void footer(struct ds_buf *b, const struct ds_import *im)
{
    comment(b, "",
            "Not from Exchange (domsec.conf(5)): the milter "
            "section (its defaults: socket "
            "unix:/run/domsec/milter.sock, mode enforce, action "
            "reject) and partner sections (per-partner certificate "
            "names, issuers and actions).");
    if (im->notes.n) {
        ds_buf_printf(b, "\n");
        comment(b, "", "Read but not converted:");
        notes(b, "", &im->notes);
    }
}

void ds_import_write(const struct ds_import *im, const struct ds_import_out *o,
                     struct ds_buf *b)
{
    struct ds_arena a = {0};
    const char *dir = "";
    if (o->output) { /* the commands name the files where domsec looks */
        const char *slash = strrchr(o->output, '/');
        dir = ds_arena_printf(&a, "%.*s/", (int)(slash - o->output), o->output);
    }
    header(b, o);
    server_section(b, im, o);
    transport_section(b, im, o);
    if (im->ncerts && !o->output)
        comment(b, "",
                "Certificate files that do not exist yet are named "
                "relative to the directory of this file.");
    for (size_t i = 0; i < im->ncerts; i++)
        cert_section(b, im, &im->certs[i], o, dir ? dir : "");
    for (size_t i = 0; i < im->nrecv; i++)
        recv_section(b, &im->recv[i]);
    if (im->sorted_by_cost)
        comment(b, "",
                "The send connectors are written by their lowest "
                "address-space cost: where two serve one address "
                "space, Exchange takes the lower cost, domsec the "
                "connector written first.\n");
    for (size_t i = 0; i < im->nsend; i++)
        send_section(b, &im->send[i]);
    footer(b, im);
    if (a.failed)
        b->oom = true;
    ds_arena_free(&a);
}
