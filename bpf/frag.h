/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * frag.h - later IP fragments of TCP and UDP counted in their flow.
 */
#ifndef MW_FRAG_H
#define MW_FRAG_H

#include "parse.h"
#include "maps.h"

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

#endif /* MW_FRAG_H */
