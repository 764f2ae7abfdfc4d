/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * blacklist.h - listed and blocked addresses: blacklist and block matching.
 *
 * A new flow's remote is looked up once, at creation, in the blacklist
 * tries in force; its packets are dropped by the verdict the flow keeps.
 * XDP drops a blocked source (mw_block, mw_block_net) before any accounting.
 */
#ifndef MW_BLACKLIST_H
#define MW_BLACKLIST_H

#include "pkt_ctx.h"

static __always_inline int mw_lpm_match(void *trie, const __u8 *addr, __u32 *val)
{
	struct mw_lpm_key k = { .prefixlen = 128 };
	__u32 *v;

	__builtin_memcpy(k.addr, addr, 16);
	v = bpf_map_lookup_elem(trie, &k);
	if (!v)
		return 0;
	*val = *v;
	return 1;
}

static __always_inline int mw_addr_is_v4(const __u8 *a)
{
	const __u32 *w = (const __u32 *)a;

	return w[0] == 0 && w[1] == 0 && w[2] == bpf_htonl(0xffff);
}

/*
 * Looks the flow's remote address (and port, for port-specific entries) up
 * in the blacklist in force; on a hit records the list in @f and counts it.
 * Once per flow, at creation: later packets read the verdict from the flow.
 */
static __always_inline void mw_blacklist_match(const struct mw_flow_key *key, struct mw_flow *f)
{
	struct mw_bl_value *v;
	__u32 zero = 0, list, i;
	__u64 *hits;
	void *trie;

	if (mw_addr_is_v4(key->remote_addr)) {
		struct mw_lpm4_key k = { .prefixlen = 32 };

		trie = bpf_map_lookup_elem(&mw_blacklist4, &zero);
		if (!trie)
			return;
		__builtin_memcpy(k.addr, key->remote_addr + 12, 4);
		v = bpf_map_lookup_elem(trie, &k);
	} else {
		struct mw_lpm_key k = { .prefixlen = 128 };

		trie = bpf_map_lookup_elem(&mw_blacklist6, &zero);
		if (!trie)
			return;
		__builtin_memcpy(k.addr, key->remote_addr, 16);
		v = bpf_map_lookup_elem(trie, &k);
	}
	if (!v)
		return;
	if (v->nports) {
		for (i = 0; i < MW_BL_PORTS; i++) {
			if (i >= v->nports)
				return;
			if (v->ports[i] == key->remote_port)
				break;
		}
		if (i == MW_BL_PORTS)
			return;
	}
	list = v->list;
	f->blacklist = list;
	f->bl_flags = v->flags;
	hits = bpf_map_lookup_elem(&mw_bl_hits, &list);
	if (hits)
		(*hits)++;
}

/* Whether the packets of @f are dropped: a listed remote, enforced. */
static __always_inline int mw_bl_drop(struct mw_stats *st, const struct mw_flow *f)
{
	if (!f->blacklist || (f->bl_flags & MW_BL_ALERT) || !mw_bl_enforce)
		return 0;
	st->blacklist_drops++;
	return 1;
}

/* Whether the source of @p is blocked (and not expired): the packet is
 * dropped. Each map is skipped while the agent keeps it empty. */
static __always_inline int mw_blocked(struct mw_pkt_ctx *c, const struct mw_pkt *p,
				      struct mw_stats *st)
{
	struct mw_block *b = NULL;

	if (mw_nr_blocked)
		b = bpf_map_lookup_elem(&mw_block, p->saddr);
	if (!b && mw_nr_blocked_net) {
		struct mw_lpm_key k = { .prefixlen = 128 };

		__builtin_memcpy(k.addr, p->saddr, 16);
		b = bpf_map_lookup_elem(&mw_block_net, &k);
	}
	if (!b)
		return 0;
	if (b->expires_ns && b->expires_ns <= c->now)
		return 0; /* expired: the agent removes it on its next cycle */
	b->drops++;
	st->block_drops++;
	return 1;
}

#endif /* MW_BLACKLIST_H */
