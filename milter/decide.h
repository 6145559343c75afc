/*
 * decide.h - the Domain Security decision (doc/design.md, "The
 * decision"), as a pure function over plain structs: which connector,
 * which sender domain, what the MTA said about TLS, the partner overrides
 * and the milter settings go in; the result, reason, Exchange event, the
 * action and the SMTP reply come out.
 *
 * Must not: use libmilter types, log, allocate (beyond libidn2 for a
 * non-ASCII certificate name), or read files. Unit tests call it directly.
 */
#ifndef DS_DECIDE_H
#define DS_DECIDE_H

#include <stdbool.h>

#include "dsconfig.h"
#include "decision.h"

/* enum ds_result, enum ds_reason and their names: decision.h */

/* What to answer at MAIL FROM. */
enum ds_verdict {
    DS_VERDICT_CONTINUE,   /* accept (and maybe mark at end of message) */
    DS_VERDICT_REJECT,     /* 550 5.7.1 */
    DS_VERDICT_TEMPFAIL,   /* 451 4.7.1 */
    DS_VERDICT_QUARANTINE, /* accept, smfi_quarantine at end of message */
};

/* What the MTA said about the session's TLS, already decoded (peer.c). */
struct ds_tls {
    bool active;           /* TLS negotiated in this session */
    bool verified;         /* the client certificate verified (MTA's CAs) */
    const char *version;   /* "TLSv1.3" or NULL */
    const char *peer_cn;   /* subject CN, decoded, NULL when unknown */
    const char *issuer_cn; /* issuer CN, decoded, NULL when unknown */
};

struct ds_decide_in {
    const struct ds_milter_conf *milter;
    /* The connector for {daemon_name}; NULL when the name is unknown and
     * there is no default_connector: judged as domain-secure. */
    const struct ds_recv_connector *connector;
    const struct ds_domainset *receive_list;
    /* The normalised sender domain; "" for the null sender or an address
     * without '@'; NULL when the sender domain could not be parsed. */
    const char *domain;
    const struct ds_tls *tls;
};

#define DS_REPLY_TEXT_MAX 512

struct ds_decision {
    enum ds_result result;
    enum ds_reason reason;
    int event;               /* 11012, 11015, or 0 */
    enum ds_verdict verdict; /* the answer to MAIL FROM */
    bool mark;               /* add the mark header at end of message */
    bool monitor;            /* a failure let through by mode = monitor */
    const char *list_entry;  /* the matching list entry, or NULL (also
                                set when the connector has domain
                                security off: counted, not judged) */
    const struct ds_partner *partner; /* overrides, or NULL */
    /* Reply for reject/tempfail, and the quarantine reason: "" otherwise. */
    char code[4];  /* "550" / "451" */
    char xcode[8]; /* "5.7.1" / "4.7.1" */
    char text[DS_REPLY_TEXT_MAX];
};

/* Fill *out from *in. Never fails: every input has a defined outcome. */
void ds_decide(const struct ds_decide_in *in, struct ds_decision *out);

/*
 * The connector for an MTA listener name: the receive connector whose
 * daemon_name equals it, else milter.default_connector's, else NULL (judge
 * as domain-secure). *known says whether the name itself was found.
 */
const struct ds_recv_connector *ds_decide_connector(const struct ds_config *cfg,
                                                    const char *daemon_name,
                                                    bool *known);

/* Does the certificate name (raw, as the MTA gave it) stand for the
 * normalised sender domain under the milter settings and partner
 * overrides? Exposed for the unit tests. */
bool ds_decide_name_ok(const char *cn, const char *domain,
                       enum ds_peer_match match,
                       const struct ds_partner *partner);

/* What the milter does with the message (the log line's action=), and
 * its name: "accept", "mark", "monitor", "reject", "tempfail",
 * "quarantine" (names.h). */
enum ds_logged_action ds_decision_logged(const struct ds_decision *d);
const char *ds_decision_action(const struct ds_decision *d);

#endif
