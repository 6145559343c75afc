/*
 * test-domains.c - domain normalisation, the list hash sets and
 * certificate-name coverage (what the milter relies on per message).
 */
#include <stdio.h>
#include <string.h>

#include "domains.h"
#include "tap.h"

static const char *norm(const char *in, unsigned flags)
{
    static char out[DS_DOMAIN_MAX + 2];
    const char *why;
    if (ds_domain_normalise(in, strlen(in), out, flags, &why) < 0)
        return why ? "ERR" : "ERR(no reason)";
    return out;
}

static void test_normalise(void)
{
    is_str(norm("WoodGroveBank.COM", 0), "woodgrovebank.com", "lower case");
    is_str(norm("woodgrovebank.com.", 0), "woodgrovebank.com",
           "trailing dot removed");
    is_str(norm("bücher.example", 0), "xn--bcher-kva.example",
           "U-label to A-label");
    is_str(norm("BÜCHER.example", 0), "xn--bcher-kva.example",
           "upper-case U-label mapped (UTS#46)");
    is_str(norm("xn--bcher-kva.example", 0), "xn--bcher-kva.example",
           "A-label kept");
    is_str(norm("b\xc3\xbc"
                "cher\xef\xbc\x8e"
                "example",
                0),
           "xn--bcher-kva.example", "full-width dot mapped to a dot");
    is_str(norm("\xff\xfe.example", 0), "ERR", "invalid UTF-8 rejected");
    is_str(norm("", 0), "ERR", "empty rejected");
    is_str(norm(".", 0), "ERR", "lone dot rejected");
    is_str(norm("com", 0), "ERR", "single label rejected by default");
    is_str(norm("mail1", DS_DOMAIN_ALLOW_SINGLE), "mail1",
           "single label allowed when asked");
    is_str(norm("a..example.com", 0), "ERR", "empty label rejected");
    is_str(norm("-a.example.com", 0), "ERR", "leading hyphen rejected");
    is_str(norm("a-.example.com", 0), "ERR", "trailing hyphen rejected");
    is_str(norm("a_b.example.com", 0), "ERR", "underscore rejected");
    is_str(norm("a b.example.com", 0), "ERR", "space rejected");
    is_str(norm(".woodgrovebank.com", 0), "ERR",
           "leading dot rejected without ALLOW_SUFFIX");
    is_str(norm(".WoodGroveBank.com.", DS_DOMAIN_ALLOW_SUFFIX),
           ".woodgrovebank.com", "suffix entry normalised");
    is_str(norm("*.contoso.com", 0), "ERR", "wildcard rejected by default");
    is_str(norm("*.Contoso.com", DS_DOMAIN_ALLOW_WILDCARD), "*.contoso.com",
           "wildcard allowed when asked");
    is_str(norm("a.*.com", DS_DOMAIN_ALLOW_WILDCARD), "ERR",
           "wildcard only as the first label");

    char name[300];
    memset(name, 'a', 63);
    strcpy(name + 63, ".example.com");
    ok(strcmp(norm(name, 0), "ERR") != 0, "63-octet label accepted");
    memset(name, 'a', 64);
    strcpy(name + 64, ".example.com");
    is_str(norm(name, 0), "ERR", "64-octet label rejected");
    /* 4 labels of 61 + ".com": 4*62 + 3 = 251 octets */
    name[0] = '\0';
    for (int i = 0; i < 4; i++) {
        size_t l = strlen(name);
        memset(name + l, 'a' + i, 61);
        strcpy(name + l + 61, ".");
    }
    strcat(name, "com");
    is_int(strlen(name), 251, "test name is 251 octets");
    ok(strcmp(norm(name, 0), "ERR") != 0, "251 octets accepted");
    strcat(name, "xyz");
    is_str(norm(name, 0), "ERR", "254 octets rejected");

    const char *why = NULL;
    char out[DS_DOMAIN_MAX + 2];
    ok(ds_domain_normalise("a.example\0.com", 14, out, 0, &why) < 0 && why,
       "embedded NUL rejected with a reason");
}

