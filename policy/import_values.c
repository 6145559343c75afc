/*
 * import_values.c - reading the values of Exchange properties for the
 * import (import.h): lists (a cut one refused where its entries matter),
 * True/False, authentication mechanisms in domsec's names, dates,
 * a DN's CN; and the one way an import error names its file:line.
 *
 * Must not: know which cmdlet a property belongs to (import_exchange.c),
 * or accept a value it cannot read as a default.
 */
#include "import.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "import_int.h"

static const char cut_hint[] =
    "run $FormatEnumerationLimit = -1 in the Exchange Management Shell, "
    "then export again";

void ds_import_error(struct ds_import *im, const struct ds_fl_obj *o,
                     const struct ds_fl_prop *p, const char *hint,
                     const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ds_diag_add(im->diag, DS_SEV_ERROR, o->file, p ? p->line : o->line, hint,
                "%s", msg);
}

/* ---- values ------------------------------------------------------------- */

/* A list property (absent: empty). A cut list is an error when the
 * entries matter (critical), else a note. Returns false on error. */
bool ds_import_read_list(struct ds_import *im, const struct ds_fl_obj *o,
                         const char *name, bool critical,
                         struct ds_strlist *out, struct ds_strlist *notes)
{
    const struct ds_fl_prop *p = ds_fl_get(o, name);
    bool cut = false;
    out->n = 0;
    out->v = NULL;
    if (p == NULL)
        return true;
    if (ds_fl_list(p, &im->a, out, &cut) < 0) {
        im->oom = true;
        return false;
    }
    if (cut && critical) {
        ds_import_error(im, o, p, cut_hint,
                        "%s was cut by PowerShell after %zu entries (it ends "
                        "in \"...\"): the entries after them would be lost",
                        name, out->n);
        return false;
    }
    if (cut)
        DS_IMPORT_NOTE(im, notes,
                       "%s was cut by PowerShell after %zu entries (\"...\"); "
                       "it is not converted anyway (%s to see it whole)",
                       name, out->n, "$FormatEnumerationLimit = -1");
    return true;
}

/* True/False (absent: dflt). Returns false on error. */
bool ds_import_read_bool(struct ds_import *im, const struct ds_fl_obj *o,
                         const char *name, bool dflt, bool *out)
{
    const struct ds_fl_prop *p = ds_fl_get(o, name);
    int v = p ? ds_fl_bool(p->value) : dflt;
    if (p && v < 0) {
        ds_import_error(im, o, p,
                        "Format-List writes booleans as True or False",
                        "%s: \"%s\" is not True or False", name, p->value);
        return false;
    }
    *out = v == 1;
    return true;
}

/* Like read_bool, for the certificate's facts: -1 when absent. */
bool ds_import_read_tristate(struct ds_import *im, const struct ds_fl_obj *o,
                             const char *name, int *out)
{
    bool v;
    *out = -1;
    if (ds_fl_get(o, name) == NULL)
        return true;
    if (!ds_import_read_bool(im, o, name, false, &v))
        return false;
    *out = v;
    return true;
}

const char *ds_import_opt_str(const struct ds_fl_obj *o, const char *name)
{
    const char *v = ds_fl_str(o, name);
    return v[0] ? v : NULL;
}

/* Exchange's authentication mechanism names and domsec's (one table for
 * receive connectors' AuthMechanism and SmartHostAuthMechanism). */
static const struct {
    const char *exchange, *domsec;
    bool receive_only;
} mechanisms[] = {
    {"Tls", "tls", true},
    {"ExchangeServer", "exchange_server", false},
    {"BasicAuth", "basic_auth", false},
    {"BasicAuthRequireTLS", "basic_auth_require_tls", false},
    {"ExternalAuthoritative", "externally_secured", false},
    {"None", "none", false},
};

/* AuthMechanism / SmartHostAuthMechanism into domsec's names; the ones
 * without an equivalent become notes. "None" stays only alone. */
