/*
 * cmd_probe.c - `domsec-policy probe DOMAIN`: plan the test from what
 * `render postfix` makes of the configuration (the transport that carries
 * DOMAIN, its next hop, the TLS policy and match= names, the partner CAs,
 * the client certificate select chooses), resolve the next hop, run one
 * session per address (probe_smtp.c) and come to a verdict.
 *
 * A domain that is not on tls_send_domain_secure_list gets the verdict
 * not-domain-secure, with what Postfix does instead, and is probed as if
 * it were listed (the same render code on a copy of the configuration
 * with the domain added), so the admin sees whether it is ready to be.
 *
 * Must not: reach any host but the ones the plan names, or print anything
 * but through probe_out.c (and errors on stderr).
 */
#include "dsconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "probe.h"
#include "render.h"
#include "route.h"
#include "select.h"

enum {
    OPT_CONNECTOR = DS_CLI_OPT_BASE,
    OPT_CONNECT,
    OPT_TIMEOUT,
    OPT_NAMESERVER,
};

static const struct option probe_opts[] = {
    {"connector", required_argument, NULL, OPT_CONNECTOR},
    {"connect", required_argument, NULL, OPT_CONNECT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"nameserver", required_argument, NULL, OPT_NAMESERVER},
    {NULL, 0, NULL, 0},
};

static struct {
    const char *connector, *connect;
    int timeout; /* 0: the defaults */
    struct ds_probe_ns ns;
} opt;

static int probe_option(int val, const char *arg)
{
    char *end;
    long t;
    switch (val) {
    case OPT_CONNECTOR:
        opt.connector = arg;
        break;
    case OPT_CONNECT:
        opt.connect = arg;
        break;
    case OPT_TIMEOUT:
        t = strtol(arg, &end, 10);
        if (*arg == '\0' || *end != '\0' || t < 1 || t > 3600)
            return ds_cli_usage_error("--timeout: '%s' is not a number of "
                                      "seconds (1 to 3600)",
                                      arg);
        opt.timeout = (int)t;
        break;
    case OPT_NAMESERVER:
        if (ds_probe_ns_parse(arg, &opt.ns) < 0)
            return ds_cli_usage_error("--nameserver: '%s' is not an IPv4 "
                                      "address with an optional :PORT",
                                      arg);
        break;
    }
    return -1;
}

static int probe_check(const struct ds_cli *cli)
{
    if (cli->args.n != 1)
        return ds_cli_usage_error("%s", "probe needs one DOMAIN");
    return -1;
}

/* ---- the plan ----------------------------------------------------------- */

struct plan {
    struct ds_config what_if; /* the configuration with DOMAIN listed */
    const char **names;
    struct ds_domainset set;
    struct ds_render_route route;
    struct ds_arena arena;
    const char **match;
};

/* A copy of cfg with domain on the send list, for ds_render_postfix_route
 * (which reads only send_names, send_list and the connectors). */
static int as_if_listed(const struct ds_config *cfg, const char *domain,
                        struct plan *pl)
{
    pl->what_if = *cfg;
    pl->names = calloc(cfg->send_names.n + 1, sizeof(*pl->names));
    if (pl->names == NULL || ds_domainset_init(&pl->set, 1) < 0 ||
        ds_domainset_add(&pl->set, domain, NULL) < 0)
        return -1;
    memcpy(pl->names, cfg->send_names.v,
           cfg->send_names.n * sizeof(*pl->names));
    pl->names[cfg->send_names.n] = domain;
    pl->what_if.send_names.v = pl->names;
    pl->what_if.send_names.n = cfg->send_names.n + 1;
    pl->what_if.send_list = pl->set;
    return 0;
}

/* What Postfix does with an unlisted domain, in words (NULL when out of
 * memory). */
