/*
 * srcmap.c - flatten a libconfuse configuration (includes in, comments
 * out) and keep the map back to file:line (see srcmap.h for why).
 *
 * Lexing follows libconfuse's lexer.l: strings in "..." (backslash escapes)
 * and '...', comments "#...", "//...", and C comments.
 *
 * Must not: report anything but unreadable, oversized or non-regular
 * files, include loops, the reserved title option, strings left open and
 * options given twice (everything else is libconfuse's and config.c's), or
 * block on a FIFO or device.
 */
#include "srcmap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define MAX_DEPTH 10
/* A configuration file larger than this is refused before it is read. */
#define MAX_FILE_SIZE (64LL * 1024 * 1024)

struct origin {
    int file; /* index into files */
    int line;
};

struct place {
    char *sec, *title, *opt; /* opt NULL: the section's start */
    struct origin at;
    /* a list option: where each value was written, in libconfuse's order
     * (an option += { ... } appends to its place) */
    struct origin *entries;
    size_t nentries, capentries;
};

struct ds_srcmap {
    const char *const *titled;
    char **files;
    int nfiles;
    char *text; /* the flattened output */
    size_t len, cap;
    struct origin *lines; /* [output line] = origin; index 0 unused */
    size_t *starts;       /* [output line] = its offset in text */
    int nlines;
    size_t caplines;
    struct place *places;
    size_t nplaces, capplaces;
    size_t *index; /* open addressing over places; slots hold index + 1 */
    size_t index_cap;
    struct ds_diag *diag;
    bool failed;
};

/* ---- output ------------------------------------------------------------- */

static void oom(struct ds_srcmap *m)
{
    if (!m->failed)
        ds_diag_code(m->diag, DS_CODE_NOMEM, NULL, 0, NULL,
                     "out of memory while reading the configuration");
    m->failed = true;
}

/* Append c; there is always room left for the terminating NUL, written
 * once the text is complete (ds_srcmap_build). */
static void out_char(struct ds_srcmap *m, char c)
{
    if (m->len + 2 > m->cap) {
        char *t = ds_grow(m->text, &m->cap, m->len + 2, 1, 16384);
        if (t == NULL) {
            oom(m);
            return;
        }
        m->text = t;
    }
    m->text[m->len++] = c;
}

/* Start output line nlines+1, coming from file:line. */
static void out_line(struct ds_srcmap *m, int file, int line)
{
    size_t need = (size_t)m->nlines + 2, cap = m->caplines;
    struct origin *v = ds_grow(m->lines, &cap, need, sizeof(*v), 1024);
    if (v == NULL) {
        oom(m);
        return;
    }
    m->lines = v;
    cap = m->caplines; /* starts[] has the same capacity as lines[] */
    size_t *st = ds_grow(m->starts, &cap, need, sizeof(*st), 1024);
    if (st == NULL) {
        oom(m);
        return;
    }
    m->starts = st;
    m->caplines = cap;
    m->nlines++;
    m->lines[m->nlines].file = file;
    m->lines[m->nlines].line = line;
    m->starts[m->nlines] = m->len;
}

static void out_newline(struct ds_srcmap *m, int file, int next_line)
{
    out_char(m, '\n');
    out_line(m, file, next_line);
}

/* ---- places ------------------------------------------------------------- */

static void out_str(struct ds_srcmap *m, const char *s)
{
    while (*s)
        out_char(m, *s++);
}

static char *dup_or_null(struct ds_srcmap *m, const char *s)
{
    if (s == NULL)
        return NULL;
    char *r = strdup(s);
    if (r == NULL)
        oom(m);
    return r;
}

/* Returns the new place's index, or -1 when out of memory. */
static long add_place(struct ds_srcmap *m, const char *sec, const char *title,
                      const char *opt, int file, int line)
{
    struct place *v =
        ds_grow(m->places, &m->capplaces, m->nplaces + 1, sizeof(*v), 64);
    if (v == NULL) {
        oom(m);
        return -1;
    }
    m->places = v;
    struct place *pl = &m->places[m->nplaces++];
    memset(pl, 0, sizeof(*pl));
    pl->sec = dup_or_null(m, sec);
    pl->title = dup_or_null(m, title);
    pl->opt = dup_or_null(m, opt);
    pl->at.file = file;
    pl->at.line = line;
    return (long)(m->nplaces - 1);
}

