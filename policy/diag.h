/*
 * diag.h - diagnostics (errors, warnings) collected while loading a
 * configuration or a certificate store, each with a stable code, the file
 * and line a human must look at and a one-line fix hint.
 *
 * Every kind of finding has a code (enum ds_code) with one name and one
 * severity, in one table (diag.c) that serves parsing and printing alike:
 * scripts read the name from --json output, domsec-policy(8) lists them
 * all, and programs decide by the code, never by the English text.
 *
 * Must not: print anything by itself (callers choose stderr, syslog or JSON).
 */
#ifndef DS_DIAG_H
#define DS_DIAG_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>

enum ds_sev { DS_SEV_ERROR, DS_SEV_WARNING };

/* What a finding is about (the name is in diag.c's table). */
enum ds_code {
    DS_CODE_OTHER, /* recorded with ds_diag_add(): no code of its own */
    DS_CODE_NOMEM,
    /* reading the configuration file (srcmap.c) */
    DS_CODE_CONFIG_UNREADABLE,
    DS_CODE_CONFIG_NOT_REGULAR,
    DS_CODE_CONFIG_TOO_LARGE,
    DS_CODE_CONFIG_BINARY,
    DS_CODE_INCLUDE_DEPTH,
    DS_CODE_SYNTAX,
    DS_CODE_UNTERMINATED_STRING,
    DS_CODE_UNCLOSED_SECTION,
    DS_CODE_UNKNOWN_OPTION,
    DS_CODE_DUPLICATE_OPTION,
    DS_CODE_WRONG_TYPE,
    /* values and sections (config.c) */
    DS_CODE_INVALID_VALUE,
    DS_CODE_MISSING_TITLE,
    DS_CODE_DUPLICATE_NAME,
    DS_CODE_INVALID_DOMAIN,
    DS_CODE_INVALID_THUMBPRINT,
    DS_CODE_INVALID_TLS_NAME,
    DS_CODE_INVALID_BINDING,
    DS_CODE_DUPLICATE_BINDING,
    DS_CODE_DUPLICATE_DAEMON_NAME,
    DS_CODE_INVALID_SMART_HOST,
    DS_CODE_SMART_HOST_PORT,
    DS_CODE_NO_ROUTE,
    DS_CODE_ROUTE_CONFLICT,
    DS_CODE_MISSING_CERT,
    DS_CODE_NEEDS_TLS,
    DS_CODE_UNKNOWN_CONNECTOR,
    DS_CODE_PARTNER_UNLISTED,
    DS_CODE_DUPLICATE_PARTNER,
    DS_CODE_SEND_UNCOVERED,
    DS_CODE_RECEIVE_LIST_EMPTY,
    DS_CODE_RECEIVE_LIST_UNUSED,
    DS_CODE_NO_TLS,
    /* the files the configuration names */
    DS_CODE_PARTNER_CAS_UNREADABLE,
    DS_CODE_PARTNER_CAS_NO_CA,
    DS_CODE_PARTNER_CAS_PUBLIC,
    DS_CODE_TRUST_STORE,
    DS_CODE_CERT_FILE,
    DS_CODE_KEY_FILE,
    DS_CODE_KEY_PERMISSIONS,
    DS_CODE_DUPLICATE_CERT,
    /* certificates, time and forecast (lint.c, from select.c's events) */
    DS_CODE_INTERNAL_UNSET,    /* event 12012 */
    DS_CODE_INTERNAL_MISSING,  /* event 12013 */
    DS_CODE_NO_CERTIFICATE,    /* event 12014 */
    DS_CODE_INTERNAL_EXPIRED,  /* event 12015 */
    DS_CODE_CERT_EXPIRED,      /* event 12016, 2016 rules */
    DS_CODE_CERT_EXPIRED_2007, /* event 12016, 2007 rules */
    DS_CODE_INTERNAL_EXPIRING, /* event 12017 */
    DS_CODE_CERT_EXPIRING,     /* event 12018 */
    DS_CODE_INTERNAL_NOT_BEST, /* event 1037 */
    DS_CODE_SECURE_CERT_EXPIRED,
    DS_CODE_SECURE_NO_CERT,
    DS_CODE_SECURE_NO_CLIENT_CERT,
    DS_CODE_CLIENT_CERT_NAME,
    DS_CODE_CLIENT_CERT_SELF_SIGNED,
    DS_CODE_SECURE_SMART_HOST,
    DS_CODE_PARTNER_CAS_UNSET,
    DS_CODE_TLS_NAME_STALE,
    DS_CODE_CANDIDATE_UNUSABLE,
    DS_CODE_UNUSED_EXPIRED,
    DS_CODE_EXPIRY_FORECAST,
    DS_CODE_INTERNAL_NOT_IN_STORE,
    DS_CODE_INTERNAL_SHORT_LIVED,
    DS_CODE_ANONYMOUS_NOT_RENDERED,
    /* what one MTA cannot express (render*.c) */
    DS_CODE_RENDER_NAME,
    DS_CODE_RENDER_PATH,
    DS_CODE_RENDER_SOCKET,
    DS_CODE_RENDER_CHAIN_ORDER,
    DS_CODE_SENDMAIL_ONE_CERT,
    DS_CODE_SENDMAIL_REQUIRE_TLS,
    DS_CODE_SENDMAIL_CHAIN_FILE,
    DS_CODE_SENDMAIL_ROUTE,
    DS_CODE_COUNT
};

