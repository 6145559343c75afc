/*
 * test-security.c - the identity checks an attacker goes after, through the
 * same path as mlfi_envfrom (MAIL FROM argument and raw MTA macros in,
 * decision out):
 *   - look-alike certificate names never stand for woodgrovebank.com
 *     (woodgrovebank.com.evil.example, evilwoodgrovebank.com, *.com, ...)
 *     under either peer_match, with Postfix's and Sendmail's macros;
 *   - a partner's certificate used to send as another partner is refused,
 *     with and without partner overrides, and for sibling names under a
 *     ".domain" list entry;
 *   - look-alike sender domains are not listed, so the mark never carries
 *     them as a pass.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsconfig.h"
#include "decide.h"
#include "peer.h"
#include "tap.h"

static char dir[] = "/tmp/ds-test-security-XXXXXX";

static struct ds_config *load(const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/domsec.conf", dir);
    FILE *fp = fopen(path, "w");
    if (fp == NULL || fputs(text, fp) < 0 || fclose(fp) != 0) {
        printf("Bail out! cannot write %s\n", path);
        exit(1);
    }
    struct ds_diag d = {0};
    struct ds_config *c = ds_config_load(path, &d);
    if (c == NULL) {
        ds_diag_print(&d, stdout);
        printf("Bail out! test configuration does not load\n");
        exit(1);
    }
    ds_diag_free(&d);
    unlink(path);
    return c;
}

#define CONF(match, extra)                                                     \
    "server { fqdn = \"mail1.contoso.test\" }\n"                               \
    "transport { tls_receive_domain_secure_list = { \"woodgrovebank.com\", "   \
    "\"fabrikam.example\", \".contoso.test\" } }\n"                            \
    "receive_connector \"Inet\" { domain_secure_enabled = true }\n"            \
    "milter { peer_match = \"" match "\" }\n" extra

/* The decision for MAIL FROM `from` with these macros (as the MTA gives
 * them), as mlfi_envfrom makes it. */
static struct ds_decision judge(const struct ds_config *c, const char *from,
                                const struct ds_macros *m)
{
    char domain[DS_DOMAIN_MAX + 2];
    const char *why;
    enum ds_sender s = ds_sender_domain(from, strlen(from), domain, &why);
    enum ds_mta mta = ds_peer_detect(c->milter.mta, m);
    struct ds_tls tls;
    struct ds_peer_names names;
    ds_peer_tls(mta, m, &tls, &names);
    bool known;
    struct ds_decide_in in = {
        .milter = &c->milter,
        .connector = ds_decide_connector(c, "Inet", &known),
        .receive_list = &c->receive_list,
        .domain = s == DS_SENDER_BAD ? NULL : domain,
        .tls = &tls,
    };
    struct ds_decision d;
    ds_decide(&in, &d);
    return d;
}

static struct ds_macros postfix(const char *cn, const char *issuer)
{
    struct ds_macros m = {.v = "Postfix 3.7.11",
                          .tls_version = "TLSv1.3",
                          .cipher = "TLS_AES_256_GCM_SHA384",
                          .cert_subject = cn,
                          .cert_issuer = issuer};
    return m;
}

/* Sendmail: {verify} OK, the CN as xtext in {cn_subject}, or only the DN. */
static struct ds_macros sendmail(const char *cn_xtext, const char *dn_xtext)
{
    struct ds_macros m = {.v = "8.17.1",
                          .tls_version = "TLSv1.3",
                          .cipher = "TLS_AES_256_GCM_SHA384",
                          .verify = "OK",
                          .cn_subject = cn_xtext,
                          .cert_subject = dn_xtext,
                          .cn_issuer = "Woodgrove+20Issuing+20CA"};
    return m;
}

static void refused(const struct ds_config *c, const char *from,
                    struct ds_macros m, const char *what)
{
    struct ds_decision d = judge(c, from, &m);
    if (!ok(d.result == DS_RESULT_FAIL &&
                d.reason == DS_REASON_SUBJECT_MISMATCH &&
                d.verdict == DS_VERDICT_REJECT && !d.mark,
            "%s: refused (certificate-subject-mismatch, 550)", what))
        tap_diag("result %s reason %s action %s", ds_result_name(d.result),
                 ds_reason_name(d.reason), ds_decision_action(&d));
}

static void passed(const struct ds_config *c, const char *from,
                   struct ds_macros m, const char *what)
{
    struct ds_decision d = judge(c, from, &m);
    if (!ok(d.result == DS_RESULT_PASS && d.mark, "%s: pass", what))
        tap_diag("result %s reason %s", ds_result_name(d.result),
                 ds_reason_name(d.reason));
}

