// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp_ingress.bpf.c - every received packet: drop it if its source is
 * blocked, else account it in its flow and pass it. Nothing is dropped
 * because the parser did not understand it.
 */
#include "flow.h"

static __always_inline int mw_blocked(struct mw_ctx *c, const struct mw_pkt *p, struct mw_stats *st)
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
	return mw_cfg.enforce;
}

SEC("xdp")
int mw_xdp_ingress(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct mw_pkt p = {};
	struct mw_stats *st;
	struct mw_ctx c;
	int err = 0, ret;

	st = mw_stats_get();
	if (!st)
		return XDP_PASS;
	st->packets[MW_DIR_IN]++;
	st->bytes[MW_DIR_IN] += data_end - data;

	ret = mw_parse(data, data_end, data_end - data, &p, &err);
	if (ret == MW_PARSE_NON_IP) {
		st->non_ip++;
		return XDP_PASS;
	}
	if (ret != MW_PARSE_OK) {
		if (err >= 0 && err < MW_PE_MAX)
			st->parse_err[err]++;
		return XDP_PASS;
	}
	if (p.later_fragment)
		st->fragments++;

	c.ctx = ctx;
	c.hook = MW_HOOK_XDP;
	c.ifindex = ctx->ingress_ifindex;
	c.segs = 1;
	c.l3_bytes = p.l3_bytes;
	c.now = bpf_ktime_get_coarse_ns();

	if (mw_blocked(&c, &p, st))
		return XDP_DROP;
	/* after the block check: a blocked source's fragments cost nothing */
	mw_frag_track(st, &p);
	if (mw_account(&c, st, &p, MW_DIR_IN))
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
