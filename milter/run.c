/*
 * run.c - the threads of a running domsec-milter (process.h).
 *
 *   libmilter   smfi_main() in a thread of its own (with its own signal
 *               thread and worker pool inside), started with the signals
 *               handled here blocked;
 *   main        ds_run_loop(): sigtimedwait() on HUP, TERM, INT and USR1
 *               with a 1 s timeout; HUP reloads, USR1 logs the counters,
 *               TERM/INT stop; the metrics file is rewritten when due.
 *
 * When libmilter stops by itself, its thread sends SIGTERM to the main
 * thread so that the loop ends with libmilter's status. Stopping: see
 * stop_milter().
 *
 * Must not: use sigwait() (signals.c redefines it for libmilter).
 */
#include "process.h"

#include <errno.h>
#include <libmilter/mfapi.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "live.h"
#include "log.h"
#include "stats.h"

#define METRICS_INTERVAL 5 /* seconds between metrics file rewrites */

static pthread_t main_thread, milter_tid;
static atomic_bool milter_exited;
static atomic_int milter_status;

static void *milter_thread(void *arg)
{
    (void)arg;
    int r = smfi_main();
    atomic_store(&milter_status, r);
    atomic_store(&milter_exited, true);
    pthread_kill(main_thread, SIGTERM);
    return NULL;
}

int ds_run_start(void)
{
    sigset_t set;
    ds_signals_handled(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    main_thread = pthread_self();
    return pthread_create(&milter_tid, NULL, milter_thread, NULL) == 0 ? 0
                                                                        : -1;
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

int ds_run_loop(const char *config_path)
{
    sigset_t set;
    ds_signals_handled(&set);
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
            ds_milter_reload(config_path, live->cfg);
        } else if (sig == SIGUSR1) {
            ds_stats_log();
        } else if (sig == SIGTERM || sig == SIGINT) {
            ds_live_release(live);
            if (atomic_load(&milter_exited)) {
                bool good = atomic_load(&milter_status) == MI_SUCCESS;
                ds_log(good ? DS_LOG_INFO : DS_LOG_ERROR,
                       "libmilter stopped%s", good ? "" : " with an error");
                return good ? 0 : EX_SOFTWARE;
            }
            ds_log(DS_LOG_INFO, "%s: stopping",
                   sig == SIGTERM ? "SIGTERM" : "SIGINT");
            return 0;
        }
        ds_live_release(live);
    }
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
        ds_socket_knock();
        nanosleep(&pause, NULL);
    }
    pthread_join(t, NULL);
}

void ds_run_stop(void)
{
    stop_milter();
    pthread_join(milter_tid, NULL);
    struct ds_live *live = ds_live_acquire();
    if (live != NULL)
        write_metrics(live->cfg, true);
    ds_live_release(live);
}