/* Where a value of the list option at place `idx` was written. */
static void add_entry(struct ds_srcmap *m, long idx, int file, int line)
{
    if (idx < 0 || (size_t)idx >= m->nplaces)
        return;
    struct place *pl = &m->places[idx];
    struct origin *v =
        ds_grow(pl->entries, &pl->capentries, pl->nentries + 1, sizeof(*v), 8);
    if (v == NULL) {
        oom(m);
        return;
    }
    pl->entries = v;
    pl->entries[pl->nentries].file = file;
    pl->entries[pl->nentries].line = line;
    pl->nentries++;
}

/* FNV-1a over (sec, title, opt), NULL distinct from "". */
static size_t place_hash(const char *sec, const char *title, const char *opt)
{
    const char *parts[3] = {sec, title, opt};
    unsigned long long h = 1469598103934665603ULL;
    for (int i = 0; i < 3; i++) {
        h = (h ^ (parts[i] ? 1u : 2u)) * 1099511628211ULL;
        for (const char *p = parts[i]; p && *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    }
    return (size_t)h;
}

static bool eq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

/* The slot for (sec, title, opt): its place, or the empty slot to fill. */
static size_t *index_slot(const struct ds_srcmap *m, const char *sec,
                          const char *title, const char *opt)
{
    size_t mask = m->index_cap - 1;
    size_t h = place_hash(sec, title, opt) & mask;
    for (;; h = (h + 1) & mask) {
        size_t i = m->index[h];
        if (i == 0)
            return &m->index[h];
        const struct place *pl = &m->places[i - 1];
        if (eq(pl->sec, sec) && eq(pl->title, title) && eq(pl->opt, opt))
            return &m->index[h];
    }
}

/* Index every place, so that finding one does not scan them all (a
 * configuration may hold thousands of sections); a later place with the
 * same key wins, as libconfuse's last assignment does. */
static void build_index(struct ds_srcmap *m)
{
    size_t cap = 64;
    while (cap < 2 * m->nplaces + 2)
        cap *= 2;
    m->index = calloc(cap, sizeof(*m->index));
    if (m->index == NULL) {
        oom(m);
        return;
    }
    m->index_cap = cap;
    for (size_t i = 0; i < m->nplaces; i++) {
        const struct place *pl = &m->places[i];
        *index_slot(m, pl->sec, pl->title, pl->opt) = i + 1;
    }
}

static bool is_titled(const struct ds_srcmap *m, const char *name)
{
    for (const char *const *t = m->titled; t && *t; t++)
        if (strcmp(*t, name) == 0)
            return true;
    return false;
}

/* ---- lexing ------------------------------------------------------------- */

enum tok { T_EOF, T_WORD, T_STR, T_PUNCT };

struct token {
    enum tok type;
    char text[256]; /* value, truncated; enough to name options/titles */
    int line;
    size_t start, end; /* span in the output text */
    bool open;         /* T_STR: a line or the file ends inside it */
};

struct lexer {
    struct ds_srcmap *m;
    const char *p, *end;
    int file, line;
};

static void lx_newline(struct lexer *lx)
{
    lx->line++;
    out_newline(lx->m, lx->file, lx->line);
}

/* Skip blanks and comments, copying newlines (not comments) to the output. */
static void skip_space(struct lexer *lx)
{
    while (lx->p < lx->end) {
        char c = *lx->p;
        if (c == '\n') {
            lx->p++;
            lx_newline(lx);
        } else if (c == ' ' || c == '\t' || c == '\r') {
            out_char(lx->m, c);
            lx->p++;
        } else if (c == '#' ||
                   (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '/')) {
            while (lx->p < lx->end && *lx->p != '\n')
                lx->p++;
        } else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '*') {
            lx->p += 2;
            while (
                lx->p < lx->end &&
                !(lx->p[0] == '*' && lx->p + 1 < lx->end && lx->p[1] == '/')) {
                if (*lx->p == '\n')
                    lx_newline(lx);
                lx->p++;
            }
            lx->p = lx->p < lx->end ? lx->p + 2 : lx->end;
            out_char(lx->m, ' ');
        } else {
            return;
        }
    }
}

