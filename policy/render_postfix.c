/*
 * render_postfix.c - the Postfix configuration that makes the policy
 * real (render.h, domsec-policy(8)):
 *   main.cf     the milter (Postfix's socket spelling, tempfail while it is
 *               down), default_transport, transport_maps,
 *               smtp_tls_policy_maps [, tls_server_sni_maps]
 *   master.cf   one smtpd per receive connector binding, with the
 *               certificate the rules chose, its daemon_name, and for
 *               domain security a client certificate request verified
 *               against the partner CAs; one smtp transport per send
 *               connector with its client certificate and HELO name
 *   transport   address spaces, and every domain on
 *               tls_send_domain_secure_list to its domain-secure connector
 *   tls_policy  those domains: "secure", the domain or a host under it
 *   sni         when the server's names are not all in one certificate
 *
 * Must not: choose certificates (ds_render_select runs the rules), write
 * files (render.c does, all or nothing), or print.
 */
#include "dsconfig.h"

#include "render.h"

#include <string.h>

#include "route.h"

#define SYSLOG_PREFIX "${multi_instance_name?{$multi_instance_name}:{postfix}}"

struct pf {
    struct ds_render *r;
    const struct ds_config *cfg;
    char (*transport)[64]; /* per send connector: "domsec-internet" */
    char (*slug)[64];      /* per receive connector: "inet" */
};

/* ---- spelling ----------------------------------------------------------- */

/* Can `s` be written in main.cf / master.cf (-o { name = value })? */
static bool writable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '{' || *s == '}')
            return false;
    return true;
}

/* A file name in a Postfix list (chain files, map names): no separators. */
static bool list_safe(const char *s)
{
    return writable(s) && strpbrk(s, " \t,") == NULL;
}

static void opt(struct ds_buf *b, const char *name, const char *value)
{
    if (strpbrk(value, " \t"))
        ds_buf_printf(b, "  -o { %s = %s }\n", name, value);
    else
        ds_buf_printf(b, "  -o %s=%s\n", name, value);
}

/* "inet" from "Inet", "default-frontend" from "Default Frontend". */
static void slugify(const char *name, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = name; *p && n + 1 < size; p++) {
        char c = ds_lower(*p);
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (ok)
            out[n++] = c;
        else if (n > 0 && out[n - 1] != '-')
            out[n++] = '-';
    }
    while (n > 0 && out[n - 1] == '-')
        n--;
    if (n == 0)
        n = (size_t)snprintf(out, size, "connector");
    out[n] = '\0';
}

/* Unique names: "domsec-internet", "domsec-internet-2", ... */
static void unique(char (*names)[64], size_t i, const char *prefix,
                   const char *name)
{
    char base[48];
    slugify(name, base, sizeof(base));
    snprintf(names[i], 64, "%s%s", prefix, base);
    for (int k = 2;; k++) {
        bool clash = false;
        for (size_t j = 0; j < i; j++)
            clash |= strcmp(names[j], names[i]) == 0;
        if (!clash)
            return;
        snprintf(names[i], 64, "%s%s-%d", prefix, base, k);
    }
}

/* "KEY,CERT[,CHAIN]" for *_tls_chain_files, each file once. */
static void chain_files(const struct ds_cert *c, char *out, size_t size)
{
    ds_render_chain_files(c, ",", out, size);
}

/* The next hop of a send connector: "" (DNS: the recipient domain), or
 * "[a]:25,[b]:2525" (smart hosts, tried in order; no MX lookup, each with
 * its port once: Postfix 3.5 and later). */
static void nexthop(const struct ds_send_connector *s, char *out, size_t size)
{
    size_t n = 0;
    char hop[DS_DOMAIN_MAX + 32];
    out[0] = '\0';
    for (size_t i = 0; !s->dns_routing && i < s->nhosts; i++) {
        int w = snprintf(out + n, size - n, "%s%s", i ? "," : "",
                         ds_smarthost_nexthop(&s->hosts[i], hop, sizeof(hop)));
        if (w < 0 || (size_t)w >= size - n)
            break;
        n += (size_t)w;
    }
}

/* ---- checks before anything is built ------------------------------------ */

/* What main.cf and master.cf cannot carry (the bindings themselves are
 * checked when the configuration is loaded). */
