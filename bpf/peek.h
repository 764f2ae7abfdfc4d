/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * peek.h - which payload is worth a copy for the agent's parsers.
 *
 * Stratum, TLS ClientHello and its SNI, DNS, and on the host's own flows
 * its HTTP POSTs, proxy requests and WebSocket JSON frames: which packets
 * are worth a copy, and which of the host's first messages to follow across segments;
 * the copies go out through emit.h. flow.h decides whether a packet's
 * payload may be trusted at all (its sequence fits) and calls
 * mw_payload_peek().
 */
#ifndef MW_PEEK_H
#define MW_PEEK_H

#include "pkt_ctx.h"
#include "emit.h"

#define MW_DNS_PORT 53
#define MW_TLS_HANDSHAKE 0x16
/* mw_flow.follow */
#define MW_FOLLOW_TLS 1
#define MW_FOLLOW_JSON 2
#define MW_TLS_CLIENT_HELLO 0x01

/* Bytes of a payload's start read to decide whether it is worth a copy. */
#define MW_PEEK_HEAD MW_PEEK_WS_MAX

/* Whether @b is JSON whitespace (RFC 8259: space, tab, CR, LF). */
static __always_inline int mw_json_ws(__u8 b)
{
	return b == ' ' || b == '\t' || b == '\r' || b == '\n';
}

/* What mw_peek_kind says of a payload's start. */
#define MW_PEEK_NONE 0
#define MW_PEEK_FIRST 1 /* JSON or TLS: its first peek_bytes, or followed */
#define MW_PEEK_SHORT 2 /* its first peek_bytes, never followed */
#define MW_PEEK_LONG 3 /* up to MW_PEEK_MAX in one event: a body after headers */

/* Payload worth a look by the agent, among the first data packets of a
 * direction: JSON-RPC (Stratum) after any whitespace (a newline first hides
 * nothing; past MW_PEEK_WS_MAX bytes of it, what follows is the agent's to
 * find), or a TLS handshake record (ClientHello and its SNI). DNS is
 * mw_dns_peek's. */
static __always_inline int mw_peek_wanted(const struct mw_pkt *p, const __u8 *head, __u32 hlen)
{
	__u32 i;

	if (p->proto != IPPROTO_TCP || hlen == 0)
		return 0;
	if (head[0] == MW_TLS_HANDSHAKE)
		return 1;
	for (i = 0; i < MW_PEEK_HEAD; i++) {
		if (i >= hlen)
			return 0;
		if (!mw_json_ws(head[i]))
			return head[i] == '{';
	}
	return 1;
}

/* Whether @head (@hlen bytes read) starts with the @n bytes of @s. */
static __always_inline int mw_head_is(const __u8 *head, __u32 hlen, const char *s, __u32 n)
{
	__u32 i;

	if (hlen < n)
		return 0;
#pragma unroll
	for (i = 0; i < MW_PEEK_HEAD; i++) {
		if (i >= n)
			break;
		if (head[i] != (__u8)s[i])
			return 0;
	}
	return 1;
}

/*
 * A WebSocket text frame (RFC 6455, FIN set or not: 0x81 or 0x01) whose
 * payload starts with '{': from a server in clear (its payload at 2, 4 or
 * 10 by its length's form), from a client masked (the key before the
 * payload; the first byte XOR the key's first is '{'). Stratum over
 * WebSocket, for the agent's frame reader.
 */
static __always_inline int mw_ws_json(const __u8 *head, __u32 hlen)
{
	__u32 len7, at;

	if (hlen < 3 || (head[0] != 0x81 && head[0] != 0x01))
		return 0;
	len7 = head[1] & 0x7f;
	at = len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
	if (head[1] & 0x80) {
		/* the payload follows the 4-byte key; head[] is 16 bytes */
		if (hlen < at + 5)
			return 0;
		return (head[(at + 4) & (MW_PEEK_HEAD - 1)] ^ head[at & (MW_PEEK_HEAD - 1)]) == '{';
	}
	if (hlen < at + 1)
		return 0;
	return head[at & (MW_PEEK_HEAD - 1)] == '{';
}

/* A SOCKS client's first messages: a SOCKS5 greeting (version, the count
 * of methods, exactly that many), a SOCKS5 CONNECT (05 01 00 and an
 * address type: IPv4, name, IPv6), a SOCKS4/4a CONNECT (04 01, port,
 * address, a user id). */
static __always_inline int mw_socks_hello(const struct mw_pkt *p, const __u8 *head, __u32 hlen)
{
	if (hlen >= 3 && head[0] == 5 && head[1] && p->payload_len == 2U + head[1])
		return 1;
	if (hlen >= 5 && head[0] == 5 && head[1] == 1 && head[2] == 0 &&
	    (head[3] == 1 || head[3] == 3 || head[3] == 4))
		return 1;
	return hlen >= 9 && head[0] == 4 && head[1] == 1;
}

