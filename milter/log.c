/*
 * log.c - stderr or syslog, one line per call; value quoting.
 *
 * Must not: use stdio for stderr (its FILE lock would be one more lock
 * shared by every connection) or allocate; the message path builds its
 * lines with ds_append/ds_quote, not printf (a decision line through
 * snprintf cost more instructions than the decision).
 */
#include "dsconfig.h"

#include "log.h"
#include "names.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static bool use_stderr = true;
static const char *log_ident = "domsec-milter";
static atomic_int log_level = DS_LOG_INFO;

void ds_log_open(const char *ident, bool to_stderr, int facility)
{
    log_ident = ident;
    use_stderr = to_stderr;
    if (!to_stderr)
        openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

void ds_log_set_facility(int facility)
{
    if (use_stderr)
        return;
    closelog();
    openlog(log_ident, LOG_PID | LOG_NDELAY, facility);
}

void ds_log_set_level(enum ds_log_level level)
{
    atomic_store(&log_level, (int)level);
}

bool ds_log_enabled(enum ds_log_level level)
{
    return (int)level <= atomic_load_explicit(&log_level, memory_order_relaxed);
}

void ds_log_close(void)
{
    if (!use_stderr)
        closelog();
}

static const char *level_name(enum ds_log_level level)
{
    return ds_name_of(ds_log_level_names, (int)level);
}

static int syslog_priority(enum ds_log_level level)
{
    switch (level) {
    case DS_LOG_ERROR:
        return LOG_ERR;
    case DS_LOG_WARNING:
        return LOG_WARNING;
    case DS_LOG_INFO:
        return LOG_INFO;
    case DS_LOG_DEBUG:
        break;
    }
    return LOG_DEBUG;
}

void ds_log(enum ds_log_level level, const char *fmt, ...)
{
    char line[4096];
    size_t off = 0;
    va_list ap;

    if (!ds_log_enabled(level))
        return;
    if (use_stderr) {
        int n = snprintf(line, sizeof(line), "%s[%ld]: %s: ", log_ident,
                         (long)getpid(), level_name(level));
        off = n > 0 ? (size_t)n : 0;
    }
    va_start(ap, fmt);
    int n = vsnprintf(line + off, sizeof(line) - off - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    off += (size_t)n;
    if (off > sizeof(line) - 2)
        off = sizeof(line) - 2;
    if (!use_stderr) {
        line[off] = '\0';
        syslog(syslog_priority(level), "%s", line);
        return;
    }
    line[off++] = '\n';
    /* One write: lines from different threads never interleave. */
    ssize_t w = write(STDERR_FILENO, line, off);
    (void)w;
}

static bool plain(unsigned char c)
{
    return c > ' ' && c < 0x7f && c != ';' && c != '"' && c != '\\' && c != '=';
}

size_t ds_quote(char *out, size_t size, const char *value)
{
    if (size == 0)
        return 0;
    if (value == NULL)
        value = "-";
    bool quote = value[0] == '\0';
    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        if (!plain(*p))
            quote = true;
    size_t n = 0;
    if (!quote) {
        size_t len = strlen(value);
        if (len >= size)
            len = size - 1;
        memcpy(out, value, len);
        out[len] = '\0';
        return len;
    }
    /* Worst case per byte: 4 ("\xHH"); keep room for "...\"" + NUL. */
    if (size < 8) {
        out[0] = '\0';
        return 0;
    }
    out[n++] = '"';
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        char esc[5];
        size_t elen;
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            elen = 2;
        } else if (*p < ' ' || *p >= 0x7f) {
            static const char hex[] = "0123456789ABCDEF";
            esc[0] = '\\';
            esc[1] = 'x';
            esc[2] = hex[*p >> 4];
            esc[3] = hex[*p & 15];
            elen = 4;
        } else {
            esc[0] = (char)*p;
            elen = 1;
        }
        if (n + elen + 5 > size) {
            memcpy(out + n, "...", 3);
            n += 3;
            break;
        }
        memcpy(out + n, esc, elen);
        n += elen;
    }
    out[n++] = '"';
    out[n] = '\0';
    return n;
}

void ds_append(char *out, size_t size, size_t *off, const char *s)
{
    if (*off >= size)
        return;
    size_t len = strnlen(s, size - *off - 1);
    memcpy(out + *off, s, len);
    *off += len;
    out[*off] = '\0';
}

void ds_log_kv(char *out, size_t size, size_t *off, const char *key,
               const char *value)
{
    if (*off + 1 >= size)
        return;
    /* When " key=" does not fit whole, the line is full. */
    bool fits = (*off ? 1 : 0) + strlen(key) + 1 < size - *off;
    ds_append(out, size, off, *off ? " " : "");
    ds_append(out, size, off, key);
    ds_append(out, size, off, "=");
    if (!fits) {
        *off = size - 1;
        return;
    }
    *off += ds_quote(out + *off, size - *off, value);
}
