/*
 * test-names.c - the name tables (names.h, decision.h): every code of each
 * enumeration has exactly one name, the name reads back to its code
 * (without case), and the words are those the contracts use.
 */
#include <stdio.h>
#include <string.h>

#include "decision.h"
#include "names.h"
#include "tap.h"

/* codes 0..last each named once, and back */
static void whole(const char *what, const struct ds_name_code *t, int last)
{
    int named = 0, back = 0, extra = 0;
    for (int c = 0; c <= last; c++) {
        const char *n = ds_name_of(t, c);
        if (strcmp(n, "?") != 0)
            named++;
        if (ds_name_to_code(t, n, -1) == c)
            back++;
        char upper[64];
        snprintf(upper, sizeof(upper), "%s", n);
        for (char *p = upper; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 'a' + 'A');
        if (ds_name_to_code(t, upper, -1) != c)
            back--;
    }
    for (const struct ds_name_code *e = t; e->name; e++)
        if (e->code < 0 || e->code > last)
            extra++;
    ok(named == last + 1, "%s: every code has a name", what);
    ok(back == last + 1, "%s: every name reads back, in any case", what);
    ok(extra == 0, "%s: no name for a code outside the enumeration", what);
    ok(strcmp(ds_name_of(t, last + 1), "?") == 0 &&
           ds_name_to_code(t, "no-such-word", -7) == -7,
       "%s: unknown code \"?\", unknown name the default", what);
}

int main(void)
{
    whole("action", ds_action_names, DS_ACTION_QUARANTINE);
    whole("mode", ds_mode_names, DS_MODE_MONITOR);
    whole("peer_match", ds_peer_match_names, DS_PEER_SUBDOMAIN);
    whole("mta", ds_mta_names, DS_MTA_SENDMAIL);
    whole("log_level", ds_log_level_names, DS_LOG_DEBUG);
    whole("selection_rules", ds_rules_names, DS_RULES_2007);
    whole("severity", ds_sev_names, DS_SEV_WARNING);
    whole("result", ds_result_names, DS_RESULT_COUNT - 1);
    whole("reason", ds_reason_names, DS_REASON_COUNT - 1);
    whole("logged action", ds_logged_action_names, DS_LOGGED_QUARANTINE);

    /* the words of the contracts (doc/design.md) */
    is_str(ds_reason_name(DS_REASON_SUBJECT_MISMATCH),
           "certificate-subject-mismatch", "reason: the log's word");
    is_str(ds_result_name(DS_RESULT_FAIL), "fail", "result: fail");
    is_str(ds_name_of(ds_logged_action_names, DS_LOGGED_MONITOR), "monitor",
           "logged action: monitor");
    is_str(ds_rules_name(DS_RULES_2007), "2007", "selection rules: 2007");
    is_str(ds_sev_name(DS_SEV_ERROR), "error", "severity: error");
    char buf[64];
    is_str(ds_names_list(ds_mode_names, buf, sizeof(buf)), "enforce, monitor",
           "the list for a hint");
    is_str(ds_names_list(ds_mta_names, buf, 9), "auto, po",
           "a list cut to its buffer");
    return tap_done();
}