/*
 * What of @p's payload to copy, and how (MW_PEEK_*). Beyond JSON and TLS,
 * on a flow the host opened only (no outsider starts one): the host's HTTP
 * POST (a node's JSON-RPC: getblocktemplate; its body follows the headers,
 * hence the longer copy), its proxy requests (HTTP CONNECT, SOCKS), and
 * WebSocket: a JSON text frame either way, the server's "101" reply
 * (its first frame may ride in the same segment).
 */
static __always_inline int mw_peek_kind(const struct mw_pkt_ctx *c, const struct mw_pkt *p,
					const struct mw_flow *f, int dir, const __u8 *head,
					__u32 hlen)
{
	if (mw_peek_wanted(p, head, hlen))
		return MW_PEEK_FIRST;
	if (p->proto != IPPROTO_TCP || !f->host_opened)
		return MW_PEEK_NONE;
	if (mw_ws_json(head, hlen))
		return MW_PEEK_SHORT;
	if (dir == MW_DIR_IN)
		return mw_head_is(head, hlen, "HTTP/1.1 101", 12) ? MW_PEEK_LONG : MW_PEEK_NONE;
	/* the host's own bytes only: seen leaving through tc */
	if (c->prog != MW_PROG_TC)
		return MW_PEEK_NONE;
	if (mw_head_is(head, hlen, "POST ", 5))
		return MW_PEEK_LONG;
	if (mw_head_is(head, hlen, "CONNECT ", 8) || mw_socks_hello(p, head, hlen))
		return MW_PEEK_SHORT;
	return MW_PEEK_NONE;
}

/*
 * DNS (remote port 53, UDP or TCP) is peeked only on flows the host opened:
 * every query the host sends (seen leaving through tc, so that the agent can
 * match answers to it) and every packet that comes back on that flow, the
 * reversed 5-tuple of a query. A flow a remote opened from port 53 is never
 * peeked: unsolicited "answers" are not worth a look, and a flood of them
 * must not cost the agent anything.
 */
static __always_inline int mw_dns_peek(const struct mw_pkt_ctx *c, const struct mw_flow *f, int dir)
{
	if (!f->host_opened)
		return 0;
	return dir == MW_DIR_IN || c->prog == MW_PROG_TC;
}

/* The first peek_bytes of @p's payload, in one event. */
static __always_inline void mw_peek(struct mw_pkt_ctx *c, struct mw_stats *st,
				    const struct mw_pkt *p, const struct mw_flow_key *key,
				    const struct mw_flow *f, int dir, __u32 index)
{
	__u32 len = p->payload_len;

	if (len > mw_cfg.peek_bytes)
		len = mw_cfg.peek_bytes;
	mw_emit_peek(c, st, p, key, f, dir, index, 0, len, 0);
}

/* The first @len bytes of @p's payload (at most MW_TLS_REASM_MAX), in
 * events of MW_PEEK_MAX bytes; all but the first are @cont, the first is
 * when @cont is. */
static __always_inline void mw_peek_span(struct mw_pkt_ctx *c, struct mw_stats *st,
					 const struct mw_pkt *p, const struct mw_flow_key *key,
					 const struct mw_flow *f, int dir, __u32 index, __u32 len,
					 __u8 cont)
{
	__u32 i, off;

	if (len > p->payload_len)
		len = p->payload_len;
	for (i = 0; i < MW_TLS_REASM_MAX / MW_PEEK_MAX; i++) {
		off = i * MW_PEEK_MAX;
		if (off >= len)
			break;
		mw_emit_peek(c, st, p, key, f, dir, index, off, len - off, cont || i);
	}
}

/*
 * Bytes of the host's outbound TLS record starting @p's payload worth
 * following (from the payload's first byte, at most MW_TLS_REASM_MAX): the
 * record, when it holds a ClientHello; up to the cap when the ClientHello
 * goes on in later records, or the segment is too short to tell. 0 when
 * the record is something else.
 */
static __always_inline __u32 mw_tls_span(const __u8 *head, __u32 hlen)
{
	__u32 rec, hs;

	if (hlen < 9)
		return MW_TLS_REASM_MAX;
	if (head[1] != 3 || head[5] != MW_TLS_CLIENT_HELLO)
		return 0;
	rec = 5 + ((__u32)head[3] << 8 | head[4]);
	hs = 9 + ((__u32)head[6] << 16 | (__u32)head[7] << 8 | head[8]);
	if (hs > rec)
		return MW_TLS_REASM_MAX;
	return rec < MW_TLS_REASM_MAX ? rec : MW_TLS_REASM_MAX;
}