static void check_names(struct pf *P)
{
    const struct ds_config *cfg = P->cfg;
    for (size_t i = 0; i < cfg->nrecv; i++) {
        const struct ds_recv_connector *rc = &cfg->recv[i];
        if (!writable(rc->daemon_name))
            ds_render_error(
                P->r, DS_CODE_RENDER_NAME, &rc->where,
                "use letters, digits, '-', '.' or spaces",
                "receive connector %s: daemon_name \"%s\" cannot be "
                "written in master.cf",
                rc->name, rc->daemon_name);
    }
}

static void check_path(struct pf *P, const char *path, const char *what,
                       const struct ds_where *w)
{
    if (path && !list_safe(path))
        ds_render_error(P->r, DS_CODE_RENDER_PATH, w,
                        "move the file to a path without spaces, commas or "
                        "braces",
                        "%s %s cannot be written in Postfix's configuration",
                        what, path);
}

static void check_paths(struct pf *P)
{
    for (size_t i = 0; i < P->r->sel.n; i++) {
        const struct ds_cert *c = P->r->sel.v[i].selected;
        if (c == NULL || P->r->sel.v[i].kind != DS_KIND_STARTTLS)
            continue;
        check_path(P, c->cert_path, "certificate file", &c->where);
        check_path(P, c->key_path, "key file", &c->where);
        check_path(P, c->chain_path, "chain file", &c->where);
        bool seen = false; /* check each certificate's files once */
        for (size_t j = 0; j < i && !seen; j++)
            seen = P->r->sel.v[j].selected == c &&
                   P->r->sel.v[j].kind == DS_KIND_STARTTLS;
        if (!seen)
            ds_render_check_chain(P->r, c);
    }
    check_path(P, ds_render_partner_cas(P->cfg), "CA file",
               &P->cfg->where_partner_trust_store);
    char sock[600];
    if (ds_render_socket(P->cfg->milter.socket, DS_SPELL_POSTFIX, sock,
                         sizeof(sock)) < 0 ||
        !list_safe(sock))
        ds_render_error(P->r, DS_CODE_RENDER_SOCKET,
                        &(struct ds_where){P->cfg->path, 0},
                        "write unix:/path or inet:PORT@HOST",
                        "milter.socket %s cannot be written for Postfix",
                        P->cfg->milter.socket);
}

/* ---- main.cf ------------------------------------------------------------ */

static void header(struct ds_buf *b, const struct ds_config *cfg,
                   const char *what)
{
    ds_buf_printf(b,
                  "# %s\n"
                  "# %s postfix from %s.\n"
                  "# Do not edit: change domsec.conf and render again.\n",
                  what, DS_RENDER_MARK, cfg->path);
}

static const struct ds_send_connector *default_route(const struct pf *P,
                                                     size_t *idx)
{
    for (size_t i = 0; i < P->cfg->nsend; i++)
        if (ds_strlist_has(&P->cfg->send[i].address_spaces, "*")) {
            *idx = i;
            return &P->cfg->send[i];
        }
    return NULL;
}

static void main_cf(struct pf *P, struct ds_buf *b, bool sni)
{
    const struct ds_config *cfg = P->cfg;
    const char *dir = P->r->dir;
    char sock[600], hop[1024];
    bool in_queue;
    ds_render_socket_postfix(cfg->milter.socket, P->r->queue_dir, sock,
                             sizeof(sock), &in_queue);
    header(b, cfg,
           "main.cf lines for domsec: append them to main.cf "
           "(later lines win).");
    ds_buf_printf(
        b,
        "\n# domsec-milter judges partner mail at MAIL FROM. While it is "
        "down,\n"
        "# Postfix defers (4xx) instead of accepting mail unchecked. This\n"
        "# replaces main.cf's smtpd_milters: list other milters after it.\n"
        "smtpd_milters = %s\n"
        "milter_default_action = tempfail\n"
        "milter_protocol = 6\n"
        "\n# Log every TLS session with the peer's name and issuer.\n"
        "smtpd_tls_loglevel = 1\n"
        "smtp_tls_loglevel = 1\n",
        sock);
    ds_buf_printf(
        b, "\n# Send connectors are smtp transports in master.cf. transport "
           "routes\n"
           "# their address spaces, and each domain on "
           "tls_send_domain_secure_list\n"
           "# to its domain-secure connector; tls_policy lets mail to those\n"
           "# domains leave only over TLS with a verified certificate that\n"
           "# names the domain, and keeps it queued otherwise.\n");
    size_t i;
    const struct ds_send_connector *def = default_route(P, &i);
    if (def) {
        nexthop(def, hop, sizeof(hop));
        ds_buf_printf(b, "default_transport = %s%s%s\n", P->transport[i],
                      hop[0] ? ":" : "", hop);
        /* without a next hop Postfix would use relayhost for it */
        if (!hop[0])
            ds_buf_printf(b, "relayhost =\n");
    }
    ds_buf_printf(b,
                  "transport_maps = hash:%s/transport\n"
                  "smtp_tls_policy_maps = hash:%s/tls_policy\n",
                  dir, dir);
    if (sni)
        ds_buf_printf(b,
                      "\n# The server's names are not all in one "
                      "certificate: a client that\n"
                      "# asks for one of them (SNI) gets that name's "
                      "certificate.\n"
                      "tls_server_sni_maps = hash:%s/sni\n",
                      dir);
}

