/*
 * fuzz-decide.c - the whole MAIL FROM decision as mlfi_envfrom makes it
 * (connector lookup, sender domain, MTA detection, macro decoding,
 * ds_decide), with arbitrary macro values under four configurations.
 *
 * Input: byte 0 picks the configuration (low two bits); bytes 1-2 are a
 * bitmap of which macros are present (bit i for field i); the rest is
 * newline-separated fields: 0 sender, 1 {daemon_name}, 2 v,
 * 3 {tls_version}, 4 {cipher}, 5 {cert_subject}, 6 {cert_issuer},
 * 7 {verify}, 8 {cn_subject}, 9 {cn_issuer}. Absent or missing fields are
 * NULL macros (the sender is then "").
 * Checks, independently of decide.c: a pass needs a domain-secure (or
 * unknown) connector, a listed domain, TLS, a verified certificate under
 * the MTA's own rules, and a name that stands for the domain (or is in the
 * partner's peer_names) with an accepted issuer; a failure only ever
 * happens to a listed domain and names the right reason; monitor mode
 * never refuses; replies carry the right codes; the mark and the reply
 * text are printable ASCII.
 */
#include "dsconfig.h"

#include <string.h>

#include "decide.h"
#include "fuzz.h"
#include "headers.h"
#include "peer.h"

static const char *const conf_text[4] = {
    /* 0: enforce, reject, subdomain, auto; a partner with overrides */
    "server { fqdn = \"mail1.contoso.test\" }\n"
    "transport { tls_receive_domain_secure_list = { \"woodgrovebank.com\", "
    "\"fabrikam.example\", \".contoso.test\", \"b\xc3\xbc"
    "cher.de\" } }\n"
    "receive_connector \"Inet\" { domain_secure_enabled = true }\n"
    "receive_connector \"Internal\" { daemon_name = \"int\" }\n"
    "milter { socket = \"unix:/tmp/fuzz.sock\" }\n"
    "partner \"fabrikam.example\" {\n"
    "  peer_names = { \"mx1.fabrikam.example\", \"*.relay.fabrikam.example\" "
    "}\n"
    "  issuers = { \"Fabrikam CA\" }\n"
    "  action = \"tempfail\"\n"
    "}\n",
    /* 1: monitor, exact domain match, Sendmail's rules */
    "server { fqdn = \"mail1.contoso.test\" }\n"
    "transport { tls_receive_domain_secure_list = { \"woodgrovebank.com\", "
    "\".contoso.test\" } }\n"
    "receive_connector \"MTA\" { domain_secure_enabled = true }\n"
    "milter { socket = \"unix:/tmp/fuzz.sock\"\n"
    "  mode = \"monitor\" peer_match = \"domain\" mta = \"sendmail\" }\n",
    /* 2: quarantine, unknown listeners judged by a connector without
     * domain security, Postfix's rules */
    "server { fqdn = \"mail1.contoso.test\" }\n"
    "transport { tls_receive_domain_secure_list = { \"woodgrovebank.com\" } }\n"
    "receive_connector \"Inet\" { domain_secure_enabled = true }\n"
    "receive_connector \"Internal\" { daemon_name = \"int\" }\n"
    "milter { socket = \"unix:/tmp/fuzz.sock\"\n"
    "  action = \"quarantine\" default_connector = \"Internal\"\n"
    "  mta = \"postfix\" }\n",
    /* 3: tempfail; the partner pins its host names and issuer */
    "server { fqdn = \"mail1.contoso.test\" }\n"
    "transport { tls_receive_domain_secure_list = { \"woodgrovebank.com\", "
    "\"fabrikam.example\" } }\n"
    "receive_connector \"Inet\" { domain_secure_enabled = true }\n"
    "milter { socket = \"unix:/tmp/fuzz.sock\" action = \"tempfail\" }\n"
    "partner \"woodgrovebank.com\" {\n"
    "  peer_names = { \"mail.woodgrovebank.com\" }\n"
    "  issuers = { \"Woodgrove Issuing CA\" }\n"
    "}\n",
};
static struct ds_config *confs[4];

static void free_confs(void)
{
    for (int i = 0; i < 4; i++)
        ds_config_free(confs[i]);
}

