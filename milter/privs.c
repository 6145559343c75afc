/*
 * privs.c - domsec-milter dropping root for milter.user (process.h):
 * the unix socket handed to that user, initgroups, setgid, setuid, and a
 * check that root cannot be regained.
 *
 * Must not: run on as root when milter.user is set and the switch failed.
 */
#include "process.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "log.h"

int ds_drop_privileges(const char *user, const char *sockpath)
{
    if (user == NULL) {
        if (geteuid() == 0)
            ds_log(DS_LOG_WARNING,
                   "running as root; set milter.user (or systemd's User=) "
                   "to a user of its own");
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
               "milter.user is \"%s\" but the milter was started as uid "
               "%ld, not root: cannot switch",
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
        ds_log(DS_LOG_ERROR, "still able to regain root after dropping "
                             "privileges; refusing to run");
        return EX_SOFTWARE;
    }
    return 0;
}