static void next(struct lexer *lx, struct token *t)
{
    size_t n = 0;
    skip_space(lx);
    t->type = T_EOF;
    t->text[0] = '\0';
    t->line = lx->line;
    t->start = lx->m->len;
    t->open = false;
    if (lx->p >= lx->end) {
        t->end = t->start;
        return;
    }
    char c = *lx->p;
    if (c == '"' || c == '\'') {
        out_char(lx->m, *lx->p++);
        while (lx->p < lx->end && *lx->p != c) {
            if (*lx->p == '\\' && lx->p + 1 < lx->end) {
                out_char(lx->m, *lx->p++);
                if (*lx->p == '\n') {
                    lx->p++;
                    lx_newline(lx);
                    continue;
                }
                if (n + 1 < sizeof(t->text))
                    t->text[n++] = *lx->p;
                out_char(lx->m, *lx->p++);
                continue;
            }
            if (*lx->p == '\n') {
                /* no value holds a line break: the quote was not closed
                 * (a long value goes on after a backslash at the end) */
                t->open = true;
                lx->p++;
                lx_newline(lx);
                continue;
            }
            if (n + 1 < sizeof(t->text))
                t->text[n++] = *lx->p;
            out_char(lx->m, *lx->p++);
        }
        if (lx->p < lx->end)
            out_char(lx->m, *lx->p++);
        else
            t->open = true;
        t->type = T_STR;
    } else if (strchr("{}()=,", c) != NULL) {
        t->text[n++] = c;
        out_char(lx->m, *lx->p++);
        t->type = T_PUNCT;
    } else if (c == '+' && lx->p + 1 < lx->end && lx->p[1] == '=') {
        t->text[n++] = '+';
        t->text[n++] = '=';
        out_char(lx->m, *lx->p++);
        out_char(lx->m, *lx->p++);
        t->type = T_PUNCT;
    } else {
        while (lx->p < lx->end &&
               strchr(" \t\r\n#\"'={}()+,*", *lx->p) == NULL) {
            if (*lx->p == '/' && lx->p + 1 < lx->end &&
                (lx->p[1] == '/' || lx->p[1] == '*'))
                break;
            if (n + 1 < sizeof(t->text))
                t->text[n++] = *lx->p;
            out_char(lx->m, *lx->p++);
        }
        if (n == 0) /* a character libconfuse ignores: pass it on */
            out_char(lx->m, *lx->p++);
        t->type = T_WORD;
    }
    t->text[n] = '\0';
    t->end = lx->m->len;
}

/* ---- files and includes ------------------------------------------------- */

/* An option (or untitled section) written in the open section. */
struct seen_opt {
    char name[48];
    long place; /* its place (for the entries of a list), or -1 */
    struct origin at;
};

struct frame {
    char sec[256], title[256];
    struct seen_opt seen[24]; /* more are not checked for repeats */
    int nseen;
};

struct walk_state {
    struct frame root; /* the top level */
    struct frame stack[16];
    int sp;
    int depth;
    int in_list;     /* depth of { } after "=" */
    long list_place; /* the place of the list being read, or -1 */
};

static int read_file(struct ds_srcmap *m, const char *name, int from_file,
                     int from_line, struct walk_state *ws);

static char *resolve(const char *including, const char *name)
{
    char *r = NULL;
    const char *slash = including ? strrchr(including, '/') : NULL;
    if (name[0] == '/' || slash == NULL)
        r = strdup(name);
    else if (asprintf(&r, "%.*s/%s", (int)(slash - including), including,
                      name) < 0)
        r = NULL;
    return r;
}

/*
 * The section header `name "title" {` has just been copied: blank the
 * title where it stands (newlines stay, so lines still map) and append it,
 * exactly as written, as the option DS_SRCMAP_TITLE after the brace.
 */
static void move_title(struct ds_srcmap *m, const struct token *title)
{
    size_t n = title->end - title->start;
    char *raw = malloc(n + 1);
    if (raw == NULL) {
        oom(m);
        return;
    }
    memcpy(raw, m->text + title->start, n);
    raw[n] = '\0';
    for (size_t i = title->start; i < title->end; i++)
        if (m->text[i] != '\n')
            m->text[i] = ' ';
    out_str(m, " " DS_SRCMAP_TITLE " = ");
    for (size_t i = 0; i < n; i++) {
        if (raw[i] == '\\' && raw[i + 1] == '\n')
            i++; /* a continued line: the string goes on */
        else if (raw[i] != '\n')
            out_char(m, raw[i]);
    }
    out_char(m, ' ');
    free(raw);
}

static struct seen_opt *find_seen(struct frame *f, const char *name)
{
    for (int i = 0; i < f->nseen; i++)
        if (strcmp(f->seen[i].name, name) == 0)
            return &f->seen[i];
    return NULL;
}

