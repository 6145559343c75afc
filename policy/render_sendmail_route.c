/*
 * render_sendmail_route.c - send connectors as Sendmail routes them, the
 * way its administrators do: the connector with address space "*" through
 * smart hosts is SMART_HOST; every other address space (and every domain
 * of tls_send_domain_secure_list, to its domain-secure connector) whose
 * route differs from that default is a mailertable entry ("example.com",
 * ".example.com" for the names under it); a port other than 25 is a mailer
 * of its own (MAILER_DEFINITIONS: the esmtp mailer with "A=TCP $h PORT").
 * What Sendmail cannot express is refused with the reason, never dropped:
 * smart hosts of one connector on different ports, DNS routing on a port
 * other than 25.
 *
 * Must not: choose routes differently from render_postfix.c (the same
 * order: the send list first, then address spaces in configuration
 * order; route.h decides the connector of a send-list domain).
 */
#include "dsconfig.h"

#include "render.h"

#include <string.h>

#include "route.h"

/* One mailertable key and the connector that carries it. */
struct sm_key {
    const char *key; /* "example.com" or ".example.com" */
    const struct ds_send_connector *s;
};

struct sm_routes {
    struct ds_render *r;
    const struct ds_send_connector *def; /* address space "*", or NULL */
    struct sm_key *keys;
    size_t nkeys, cap;
    int ports[16]; /* ports that need a mailer of their own */
    size_t nports;
    bool oom;
};

static void add_key(struct sm_routes *R, const char *key,
                    const struct ds_send_connector *s)
{
    for (size_t i = 0; i < R->nkeys; i++)
        if (strcmp(R->keys[i].key, key) == 0)
            return; /* routed above: the first one wins, as in Postfix */
    struct sm_key *v = ds_grow(R->keys, &R->cap, R->nkeys + 1, sizeof(*v), 16);
    if (v == NULL) {
        R->oom = true;
        return;
    }
    R->keys = v;
    R->keys[R->nkeys].key = key;
    R->keys[R->nkeys].s = s;
    R->nkeys++;
}

/* The port a connector delivers to, or -1 (refused) when Sendmail cannot
 * express it. */
static int port_of(struct sm_routes *R, const struct ds_send_connector *s)
{
    if (s->dns_routing && s->port != 25) {
        ds_render_error(R->r, DS_CODE_SENDMAIL_ROUTE, &s->where,
                        "use port 25, or route the connector through smart "
                        "hosts",
                        "send connector %s: Sendmail delivers by MX on port "
                        "25 only; port %d is not rendered",
                        s->name, s->port);
        return -1;
    }
    for (size_t i = 1; i < s->nhosts; i++)
        if (s->hosts[i].port != s->hosts[0].port) {
            ds_render_error(R->r, DS_CODE_SENDMAIL_ROUTE, &s->hosts[i].where,
                            "give the connector's smart hosts one port, or "
                            "split them into connectors of their own",
                            "send connector %s: Sendmail sends one route to "
                            "one port, but its smart hosts use ports %d and "
                            "%d",
                            s->name, s->hosts[0].port, s->hosts[i].port);
            return -1;
        }
    return s->dns_routing ? 25 : s->hosts[0].port;
}

/* "esmtp" or "domsec587". */
static void mailer(int port, char *buf, size_t size)
{
    if (port == 25)
        snprintf(buf, size, "esmtp");
    else
        snprintf(buf, size, "domsec%d", port);
}

/* "[a]:[b]" (Sendmail tries them in order; no MX lookup in brackets). */
static void hosts(const struct ds_send_connector *s, struct ds_buf *b)
{
    for (size_t i = 0; i < s->nhosts; i++)
        ds_buf_printf(b, "%s[%s%s]", i ? ":" : "",
                      s->hosts[i].kind == DS_HOST_IPV6 ? "IPv6:" : "",
                      s->hosts[i].host);
}

/* Do two connectors route the same way (same smart hosts and port, or
 * both by DNS)? */
static bool same_route(const struct ds_send_connector *a,
                       const struct ds_send_connector *b)
{
    if (a == b)
        return true;
    if (a == NULL || b == NULL || a->dns_routing != b->dns_routing)
        return false;
    if (a->dns_routing)
        return a->port == b->port;
    if (a->nhosts != b->nhosts)
        return false;
    for (size_t i = 0; i < a->nhosts; i++)
        if (strcmp(a->hosts[i].host, b->hosts[i].host) != 0 ||
            a->hosts[i].port != b->hosts[i].port)
            return false;
    return true;
}

