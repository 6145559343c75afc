/*
 * callbacks.c - libmilter callbacks (mlfi_*): gather what the MTA says,
 * hand it to peer.c and decide.c, act on the decision, log it once.
 *
 * Per connection: struct conn in smfi_setpriv (Debian's libmilter runs a
 * worker pool, so one connection's callbacks may run on different threads;
 * nothing lives in globals or thread-locals). The configuration is taken
 * (refcounted) at connect and used until close, so a reload never changes
 * the rules in the middle of a session. {daemon_name} is read at connect
 * (at end of message Postfix sends cleanup's value). The decision is made
 * at MAIL FROM, never at HELO (STARTTLS resets the session; some clients
 * skip EHLO after it); per-message state is reset at the next MAIL and at
 * abort.
 *
 * Must not: accept silently or reject permanently on an internal error
 * (tempfail, logged), do file I/O other than logging, or lock.
 */
#include "dsconfig.h"

#include "callbacks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "decisions.h"
#include "headers.h"
#include "live.h"
#include "log.h"
#include "macros.h"
#include "names.h"
#include "peer.h"
#include "stats.h"

/* Protocol steps the milter skips, and those it never answers: it never
 * refuses at CONNECT (a refusal needs the sender, at MAIL) and only counts
 * headers, so the MTA need not wait for either. Declining the CONNECT
 * reply saves the MTA one round trip per session. */
#define DS_SKIP_STEPS                                                          \
    (SMFIP_NORCPT | SMFIP_NODATA | SMFIP_NOUNKNOWN | SMFIP_NOEOH |             \
     SMFIP_NOBODY | SMFIP_NR_HDR | SMFIP_NR_CONN)
#define DS_ACTIONS                                                             \
    (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST)

/* The macros asked for per stage, declared once in macros.h (render
 * sendmail writes the same lists). They replace the MTA's own lists for
 * this milter, so MAIL asks for the usual MAIL macros too. */
static char connect_macros[] = DS_MACROS_MILTER_CONNECT;
static char mail_macros[] = DS_MACROS_MILTER_ENVFROM;
static char eom_macros[] = DS_MACROS_MILTER_EOM;

struct msg {
    bool judged;    /* a MAIL FROM was decided */
    bool logged;    /* its log line is out */
    unsigned marks; /* pre-existing copies of the mark header */
    enum ds_mta mta;
    struct ds_decision d;
    char domain[DS_DOMAIN_MAX + 2];
    struct ds_peer_names names;
    struct ds_tls tls;
    char qid[64];
};

struct conn {
    unsigned long pflags; /* negotiated protocol steps */
    struct ds_live *live; /* configuration for this connection */
    const struct ds_recv_connector *connector;
    bool connector_known;
    char daemon[128]; /* {daemon_name} at connect */
    char mta_version[64];
    struct msg m;
};

static struct conn *conn_of(SMFICTX *ctx)
{
    return smfi_getpriv(ctx);
}

static void copy(char *dst, size_t size, const char *src)
{
    size_t off = 0;
    ds_append(dst, size, &off, src ? src : "");
}

/* ---- logging one decision ----------------------------------------------- */

static const char *str_or_null(const char *s)
{
    return s && s[0] ? s : NULL;
}

