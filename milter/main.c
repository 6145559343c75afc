/*
 * main.c - domsec-milter start-up, socket, privileges, signals, reloads.
 *
 * Order: load the configuration and check the certificate files it names
 * (exit 78 when either is bad; -n stops here),
 * open the milter socket (a stale unix socket is removed only when a
 * connect to it is refused; socket_mode applied; TCP_NODELAY on an inet
 * listener), daemonise unless -f, write the pid file, drop root to
 * milter.user (initgroups, setgid, setuid), load the configuration again
 * as that user (so a reload can read it too: fail now, not at the first
 * SIGHUP), run libmilter in a thread of its own and handle signals here
 * with sigtimedwait(): HUP reloads (the old configuration stays when the
 * new one is bad), USR1 logs the counters, TERM/INT stop (socket and pid
 * file removed). The metrics file is rewritten from this thread.
 *
 * Without milter.user the milter keeps the user it was started as, and
 * warns when that is root (systemd's User= is the better way to run it).
 *
 * Must not: parse in a signal handler, or let libmilter's own signal
 * thread see SIGHUP (it would stop the milter; see sigwait() below).
 */
#include "dsconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "callbacks.h"
#include "certfile.h"
#include "live.h"
#include "log.h"
#include "stats.h"

#ifndef DS_DEFAULT_CONFIG
#define DS_DEFAULT_CONFIG "/etc/domsec/domsec.conf"
#endif
#define METRICS_INTERVAL 5 /* seconds between metrics file rewrites */

struct options {
    const char *config;
    const char *socket;
    const char *pidfile;
    bool foreground;
    bool check_only;
};

static pthread_t main_thread;
static atomic_bool milter_exited;
static atomic_int milter_status;

/* The signals this program handles itself (in run()). */
static const int handled_signals[] = {SIGHUP, SIGTERM, SIGINT, SIGUSR1};

static void handled_set(sigset_t *set)
{
    sigemptyset(set);
    for (size_t i = 0; i < DS_ARRAY_LEN(handled_signals); i++)
        sigaddset(set, handled_signals[i]);
}

/*
 * libmilter's signal thread (started inside smfi_main) calls
 * sigwait({HUP, TERM, INT}) and stops the milter on any of them. A thread
 * in sigwait() takes a pending signal even when it has it blocked, so
 * blocking SIGHUP is not enough to keep it away. This definition shadows
 * the C library's for libmilter, and waits for everything it was asked
 * for except the signals this program handles itself in main(). main()
 * uses sigtimedwait(), never sigwait().
 */
int sigwait(const sigset_t *set, int *sig)
{
    sigset_t s = *set;
    for (size_t i = 0; i < DS_ARRAY_LEN(handled_signals); i++)
        sigdelset(&s, handled_signals[i]);
    for (;;) {
        int r = sigwaitinfo(&s, NULL);
        if (r > 0) {
            *sig = r;
            return 0;
        }
        if (errno != EINTR)
            return errno;
    }
}

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: domsec-milter [-c FILE] [-f] [-n] [-s SOCKET] [-P PIDFILE] "
            "[-V] [-h]\n"
            "  -c FILE     configuration (default %s)\n"
            "  -f          stay in the foreground, log to stderr\n"
            "  -n          check the configuration and exit\n"
            "  -s SOCKET   milter socket, overrides milter.socket\n"
            "              (unix:/path, inet:PORT@HOST, inet6:PORT@HOST)\n"
            "  -P PIDFILE  write the process id to PIDFILE\n"
            "  -V          print the version and exit\n"
            "  -h          this help\n",
            DS_DEFAULT_CONFIG);
}

/* Print or log every diagnostic of a load. */
static void report_diag(const struct ds_diag *d, bool to_log,
                        const char *prefix)
{
    char buf[2048];
    for (size_t i = 0; i < d->n; i++) {
        const struct ds_diag_item *it = &d->v[i];
        ds_diag_format(it, buf, sizeof(buf));
        if (to_log)
            ds_log(it->sev == DS_SEV_ERROR ? DS_LOG_ERROR : DS_LOG_WARNING,
                   "%s%s%s%s%s", prefix, buf, it->hint ? " (hint: " : "",
                   it->hint ? it->hint : "", it->hint ? ")" : "");
        else
            fprintf(stderr, "%s%s%s%s%s\n", prefix, buf,
                    it->hint ? "\n    hint: " : "", it->hint ? it->hint : "",
                    "");
    }
    if (d->nerrors + d->nwarnings > d->n) {
        if (to_log)
            ds_log(DS_LOG_ERROR, "%sout of memory recording diagnostics",
                   prefix);
        else
            fprintf(stderr, "%sout of memory recording diagnostics\n", prefix);
    }
}

