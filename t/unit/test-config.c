/*
 * test-config.c - configuration loading: defaults, normalisation, every
 * kind of error with its real file:line and hint, include(), and line
 * numbers in comment-heavy files (libconfuse 3.3 miscounts them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsconfig.h"
#include "tap.h"

static char dir[] = "/tmp/ds-test-config-XXXXXX";

static const char *path_of(const char *name)
{
    static char buf[4][512];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
    return buf[i];
}

static const char *write_file(const char *name, const char *text)
{
    const char *p = path_of(name);
    FILE *fp = fopen(p, "w");
    if (fp == NULL) {
        perror(p);
        exit(1);
    }
    fputs(text, fp);
    fclose(fp);
    return p;
}

/* Load text; returns the config or NULL, diagnostics in *d. */
static struct ds_config *load(const char *text, struct ds_diag *d)
{
    memset(d, 0, sizeof(*d));
    return ds_config_load(write_file("domsec.conf", text), d);
}

/* The first diagnostic as one line, "" when none. */
static const char *first(const struct ds_diag *d)
{
    static char buf[2048];
    if (d->n == 0)
        return "";
    return ds_diag_format(&d->v[0], buf, sizeof(buf));
}

/* Expect a failed load whose first error contains `want`. */
static void expect_error(const char *text, const char *want,
                         const char *hint_part, const char *what)
{
    struct ds_diag d;
    struct ds_config *c = load(text, &d);
    int good = c == NULL && d.nerrors > 0 && strstr(first(&d), want) != NULL;
    if (good && hint_part)
        good = d.v[0].hint && strstr(d.v[0].hint, hint_part);
    if (!ok(good, "%s", what)) {
        tap_diag("want: %s (hint ~ %s)", want, hint_part ? hint_part : "-");
        for (size_t i = 0; i < d.n; i++) {
            char buf[2048];
            tap_diag("got:  %s | hint: %s",
                     ds_diag_format(&d.v[i], buf, sizeof(buf)),
                     d.v[i].hint ? d.v[i].hint : "-");
        }
    }
    ds_config_free(c);
    ds_diag_free(&d);
}

/* The example configuration, with the partner CA file it names (which a
 * test machine does not have: ds_config_load reads it) left unset. */
static const char *example_copy(void)
{
    char path[512], text[16384];
    snprintf(path, sizeof(path), "%s/etc/domsec.conf",
             getenv("top_srcdir") ? getenv("top_srcdir") : ".");
    FILE *fp = fopen(path, "r");
    size_t n = fp ? fread(text, 1, sizeof(text) - 1, fp) : 0;
    if (fp)
        fclose(fp);
    text[n] = '\0';
    const char *from = "\"/etc/domsec/partner-cas.pem\"";
    char *at = strstr(text, from);
    if (at) {
        memcpy(at, "\"\"", 2);
        memmove(at + 2, at + strlen(from), strlen(at + strlen(from)) + 1);
    }
    return write_file("example.conf", text);
}

static void test_example(void)
{
    struct ds_diag d;
    memset(&d, 0, sizeof(d));
    struct ds_config *c = ds_config_load(example_copy(), &d);
    if (!ok(c != NULL, "etc/domsec.conf loads"))
        ds_diag_print(&d, stdout);
    if (c) {
        ok(ds_domainset_match(&c->receive_list, "woodgrovebank.com") != NULL,
           "example: woodgrovebank.com on the receive list");
        ok(c->nrecv >= 1 && c->recv[0].domain_secure,
           "example: first receive connector is domain-secure");
    }
    ds_config_free(c);
    ds_diag_free(&d);
}

