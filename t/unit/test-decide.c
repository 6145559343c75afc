/*
 * test-decide.c - the milter's decision table (doc/design.md) over every row:
 * connector off, null/unlisted/unparseable sender, no TLS, unverified
 * certificate, name mismatch (peer_match domain/subdomain, wildcards,
 * partner peer_names and issuers), pass; enforce vs monitor; reject,
 * tempfail, quarantine and the partner's own action; unknown
 * {daemon_name} with and without default_connector. Configurations are
 * loaded with the real ds_config_load().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsconfig.h"
#include "decide.h"
#include "tap.h"

static char dir[] = "/tmp/ds-test-decide-XXXXXX";

static struct ds_config *load(const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/domsec.conf", dir);
    FILE *fp = fopen(path, "w");
    if (fp == NULL) {
        perror(path);
        exit(1);
    }
    fputs(text, fp);
    fclose(fp);
    struct ds_diag d = {0};
    struct ds_config *c = ds_config_load(path, &d);
    if (c == NULL) {
        ds_diag_print(&d, stdout);
        printf("Bail out! test configuration does not load\n");
        exit(1);
    }
    ds_diag_free(&d);
    return c;
}

#define BASE                                                                   \
    "server { fqdn = \"mail1.contoso.test\" }\n"                               \
    "transport { tls_receive_domain_secure_list = { \"woodgrovebank.com\", "   \
    "\".fabrikam.com\", \"tailspintoys.com\" } }\n"                            \
    "receive_connector \"Inet\" { domain_secure_enabled = true }\n"            \
    "receive_connector \"Internal\" { daemon_name = \"ORIGINATING\" "          \
    "domain_secure_enabled = false }\n"                                        \
    "partner \"tailspintoys.com\" { peer_names = { \"mx.tailspintoys.com\", "  \
    "\"*.out.tailspintoys.com\" } issuers = { \"Tailspin CA\" } action = "     \
    "\"tempfail\" }\n"

static const struct ds_tls no_tls = {false, false, NULL, NULL, NULL};
static const struct ds_tls tls_unverified = {true, false, "TLSv1.3", NULL,
                                             NULL};

static struct ds_tls verified(const char *cn, const char *issuer)
{
    struct ds_tls t = {true, true, "TLSv1.3", cn, issuer};
    return t;
}

/* Decide for sender domain d on daemon name `daemon`. */
static void decide(const struct ds_config *c, const char *daemon, const char *d,
                   const struct ds_tls *t, struct ds_decision *out)
{
    bool known;
    struct ds_decide_in in = {
        .milter = &c->milter,
        .connector = ds_decide_connector(c, daemon, &known),
        .receive_list = &c->receive_list,
        .domain = d,
        .tls = t,
    };
    ds_decide(&in, out);
}

static void expect(const struct ds_config *c, const char *daemon, const char *d,
                   struct ds_tls t, enum ds_result result,
                   enum ds_reason reason, int event, const char *action,
                   const char *reply, const char *what)
{
    struct ds_decision dec;
    decide(c, daemon, d, &t, &dec);
    char got[700];
    snprintf(got, sizeof(got), "%s %s %d %s%s%s%s%s%s",
             ds_result_name(dec.result), ds_reason_name(dec.reason), dec.event,
             ds_decision_action(&dec), dec.code[0] ? " | " : "", dec.code,
             dec.code[0] ? " " : "", dec.xcode, "");
    if (dec.text[0] && dec.code[0]) {
        strncat(got, " ", sizeof(got) - strlen(got) - 1);
        strncat(got, dec.text, sizeof(got) - strlen(got) - 1);
    }
    char want[700];
    snprintf(want, sizeof(want), "%s %s %d %s%s%s", ds_result_name(result),
             ds_reason_name(reason), event, action, reply ? " | " : "",
             reply ? reply : "");
    is_str(got, want, "%s", what);
}

static const char *R550(const char *d, const char *why)
{
    static char buf[4][300];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof(buf[i]),
             "550 5.7.1 Domain Security: %s requires mutual TLS (%s)", d, why);
    return buf[i];
}

static const char *R451(const char *d, const char *why)
{
    static char buf[4][300];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof(buf[i]),
             "451 4.7.1 Domain Security: %s requires mutual TLS (%s)", d, why);
    return buf[i];
}