static void log_decision(struct conn *c)
{
    struct msg *m = &c->m;
    if (!m->judged || m->logged)
        return;
    m->logged = true;
    enum ds_log_level level = m->d.result == DS_RESULT_FAIL   ? DS_LOG_WARNING
                              : m->d.result == DS_RESULT_PASS ? DS_LOG_INFO
                                                              : DS_LOG_DEBUG;
    if (!ds_log_enabled(level))
        return;
    char line[3000], event[16], reply[DS_REPLY_TEXT_MAX + 16];
    size_t off = 0;
    ds_log_kv(line, sizeof(line), &off, "qid", m->qid[0] ? m->qid : "NOQUEUE");
    ds_log_kv(line, sizeof(line), &off, "daemon", c->daemon);
    ds_log_kv(line, sizeof(line), &off, "connector",
              c->connector ? c->connector->name : NULL);
    ds_log_kv(line, sizeof(line), &off, "domain", str_or_null(m->domain));
    ds_log_kv(line, sizeof(line), &off, "tls",
              m->tls.active ? (m->tls.version ? m->tls.version : "yes")
                            : "none");
    ds_log_kv(line, sizeof(line), &off, "peer", m->tls.peer_cn);
    ds_log_kv(line, sizeof(line), &off, "issuer", m->tls.issuer_cn);
    ds_log_kv(line, sizeof(line), &off, "result", ds_result_name(m->d.result));
    ds_log_kv(line, sizeof(line), &off, "reason", ds_reason_name(m->d.reason));
    if (m->d.event)
        snprintf(event, sizeof(event), "%d", m->d.event);
    ds_log_kv(line, sizeof(line), &off, "event", m->d.event ? event : NULL);
    ds_log_kv(line, sizeof(line), &off, "action", ds_decision_action(&m->d));
    if (m->d.code[0]) {
        size_t r = 0;
        ds_append(reply, sizeof(reply), &r, m->d.code);
        ds_append(reply, sizeof(reply), &r, " ");
        ds_append(reply, sizeof(reply), &r, m->d.xcode);
        ds_append(reply, sizeof(reply), &r, " ");
        ds_append(reply, sizeof(reply), &r, m->d.text);
        ds_log_kv(line, sizeof(line), &off, "reply", reply);
    }
    ds_log_kv(line, sizeof(line), &off, "mta",
              ds_name_of(ds_mta_names, m->mta == DS_MTA_SENDMAIL
                                           ? DS_MTA_SENDMAIL
                                           : DS_MTA_POSTFIX));
    ds_log(level, "%s", line);
}

/* Forget the previous message (logging it first if it never got there). */
static void reset_msg(struct conn *c)
{
    log_decision(c);
    memset(&c->m, 0, sizeof(c->m));
}

/* ---- replies ------------------------------------------------------------ */

/* The most reply text handed to smfi_setreply(): libmilter documents 980
 * characters for the whole reply, and the code, the enhanced code and
 * their spaces take up to 16 of them; 900 keeps a margin. */
#define REPLY_TEXT_LIMIT 900

/* smfi_setreply with text made safe: no CR/LF, '%' doubled (libmilter
 * reads the text as a format), at most REPLY_TEXT_LIMIT characters. */
static void set_reply(SMFICTX *ctx, const char *code, const char *xcode,
                      const char *text)
{
    char safe[DS_REPLY_TEXT_MAX * 2];
    size_t n = 0;
    for (const char *p = text;
         *p && n + 3 < sizeof(safe) && n < REPLY_TEXT_LIMIT; p++) {
        char ch = *p;
        if (ch == '\r' || ch == '\n')
            ch = ' ';
        if (ch == '%')
            safe[n++] = '%';
        safe[n++] = ch;
    }
    safe[n] = '\0';
    char cbuf[4], xbuf[8];
    copy(cbuf, sizeof(cbuf), code);
    copy(xbuf, sizeof(xbuf), xcode);
    if (smfi_setreply(ctx, cbuf, xbuf, safe) != MI_SUCCESS)
        ds_log(DS_LOG_ERROR, "cannot set the SMTP reply \"%s %s %s\"", code,
               xcode, safe);
}

/* Our own fault: defer, never accept unchecked, never reject for good. */
static sfsistat internal_error(SMFICTX *ctx, const char *why)
{
    const char *qid = smfi_getsymval(ctx, "i");
    ds_log(DS_LOG_ERROR, "qid=%s internal error: %s; message deferred",
           qid && qid[0] ? qid : "NOQUEUE", why);
    ds_stats_inc(DS_STAT_INTERNAL_ERRORS);
    set_reply(ctx, "451", "4.3.0",
              "Domain Security: temporary internal error, try again later");
    return SMFIS_TEMPFAIL;
}

/* ---- callbacks ---------------------------------------------------------- */

