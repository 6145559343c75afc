/*
 * tlsload - an SMTP load client on OpenSSL for partner mail over mutual
 * TLS: CONNS concurrent connections, each running SESSIONS sessions one
 * after another, one message per session, as a partner's MTA sends it:
 *
 *   connect, 220, EHLO (STARTTLS must be offered), STARTTLS, TLS handshake
 *   (with the client certificate, if any), EHLO, MAIL FROM, RCPT TO, DATA,
 *   a small message, QUIT
 *
 *   tlsload -a HOST:PORT -c CONNS -n SESSIONS [--cert FILE --key FILE]
 *           [--from ADDR] [--to ADDR] [--helo NAME]
 *           [--expect accept|refuse] [--resume] [--latencies FILE]
 *           [--timeout MS] [--trace]
 *
 * Every reply is checked. --expect accept (the default): 250 to MAIL and
 * RCPT, 354 to DATA, 250 after the message, 221 to QUIT. --expect refuse:
 * a 5xx to MAIL, or 250 to MAIL and a 5xx to RCPT (Postfix evaluates
 * sender restrictions at RCPT by default), then 221 to QUIT. Anything else
 * (a 4xx, a message accepted that should not be) counts the session as a
 * mismatch; an I/O or TLS failure as an error. Exit 0 only when every
 * session matched, 1 otherwise, 64 on usage.
 *
 * TLS session resumption is off unless --resume: each session is then a
 * full handshake, as from a partner MTA that keeps no session cache. With
 * --resume each connection offers the last resumable session it was
 * given, as an MTA with a session cache does. Seen here with OpenSSL 3.0
 * and Postfix 3.7 (TLS 1.3): no new ticket comes after a resumed
 * handshake, and a session resumed once is not resumed again, so every
 * other session is resumed.
 * The client does not verify the server's certificate (loopback).
 *
 * Measured: the time from writing MAIL FROM to reading its reply (the
 * point where a milter deciding at MAIL adds its latency), and each
 * session's time from connect to close. Output: a human line and one
 * "result key=value ..." line; --latencies appends the MAIL reply times
 * in microseconds, one a line, so that rounds can be pooled.
 *
 * Delayed ACKs: Postfix's smtpd does not set TCP_NODELAY, and with TLS 1.3
 * it writes its session tickets and then its EHLO reply; Nagle holds the
 * reply until the tickets are acknowledged, and a client that delays its
 * ACK (Linux does, up to 40 ms) idles that long in every session. tlsload
 * sets TCP_QUICKACK before every read, so it measures the server's work,
 * not the delayed-ACK timer; the server's CPU work is unchanged.
 *
 * Must not: pipeline (each reply is awaited before the next command, so
 * the MAIL time is the server's alone), count a session whose replies were
 * wrong as a success, or let Nagle delay a command (TCP_NODELAY).
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define MAX_REPORTS 10 /* problems printed in full */
#define LINE_MAX_LEN 1024

enum expect { EXPECT_ACCEPT, EXPECT_REFUSE };
enum outcome { OK, MISMATCH, ERROR };
/* Where an expected refusal came. */
enum refused { REFUSED_NOT, REFUSED_MAIL, REFUSED_RCPT };

struct opts {
    struct sockaddr_storage sa;
    socklen_t salen;
    char addr[300];
    int conns, sessions, timeout_ms;
    const char *cert, *key, *from, *to, *helo, *latfile;
    enum expect expect;
    bool resume, trace;
    SSL_CTX *ctx;
};

/* One SMTP connection: the socket, TLS once started, a read buffer. */
struct conn {
    int fd;
    SSL *ssl;
    char buf[4096];
    size_t off, have;
};

struct session {
    const struct opts *o;
    unsigned long seq;
    struct conn c;
    enum outcome outcome;
    enum refused refused;
    bool resumed;
    uint64_t mail_ns;
    char why[LINE_MAX_LEN + 100];
};

/* What a worker (one connection at a time) counts. */
struct tally {
    unsigned long ok, mismatch, error, resumed, refused_mail, refused_rcpt;
    uint64_t *mail_ns, *sess_ns; /* of the sessions that matched */
    size_t nlat;
};

