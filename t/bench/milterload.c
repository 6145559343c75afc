/*
 * milterload - a load driver that speaks the milter protocol (version 6)
 * as Postfix does, without an MTA and without libmilter, and checks every
 * reply it gets: a broken milter never looks fast.
 *
 *   milterload -s SOCKET -c CONNS -n SESSIONS [--mix builtin|eom|FILE]
 *              [--expect null|domsec] [--timeout MS] [--trace]
 *              [--versus SOCKET2 [--versus-expect null|domsec]]
 *   milterload -s SOCKET --idle N --hold SECONDS [--rss-pid PID]
 *   milterload -l                      (list the scenarios)
 *
 * CONNS worker threads each run SESSIONS sessions one after another; each
 * session is a new connection, as Postfix opens one per SMTP session:
 * OPTNEG (offering what Postfix offers), CONNECT, HELO, MAIL, RCPT, DATA,
 * three headers, EOH, BODY, EOM, ABORT (Postfix resets the milter after
 * each message), QUIT. Steps the milter negotiated away are not sent (their
 * macros are, as Postfix does); replies it declined are not awaited; the
 * macros it asked for in its OPTNEG reply replace the default lists.
 * --expect null: every answer must be continue (accept at end of message)
 * and nothing may be modified. --expect domsec: the answers t/bench/bench.conf
 * implies (scenario.h). Output: a human line and one "result key=value ..."
 * line; exit 0 only when every session matched, 1 otherwise, 64 on usage.
 * --versus (pair mode) compares two milters side by side: every worker
 * alternates between them every 10 sessions (half the workers start with
 * each), so a slow spell on a shared machine hits both alike; each gets
 * its lines ("result mode=pair ...", its rate = CONNS * sessions / summed
 * latency) and a last line "result mode=ratio ... ratio=RATE2/RATE1". The
 * versus milter's answers are checked with --versus-expect (default null).
 * --idle opens N sessions up to HELO and holds them SECONDS (for the
 * milter's memory per idle session; --rss-pid reads that process's RSS
 * while they are held).
 *
 * Must not: share code with the milters it measures, count a session whose
 * answers were wrong as a success, or let Nagle delay a packet (TCP_NODELAY).
 */
#include "mwire.h"
#include "scenario.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MAX_NAMES 48   /* macro names per stage */
#define MAX_REPORTS 10 /* problems printed in full */
#define PAIR_BLOCK 10  /* pair mode: sessions in a row on one target */

enum expect_mode { EXPECT_NULL, EXPECT_DOMSEC };

/* A milter under load: where it listens, what its answers must be, and
 * what it negotiated (the same on every connection, normally). */
struct target {
    struct mw_addr addr;
    enum expect_mode expect;
    _Atomic uint32_t actions, pflags;
};

struct opts {
    struct target t[2]; /* t[1]: the --versus milter (pair mode) */
    int ntargets;
    int conns, sessions, timeout_ms;
    struct sc_mix mix;
    int idle, hold;
    long rss_pid;
    bool trace;
};

enum step {
    S_OPTNEG,
    S_CONNECT,
    S_HELO,
    S_MAIL,
    S_RCPT,
    S_DATA,
    S_HEADER,
    S_EOH,
    S_BODY,
    S_EOM
};
static const char *const step_name[] = {"OPTNEG", "CONNECT", "HELO",   "MAIL",
                                        "RCPT",   "DATA",    "HEADER", "EOH",
                                        "BODY",   "EOM"};

/* How a session goes on after an answer (what Postfix would do next). */
enum flow {
    GO_ON,
    END_MESSAGE, /* message over: ABORT, then QUIT */
    END_QUIT,    /* no message (MAIL refused): QUIT */
    END_CLOSE,   /* connection refused or protocol error: just close */
};

enum outcome { OK, MISMATCH, ERROR };

struct session {
    const struct opts *o;
    struct target *t;
    struct mw_conn *c;
    const struct scenario *sc;
    unsigned long seq;
    char queue_id[16];
    uint32_t version, actions, pflags;
    const char *names[MW_M_COUNT][MAX_NAMES];
    size_t nnames[MW_M_COUNT];
    char listbuf[2048];
    enum outcome outcome;
    char why[320];
};

static atomic_int reports;

static void report(const struct session *s)
{
    if (atomic_fetch_add(&reports, 1) < MAX_REPORTS)
        fprintf(stderr, "milterload: session %lu (%s): %s: %s\n", s->seq,
                s->sc->name, s->outcome == ERROR ? "error" : "mismatch",
                s->why);
}

/* Is c one of the reply codes in set? (strchr alone matches NUL.) */
static bool one_of(char c, const char *set)
{
    return c != '\0' && strchr(set, c) != NULL;
}

