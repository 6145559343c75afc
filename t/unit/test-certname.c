/*
 * test-certname.c - names in certificates: DNs in Windows form (CN first,
 * ", ", S=, E=, quoting, multi-valued RDNs, UTF-8, unknown OIDs) and RFC
 * 2253 form; tls_certificate_name parsing and matching; host name
 * matching (CN and SAN, one-label wildcards, no partial wildcards).
 */
#include <string.h>

#include <openssl/x509v3.h>

#include "certstore.h"
#include "tap.h"

static struct ds_arena arena;

/* A name from "type=value" pairs, most general first (as in the DER);
 * a type starting with '+' joins the previous RDN. */
static X509_NAME *name_of(const char *const *pairs)
{
    X509_NAME *n = X509_NAME_new();
    for (; *pairs; pairs += 2) {
        const char *type = pairs[0];
        int set = 0;
        if (type[0] == '+') {
            type++;
            set = -1;
        }
        X509_NAME_add_entry_by_txt(n, type, MBSTRING_UTF8,
                                   (const unsigned char *)pairs[1], -1, -1,
                                   set);
    }
    return n;
}

static void dn(const char *const *pairs, const char *want_win,
               const char *want_rfc, const char *what)
{
    X509_NAME *n = name_of(pairs);
    is_str(ds_cert_dn_windows(n, &arena), want_win, "windows DN: %s", what);
    if (want_rfc)
        is_str(ds_cert_dn_rfc2253(n, &arena), want_rfc, "RFC 2253 DN: %s",
               what);
    X509_NAME_free(n);
}

static void test_dn(void)
{
    dn((const char *const[]){"C", "US", "ST", "WA", "L", "Redmond", "O",
                             "Contoso", "OU", "IT", "CN", "mail.contoso.com",
                             NULL},
       "CN=mail.contoso.com, OU=IT, O=Contoso, L=Redmond, S=WA, C=US",
       "CN=mail.contoso.com,OU=IT,O=Contoso,L=Redmond,ST=WA,C=US",
       "CN first, S= for the state");
    dn((const char *const[]){"DC", "com", "DC", "contoso", "CN",
                             "Contoso Issuing CA", NULL},
       "CN=Contoso Issuing CA, DC=contoso, DC=com", NULL, "DC components");
    dn((const char *const[]){"CN", "admin", "emailAddress", "a@contoso.com",
                             NULL},
       "E=a@contoso.com, CN=admin", NULL, "E= for emailAddress");
    dn((const char *const[]){"O", "Contoso, Ltd", "CN", "mail", NULL},
       "CN=mail, O=\"Contoso, Ltd\"", "CN=mail,O=Contoso\\, Ltd",
       "a comma: quoted (Windows), escaped (RFC 2253)");
    dn((const char *const[]){"O", "Soci\xc3\xa9t\xc3\xa9", "CN", "m", NULL},
       "CN=m, O=Soci\xc3\xa9t\xc3\xa9", "CN=m,O=Soci\xc3\xa9t\xc3\xa9",
       "UTF-8 kept");
    dn((const char *const[]){"O", "Contoso", "CN", "a", "+OU", "b", NULL},
       "OU=b + CN=a, O=Contoso", NULL, "multi-valued RDN joined with +");
    dn((const char *const[]){"1.2.3.4", "x", "CN", "m", NULL},
       "CN=m, OID.1.2.3.4=x", NULL, "unknown attribute as OID.n");
    dn((const char *const[]){"serialNumber", "42", "street", "1 Main St", "CN",
                             "m", NULL},
       "CN=m, STREET=1 Main St, SERIALNUMBER=42", NULL,
       "SERIALNUMBER and STREET");
}

static void parse(const char *s, int want_rc, const char *want_issuer,
                  const char *want_subject, const char *what)
{
    struct ds_tls_name tn;
    const char *why = NULL;
    int rc = ds_cert_tls_name_parse(s, &tn, &why);
    is_int(rc, want_rc, "tls_certificate_name %s: %s", what,
           rc == 0 ? "parsed" : why);
    if (rc == 0 && want_rc == 0) {
        is_str(tn.issuer, want_issuer, "tls_certificate_name %s: issuer", what);
        is_str(tn.subject, want_subject, "tls_certificate_name %s: subject",
               what);
    }
}

