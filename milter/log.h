/*
 * log.h - the milter's one logging wrapper: syslog with the configured
 * facility, or stderr in the foreground (-f); and the quoting used for
 * key=value log fields and the mark header's values.
 *
 * Must not: take a lock of its own (stderr lines go out with one write(2);
 * syslog(3) serialises internally), allocate, or block on anything but the
 * log itself.
 */
#ifndef DS_LOG_H
#define DS_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "dsconfig.h"

/* Start logging: to stderr when to_stderr, else syslog(ident, facility). */
void ds_log_open(const char *ident, bool to_stderr, int facility);
/* Switch the syslog facility (after a reload). Called by one thread. */
void ds_log_set_facility(int facility);
void ds_log_set_level(enum ds_log_level level);
bool ds_log_enabled(enum ds_log_level level);
void ds_log_close(void);

/* Log one line (a trailing newline is added for stderr). Long lines are
 * cut at 4000 bytes. */
void ds_log(enum ds_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Write value into out (size bytes, always terminated) so it reads back
 * unambiguously: as it is when it is plain printable ASCII without space,
 * ';', '"', '\' or '='; otherwise in double quotes, with '"' and '\'
 * backslash-escaped and control or non-ASCII bytes as \xHH. NULL and ""
 * come out as "-" / "". Returns the length written (cut values end in
 * "..." inside the quotes).
 */
size_t ds_quote(char *out, size_t size, const char *value);

/* Append s at out + *off (out holds size bytes and stays terminated; what
 * does not fit is cut) and advance *off. */
void ds_append(char *out, size_t size, size_t *off, const char *s);

/* Append " key=value" (value through ds_quote) at out + *off. */
void ds_log_kv(char *out, size_t size, size_t *off, const char *key,
               const char *value);

#endif