static enum flow fail(struct session *s, enum outcome o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum flow fail(struct session *s, enum outcome o, const char *fmt, ...)
{
    if (s->outcome < o) { /* keep the first message of the worst kind */
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->why, sizeof(s->why), fmt, ap);
        va_end(ap);
        s->outcome = o;
    }
    return o == ERROR ? END_CLOSE : GO_ON;
}

/* ---- negotiation -------------------------------------------------------- */

/* Split a macro list ("{a} b, {c}") into s->names[stage]. */
static int set_names(struct session *s, int stage, const char *list,
                     size_t *used)
{
    size_t len = strlen(list);
    if (*used + len + 1 > sizeof(s->listbuf))
        return -1;
    char *p = memcpy(s->listbuf + *used, list, len + 1);
    *used += len + 1;
    s->nnames[stage] = 0;
    for (char *save = NULL, *t = strtok_r(p, " ,\t", &save); t != NULL;
         t = strtok_r(NULL, " ,\t", &save)) {
        if (s->nnames[stage] == MAX_NAMES)
            return -1;
        s->names[stage][s->nnames[stage]++] = t;
    }
    return 0;
}

static enum flow optneg(struct session *s)
{
    struct mw_conn *c = s->c;
    char err[200];
    struct mw_packet p;
    size_t off = mw_begin(c, 'O');
    mw_add_u32(c, MW_VERSION);
    mw_add_u32(c, MW_ALL_ACTIONS);
    mw_add_u32(c, MW_POSTFIX_V6_PROTO);
    mw_end(c, off);
    int rc = mw_read(c, &p, err, sizeof(err));
    if (rc <= 0)
        return fail(s, ERROR, "OPTNEG: %s",
                    rc == 0 ? "milter closed the connection" : err);
    size_t at = 0;
    if (p.cmd != 'O' || mw_get_u32(&p, &at, &s->version) < 0 ||
        mw_get_u32(&p, &at, &s->actions) < 0 ||
        mw_get_u32(&p, &at, &s->pflags) < 0)
        return fail(s, ERROR, "OPTNEG: bad reply '%c' (%zu bytes)", p.cmd,
                    p.len);
    if (s->version < 2 || s->version > MW_VERSION)
        return fail(s, ERROR, "OPTNEG: milter answered version %u", s->version);
    if ((s->actions & ~(uint32_t)MW_ALL_ACTIONS) != 0 ||
        (s->pflags & ~(uint32_t)MW_POSTFIX_V6_PROTO) != 0)
        return fail(s, ERROR,
                    "OPTNEG: milter wants actions 0x%x / protocol 0x%x "
                    "beyond what was offered",
                    s->actions, s->pflags);
    size_t used = 0;
    bool set[MW_M_COUNT] = {false};
    while (at < p.len) {
        uint32_t stage;
        const char *list;
        if (mw_get_u32(&p, &at, &stage) < 0 || mw_get_str(&p, &at, &list) < 0 ||
            stage >= MW_M_COUNT)
            return fail(s, ERROR, "OPTNEG: malformed macro list");
        if (!(s->actions & MW_SETSYMLIST))
            return fail(s, ERROR,
                        "OPTNEG: macro list without "
                        "SMFIF_SETSYMLIST");
        if (set_names(s, (int)stage, list, &used) < 0)
            return fail(s, ERROR, "OPTNEG: macro list too long");
        set[stage] = true;
    }
    for (int i = 0; i < MW_M_COUNT; i++)
        if (!set[i] && set_names(s, i, sc_default_macros[i], &used) < 0)
            return fail(s, ERROR, "OPTNEG: macro lists too long");
    return GO_ON;
}

/* ---- steps -------------------------------------------------------------- */

/* Queue the stage's macros (Postfix sends them even for a skipped step). */
static void send_macros(struct session *s, int stage, char cmd)
{
    size_t off = 0;
    bool any = false;
    for (size_t i = 0; i < s->nnames[stage]; i++) {
        const char *v = sc_macro(s->sc, s->names[stage][i], s->queue_id);
        if (v == NULL)
            continue;
        if (!any) {
            off = mw_begin(s->c, 'D');
            mw_add(s->c, &cmd, 1);
            any = true;
        }
        mw_add_str(s->c, s->names[stage][i]);
        mw_add_str(s->c, v);
    }
    if (any)
        mw_end(s->c, off);
}

/* Read the next packet that is not a progress report. */
static int next_packet(struct session *s, enum step st, struct mw_packet *p)
{
    char err[200];
    for (;;) {
        int rc = mw_read(s->c, p, err, sizeof(err));
        if (rc <= 0) {
            fail(s, ERROR, "%s: %s", step_name[st],
                 rc == 0 ? "milter closed the connection" : err);
            return -1;
        }
        if (p->cmd != 'p')
            return 0;
    }
}

