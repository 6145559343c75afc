/*
 * util.h - small helpers shared by every module: an allocation arena for
 * immutable data (a loaded configuration, a certificate store), growable
 * arrays, string lists, growable text buffers, and bounded string formatting.
 *
 * Must not: log, exit, or know anything about mail.
 */
#ifndef DS_UTIL_H
#define DS_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define DS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A bump allocator: everything allocated from it is freed at once with
 * ds_arena_free(). Allocation failure returns NULL and sets ->failed. */
struct ds_arena_block;
struct ds_arena {
    struct ds_arena_block *head;
    bool failed;
};

void *ds_arena_alloc(struct ds_arena *a, size_t size);
void *ds_arena_calloc(struct ds_arena *a, size_t n, size_t size);
char *ds_arena_strdup(struct ds_arena *a, const char *s);
char *ds_arena_strndup(struct ds_arena *a, const char *s, size_t n);
char *ds_arena_printf(struct ds_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ds_arena_free(struct ds_arena *a);

/*
 * Room in a growable array: v holds *cap elements of `size` bytes; make
 * it hold at least `need`. The capacity doubles (starting at `first`)
 * until it does. Returns the array to use (v itself when it already had
 * room), or NULL with errno ENOMEM, or EOVERFLOW when need * size would
 * exceed PTRDIFF_MAX bytes (no object can be larger); then v and *cap are
 * unchanged and v is still valid.
 *
 *     struct item *nv = ds_grow(a->v, &a->cap, a->n + 1, sizeof(*nv), 8);
 *     if (nv == NULL)
 *         return -1;
 *     a->v = nv;
 */
void *ds_grow(void *v, size_t *cap, size_t need, size_t size, size_t first);

/*
 * A list of strings. Either built with ds_strlist_add/addf, which copy
 * onto the heap (free the list with ds_strlist_free), or pointing at
 * strings owned elsewhere (a loaded configuration's lists, in its arena:
 * never freed through the list).
 */
struct ds_strlist {
    size_t n;
    const char **v;
    size_t cap; /* 0 unless built with ds_strlist_add/addf */
};

bool ds_strlist_has(const struct ds_strlist *l, const char *s);
bool ds_strlist_has_nocase(const struct ds_strlist *l, const char *s);

/* Append a copy of s, or a formatted string; returns 0, or -1 when out of
 * memory (the list unchanged). */
int ds_strlist_add(struct ds_strlist *l, const char *s);
int ds_strlist_addf(struct ds_strlist *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int ds_strlist_vaddf(struct ds_strlist *l, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Free a list built with ds_strlist_add/addf, and its strings. */
void ds_strlist_free(struct ds_strlist *l);

/* A growable text buffer; an allocation failure sets oom and stops it.
 * b->p is NUL-terminated once anything was written; free with
 * ds_buf_free. */
struct ds_buf {
    char *p;
    size_t len, cap;
    bool oom;
};

void ds_buf_printf(struct ds_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ds_buf_free(struct ds_buf *b);

/* ASCII-only case helpers (locale independent). */
static inline char ds_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}
int ds_strcasecmp(const char *a, const char *b);

/*
 * Normalise a SHA-1 thumbprint as Exchange writes it: 40 hex digits, upper
 * case; spaces, tabs and colons in the input are ignored. out must hold 41
 * bytes. Returns 0, or -1 when `in` is not a thumbprint.
 */
int ds_thumbprint_normalise(const char *in, char *out);

/* Format a UTC time as ISO 8601 "YYYY-MM-DDTHH:MM:SSZ" into buf (>= 21). */
char *ds_time_iso(long long t, char *buf, size_t size);
/* Parse "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][Z]" (UTC). Returns 0 or -1. */
int ds_time_parse(const char *s, long long *out);

#endif
