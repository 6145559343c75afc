/*
 * headers.c - remove forged copies of the mark, add the real one.
 *
 * Must not: leave any copy of the mark behind, whatever its case; add the
 * mark before the deletions (an insert at the top would shift the indices
 * and the deletions would hit it).
 */
#include "dsconfig.h"

#include "headers.h"

#include <string.h>

#include "log.h"

bool ds_header_is_mark(const char *name, const char *mark)
{
    return name != NULL && mark != NULL && ds_strcasecmp(name, mark) == 0;
}

/* Append "<sep>key=value", the value quoted and cut at 600 bytes. */
static void add(char *out, size_t size, size_t *off, const char *sep,
                const char *key, const char *value)
{
    char q[600];
    ds_quote(q, sizeof(q), value);
    ds_append(out, size, off, sep);
    ds_append(out, size, off, key);
    ds_append(out, size, off, "=");
    ds_append(out, size, off, q);
}

size_t ds_mark_format(char *out, size_t size, const struct ds_mark *m)
{
    size_t off = 0;
    if (size == 0)
        return 0;
    out[0] = '\0';
    if (m->pass) {
        add(out, size, &off, "pass ", "domain", m->domain);
    } else {
        add(out, size, &off, "fail ", "reason", m->reason);
        add(out, size, &off, " ", "domain", m->domain);
    }
    if (m->peer != NULL)
        add(out, size, &off, "; ", "peer", m->peer);
    if (m->issuer != NULL)
        add(out, size, &off, "; ", "issuer", m->issuer);
    add(out, size, &off, "; ", "tls", m->tls ? m->tls : "none");
    add(out, size, &off, "; ", "connector", m->connector);
    return off;
}

int ds_headers_apply(SMFICTX *ctx, const char *name, unsigned count,
                     const char *value)
{
    char hname[128];
    size_t off = 0;
    ds_append(hname, sizeof(hname), &off, name);
    /* Indices are per name (the MTAs compare names without case) and
     * shift after each deletion: delete from the last to the first. */
    for (unsigned k = count; k >= 1; k--)
        if (smfi_chgheader(ctx, hname, (int)k, NULL) != MI_SUCCESS)
            return -1;
    if (value == NULL)
        return 0;
    char v[2048];
    off = 0;
    ds_append(v, sizeof(v), &off, value);
    return smfi_insheader(ctx, 0, hname, v) == MI_SUCCESS ? 0 : -1;
}