static char *instead(const struct ds_config *cfg, const char *domain,
                     const struct ds_send_connector *via)
{
    struct ds_render_route r;
    char *s = NULL;
    int rc = ds_render_postfix_route(cfg, domain, via, &r);
    /* an unlisted domain never gets a secure policy */
    const char *how = r.level == DS_RENDER_TLS_ENCRYPT
                          ? "TLS required (encrypt), its certificate not "
                            "verified"
                          : "opportunistic TLS (may: TLS when the server "
                            "offers it, its certificate not verified)";
    if (rc == 0 && r.connector == NULL)
        s = strdup("no send connector carries it");
    else if (rc == 0 && asprintf(&s, "%s, through send connector \"%s\"", how,
                                 r.connector->name) < 0)
        s = NULL;
    ds_render_route_free(&r);
    return s;
}

/* Split "a:.a:b" into the match list (arena). */
static int match_list(struct plan *pl, const char *domain,
                      struct ds_strlist *out)
{
    const char *m = pl->route.match.len ? pl->route.match.p : NULL;
    char *copy = ds_arena_strdup(&pl->arena, m ? m : domain);
    size_t n = 1;
    for (const char *p = copy; p && *p; p++)
        n += *p == ':';
    pl->match = ds_arena_calloc(&pl->arena, m ? n : 2, sizeof(char *));
    if (copy == NULL || pl->match == NULL)
        return -1;
    out->n = 0;
    if (m == NULL) { /* no secure policy: check as render would list it */
        pl->match[out->n++] = copy;
        pl->match[out->n++] = ds_arena_printf(&pl->arena, ".%s", domain);
    } else {
        for (char *save = NULL, *t = strtok_r(copy, ":", &save); t;
             t = strtok_r(NULL, ":", &save))
            pl->match[out->n++] = t;
    }
    out->v = pl->match;
    return pl->arena.failed ? -1 : 0;
}

static void plan_free(struct plan *pl)
{
    ds_render_route_free(&pl->route);
    ds_domainset_free(&pl->set);
    free(pl->names);
    ds_arena_free(&pl->arena);
}

/* ---- running ------------------------------------------------------------ */

static int client_certificate(struct ds_ctx *c, struct ds_probe_run *r,
                              const struct ds_send_connector *s)
{
    struct ds_selection sel;
    const char *only[1] = {s->name};
    struct ds_strlist l = {.n = 1, .v = only};
    if (ds_select_run(c->cfg, c->store, c->cli->at, &l, &sel) < 0) {
        ds_selection_free(&sel);
        return -1;
    }
    const struct ds_result *res =
        ds_select_find(&sel, s->name, DS_DIR_SEND, DS_KIND_STARTTLS);
    const struct ds_cert *cert = res ? res->selected : NULL;
    if (cert) {
        r->params.cert_file = cert->cert_path;
        r->params.key_file = cert->key_path;
        r->params.chain_file = cert->chain_path;
        r->cert_name = cert->name;
        r->cert_thumbprint = cert->thumbprint;
        r->cert_subject = cert->subject;
        r->cert_issuer = cert->issuer;
        r->cert_not_after = cert->not_after;
    }
    ds_selection_free(&sel); /* the certificate belongs to the store */
    return 0;
}

static int resolve(const struct ds_send_connector *s, struct ds_probe_run *r)
{
    const struct ds_probe_timeouts *t = &r->params.timeouts;
    r->connector_dns = s->dns_routing;
    if (opt.connect) {
        r->routing = "connect";
        return ds_probe_resolve_connect(opt.connect, s->port, &r->hops);
    }
    if (s->dns_routing) {
        r->routing = "dns";
        return ds_probe_resolve_mx(r->domain, s->port, &opt.ns, t, &r->hops);
    }
    r->routing = "smart-hosts";
    return ds_probe_resolve_hosts(s->hosts, s->nhosts, &opt.ns, t, &r->hops);
}

static void warn(struct ds_probe_run *r, enum ds_probe_warning w,
                 const char *text)
{
    if (r->nwarnings < DS_PROBE_MAX_WARNINGS) {
        r->warnings[r->nwarnings].code = w;
        snprintf(r->warnings[r->nwarnings++].text, sizeof(r->warnings[0].text),
                 "%s", text);
    }
}

/* How far a session got: the verdict of the one that got furthest
 * stands for the whole when none is ok. */
