/*
 * test-peer.c - the parsers of hostile input: envelope senders (<>, no
 * '@', quoted local parts, source routes, trailing dot, upper case, IDN,
 * 8-bit, over-long, NUL), xtext, DNs (one-line and RFC 4514 with escaped
 * commas), Sendmail's BadCertificate* values, and the Postfix vs Sendmail
 * macro semantics with milter.mta = auto.
 */
#include <stdio.h>
#include <string.h>

#include "peer.h"
#include "tap.h"

static const char *kind_name(enum ds_sender k)
{
    return k == DS_SENDER_DOMAIN ? "domain"
           : k == DS_SENDER_NONE ? "none"
                                 : "bad";
}

static void sender_len(const char *addr, size_t len, const char *want_kind,
                       const char *want, const char *what)
{
    char out[DS_DOMAIN_MAX + 2];
    const char *why;
    enum ds_sender k = ds_sender_domain(addr, len, out, &why);
    char got[300], exp[300];
    snprintf(got, sizeof(got), "%s %s", kind_name(k), out);
    snprintf(exp, sizeof(exp), "%s %s", want_kind, want);
    is_str(got, exp, "sender %s", what);
}

static void sender(const char *addr, const char *want_kind, const char *want,
                   const char *what)
{
    sender_len(addr, strlen(addr), want_kind, want, what);
}

static void test_sender(void)
{
    sender("<alice@woodgrovebank.com>", "domain", "woodgrovebank.com", "plain");
    sender("alice@woodgrovebank.com", "domain", "woodgrovebank.com",
           "without brackets");
    sender("  <alice@woodgrovebank.com>  ", "domain", "woodgrovebank.com",
           "spaces around");
    sender("<>", "none", "", "null sender <>");
    sender("", "none", "", "empty");
    sender("<postmaster>", "none", "", "no @");
    sender("<Alice@WoodGroveBank.COM>", "domain", "woodgrovebank.com",
           "upper case");
    sender("<alice@woodgrovebank.com.>", "domain", "woodgrovebank.com",
           "trailing dot");
    sender("<alice@woodgrovebank.com..>", "bad", "", "two trailing dots");
    sender("<@relay1.example,@relay2.example:alice@woodgrovebank.com>",
           "domain", "woodgrovebank.com", "source route");
    sender("<\"alice@evil.example\"@woodgrovebank.com>", "domain",
           "woodgrovebank.com", "quoted local part with @");
    sender("<\"alice@woodgrovebank.com\"@evil.example>", "domain",
           "evil.example", "quoted local part naming a listed domain");
    sender("<\"a\\\"@b.example\"@woodgrovebank.com>", "domain",
           "woodgrovebank.com", "escaped quote inside a quoted local part");
    sender("<\"alice@woodgrovebank.com\">", "none", "",
           "only a quoted local part");
    sender("<alice@bücher.example>", "domain", "xn--bcher-kva.example",
           "IDN U-label to A-label");
    sender("<alice@xn--bcher-kva.example>", "domain", "xn--bcher-kva.example",
           "A-label");
    sender("<alice@b\xfc"
           "cher.example>",
           "bad", "", "8-bit, not UTF-8");
    sender("<alice@[192.0.2.1]>", "bad", "", "address literal");
    sender("<alice@>", "bad", "", "empty domain");
    sender("<alice@woodgrove bank.com>", "bad", "", "space in domain");
    sender("<alice%woodgrovebank.com@relay.example>", "domain", "relay.example",
           "percent hack: the relay is the domain");
    char longd[400];
    memset(longd, 'a', sizeof(longd));
    memcpy(longd, "<x@", 3);
    for (int i = 3 + 60; i < 380; i += 61)
        longd[i] = '.';
    strcpy(longd + 380, ".com>");
    sender(longd, "bad", "", "domain over 253 characters");
    char longl[5000];
    memset(longl, 'l', sizeof(longl));
    longl[0] = '<';
    strcpy(longl + 4960, "@woodgrovebank.com>");
    sender(longl, "domain", "woodgrovebank.com", "4,900-character local part");
    static const char nul[] = "<alice@woodgrovebank.com\0.evil.example>";
    sender_len(nul, sizeof(nul) - 1, "domain", "woodgrovebank.com",
               "embedded NUL: the address ends there");
    static const char nul2[] = "<alice@evil.example\0@woodgrovebank.com>";
    sender_len(nul2, sizeof(nul2) - 1, "domain", "evil.example",
               "embedded NUL before a second @");
}

