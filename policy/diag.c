/*
 * diag.c - collect and print diagnostics.
 *
 * Must not: exit or log; an allocation failure is counted as an error.
 */
#include "config.h"

#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void ds_diag_add(struct ds_diag *d, enum ds_sev sev, const char *file, int line,
                 const char *hint, const char *fmt, ...)
{
    if (sev == DS_SEV_ERROR)
        d->nerrors++;
    else
        d->nwarnings++;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        struct ds_diag_item *v = realloc(d->v, cap * sizeof(*v));
        if (v == NULL)
            return;
        d->v = v;
        d->cap = cap;
    }
    struct ds_diag_item *it = &d->v[d->n];
    va_list ap;
    va_start(ap, fmt);
    int r = vasprintf(&it->text, fmt, ap);
    va_end(ap);
    if (r < 0)
        return;
    it->sev = sev;
    it->line = line;
    it->file = file ? strdup(file) : NULL;
    it->hint = hint ? strdup(hint) : NULL;
    d->n++;
}

char *ds_diag_format(const struct ds_diag_item *it, char *buf, size_t size)
{
    const char *sev = it->sev == DS_SEV_ERROR ? "error" : "warning";
    if (it->file && it->line > 0)
        snprintf(buf, size, "%s:%d: %s: %s", it->file, it->line, sev, it->text);
    else if (it->file)
        snprintf(buf, size, "%s: %s: %s", it->file, sev, it->text);
    else
        snprintf(buf, size, "%s: %s", sev, it->text);
    return buf;
}

void ds_diag_print(const struct ds_diag *d, FILE *fp)
{
    char buf[2048];
    for (size_t i = 0; i < d->n; i++) {
        fprintf(fp, "%s\n", ds_diag_format(&d->v[i], buf, sizeof(buf)));
        if (d->v[i].hint)
            fprintf(fp, "    hint: %s\n", d->v[i].hint);
    }
    if (d->nerrors + d->nwarnings > d->n)
        fprintf(fp, "error: out of memory while recording diagnostics\n");
}

void ds_diag_free(struct ds_diag *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].file);
        free(d->v[i].text);
        free(d->v[i].hint);
    }
    free(d->v);
    memset(d, 0, sizeof(*d));
}
