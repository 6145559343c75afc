/*
 * scenario.h - the SMTP sessions milterload plays (sender, TLS facts,
 * certificate, forged mark) and what domsec-milter must answer to each,
 * under the configuration in t/bench/bench.conf; the scenario mix; and the
 * Postfix-style macro values a session offers.
 *
 * Must not: do I/O on a milter socket (milterload.c), or change a
 * scenario's expectation without changing bench.conf to match.
 */
#ifndef DS_BENCH_SCENARIO_H
#define DS_BENCH_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

/* What domsec-milter must do with a scenario (with --expect domsec). */
enum sc_expect {
    SC_PASS,     /* continue at MAIL; insert the X-Domain-Secure mark */
    SC_REJECT,   /* 550 5.7.1 at MAIL naming the partner domain */
    SC_UNLISTED, /* continue everywhere, no mark */
};

struct scenario {
    const char *name;
    const char *sender;      /* envelope sender, without <> */
    const char *client_name; /* reverse name, also the HELO name */
    const char *client_addr;
    const char *client_id; /* Postfix's `_`: "name [addr]" */
    bool tls;
    const char *cert_subject; /* Postfix {cert_subject}: CN; NULL = absent */
    const char *cert_issuer;
    bool forged; /* one of the three headers is a forged mark */
    enum sc_expect expect;
};

/* The partner domain on tls_receive_domain_secure_list in bench.conf. */
#define SC_PARTNER "woodgrovebank.com"
#define SC_MARK "X-Domain-Secure"

/* Every scenario, in the order of the builtin mix. */
extern const struct scenario sc_all[];
extern const size_t sc_count;

/* A mix: the sequence of scenarios played round-robin. */
struct sc_mix {
    const struct scenario **seq;
    size_t n;
    char name[64];
};

/*
 * Load a mix: "builtin" (every scenario once), "eom" (only the scenarios
 * that reach end of message under domsec: a fair throughput comparison
 * with a null milter, which never refuses), or a file with lines
 * "SCENARIO [COUNT]" (# comments). Returns 0, or -1 with err filled.
 */
int sc_mix_load(const char *spec, struct sc_mix *mix, char *err,
                size_t errsize);
void sc_mix_free(struct sc_mix *mix);

/* Default macro lists per stage (SMFIM_* order), as Postfix sends them
 * with milter_mail_macros extended by the TLS macros. */
extern const char *const sc_default_macros[7];

/*
 * The value Postfix would give macro `name` (exactly as written in the
 * list, e.g. "{mail_addr}" or "j") in this session, or NULL when Postfix
 * would leave it out. queue_id is the session's `i`.
 */
const char *sc_macro(const struct scenario *sc, const char *name,
                     const char *queue_id);

#endif