/* ---- master.cf ---------------------------------------------------------- */

static void recv_entry(struct pf *P, struct ds_buf *b, size_t i)
{
    const struct ds_recv_connector *rc = &P->cfg->recv[i];
    const struct ds_cert *c = ds_render_recv_cert(P->r, rc);
    bool tls = rc->auth & DS_AUTH_TLS;
    char line[1024], chain[4096], syslog[200];
    ds_buf_printf(b, "#\n# receive connector \"%s\" (daemon_name %s)", rc->name,
                  rc->daemon_name);
    if (tls && c)
        ds_buf_printf(b, ": STARTTLS for %s with certificate\n#   %s\n",
                      rc->fqdn, ds_render_cert_line(c, line, sizeof(line)));
    else
        ds_buf_printf(b, ": no STARTTLS (auth_mechanism has no tls)\n");
    if (rc->domain_secure)
        ds_buf_printf(b, "# Domain security: asks every TLS client for a "
                         "certificate, verified\n"
                         "# against the partner CAs only; domsec-milter "
                         "checks that it names the\n"
                         "# sender's domain for the domains on "
                         "tls_receive_domain_secure_list.\n");
    if (rc->nbinds == 0)
        ds_buf_printf(b, "# (no bindings: no listener)\n");
    snprintf(syslog, sizeof(syslog), "%s/%s", SYSLOG_PREFIX, P->slug[i]);
    for (size_t j = 0; j < rc->nbinds; j++) {
        const struct ds_binding *bd = &rc->binds[j];
        if (bd->v6)
            snprintf(line, sizeof(line), "[%s]:%d", bd->addr, bd->port);
        else
            snprintf(line, sizeof(line), "%s:%d", bd->addr, bd->port);
        ds_buf_printf(b,
                      "%-15s inet  n       -       n       -       -   "
                      "    smtpd\n",
                      line);
        opt(b, "syslog_name", syslog);
        opt(b, "milter_macro_daemon_name", rc->daemon_name);
        opt(b, "smtpd_tls_security_level",
            !tls              ? "none"
            : rc->require_tls ? "encrypt"
                              : "may");
        if (!tls || c == NULL)
            continue;
        chain_files(c, chain, sizeof(chain));
        opt(b, "smtpd_tls_chain_files", chain);
        opt(b, "smtpd_tls_ask_ccert", rc->domain_secure ? "yes" : "no");
        if (!rc->domain_secure)
            continue;
        opt(b, "smtpd_tls_CAfile", P->cfg->partner_trust_store);
        /* only the partner CAs: not a CA directory main.cf may name */
        ds_buf_printf(b, "  -o smtpd_tls_CApath=\n");
    }
}

static void spaces(struct ds_buf *b, const struct ds_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        ds_buf_printf(b, "%s%s", i ? ", " : "", l->v[i]);
    if (l->n == 0)
        ds_buf_printf(b, "(none)");
}

