/*
 * test-formatlist.c - the Format-List reader (formatlist.h): every
 * encoding Windows PowerShell and PowerShell 7 write (UTF-16 LE/BE with
 * and without a BOM, UTF-8 with and without one), CRLF, objects split by
 * blank lines, values wrapped between words and inside a word, lists in
 * braces, one item a line or as flags, lists cut at
 * $FormatEnumerationLimit, and the lines that are refused (with their
 * line number); Exchange's en-US dates.
 */
#include <stdio.h>
#include <string.h>

#include "formatlist.h"
#include "import_int.h"
#include "tap.h"

static struct ds_arena A;

/* Parse text (UTF-8 bytes) into doc; returns the status. */
static int parse(const char *text, size_t len, struct ds_fl_doc *doc,
                 struct ds_diag *diag)
{
    memset(diag, 0, sizeof(*diag));
    return ds_fl_parse("t.txt", (const unsigned char *)text, len, &A, doc,
                       diag);
}

/* UTF-16 of an ASCII string: LE or BE, with a BOM or not. */
static size_t utf16(const char *s, bool be, bool bom, unsigned char *out)
{
    size_t n = 0;
    if (bom) {
        out[n++] = be ? 0xFE : 0xFF;
        out[n++] = be ? 0xFF : 0xFE;
    }
    for (; *s; s++) {
        out[n++] = be ? 0 : (unsigned char)*s;
        out[n++] = be ? (unsigned char)*s : 0;
    }
    return n;
}

static const char two[] = "\r\n"
                          "Name     : Inet\r\n"
                          "Enabled  : True\r\n"
                          "Bindings : {0.0.0.0:25, [::]:25}\r\n"
                          "\r\n"
                          "Name     : Relay\r\n"
                          "Enabled  : False\r\n"
                          "Bindings : {}\r\n"
                          "\r\n\r\n";

static void check_two(const struct ds_fl_doc *d, const char *what)
{
    ok(d->n == 2, "%s: two objects", what);
    if (d->n != 2)
        return;
    is_str(ds_fl_str(&d->objs[0], "name"), "Inet",
           "%s: a property, by name in any case", what);
    is_str(ds_fl_str(&d->objs[1], "Enabled"), "False",
           "%s: the second object's value (no CR left)", what);
    is_int(d->objs[1].line, 6, "%s: the second object's line", what);
    is_int(ds_fl_get(&d->objs[0], "Bindings")->line, 4, "%s: a property's line",
           what);
}

static void check_utf16(bool be, bool bom, const char *name)
{
    struct ds_fl_doc d;
    struct ds_diag diag = {0};
    unsigned char buf[1024];
    size_t n = utf16(two, be, bom, buf);
    ok(ds_fl_parse("t.txt", buf, n, &A, &d, &diag) == 0, "%s reads", name);
    ok(d.encoding && strcmp(d.encoding, name) == 0, "%s recognised", name);
    check_two(&d, name);
    ds_diag_free(&diag);
}

static void test_encodings(void)
{
    struct ds_fl_doc d;
    struct ds_diag diag = {0};
    unsigned char buf[1024];
    check_utf16(false, true, "UTF-16 LE with BOM");
    check_utf16(false, false, "UTF-16 LE");
    check_utf16(true, true, "UTF-16 BE with BOM");
    check_utf16(true, false, "UTF-16 BE");
    ok(parse(two, strlen(two), &d, &diag) == 0, "UTF-8 reads");
    is_str(d.encoding, "UTF-8", "UTF-8 recognised");
    check_two(&d, "UTF-8");
    snprintf((char *)buf, sizeof(buf), "\xEF\xBB\xBF%s", two);
    ok(parse((char *)buf, strlen((char *)buf), &d, &diag) == 0,
       "UTF-8 with BOM reads");
    is_str(d.encoding, "UTF-8 with BOM", "UTF-8 BOM recognised");
    check_two(&d, "UTF-8 with BOM");

    /* "Subject : CN=Café" in UTF-16 LE: a non-ASCII character. */
    static const unsigned char cafe[] = {0xFF, 0xFE, 'S', 0, ' ',  0,
                                         ':',  0,    ' ', 0, 'C',  0,
                                         'a',  0,    'f', 0, 0xE9, 0};
    ok(ds_fl_parse("t.txt", cafe, sizeof(cafe), &A, &d, &diag) == 0 && d.n == 1,
       "UTF-16 with a non-ASCII character");
    if (d.n == 1)
        is_str(d.objs[0].props[0].value, "Caf\xC3\xA9", "... becomes UTF-8");
    static const unsigned char lone[] = {0xFF, 0xFE, 'S', 0, ' ',  0,
                                         ':',  0,    ' ', 0, 0x00, 0xD8};
    ok(ds_fl_parse("t.txt", lone, sizeof(lone), &A, &d, &diag) < 0 &&
           diag.n == 1 && diag.v[0].line == 1,
       "an unpaired surrogate is refused at its line");
    ds_diag_free(&diag);
    ok(parse("\nName : a\nSubject : Caf\xE9\n",
             strlen("\nName : a\nSubject : Caf\xE9\n"), &d, &diag) < 0 &&
           diag.n == 1 && diag.v[0].line == 3,
       "a Latin-1 byte (ANSI code page) is refused at its line");
    ds_diag_free(&diag);
}

