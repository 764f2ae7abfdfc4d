/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * flow.h - flow accounting shared by the XDP ingress and tc egress programs:
 * find or create the connection's entry, count the packet in its direction,
 * track the TCP handshake and close, and raise ring-buffer events when the
 * agent must know now (flow end, blacklist hit, new outbound flow to a
 * public address, payload worth parsing).
 *
 * What an outsider can forge is never taken as evidence. The TCP handshake
 * counts only when seen in order (SYN; SYN-ACK acknowledging it; ACK
 * acknowledging the SYN-ACK); a RST or FIN is taken only when it fits its
 * direction's sequence space, as the host's stack would take it (RFC 5961);
 * a SYN never resets a flow whose handshake was seen. Packets the host itself
 * sends (tc egress) speak for the host's stack and are taken as they are: a
 * remote cannot make the host send them, and the host's stack knows better
 * than this tracker (the RST that kills an embryonic connection, the SYN-ACK
 * of a SYN cookie).
 */
#ifndef MW_FLOW_H
#define MW_FLOW_H

#include "parse.h"
#include "maps.h"

#define MW_DNS_PORT 53

/*
 * How far past a direction's seq_next a FIN, or the start of a data segment
 * arriving from outside, may lie and still be taken: 1 MiB. The host's stack
 * takes a FIN anywhere in its receive window, which this tracker does not
 * know (window scaling, the other direction's ACKs); a segment ahead of
 * seq_next is one that overtook earlier ones on the wire, so the gap is at
 * most what was in flight. 1 MiB covers the in-flight data of ordinary paths
 * (Linux's default tcp_rmem max is 6 MiB, and a window that large is rarely
 * full and reordered), while a blind forger must still guess a 2^20 window
 * out of 2^32 (1 in 4096 per packet). Too small a margin costs little: a FIN
 * left out ends the flow at the agent's idle scan instead, and a segment left
 * out is caught up by the next one in order.
 */
#define MW_SEQ_WINDOW (1U << 20)

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

#include "peek.h"

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

/*
 * Whether an event about @flow may decide a block: the agent blocks only on
 * flows the host opened, or on connections whose handshake was seen in
 * order (a real peer, which no forger can multiply). Those go to mw_events;
 * the rest (a forger's flows, whose ends and hits are only ever reported or
 * exported) go to the best-effort ring with the payload copies, or are left
 * to the sweep, so that a flood of spoofed SYNs or of packets from listed
 * sources cannot push the deciding ones out.
 */
static __always_inline int mw_flow_decisive(const struct mw_flow *flow)
{
	return flow->host_opened || flow->handshake;
}

