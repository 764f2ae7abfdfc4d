/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * emit.h - ring-buffer emitters: flow events, bursts and payload peeks.
 *
 * Each record goes to the ring its weight as evidence calls for: mw_events
 * for what may decide a block, the best-effort mw_peeks for the rest.
 */
#ifndef MW_EMIT_H
#define MW_EMIT_H

#include "pkt_ctx.h"

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

static __always_inline void mw_emit_flow(struct mw_pkt_ctx *c, struct mw_stats *st, __u16 type,
					 int dir, __u8 reason, const struct mw_flow_key *key,
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
static __always_inline void mw_emit_burst(struct mw_pkt_ctx *c, struct mw_stats *st,
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

/* Copies @len payload bytes of @p from @off (at most MW_PEEK_MAX) into one
 * peek event; @cont as in struct mw_event_peek. */
static __always_inline void mw_emit_peek(struct mw_pkt_ctx *c, struct mw_stats *st,
					 const struct mw_pkt *p, const struct mw_flow_key *key,
					 const struct mw_flow *f, int dir, __u32 index, __u32 off,
					 __u32 len, __u8 cont)
{
	struct mw_event_peek *ev;

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
	if (mw_load_bytes(c, p->payload_off + off, ev->data, len) < 0) {
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
	ev->seq = p->tcp_seq + off;
	ev->index = index > 0xffff ? 0xffff : index;
	ev->cont = cont;
	ev->pad = 0;
	/* the evidence the agent weighs the payload by */
	ev->initiator = f->initiator;
	ev->handshake = f->handshake;
	ev->host_opened = f->host_opened;
	ev->answered = f->packets[MW_DIR_IN] && f->packets[MW_DIR_OUT];
	bpf_ringbuf_submit(ev, 0);
	st->peeks++;
}

#endif /* MW_EMIT_H */
