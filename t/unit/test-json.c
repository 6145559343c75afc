/*
 * test-json.c - the JSON writer: string escaping (quotes, backslashes,
 * control characters as \u00XX, valid UTF-8 passed through, invalid bytes
 * escaped), commas and nesting, null, numbers and booleans, pretty output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "tap.h"

/* Write one document with fn into a string (caller frees). */
static char *render(void (*fn)(struct ds_json *), bool pretty)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    struct ds_json j;
    ds_json_init(&j, fp, pretty);
    fn(&j);
    fclose(fp);
    return buf;
}

static char *quoted(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    ds_json_quote(fp, s);
    fclose(fp);
    return buf;
}

static void quote_is(const char *in, const char *want, const char *what)
{
    char *got = quoted(in);
    is_str(got, want, "escape: %s", what);
    free(got);
}

static void test_escape(void)
{
    quote_is("plain", "\"plain\"", "plain text");
    quote_is("a\"b\\c", "\"a\\\"b\\\\c\"", "quote and backslash");
    quote_is("\x01\n\t\x1f", "\"\\u0001\\u000a\\u0009\\u001f\"",
             "control characters as \\u00XX");
    quote_is("\x7f", "\"\\u007f\"", "DEL escaped");
    quote_is("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
             "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
             "valid UTF-8 passed through");
    quote_is("\xff", "\"\\u00ff\"", "invalid byte escaped");
    quote_is("\xc0\xaf", "\"\\u00c0\\u00af\"", "overlong form escaped");
    quote_is("\xe2\x82", "\"\\u00e2\\u0082\"", "truncated sequence escaped");
    quote_is("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"",
             "UTF-16 surrogate escaped");
    quote_is("\xf4\x90\x80\x80", "\"\\u00f4\\u0090\\u0080\\u0080\"",
             "beyond U+10FFFF escaped");
    quote_is("", "\"\"", "empty string");
}

static void doc(struct ds_json *j)
{
    ds_json_begin_object(j);
    ds_json_kv_string(j, "s", "x");
    ds_json_kv_string(j, "n", NULL);
    ds_json_kv_int(j, "i", -42);
    ds_json_kv_bool(j, "t", true);
    ds_json_kv_bool(j, "f", false);
    ds_json_key(j, "a");
    ds_json_begin_array(j);
    ds_json_int(j, 1);
    ds_json_begin_object(j);
    ds_json_end_object(j);
    ds_json_begin_array(j);
    ds_json_end_array(j);
    ds_json_null(j);
    ds_json_end_array(j);
    ds_json_key(j, "k\"ey");
    ds_json_string(j, "v");
    ds_json_end_object(j);
}

static void test_structure(void)
{
    char *got = render(doc, false);
    is_str(got,
           "{\"s\":\"x\",\"n\":null,\"i\":-42,\"t\":true,\"f\":false,"
           "\"a\":[1,{},[],null],\"k\\\"ey\":\"v\"}",
           "compact: commas, nesting, empty containers, null, keys escaped");
    free(got);
    got = render(doc, true);
    is_str(got,
           "{\n  \"s\": \"x\",\n  \"n\": null,\n  \"i\": -42,\n"
           "  \"t\": true,\n  \"f\": false,\n  \"a\": [\n    1,\n    {},\n"
           "    [],\n    null\n  ],\n  \"k\\\"ey\": \"v\"\n}",
           "pretty: one item a line, two-space indentation");
    free(got);
}

int main(void)
{
    test_escape();
    test_structure();
    return tap_done();
}