/* The one load path (start-up, the load after dropping privileges, and
 * every reload): the configuration, then the certificate files it names
 * (certfile.h; never keys). Either failing fails the load. */
static struct ds_config *load(const char *path, bool to_log, const char *pfx)
{
    struct ds_diag d = {0};
    struct ds_config *c = ds_config_load(path, &d);
    if (c != NULL && ds_certfile_check_config(c, &d) > 0) {
        ds_config_free(c);
        c = NULL;
    }
    report_diag(&d, to_log, pfx);
    ds_diag_free(&d);
    return c;
}

/* ---- the socket ---------------------------------------------------------- */

/* The path of a unix socket spec, or NULL for inet sockets. */
static const char *unix_path(const char *spec)
{
    if (strncmp(spec, "unix:", 5) == 0)
        return spec + 5;
    if (strncmp(spec, "local:", 6) == 0)
        return spec + 6;
    return spec[0] == '/' ? spec : NULL;
}

/* Remove a unix socket left by a dead milter: only when nobody answers. */
static int clear_stale(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISSOCK(st.st_mode)) {
        ds_log(DS_LOG_ERROR,
               "%s exists and is not a socket; not "
               "touching it",
               path);
        return -1;
    }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        ds_log(DS_LOG_ERROR, "socket path too long: %s", path);
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
    int err = errno;
    close(fd);
    if (r == 0) {
        ds_log(DS_LOG_ERROR,
               "%s: another milter is listening there; "
               "stop it first",
               path);
        return -1;
    }
    if (err != ECONNREFUSED) {
        ds_log(DS_LOG_ERROR, "%s: connect: %s; not removing it", path,
               strerror(err));
        return -1;
    }
    if (unlink(path) != 0 && errno != ENOENT) {
        ds_log(DS_LOG_ERROR, "cannot remove stale socket %s: %s", path,
               strerror(errno));
        return -1;
    }
    return 0;
}

/* libmilter keeps its listening descriptor to itself: find it (the only
 * listening socket this process has). Returns it, or -1. */
static int find_listener(void)
{
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536)
        max = 65536;
    for (int fd = 3; fd < max; fd++) {
        int v = 0;
        socklen_t len = sizeof(v);
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v)
            return fd;
    }
    return -1;
}

/* Switch Nagle off on a TCP listener (accepted sockets inherit
 * TCP_NODELAY on Linux), so a header change followed by the final reply
 * is not held for the MTA's delayed ACK. */
static void tcp_nodelay(void)
{
    int fd = find_listener(), one = 1;
    if (fd >= 0 &&
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
        ds_log(DS_LOG_ERROR, "TCP_NODELAY: %s", strerror(errno));
}

/* Connect to our own listener once, so that its poll() returns. */
static void wake_listener(void)
{
    int lfd = find_listener();
    struct sockaddr_storage sa;
    socklen_t len = sizeof(sa);
    if (lfd < 0 || getsockname(lfd, (struct sockaddr *)&sa, &len) != 0)
        return;
    int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    (void)connect(fd, (struct sockaddr *)&sa, len);
    close(fd);
}

static void *stopper(void *arg)
{
    (void)arg;
    smfi_stop();
    return NULL;
}

/* smfi_stop() waits for a mutex libmilter's listener holds while it polls
 * (up to 5 s): call it from a thread of its own and knock on the socket
 * until the listener has let go and stopped. */
static void stop_milter(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, stopper, NULL) != 0) {
        smfi_stop();
        return;
    }
    struct timespec pause = {0, 20 * 1000 * 1000};
    for (int i = 0; i < 250 && !atomic_load(&milter_exited); i++) {
        wake_listener();
        nanosleep(&pause, NULL);
    }
    pthread_join(t, NULL);
}

