/*
 * probe_io.c - one TCP connection for the probe, plain and then TLS, with
 * a deadline on every step: the connect, each SMTP reply, each command
 * sent, the handshake. Replies are read line by line into a bounded
 * buffer, so a server that talks too much cannot make the probe grow.
 *
 * Must not: block without a deadline, or read past a reply before STARTTLS
 * (what the server sent after its 220 is discarded, never taken as TLS).
 */
#include "dsconfig.h"

#include "probe_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until fd is ready for `events` or the deadline passes. Returns 1
 * ready, 0 timed out, -1 error (errno). */
static int wait_fd(int fd, short events, long long deadline)
{
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
        if (r > 0)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

int ds_probe_io_connect(struct ds_probe_io *io, const struct ds_probe_addr *a,
                        int seconds, char *err, size_t errsize)
{
    memset(io, 0, sizeof(*io));
    io->fd =
        socket(a->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (io->fd < 0) {
        snprintf(err, errsize, "cannot make a socket: %s", strerror(errno));
        return -1;
    }
    long long deadline = now_ms() + seconds * 1000LL;
    if (connect(io->fd, (const struct sockaddr *)&a->sa, a->salen) == 0)
        return 0;
    if (errno != EINPROGRESS) {
        snprintf(err, errsize, "connect: %s", strerror(errno));
        return -1;
    }
    int r = wait_fd(io->fd, POLLOUT, deadline);
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    if (r == 0) {
        snprintf(err, errsize, "connect: no answer within %d s", seconds);
        return -1;
    }
    if (r < 0 || getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
        soerr = errno;
    if (soerr != 0) {
        snprintf(err, errsize, "connect: %s", strerror(soerr));
        return -1;
    }
    return 0;
}

/* Read or write through TLS or the socket. Returns bytes, 0 at end of
 * stream, -1 error (err filled). */
static ssize_t xfer(struct ds_probe_io *io, bool rd, void *p, size_t n,
                    long long deadline, int seconds, char *err, size_t errsize)
{
    for (;;) {
        short ev = rd ? POLLIN : POLLOUT;
        if (io->ssl) {
            ERR_clear_error();
            int r = rd ? SSL_read(io->ssl, p, (int)n)
                       : SSL_write(io->ssl, p, (int)n);
            if (r > 0)
                return r;
            int e = SSL_get_error(io->ssl, r);
            if (e == SSL_ERROR_ZERO_RETURN)
                return 0;
            if (e == SSL_ERROR_WANT_READ)
                ev = POLLIN;
            else if (e == SSL_ERROR_WANT_WRITE)
                ev = POLLOUT;
            else {
                char b[300];
                snprintf(err, errsize, "TLS: %s",
                         ds_probe_tls_error(b, sizeof(b),
                                            e == SSL_ERROR_SYSCALL
                                                ? "the server closed the "
                                                  "connection"
                                                : "error"));
                return -1;
            }
        } else {
            ssize_t r = rd ? read(io->fd, p, n) : write(io->fd, p, n);
            if (r >= 0)
                return r;
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                snprintf(err, errsize, "%s", strerror(errno));
                return -1;
            }
        }
        int w = wait_fd(io->fd, ev, deadline);
        if (w == 0) {
            snprintf(err, errsize, "no answer within %d s", seconds);
            return -1;
        }
        if (w < 0) {
            snprintf(err, errsize, "%s", strerror(errno));
            return -1;
        }
    }
}

int ds_probe_io_send(struct ds_probe_io *io, const char *line, int seconds,
                     char *err, size_t errsize)
{
    char out[600];
    int n = snprintf(out, sizeof(out), "%s\r\n", line);
    if (n < 0 || (size_t)n >= sizeof(out)) {
        snprintf(err, errsize, "command too long");
        return -1;
    }
    long long deadline = now_ms() + seconds * 1000LL;
    for (size_t done = 0; done < (size_t)n;) {
        ssize_t w = xfer(io, false, out + done, (size_t)n - done, deadline,
                         seconds, err, errsize);
        if (w <= 0) {
            if (w == 0)
                snprintf(err, errsize, "connection closed");
            return -1;
        }
        done += (size_t)w;
    }
    return 0;
}

/* One line from the buffer (reading more as needed), without CR LF, cut
 * at DS_PROBE_LINE_MAX. Returns 0 or -1. */
static int read_line(struct ds_probe_io *io, char *line, long long deadline,
                     int seconds, char *err, size_t errsize)
{
    size_t out = 0;
    for (;;) {
        char *nl = memchr(io->buf, '\n', io->len);
        size_t take = nl ? (size_t)(nl - io->buf) + 1 : io->len;
        for (size_t i = 0; i < take; i++) {
            char c = io->buf[i];
            if (c != '\r' && c != '\n' && out < DS_PROBE_LINE_MAX)
                line[out++] = c == '\0' ? ' ' : c;
        }
        memmove(io->buf, io->buf + take, io->len - take);
        io->len -= take;
        if (nl) {
            line[out] = '\0';
            return 0;
        }
        ssize_t r = xfer(io, true, io->buf, sizeof(io->buf), deadline, seconds,
                         err, errsize);
        if (r <= 0) {
            if (r == 0)
                snprintf(err, errsize, "the server closed the connection");
            return -1;
        }
        io->len = (size_t)r;
    }
}

static int reply_code(const char *l)
{
    if (l[0] < '2' || l[0] > '5' || l[1] < '0' || l[1] > '9' || l[2] < '0' ||
        l[2] > '9' || (l[3] != '\0' && l[3] != ' ' && l[3] != '-'))
        return 0;
    return (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
}

int ds_probe_io_reply(struct ds_probe_io *io, int seconds,
                      struct ds_probe_reply *r, char *err, size_t errsize)
{
    char line[DS_PROBE_LINE_MAX + 1];
    long long deadline = now_ms() + seconds * 1000LL;
    memset(r, 0, sizeof(*r));
    for (size_t n = 0;; n++) {
        if (read_line(io, line, deadline, seconds, err, errsize) < 0)
            return -1;
        int code = reply_code(line);
        if (code == 0 || (n > 0 && code != r->code)) {
            snprintf(err, errsize, "not an SMTP reply: \"%.200s\"", line);
            r->code = 0;
            return -1;
        }
        if (n == 0) {
            r->code = code;
            snprintf(r->first, sizeof(r->first), "%s", line);
        }
        if (n < DS_PROBE_REPLY_LINES &&
            ds_strlist_addf(&r->lines, "%s", line[3] ? line + 4 : "") < 0) {
            snprintf(err, errsize, "out of memory");
            return -1;
        }
        if (line[3] != '-')
            return 0;
    }
}

int ds_probe_io_handshake(struct ds_probe_io *io, int seconds, char *err,
                          size_t errsize)
{
    long long deadline = now_ms() + seconds * 1000LL;
    for (;;) {
        ERR_clear_error();
        int r = SSL_connect(io->ssl);
        if (r == 1)
            return 0;
        int e = SSL_get_error(io->ssl, r);
        short ev = e == SSL_ERROR_WANT_READ    ? POLLIN
                   : e == SSL_ERROR_WANT_WRITE ? POLLOUT
                                               : 0;
        if (ev == 0) {
            char b[300];
            snprintf(err, errsize, "%s",
                     ds_probe_tls_error(b, sizeof(b),
                                        "the server closed the connection"));
            return -1;
        }
        int w = wait_fd(io->fd, ev, deadline);
        if (w <= 0) {
            if (w == 0)
                snprintf(err, errsize, "no handshake within %d s", seconds);
            else
                snprintf(err, errsize, "%s", strerror(errno));
            return -1;
        }
    }
}

void ds_probe_io_discard(struct ds_probe_io *io)
{
    io->len = 0;
}

void ds_probe_io_close(struct ds_probe_io *io)
{
    if (io->ssl) {
        SSL_free(io->ssl);
        io->ssl = NULL;
    }
    if (io->fd >= 0)
        close(io->fd);
    io->fd = -1;
}

void ds_probe_reply_free(struct ds_probe_reply *r)
{
    ds_strlist_free(&r->lines);
}