static void test_wrapping(void)
{
    struct ds_fl_doc d;
    struct ds_diag diag = {0};
    /* PowerShell's word wrap keeps the space at the end of the line; the
     * hard wrap (a word wider than the line, or a culture without word
     * wrap) cuts inside a word. */
    static const char text[] =
        "\n"
        "TlsCertificateName : <I>CN=Contoso Issuing CA, O=Contoso, "
        "C=US<S>CN=mail.contoso.com, \n"
        "                     O=Contoso, C=US\n"
        "AccessRules        : {System.Security.AccessControl.CryptoKeyAccessR\n"
        "                     ule, System.Security.AccessControl.CryptoKeyAcc\n"
        "                     essRule}\n"
        "Banner             : 220 first line\n"
        "\n"
        "                     after an empty line\n"
        "Empty              :\n"
        "Spaces             : \n";
    ok(parse(text, strlen(text), &d, &diag) == 0 && d.n == 1,
       "wrapped values: one object");
    if (d.n != 1)
        return;
    is_str(ds_fl_str(&d.objs[0], "TlsCertificateName"),
           "<I>CN=Contoso Issuing CA, O=Contoso, C=US<S>CN=mail.contoso.com, "
           "O=Contoso, C=US",
           "a value wrapped between words: joined as written");
    const struct ds_fl_prop *p = ds_fl_get(&d.objs[0], "AccessRules");
    struct ds_strlist l;
    bool cut;
    ok(ds_fl_list(p, &A, &l, &cut) == 0 && l.n == 2 && !cut,
       "a list wrapped inside words: two items");
    if (l.n == 2)
        is_str(l.v[1], "System.Security.AccessControl.CryptoKeyAccessRule",
               "... the cut word joined again");
    is_str(ds_fl_str(&d.objs[0], "Banner"),
           "220 first line\nafter an empty line",
           "a value with an empty line stays one value");
    is_str(ds_fl_str(&d.objs[0], "Empty"), "", "an empty value (no space)");
    is_str(ds_fl_str(&d.objs[0], "Spaces"), "", "an empty value (a space)");
    ok(ds_fl_get(&d.objs[0], "Absent") == NULL &&
           strcmp(ds_fl_str(&d.objs[0], "Absent"), "") == 0,
       "an absent property");
}

/* The items of the list in "Name : VALUE" (one line or more). */
static size_t items(const char *text, const char **first, const char **last,
                    bool *cut)
{
    struct ds_fl_doc d;
    struct ds_diag diag = {0};
    struct ds_strlist l = {.n = 0, .v = NULL};
    *first = *last = NULL;
    if (parse(text, strlen(text), &d, &diag) < 0 || d.n != 1 ||
        ds_fl_list(&d.objs[0].props[0], &A, &l, cut) < 0)
        return 999;
    if (l.n) {
        *first = l.v[0];
        *last = l.v[l.n - 1];
    }
    return l.n;
}