/* libmilter spins on accept() when descriptors run out: give it the
 * hard limit rather than the (often 1024) soft one. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            ds_log(DS_LOG_WARNING, "cannot raise the descriptor limit: %s",
                   strerror(errno));
    }
}

static int open_socket(const char *spec, mode_t mode, ino_t *ino)
{
    const char *path = unix_path(spec);
    if (path != NULL && clear_stale(path) != 0)
        return -1;
    if (smfi_setconn((char *)spec) != MI_SUCCESS) {
        ds_log(DS_LOG_ERROR, "bad socket \"%s\"", spec);
        return -1;
    }
    mode_t old = umask(0777 & ~mode);
    int r = smfi_opensocket(false);
    umask(old);
    if (r != MI_SUCCESS) {
        ds_log(DS_LOG_ERROR, "cannot open socket %s%s%s", spec,
               errno ? ": " : "", errno ? strerror(errno) : "");
        return -1;
    }
    if (path != NULL) {
        struct stat st;
        if (chmod(path, mode) != 0 || stat(path, &st) != 0) {
            ds_log(DS_LOG_ERROR, "%s: %s", path, strerror(errno));
            return -1;
        }
        *ino = st.st_ino;
    } else {
        tcp_nodelay();
    }
    return 0;
}

/* Remove our unix socket if it is still the one we made. */
static void remove_socket(const char *spec, ino_t ino)
{
    const char *path = unix_path(spec);
    struct stat st;
    if (path != NULL && ino != 0 && lstat(path, &st) == 0 &&
        S_ISSOCK(st.st_mode) && st.st_ino == ino && unlink(path) != 0)
        ds_log(DS_LOG_WARNING, "cannot remove socket %s: %s", path,
               strerror(errno));
}

/* ---- process ----------------------------------------------------------------
 */

/* Fork into the background. The parent waits for the child to report
 * that start-up finished (one status byte on a pipe) and exits with it,
 * so start-up errors still reach the terminal and the exit status. */
static int daemonise(int *report_fd)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid > 0) {
        close(p[1]);
        unsigned char st = 1;
        ssize_t n;
        do
            n = read(p[0], &st, 1);
        while (n < 0 && errno == EINTR);
        _exit(n == 1 ? st : 1);
    }
    close(p[0]);
    if (setsid() < 0)
        return -1;
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid > 0)
        _exit(0);
    if (chdir("/") != 0)
        return -1;
    *report_fd = p[1];
    return 0;
}

static void report_start(int fd, unsigned char status)
{
    if (fd < 0)
        return;
    ssize_t w = write(fd, &status, 1);
    (void)w;
    close(fd);
}

