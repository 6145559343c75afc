/*
 * domains.c - domain normalisation, the domain hash set, name coverage.
 *
 * Must not: allocate on the lookup path or do DNS. libidn2 is called only
 * for names with non-ASCII octets.
 */
#include "dsconfig.h"

#include "domains.h"

#include <idn2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Check LDH syntax of a lower-case ASCII name in place. */
static int check_syntax(const char *s, size_t len, unsigned flags,
                        const char **why)
{
    size_t labels = 0;
    const char *p = s, *end = s + len;

    if (len == 0) {
        *why = "empty domain name";
        return -1;
    }
    if (len > DS_DOMAIN_MAX) {
        *why = "domain name longer than 253 characters";
        return -1;
    }
    if ((flags & DS_DOMAIN_ALLOW_WILDCARD) && len >= 2 && p[0] == '*' &&
        p[1] == '.') {
        p += 2;
        labels++;
        if (p == end) {
            *why = "wildcard without a name after it";
            return -1;
        }
    }
    while (p < end) {
        const char *dot = memchr(p, '.', (size_t)(end - p));
        const char *lend = dot ? dot : end;
        size_t llen = (size_t)(lend - p);
        if (llen == 0) {
            *why = "empty label in domain name";
            return -1;
        }
        if (llen > 63) {
            *why = "label longer than 63 characters";
            return -1;
        }
        if (p[0] == '-' || lend[-1] == '-') {
            *why = "label starts or ends with a hyphen";
            return -1;
        }
        for (const char *q = p; q < lend; q++) {
            char c = *q;
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-')) {
                *why = c == '*' ? "wildcard not allowed here"
                                : "invalid character in domain name";
                return -1;
            }
        }
        labels++;
        if (dot == NULL)
            break;
        p = dot + 1;
        if (p == end) {
            *why = "empty label in domain name";
            return -1;
        }
    }
    if (labels < 2 && !(flags & DS_DOMAIN_ALLOW_SINGLE)) {
        *why = "domain name needs at least two labels";
        return -1;
    }
    return 0;
}

int ds_domain_normalise(const char *in, size_t len, char *out, unsigned flags,
                        const char **why)
{
    size_t off = 0;
    bool ascii = true;

    *why = NULL;
    if (len > 0 && in[len - 1] == '.')
        len--;
    if ((flags & DS_DOMAIN_ALLOW_SUFFIX) && len > 0 && in[0] == '.') {
        out[off++] = '.';
        in++;
        len--;
        flags &= ~(unsigned)DS_DOMAIN_ALLOW_WILDCARD;
    }
    if (len > 4 * DS_DOMAIN_MAX) {
        *why = "domain name longer than 253 characters";
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        if (in[i] == '\0') {
            *why = "NUL in domain name";
            return -1;
        }
        if ((unsigned char)in[i] >= 0x80)
            ascii = false;
    }
    if (ascii) {
        if (len > DS_DOMAIN_MAX) {
            *why = "domain name longer than 253 characters";
            return -1;
        }
        for (size_t i = 0; i < len; i++)
            out[off + i] = ds_lower(in[i]);
        out[off + len] = '\0';
    } else {
        char buf[4 * DS_DOMAIN_MAX + 1];
        char *a = NULL;
        memcpy(buf, in, len);
        buf[len] = '\0';
        int rc =
            idn2_to_ascii_8z(buf, &a, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
        if (rc != IDN2_OK) {
            *why = "invalid internationalised domain name";
            return -1;
        }
        size_t alen = strlen(a);
        if (alen > 0 && a[alen - 1] == '.')
            alen--;
        if (alen > DS_DOMAIN_MAX) {
            idn2_free(a);
            *why = "domain name longer than 253 characters";
            return -1;
        }
        for (size_t i = 0; i < alen; i++)
            out[off + i] = ds_lower(a[i]);
        out[off + alen] = '\0';
        len = alen;
        idn2_free(a);
    }
    return check_syntax(out + off, len, flags, why);
}

/* FNV-1a, 64 bit: short keys, no allocation, good enough spread. */
static uint64_t hash_name(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h ^ (h >> 29);
}

int ds_domainset_init(struct ds_domainset *s, size_t expected)
{
    size_t cap = 16;
    while (cap < expected * 2 + 1)
        cap *= 2;
    s->slots = calloc(cap, sizeof(*s->slots));
    if (s->slots == NULL)
        return -1;
    s->cap = cap;
    s->n = 0;
    s->nsuffix = 0;
    return 0;
}

/* A slot's tag: hash bits above those that pick the slot. Probes compare
 * it first and read another name's string (a cache miss in a big set)
 * only when it matches. */
static uint32_t tag_of(uint64_t h)
{
    return (uint32_t)(h >> 32);
}

/* The slot holding name (whose hash is h), or the empty slot for it. */
static struct ds_domainset_entry *find_slot(struct ds_domainset_entry *slots,
                                            size_t cap, const char *name,
                                            uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);
    while (slots[i].name != NULL &&
           (slots[i].tag != tag_of(h) || strcmp(slots[i].name, name) != 0))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static int grow(struct ds_domainset *s)
{
    size_t cap = s->cap * 2;
    struct ds_domainset_entry *slots = calloc(cap, sizeof(*slots));
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < s->cap; i++) {
        const char *name = s->slots[i].name;
        if (name != NULL)
            *find_slot(slots, cap, name, hash_name(name)) = s->slots[i];
    }
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return 0;
}

