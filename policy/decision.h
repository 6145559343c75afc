/*
 * decision.h - the milter's decision vocabulary: the result, the reason
 * and what was done with the message (the log line's action=), with their
 * name tables (names.c). domsec-milter writes these words in its log line
 * and metrics (milter/decide.c, callbacks.c, stats.c, decisions.c);
 * `domsec-policy report` reads them back (maillog.c). doc/design.md, "The
 * decision", is the contract.
 *
 * Must not: be included next to select.h (its struct ds_result is the
 * selection's result, another tag of the same name).
 */
#ifndef DS_DECISION_H
#define DS_DECISION_H

#include "names.h"

/* The milter's decision (milter/decide.c), as the log and metrics say. */
enum ds_result { DS_RESULT_NONE, DS_RESULT_PASS, DS_RESULT_FAIL };
#define DS_RESULT_COUNT 3

enum ds_reason {
    DS_REASON_NOT_DOMAIN_SECURE, /* connector has domain security off */
    DS_REASON_NULL_SENDER,       /* no sender domain: <>, no '@' */
    DS_REASON_BAD_SENDER,        /* sender domain unusable: never listed */
    DS_REASON_UNLISTED,          /* not on tls_receive_domain_secure_list */
    DS_REASON_TLS_NOT_STARTED,
    DS_REASON_NOT_VERIFIED,
    DS_REASON_SUBJECT_MISMATCH,
    DS_REASON_PASS,
    DS_REASON_COUNT
};

/* What the milter did with a message (the log line's action=). */
enum ds_logged_action {
    DS_LOGGED_ACCEPT,     /* not judged, or judged and nothing to do */
    DS_LOGGED_MARK,       /* accepted and marked */
    DS_LOGGED_MONITOR,    /* mode = monitor: accepted, would have refused */
    DS_LOGGED_REJECT,     /* 550 at MAIL FROM */
    DS_LOGGED_TEMPFAIL,   /* 451 at MAIL FROM */
    DS_LOGGED_QUARANTINE, /* accepted into the MTA's hold queue */
};

extern const struct ds_name_code ds_result_names[];
extern const struct ds_name_code ds_reason_names[];
extern const struct ds_name_code ds_logged_action_names[];

const char *ds_result_name(enum ds_result r);
const char *ds_reason_name(enum ds_reason r);

#endif