/* Certificate names an attacker can get that are not woodgrovebank.com. */
static const char *const lookalikes[] = {
    "woodgrovebank.com.evil.example",
    "WOODGROVEBANK.COM.EVIL.EXAMPLE",
    "mail.woodgrovebank.com.evil.example",
    "evilwoodgrovebank.com",
    "mail.evilwoodgrovebank.com",
    "evil-woodgrovebank.com",
    "woodgrovebank.com-evil.example",
    "woodgrovebank.co",
    "oodgrovebank.com",
    "woodgrovebank.comm",
    "woodgrovebank",
    "com",
    "*.com",
    "*",
    "*.",
    "*..",
    "*woodgrovebank.com",
    "*.woodgrovebank.com.evil.example",
    "*.evilwoodgrovebank.com",
    "w*.woodgrovebank.com",
    ".woodgrovebank.com",
    "woodgrovebank.com..",
    " woodgrovebank.com",
    "woodgrovebank.com evil.example",
    "woodgrovebank.com/evil.example",
    "woodgrovebank.com,evil.example",
    "woodgrovebank.com\r\nevil.example",
    "xn--woodgrovebank.com",
    "w\320\276\320\276dgrovebank.com", /* Cyrillic o, twice */
};

/* A name fit for a TAP line. */
static const char *shown(const char *s)
{
    static char buf[256];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s;
         *p && n + 5 < sizeof(buf); p++) {
        if (*p < ' ' || *p > '~')
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\\x%02X", *p);
        else
            buf[n++] = (char)*p;
    }
    buf[n] = '\0';
    return buf;
}

static void lookalike_names(void)
{
    struct ds_config *sub = load(CONF("subdomain", ""));
    struct ds_config *dom = load(CONF("domain", ""));
    char what[400], xtext[256];
    for (size_t i = 0; i < DS_ARRAY_LEN(lookalikes); i++) {
        const char *cn = lookalikes[i];
        for (int k = 0; k < 2; k++) {
            const struct ds_config *c = k ? dom : sub;
            snprintf(what, sizeof(what), "Postfix, peer_match %s, CN '%s'",
                     k ? "domain" : "subdomain", shown(cn));
            refused(c, "<alice@woodgrovebank.com>", postfix(cn, "CA"), what);
        }
        /* Sendmail: xtext-encode what xtext must encode. */
        size_t n = 0;
        for (const unsigned char *p = (const unsigned char *)cn;
             *p && n + 4 < sizeof(xtext); p++) {
            if (*p < '!' || *p > '~' || *p == '+' || *p == '=')
                n +=
                    (size_t)snprintf(xtext + n, sizeof(xtext) - n, "+%02X", *p);
            else
                xtext[n++] = (char)*p;
        }
        xtext[n] = '\0';
        snprintf(what, sizeof(what), "Sendmail {cn_subject} '%s'", xtext);
        refused(sub, "<alice@woodgrovebank.com>", sendmail(xtext, NULL), what);
    }
    refused(sub, "<alice@woodgrovebank.com>",
            sendmail("woodgrovebank.com+2Eevil.example", NULL),
            "Sendmail: xtext-encoded dot after the domain");
    refused(sub, "<alice@woodgrovebank.com>",
            sendmail("woodgrovebank.com+00.evil.example", NULL),
            "Sendmail: xtext-encoded NUL");
    refused(sub, "<alice@woodgrovebank.com>",
            sendmail(NULL, "/C=US/CN=woodgrovebank.com/CN=evil.example"),
            "Sendmail DN: the last CN is the evil one");
    refused(sub, "<alice@woodgrovebank.com>",
            sendmail(NULL, "/C=US/O=woodgrovebank.com/CN=evil.example"),
            "Sendmail DN: the domain in O=, not in CN=");
    refused(sub, "<alice@woodgrovebank.com>",
            sendmail("BadCertificateContainsNUL", "/CN=woodgrovebank.com"),
            "Sendmail: BadCertificate* never falls back to the DN");

    struct ds_macros none = postfix("", "CA");
    struct ds_decision d = judge(sub, "<alice@woodgrovebank.com>", &none);
    ok(d.result == DS_RESULT_FAIL && d.reason == DS_REASON_NOT_VERIFIED,
       "Postfix: an empty {cert_subject} is no verified certificate");

    /* The real names still pass (the tests above can fail). */
    passed(sub, "<alice@woodgrovebank.com>",
           postfix("mail.woodgrovebank.com", "CA"), "subdomain: a host");
    passed(sub, "<alice@woodgrovebank.com>",
           postfix("*.woodgrovebank.com", "CA"), "subdomain: a wildcard");
    passed(sub, "<alice@WoodGroveBank.COM.>",
           postfix("WoodGroveBank.com", "CA"), "case and trailing dot");
    passed(dom, "<alice@woodgrovebank.com>", postfix("woodgrovebank.com", "CA"),
           "domain: the domain itself");
    refused(dom, "<alice@woodgrovebank.com>",
            postfix("mail.woodgrovebank.com", "CA"),
            "domain: a host under it is not the domain");
    passed(sub, "<alice@woodgrovebank.com>",
           sendmail("woodgrovebank.com", NULL), "Sendmail {cn_subject}");
    ds_config_free(sub);
    ds_config_free(dom);
}