struct worker {
    struct opts *o;
    int index;
    pthread_t tid;
    pthread_barrier_t *start;
    struct tally t;
};

static atomic_int reports;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void fail(struct session *s, enum outcome o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(struct session *s, enum outcome o, const char *fmt, ...)
{
    if (s->outcome < o) { /* keep the first message of the worst kind */
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->why, sizeof(s->why), fmt, ap);
        va_end(ap);
        s->outcome = o;
    }
}

static void report(const struct session *s)
{
    if (atomic_fetch_add(&reports, 1) < MAX_REPORTS)
        fprintf(stderr, "tlsload: session %lu: %s: %s\n", s->seq,
                s->outcome == ERROR ? "error" : "mismatch", s->why);
}

/* The first OpenSSL error as text (or "" when there is none). */
static const char *tls_error(char *buf, size_t size)
{
    unsigned long e = ERR_get_error();
    buf[0] = '\0';
    if (e != 0)
        ERR_error_string_n(e, buf, size);
    ERR_clear_error();
    return buf;
}

/* ---- the connection ----------------------------------------------------- */

static int conn_open(struct session *s)
{
    const struct opts *o = s->o;
    struct conn *c = &s->c;
    c->ssl = NULL;
    c->off = c->have = 0;
    c->fd = socket(o->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        fail(s, ERROR, "socket: %s", strerror(errno));
        return -1;
    }
    struct timeval tv = {.tv_sec = o->timeout_ms / 1000,
                         .tv_usec = (o->timeout_ms % 1000) * 1000};
    int one = 1;
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(c->fd, (const struct sockaddr *)&o->sa, o->salen) < 0) {
        fail(s, ERROR, "connect to %s: %s", o->addr, strerror(errno));
        return -1;
    }
    return 0;
}

