/*
 * test-diag.c - the finding codes: one name and one severity each, parsed
 * back from the name, and documented: every code with its severity in
 * domsec-policy(8)'s FINDINGS and in README.md's list (so the table the
 * programs use and the one people read cannot drift apart). Also the
 * shell quoting of names in hints, and the values the configuration
 * layer parses once (smart hosts, bindings, paths).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsconfig.h"
#include "diag.h"
#include "tap.h"

/* The whole of a file under top_srcdir (malloc'ed; NULL when missing). */
static char *slurp(const char *name)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s",
             getenv("top_srcdir") ? getenv("top_srcdir") : ".", name);
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *s = malloc(cap + 1);
    if (s)
        n = fread(s, 1, cap, fp);
    fclose(fp);
    if (s)
        s[n] = '\0';
    return s;
}

/* "no-route" as the man page writes it: "no\-route". */
static void troff(const char *name, char *out, size_t size)
{
    size_t n = 0;
    for (; *name && n + 3 < size; name++) {
        if (*name == '-')
            out[n++] = '\\';
        out[n++] = *name;
    }
    out[n] = '\0';
}

static void test_table(void)
{
    int named = 0, unique = 1, round = 1;
    for (int i = 0; i < DS_CODE_COUNT; i++) {
        const char *n = ds_code_name((enum ds_code)i);
        enum ds_code back;
        named +=
            n != NULL && strcmp(n, "other") != (i == DS_CODE_OTHER ? 1 : 0);
        round &= ds_code_parse(n, &back) && back == (enum ds_code)i;
        for (int j = 0; j < i; j++)
            unique &= strcmp(n, ds_code_name((enum ds_code)j)) != 0;
    }
    is_int(named, DS_CODE_COUNT, "every code has a name of its own");
    ok(unique, "no two codes share a name");
    ok(round, "every name parses back to its code");
    enum ds_code c;
    ok(!ds_code_parse("no-such-code", &c), "an unknown name does not parse");
    ok(ds_code_sev(DS_CODE_INVALID_SMART_HOST) == DS_SEV_ERROR &&
           ds_code_sev(DS_CODE_PARTNER_CAS_PUBLIC) == DS_SEV_WARNING,
       "severities come from the table");
}

static void test_documented(void)
{
    char *man = slurp("policy/domsec-policy.8");
    char *readme = slurp("README.md");
    char want[200], name[100];
    int in_man = 1, in_readme = 1;
    ok(man != NULL && readme != NULL, "domsec-policy.8 and README.md read");
    if (man == NULL || readme == NULL)
        goto out;
    const char *errors = strstr(readme, "* **errors**: ");
    const char *warnings = strstr(readme, "* **warnings**: ");
    const char *end = warnings ? strchr(warnings, '\n') : NULL;
    for (int i = 0; i < DS_CODE_COUNT; i++) {
        const char *n = ds_code_name((enum ds_code)i);
        bool err = ds_code_sev((enum ds_code)i) == DS_SEV_ERROR;
        troff(n, name, sizeof(name));
        snprintf(want, sizeof(want), "\n.BR %s \" (%s)\"\n", name,
                 i == DS_CODE_OTHER ? "error or warning"
                 : err              ? "error"
                                    : "warning");
        if (!strstr(man, want)) {
            in_man = 0;
            tap_diag("domsec-policy.8 lacks: %s", want + 1);
        }
        if (i == DS_CODE_OTHER)
            continue;
        /* in its severity's list: errors before warnings */
        snprintf(want, sizeof(want), "`%s`", n);
        const char *at = strstr(readme, want);
        bool placed =
            at && errors && warnings && end &&
            (err ? at > errors && at < warnings : at > warnings && at < end);
        if (!placed) {
            in_readme = 0;
            tap_diag("README.md: %s is not in the %s list", n,
                     err ? "errors" : "warnings");
        }
    }
    ok(in_man, "domsec-policy(8) FINDINGS: every code with its severity");
    ok(in_readme, "README.md: every code in the list of its severity");
out:
    free(man);
    free(readme);
}

static void test_quote(void)
{
    char b[100];
    is_str(ds_shell_quote("Inet", b, sizeof(b)), "Inet", "a plain name as is");
    is_str(ds_shell_quote("Default Frontend", b, sizeof(b)),
           "'Default Frontend'", "a name with a space in quotes");
    is_str(ds_shell_quote("it's", b, sizeof(b)), "'it'\\''s'",
           "a quote inside: '\\''");
    is_str(ds_shell_quote("", b, sizeof(b)), "''", "an empty name: ''");
}

/* ---- the values the configuration layer parses -------------------------- */