static void test_xtext(void)
{
    char out[64];
    ok(ds_xtext_decode("mail.woodgrovebank.com", out, sizeof(out)) == 22 &&
           strcmp(out, "mail.woodgrovebank.com") == 0,
       "xtext: plain");
    ok(ds_xtext_decode("Woodgrove+20Bank+2C+20Inc.", out, sizeof(out)) > 0 &&
           strcmp(out, "Woodgrove Bank, Inc.") == 0,
       "xtext: +20 and +2C");
    ok(ds_xtext_decode("a+2Bb+3Dc", out, sizeof(out)) > 0 &&
           strcmp(out, "a+b=c") == 0,
       "xtext: +2B and +3D");
    ok(ds_xtext_decode("a+2bb", out, sizeof(out)) > 0 &&
           strcmp(out, "a+b") == 0,
       "xtext: lower-case hex accepted");
    ok(ds_xtext_decode("a+00b", out, sizeof(out)) < 0, "xtext: NUL refused");
    ok(ds_xtext_decode("a+4", out, sizeof(out)) < 0, "xtext: short escape");
    ok(ds_xtext_decode("a+G1", out, sizeof(out)) < 0, "xtext: bad hex");
    ok(ds_xtext_decode("abcdef", out, 4) < 0, "xtext: too long for buffer");
    ok(ds_xtext_decode("+C3+BC", out, sizeof(out)) == 2 &&
           strcmp(out, "\xc3\xbc") == 0,
       "xtext: 8-bit octets");
}

static void dn(const char *in, const char *want, const char *what)
{
    char out[DS_CN_MAX + 1];
    bool r = ds_dn_cn(in, out, sizeof(out));
    is_str(r ? out : NULL, want, "DN %s", what);
}

static void test_dn(void)
{
    dn("/C=US/O=Woodgrove Bank/CN=mail.woodgrovebank.com",
       "mail.woodgrovebank.com", "one-line form");
    dn("/C=US/CN=first.example/CN=mail.woodgrovebank.com",
       "mail.woodgrovebank.com", "one-line: the last CN");
    dn("/C=US/O=A/B Corp/CN=mx.example", "mx.example",
       "one-line: '/' inside a value");
    dn("/C=US/O=Example, Inc./CN=mx.example", "mx.example",
       "one-line: comma inside a value");
    dn("/C=US/O=Example", NULL, "one-line without CN");
    dn("/CN=mx.example/emailAddress=pm@example", "mx.example",
       "one-line: CN before emailAddress");
    dn("CN=mail.woodgrovebank.com,O=Woodgrove Bank,C=US",
       "mail.woodgrovebank.com", "RFC 4514");
    dn("CN=mail.woodgrovebank.com, O=Woodgrove\\, Inc., C=US",
       "mail.woodgrovebank.com", "RFC 4514: escaped comma elsewhere");
    dn("O=Woodgrove\\, Inc.,CN=Woodgrove\\, Bank", "Woodgrove, Bank",
       "RFC 4514: escaped comma in the CN");
    dn("CN=Woodgrove\\2C Bank,C=US", "Woodgrove, Bank", "RFC 4514: hex escape");
    dn("CN=\"Woodgrove, Bank\",C=US", "Woodgrove, Bank",
       "RFC 4514: quoted value");
    dn("CN=a\\00b,C=US", NULL, "RFC 4514: NUL refused");
    dn("CN=mx.example+UID=42,O=X", "mx.example", "multi-valued RDN");
    dn("O=X,C=US", NULL, "RFC 4514 without CN");
    dn("garbage", NULL, "not a DN");
    char big[600];
    memset(big, 'a', sizeof(big));
    memcpy(big, "/CN=", 4);
    big[sizeof(big) - 1] = '\0';
    dn(big, NULL, "CN longer than the buffer");
}

/* Decode macros with semantics mta; "verified cn issuer" summary. */
static void tls(enum ds_mta mta, const struct ds_macros *m, const char *want,
                const char *what)
{
    struct ds_tls t;
    struct ds_peer_names b;
    ds_peer_tls(ds_peer_detect(mta, m), m, &t, &b);
    char got[700];
    snprintf(got, sizeof(got), "%s %s %s %s %s", t.active ? "tls" : "clear",
             t.verified ? "verified" : "unverified",
             t.version ? t.version : "-", t.peer_cn ? t.peer_cn : "-",
             t.issuer_cn ? t.issuer_cn : "-");
    is_str(got, want, "%s", what);
}

