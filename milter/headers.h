/*
 * headers.h - the mark header: recognising every pre-existing copy of it
 * (any case), formatting its value, and at end of message deleting every
 * copy (last index first, since indices shift) before prepending ours.
 *
 * Format (doc/design.md): "pass domain=D; peer=CN; issuer=CN; tls=V;
 * connector=NAME", or for a failure let through by monitor mode
 * "fail reason=R domain=D; ...". Values are quoted when they hold spaces,
 * ';', '"', '\' or '=' (backslash escapes), control and non-ASCII bytes
 * written as \xHH (log.h, ds_quote).
 *
 * Must not: decide anything, or add a header before every old copy is gone.
 */
#ifndef DS_HEADERS_H
#define DS_HEADERS_H

#include <libmilter/mfapi.h>
#include <stdbool.h>
#include <stddef.h>

/* Is this header field (name as received) a copy of the mark `mark`? */
bool ds_header_is_mark(const char *name, const char *mark);

struct ds_mark {
    bool pass;
    const char *reason;    /* for a failure */
    const char *domain;    /* the sender domain */
    const char *peer;      /* certificate CN, NULL when unknown */
    const char *issuer;    /* issuer CN, NULL when unknown */
    const char *tls;       /* TLS version, NULL: "none" */
    const char *connector; /* connector name, NULL: "-" */
};

/* Format the mark's value into out; returns its length. */
size_t ds_mark_format(char *out, size_t size, const struct ds_mark *m);

/*
 * At end of message: delete `count` pre-existing copies of header `name`
 * (from the last to the first), then, when value is not NULL, insert
 * "name: value" at the top. Returns 0, or -1 if the MTA refused a change.
 */
int ds_headers_apply(SMFICTX *ctx, const char *name, unsigned count,
                     const char *value);

#endif
