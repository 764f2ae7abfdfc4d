/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * flow_state.h - the flow state machine: a flow's start, TCP handshake and sequence.
 *
 * What a flow learns at its start, the TCP handshake seen in order, each
 * direction's sequence space, and which SYN, RST or FIN is taken.
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
#ifndef MW_FLOW_STATE_H
#define MW_FLOW_STATE_H

#include "pkt_ctx.h"
#include "blacklist.h"

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
					 const struct mw_flow_key *key, struct mw_pkt_ctx *c,
					 int dir)
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
	if (c->prog == MW_PROG_TC && dir == MW_DIR_OUT && mw_pkt_opens(p))
		f->host_opened = 1;
	if (mw_bl_entries)
		mw_blacklist_match(key, f);
	/* the local socket behind a packet the host sends: its process */
	if (c->prog == MW_PROG_TC && dir == MW_DIR_OUT)
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
static __always_inline int mw_rst_fits(const struct mw_pkt_ctx *c, const struct mw_pkt *p,
				       const struct mw_flow *f, int dir, int odir)
{
	if (c->prog == MW_PROG_TC || f->hs_stage == MW_HS_NONE)
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
static __always_inline int mw_fin_fits(const struct mw_pkt_ctx *c, const struct mw_pkt *p,
				       const struct mw_flow *f, int dir)
{
	__u32 fin_seq = p->tcp_seq + p->payload_len;

	if (c->prog == MW_PROG_TC || f->hs_stage == MW_HS_NONE)
		return 1;
	if (!mw_seq_known(f, dir))
		return 0;
	return mw_seq_diff(fin_seq, f->seq_next[dir] - 1) >= 0 &&
	       mw_seq_diff(fin_seq, f->seq_next[dir]) <= (__s32)MW_SEQ_WINDOW;
}

/* Moves seq_next of @dir past the segment (its data, and its FIN when
 * taken), never back. From outside, a segment that starts beyond the window
 * is left out, so that one forged packet cannot carry seq_next far away. */
static __always_inline void mw_seq_advance(const struct mw_pkt_ctx *c, const struct mw_pkt *p,
					   struct mw_flow *f, int dir, __u8 flags)
{
	__u32 end = p->tcp_seq + p->payload_len + !!(flags & MW_TCP_FIN);

	if (!mw_seq_known(f, dir))
		return;
	if (c->prog != MW_PROG_TC &&
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
static __always_inline __u8 mw_tcp_track(struct mw_pkt_ctx *c, struct mw_stats *st,
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
			    c->prog != MW_PROG_TC) {
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
		if (c->prog == MW_PROG_TC)
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

#endif /* MW_FLOW_STATE_H */