static void test_table(void)
{
    struct ds_config *c = load(BASE);
    const char *W = "woodgrovebank.com";

    /* No enforcement rows. */
    expect(c, "ORIGINATING", W, no_tls, DS_RESULT_NONE,
           DS_REASON_NOT_DOMAIN_SECURE, 0, "accept", NULL,
           "connector with domain security off: no enforcement");
    expect(c, "Inet", "", no_tls, DS_RESULT_NONE, DS_REASON_NULL_SENDER, 0,
           "accept", NULL, "null sender: no enforcement");
    expect(c, "Inet", NULL, no_tls, DS_RESULT_NONE, DS_REASON_BAD_SENDER, 0,
           "accept", NULL, "unparseable sender domain: never listed");
    expect(c, "Inet", "example.net", no_tls, DS_RESULT_NONE, DS_REASON_UNLISTED,
           0, "accept", NULL, "unlisted: no enforcement");
    expect(c, "Inet", "fabrikam.com", no_tls, DS_RESULT_NONE,
           DS_REASON_UNLISTED, 0, "accept", NULL,
           ".fabrikam.com does not cover fabrikam.com");

    /* Failures, in table order. */
    expect(c, "Inet", W, no_tls, DS_RESULT_FAIL, DS_REASON_TLS_NOT_STARTED,
           11012, "reject", R550(W, "tls-not-started"),
           "listed, no TLS: 550 tls-not-started, event 11012");
    expect(c, "Inet", W, tls_unverified, DS_RESULT_FAIL, DS_REASON_NOT_VERIFIED,
           0, "reject", R550(W, "certificate-not-verified"),
           "TLS without verified certificate: certificate-not-verified");
    struct ds_tls unverified_named = {true, false, "TLSv1.3",
                                      "woodgrovebank.com", "CA"};
    expect(c, "Inet", W, unverified_named, DS_RESULT_FAIL,
           DS_REASON_NOT_VERIFIED, 0, "reject",
           R550(W, "certificate-not-verified"),
           "right name but not verified: still not verified");
    expect(c, "Inet", W, verified("mail.attacker.example", "CA"),
           DS_RESULT_FAIL, DS_REASON_SUBJECT_MISMATCH, 11015, "reject",
           R550(W, "certificate-subject-mismatch"),
           "verified, another name: mismatch, event 11015");
    expect(c, "Inet", W, verified(NULL, "CA"), DS_RESULT_FAIL,
           DS_REASON_SUBJECT_MISMATCH, 11015, "reject",
           R550(W, "certificate-subject-mismatch"),
           "verified but no usable name: mismatch");
    expect(c, "Inet", W, verified("evilwoodgrovebank.com", NULL),
           DS_RESULT_FAIL, DS_REASON_SUBJECT_MISMATCH, 11015, "reject",
           R550(W, "certificate-subject-mismatch"),
           "suffix without a label boundary: mismatch");
    expect(c, "Inet", W, verified("*.com", NULL), DS_RESULT_FAIL,
           DS_REASON_SUBJECT_MISMATCH, 11015, "reject",
           R550(W, "certificate-subject-mismatch"),
           "wildcard over a public suffix: mismatch");
    expect(c, "Inet", W, verified("Woodgrove Bank", NULL), DS_RESULT_FAIL,
           DS_REASON_SUBJECT_MISMATCH, 11015, "reject",
           R550(W, "certificate-subject-mismatch"),
           "CN that is not a host name: mismatch");

    /* Passes. */
    expect(c, "Inet", W, verified("woodgrovebank.com", "CA"), DS_RESULT_PASS,
           DS_REASON_PASS, 0, "mark", NULL, "verified, the domain: pass");
    expect(c, "Inet", W, verified("mail.woodgrovebank.com", "CA"),
           DS_RESULT_PASS, DS_REASON_PASS, 0, "mark", NULL,
           "verified, a host under it (subdomain): pass");
    expect(c, "Inet", W, verified("Mail.WoodgroveBank.com.", "CA"),
           DS_RESULT_PASS, DS_REASON_PASS, 0, "mark", NULL,
           "CN case and trailing dot do not matter");
    expect(c, "Inet", W, verified("*.woodgrovebank.com", "CA"), DS_RESULT_PASS,
           DS_REASON_PASS, 0, "mark", NULL,
           "wildcard CN under the domain counts in subdomain mode");
    expect(c, "Inet", "eu.fabrikam.com", verified("mx.eu.fabrikam.com", "CA"),
           DS_RESULT_PASS, DS_REASON_PASS, 0, "mark", NULL,
           "sender under a .fabrikam.com entry with a matching name: pass");
    expect(c, "Inet", "eu.fabrikam.com", verified("mx.fabrikam.com", "CA"),
           DS_RESULT_FAIL, DS_REASON_SUBJECT_MISMATCH, 11015, "reject",
           R550("eu.fabrikam.com", "certificate-subject-mismatch"),
           "the name must cover the sender domain, not the list entry");

    /* Unknown {daemon_name}: no default connector -> enforced. */
    expect(c, "Unknown", W, no_tls, DS_RESULT_FAIL, DS_REASON_TLS_NOT_STARTED,
           11012, "reject", R550(W, "tls-not-started"),
           "unknown daemon_name without default_connector: enforced");
    expect(c, NULL, W, no_tls, DS_RESULT_FAIL, DS_REASON_TLS_NOT_STARTED, 11012,
           "reject", R550(W, "tls-not-started"),
           "no daemon_name at all: enforced");
    bool known = true;
    ok(ds_decide_connector(c, "Unknown", &known) == NULL && !known,
       "unknown daemon_name: no connector");
    ds_config_free(c);

    /* Unknown {daemon_name} with a default connector: its setting. */
    c = load(BASE "milter { default_connector = \"Internal\" }\n");
    expect(c, "Unknown", W, no_tls, DS_RESULT_NONE, DS_REASON_NOT_DOMAIN_SECURE,
           0, "accept", NULL,
           "unknown daemon_name, default_connector off: no enforcement");
    const struct ds_recv_connector *r =
        ds_decide_connector(c, "Unknown", &known);
    ok(r != NULL && strcmp(r->name, "Internal") == 0 && !known,
       "unknown daemon_name: the default connector, not 'known'");
    r = ds_decide_connector(c, "Inet", &known);
    ok(r != NULL && strcmp(r->name, "Inet") == 0 && known,
       "known daemon_name: its own connector");
    /* not judged there, but the metrics count it per partner */
    struct ds_decision d;
    decide(c, "Unknown", W, &no_tls, &d);
    ok(d.list_entry != NULL && strcmp(d.list_entry, W) == 0 &&
           d.partner == NULL,
       "domain security off: the list entry is named (for the metrics)");
    decide(c, "Unknown", "fabrikam.example", &no_tls, &d);
    ok(d.list_entry == NULL, "domain security off, unlisted: no list entry");
    ds_config_free(c);
}