static void conn_close(struct conn *c)
{
    if (c->ssl != NULL) {
        SSL_shutdown(c->ssl); /* our close_notify; the server has closed */
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

static int conn_write(struct session *s, const char *data, size_t len)
{
    struct conn *c = &s->c;
    char err[256];
    if (s->o->trace)
        fprintf(stderr, "tlsload[%lu] > %.*s", s->seq, (int)len, data);
    while (len > 0) {
        ssize_t n;
        if (c->ssl != NULL) {
            int r = SSL_write(c->ssl, data, (int)len);
            if (r <= 0) {
                fail(s, ERROR, "TLS write: %s (SSL error %d)",
                     tls_error(err, sizeof(err)), SSL_get_error(c->ssl, r));
                return -1;
            }
            n = r;
        } else {
            n = write(c->fd, data, len);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                fail(s, ERROR, "write: %s", strerror(errno));
                return -1;
            }
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Fill the read buffer; returns bytes read, 0 at end of stream, -1. */
static ssize_t conn_fill(struct session *s)
{
    struct conn *c = &s->c;
    char err[256];
    if (c->off > 0) {
        memmove(c->buf, c->buf + c->off, c->have - c->off);
        c->have -= c->off;
        c->off = 0;
    }
    size_t room = sizeof(c->buf) - c->have;
    if (room == 0) {
        fail(s, ERROR, "reply line longer than %zu bytes", sizeof(c->buf));
        return -1;
    }
    /* ACK at once what comes in (see the top of the file) */
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
    for (;;) {
        ssize_t n;
        errno = 0;
        if (c->ssl != NULL) {
            int r = SSL_read(c->ssl, c->buf + c->have, (int)room);
            if (r <= 0) {
                int e = SSL_get_error(c->ssl, r);
                if (e == SSL_ERROR_ZERO_RETURN)
                    return 0;
                fail(s, ERROR, "TLS read: %s (SSL error %d, %s)",
                     tls_error(err, sizeof(err)), e,
                     errno ? strerror(errno) : "no errno");
                return -1;
            }
            n = r;
        } else {
            n = read(c->fd, c->buf + c->have, room);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                fail(s, ERROR, "read: %s", strerror(errno));
                return -1;
            }
        }
        c->have += (size_t)n;
        return n;
    }
}

/* One line (CR LF removed) into line; returns 0, or -1 (outcome set). */
static int conn_line(struct session *s, char *line, size_t size)
{
    struct conn *c = &s->c;
    for (;;) {
        char *start = c->buf + c->off;
        char *nl = memchr(start, '\n', c->have - c->off);
        if (nl != NULL) {
            size_t len = (size_t)(nl - start);
            if (len > 0 && start[len - 1] == '\r')
                len--;
            if (len >= size)
                len = size - 1;
            memcpy(line, start, len);
            line[len] = '\0';
            c->off = (size_t)(nl - c->buf) + 1;
            if (s->o->trace)
                fprintf(stderr, "tlsload[%lu] < %s\n", s->seq, line);
            return 0;
        }
        ssize_t n = conn_fill(s);
        if (n == 0)
            fail(s, ERROR, "server closed the connection");
        if (n <= 0)
            return -1;
    }
}

/* ---- SMTP --------------------------------------------------------------- */

/*
 * Read one reply (all its lines); returns its code (200..599), or -1 on
 * an error or a malformed reply. The first line goes to text; *starttls
 * (when not NULL) tells whether a line offered STARTTLS.
 */
static int smtp_reply(struct session *s, char *text, size_t size,
                      bool *starttls)
{
    char line[LINE_MAX_LEN];
    int code = -1;
    if (starttls != NULL)
        *starttls = false;
    for (bool first = true;; first = false) {
        if (conn_line(s, line, sizeof(line)) < 0)
            return -1;
        if (strlen(line) < 3 || line[0] < '2' || line[0] > '5' ||
            line[1] < '0' || line[1] > '9' || line[2] < '0' || line[2] > '9' ||
            (line[3] != '\0' && line[3] != ' ' && line[3] != '-') ||
            (!first && atoi(line) != code)) {
            fail(s, ERROR, "malformed reply line \"%s\"", line);
            return -1;
        }
        if (first) {
            code = atoi(line);
            snprintf(text, size, "%s", line);
        }
        if (starttls != NULL && strncasecmp(line + 4, "STARTTLS", 8) == 0)
            *starttls = true;
        if (line[3] != '-')
            return code;
    }
}

/* Send a command and read its reply; returns the code or -1. */
static int smtp_cmd(struct session *s, const char *cmd, char *text, size_t size,
                    bool *starttls)
{
    if (conn_write(s, cmd, strlen(cmd)) < 0)
        return -1;
    return smtp_reply(s, text, size, starttls);
}

/* A command whose reply must be `want`; returns 0, or -1 (outcome set). */
static int smtp_expect(struct session *s, const char *cmd, int want,
                       bool *starttls)
{
    char text[LINE_MAX_LEN];
    int code = smtp_cmd(s, cmd, text, sizeof(text), starttls);
    if (code < 0)
        return -1;
    if (code != want) {
        fail(s, MISMATCH, "%.*s: expected %d, got \"%s\"",
             (int)strcspn(cmd, "\r"), cmd, want, text);
        return -1;
    }
    return 0;
}

static int start_tls(struct session *s, SSL_SESSION **cache)
{
    struct conn *c = &s->c;
    char err[256];
    if (c->off != c->have) {
        fail(s, ERROR, "server sent data after its STARTTLS reply");
        return -1;
    }
    c->off = c->have = 0;
    c->ssl = SSL_new(s->o->ctx);
    if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1) {
        fail(s, ERROR, "SSL_new: %s", tls_error(err, sizeof(err)));
        return -1;
    }
    if (*cache != NULL)
        SSL_set_session(c->ssl, *cache);
    int r = SSL_connect(c->ssl);
    if (r != 1) {
        fail(s, ERROR, "TLS handshake: %s (SSL error %d)",
             tls_error(err, sizeof(err)), SSL_get_error(c->ssl, r));
        return -1;
    }
    s->resumed = SSL_session_reused(c->ssl);
    if (s->o->trace)
        fprintf(stderr, "tlsload[%lu] TLS %s, %s\n", s->seq,
                SSL_get_version(c->ssl),
                s->resumed ? "resumed" : "full handshake");
    return 0;
}

/* Keep this connection's session for the next one (--resume). The TLS 1.3
 * tickets come after the handshake: call this once a reply was read. */
static void keep_session(struct session *s, SSL_SESSION **cache)
{
    SSL_SESSION *sess = SSL_get1_session(s->c.ssl);
    if (sess == NULL)
        return;
    if (s->o->trace)
        fprintf(stderr, "tlsload[%lu] session %sresumable\n", s->seq,
                SSL_SESSION_is_resumable(sess) ? "" : "not ");
    if (!SSL_SESSION_is_resumable(sess)) {
        SSL_SESSION_free(sess);
        return;
    }
    if (*cache != NULL)
        SSL_SESSION_free(*cache);
    *cache = sess;
}

/* MAIL and RCPT: expected answers, or where the refusal came. Returns 0
 * when the message is to be sent, 1 when refused as expected, -1. */
static int envelope(struct session *s)
{
    const struct opts *o = s->o;
    char cmd[600], text[LINE_MAX_LEN];
    snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s>\r\n", o->from);
    uint64_t t0 = now_ns();
    int code = smtp_cmd(s, cmd, text, sizeof(text), NULL);
    s->mail_ns = now_ns() - t0;
    if (code < 0)
        return -1;
    if (o->expect == EXPECT_REFUSE && code >= 500) {
        s->refused = REFUSED_MAIL;
        return 1;
    }
    if (code != 250) {
        fail(s, MISMATCH, "MAIL: expected %s, got \"%s\"",
             o->expect == EXPECT_REFUSE ? "5xx or 250" : "250", text);
        return -1;
    }
    snprintf(cmd, sizeof(cmd), "RCPT TO:<%s>\r\n", o->to);
    code = smtp_cmd(s, cmd, text, sizeof(text), NULL);
    if (code < 0)
        return -1;
    if (o->expect == EXPECT_REFUSE && code >= 500) {
        s->refused = REFUSED_RCPT;
        return 1;
    }
    if (code != 250) {
        fail(s, MISMATCH, "RCPT: expected %s, got \"%s\"",
             o->expect == EXPECT_REFUSE ? "5xx" : "250", text);
        return -1;
    }
    if (o->expect == EXPECT_REFUSE) {
        fail(s, MISMATCH, "MAIL and RCPT accepted, expected a refusal");
        return -1;
    }
    return 0;
}

static int message(struct session *s)
{
    const struct opts *o = s->o;
    char msg[1200];
    if (smtp_expect(s, "DATA\r\n", 354, NULL) < 0)
        return -1;
    int n = snprintf(msg, sizeof(msg),
                     "From: <%s>\r\nTo: <%s>\r\nSubject: tlsload %lu\r\n"
                     "Message-ID: <%lu.%ld@tlsload.invalid>\r\n"
                     "MIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
                     "Partner mail over mutual TLS, one message per "
                     "session.\r\nLine two of a short body.\r\n"
                     "Line three.\r\n.\r\n",
                     o->from, o->to, s->seq, s->seq, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof(msg)) {
        fail(s, ERROR, "addresses too long for the message");
        return -1;
    }
    if (conn_write(s, msg, (size_t)n) < 0)
        return -1;
    char text[LINE_MAX_LEN];
    int code = smtp_reply(s, text, sizeof(text), NULL);
    if (code < 0)
        return -1;
    if (code != 250) {
        fail(s, MISMATCH, "end of data: expected 250, got \"%s\"", text);
        return -1;
    }
    return 0;
}

/* One session; the outcome is in s. */
static void run_session(struct session *s, SSL_SESSION **cache)
{
    const struct opts *o = s->o;
    char cmd[300], text[LINE_MAX_LEN];
    bool starttls = false;
    snprintf(cmd, sizeof(cmd), "EHLO %s\r\n", o->helo);
    if (conn_open(s) < 0)
        goto out;
    int code = smtp_reply(s, text, sizeof(text), NULL);
    if (code < 0)
        goto out;
    if (code != 220) {
        fail(s, MISMATCH, "greeting: expected 220, got \"%s\"", text);
        goto out;
    }
    if (smtp_expect(s, cmd, 250, &starttls) < 0)
        goto out;
    if (!starttls) {
        fail(s, MISMATCH, "EHLO: the server does not offer STARTTLS");
        goto out;
    }
    if (smtp_expect(s, "STARTTLS\r\n", 220, NULL) < 0 ||
        start_tls(s, cache) < 0 || smtp_expect(s, cmd, 250, NULL) < 0)
        goto out;
    if (o->resume)
        keep_session(s, cache);
    int e = envelope(s);
    if (e < 0 || (e == 0 && message(s) < 0))
        goto out;
    smtp_expect(s, "QUIT\r\n", 221, NULL);
out:
    conn_close(&s->c);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct opts *o = w->o;
    struct tally *t = &w->t;
    SSL_SESSION *cache = NULL;
    pthread_barrier_wait(w->start);
    for (int i = 0; i < o->sessions; i++) {
        struct session s = {.o = o,
                            .seq = (unsigned long)i * (unsigned long)o->conns +
                                   (unsigned long)w->index,
                            .c = {.fd = -1}};
        uint64_t t0 = now_ns();
        run_session(&s, &cache);
        uint64_t t1 = now_ns();
        if (s.outcome != OK) {
            report(&s);
            if (s.outcome == ERROR)
                t->error++;
            else
                t->mismatch++;
            continue;
        }
        t->ok++;
        t->resumed += s.resumed;
        t->refused_mail += s.refused == REFUSED_MAIL;
        t->refused_rcpt += s.refused == REFUSED_RCPT;
        t->mail_ns[t->nlat] = s.mail_ns;
        t->sess_ns[t->nlat++] = t1 - t0;
    }
    if (cache != NULL)
        SSL_SESSION_free(cache);
    return NULL;
}

/* ---- figures ------------------------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The q-quantile of the sorted v, in ms. */
static double pct_ms(const uint64_t *v, size_t n, double q)
{
    if (n == 0)
        return 0;
    size_t i = (size_t)(q * (double)(n - 1) + 0.5);
    return (double)v[i] / 1e6;
}

static int write_latencies(const char *path, const uint64_t *v, size_t n)
{
    FILE *f = fopen(path, "a");
    if (f == NULL) {
        fprintf(stderr, "tlsload: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%.1f\n", (double)v[i] / 1e3);
    if (fclose(f) != 0) {
        fprintf(stderr, "tlsload: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static bool print_result(const struct opts *o, struct tally *a, double secs)
{
    size_t total = (size_t)o->conns * (size_t)o->sessions;
    bool good = a->mismatch == 0 && a->error == 0 && a->ok == total;
    if (o->latfile != NULL &&
        write_latencies(o->latfile, a->mail_ns, a->nlat) < 0)
        good = false;
    qsort(a->mail_ns, a->nlat, sizeof(*a->mail_ns), cmp_u64);
    qsort(a->sess_ns, a->nlat, sizeof(*a->sess_ns), cmp_u64);
    double rate = secs > 0 ? (double)a->ok / secs : 0;
    double m50 = pct_ms(a->mail_ns, a->nlat, 0.50),
           m99 = pct_ms(a->mail_ns, a->nlat, 0.99),
           mmax = pct_ms(a->mail_ns, a->nlat, 1.0),
           s50 = pct_ms(a->sess_ns, a->nlat, 0.50),
           s99 = pct_ms(a->sess_ns, a->nlat, 0.99);
    const char *what = o->expect == EXPECT_ACCEPT ? "accept" : "refuse";
    printf("tlsload: %d x %d sessions to %s (expect %s, %s, %s) in %.2f s: "
           "%.0f sessions/s; MAIL reply p50 %.3f ms, p99 %.3f ms, max %.3f "
           "ms; session p50 %.2f ms, p99 %.2f ms; %lu resumed; %lu "
           "mismatches, %lu errors%s\n",
           o->conns, o->sessions, o->addr, what,
           o->cert ? "client certificate" : "no client certificate",
           o->resume ? "resumption" : "full handshakes", secs, rate, m50, m99,
           mmax, s50, s99, a->resumed, a->mismatch, a->error,
           good ? "" : " -- FAILED");
    printf("result addr=%s conns=%d sessions=%zu expect=%s cert=%s "
           "resume=%s ok=%lu mismatches=%lu errors=%lu resumed=%lu "
           "refused_mail=%lu refused_rcpt=%lu seconds=%.3f rate=%.1f "
           "mail_p50_ms=%.3f mail_p99_ms=%.3f mail_max_ms=%.3f "
           "session_p50_ms=%.3f session_p99_ms=%.3f cpu_s=%.3f status=%s\n",
           o->addr, o->conns, total, what, o->cert ? "yes" : "no",
           o->resume ? "yes" : "no", a->ok, a->mismatch, a->error, a->resumed,
           a->refused_mail, a->refused_rcpt, secs, rate, m50, m99, mmax, s50,
           s99, cpu_seconds(), good ? "ok" : "FAILED");
    return good;
}

static int load(struct opts *o)
{
    size_t total = (size_t)o->conns * (size_t)o->sessions;
    struct worker *w = calloc((size_t)o->conns, sizeof(*w));
    uint64_t *lat = calloc(2 * total, sizeof(*lat));
    pthread_barrier_t start;
    if (w == NULL || lat == NULL) {
        fprintf(stderr, "tlsload: out of memory\n");
        return 1;
    }
    pthread_barrier_init(&start, NULL, (unsigned)o->conns + 1);
    for (int i = 0; i < o->conns; i++) {
        size_t base = (size_t)i * (size_t)o->sessions;
        w[i] = (struct worker){.o = o, .index = i, .start = &start};
        w[i].t.mail_ns = lat + base;
        w[i].t.sess_ns = lat + total + base;
        if (pthread_create(&w[i].tid, NULL, worker_main, &w[i]) != 0) {
            fprintf(stderr, "tlsload: cannot start thread %d\n", i);
            exit(1);
        }
    }
    pthread_barrier_wait(&start);
    uint64_t t0 = now_ns();
    struct tally a = {.mail_ns = lat, .sess_ns = lat + total};
    for (int i = 0; i < o->conns; i++) {
        struct tally *t = &w[i].t;
        pthread_join(w[i].tid, NULL);
        a.ok += t->ok;
        a.mismatch += t->mismatch;
        a.error += t->error;
        a.resumed += t->resumed;
        a.refused_mail += t->refused_mail;
        a.refused_rcpt += t->refused_rcpt;
        /* compact the latencies of the sessions that matched */
        memmove(a.mail_ns + a.nlat, t->mail_ns, t->nlat * sizeof(*lat));
        memmove(a.sess_ns + a.nlat, t->sess_ns, t->nlat * sizeof(*lat));
        a.nlat += t->nlat;
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    pthread_barrier_destroy(&start);
    bool good = print_result(o, &a, secs);
    free(lat);
    free(w);
    return good ? 0 : 1;
}

/* ---- command line ------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f, "usage: tlsload -a HOST:PORT -c CONNS -n SESSIONS [--cert FILE "
               "--key FILE]\n"
               "               [--from ADDR] [--to ADDR] [--helo NAME]\n"
               "               [--expect accept|refuse] [--resume] "
               "[--latencies FILE]\n"
               "               [--timeout MS] [--trace]\n");
}

static long number(const char *s, long min, long max, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < min || v > max) {
        fprintf(stderr, "tlsload: %s must be %ld..%ld, not \"%s\"\n", what, min,
                max, s);
        exit(EX_USAGE);
    }
    return v;
}

/* HOST:PORT ([HOST]:PORT for IPv6) into o->sa. */
static int parse_addr(struct opts *o, const char *spec)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (colon == NULL || colon == spec || colon[1] == '\0' ||
        (size_t)(colon - spec) >= sizeof(host))
        return -1;
    const char *h = spec;
    size_t len = (size_t)(colon - spec);
    if (h[0] == '[' && h[len - 1] == ']') {
        h++;
        len -= 2;
    }
    memcpy(host, h, len);
    host[len] = '\0';
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV},
                    *res;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
        return -1;
    memcpy(&o->sa, res->ai_addr, res->ai_addrlen);
    o->salen = res->ai_addrlen;
    freeaddrinfo(res);
    snprintf(o->addr, sizeof(o->addr), "%s", spec);
    return 0;
}

/* The client context: the certificate, no server verification, and no
 * session cache unless --resume. */
static int make_ctx(struct opts *o)
{
    char err[256];
    o->ctx = SSL_CTX_new(TLS_client_method());
    if (o->ctx == NULL)
        goto fail;
    SSL_CTX_set_verify(o->ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_session_cache_mode(
        o->ctx, o->resume ? SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL
                          : SSL_SESS_CACHE_OFF);
    if (o->cert != NULL &&
        (SSL_CTX_use_certificate_chain_file(o->ctx, o->cert) != 1 ||
         SSL_CTX_use_PrivateKey_file(o->ctx, o->key, SSL_FILETYPE_PEM) != 1 ||
         SSL_CTX_check_private_key(o->ctx) != 1))
        goto fail;
    return 0;
fail:
    fprintf(stderr, "tlsload: %s%s%s: %s\n", o->cert ? o->cert : "TLS",
            o->cert ? ", " : "", o->cert ? o->key : "",
            tls_error(err, sizeof(err)));
    return -1;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"cert", required_argument, NULL, 'C'},
        {"key", required_argument, NULL, 'K'},
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},
        {"helo", required_argument, NULL, 'H'},
        {"expect", required_argument, NULL, 'e'},
        {"resume", no_argument, NULL, 'R'},
        {"latencies", required_argument, NULL, 'L'},
        {"timeout", required_argument, NULL, 'T'},
        {"trace", no_argument, NULL, 'x'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct opts o = {.conns = 1,
                     .sessions = 100,
                     .timeout_ms = 30000,
                     .from = "frank@woodgrovebank.com",
                     .to = "bob@contoso.test",
                     .helo = "mail.woodgrovebank.com"};
    const char *addr = NULL;
    int ch;
    while ((ch = getopt_long(argc, argv, "a:c:n:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'a':
            addr = optarg;
            break;
        case 'c':
            o.conns = (int)number(optarg, 1, 4096, "-c");
            break;
        case 'n':
            o.sessions = (int)number(optarg, 1, 10000000, "-n");
            break;
        case 'C':
            o.cert = optarg;
            break;
        case 'K':
            o.key = optarg;
            break;
        case 'f':
            o.from = optarg;
            break;
        case 't':
            o.to = optarg;
            break;
        case 'H':
            o.helo = optarg;
            break;
        case 'e':
            if (strcmp(optarg, "accept") == 0)
                o.expect = EXPECT_ACCEPT;
            else if (strcmp(optarg, "refuse") == 0)
                o.expect = EXPECT_REFUSE;
            else {
                fprintf(stderr, "tlsload: --expect accept|refuse\n");
                return EX_USAGE;
            }
            break;
        case 'R':
            o.resume = true;
            break;
        case 'L':
            o.latfile = optarg;
            break;
        case 'T':
            o.timeout_ms = (int)number(optarg, 1, 3600000, "--timeout");
            break;
        case 'x':
            o.trace = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return EX_USAGE;
        }
    }
    if (addr == NULL || optind != argc || (o.cert == NULL) != (o.key == NULL)) {
        usage(stderr);
        return EX_USAGE;
    }
    if (parse_addr(&o, addr) < 0) {
        fprintf(stderr, "tlsload: -a HOST:PORT, not \"%s\"\n", addr);
        return EX_USAGE;
    }
    signal(SIGPIPE, SIG_IGN); /* a server that closed first: an error */
    if (make_ctx(&o) < 0)
        return 1;
    int rc = load(&o);
    SSL_CTX_free(o.ctx);
    return rc;
}
