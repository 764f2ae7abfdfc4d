/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dnsq.h - the DNS queries the host sent and that wait for their answer,
 * so that only an answer to one of them is believed: the same flow (the
 * answer comes back on the reversed 5-tuple, which is the same flow key),
 * the same DNS ID and the same question. Bounded: at most @cap queries wait,
 * the oldest gives way to a new one, and a query unanswered for @ttl_ns is
 * forgotten. An answer consumes its query, so a second answer (a forger
 * racing the resolver, a replay) finds nothing. Lookups are hashed.
 */
#ifndef MW_DETECT_DNSQ_H
#define MW_DETECT_DNSQ_H

#include <stdint.h>

#include "minewall.h"
#include "parse/dns.h"

#define MW_DNSQ_CAP_DEFAULT 4096
#define MW_DNSQ_TTL_DEFAULT_NS (10ULL * 1000000000ULL)

struct mw_dnsq_entry {
	struct mw_flow_key key;
	uint16_t id, qtype;
	uint64_t sent_ns;
	int32_t hnext; /* next in the hash chain, -1 none */
	int32_t older, newer; /* age list; -1 none */
	char name[MW_NAME_MAX];
};

struct mw_dnsq {
	struct mw_dnsq_entry *e;
	int32_t *buckets; /* heads of the hash chains, -1 none */
	uint32_t cap, n_buckets, n;
	int32_t free_head; /* unused entries, chained through hnext */
	int32_t oldest, newest;
	uint64_t ttl_ns;
	/* counters */
	uint64_t queries, answered, unsolicited, wrong_question, evicted, expired;
};

/* The table's settings; 0 in a field means its default. */
struct mw_dnsq_cfg {
	uint32_t cap; /* queries waiting at most (MW_DNSQ_CAP_DEFAULT) */
	uint64_t ttl_ns; /* how long one waits for its answer (MW_DNSQ_TTL_DEFAULT_NS) */
};

/* @cfg NULL: every default. Returns 0 or -ENOMEM. */
int mw_dnsq_init(struct mw_dnsq *q, const struct mw_dnsq_cfg *cfg);
void mw_dnsq_free(struct mw_dnsq *q);
/* Records the query @dq the host sent on @key at @now_ns (a resend of the
 * same one renews it). Returns 0 or -EINVAL for a question that is no host
 * name (nothing could be learned from its answer). */
int mw_dnsq_add(struct mw_dnsq *q, const struct mw_flow_key *key, const struct mw_dns_query *dq,
		uint64_t now_ns);
/*
 * The answer @msg arrived on @key at @now_ns: when a query of that flow and
 * ID with the same question (name, type) waits, it is consumed and 0 is
 * returned. -ENOENT: no such query (unsolicited, late, or already
 * answered); -EINVAL: the ID matches but not the question (kept waiting).
 */
int mw_dnsq_answer(struct mw_dnsq *q, const struct mw_flow_key *key, const struct mw_dns_msg *msg,
		   uint64_t now_ns);
/* Forgets queries older than the TTL. */
void mw_dnsq_expire(struct mw_dnsq *q, uint64_t now_ns);

#endif
