/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * flow.h - flow accounting: find or create a packet's flow and count it there.
 *
 * Shared by the XDP ingress and tc egress programs: the entry is looked up
 * both ways round, a flow under observation that the table lost comes back
 * from its copy, and the packet is counted in its direction. The flow's
 * state is flow_state.h's; the events the agent must know now go out
 * through emit.h (flow end, blacklist hit, new outbound flow to a public
 * address, bursts) and peek.h (payload worth parsing).
 */
#ifndef MW_FLOW_H
#define MW_FLOW_H

#include "pkt_ctx.h"
#include "blacklist.h"
#include "emit.h"
#include "flow_state.h"
#include "peek.h"

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

/* Counts the packet in flow @f (in the map, or a new one still on the stack). */
static __always_inline void mw_update(struct mw_pkt_ctx *c, struct mw_stats *st,
				      const struct mw_pkt *p, const struct mw_flow_key *key,
				      struct mw_flow *f, int dir)
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
	if (dir == MW_DIR_OUT && c->prog == MW_PROG_XDP) {
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
	if (p->proto == IPPROTO_UDP && c->prog == MW_PROG_TC && dir == MW_DIR_OUT &&
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
	    c->prog != MW_PROG_TC && mw_seq_known(f, dir)) {
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
static __always_inline void mw_update_entry(struct mw_pkt_ctx *c, struct mw_stats *st,
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
static __always_inline int mw_flow_create(struct mw_pkt_ctx *c, struct mw_stats *st,
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
 * Counts the packet in its flow; returns 1 when the packet must be dropped
 * (a blacklisted remote, enforced). @prog_dir is the program's usual
 * direction (XDP ingress: the destination is the host). The host's own
 * addresses decide when that is wrong, as for forwarded or replayed traffic; they are
 * consulted only when the flow is not found the usual way round, so a
 * packet of a known flow costs one lookup.
 */
static __always_inline int mw_account(struct mw_pkt_ctx *c, struct mw_stats *st,
				      const struct mw_pkt *p, int prog_dir)
{
	const __u8 *prog_local = prog_dir == MW_DIR_IN ? p->daddr : p->saddr;
	const __u8 *prog_remote = prog_dir == MW_DIR_IN ? p->saddr : p->daddr;
	struct mw_flow_key key;
	struct mw_flow *f;
	int dir = prog_dir;

	mw_key_set(&key, p, dir);
	f = bpf_map_lookup_elem(&mw_flows, &key);
	if (!f && !mw_is_local(prog_local)) {
		/* the other orientation may be known already */
		mw_key_set(&key, p, !prog_dir);
		f = bpf_map_lookup_elem(&mw_flows, &key);
		if (f || mw_is_local(prog_remote)) {
			dir = !prog_dir;
			/* tc: the sender is its flow's remote side (a container
			 * talking to the host or to another container, a packet
			 * the host forwards), or its local side on a packet
			 * toward a container (the host's own): a local stack's
			 * word counts for packets its flow's local side sent */
			if (c->prog != MW_PROG_XDP)
				c->prog = c->prog == MW_PROG_TC ? MW_PROG_TC_TO_PORT : MW_PROG_TC;
		} else
			mw_key_set(&key, p,
				   dir); /* neither side is ours: keep the program's view */
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
