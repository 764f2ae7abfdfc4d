/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * evidence.h - what a finding about a flow rests on, in words an event can
 * carry (detail.evidence), from what the datapath saw of the flow. Only the
 * host's own packets leave through tc egress, so "the host opened it"
 * (mw_flow.host_opened) is the one fact about a connection no packet from
 * outside can fake; a remote sender can fake everything else: a source
 * address, a payload, a flow met mid-stream, a packet that claims to come
 * from the host itself. Each detector decides from this what it may do:
 * block, or only report. Header-only: a few pure functions.
 */
#ifndef MW_DETECT_EVIDENCE_H
#define MW_DETECT_EVIDENCE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "minewall.h"

enum mw_evidence {
	/* the host sent the SYN, and the handshake was seen complete in order */
	MW_EVID_HOST_HANDSHAKE = 0,
	/* the host sent the SYN; no complete handshake (yet) */
	MW_EVID_HOST_SYN,
	/* the host sent the first UDP/ICMP packet */
	MW_EVID_HOST_DGRAM,
	/* the remote side opened it and the handshake completed: a real peer
	 * at that address talked to a service of the host */
	MW_EVID_REMOTE_HANDSHAKE,
	/* the remote side opened it, no complete handshake: anyone can send it */
	MW_EVID_REMOTE,
	/* first seen mid-stream: nobody knows who opened it */
	MW_EVID_MIDSTREAM,
	/* its first packet carried one of the host's addresses as source but
	 * arrived from the wire: a replayed capture, or a spoof */
	MW_EVID_REPLAYED,
};

static inline enum mw_evidence mw_evidence_of(uint8_t proto, uint8_t initiator, uint8_t handshake,
					      uint8_t host_opened)
{
	bool tcp = proto == IPPROTO_TCP;

	if (host_opened)
		return !tcp	 ? MW_EVID_HOST_DGRAM :
		       handshake ? MW_EVID_HOST_HANDSHAKE :
				   MW_EVID_HOST_SYN;
	if (initiator == MW_DIR_OUT)
		return MW_EVID_REPLAYED;
	if (initiator == MW_DIR_IN)
		return tcp && handshake ? MW_EVID_REMOTE_HANDSHAKE : MW_EVID_REMOTE;
	return MW_EVID_MIDSTREAM;
}

static inline const char *mw_evidence_name(enum mw_evidence e)
{
	switch (e) {
	case MW_EVID_HOST_HANDSHAKE:
		return "host-opened, tcp-handshake";
	case MW_EVID_HOST_SYN:
		return "host-opened, tcp-syn";
	case MW_EVID_HOST_DGRAM:
		return "host-opened, first-datagram";
	case MW_EVID_REMOTE_HANDSHAKE:
		return "remote-opened, tcp-handshake";
	case MW_EVID_REMOTE:
		return "remote-opened, unverified";
	case MW_EVID_MIDSTREAM:
		return "midstream";
	case MW_EVID_REPLAYED:
		return "replayed";
	}
	return "unknown";
}

static inline bool mw_evidence_host_opened(enum mw_evidence e)
{
	return e == MW_EVID_HOST_HANDSHAKE || e == MW_EVID_HOST_SYN || e == MW_EVID_HOST_DGRAM;
}

/* True when no packet from outside can have made the flow what it is: the
 * host opened it, or a peer completed a handshake in order (it receives at
 * its address, so the address is not forged). Reports on other flows are
 * what a spoofer can cause: they are capped (below). */
static inline bool mw_evidence_verified(enum mw_evidence e)
{
	return mw_evidence_host_opened(e) || e == MW_EVID_REMOTE_HANDSHAKE;
}

/*
 * A cap on reports on unverified flows: a spoofer may make minewall say
 * something, never flood the events file.
 * @max reports per minute; the ones held back are counted, and the next
 * report says how many.
 */
struct mw_report_limit {
	uint64_t window_ns;
	unsigned n;
	uint64_t suppressed, suppressed_total;
};

#define MW_REPORT_WINDOW_NS (60ULL * 1000000000ULL)

static inline bool mw_report_limit_take(struct mw_report_limit *l, unsigned max, uint64_t now_ns)
{
	if (now_ns - l->window_ns >= MW_REPORT_WINDOW_NS) {
		l->window_ns = now_ns;
		l->n = 0;
	}
	if (l->n >= max) {
		l->suppressed++;
		l->suppressed_total++;
		return false;
	}
	l->n++;
	return true;
}

#endif
