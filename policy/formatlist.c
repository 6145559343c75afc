/*
 * formatlist.c - PowerShell Format-List output as objects of properties
 * (formatlist.h). Decoding (UTF-16/UTF-8, BOM, CRLF), then one pass over
 * the lines: "Name : value" starts a property, a line indented to the
 * value column continues it, blank lines end an object.
 *
 * Must not: interpret any value beyond splitting lists, or accept a file
 * whose lines are not Format-List's: an import from the wrong file must
 * stop at that file's line, not produce a configuration.
 */
#include "formatlist.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_INPUT (64 * 1024 * 1024)

static const char not_fl_hint[] =
    "export with `Get-... | Format-List > FILE` in the Exchange Management "
    "Shell (not Format-Table, Export-Csv or a copy of the screen)";

/* ---- decoding ----------------------------------------------------------- */

static void put_utf8(char *o, size_t *n, uint32_t c)
{
    if (c < 0x80) {
        o[(*n)++] = (char)c;
    } else if (c < 0x800) {
        o[(*n)++] = (char)(0xC0 | (c >> 6));
        o[(*n)++] = (char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        o[(*n)++] = (char)(0xE0 | (c >> 12));
        o[(*n)++] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[(*n)++] = (char)(0x80 | (c & 0x3F));
    } else {
        o[(*n)++] = (char)(0xF0 | (c >> 18));
        o[(*n)++] = (char)(0x80 | ((c >> 12) & 0x3F));
        o[(*n)++] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[(*n)++] = (char)(0x80 | (c & 0x3F));
    }
}

/* UTF-16 (big_endian or not) to UTF-8 in the arena; NULL with *bad_line
 * set on an unpaired surrogate or an odd length (line 0: out of memory). */
static char *from_utf16(const unsigned char *d, size_t len, bool big_endian,
                        struct ds_arena *a, int *bad_line)
{
    char *o = ds_arena_alloc(a, len / 2 * 3 + 1);
    size_t n = 0;
    int line = 1;
    *bad_line = 0;
    if (o == NULL)
        return NULL;
    for (size_t i = 0; i + 1 < len; i += 2) {
        uint32_t c = big_endian ? (uint32_t)(d[i] << 8 | d[i + 1])
                                : (uint32_t)(d[i] | d[i + 1] << 8);
        if (c >= 0xD800 && c < 0xDC00 && i + 3 < len) {
            uint32_t lo = big_endian ? (uint32_t)(d[i + 2] << 8 | d[i + 3])
                                     : (uint32_t)(d[i + 2] | d[i + 3] << 8);
            if (lo < 0xDC00 || lo > 0xDFFF) {
                *bad_line = line;
                return NULL;
            }
            c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
            i += 2;
        } else if ((c >= 0xD800 && c <= 0xDFFF) || c == 0) {
            *bad_line = line;
            return NULL;
        }
        if (c == '\n')
            line++;
        put_utf8(o, &n, c);
    }
    if (len % 2) {
        *bad_line = line;
        return NULL;
    }
    o[n] = '\0';
    return o;
}

/* Length of the UTF-8 sequence at s (up to end), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, const unsigned char *end)
{
    size_t need;
    uint32_t c = s[0], min;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0)
        need = 2, min = 0x80, c &= 0x1F;
    else if ((c & 0xF0) == 0xE0)
        need = 3, min = 0x800, c &= 0x0F;
    else if ((c & 0xF8) == 0xF0)
        need = 4, min = 0x10000, c &= 0x07;
    else
        return 0;
    if ((size_t)(end - s) < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    return need;
}

/* The line of the first byte that is not UTF-8 (or a NUL), or 0. */
static int bad_utf8_line(const unsigned char *d, size_t len)
{
    int line = 1;
    const unsigned char *end = d + len;
    for (const unsigned char *p = d; p < end;) {
        size_t k = *p ? utf8_seq(p, end) : 0;
        if (k == 0)
            return line;
        if (*p == '\n')
            line++;
        p += k;
    }
    return 0;
}

/* The text of the file as UTF-8; NULL after an error in diag. */
static char *decode(const char *name, const unsigned char *d, size_t len,
                    struct ds_arena *a, const char **enc, struct ds_diag *diag)
{
    int bad = 0;
    char *text = NULL;
    if (len >= 4 && memcmp(d, "\xFF\xFE\0\0", 4) == 0) {
        ds_diag_add(diag, DS_SEV_ERROR, name, 0,
                    "write it with `> FILE` or Out-File -Encoding utf8",
                    "is UTF-32, which import does not read");
        return NULL;
    }
    if (len >= 2 && (d[0] == 0xFF || d[0] == 0xFE) && d[0] + d[1] == 0x1FD) {
        bool be = d[0] == 0xFE;
        *enc = be ? "UTF-16 BE with BOM" : "UTF-16 LE with BOM";
        text = from_utf16(d + 2, len - 2, be, a, &bad);
    } else if (len >= 2 && (d[0] == 0) != (d[1] == 0)) {
        bool be = d[0] == 0;
        *enc = be ? "UTF-16 BE" : "UTF-16 LE";
        text = from_utf16(d, len, be, a, &bad);
    } else {
        bool bom = len >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0;
        *enc = bom ? "UTF-8 with BOM" : "UTF-8";
        if (bom)
            d += 3, len -= 3;
        if ((bad = bad_utf8_line(d, len)) == 0)
            text = ds_arena_strndup(a, (const char *)d, len);
    }
    if (text == NULL && bad > 0)
        ds_diag_add(diag, DS_SEV_ERROR, name, bad,
                    "write the file with `> FILE` (UTF-16) or Out-File "
                    "-Encoding utf8 in PowerShell, not in an ANSI code page",
                    "not valid %s text (a byte that no character has)", *enc);
    else if (text == NULL)
        ds_diag_add(diag, DS_SEV_ERROR, name, 0, NULL, "out of memory");
    return text;
}

/* ---- objects and properties --------------------------------------------- */

struct pvec { /* a growing array (heap) */
    void *v;
    size_t n, cap, size;
};

static void *pvec_add(struct pvec *p)
{
    void *nv = ds_grow(p->v, &p->cap, p->n + 1, p->size, 8);
    if (nv == NULL)
        return NULL;
    p->v = nv;
    char *slot = (char *)p->v + p->n++ * p->size;
    memset(slot, 0, p->size);
    return slot;
}

struct bprop {
    const char *name;
    int line;
    size_t vcol; /* column of the value */
    struct pvec pieces;
};

struct parser {
    const char *file;
    struct ds_arena *a;
    struct ds_diag *diag;
    struct pvec objs;  /* struct ds_fl_obj, finished */
    struct pvec props; /* struct bprop, of the object being read */
    int obj_line;
    size_t blanks; /* blank lines since the last property line */
    bool failed;
};

static void free_props(struct parser *P)
{
    struct bprop *bp = P->props.v;
    for (size_t i = 0; i < P->props.n; i++)
        free(bp[i].pieces.v);
    P->props.n = 0;
}

/* Move the object being read into the arena. */
static int finish_object(struct parser *P)
{
    if (P->props.n == 0)
        return 0;
    struct ds_fl_obj *o = pvec_add(&P->objs);
    struct bprop *bp = P->props.v;
    if (o == NULL)
        return -1;
    o->file = P->file;
    o->line = P->obj_line;
    o->n = P->props.n;
    o->props = ds_arena_calloc(P->a, o->n, sizeof(*o->props));
    for (size_t i = 0; o->props && i < o->n; i++) {
        struct ds_fl_prop *p = &o->props[i];
        const char **pc = bp[i].pieces.v;
        size_t len = 0;
        p->name = bp[i].name;
        p->line = bp[i].line;
        p->npieces = bp[i].pieces.n;
        p->pieces = ds_arena_calloc(P->a, p->npieces, sizeof(char *));
        for (size_t k = 0; k < p->npieces; k++)
            len += strlen(pc[k]);
        char *v = ds_arena_alloc(P->a, len + 1);
        if (p->pieces == NULL || v == NULL)
            return -1;
        v[0] = '\0';
        for (size_t k = 0, off = 0; k < p->npieces; k++) {
            p->pieces[k] = pc[k];
            memcpy(v + off, pc[k], strlen(pc[k]) + 1);
            off += strlen(pc[k]);
        }
        /* the value as a whole is trimmed; inner spaces stay */
        while (len > 0 && strchr(" \t\n", v[len - 1]))
            v[--len] = '\0';
        while (*v == ' ' || *v == '\t' || *v == '\n')
            v++;
        p->value = v;
    }
    free_props(P);
    return o->props ? 0 : -1;
}

static bool name_char(char c, bool first)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
           (!first && ((c >= '0' && c <= '9') || c == '.'));
}