/* Whether @p's payload ends a line. */
static __always_inline int mw_ends_line(struct mw_pkt_ctx *c, const struct mw_pkt *p)
{
	__u8 last = '\n';

	if (p->payload_len)
		mw_load_bytes(c, p->payload_off + p->payload_len - 1, &last, 1);
	return last == '\n';
}

/* Bytes of the host's outbound JSON line starting @p's payload worth
 * following: MW_PEEK_MAX when the segment is shorter and does not end the
 * line (Stratum sent a few bytes at a time); 0 when it is whole. */
static __always_inline __u32 mw_json_span(struct mw_pkt_ctx *c, const struct mw_pkt *p)
{
	if (p->payload_len >= MW_PEEK_MAX || mw_ends_line(c, p))
		return 0;
	return MW_PEEK_MAX;
}

/*
 * The first segment of the host's first message (a ClientHello, a JSON
 * line), on a flow it opened (seen leaving through tc: no remote can start
 * this): its bytes up to @span are copied, and when the message goes on
 * past the segment, the flow follows it (@follow_end) so that its next
 * segments are copied too.
 */
static __always_inline void mw_follow_start(struct mw_pkt_ctx *c, struct mw_stats *st,
					    const struct mw_pkt *p, const struct mw_flow_key *key,
					    struct mw_flow *f, int dir, __u32 index, __u32 span,
					    __u8 what)
{
	mw_peek_span(c, st, p, key, f, dir, index, span, 0);
	if (span > p->payload_len) {
		f->follow = what;
		f->follow_end = p->tcp_seq + span;
	}
}

/* A later segment of the host's outbound stream while its first message is
 * followed: its bytes up to the message's end. A retransmission of what
 * was copied is copied again (the agent keeps the first), never more than
 * MW_TLS_REASM_MAX; the message's end, a segment past it, or for a JSON
 * line a segment that ends a line, ends it. */
static __always_inline void mw_follow_more(struct mw_pkt_ctx *c, struct mw_stats *st,
					   const struct mw_pkt *p, const struct mw_flow_key *key,
					   struct mw_flow *f, int dir, __u32 index)
{
	__s32 left = (__s32)(f->follow_end - p->tcp_seq);

	if (left <= 0 || left > MW_TLS_REASM_MAX) {
		f->follow = 0;
		return;
	}
	if ((__u32)left <= p->payload_len || (f->follow == MW_FOLLOW_JSON && mw_ends_line(c, p)))
		f->follow = 0;
	mw_peek_span(c, st, p, key, f, dir, index, left, 1);
}

/* Copies the payload of @p, the @n-th data packet of @f in @dir, for the
 * agent when it may hold what the agent parses. */
static __always_inline void mw_payload_peek(struct mw_pkt_ctx *c, struct mw_stats *st,
					    const struct mw_pkt *p, const struct mw_flow_key *key,
					    struct mw_flow *f, int dir, __u32 n)
{
	__u8 head[MW_PEEK_HEAD] = {};
	__u32 hlen, span;
	int kind;

	if ((p->proto == IPPROTO_UDP || p->proto == IPPROTO_TCP) &&
	    key->remote_port == bpf_htons(MW_DNS_PORT)) {
		/* every query and answer matters, not only the first few */
		if (mw_dns_peek(c, f, dir))
			mw_peek(c, st, p, key, f, dir, n - 1);
		return;
	}
	/* only the host's own packets on its own flow: set at tc egress */
	if (f->follow && dir == MW_DIR_OUT && c->prog == MW_PROG_TC) {
		mw_follow_more(c, st, p, key, f, dir, n - 1);
		return;
	}
	if (n > mw_cfg.peek_packets || f->peeked[dir] >= mw_cfg.peek_packets)
		return;
	hlen = p->payload_len < MW_PEEK_HEAD ? p->payload_len : MW_PEEK_HEAD;
	if (hlen == 0 || mw_load_bytes(c, p->payload_off, head, hlen) < 0)
		return;
	kind = mw_peek_kind(c, p, f, dir, head, hlen);
	if (kind == MW_PEEK_NONE)
		return;
	f->peeked[dir]++;
	if (kind == MW_PEEK_LONG) {
		mw_emit_peek(c, st, p, key, f, dir, n - 1, 0, p->payload_len, 0);
		return;
	}
	if (kind == MW_PEEK_FIRST && dir == MW_DIR_OUT && c->prog == MW_PROG_TC && f->host_opened) {
		__u8 what = head[0] == MW_TLS_HANDSHAKE ? MW_FOLLOW_TLS : MW_FOLLOW_JSON;

		span = what == MW_FOLLOW_TLS ? mw_tls_span(head, hlen) : mw_json_span(c, p);
		if (span) {
			mw_follow_start(c, st, p, key, f, dir, n - 1, span, what);
			return;
		}
	}
	mw_peek(c, st, p, key, f, dir, n - 1);
}

#endif /* MW_PEEK_H */
