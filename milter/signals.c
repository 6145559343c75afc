/*
 * signals.c - the signals domsec-milter keeps from libmilter (process.h).
 *
 * libmilter's signal thread (started inside smfi_main) calls
 * sigwait({HUP, TERM, INT}) and stops the milter on any of them. A thread
 * in sigwait() takes a pending signal even when it has it blocked, so
 * blocking SIGHUP is not enough to keep it away: a milter written the
 * obvious way exits on `kill -HUP`. The sigwait() below shadows the C
 * library's for the whole process, libmilter included, and waits for
 * everything it was asked for except the signals this program handles
 * itself (run.c, with sigtimedwait(), never sigwait()).
 *
 * Must not: be called by this program's own code (it is libmilter's).
 */
#include "process.h"

#include <errno.h>

#include "util.h"

static const int handled_signals[] = {SIGHUP, SIGTERM, SIGINT, SIGUSR1};

void ds_signals_handled(sigset_t *set)
{
    sigemptyset(set);
    for (size_t i = 0; i < DS_ARRAY_LEN(handled_signals); i++)
        sigaddset(set, handled_signals[i]);
}

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