static void test_defaults(void)
{
    struct ds_diag d;
    struct ds_config *c = load("server { fqdn = \"Mail1.Contoso.com.\" }\n"
                               "receive_connector \"Inet\" { }\n"
                               "send_connector \"Internet\" {\n"
                               "  address_spaces = { \"*\" }\n}\n",
                               &d);
    if (!ok(c != NULL, "minimal config loads"))
        ds_diag_print(&d, stdout);
    if (c == NULL)
        return;
    is_str(c->server.fqdn, "mail1.contoso.com", "server.fqdn normalised");
    is_str(c->server.hostname, "mail1", "hostname defaults to first label");
    is_str(c->server.physical_fqdn, "mail1.contoso.com",
           "physical_fqdn defaults to fqdn");
    is_str(c->server.physical_hostname, "mail1",
           "physical_hostname defaults to first label");
    is_str(c->server.trust_store, "/etc/ssl/certs/ca-certificates.crt",
           "trust_store default");
    is_int(c->server.rules, DS_RULES_2016, "selection_rules default 2016");
    is_int(c->server.expiry_warning_days, 30, "expiry_warning_days default");
    ok(c->server.internal_certificate == NULL, "internal_certificate unset");
    ok(c->partner_trust_store == NULL, "partner_trust_store has no default");
    is_str(c->recv[0].daemon_name, "Inet", "daemon_name defaults to title");
    is_str(c->recv[0].fqdn, "mail1.contoso.com",
           "receive fqdn defaults to physical_fqdn");
    ok(!c->recv[0].domain_secure, "domain_secure_enabled defaults to false");
    is_int(c->recv[0].auth, DS_AUTH_TLS, "auth_mechanism defaults to tls");
    is_str(c->send[0].fqdn, "mail1.contoso.com",
           "send fqdn defaults to server.fqdn");
    ok(c->send[0].dns_routing, "dns_routing_enabled defaults to true");
    is_int(c->send[0].port, 25, "port defaults to 25");
    is_str(c->milter.socket, "unix:/run/domsec/milter.sock",
           "milter.socket default");
    is_int(c->milter.socket_mode, 0660, "socket_mode default 0660");
    ok(c->milter.user == NULL, "milter.user default empty");
    is_int(c->milter.mode, DS_MODE_ENFORCE, "mode default enforce");
    is_int(c->milter.action, DS_ACTION_REJECT, "action default reject");
    is_int(c->milter.peer_match, DS_PEER_SUBDOMAIN,
           "peer_match default subdomain");
    is_str(c->milter.header, "X-Domain-Secure", "header default");
    ok(c->milter.default_connector == NULL, "default_connector default empty");
    is_int(c->milter.mta, DS_MTA_AUTO, "mta default auto");
    ok(c->milter.metrics_file == NULL, "metrics_file default none");
    ds_config_free(c);
    ds_diag_free(&d);
}

static void test_lists(void)
{
    struct ds_diag d;
    struct ds_config *c =
        load("transport {\n"
             "  tls_receive_domain_secure_list = { \"WoodGroveBank.COM.\",\n"
             "      \"b\xc3\xbc"
             "cher.example\", \".Fabrikam.com\",\n"
             "      \"woodgrovebank.com\" }\n"
             "  tls_send_domain_secure_list = { \"woodgrovebank.com\" }\n"
             "}\n"
             "send_connector \"Internet\" {\n"
             "  address_spaces = { \"*\" }\n"
             "  domain_secure_enabled = true\n"
             "}\n"
             "partner \"WOODGROVEBANK.com\" {\n"
             "  peer_names = { \"Mail.WoodGroveBank.com\" }\n"
             "  issuers = { \"Woodgrove Issuing CA\" }\n"
             "  action = \"tempfail\"\n"
             "}\n",
             &d);
    if (!ok(c != NULL, "lists load"))
        ds_diag_print(&d, stdout);
    if (c == NULL)
        return;
    is_int(c->receive_names.n, 3, "duplicate list entry collapsed");
    ok(ds_domainset_match(&c->receive_list, "woodgrovebank.com") != NULL,
       "upper case and trailing dot normalised");
    ok(ds_domainset_match(&c->receive_list, "xn--bcher-kva.example") != NULL,
       "IDN entry stored as A-label");
    ok(ds_domainset_match(&c->receive_list, "eu.fabrikam.com") != NULL,
       "suffix entry covers a subdomain");
    ok(ds_domainset_match(&c->receive_list, "fabrikam.com") == NULL,
       "suffix entry does not cover the domain");
    const struct ds_domainset_entry *e =
        ds_domainset_match(&c->receive_list, "woodgrovebank.com");
    const struct ds_partner *p = e ? e->value : NULL;
    ok(p != NULL, "partner attached to its list entry");
    if (p) {
        is_str(p->peer_names.v[0], "mail.woodgrovebank.com",
               "peer_names normalised");
        is_str(p->issuers.v[0], "Woodgrove Issuing CA", "issuers kept");
        ok(p->has_action && p->action == DS_ACTION_TEMPFAIL, "partner action");
    }
    ds_config_free(c);
    ds_diag_free(&d);

    c = load("transport { tls_receive_domain_secure_list = { \"a.com\" } }\n"
             "partner \"b.com\" { }\n",
             &d);
    /* (and the list has no domain-secure connector: warning
     * receive-list-unused) */
    ok(c != NULL && d.nerrors == 0 && d.n == 2 &&
           d.v[0].code == DS_CODE_PARTNER_UNLISTED &&
           strstr(first(&d), "domsec.conf:2: warning: partner \"b.com\""),
       "partner not on the list: warning at its line");
    ds_config_free(c);
    ds_diag_free(&d);
}