static int init(void)
{
    if (confs[0] != NULL)
        return 0;
    for (int i = 0; i < 4; i++) {
        struct ds_diag d = {0};
        const char *path =
            ds_fuzz_file((const uint8_t *)conf_text[i], strlen(conf_text[i]));
        confs[i] = path ? ds_config_load(path, &d) : NULL;
        if (confs[i] == NULL) {
            fprintf(stderr, "fuzz-decide: configuration %d:\n", i);
            ds_diag_print(&d, stderr);
            ds_diag_free(&d);
            return -1;
        }
        ds_diag_free(&d);
    }
    atexit(free_confs);
    return 0;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && memcmp(s + a - b, tail, b) == 0;
}

/* Does the certificate name stand for domain d? Written from
 * doc/design.md ("The decision"), not from decide.c. */
static bool name_stands_for(const char *cn, const char *d,
                            const struct ds_milter_conf *m,
                            const struct ds_partner *p)
{
    char n[DS_DOMAIN_MAX + 2], tail[DS_DOMAIN_MAX + 3];
    const char *why;
    if (ds_domain_normalise(cn, strlen(cn), n,
                            DS_DOMAIN_ALLOW_WILDCARD | DS_DOMAIN_ALLOW_SINGLE,
                            &why) != 0)
        return false;
    if (p != NULL && p->peer_names.n > 0) {
        for (size_t i = 0; i < p->peer_names.n; i++) {
            const char *e = p->peer_names.v[i];
            if (strcmp(e, n) == 0)
                return true;
            const char *dot = strchr(n, '.');
            if (e[0] == '*' && n[0] != '*' && dot != NULL && dot != n &&
                strcmp(dot + 1, e + 2) == 0)
                return true;
        }
        return false;
    }
    snprintf(tail, sizeof(tail), ".%s", d);
    bool sub = m->peer_match == DS_PEER_SUBDOMAIN;
    if (n[0] == '*')
        return sub && strchr(n + 2, '.') != NULL &&
               (strcmp(n + 2, d) == 0 || ends_with(n + 2, tail));
    return strcmp(n, d) == 0 || (sub && ends_with(n, tail));
}

static void check_text(const char *s, const char *what)
{
    for (const char *p = s; *p; p++)
        DS_FUZZ_CHECK(*p >= 0x20 && *p <= 0x7e, "%s: octet 0x%02x", what,
                      (unsigned char)*p);
}

enum {
    F_SENDER,
    F_DAEMON,
    F_V,
    F_TLS,
    F_CIPHER,
    F_SUBJ,
    F_ISSUER,
    F_VERIFY,
    F_CN_SUBJ,
    F_CN_ISSUER,
    F_COUNT
};