static void test_set(void)
{
    struct ds_domainset s = {0};
    ok(ds_domainset_init(&s, 2) == 0, "init");
    int v1 = 1, v2 = 2;
    is_int(ds_domainset_add(&s, "woodgrovebank.com", &v1), 1, "add");
    is_int(ds_domainset_add(&s, "woodgrovebank.com", &v2), 0,
           "duplicate add reports 0");
    is_int(ds_domainset_add(&s, ".fabrikam.com", &v2), 1, "add suffix");
    for (int i = 0; i < 5000; i++) {
        static char names[5000][32];
        snprintf(names[i], sizeof(names[i]), "d%d.example.net", i);
        ds_domainset_add(&s, names[i], NULL);
    }
    is_int(s.n, 5002, "5002 entries after growing");
    const struct ds_domainset_entry *e =
        ds_domainset_match(&s, "woodgrovebank.com");
    ok(e && e->value == &v1, "exact match keeps the first value");
    ok(ds_domainset_match(&s, "mail.woodgrovebank.com") == NULL,
       "exact entry does not cover subdomains");
    ok(ds_domainset_match(&s, "fabrikam.com") == NULL,
       "suffix entry does not cover the domain itself");
    e = ds_domainset_match(&s, "eu.mail.fabrikam.com");
    is_str(e ? e->name : NULL, ".fabrikam.com",
           "suffix entry covers names two levels under it");
    ok(ds_domainset_match(&s, "evilfabrikam.com") == NULL,
       "suffix respects the label boundary");
    ok(ds_domainset_match(&s, "d4999.example.net") != NULL,
       "last of 5000 found");
    ok(ds_domainset_match(&s, "d5000.example.net") == NULL, "absent not found");
    ok(ds_domainset_match(&s, "") == NULL, "empty domain never listed");
    ok(ds_domainset_match(&s, NULL) == NULL, "NULL domain never listed");
    ds_domainset_free(&s);

    struct ds_domainset empty = {0};
    ok(ds_domainset_match(&empty, "woodgrovebank.com") == NULL,
       "an empty, uninitialised set matches nothing");
}

static void test_covers(void)
{
    const char *d = "woodgrovebank.com";
    ok(ds_name_covers("woodgrovebank.com", d, false), "domain mode: equal");
    ok(!ds_name_covers("mail.woodgrovebank.com", d, false),
       "domain mode: host under it does not count");
    ok(ds_name_covers("mail.woodgrovebank.com", d, true),
       "subdomain mode: host under it counts");
    ok(ds_name_covers("a.b.woodgrovebank.com", d, true),
       "subdomain mode: two levels under it count");
    ok(!ds_name_covers("evilwoodgrovebank.com", d, true),
       "label boundary: evilwoodgrovebank.com never matches");
    ok(!ds_name_covers("woodgrovebank.com.evil.example", d, true),
       "woodgrovebank.com.evil.example never matches");
    ok(ds_name_covers("*.woodgrovebank.com", d, true),
       "wildcard *.D counts in subdomain mode");
    ok(ds_name_covers("*.eu.woodgrovebank.com", d, true),
       "wildcard *.x.D counts in subdomain mode");
    ok(!ds_name_covers("*.woodgrovebank.com", d, false),
       "wildcard never counts in domain mode");
    ok(!ds_name_covers("*.com", d, true), "*.com never matches");
    ok(!ds_name_covers("*.com", "com", true),
       "a wildcard over a single label never matches");
    ok(!ds_name_covers("*woodgrovebank.com", d, true),
       "partial wildcard never matches");
    ok(!ds_name_covers("", d, true), "empty name never matches");
    ok(!ds_name_covers("woodgrovebank.com", "", true),
       "empty domain never matched");
}

int main(void)
{
    test_normalise();
    test_set();
    test_covers();
    return tap_done();
}