static void test_errors(void)
{
    expect_error("server {\n  fqdn = \"a.example\"\n  bogus = 1\n}\n",
                 "domsec.conf:3: error: server: no such option 'bogus'",
                 "options allowed in server", "unknown option, its line");
    expect_error("receive_connector \"Inet\" {\n"
                 "  tls_certificate_nme = \"x\"\n}\n",
                 "domsec.conf:2: error: receive_connector \"Inet\": no such "
                 "option 'tls_certificate_nme'",
                 "did you mean 'tls_certificate_name'?",
                 "misspelt option: did-you-mean hint");
    expect_error("server { expiry_warning_days = \"soon\" }\n",
                 "domsec.conf:1: error: server: invalid integer value",
                 "whole number", "bad type: integer");
    expect_error("\n\nreceive_connector \"Inet\" {\n"
                 "  domain_secure_enabled = maybe\n}\n",
                 "domsec.conf:4: error: receive_connector \"Inet\": invalid "
                 "boolean value",
                 "true or false", "bad type: boolean");
    expect_error("milter {\n  action = \"drop\"\n}\n",
                 "domsec.conf:2: error: milter: action: invalid value "
                 "\"drop\"",
                 "reject, tempfail, quarantine", "bad enum: action");
    expect_error("milter { mode = \"off\" }\n", "invalid value \"off\"",
                 "enforce, monitor", "bad enum: mode");
    expect_error("milter { peer_match = \"exact\" }\n",
                 "invalid value \"exact\"", "domain, subdomain",
                 "bad enum: peer_match");
    expect_error("server { selection_rules = \"2013\" }\n",
                 "invalid value \"2013\"", "2016, 2007",
                 "bad enum: selection_rules");
    expect_error("receive_connector \"A\" { auth_mechanism = { \"tls\", "
                 "\"kerberos\" } }\n",
                 "unknown mechanism \"kerberos\"", "exchange_server",
                 "bad enum in a list: auth_mechanism");
    expect_error("certificate \"c\" { cert = \"/x.pem\"\n"
                 "  services = { \"smtp\", \"smpt\" } }\n",
                 "domsec.conf:2: error: certificate \"c\": services: "
                 "unknown service \"smpt\"",
                 "smtp", "bad enum: services");
    expect_error("receive_connector \"Inet\" { }\n"
                 "receive_connector \"Inet\" { }\n",
                 "duplicate title 'Inet'", "own title", "duplicate connector");
    expect_error("receive_connector \"A\" { daemon_name = \"smtpd\" }\n"
                 "receive_connector \"B\" {\n  daemon_name = \"smtpd\"\n}\n",
                 "domsec.conf:3: error: receive_connector \"B\": daemon_name: "
                 "daemon_name \"smtpd\" is also used by receive_connector "
                 "\"A\"",
                 "milter_macro_daemon_name", "duplicate daemon_name");
    expect_error("receive_connector \"Inet\" {\n"
                 "  auth_mechanism = { \"exchange_server\" }\n"
                 "  domain_secure_enabled = true\n}\n",
                 "domsec.conf:3: error: receive_connector \"Inet\": "
                 "domain_secure_enabled: domain security needs TLS",
                 "add \"tls\" to auth_mechanism",
                 "contradiction: domain security without tls");
    expect_error("send_connector \"S\" {\n  smart_hosts = { \"relay\" }\n}\n",
                 "domsec.conf:2: error: send_connector \"S\": smart_hosts: "
                 "smart hosts are given, but dns_routing_enabled is true",
                 "dns_routing_enabled = false",
                 "contradiction: smart hosts with DNS routing");
    expect_error("transport {\n tls_receive_domain_secure_list = {\n"
                 "   \"ok.example\", \"bad_domain.example\" }\n}\n",
                 "domsec.conf:3: error: transport: "
                 "tls_receive_domain_secure_list: \"bad_domain.example\": "
                 "invalid character",
                 "woodgrovebank.com", "bad domain in a list: its own line");
    expect_error("server { internal_certificate = \"E8DA0627\" }\n",
                 "is not a SHA-1 thumbprint", "40 hex digits",
                 "bad thumbprint");
    char longname[400];
    snprintf(longname, sizeof(longname),
             "receive_connector \"A\" { tls_certificate_name = "
             "\"<I>CN=%0250d<S>CN=x\" }\n",
             0);
    expect_error(longname, "longer than 256", "256 characters",
                 "tls_certificate_name over 256 characters");
    expect_error("receive_connector \"A\" { tls_certificate_name = "
                 "\"CN=mail.contoso.com\" }\n",
                 "is not of the form <I>issuer<S>subject", "<I>issuer DN",
                 "tls_certificate_name without <I>/<S>");
    expect_error("milter { default_connector = \"Nope\" }\n",
                 "no receive_connector \"Nope\"", "receive_connector",
                 "default_connector naming nothing");
    expect_error("milter { socket = \"tcp:25\" }\n", "is not a milter socket",
                 "inet:8895@127.0.0.1", "bad socket spec");
    expect_error("milter { socket_mode = \"rw\" }\n", "is not a file mode",
                 "octal", "bad socket_mode");
    expect_error("milter { header = \"X-Bad: x\" }\n",
                 "is not a header field name", "X-Domain-Secure",
                 "bad header name");
    expect_error("\nserver {\n  fqdn = \"a.example\"\n",
                 "domsec.conf:2: error: section server is not closed",
                 "closing brace", "unterminated section");
    expect_error("server { }\n}\n", "domsec.conf:2: error:", NULL,
                 "unbalanced closing brace");

    struct ds_diag d = {0};
    struct ds_config *c = ds_config_load(path_of("missing.conf"), &d);
    ok(c == NULL && strstr(first(&d), "missing.conf: error: cannot read the "
                                      "configuration: No such file"),
       "missing file: error names the file");
    ds_diag_free(&d);

    if (geteuid() != 0) {
        const char *p = write_file("noperm.conf", "server { }\n");
        chmod(p, 0);
        memset(&d, 0, sizeof(d));
        c = ds_config_load(p, &d);
        ok(c == NULL && strstr(first(&d), "Permission denied"),
           "unreadable file: permission error");
        ds_diag_free(&d);
    }
    /* root reads anything; a directory is unreadable for everyone */
    mkdir(path_of("adir"), 0755);
    memset(&d, 0, sizeof(d));
    c = ds_config_load(path_of("adir"), &d);
    ok(c == NULL && strstr(first(&d), "Is a directory"),
       "unreadable file (a directory): the reason is given");
    ds_diag_free(&d);
}

