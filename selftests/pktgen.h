/* SPDX-License-Identifier: GPL-2.0-only */
/* pktgen.h - crafts test packets, well-formed or deliberately broken. */
#ifndef MW_PKTGEN_H
#define MW_PKTGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_MAX 9216

struct pkt_spec {
	int vlans; /* VLAN tags before the EtherType (3 is one too many) */
	bool qinq; /* outer tag is 802.1ad */
	int family; /* 4, 6, or 0 for an ARP frame */
	int proto; /* IPPROTO_* */
	const char *src, *dst;
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint32_t seq;
	uint32_t ack; /* TCP acknowledgment number */
	int payload_len;
	const char *payload; /* NULL: 'x' bytes */
	int ip4_opt_len; /* bytes of IPv4 options (multiple of 4) */
	uint8_t ext[8]; /* IPv6 extension header types, in order */
	int n_ext;
	bool frag_first; /* first fragment (more fragments, offset 0) */
	bool frag_later; /* a later fragment (offset > 0) */
	int truncate; /* cut the frame to this length when > 0 */
	int ip_len_delta; /* added to the IP length field */
	int ihl; /* IPv4 IHL override when > 0 */
	int version; /* IP version override when > 0 */
	int tcp_doff; /* TCP data offset override when > 0 */
	uint8_t icmp_type;
	uint16_t icmp_id;
};

/* Writes the frame into @buf; returns its length. */
size_t pkt_build(const struct pkt_spec *s, uint8_t *buf, size_t cap);

#endif