static void other_partner(void)
{
    struct ds_config *c = load(CONF("subdomain", ""));
    refused(c, "<alice@fabrikam.example>",
            postfix("mail.woodgrovebank.com", "Woodgrove Issuing CA"),
            "Woodgrove's certificate, sender at Fabrikam");
    refused(c, "<bob@woodgrovebank.com>",
            postfix("mx.fabrikam.example", "Fabrikam CA"),
            "Fabrikam's certificate, sender at Woodgrove");
    refused(c, "<carol@eu.contoso.test>", postfix("mx.us.contoso.test", "CA"),
            "a sibling under a .contoso.test entry");
    refused(c, "<carol@eu.contoso.test>", postfix("contoso.test", "CA"),
            "the parent of the sender's domain");
    refused(c, "<carol@eu.contoso.test>", postfix("*.contoso.test", "CA"),
            "a wildcard one level too high");
    passed(c, "<carol@eu.contoso.test>", postfix("mx.eu.contoso.test", "CA"),
           "the sender's own host under a .contoso.test entry");
    refused(c, "<\"alice@fabrikam.example\"@woodgrovebank.com>",
            postfix("mx.fabrikam.example", "Fabrikam CA"),
            "a quoted local part naming the other partner");
    refused(c, "<@fabrikam.example:alice@woodgrovebank.com>",
            postfix("mx.fabrikam.example", "Fabrikam CA"),
            "a source route through the other partner");
    ds_config_free(c);

    /* With overrides: Woodgrove pins its host and its CA. */
    c = load(CONF("subdomain", "partner \"woodgrovebank.com\" {\n"
                               "  peer_names = { \"mail.woodgrovebank.com\" }\n"
                               "  issuers = { \"Woodgrove Issuing CA\" }\n"
                               "}\n"));
    refused(c, "<alice@woodgrovebank.com>",
            postfix("mail.woodgrovebank.com", "Fabrikam CA"),
            "pinned issuer: Woodgrove's name from Fabrikam's CA");
    refused(c, "<alice@woodgrovebank.com>",
            postfix("smtp.woodgrovebank.com", "Woodgrove Issuing CA"),
            "pinned name: another Woodgrove host");
    refused(c, "<alice@fabrikam.example>",
            postfix("mail.woodgrovebank.com", "Woodgrove Issuing CA"),
            "pinned Woodgrove certificate, sender at Fabrikam");
    passed(c, "<alice@woodgrovebank.com>",
           postfix("mail.woodgrovebank.com", "woodgrove issuing ca"),
           "pinned name and issuer (issuer without case)");
    ds_config_free(c);
}

/* Senders that look like a partner are simply not listed: no pass, no
 * mark, whatever certificate comes with them. */
static void lookalike_senders(void)
{
    struct ds_config *c = load(CONF("subdomain", ""));
    static const char *const from[] = {
        "<a@woodgrovebank.com.evil.example>", "<a@evilwoodgrovebank.com>",
        "<a@contoso.test>", "<a@woodgrovebank.com@evil.example>",
        "<\"a@woodgrovebank.com\"@evil.example>"};
    for (size_t i = 0; i < DS_ARRAY_LEN(from); i++) {
        struct ds_macros m = postfix("mail.woodgrovebank.com", "CA");
        struct ds_decision d = judge(c, from[i], &m);
        ok(d.result == DS_RESULT_NONE && !d.mark, "sender %s: not listed",
           from[i]);
    }
    ds_config_free(c);
}

int main(void)
{
    if (mkdtemp(dir) == NULL) {
        printf("Bail out! mkdtemp\n");
        return 1;
    }
    lookalike_names();
    other_partner();
    lookalike_senders();
    rmdir(dir);
    return tap_done();
}