static sfsistat mlfi_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
                               unsigned long f2, unsigned long f3,
                               unsigned long *pf0, unsigned long *pf1,
                               unsigned long *pf2, unsigned long *pf3)
{
    (void)f2;
    (void)f3;
    *pf0 = f0 & DS_ACTIONS;
    *pf1 = f1 & DS_SKIP_STEPS;
    *pf2 = *pf3 = 0;
    if ((f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS)) !=
        (SMFIF_ADDHDRS | SMFIF_CHGHDRS))
        ds_log(DS_LOG_ERROR, "the MTA does not let milters add or delete "
                             "headers: messages carrying the mark will be "
                             "deferred, none will be marked");
    if (f0 & SMFIF_SETSYMLIST) {
        if (smfi_setsymlist(ctx, SMFIM_CONNECT, connect_macros) != MI_SUCCESS ||
            smfi_setsymlist(ctx, SMFIM_ENVFROM, mail_macros) != MI_SUCCESS ||
            smfi_setsymlist(ctx, SMFIM_EOM, eom_macros) != MI_SUCCESS)
            ds_log(DS_LOG_WARNING, "cannot request the macros domsec needs");
        /* TLS macros come at MAIL: HELO is not needed. */
        *pf1 |= f1 & SMFIP_NOHELO;
    } else {
        ds_log(DS_LOG_WARNING,
               "the MTA cannot send requested macros: configure it to send "
               "{daemon_name} at connect and the TLS macros at MAIL FROM");
    }
    struct conn *c = calloc(1, sizeof(*c));
    if (c != NULL) {
        c->pflags = *pf1;
        smfi_setpriv(ctx, c);
    }
    return SMFIS_CONTINUE;
}

/* The answer to a step whose reply may have been declined: NOREPLY when
 * it was (libmilter logs a complaint when a declined reply is sent). When
 * the flags are not known (a new session on a reused connection, after
 * mlfi_close freed them) CONTINUE is the safe answer: libmilter drops it if
 * the reply was declined, while a NOREPLY the MTA waits for would hang. */
static sfsistat no_reply(const struct conn *c, unsigned long nr)
{
    return c != NULL && (c->pflags & nr) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat mlfi_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
    (void)host;
    (void)addr;
    struct conn *c = conn_of(ctx);
    if (c == NULL) {
        /* A new session on a reused milter connection (QUIT_NC). */
        c = calloc(1, sizeof(*c));
        if (c == NULL)
            return SMFIS_CONTINUE; /* deferred at MAIL FROM */
        smfi_setpriv(ctx, c);
    }
    ds_stats_inc(DS_STAT_CONNECTIONS);
    ds_live_release(c->live);
    c->live = ds_live_acquire();
    copy(c->daemon, sizeof(c->daemon), smfi_getsymval(ctx, "{daemon_name}"));
    copy(c->mta_version, sizeof(c->mta_version), smfi_getsymval(ctx, "v"));
    c->connector = NULL;
    c->connector_known = false;
    if (c->live != NULL)
        c->connector =
            ds_decide_connector(c->live->cfg, c->daemon, &c->connector_known);
    if (c->live != NULL && !c->connector_known)
        ds_log(DS_LOG_DEBUG,
               "daemon=%s: no receive_connector has this daemon_name; "
               "judged as %s",
               c->daemon[0] ? c->daemon : "-",
               c->connector ? c->connector->name : "domain-secure");
    return no_reply(c, SMFIP_NR_CONN);
}

static void gather_macros(SMFICTX *ctx, struct conn *c, enum ds_mta mta,
                          struct ds_macros *mm)
{
    memset(mm, 0, sizeof(*mm));
    mm->v = c->mta_version[0] ? c->mta_version : NULL;
    mm->tls_version = smfi_getsymval(ctx, "{tls_version}");
    mm->cipher = smfi_getsymval(ctx, "{cipher}");
    mm->cert_subject = smfi_getsymval(ctx, "{cert_subject}");
    mm->cert_issuer = smfi_getsymval(ctx, "{cert_issuer}");
    /* Sendmail's own macros are never read under Postfix's rules, and
     * Postfix never sends them: when those rules apply whatever {verify}
     * says, skip the lookups (each miss scans every macro libmilter
     * holds). */
    if (ds_peer_detect(mta, mm) == DS_MTA_POSTFIX &&
        (mta == DS_MTA_POSTFIX || mm->v != NULL))
        return;
    mm->verify = smfi_getsymval(ctx, "{verify}");
    mm->cn_subject = smfi_getsymval(ctx, "{cn_subject}");
    mm->cn_issuer = smfi_getsymval(ctx, "{cn_issuer}");
}

