/* SPDX-License-Identifier: GPL-2.0-only */
/* metrics.h - what the agent exposes to Prometheus, from its parts. */
#ifndef MW_AGENT_METRICS_H
#define MW_AGENT_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "agent/blacklist.h"
#include "agent/bpatterns.h"
#include "agent/crowdsec.h"
#include "agent/flow_scan.h"
#include "agent/outscan.h"
#include "parse/config.h"
#include "enforce/policy.h"
#include "agent/events.h"
#include "output/eve.h"
#include "agent/server.h"

struct mw_metrics_view {
	const struct mw_config *cfg;
	const struct mw_events *events;
	const struct mw_flow_scan *scan;
	const struct mw_policy *policy;
	const struct mw_eve *eve;
	const struct mw_agent_blacklist *bl;
	const struct mw_agent_bpatterns *bp; /* NULL: BPATTERNS off */
	const struct mw_agent_tls_hello *hello; /* the host's ClientHellos */
	const struct mw_agent_crowdsec *cs; /* NULL: no fleet metrics */
	const struct mw_agent_outscan *outscan; /* NULL: not counted */
	/* the metrics endpoint and the control socket (NULL: not counted) */
	const struct mw_server *metrics_srv, *control_srv;
	volatile const uint32_t *nr_blocked, *nr_blocked_net;
	int stats_fd;
	uint64_t start_ns;
	/* kept current by the loop: how late its latest cycle ran, and the
	 * heartbeat record (the LRU's evictions) */
	const uint64_t *lag_ns;
	const struct mw_agent *heartbeat;
};

/* mw_metrics_fn: writes every metric of the view @arg. */
void mw_agent_metrics(void *arg, FILE *out);

#endif