static void detach_stdio(void)
{
    int fd = open("/dev/null", O_RDWR);
    if (fd < 0)
        return;
    dup2(fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    if (fd > STDERR_FILENO)
        close(fd);
}

static int write_pidfile(const char *path)
{
    char buf[32];
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
    ssize_t w = write(fd, buf, (size_t)n);
    if (close(fd) != 0 || w != n)
        return -1;
    return 0;
}

/* Become milter.user. Returns 0, or an exit status. */
static int drop_privileges(const char *user, const char *sockpath)
{
    if (user == NULL) {
        if (geteuid() == 0)
            ds_log(DS_LOG_WARNING,
                   "running as root; set "
                   "milter.user (or systemd's User=) to a user of "
                   "its own");
        return 0;
    }
    struct passwd *pw = getpwnam(user);
    if (pw == NULL) {
        ds_log(DS_LOG_ERROR, "milter.user \"%s\": no such user", user);
        return EX_NOUSER;
    }
    if (geteuid() != 0) {
        if (pw->pw_uid == geteuid())
            return 0;
        ds_log(DS_LOG_ERROR,
               "milter.user is \"%s\" but the milter was "
               "started as uid %ld, not root: cannot switch",
               user, (long)geteuid());
        return EX_NOPERM;
    }
    /* The socket belongs to the user the milter runs as. */
    if (sockpath != NULL && chown(sockpath, pw->pw_uid, pw->pw_gid) != 0) {
        ds_log(DS_LOG_ERROR, "chown %s: %s", sockpath, strerror(errno));
        return EX_OSERR;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        ds_log(DS_LOG_ERROR, "cannot become %s: %s", user, strerror(errno));
        return EX_OSERR;
    }
    if (setuid(0) == 0) {
        ds_log(DS_LOG_ERROR, "still able to regain root after "
                             "dropping privileges; refusing to run");
        return EX_SOFTWARE;
    }
    return 0;
}

/* ---- running ------------------------------------------------------------- */

static void *milter_thread(void *arg)
{
    (void)arg;
    int r = smfi_main();
    atomic_store(&milter_status, r);
    atomic_store(&milter_exited, true);
    pthread_kill(main_thread, SIGTERM);
    return NULL;
}

static void apply_settings(const struct ds_config *cfg)
{
    ds_log_set_level(cfg->milter.log_level);
}

static void reload(const char *path, const struct ds_config *running)
{
    struct ds_config *c = load(path, true, "reload: ");
    if (c == NULL) {
        ds_stats_inc(DS_STAT_RELOAD_FAILURES);
        ds_log(DS_LOG_ERROR,
               "reload of %s failed: keeping the previous "
               "configuration",
               path);
        return;
    }
    if (strcmp(c->milter.socket, running->milter.socket) != 0 ||
        c->milter.socket_mode != running->milter.socket_mode ||
        (c->milter.user == NULL) != (running->milter.user == NULL) ||
        (c->milter.user && strcmp(c->milter.user, running->milter.user)))
        ds_log(DS_LOG_WARNING, "milter.socket, socket_mode and user take "
                               "effect at the next restart");
    if (c->milter.syslog_facility != running->milter.syslog_facility)
        ds_log_set_facility(c->milter.syslog_facility);
    apply_settings(c);
    size_t ndomains = c->receive_list.n, nconn = c->nrecv;
    if (ds_live_install(c) != 0) {
        ds_stats_inc(DS_STAT_RELOAD_FAILURES);
        ds_log(DS_LOG_ERROR, "reload: out of memory; keeping the previous "
                             "configuration");
        return;
    }
    ds_stats_inc(DS_STAT_RELOADS);
    ds_log(DS_LOG_INFO,
           "reloaded configuration from %s: %zu receive domain(s), %zu "
           "receive connector(s)",
           path, ndomains, nconn);
}

static void write_metrics(const struct ds_config *cfg, bool force)
{
    const char *path = cfg ? cfg->milter.metrics_file : NULL;
    if (path == NULL || (!ds_stats_changed() && !force))
        return;
    if (ds_stats_write(path, cfg) != 0)
        ds_log(DS_LOG_WARNING, "cannot write metrics file %s: %s", path,
               strerror(errno));
}

/* The signal loop; returns when the milter should stop. */
static int run(const char *config_path)
{
    sigset_t set;
    handled_set(&set);
    time_t last_metrics = 0;

    for (;;) {
        struct timespec ts = {1, 0};
        int sig = sigtimedwait(&set, NULL, &ts);
        struct ds_live *live = ds_live_acquire();
        time_t now = time(NULL);
        if (now - last_metrics >= METRICS_INTERVAL || sig == SIGUSR1) {
            write_metrics(live ? live->cfg : NULL,
                          last_metrics == 0 || sig == SIGUSR1);
            last_metrics = now;
        }
        if (sig == SIGHUP) {
            ds_log(DS_LOG_INFO, "SIGHUP: reloading %s", config_path);
            reload(config_path, live->cfg);
        } else if (sig == SIGUSR1) {
            ds_stats_log();
        } else if (sig == SIGTERM || sig == SIGINT) {
            ds_live_release(live);
            if (atomic_load(&milter_exited)) {
                bool good = atomic_load(&milter_status) == MI_SUCCESS;
                ds_log(good ? DS_LOG_INFO : DS_LOG_ERROR,
                       "libmilter stopped %s", good ? "" : "with an error");
                return good ? 0 : EX_SOFTWARE;
            }
            ds_log(DS_LOG_INFO, "%s: stopping",
                   sig == SIGTERM ? "SIGTERM" : "SIGINT");
            return 0;
        }
        ds_live_release(live);
    }
}

/* Everything between a good configuration and running: the socket,
 * daemonising, the pid file, privileges, the second load and installing
 * the configuration. Returns 0 (*cfg then belongs to live.c), or an exit
 * status with the socket and pid file removed and the parent told. */
static ino_t sock_ino;
static int report_fd = -1;

static int start_up(const struct options *o, struct ds_config **cfg,
                    const char *spec, const char *user)
{
    if (spec == NULL || ((*cfg)->milter.user != NULL && user == NULL))
        return EX_OSERR;
    ds_log_open("domsec-milter", true, (*cfg)->milter.syslog_facility);
    apply_settings(*cfg);
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();

    if (smfi_register(ds_milter_desc) != MI_SUCCESS) {
        ds_log(DS_LOG_ERROR, "smfi_register failed");
        return EX_SOFTWARE;
    }
    if (open_socket(spec, (*cfg)->milter.socket_mode, &sock_ino) != 0)
        return EX_UNAVAILABLE;

    int rc = 0;
    if (!o->foreground && daemonise(&report_fd) != 0) {
        ds_log(DS_LOG_ERROR, "cannot daemonise: %s", strerror(errno));
        rc = EX_OSERR;
    } else if (o->pidfile && write_pidfile(o->pidfile) != 0) {
        ds_log(DS_LOG_ERROR, "%s: %s", o->pidfile, strerror(errno));
        rc = EX_CANTCREAT;
    } else {
        rc = drop_privileges(user, unix_path(spec));
    }
    if (rc == 0) {
        /* Read it again as the user that will have to reload it. */
        ds_config_free(*cfg);
        *cfg = load(o->config, false, "after dropping privileges: ");
        if (*cfg == NULL) {
            ds_log(DS_LOG_ERROR,
                   "%s must be readable by the milter's user (%s) for "
                   "reloads",
                   o->config, user ? user : "the starting user");
            rc = DS_EXIT_CONFIG;
        }
    }
    if (rc == 0) {
        if (!o->foreground) {
            ds_log_open("domsec-milter", false, (*cfg)->milter.syslog_facility);
            detach_stdio();
        }
        apply_settings(*cfg);
        struct ds_config *c = *cfg;
        *cfg = NULL;
        if (ds_live_install(c) != 0)
            rc = EX_OSERR;
    }
    if (rc != 0) {
        remove_socket(spec, sock_ino);
        if (o->pidfile && rc != EX_CANTCREAT)
            unlink(o->pidfile);
        report_start(report_fd, (unsigned char)rc);
        report_fd = -1;
    }
    return rc;
}

/* -c FILE made absolute (from the working directory, nothing resolved):
 * the milter daemonises into / and reloads the file by this name. */
static char *config_path; /* kept for the life of the process */

/* Returns a malloc'ed string, or NULL when out of memory. */
static char *absolute(const char *path)
{
    char cwd[4096], *r = NULL;
    if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
        return strdup(path);
    return asprintf(&r, "%s/%s", cwd, path) < 0 ? NULL : r;
}

int main(int argc, char **argv)
{
    struct options o = {.config = DS_DEFAULT_CONFIG};
    int ch;
    while ((ch = getopt(argc, argv, "c:fns:P:Vh")) != -1) {
        switch (ch) {
        case 'c':
            free(config_path);
            if ((config_path = absolute(optarg)) == NULL)
                return EX_OSERR;
            o.config = config_path;
            break;
        case 'f':
            o.foreground = true;
            break;
        case 'n':
            o.check_only = true;
            break;
        case 's':
            o.socket = optarg;
            break;
        case 'P':
            o.pidfile = optarg;
            break;
        case 'V':
            printf("domsec-milter %s\n", PACKAGE_VERSION);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return EX_USAGE;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return EX_USAGE;
    }

    struct ds_config *cfg = load(o.config, false, "");
    if (cfg == NULL)
        return DS_EXIT_CONFIG;
    if (o.check_only) {
        printf("%s: configuration OK\n", o.config);
        ds_config_free(cfg);
        return 0;
    }
    /* Copies: cfg is replaced below. */
    char *spec = strdup(o.socket ? o.socket : cfg->milter.socket);
    char *user = cfg->milter.user ? strdup(cfg->milter.user) : NULL;
    int rc = start_up(&o, &cfg, spec, user);
    free(user);
    if (rc != 0) {
        ds_config_free(cfg);
        free(spec);
        return rc;
    }
    sigset_t set;
    handled_set(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    main_thread = pthread_self();
    pthread_t tid;
    if (pthread_create(&tid, NULL, milter_thread, NULL) != 0) {
        ds_log(DS_LOG_ERROR, "cannot start the milter thread");
        remove_socket(spec, sock_ino);
        report_start(report_fd, EX_OSERR);
        ds_live_install(NULL);
        free(spec);
        return EX_OSERR;
    }
    struct ds_live *first = ds_live_acquire();
    ds_log(DS_LOG_INFO,
           "domsec-milter %s listening on %s (%s, %zu receive domain(s))",
           PACKAGE_VERSION, spec, o.config,
           first ? first->cfg->receive_list.n : (size_t)0);
    ds_live_release(first);
    report_start(report_fd, 0);
    report_fd = -1;

    rc = run(o.config);

    stop_milter();
    pthread_join(tid, NULL);
    remove_socket(spec, sock_ino);
    struct ds_live *live = ds_live_acquire();
    if (live != NULL)
        write_metrics(live->cfg, true);
    ds_live_release(live);
    if (o.pidfile && unlink(o.pidfile) != 0)
        ds_log(DS_LOG_WARNING, "cannot remove %s: %s", o.pidfile,
               strerror(errno));
    ds_log(DS_LOG_INFO, "stopped");
    ds_live_install(NULL);
    ds_log_close();
    free(spec);
    return rc;
}
