/*
 * render_sendmail.c - the Sendmail configuration that makes the policy
 * real (render.h, domsec-policy(8)):
 *   domsec.mc  INPUT_MAIL_FILTER (F=T, timeouts, Sendmail's socket
 *              spelling), the milter macros, DAEMON_OPTIONS with Name= per
 *              receive connector binding, the certificates the rules chose
 *              (confSERVER_*, confCLIENT_*), the partner CAs (confCACERT)
 *   access     TLS_Rcpt entries for tls_send_domain_secure_list (a
 *              ".example.com" entry, names under it only, with
 *              FEATURE(`lookupdotdomain') in domsec.mc), and for send
 *              connectors with require_tls
 *   mailertable  routes that differ from the default (SMART_HOST):
 *              render_sendmail_route.c
 * Sendmail has one server and one client certificate for all daemons:
 * when connectors would need different ones, a warning says which is
 * used.
 *
 * Must not: choose certificates (ds_render_select runs the rules), write
 * files, or print.
 */
#include "dsconfig.h"

#include "macros.h"
#include "render.h"

#include <string.h>

/* Can `s` stand inside an m4 quote and a Sendmail option list? */
static bool m4_safe(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || strchr("`',", *s))
            return false;
    return true;
}

/* What sendmail.mc cannot carry (the bindings themselves are checked
 * when the configuration is loaded, partner_trust_store by lint). */
static void check(struct ds_render *r)
{
    const struct ds_config *cfg = r->cfg;
    for (size_t i = 0; i < cfg->nrecv; i++) {
        const struct ds_recv_connector *rc = &cfg->recv[i];
        if (!m4_safe(rc->daemon_name))
            ds_render_error(
                r, DS_CODE_RENDER_NAME, &rc->where,
                "use letters, digits, '-', '.' or spaces",
                "receive connector %s: daemon_name \"%s\" cannot be "
                "a Sendmail daemon Name=",
                rc->name, rc->daemon_name);
    }
    char sock[600];
    if (ds_render_socket(cfg->milter.socket, DS_SPELL_SENDMAIL, sock,
                         sizeof(sock)) < 0 ||
        !m4_safe(sock))
        ds_render_error(r, DS_CODE_RENDER_SOCKET,
                        &(struct ds_where){cfg->path, 0},
                        "write unix:/path or inet:PORT@HOST",
                        "milter.socket %s cannot be written for Sendmail",
                        cfg->milter.socket);
}

static void check_path(struct ds_render *r, const char *path,
                       const struct ds_where *w)
{
    if (path && !m4_safe(path))
        ds_render_error(r, DS_CODE_RENDER_PATH, w,
                        "move the file to a path without quotes or commas",
                        "%s cannot be written in sendmail.mc", path);
}

/* The certificate for one side: the first connector's, and a warning
 * naming the connectors that would need another one. */
struct pick {
    const struct ds_cert *cert;
    const char *connector;
    int nother;
};

static void pick(struct pick *p, const struct ds_cert *c, const char *conn)
{
    if (c == NULL)
        return;
    if (p->cert == NULL) {
        p->cert = c;
        p->connector = conn;
    } else if (p->cert != c) {
        p->nother++;
    }
}

static void pick_warning(struct ds_render *r, const struct pick *p,
                         const char *side, const char *opt, bool recv)
{
    if (p->nother == 0)
        return;
    struct ds_buf list = {0};
    const struct ds_config *cfg = r->cfg;
    size_t n = recv ? cfg->nrecv : cfg->nsend;
    for (size_t i = 0; i < n; i++) {
        const char *name = recv ? cfg->recv[i].name : cfg->send[i].name;
        const struct ds_cert *c = recv ? ds_render_recv_cert(r, &cfg->recv[i])
                                       : ds_render_send_cert(r, &cfg->send[i]);
        if (c && c != p->cert)
            ds_buf_printf(&list, "%s%s (\"%s\")", list.len ? ", " : "", name,
                          c->name);
    }
    ds_diag_code(&r->diag, DS_CODE_SENDMAIL_ONE_CERT, cfg->path, 0,
                 "give those connectors the same certificate (one that "
                 "carries all their names), or run them on another MTA",
                 "Sendmail has one %s certificate for every daemon (%s): it "
                 "is certificate \"%s\" of connector %s; %s would need "
                 "another one",
                 side, opt, p->cert->name, p->connector,
                 list.p ? list.p : "other connectors");
    ds_buf_free(&list);
}