static void test_comment_lines(void)
{
    /* libconfuse 3.3 adds 2 per one-line comment and 1 per C comment. */
    expect_error("# one\n# two\n// three\n/* four\n   five */\n"
                 "server { # six\n  fqdn = \"a.example\" // seven\n"
                 "  /* eight */ bogus = 1\n}\n",
                 "domsec.conf:8: error: server: no such option 'bogus'", NULL,
                 "line right after # // /* */ comments");
    expect_error("# c\n# c\n# c\n# c\n# c\n# c\n# c\n# c\n# c\n# c\n"
                 "receive_connector \"Inet\" { # c\n"
                 "  # c\n"
                 "  auth_mechanism = { \"exchange_server\" } # c\n"
                 "  # c\n"
                 "  domain_secure_enabled = true\n}\n",
                 "domsec.conf:15: error: receive_connector \"Inet\": "
                 "domain_secure_enabled",
                 NULL,
                 "validation error located right in a comment-heavy file");
    expect_error("server {\n  fqdn = \"a # not a comment\"\n"
                 "  # real comment\n  bogus = 1\n}\n",
                 "domsec.conf:4:", NULL, "# inside a string is not a comment");
}

static void test_include(void)
{
    mkdir(path_of("lists"), 0755);
    write_file("lists/partners.conf",
               "# the partner list, edited by the partner team\n"
               "tls_receive_domain_secure_list = { \"woodgrovebank.com\",\n"
               "  \"fabrikam.com\" }\n");
    struct ds_diag d;
    struct ds_config *c = load("# main\ntransport {\n"
                               "  include(\"lists/partners.conf\")\n}\n",
                               &d);
    if (!ok(c != NULL, "include() relative to the including file"))
        ds_diag_print(&d, stdout);
    if (c)
        ok(ds_domainset_match(&c->receive_list, "fabrikam.com") != NULL,
           "included list entries loaded");
    ds_config_free(c);
    ds_diag_free(&d);

    write_file("lists/bad.conf",
               "# comment\n# comment\n\n"
               "tls_receive_domain_secure_list = { \"ok.example\" }\n"
               "tls_recieve_domain_secure_list = { \"x.example\" }\n");
    char want[600];
    snprintf(want, sizeof(want),
             "%s:5: error: transport: no such option "
             "'tls_recieve_domain_secure_list'",
             path_of("lists/bad.conf"));
    expect_error("transport {\n  include(\"lists/bad.conf\")\n}\n", want,
                 "did you mean",
                 "error in an included file: its name, real "
                 "line");
    expect_error("include(\"lists/none.conf\")\n", "lists/none.conf", NULL,
                 "missing included file is an error");

    /* after a failed include, a good config still loads (lexer reset) */
    c = load("transport {\n  include(\"lists/partners.conf\")\n}\n", &d);
    ok(c != NULL, "load after a failed include works");
    ds_config_free(c);
    ds_diag_free(&d);
}