static void send_entry(struct pf *P, struct ds_buf *b, size_t i)
{
    const struct ds_send_connector *s = &P->cfg->send[i];
    const struct ds_cert *c = ds_render_send_cert(P->r, s);
    char line[1024], chain[4096], port[16];
    ds_buf_printf(b, "#\n# send connector \"%s\": address spaces ", s->name);
    spaces(b, &s->address_spaces);
    ds_buf_printf(b, "; %s", s->dns_routing ? "DNS routing" : "smart hosts ");
    if (!s->dns_routing) {
        nexthop(s, line, sizeof(line));
        ds_buf_printf(b, "%s (the next hop in transport)", line);
    }
    ds_buf_printf(b, "%s\n", s->domain_secure ? "; domain security" : "");
    if (c)
        ds_buf_printf(b, "# client certificate %s\n",
                      ds_render_cert_line(c, line, sizeof(line)));
    if (s->domain_secure)
        ds_buf_printf(b, "# The partner's server certificate is verified "
                         "against the partner CAs\n"
                         "# (transport.partner_trust_store, else "
                         "server.trust_store; see tls_policy).\n");
    ds_buf_printf(b,
                  "%-15s unix  -       -       n       -       -       "
                  "smtp\n",
                  P->transport[i]);
    snprintf(line, sizeof(line), "%s/%s", SYSLOG_PREFIX, P->transport[i]);
    opt(b, "syslog_name", line);
    opt(b, "smtp_helo_name", s->fqdn);
    opt(b, "smtp_tls_security_level", s->require_tls ? "encrypt" : "may");
    if (c) {
        chain_files(c, chain, sizeof(chain));
        opt(b, "smtp_tls_chain_files", chain);
    }
    if (s->domain_secure)
        opt(b, "smtp_tls_CAfile", ds_render_partner_cas(P->cfg));
    /* through smart hosts the port is in the next hop; by DNS, here */
    if (s->dns_routing && s->port != 25) {
        snprintf(port, sizeof(port), "%d", s->port);
        opt(b, "smtp_tcp_port", port);
    }
}

static void master_cf(struct pf *P, struct ds_buf *b)
{
    header(b, P->cfg,
           "master.cf entries for domsec: append them to "
           "master.cf.");
    ds_buf_printf(b, "# Each receive connector binding is an smtpd "
                     "listener: remove master.cf's\n"
                     "# own listeners on the same ports (the stock "
                     "\"smtp inet\" line is port 25).\n");
    for (size_t i = 0; i < P->cfg->nrecv; i++)
        recv_entry(P, b, i);
    for (size_t i = 0; i < P->cfg->nsend; i++)
        send_entry(P, b, i);
}

/* ---- transport and tls_policy ------------------------------------------- */

static size_t send_index(const struct pf *P, const struct ds_send_connector *s)
{
    return (size_t)(s - P->cfg->send);
}

static bool has_key(const struct ds_strlist *keys, const char *key)
{
    for (size_t i = 0; i < keys->n; i++)
        if (strcmp(keys->v[i], key) == 0)
            return true;
    return false;
}

/* One transport entry, unless the key was routed before. */
static void route(struct ds_buf *b, struct ds_strlist *keys, const char *key,
                  const char *transport, const char *hop)
{
    if (has_key(keys, key)) {
        ds_buf_printf(b, "# %s: routed above\n", key);
        return;
    }
    if (ds_strlist_addf(keys, "%s", key) < 0)
        b->oom = true;
    ds_buf_printf(b, "%-31s %s:%s\n", key, transport, hop);
}

