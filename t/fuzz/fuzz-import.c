/*
 * fuzz-import.c - `import exchange` on arbitrary bytes: the Format-List
 * reader (formatlist.c: encodings, lines, wrapping, lists), the mapping
 * (import_exchange.c, import_resolve.c) and the writer (import_write.c).
 *
 * Input: one Format-List file's bytes.
 * Checks: the reader either returns objects or an error; every
 * diagnostic about the input names a line within it; what the writer
 * makes of any input that converts is well-formed line by line (strings
 * closed, \ " $ escaped: libconfuse would read nothing else into it), and
 * loads (or is refused at its own lines) without a crash.
 */
#include "dsconfig.h"

#include <stdbool.h>
#include <string.h>

#include "formatlist.h"
#include "fuzz.h"
#include "import.h"

static void check_lines(const struct ds_diag *d, size_t lines)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i].file && strcmp(d->v[i].file, "in.txt") == 0)
            DS_FUZZ_CHECK(d->v[i].line >= 0 && (size_t)d->v[i].line <= lines,
                          "line %d of %zu: %s", d->v[i].line, lines,
                          d->v[i].text);
}

/* Every line the writer makes is blank, a comment, a brace, or
 * `name`, `name "title" {` or `name = value` with each string closed on
 * its line and \ " $ escaped in it (libconfuse expands ${VAR}). */
static void check_syntax(const char *text)
{
    int line = 1;
    for (const char *p = text; *p; p++, line++) {
        while (*p == ' ')
            p++;
        bool comment = *p == '#', in = false;
        for (; *p && *p != '\n'; p++) {
            DS_FUZZ_CHECK((unsigned char)*p >= 0x20 || *p == '\t',
                          "line %d: control character 0x%02x", line,
                          (unsigned char)*p);
            if (comment)
                continue;
            if (in && *p == '\\') {
                p++;
                DS_FUZZ_CHECK(*p == '\\' || *p == '"' || *p == '$',
                              "line %d: escape \\%c", line, *p);
            } else if (*p == '"') {
                in = !in;
            } else {
                DS_FUZZ_CHECK(!in || *p != '$', "line %d: $ unescaped", line);
                DS_FUZZ_CHECK(in || *p != '#', "line %d: # outside a string",
                              line);
            }
        }
        DS_FUZZ_CHECK(!in, "line %d: a string left open", line);
        if (*p == '\0')
            break;
    }
}

/* The written configuration loads without a crash, its diagnostics on
 * lines of it. */
static void check_written(const struct ds_buf *text)
{
    const char *path = ds_fuzz_file((const uint8_t *)text->p, text->len);
    struct ds_diag d = {0};
    size_t lines = 1;
    check_syntax(text->p);
    if (path == NULL)
        return;
    for (size_t i = 0; i < text->len; i++)
        lines += text->p[i] == '\n';
    struct ds_config *c = ds_config_load(path, &d);
    for (size_t i = 0; i < d.n; i++)
        DS_FUZZ_CHECK(d.v[i].line >= 0 && (size_t)d.v[i].line <= lines,
                      "written configuration, line %d: %s", d.v[i].line,
                      d.v[i].text);
    ds_config_free(c);
    ds_diag_free(&d);
}

static int one(const uint8_t *data, size_t size)
{
    struct ds_import im = {0};
    struct ds_diag d = {0};
    struct ds_fl_doc doc;
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    int r = ds_fl_parse("in.txt", data, size, &im.a, &doc, &d);
    DS_FUZZ_CHECK((r == 0 && doc.n > 0) || (r < 0 && d.nerrors > 0),
                  "read: %d with %zu objects, %zu errors", r, doc.n, d.nerrors);
    if (r == 0 && ds_import_build(&im, &doc, 1, &d) == 0 &&
        ds_import_finish(&im) == 0) {
        struct ds_buf text = {0};
        struct ds_import_out out = {.inputs = NULL, .ninputs = 0};
        ds_import_write(&im, &out, &text);
        DS_FUZZ_CHECK(!text.oom && text.p != NULL, "nothing written");
        if (text.p)
            check_written(&text);
        ds_buf_free(&text);
    }
    check_lines(&d, lines);
    ds_import_free(&im);
    ds_diag_free(&d);
    return 0;
}

DS_FUZZ_TARGET("import", NULL, one)
