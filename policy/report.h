/*
 * report.h - what domsec-policy prints: the selection (select, explain),
 * the certificate store (certs), lint findings and check-config, as text
 * for people or as JSON for programs (the JSON is a contract:
 * doc/design.md, "JSON output").
 *
 * Must not: compute anything the rules decide (select.c, lint.c do), or
 * exit.
 */
#ifndef DS_REPORT_H
#define DS_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "certstore.h"
#include "dsconfig.h"
#include "diag.h"
#include "lint.h"
#include "select.h"

/* select (explain false) or explain (true: the trace of every step). */
void ds_report_select_text(FILE *fp, const struct ds_certstore *store,
                           const struct ds_selection *sel, bool explain);
/* {"at", "rules", "results": [...]}: exactly the fields of doc/design.md,
 * "select --json, explain --json". */
void ds_report_select_json(FILE *fp, const struct ds_certstore *store,
                           const struct ds_selection *sel);

/* Every certificate with its attributes, the connectors that use it (from
 * sel), and the exact tls_certificate_name to paste. */
void ds_report_certs_text(FILE *fp, const struct ds_certstore *store,
                          const struct ds_selection *sel);
void ds_report_certs_json(FILE *fp, const struct ds_certstore *store,
                          const struct ds_selection *sel);

void ds_report_lint_text(FILE *fp, const struct ds_lint *lint);
void ds_report_lint_json(FILE *fp, const struct ds_lint *lint);

/* check-config: a summary, or (JSON) the outcome and every diagnostic.
 * cfg and store may be NULL when loading failed. */
void ds_report_check_text(FILE *fp, const char *path,
                          const struct ds_config *cfg,
                          const struct ds_certstore *store);
void ds_report_check_json(FILE *fp, const char *path,
                          const struct ds_config *cfg,
                          const struct ds_certstore *store,
                          const struct ds_diag *diag);

#endif