static void remember(struct frame *f, const char *name, long place, int file,
                     int line)
{
    if (f->nseen == (int)DS_ARRAY_LEN(f->seen) || strlen(name) >= 48)
        return;
    struct seen_opt *o = &f->seen[f->nseen++];
    snprintf(o->name, sizeof(o->name), "%s", name);
    o->place = place;
    o->at.file = file;
    o->at.line = line;
}

/* "first on line 3" or "first at other.conf:3" */
static void first_at(const struct ds_srcmap *m, const struct seen_opt *o,
                     int file, char *buf, size_t size)
{
    if (o->at.file == file)
        snprintf(buf, size, "first on line %d", o->at.line);
    else
        snprintf(buf, size, "first at %s:%d", m->files[o->at.file], o->at.line);
}

/* "section server", "section send_connector \"S\"", "the top level" */
static void section_name(const struct walk_state *ws, char *buf, size_t size)
{
    const struct frame *f = ws->sp > 0 ? &ws->stack[ws->sp - 1] : NULL;
    if (f == NULL)
        snprintf(buf, size, "the top level");
    else if (f->title[0])
        snprintf(buf, size, "section %s \"%s\"", f->sec, f->title);
    else
        snprintf(buf, size, "section %s", f->sec);
}

/* `name =` or `name +=` (t[0] the operator, t[1] the name): its place, and
 * an error when an option is set twice in one section. */
static void assignment(struct lexer *lx, struct walk_state *ws,
                       struct token *const *t)
{
    struct ds_srcmap *m = lx->m;
    struct frame *top = ws->sp > 0 ? &ws->stack[ws->sp - 1] : &ws->root;
    const char *name = t[1]->text;
    struct seen_opt *o = find_seen(top, name);
    char where[300], sec[600];
    if (o != NULL && t[0]->text[0] != '+') {
        first_at(m, o, lx->file, where, sizeof(where));
        section_name(ws, sec, sizeof(sec));
        ds_diag_code(m->diag, DS_CODE_DUPLICATE_OPTION, m->files[lx->file],
                     t[1]->line,
                     "keep one of them (a list grows with name += { ... })",
                     "option '%s' is set twice in %s (%s)", name, sec, where);
        m->failed = true;
        return;
    }
    if (o != NULL) { /* += appends to the values written before */
        ws->list_place = o->place;
        return;
    }
    long pl = add_place(m, ws->sp > 0 ? top->sec : NULL,
                        ws->sp > 0 && top->title[0] ? top->title : NULL, name,
                        lx->file, t[1]->line);
    remember(top, name, pl, lx->file, t[1]->line);
    ws->list_place = pl;
}

/* `name "title" {` or `name {` (t[0] the brace): a new frame. An untitled
 * section given twice at one level is an error, as an option would be. */
static void open_section(struct lexer *lx, struct walk_state *ws,
                         struct token *const *t)
{
    struct ds_srcmap *m = lx->m;
    bool titled = t[2]->type == T_WORD && t[1]->type != T_PUNCT &&
                  is_titled(m, t[2]->text);
    const char *name = titled ? t[2]->text : t[1]->text;
    int line = titled ? t[2]->line : t[1]->line;
    struct frame *parent = ws->sp > 0 ? &ws->stack[ws->sp - 1] : &ws->root;
    if (ws->sp == (int)DS_ARRAY_LEN(ws->stack))
        return;
    if (!titled && t[1]->type == T_WORD && !is_titled(m, name)) {
        struct seen_opt *o = find_seen(parent, name);
        char where[300];
        if (o != NULL) {
            first_at(m, o, lx->file, where, sizeof(where));
            ds_diag_code(m->diag, DS_CODE_DUPLICATE_OPTION, m->files[lx->file],
                         line, "write its options in one section",
                         "section %s is given twice (%s)", name, where);
            m->failed = true;
            return;
        }
        remember(parent, name, -1, lx->file, line);
    }
    struct frame *f = &ws->stack[ws->sp++];
    snprintf(f->sec, sizeof(f->sec), "%s", name);
    snprintf(f->title, sizeof(f->title), "%s", titled ? t[1]->text : "");
    f->nseen = 0;
    add_place(m, f->sec, titled ? f->title : NULL, NULL, lx->file, line);
    if (titled)
        move_title(m, t[1]);
}