static void test_paths(void)
{
    mkdir(path_of("sub"), 0755);
    write_file("sub/certs.conf", "certificate \"a\" {\n"
                                 "  cert = \"certs/a.pem\"\n"
                                 "  key = \"/abs/a.key\"\n}\n");
    struct ds_diag d;
    struct ds_config *c = load("server {\n  trust_store = \"cas.pem\"\n}\n"
                               "include(\"sub/certs.conf\")\n",
                               &d);
    if (!ok(c != NULL && c->ncerts == 1, "paths: config loads"))
        ds_diag_print(&d, stdout);
    if (c && c->ncerts == 1) {
        is_str(c->certs[0].cert, path_of("sub/certs/a.pem"),
               "relative cert path: relative to the file that names it");
        is_str(c->certs[0].key, "/abs/a.key", "absolute key path kept");
        ok(c->certs[0].chain == NULL, "unset chain is NULL");
        is_str(c->server.trust_store, path_of("cas.pem"),
               "relative trust_store: relative to the main file");
        is_int(c->server.where_trust_store.line, 2,
               "trust_store: line where it is written");
        is_int(c->certs[0].where_cert.line, 2, "cert: line in included file");
        is_str(c->certs[0].where_cert.file, path_of("sub/certs.conf"),
               "cert: included file named");
    }
    ds_config_free(c);
    ds_diag_free(&d);
}

static void test_titles(void)
{
    struct ds_diag d;
    struct ds_config *c =
        load("receive_connector \"A \\\"quoted\\\" {x}\" {\n"
             "  fqdn = \"a.example\"\n}\n"
             "receive_connector \"B\"\n{\n  fqdn = \"b.example\"\n}\n"
             "send_connector 'single' { address_spaces = { \"*\" } }\n",
             &d);
    if (!ok(c != NULL && c->nrecv == 2 && c->nsend == 1,
            "titles: quotes, braces, brace on the next line, '...'"))
        ds_diag_print(&d, stdout);
    if (c && c->nrecv == 2 && c->nsend == 1) {
        is_str(c->recv[0].name, "A \"quoted\" {x}", "title with escapes kept");
        is_str(c->recv[0].fqdn, "a.example", "its options are its own");
        is_str(c->recv[1].name, "B", "title before a brace on the next line");
        is_int(c->recv[1].where.line, 4, "that section's line");
        is_str(c->send[0].name, "single", "single-quoted title");
    }
    ds_config_free(c);
    ds_diag_free(&d);

    expect_error("receive_connector \"A\" { }\n\n"
                 "receive_connector \"A\" { }\n",
                 "domsec.conf:3: error: receive_connector \"A\": found "
                 "duplicate title 'A'",
                 "own title", "duplicate title: at the second one");
    expect_error("server { }\ncertificate {\n  cert = \"/x.pem\"\n}\n",
                 "domsec.conf:2: error: certificate: the section has no title",
                 "name \"title\"", "titled section without a title");
    expect_error("certificate \"a\" {\n  __title = \"b\"\n}\n",
                 "domsec.conf:2: error: no such option '__title'", NULL,
                 "the reserved title option cannot be written");
    expect_error("certificate \"a\" {\n  crt = \"/x.pem\"\n}\n",
                 "certificate \"a\": no such option 'crt'", "'cert'",
                 "error inside a titled section names the title");
    expect_error("certificate \"a\" { zzzzzz = 1 }\n",
                 "no such option 'zzzzzz'", "allowed in certificate: cert,",
                 "hint lists the options, not the hidden one");
}

