/*
 * json.c - the streaming JSON writer (see json.h).
 *
 * Must not: produce invalid JSON for any input string: every byte is
 * either valid UTF-8 passed through or escaped.
 */
#include "dsconfig.h"

#include "json.h"

#include "util.h"

#include <string.h>

void ds_json_init(struct ds_json *j, FILE *fp, bool pretty)
{
    memset(j, 0, sizeof(*j));
    j->fp = fp;
    j->pretty = pretty;
}

static void newline(struct ds_json *j)
{
    if (!j->pretty)
        return;
    fputc('\n', j->fp);
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->fp);
}

/* Before any value or key: the comma and line break it needs. */
static void item(struct ds_json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth > 0 && j->depth <= DS_JSON_MAX_DEPTH) {
        if (j->has_items[j->depth - 1])
            fputc(',', j->fp);
        j->has_items[j->depth - 1] = true;
        newline(j);
    }
}

static void open_container(struct ds_json *j, char c)
{
    item(j);
    fputc(c, j->fp);
    if (j->depth < DS_JSON_MAX_DEPTH)
        j->has_items[j->depth] = false;
    j->depth++;
}

static void close_container(struct ds_json *j, char c)
{
    bool had = j->depth > 0 && j->depth <= DS_JSON_MAX_DEPTH &&
               j->has_items[j->depth - 1];
    j->depth--;
    if (had)
        newline(j);
    fputc(c, j->fp);
}

void ds_json_begin_object(struct ds_json *j)
{
    open_container(j, '{');
}

void ds_json_end_object(struct ds_json *j)
{
    close_container(j, '}');
}

void ds_json_begin_array(struct ds_json *j)
{
    open_container(j, '[');
}

void ds_json_end_array(struct ds_json *j)
{
    close_container(j, ']');
}

void ds_json_key(struct ds_json *j, const char *key)
{
    item(j);
    ds_json_quote(j->fp, key);
    fputs(j->pretty ? ": " : ":", j->fp);
    j->after_key = true;
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *p)
{
    unsigned char c = p[0];
    unsigned char lo = 0x80, hi = 0xBF;
    size_t n;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4;
    else
        return 0;
    if (c == 0xE0)
        lo = 0xA0; /* no overlong forms */
    else if (c == 0xED)
        hi = 0x9F; /* no surrogates */
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F; /* nothing above U+10FFFF */
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return n;
}

void ds_json_quote(FILE *fp, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', fp);
    while (*p) {
        size_t n = utf8_len(p);
        if (*p == '"' || *p == '\\') {
            fputc('\\', fp);
            fputc(*p, fp);
        } else if (*p < 0x20 || *p == 0x7f || n == 0) {
            fprintf(fp, "\\u%04x", *p);
            n = 1;
        } else {
            fwrite(p, 1, n, fp);
            p += n;
            continue;
        }
        p++;
    }
    fputc('"', fp);
}

void ds_json_string(struct ds_json *j, const char *s)
{
    item(j);
    if (s == NULL)
        fputs("null", j->fp);
    else
        ds_json_quote(j->fp, s);
}

void ds_json_int(struct ds_json *j, long long v)
{
    item(j);
    fprintf(j->fp, "%lld", v);
}

void ds_json_bool(struct ds_json *j, bool v)
{
    item(j);
    fputs(v ? "true" : "false", j->fp);
}

void ds_json_null(struct ds_json *j)
{
    item(j);
    fputs("null", j->fp);
}

void ds_json_kv_string(struct ds_json *j, const char *key, const char *s)
{
    ds_json_key(j, key);
    ds_json_string(j, s);
}

void ds_json_kv_int(struct ds_json *j, const char *key, long long v)
{
    ds_json_key(j, key);
    ds_json_int(j, v);
}

void ds_json_kv_strings(struct ds_json *j, const char *key,
                        const struct ds_strlist *l)
{
    ds_json_key(j, key);
    ds_json_begin_array(j);
    for (size_t i = 0; i < l->n; i++)
        ds_json_string(j, l->v[i]);
    ds_json_end_array(j);
}

void ds_json_kv_bool(struct ds_json *j, const char *key, bool v)
{
    ds_json_key(j, key);
    ds_json_bool(j, v);
}

void ds_json_finish(struct ds_json *j)
{
    if (j->pretty)
        fputc('\n', j->fp);
    fflush(j->fp);
}
