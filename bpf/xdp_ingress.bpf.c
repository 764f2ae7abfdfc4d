// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp_ingress.bpf.c - every received packet: drop it if its source is
 * blocked, else account it in its flow and pass it. Nothing is dropped
 * because the parser did not understand it.
 */
#include "pkt_ctx.h"
#include "blacklist.h"
#include "frag.h"
#include "flow.h"

SEC("xdp")
int mw_xdp_ingress(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct mw_pkt_ctx c = {
		.ctx = ctx,
		.prog = MW_PROG_XDP,
		.ifindex = ctx->ingress_ifindex,
		.segs = 1,
	};
	struct mw_pkt p = {};
	struct mw_stats *st;

	st = mw_parse_count(&c, &p, data, data_end, data_end - data, MW_DIR_IN);
	if (!st)
		return XDP_PASS;
	if (mw_blocked(&c, &p, st))
		return XDP_DROP;
	/* after the block check: a blocked source's fragments cost nothing */
	mw_frag_track(st, &p);
	if (mw_account(&c, st, &p, MW_DIR_IN))
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
