/*
 * route.c - address spaces against send-list entries (see route.h).
 *
 * Must not: allocate or print.
 */
#include "dsconfig.h"

#include "route.h"

#include <string.h>

static int labels(const char *d)
{
    int n = 1;
    for (; *d; d++)
        n += *d == '.';
    return n;
}

/* Is `name` equal to `base` or under it (on a label boundary)? */
static bool at_or_under(const char *name, const char *base)
{
    size_t n = strlen(name), b = strlen(base);
    if (n == b)
        return strcmp(name, base) == 0;
    return n > b && name[n - b - 1] == '.' && strcmp(name + n - b, base) == 0;
}

int ds_route_covers(const char *as, const char *d)
{
    bool suffix = d[0] == '.'; /* every name under d + 1 */
    const char *name = suffix ? d + 1 : d;
    if (strcmp(as, "*") == 0)
        return 0;
    if (as[0] == '*' && as[1] == '.')
        return at_or_under(name, as + 2) ? 2 * labels(as + 2) : -1;
    /* an exact address space covers one name, never "every name under" */
    return !suffix && strcmp(as, name) == 0 ? 2 * labels(as) + 1 : -1;
}

const struct ds_send_connector *ds_route_find(const struct ds_config *cfg,
                                              const char *d, bool secure)
{
    const struct ds_send_connector *best = NULL;
    int best_spec = -1;
    for (size_t i = 0; i < cfg->nsend; i++) {
        const struct ds_send_connector *s = &cfg->send[i];
        if (secure && !s->domain_secure)
            continue;
        for (size_t j = 0; j < s->address_spaces.n; j++) {
            int spec = ds_route_covers(s->address_spaces.v[j], d);
            if (spec > best_spec) {
                best = s;
                best_spec = spec;
            }
        }
    }
    return best;
}
