/*
 * peer.c - MTA macro semantics (Postfix, Sendmail), xtext, DN parsing and
 * the envelope sender's domain.
 *
 * Must not: use libmilter types, log, or trust any macro value: every
 * value is attacker-influenced (certificate contents, MAIL FROM).
 */
#include "dsconfig.h"

#include "peer.h"

#include <string.h>

enum ds_mta ds_peer_detect(enum ds_mta mta, const struct ds_macros *m)
{
    if (mta != DS_MTA_AUTO)
        return mta;
    if (m->v != NULL && strncmp(m->v, "Postfix", 7) == 0)
        return DS_MTA_POSTFIX;
    if (m->verify != NULL || m->v != NULL)
        return DS_MTA_SENDMAIL;
    return DS_MTA_POSTFIX;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

long ds_xtext_decode(const char *in, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = in; *p; p++) {
        char c = *p;
        if (c == '+') {
            int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = (char)(hi * 16 + lo);
            if (c == '\0')
                return -1;
            p += 2;
        }
        if (n + 1 >= size)
            return -1;
        out[n++] = c;
    }
    if (size == 0)
        return -1;
    out[n] = '\0';
    return (long)n;
}

static bool is_type_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* Is p the start of "TYPE=" (an attribute type and its '=')? */
static bool at_type(const char *p)
{
    const char *q = p;
    while (is_type_char(*q))
        q++;
    return q > p && *q == '=';
}

static bool copy_value(const char *v, size_t len, char *out, size_t size)
{
    if (len + 1 > size || memchr(v, '\0', len) != NULL)
        return false;
    memcpy(out, v, len);
    out[len] = '\0';
    return true;
}

/* One-line form: "/C=US/O=Ex/CN=mx": the last CN wins. A '/' inside a
 * value is only a separator when a "TYPE=" follows it. */
static bool oneline_cn(const char *dn, char *out, size_t size)
{
    const char *best = NULL;
    size_t bestlen = 0;
    const char *p = dn;
    while (*p == '/') {
        const char *type = p + 1;
        const char *eq = strchr(type, '=');
        if (eq == NULL || !at_type(type))
            return best != NULL && copy_value(best, bestlen, out, size);
        const char *v = eq + 1, *end = v;
        while (*end && !(*end == '/' && at_type(end + 1)))
            end++;
        if (eq - type == 2 && ds_lower(type[0]) == 'c' &&
            ds_lower(type[1]) == 'n') {
            best = v;
            bestlen = (size_t)(end - v);
        }
        p = end;
    }
    return best != NULL && copy_value(best, bestlen, out, size);
}

/* RFC 4514: "CN=a\, b,O=x" or "CN=\"a, b\"+UID=1,O=x": the first CN. */
static bool rfc4514_cn(const char *dn, char *out, size_t size)
{
    const char *p = dn;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *type = p;
        while (is_type_char(*p))
            p++;
        size_t tlen = (size_t)(p - type);
        while (*p == ' ')
            p++;
        if (tlen == 0 || *p != '=')
            return false;
        p++;
        bool want =
            tlen == 2 && ds_lower(type[0]) == 'c' && ds_lower(type[1]) == 'n';
        size_t n = 0;
        bool quoted = *p == '"';
        if (quoted)
            p++;
        for (; *p; p++) {
            char c = *p;
            if (quoted && c == '"') {
                p++;
                break;
            }
            if (!quoted && (c == ',' || c == '+' || c == ';'))
                break;
            if (c == '\\') {
                int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
                if (hi >= 0 && lo >= 0) {
                    c = (char)(hi * 16 + lo);
                    p += 2;
                } else if (p[1] != '\0') {
                    c = *++p;
                } else {
                    return false;
                }
                if (c == '\0')
                    return false;
            }
            if (want) {
                if (n + 1 >= size)
                    return false;
                out[n++] = c;
            }
        }
        if (want) {
            while (!quoted && n > 0 && out[n - 1] == ' ')
                n--;
            out[n] = '\0';
            return n > 0;
        }
        while (*p == ' ')
            p++;
        if (*p == ',' || *p == '+' || *p == ';')
            p++;
        else if (*p != '\0')
            return false;
    }
    return false;
}

