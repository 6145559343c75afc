/*
 * main.c - domsec-milter: the options and the order of start-up.
 *
 * Order: load the configuration and check the certificate files it names
 * (exit 78 when either is bad; -n stops here), open the milter socket
 * (socket.c), daemonise unless -f and write the pid file (daemon.c), drop
 * root to milter.user (privs.c), load the configuration again as that
 * user (reload.c: so a reload can read it too; fail now, not at the first
 * SIGHUP), run libmilter in a thread of its own and handle signals in
 * this one (run.c, signals.c), then remove the socket and the pid file.
 * process.h says which libmilter quirks shaped that layout.
 *
 * Without milter.user the milter keeps the user it was started as, and
 * warns when that is root (systemd's User= is the better way to run it).
 *
 * Must not: parse in a signal handler, or let libmilter's own signal
 * thread see SIGHUP (it would stop the milter; see signals.c).
 */
#include "dsconfig.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "callbacks.h"
#include "live.h"
#include "log.h"
#include "process.h"

#ifndef DS_DEFAULT_CONFIG
#define DS_DEFAULT_CONFIG "/etc/domsec/domsec.conf"
#endif

struct options {
    const char *config; /* absolute: the milter daemonises into / */
    const char *socket;
    const char *pidfile;
    bool foreground;
    bool check_only;
};

/* What start-up made and the way out removes. */
struct started {
    ino_t sock_ino;    /* the unix socket made, 0: none */
    int report_fd;     /* the waiting parent's pipe, -1: none */
};

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

/* Everything between a good configuration and running: the socket,
 * daemonising, the pid file, privileges, the second load and installing
 * the configuration. Returns 0 (*cfg then belongs to live.c), or an exit
 * status with the socket and pid file removed and the parent told. */
static int start_up(const struct options *o, struct ds_config **cfg,
                    const char *spec, const char *user, struct started *s)
{
    if (spec == NULL || ((*cfg)->milter.user != NULL && user == NULL))
        return EX_OSERR;
    ds_log_open("domsec-milter", true, (*cfg)->milter.syslog_facility);
    ds_milter_apply_settings(*cfg);
    signal(SIGPIPE, SIG_IGN);
    ds_daemon_raise_fd_limit();

    if (smfi_register(ds_milter_desc) != MI_SUCCESS) {
        ds_log(DS_LOG_ERROR, "smfi_register failed");
        return EX_SOFTWARE;
    }
    if (ds_socket_open(spec, (*cfg)->milter.socket_mode, &s->sock_ino) != 0)
        return EX_UNAVAILABLE;

    int rc = 0;
    if (!o->foreground && ds_daemonise(&s->report_fd) != 0) {
        ds_log(DS_LOG_ERROR, "cannot daemonise: %s", strerror(errno));
        rc = EX_OSERR;
    } else if (o->pidfile && ds_daemon_pidfile(o->pidfile) != 0) {
        ds_log(DS_LOG_ERROR, "%s: %s", o->pidfile, strerror(errno));
        rc = EX_CANTCREAT;
    } else {
        rc = ds_drop_privileges(user, ds_socket_path(spec));
    }
    if (rc == 0) {
        /* Read it again as the user that will have to reload it. */
        ds_config_free(*cfg);
        *cfg = ds_milter_load(o->config, false, "after dropping privileges: ");
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
            ds_daemon_detach_stdio();
        }
        ds_milter_apply_settings(*cfg);
        struct ds_config *c = *cfg;
        *cfg = NULL;
        if (ds_live_install(c) != 0)
            rc = EX_OSERR;
    }
    if (rc != 0) {
        ds_socket_remove(spec, s->sock_ino);
        if (o->pidfile && rc != EX_CANTCREAT)
            unlink(o->pidfile);
        ds_daemon_report(s->report_fd, (unsigned char)rc);
        s->report_fd = -1;
    }
    return rc;
}

/* -c FILE made absolute (from the working directory, nothing resolved):
 * the milter daemonises into / and reloads the file by this name.
 * Returns a malloc'ed string, or NULL when out of memory. */
static char *absolute(const char *path)
{
    char cwd[4096], *r = NULL;
    if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
        return strdup(path);
    return asprintf(&r, "%s/%s", cwd, path) < 0 ? NULL : r;
}

/* Run until stopped. Returns the exit status. */
static int serve(const struct options *o, const char *spec, struct started *s)
{
    if (ds_run_start() != 0) {
        ds_log(DS_LOG_ERROR, "cannot start the milter thread");
        ds_socket_remove(spec, s->sock_ino);
        ds_daemon_report(s->report_fd, EX_OSERR);
        ds_live_install(NULL);
        return EX_OSERR;
    }
    struct ds_live *first = ds_live_acquire();
    ds_log(DS_LOG_INFO,
           "domsec-milter %s listening on %s (%s, %zu receive domain(s))",
           PACKAGE_VERSION, spec, o->config,
           first ? first->cfg->receive_list.n : (size_t)0);
    ds_live_release(first);
    ds_daemon_report(s->report_fd, 0);
    s->report_fd = -1;

    int rc = ds_run_loop(o->config);

    ds_run_stop();
    ds_socket_remove(spec, s->sock_ino);
    if (o->pidfile && unlink(o->pidfile) != 0)
        ds_log(DS_LOG_WARNING, "cannot remove %s: %s", o->pidfile,
               strerror(errno));
    ds_log(DS_LOG_INFO, "stopped");
    ds_live_install(NULL);
    ds_log_close();
    return rc;
}

int main(int argc, char **argv)
{
    struct options o = {.config = DS_DEFAULT_CONFIG};
    char *config_path = NULL; /* -c made absolute, for the process's life */
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
            free(config_path);
            return 0;
        case 'h':
            usage(stdout);
            free(config_path);
            return 0;
        default:
            usage(stderr);
            free(config_path);
            return EX_USAGE;
        }
    }
    if (optind != argc) {
        usage(stderr);
        free(config_path);
        return EX_USAGE;
    }

    int rc;
    struct ds_config *cfg = ds_milter_load(o.config, false, "");
    if (cfg == NULL) {
        rc = DS_EXIT_CONFIG;
    } else if (o.check_only) {
        printf("%s: configuration OK\n", o.config);
        rc = 0;
    } else {
        /* Copies: cfg is replaced below. */
        char *spec = strdup(o.socket ? o.socket : cfg->milter.socket);
        char *user = cfg->milter.user ? strdup(cfg->milter.user) : NULL;
        struct started s = {.sock_ino = 0, .report_fd = -1};
        rc = start_up(&o, &cfg, spec, user, &s);
        free(user);
        if (rc == 0)
            rc = serve(&o, spec, &s);
        free(spec);
    }
    ds_config_free(cfg);
    free(config_path);
    return rc;
}