static void transport_map(struct pf *P, struct ds_buf *b)
{
    const struct ds_config *cfg = P->cfg;
    struct ds_strlist keys = {0};
    char hop[1024], key[300];
    header(b, cfg, "transport_maps for domsec.");
    if (cfg->send_names.n)
        ds_buf_printf(b, "\n# tls_send_domain_secure_list: to the "
                         "domain-secure send connector\n");
    for (size_t i = 0; i < cfg->send_names.n; i++) {
        const char *d = cfg->send_names.v[i];
        const struct ds_send_connector *s = ds_route_find(cfg, d, true);
        if (s == NULL) {
            ds_buf_printf(b,
                          "# %s: no domain-secure send connector covers it "
                          "(see domsec-policy lint)\n",
                          d);
            continue;
        }
        nexthop(s, hop, sizeof(hop));
        route(b, &keys, d, P->transport[send_index(P, s)], hop);
    }
    for (size_t i = 0; i < cfg->nsend; i++) {
        const struct ds_send_connector *s = &cfg->send[i];
        ds_buf_printf(b, "\n# send connector \"%s\": address spaces ", s->name);
        spaces(b, &s->address_spaces);
        ds_buf_printf(b, "\n");
        nexthop(s, hop, sizeof(hop));
        for (size_t j = 0; j < s->address_spaces.n; j++) {
            const char *as = s->address_spaces.v[j];
            size_t k;
            if (strcmp(as, "*") == 0) {
                bool def = default_route(P, &k) == s;
                ds_buf_printf(b, "# *: %s\n",
                              def ? "default_transport in main.cf"
                                  : "already the default_transport of an "
                                    "earlier connector");
                continue;
            }
            bool wild = as[0] == '*';
            const char *d = wild ? as + 2 : as;
            route(b, &keys, d, P->transport[i], hop);
            if (wild) { /* "*.d": d and every name under it (".d") */
                snprintf(key, sizeof(key), ".%s", d);
                route(b, &keys, key, P->transport[i], hop);
            }
        }
    }
    ds_strlist_free(&keys);
}

/* "secure match=d:.d" (or the next-hop form for ".d" entries). */
static void secure_line(struct ds_buf *b, const char *key, const char *d)
{
    if (d[0] == '.')
        ds_buf_printf(b, "%-31s secure match=nexthop:dot-nexthop\n", key);
    else
        ds_buf_printf(b, "%-31s secure match=%s:.%s\n", key, d, d);
}

static void tls_policy_map(struct pf *P, struct ds_buf *b)
{
    const struct ds_config *cfg = P->cfg;
    header(b, cfg, "smtp_tls_policy_maps for domsec.");
    ds_buf_printf(b, "# Each domain on tls_send_domain_secure_list: TLS with a "
                     "certificate that\n"
                     "# verifies (smtp_tls_CAfile of its transport) and names "
                     "the domain or a\n"
                     "# host under it. Anything else defers the mail: nothing "
                     "goes in clear.\n"
                     "# The key is the next hop: the domain (a domain-secure "
                     "connector routes\n"
                     "# by DNS).\n");
    for (size_t i = 0; i < cfg->send_names.n; i++)
        secure_line(b, cfg->send_names.v[i], cfg->send_names.v[i]);
}

/* ---- SNI ---------------------------------------------------------------- */

struct sni_entry {
    const char *name;
    const struct ds_cert *cert;
};

/* The certificate the rules choose for `name` as a receive connector's
 * fqdn: the rules run on a copy of the configuration that has just that
 * connector, renamed (never a second implementation of them). */
static const struct ds_cert *cert_for_name(struct pf *P, const char *name,
                                           bool *oom)
{
    struct ds_config c = *P->cfg;
    struct ds_recv_connector rc = {0};
    struct ds_selection sel;
    rc.name = "sni";
    rc.daemon_name = "sni";
    rc.fqdn = name;
    rc.fqdn_set = true;
    rc.auth = DS_AUTH_TLS;
    c.recv = &rc;
    c.nrecv = 1;
    c.nsend = 0;
    const struct ds_cert *cert = NULL;
    if (ds_select_run(&c, P->r->store, P->r->at, NULL, &sel) < 0)
        *oom = true;
    else if (sel.n == 1 && sel.v[0].advertise)
        cert = sel.v[0].selected;
    ds_selection_free(&sel);
    return cert;
}

static void sni_add(struct sni_entry *v, size_t *n, const char *name,
                    const struct ds_cert *c)
{
    for (size_t i = 0; i < *n; i++)
        if (ds_strcasecmp(v[i].name, name) == 0) {
            if (v[i].cert != c) /* two connectors, one name: no SNI */
                v[i].cert = NULL;
            return;
        }
    v[*n].name = name;
    v[*n].cert = c;
    (*n)++;
}

/* Returns the number of entries when SNI is needed (their certificates
 * differ), else 0. */
