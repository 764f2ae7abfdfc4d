// SPDX-License-Identifier: GPL-2.0-only
/*
 * tc_egress.bpf.c - every transmitted packet, accounted in its flow. A TCP
 * GSO super-packet is counted as the segments it will become on the wire.
 */
#include <linux/pkt_cls.h>

#include "flow.h"

/* Bytes of headers the parser may need in the linear part of the skb. */
#define MW_TC_PULL_LEN 256

SEC("tc")
int mw_tc_egress(struct __sk_buff *skb)
{
	struct mw_pkt p = {};
	struct mw_stats *st;
	struct mw_ctx c;
	void *data, *data_end;
	int err = 0, ret;
	__u32 segs;

	st = mw_stats_get();
	if (!st)
		return TC_ACT_OK;
	segs = skb->gso_segs > 1 ? skb->gso_segs : 1;
	st->packets[MW_DIR_OUT] += segs;
	st->bytes[MW_DIR_OUT] += skb->len;

	/* headers may sit in paged data: make them linear once, not per try */
	if (skb->data_end - skb->data < MW_TC_PULL_LEN && skb->len > skb->data_end - skb->data)
		bpf_skb_pull_data(skb, skb->len < MW_TC_PULL_LEN ? skb->len : MW_TC_PULL_LEN);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;

	ret = mw_parse(data, data_end, skb->len, &p, &err);
	if (ret == MW_PARSE_NON_IP) {
		st->non_ip++;
		return TC_ACT_OK;
	}
	if (ret != MW_PARSE_OK) {
		if (err >= 0 && err < MW_PE_MAX)
			st->parse_err[err]++;
		return TC_ACT_OK;
	}
	if (p.later_fragment)
		st->fragments++;
	mw_frag_track(st, &p);

	c.ctx = skb;
	c.hook = MW_HOOK_TC;
	c.ifindex = skb->ifindex;
	c.segs = segs;
	/* each GSO segment repeats the IP and L4 headers */
	c.l3_bytes = p.l3_bytes;
	if (segs > 1)
		c.l3_bytes = skb->len - p.l3_off + (segs - 1) * (p.payload_off - p.l3_off);
	c.now = bpf_ktime_get_coarse_ns();

	if (mw_account(&c, st, &p, MW_DIR_OUT))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
