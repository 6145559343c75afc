/*
 * select.h - Exchange's certificate selection rules (2016 and 2007, see
 * doc/exchange-rules.md): which certificate every connector
 * presents for STARTTLS and for anonymous TLS (X-ANONYMOUSTLS), every
 * candidate with why it was or was not chosen, the Exchange events, and a
 * step-by-step trace of the flowchart.
 *
 * One result per (connector, kind) that applies: a receive connector gets
 * "starttls" when auth_mechanism has tls and "anonymous" when it has
 * exchange_server; a send connector gets "starttls" (its client
 * certificate) and "anonymous" when smart_host_auth_mechanism has
 * exchange_server. Receive connectors first, in configuration order.
 *
 * ds_select_run() is a pure function of (configuration, store, time): it
 * reads no file itself, prints nothing and never exits. domsec-policy
 * select/explain/lint and the MTA renderers all call it.
 *
 * Must not: print, exit, or change the configuration or the store (the
 * store only fills its first-use caches).
 */
#ifndef DS_SELECT_H
#define DS_SELECT_H

#include <stdbool.h>
#include <stddef.h>

#include "certstore.h"
#include "dsconfig.h"
#include "diag.h"
#include "util.h"

enum ds_dir { DS_DIR_RECEIVE, DS_DIR_SEND };
enum ds_kind { DS_KIND_STARTTLS, DS_KIND_ANONYMOUS };

/* An Exchange event (same ID and meaning as Exchange's); the code says
 * which (several codes can share an ID: 12016 under either rules). */
struct ds_event {
    int id;
    enum ds_sev sev; /* the code's */
    enum ds_code code;
    char *text;
};

/* Why a candidate is not eligible, or was not chosen (bits). */
enum ds_exclusion {
    DS_EXCL_VERSION = 1 << 0,       /* X.509 v1 or v2 */
    DS_EXCL_NO_KEY = 1 << 1,        /* no private key configured */
    DS_EXCL_KEY_UNUSABLE = 1 << 2,  /* a key file that cannot be used */
    DS_EXCL_NOT_SMTP = 1 << 3,      /* services has no "smtp" */
    DS_EXCL_NOT_YET_VALID = 1 << 4, /* NotBefore in the future */
    DS_EXCL_UNTRUSTED = 1 << 5,     /* CA-issued, chain does not verify */
    DS_EXCL_EXPIRED_2007 = 1 << 6,  /* expired, 2007 rules */
    DS_EXCL_OLDER = 1 << 7,         /* eligible, an older NotBefore */
    DS_EXCL_SELF_SIGNED = 1 << 8,   /* eligible, self-signed, not chosen */
    DS_EXCL_NOT_INTERNAL = 1 << 9,  /* best for the domain list: event 1037 */
};

struct ds_candidate {
    const struct ds_cert *cert;
    bool eligible;
    unsigned excluded; /* enum ds_exclusion bits; 0 for the selected one */
    /* The same in words, one per reason (explain, select --json). */
    struct ds_strlist reasons;
};

struct ds_result {
    const char *connector;
    enum ds_dir dir;
    enum ds_kind kind;
    const struct ds_recv_connector *recv; /* set when dir is RECEIVE */
    const struct ds_send_connector *send; /* set when dir is SEND */
    /* What the certificate is looked up by: a host name, a
     * tls_certificate_name, or (anonymous TLS) the internal certificate's
     * thumbprint; NULL when there is nothing to look up. */
    const char *name;
    /* receive: the verb (STARTTLS, X-ANONYMOUSTLS) is advertised;
     * send: TLS is used with this certificate. */
    bool advertise;
    const struct ds_cert *selected; /* NULL: none is used */
    /* Eligible ones first, best first; then the others. */
    struct ds_candidate *cand;
    size_t ncand, capcand;
    struct ds_event *events;
    size_t nevents, capevents;
    struct ds_strlist trace; /* the flowchart, one step a line */
};

struct ds_selection {
    long long at;
    enum ds_rules rules;
    struct ds_result *v;
    size_t n, cap;
};

/*
 * Run the rules at time `at` for every connector, or, when `only` is not
 * NULL and not empty, for the connectors whose name is in it (receive or
 * send). Fills *out (free with ds_selection_free, also after a failure).
 * Returns 0, or -1 when out of memory.
 */
int ds_select_run(const struct ds_config *cfg, const struct ds_certstore *store,
                  long long at, const struct ds_strlist *only,
                  struct ds_selection *out);
void ds_selection_free(struct ds_selection *sel);

/* True when every result advertises (select exits 1 otherwise). */
bool ds_select_all_advertise(const struct ds_selection *sel);
/* The result for (connector, dir, kind), or NULL when it does not apply
 * (connector names compared without case). */
const struct ds_result *ds_select_find(const struct ds_selection *sel,
                                       const char *connector, enum ds_dir dir,
                                       enum ds_kind kind);

/* "receive"/"send", "starttls"/"anonymous", "error"/"warning". */
const char *ds_select_dir_name(enum ds_dir d);
const char *ds_select_kind_name(enum ds_kind k);

#endif
