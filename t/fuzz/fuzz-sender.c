/*
 * fuzz-sender.c - envelope sender parsing and domain normalisation with
 * arbitrary bytes (peer.c ds_sender_domain, domains.c).
 *
 * Input: the whole input is the MAIL FROM argument as libmilter hands it
 * (bytes after a NUL are ignored, as every C consumer does).
 * Checks: a domain that comes out is normalised (LDH labels, lower case, no
 * empty label, at most 253 octets, at least two labels) and normalising it
 * again changes nothing; every flag combination of ds_domain_normalise
 * keeps to its own syntax; list membership and certificate-name coverage
 * agree with a naive reimplementation (a ".x" entry covers names under x
 * only; "evilwoodgrovebank.com" and "woodgrovebank.com.evil.example" never
 * stand for woodgrovebank.com).
 */
#include "dsconfig.h"

#include <string.h>

#include "decide.h"
#include "domains.h"
#include "fuzz.h"
#include "peer.h"

static struct ds_domainset list;
static const char *const entries[] = {"woodgrovebank.com", ".contoso.test",
                                      "fabrikam.example", ".xn--bcher-kva.de"};

static int init(void)
{
    if (ds_domainset_init(&list, 4) < 0)
        return -1;
    for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
        if (ds_domainset_add(&list, entries[i], NULL) < 0)
            return -1;
    return 0;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && memcmp(s + a - b, tail, b) == 0;
}

/* Is s a normalised name under flags? */
static void check_normal(const char *s, unsigned flags, const char *what)
{
    const char *p = s;
    size_t labels = 0;
    DS_FUZZ_CHECK(s[0] != '\0', "%s: empty result", what);
    if (p[0] == '.') {
        DS_FUZZ_CHECK(flags & DS_DOMAIN_ALLOW_SUFFIX, "%s: '%s'", what, s);
        p++;
    } else if (p[0] == '*') {
        DS_FUZZ_CHECK((flags & DS_DOMAIN_ALLOW_WILDCARD) && p[1] == '.',
                      "%s: '%s'", what, s);
        p += 2;
        labels++;
    }
    DS_FUZZ_CHECK(strlen(p) <= DS_DOMAIN_MAX, "%s: %zu octets", what,
                  strlen(p));
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        DS_FUZZ_CHECK(len >= 1 && len <= 63, "%s: label of %zu in '%s'", what,
                      len, s);
        DS_FUZZ_CHECK(p[0] != '-' && p[len - 1] != '-', "%s: hyphen in '%s'",
                      what, s);
        for (size_t i = 0; i < len; i++)
            DS_FUZZ_CHECK((p[i] >= 'a' && p[i] <= 'z') ||
                              (p[i] >= '0' && p[i] <= '9') || p[i] == '-',
                          "%s: octet 0x%02x in '%s'", what, (unsigned char)p[i],
                          s);
        labels++;
        p += len;
        if (*p == '.') {
            p++;
            DS_FUZZ_CHECK(*p != '\0', "%s: trailing dot in '%s'", what, s);
        }
    }
    DS_FUZZ_CHECK(labels >= 2 || (flags & DS_DOMAIN_ALLOW_SINGLE),
                  "%s: one label '%s'", what, s);
}

/* The naive meaning of a list match. */
static void check_list(const char *d)
{
    const struct ds_domainset_entry *e = ds_domainset_match(&list, d);
    bool want = false;
    for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
        const char *x = entries[i];
        if (x[0] == '.' ? (ends_with(d, x) && strlen(d) > strlen(x))
                        : strcmp(d, x) == 0)
            want = true;
    }
    DS_FUZZ_CHECK((e != NULL) == want, "list match of '%s': %d", d, e != NULL);
    if (e != NULL)
        DS_FUZZ_CHECK(strcmp(e->name, d) == 0 ||
                          (e->name[0] == '.' && ends_with(d, e->name)),
                      "'%s' matched entry '%s'", d, e->name);
}

/* The naive meaning of a certificate name standing for a domain. */
static bool naive_covers(const char *name, const char *d, bool sub)
{
    char tail[DS_DOMAIN_MAX + 3];
    snprintf(tail, sizeof(tail), ".%s", d);
    if (name[0] == '*') {
        const char *base = name + 2;
        return sub && name[1] == '.' && strchr(base, '.') != NULL &&
               (strcmp(base, d) == 0 || ends_with(base, tail));
    }
    if (strcmp(name, d) == 0)
        return true;
    return sub && ends_with(name, tail);
}

static void check_cover(const char *raw, size_t len)
{
    static const char *const domains[] = {"woodgrovebank.com",
                                          "mail.woodgrovebank.com", "com"};
    char name[DS_DOMAIN_MAX + 2];
    const char *why;
    bool normal =
        ds_domain_normalise(raw, len, name,
                            DS_DOMAIN_ALLOW_WILDCARD | DS_DOMAIN_ALLOW_SINGLE,
                            &why) == 0;
    for (size_t i = 0; i < sizeof(domains) / sizeof(domains[0]); i++)
        for (int sub = 0; sub < 2; sub++) {
            bool got = ds_decide_name_ok(
                raw, domains[i], sub ? DS_PEER_SUBDOMAIN : DS_PEER_DOMAIN,
                NULL);
            bool want = normal && strlen(raw) == len &&
                        naive_covers(name, domains[i], sub);
            DS_FUZZ_CHECK(got == want, "CN '%s' for %s (%s): %d", raw,
                          domains[i], sub ? "subdomain" : "domain", got);
        }
}

static int one(const uint8_t *data, size_t size)
{
    char *s = ds_fuzz_str(data, size);
    char out[DS_DOMAIN_MAX + 2], again[DS_DOMAIN_MAX + 2];
    const char *why;

    enum ds_sender k = ds_sender_domain(s, size, out, &why);
    if (k == DS_SENDER_DOMAIN) {
        check_normal(out, 0, "sender domain");
        DS_FUZZ_CHECK(ds_domain_normalise(out, strlen(out), again, 0, &why) ==
                              0 &&
                          strcmp(out, again) == 0,
                      "sender domain '%s' not stable", out);
        check_list(out);
    } else {
        DS_FUZZ_CHECK(out[0] == '\0', "no domain, yet out = '%s'", out);
        DS_FUZZ_CHECK(k == DS_SENDER_NONE || why != NULL, "bad without why");
    }

    for (unsigned flags = 0; flags < 8; flags++) {
        size_t len = strnlen(s, size);
        if (ds_domain_normalise(s, len, out, flags, &why) != 0) {
            DS_FUZZ_CHECK(why != NULL, "error without why (flags %u)", flags);
            continue;
        }
        check_normal(out, flags, "normalised");
        DS_FUZZ_CHECK(
            ds_domain_normalise(out, strlen(out), again, flags, &why) == 0 &&
                strcmp(out, again) == 0,
            "'%s' not stable (flags %u)", out, flags);
    }
    check_cover(s, strnlen(s, size));
    free(s);
    return 0;
}

DS_FUZZ_TARGET("sender", init, one)