/* "Name<spaces>: value" or "Name<spaces>:" -> name length, value column.
 * Property names have no spaces; Format-List pads them to one width. */
static bool property_line(const char *s, size_t len, size_t *nlen, size_t *vcol)
{
    size_t i = 0;
    while (i < len && name_char(s[i], i == 0))
        i++;
    if (i == 0 || i == len || s[i] != ' ')
        return false;
    *nlen = i;
    while (i < len && s[i] == ' ')
        i++;
    if (i == len || s[i] != ':' || (i + 1 < len && s[i + 1] != ' '))
        return false;
    *vcol = i + 2;
    return true;
}

static int add_piece(struct parser *P, struct bprop *bp, const char *s,
                     size_t len)
{
    const char **slot = pvec_add(&bp->pieces);
    if (slot == NULL || (*slot = ds_arena_strndup(P->a, s, len)) == NULL)
        return -1;
    return 0;
}

static void not_format_list(struct parser *P, int line, const char *why)
{
    ds_diag_add(P->diag, DS_SEV_ERROR, P->file, line, not_fl_hint,
                "not Format-List output: %s", why);
    P->failed = true;
}

/* One line (without its line end). Returns -1 on error (out of memory,
 * or a line Format-List does not write). */
static int parse_line(struct parser *P, const char *s, size_t len, int line)
{
    size_t indent = 0, nlen, vcol;
    while (indent < len && (s[indent] == ' ' || s[indent] == '\t'))
        indent++;
    if (indent == len) { /* blank: ends an object (unless a value goes on) */
        if (P->props.n > 0)
            P->blanks++;
        return 0;
    }
    struct bprop *last =
        P->props.n ? &((struct bprop *)P->props.v)[P->props.n - 1] : NULL;
    if (indent > 0) {
        if (last == NULL) {
            not_format_list(P, line,
                            "an indented line that continues no property");
            return -1;
        }
        for (size_t b = 0; b < P->blanks; b++) /* a value with empty lines */
            if (add_piece(P, last, "\n", 1) < 0)
                return -1;
        P->blanks = 0;
        size_t skip = indent < last->vcol ? indent : last->vcol;
        return add_piece(P, last, s + skip, len - skip);
    }
    if (!property_line(s, len, &nlen, &vcol)) {
        not_format_list(P, line,
                        memchr(s, ':', len)
                            ? "expected 'Property : value' (a name, spaces, "
                              "' : ', the value)"
                            : "expected 'Property : value', found a line "
                              "without ' : '");
        return -1;
    }
    if (P->blanks > 0 && finish_object(P) < 0)
        return -1;
    P->blanks = 0;
    if (P->props.n == 0)
        P->obj_line = line;
    struct bprop *bp = pvec_add(&P->props);
    if (bp == NULL)
        return -1;
    bp->pieces.size = sizeof(char *);
    bp->line = line;
    bp->vcol = vcol;
    if ((bp->name = ds_arena_strndup(P->a, s, nlen)) == NULL)
        return -1;
    return add_piece(P, bp, vcol < len ? s + vcol : "",
                     vcol < len ? len - vcol : 0);
}

