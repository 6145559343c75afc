/*
 * callbacks.h - the libmilter glue: the filter description main.c
 * registers.
 *
 * Must not: grow decision logic (decide.c) or macro semantics (peer.c).
 */
#ifndef DS_CALLBACKS_H
#define DS_CALLBACKS_H

#include <libmilter/mfapi.h>

extern struct smfiDesc ds_milter_desc;

#endif
