/*
 * diag.c - the finding codes (one table: name, severity, flags), and
 * collecting and printing diagnostics.
 *
 * Must not: exit or log; an allocation failure is counted as an error.
 */
#include "dsconfig.h"

#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

#define E DS_SEV_ERROR
#define W DS_SEV_WARNING
#define ANON DS_CODEF_ANONYMOUS
#define CONF DS_CODEF_CONFIG

/* Indexed by enum ds_code; a new code is one line here, one in diag.h and
 * one row in domsec-policy(8)'s table (t/unit/test-diag checks both). */
static const struct {
    const char *name;
    enum ds_sev sev;
    unsigned flags;
} codes[DS_CODE_COUNT] = {
    [DS_CODE_OTHER] = {"other", E, 0},
    [DS_CODE_NOMEM] = {"out-of-memory", E, 0},
    [DS_CODE_CONFIG_UNREADABLE] = {"config-unreadable", E, CONF},
    [DS_CODE_CONFIG_NOT_REGULAR] = {"config-not-regular", E, CONF},
    [DS_CODE_CONFIG_TOO_LARGE] = {"config-too-large", E, CONF},
    [DS_CODE_CONFIG_BINARY] = {"config-binary", E, CONF},
    [DS_CODE_INCLUDE_DEPTH] = {"include-depth", E, CONF},
    [DS_CODE_SYNTAX] = {"syntax", E, CONF},
    [DS_CODE_UNTERMINATED_STRING] = {"unterminated-string", E, CONF},
    [DS_CODE_UNCLOSED_SECTION] = {"unclosed-section", E, CONF},
    [DS_CODE_UNKNOWN_OPTION] = {"unknown-option", E, CONF},
    [DS_CODE_DUPLICATE_OPTION] = {"duplicate-option", E, CONF},
    [DS_CODE_WRONG_TYPE] = {"wrong-type", E, CONF},
    [DS_CODE_INVALID_VALUE] = {"invalid-value", E, CONF},
    [DS_CODE_MISSING_TITLE] = {"missing-title", E, CONF},
    [DS_CODE_DUPLICATE_NAME] = {"duplicate-name", E, CONF},
    [DS_CODE_INVALID_DOMAIN] = {"invalid-domain", E, CONF},
    [DS_CODE_INVALID_THUMBPRINT] = {"invalid-thumbprint", E, CONF},
    [DS_CODE_INVALID_TLS_NAME] = {"invalid-tls-certificate-name", E, CONF},
    [DS_CODE_INVALID_BINDING] = {"invalid-binding", E, CONF},
    [DS_CODE_DUPLICATE_BINDING] = {"duplicate-binding", E, CONF},
    [DS_CODE_DUPLICATE_DAEMON_NAME] = {"duplicate-daemon-name", E, CONF},
    [DS_CODE_INVALID_SMART_HOST] = {"invalid-smart-host", E, CONF},
    [DS_CODE_SMART_HOST_PORT] = {"smart-host-port-conflict", E, CONF},
    [DS_CODE_NO_ROUTE] = {"no-route", E, CONF},
    [DS_CODE_ROUTE_CONFLICT] = {"route-conflict", E, CONF},
    [DS_CODE_MISSING_CERT] = {"missing-cert-file", E, CONF},
    [DS_CODE_NEEDS_TLS] = {"needs-tls", E, CONF},
    [DS_CODE_UNKNOWN_CONNECTOR] = {"unknown-connector", E, CONF},
    [DS_CODE_PARTNER_UNLISTED] = {"partner-not-listed", W, CONF},
    [DS_CODE_DUPLICATE_PARTNER] = {"duplicate-partner", E, CONF},
    [DS_CODE_SEND_UNCOVERED] = {"send-domain-uncovered", E, CONF},
    [DS_CODE_RECEIVE_LIST_EMPTY] = {"receive-list-empty", W, CONF},
    [DS_CODE_RECEIVE_LIST_UNUSED] = {"receive-list-unused", W, CONF},
    [DS_CODE_NO_TLS] = {"no-tls", W, CONF},
    [DS_CODE_PARTNER_CAS_UNREADABLE] = {"partner-cas-unreadable", E, CONF},
    [DS_CODE_PARTNER_CAS_NO_CA] = {"partner-cas-no-ca", E, CONF},
    [DS_CODE_PARTNER_CAS_PUBLIC] = {"partner-cas-public", W, CONF},
    [DS_CODE_TRUST_STORE] = {"trust-store-unreadable", E, CONF},
    [DS_CODE_CERT_FILE] = {"cert-file", E, CONF},
    [DS_CODE_KEY_FILE] = {"key-file", E, CONF},
    [DS_CODE_KEY_PERMISSIONS] = {"key-permissions", W, CONF},
    [DS_CODE_DUPLICATE_CERT] = {"duplicate-certificate", W, CONF},
    [DS_CODE_INTERNAL_UNSET] = {"internal-certificate-unset", E, ANON},
    [DS_CODE_INTERNAL_MISSING] = {"internal-certificate-missing", E, ANON},
    [DS_CODE_NO_CERTIFICATE] = {"no-certificate", E, 0},
    [DS_CODE_INTERNAL_EXPIRED] = {"internal-certificate-expired", W, ANON},
    [DS_CODE_CERT_EXPIRED] = {"certificate-expired", W, 0},
    [DS_CODE_CERT_EXPIRED_2007] = {"certificate-expired-2007", E, 0},
    [DS_CODE_INTERNAL_EXPIRING] = {"internal-certificate-expiring", W, ANON},
    [DS_CODE_CERT_EXPIRING] = {"certificate-expiring", W, 0},
    [DS_CODE_INTERNAL_NOT_BEST] = {"internal-certificate-not-best", W, ANON},
    [DS_CODE_SECURE_CERT_EXPIRED] = {"domain-secure-certificate-expired", E, 0},
    [DS_CODE_SECURE_NO_CERT] = {"domain-secure-no-certificate", E, 0},
    [DS_CODE_SECURE_NO_CLIENT_CERT] = {"domain-secure-no-client-certificate", E,
                                       0},
    [DS_CODE_CLIENT_CERT_NAME] = {"client-certificate-name", E, 0},
    [DS_CODE_CLIENT_CERT_SELF_SIGNED] = {"client-certificate-self-signed", W,
                                         0},
    [DS_CODE_SECURE_SMART_HOST] = {"domain-secure-smart-host", E, CONF},
    [DS_CODE_PARTNER_CAS_UNSET] = {"partner-cas-unset", E, CONF},
    [DS_CODE_TLS_NAME_STALE] = {"tls-certificate-name-stale", W, 0},
    [DS_CODE_CANDIDATE_UNUSABLE] = {"candidate-unusable", W, 0},
    [DS_CODE_UNUSED_EXPIRED] = {"unused-certificate-expired", W, 0},
    [DS_CODE_EXPIRY_FORECAST] = {"expiry-forecast", W, 0},
    [DS_CODE_INTERNAL_NOT_IN_STORE] = {"internal-certificate-not-in-store", W,
                                       ANON},
    [DS_CODE_INTERNAL_SHORT_LIVED] = {"internal-certificate-short-lived", W,
                                      ANON},
    [DS_CODE_ANONYMOUS_NOT_RENDERED] = {"anonymous-tls-not-rendered", W, ANON},
    [DS_CODE_RENDER_NAME] = {"render-unwritable-name", E, CONF},
    [DS_CODE_RENDER_PATH] = {"render-unwritable-path", E, CONF},
    [DS_CODE_RENDER_SOCKET] = {"render-unwritable-socket", E, CONF},
    [DS_CODE_RENDER_CHAIN_ORDER] = {"render-chain-order", E, CONF},
    [DS_CODE_SENDMAIL_ONE_CERT] = {"sendmail-one-certificate", W, 0},
    [DS_CODE_SENDMAIL_REQUIRE_TLS] = {"sendmail-require-tls", W, 0},
    [DS_CODE_SENDMAIL_CHAIN_FILE] = {"sendmail-chain-file", W, 0},
    [DS_CODE_SENDMAIL_ROUTE] = {"sendmail-route", E, CONF},
};

