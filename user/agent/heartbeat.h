/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * heartbeat.h - the agent's record in the mw_agent map (its pid, start,
 * attachments, a heartbeat each tick): what `minewall status` reads to
 * tell whether an agent runs and where it is attached.
 */
#ifndef MW_AGENT_HEARTBEAT_H
#define MW_AGENT_HEARTBEAT_H

#include <stdint.h>

#include "agent/loader.h"
#include "minewall.h"

struct mw_heartbeat {
	struct mw_agent rec;
	int fd; /* the mw_agent map */
};

/* Writes to the mw_agent map @agent_fd from now on. */
void mw_heartbeat_init(struct mw_heartbeat *hb, int agent_fd);
/* The first record: our pid, now, the flow table's size, the attachments. */
void mw_heartbeat_start(struct mw_heartbeat *hb, const struct mw_loader *l, uint64_t flows_max);
/* After an attachment was renewed (mw_loader_heal). */
void mw_heartbeat_attachments(struct mw_heartbeat *hb, const struct mw_loader *l);
void mw_heartbeat_beat(struct mw_heartbeat *hb, uint64_t now_ns);
/* The agent stops: no pid, no interfaces. */
void mw_heartbeat_stop(struct mw_heartbeat *hb);

#endif