/* Is this a reply text Postfix accepts ("ddd d.d.d text", same class)? */
static bool good_reply_text(const struct mw_packet *p)
{
    const char *t = (const char *)p->data;
    return p->len >= 6 && memchr(t, '\0', p->len) == t + p->len - 1 &&
           (t[0] == '4' || t[0] == '5') && t[1] >= '0' && t[1] <= '9' &&
           t[2] >= '0' && t[2] <= '9' && (t[3] == ' ' || t[3] == '-') &&
           t[4] == t[0];
}

static bool want_reject(const struct session *s, enum step st)
{
    return st == S_MAIL && s->t->expect == EXPECT_DOMSEC &&
           s->sc->expect == SC_REJECT;
}

/* Read and judge the answer to a step that is not EOM. */
static enum flow answer(struct session *s, enum step st)
{
    struct mw_packet p;
    if (next_packet(s, st, &p) < 0)
        return END_CLOSE;
    char cmd = p.cmd;
    if (one_of(cmd, "cars4ftd") && p.len != 0)
        return fail(s, ERROR, "%s: reply '%c' with %zu data bytes",
                    step_name[st], cmd, p.len);
    if (cmd == 'y' && !good_reply_text(&p))
        return fail(s, ERROR, "%s: malformed reply text", step_name[st]);
    if (cmd == 's' && !(st == S_BODY && (s->pflags & MW_SKIP)))
        return fail(s, ERROR, "%s: SKIP not allowed here", step_name[st]);
    if (!one_of(cmd, "carstdy4f"))
        return fail(s, ERROR, "%s: unexpected reply '%c'", step_name[st], cmd);

    if (want_reject(s, st)) {
        const char *t = (const char *)p.data;
        if (cmd != 'y' || strncmp(t, "550 5.7.1 ", 10) != 0 ||
            strstr(t, SC_PARTNER) == NULL)
            fail(s, MISMATCH,
                 "MAIL: expected a 550 5.7.1 reply naming " SC_PARTNER
                 ", got '%c'%s%.120s",
                 cmd, cmd == 'y' ? " " : "", cmd == 'y' ? t : "");
    } else if (cmd != 'c' && cmd != 's') {
        fail(s, MISMATCH, "%s: expected continue, got '%c'%s%.120s",
             step_name[st], cmd, cmd == 'y' ? " " : "",
             cmd == 'y' ? (const char *)p.data : "");
    }
    if (cmd == 'c' || cmd == 's')
        return GO_ON;
    if (cmd == '4' || cmd == 'f' || st <= S_HELO)
        return END_CLOSE; /* Postfix drops the milter for this connection */
    if (st == S_MAIL && one_of(cmd, "rty"))
        return END_QUIT;
    return END_MESSAGE;
}

/* Send a step unless negotiated away; await its answer unless declined. */
static enum flow step(struct session *s, enum step st, size_t off, uint32_t no,
                      uint32_t nr)
{
    if (s->pflags & no) {
        s->c->outlen = off; /* drop the packet; macros were queued before */
        if (want_reject(s, st))
            return fail(s, MISMATCH,
                        "MAIL: milter does not take MAIL "
                        "(SMFIP_NOMAIL) but must refuse it");
        return GO_ON;
    }
    mw_end(s->c, off);
    if (s->pflags & nr) {
        if (want_reject(s, st))
            return fail(s, MISMATCH,
                        "MAIL: milter declined to answer MAIL "
                        "(SMFIP_NR_MAIL) but must refuse it");
        return GO_ON;
    }
    return answer(s, st);
}

static bool is_mark(const char *name)
{
    return strcasecmp(name, SC_MARK) == 0;
}