/* Properties of a code (ds_code_flags). */
enum {
    /* About anonymous TLS (exchange_server), which no MTA renderer
     * writes: never stops `render`. */
    DS_CODEF_ANONYMOUS = 1 << 0,
    /* A configuration matter: `render` exits 78 (EX_CONFIG) for it, not
     * 1 (a certificate matter). */
    DS_CODEF_CONFIG = 1 << 1,
};

/* The code's name ("invalid-smart-host"), its severity and its flags. */
const char *ds_code_name(enum ds_code c);
enum ds_sev ds_code_sev(enum ds_code c);
unsigned ds_code_flags(enum ds_code c);
/* The code named `name`; returns false when there is none. */
bool ds_code_parse(const char *name, enum ds_code *out);

struct ds_diag_item {
    enum ds_code code;
    enum ds_sev sev;
    char *file; /* may be NULL */
    int line;   /* 0 when unknown */
    char *text;
    char *hint; /* may be NULL */
};

struct ds_diag {
    struct ds_diag_item *v;
    size_t n, cap;
    size_t nerrors, nwarnings;
};

/* Record a finding with its code (the severity is the code's). Out of
 * memory is remembered as an error. */
void ds_diag_code(struct ds_diag *d, enum ds_code code, const char *file,
                  int line, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Record a diagnostic without a code of its own (DS_CODE_OTHER). */
void ds_diag_add(struct ds_diag *d, enum ds_sev sev, const char *file, int line,
                 const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Copy item `it` into d (its code and severity kept). */
void ds_diag_copy(struct ds_diag *d, const struct ds_diag_item *it);

/* Does d hold an item with this code? */
bool ds_diag_has(const struct ds_diag *d, enum ds_code code);

/* Print every item as "FILE:LINE: error: TEXT [code]" plus an indented
 * hint line. */
void ds_diag_print(const struct ds_diag *d, FILE *fp);

/* Format item i as one line (no newline, no code) into buf; returns buf. */
char *ds_diag_format(const struct ds_diag_item *it, char *buf, size_t size);
/* The same line ending in " [code]" when the item has a code of its own:
 * how every program prints a finding. */
char *ds_diag_format_coded(const struct ds_diag_item *it, char *buf,
                           size_t size);

void ds_diag_free(struct ds_diag *d);

/*
 * `s` quoted for a POSIX shell when it needs quoting ('Default Frontend',
 * 'it'\''s'), as is otherwise (Inet), into buf; returns buf (truncated to
 * size, always terminated). For hints that show a command to paste.
 */
const char *ds_shell_quote(const char *s, char *buf, size_t size);

#endif
