/*
 * decisions.h - decisions per receive connector and partner, for the
 * metric domsec_decisions_total{connector,domain,result,reason}: domain is
 * the tls_receive_domain_secure_list entry the sender's domain matched,
 * "other" for everything else, so the series are bounded by the lists.
 *
 * A series is counted for the life of the process; a reload does not reset
 * it. The file shows the series whose domain is on the receive list of the
 * configuration in force and whose connector it still has (an unknown
 * listener, connector "-", always); the others stay in memory and come
 * back with their counts if the names come back.
 *
 * Must not: lock, or allocate on the message path except once per new
 * (connector, domain) pair; at most DS_DECISIONS_SLOTS pairs are kept,
 * further pairs count under (connector "-", domain "other").
 */
#ifndef DS_DECISIONS_H
#define DS_DECISIONS_H

#include "decide.h"

#define DS_DECISIONS_SLOTS 4096 /* a power of two */

/* Count one decision made on `connector` (its name; NULL when the
 * listener is unknown and there is no default connector). */
void ds_decisions_count(const char *connector, const struct ds_decision *d);

/* Append the metric (HELP, TYPE, one line per non-zero counter) to o,
 * showing the series cfg still names (every series when cfg is NULL).
 * Only the thread that writes the metrics file calls it. */
void ds_decisions_metrics(struct ds_buf *o, const struct ds_config *cfg);

/* The count of one series (tests; 0 when it does not exist). */
unsigned long ds_decisions_get(const char *connector, const char *domain,
                               enum ds_result result, enum ds_reason reason);

#endif
