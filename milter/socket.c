/*
 * socket.c - domsec-milter's listening socket (process.h): opened through
 * libmilter before daemonising, a stale unix socket removed only when
 * nobody answers on it, TCP_NODELAY on an inet listener, and the knock
 * that wakes libmilter's listener when stopping.
 *
 * libmilter keeps its listening descriptor to itself: find_listener()
 * finds it as the only socket of this process with SO_ACCEPTCONN.
 *
 * Must not: remove a socket another milter answers on, or a file that is
 * not a socket.
 */
#include "process.h"

#include <errno.h>
#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

const char *ds_socket_path(const char *spec)
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
        ds_log(DS_LOG_ERROR, "%s exists and is not a socket; not touching it",
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
               "%s: another milter is listening there; stop it first", path);
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

/* libmilter's listening descriptor: the only listening socket this
 * process has. Returns it, or -1. */
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

void ds_socket_knock(void)
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

int ds_socket_open(const char *spec, mode_t mode, ino_t *ino)
{
    const char *path = ds_socket_path(spec);
    *ino = 0;
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

void ds_socket_remove(const char *spec, ino_t ino)
{
    const char *path = ds_socket_path(spec);
    struct stat st;
    if (path != NULL && ino != 0 && lstat(path, &st) == 0 &&
        S_ISSOCK(st.st_mode) && st.st_ino == ino && unlink(path) != 0)
        ds_log(DS_LOG_WARNING, "cannot remove socket %s: %s", path,
               strerror(errno));
}