/* include("file") has just been read (t[0] the parenthesis): replace it by
 * the file's text. Returns -1 when reading it failed. */
static int include(struct lexer *lx, struct walk_state *ws,
                   struct token *const *t)
{
    struct ds_srcmap *m = lx->m;
    m->len = t[3]->start;
    m->text[m->len] = '\0';
    int line = m->nlines;
    while (line > 1 && m->lines[line].line > t[3]->line)
        line--; /* a string spanning lines cannot hold include */
    m->nlines = line;
    out_newline(m, -1, 0);
    char *path = resolve(m->files[lx->file], t[1]->text);
    if (path == NULL) {
        oom(m);
        return -1;
    }
    ws->depth++;
    int r = read_file(m, path, lx->file, t[3]->line, ws);
    ws->depth--;
    free(path);
    if (r < 0)
        return -1;
    out_newline(m, lx->file, lx->line);
    return 0;
}

static bool is_value(const struct token *t)
{
    return t->type == T_STR || t->type == T_WORD;
}

static bool punct(const struct token *t, char c)
{
    return t->type == T_PUNCT && t->text[0] == c;
}

static void walk(struct lexer *lx, struct walk_state *ws)
{
    struct ds_srcmap *m = lx->m;
    /* t[0] the current token, t[1..3] the ones before: pointers, rotated
     * (copying four tokens per token was a tenth of a big load) */
    struct token buf[4], *t[4] = {&buf[0], &buf[1], &buf[2], &buf[3]};
    memset(buf, 0, sizeof(buf));

    for (;;) {
        struct token *oldest = t[3];
        t[3] = t[2];
        t[2] = t[1];
        t[1] = t[0];
        t[0] = oldest;
        next(lx, t[0]);
        if (m->failed)
            return;
        /* a list value ends at a comma, a brace, or the end of an
         * included file */
        if (ws->in_list == 1 && is_value(t[1]) &&
            (t[0]->type == T_EOF || punct(t[0], ',') || punct(t[0], '}')))
            add_entry(m, ws->list_place, lx->file, t[1]->line);
        if (t[0]->type == T_EOF)
            return;
        const char *tx = t[0]->text;
        if (t[0]->type == T_STR && t[0]->open) {
            ds_diag_code(m->diag, DS_CODE_UNTERMINATED_STRING,
                         m->files[lx->file], t[0]->line,
                         "close the quote on this line (a long value goes on "
                         "after a backslash at the end of the line)",
                         "the string that starts on this line is not closed");
            m->failed = true;
        } else if (punct(t[0], '{')) {
            if (t[1]->type == T_PUNCT &&
                (t[1]->text[0] == '=' || t[1]->text[0] == '+'))
                ws->in_list++;
            else
                open_section(lx, ws, t);
        } else if (punct(t[0], '}')) {
            if (ws->in_list > 0)
                ws->in_list--;
            else if (ws->sp > 0)
                ws->sp--;
        } else if (t[0]->type == T_WORD && strcmp(tx, DS_SRCMAP_TITLE) == 0) {
            ds_diag_code(m->diag, DS_CODE_UNKNOWN_OPTION, m->files[lx->file],
                         t[0]->line,
                         "a section's title is written before its brace: "
                         "certificate \"name\" { ... }",
                         "no such option '%s'", tx);
            m->failed = true;
        } else if (t[0]->type == T_PUNCT && (tx[0] == '=' || tx[0] == '+') &&
                   t[1]->type == T_WORD && ws->in_list == 0) {
            assignment(lx, ws, t);
        } else if (punct(t[0], ')') && t[1]->type == T_STR &&
                   punct(t[2], '(') && t[3]->type == T_WORD &&
                   strcmp(t[3]->text, "include") == 0) {
            if (include(lx, ws, t) < 0)
                return;
            memset(buf, 0, sizeof(buf));
        }
    }
}

/*
 * Open a configuration file (the one named with -c or an included one): a
 * regular file of at most MAX_FILE_SIZE bytes only, checked before a byte
 * is read. A FIFO or a device (include("/dev/stdin"), -c /dev/zero) would
 * block or never end, and a reload must not hang the thread that handles
 * signals. Returns the stream, or NULL with *code and *why set.
 */
