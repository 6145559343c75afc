/*
 * mwire.c - milter wire protocol, MTA side, for the benchmark driver.
 *
 * Must not: allocate per packet (buffers grow and are reused), use
 * libmilter, or hide an error: every short read, oversized packet or
 * timeout is reported to the caller.
 */
#include "mwire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

/* Replies are small; anything bigger is a broken milter. */
#define MW_MAX_PACKET (1024 * 1024)

int mw_addr_parse(const char *spec, struct mw_addr *a, char *err,
                  size_t errsize)
{
    memset(a, 0, sizeof(*a));
    snprintf(a->spec, sizeof(a->spec), "%s", spec);
    if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
        const char *path = strchr(spec, ':') + 1;
        struct sockaddr_un *sun = (struct sockaddr_un *)&a->sa;
        if (path[0] == '\0' || strlen(path) >= sizeof(sun->sun_path)) {
            snprintf(err, errsize, "%s: bad unix socket path", spec);
            return -1;
        }
        sun->sun_family = AF_UNIX;
        memcpy(sun->sun_path, path, strlen(path) + 1);
        a->salen = sizeof(*sun);
        return 0;
    }
    int family;
    const char *rest;
    if (strncmp(spec, "inet:", 5) == 0) {
        family = AF_INET;
        rest = spec + 5;
    } else if (strncmp(spec, "inet6:", 6) == 0) {
        family = AF_INET6;
        rest = spec + 6;
    } else {
        snprintf(err, errsize,
                 "%s: expected unix:/path, inet:PORT@HOST or inet6:PORT@HOST",
                 spec);
        return -1;
    }
    const char *at = strchr(rest, '@');
    char port[16], host[256];
    size_t plen = at ? (size_t)(at - rest) : strlen(rest);
    if (plen == 0 || plen >= sizeof(port)) {
        snprintf(err, errsize, "%s: bad port", spec);
        return -1;
    }
    memcpy(port, rest, plen);
    port[plen] = '\0';
    snprintf(host, sizeof(host), "%s",
             at && at[1] ? at + 1 : (family == AF_INET ? "127.0.0.1" : "::1"));
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0 || res == NULL) {
        snprintf(err, errsize, "%s: %s", spec, gai_strerror(rc));
        return -1;
    }
    memcpy(&a->sa, res->ai_addr, res->ai_addrlen);
    a->salen = res->ai_addrlen;
    a->inet = true;
    freeaddrinfo(res);
    return 0;
}

void mw_conn_init(struct mw_conn *c)
{
    memset(c, 0, sizeof(*c));
    c->fd = -1;
}

void mw_conn_free(struct mw_conn *c)
{
    mw_close(c);
    free(c->out);
    free(c->in);
    mw_conn_init(c);
}

int mw_connect(struct mw_conn *c, const struct mw_addr *a, int timeout_ms,
               char *err, size_t errsize)
{
    c->outlen = c->inoff = c->inlen = 0;
    c->oom = false;
    c->fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        snprintf(err, errsize, "socket: %s", strerror(errno));
        return -1;
    }
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (a->inet) {
        int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    if (connect(c->fd, (const struct sockaddr *)&a->sa, a->salen) < 0) {
        snprintf(err, errsize, "connect %s: %s", a->spec, strerror(errno));
        mw_close(c);
        return -1;
    }
    return 0;
}