bool ds_import_read_mechanisms(struct ds_import *im, const struct ds_fl_obj *o,
                               const char *prop, bool receive,
                               struct ds_strlist *out, struct ds_strlist *notes)
{
    struct ds_strlist in;
    if (!ds_import_read_list(im, o, prop, true, &in, notes))
        return false;
    out->n = 0;
    out->v = ds_arena_calloc(&im->a, in.n + 1, sizeof(char *));
    if (out->v == NULL) {
        im->oom = true;
        return false;
    }
    for (size_t i = 0; i < in.n; i++) {
        size_t k = 0;
        while (k < DS_ARRAY_LEN(mechanisms) &&
               (ds_strcasecmp(in.v[i], mechanisms[k].exchange) != 0 ||
                (!receive && mechanisms[k].receive_only)))
            k++;
        if (k < DS_ARRAY_LEN(mechanisms))
            out->v[out->n++] = mechanisms[k].domsec;
        else if (ds_strcasecmp(in.v[i], "Integrated") == 0)
            DS_IMPORT_NOTE(im, notes,
                           "%s Integrated (Windows logon with NTLM or "
                           "Kerberos): not converted, Postfix has no such "
                           "mechanism",
                           prop);
        else
            DS_IMPORT_NOTE(im, notes,
                           "%s %s: not converted, domsec has no such mechanism",
                           prop, in.v[i]);
    }
    if (out->n > 1) { /* "none" means nothing next to others */
        size_t n = 0;
        for (size_t i = 0; i < out->n; i++)
            if (strcmp(out->v[i], "none") != 0)
                out->v[n++] = out->v[i];
        out->n = n;
    }
    if (!receive && out->n == 1 && strcmp(out->v[0], "none") == 0)
        out->n = 0;
    return true;
}

/* "11/21/2026 12:00:00 AM" (en-US), "21.11.2026 00:00:00" (day first,
 * as de-DE, fr-CH, ru-RU and others write it), "2026-11-21 00:00:00" or
 * "2026-11-21T00:00:00[Z]" as seconds since the epoch, read as UTC.
 * Slashes without AM/PM (en-GB day first, or month first) are
 * ambiguous: not read. */
bool ds_import_parse_date(const char *s, long long *out)
{
    struct tm us = {0}, dots = {0}, iso = {0}, *tm = NULL;
    char ampm[3] = "", extra;
    int n = sscanf(s, "%d/%d/%d %d:%d:%d %2[APMapm]%c", &us.tm_mon,
                   &us.tm_mday, &us.tm_year, &us.tm_hour, &us.tm_min,
                   &us.tm_sec, ampm, &extra);
    if (n == 7 && us.tm_hour >= 1 && us.tm_hour <= 12) {
        bool pm = ds_lower(ampm[0]) == 'p';
        if (ds_lower(ampm[1]) != 'm')
            return false;
        us.tm_hour = us.tm_hour % 12 + (pm ? 12 : 0);
        tm = &us;
    } else if (sscanf(s, "%2d.%2d.%4d %2d:%2d:%2d%c", &dots.tm_mday,
                      &dots.tm_mon, &dots.tm_year, &dots.tm_hour,
                      &dots.tm_min, &dots.tm_sec, &extra) == 6) {
        tm = &dots;
    } else {
        n = sscanf(s, "%4d-%2d-%2d%*1[ T]%2d:%2d:%2d%c", &iso.tm_year,
                   &iso.tm_mon, &iso.tm_mday, &iso.tm_hour, &iso.tm_min,
                   &iso.tm_sec, &extra);
        if (!(n == 6 || (n == 7 && extra == 'Z')))
            return false;
        tm = &iso;
    }
    if (tm->tm_mon < 1 || tm->tm_mon > 12 || tm->tm_mday < 1 ||
        tm->tm_mday > 31 || tm->tm_year < 1900 || tm->tm_hour > 23 ||
        tm->tm_min > 59 || tm->tm_sec > 60)
        return false;
    tm->tm_mon -= 1;
    tm->tm_year -= 1900;
    *out = (long long)timegm(tm);
    return true;
}

/* The CN of a DN in Windows form ("CN=a, O=b"), in the arena; NULL if
 * it has none. */
const char *ds_import_dn_cn(struct ds_arena *a, const char *dn)
{
    for (const char *p = dn; p && *p;) {
        while (*p == ' ')
            p++;
        const char *end = p;
        bool quoted = false;
        while (*end && (quoted || *end != ',')) {
            if (*end == '"')
                quoted = !quoted;
            end++;
        }
        if (strncasecmp(p, "CN=", 3) == 0) {
            p += 3;
            if (*p == '"' && end > p + 1 && end[-1] == '"')
                return ds_arena_strndup(a, p + 1, (size_t)(end - p - 2));
            return ds_arena_strndup(a, p, (size_t)(end - p));
        }
        p = *end ? end + 1 : end;
    }
    return NULL;
}