static void mc_cert(struct ds_buf *b, const char *what, const char *cert_opt,
                    const char *key_opt, const struct ds_cert *c)
{
    char line[1024];
    ds_buf_printf(b, "dnl %s %s\n", what,
                  ds_render_cert_line(c, line, sizeof(line)));
    ds_buf_printf(b, "define(`%s', `%s')dnl\ndefine(`%s', `%s')dnl\n", cert_opt,
                  c->cert_path, key_opt, c->key_path);
}

static void mc_daemons(struct ds_render *r, struct ds_buf *b)
{
    const struct ds_config *cfg = r->cfg;
    for (size_t i = 0; i < cfg->nrecv; i++) {
        const struct ds_recv_connector *rc = &cfg->recv[i];
        bool tls = rc->auth & DS_AUTH_TLS;
        ds_buf_printf(b, "dnl receive connector \"%s\" (daemon_name %s)%s%s\n",
                      rc->name, rc->daemon_name,
                      tls ? "" : ": no STARTTLS (M=S)",
                      rc->domain_secure ? ": domain security" : "");
        if (rc->require_tls)
            ds_diag_code(&r->diag, DS_CODE_SENDMAIL_REQUIRE_TLS, rc->where.file,
                         rc->where.line,
                         "require TLS for the whole server "
                         "(access map TLS_Clt:) or use Postfix",
                         "receive connector %s: Sendmail cannot require TLS "
                         "on one daemon; require_tls is not rendered",
                         rc->name);
        if (rc->nbinds == 0)
            ds_buf_printf(b, "dnl (no bindings: no daemon)\n");
        for (size_t j = 0; j < rc->nbinds; j++) {
            const struct ds_binding *bd = &rc->binds[j];
            ds_buf_printf(b,
                          "DAEMON_OPTIONS(`Name=%s, Family=%s, Addr=%s, "
                          "Port=%d%s')dnl\n",
                          rc->daemon_name, bd->v6 ? "inet6" : "inet", bd->addr,
                          bd->port, tls ? "" : ", M=S");
        }
    }
}

static void mc_certs(struct ds_render *r, struct ds_buf *b)
{
    const struct ds_config *cfg = r->cfg;
    struct pick server = {0}, client = {0};
    for (size_t i = 0; i < cfg->nrecv; i++)
        if (cfg->recv[i].auth & DS_AUTH_TLS)
            pick(&server, ds_render_recv_cert(r, &cfg->recv[i]),
                 cfg->recv[i].name);
    /* the client certificate of a domain-secure connector comes first */
    for (int secure = 1; secure >= 0; secure--)
        for (size_t i = 0; i < cfg->nsend; i++)
            if (cfg->send[i].domain_secure == (bool)secure)
                pick(&client, ds_render_send_cert(r, &cfg->send[i]),
                     cfg->send[i].name);
    pick_warning(r, &server, "server", "confSERVER_CERT", true);
    pick_warning(r, &client, "client", "confCLIENT_CERT", false);
    ds_buf_printf(b, "dnl\ndnl Certificates: Sendmail has one server and "
                     "one client certificate for\n"
                     "dnl every daemon.\n");
    const struct ds_cert *cs[2] = {server.cert, client.cert};
    if (server.cert)
        mc_cert(b, "server (receive connectors):", "confSERVER_CERT",
                "confSERVER_KEY", server.cert);
    if (client.cert)
        mc_cert(b, "client (send connectors):", "confCLIENT_CERT",
                "confCLIENT_KEY", client.cert);
    for (int i = 0; i < 2; i++)
        if (cs[i] && cs[i]->chain_path && (i == 0 || cs[i] != cs[0]))
            ds_diag_code(&r->diag, DS_CODE_SENDMAIL_CHAIN_FILE,
                         cs[i]->where.file, cs[i]->where.line,
                         "append the chain to the certificate file (leaf "
                         "first), or put the intermediates in the CA file",
                         "certificate \"%s\": Sendmail reads no separate "
                         "chain file (%s)",
                         cs[i]->name, cs[i]->chain_path);
    ds_buf_printf(
        b,
        "dnl The CAs that verify partners' certificates, both ways: their "
        "client\n"
        "dnl certificates (domsec-milter reads {verify} and the name) and "
        "their\n"
        "dnl servers' (TLS_Rcpt in the access map). Sendmail offers no "
        "STARTTLS\n"
        "dnl without a CA directory: confCACERT_PATH is this directory, "
        "which holds\n"
        "dnl no CA certificates (a directory such as /etc/ssl/certs would "
        "let any\n"
        "dnl public CA vouch for a partner).\n"
        "define(`confCACERT', `%s')dnl\n"
        "define(`confCACERT_PATH', `%s')dnl\n",
        ds_render_partner_cas(cfg), r->dir);
}