static void test_tls_name(void)
{
    parse("<I>CN=Contoso CA, O=Contoso<S>CN=mail.contoso.com, O=Contoso", 0,
          "CN=Contoso CA, O=Contoso", "CN=mail.contoso.com, O=Contoso",
          "<I><S>");
    parse("[I]CN=CA[S]CN=mail", 0, "CN=CA", "CN=mail", "[I][S]");
    parse("<i>CN=CA<s>CN=mail", 0, "CN=CA", "CN=mail", "lower-case tags");
    parse("<I>CN=CA[S]CN=mail", -1, NULL, NULL, "mixed brackets");
    parse("CN=mail.contoso.com", -1, NULL, NULL, "no tags");
    parse("<I><S>CN=mail", -1, NULL, NULL, "empty issuer");
    parse("<I>CN=CA<S>", -1, NULL, NULL, "empty subject");
    parse("<S>CN=mail<I>CN=CA", -1, NULL, NULL, "subject first");

    char s[300];
    snprintf(s, sizeof(s), "<I>CN=CA<S>CN=%0*d", DS_TLS_NAME_MAX - 14, 0);
    is_int(strlen(s), DS_TLS_NAME_MAX, "a 256-character name");
    parse(s, 0, "CN=CA", s + 11, "of exactly 256 characters");
    snprintf(s, sizeof(s), "<I>CN=CA<S>CN=%0*d", DS_TLS_NAME_MAX - 13, 0);
    parse(s, -1, NULL, NULL, "of 257 characters");
    struct ds_tls_name tn;
    const char *why = NULL;
    ds_cert_tls_name_parse(s, &tn, &why);
    is_str(why, "longer than 256 characters", "257 characters: the reason");

    struct ds_cert c = {.issuer = "CN=Contoso CA, O=Contoso",
                        .subject = "CN=mail.contoso.com, O=Contoso"};
    ds_cert_tls_name_parse("<I>cn=contoso ca, o=CONTOSO<S>CN=MAIL.contoso.com, "
                           "O=Contoso",
                           &tn, &why);
    ok(ds_cert_tls_name_matches(&c, &tn), "matching ignores case");
    ds_cert_tls_name_parse("<I>CN=Contoso CA,O=Contoso<S>CN=mail.contoso.com, "
                           "O=Contoso",
                           &tn, &why);
    ok(!ds_cert_tls_name_matches(&c, &tn), "matching is exact otherwise");
    ds_cert_tls_name_parse("<I>CN=Other CA, O=Contoso<S>CN=mail.contoso.com, "
                           "O=Contoso",
                           &tn, &why);
    ok(!ds_cert_tls_name_matches(&c, &tn),
       "same subject, other issuer: no match");
}

static X509 *cert_with(const char *cn, const char *san)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    const char *pairs[] = {"CN", cn, NULL};
    X509_NAME *n = name_of(pairs);
    X509_set_subject_name(x, n);
    X509_NAME_free(n);
    if (san) {
        X509_EXTENSION *e =
            X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    return x;
}

static void test_has_name(void)
{
    struct ds_cert c = {
        .x509 = cert_with("cn.example.com",
                          "DNS:san.example.com, DNS:*.wild.example.com, "
                          "DNS:w*.part.example.com")};
    struct {
        const char *name;
        bool want;
        const char *what;
    } cases[] = {
        {"cn.example.com", true, "subject CN, although there are SANs"},
        {"san.example.com", true, "SAN dNSName"},
        {"SAN.Example.COM", true, "case-insensitive"},
        {"a.wild.example.com", true, "wildcard: one label"},
        {"a.b.wild.example.com", false, "wildcard: not two labels"},
        {"wild.example.com", false, "wildcard: not the bare domain"},
        {"xwild.example.com", false, "wildcard: label boundary"},
        {"www.part.example.com", false, "no partial-label wildcards"},
        {"other.example.com", false, "other name"},
    };
    for (size_t i = 0; i < DS_ARRAY_LEN(cases); i++)
        is_int(ds_cert_has_name(&c, cases[i].name), cases[i].want,
               "name %s: %s", cases[i].name, cases[i].what);
    X509_free(c.x509);
}

int main(void)
{
    test_dn();
    test_tls_name();
    test_has_name();
    ds_arena_free(&arena);
    return tap_done();
}
