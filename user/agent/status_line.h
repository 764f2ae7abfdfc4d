/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * status_line.h - what the agent says on stderr about the datapath's
 * counters: the status line every status_interval, and the events the ring
 * buffers lost, every cycle.
 */
#ifndef MW_AGENT_STATUS_LINE_H
#define MW_AGENT_STATUS_LINE_H

#include <stdint.h>

#include "minewall.h"

struct mw_status_line {
	struct mw_stats last; /* at the previous status line */
	uint64_t last_ends;
	uint64_t events_lost_seen, peeks_lost_seen; /* UINT64_MAX until the first cycle */
};

void mw_status_line_init(struct mw_status_line *s);
/* One line: the flow table (@live of @max_flows, @evictions) and the
 * traffic and flow ends (@ends, a running count) since the previous line. */
void mw_status_line_print(struct mw_status_line *s, const struct mw_stats *st, uint64_t live,
			  uint64_t max_flows, uint64_t ends, uint64_t evictions);
/* Says so when the datapath could not hand events over (a ring buffer was
 * full: the agent fell behind, or was stopped). */
void mw_status_line_losses(struct mw_status_line *s, const struct mw_stats *st);

#endif
