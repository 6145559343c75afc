/*
 * util.h - small helpers shared by every module: an allocation arena for
 * immutable data (a loaded configuration, a certificate store), string
 * lists, growable text buffers, and bounded string formatting.
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

/* An immutable list of strings (storage owned by whoever built it). */
struct ds_strlist {
    size_t n;
    const char **v;
};

bool ds_strlist_has(const struct ds_strlist *l, const char *s);
bool ds_strlist_has_nocase(const struct ds_strlist *l, const char *s);

/* A growable array of heap strings (for building output). */
struct ds_strvec {
    size_t n, cap;
    char **v;
};

/* Append a formatted string; returns 0, or -1 when out of memory. */
int ds_strvec_addf(struct ds_strvec *sv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int ds_strvec_vaddf(struct ds_strvec *sv, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void ds_strvec_free(struct ds_strvec *sv);

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
