/*
 * certname.c - names in certificates: DNs in Windows and RFC 2253 form,
 * tls_certificate_name ("<I>issuer<S>subject") parsing and matching, and
 * host name matching.
 *
 * Must not: read files or judge chains. Value escaping and host name
 * matching are OpenSSL's (ASN1_STRING_print_ex, X509_NAME_print_ex,
 * X509_check_host); only the Windows attribute names are ours.
 */
#include "dsconfig.h"

#include "certstore.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

/* Attribute names as Windows (CertNameToStr, X500 form) writes them. */
static const struct {
    int nid;
    const char *name;
} win_attr[] = {
    {NID_commonName, "CN"},
    {NID_organizationName, "O"},
    {NID_organizationalUnitName, "OU"},
    {NID_localityName, "L"},
    {NID_stateOrProvinceName, "S"},
    {NID_countryName, "C"},
    {NID_domainComponent, "DC"},
    {NID_pkcs9_emailAddress, "E"},
    {NID_streetAddress, "STREET"},
    {NID_serialNumber, "SERIALNUMBER"},
    {NID_title, "T"},
    {NID_givenName, "G"},
    {NID_initials, "I"},
    {NID_surname, "SN"},
};

static void print_attr_name(BIO *b, const ASN1_OBJECT *obj)
{
    int nid = OBJ_obj2nid(obj);
    for (size_t i = 0; i < DS_ARRAY_LEN(win_attr); i++) {
        if (win_attr[i].nid == nid) {
            BIO_puts(b, win_attr[i].name);
            return;
        }
    }
    char oid[128];
    if (OBJ_obj2txt(oid, sizeof(oid), obj, 1) <= 0)
        snprintf(oid, sizeof(oid), "?");
    BIO_printf(b, "OID.%s", oid);
}

/* Copy a memory BIO's contents into the arena as a C string. */
static char *bio_to_arena(BIO *b, struct ds_arena *a)
{
    char *data = NULL;
    long len = BIO_get_mem_data(b, &data);
    char *s =
        len >= 0 ? ds_arena_strndup(a, data ? data : "", (size_t)len) : NULL;
    BIO_free(b);
    return s;
}

char *ds_cert_dn_windows(const X509_NAME *name, struct ds_arena *a)
{
    /* Values: RFC 2253 escaping, but a value with special characters is
     * quoted as a whole ("Contoso, Ltd"), as Windows does; UTF-8 kept. */
    const unsigned long vflags =
        ASN1_STRFLGS_ESC_2253 | ASN1_STRFLGS_ESC_CTRL | ASN1_STRFLGS_ESC_QUOTE |
        ASN1_STRFLGS_UTF8_CONVERT | ASN1_STRFLGS_DUMP_UNKNOWN |
        ASN1_STRFLGS_DUMP_DER;
    BIO *b = BIO_new(BIO_s_mem());
    if (b == NULL)
        return NULL;
    int n = X509_NAME_entry_count(name), prev_set = -1;
    for (int i = n - 1; i >= 0; i--) {
        const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
        int set = X509_NAME_ENTRY_set(e);
        if (i != n - 1)
            BIO_puts(b, set == prev_set ? " + " : ", ");
        prev_set = set;
        print_attr_name(b, X509_NAME_ENTRY_get_object(e));
        BIO_puts(b, "=");
        ASN1_STRING_print_ex(b, X509_NAME_ENTRY_get_data(e), vflags);
    }
    return bio_to_arena(b, a);
}

char *ds_cert_dn_rfc2253(const X509_NAME *name, struct ds_arena *a)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (b == NULL)
        return NULL;
    X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    return bio_to_arena(b, a);
}

/* Find tag (3 characters, any case) in s; NULL when absent. */
static const char *find_tag(const char *s, const char *tag)
{
    for (; *s; s++)
        if (strncasecmp(s, tag, 3) == 0)
            return s;
    return NULL;
}

int ds_cert_tls_name_parse(const char *s, struct ds_tls_name *out,
                           const char **why)
{
    if (strlen(s) > DS_TLS_NAME_MAX) {
        *why = "longer than 256 characters";
        return -1;
    }
    const char *stag;
    if (strncasecmp(s, "<I>", 3) == 0)
        stag = "<S>";
    else if (strncasecmp(s, "[I]", 3) == 0)
        stag = "[S]";
    else {
        *why = "does not start with <I> (or [I])";
        return -1;
    }
    const char *issuer = s + 3, *sp = find_tag(issuer, stag);
    if (sp == NULL) {
        *why = stag[0] == '<' ? "no <S> after the issuer"
                              : "no [S] after the issuer";
        return -1;
    }
    size_t ilen = (size_t)(sp - issuer);
    const char *subject = sp + 3;
    if (ilen == 0 || *subject == '\0') {
        *why = ilen == 0 ? "empty issuer DN" : "empty subject DN";
        return -1;
    }
    memcpy(out->issuer, issuer, ilen);
    out->issuer[ilen] = '\0';
    snprintf(out->subject, sizeof(out->subject), "%s", subject);
    return 0;
}

bool ds_cert_tls_name_matches(const struct ds_cert *c,
                              const struct ds_tls_name *n)
{
    return c->issuer && c->subject &&
           ds_strcasecmp(c->issuer, n->issuer) == 0 &&
           ds_strcasecmp(c->subject, n->subject) == 0;
}

bool ds_cert_has_name(const struct ds_cert *c, const char *name)
{
    /* Subject CN too, even when there are SANs: Exchange looks at both. */
    const unsigned flags = X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT |
                           X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS;
    return X509_check_host(c->x509, name, strlen(name), flags, NULL) == 1;
}
