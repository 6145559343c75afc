/*
 * stats.h - counters: messages received domain-secured, failures per
 * reason, and both per partner (the list entry that matched); written to
 * milter.metrics_file in Prometheus textfile format and to the log on
 * SIGUSR1.
 *
 * Must not: take a lock on the message path (counters are atomics; the
 * per-partner table is a fixed-size lock-free hash set whose entries are
 * never removed), or do file I/O outside ds_stats_write() (which only the
 * signal thread calls).
 */
#ifndef DS_STATS_H
#define DS_STATS_H

#include "decide.h"

enum ds_stat {
    DS_STAT_CONNECTIONS,
    DS_STAT_INTERNAL_ERRORS,
    DS_STAT_RELOADS,
    DS_STAT_RELOAD_FAILURES,
    DS_STAT_COUNT
};

/* Count one decision (partner: the matching list entry, may be NULL). */
void ds_stats_decision(const struct ds_decision *d);
void ds_stats_inc(enum ds_stat which);
unsigned long ds_stats_get(enum ds_stat which);
/* Messages with this result and reason so far. */
unsigned long ds_stats_reason(enum ds_result result, enum ds_reason reason);

/*
 * Write every counter to path in Prometheus textfile format, atomically
 * (a temporary file in the same directory, then rename), with the
 * per-connector and partner series cfg still names (decisions.h).
 * Returns 0, or -1 with errno set.
 */
int ds_stats_write(const char *path, const struct ds_config *cfg);

/* Log every counter (info level): one line in total, one per partner. */
void ds_stats_log(void);

/* Has anything been counted since the last call? (For the writer.) */
bool ds_stats_changed(void);

#endif
