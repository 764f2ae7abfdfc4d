/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * outscan.h - the agent's side of OUTSCAN (detect/outscan.h): the TCP
 * connection attempts the host opens, from three doors, each the cheapest
 * for what it carries:
 *  - new_public events: the first packet of a flow to a public address,
 *    at once;
 *  - flow_end events: refused attempts (a RST ends the flow at once) and
 *    the end of every other, to any address, private ones too;
 *  - the table sweep's visit (every [flows] scan_interval): attempts to
 *    private addresses still unanswered, which no event reports before
 *    their half-open timeout.
 * Pending attempts of a source that has enough targets to matter are
 * looked up in the flow table (one lookup each) once the answer time has
 * passed: a scan is reported within a cycle (a second) of that.
 *
 * Reports OUTSCAN (never a block of the targets: they are victims); with
 * [outscan] block, the scanning program's cgroup is cut off from the
 * addresses it scanned, and from the next ones it tries, as a container
 * block (cgblock4/6), never the agent's own cgroup nor the root cgroup; a
 * container in a network namespace of its own (whose flows reach the
 * host's bridge with no socket) by its address (cblock4/6).
 */
#ifndef MW_AGENT_OUTSCAN_H
#define MW_AGENT_OUTSCAN_H

#include <stdint.h>

#include "detect/outscan.h"
#include "enforce/ledger.h"

struct mw_env;
struct mw_config;
struct mw_policy;
struct mw_eve;
struct mw_nat_view;

/* A SYN unanswered this long is half-open: past Linux's SYN retransmissions
 * at 1 s and 3 s, so that a server that answers a retransmitted SYN (its
 * first SYN-ACK lost) is slow, not failed, before a verdict is taken. */
#define MW_OUTSCAN_ANSWER_MS 3500
#define MW_OUTSCAN_REPORTS_PER_MIN 20
#define MW_OUTSCAN_CUT_MAX 16 /* programs cut off at once */

struct mw_agent_outscan {
	const struct mw_config *cfg;
	struct mw_outscan o;
	struct mw_policy *policy; /* NULL: detect only */
	struct mw_eve *eve;
	struct mw_nat_view *nat;
	int owner_fd, flows_fd;
	uint64_t self_cgroup, root_cgroup; /* never cut off; 0: unknown */
	uint64_t detections, blocks;
	/* programs cut off (a cgroup, or a container's address on its veth):
	 * their next targets are cut off as they come */
	struct {
		struct mw_ct_scope scope;
		uint64_t until_ns;
	} cut[MW_OUTSCAN_CUT_MAX];
};

/* Registers on @env's events and sweep. Returns 0 or -errno. */
int mw_agent_outscan_init(struct mw_agent_outscan *a, const struct mw_env *env);
void mw_agent_outscan_free(struct mw_agent_outscan *a);
/* The configuration changed: thresholds and window follow. */
void mw_agent_outscan_reload(struct mw_agent_outscan *a);
/* Asks about pending attempts and reports the scans found: every cycle. */
void mw_agent_outscan_tick(struct mw_agent_outscan *a, uint64_t now_ns);

#endif