/* Does the send list hold a ".example.com" entry (names under it only)? */
static bool subdomain_entries(const struct ds_config *cfg)
{
    for (size_t i = 0; i < cfg->send_names.n; i++)
        if (cfg->send_names.v[i][0] == '.')
            return true;
    return false;
}

static void domsec_mc(struct ds_render *r, struct ds_buf *b)
{
    const struct ds_config *cfg = r->cfg;
    char sock[600], macros[4][512];
    ds_render_socket(cfg->milter.socket, DS_SPELL_SENDMAIL, sock, sizeof(sock));
    /* what the milter reads, for a Sendmail that ignores its request
     * (macros.h); the lists fit: they are constants */
    for (int st = DS_MACROS_CONNECT; st <= DS_MACROS_EOM; st++)
        ds_macros_sendmail((enum ds_macro_stage)st, macros[st],
                           sizeof(macros[st]));
    ds_buf_printf(
        b,
        "dnl domsec.mc - sendmail.mc lines for domsec: insert them before "
        "the MAILER()\n"
        "dnl lines, remove sendmail.mc's own DAEMON_OPTIONS for the same "
        "ports, and\n"
        "dnl rebuild sendmail.cf. The access entries are in %s/access.\n"
        "dnl %s sendmail from %s.\n"
        "dnl Do not edit: change domsec.conf and render again.\n"
        "dnl\n"
        "dnl domsec-milter judges partner mail at MAIL FROM; F=T defers "
        "(4xx) while\n"
        "dnl it is unavailable instead of accepting mail unchecked. With "
        "Sendmail, set\n"
        "dnl milter.mta = \"sendmail\" (or \"auto\") in domsec.conf.\n"
        "INPUT_MAIL_FILTER(`domsec', `S=%s, F=T, T=S:30s;R:30s;E:5m')dnl\n"
        "define(`confMILTER_MACROS_CONNECT', ``%s'')dnl\n"
        "define(`confMILTER_MACROS_HELO', ``%s'')dnl\n"
        "define(`confMILTER_MACROS_ENVFROM', ``%s'')dnl\n"
        "define(`confMILTER_MACROS_EOM', ``%s'')dnl\n"
        "dnl\n"
        "dnl One daemon per receive connector binding; Name= is its "
        "daemon_name.\n",
        r->dir, DS_RENDER_MARK, cfg->path, sock, macros[DS_MACROS_CONNECT],
        macros[DS_MACROS_HELO], macros[DS_MACROS_ENVFROM],
        macros[DS_MACROS_EOM]);
    mc_daemons(r, b);
    mc_certs(r, b);
    if (subdomain_entries(cfg))
        ds_buf_printf(b, "dnl\ndnl A \".example.com\" access entry covers the "
                         "names under example.com,\n"
                         "dnl not example.com itself (needs "
                         "FEATURE(`access_db') before it).\n"
                         "FEATURE(`lookupdotdomain')dnl\n");
}

static void header(struct ds_render *r, struct ds_buf *b, const char *what,
                   const char *file, const char *feature)
{
    ds_buf_printf(b,
                  "# %s entries for domsec.\n"
                  "# %s sendmail from %s.\n"
                  "# Add them to /etc/mail/%s and rebuild it (makemap hash "
                  "/etc/mail/%s <\n"
                  "# /etc/mail/%s); sendmail.mc needs FEATURE(`%s').\n"
                  "# Do not edit: change domsec.conf and render again.\n",
                  what, DS_RENDER_MARK, r->cfg->path, file, file, file,
                  feature);
}