static bool valid(enum ds_code c)
{
    return (unsigned)c < DS_CODE_COUNT && codes[c].name != NULL;
}

const char *ds_code_name(enum ds_code c)
{
    return valid(c) ? codes[c].name : "other";
}

enum ds_sev ds_code_sev(enum ds_code c)
{
    return valid(c) ? codes[c].sev : DS_SEV_ERROR;
}

unsigned ds_code_flags(enum ds_code c)
{
    return valid(c) ? codes[c].flags : 0;
}

bool ds_code_parse(const char *name, enum ds_code *out)
{
    for (int i = 0; i < DS_CODE_COUNT; i++)
        if (codes[i].name && strcmp(codes[i].name, name) == 0) {
            *out = (enum ds_code)i;
            return true;
        }
    return false;
}

/* ---- collecting --------------------------------------------------------- */

static void vadd(struct ds_diag *d, enum ds_code code, enum ds_sev sev,
                 const char *file, int line, const char *hint, const char *fmt,
                 va_list ap) __attribute__((format(printf, 7, 0)));

static void vadd(struct ds_diag *d, enum ds_code code, enum ds_sev sev,
                 const char *file, int line, const char *hint, const char *fmt,
                 va_list ap)
{
    if (sev == DS_SEV_ERROR)
        d->nerrors++;
    else
        d->nwarnings++;
    struct ds_diag_item *v = ds_grow(d->v, &d->cap, d->n + 1, sizeof(*v), 8);
    if (v == NULL)
        return;
    d->v = v;
    struct ds_diag_item *it = &d->v[d->n];
    if (vasprintf(&it->text, fmt, ap) < 0)
        return;
    it->code = code;
    it->sev = sev;
    it->line = line;
    it->file = file ? strdup(file) : NULL;
    it->hint = hint ? strdup(hint) : NULL;
    d->n++;
}

