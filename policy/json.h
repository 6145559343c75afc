/*
 * json.h - a small streaming JSON writer: objects, arrays, strings with
 * correct escaping (control characters as \u00XX; bytes that are not
 * UTF-8 as \u00XX of their value), integers, booleans, null. Commas and
 * indentation are its business, so callers cannot get them wrong.
 *
 * Must not: buffer the whole document, or know what it is writing.
 */
#ifndef DS_JSON_H
#define DS_JSON_H

#include <stdbool.h>
#include <stdio.h>

#define DS_JSON_MAX_DEPTH 32 /* callers nest no deeper than this */

struct ds_json {
    FILE *fp;
    int depth;
    bool pretty;
    bool has_items[DS_JSON_MAX_DEPTH]; /* per open container */
    bool after_key;
};

/* Start writing to fp; pretty: one item a line, two-space indentation. */
void ds_json_init(struct ds_json *j, FILE *fp, bool pretty);

void ds_json_begin_object(struct ds_json *j);
void ds_json_end_object(struct ds_json *j);
void ds_json_begin_array(struct ds_json *j);
void ds_json_end_array(struct ds_json *j);
/* The key of the next value inside an object. */
void ds_json_key(struct ds_json *j, const char *key);

/* Values; a NULL string is written as null. */
void ds_json_string(struct ds_json *j, const char *s);
void ds_json_int(struct ds_json *j, long long v);
void ds_json_bool(struct ds_json *j, bool v);
void ds_json_null(struct ds_json *j);

/* key + value in one call */
void ds_json_kv_string(struct ds_json *j, const char *key, const char *s);
void ds_json_kv_int(struct ds_json *j, const char *key, long long v);
void ds_json_kv_bool(struct ds_json *j, const char *key, bool v);
/* "key": [every string of the list] */
struct ds_strlist;
void ds_json_kv_strings(struct ds_json *j, const char *key,
                        const struct ds_strlist *l);

/* Write s as a quoted JSON string literal (the escaping above). */
void ds_json_quote(FILE *fp, const char *s);

/* End the document (a newline when pretty). */
void ds_json_finish(struct ds_json *j);

#endif