static void collect(struct sm_routes *R)
{
    const struct ds_config *cfg = R->r->cfg;
    for (size_t i = 0; i < cfg->nsend && R->def == NULL; i++)
        if (ds_strlist_has(&cfg->send[i].address_spaces, "*"))
            R->def = &cfg->send[i];
    for (size_t i = 0; i < cfg->send_names.n; i++) {
        const struct ds_send_connector *s =
            ds_route_find(cfg, cfg->send_names.v[i], true);
        if (s)
            add_key(R, cfg->send_names.v[i], s);
    }
    for (size_t i = 0; i < cfg->nsend; i++) {
        const struct ds_send_connector *s = &cfg->send[i];
        for (size_t j = 0; j < s->address_spaces.n; j++) {
            const char *as = s->address_spaces.v[j];
            if (strcmp(as, "*") == 0)
                continue;
            add_key(R, as[0] == '*' ? as + 2 : as, s);
            if (as[0] == '*')
                add_key(R, as + 1, s); /* ".example.com" */
        }
    }
}

static void need_port(struct sm_routes *R, int port)
{
    for (size_t i = 0; i < R->nports; i++)
        if (R->ports[i] == port)
            return;
    if (port != 25 && R->nports < DS_ARRAY_LEN(R->ports))
        R->ports[R->nports++] = port;
}

/* One mailertable line; DNS routing looks up the recipient's own domain
 * ("%1" is the part before a ".example.com" key). */
static void entry(struct sm_routes *R, const struct sm_key *k,
                  struct ds_buf *mt)
{
    char m[32];
    int port = port_of(R, k->s);
    if (port < 0)
        return;
    need_port(R, port);
    mailer(port, m, sizeof(m));
    /* (makemap reads a comment only as a line of its own) */
    ds_buf_printf(mt, "# send connector \"%s\"\n%-31s %s:", k->s->name, k->key,
                  m);
    if (!k->s->dns_routing)
        hosts(k->s, mt);
    else if (k->key[0] == '.')
        ds_buf_printf(mt, "%%1%s", k->key);
    else
        ds_buf_printf(mt, "%s", k->key);
    ds_buf_printf(mt, "\n");
}

/* The esmtp mailer again, with another port (Sendmail's own definition
 * of esmtp, cf/mailer/smtp.m4, with A=TCP $h PORT). */
static void mailers(const struct sm_routes *R, struct ds_buf *mc)
{
    if (R->nports == 0)
        return;
    ds_buf_printf(mc, "dnl Smart hosts on another port than 25: the esmtp "
                      "mailer with that port.\n"
                      "MAILER_DEFINITIONS\n");
    for (size_t i = 0; i < R->nports; i++)
        ds_buf_printf(mc,
                      "Mdomsec%d,\tP=[IPC], F=mDFMuXa, "
                      "S=EnvFromSMTP/HdrFromSMTP, R=EnvToSMTP, E=\\r\\n, "
                      "L=990,\n"
                      "\t\tT=DNS/RFC822/SMTP,\n"
                      "\t\tA=TCP $h %d\n",
                      R->ports[i], R->ports[i]);
    ds_buf_printf(mc, "divert(0)dnl\n");
}

int ds_render_sendmail_routes(struct ds_render *r, struct ds_buf *mc,
                              struct ds_buf *mt)
{
    struct sm_routes R = {.r = r};
    char m[32];
    collect(&R);
    size_t n = 0;
    ds_buf_printf(mc,
                  "dnl\ndnl Send connectors: the default route "
                  "(address space *) and the\n"
                  "dnl mailertable entries in %s/mailertable.\n",
                  r->dir);
    if (R.def && !R.def->dns_routing) {
        int port = port_of(&R, R.def);
        if (port > 0) {
            need_port(&R, port);
            mailer(port, m, sizeof(m));
            ds_buf_printf(mc, "dnl send connector \"%s\": smart hosts\n",
                          R.def->name);
            ds_buf_printf(mc, "define(`SMART_HOST', `%s:", m);
            hosts(R.def, mc);
            ds_buf_printf(mc, "')dnl\n");
        }
    } else if (R.def) {
        port_of(&R, R.def);
        ds_buf_printf(mc, "dnl send connector \"%s\": by MX (no SMART_HOST)\n",
                      R.def->name);
    }
    for (size_t i = 0; i < R.nkeys; i++) {
        /* the default route carries it anyway */
        if (R.def && same_route(R.keys[i].s, R.def))
            continue;
        entry(&R, &R.keys[i], mt);
        n++;
    }
    mailers(&R, mc);
    free(R.keys);
    if (R.oom)
        mc->oom = true;
    return (int)n;
}
