/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * flow.h - flow accounting shared by the XDP ingress and tc egress programs:
 * find or create the connection's entry, count the packet in its direction,
 * track the TCP handshake and close, and raise ring-buffer events when the
 * agent must know now (flow end, blacklist hit, new outbound flow to a
 * public address, payload worth parsing).
 */
#ifndef MW_FLOW_H
#define MW_FLOW_H

#include "parse.h"
#include "maps.h"

#define MW_DNS_PORT 53

/* Where a packet came from, so that one inline body serves both hooks and
 * the compiler drops the helper calls a program type may not use. */
enum mw_hook {
	MW_HOOK_XDP = 0,
	MW_HOOK_TC = 1,
};

/* The packet the programs are looking at, for payload copies. */
struct mw_ctx {
	void *ctx;
	enum mw_hook hook;
	__u32 ifindex;
	__u32 segs; /* wire packets this buffer stands for (TCP GSO) */
	__u32 l3_bytes; /* IP bytes of all those packets */
	__u64 now;
};

static __always_inline struct mw_stats *mw_stats_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&mw_stats, &zero);
}

static __always_inline void mw_key_set(struct mw_flow_key *key, const struct mw_pkt *p, int dir)
{
	/* dir says which side of the packet is the host */
	if (dir == MW_DIR_IN) {
		__builtin_memcpy(key->local_addr, p->daddr, 16);
		__builtin_memcpy(key->remote_addr, p->saddr, 16);
		key->local_port = p->dport;
		key->remote_port = p->sport;
	} else {
		__builtin_memcpy(key->local_addr, p->saddr, 16);
		__builtin_memcpy(key->remote_addr, p->daddr, 16);
		key->local_port = p->sport;
		key->remote_port = p->dport;
	}
	key->proto = p->proto;
	key->pad[0] = key->pad[1] = key->pad[2] = 0;
}

static __always_inline int mw_is_local(const __u8 *addr)
{
	return bpf_map_lookup_elem(&mw_local, addr) != NULL;
}

static __always_inline void mw_emit_flow(struct mw_ctx *c, struct mw_stats *st, __u16 type, int dir,
					 __u8 reason, const struct mw_flow_key *key,
					 const struct mw_flow *flow)
{
	struct mw_event_flow *ev;

	ev = bpf_ringbuf_reserve(&mw_events, sizeof(*ev), 0);
	if (!ev) {
		st->events_lost++;
		return;
	}
	ev->hdr.type = type;
	ev->hdr.dir = dir;
	ev->hdr.reason = reason;
	ev->hdr.ifindex = c->ifindex;
	ev->hdr.ts_ns = c->now;
	__builtin_memcpy(&ev->key, key, sizeof(*key));
	__builtin_memcpy(&ev->flow, flow, sizeof(*flow));
	bpf_ringbuf_submit(ev, 0);
	st->events++;
}

static __always_inline void mw_emit_burst(struct mw_ctx *c, struct mw_stats *st,
					  const struct mw_flow_key *key, const struct mw_flow *f,
					  __u32 next_bytes)
{
	struct mw_event_burst *ev;

	ev = bpf_ringbuf_reserve(&mw_events, sizeof(*ev), 0);
	if (!ev) {
		st->events_lost++;
		return;
	}
	ev->hdr.type = MW_EV_BURST;
	ev->hdr.dir = f->last_data_dir;
	ev->hdr.reason = 0;
	ev->hdr.ifindex = c->ifindex;
	ev->hdr.ts_ns = c->now;
	__builtin_memcpy(&ev->key, key, sizeof(*key));
	ev->bytes = f->burst_bytes;
	ev->exchanges = f->exchanges;
	ev->svc = f->svc;
	ev->handshake = f->handshake;
	ev->first_ns = f->first_ns;
	ev->next_bytes = next_bytes;
	ev->next_head_len = 0; /* filled by the caller that has the packet */
	ev->pad2[0] = ev->pad2[1] = ev->pad2[2] = 0;
	bpf_ringbuf_submit(ev, 0);
	st->events++;
}

/* Payload worth a look by the agent: JSON-RPC (Stratum), a TLS handshake
 * record (ClientHello and its SNI), or DNS. */
static __always_inline int mw_peek_wanted(const struct mw_pkt *p, const struct mw_flow_key *key,
					  __u8 first)
{
	if (key->remote_port == bpf_htons(MW_DNS_PORT))
		return 1;
	if (p->proto != IPPROTO_TCP)
		return 0;
	return first == '{' || first == 0x16;
}

static __always_inline int mw_load_bytes(struct mw_ctx *c, __u32 off, void *to, __u32 len)
{
	if (c->hook == MW_HOOK_XDP)
		return bpf_xdp_load_bytes(c->ctx, off, to, len);
	return bpf_skb_load_bytes(c->ctx, off, to, len);
}