static size_t sni_entries(struct pf *P, struct sni_entry *v, bool *oom)
{
    const struct ds_config *cfg = P->cfg;
    size_t n = 0;
    for (size_t i = 0; i < cfg->nrecv; i++) {
        const struct ds_cert *c = ds_render_recv_cert(P->r, &cfg->recv[i]);
        if (c && (cfg->recv[i].auth & DS_AUTH_TLS))
            sni_add(v, &n, cfg->recv[i].fqdn, c);
    }
    if (n == 0)
        return 0;
    const char *more[2] = {cfg->server.fqdn, cfg->server.physical_fqdn};
    for (size_t i = 0; i < 2; i++) {
        bool known = false;
        for (size_t j = 0; j < n; j++)
            known |= ds_strcasecmp(v[j].name, more[i]) == 0;
        if (known)
            continue;
        const struct ds_cert *c = cert_for_name(P, more[i], oom);
        if (c)
            sni_add(v, &n, more[i], c);
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].cert)
            v[m++] = v[i];
    for (size_t i = 1; i < m; i++)
        if (v[i].cert != v[0].cert)
            return m;
    return 0;
}

static void sni_map(struct pf *P, struct ds_buf *b, const struct sni_entry *v,
                    size_t n)
{
    char line[1024], files[4200];
    header(b, P->cfg, "tls_server_sni_maps for domsec (postmap -F).");
    ds_buf_printf(b, "# The names this server answers to, each with the "
                     "certificate the\n"
                     "# selection rules choose for it: key file, then "
                     "certificate and chain.\n");
    for (size_t i = 0; i < n; i++) {
        const struct ds_cert *c = v[i].cert;
        ds_buf_printf(b, "# %s\n%-31s %s\n",
                      ds_render_cert_line(c, line, sizeof(line)), v[i].name,
                      ds_render_chain_files(c, " ", files, sizeof(files)));
    }
}

/* ---- the whole ---------------------------------------------------------- */

static void build(struct pf *P)
{
    struct ds_render *r = P->r;
    struct sni_entry *sni = calloc(r->cfg->nrecv + 2, sizeof(*sni));
    bool oom = sni == NULL;
    size_t nsni = oom ? 0 : sni_entries(P, sni, &oom);
    struct ds_render_file *f[5];
    f[0] = ds_render_add_file(r, "main.cf", NULL, false);
    f[1] = ds_render_add_file(r, "master.cf", NULL, false);
    f[2] = ds_render_add_file(r, "transport", "hash", false);
    f[3] = ds_render_add_file(r, "tls_policy", "hash", false);
    f[4] = nsni ? ds_render_add_file(r, "sni", "hash", true) : NULL;
    if (nsni == 0)
        r->stale[r->nstale++] = "sni";
    main_cf(P, &f[0]->text, nsni > 0);
    master_cf(P, &f[1]->text);
    transport_map(P, &f[2]->text);
    tls_policy_map(P, &f[3]->text);
    if (nsni)
        sni_map(P, &f[4]->text, sni, nsni);
    free(sni);
    for (size_t i = 0; i < r->nfiles; i++)
        oom |= r->files[i].text.oom;
    if (oom)
        r->status = DS_RENDER_NOMEM;
}

enum ds_render_status ds_render_postfix(const struct ds_config *cfg,
                                        const struct ds_certstore *store,
                                        long long at, const char *dir,
                                        struct ds_render *r)
{
    return ds_render_postfix_queue(cfg, store, at, dir, NULL, r);
}

enum ds_render_status ds_render_postfix_queue(const struct ds_config *cfg,
                                              const struct ds_certstore *store,
                                              long long at, const char *dir,
                                              const char *queue_dir,
                                              struct ds_render *r)
{
    memset(r, 0, sizeof(*r));
    r->queue_dir = queue_dir;
    r->cfg = cfg;
    r->store = store;
    r->at = at;
    r->dir = dir ? dir : DS_RENDER_DEFAULT_POSTFIX_DIR;
    struct pf P = {.r = r, .cfg = cfg};
    check_names(&P);
    if (ds_render_select(r) == DS_RENDER_NOMEM)
        return r->status;
    check_paths(&P);
    ds_render_check_cas(r);
    if (r->status != DS_RENDER_OK)
        return r->status;
    P.transport = calloc(cfg->nsend + 1, sizeof(*P.transport));
    P.slug = calloc(cfg->nrecv + 1, sizeof(*P.slug));
    if (P.transport && P.slug) {
        for (size_t i = 0; i < cfg->nsend; i++)
            unique(P.transport, i, "domsec-", cfg->send[i].name);
        for (size_t i = 0; i < cfg->nrecv; i++)
            unique(P.slug, i, "", cfg->recv[i].name);
        build(&P);
    } else {
        r->status = DS_RENDER_NOMEM;
    }
    free(P.transport);
    free(P.slug);
    return r->status;
}

