/*
 * postconf.h - running Postfix's own commands (postconf, postfix, postmap,
 * diff) and reading what they print: the one place `domsec-policy apply`
 * learns about a live Postfix configuration, so that Postfix parses its
 * own files (main.cf values, master.cf entries) and nothing here does.
 *
 * Must not: edit any file itself (apply.c decides, postconf edits), print,
 * or exit.
 */
#ifndef DS_POSTCONF_H
#define DS_POSTCONF_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/*
 * Run argv (argv[0] from PATH, else from /usr/sbin) and wait: its stdout
 * into out, its stderr into err (either NULL: discarded). Returns the exit
 * status, 127 when the program was not found, -1 when it could not run.
 */
int ds_postconf_run(const char *const argv[], struct ds_buf *out,
                    struct ds_buf *err);

/*
 * `postconf -c DIR FLAGS NAME` (FLAGS such as "-h", "-hx", "-n"), its
 * output without the final newline into out (size bytes). Returns the exit
 * status; the first line of stderr goes to why (whysize bytes) on failure.
 */
int ds_postconf_get(const char *dir, const char *flags, const char *name,
                    char *out, size_t size, char *why, size_t whysize);

/* The top-level items of a Postfix list value ("a, b {c, d} e"): split
 * at spaces and commas outside braces, each item verbatim (a braced item
 * with its braces). Returns 0, or -1 when out of memory. */
int ds_postconf_split(const char *list, struct ds_strlist *items);

/* The endpoint of a list item: "unix:x" for "unix:x" and for
 * "{ unix:x, default_action=accept }". Written into out. */
void ds_postconf_endpoint(const char *item, char *out, size_t size);

/* A master.cf entry as `postconf -F` and `postconf -P` print it. */
struct ds_pf_service {
    char *key;                /* "smtp/inet" */
    char *name;               /* "smtp", "127.0.0.1:2525", "[::1]:25" */
    char *type;               /* "inet", "unix", "pass", ... */
    char *chroot;             /* "y", "n" or "-" */
    char *command;            /* "smtpd", with its arguments */
    struct ds_strlist params; /* "name=value" of each -o */
};

struct ds_pf_master {
    struct ds_pf_service *v;
    size_t n;
};

/* Every entry of DIR/master.cf (postconf -c DIR -F, then -P). Returns 0,
 * or -1 with the reason in why. Free with ds_postconf_master_free. */
int ds_postconf_master(const char *dir, struct ds_pf_master *m, char *why,
                       size_t whysize);
void ds_postconf_master_free(struct ds_pf_master *m);

/* The value of the entry's -o NAME, or NULL when it has none. */
const char *ds_postconf_service_param(const struct ds_pf_service *s,
                                      const char *name);

/* Does the entry run chrooted? "-" is the default of master(5): yes
 * below compatibility_level 1, no from 1 on. */
bool ds_postconf_chrooted(const struct ds_pf_service *s, int compat_level);

/* The address and port an inet entry listens on: host "" for every
 * address of inet_interfaces (a bare service name or port), else the
 * address without brackets; port numeric or from /etc/services. Returns
 * 0, or -1 when the port cannot be resolved. */
int ds_postconf_inet_addr(const char *name, char *host, size_t hostsize,
                          int *port);

#endif
