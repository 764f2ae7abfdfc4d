// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/if_ether.h>

#include "pktgen.h"

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	v = htons(v);
	memcpy(p, &v, 2);
	return p + 2;
}

static size_t build_l4(const struct pkt_spec *s, uint8_t *p)
{
	uint8_t *start = p;
	int doff;

	switch (s->proto) {
	case IPPROTO_TCP: {
		uint32_t seq = htonl(s->seq), ack = htonl(s->ack);

		p = put16(p, s->sport);
		p = put16(p, s->dport);
		memcpy(p, &seq, 4);
		p += 4;
		memcpy(p, &ack, 4);
		p += 4;
		doff = s->tcp_doff ? s->tcp_doff : 5;
		*p++ = (uint8_t)(doff << 4);
		*p++ = s->tcp_flags;
		p = put16(p, 65535);
		memset(p, 0, 4); /* checksum, urgent */
		p += 4;
		break;
	}
	case IPPROTO_UDP:
		p = put16(p, s->sport);
		p = put16(p, s->dport);
		p = put16(p, 8 + s->payload_len);
		p = put16(p, 0);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		*p++ = s->icmp_type;
		*p++ = 0;
		p = put16(p, 0);
		p = put16(p, s->icmp_id);
		p = put16(p, 1);
		break;
	default:
		break;
	}
	if (s->payload)
		memcpy(p, s->payload, s->payload_len);
	else
		memset(p, 'x', s->payload_len);
	p += s->payload_len;
	return p - start;
}

static size_t build_ip4(const struct pkt_spec *s, uint8_t *p)
{
	int ihl_bytes = 20 + s->ip4_opt_len;
	uint16_t frag = 0;
	size_t l4;

	l4 = build_l4(s, p + ihl_bytes);
	p[0] = (uint8_t)(((s->version ? s->version : 4) << 4) | (s->ihl ? s->ihl : ihl_bytes / 4));
	p[1] = 0;
	put16(p + 2, ihl_bytes + l4 + s->ip_len_delta);
	put16(p + 4, 0x1234);
	if (s->frag_first)
		frag = 0x2000; /* MF */
	if (s->frag_later)
		frag = 185; /* offset 1480 bytes */
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = (uint8_t)s->proto;
	put16(p + 10, 0);
	inet_pton(AF_INET, s->src, p + 12);
	inet_pton(AF_INET, s->dst, p + 16);
	memset(p + 20, 1, s->ip4_opt_len); /* NOP options */
	return ihl_bytes + l4;
}

static size_t build_ip6(const struct pkt_spec *s, uint8_t *p)
{
	uint8_t *cur = p + 40, *nexthdr = p + 6;
	size_t l4;
	int i;

	memset(p, 0, 40);
	p[0] = (uint8_t)((s->version ? s->version : 6) << 4);
	p[7] = 64;
	inet_pton(AF_INET6, s->src, p + 8);
	inet_pton(AF_INET6, s->dst, p + 24);
	for (i = 0; i < s->n_ext; i++) {
		*nexthdr = s->ext[i];
		nexthdr = cur;
		if (s->ext[i] == IPPROTO_FRAGMENT) {
			memset(cur, 0, 8);
			put16(cur + 2, s->frag_later ? (185 << 3) : 1); /* offset, M flag */
			cur += 8;
		} else if (s->ext[i] == IPPROTO_AH) {
			memset(cur, 0, 16);
			cur[1] = 2; /* (2 + 2) * 4 = 16 bytes */
			cur += 16;
		} else {
			memset(cur, 0, 16);
			cur[1] = 1; /* (1 + 1) * 8 = 16 bytes */
			cur[2] = 1; /* PadN */
			cur[3] = 12;
			cur += 16;
		}
	}
	*nexthdr = (uint8_t)s->proto;
	l4 = build_l4(s, cur);
	put16(p + 4, (cur - p - 40) + l4 + s->ip_len_delta);
	return (cur - p) + l4;
}

size_t pkt_build(const struct pkt_spec *s, uint8_t *buf, size_t cap)
{
	static const uint8_t dmac[6] = { 0x02, 0, 0, 0, 0, 1 }, smac[6] = { 0x02, 0, 0, 0, 0, 2 };
	uint8_t *p = buf;
	size_t len;
	int i;

	/* headers take at most 22 + 60 + 8 * 16 + 60 bytes */
	if (cap < 512 || (size_t)s->payload_len > cap - 512)
		return 0;
	memset(buf, 0, cap);
	memcpy(p, dmac, 6);
	memcpy(p + 6, smac, 6);
	p += 12;
	for (i = 0; i < s->vlans; i++) {
		p = put16(p, i == 0 && s->qinq ? 0x88A8 : ETH_P_8021Q);
		p = put16(p, 100 + i);
	}
	if (s->family == 4) {
		p = put16(p, ETH_P_IP);
		p += build_ip4(s, p);
	} else if (s->family == 6) {
		p = put16(p, ETH_P_IPV6);
		p += build_ip6(s, p);
	} else {
		p = put16(p, ETH_P_ARP);
		memset(p, 0, 28);
		p += 28;
	}
	len = p - buf;
	if (s->truncate > 0 && (size_t)s->truncate < len)
		len = s->truncate;
	return len;
}
