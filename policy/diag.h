/*
 * diag.h - diagnostics (errors, warnings) collected while loading a
 * configuration or a certificate store, each with the file and line a
 * human must look at and a one-line fix hint.
 *
 * Must not: print anything by itself (callers choose stderr, syslog or JSON).
 */
#ifndef DS_DIAG_H
#define DS_DIAG_H

#include <stdio.h>
#include <stddef.h>

enum ds_sev { DS_SEV_ERROR, DS_SEV_WARNING };

struct ds_diag_item {
    enum ds_sev sev;
    char *file; /* may be NULL */
    int line;   /* 0 when unknown */
    char *text;
    char *hint; /* may be NULL */
};

struct ds_diag {
    struct ds_diag_item *v;
    size_t n, cap;
    size_t nerrors, nwarnings;
};

/* Record a diagnostic. Out of memory is remembered as an error. */
void ds_diag_add(struct ds_diag *d, enum ds_sev sev, const char *file, int line,
                 const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Print every item as "FILE:LINE: error: TEXT" plus an indented hint line. */
void ds_diag_print(const struct ds_diag *d, FILE *fp);

/* Format item i as one line (no newline) into buf; returns buf. */
char *ds_diag_format(const struct ds_diag_item *it, char *buf, size_t size);

void ds_diag_free(struct ds_diag *d);

#endif
