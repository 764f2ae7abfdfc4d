/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ipfix.h - the agent's side of the IPFIX export: every finished flow
 * (FIN, RST, idle) becomes its records, marked with the method of a
 * detection that concerned either endpoint. A connection closed by FIN or
 * RST is exported [agent] ipfix_linger after its close, with the counts
 * its table entry then holds, as flow meters do: the last ACK after the
 * FINs comes after the close, and a record must hold every packet.
 */
#ifndef MW_AGENT_IPFIX_H
#define MW_AGENT_IPFIX_H

#include <stdint.h>

#include "agent/events.h"
#include "output/eve.h"
#include "output/ipfix.h"

struct mw_agent_ipfix {
	struct mw_ipfix x;
	struct {
		struct mw_addr addr;
		char method[MW_IPFIX_METHOD_LEN];
	} marks[256]; /* addresses of recent detections */
	unsigned mark_pos;
	/* closed connections waiting out the linger, oldest first (a ring) */
	struct mw_ipfix_pending {
		struct mw_event_flow ev;
		uint64_t due_ns; /* mw_now_ns */
	} * pending;
	size_t head, count;
	const struct mw_config *cfg;
	int flows_fd; /* mw_flows, read for the final counts; -1: none */
	uint64_t lingered,
		linger_full; /* exported after a linger; exported at once, the ring full */
};

#define MW_IPFIX_LINGER_MAX 16384 /* closed connections waiting at once */

struct mw_env;

/* Exports to the configured collector; registers on @env's events and on
 * the detections its eve writes. Returns 0 or -errno. */
int mw_agent_ipfix_init(struct mw_agent_ipfix *a, const struct mw_env *env);
/* Exports what waited out its linger, and what is due to the collector. */
void mw_agent_ipfix_tick(struct mw_agent_ipfix *a);
/* Exports every waiting connection (with its counts as they are), then
 * closes the exporter. */
void mw_agent_ipfix_free(struct mw_agent_ipfix *a);

#endif
