// SPDX-License-Identifier: GPL-2.0-only
/*
 * tc_egress.bpf.c - every transmitted packet, accounted in its flow. A TCP
 * GSO super-packet is counted as the segments it will become on the wire.
 */
#include <linux/pkt_cls.h>

#include "pkt_ctx.h"
#include "frag.h"
#include "flow.h"

/* Bytes of headers the parser may need in the linear part of the skb. */
#define MW_TC_PULL_LEN 256

SEC("tc")
int mw_tc_egress(struct __sk_buff *skb)
{
	struct mw_pkt_ctx c = {
		.ctx = skb,
		.prog = MW_PROG_TC,
		.ifindex = skb->ifindex,
		.segs = skb->gso_segs > 1 ? skb->gso_segs : 1,
	};
	struct mw_pkt p = {};
	struct mw_stats *st;

	/* headers may sit in paged data: make them linear once, not per try */
	if (skb->data_end - skb->data < MW_TC_PULL_LEN && skb->len > skb->data_end - skb->data)
		bpf_skb_pull_data(skb, skb->len < MW_TC_PULL_LEN ? skb->len : MW_TC_PULL_LEN);

	st = mw_parse_count(&c, &p, (void *)(long)skb->data, (void *)(long)skb->data_end, skb->len,
			    MW_DIR_OUT);
	if (!st)
		return TC_ACT_OK;
	mw_frag_track(st, &p);
	if (mw_account(&c, st, &p, MW_DIR_OUT))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