void mw_close(struct mw_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

static void reserve(unsigned char **buf, size_t *cap, size_t need, bool *oom)
{
    if (need <= *cap)
        return;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n *= 2;
    unsigned char *p = realloc(*buf, n);
    if (p == NULL) {
        *oom = true;
        return;
    }
    *buf = p;
    *cap = n;
}

void mw_add(struct mw_conn *c, const void *p, size_t n)
{
    reserve(&c->out, &c->outcap, c->outlen + n, &c->oom);
    if (c->oom)
        return;
    memcpy(c->out + c->outlen, p, n);
    c->outlen += n;
}

size_t mw_begin(struct mw_conn *c, char cmd)
{
    size_t off = c->outlen;
    unsigned char hdr[5] = {0, 0, 0, 0, (unsigned char)cmd};
    mw_add(c, hdr, sizeof(hdr));
    return off;
}

void mw_add_str(struct mw_conn *c, const char *s)
{
    mw_add(c, s, strlen(s) + 1);
}

void mw_add_u32(struct mw_conn *c, uint32_t v)
{
    uint32_t n = htonl(v);
    mw_add(c, &n, sizeof(n));
}

void mw_add_u16(struct mw_conn *c, uint16_t v)
{
    uint16_t n = htons(v);
    mw_add(c, &n, sizeof(n));
}

void mw_end(struct mw_conn *c, size_t off)
{
    if (c->oom)
        return;
    uint32_t n = htonl((uint32_t)(c->outlen - off - 4));
    memcpy(c->out + off, &n, sizeof(n));
}

/* Print one packet for --trace: NULs as '|', other bytes as \xHH. */
static void trace(const char *dir, char cmd, const unsigned char *d, size_t len)
{
    char buf[400];
    size_t o = 0;
    for (size_t i = 0; i < len && o < sizeof(buf) - 8; i++) {
        unsigned char ch = d[i];
        if (ch == 0)
            buf[o++] = '|';
        else if (ch >= 0x20 && ch < 0x7f && ch != '\\')
            buf[o++] = (char)ch;
        else
            o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\\x%02x", ch);
    }
    buf[o] = '\0';
    fprintf(stderr, "%s %c %s%s\n", dir, cmd, buf,
            o < sizeof(buf) - 8 ? "" : "...");
}

static const char *io_error(int e)
{
    return (e == EAGAIN || e == EWOULDBLOCK) ? "timed out" : strerror(e);
}

int mw_flush(struct mw_conn *c, char *err, size_t errsize)
{
    if (c->oom) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    for (size_t at = 0; c->trace && at + 5 <= c->outlen;) {
        uint32_t n;
        memcpy(&n, c->out + at, 4);
        trace(">", (char)c->out[at + 4], c->out + at + 5, ntohl(n) - 1);
        at += 4 + ntohl(n);
    }
    if (c->trace && c->outlen > 0)
        fprintf(stderr, "  (one write of %zu bytes)\n", c->outlen);
    size_t done = 0;
    while (done < c->outlen) {
        ssize_t n = send(c->fd, c->out + done, c->outlen - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errsize, "write: %s", io_error(errno));
            return -1;
        }
        done += (size_t)n;
    }
    c->outlen = 0;
    return 0;
}

/* Make at least `want` unparsed bytes available. 1 ok, 0 EOF, -1 error. */
static int fill(struct mw_conn *c, size_t want, char *err, size_t errsize)
{
    if (c->inlen - c->inoff >= want)
        return 1;
    if (c->inoff > 0) {
        memmove(c->in, c->in + c->inoff, c->inlen - c->inoff);
        c->inlen -= c->inoff;
        c->inoff = 0;
    }
    reserve(&c->in, &c->incap, want < 4096 ? 4096 : want, &c->oom);
    if (c->oom) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    while (c->inlen < want) {
        ssize_t n = recv(c->fd, c->in + c->inlen, c->incap - c->inlen, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            return 0;
        if (n < 0) {
            snprintf(err, errsize, "read: %s", io_error(errno));
            return -1;
        }
        c->inlen += (size_t)n;
    }
    return 1;
}

int mw_read(struct mw_conn *c, struct mw_packet *p, char *err, size_t errsize)
{
    if (c->outlen > 0 && mw_flush(c, err, errsize) < 0)
        return -1;
    int rc = fill(c, 4, err, errsize);
    if (rc <= 0) {
        if (rc == 0 && c->inlen > c->inoff)
            snprintf(err, errsize, "end of file inside a packet header");
        return rc == 0 && c->inlen > c->inoff ? -1 : rc;
    }
    uint32_t n;
    memcpy(&n, c->in + c->inoff, 4);
    size_t len = ntohl(n);
    if (len < 1 || len > MW_MAX_PACKET) {
        snprintf(err, errsize, "bad reply packet length %zu", len);
        return -1;
    }
    rc = fill(c, 4 + len, err, errsize);
    if (rc <= 0) {
        if (rc == 0)
            snprintf(err, errsize, "end of file inside a packet");
        return -1;
    }
    p->cmd = (char)c->in[c->inoff + 4];
    p->data = c->in + c->inoff + 5;
    p->len = len - 1;
    c->inoff += 4 + len;
    if (c->trace)
        trace("<", p->cmd, p->data, p->len);
    return 1;
}

int mw_wait_close(struct mw_conn *c, char *err, size_t errsize)
{
    if (mw_flush(c, err, errsize) < 0)
        return -1;
    for (;;) {
        char buf[256];
        ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            return 0;
        if (n < 0) {
            /* A reset after QUIT still means the milter let go. */
            if (errno == ECONNRESET)
                return 0;
            snprintf(err, errsize, "waiting for close after QUIT: %s",
                     io_error(errno));
            return -1;
        }
        snprintf(err, errsize, "%zd unexpected bytes after QUIT", n);
        return -1;
    }
}

int mw_get_str(const struct mw_packet *p, size_t *off, const char **s)
{
    if (*off >= p->len)
        return -1;
    const unsigned char *nul = memchr(p->data + *off, '\0', p->len - *off);
    if (nul == NULL)
        return -1;
    *s = (const char *)p->data + *off;
    *off = (size_t)(nul - p->data) + 1;
    return 0;
}

int mw_get_u32(const struct mw_packet *p, size_t *off, uint32_t *v)
{
    if (p->len < 4 || *off > p->len - 4)
        return -1;
    uint32_t n;
    memcpy(&n, p->data + *off, 4);
    *v = ntohl(n);
    *off += 4;
    return 0;
}
