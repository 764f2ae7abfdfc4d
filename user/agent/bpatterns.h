/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpatterns.h - the agent's side of BPATTERNS: Stratum in payload
 * peeks, the miner's rhythm in the periodic flow scan, the process behind
 * the connection, and the detection and block that follow. Each detection
 * says the evidence it rests on (detect/evidence.h); only a connection the
 * host opened, its handshake seen in order, blocks a pool.
 */
#ifndef MW_AGENT_BPATTERNS_H
#define MW_AGENT_BPATTERNS_H

#include <stdint.h>

#include "agent/flow_scan.h"
#include "parse/config.h"
#include "detect/bpatterns.h"
#include "detect/reasm.h"
#include "enforce/policy.h"
#include "agent/events.h"
#include "agent/tls_hello.h"
#include "detect/dirnet.h"
#include "output/eve.h"

/* Bare TLS connections followed at once (bpatterns_tls.c). */
#define MW_BP_BARE_MAX 256

struct mw_agent_bpatterns {
	const struct mw_config *cfg;
	struct mw_policy *policy; /* NULL: detect only */
	struct mw_eve *eve;
	int owner_fd, flows_fd;
	struct mw_nat_view *nat; /* containers' views; NULL: none */
	struct mw_rhythm *rhythm;
	uint64_t detections, stratum, rhythms;
	/* reports that cannot lead to a block, capped (evidence.h) */
	struct mw_report_limit unverified;
	uint64_t unverified_dropped;
	/* flows already reported (a login and its reply are one detection) */
	struct {
		struct mw_flow_key key;
		uint64_t ns;
	} recent[128];
	unsigned recent_pos;
	/* the host's HTTP POSTs whose body follows in the next segment: that
	 * body's JSON came over HTTP */
	struct {
		struct mw_flow_key key;
		uint64_t ns;
	} posts[32];
	unsigned posts_pos;
	/* the host's JSON lines sent a few bytes at a time, put back together */
	struct mw_reasm json;
	/* the tracked connections, read by key each cycle */
	struct mw_flow_key *keys;
	uint64_t *first;
	/* the host's ClientHellos (JA4 in events, bare TLS) and DIRNET's
	 * baseline (read only); NULL: none */
	struct mw_agent_tls_hello *hello;
	const struct mw_dirnet *dirnet;
	/* bare TLS connections waiting to be old enough to judge */
	struct mw_bp_bare {
		bool used;
		struct mw_flow_key key;
		uint32_t ifindex;
	} bare[MW_BP_BARE_MAX];
	unsigned bare_pos;
	uint64_t bare_seen, bare_reported;
};

/* Stratum reports on unverified flows (remote-opened without a handshake,
 * mid-stream, replayed) a minute at most; the rest are counted. */
#define MW_BP_UNVERIFIED_PER_MIN 20

/* Connections sampled by key every cycle, at most; beyond, at each sweep. */
#define MW_RHYTHM_CYCLE_MAX 4096

struct mw_env;

/* Registers on @env's events and, for the rhythm, on its sweep. Returns 0
 * or -errno. */
int mw_agent_bpatterns_init(struct mw_agent_bpatterns *a, const struct mw_env *env);
void mw_agent_bpatterns_free(struct mw_agent_bpatterns *a);
/* Every agent cycle: samples the tracked connections. */
void mw_agent_bpatterns_cycle(struct mw_agent_bpatterns *a, uint64_t now_ns);
/* After a config reload: the rhythm thresholds. */
int mw_agent_bpatterns_reload(struct mw_agent_bpatterns *a);
void mw_agent_bpatterns_tick(struct mw_agent_bpatterns *a, uint64_t now_ns);

#endif