void ds_diag_code(struct ds_diag *d, enum ds_code code, const char *file,
                  int line, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vadd(d, code, ds_code_sev(code), file, line, hint, fmt, ap);
    va_end(ap);
}

void ds_diag_add(struct ds_diag *d, enum ds_sev sev, const char *file, int line,
                 const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vadd(d, DS_CODE_OTHER, sev, file, line, hint, fmt, ap);
    va_end(ap);
}

static void add_plain(struct ds_diag *d, enum ds_code code, enum ds_sev sev,
                      const char *file, int line, const char *hint,
                      const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static void add_plain(struct ds_diag *d, enum ds_code code, enum ds_sev sev,
                      const char *file, int line, const char *hint,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vadd(d, code, sev, file, line, hint, fmt, ap);
    va_end(ap);
}

void ds_diag_copy(struct ds_diag *d, const struct ds_diag_item *it)
{
    add_plain(d, it->code, it->sev, it->file, it->line, it->hint, "%s",
              it->text);
}

bool ds_diag_has(const struct ds_diag *d, enum ds_code code)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i].code == code)
            return true;
    return false;
}

/* ---- printing ----------------------------------------------------------- */

char *ds_diag_format(const struct ds_diag_item *it, char *buf, size_t size)
{
    const char *sev = ds_sev_name(it->sev);
    if (it->file && it->line > 0)
        snprintf(buf, size, "%s:%d: %s: %s", it->file, it->line, sev, it->text);
    else if (it->file)
        snprintf(buf, size, "%s: %s: %s", it->file, sev, it->text);
    else
        snprintf(buf, size, "%s: %s", sev, it->text);
    return buf;
}

char *ds_diag_format_coded(const struct ds_diag_item *it, char *buf,
                           size_t size)
{
    ds_diag_format(it, buf, size);
    size_t len = strlen(buf);
    if (it->code != DS_CODE_OTHER && len < size)
        snprintf(buf + len, size - len, " [%s]", ds_code_name(it->code));
    return buf;
}

void ds_diag_print(const struct ds_diag *d, FILE *fp)
{
    char buf[2048];
    for (size_t i = 0; i < d->n; i++) {
        const struct ds_diag_item *it = &d->v[i];
        fputs(ds_diag_format_coded(it, buf, sizeof(buf)), fp);
        fputc('\n', fp);
        if (it->hint)
            fprintf(fp, "    hint: %s\n", it->hint);
    }
    if (d->nerrors + d->nwarnings > d->n)
        fprintf(fp, "error: out of memory while recording diagnostics\n");
}

void ds_diag_free(struct ds_diag *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].file);
        free(d->v[i].text);
        free(d->v[i].hint);
    }
    free(d->v);
    memset(d, 0, sizeof(*d));
}

const char *ds_shell_quote(const char *s, char *buf, size_t size)
{
    bool plain = *s != '\0';
    for (const char *p = s; *p && plain; p++)
        plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                (*p >= '0' && *p <= '9') || strchr("@%+=:,./_-", *p);
    if (size == 0)
        return buf;
    if (plain) {
        snprintf(buf, size, "%s", s);
        return buf;
    }
    size_t n = 0;
    buf[n++] = '\'';
    for (const char *p = s; *p && n + 5 < size; p++) {
        if (*p == '\'') {
            memcpy(buf + n, "'\\''", 4);
            n += 4;
        } else {
            buf[n++] = *p;
        }
    }
    if (n + 1 < size)
        buf[n++] = '\'';
    buf[n < size ? n : size - 1] = '\0';
    return buf;
}
