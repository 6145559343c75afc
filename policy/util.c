/*
 * util.c - arena allocator, string lists, text buffers, time formatting.
 *
 * Must not: log, exit, or abort on allocation failure (callers decide).
 */
#include "dsconfig.h"

#include "util.h"

#include <stdio.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ds_arena_block {
    struct ds_arena_block *next;
    size_t used, size;
    max_align_t data[];
};

#define DS_ARENA_BLOCK (64 * 1024)

void *ds_arena_alloc(struct ds_arena *a, size_t size)
{
    const size_t align = sizeof(max_align_t);
    struct ds_arena_block *b = a->head;

    size = (size + align - 1) / align * align;
    if (size == 0)
        size = align;
    if (b == NULL || b->size - b->used < size) {
        size_t bsize = size > DS_ARENA_BLOCK / 4 ? size : DS_ARENA_BLOCK;
        struct ds_arena_block *nb = malloc(sizeof(*nb) + bsize);
        if (nb == NULL) {
            a->failed = true;
            return NULL;
        }
        nb->size = bsize;
        nb->used = 0;
        if (b != NULL && bsize != DS_ARENA_BLOCK) {
            /* A big one-off allocation: keep filling the current block. */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    void *p = (char *)b->data + b->used;
    b->used += size;
    return p;
}

void *ds_arena_calloc(struct ds_arena *a, size_t n, size_t size)
{
    if (size != 0 && n > (size_t)-1 / size) {
        a->failed = true;
        return NULL;
    }
    void *p = ds_arena_alloc(a, n * size);
    if (p != NULL)
        memset(p, 0, n * size);
    return p;
}

char *ds_arena_strndup(struct ds_arena *a, const char *s, size_t n)
{
    char *p = ds_arena_alloc(a, n + 1);
    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *ds_arena_strdup(struct ds_arena *a, const char *s)
{
    return s == NULL ? NULL : ds_arena_strndup(a, s, strlen(s));
}

char *ds_arena_printf(struct ds_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        a->failed = true;
        return NULL;
    }
    char *p = ds_arena_alloc(a, (size_t)n + 1);
    if (p == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void ds_arena_free(struct ds_arena *a)
{
    struct ds_arena_block *b = a->head;
    while (b != NULL) {
        struct ds_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->failed = false;
}

void *ds_grow(void *v, size_t *cap, size_t need, size_t size, size_t first)
{
    if (need <= *cap)
        return v;
    size_t n = *cap ? *cap : (first ? first : 1);
    while (n < need) {
        if (n > SIZE_MAX / 2) {
            n = need; /* doubling overflows; exactly what is needed */
            break;
        }
        n *= 2;
    }
    /* No object may exceed PTRDIFF_MAX bytes (C11 6.5.6; malloc refuses). */
    if (size == 0 || n > (size_t)PTRDIFF_MAX / size) {
        errno = EOVERFLOW;
        return NULL;
    }
    void *nv = realloc(v, n * size);
    if (nv == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    *cap = n;
    return nv;
}

bool ds_strlist_has(const struct ds_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return true;
    return false;
}

bool ds_strlist_has_nocase(const struct ds_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (ds_strcasecmp(l->v[i], s) == 0)
            return true;
    return false;
}

/* Append s (taken: already on the heap). */
static int take(struct ds_strlist *l, char *s)
{
    const char **v = ds_grow(l->v, &l->cap, l->n + 1, sizeof(*v), 8);
    if (v == NULL) {
        free(s);
        return -1;
    }
    l->v = v;
    l->v[l->n++] = s;
    return 0;
}

int ds_strlist_add(struct ds_strlist *l, const char *s)
{
    char *copy = strdup(s);
    return copy == NULL ? -1 : take(l, copy);
}

int ds_strlist_vaddf(struct ds_strlist *l, const char *fmt, va_list ap)
{
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        return -1;
    return take(l, s);
}

int ds_strlist_addf(struct ds_strlist *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = ds_strlist_vaddf(l, fmt, ap);
    va_end(ap);
    return r;
}

void ds_strlist_free(struct ds_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free((char *)l->v[i]); /* ds_strlist_add's own copies */
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

void ds_buf_printf(struct ds_buf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    char *p = ds_grow(b->p, &b->cap, b->len + (size_t)n + 1, 1, 1024);
    if (p == NULL) {
        b->oom = true;
        return;
    }
    b->p = p;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void ds_buf_free(struct ds_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

int ds_strcasecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        char ca = ds_lower(*a), cb = ds_lower(*b);
        if (ca != cb)
            return (unsigned char)ca - (unsigned char)cb;
        if (ca == '\0')
            return 0;
    }
}

int ds_thumbprint_normalise(const char *in, char *out)
{
    size_t n = 0;
    for (const char *p = in; *p; p++) {
        char c = *p;
        if (c == ' ' || c == ':' || c == '\t')
            continue;
        if (n == 40 || !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                         (c >= 'A' && c <= 'F')))
            return -1;
        out[n++] = (c >= 'a' && c <= 'f') ? (char)(c - 'a' + 'A') : c;
    }
    out[n] = '\0';
    return n == 40 ? 0 : -1;
}

char *ds_time_iso(long long t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL ||
        strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, size, "@%lld", t);
    return buf;
}

int ds_time_parse(const char *s, long long *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    int n = 0, y, mo, d, h = 0, mi = 0, sec = 0;

    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return -1;
    const char *p = s + n;
    if (*p == 'T' || *p == ' ') {
        int m = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &m) != 2 || m != 5)
            return -1;
        p += 1 + m;
        if (*p == ':') {
            if (sscanf(p + 1, "%2d%n", &sec, &m) != 1 || m != 2)
                return -1;
            p += 1 + m;
        }
        if (*p == 'Z')
            p++;
    }
    if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
        mi > 59 || sec > 60)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *out = (long long)t;
    return 0;
}
