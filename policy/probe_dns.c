/*
 * probe_dns.c - the addresses the probe tries, found as Postfix's smtp
 * client finds them: for DNS routing the MX records of the domain (lowest
 * preference first; no MX records: the domain's own addresses, RFC 5321
 * section 5.1; a null MX: no delivery at all), for smart hosts each host's
 * addresses without an MX lookup, and the host named with --connect.
 * Lookups go through libresolv (res_nquery, ns_parserr) with the search
 * list off, as Postfix's do, so /etc/hosts plays no part; --connect uses
 * getaddrinfo, since the admin named that host.
 *
 * Must not: query anything but MX, A and AAAA records of the names it is
 * given, or wait longer than the DNS timeout per query and attempt.
 */
#include "dsconfig.h"

#include "probe.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mx {
    int pref;
    char host[NS_MAXDNAME];
};

static int add_addr(struct ds_probe_hops *h, const char *host, int pref,
                    int port, int family, const void *raw)
{
    if (h->n >= DS_PROBE_MAX_ADDRESSES) {
        h->dropped++;
        return 0;
    }
    struct ds_probe_addr *v = ds_grow(h->v, &h->cap, h->n + 1, sizeof(*v), 8);
    if (v == NULL)
        return -1;
    h->v = v;
    struct ds_probe_addr *a = &h->v[h->n++];
    memset(a, 0, sizeof(*a));
    snprintf(a->host, sizeof(a->host), "%s", host);
    a->preference = pref;
    a->port = port;
    if (family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->sa;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((unsigned short)port);
        memcpy(&s6->sin6_addr, raw, 16);
        a->salen = sizeof(*s6);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&a->sa;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((unsigned short)port);
        memcpy(&s4->sin_addr, raw, 4);
        a->salen = sizeof(*s4);
    }
    inet_ntop(family, raw, a->ip, sizeof(a->ip));
    return 0;
}

/* A resolver: /etc/resolv.conf's, or the --nameserver one. */
static int resolver(res_state st, const struct ds_probe_ns *ns,
                    const struct ds_probe_timeouts *t)
{
    memset(st, 0, sizeof(*st));
    if (res_ninit(st) != 0)
        return -1;
    st->options &= ~(unsigned long)(RES_DNSRCH | RES_DEFNAMES);
    st->retrans = t->dns > 0 ? t->dns : 1;
    st->retry = 2;
    if (ns && ns->set && ns->sa.ss_family == AF_INET) {
        st->nscount = 1;
        memcpy(&st->nsaddr_list[0], &ns->sa, sizeof(struct sockaddr_in));
    }
    return 0;
}

/* What a failed query means, for the admin. */
static const char *query_error(res_state st)
{
    switch (st->res_h_errno) {
    case HOST_NOT_FOUND:
        return "the name does not exist (NXDOMAIN)";
    case NO_DATA:
        return "no record of that type";
    case TRY_AGAIN:
        return "temporary DNS failure (Postfix defers and tries again later)";
    default:
        return "DNS failure";
    }
}

/* The A or AAAA records of host, as addresses to try. Returns the number
 * found, or -1 when out of memory. */
static int lookup_type(res_state st, const char *host, int pref, int port,
                       int type, struct ds_probe_hops *h)
{
    unsigned char ans[8192];
    ns_msg msg;
    int len = res_nquery(st, host, ns_c_in, type, ans, sizeof(ans));
    if (len < 0 || ns_initparse(ans, len, &msg) < 0)
        return 0;
    int found = 0;
    for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
        ns_rr rr;
        if (ns_parserr(&msg, ns_s_an, i, &rr) < 0 ||
            (int)ns_rr_type(rr) != type)
            continue;
        size_t want = type == ns_t_a ? 4 : 16;
        if (ns_rr_rdlen(rr) != want)
            continue;
        if (add_addr(h, host, pref, port, type == ns_t_a ? AF_INET : AF_INET6,
                     ns_rr_rdata(rr)) < 0)
            return -1;
        found++;
    }
    return found;
}

/* Every address of host (a literal, or IPv4 then IPv6 records), with a
 * note. Returns the number found, or -1 when out of memory. */
