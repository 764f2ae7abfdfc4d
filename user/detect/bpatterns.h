/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpatterns.h - a miner's rhythm, read from the flow table over time: a
 * long-lived connection the host opened, on which the server pushes small
 * messages on its own (new jobs), regularly, every few seconds to a few
 * minutes, while the client answers rarely (shares) and the volume stays
 * low. Encrypted Stratum shows it as plainly as plaintext. Plain C over
 * flow samples, one per agent cycle.
 */
#ifndef MW_DETECT_BPATTERNS_H
#define MW_DETECT_BPATTERNS_H

#include <stdbool.h>
#include <stdint.h>

#include "detect/evidence.h"
#include "minewall.h"
#include "parse/stratum.h"

struct mw_bpatterns_rhythm_cfg {
	uint64_t min_age_ms; /* connection age before a verdict */
	unsigned min_pushes; /* unsolicited server pushes seen */
	unsigned push_min_bytes, push_max_bytes; /* payload of one push */
	uint64_t gap_min_ms, gap_max_ms; /* mean time between pushes */
	unsigned max_cv_pct; /* spread of the gaps: stddev / mean, in percent */
	uint64_t max_bytes_per_min; /* server-to-client volume */
};

struct mw_bpatterns_rhythm_verdict {
	unsigned pushes; /* unsolicited server pushes */
	unsigned exchanges; /* scan intervals where both sides sent data */
	unsigned client_only; /* intervals where only the client sent (submits) */
	unsigned mean_push_bytes;
	double mean_gap_s, cv;
	uint64_t bytes_in_per_min;
	uint64_t age_s;
	unsigned score; /* 0..100 */
};

struct mw_rhythm;

struct mw_rhythm *mw_bpatterns_rhythm_new(const struct mw_bpatterns_rhythm_cfg *cfg);
void mw_bpatterns_rhythm_free(struct mw_rhythm *r);
/*
 * Feeds one sample of a flow the host opened (TCP, open). Returns 1 the
 * first time the flow shows a miner's rhythm, with @v filled; else 0.
 */
int mw_bpatterns_rhythm_sample(struct mw_rhythm *r, const struct mw_flow_key *key,
			       const struct mw_flow *f, uint64_t now_ns,
			       struct mw_bpatterns_rhythm_verdict *v);
/* Whether the flow has been sampled before. */
bool mw_bpatterns_rhythm_tracks(const struct mw_rhythm *r, const struct mw_flow_key *key,
				uint64_t first_ns);
/* Copies the tracked flows' keys and first_ns into @keys / @first (at most
 * @max); returns how many. */
unsigned mw_bpatterns_rhythm_list(const struct mw_rhythm *r, struct mw_flow_key *keys,
				  uint64_t *first, unsigned max);
/* Forgets flows not sampled since @before_ns. */
void mw_bpatterns_rhythm_expire(struct mw_rhythm *r, uint64_t before_ns);
/* Flows tracked. */
unsigned mw_bpatterns_rhythm_tracked(const struct mw_rhythm *r);

/*
 * What a finding on a flow allows: a pool is blocked only on a connection
 * the host opened, its handshake seen complete and in order; Stratum on a
 * connection a remote opened means the host serves miners (or someone
 * forges it), mid-stream means nobody knows: both are reported only.
 */
struct mw_bp_decision {
	enum mw_evidence evidence;
	bool block; /* the remote may be blocked */
	const char *role; /* "host is the miner", "this host serves Stratum", "unverified" */
	const char *sent_by; /* who sent the payload: "client", "pool", "unknown" */
};

void mw_bpatterns_decide(uint8_t proto, uint8_t initiator, uint8_t handshake, uint8_t host_opened,
			 struct mw_bp_decision *d);
/*
 * Judges a payload peek. Returns 1 when it holds Stratum or a node's
 * mining RPC (bare JSON lines, an HTTP POST's body, WebSocket text
 * frames: @m->transport "tcp", "http", "websocket"), with @m and @d
 * filled, else 0. @table: the flow table's entry for the same key now, or
 * NULL; a handshake of the same host-opened flow completed since the peek
 * was sent (its data rode on the handshake's last ACK) counts.
 */
int mw_bpatterns_judge_peek(const struct mw_event_peek *ev, const struct mw_flow *table,
			    struct mw_stratum *m, struct mw_bp_decision *d);

#endif