/* The first item with this code, or NULL. */
static const struct ds_diag_item *with_code(const struct ds_diag *d,
                                            enum ds_code code)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i].code == code)
            return &d->v[i];
    return NULL;
}

/* Load text; the first item with `code` at `line`, and a failed load. */
static void expect_code(const char *text, enum ds_code code, int line,
                        const char *what)
{
    struct ds_diag d;
    struct ds_config *c = load(text, &d);
    const struct ds_diag_item *it = with_code(&d, code);
    if (!ok(c == NULL && it && it->line == line, "%s: %s at line %d", what,
            ds_code_name(code), line))
        ds_diag_print(&d, stdout);
    ds_config_free(c);
    ds_diag_free(&d);
}

/* What the reader checks before and while it reads: the kind of file,
 * strings left open, options set twice, the line of every list value. */
static void test_reader(void)
{
    struct ds_diag d;
    struct ds_config *c;

    mkfifo(path_of("fifo.conf"), 0644);
    memset(&d, 0, sizeof(d));
    c = ds_config_load(path_of("fifo.conf"), &d);
    ok(c == NULL && d.n == 1 && d.v[0].code == DS_CODE_CONFIG_NOT_REGULAR,
       "a FIFO given as the file: refused before reading, without blocking");
    ds_diag_free(&d);

    expect_code("server {\n  fqdn = \"a.example\"\n  hostname = \"mail\n"
                "  physical_fqdn = \"b.example\"\n}\n",
                DS_CODE_UNTERMINATED_STRING, 3, "a string left open on line 3");
    expect_code("server {\n  fqdn = \"a.example\n}\n",
                DS_CODE_UNTERMINATED_STRING, 2, "... or at the end");
    expect_code("server {\n  fqdn = \"a.example\"\n  hostname = \"a\"\n"
                "  fqdn = \"b.example\"\n}\n",
                DS_CODE_DUPLICATE_OPTION, 4, "an option set twice");
    expect_code(
        "milter { mode = \"monitor\" }\nmilter { action = \"reject\" }\n",
        DS_CODE_DUPLICATE_OPTION, 2, "an untitled section given twice");
    expect_code("send_connector \"S\" {\n  address_spaces = { \"*\" }\n"
                "  port = 587;\n}\n",
                DS_CODE_WRONG_TYPE, 3, "port = 587;");

    c = load("transport {\n  tls_send_domain_secure_list = { \"a.example\" }\n"
             "  tls_send_domain_secure_list += { \"b.example\",\n"
             "    \"c.example\" }\n}\n"
             "send_connector \"Out\" {\n  address_spaces = { \"*\" }\n"
             "  domain_secure_enabled = true\n}\n",
             &d);
    ok(c != NULL && c->send_names.n == 3, "+= appends to a list");
    if (c && c->send_names.n == 3)
        ok(c->send_where[0].line == 2 && c->send_where[1].line == 3 &&
               c->send_where[2].line == 4,
           "every value of the list, also appended ones, at its own line");
    ds_config_free(c);
    ds_diag_free(&d);

    mkdir(path_of("lists"), 0755);
    write_file("lists/long.conf", "tls_receive_domain_secure_list = {\n"
                                  "  \"a.example\",\n"
                                  "  \"bad_name.example\" }\n");
    c = load("transport {\n  include(\"lists/long.conf\")\n}\n", &d);
    const struct ds_diag_item *it = with_code(&d, DS_CODE_INVALID_DOMAIN);
    ok(c == NULL && it && it->line == 3 && it->file &&
           strcmp(it->file, path_of("lists/long.conf")) == 0,
       "a bad value in an included list: that file, its line");
    ds_config_free(c);
    ds_diag_free(&d);
}

