/*
 * live.c - reference-counted configuration swapping.
 *
 * Must not: lock, or free a configuration a connection still uses.
 */
#include "dsconfig.h"

#include "live.h"

#include <sched.h>
#include <stdlib.h>

static _Atomic(struct ds_live *) current;
/* Threads between loading `current` and taking their reference. */
static atomic_int acquiring;

struct ds_live *ds_live_acquire(void)
{
    atomic_fetch_add(&acquiring, 1);
    struct ds_live *l = atomic_load(&current);
    if (l != NULL)
        atomic_fetch_add(&l->refs, 1);
    atomic_fetch_sub(&acquiring, 1);
    return l;
}

void ds_live_release(struct ds_live *l)
{
    if (l != NULL && atomic_fetch_sub(&l->refs, 1) == 1) {
        ds_config_free(l->cfg);
        free(l);
    }
}

int ds_live_install(struct ds_config *cfg)
{
    struct ds_live *l = NULL;
    if (cfg != NULL) {
        l = malloc(sizeof(*l));
        if (l == NULL) {
            ds_config_free(cfg);
            return -1;
        }
        l->cfg = cfg;
        atomic_init(&l->refs, 1); /* the reference `current` holds */
    }
    struct ds_live *old = atomic_exchange(&current, l);
    /* Anyone who read `old` before the exchange has now taken a
     * reference once `acquiring` drops to zero (sequentially consistent
     * atomics), so dropping ours cannot free it under them. */
    while (atomic_load(&acquiring) != 0)
        sched_yield();
    ds_live_release(old);
    return 0;
}