int ds_fl_parse(const char *name, const unsigned char *data, size_t len,
                struct ds_arena *a, struct ds_fl_doc *doc, struct ds_diag *diag)
{
    struct parser P = {.file = name, .a = a, .diag = diag};
    P.objs.size = sizeof(struct ds_fl_obj);
    P.props.size = sizeof(struct bprop);
    memset(doc, 0, sizeof(*doc));
    doc->file = name;
    char *text = decode(name, data, len, a, &doc->encoding, diag);
    int rc = text ? 0 : -1, line = 1;
    for (char *s = text; rc == 0 && s && *s; line++) {
        char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        size_t m = n;
        if (m > 0 && s[m - 1] == '\r')
            m--;
        rc = parse_line(&P, s, m, line);
        s = nl ? nl + 1 : s + n;
    }
    if (rc == 0)
        rc = finish_object(&P);
    if (rc < 0 && !P.failed && text)
        ds_diag_add(diag, DS_SEV_ERROR, name, 0, NULL, "out of memory");
    if (rc == 0 && P.objs.n == 0) {
        ds_diag_add(diag, DS_SEV_ERROR, name, 0, not_fl_hint,
                    "holds no Format-List object (no 'Property : value' "
                    "line)");
        rc = -1;
    }
    if (rc == 0) {
        doc->n = P.objs.n;
        doc->objs = ds_arena_calloc(a, P.objs.n, sizeof(struct ds_fl_obj));
        if (doc->objs == NULL)
            rc = -1;
        else
            memcpy(doc->objs, P.objs.v, P.objs.n * sizeof(struct ds_fl_obj));
    }
    free_props(&P);
    free(P.props.v);
    free(P.objs.v);
    return rc;
}

