/*
 * formatlist.h - read what PowerShell's Format-List writes to a file:
 * objects separated by blank lines, one "Name : value" line per property,
 * long values wrapped onto lines indented to the value column, in UTF-16
 * LE with a BOM (Windows PowerShell's `>`), UTF-16 without one, or UTF-8
 * with or without a BOM, with CRLF or LF line ends.
 *
 * Must not: know any Exchange cmdlet or property (import_exchange.c does),
 * or guess an encoding it cannot verify (an ANSI code page file is refused
 * with its line).
 */
#ifndef DS_FORMATLIST_H
#define DS_FORMATLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "util.h"

/* One property. value is the lines joined exactly as PowerShell wrote
 * them (it keeps the space that ends a line wrapped between words);
 * pieces are the same text line by line. */
struct ds_fl_prop {
    const char *name;
    const char *value; /* never NULL; "" for an empty value */
    int line;          /* of the "Name : value" line */
    size_t npieces;
    const char **pieces;
};

struct ds_fl_obj {
    const char *file;
    int line; /* of its first property */
    size_t n;
    struct ds_fl_prop *props;
};

/* Every object of one file. */
struct ds_fl_doc {
    const char *file;
    const char *encoding; /* "UTF-16 LE with BOM", "UTF-8", ... */
    size_t n;
    struct ds_fl_obj *objs;
};

/*
 * Read the file at path into doc; everything is allocated from a.
 * Returns 0; -1 when the file cannot be read (an error in diag, and
 * *noinput set), or is not Format-List output (an error at its
 * file:line, with a hint).
 */
int ds_fl_read(const char *path, struct ds_arena *a, struct ds_fl_doc *doc,
               struct ds_diag *diag, bool *noinput);

/* The same from bytes in memory; `name` is used in messages. */
int ds_fl_parse(const char *name, const unsigned char *data, size_t len,
                struct ds_arena *a, struct ds_fl_doc *doc,
                struct ds_diag *diag);

/* The property called name (any case), or NULL. */
const struct ds_fl_prop *ds_fl_get(const struct ds_fl_obj *o, const char *name);

/* The value of name, trimmed; "" when absent or empty. */
const char *ds_fl_str(const struct ds_fl_obj *o, const char *name);

/*
 * The items of a multi-valued property: "{a, b}" (wrapped or not), one
 * item per line, or "A, B" (a flags value such as AuthMechanism). Items
 * are trimmed, empty ones dropped. *truncated is set when the list ends
 * in "..." (or "…"): PowerShell cut it at $FormatEnumerationLimit.
 * Returns 0, or -1 when out of memory.
 */
int ds_fl_list(const struct ds_fl_prop *p, struct ds_arena *a,
               struct ds_strlist *out, bool *truncated);

/* True/False (any case): 1 or 0; -1 for anything else. */
int ds_fl_bool(const char *v);

#endif
