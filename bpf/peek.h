/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * peek.h - copies of payload for the agent's parsers (Stratum, TLS
 * ClientHello and its SNI, DNS): which packets are worth a copy, and the
 * copy itself, on the best-effort ring mw_peeks. flow.h decides whether a
 * packet's payload may be trusted at all (its sequence fits) and calls
 * mw_payload_peek().
 */
#ifndef MW_PEEK_H
#define MW_PEEK_H

/* Payload worth a look by the agent, among the first data packets of a
 * direction: JSON-RPC (Stratum) or a TLS handshake record (ClientHello and
 * its SNI). DNS is mw_dns_peek's. */
static __always_inline int mw_peek_wanted(const struct mw_pkt *p, __u8 first)
{
	if (p->proto != IPPROTO_TCP)
		return 0;
	return first == '{' || first == 0x16;
}

/*
 * DNS (remote port 53, UDP or TCP) is peeked only on flows the host opened:
 * every query the host sends (seen leaving through tc, so that the agent can
 * match answers to it) and every packet that comes back on that flow, the
 * reversed 5-tuple of a query. A flow a remote opened from port 53 is never
 * peeked: unsolicited "answers" are not worth a look, and a flood of them
 * must not cost the agent anything.
 */
static __always_inline int mw_dns_peek(const struct mw_ctx *c, const struct mw_flow *f, int dir)
{
	if (!f->host_opened)
		return 0;
	return dir == MW_DIR_IN || c->hook == MW_HOOK_TC;
}

static __always_inline int mw_load_bytes(struct mw_ctx *c, __u32 off, void *to, __u32 len)
{
	if (c->hook == MW_HOOK_XDP)
		return bpf_xdp_load_bytes(c->ctx, off, to, len);
	return bpf_skb_load_bytes(c->ctx, off, to, len);
}

static __always_inline void mw_peek(struct mw_ctx *c, struct mw_stats *st, const struct mw_pkt *p,
				    const struct mw_flow_key *key, const struct mw_flow *f, int dir,
				    __u32 index)
{
	struct mw_event_peek *ev;
	__u32 len = p->payload_len;

	if (len > mw_cfg.peek_bytes)
		len = mw_cfg.peek_bytes;
	/* the verifier needs a constant upper bound on the copy length */
	if (len > MW_PEEK_MAX)
		len = MW_PEEK_MAX;
	if (len == 0)
		return;

	/* peeks have a ring of their own: a flood of them never takes the
	 * room of the events that decide blocks */
	ev = bpf_ringbuf_reserve(&mw_peeks, sizeof(*ev), 0);
	if (!ev) {
		st->peeks_lost++;
		return;
	}
	if (mw_load_bytes(c, p->payload_off, ev->data, len) < 0) {
		bpf_ringbuf_discard(ev, 0);
		return;
	}
	ev->hdr.type = MW_EV_PEEK;
	ev->hdr.dir = dir;
	ev->hdr.reason = 0;
	ev->hdr.ifindex = c->ifindex;
	ev->hdr.ts_ns = c->now;
	__builtin_memcpy(&ev->key, key, sizeof(*key));
	ev->len = len;
	ev->orig_len = p->payload_len > 0xffff ? 0xffff : p->payload_len;
	ev->seq = p->tcp_seq;
	ev->index = index;
	/* the evidence the agent weighs the payload by */
	ev->initiator = f->initiator;
	ev->handshake = f->handshake;
	ev->host_opened = f->host_opened;
	ev->answered = f->packets[MW_DIR_IN] && f->packets[MW_DIR_OUT];
	bpf_ringbuf_submit(ev, 0);
	st->peeks++;
}

static __always_inline __u8 mw_first_payload_byte(struct mw_ctx *c, const struct mw_pkt *p)
{
	__u8 b = 0;

	mw_load_bytes(c, p->payload_off, &b, 1);
	return b;
}

/* Copies the payload of @p, the @n-th data packet of @f in @dir, for the
 * agent when it may hold what the agent parses. */
static __always_inline void mw_payload_peek(struct mw_ctx *c, struct mw_stats *st,
					    const struct mw_pkt *p, const struct mw_flow_key *key,
					    struct mw_flow *f, int dir, __u32 n)
{
	if ((p->proto == IPPROTO_UDP || p->proto == IPPROTO_TCP) &&
	    key->remote_port == bpf_htons(MW_DNS_PORT)) {
		/* every query and answer matters, not only the first few */
		if (mw_dns_peek(c, f, dir))
			mw_peek(c, st, p, key, f, dir, n - 1);
	} else if (n <= mw_cfg.peek_packets && f->peeked[dir] < mw_cfg.peek_packets &&
		   mw_peek_wanted(p, mw_first_payload_byte(c, p))) {
		f->peeked[dir]++;
		mw_peek(c, st, p, key, f, dir, n - 1);
	}
}

#endif /* MW_PEEK_H */