static int progress(enum ds_probe_result res)
{
    static const int rank[DS_PROBE_RESULT_COUNT] = {
        [DS_PROBE_OK] = 9,
        [DS_PROBE_NAME_MISMATCH] = 6,
        [DS_PROBE_EXPIRED] = 5,
        [DS_PROBE_UNTRUSTED] = 4,
        [DS_PROBE_HANDSHAKE_FAILED] = 3,
        [DS_PROBE_NO_STARTTLS] = 2,
        [DS_PROBE_UNREACHABLE] = 1,
    };
    return (unsigned)res < DS_PROBE_RESULT_COUNT ? rank[res] : 0;
}

/* The verdict over every address, and the warnings. */
static void verdict(struct ds_probe_run *r)
{
    const struct ds_probe_session *best = NULL;
    size_t failed = 0;
    for (size_t i = 0; i < r->nsessions; i++) {
        const struct ds_probe_session *s = &r->sessions[i];
        failed += s->result != DS_PROBE_OK;
        if (best == NULL || progress(s->result) > progress(best->result))
            best = s;
    }
    if (best == NULL) {
        r->result = DS_PROBE_UNREACHABLE;
        snprintf(r->detail, sizeof(r->detail), "%s",
                 r->hops.error[0] ? r->hops.error : "no address to try");
        return;
    }
    r->result = best->result;
    char label[400];
    snprintf(r->detail, sizeof(r->detail), "%s: %s",
             ds_probe_addr_label(best->addr, label, sizeof(label)),
             best->detail);
    struct ds_probe_warn w[4];
    size_t nw = ds_probe_session_warnings(best, w, 4);
    for (size_t i = 0; i < nw; i++)
        warn(r, w[i].code, w[i].text);
    if (r->params.cert_file == NULL)
        warn(r, DS_PROBE_W_NO_CLIENT_CERT,
             "select chose no client certificate for this connector: "
             "render refuses the configuration (see domsec-policy select)");
    if (best->result == DS_PROBE_OK && failed > 0) {
        char t[300];
        snprintf(t, sizeof(t),
                 "%zu of %zu addresses fail: Postfix delivers through the "
                 "others, but each failure costs a retry",
                 failed, r->nsessions);
        warn(r, DS_PROBE_W_ADDRESS_FAILED, t);
    }
}

static int run_sessions(struct ds_probe_run *r, char *err, size_t errsize)
{
    struct ds_probe_tls *t = ds_probe_tls_new(&r->params, err, errsize);
    if (t == NULL)
        return -2;
    r->sessions = calloc(r->hops.n + 1, sizeof(*r->sessions));
    if (r->sessions == NULL) {
        ds_probe_tls_free(t);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < r->hops.n; i++) {
        rc =
            ds_probe_session_run(t, &r->params, &r->hops.v[i], &r->sessions[i]);
        r->nsessions++;
    }
    ds_probe_tls_free(t);
    return rc;
}

static void run_free(struct ds_probe_run *r)
{
    for (size_t i = 0; i < r->nsessions; i++)
        ds_probe_session_free(&r->sessions[i]);
    free(r->sessions);
    ds_probe_hops_free(&r->hops);
    ds_strlist_free(&r->notes);
    free(r->instead);
}

/* ---- the command -------------------------------------------------------- */

/* Fill the plan of r: connector, policy, CAs, client certificate, match
 * names. Returns 0, -1 out of memory, or an exit status. */
