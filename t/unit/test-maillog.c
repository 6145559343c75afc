/*
 * test-maillog.c - domsec-milter's decision lines read back from a mail
 * log (policy/maillog.c): every time stamp form, the prefixes, the
 * milter's quoting, lines that are not decisions, the year of a syslog
 * time stamp, --since, and the sum per partner.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maillog.h"
#include "tap.h"

#define DECISION                                                               \
    "qid=4F3A21B0C daemon=Inet connector=Inet domain=woodgrovebank.com "       \
    "tls=TLSv1.3 peer=mail.woodgrovebank.com issuer=\"Woodgrove Issuing CA\" " \
    "result=pass reason=pass event=- action=mark mta=postfix"

static long long utc(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return (long long)timegm(&tm);
}

static void test_forms(long long now)
{
    struct ds_ml_line l;
    ok(ds_ml_parse("Dec  3 10:00:00 mx domsec-milter[123]: " DECISION, now,
                   &l) == 1 &&
           l.dated && l.when == utc(2026, 12, 3, 10, 0, 0),
       "syslog form, day padded with a space");
    is_str(l.issuer, "Woodgrove Issuing CA", "a quoted value, unquoted");
    is_str(l.result, "pass", "result");
    is_str(l.domain, "woodgrovebank.com", "domain");
    ok(ds_ml_parse("Dec 03 10:00:00 mx domsec-milter[9]: domsec-milter[123]: "
                   "info: " DECISION,
                   now, &l) == 1 &&
           l.when == utc(2026, 12, 3, 10, 0, 0),
       "Postfix's maillog_file form, with the stderr prefix and level");
    ok(ds_ml_parse("2026-12-03T10:00:00.123456+00:00 mx domsec-milter[123]: "
                   "warning: " DECISION,
                   now, &l) == 1 &&
           l.when == utc(2026, 12, 3, 10, 0, 0),
       "RFC 3339 with microseconds (rsyslog)");
    ok(ds_ml_parse("2026-12-03T11:30:00+0130 mx domsec-milter[1]: " DECISION,
                   now, &l) == 1 &&
           l.when == utc(2026, 12, 3, 10, 0, 0),
       "RFC 3339 offset without a colon (journalctl -o short-iso)");
    ok(ds_ml_parse("2026-12-03T10:00:00Z mx domsec-milter: " DECISION, now,
                   &l) == 1 &&
           l.when == utc(2026, 12, 3, 10, 0, 0),
       "RFC 3339 in UTC, a tag without a pid");
    ok(ds_ml_parse("domsec-milter[123]: warning: " DECISION, now, &l) == 1 &&
           !l.dated,
       "the milter's stderr: a decision without a time");
}

static void test_values(long long now)
{
    struct ds_ml_line l;
    ok(ds_ml_parse("Dec  3 10:00:00 mx domsec-milter[1]: qid=NOQUEUE "
                   "daemon=Inet connector=\"Partner Inbound\" domain=x.example "
                   "tls=none peer=\"a \\\"b\\\" \\\\ c\\xC3\\xA9\" issuer=- "
                   "result=fail reason=tls-not-started event=11012 "
                   "action=reject reply=\"550 5.7.1 Domain Security: x "
                   "requires mutual TLS (tls-not-started)\" mta=postfix",
                   now, &l) == 1,
       "a refusal line");
    is_str(l.connector, "Partner Inbound", "a quoted value with a space");
    is_str(l.peer, "a \"b\" \\ c\xC3\xA9", "escapes: \\\" \\\\ \\xHH");
    is_str(l.issuer, "", "- stands for nothing");
    is_str(l.action, "reject", "the action after a long reply");
    ok(ds_ml_parse("Dec  3 10:00:00 mx postfix/smtpd[1]: NOQUEUE: qid=X "
                   "result=pass reason=pass",
                   now, &l) == 0,
       "another program's line with the same words: not a decision");
    ok(ds_ml_parse("Dec  3 10:00:00 mx domsec-milter[1]: counters: "
                   "domain-secured=1",
                   now, &l) == 0,
       "the milter's counters line: not a decision");
    ok(ds_ml_parse("Dec  3 10:00:00 mx domsec-milter[1]: xqid=1 result=pass "
                   "reason=pass",
                   now, &l) == 0,
       "qid= inside a word: not a decision");
    ok(ds_ml_parse("", now, &l) == 0, "an empty line");
    ok(ds_ml_parse("Dec 99 10:00:00 mx domsec-milter[1]: qid=1 result=pass "
                   "reason=pass",
                   now, &l) == 1 &&
           !l.dated,
       "a time stamp that does not parse leaves the line undated");
    char big[20000];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    memcpy(big, "domsec-milter[1]: qid=1 result=pass reason=pass peer=", 53);
    ok(ds_ml_parse(big, now, &l) == 1 && strlen(l.peer) == sizeof(l.peer) - 1,
       "an over-long value is cut to its buffer");
}

static void test_year(void)
{
    struct ds_ml_line l;
    long long jan = utc(2027, 1, 2, 12, 0, 0);
    ds_ml_parse("Dec 31 23:00:00 mx domsec-milter[1]: " DECISION, jan, &l);
    ok(l.when == utc(2026, 12, 31, 23, 0, 0),
       "a December line read in January is last year's");
    ds_ml_parse("Jan  2 11:00:00 mx domsec-milter[1]: " DECISION, jan, &l);
    ok(l.when == utc(2027, 1, 2, 11, 0, 0), "a line of today is this year's");
}

static void test_since(void)
{
    long long now = utc(2026, 12, 3, 10, 0, 0), t;
    ok(ds_ml_since_parse("7d", now, &t) == 0 && t == now - 7 * 86400,
       "--since 7d");
    ok(ds_ml_since_parse("12h", now, &t) == 0 && t == now - 12 * 3600,
       "--since 12h");
    ok(ds_ml_since_parse("2026-12-01", now, &t) == 0 &&
           t == utc(2026, 12, 1, 0, 0, 0),
       "--since a date");
    ok(ds_ml_since_parse("yesterday", now, &t) < 0, "--since nonsense");
    ok(ds_ml_since_parse("7w", now, &t) < 0, "--since an unknown unit");
}

static const char *const LINES[] = {
    "Dec  3 09:00:00 mx domsec-milter[1]: qid=A connector=Inet "
    "domain=woodgrovebank.com peer=mail.woodgrovebank.com issuer=CA "
    "result=pass reason=pass action=mark",
    "Dec  3 09:10:00 mx domsec-milter[1]: qid=B connector=Inet "
    "domain=eu.fabrikam.com tls=none result=fail reason=tls-not-started "
    "action=monitor",
    "Dec  3 09:20:00 mx domsec-milter[1]: qid=C connector=Inet "
    "domain=eu.fabrikam.com result=fail reason=certificate-not-verified "
    "action=reject",
    "Dec  3 09:30:00 mx domsec-milter[1]: qid=D connector=Inet "
    "domain=example.net result=none reason=unlisted action=accept",
    "Dec  3 09:40:00 mx domsec-milter[1]: qid=E connector=Internal "
    "domain=woodgrovebank.com result=none reason=not-domain-secure "
    "action=accept",
    "Dec  3 09:50:00 mx domsec-milter[1]: qid=F connector=Inet "
    "domain=gone.example result=fail reason=certificate-subject-mismatch "
    "action=quarantine",
};

static void test_report(void)
{
    const char *path = "test-maillog.conf";
    FILE *fp = fopen(path, "w");
    fprintf(fp, "transport {\n  tls_receive_domain_secure_list = "
                "{ \"woodgrovebank.com\", \".fabrikam.com\", "
                "\"tailspin.example\" }\n}\n");
    fclose(fp);
    struct ds_diag diag = {0};
    struct ds_config *cfg = ds_config_load(path, &diag);
    remove(path);
    if (!ok(cfg != NULL, "configuration loaded"))
        return;
    long long now = utc(2026, 12, 3, 12, 0, 0);
    struct ds_ml_report r;
    struct ds_ml_line l;
    ds_ml_report_init(&r, utc(2026, 12, 3, 9, 5, 0));
    for (size_t i = 0; i < DS_ARRAY_LEN(LINES); i++)
        if (ds_ml_parse(LINES[i], now, &l))
            ds_ml_report_add(&r, cfg, &l);
    ds_ml_parse("domsec-milter[1]: qid=G domain=woodgrovebank.com result=pass "
                "reason=pass",
                now, &l);
    ds_ml_report_add(&r, cfg, &l);
    ds_ml_report_finish(&r, cfg);
    is_int(r.decisions, 5, "--since: five decisions in the window");
    is_int(r.older_skipped, 1, "--since: one older");
    is_int(r.undated_skipped, 1, "--since: the undated one left out");
    is_int(r.others, 1, "an unlisted sender is not a partner");
    is_int(r.n, 4, "three listed partners and one no longer listed");
    is_str(r.v[0].name, "woodgrovebank.com", "list order: first");
    is_int(r.v[0].pass, 0, "woodgrovebank.com: its pass is before --since");
    is_int(r.v[0].not_enforced, 1, "woodgrovebank.com: one not judged");
    is_str(r.v[1].name, ".fabrikam.com", "list order: the .entry second");
    is_int(r.v[1].fail[DS_ML_TLS_NOT_STARTED][DS_ML_MONITORED], 1,
           ".fabrikam.com: a would-be refusal");
    is_int(r.v[1].fail[DS_ML_NOT_VERIFIED][DS_ML_REFUSED], 1,
           ".fabrikam.com: a refusal");
    is_str(r.v[1].domains.v[0].name, "eu.fabrikam.com",
           ".fabrikam.com: the sender domain under it");
    is_str(r.v[2].name, "tailspin.example", "a silent partner is listed");
    is_int(r.v[2].messages, 0, "... with no message");
    is_str(r.v[3].name, "gone.example", "a partner no longer listed: last");
    ok(!r.v[3].listed &&
           r.v[3].fail[DS_ML_SUBJECT_MISMATCH][DS_ML_QUARANTINED] == 1,
       "... with its quarantined message");
    ds_ml_report_free(&r);
    ds_config_free(cfg);
    ds_diag_free(&diag);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    long long now = utc(2026, 12, 3, 12, 0, 0);
    test_forms(now);
    test_values(now);
    test_year();
    test_since();
    test_report();
    return tap_done();
}