static int host_addresses(res_state st, const char *host, int pref, int port,
                          struct ds_probe_hops *h)
{
    unsigned char raw[16];
    char name[NS_MAXDNAME];
    size_t len = strlen(host);
    if (host[0] == '[' && len > 2 && host[len - 1] == ']')
        snprintf(name, sizeof(name), "%.*s", (int)len - 2, host + 1);
    else
        snprintf(name, sizeof(name), "%s", host);
    if (inet_pton(AF_INET, name, raw) == 1)
        return add_addr(h, name, pref, port, AF_INET, raw) < 0 ? -1 : 1;
    if (inet_pton(AF_INET6, name, raw) == 1)
        return add_addr(h, name, pref, port, AF_INET6, raw) < 0 ? -1 : 1;
    size_t before = h->n + h->dropped;
    int a = lookup_type(st, name, pref, port, ns_t_a, h);
    int why = st->res_h_errno;
    int aaaa = a < 0 ? -1 : lookup_type(st, name, pref, port, ns_t_aaaa, h);
    if (a < 0 || aaaa < 0)
        return -1;
    size_t found = h->n + h->dropped - before;
    if (found == 0) {
        st->res_h_errno = why;
        if (ds_strlist_addf(&h->notes, "%s: no address (%s)", name,
                            query_error(st)) < 0)
            return -1;
    }
    return (int)found;
}

/* Parse the MX answer into v (at most max); returns how many. */
static int parse_mx(const unsigned char *ans, int len, struct mx *v, int max)
{
    ns_msg msg;
    int n = 0;
    if (ns_initparse(ans, len, &msg) < 0)
        return 0;
    for (int i = 0; i < ns_msg_count(msg, ns_s_an) && n < max; i++) {
        ns_rr rr;
        if (ns_parserr(&msg, ns_s_an, i, &rr) < 0 ||
            ns_rr_type(rr) != ns_t_mx || ns_rr_rdlen(rr) < 3)
            continue;
        v[n].pref = ns_get16(ns_rr_rdata(rr));
        if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), ns_rr_rdata(rr) + 2,
                      v[n].host, sizeof(v[n].host)) < 0)
            continue;
        n++;
    }
    /* by preference; equal ones keep the answer's order */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j].pref < v[j - 1].pref; j--) {
            struct mx tmp = v[j];
            v[j] = v[j - 1];
            v[j - 1] = tmp;
        }
    return n;
}

static int mx_hosts(res_state st, const struct mx *mx, int n, int port,
                    struct ds_probe_hops *h)
{
    if (n == 1 && mx[0].host[0] == '\0') {
        snprintf(h->error, sizeof(h->error),
                 "null MX: the domain accepts no mail (RFC 7505); Postfix "
                 "returns the mail to its sender");
        return 0;
    }
    for (int i = 0; i < n; i++) {
        if (ds_strlist_addf(&h->notes, "MX %d %s", mx[i].pref, mx[i].host) <
                0 ||
            host_addresses(st, mx[i].host, mx[i].pref, port, h) < 0)
            return -1;
    }
    if (h->n == 0)
        snprintf(h->error, sizeof(h->error),
                 "none of the MX hosts has an address");
    return 0;
}

int ds_probe_resolve_mx(const char *domain, int port,
                        const struct ds_probe_ns *ns,
                        const struct ds_probe_timeouts *t,
                        struct ds_probe_hops *h)
{
    struct __res_state st;
    unsigned char ans[16384];
    memset(h, 0, sizeof(*h));
    if (resolver(&st, ns, t) < 0) {
        snprintf(h->error, sizeof(h->error),
                 "cannot set up the resolver (/etc/resolv.conf)");
        return 0;
    }
    int rc = 0;
    int len = res_nquery(&st, domain, ns_c_in, ns_t_mx, ans, sizeof(ans));
    struct mx *mx = calloc(64, sizeof(*mx));
    int n = mx && len > 0 ? parse_mx(ans, len, mx, 64) : 0;
    if (mx == NULL) {
        rc = -1;
    } else if (n > 0) {
        rc = mx_hosts(&st, mx, n, port, h);
    } else if (len < 0 && st.res_h_errno != NO_DATA) {
        snprintf(h->error, sizeof(h->error), "MX lookup of %s: %s", domain,
                 query_error(&st));
    } else {
        /* no MX records: the domain itself (RFC 5321, 5.1) */
        if (ds_strlist_addf(&h->notes,
                            "no MX records: %s's own addresses (RFC 5321)",
                            domain) < 0 ||
            host_addresses(&st, domain, -1, port, h) < 0)
            rc = -1;
        else if (h->n == 0)
            snprintf(h->error, sizeof(h->error),
                     "%s has neither MX records nor an address", domain);
    }
    free(mx);
    res_nclose(&st);
    return rc;
}

