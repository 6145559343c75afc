/*
 * live.h - the configuration in force: an immutable struct ds_config that
 * a reload replaces as a whole. Each SMTP connection takes a reference at
 * connect and keeps judging with that configuration until it closes; the
 * last reference frees it.
 *
 * Must not: lock. Acquiring is two atomic increments; installing (the
 * signal thread only) swaps a pointer and waits for acquirers that may
 * still hold the old pointer without a reference (nanoseconds).
 */
#ifndef DS_LIVE_H
#define DS_LIVE_H

#include <stdatomic.h>

#include "dsconfig.h"

struct ds_live {
    struct ds_config *cfg;
    atomic_long refs;
};

/* A reference to the configuration in force, or NULL when there is none.
 * Release it with ds_live_release(). */
struct ds_live *ds_live_acquire(void);
void ds_live_release(struct ds_live *live);

/* Put cfg in force (ownership passes; NULL drops the current one).
 * Returns 0, or -1 when out of memory (cfg is then freed, the old one
 * stays). One caller at a time. */
int ds_live_install(struct ds_config *cfg);

#endif
