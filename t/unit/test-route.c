/*
 * test-route.c - SMTP address spaces against tls_send_domain_secure_list
 * entries, and which send connector carries a domain (what lint and the
 * renderers route by); the milter macro lists render sendmail writes.
 */
#include <stdio.h>
#include <string.h>

#include "macros.h"
#include "route.h"
#include "tap.h"

static void test_covers(void)
{
    ok(ds_route_covers("*", "woodgrovebank.com") == 0, "* covers a domain");
    ok(ds_route_covers("*", ".woodgrovebank.com") == 0,
       "* covers every name under a domain");
    ok(ds_route_covers("woodgrovebank.com", "woodgrovebank.com") > 0,
       "an exact space covers its domain");
    ok(ds_route_covers("woodgrovebank.com", "mail.woodgrovebank.com") < 0,
       "an exact space does not cover a name under it");
    ok(ds_route_covers("woodgrovebank.com", ".woodgrovebank.com") < 0,
       "an exact space does not cover every name under it");
    ok(ds_route_covers("*.woodgrovebank.com", "woodgrovebank.com") > 0,
       "*.d covers d itself (Exchange: include subdomains)");
    ok(ds_route_covers("*.woodgrovebank.com", "a.b.woodgrovebank.com") > 0,
       "*.d covers names under d at any depth");
    ok(ds_route_covers("*.woodgrovebank.com", ".woodgrovebank.com") > 0,
       "*.d covers the entry .d");
    ok(ds_route_covers("*.com", ".woodgrovebank.com") > 0,
       "*.parent covers .d");
    ok(ds_route_covers("*.woodgrovebank.com", "evilwoodgrovebank.com") < 0,
       "*.d stops at a label boundary");
    ok(ds_route_covers("*.bank.com", ".woodgrovebank.com") < 0,
       "*.bank.com does not cover .woodgrovebank.com");
    ok(ds_route_covers("woodgrovebank.com", "woodgrovebank.com") >
           ds_route_covers("*.woodgrovebank.com", "woodgrovebank.com"),
       "an exact space is more specific than a wildcard of the same name");
    ok(ds_route_covers("*.a.example", "x.a.example") >
           ds_route_covers("*.example", "x.a.example"),
       "more labels are more specific");
}

static void test_find(void)
{
    const char *star[] = {"*"}, *wg[] = {"*.woodgrovebank.com"},
               *exact[] = {"woodgrovebank.com"};
    struct ds_send_connector s[3];
    memset(s, 0, sizeof(s));
    s[0].name = "Internet";
    s[0].address_spaces = (struct ds_strlist){.n = 1, .v = star};
    s[0].domain_secure = true;
    s[1].name = "Partners";
    s[1].address_spaces = (struct ds_strlist){.n = 1, .v = wg};
    s[1].domain_secure = true;
    s[2].name = "Plain";
    s[2].address_spaces = (struct ds_strlist){.n = 1, .v = exact};
    struct ds_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.send = s;
    cfg.nsend = 3;
    const struct ds_send_connector *r;
    r = ds_route_find(&cfg, "woodgrovebank.com", false);
    is_str(r ? r->name : NULL, "Plain", "the most specific space wins");
    r = ds_route_find(&cfg, "woodgrovebank.com", true);
    is_str(r ? r->name : NULL, "Partners",
           "... among domain-secure connectors");
    r = ds_route_find(&cfg, "fabrikam.com", true);
    is_str(r ? r->name : NULL, "Internet", "* for everything else");
    s[0].domain_secure = false;
    r = ds_route_find(&cfg, "fabrikam.com", true);
    ok(r == NULL, "no domain-secure connector covers it: NULL");
}

/* Every macro the milter asks for at a stage is in Sendmail's list for
 * it, after Sendmail's own defaults, each once. */
static void test_macros(void)
{
    static const char *const asks[] = {
        DS_MACROS_MILTER_CONNECT, DS_MACROS_MILTER_HELO,
        DS_MACROS_MILTER_ENVFROM, DS_MACROS_MILTER_EOM};
    char buf[512], word[64];
    for (int st = DS_MACROS_CONNECT; st <= DS_MACROS_EOM; st++) {
        ok(ds_macros_sendmail((enum ds_macro_stage)st, buf, sizeof(buf)) > 0,
           "stage %d: a Sendmail list", st);
        for (const char *p = asks[st]; sscanf(p, "%63s", word) == 1;
             p = strstr(p, word) + strlen(word)) {
            char item[80];
            snprintf(item, sizeof(item), ", %s,", word);
            char padded[520];
            snprintf(padded, sizeof(padded), ", %s,", buf);
            const char *at = strstr(padded, item);
            ok(at != NULL && strstr(at + 1, item) == NULL,
               "stage %d: the milter's %s is in Sendmail's list once", st,
               word);
        }
    }
    ds_macros_sendmail(DS_MACROS_EOM, buf, sizeof(buf));
    is_str(buf, "{msg_id}, i", "end of message: Sendmail's {msg_id}, then i");
    ds_macros_sendmail(DS_MACROS_CONNECT, buf, sizeof(buf));
    is_str(buf, "j, _, {daemon_name}, {if_name}, {if_addr}, v",
           "connect: Sendmail's defaults, then v");
    ok(ds_macros_sendmail(DS_MACROS_ENVFROM, buf, 20) == -1,
       "a list that does not fit: -1");
}

int main(void)
{
    test_covers();
    test_find();
    test_macros();
    return tap_done();
}