int ds_probe_resolve_hosts(const struct ds_smarthost *hosts, size_t n,
                           const struct ds_probe_ns *ns,
                           const struct ds_probe_timeouts *t,
                           struct ds_probe_hops *h)
{
    struct __res_state st;
    memset(h, 0, sizeof(*h));
    if (resolver(&st, ns, t) < 0) {
        snprintf(h->error, sizeof(h->error),
                 "cannot set up the resolver (/etc/resolv.conf)");
        return 0;
    }
    int rc = 0;
    char hop[DS_DOMAIN_MAX + 32];
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (ds_strlist_addf(&h->notes, "smart host %s",
                            ds_smarthost_nexthop(&hosts[i], hop, sizeof(hop))) <
                0 ||
            host_addresses(&st, hosts[i].host, -1, hosts[i].port, h) < 0)
            rc = -1;
    if (rc == 0 && h->n == 0)
        snprintf(h->error, sizeof(h->error),
                 "none of the smart hosts has an address");
    res_nclose(&st);
    return rc;
}

/* Split HOST[:PORT] / [HOST]:PORT / a bare IPv6 address. */
static int split_hostport(const char *spec, char *host, size_t size, int *port)
{
    const char *colon = strrchr(spec, ':');
    size_t hl;
    if (spec[0] == '[') {
        const char *end = strchr(spec, ']');
        if (end == NULL || (end[1] != '\0' && end[1] != ':'))
            return -1;
        hl = (size_t)(end - spec - 1);
        spec++;
        colon = end[1] == ':' ? end + 1 : NULL;
    } else if (colon && strchr(spec, ':') != colon) {
        colon = NULL; /* a bare IPv6 address */
        hl = strlen(spec);
    } else {
        hl = colon ? (size_t)(colon - spec) : strlen(spec);
    }
    if (hl == 0 || hl >= size)
        return -1;
    memcpy(host, spec, hl);
    host[hl] = '\0';
    if (colon) {
        char *end;
        long p = strtol(colon + 1, &end, 10);
        if (colon[1] == '\0' || *end != '\0' || p < 1 || p > 65535)
            return -1;
        *port = (int)p;
    }
    return 0;
}

int ds_probe_resolve_connect(const char *spec, int default_port,
                             struct ds_probe_hops *h)
{
    char host[NS_MAXDNAME];
    int port = default_port;
    memset(h, 0, sizeof(*h));
    if (split_hostport(spec, host, sizeof(host), &port) < 0) {
        snprintf(h->error, sizeof(h->error),
                 "--connect: '%.200s' is not HOST, HOST:PORT or [ADDRESS]:PORT",
                 spec);
        return -2;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int e = getaddrinfo(host, NULL, &hints, &res);
    if (e != 0) {
        snprintf(h->error, sizeof(h->error), "%.200s: %s", host,
                 gai_strerror(e));
        return 0;
    }
    int rc = ds_strlist_addf(&h->notes, "--connect %s", spec) < 0 ? -1 : 0;
    for (struct addrinfo *ai = res; rc == 0 && ai; ai = ai->ai_next) {
        const void *raw =
            ai->ai_family == AF_INET6
                ? (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
                : (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
        if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6)
            rc = add_addr(h, host, -1, port, ai->ai_family, raw);
    }
    freeaddrinfo(res);
    return rc;
}

void ds_probe_hops_free(struct ds_probe_hops *h)
{
    free(h->v);
    ds_strlist_free(&h->notes);
    memset(h, 0, sizeof(*h));
}

int ds_probe_ns_parse(const char *spec, struct ds_probe_ns *ns)
{
    char host[64];
    int port = 53;
    memset(ns, 0, sizeof(*ns));
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ns->sa;
    if (split_hostport(spec, host, sizeof(host), &port) < 0 ||
        inet_pton(AF_INET, host, &s4->sin_addr) != 1)
        return -1;
    s4->sin_family = AF_INET;
    s4->sin_port = htons((unsigned short)port);
    ns->salen = sizeof(*s4);
    ns->set = true;
    return 0;
}
