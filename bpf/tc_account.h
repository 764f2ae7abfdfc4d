/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tc_account.h - the body of the tc programs (the uplink's egress, a
 * container port's both ways): the packet counted, parsed and accounted in
 * its flow. A TCP GSO super-packet is counted as the segments it will
 * become on the wire.
 */
#ifndef MW_TC_ACCOUNT_H
#define MW_TC_ACCOUNT_H

#include <linux/pkt_cls.h>

#include "pkt_ctx.h"
#include "frag.h"
#include "flow.h"

/* Bytes of headers the parser may need in the linear part of the skb. */
#define MW_TC_PULL_LEN 256

/* @prog says who sent the packet (pkt_ctx.h), @dir the program's usual
 * direction. Returns the tc verdict. */
static __always_inline int mw_tc_account(struct __sk_buff *skb, enum mw_prog prog, int dir)
{
	struct mw_pkt_ctx c = {
		.ctx = skb,
		.prog = prog,
		.ifindex = skb->ifindex,
		.segs = skb->gso_segs > 1 ? skb->gso_segs : 1,
	};
	struct mw_pkt p = {};
	struct mw_stats *st;

	/* headers may sit in paged data: make them linear once, not per try */
	if (skb->data_end - skb->data < MW_TC_PULL_LEN && skb->len > skb->data_end - skb->data)
		bpf_skb_pull_data(skb, skb->len < MW_TC_PULL_LEN ? skb->len : MW_TC_PULL_LEN);

	st = mw_parse_count(&c, &p, (void *)(long)skb->data, (void *)(long)skb->data_end, skb->len,
			    dir);
	if (!st)
		return TC_ACT_OK;
	mw_frag_track(st, &p);
	if (mw_account(&c, st, &p, dir))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

#endif /* MW_TC_ACCOUNT_H */
