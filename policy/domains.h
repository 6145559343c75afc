/*
 * domains.h - domain names: normalisation (case, trailing dot, IDN,
 * syntax) and the secure-domain lists as hash sets with O(1) lookup.
 *
 * Must not: allocate on the lookup path, do DNS, or know about
 * certificates. The milter calls ds_domain_normalise() and
 * ds_domainset_match() once per message.
 */
#ifndef DS_DOMAINS_H
#define DS_DOMAINS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Longest domain name in presentation form, without the trailing dot. */
#define DS_DOMAIN_MAX 253

enum ds_domain_flags {
    DS_DOMAIN_ALLOW_SUFFIX = 1 << 0,   /* ".example.com" = any name under it */
    DS_DOMAIN_ALLOW_WILDCARD = 1 << 1, /* "*.example.com" (certificate names) */
    DS_DOMAIN_ALLOW_SINGLE = 1 << 2,   /* a one-label name ("mail1") */
};

/*
 * Normalise the domain in in[0..len) into out (size >= DS_DOMAIN_MAX + 2):
 * ASCII lower case, one trailing dot removed, U-labels converted to
 * A-labels (IDNA2008 with UTS#46 mapping), syntax checked (LDH labels of
 * 1..63 octets, at most 253 octets, at least two labels unless
 * DS_DOMAIN_ALLOW_SINGLE). Returns 0, or -1 with *why set to a static
 * message. Allocates only for non-ASCII input (inside libidn2).
 */
int ds_domain_normalise(const char *in, size_t len, char *out, unsigned flags,
                        const char **why);

/* A hash set of normalised names, each with an optional value pointer. */
struct ds_domainset_entry {
    const char *name; /* normalised; ".x.y" for a subdomain entry */
    void *value;
    uint32_t tag; /* bits of name's hash (domains.c, tag_of) */
};

struct ds_domainset {
    struct ds_domainset_entry *slots; /* capacity is a power of two */
    size_t cap, n;
    size_t nsuffix; /* how many entries start with "." */
};

/* Returns 0, or -1 when out of memory. `name` must outlive the set. */
int ds_domainset_init(struct ds_domainset *s, size_t expected);
/* Adds name (already normalised). Returns 1 if added, 0 if already
 * present (the existing entry keeps its value), -1 when out of memory. */
int ds_domainset_add(struct ds_domainset *s, const char *name, void *value);
/* The entry for exactly this string, or NULL. */
const struct ds_domainset_entry *ds_domainset_get(const struct ds_domainset *s,
                                                  const char *name);
/*
 * Does the normalised domain d belong to the list? Exact match first, then
 * the ".suffix" entries for every parent of d (a ".example.com" entry covers
 * "a.example.com" and "b.a.example.com", not "example.com").
 * Returns the matching entry or NULL. Cost: O(labels of d).
 */
const struct ds_domainset_entry *
ds_domainset_match(const struct ds_domainset *s, const char *d);
void ds_domainset_free(struct ds_domainset *s);

/*
 * Is `name` (a certificate name, normalised, possibly "*.x") equal to
 * `domain`, or (when `subdomains`) a name under it on a label boundary?
 * A wildcard "*.B" counts only in subdomain mode, when B is the domain or
 * under it, and B has at least two labels.
 */
bool ds_name_covers(const char *name, const char *domain, bool subdomains);

#endif
