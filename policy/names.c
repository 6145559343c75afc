/*
 * names.c - the name tables of names.h and their two lookups.
 *
 * Must not: spell a word anywhere but here (decision.h's tables too)
 * (t/unit/test-names checks that every code of each enumeration has a name and
 * that it reads back).
 */
#include "decision.h"
#include "names.h"

#include <stdio.h>

#include "util.h"

const struct ds_name_code ds_action_names[] = {
    {"reject", DS_ACTION_REJECT},
    {"tempfail", DS_ACTION_TEMPFAIL},
    {"quarantine", DS_ACTION_QUARANTINE},
    {NULL, 0},
};
const struct ds_name_code ds_mode_names[] = {
    {"enforce", DS_MODE_ENFORCE},
    {"monitor", DS_MODE_MONITOR},
    {NULL, 0},
};
const struct ds_name_code ds_peer_match_names[] = {
    {"domain", DS_PEER_DOMAIN},
    {"subdomain", DS_PEER_SUBDOMAIN},
    {NULL, 0},
};
const struct ds_name_code ds_mta_names[] = {
    {"auto", DS_MTA_AUTO},
    {"postfix", DS_MTA_POSTFIX},
    {"sendmail", DS_MTA_SENDMAIL},
    {NULL, 0},
};
const struct ds_name_code ds_log_level_names[] = {
    {"error", DS_LOG_ERROR},
    {"warning", DS_LOG_WARNING},
    {"info", DS_LOG_INFO},
    {"debug", DS_LOG_DEBUG},
    {NULL, 0},
};
const struct ds_name_code ds_rules_names[] = {
    {"2016", DS_RULES_2016},
    {"2007", DS_RULES_2007},
    {NULL, 0},
};
const struct ds_name_code ds_sev_names[] = {
    {"error", DS_SEV_ERROR},
    {"warning", DS_SEV_WARNING},
    {NULL, 0},
};
const struct ds_name_code ds_result_names[] = {
    {"none", DS_RESULT_NONE},
    {"pass", DS_RESULT_PASS},
    {"fail", DS_RESULT_FAIL},
    {NULL, 0},
};
const struct ds_name_code ds_reason_names[] = {
    {"not-domain-secure", DS_REASON_NOT_DOMAIN_SECURE},
    {"null-sender", DS_REASON_NULL_SENDER},
    {"bad-sender-domain", DS_REASON_BAD_SENDER},
    {"unlisted", DS_REASON_UNLISTED},
    {"tls-not-started", DS_REASON_TLS_NOT_STARTED},
    {"certificate-not-verified", DS_REASON_NOT_VERIFIED},
    {"certificate-subject-mismatch", DS_REASON_SUBJECT_MISMATCH},
    {"pass", DS_REASON_PASS},
    {NULL, 0},
};
const struct ds_name_code ds_logged_action_names[] = {
    {"accept", DS_LOGGED_ACCEPT},
    {"mark", DS_LOGGED_MARK},
    {"monitor", DS_LOGGED_MONITOR},
    {"reject", DS_LOGGED_REJECT},
    {"tempfail", DS_LOGGED_TEMPFAIL},
    {"quarantine", DS_LOGGED_QUARANTINE},
    {NULL, 0},
};

int ds_name_to_code(const struct ds_name_code *t, const char *name, int dflt)
{
    for (; name && t->name; t++)
        if (ds_strcasecmp(t->name, name) == 0)
            return t->code;
    return dflt;
}

const char *ds_name_of(const struct ds_name_code *t, int code)
{
    for (; t->name; t++)
        if (t->code == code)
            return t->name;
    return "?";
}

const char *ds_names_list(const struct ds_name_code *t, char *buf, size_t size)
{
    size_t off = 0;
    if (size > 0)
        buf[0] = '\0';
    for (const struct ds_name_code *e = t; e->name && off < size; e++) {
        int n = snprintf(buf + off, size - off, "%s%s", e == t ? "" : ", ",
                         e->name);
        if (n < 0)
            break;
        off += (size_t)n;
    }
    return buf;
}

const char *ds_result_name(enum ds_result r)
{
    return ds_name_of(ds_result_names, (int)r);
}

const char *ds_reason_name(enum ds_reason r)
{
    return ds_name_of(ds_reason_names, (int)r);
}

const char *ds_rules_name(enum ds_rules r)
{
    return ds_name_of(ds_rules_names, (int)r);
}

const char *ds_sev_name(enum ds_sev s)
{
    return ds_name_of(ds_sev_names, (int)s);
}
