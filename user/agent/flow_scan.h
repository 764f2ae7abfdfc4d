/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * flow_scan.h - the agent's periodic walk of the flow table: ends flows
 * that went idle (reporting them like datapath flow ends), removes closed
 * ones after a short linger, and estimates LRU evictions.
 */
#ifndef MW_AGENT_FLOW_SCAN_H
#define MW_AGENT_FLOW_SCAN_H

#include <stdint.h>

#include "parse/config.h"
#include "agent/events.h"

/* Called for every flow that stays, for detectors that watch flows over time. */
typedef void (*mw_flow_visit_fn)(void *arg, const struct mw_flow_key *key, const struct mw_flow *f,
				 uint64_t now_ns);

#define MW_FLOW_VISITORS 4

struct mw_flow_scan {
	int flows_fd;
	int watched_fd; /* mw_watched: copies of the flows under observation; 0 none */
	struct mw_events *events;
	struct {
		mw_flow_visit_fn fn;
		void *arg;
	} visitors[MW_FLOW_VISITORS]; /* mw_flow_scan_on_visit */
	unsigned n_visitors;
	/* totals since the agent started */
	uint64_t idle_ended;
	uint64_t deleted;
	uint64_t scans;
	/* from the latest scan */
	uint64_t live;
	uint64_t open, closing, closed;
	uint64_t scan_ns;
	/* baseline for the eviction estimate */
	uint64_t inserts0, live0;
	int have_baseline;
};

/* Expiry time of a flow in ms, by its protocol and state. */
uint64_t mw_flow_scan_timeout_ms(const struct mw_config *cfg, const struct mw_flow_key *key,
				 const struct mw_flow *f);
/* Calls @fn(@arg, ...) for every flow that stays, from the next scan on
 * (after the visitors added before). Returns 0, or -E2BIG beyond
 * MW_FLOW_VISITORS. */
int mw_flow_scan_on_visit(struct mw_flow_scan *fs, mw_flow_visit_fn fn, void *arg);
/* One scan at CLOCK_MONOTONIC time @now_ns. Returns 0 or -errno. */
int mw_flow_scan_run(struct mw_flow_scan *fs, const struct mw_config *cfg, uint64_t now_ns);
/* Flows the LRU evicted since the first call, given the datapath's
 * flow_inserts counter: call after each scan (the first call takes the
 * baseline). */
uint64_t mw_flow_scan_evictions(struct mw_flow_scan *fs, uint64_t inserts);

#endif
