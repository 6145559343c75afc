/*
 * names.h - the words domsec writes and reads for its enumerations, one
 * two-way table each (after Postfix's NAME_CODE): the configuration's
 * values (action, mode, peer_match, mta, log_level, selection_rules), the
 * severity of a finding; decision.h adds the milter's decision vocabulary
 * (result, reason, the log line's action), which `domsec-policy report`
 * reads back. Parsing and printing use the same table, so a word cannot be
 * spelled two ways.
 *
 * Must not: hold a word that is not part of a contract (doc/design.md
 * lists them), or depend on anything but dsconfig.h and diag.h.
 */
#ifndef DS_NAMES_H
#define DS_NAMES_H

#include "diag.h"
#include "dsconfig.h"

/* { "name", code } ..., terminated by { NULL, 0 }. */
struct ds_name_code {
    const char *name;
    int code;
};

/* The code of name (ASCII case ignored), or dflt when the table has no
 * such name. */
int ds_name_to_code(const struct ds_name_code *t, const char *name, int dflt);
/* The name of code, or "?" when the table has no such code. */
const char *ds_name_of(const struct ds_name_code *t, int code);
/* "a, b, c": every name of the table, for an error's hint. Returns buf. */
const char *ds_names_list(const struct ds_name_code *t, char *buf, size_t size);

extern const struct ds_name_code ds_action_names[]; /* milter.action */
extern const struct ds_name_code ds_mode_names[];   /* milter.mode */
extern const struct ds_name_code ds_peer_match_names[];
extern const struct ds_name_code ds_mta_names[]; /* milter.mta */
extern const struct ds_name_code ds_log_level_names[];
extern const struct ds_name_code ds_rules_names[]; /* selection_rules */
extern const struct ds_name_code ds_sev_names[];   /* error, warning */

/* Shorthands for the names printed most. */
const char *ds_rules_name(enum ds_rules r);
const char *ds_sev_name(enum ds_sev s);

#endif