static void test_lists(void)
{
    const char *f, *l;
    bool cut;
    is_int(items("L : {}\n", &f, &l, &cut), 0, "{} is empty");
    is_int(items("L : {a.example}\n", &f, &l, &cut), 1, "{a}: one item");
    is_int(items("L : {SMTP:*;1, SMTP:woodgrovebank.com;1}\n", &f, &l, &cut), 2,
           "{a, b}: two items");
    is_str(l, "SMTP:woodgrovebank.com;1", "... the last one trimmed");
    is_int(items("L : {a.example, b.example,\n    c.example}\n", &f, &l, &cut),
           3, "a list wrapped after a comma (space lost)");
    is_int(items("L : a.example\n    b.example\n    c.example\n", &f, &l, &cut),
           3, "one item a line");
    is_str(l, "c.example", "... the last line's item");
    is_int(items("L : Tls, Integrated, BasicAuth, BasicAuthRequ\n"
                 "    ireTLS, ExchangeServer\n",
                 &f, &l, &cut),
           5, "flags, wrapped inside a word");
    is_int(items("L : {a.example, b.example, c.example, d.example...}\n", &f,
                 &l, &cut),
           4, "a list cut at $FormatEnumerationLimit: the items shown");
    ok(cut, "... and cut is set (Windows PowerShell: ...)");
    is_str(l, "d.example", "... the last item without the dots");
    items("L : {a.example, b.example, c.example, d.example\xE2\x80\xA6}\n", &f,
          &l, &cut);
    ok(cut, "cut is set for PowerShell 7's ellipsis too");
    items("L : {a.example, b.example}\n", &f, &l, &cut);
    ok(!cut, "a whole list is not cut");
    is_int(ds_fl_bool("True"), 1, "True");
    is_int(ds_fl_bool("false"), 0, "false");
    is_int(ds_fl_bool("$true"), -1, "$true is no Format-List boolean");
}

static int refused_at(const char *text)
{
    struct ds_fl_doc d;
    struct ds_diag diag = {0};
    int line = parse(text, strlen(text), &d, &diag) < 0 && diag.n == 1
                   ? diag.v[0].line
                   : -1;
    ds_diag_free(&diag);
    return line;
}

static void test_refused(void)
{
    is_int(refused_at("\nName      Bindings\n----      --------\n"), 2,
           "Format-Table output is refused at its header");
    is_int(refused_at("#TYPE Microsoft.Exchange\n\"Name\",\"Fqdn\"\n"), 1,
           "Export-Csv output is refused at line 1");
    is_int(refused_at("\n   indented first\n"), 2,
           "an indented line before any property");
    is_int(refused_at("\nName : a\nGet-ReceiveConnector : The term\n"), 3,
           "an error message among the properties");
    is_int(refused_at("\n\n\n"), 0, "a file of blank lines holds no object");
    is_int(refused_at("Name:a\n"), 1, "'Name:a' is not Format-List's form");
}

static void test_dates(void)
{
    long long t;
    ok(ds_import_parse_date("11/21/2026 12:00:00 AM", &t) && t == 1795219200LL,
       "en-US midnight (12 AM)");
    ok(ds_import_parse_date("6/1/2027 12:30:05 PM", &t) && t == 1811853005LL,
       "en-US noon (12 PM)");
    ok(ds_import_parse_date("6/1/2027 1:00:00 PM", &t) && t == 1811854800LL,
       "en-US afternoon");
    ok(ds_import_parse_date("2026-11-21 00:00:00", &t) && t == 1795219200LL,
       "ISO 8601");
    ok(ds_import_parse_date("21.11.2026 00:00:00", &t) && t == 1795219200LL,
       "day first with dots (de-DE)");
    ok(ds_import_parse_date("01.06.2027 13:00:00", &t) && t == 1811854800LL,
       "day first with dots: day and month not swapped");
    ok(!ds_import_parse_date("21/11/2026 00:00:00", &t),
       "slashes without AM/PM (en-GB or month first): ambiguous, not read");
    ok(!ds_import_parse_date("21.11.2026 00:00:00 extra", &t),
       "day first: nothing after the time");
    ok(!ds_import_parse_date("32.11.2026 00:00:00", &t), "day 32");
    ok(!ds_import_parse_date("13/1/2026 1:00:00 AM", &t), "month 13");
}

int main(void)
{
    test_encodings();
    test_wrapping();
    test_lists();
    test_refused();
    test_dates();
    ds_arena_free(&A);
    return tap_done();
}
