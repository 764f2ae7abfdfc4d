/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ipfix.h - the agent's side of the IPFIX export: every finished flow
 * (FIN, RST, idle) becomes its records, marked with the method of a
 * detection that concerned either endpoint.
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
};

struct mw_env;

/* Exports to the configured collector; registers on @env's events and on
 * the detections its eve writes. Returns 0 or -errno. */
int mw_agent_ipfix_init(struct mw_agent_ipfix *a, const struct mw_env *env);
void mw_agent_ipfix_tick(struct mw_agent_ipfix *a);
void mw_agent_ipfix_free(struct mw_agent_ipfix *a);

#endif
