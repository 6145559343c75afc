/*
 * process.h - the process around the milter callbacks: the listening
 * socket (socket.c), daemonising and the pid file (daemon.c), dropping
 * root (privs.c), the signals this program keeps from libmilter
 * (signals.c), loading and reloading the configuration (reload.c), and
 * the thread layout that runs libmilter (run.c). main.c reads the options
 * and calls these in order.
 *
 * libmilter's quirks that shape these files (doc/mta-notes.md, libmilter):
 *   - smfi_main() starts a signal thread of its own that calls
 *     sigwait({HUP, TERM, INT}) and stops the milter on any of them, even
 *     when blocked: signals.c defines sigwait() for the whole process so
 *     that thread never sees the signals handled here;
 *   - libmilter keeps its listening descriptor to itself: socket.c finds
 *     it by scanning descriptors for the one with SO_ACCEPTCONN (to set
 *     TCP_NODELAY, and to knock on it);
 *   - smfi_stop() waits for a mutex the listener holds while in poll()
 *     (up to 5 s): run.c calls it from a thread of its own and knocks on
 *     the socket (connects once) until the listener lets go.
 *
 * Must not: be included by the callbacks (callbacks.c knows nothing of the
 * process it runs in).
 */
#ifndef DS_PROCESS_H
#define DS_PROCESS_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "dsconfig.h"

/* ---- socket.c ----------------------------------------------------------- */

/* The path of a unix socket spec (unix:/path, local:/path or /path), or
 * NULL for inet sockets. */
const char *ds_socket_path(const char *spec);

/* Register spec with libmilter and open it now, as root: a stale unix
 * socket is removed first (only when a connect to it is refused), the
 * mode applied, *ino set to the new socket's inode (0 for inet); an inet
 * listener gets TCP_NODELAY. Returns 0, or -1 (logged). */
int ds_socket_open(const char *spec, mode_t mode, ino_t *ino);

/* Remove the unix socket if it is still the one with inode ino. */
void ds_socket_remove(const char *spec, ino_t ino);

/* Connect to our own listener once, so that its poll() returns. */
void ds_socket_knock(void);

/* ---- daemon.c ----------------------------------------------------------- */

/* Fork into the background. The parent stays until the child reports
 * how start-up ended (ds_daemon_report) and exits with that status, so
 * start-up errors reach the terminal. Returns 0 in the child (*report_fd
 * set), or -1. */
int ds_daemonise(int *report_fd);
/* Tell the waiting parent the start-up status (no-op when fd < 0). */
void ds_daemon_report(int fd, unsigned char status);
/* stdin, stdout and stderr to /dev/null. */
void ds_daemon_detach_stdio(void);
/* Write getpid() to path. Returns 0 or -1 (errno). */
int ds_daemon_pidfile(const char *path);
/* Raise RLIMIT_NOFILE's soft limit to the hard one. */
void ds_daemon_raise_fd_limit(void);

/* ---- privs.c ------------------------------------------------------------ */

/* Become `user` (initgroups, setgid, setuid; sockpath chowned to it
 * first), checking root cannot be regained. NULL user: stay, warn when
 * root. Returns 0, or an exit status (logged). */
int ds_drop_privileges(const char *user, const char *sockpath);

/* ---- signals.c ---------------------------------------------------------- */

/* The signals this program handles itself: HUP, TERM, INT, USR1. */
void ds_signals_handled(sigset_t *set);

/* ---- reload.c ----------------------------------------------------------- */

/* The one load path (start-up, the load after dropping privileges, and
 * every reload): the configuration, then the certificate files it names
 * (never keys). Diagnostics go to the log when to_log, else to stderr,
 * each prefixed with pfx. Returns the configuration, or NULL. */
struct ds_config *ds_milter_load(const char *path, bool to_log,
                                 const char *pfx);

/* The settings that take effect at once (the log level). */
void ds_milter_apply_settings(const struct ds_config *cfg);

/* SIGHUP: load path and install it; the running one stays when the new
 * one is bad. */
void ds_milter_reload(const char *path, const struct ds_config *running);

/* ---- run.c -------------------------------------------------------------- */

/* Start libmilter in a thread of its own (the handled signals blocked in
 * every thread first). Returns 0, or -1. */
int ds_run_start(void);

/* The signal loop: HUP reloads config_path, USR1 logs the counters,
 * TERM/INT (or libmilter stopping) return; the metrics file is rewritten
 * every few seconds. Returns the exit status. */
int ds_run_loop(const char *config_path);

/* Stop libmilter, wait for its thread, and write the metrics a last time. */
void ds_run_stop(void);

#endif