static void test_partner(void)
{
    struct ds_config *c = load(BASE);
    const char *T = "tailspintoys.com";
    expect(c, "Inet", T, verified("mx.tailspintoys.com", "Tailspin CA"),
           DS_RESULT_PASS, DS_REASON_PASS, 0, "mark", NULL,
           "partner peer_names: listed name and issuer pass");
    expect(c, "Inet", T, verified("a.out.tailspintoys.com", "tailspin ca"),
           DS_RESULT_PASS, DS_REASON_PASS, 0, "mark", NULL,
           "partner peer_names wildcard entry covers one label; issuer "
           "without case");
    expect(c, "Inet", T, verified("b.a.out.tailspintoys.com", "Tailspin CA"),
           DS_RESULT_FAIL, DS_REASON_SUBJECT_MISMATCH, 11015, "tempfail",
           R451(T, "certificate-subject-mismatch"),
           "partner wildcard entry does not cover two labels");
    expect(c, "Inet", T, verified("tailspintoys.com", "Tailspin CA"),
           DS_RESULT_FAIL, DS_REASON_SUBJECT_MISMATCH, 11015, "tempfail",
           R451(T, "certificate-subject-mismatch"),
           "partner peer_names replace peer_match: the bare domain fails");
    expect(c, "Inet", T, verified("mx.tailspintoys.com", "Other CA"),
           DS_RESULT_FAIL, DS_REASON_SUBJECT_MISMATCH, 11015, "tempfail",
           R451(T, "certificate-subject-mismatch"),
           "partner issuers: another issuer fails");
    expect(c, "Inet", T, verified("mx.tailspintoys.com", NULL), DS_RESULT_FAIL,
           DS_REASON_SUBJECT_MISMATCH, 11015, "tempfail",
           R451(T, "certificate-subject-mismatch"),
           "partner issuers: no issuer fails");
    expect(c, "Inet", T, no_tls, DS_RESULT_FAIL, DS_REASON_TLS_NOT_STARTED,
           11012, "tempfail", R451(T, "tls-not-started"),
           "partner action tempfail: 451 4.7.1");
    struct ds_decision d;
    struct ds_tls t = verified("mx.tailspintoys.com", "Tailspin CA");
    decide(c, "Inet", T, &t, &d);
    ok(d.partner != NULL && strcmp(d.partner->domain, T) == 0 &&
           strcmp(d.list_entry, T) == 0,
       "decision names the partner and the list entry");
    ds_config_free(c);
}

