/*
 * import_int.h - what the import modules share among themselves
 * (import_values.c reads values, import_exchange.c objects,
 * import_resolve.c decides, import_write.c and certdir.c use the
 * helpers). Not used outside them.
 *
 * Must not: be included by the engine or the milter.
 */
#ifndef DS_IMPORT_INT_H
#define DS_IMPORT_INT_H

#include "import.h"

/* Add a note; running out of memory is remembered in im->oom. */
#define DS_IMPORT_NOTE(im, list, ...)                                          \
    do {                                                                       \
        if (ds_strlist_addf((list), __VA_ARGS__) < 0)                          \
            (im)->oom = true;                                                  \
    } while (0)

/* Objects that are read once every file was: servers are chosen among
 * them (import_resolve.c). */
struct ds_import_objlist {
    const struct ds_fl_obj **v;
    size_t n;
};
struct ds_import_objs {
    struct ds_import_objlist servers, tservices;
};

bool ds_import_objs_add(struct ds_import *im, struct ds_import_objlist *l,
                        const struct ds_fl_obj *o);

/* Choose the server, and decide what is not converted (the connectors
 * of other servers, disabled and internal ones, ...). Errors in
 * im->diag. */
void ds_import_resolve(struct ds_import *im, const struct ds_import_objs *sv);

/* An error at the property's line (or the object's, p NULL). */
void ds_import_error(struct ds_import *im, const struct ds_fl_obj *o,
                     const struct ds_fl_prop *p, const char *hint,
                     const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Reading properties (import_values.c). Each returns false after an
 * error in im->diag (or im->oom set). */

/* A list property (absent: empty). A cut list is an error when its
 * entries matter (critical), else a note in notes. */
bool ds_import_read_list(struct ds_import *im, const struct ds_fl_obj *o,
                         const char *name, bool critical,
                         struct ds_strlist *out, struct ds_strlist *notes);
/* True/False (absent: dflt). */
bool ds_import_read_bool(struct ds_import *im, const struct ds_fl_obj *o,
                         const char *name, bool dflt, bool *out);
/* The same, -1 when absent. */
bool ds_import_read_tristate(struct ds_import *im, const struct ds_fl_obj *o,
                             const char *name, int *out);
/* AuthMechanism / SmartHostAuthMechanism (receive: the former) in
 * domsec's names; those without an equivalent become notes. */
bool ds_import_read_mechanisms(struct ds_import *im, const struct ds_fl_obj *o,
                               const char *prop, bool receive,
                               struct ds_strlist *out,
                               struct ds_strlist *notes);
/* The value of name, or NULL when absent or empty. */
const char *ds_import_opt_str(const struct ds_fl_obj *o, const char *name);

/* NotBefore/NotAfter as Exchange writes them (en-US, or ISO 8601):
 * seconds since the epoch read as UTC; false for other forms. */
bool ds_import_parse_date(const char *s, long long *out);

/* The CN of a DN in Windows form, in the arena; NULL without one. */
const char *ds_import_dn_cn(struct ds_arena *a, const char *dn);

/* "a, b, c" of a list, in the arena. */
const char *ds_import_join(struct ds_arena *a, const struct ds_strlist *l);

#endif
