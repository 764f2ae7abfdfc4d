/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dirnet.h - the agent's side of DIRNET: new outbound flows to public
 * addresses (the datapath reports each at its first packet) judged against
 * the expected destinations and the learned baseline, the baseline kept in
 * the state directory, and the detections that follow.
 */
#ifndef MW_AGENT_DIRNET_H
#define MW_AGENT_DIRNET_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "parse/config.h"
#include "detect/dirnet.h"
#include "detect/doh.h"
#include "detect/evidence.h"
#include "detect/flow_wait.h"
#include "enforce/allow.h"
#include "enforce/policy.h"
#include "agent/events.h"
#include "output/eve.h"
#include "parse/dns.h"

struct mw_agent_dirnet {
	const struct mw_config *cfg;
	struct mw_dirnet d;
	struct mw_policy *policy; /* NULL: detect only */
	struct mw_allow *allow; /* its resolvers are expected destinations */
	struct mw_eve *eve;
	int owner_fd;
	struct mw_nat_view *nat; /* containers' views; NULL: none */
	char path[PATH_MAX]; /* the baseline: state_dir/dirnet-baseline.json */
	uint64_t detections, last_save_ns;
	/* reports on flows the host did not open (evidence.h) */
	struct mw_report_limit unverified;
	/* new flows of this round of events, judged by mw_agent_dirnet_flush */
	struct mw_event_flow *pending;
	unsigned n_pending;
	/* TCP flows the host opened, waiting a moment for their ClientHello
	 * (dirnet.hello_wait) so that the event names the server and the JA4 */
	struct mw_flow_wait *wait;
	struct mw_agent_tls_hello *hello; /* NULL: none read */
	uint64_t waited, wait_full; /* flows that waited; judged at once, table full */
	struct mw_doh doh; /* the well-known DoH endpoints */
};

#define MW_DIRNET_PENDING_MAX 1024

/* DIRNET reports a minute at most for flows the host did not open. */
#define MW_DIRNET_UNVERIFIED_PER_MIN 20

struct mw_env;
struct mw_agent_tls_hello;

/* Loads the baseline from the state directory (or starts learning) and
 * registers on @env's events. Returns 0 or -errno. */
int mw_agent_dirnet_init(struct mw_agent_dirnet *a, const struct mw_env *env);
/* Saves the baseline if it changed. */
void mw_agent_dirnet_free(struct mw_agent_dirnet *a);
void mw_agent_dirnet_reload(struct mw_agent_dirnet *a);
/*
 * Learns the addresses of allowed names from a DNS answer the blacklist
 * agent verified (it answers a query the host sent to one of its
 * resolvers: reversed 5-tuple, ID, question): only the records on the
 * question's CNAME chain (@on_chain, from mw_dns_chain). DIRNET reads no
 * DNS of its own: an answer nobody verified teaches it nothing. minewalld
 * wires this to mw_agent_blacklist_on_dns_answer.
 */
void mw_agent_dirnet_dns_answer(struct mw_agent_dirnet *a, const struct mw_dns_msg *msg,
				const bool *on_chain, uint64_t now_ns);
/* Judges the new flows of the latest round of events: call after each
 * mw_events_consume (the DNS answers of the round are learned by then). */
void mw_agent_dirnet_flush(struct mw_agent_dirnet *a);
/* Judges every flow still waiting, whatever its deadline: before the agent
 * stops (call after the last mw_agent_dirnet_flush). */
void mw_agent_dirnet_drain(struct mw_agent_dirnet *a);
/* Reads the ClientHellos of @t from now on: a TCP flow's event carries its
 * server name and JA4, and DoH endpoints are known by name. */
int mw_agent_dirnet_use_tls_hello(struct mw_agent_dirnet *a, struct mw_agent_tls_hello *t);
/* Loads the DoH lists @lists ("builtin" or absolute paths, comma- or
 * space-separated) into @t, saying what is wrong on @err (FILE:LINE).
 * Returns 0 or the first error (-errno); what could be read is kept. */
int mw_agent_dirnet_doh_load(struct mw_doh *t, const char *lists, FILE *err);
/* Flushes; ends learning when due; saves the baseline every few seconds when it changed. */
void mw_agent_dirnet_tick(struct mw_agent_dirnet *a, uint64_t now_ns);
/* dirnet_baseline, dirnet_learn {duration_ms}. */
json_t *mw_agent_dirnet_control(struct mw_agent_dirnet *a, const char *cmd, json_t *req, char *err,
				size_t len);

#endif
