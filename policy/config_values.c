/*
 * config_values.c - the values of the configuration that have a syntax of
 * their own: listening addresses (bindings), smart hosts and file paths.
 * Parsed once, when the file is loaded (config.c), so that a value that
 * can only be wrong in one way is an error at its line, and the renderers
 * only ever print what was parsed here.
 *
 * Must not: report (config.c does, with the line), or do DNS.
 */
#include "dsconfig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- ports and addresses ------------------------------------------------ */

/* "25" .. "65535", digits only. Returns the port, or -1. */
static int port_of(const char *s, size_t len)
{
    long v = 0;
    if (len == 0 || len > 5)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v >= 1 && v <= 65535 ? (int)v : -1;
}

/* Is s[0..len) an address of family af? The text form goes to out. */
static bool address(int af, const char *s, size_t len, char *out, size_t size)
{
    unsigned char bin[16];
    char tmp[INET6_ADDRSTRLEN + 1];
    if (len == 0 || len >= sizeof(tmp))
        return false;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    if (inet_pton(af, tmp, bin) != 1)
        return false;
    /* the canonical text form: "2001:db8::1", never "2001:DB8:0::1" */
    return inet_ntop(af, bin, out, (socklen_t)size) != NULL;
}

int ds_config_parse_binding(const char *s, struct ds_binding *out)
{
    const char *colon, *addr = s;
    size_t alen;
    memset(out, 0, sizeof(*out));
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':')
            return -1;
        addr = s + 1;
        alen = (size_t)(close - addr);
        colon = close + 1;
        out->v6 = true;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL)
            return -1;
        alen = (size_t)(colon - s);
    }
    if (!address(out->v6 ? AF_INET6 : AF_INET, addr, alen, out->addr,
                 sizeof(out->addr)))
        return -1;
    out->port = port_of(colon + 1, strlen(colon + 1));
    return out->port < 0 ? -1 : 0;
}

/* ---- smart hosts -------------------------------------------------------- */

/* Split "[inside]:port", "[inside]", "name:port" or "name" into host text
 * and port (0 when none). Returns -1 with *why on a malformed form. */
static int split_host_port(const char *s, const char **host, size_t *hlen,
                           bool *bracketed, int *port, const char **why)
{
    const char *rest;
    *port = 0;
    *bracketed = s[0] == '[';
    if (*bracketed) {
        const char *close = strchr(s, ']');
        if (close == NULL) {
            *why = "a '[' without its ']'";
            return -1;
        }
        *host = s + 1;
        *hlen = (size_t)(close - *host);
        rest = close + 1;
    } else {
        const char *colon = strchr(s, ':');
        *host = s;
        *hlen = colon ? (size_t)(colon - s) : strlen(s);
        rest = s + *hlen;
    }
    if (*rest == '\0')
        return 0;
    if (*rest != ':' || (*port = port_of(rest + 1, strlen(rest + 1))) < 0) {
        *why = "the port after ':' is not a number from 1 to 65535";
        return -1;
    }
    return 0;
}

int ds_config_parse_smarthost(const char *s, struct ds_smarthost *out,
                              char *host, size_t size, const char **why)
{
    const char *h;
    size_t hlen;
    bool bracketed;
    char addr[INET6_ADDRSTRLEN + 1];
    memset(out, 0, sizeof(*out));
    out->host = host;
    *why = "not a host name, an address or [host]:port";
    /* a bare IPv6 address has colons but no port */
    if (s[0] != '[' && address(AF_INET6, s, strlen(s), addr, sizeof(addr))) {
        out->kind = DS_HOST_IPV6;
        snprintf(host, size, "%s", addr);
        return 0;
    }
    if (split_host_port(s, &h, &hlen, &bracketed, &out->port, why) < 0)
        return -1;
    out->own_port = out->port > 0;
    if (bracketed && hlen > 5 && strncasecmp(h, "ipv6:", 5) == 0) {
        h += 5;
        hlen -= 5;
        if (!address(AF_INET6, h, hlen, addr, sizeof(addr))) {
            *why = "not an IPv6 address after \"ipv6:\"";
            return -1;
        }
        out->kind = DS_HOST_IPV6;
    } else if (address(AF_INET6, h, hlen, addr, sizeof(addr))) {
        out->kind = DS_HOST_IPV6; /* "[2001:db8::1]" */
    } else if (address(AF_INET, h, hlen, addr, sizeof(addr))) {
        out->kind = DS_HOST_IPV4;
    } else {
        out->kind = DS_HOST_NAME;
        if (ds_domain_normalise(h, hlen, host, DS_DOMAIN_ALLOW_SINGLE, why) < 0)
            return -1;
        /* an all-numeric name would be read as an address */
        if (strspn(host, "0123456789.") == strlen(host)) {
            *why = "not an IPv4 address, and not a host name";
            return -1;
        }
        return 0;
    }
    snprintf(host, size, "%s", addr);
    return 0;
}

const char *ds_smarthost_nexthop(const struct ds_smarthost *h, char *buf,
                                 size_t size)
{
    snprintf(buf, size, "[%s%s]:%d", h->kind == DS_HOST_IPV6 ? "ipv6:" : "",
             h->host, h->port);
    return buf;
}

/* ---- paths -------------------------------------------------------------- */

/* Remove ".", "..", and repeated slashes from the absolute path p, in
 * place (lexically: only for directories that do not exist). */
static void normalise(char *p)
{
    char *out = p;
    const char *in = p;
    while (*in) {
        while (*in == '/')
            in++;
        const char *seg = in;
        while (*in && *in != '/')
            in++;
        size_t n = (size_t)(in - seg);
        if (n == 0 || (n == 1 && seg[0] == '.'))
            continue;
        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            while (out > p && *--out != '/')
                ;
            continue;
        }
        *out++ = '/';
        memmove(out, seg, n);
        out += n;
    }
    if (out == p)
        *out++ = '/';
    *out = '\0';
}

char *ds_config_path_abs(const char *base_file, const char *path)
{
    char cwd[PATH_MAX], *joined = NULL;
    const char *slash = base_file ? strrchr(base_file, '/') : NULL;
    int r;
    if (path[0] == '/')
        r = asprintf(&joined, "%s", path);
    else if (slash && base_file[0] == '/')
        r = asprintf(&joined, "%.*s/%s", (int)(slash - base_file), base_file,
                     path);
    else if (getcwd(cwd, sizeof(cwd)) == NULL)
        r = asprintf(&joined, "/%s", path); /* cannot be: try anyway */
    else if (slash)
        r = asprintf(&joined, "%s/%.*s/%s", cwd, (int)(slash - base_file),
                     base_file, path);
    else
        r = asprintf(&joined, "%s/%s", cwd, path);
    if (r < 0)
        return NULL;
    /* the directory through realpath (".." as the kernel follows it,
     * through symbolic links), the last component as written; lexically
     * when the directory does not exist */
    size_t n = strlen(joined);
    while (n > 1 && joined[n - 1] == '/')
        joined[--n] = '\0';
    char *last = strrchr(joined, '/');
    char *dir = NULL;
    if (last != joined && strcmp(last, "/..") != 0 && strcmp(last, "/.") != 0) {
        *last = '\0';
        dir = realpath(joined, NULL);
        *last = '/';
    }
    if (dir == NULL) {
        normalise(joined);
        return joined;
    }
    char *res = NULL;
    r = asprintf(&res, "%s%s", strcmp(dir, "/") == 0 ? "" : dir, last);
    free(dir);
    if (r < 0) {
        normalise(joined);
        return joined;
    }
    free(joined);
    return res;
}
