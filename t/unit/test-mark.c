/*
 * test-mark.c - the mark header's value (doc/design.md format), value quoting
 * for it and for the key=value log line, and recognising forged copies of
 * the mark whatever their case.
 */
#include <string.h>

#include "headers.h"
#include "log.h"
#include "tap.h"

static void quote(const char *in, const char *want, const char *what)
{
    char out[128];
    ds_quote(out, sizeof(out), in);
    is_str(out, want, "quote %s", what);
}

static void mark(const struct ds_mark *m, const char *want, const char *what)
{
    char out[1024];
    size_t n = ds_mark_format(out, sizeof(out), m);
    is_str(out, want, "mark %s", what);
    ok(n == strlen(want), "mark %s: length", what);
    ok(strpbrk(out, "\r\n") == NULL, "mark %s: no CR or LF", what);
}

int main(void)
{
    quote("mail.woodgrovebank.com", "mail.woodgrovebank.com", "plain");
    quote(NULL, "-", "absent");
    quote("", "\"\"", "empty");
    quote("Woodgrove Issuing CA", "\"Woodgrove Issuing CA\"", "spaces");
    quote("a;b", "\"a;b\"", "semicolon");
    quote("a\"b\\c", "\"a\\\"b\\\\c\"", "quote and backslash");
    quote("k=v", "\"k=v\"", "equals sign");
    quote("b\xc3\xbc"
          "cher",
          "\"b\\xC3\\xBCcher\"", "non-ASCII as \\xHH");
    quote("a\r\nX-Injected: 1", "\"a\\x0D\\x0AX-Injected: 1\"",
          "CR LF cannot inject");
    char small[12];
    ds_quote(small, sizeof(small), "a long value with spaces");
    ok(strlen(small) < sizeof(small) && small[0] == '"' &&
           small[strlen(small) - 1] == '"' && strstr(small, "...") != NULL,
       "quote: cut values stay quoted and say so");

    char buf[8];
    size_t off = 0;
    ds_append(buf, sizeof(buf), &off, "abc");
    ds_append(buf, sizeof(buf), &off, "defghij");
    is_str(buf, "abcdefg", "append: cut to the buffer, terminated");
    ok(off == 7, "append: offset stops at the last byte");

    char line[64];
    off = 0;
    ds_log_kv(line, sizeof(line), &off, "qid", "4Bx9");
    ds_log_kv(line, sizeof(line), &off, "peer", "a b");
    ds_log_kv(line, sizeof(line), &off, "issuer", NULL);
    is_str(line, "qid=4Bx9 peer=\"a b\" issuer=-", "log_kv: key=value line");
    ok(off == strlen(line), "log_kv: offset is the length");
    char tiny[12];
    off = 0;
    ds_log_kv(tiny, sizeof(tiny), &off, "qid", "4Bx9");
    ds_log_kv(tiny, sizeof(tiny), &off, "daemon", "Inet");
    ds_log_kv(tiny, sizeof(tiny), &off, "mta", "postfix");
    is_str(tiny, "qid=4Bx9 da", "log_kv: a key that does not fit is cut");
    ok(off == sizeof(tiny) - 1, "log_kv: and the line is full");

    struct ds_mark m = {.pass = true,
                        .domain = "woodgrovebank.com",
                        .peer = "mail.woodgrovebank.com",
                        .issuer = "Woodgrove Issuing CA",
                        .tls = "TLSv1.3",
                        .connector = "Inet"};
    mark(&m,
         "pass domain=woodgrovebank.com; peer=mail.woodgrovebank.com; "
         "issuer=\"Woodgrove Issuing CA\"; tls=TLSv1.3; connector=Inet",
         "pass");
    struct ds_mark f = {.pass = false,
                        .reason = "tls-not-started",
                        .domain = "woodgrovebank.com",
                        .connector = "Inet"};
    mark(&f,
         "fail reason=tls-not-started domain=woodgrovebank.com; tls=none; "
         "connector=Inet",
         "monitor failure without TLS");
    struct ds_mark g = {.pass = false,
                        .reason = "certificate-subject-mismatch",
                        .domain = "woodgrovebank.com",
                        .peer = "evil; pass domain=x",
                        .issuer = "CA",
                        .tls = "TLSv1.2",
                        .connector = NULL};
    mark(&g,
         "fail reason=certificate-subject-mismatch domain=woodgrovebank.com; "
         "peer=\"evil; pass domain=x\"; issuer=CA; tls=TLSv1.2; connector=-",
         "hostile CN is quoted");

    ok(ds_header_is_mark("X-Domain-Secure", "X-Domain-Secure"),
       "same name is the mark");
    ok(ds_header_is_mark("x-domain-secure", "X-Domain-Secure"),
       "lower case is the mark");
    ok(ds_header_is_mark("X-DOMAIN-SECURE", "X-Domain-Secure"),
       "upper case is the mark");
    ok(!ds_header_is_mark("X-Domain-Secured", "X-Domain-Secure"),
       "a longer name is not");
    ok(!ds_header_is_mark(NULL, "X-Domain-Secure"), "no name is not");
    return tap_done();
}