static void test_smart_hosts(void)
{
    static const struct {
        const char *in, *hop; /* hop NULL: refused */
    } t[] = {
        {"relay.example.net", "[relay.example.net]:25"},
        {"Relay.Example.NET.", "[relay.example.net]:25"},
        {"relay.example.net:587", "[relay.example.net]:587"},
        {"[relay.example.net]:587", "[relay.example.net]:587"},
        {"[relay.example.net]", "[relay.example.net]:25"},
        {"relay", "[relay]:25"},
        {"192.0.2.25", "[192.0.2.25]:25"},
        {"192.0.2.25:2525", "[192.0.2.25]:2525"},
        {"[192.0.2.25]", "[192.0.2.25]:25"},
        {"[192.0.2.25]:2525", "[192.0.2.25]:2525"},
        {"[ipv6:2001:db8::1]", "[ipv6:2001:db8::1]:25"},
        {"[IPv6:2001:DB8:0:0::1]:2525", "[ipv6:2001:db8::1]:2525"},
        {"[2001:db8::1]:26", "[ipv6:2001:db8::1]:26"},
        {"2001:db8::1", "[ipv6:2001:db8::1]:25"},
        {"relais.b\xc3\xbc"
         "cher.example",
         "[relais.xn--bcher-kva.example]:25"},
        {"[[192.0.2.25]:2525]", NULL},
        {"[192.0.2.25:2525", NULL},
        {"relay.example.net:", NULL},
        {"relay.example.net:0", NULL},
        {"relay.example.net:65536", NULL},
        {"relay.example.net:25:26", NULL},
        {"[relay.example.net]x", NULL},
        {"relay example.net", NULL},
        {"[ipv6:192.0.2.25]", NULL},
        {"1.2.3", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < DS_ARRAY_LEN(t); i++) {
        struct ds_smarthost h;
        char host[DS_DOMAIN_MAX + 2], hop[300];
        const char *why = NULL;
        int r =
            ds_config_parse_smarthost(t[i].in, &h, host, sizeof(host), &why);
        if (r == 0 && h.port == 0)
            h.port = 25; /* config.c gives the connector's port */
        if (t[i].hop)
            is_str(r == 0 ? ds_smarthost_nexthop(&h, hop, sizeof(hop)) : why,
                   t[i].hop, "smart host \"%s\" -> %s", t[i].in, t[i].hop);
        else
            ok(r < 0 && why != NULL, "smart host \"%s\" refused (%s)", t[i].in,
               why ? why : "-");
    }
}

static void test_bindings(void)
{
    static const struct {
        const char *in;
        const char *addr;
        int port;
    } t[] = {
        {"0.0.0.0:25", "0.0.0.0", 25},
        {"127.0.0.1:2525", "127.0.0.1", 2525},
        {"[::]:25", "::", 25},
        {"[::1]:587", "::1", 587},
        {"[2001:DB8::0:1]:25", "2001:db8::1", 25},
        {"not-an-address", NULL, 0},
        {"localhost:25", NULL, 0},
        {"127.0.0.1", NULL, 0},
        {"127.0.0.1:0", NULL, 0},
        {"127.0.0.1:25x", NULL, 0},
        {"::1:25", NULL, 0},
    };
    for (size_t i = 0; i < DS_ARRAY_LEN(t); i++) {
        struct ds_binding b;
        int r = ds_config_parse_binding(t[i].in, &b);
        if (t[i].addr)
            ok(r == 0 && strcmp(b.addr, t[i].addr) == 0 && b.port == t[i].port,
               "binding \"%s\" -> %s port %d", t[i].in, t[i].addr, t[i].port);
        else
            ok(r < 0, "binding \"%s\" refused", t[i].in);
    }
}

static void test_paths(void)
{
    char cwd[PATH_MAX], want[PATH_MAX + 64];
    char dir[] = "/tmp/ds-test-diag-XXXXXX";
    if (getcwd(cwd, sizeof(cwd)) == NULL || mkdtemp(dir) == NULL) {
        ok(0, "a directory to work in");
        return;
    }
    char sub[PATH_MAX];
    snprintf(sub, sizeof(sub), "%s/etc", dir);
    mkdir(sub, 0755);
    snprintf(sub, sizeof(sub), "%s/pki", dir);
    mkdir(sub, 0755);
    if (chdir(dir) != 0) {
        ok(0, "chdir");
        return;
    }
    char *p = ds_config_path_abs("etc/domsec.conf", "../pki/mail.key");
    char *real = realpath(dir, NULL);
    snprintf(want, sizeof(want), "%s/pki/mail.key", real ? real : dir);
    is_str(p, want,
           "relative -c etc/domsec.conf, ../pki/mail.key: absolute "
           "and canonical");
    free(p);
    p = ds_config_path_abs(NULL, "./pki//mail.pem");
    snprintf(want, sizeof(want), "%s/pki/mail.pem", real ? real : dir);
    is_str(p, want, "./pki//mail.pem from the working directory");
    free(p);
    p = ds_config_path_abs("/etc/domsec/domsec.conf",
                           "/nonexistent/a/../b/./c.pem");
    is_str(p, "/nonexistent/b/c.pem",
           "a directory that does not exist: made canonical by its text");
    free(p);
    free(real);
    if (chdir(cwd) != 0)
        ok(0, "chdir back");
    snprintf(want, sizeof(want), "rm -rf '%s'", dir);
    if (system(want) != 0)
        tap_diag("could not remove %s", dir);
}

int main(void)
{
    test_table();
    test_documented();
    test_quote();
    test_smart_hosts();
    test_bindings();
    test_paths();
    return tap_done();
}
