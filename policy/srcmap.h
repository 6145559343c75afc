/*
 * srcmap.h - the configuration file as libconfuse will see it, and where
 * everything in it came from.
 *
 * libconfuse 3.3 (Debian 12) miscounts lines (every "#"/"//" comment adds
 * 2, every C comment 1), loses the file name inside sections, leaves its
 * include stack dirty after an error in an included file (ten failed
 * reloads and include() stops working), and records no line for options.
 * So domsec reads the files itself: it follows include("file") (relative
 * to the including file), drops comments, and hands libconfuse one flat,
 * comment-free text whose line numbers this module maps back to the real
 * file:line. It also records where each section and option was written.
 *
 * Must not: interpret values (libconfuse parses; config.c validates).
 */
#ifndef DS_SRCMAP_H
#define DS_SRCMAP_H

#include <stdbool.h>

#include "diag.h"

struct ds_srcmap;

/*
 * libconfuse finds a titled section's earlier namesake with a linear
 * search, so a file with thousands of certificate sections parses in
 * quadratic time. The flattened text therefore holds no titles: a titled
 * section `name "title" {` reaches libconfuse as `name { __title = "title"`
 * (on the same line), and config.c declares the option and checks titles.
 * A user cannot write the option (it is an error in the file).
 */
#define DS_SRCMAP_TITLE "__title"

/*
 * Read `file` and the files it includes. `titled` lists the section names
 * that take a title (NULL-terminated; must outlive the map). Returns NULL
 * with an error in diag when a file is not a regular file, is larger than
 * 64 MiB or cannot be read, includes nest more than 10 deep, a string is
 * not closed on its line, an option is set twice in one section (an
 * untitled section given twice counts as one), or the file names
 * DS_SRCMAP_TITLE itself.
 */
struct ds_srcmap *ds_srcmap_build(const char *file, const char *const *titled,
                                  struct ds_diag *diag);
void ds_srcmap_free(struct ds_srcmap *m);

/* The flattened, comment-free text to give cfg_parse_buf(). */
const char *ds_srcmap_text(const struct ds_srcmap *m);

/* Map a line of the flattened text to its file and real line. */
void ds_srcmap_locate(const struct ds_srcmap *m, int line, const char **file,
                      int *real_line);

/*
 * Where option `opt` of the section `sec` titled `title` (NULL for an
 * untitled section; sec NULL for the top level) was last written; with
 * opt NULL, where the section starts. Returns false when not found.
 * *file points into the map.
 */
bool ds_srcmap_find(const struct ds_srcmap *m, const char *sec,
                    const char *title, const char *opt, const char **file,
                    int *line);

/*
 * Where value i of the list option `opt` (as ds_srcmap_find) was written,
 * when the map saw exactly n values for it (n: what libconfuse holds, so
 * that the indices agree). Returns false otherwise.
 */
bool ds_srcmap_find_entry(const struct ds_srcmap *m, const char *sec,
                          const char *title, const char *opt, size_t i,
                          size_t n, const char **file, int *line);

/* The text of line `line` of the flattened text (not terminated: *len
 * bytes, the newline included). */
const char *ds_srcmap_line(const struct ds_srcmap *m, int line, size_t *len);

#endif