int ds_fl_read(const char *path, struct ds_arena *a, struct ds_fl_doc *doc,
               struct ds_diag *diag, bool *noinput)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    struct stat st;
    *noinput = false;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_size > MAX_INPUT) {
        const char *why = fd < 0                 ? strerror(errno)
                          : !S_ISREG(st.st_mode) ? "not a regular file"
                                                 : "larger than 64 MiB";
        ds_diag_add(diag, DS_SEV_ERROR, path, 0, NULL, "cannot read: %s", why);
        if (fd >= 0)
            close(fd);
        *noinput = true;
        return -1;
    }
    unsigned char *data = malloc((size_t)st.st_size + 1);
    ssize_t got = 0, r = 0;
    while (data && got < st.st_size &&
           (r = read(fd, data + got, (size_t)(st.st_size - got))) > 0)
        got += r;
    close(fd);
    if (data == NULL || r < 0) {
        ds_diag_add(diag, DS_SEV_ERROR, path, 0, NULL, "cannot read: %s",
                    data ? strerror(errno) : "out of memory");
        free(data);
        *noinput = true;
        return -1;
    }
    const char *name = ds_arena_strdup(a, path);
    int rc = name ? ds_fl_parse(name, data, (size_t)got, a, doc, diag) : -1;
    free(data);
    return rc;
}

/* ---- values ------------------------------------------------------------- */

const struct ds_fl_prop *ds_fl_get(const struct ds_fl_obj *o, const char *name)
{
    for (size_t i = 0; i < o->n; i++)
        if (ds_strcasecmp(o->props[i].name, name) == 0)
            return &o->props[i];
    return NULL;
}

static void trim(const char **s, size_t *len)
{
    while (*len > 0 && strchr(" \t\n", **s))
        (*s)++, (*len)--;
    while (*len > 0 && strchr(" \t\n", (*s)[*len - 1]))
        (*len)--;
}

const char *ds_fl_str(const struct ds_fl_obj *o, const char *name)
{
    const struct ds_fl_prop *p = ds_fl_get(o, name);
    return p ? p->value : "";
}

/* Append the comma-separated items of s[0..len) to the list. */
static int split_items(const char *s, size_t len, struct ds_arena *a,
                       struct pvec *items)
{
    while (len > 0) {
        const char *comma = memchr(s, ',', len);
        size_t n = comma ? (size_t)(comma - s) : len;
        const char *it = s;
        size_t ilen = n;
        trim(&it, &ilen);
        if (ilen > 0) {
            const char **slot = pvec_add(items);
            if (slot == NULL || (*slot = ds_arena_strndup(a, it, ilen)) == NULL)
                return -1;
        }
        if (comma == NULL)
            break;
        s += n + 1;
        len -= n + 1;
    }
    return 0;
}

/* Strip a trailing "..." or "…" (the enumeration limit); true if found. */
static bool strip_ellipsis(const char *s, size_t *len)
{
    if (*len >= 3 && memcmp(s + *len - 3, "...", 3) == 0) {
        *len -= 3;
        return true;
    }
    if (*len >= 3 && memcmp(s + *len - 3, "\xE2\x80\xA6", 3) == 0) {
        *len -= 3;
        return true;
    }
    return false;
}

int ds_fl_list(const struct ds_fl_prop *p, struct ds_arena *a,
               struct ds_strlist *out, bool *truncated)
{
    struct pvec items = {.size = sizeof(char *)};
    const char *s = p->value;
    size_t len = strlen(s);
    int rc = 0;
    bool commas = false;
    *truncated = false;
    trim(&s, &len);
    for (size_t k = 0; k < p->npieces; k++)
        commas = commas || strchr(p->pieces[k], ',') != NULL;
    if (len >= 1 && s[0] == '{') { /* PowerShell's enumeration: {a, b} */
        s++, len--;
        if (len > 0 && s[len - 1] == '}')
            len--;
        trim(&s, &len);
        *truncated = strip_ellipsis(s, &len);
        rc = split_items(s, len, a, &items);
    } else if (p->npieces > 1 && !commas) { /* one item per line */
        for (size_t k = 0; rc == 0 && k < p->npieces; k++)
            rc = split_items(p->pieces[k], strlen(p->pieces[k]), a, &items);
    } else { /* "A, B" (flags), wrapped or not */
        *truncated = strip_ellipsis(s, &len);
        rc = split_items(s, len, a, &items);
    }
    out->n = items.n;
    out->v = ds_arena_calloc(a, items.n ? items.n : 1, sizeof(char *));
    if (out->v == NULL)
        rc = -1;
    else if (items.n)
        memcpy(out->v, items.v, items.n * sizeof(char *));
    free(items.v);
    return rc;
}

int ds_fl_bool(const char *v)
{
    if (ds_strcasecmp(v, "True") == 0)
        return 1;
    if (ds_strcasecmp(v, "False") == 0)
        return 0;
    return -1;
}