static __always_inline void mw_peek(struct mw_ctx *c, struct mw_stats *st, const struct mw_pkt *p,
				    const struct mw_flow_key *key, int dir, __u32 index)
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

	ev = bpf_ringbuf_reserve(&mw_events, sizeof(*ev), 0);
	if (!ev) {
		st->events_lost++;
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
	ev->initiator = 0; /* filled in by the flow-aware caller (datapath work) */
	ev->handshake = 0;
	ev->host_opened = 0;
	ev->answered = 0;
	bpf_ringbuf_submit(ev, 0);
	st->peeks++;
	st->events++;
}

static __always_inline __u8 mw_first_payload_byte(struct mw_ctx *c, const struct mw_pkt *p)
{
	__u8 b = 0;

	mw_load_bytes(c, p->payload_off, &b, 1);
	return b;
}

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

static __always_inline void mw_flow_init(struct mw_flow *f, const struct mw_pkt *p,
					 struct mw_ctx *c, int dir)
{
	__builtin_memset(f, 0, sizeof(*f));
	f->first_ns = c->now;
	f->ifindex = c->ifindex;
	f->last_data_dir = dir;
	if (p->proto == IPPROTO_TCP && !p->later_fragment) {
		if ((p->tcp_flags & (MW_TCP_SYN | MW_TCP_ACK)) == MW_TCP_SYN)
			f->initiator = dir;
		else if ((p->tcp_flags & (MW_TCP_SYN | MW_TCP_ACK)) == (MW_TCP_SYN | MW_TCP_ACK))
			f->initiator = !dir; /* we missed the SYN: the SYN-ACK answers it */
		else
			f->initiator = MW_INIT_UNKNOWN;
	} else {
		f->initiator = dir;
	}
}

static __always_inline __u8 mw_tcp_state(const struct mw_flow *f)
{
	__u8 all = f->tcp_flags[0] | f->tcp_flags[1];

	if (all & MW_TCP_RST)
		return MW_STATE_CLOSED;
	if ((f->tcp_flags[0] & MW_TCP_FIN) && (f->tcp_flags[1] & MW_TCP_FIN))
		return MW_STATE_CLOSED;
	if (all & MW_TCP_FIN)
		return MW_STATE_CLOSING;
	return MW_STATE_OPEN;
}

/* Counts the packet in flow @f (in the map, or a new one still on the stack). */
static __always_inline void mw_update(struct mw_ctx *c, struct mw_stats *st, const struct mw_pkt *p,
				      const struct mw_flow_key *key, struct mw_flow *f, int dir)
{
	int odir = !dir; /* the other direction */
	__u8 flags = 0;

	/* hide the indexes' range from clang: knowing they are 0 or 1, it
	 * indexes the stack copy of a flow with "pointer |= dir", which the
	 * verifier refuses */
	asm volatile("" : "+r"(dir));
	asm volatile("" : "+r"(odir));

	if (p->proto == IPPROTO_TCP && !p->later_fragment) {
		flags = p->tcp_flags;
		/* a new SYN on a closed connection: the 4-tuple is reused */
		if ((flags & (MW_TCP_SYN | MW_TCP_ACK)) == MW_TCP_SYN &&
		    f->state == MW_STATE_CLOSED) {
			mw_flow_init(f, p, c, dir);
			st->flow_reused++;
		}
	}

	f->packets[dir] += c->segs;
	f->bytes[dir] += c->l3_bytes;
	f->last_ns = c->now;

	if (p->payload_len) {
		__u32 n = ++f->data_packets[dir];

		if (f->last_data_dir != dir && f->data_packets[odir]) {
			f->exchanges++;
			/* the other side's burst ended: a login try shows in its size */
			if (f->svc && f->exchanges <= MW_BURST_EVENTS_MAX)
				mw_emit_burst(c, st, key, f, p->payload_len);
			f->burst_bytes = 0;
		}
		f->last_data_dir = dir;
		f->burst_bytes += p->payload_len;
		if (n <= mw_cfg.peek_packets && f->peeked[dir] < mw_cfg.peek_packets &&
		    mw_peek_wanted(p, key, mw_first_payload_byte(c, p))) {
			f->peeked[dir]++;
			mw_peek(c, st, p, key, dir, n - 1);
		} else if (p->proto == IPPROTO_UDP && key->remote_port == bpf_htons(MW_DNS_PORT) &&
			   dir == MW_DIR_IN) {
			/* every DNS answer matters, not only the first few */
			mw_peek(c, st, p, key, dir, n - 1);
		}
	}

	if (!flags)
		return;
	f->tcp_flags[dir] |= flags;
	if (!f->handshake && dir == f->initiator && (flags & MW_TCP_ACK) && !(flags & MW_TCP_SYN) &&
	    (f->tcp_flags[odir] & MW_TCP_SYN))
		f->handshake = 1;
	if (flags & (MW_TCP_FIN | MW_TCP_RST)) {
		f->state = mw_tcp_state(f);
		/* two CPUs closing one flow at once may both report it: the agent
		 * drops the second report (same key and first_ns) */
		if (f->state == MW_STATE_CLOSED && !f->ended) {
			f->ended = 1;
			st->flow_ends++;
			mw_emit_flow(c, st, MW_EV_FLOW_END, dir,
				     (flags & MW_TCP_RST) ? MW_END_RST : MW_END_FIN, key, f);
		}
	}
}

