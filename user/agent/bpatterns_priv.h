/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpatterns_priv.h - what the files of the agent's BPATTERNS share: one
 * report for every finding (bpatterns.c), and the bare-TLS input
 * (bpatterns_tls.c).
 */
#ifndef MW_AGENT_BPATTERNS_PRIV_H
#define MW_AGENT_BPATTERNS_PRIV_H

#include <stdbool.h>

#include <jansson.h>

#include "agent/bpatterns.h"
#include "agent/process.h"
#include "agent/tls_hello.h"

/* The input's name in events, and what it adds to another finding's score. */
#define MW_BP_BARE_TLS "tls_no_sni_no_alpn"
#define MW_BP_BARE_TLS_BONUS 20
/* The score of bare TLS alone: reported, never blocked. */
#define MW_BP_BARE_TLS_SCORE 50

struct mw_bp_finding {
	const struct mw_flow_key *key;
	uint64_t sock_cookie;
	uint32_t ifindex;
	const struct mw_bp_decision *dec;
	const char *match; /* "stratum", "rhythm" or MW_BP_BARE_TLS */
	const char *severity; /* NULL: by the decision */
	unsigned score;
	json_t *observed; /* taken: what was seen (dialect, message; the rhythm's figures) */
};

void mw_agent_bpatterns_report(struct mw_agent_bpatterns *a, const struct mw_bp_finding *fd);

/* tls_hello.h subscriber: a bare ClientHello of a flow the host opened is
 * followed until it is old enough to judge. */
void mw_agent_bpatterns_hello(void *arg, const struct mw_tls_hello *h);
/* Every cycle: the bare connections old enough are judged, once. */
void mw_agent_bpatterns_bare_cycle(struct mw_agent_bpatterns *a, uint64_t now_ns);
/* Whether the flow @key's ClientHello @h is bare TLS from a server process
 * @proc to a destination the baseline never saw (the score input). */
bool mw_agent_bpatterns_bare(const struct mw_agent_bpatterns *a, const struct mw_tls_hello *h,
			     const struct mw_flow_key *key, const struct mw_process *proc);

#endif