int ds_domainset_add(struct ds_domainset *s, const char *name, void *value)
{
    if (s->slots == NULL && ds_domainset_init(s, 8) < 0)
        return -1;
    if ((s->n + 1) * 2 > s->cap && grow(s) < 0)
        return -1;
    uint64_t h = hash_name(name);
    struct ds_domainset_entry *e = find_slot(s->slots, s->cap, name, h);
    if (e->name != NULL)
        return 0;
    e->name = name;
    e->value = value;
    e->tag = tag_of(h);
    s->n++;
    if (name[0] == '.')
        s->nsuffix++;
    return 1;
}

const struct ds_domainset_entry *ds_domainset_get(const struct ds_domainset *s,
                                                  const char *name)
{
    if (s->n == 0)
        return NULL;
    const struct ds_domainset_entry *e =
        find_slot(s->slots, s->cap, name, hash_name(name));
    return e->name != NULL ? e : NULL;
}

const struct ds_domainset_entry *
ds_domainset_match(const struct ds_domainset *s, const char *d)
{
    if (d == NULL || d[0] == '\0' || d[0] == '.')
        return NULL;
    const struct ds_domainset_entry *e = ds_domainset_get(s, d);
    if (e != NULL || s->nsuffix == 0)
        return e;
    for (const char *p = strchr(d, '.'); p != NULL; p = strchr(p + 1, '.')) {
        e = ds_domainset_get(s, p);
        if (e != NULL)
            return e;
    }
    return NULL;
}

void ds_domainset_free(struct ds_domainset *s)
{
    free(s->slots);
    memset(s, 0, sizeof(*s));
}

/* Is name equal to domain or under it on a label boundary? */
static bool under_or_equal(const char *name, const char *domain)
{
    size_t nl = strlen(name), dl = strlen(domain);
    if (nl == dl)
        return memcmp(name, domain, nl) == 0;
    return nl > dl && name[nl - dl - 1] == '.' &&
           memcmp(name + nl - dl, domain, dl) == 0;
}

bool ds_name_covers(const char *name, const char *domain, bool subdomains)
{
    if (name == NULL || domain == NULL || domain[0] == '\0')
        return false;
    if (name[0] == '*') {
        const char *base = name + 1;
        if (!subdomains || base[0] != '.' || strchr(base + 1, '.') == NULL)
            return false;
        return under_or_equal(base + 1, domain);
    }
    if (!subdomains)
        return strcmp(name, domain) == 0;
    return under_or_equal(name, domain);
}