static int one(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    const struct ds_config *cfg = confs[data[0] & 3];
    unsigned present = data[1] | (unsigned)data[2] << 8;
    char *f[F_COUNT];
    ds_fuzz_fields(data + 3, size - 3, '\n', f, F_COUNT);
    const char *v[F_COUNT];
    for (int i = 0; i < F_COUNT; i++)
        v[i] = (present & (1u << i)) ? f[i] : NULL;
    const char *sender = v[F_SENDER] ? v[F_SENDER] : "";

    /* As mlfi_connect and mlfi_envfrom do it. */
    bool known;
    const struct ds_recv_connector *conn =
        ds_decide_connector(cfg, v[F_DAEMON] ? v[F_DAEMON] : "", &known);
    char domain[DS_DOMAIN_MAX + 2];
    const char *why;
    enum ds_sender s = ds_sender_domain(sender, strlen(sender), domain, &why);
    struct ds_macros m = {.v = v[F_V],
                          .tls_version = v[F_TLS],
                          .cipher = v[F_CIPHER],
                          .cert_subject = v[F_SUBJ],
                          .cert_issuer = v[F_ISSUER],
                          .verify = v[F_VERIFY],
                          .cn_subject = v[F_CN_SUBJ],
                          .cn_issuer = v[F_CN_ISSUER]};
    enum ds_mta mta = ds_peer_detect(cfg->milter.mta, &m);
    struct ds_tls tls;
    struct ds_peer_names names;
    ds_peer_tls(mta, &m, &tls, &names);
    struct ds_decide_in in = {.milter = &cfg->milter,
                              .connector = conn,
                              .receive_list = &cfg->receive_list,
                              .domain = s == DS_SENDER_BAD ? NULL : domain,
                              .tls = &tls};
    struct ds_decision d;
    ds_decide(&in, &d);

    const struct ds_domainset_entry *e =
        s == DS_SENDER_DOMAIN ? ds_domainset_match(&cfg->receive_list, domain)
                              : NULL;
    bool enforced = (conn == NULL || conn->domain_secure) && e != NULL;
    const struct ds_partner *p = e ? e->value : NULL;
    switch (d.result) {
    case DS_RESULT_PASS:
        DS_FUZZ_CHECK(enforced, "pass for '%s', not enforced", sender);
        DS_FUZZ_CHECK(tls.active && tls.verified && tls.peer_cn != NULL,
                      "pass without a verified certificate");
        if (mta == DS_MTA_POSTFIX)
            DS_FUZZ_CHECK(m.cert_subject && m.cert_subject[0],
                          "Postfix pass without {cert_subject}");
        else
            DS_FUZZ_CHECK(m.verify && (strcmp(m.verify, "OK") == 0 ||
                                       strcmp(m.verify, "TRUSTED") == 0),
                          "Sendmail pass with {verify} '%s'",
                          m.verify ? m.verify : "(none)");
        DS_FUZZ_CHECK(name_stands_for(tls.peer_cn, domain, &cfg->milter, p),
                      "CN '%s' passed for '%s'", tls.peer_cn, domain);
        if (p != NULL && p->issuers.n > 0)
            DS_FUZZ_CHECK(tls.issuer_cn != NULL &&
                              ds_strlist_has_nocase(&p->issuers, tls.issuer_cn),
                          "issuer '%s' passed",
                          tls.issuer_cn ? tls.issuer_cn : "(none)");
        DS_FUZZ_CHECK(d.mark && d.verdict == DS_VERDICT_CONTINUE, "pass");
        break;
    case DS_RESULT_FAIL:
        DS_FUZZ_CHECK(enforced, "failure for '%s', not enforced", sender);
        DS_FUZZ_CHECK((d.reason == DS_REASON_TLS_NOT_STARTED) == !tls.active,
                      "reason %s with TLS %d", ds_reason_name(d.reason),
                      tls.active);
        if (d.reason == DS_REASON_NOT_VERIFIED)
            DS_FUZZ_CHECK(!tls.verified, "not-verified, yet verified");
        break;
    case DS_RESULT_NONE:
        DS_FUZZ_CHECK(!enforced, "'%s' listed and enforced, yet no result",
                      sender);
        DS_FUZZ_CHECK(!d.mark && d.verdict == DS_VERDICT_CONTINUE, "none");
        break;
    }
    if (cfg->milter.mode == DS_MODE_MONITOR)
        DS_FUZZ_CHECK(d.verdict == DS_VERDICT_CONTINUE, "monitor refused");
    if (d.verdict == DS_VERDICT_REJECT)
        DS_FUZZ_CHECK(strcmp(d.code, "550") == 0 &&
                          strcmp(d.xcode, "5.7.1") == 0,
                      "reject %s %s", d.code, d.xcode);
    if (d.verdict == DS_VERDICT_TEMPFAIL)
        DS_FUZZ_CHECK(strcmp(d.code, "451") == 0 &&
                          strcmp(d.xcode, "4.7.1") == 0,
                      "tempfail %s %s", d.code, d.xcode);
    check_text(d.text, "reply text");
    if (d.mark) {
        char mark[2048];
        struct ds_mark mk = {.pass = d.result == DS_RESULT_PASS,
                             .reason = ds_reason_name(d.reason),
                             .domain = domain,
                             .peer = tls.peer_cn,
                             .issuer = tls.issuer_cn,
                             .tls = tls.version,
                             .connector = conn ? conn->name : NULL};
        ds_mark_format(mark, sizeof(mark), &mk);
        check_text(mark, "mark");
    }
    ds_fuzz_fields_free(f, F_COUNT);
    return 0;
}

DS_FUZZ_TARGET("decide", init, one)
