/*
 * daemon.c - domsec-milter going into the background (process.h): the
 * double fork with the parent waiting for the start-up status, stdio to
 * /dev/null, the pid file, and the descriptor limit.
 *
 * Must not: exit in the child, or let the parent exit before the child
 * has said how start-up ended.
 */
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"

int ds_daemonise(int *report_fd)
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

void ds_daemon_report(int fd, unsigned char status)
{
    if (fd < 0)
        return;
    ssize_t w = write(fd, &status, 1);
    (void)w;
    close(fd);
}

void ds_daemon_detach_stdio(void)
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

int ds_daemon_pidfile(const char *path)
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

/* libmilter spins on accept() when descriptors run out: give it the
 * hard limit rather than the (often 1024) soft one. */
void ds_daemon_raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            ds_log(DS_LOG_WARNING, "cannot raise the descriptor limit: %s",
                   strerror(errno));
    }
}