/* require_tls of a send connector: TLS_Rcpt ENCR for its address spaces
 * (not for "*": the access map has no entry for every domain). */
static void require_tls(struct ds_render *r, struct ds_buf *b,
                        const struct ds_send_connector *s)
{
    const struct ds_config *cfg = r->cfg;
    ds_buf_printf(b, "#\n# send connector \"%s\": require_tls\n", s->name);
    for (size_t j = 0; j < s->address_spaces.n; j++) {
        const char *as = s->address_spaces.v[j];
        if (strcmp(as, "*") == 0) {
            ds_diag_code(&r->diag, DS_CODE_SENDMAIL_REQUIRE_TLS, s->where.file,
                         s->where.line,
                         "list the domains that need TLS as address spaces "
                         "of their own, or use Postfix",
                         "send connector %s: Sendmail's access map cannot "
                         "require TLS for every domain (address space *); "
                         "require_tls is rendered for its other address "
                         "spaces only",
                         s->name);
            continue;
        }
        const char *d = as[0] == '*' ? as + 2 : as;
        bool listed = false;
        for (size_t k = 0; k < cfg->send_names.n; k++)
            listed |= strcmp(cfg->send_names.v[k], d) == 0;
        if (!listed)
            ds_buf_printf(b, "TLS_Rcpt:%s\tENCR:128\n", d);
    }
}

static void access_map(struct ds_render *r, struct ds_buf *b)
{
    const struct ds_config *cfg = r->cfg;
    header(r, b, "access map", "access", "access_db");
    if (cfg->send_names.n)
        ds_buf_printf(
            b,
            "#\n# tls_send_domain_secure_list: deliver only over TLS with a "
            "server certificate\n"
            "# that verifies against confCACERT (VERIFY) and whose CN is the "
            "name of\n"
            "# the host connected to (+CN); otherwise the mail stays queued "
            "(4xx) and\n"
            "# is retried. Sendmail's lookup also covers the names under "
            "each domain;\n"
            "# a \".example.com\" entry covers only the names under it "
            "(FEATURE(`lookupdotdomain')).\n");
    for (size_t i = 0; i < cfg->send_names.n; i++)
        ds_buf_printf(b, "TLS_Rcpt:%s\tVERIFY+CN\n", cfg->send_names.v[i]);
    for (size_t i = 0; i < cfg->nsend; i++)
        if (cfg->send[i].require_tls)
            require_tls(r, b, &cfg->send[i]);
}

enum ds_render_status ds_render_sendmail(const struct ds_config *cfg,
                                         const struct ds_certstore *store,
                                         long long at, const char *dir,
                                         struct ds_render *r)
{
    memset(r, 0, sizeof(*r));
    r->cfg = cfg;
    r->store = store;
    r->at = at;
    r->dir = dir ? dir : DS_RENDER_DEFAULT_SENDMAIL_DIR;
    check(r);
    if (ds_render_select(r) == DS_RENDER_NOMEM)
        return r->status;
    for (size_t i = 0; i < r->sel.n; i++) {
        const struct ds_cert *c = r->sel.v[i].selected;
        if (c && r->sel.v[i].kind == DS_KIND_STARTTLS) {
            check_path(r, c->cert_path, &c->where);
            check_path(r, c->key_path, &c->where);
        }
    }
    check_path(r, ds_render_partner_cas(cfg), &cfg->where_partner_trust_store);
    ds_render_check_cas(r);
    if (r->status != DS_RENDER_OK)
        return r->status;
    struct ds_render_file *mc = ds_render_add_file(r, "domsec.mc", NULL, false);
    struct ds_render_file *acc = ds_render_add_file(r, "access", NULL, false);
    struct ds_buf mt = {0};
    domsec_mc(r, &mc->text);
    access_map(r, &acc->text);
    header(r, &mt, "mailertable", "mailertable", "mailertable");
    if (ds_render_sendmail_routes(r, &mc->text, &mt) > 0) {
        struct ds_render_file *f =
            ds_render_add_file(r, "mailertable", NULL, false);
        f->text = mt;
    } else {
        ds_buf_free(&mt);
        r->stale[r->nstale++] = "mailertable";
    }
    for (size_t i = 0; i < r->nfiles; i++)
        if (r->files[i].text.oom)
            r->status = DS_RENDER_NOMEM;
    return r->status;
}