static FILE *open_config(const char *name, enum ds_code *code, int *err,
                         char *why, size_t size)
{
    int fd = open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    struct stat st;
    *code = DS_CODE_CONFIG_UNREADABLE;
    *err = 0;
    if (fd < 0 || fstat(fd, &st) != 0) {
        *err = errno;
        snprintf(why, size, "%s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > MAX_FILE_SIZE) {
        *code = S_ISREG(st.st_mode) ? DS_CODE_CONFIG_TOO_LARGE
                                    : DS_CODE_CONFIG_NOT_REGULAR;
        snprintf(why, size, "%s",
                 S_ISDIR(st.st_mode)   ? strerror(EISDIR)
                 : S_ISREG(st.st_mode) ? "larger than 64 MiB"
                                       : "not a regular file");
        close(fd);
        return NULL;
    }
    FILE *fp = fdopen(fd, "r");
    if (fp == NULL) {
        snprintf(why, size, "%s", strerror(errno));
        close(fd);
    }
    return fp;
}

/* Read the whole stream; returns the data (NUL-terminated, *len bytes) or
 * NULL with errno set. */
static char *slurp(FILE *fp, size_t *len)
{
    char *data = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len + 1 >= cap) {
            char *d = ds_grow(data, &cap, cap ? cap * 2 : 16384, 1, 16384);
            if (d == NULL) {
                free(data);
                return NULL;
            }
            data = d;
        }
        size_t r = fread(data + *len, 1, cap - *len - 1, fp);
        if (r == 0)
            break;
        *len += r;
        if (*len > (size_t)MAX_FILE_SIZE)
            break; /* it grew while being read: libconfuse gets a part */
    }
    if (ferror(fp)) {
        int e = errno ? errno : EIO;
        free(data);
        errno = e;
        return NULL;
    }
    data[*len] = '\0';
    return data;
}

static int read_file(struct ds_srcmap *m, const char *name, int from_file,
                     int from_line, struct walk_state *ws)
{
    const char *from = from_file >= 0 ? m->files[from_file] : NULL;
    char why[256];
    enum ds_code code;
    int err;
    if (ws->depth > MAX_DEPTH) {
        ds_diag_code(m->diag, DS_CODE_INCLUDE_DEPTH, from, from_line,
                     "does a file include itself?",
                     "include() nested more than %d deep", MAX_DEPTH);
        m->failed = true;
        return -1;
    }
    FILE *fp = open_config(name, &code, &err, why, sizeof(why));
    if (fp == NULL) {
        if (from)
            ds_diag_code(m->diag, code, from, from_line,
                         code == DS_CODE_CONFIG_UNREADABLE
                             ? "include() paths are relative to the "
                               "including file"
                             : "include() reads a regular configuration "
                               "file",
                         "cannot read included file %s: %s", name, why);
        else
            ds_diag_code(m->diag, code, name, 0,
                         code != DS_CODE_CONFIG_UNREADABLE
                             ? "give the configuration file with -c FILE"
                         : err == ENOENT ? "give the right path with -c FILE"
                                         : "check the file's permissions",
                         "cannot read the configuration: %s", why);
        m->failed = true;
        return -1;
    }
    size_t len = 0;
    char *data = slurp(fp, &len);
    int rerr = data ? 0 : errno;
    fclose(fp);
    if (data == NULL) {
        if (rerr == ENOMEM) {
            oom(m);
        } else {
            ds_diag_code(m->diag, DS_CODE_CONFIG_UNREADABLE, from ? from : name,
                         from ? from_line : 0, NULL, "cannot read %s: %s", name,
                         strerror(rerr));
            m->failed = true;
        }
        return -1;
    }
    char **fv = realloc(m->files, (size_t)(m->nfiles + 1) * sizeof(*fv));
    if (fv == NULL) {
        free(data);
        oom(m);
        return -1;
    }
    m->files = fv;
    int idx = m->nfiles++;
    m->files[idx] = dup_or_null(m, name);
    if (m->failed) {
        free(data);
        return -1;
    }
    if (memchr(data, '\0', len) != NULL) {
        ds_diag_code(m->diag, DS_CODE_CONFIG_BINARY, name, 0,
                     "is this a configuration file?",
                     "the file contains NUL bytes");
        free(data);
        m->failed = true;
        return -1;
    }
    /* The first output line of this file. */
    if (m->nlines == 0 || from_file >= 0) {
        if (m->nlines == 0)
            out_line(m, idx, 1);
        else {
            m->lines[m->nlines].file = idx;
            m->lines[m->nlines].line = 1;
        }
    }
    struct lexer lx = {
        .m = m, .p = data, .end = data + len, .file = idx, .line = 1};
    walk(&lx, ws);
    free(data);
    return m->failed ? -1 : 0;
}

