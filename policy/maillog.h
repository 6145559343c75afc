/*
 * maillog.h - domsec-milter's decision lines read back from a mail log,
 * and summed up per partner (domsec-policy report).
 *
 * A decision line is what the milter logs once per message (see
 * domsec-milter(8), LOGGING): "qid=... connector=... domain=... tls=...
 * peer=... issuer=... result=... reason=... event=... action=...", with
 * values quoted by the milter's rules (double quotes, \" \\ and \xHH).
 * It is found in any of the forms a log takes on Debian:
 *   Dec  3 10:00:00 host domsec-milter[123]: qid=...          (syslog)
 *   2026-12-03T10:00:00.123456+00:00 host domsec-milter[123]: qid=...
 *                                                             (rsyslog)
 *   Dec 03 10:00:00 host domsec-milter[123]: qid=...          (Postfix's
 *                                       maillog_file, journalctl)
 *   domsec-milter[123]: warning: qid=...                      (stderr, -f)
 * with the stderr prefix and level possibly repeated inside the message
 * (the milter under systemd writes to the journal, which forwards it).
 *
 * Must not: print, or trust the log: every field is bounded and a line
 * that does not parse is skipped, never fatal.
 */
#ifndef DS_MAILLOG_H
#define DS_MAILLOG_H

#include <stdbool.h>
#include <stddef.h>

#include "dsconfig.h"
#include "util.h"

/* The failure reasons and actions the milter logs, as codes. */
enum ds_ml_reason {
    DS_ML_TLS_NOT_STARTED,
    DS_ML_NOT_VERIFIED,
    DS_ML_SUBJECT_MISMATCH,
    DS_ML_REASON_COUNT
};
enum ds_ml_action {
    DS_ML_REFUSED,     /* reject or tempfail: refused at MAIL FROM */
    DS_ML_QUARANTINED, /* accepted into the MTA's hold queue */
    DS_ML_MONITORED,   /* mode = monitor: accepted, would have been refused */
    DS_ML_ACTION_COUNT
};
const char *ds_ml_reason_name(enum ds_ml_reason r);
const char *ds_ml_action_name(enum ds_ml_action a);

/* One decision line. Strings are decoded (quotes and escapes undone) and
 * cut to their buffers; "" when the field is absent or "-". */
struct ds_ml_line {
    bool dated;
    long long when; /* UTC seconds, when dated */
    char qid[64], connector[128], domain[256], tls[32];
    char peer[256], issuer[256], result[16], reason[48], action[16];
};

/*
 * Parse one log line (without its newline). `now` places a syslog time
 * stamp, which has no year, in the year that puts it at most a day after
 * now. Returns 1 and fills *out for a decision line, 0 for any other line.
 */
int ds_ml_parse(const char *line, long long now, struct ds_ml_line *out);

/* A name seen, and how often. */
struct ds_ml_tally {
    char *name;
    unsigned long n;
};

#define DS_ML_TALLY_MAX 32 /* names kept per list; the rest are counted */

struct ds_ml_names {
    struct ds_ml_tally v[DS_ML_TALLY_MAX];
    size_t n;
    unsigned long more; /* messages with a name beyond the first 32 */
};

/* What the log says about one partner. */
struct ds_ml_partner {
    char *name;  /* the list entry (or the sender domain, when the
                    current list no longer has it) */
    bool listed; /* on tls_receive_domain_secure_list now */
    unsigned long messages, pass, not_enforced;
    unsigned long fail[DS_ML_REASON_COUNT][DS_ML_ACTION_COUNT];
    struct ds_ml_names peers, issuers, domains, connectors;
    bool dated;
    long long first, last;
    size_t order; /* its place in the output (list order first) */
};

struct ds_ml_report {
    struct ds_ml_partner *v;
    size_t n, cap;
    struct ds_domainset index; /* name -> partner number + 1 */
    unsigned long lines, decisions, undated_skipped, older_skipped;
    unsigned long others; /* decisions about senders not on the list */
    bool dated;
    long long first, last;
    long long since; /* 0: no --since */
    bool oom;
};

/* Start a report; since (UTC seconds) drops older lines (0: none). */
void ds_ml_report_init(struct ds_ml_report *r, long long since);
/* Count one parsed line under the partner cfg's receive list says. */
void ds_ml_report_add(struct ds_ml_report *r, const struct ds_config *cfg,
                      const struct ds_ml_line *l);
/* Add the partners on the receive list that sent nothing (in list order),
 * and order the partners: the list's order, then the others by name. */
void ds_ml_report_finish(struct ds_ml_report *r, const struct ds_config *cfg);
void ds_ml_report_free(struct ds_ml_report *r);

/* Failures of any kind, of one partner. */
unsigned long ds_ml_failures(const struct ds_ml_partner *p);

/* Parse --since: the --at forms (UTC), or N followed by d, h or m (that
 * long before now). Returns 0 or -1. */
int ds_ml_since_parse(const char *s, long long now, long long *out);

#endif