static void test_modes(void)
{
    const char *W = "woodgrovebank.com";
    struct ds_config *c = load(BASE "milter { action = \"tempfail\" }\n");
    expect(c, "Inet", W, tls_unverified, DS_RESULT_FAIL, DS_REASON_NOT_VERIFIED,
           0, "tempfail", R451(W, "certificate-not-verified"),
           "action tempfail: 451 4.7.1");
    ds_config_free(c);

    c = load(BASE "milter { action = \"quarantine\" }\n");
    struct ds_decision d;
    decide(c, "Inet", W, &no_tls, &d);
    ok(d.verdict == DS_VERDICT_QUARANTINE && d.code[0] == '\0' && !d.mark &&
           strcmp(d.text, "Domain Security: woodgrovebank.com requires "
                          "mutual TLS (tls-not-started)") == 0,
       "action quarantine: accepted at MAIL, quarantine reason, no mark");
    is_str(ds_decision_action(&d), "quarantine", "action name quarantine");
    ds_config_free(c);

    c = load(BASE "milter { mode = \"monitor\" }\n");
    decide(c, "Inet", W, &no_tls, &d);
    ok(d.result == DS_RESULT_FAIL && d.verdict == DS_VERDICT_CONTINUE &&
           d.mark && d.monitor && d.code[0] == '\0' && d.event == 11012,
       "monitor: failure accepted and marked, no reply");
    is_str(ds_decision_action(&d), "monitor", "action name monitor");
    /* Monitor overrides a partner's own action too. */
    decide(c, "Inet", "tailspintoys.com", &no_tls, &d);
    ok(d.verdict == DS_VERDICT_CONTINUE && d.monitor,
       "monitor overrides the partner's action");
    struct ds_tls t = verified("mail.woodgrovebank.com", "CA");
    decide(c, "Inet", W, &t, &d);
    ok(d.result == DS_RESULT_PASS && d.mark && !d.monitor,
       "monitor: a pass is a pass");
    ds_config_free(c);

    c = load(BASE "milter { peer_match = \"domain\" }\n");
    expect(c, "Inet", W, verified("woodgrovebank.com", "CA"), DS_RESULT_PASS,
           DS_REASON_PASS, 0, "mark", NULL, "peer_match domain: exact pass");
    expect(c, "Inet", W, verified("mail.woodgrovebank.com", "CA"),
           DS_RESULT_FAIL, DS_REASON_SUBJECT_MISMATCH, 11015, "reject",
           R550(W, "certificate-subject-mismatch"),
           "peer_match domain: a host under it fails");
    expect(c, "Inet", W, verified("*.woodgrovebank.com", "CA"), DS_RESULT_FAIL,
           DS_REASON_SUBJECT_MISMATCH, 11015, "reject",
           R550(W, "certificate-subject-mismatch"),
           "peer_match domain: a wildcard fails");
    ds_config_free(c);
}

static void test_names(void)
{
    is_str(ds_reason_name(DS_REASON_TLS_NOT_STARTED), "tls-not-started",
           "reason name tls-not-started");
    is_str(ds_reason_name(DS_REASON_NOT_VERIFIED), "certificate-not-verified",
           "reason name certificate-not-verified");
    is_str(ds_reason_name(DS_REASON_SUBJECT_MISMATCH),
           "certificate-subject-mismatch", "reason name mismatch");
    is_str(ds_reason_name((enum ds_reason)99), "?", "out-of-range reason");
    ok(!ds_decide_name_ok("xn--bcher-kva.de", "bücher.de", DS_PEER_DOMAIN,
                          NULL),
       "domain must be normalised by the caller");
    ok(ds_decide_name_ok("bücher.de", "xn--bcher-kva.de", DS_PEER_DOMAIN, NULL),
       "U-label CN matches the A-label domain");
}

int main(void)
{
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    test_table();
    test_partner();
    test_modes();
    test_names();
    char path[512];
    snprintf(path, sizeof(path), "%s/domsec.conf", dir);
    unlink(path);
    rmdir(dir);
    return tap_done();
}