/*
 * A packet of a flow the table does not hold: build the entry on the stack,
 * count the packet in it, then insert it, so that a new flow costs one
 * insert and no second lookup.
 */
static __always_inline int mw_flow_create(struct mw_ctx *c, struct mw_stats *st,
					  const struct mw_pkt *p, const struct mw_flow_key *key,
					  int dir)
{
	struct mw_flow nf;
	struct mw_flow *f;
	__u32 list;

	mw_flow_init(&nf, p, c, dir);
	if (mw_bl_entries)
		mw_blacklist_match(key, &nf);
	/* the local socket behind a packet the host sends: its process */
	if (c->hook == MW_HOOK_TC && dir == MW_DIR_OUT)
		nf.sock_cookie = bpf_get_socket_cookie(c->ctx);
	if (nf.initiator == MW_DIR_IN && p->proto == IPPROTO_TCP) {
		__u32 port = bpf_ntohs(key->local_port);
		__u8 *svc = bpf_map_lookup_elem(&mw_svc, &port);

		if (svc)
			nf.svc = *svc;
	}
	mw_update(c, st, p, key, &nf, dir);

	if (bpf_map_update_elem(&mw_flows, key, &nf, BPF_NOEXIST) < 0) {
		/* another CPU created it a moment ago: count the packet there */
		f = bpf_map_lookup_elem(&mw_flows, key);
		if (f) {
			mw_update(c, st, p, key, f, dir);
			return mw_bl_drop(st, f);
		}
		st->flow_insert_fail++;
		return mw_bl_drop(st, &nf);
	}
	st->flow_inserts++;
	if (nf.initiator == MW_INIT_UNKNOWN)
		st->flow_midstream++;
	if (nf.blacklist) {
		st->blacklist_hits++;
		mw_emit_flow(c, st, MW_EV_BLACKLIST, dir, 0, key, &nf);
	}
	if (nf.initiator == MW_DIR_OUT && dir == MW_DIR_OUT &&
	    !mw_lpm_match(&mw_internal, key->remote_addr, &list)) {
		st->new_public++;
		mw_emit_flow(c, st, MW_EV_NEW_PUBLIC, dir, 0, key, &nf);
	}
	return mw_bl_drop(st, &nf);
}

/*
 * Counts the packet in its flow; returns 1 when the packet must be dropped
 * (a blacklisted remote, enforced). @hook_dir is the hook's usual direction
 * (ingress: the destination is the host). The host's own addresses decide
 * when the hook is wrong, as for forwarded or replayed traffic; they are
 * consulted only when the flow is not found the usual way round, so a
 * packet of a known flow costs one lookup.
 */
static __always_inline int mw_account(struct mw_ctx *c, struct mw_stats *st, const struct mw_pkt *p,
				      int hook_dir)
{
	const __u8 *hook_local = hook_dir == MW_DIR_IN ? p->daddr : p->saddr;
	const __u8 *hook_remote = hook_dir == MW_DIR_IN ? p->saddr : p->daddr;
	struct mw_flow_key key;
	struct mw_flow *f;
	int dir = hook_dir;

	mw_key_set(&key, p, dir);
	f = bpf_map_lookup_elem(&mw_flows, &key);
	if (f) {
		mw_update(c, st, p, &key, f, dir);
		return mw_bl_drop(st, f);
	}
	if (!mw_is_local(hook_local)) {
		/* the other orientation may be known already */
		mw_key_set(&key, p, !hook_dir);
		f = bpf_map_lookup_elem(&mw_flows, &key);
		if (f) {
			mw_update(c, st, p, &key, f, !hook_dir);
			return mw_bl_drop(st, f);
		}
		if (mw_is_local(hook_remote)) {
			dir = !hook_dir;
		} else {
			mw_key_set(&key, p, dir); /* neither side is ours: keep the hook's view */
		}
	}
	return mw_flow_create(c, st, p, &key, dir);
}

#endif /* MW_FLOW_H */
