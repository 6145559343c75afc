/*
 * macros.c - Sendmail's confMILTER_MACROS_* lists from the one declaration
 * of what domsec-milter reads (macros.h).
 *
 * Must not: drop a macro of Sendmail's default list (other milters of the
 * same Sendmail rely on it).
 */
#include "macros.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/* Sendmail 8.17's defaults (cf/m4/cfhead.m4, confMILTER_MACROS_*). */
static const char *const sendmail_default[] = {
    [DS_MACROS_CONNECT] = "j _ {daemon_name} {if_name} {if_addr}",
    [DS_MACROS_HELO] =
        "{tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer}",
    [DS_MACROS_ENVFROM] = ("i {auth_type} {auth_authen} {auth_ssf} "
                           "{auth_author} {mail_mailer} {mail_host} "
                           "{mail_addr}"),
    [DS_MACROS_EOM] = "{msg_id}",
};
static const char *const milter_asks[] = {
    [DS_MACROS_CONNECT] = DS_MACROS_MILTER_CONNECT,
    [DS_MACROS_HELO] = DS_MACROS_MILTER_HELO,
    [DS_MACROS_ENVFROM] = (DS_MACROS_MILTER_ENVFROM),
    [DS_MACROS_EOM] = DS_MACROS_MILTER_EOM,
};

/* Is the macro name (len bytes) a word of the space-separated list? */
static bool in_list(const char *list, const char *name, size_t len)
{
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, " ");
        if (n == len && memcmp(p, name, len) == 0)
            return true;
        p += n;
        p += strspn(p, " ");
    }
    return false;
}

/* Append the words of list (those not in skip) to buf as ", "-separated. */
static void append(char *buf, size_t size, size_t *len, bool *over,
                   const char *list, const char *skip)
{
    for (const char *p = list + strspn(list, " "); *p;) {
        size_t n = strcspn(p, " ");
        if (skip == NULL || !in_list(skip, p, n)) {
            int w = snprintf(buf + *len, *len < size ? size - *len : 0,
                             "%s%.*s", *len ? ", " : "", (int)n, p);
            if (w < 0 || *len + (size_t)w >= size)
                *over = true;
            else
                *len += (size_t)w;
        }
        p += n;
        p += strspn(p, " ");
    }
}

int ds_macros_sendmail(enum ds_macro_stage stage, char *buf, size_t size)
{
    size_t len = 0;
    bool over = size == 0;
    if ((size_t)stage >= DS_ARRAY_LEN(milter_asks))
        return -1;
    if (size > 0)
        buf[0] = '\0';
    append(buf, size, &len, &over, sendmail_default[stage], NULL);
    append(buf, size, &len, &over, milter_asks[stage], sendmail_default[stage]);
    return over ? -1 : (int)len;
}