static __always_inline void mw_emit_flow(struct mw_ctx *c, struct mw_stats *st, __u16 type, int dir,
					 __u8 reason, const struct mw_flow_key *key,
					 const struct mw_flow *flow)
{
	struct mw_event_flow *ev;

	if (mw_flow_decisive(flow)) {
		ev = bpf_ringbuf_reserve(&mw_events, sizeof(*ev), 0);
		if (!ev) {
			st->events_lost++;
			return;
		}
	} else {
		ev = bpf_ringbuf_reserve(&mw_peeks, sizeof(*ev), 0);
		if (!ev) {
			st->peeks_lost++;
			return;
		}
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

/* @p starts the other side's burst (or, for HTTP, the connection's first
 * request): the size of the burst that ended and @p's first bytes when
 * they say something (the host's reply code, an HTTP request line). */
static __always_inline void mw_emit_burst(struct mw_ctx *c, struct mw_stats *st,
					  const struct mw_flow_key *key, const struct mw_flow *f,
					  const struct mw_pkt *p, int dir, int first)
{
	struct mw_event_burst *ev;
	__u32 head = p->payload_len;

	ev = bpf_ringbuf_reserve(&mw_events, sizeof(*ev), 0);
	if (!ev) {
		st->events_lost++;
		return;
	}
	ev->hdr.type = MW_EV_BURST;
	/* the burst that ended; none yet at a connection's first request */
	ev->hdr.dir = first ? !dir : f->last_data_dir;
	ev->hdr.reason = 0;
	ev->hdr.ifindex = c->ifindex;
	ev->hdr.ts_ns = c->now;
	__builtin_memcpy(&ev->key, key, sizeof(*key));
	ev->bytes = f->burst_bytes;
	ev->exchanges = f->exchanges;
	ev->svc = f->svc;
	ev->handshake = f->handshake;
	ev->first_ns = f->first_ns;
	ev->next_bytes = p->payload_len;
	ev->next_head_len = 0;
	ev->pad2 = 0;
	/* the verifier needs a constant bound on the copy */
	if (head > MW_HEAD_MAX)
		head = MW_HEAD_MAX;
	/* the host's reply code; for HTTP, the client's method and path too
	 * (a login form's POSTs) */
	if ((dir == MW_DIR_OUT || f->svc == MW_SVC_HTTP) && head > 0 &&
	    !mw_load_bytes(c, p->payload_off, ev->next_head, head))
		ev->next_head_len = head;
	bpf_ringbuf_submit(ev, 0);
	st->events++;
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

/* A TCP segment that opens a connection: SYN alone (a SYN with RST or FIN
 * is junk the host's stack discards). */
static __always_inline int mw_tcp_opening(__u8 flags)
{
	return (flags & (MW_TCP_SYN | MW_TCP_ACK | MW_TCP_RST | MW_TCP_FIN)) == MW_TCP_SYN;
}

static __always_inline int mw_tcp_synack(__u8 flags)
{
	return (flags & (MW_TCP_SYN | MW_TCP_ACK | MW_TCP_RST | MW_TCP_FIN)) ==
	       (MW_TCP_SYN | MW_TCP_ACK);
}

/* Whether @p, the first packet of a flow, opens it: a TCP SYN, an ICMP echo
 * request, the first packet of any other protocol. An ICMP error or echo
 * reply answers something; the host sends those to whoever asks. */
static __always_inline int mw_pkt_opens(const struct mw_pkt *p)
{
	if (p->later_fragment)
		return 1; /* a portless flow: its first packet is all there is */
	if (p->proto == IPPROTO_TCP)
		return mw_tcp_opening(p->tcp_flags);
	if (p->proto == IPPROTO_ICMP)
		return p->icmp_type == MW_ICMP_ECHO;
	if (p->proto == IPPROTO_ICMPV6)
		return p->icmp_type == MW_ICMPV6_ECHO_REQUEST;
	return 1;
}

/*
 * (Re)starts flow @f from packet @p: a new entry, or a TCP 4-tuple reused by
 * a new connection. Everything a flow learns at its start is learned here,
 * so that a reused entry is as complete as a new one (its protected-service
 * marker, its blacklist verdict, the socket behind it).
 */
static __always_inline void mw_flow_init(struct mw_flow *f, const struct mw_pkt *p,
					 const struct mw_flow_key *key, struct mw_ctx *c, int dir)
{
	__builtin_memset(f, 0, sizeof(*f));
	f->first_ns = c->now;
	f->ifindex = c->ifindex;
	f->last_data_dir = dir;
	if (p->proto == IPPROTO_TCP && !p->later_fragment) {
		if (mw_tcp_opening(p->tcp_flags))
			f->initiator = dir;
		else if (mw_tcp_synack(p->tcp_flags))
			f->initiator = !dir; /* we missed the SYN: the SYN-ACK answers it */
		else
			f->initiator = MW_INIT_UNKNOWN;
	} else {
		f->initiator = dir;
	}
	/* only a packet the host sent (tc egress) says the host opened the
	 * flow; one arriving at XDP with a local source is a replay or a spoof */
	if (c->hook == MW_HOOK_TC && dir == MW_DIR_OUT && mw_pkt_opens(p))
		f->host_opened = 1;
	if (mw_bl_entries)
		mw_blacklist_match(key, f);
	/* the local socket behind a packet the host sends: its process */
	if (c->hook == MW_HOOK_TC && dir == MW_DIR_OUT)
		f->sock_cookie = bpf_get_socket_cookie(c->ctx);
	if (f->initiator == MW_DIR_IN && p->proto == IPPROTO_TCP) {
		__u32 port = bpf_ntohs(key->local_port);
		__u8 *svc = bpf_map_lookup_elem(&mw_svc, &port);

		if (svc)
			f->svc = *svc;
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

/* @a - @b in sequence space (serial arithmetic, RFC 1982): > 0 when @a is
 * after @b, as long as the two are less than 2^31 apart. */
static __always_inline __s32 mw_seq_diff(__u32 a, __u32 b)
{
	return (__s32)(a - b);
}

/* Whether @f->seq_next[@dir] holds something: the initiator's from its SYN
 * on, the responder's from the SYN-ACK on. Mid-stream flows know neither. */
static __always_inline int mw_seq_known(const struct mw_flow *f, int dir)
{
	if (f->hs_stage == MW_HS_NONE)
		return 0;
	return dir == f->initiator || f->hs_stage >= MW_HS_SYNACK;
}

/*
 * Whether a RST from direction @dir is one the host's stack takes. Exactly at
 * seq_next (RFC 5961 3.2: Linux answers a RST that is in the window but not
 * exact with a challenge ACK and ignores it; the real peer, which knows the
 * sequence, then sends the exact one); or the responder refusing the SYN,
 * its ACK acknowledging it (RFC 793 SYN-SENT: there the responder's
 * sequence is not known yet, and a RST without that ACK is ignored). A flow
 * first seen mid-stream has nothing to check against: its RSTs are taken.
 * The host's own RSTs (tc) are its stack's word.
 */
static __always_inline int mw_rst_fits(const struct mw_ctx *c, const struct mw_pkt *p,
				       const struct mw_flow *f, int dir, int odir)
{
	if (c->hook == MW_HOOK_TC || f->hs_stage == MW_HS_NONE)
		return 1;
	/* hs_stage != NONE: f->initiator is MW_DIR_IN or MW_DIR_OUT, so the
	 * initiator's side is @odir whenever it is not @dir */
	if (dir != f->initiator) {
		if (f->hs_stage != MW_HS_DONE && (p->tcp_flags & MW_TCP_ACK) &&
		    p->tcp_ack == f->seq_next[odir])
			return 1;
		if (f->hs_stage == MW_HS_SYN)
			return 0;
	}
	return p->tcp_seq == f->seq_next[dir];
}

/*
 * Whether a FIN from direction @dir fits: its own sequence number (after the
 * segment's data) from seq_next - 1 (a retransmission of the FIN already
 * taken) to seq_next + MW_SEQ_WINDOW. Mid-stream flows have nothing to check
 * against; before the SYN-ACK the responder has no sequence space yet.
 */
static __always_inline int mw_fin_fits(const struct mw_ctx *c, const struct mw_pkt *p,
				       const struct mw_flow *f, int dir)
{
	__u32 fin_seq = p->tcp_seq + p->payload_len;

	if (c->hook == MW_HOOK_TC || f->hs_stage == MW_HS_NONE)
		return 1;
	if (!mw_seq_known(f, dir))
		return 0;
	return mw_seq_diff(fin_seq, f->seq_next[dir] - 1) >= 0 &&
	       mw_seq_diff(fin_seq, f->seq_next[dir]) <= (__s32)MW_SEQ_WINDOW;
}

/* Moves seq_next of @dir past the segment (its data, and its FIN when
 * taken), never back. From outside, a segment that starts beyond the window
 * is left out, so that one forged packet cannot carry seq_next far away. */
static __always_inline void mw_seq_advance(const struct mw_ctx *c, const struct mw_pkt *p,
					   struct mw_flow *f, int dir, __u8 flags)
{
	__u32 end = p->tcp_seq + p->payload_len + !!(flags & MW_TCP_FIN);

	if (!mw_seq_known(f, dir))
		return;
	if (c->hook != MW_HOOK_TC &&
	    mw_seq_diff(p->tcp_seq, f->seq_next[dir]) > (__s32)MW_SEQ_WINDOW)
		return;
	if (mw_seq_diff(end, f->seq_next[dir]) > 0)
		f->seq_next[dir] = end;
}

/*
 * The TCP side of a packet: the handshake in order, seq_next, and whether its
 * SYN, RST or FIN is taken. Returns the flags to record (0: the packet
 * changes nothing of the flow's TCP state); may restart @f when a new
 * connection reuses the 4-tuple.
 */
static __always_inline __u8 mw_tcp_track(struct mw_ctx *c, struct mw_stats *st,
					 const struct mw_pkt *p, const struct mw_flow_key *key,
					 struct mw_flow *f, int dir, int odir)
{
	__u8 flags = p->tcp_flags;
	__u32 syn_next = p->tcp_seq + 1 + p->payload_len; /* a SYN may carry data (TFO) */
	int fresh = !f->packets[MW_DIR_IN] && !f->packets[MW_DIR_OUT];
	int shaking = f->hs_stage == MW_HS_SYN || f->hs_stage == MW_HS_SYNACK;

	if (flags & MW_TCP_RST) {
		if (mw_rst_fits(c, p, f, dir, odir))
			return flags;
		st->rst_ignored++;
		return 0;
	}

	if (mw_tcp_opening(flags)) {
		if (!fresh) {
			if (shaking && dir == f->initiator && syn_next == f->seq_next[dir])
				return flags; /* the SYN again: a retransmission */
			/* a SYN never resets a flow whose handshake was seen: the
			 * host's stack answers it with a challenge ACK */
			if (f->hs_stage != MW_HS_NONE && f->state != MW_STATE_CLOSED &&
			    c->hook != MW_HOOK_TC) {
				st->syn_on_live++;
				return 0;
			}
			/* a closed connection's 4-tuple reused, an entry that
			 * never saw a handshake (nothing in it to protect), or the
			 * host itself opening anew */
			mw_flow_init(f, p, key, c, dir);
			st->flow_reused++;
		}
		f->hs_stage = MW_HS_SYN;
		f->seq_next[dir] = syn_next;
		return flags;
	}

	if (mw_tcp_synack(flags)) {
		if (fresh || f->hs_stage == MW_HS_NONE)
			return flags; /* its SYN was not seen: never verified */
		if (!shaking || dir == f->initiator)
			return 0;
		/* the host's own SYN-ACK names the SYN its stack kept (the
		 * first one, or a SYN cookie's); from outside, it must
		 * acknowledge the initiator's SYN */
		if (c->hook == MW_HOOK_TC)
			f->seq_next[odir] = p->tcp_ack;
		else if (p->tcp_ack != f->seq_next[odir])
			return 0;
		f->hs_stage = MW_HS_SYNACK;
		f->seq_next[dir] = syn_next;
		return flags;
	}

	if (flags & MW_TCP_SYN) {
		/* SYN with FIN: a scan's junk, discarded by the host's stack */
		if (flags & MW_TCP_FIN)
			st->fin_ignored++;
		return 0;
	}

	if ((flags & MW_TCP_FIN) && !mw_fin_fits(c, p, f, dir)) {
		st->fin_ignored++;
		return 0;
	}
	/* the initiator acknowledging the SYN-ACK: the handshake is complete */
	if (f->hs_stage == MW_HS_SYNACK && dir == f->initiator && (flags & MW_TCP_ACK) &&
	    p->tcp_ack == f->seq_next[odir]) {
		f->hs_stage = MW_HS_DONE;
		f->handshake = 1;
	}
	mw_seq_advance(c, p, f, dir, flags);
	return flags;
}

/* Counts the packet in flow @f (in the map, or a new one still on the stack). */
static __always_inline void mw_update(struct mw_ctx *c, struct mw_stats *st, const struct mw_pkt *p,
				      const struct mw_flow_key *key, struct mw_flow *f, int dir)
{
	int odir = !dir; /* the other direction */
	int seq_fit = 2;
	__u8 flags = 0;

	/* hide the indexes' range from clang: knowing they are 0 or 1, it
	 * indexes the stack copy of a flow with "pointer |= dir", which the
	 * verifier refuses */
	asm volatile("" : "+r"(dir));
	asm volatile("" : "+r"(odir));

	/* A packet that arrives with one of the host's addresses as its
	 * source is not the host's: the host's own packets leave through tc.
	 * Taken as the host's, a forger could complete a handshake in its
	 * name (a SYN-ACK of its choosing), or play the server's refusals in
	 * a real client's connection. It is counted, and changes nothing
	 * else of the flow. (A capture replayed into XDP is such traffic.) */
	if (dir == MW_DIR_OUT && c->hook == MW_HOOK_XDP) {
		f->packets[dir] += c->segs;
		f->bytes[dir] += c->l3_bytes;
		f->last_ns = c->now;
		st->local_src_in++;
		return;
	}

	/* The host's DNS query on a 5-tuple that forged "answers" reached
	 * first (sprayed from its resolver's address to every port): the
	 * host asks all the same, and its answer must be learnable; what
	 * came before the question was never looked at */
	if (p->proto == IPPROTO_UDP && c->hook == MW_HOOK_TC && dir == MW_DIR_OUT &&
	    !f->host_opened && !f->packets[MW_DIR_OUT] &&
	    key->remote_port == bpf_htons(MW_DNS_PORT)) {
		f->host_opened = 1;
		f->initiator = MW_DIR_OUT;
	}

	/* Where the sequence is known, the remote's payload counts only where
	 * its sequence number fits (a retransmission, data overtaken, the
	 * next byte), and is copied for the agent only at the next byte
	 * exactly: a blind forger spraying a line of Stratum or a DNS answer
	 * into connections it cannot see is left out. 2: exact or not known,
	 * 1: in the window, 0: outside */
	if (p->proto == IPPROTO_TCP && !p->later_fragment && p->payload_len &&
	    c->hook == MW_HOOK_XDP && mw_seq_known(f, dir)) {
		__s32 d = mw_seq_diff(p->tcp_seq, f->seq_next[dir]);

		if (d != 0)
			seq_fit = d > -(__s32)MW_SEQ_WINDOW && d <= (__s32)MW_SEQ_WINDOW;
	}

	if (p->proto == IPPROTO_TCP && !p->later_fragment)
		flags = mw_tcp_track(c, st, p, key, f, dir, odir);

	f->packets[dir] += c->segs;
	f->bytes[dir] += c->l3_bytes;
	f->last_ns = c->now;
	if (!seq_fit)
		st->data_out_of_window++;

	if (p->payload_len && seq_fit) {
		__u32 n = f->data_packets[dir];

		/* counters stop at their top rather than wrap: a wrapped count
		 * would make a long session look like a new one (its first data
		 * packets peeked again, its exchanges a login phase again) */
		if (n != ~0U)
			f->data_packets[dir] = ++n;
		if (f->last_data_dir != dir && f->data_packets[odir]) {
			if (f->exchanges != ~0U)
				f->exchanges++;
			/* the other side's burst ended: a login try shows in its
			 * size. Only flows whose handshake was seen in order: the
			 * agent blocks on nothing else, and a ring slot is worth
			 * more than an event it would ignore */
			if (f->svc && f->handshake && f->exchanges <= MW_BURST_EVENTS_MAX)
				mw_emit_burst(c, st, key, f, p, dir, 0);
			f->burst_bytes = 0;
		} else if (n == 1 && dir == MW_DIR_IN && !f->data_packets[odir] &&
			   f->svc == MW_SVC_HTTP && f->handshake) {
			/* an HTTP connection's first request: its method and
			 * path (one POST a connection, a login form's tries) */
			mw_emit_burst(c, st, key, f, p, dir, 1);
		}
		f->last_data_dir = dir;
		if (f->burst_bytes + p->payload_len >= f->burst_bytes)
			f->burst_bytes += p->payload_len;
		else
			f->burst_bytes = ~0U;
		/* payload is copied for the agent only at the next byte; a
		 * UDP datagram's later fragment is no message of its own */
		if (seq_fit == 2 && !(p->frag == MW_FRAG_LATER && p->proto == IPPROTO_UDP))
			mw_payload_peek(c, st, p, key, f, dir, n);
	}

	if (!flags)
		return;
	f->tcp_flags[dir] |= flags;
	if (flags & (MW_TCP_FIN | MW_TCP_RST)) {
		f->state = mw_tcp_state(f);
		/* two CPUs closing one flow at once may both report it: the agent
		 * drops the second report (same key and first_ns) */
		/* only the ends that may decide something go out now; the
		 * others (a forger's flows: a SYN refused, a segment met
		 * mid-stream) are reported by the agent's sweep after the closed
		 * linger, so that
		 * a flood of spoofed SYNs, each answered by a RST, costs the
		 * agent nothing at once and crowds out no ring */
		if (f->state == MW_STATE_CLOSED && !f->ended && mw_flow_decisive(f)) {
			f->ended = 1;
			st->flow_ends++;
			mw_emit_flow(c, st, MW_EV_FLOW_END, dir,
				     (flags & MW_TCP_RST) ? MW_END_RST : MW_END_FIN, key, f);
		}
	}
}

/* Whether @f is under observation: a protected service's connection,
 * verified, open, in its login phase (mw_watched). */
static __always_inline int mw_flow_watched(const struct mw_flow *f)
{
	return f->svc && f->handshake && f->state != MW_STATE_CLOSED &&
	       f->exchanges <= MW_BURST_EVENTS_MAX;
}

/* Keeps mw_watched's copy of @f current (its sequence numbers, its
 * exchanges, its counters), or drops it once @f left observation. Costs
 * nothing for the flows that never were under it. */
static __always_inline void mw_watch_sync(const struct mw_flow_key *key, const struct mw_flow *f,
					  int was_watched)
{
	if (mw_flow_watched(f))
		bpf_map_update_elem(&mw_watched, key, f, BPF_ANY);
	else if (was_watched)
		bpf_map_delete_elem(&mw_watched, key);
}

/* mw_update for an entry of mw_flows. */
static __always_inline void mw_update_entry(struct mw_ctx *c, struct mw_stats *st,
					    const struct mw_pkt *p, const struct mw_flow_key *key,
					    struct mw_flow *f, int dir)
{
	int was_watched = mw_flow_watched(f);

	mw_update(c, st, p, key, f, dir);
	/* a bare ACK moves no sequence, no exchange, no state: the copy may
	 * lag on its packet counts, never on what the tracking rests on */
	if (was_watched == mw_flow_watched(f) && !p->payload_len &&
	    !(p->tcp_flags & (MW_TCP_SYN | MW_TCP_FIN | MW_TCP_RST)))
		return;
	mw_watch_sync(key, f, was_watched || mw_flow_watched(f));
}

/*
 * A flow under observation that mw_flows lost (evicted by a flood of new
 * flows) comes back from its copy, as it was; the caller counts the packet
 * in it like in any entry (a SYN or a RST that does not fit changes nothing,
 * as on any live flow). Returns the entry, or NULL when @key is not
 * watched.
 */
static __always_inline struct mw_flow *mw_flow_restore(struct mw_stats *st,
						       const struct mw_flow_key *key)
{
	struct mw_flow *w = bpf_map_lookup_elem(&mw_watched, key);

	if (!w)
		return NULL;
	/* another CPU may have restored it a moment ago */
	if (!bpf_map_update_elem(&mw_flows, key, w, BPF_NOEXIST))
		st->flow_restored++;
	return bpf_map_lookup_elem(&mw_flows, key);
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
	struct mw_flow nf; /* 104 bytes of the 512-byte stack */
	struct mw_flow *f;
	__u32 list;

	mw_flow_init(&nf, p, key, c, dir);
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
	/* reported whoever sent the packet; the event carries host_opened, and
	 * the agent weighs it */
	if (nf.initiator == MW_DIR_OUT && dir == MW_DIR_OUT &&
	    !mw_lpm_match(&mw_internal, key->remote_addr, &list)) {
		st->new_public++;
		mw_emit_flow(c, st, MW_EV_NEW_PUBLIC, dir, 0, key, &nf);
	}
	return mw_bl_drop(st, &nf);
}

/*
 * IP fragments of TCP and UDP: the first fragment's ports are remembered by
 * datagram (addresses, identification, protocol), so that the later ones,
 * which carry payload only, count in their flow as data segments: bytes,
 * data packets, bursts and exchanges, as the host will see them once it
 * has reassembled the datagram. A TCP later fragment gets the sequence
 * number its first byte has in the stream, so that it is held to its
 * connection's window like any segment (a blind forger's fragments are not
 * data). Fragments that overtook their first, and those of a first fragment
 * too short for its ports (parse.h), stay portless, without payload.
 *
 * A global function (weak: both programs include it), verified once on its
 * own: inlined, the fragment cases multiplied the verifier's work on every
 * path after it (three times main's, and the agent's start by a second).
 * Returns 0.
 */
__weak __noinline int mw_frag_track(struct mw_stats *st, struct mw_pkt *p)
{
	struct mw_frag_key k;
	struct mw_frag_val *v;

	if (!st || !p || !p->frag)
		return 0;
	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP) {
		p->payload_len = 0;
		return 0;
	}
	__builtin_memcpy(k.saddr, p->saddr, 16);
	__builtin_memcpy(k.daddr, p->daddr, 16);
	k.id = p->frag_id;
	k.proto = p->proto;
	k.pad[0] = k.pad[1] = k.pad[2] = 0;
	if (p->frag == MW_FRAG_FIRST) {
		struct mw_frag_val nv = {
			.sport = p->sport,
			.dport = p->dport,
			.seq_base = p->tcp_seq - (p->payload_off - p->l4_off),
		};

		bpf_map_update_elem(&mw_frags, &k, &nv, BPF_ANY);
		return 0;
	}
	v = bpf_map_lookup_elem(&mw_frags, &k);
	if (!v) {
		p->payload_len = 0;
		return 0;
	}
	p->sport = v->sport;
	p->dport = v->dport;
	p->later_fragment = 0;
	/* a TCP later fragment is bare payload: no flags, no ACK */
	p->tcp_flags = 0;
	p->tcp_seq = v->seq_base + p->frag_off;
	st->frag_attributed++;
	return 0;
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
	if (!f && !mw_is_local(hook_local)) {
		/* the other orientation may be known already */
		mw_key_set(&key, p, !hook_dir);
		f = bpf_map_lookup_elem(&mw_flows, &key);
		if (f || mw_is_local(hook_remote))
			dir = !hook_dir;
		else
			mw_key_set(&key, p, dir); /* neither side is ours: keep the hook's view */
	}
	/* only a protected port's connections can be under observation: a
	 * flood to any other port costs one array read more, not a lookup */
	if (!f && p->proto == IPPROTO_TCP && !p->later_fragment) {
		__u32 port = bpf_ntohs(key.local_port);
		__u8 *svc = bpf_map_lookup_elem(&mw_svc, &port);

		if (svc && *svc)
			f = mw_flow_restore(st, &key);
	}
	if (f) {
		mw_update_entry(c, st, p, &key, f, dir);
		return mw_bl_drop(st, f);
	}
	return mw_flow_create(c, st, p, &key, dir);
}

#endif /* MW_FLOW_H */