/* Connectors: names without case, bindings and smart hosts parsed. */
static void test_connectors(void)
{
    struct ds_diag d;
    struct ds_config *c;
    expect_code("receive_connector \"Default Frontend\" { }\n"
                "receive_connector \"default frontend\" {\n"
                "  daemon_name = \"x\"\n}\n",
                DS_CODE_DUPLICATE_NAME, 2,
                "connector names that differ only in case");
    c = load("receive_connector \"Default Frontend\" {\n"
             "  bindings = { \"0.0.0.0:25\", \"[::1]:587\" }\n}\n"
             "milter { default_connector = \"DEFAULT FRONTEND\" }\n",
             &d);
    if (!ok(c != NULL, "default_connector names a connector without case"))
        ds_diag_print(&d, stdout);
    if (c) {
        ok(ds_config_recv_by_name(c, "default frontend") == &c->recv[0],
           "connectors are found by name without case");
        ok(c->recv[0].nbinds == 2 && c->recv[0].binds[1].v6 &&
               c->recv[0].binds[1].port == 587 &&
               c->recv[0].binds[1].where.line == 2,
           "bindings parsed, each with its line");
    }
    ds_config_free(c);
    ds_diag_free(&d);
    expect_code(
        "receive_connector \"A\" {\n  bindings = { \"0.0.0.0:25\" }\n}\n"
        "receive_connector \"B\" {\n  bindings = {\n"
        "    \"127.0.0.1:25\" }\n}\n",
        DS_CODE_DUPLICATE_BINDING, 6,
        "an address under a wildcard on the same port");
    expect_code("receive_connector \"A\" {\n  bindings = {\n"
                "    \"127.0.0.1:25\",\n    \"not-an-address\" }\n}\n",
                DS_CODE_INVALID_BINDING, 4, "a binding that is not one");

    c = load("send_connector \"Relay\" {\n  address_spaces = { \"*\" }\n"
             "  dns_routing_enabled = false\n"
             "  smart_hosts = { \"[192.0.2.25]:2525\", \"relay.example\" }\n"
             "  port = 587\n}\n",
             &d);
    ok(c == NULL && with_code(&d, DS_CODE_SMART_HOST_PORT) &&
           with_code(&d, DS_CODE_SMART_HOST_PORT)->line == 4,
       "a smart host's port that differs from the connector's: error");
    ds_config_free(c);
    ds_diag_free(&d);
    c = load(
        "send_connector \"Relay\" {\n  address_spaces = { \"*\" }\n"
        "  dns_routing_enabled = false\n"
        "  smart_hosts = { \"[192.0.2.25]:2525\", \"relay.example\" }\n}\n",
        &d);
    if (!ok(c != NULL && c->send[0].nhosts == 2, "smart hosts parsed"))
        ds_diag_print(&d, stdout);
    if (c && c->send[0].nhosts == 2) {
        ok(c->send[0].hosts[0].port == 2525 && c->send[0].hosts[0].own_port,
           "a host's own port");
        ok(c->send[0].hosts[1].port == 25 && !c->send[0].hosts[1].own_port &&
               !c->send[0].port_set,
           "the connector's port (25, not written) for the others");
    }
    ds_config_free(c);
    ds_diag_free(&d);
    expect_code("send_connector \"Relay\" {\n  address_spaces = { \"*\" }\n"
                "  dns_routing_enabled = false\n"
                "  smart_hosts = { \"relay.example\",\n"
                "                  \"[[192.0.2.25]:2525]\" }\n}\n",
                DS_CODE_INVALID_SMART_HOST, 5, "a smart host in no form");
    expect_code("transport {\n  tls_send_domain_secure_list = {\n"
                "    \"a.example\" }\n}\n",
                DS_CODE_SEND_UNCOVERED, 3,
                "a send-list domain no domain-secure connector covers");
}

int main(void)
{
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    test_example();
    test_defaults();
    test_lists();
    test_errors();
    test_comment_lines();
    test_include();
    test_paths();
    test_titles();
    test_reader();
    test_connectors();
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        tap_diag("could not remove %s", dir);
    return tap_done();
}