static void test_semantics(void)
{
    struct ds_macros pf = {.v = "Postfix 3.7.11"};
    ok(ds_peer_detect(DS_MTA_AUTO, &pf) == DS_MTA_POSTFIX,
       "auto: v=Postfix means Postfix");
    struct ds_macros sm = {.v = "8.17.1"};
    ok(ds_peer_detect(DS_MTA_AUTO, &sm) == DS_MTA_SENDMAIL,
       "auto: another v means Sendmail");
    struct ds_macros none = {0};
    ok(ds_peer_detect(DS_MTA_AUTO, &none) == DS_MTA_POSTFIX,
       "auto: no hint means Postfix");
    struct ds_macros vfy = {.verify = "NO"};
    ok(ds_peer_detect(DS_MTA_AUTO, &vfy) == DS_MTA_SENDMAIL,
       "auto: a {verify} means Sendmail");
    ok(ds_peer_detect(DS_MTA_POSTFIX, &vfy) == DS_MTA_POSTFIX,
       "mta = postfix is not second-guessed");

    tls(DS_MTA_AUTO, &none, "clear unverified - - -", "no TLS macros: no TLS");
    struct ds_macros p1 = {.v = "Postfix 3.7.11", .tls_version = "TLSv1.3"};
    tls(DS_MTA_AUTO, &p1, "tls unverified TLSv1.3 - -",
        "Postfix: TLS without {cert_subject}: not verified");
    struct ds_macros p2 = {.v = "Postfix 3.7.11",
                           .tls_version = "TLSv1.2",
                           .cert_subject = "mail.woodgrovebank.com",
                           .cert_issuer = "Woodgrove CA"};
    tls(DS_MTA_AUTO, &p2,
        "tls verified TLSv1.2 mail.woodgrovebank.com Woodgrove CA",
        "Postfix: {cert_subject} means verified, raw CN");
    struct ds_macros p3 = {.cipher = "TLS_AES_256_GCM_SHA384"};
    tls(DS_MTA_POSTFIX, &p3, "tls unverified - - -",
        "a cipher alone means TLS");

    struct ds_macros s1 = {
        .v = "8.17.1",
        .tls_version = "TLSv1.3",
        .verify = "OK",
        .cert_subject = "/C=US/O=Woodgrove+20Bank/CN=mail.woodgrovebank.com",
        .cn_subject = "mail.woodgrovebank.com",
        .cert_issuer = "/C=US/CN=Woodgrove+20Issuing+20CA",
        .cn_issuer = "Woodgrove+20Issuing+20CA"};
    tls(DS_MTA_AUTO, &s1,
        "tls verified TLSv1.3 mail.woodgrovebank.com Woodgrove Issuing CA",
        "Sendmail: verify=OK, xtext CNs decoded");
    s1.verify = "TRUSTED";
    tls(DS_MTA_AUTO, &s1,
        "tls verified TLSv1.3 mail.woodgrovebank.com Woodgrove Issuing CA",
        "Sendmail: verify=TRUSTED (DANE) is verified");
    static const char *const bad[] = {"NO",   "NOT",   "FAIL",      "NONE",
                                      "TEMP", "CLEAR", "DANE_FAIL", "ok"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        s1.verify = bad[i];
        char what[80];
        snprintf(what, sizeof(what), "Sendmail: verify=%s is not verified",
                 bad[i]);
        tls(DS_MTA_AUTO, &s1,
            "tls unverified TLSv1.3 mail.woodgrovebank.com Woodgrove Issuing "
            "CA",
            what);
    }
    s1.verify = "OK";
    s1.cn_subject = NULL;
    s1.cn_issuer = NULL;
    tls(DS_MTA_AUTO, &s1,
        "tls verified TLSv1.3 mail.woodgrovebank.com Woodgrove Issuing CA",
        "Sendmail: no {cn_subject}: CN from the xtext DN");
    s1.cn_subject = "BadCertificateTooLong";
    tls(DS_MTA_AUTO, &s1, "tls verified TLSv1.3 - Woodgrove Issuing CA",
        "Sendmail: BadCertificateTooLong leaves no name");
    s1.cn_subject = "BadCertificateContainsNUL";
    tls(DS_MTA_AUTO, &s1, "tls verified TLSv1.3 - Woodgrove Issuing CA",
        "Sendmail: BadCertificateContainsNUL leaves no name");
    s1.cn_subject = "BadCertificateUnknown";
    tls(DS_MTA_AUTO, &s1, "tls verified TLSv1.3 - Woodgrove Issuing CA",
        "Sendmail: BadCertificateUnknown leaves no name");
    s1.cn_subject = "mail+00.evil";
    tls(DS_MTA_AUTO, &s1, "tls verified TLSv1.3 - Woodgrove Issuing CA",
        "Sendmail: xtext NUL in the CN leaves no name");
    /* Postfix semantics on Sendmail macros would trust an unverified
     * certificate; auto must not. */
    struct ds_macros s2 = {.tls_version = "TLSv1.3",
                           .verify = "FAIL",
                           .cert_subject = "/CN=mail.woodgrovebank.com"};
    tls(DS_MTA_AUTO, &s2, "tls unverified TLSv1.3 mail.woodgrovebank.com -",
        "auto: Sendmail macros without v are still Sendmail's");
}

int main(void)
{
    test_sender();
    test_xtext();
    test_dn();
    test_semantics();
    return tap_done();
}