static sfsistat mlfi_envfrom(SMFICTX *ctx, char **argv)
{
    struct conn *c = conn_of(ctx);
    if (c == NULL)
        return internal_error(ctx, "out of memory for the connection state");
    reset_msg(c);
    if (c->live == NULL)
        return internal_error(ctx, "no configuration loaded");
    const struct ds_config *cfg = c->live->cfg;
    struct msg *m = &c->m;

    const char *addr = argv && argv[0] ? argv[0] : "";
    const char *why;
    enum ds_sender s = ds_sender_domain(addr, strlen(addr), m->domain, &why);

    struct ds_macros mm;
    gather_macros(ctx, c, cfg->milter.mta, &mm);
    m->mta = ds_peer_detect(cfg->milter.mta, &mm);
    ds_peer_tls(m->mta, &mm, &m->tls, &m->names);
    copy(m->qid, sizeof(m->qid), smfi_getsymval(ctx, "i"));

    struct ds_decide_in in = {
        .milter = &cfg->milter,
        .connector = c->connector,
        .receive_list = &cfg->receive_list,
        .domain = s == DS_SENDER_BAD ? NULL : m->domain,
        .tls = &m->tls,
    };
    ds_decide(&in, &m->d);
    m->judged = true;
    ds_stats_decision(&m->d);
    ds_decisions_count(c->connector ? c->connector->name : NULL, &m->d);

    switch (m->d.verdict) {
    case DS_VERDICT_REJECT:
    case DS_VERDICT_TEMPFAIL:
        set_reply(ctx, m->d.code, m->d.xcode, m->d.text);
        log_decision(c);
        return m->d.verdict == DS_VERDICT_REJECT ? SMFIS_REJECT
                                                 : SMFIS_TEMPFAIL;
    case DS_VERDICT_QUARANTINE:
    case DS_VERDICT_CONTINUE:
        break;
    }
    return SMFIS_CONTINUE;
}

static sfsistat mlfi_header(SMFICTX *ctx, char *name, char *value)
{
    (void)value;
    struct conn *c = conn_of(ctx);
    if (c != NULL && c->live != NULL &&
        ds_header_is_mark(name, c->live->cfg->milter.header))
        c->m.marks++;
    return no_reply(c, SMFIP_NR_HDR);
}

static sfsistat mlfi_eom(SMFICTX *ctx)
{
    struct conn *c = conn_of(ctx);
    if (c == NULL || c->live == NULL)
        return internal_error(ctx, "no connection state at end of message");
    struct msg *m = &c->m;
    const char *qid = smfi_getsymval(ctx, "i");
    if (qid != NULL && qid[0])
        copy(m->qid, sizeof(m->qid), qid);
    if (!m->judged) {
        /* Every message is judged at MAIL FROM; without one, defer. */
        return internal_error(ctx, "end of message without MAIL FROM");
    }
    char value[2048];
    const char *mark = NULL;
    if (m->d.mark) {
        struct ds_mark mk = {
            .pass = m->d.result == DS_RESULT_PASS,
            .reason = ds_reason_name(m->d.reason),
            .domain = m->domain,
            .peer = m->tls.peer_cn,
            .issuer = m->tls.issuer_cn,
            .tls = m->tls.active ? (m->tls.version ? m->tls.version : "yes")
                                 : NULL,
            .connector = c->connector ? c->connector->name : NULL,
        };
        ds_mark_format(value, sizeof(value), &mk);
        mark = value;
    }
    if (ds_headers_apply(ctx, c->live->cfg->milter.header, m->marks, mark) <
        0) {
        m->logged = true;
        return internal_error(ctx, "the MTA refused a header change");
    }
    if (m->d.verdict == DS_VERDICT_QUARANTINE &&
        smfi_quarantine(ctx, m->d.text) != MI_SUCCESS) {
        m->logged = true;
        return internal_error(ctx, "the MTA refused to quarantine");
    }
    log_decision(c);
    return SMFIS_CONTINUE;
}

static sfsistat mlfi_abort(SMFICTX *ctx)
{
    struct conn *c = conn_of(ctx);
    if (c != NULL)
        reset_msg(c);
    return SMFIS_CONTINUE;
}

static sfsistat mlfi_close(SMFICTX *ctx)
{
    struct conn *c = conn_of(ctx);
    if (c == NULL)
        return SMFIS_CONTINUE;
    reset_msg(c);
    ds_live_release(c->live);
    free(c);
    smfi_setpriv(ctx, NULL);
    return SMFIS_CONTINUE;
}

struct smfiDesc ds_milter_desc = {
    .xxfi_name = "domsec-milter",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = DS_ACTIONS,
    .xxfi_connect = mlfi_connect,
    .xxfi_envfrom = mlfi_envfrom,
    .xxfi_header = mlfi_header,
    .xxfi_eom = mlfi_eom,
    .xxfi_abort = mlfi_abort,
    .xxfi_close = mlfi_close,
    .xxfi_negotiate = mlfi_negotiate,
};