bool ds_dn_cn(const char *dn, char *out, size_t size)
{
    if (dn == NULL || size == 0)
        return false;
    if (dn[0] == '/')
        return oneline_cn(dn, out, size);
    return rfc4514_cn(dn, out, size);
}

static bool nonempty(const char *s)
{
    return s != NULL && s[0] != '\0';
}

static bool bad_certificate(const char *s)
{
    return strncmp(s, "BadCertificate", 14) == 0;
}

/* A Sendmail name: the xtext CN macro, else the CN of the xtext DN. */
static const char *sendmail_name(const char *cn, const char *dn, char *out,
                                 size_t size)
{
    char decoded[DS_CN_MAX * 4];
    if (cn != NULL) {
        if (bad_certificate(cn) || ds_xtext_decode(cn, out, size) <= 0)
            return NULL;
        return out;
    }
    if (dn == NULL || ds_xtext_decode(dn, decoded, sizeof(decoded)) < 0 ||
        !ds_dn_cn(decoded, out, size))
        return NULL;
    return out;
}

static const char *copy_raw(const char *s, char *out, size_t size)
{
    if (!nonempty(s) || strlen(s) >= size)
        return NULL;
    memcpy(out, s, strlen(s) + 1);
    return out;
}

void ds_peer_tls(enum ds_mta mta, const struct ds_macros *m, struct ds_tls *out,
                 struct ds_peer_names *buf)
{
    memset(out, 0, sizeof(*out));
    buf->cn[0] = buf->issuer[0] = buf->version[0] = '\0';
    out->active = nonempty(m->tls_version) || nonempty(m->cipher);
    if (!out->active)
        return;
    out->version = copy_raw(m->tls_version, buf->version, sizeof(buf->version));
    mta = ds_peer_detect(mta, m);
    if (mta == DS_MTA_SENDMAIL) {
        out->verified =
            m->verify != NULL &&
            (strcmp(m->verify, "OK") == 0 || strcmp(m->verify, "TRUSTED") == 0);
        out->peer_cn = sendmail_name(m->cn_subject, m->cert_subject, buf->cn,
                                     sizeof(buf->cn));
        out->issuer_cn = sendmail_name(m->cn_issuer, m->cert_issuer,
                                       buf->issuer, sizeof(buf->issuer));
        return;
    }
    /* Postfix: {cert_subject} exists only for a verified certificate. */
    out->verified = nonempty(m->cert_subject);
    out->peer_cn = copy_raw(m->cert_subject, buf->cn, sizeof(buf->cn));
    out->issuer_cn = copy_raw(m->cert_issuer, buf->issuer, sizeof(buf->issuer));
}

enum ds_sender ds_sender_domain(const char *addr, size_t len, char *out,
                                const char **why)
{
    const char *p = addr, *end;
    const char *at = NULL;
    bool quoted = false;

    out[0] = '\0';
    *why = NULL;
    len = strnlen(addr, len);
    end = addr + len;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (p < end && *p == '<')
        p++;
    if (end > p && end[-1] == '>')
        end--;
    for (const char *q = p; q < end; q++) {
        if (*q == '\\' && quoted && q + 1 < end)
            q++;
        else if (*q == '"')
            quoted = !quoted;
        else if (*q == '@' && !quoted)
            at = q;
    }
    if (at == NULL)
        return DS_SENDER_NONE;
    const char *d = at + 1;
    if (ds_domain_normalise(d, (size_t)(end - d), out, 0, why) < 0) {
        out[0] = '\0';
        return DS_SENDER_BAD;
    }
    return DS_SENDER_DOMAIN;
}
