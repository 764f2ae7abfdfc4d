// SPDX-License-Identifier: GPL-2.0-only
/*
 * The status line and the loss reports: differences of the datapath's
 * counters between two readings.
 */
#include <stdint.h>

#include "agent/status_line.h"
#include "lib/log.h"
#include "lib/util.h"

void mw_status_line_init(struct mw_status_line *s)
{
	*s = (struct mw_status_line){ .events_lost_seen = UINT64_MAX,
				      .peeks_lost_seen = UINT64_MAX };
}

void mw_status_line_print(struct mw_status_line *s, const struct mw_stats *st, uint64_t live,
			  uint64_t max_flows, uint64_t ends, uint64_t evictions)
{
	char b1[16], b2[16], b3[16], b4[16];
	uint64_t errs = 0;
	int i;

	for (i = 0; i < MW_PE_MAX; i++)
		errs += st->parse_err[i];
	pr_info("flows %llu/%llu (+%llu new, %llu ended) | in %s pkts %s | out %s pkts %s | events %llu lost %llu | parse errors %llu | evicted %llu\n",
		(unsigned long long)live, (unsigned long long)max_flows,
		(unsigned long long)(st->flow_inserts - s->last.flow_inserts),
		(unsigned long long)(ends - s->last_ends),
		mw_format_count(st->packets[MW_DIR_IN] - s->last.packets[MW_DIR_IN], b1,
				sizeof(b1)),
		mw_format_bytes(st->bytes[MW_DIR_IN] - s->last.bytes[MW_DIR_IN], b2, sizeof(b2)),
		mw_format_count(st->packets[MW_DIR_OUT] - s->last.packets[MW_DIR_OUT], b3,
				sizeof(b3)),
		mw_format_bytes(st->bytes[MW_DIR_OUT] - s->last.bytes[MW_DIR_OUT], b4, sizeof(b4)),
		(unsigned long long)(st->events - s->last.events),
		(unsigned long long)st->events_lost, (unsigned long long)errs,
		(unsigned long long)evictions);
	s->last = *st;
	s->last_ends = ends;
}

void mw_status_line_losses(struct mw_status_line *s, const struct mw_stats *st)
{
	if (s->events_lost_seen != UINT64_MAX && st->events_lost > s->events_lost_seen)
		pr_warn("ring buffer full: %llu events lost since the last cycle; detections may have missed them\n",
			(unsigned long long)(st->events_lost - s->events_lost_seen));
	s->events_lost_seen = st->events_lost;
	/* payload copies have a ring of their own, which a flood fills first */
	if (s->peeks_lost_seen != UINT64_MAX && st->peeks_lost > s->peeks_lost_seen)
		pr_info("payload ring full: %llu payload copies lost since the last cycle (flow ends, bursts and blacklist hits have their own ring)\n",
			(unsigned long long)(st->peeks_lost - s->peeks_lost_seen));
	s->peeks_lost_seen = st->peeks_lost;
}