static int make_plan(struct ds_ctx *c, struct ds_probe_run *r, struct plan *pl)
{
    const struct ds_config *cfg = c->cfg;
    const struct ds_send_connector *via = NULL;
    if (opt.connector &&
        (via = ds_config_send_by_name(cfg, opt.connector)) == NULL)
        return ds_cli_usage_error("no send connector named '%s' in %s",
                                  opt.connector, c->cli->config);
    const struct ds_domainset_entry *e =
        ds_domainset_match(&cfg->send_list, r->domain);
    r->list_entry = e ? e->name : NULL;
    if (e == NULL && ((r->instead = instead(cfg, r->domain, via)) == NULL ||
                      as_if_listed(cfg, r->domain, pl) < 0))
        return -1;
    if (ds_render_postfix_route(e ? cfg : &pl->what_if, r->domain, via,
                                &pl->route) < 0)
        return -1;
    const struct ds_send_connector *s = pl->route.connector;
    if (s == NULL) {
        fprintf(stderr,
                "domsec-policy: probe: no send connector carries %s\n"
                "  hint: give a connector an address space that covers it "
                "(\"*\" for every domain), or name one with --connector\n",
                r->domain);
        return DS_EXIT_CONFIG;
    }
    r->connector = s->name;
    r->route_key = via ? NULL : pl->route.key;
    r->level = ds_render_tls_name(pl->route.level);
    r->policy_key = pl->route.policy_key;
    r->params.helo = s->fqdn;
    r->params.cafile = pl->route.cafile;
    if (r->params.cafile == NULL) {
        r->params.cafile = cfg->server.trust_store;
        if (ds_strlist_addf(&r->notes,
                            "send connector \"%s\" has no domain security: "
                            "Postfix verifies with main.cf's smtp_tls_CAfile; "
                            "the probe uses server.trust_store",
                            s->name) < 0)
            return -1;
    }
    if (pl->route.level != DS_RENDER_TLS_SECURE &&
        ds_strlist_addf(&r->notes,
                        "render writes no secure policy for this next hop "
                        "(Postfix: %s); the probe checks the names render "
                        "would list",
                        r->level) < 0)
        return -1;
    if (match_list(pl, r->domain, &r->params.match) < 0 ||
        client_certificate(c, r, s) < 0)
        return -1;
    int rr = resolve(s, r);
    if (rr == -2)
        return ds_cli_usage_error("%s", r->hops.error);
    return rr;
}

static int oom(void)
{
    fprintf(stderr, "domsec-policy: out of memory\n");
    return DS_EXIT_SOFTWARE;
}

static int cmd_probe(struct ds_ctx *c)
{
    char domain[DS_DOMAIN_MAX + 2], err[600];
    const char *why, *arg = c->cli->args.v[0];
    if (ds_domain_normalise(arg, strlen(arg), domain, 0, &why) < 0)
        return ds_cli_usage_error("probe: '%s' is not a domain name: %s", arg,
                                  why);
    int t = opt.timeout;
    struct ds_probe_run r = {
        .domain = domain,
        .at = c->cli->at,
        .if_listed = DS_PROBE_RESULT_COUNT,
        .params = {.at = c->cli->at,
                   .timeouts = {t ? t : DS_PROBE_DEFAULT_CONNECT,
                                t ? t : DS_PROBE_DEFAULT_REPLY,
                                t ? t : DS_PROBE_DEFAULT_TLS,
                                t ? t : DS_PROBE_DEFAULT_DNS}},
    };
    struct plan pl = {0};
    int rc = make_plan(c, &r, &pl);
    if (rc == 0)
        rc = run_sessions(&r, err, sizeof(err));
    if (rc == -2) {
        fprintf(stderr, "domsec-policy: probe: %s\n", err);
        rc = DS_EXIT_CONFIG;
    }
    if (rc == 0) {
        verdict(&r);
        if (r.list_entry == NULL) {
            r.if_listed = r.result;
            memcpy(r.if_listed_detail, r.detail, sizeof(r.detail));
            r.result = DS_PROBE_NOT_DOMAIN_SECURE;
            snprintf(r.detail, sizeof(r.detail),
                     "not on tls_send_domain_secure_list: Postfix sends with "
                     "%s",
                     r.instead);
        }
        if (c->cli->json)
            ds_probe_print_json(stdout, &r);
        else
            ds_probe_print_text(stdout, &r);
        rc = r.result == DS_PROBE_OK ? 0 : 1;
    }
    run_free(&r);
    plan_free(&pl);
    return rc == -1 ? oom() : rc;
}

const struct ds_command ds_cmd_probe = {
    .name = "probe",
    .run = cmd_probe,
    .flags = DS_CMD_ARGS,
    .usage = "probe DOMAIN [--connector NAME] [--connect HOST[:PORT]]\n"
             "              [--timeout SECONDS] [--nameserver IP[:PORT]]\n"
             "                            outbound Domain Security test "
             "against the\n"
             "                            partner's server (exit 0 ok, 1 "
             "not)",
    .opts = probe_opts,
    .option = probe_option,
    .check = probe_check,
};