struct ds_srcmap *ds_srcmap_build(const char *file, const char *const *titled,
                                  struct ds_diag *diag)
{
    struct ds_srcmap *m = calloc(1, sizeof(*m));
    if (m == NULL) {
        ds_diag_code(diag, DS_CODE_NOMEM, file, 0, NULL, "out of memory");
        return NULL;
    }
    m->titled = titled;
    m->diag = diag;
    struct walk_state ws;
    memset(&ws, 0, sizeof(ws));
    out_char(m, '\0');
    m->len = 0;
    if (read_file(m, file, -1, 0, &ws) < 0) {
        ds_srcmap_free(m);
        return NULL;
    }
    m->text[m->len] = '\0';
    build_index(m);
    if (ws.sp > 0) {
        /* libconfuse 3.3 silently accepts a section left open at EOF. */
        struct frame *f = &ws.stack[ws.sp - 1];
        const char *at = file;
        int line = 0;
        ds_srcmap_find(m, f->sec, f->title[0] ? f->title : NULL, NULL, &at,
                       &line);
        ds_diag_code(diag, DS_CODE_UNCLOSED_SECTION, at, line,
                     "add the closing brace; check the braces above",
                     "section %s%s%s%s is not closed before the end of the "
                     "file",
                     f->sec, f->title[0] ? " \"" : "", f->title,
                     f->title[0] ? "\"" : "");
        ds_srcmap_free(m);
        return NULL;
    }
    return m;
}

void ds_srcmap_free(struct ds_srcmap *m)
{
    if (m == NULL)
        return;
    for (int i = 0; i < m->nfiles; i++)
        free(m->files[i]);
    for (size_t i = 0; i < m->nplaces; i++) {
        free(m->places[i].sec);
        free(m->places[i].title);
        free(m->places[i].opt);
        free(m->places[i].entries);
    }
    free(m->files);
    free(m->places);
    free(m->index);
    free(m->lines);
    free(m->starts);
    free(m->text);
    free(m);
}

const char *ds_srcmap_text(const struct ds_srcmap *m)
{
    return m->text ? m->text : "";
}

void ds_srcmap_locate(const struct ds_srcmap *m, int line, const char **file,
                      int *real_line)
{
    if (line < 1)
        line = 1;
    if (line > m->nlines)
        line = m->nlines;
    /* Lines inserted around an include carry file -1: use the one after. */
    while (line < m->nlines && m->lines[line].file < 0)
        line++;
    if (line < 1 || m->lines[line].file < 0) {
        *file = m->nfiles > 0 ? m->files[0] : NULL;
        *real_line = 0;
        return;
    }
    *file = m->files[m->lines[line].file];
    *real_line = m->lines[line].line;
}

bool ds_srcmap_find(const struct ds_srcmap *m, const char *sec,
                    const char *title, const char *opt, const char **file,
                    int *line)
{
    if (m == NULL || m->index == NULL)
        return false;
    size_t i = *index_slot(m, sec, title, opt);
    if (i == 0)
        return false;
    const struct place *pl = &m->places[i - 1];
    *file = m->files[pl->at.file];
    *line = pl->at.line;
    return true;
}

bool ds_srcmap_find_entry(const struct ds_srcmap *m, const char *sec,
                          const char *title, const char *opt, size_t i,
                          size_t n, const char **file, int *line)
{
    if (m == NULL || m->index == NULL)
        return false;
    size_t k = *index_slot(m, sec, title, opt);
    if (k == 0)
        return false;
    const struct place *pl = &m->places[k - 1];
    /* only when every value was seen (else the indices would not agree) */
    if (pl->nentries != n || i >= n)
        return false;
    *file = m->files[pl->entries[i].file];
    *line = pl->entries[i].line;
    return true;
}

const char *ds_srcmap_line(const struct ds_srcmap *m, int line, size_t *len)
{
    *len = 0;
    if (m == NULL || m->text == NULL || line < 1 || line > m->nlines)
        return "";
    size_t a = m->starts[line];
    size_t b = line < m->nlines ? m->starts[line + 1] : m->len;
    if (a > m->len || b > m->len || b < a)
        return "";
    *len = b - a;
    return m->text + a;
}
