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

#include "minewall.h"

struct mw_rhythm_cfg {
	uint64_t min_age_ms; /* connection age before a verdict */
	unsigned min_pushes; /* unsolicited server pushes seen */
	unsigned push_min_bytes, push_max_bytes; /* payload of one push */
	uint64_t gap_min_ms, gap_max_ms; /* mean time between pushes */
	unsigned max_cv_pct; /* spread of the gaps: stddev / mean, in percent */
	uint64_t max_bytes_per_min; /* server-to-client volume */
};

struct mw_rhythm_verdict {
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

struct mw_rhythm *mw_rhythm_new(const struct mw_rhythm_cfg *cfg);
void mw_rhythm_free(struct mw_rhythm *r);
/*
 * Feeds one sample of a flow the host opened (TCP, open). Returns 1 the
 * first time the flow shows a miner's rhythm, with @v filled; else 0.
 */
int mw_rhythm_sample(struct mw_rhythm *r, const struct mw_flow_key *key, const struct mw_flow *f,
		     uint64_t now_ns, struct mw_rhythm_verdict *v);
/* Whether the flow has been sampled before. */
bool mw_rhythm_tracks(const struct mw_rhythm *r, const struct mw_flow_key *key, uint64_t first_ns);
/* Copies the tracked flows' keys and first_ns into @keys / @first (at most
 * @max); returns how many. */
unsigned mw_rhythm_list(const struct mw_rhythm *r, struct mw_flow_key *keys, uint64_t *first,
			unsigned max);
/* Forgets flows not sampled since @before_ns. */
void mw_rhythm_expire(struct mw_rhythm *r, uint64_t before_ns);
/* Flows tracked. */
unsigned mw_rhythm_tracked(const struct mw_rhythm *r);

#endif
