/*
 * lint.h - problems in a configuration and its certificates, and an expiry
 * forecast: what `domsec-policy lint` reports, on top of what loading the
 * configuration and the certificate store found (their diagnostics become
 * findings too). Every finding has a code and its severity, the Exchange
 * event ID when there is one, the connector and certificate it is about,
 * where to look, and a fix hint. `render` runs it too, and refuses on its
 * errors about what it renders.
 *
 * Must not: print or exit (report.c prints). It runs the selection rules
 * itself (at the given time, and at forecast times).
 */
#ifndef DS_LINT_H
#define DS_LINT_H

#include <stdbool.h>
#include <stddef.h>

#include "certstore.h"
#include "dsconfig.h"
#include "diag.h"

#define DS_LINT_DEFAULT_DAYS 60

struct ds_finding {
    enum ds_code code;       /* what it is (diag.h) */
    enum ds_sev sev;         /* the code's severity */
    int event;               /* Exchange event ID; 0 when none */
    const char *connector;   /* NULL when not about one connector */
    const char *certificate; /* section name; NULL when not about one */
    struct ds_where where;   /* file NULL when there is no place to point */
    char *text;
    char *hint; /* NULL when none */
};

struct ds_lint {
    long long at;
    int days; /* the expiry forecast window */
    struct ds_finding *v;
    size_t n, cap;
    size_t nerrors, nwarnings;
};

/*
 * Lint cfg and store at time `at`, forecasting expiry `days` ahead. The
 * store's load warnings (`load_diag`, may be NULL) become findings too.
 * Fills *out (free with ds_lint_free, also after a failure). Returns 0, or
 * -1 when out of memory.
 */
int ds_lint_run(const struct ds_config *cfg, const struct ds_certstore *store,
                long long at, int days, const struct ds_diag *load_diag,
                struct ds_lint *out);
void ds_lint_free(struct ds_lint *l);

/* The diagnostics of a configuration that did not load, as findings (for
 * lint --json, which then exits 78). Returns 0, or -1 when out of memory;
 * free with ds_lint_free in both cases. */
int ds_lint_from_diag(const struct ds_diag *d, long long at, int days,
                      struct ds_lint *out);

#endif