/* One modification request at end of message. */
static void modification(struct session *s, const struct mw_packet *p, int *ins,
                         int *del)
{
    static const struct {
        char cmd;
        uint32_t action;
    } need[] = {{'h', MW_ADDHDRS},     {'i', MW_ADDHDRS}, {'m', MW_CHGHDRS},
                {'q', MW_QUARANTINE},  {'+', MW_ADDRCPT}, {'-', MW_DELRCPT},
                {'2', MW_ADDRCPT_PAR}, {'e', MW_CHGFROM}, {'b', MW_CHGBODY}};
    size_t k = 0;
    while (k < sizeof(need) / sizeof(need[0]) && need[k].cmd != p->cmd)
        k++;
    if (k == sizeof(need) / sizeof(need[0])) {
        fail(s, ERROR, "EOM: unexpected reply '%c'", p->cmd);
        return;
    }
    if (!(s->actions & need[k].action)) {
        fail(s, ERROR, "EOM: '%c' without negotiating action 0x%x", p->cmd,
             need[k].action);
        return;
    }
    uint32_t idx = 0;
    const char *name = "", *value = "";
    size_t at = 0;
    if (p->cmd == 'i' || p->cmd == 'm') {
        if (mw_get_u32(p, &at, &idx) < 0 || mw_get_str(p, &at, &name) < 0 ||
            mw_get_str(p, &at, &value) < 0 || at != p->len) {
            fail(s, ERROR, "EOM: malformed '%c' packet", p->cmd);
            return;
        }
    }
    value += strspn(value, " \t");
    if (s->t->expect == EXPECT_DOMSEC && p->cmd == 'i' &&
        s->sc->expect == SC_PASS && *ins == 0 && is_mark(name) && idx == 0 &&
        strncmp(value, "pass domain=" SC_PARTNER ";",
                13 + strlen(SC_PARTNER)) == 0 &&
        strstr(value, "peer=mail." SC_PARTNER) != NULL) {
        (*ins)++;
        return;
    }
    if (s->t->expect == EXPECT_DOMSEC && p->cmd == 'm' && s->sc->forged &&
        *del == 0 && is_mark(name) && idx == 1 && value[0] == '\0') {
        (*del)++;
        return;
    }
    if (p->cmd == 'i' || p->cmd == 'm')
        fail(s, MISMATCH, "EOM: unexpected '%c' %u %s: %.120s", p->cmd, idx,
             name, value);
    else
        fail(s, MISMATCH, "EOM: unexpected modification '%c'", p->cmd);
}

static enum flow end_of_message(struct session *s)
{
    send_macros(s, MW_M_EOM, 'E');
    mw_end(s->c, mw_begin(s->c, 'E'));
    int ins = 0, del = 0;
    struct mw_packet p;
    for (;;) {
        if (next_packet(s, S_EOM, &p) < 0)
            return END_CLOSE;
        if (one_of(p.cmd, "cartdy4f"))
            break;
        modification(s, &p, &ins, &del);
        if (s->outcome == ERROR)
            return END_CLOSE;
    }
    if (p.cmd == 'y' && !good_reply_text(&p))
        return fail(s, ERROR, "EOM: malformed reply text");
    if (p.cmd != 'c' && p.cmd != 'a')
        fail(s, MISMATCH, "EOM: expected continue or accept, got '%c'", p.cmd);
    bool domsec = s->t->expect == EXPECT_DOMSEC;
    if (domsec && s->sc->expect == SC_PASS && ins == 0)
        fail(s, MISMATCH, "EOM: no " SC_MARK " mark inserted at the top");
    if (domsec && s->sc->forged && del == 0)
        fail(s, MISMATCH, "EOM: forged " SC_MARK " header not deleted");
    return (p.cmd == '4' || p.cmd == 'f') ? END_CLOSE : END_MESSAGE;
}

/* OPTNEG, CONNECT, HELO. */
static enum flow session_open(struct session *s)
{
    struct mw_conn *c = s->c;
    enum flow f = optneg(s);
    if (f != GO_ON)
        return f;
    const struct scenario *sc = s->sc;
    send_macros(s, MW_M_CONNECT, 'C');
    size_t off = mw_begin(c, 'C');
    mw_add_str(c, sc->client_name);
    mw_add(c, "4", 1);
    mw_add_u16(c, (uint16_t)(40000 + s->seq % 20000));
    mw_add_str(c, sc->client_addr);
    f = step(s, S_CONNECT, off, MW_NOCONNECT, MW_NR_CONN);
    if (f != GO_ON)
        return f;
    send_macros(s, MW_M_HELO, 'H');
    off = mw_begin(c, 'H');
    mw_add_str(c, sc->client_name);
    return step(s, S_HELO, off, MW_NOHELO, MW_NR_HELO);
}

static enum flow header(struct session *s, const char *name, const char *v)
{
    struct mw_conn *c = s->c;
    if (s->pflags & MW_NOHDRS)
        return GO_ON; /* Postfix does not even send the macros */
    send_macros(s, MW_M_EOH, 'L');
    size_t off = mw_begin(c, 'L');
    mw_add_str(c, name);
    if (s->pflags & MW_HDR_LEADSPC)
        mw_add(c, " ", 1);
    mw_add_str(c, v);
    return step(s, S_HEADER, off, 0, MW_NR_HDR);
}

/* MAIL through EOM. */
static enum flow session_message(struct session *s)
{
    static const char body[] =
        "Hello,\r\n\r\nthis message was generated by milterload to measure "
        "a mail filter.\r\nIt has a few lines of text, like a short "
        "note between two banks.\r\n\r\n-- \r\nmilterload\r\n";
    struct mw_conn *c = s->c;
    const struct scenario *sc = s->sc;
    char addr[300];

