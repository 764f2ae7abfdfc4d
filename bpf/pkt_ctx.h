/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pkt_ctx.h - one code path for XDP and tc: the packet context and the preamble.
 *
 * The context says which program sees the packet (so that the compiler
 * drops the helper calls the other program type may not use), its wire
 * packets and bytes, and its time; the preamble both programs run counts
 * the packet and parses it.
 */
#ifndef MW_PKT_CTX_H
#define MW_PKT_CTX_H

#include "parse.h"
#include "maps.h"

/* Which program sees the packet, so that one inline body serves both and
 * the compiler drops the helper calls a program type may not use; and
 * whether its flow's local side sent it (MW_PROG_TC: the host on the
 * uplink, a container on its port, taken at its word) or its remote side
 * (XDP, and tc toward a container's port: held to the flow's sequence).
 * mw_account swaps the two tc values when the flow is the other way round. */
enum mw_prog {
	MW_PROG_XDP = 0,
	MW_PROG_TC = 1,
	MW_PROG_TC_TO_PORT = 2,
};

/* The packet a program is looking at, beyond what the parser learned. */
struct mw_pkt_ctx {
	void *ctx; /* the program's own context: struct xdp_md or __sk_buff */
	enum mw_prog prog;
	__u32 ifindex;
	__u32 segs; /* wire packets this buffer stands for (TCP GSO) */
	__u32 l3_bytes; /* IP bytes of all those packets */
	__u64 now;
};

static __always_inline int mw_load_bytes(struct mw_pkt_ctx *c, __u32 off, void *to, __u32 len)
{
	if (c->prog == MW_PROG_XDP)
		return bpf_xdp_load_bytes(c->ctx, off, to, len);
	return bpf_skb_load_bytes(c->ctx, off, to, len);
}

/*
 * The preamble of both programs: counts the packet (@pkt_len bytes at L2,
 * @c->segs wire packets) in direction @dir of mw_stats, parses it into @p,
 * and completes @c (@c->ctx, @c->prog, @c->ifindex and @c->segs set by the
 * caller). Returns the CPU's counters, or NULL when the packet is only
 * passed on: not IP, or not understood (counted by reason).
 */
static __always_inline struct mw_stats *mw_parse_count(struct mw_pkt_ctx *c, struct mw_pkt *p,
						       void *data, void *data_end, __u32 pkt_len,
						       int dir)
{
	struct mw_stats *st;
	__u32 zero = 0;
	int err = 0, ret;

	st = bpf_map_lookup_elem(&mw_stats, &zero);
	if (!st)
		return NULL;
	st->packets[dir] += c->segs;
	st->bytes[dir] += pkt_len;

	ret = mw_parse(data, data_end, pkt_len, p, &err);
	if (ret == MW_PARSE_NON_IP) {
		st->non_ip++;
		return NULL;
	}
	if (ret != MW_PARSE_OK) {
		if (err >= 0 && err < MW_PE_MAX)
			st->parse_err[err]++;
		return NULL;
	}
	if (p->later_fragment)
		st->fragments++;

	/* each GSO segment repeats the IP and L4 headers */
	c->l3_bytes = p->l3_bytes;
	if (c->segs > 1)
		c->l3_bytes = pkt_len - p->l3_off + (c->segs - 1) * (p->payload_off - p->l3_off);
	c->now = bpf_ktime_get_coarse_ns();
	return st;
}

#endif /* MW_PKT_CTX_H */
