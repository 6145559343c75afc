/*
 * route.h - which send connector carries mail for a domain: SMTP address
 * spaces ("*", "example.com", "*.example.com") against the entries of
 * tls_send_domain_secure_list ("example.com", or ".example.com" for every
 * name under it). Used by lint (is every listed domain covered by a
 * domain-secure connector?) and by the renderers (where to route it).
 *
 * Address spaces follow Exchange: "*" is every domain, "example.com" that
 * domain only, "*.example.com" the domain and every name under it; the
 * most specific address space wins, then configuration order.
 *
 * Must not: allocate, or know anything about certificates or MTAs.
 */
#ifndef DS_ROUTE_H
#define DS_ROUTE_H

#include <stdbool.h>

#include "dsconfig.h"

/*
 * Does address space `as` cover every name the send-list entry `d` stands
 * for? Returns the specificity of the match (0 for "*", higher for more
 * labels, an exact name above a wildcard of the same labels), or -1 when
 * it does not cover it.
 */
int ds_route_covers(const char *as, const char *d);

/* The send connector with the most specific address space covering `d`
 * among those with domain_secure_enabled (secure) or all of them; NULL
 * when none covers it. */
const struct ds_send_connector *ds_route_find(const struct ds_config *cfg,
                                              const char *d, bool secure);

#endif