    send_macros(s, MW_M_ENVFROM, 'M');
    size_t off = mw_begin(c, 'M');
    snprintf(addr, sizeof(addr), "<%s>", sc->sender);
    mw_add_str(c, addr);
    mw_add_str(c, "SIZE=512");
    enum flow f = step(s, S_MAIL, off, MW_NOMAIL, MW_NR_MAIL);
    if (f != GO_ON)
        return f;

    send_macros(s, MW_M_ENVRCPT, 'R');
    off = mw_begin(c, 'R');
    mw_add_str(c, "<postmaster@contoso.com>");
    if ((f = step(s, S_RCPT, off, MW_NORCPT, MW_NR_RCPT)) != GO_ON)
        return f;

    send_macros(s, MW_M_DATA, 'T');
    off = mw_begin(c, 'T');
    if ((f = step(s, S_DATA, off, MW_NODATA, MW_NR_DATA)) != GO_ON)
        return f;

    char from[300], subject[64];
    snprintf(from, sizeof(from), "<%s>", sc->sender);
    snprintf(subject, sizeof(subject), "milterload %lu", s->seq);
    if ((f = header(s, "From", from)) != GO_ON)
        return f;
    if (sc->forged)
        f = header(s, SC_MARK,
                   "pass domain=" SC_PARTNER "; peer=mail." SC_PARTNER
                   "; tls=TLSv1.3; connector=Inet");
    else
        f = header(s, "To", "<postmaster@contoso.com>");
    if (f != GO_ON || (f = header(s, "Subject", subject)) != GO_ON)
        return f;

    if (!(s->pflags & MW_NOEOH)) {
        send_macros(s, MW_M_EOH, 'N');
        off = mw_begin(c, 'N');
        if ((f = step(s, S_EOH, off, 0, MW_NR_EOH)) != GO_ON)
            return f;
    }
    if (!(s->pflags & MW_NOBODY)) {
        send_macros(s, MW_M_EOM, 'B');
        off = mw_begin(c, 'B');
        mw_add(c, body, sizeof(body) - 1);
        if ((f = step(s, S_BODY, off, 0, MW_NR_BODY)) != GO_ON)
            return f;
    }
    return end_of_message(s);
}

/* ABORT and/or QUIT as the flow says, then close. */
static void session_close(struct session *s, enum flow f)
{
    char err[200];
    if (f == END_MESSAGE)
        mw_end(s->c, mw_begin(s->c, 'A'));
    if (f != END_CLOSE) {
        mw_end(s->c, mw_begin(s->c, 'Q'));
        if (mw_wait_close(s->c, err, sizeof(err)) < 0)
            fail(s, ERROR, "QUIT: %s", err);
    }
    mw_close(s->c);
}

static void session_init(struct session *s, const struct opts *o,
                         struct target *t, struct mw_conn *c, unsigned long seq)
{
    s->o = o;
    s->t = t;
    s->c = c;
    s->seq = seq;
    s->sc = o->mix.seq[seq % o->mix.n];
    s->outcome = OK;
    s->why[0] = '\0';
    snprintf(s->queue_id, sizeof(s->queue_id), "%011lX", 0x4B00000000ul + seq);
}

static enum outcome run_session(const struct opts *o, struct target *t,
                                struct mw_conn *c, unsigned long seq)
{
    struct session s;
    char err[200];
    session_init(&s, o, t, c, seq);
    if (mw_connect(c, &t->addr, o->timeout_ms, err, sizeof(err)) < 0) {
        fail(&s, ERROR, "%s", err);
    } else {
        enum flow f = session_open(&s);
        if (f == GO_ON)
            f = session_message(&s);
        session_close(&s, f);
    }
    if (s.outcome != ERROR) {
        t->actions = s.actions;
        t->pflags = s.pflags;
    }
    if (s.outcome != OK)
        report(&s);
    return s.outcome;
}

/* ---- load mode ---------------------------------------------------------- */

/* One target's sessions, in one worker or in all. */
struct tally {
    uint64_t *lat_ns; /* one per session that did not fail */
    size_t nlat;
    uint64_t busy_ns; /* the sum of those latencies */
    unsigned long ok, mismatch, error;
};