/* ---- one domain as the rendered configuration treats it (probe) --------- */

/* The connector transport_map() writes `key` for, or NULL when it writes
 * no entry with that key (the same order: the send list first, then every
 * connector's address spaces in configuration order). */
static const struct ds_send_connector *
transport_entry(const struct ds_config *cfg, const char *key)
{
    for (size_t i = 0; i < cfg->send_names.n; i++)
        if (strcmp(cfg->send_names.v[i], key) == 0) {
            const struct ds_send_connector *s = ds_route_find(cfg, key, true);
            if (s != NULL)
                return s;
        }
    for (size_t i = 0; i < cfg->nsend; i++) {
        const struct ds_strlist *as = &cfg->send[i].address_spaces;
        for (size_t j = 0; j < as->n; j++) {
            const char *a = as->v[j];
            if (strcmp(a, "*") == 0)
                continue;
            if (a[0] == '*' ? strcmp(a + 2, key) == 0 ||
                                  (key[0] == '.' && strcmp(a + 2, key + 1) == 0)
                            : strcmp(a, key) == 0)
                return &cfg->send[i];
        }
    }
    return NULL;
}

/* The keys Postfix looks a domain up by, in order: the domain, then
 * ".parent" for every parent. Returns NULL after the last. */
static const char *next_key(const char *domain, const char *key)
{
    if (key == NULL)
        return domain;
    return strchr(key == domain ? key : key + 1, '.');
}

int ds_render_postfix_route(const struct ds_config *cfg, const char *domain,
                            const struct ds_send_connector *via,
                            struct ds_render_route *out)
{
    memset(out, 0, sizeof(*out));
    const struct ds_send_connector *s = via;
    for (const char *k = next_key(domain, NULL); s == NULL && k;
         k = next_key(domain, k))
        if ((s = transport_entry(cfg, k)) != NULL)
            out->key = k;
    if (s == NULL) {
        struct pf P = {.cfg = cfg};
        size_t i;
        if ((s = default_route(&P, &i)) != NULL)
            out->key = "*";
    }
    if ((out->connector = s) == NULL)
        return 0;
    out->cafile = s->domain_secure ? ds_render_partner_cas(cfg) : NULL;
    out->level = s->require_tls ? DS_RENDER_TLS_ENCRYPT : DS_RENDER_TLS_MAY;
    if (!s->dns_routing) {
        /* Render writes no secure policy for smart hosts: a domain-secure
         * connector routes by DNS (through smart hosts it is a
         * configuration error). --connector: as if the listed domain were
         * routed there, so that probe can test a partner's relay. */
        if (via && ds_domainset_match(&cfg->send_list, domain)) {
            ds_buf_printf(&out->match, "%s:.%s", domain, domain);
            out->level = DS_RENDER_TLS_SECURE;
        }
        return out->match.oom ? -1 : 0;
    }
    /* the next hop is the domain: tls_policy by the domain, then
     * ".parent" (what secure_line wrote for the send list) */
    for (const char *k = next_key(domain, NULL); k; k = next_key(domain, k)) {
        const struct ds_domainset_entry *e =
            ds_domainset_get(&cfg->send_list, k);
        if (e == NULL)
            continue;
        out->level = DS_RENDER_TLS_SECURE;
        out->policy_key = e->name;
        const char *name = k[0] == '.' ? domain : k; /* nexthop:dot-nexthop */
        ds_buf_printf(&out->match, "%s:.%s", name, name);
        break;
    }
    return out->match.oom ? -1 : 0;
}

void ds_render_route_free(struct ds_render_route *r)
{
    ds_buf_free(&r->match);
}

const char *ds_render_tls_name(enum ds_render_tls level)
{
    return level == DS_RENDER_TLS_SECURE    ? "secure"
           : level == DS_RENDER_TLS_ENCRYPT ? "encrypt"
                                            : "may";
}