struct worker {
    pthread_t tid;
    struct opts *o;
    int index;
    pthread_barrier_t *start;
    struct tally k[2];
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Pair mode: every worker alternates between the targets in short runs,
 * half the workers starting with each, so both meet the same machine at
 * the same time (runs, not single sessions, so that neither finds its
 * caches emptied by the other every time). */
static int pair_target(const struct opts *o, int worker, int session)
{
    return o->ntargets == 2 ? (session / PAIR_BLOCK + worker) % 2 : 0;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct opts *o = w->o;
    struct mw_conn c;
    mw_conn_init(&c);
    c.trace = o->trace;
    pthread_barrier_wait(w->start);
    unsigned long done[2] = {0, 0}; /* sessions per target so far */
    for (int i = 0; i < o->sessions; i++) {
        int k = pair_target(o, w->index, i);
        struct tally *t = &w->k[k];
        /* each target goes through the whole mix in turn */
        unsigned long seq =
            done[k]++ * (unsigned long)o->conns + (unsigned long)w->index;
        uint64_t t0 = now_ns();
        enum outcome r = run_session(o, &o->t[k], &c, seq);
        uint64_t t1 = now_ns();
        if (r == ERROR) {
            t->error++;
            continue;
        }
        t->lat_ns[t->nlat++] = t1 - t0;
        t->busy_ns += t1 - t0;
        if (r == OK)
            t->ok++;
        else
            t->mismatch++;
    }
    mw_conn_free(&c);
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_ms(const uint64_t *v, size_t n, double q)
{
    if (n == 0)
        return 0;
    size_t i = (size_t)(q * (double)(n - 1) + 0.5);
    return (double)v[i] / 1e6;
}

static const char *expect_name(enum expect_mode e)
{
    return e == EXPECT_NULL ? "null" : "domsec";
}

/* Print a target's figures; rate is sessions/s (see load_mode). Returns
 * whether every one of its `total` sessions matched. */
static bool print_target(const struct opts *o, const struct target *tg,
                         const char *mode, struct tally *t, size_t total,
                         double secs, double rate)
{
    qsort(t->lat_ns, t->nlat, sizeof(*t->lat_ns), cmp_u64);
    double p50 = pct_ms(t->lat_ns, t->nlat, 0.50),
           p99 = pct_ms(t->lat_ns, t->nlat, 0.99);
    double max = t->nlat ? (double)t->lat_ns[t->nlat - 1] / 1e6 : 0;
    bool good = t->mismatch == 0 && t->error == 0 && t->ok == total;
    printf("milterload: %d x %d sessions (%s mix, expect %s) over %s in "
           "%.2f s: %.0f sessions/s; latency p50 %.3f ms, p99 %.3f ms, max "
           "%.3f ms; %lu mismatches, %lu errors%s\n",
           o->conns, o->sessions, o->mix.name, expect_name(tg->expect),
           tg->addr.spec, secs, rate, p50, p99, max, t->mismatch, t->error,
           good ? "" : " -- FAILED");
    printf("result mode=%s socket=%s conns=%d sessions=%zu mix=%s "
           "expect=%s ok=%lu mismatches=%lu errors=%lu seconds=%.3f "
           "rate=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f actions=0x%x "
           "pflags=0x%x status=%s\n",
           mode, tg->addr.spec, o->conns, total, o->mix.name,
           expect_name(tg->expect), t->ok, t->mismatch, t->error, secs, rate,
           p50, p99, max, (unsigned)tg->actions, (unsigned)tg->pflags,
           good ? "ok" : "FAILED");
    return good;
}

/*
 * One target: rate = sessions that did not fail / elapsed seconds.
 * Pair mode: the sessions of both interleave; a target's rate is what the
 * connections would do with its sessions only, at the latency they had:
 * conns * sessions / (sum of their latencies). The ratio --versus / -s is
 * then the inverse ratio of their mean latencies, measured side by side.
 */
static int load_mode(struct opts *o)
{
    size_t total = (size_t)o->conns * (size_t)o->sessions;
    struct worker *w = calloc((size_t)o->conns, sizeof(*w));
    uint64_t *lat = calloc(2 * total, sizeof(*lat));
    pthread_barrier_t start;
    if (w == NULL || lat == NULL) {
        fprintf(stderr, "milterload: out of memory\n");
        return 1;
    }
    pthread_barrier_init(&start, NULL, (unsigned)o->conns + 1);
    for (int i = 0; i < o->conns; i++) {
        w[i].o = o;
        w[i].index = i;
        w[i].start = &start;
        for (int k = 0; k < 2; k++)
            w[i].k[k].lat_ns =
                lat + (size_t)k * total + (size_t)i * (size_t)o->sessions;
        if (pthread_create(&w[i].tid, NULL, worker_main, &w[i]) != 0) {
            fprintf(stderr, "milterload: cannot start thread %d\n", i);
            exit(1);
        }
    }
    pthread_barrier_wait(&start);
    uint64_t t0 = now_ns();
    struct tally all[2] = {{.lat_ns = lat}, {.lat_ns = lat + total}};
    for (int i = 0; i < o->conns; i++) {
        pthread_join(w[i].tid, NULL);
        for (int k = 0; k < 2; k++) {
            struct tally *a = &all[k], *t = &w[i].k[k];
            a->ok += t->ok;
            a->mismatch += t->mismatch;
            a->error += t->error;
            a->busy_ns += t->busy_ns;
            /* compact the latencies of sessions that did not fail */
            memmove(a->lat_ns + a->nlat, t->lat_ns, t->nlat * sizeof(*lat));
            a->nlat += t->nlat;
        }
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    pthread_barrier_destroy(&start);
    bool good;
    if (o->ntargets == 1) {
        good = print_target(o, &o->t[0], "load", &all[0], total, secs,
                            secs > 0 ? (double)all[0].nlat / secs : 0);
    } else {
        double rate[2];
        size_t half[2] = {0, 0};
        for (int k = 0; k < 2; k++)
            rate[k] = all[k].busy_ns ? (double)o->conns * (double)all[k].nlat /
                                           ((double)all[k].busy_ns / 1e9)
                                     : 0;
        for (int i = 0; i < o->conns; i++)
            for (int j = 0; j < o->sessions; j++)
                half[pair_target(o, i, j)]++;
        good =
            print_target(o, &o->t[0], "pair", &all[0], half[0], secs, rate[0]);
        good = print_target(o, &o->t[1], "pair", &all[1], half[1], secs,
                            rate[1]) &&
               good;
        printf("result mode=ratio a=%s b=%s conns=%d ratio=%.4f status=%s\n",
               o->t[0].addr.spec, o->t[1].addr.spec, o->conns,
               rate[0] > 0 ? rate[1] / rate[0] : 0, good ? "ok" : "FAILED");
    }
    free(lat);
    free(w);
    return good ? 0 : 1;
}

/* ---- idle mode ---------------------------------------------------------- */

/* VmRSS and VmHWM of a process in KiB, or -1. */
static void read_rss(long pid, long *rss, long *hwm)
{
    char path[64], line[256];
    *rss = *hwm = -1;
    snprintf(path, sizeof(path), "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "VmRSS:", 6) == 0)
            *rss = strtol(line + 6, NULL, 10);
        else if (strncmp(line, "VmHWM:", 6) == 0)
            *hwm = strtol(line + 6, NULL, 10);
    }
    fclose(f);
}

static int idle_mode(struct opts *o)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
        rl.rlim_cur < (rlim_t)o->idle + 64) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    struct mw_conn *c = calloc((size_t)o->idle, sizeof(*c));
    struct session *s = calloc((size_t)o->idle, sizeof(*s));
    if (c == NULL || s == NULL) {
        fprintf(stderr, "milterload: out of memory\n");
        return 1;
    }
    long rss0 = -1, hwm0 = -1, rss = -1, hwm = -1;
    if (o->rss_pid > 0)
        read_rss(o->rss_pid, &rss0, &hwm0);
    unsigned long open = 0, bad = 0;
    char err[200];
    uint64_t t0 = now_ns();
    for (int i = 0; i < o->idle; i++) {
        mw_conn_init(&c[i]);
        c[i].trace = o->trace;
        session_init(&s[i], o, &o->t[0], &c[i], (unsigned long)i);
        if (mw_connect(&c[i], &o->t[0].addr, o->timeout_ms, err, sizeof(err)) <
            0) {
            fail(&s[i], ERROR, "%s", err);
        } else if (session_open(&s[i]) != GO_ON) {
            fail(&s[i], ERROR, "the milter ended the session before MAIL");
        } else if (mw_flush(&c[i], err, sizeof(err)) < 0) {
            fail(&s[i], ERROR, "%s", err);
        }
        if (s[i].outcome != OK) {
            report(&s[i]);
            bad++;
            mw_close(&c[i]);
        } else {
            open++;
        }
    }
    double open_s = (double)(now_ns() - t0) / 1e9;
    /* Let the milter take in the last packets before measuring. */
    for (int left = o->hold; left > 0; left--) {
        sleep(1);
        if (o->rss_pid > 0 && left == (o->hold + 1) / 2)
            read_rss(o->rss_pid, &rss, &hwm);
    }
    if (o->rss_pid > 0 && rss < 0)
        read_rss(o->rss_pid, &rss, &hwm);
    for (int i = 0; i < o->idle; i++) {
        if (c[i].fd < 0)
            continue;
        mw_end(&c[i], mw_begin(&c[i], 'Q'));
        if (mw_wait_close(&c[i], err, sizeof(err)) < 0) {
            fail(&s[i], ERROR, "QUIT after holding: %s", err);
            report(&s[i]);
            bad++;
        }
        mw_conn_free(&c[i]);
    }
    printf("milterload: held %lu idle sessions over %s for %d s (opened in "
           "%.2f s); %lu errors",
           open, o->t[0].addr.spec, o->hold, open_s, bad);
    if (o->rss_pid > 0)
        printf("; pid %ld RSS %ld KiB before, %ld KiB while held "
               "(peak %ld KiB)",
               o->rss_pid, rss0, rss, hwm);
    printf("%s\n", bad ? " -- FAILED" : "");
    printf("result mode=idle socket=%s sessions=%lu hold=%d open_s=%.3f "
           "errors=%lu rss_before_kib=%ld rss_kib=%ld hwm_kib=%ld "
           "status=%s\n",
           o->t[0].addr.spec, open, o->hold, open_s, bad, rss0, rss, hwm,
           bad ? "FAILED" : "ok");
    free(c);
    free(s);
    return bad ? 1 : 0;
}

/* ---- command line ------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f, "usage: milterload -s SOCKET -c CONNS -n SESSIONS [--mix "
               "builtin|eom|FILE]\n"
               "                  [--expect null|domsec] [--timeout MS] "
               "[--trace]\n"
               "                  [--versus SOCKET [--versus-expect "
               "null|domsec]]\n"
               "       milterload -s SOCKET --idle N --hold SECONDS "
               "[--rss-pid PID]\n"
               "       milterload -l\n"
               "SOCKET: unix:/path, inet:PORT@HOST or inet6:PORT@HOST\n");
}

static int expect_mode(const char *s, enum expect_mode *e)
{
    if (strcmp(s, "null") == 0)
        *e = EXPECT_NULL;
    else if (strcmp(s, "domsec") == 0)
        *e = EXPECT_DOMSEC;
    else
        return -1;
    return 0;
}

static long number(const char *s, long min, long max, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < min || v > max) {
        fprintf(stderr, "milterload: %s must be %ld..%ld, not \"%s\"\n", what,
                min, max, s);
        exit(EX_USAGE);
    }
    return v;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"mix", required_argument, NULL, 'm'},
        {"expect", required_argument, NULL, 'e'},
        {"versus", required_argument, NULL, 'v'},
        {"versus-expect", required_argument, NULL, 'E'},
        {"idle", required_argument, NULL, 'i'},
        {"hold", required_argument, NULL, 'H'},
        {"rss-pid", required_argument, NULL, 'P'},
        {"timeout", required_argument, NULL, 't'},
        {"trace", no_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct opts o = {.conns = 1, .sessions = 1000, .timeout_ms = 10000};
    const char *spec = NULL, *versus = NULL, *mix = "builtin";
    char err[300];
    int ch;
    while ((ch = getopt_long(argc, argv, "s:c:n:lh", longopts, NULL)) != -1) {
        switch (ch) {
        case 's':
            spec = optarg;
            break;
        case 'c':
            o.conns = (int)number(optarg, 1, 4096, "-c");
            break;
        case 'n':
            o.sessions = (int)number(optarg, 1, 10000000, "-n");
            break;
        case 'm':
            mix = optarg;
            break;
        case 'e':
        case 'E':
            if (expect_mode(optarg, &o.t[ch == 'E'].expect) < 0) {
                fprintf(stderr, "milterload: --%s null|domsec\n",
                        ch == 'E' ? "versus-expect" : "expect");
                return EX_USAGE;
            }
            break;
        case 'v':
            versus = optarg;
            break;
        case 'i':
            o.idle = (int)number(optarg, 1, 100000, "--idle");
            break;
        case 'H':
            o.hold = (int)number(optarg, 0, 86400, "--hold");
            break;
        case 'P':
            o.rss_pid = number(optarg, 1, 1L << 30, "--rss-pid");
            break;
        case 't':
            o.timeout_ms = (int)number(optarg, 1, 3600000, "--timeout");
            break;
        case 'T':
            o.trace = true;
            break;
        case 'l':
            for (size_t i = 0; i < sc_count; i++)
                printf("%-20s %s\n", sc_all[i].name,
                       sc_all[i].expect == SC_PASS     ? "domsec: pass, mark"
                       : sc_all[i].expect == SC_REJECT ? "domsec: 550 at MAIL"
                                                       : "domsec: no mark");
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return EX_USAGE;
        }
    }
    if (spec == NULL || optind != argc || (versus != NULL && o.idle > 0)) {
        usage(stderr);
        return EX_USAGE;
    }
    o.ntargets = versus ? 2 : 1;
    if (mw_addr_parse(spec, &o.t[0].addr, err, sizeof(err)) < 0 ||
        (versus && mw_addr_parse(versus, &o.t[1].addr, err, sizeof(err)) < 0) ||
        sc_mix_load(mix, &o.mix, err, sizeof(err)) < 0) {
        fprintf(stderr, "milterload: %s\n", err);
        return EX_USAGE;
    }
    int rc = o.idle > 0 ? idle_mode(&o) : load_mode(&o);
    sc_mix_free(&o.mix);
    return rc;
}
