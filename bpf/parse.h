/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * parse.h - bounded, verifier-friendly packet parser shared by the XDP and
 * tc programs. It never trusts a length field: every header is checked
 * against data_end before it is read, and every loop has a constant bound.
 * A packet it cannot understand is reported with a reason; the caller
 * passes it.
 */
#ifndef MW_PARSE_H
#define MW_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "minewall.h"

#define MW_VLAN_MAX 2 /* 802.1ad outer + 802.1Q inner */
#define MW_IP6_EXT_MAX 8 /* extension headers walked before giving up */

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

/* ICMP and ICMPv6 share this layout for echo; linux/icmp.h would drag in
 * libc headers that do not exist for the BPF target. */
struct mw_icmp_hdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 echo_id;
	__be16 echo_seq;
};

#define MW_ICMP_ECHOREPLY 0
#define MW_ICMP_ECHO 8
#define MW_ICMPV6_ECHO_REQUEST 128
#define MW_ICMPV6_ECHO_REPLY 129

/* IPv6 fragment header (the kernel's struct frag_hdr is not UAPI). */
struct mw_ip6_frag {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset in 8-byte units << 3, flags below */
	__be32 identification;
};

struct mw_vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

/* What the parser learned; addresses IPv4-mapped as in struct mw_flow_key. */
struct mw_pkt {
	__u8 saddr[16];
	__u8 daddr[16];
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 tcp_flags;
	__u8 later_fragment; /* no L4 header in this packet */
	__u8 icmp_type; /* ICMP/ICMPv6 type, 0 for other protocols */
	__u8 frag; /* enum mw_frag */
	__u8 frag_pad[3];
	__u32 frag_id; /* IPv4 identification, or the IPv6 fragment header's */
	__u32 frag_off; /* bytes from the start of the L4 header (later fragments) */
	__u32 l3_off; /* offset of the IP header */
	__u32 l3_bytes; /* IP header + payload, as the IP header says */
	__u32 l4_off; /* offset of the L4 header (0 for a later fragment) */
	__u32 payload_off; /* offset of the L4 payload */
	__u32 payload_len;
	__u32 tcp_seq; /* host order */
	__u32 tcp_ack; /* host order, meaningful when MW_TCP_ACK is set */
};

/* mw_pkt.frag: where an IP fragment sits in its datagram. */
enum mw_frag {
	MW_FRAG_NONE = 0, /* a whole datagram */
	MW_FRAG_FIRST = 1, /* offset 0, more to come: holds the L4 header */
	MW_FRAG_LATER = 2, /* offset > 0: payload only */
};

enum mw_parse_result {
	MW_PARSE_OK = 0,
	MW_PARSE_NON_IP, /* not IP: counted, not an error */
	MW_PARSE_ERR, /* malformed: *err says why */
};

static __always_inline void mw_map_v4(__u8 *dst, __be32 addr)
{
	/* ::ffff:a.b.c.d, so that one key type holds both families */
	__builtin_memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	__builtin_memcpy(dst + 12, &addr, 4);
}

/* Parses the L4 header at @l4 (offset @l4_off); the IP packet ends at
 * offset @l3_end, which may lie past data_end in a non-linear skb. */
static __always_inline int mw_parse_l4(struct mw_pkt *p, void *l4, __u32 l3_end, void *data_end,
				       __u32 l4_off, int *err)
{
	__u32 hdr_len;

	switch (p->proto) {
	case IPPROTO_TCP: {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > data_end) {
			*err = MW_PE_TRUNC_L4;
			return MW_PARSE_ERR;
		}
		hdr_len = th->doff * 4;
		/* doff < 5 is impossible; options past the packet are bogus */
		if (hdr_len < sizeof(*th) || l4_off + hdr_len > l3_end) {
			*err = MW_PE_BAD_TCP_HDR;
			return MW_PARSE_ERR;
		}
		p->sport = th->source;
		p->dport = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
		p->tcp_seq = bpf_ntohl(th->seq);
		p->tcp_ack = bpf_ntohl(th->ack_seq);
		break;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > data_end) {
			*err = MW_PE_TRUNC_L4;
			return MW_PARSE_ERR;
		}
		hdr_len = sizeof(*uh);
		p->sport = uh->source;
		p->dport = uh->dest;
		break;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		struct mw_icmp_hdr *ih = l4;
		__u8 type;

		if ((void *)(ih + 1) > data_end) {
			*err = MW_PE_TRUNC_L4;
			return MW_PARSE_ERR;
		}
		hdr_len = sizeof(*ih);
		type = ih->type;
		p->icmp_type = type;
		/* echo request and reply share the identifier: one flow */
		if ((p->proto == IPPROTO_ICMP &&
		     (type == MW_ICMP_ECHO || type == MW_ICMP_ECHOREPLY)) ||
		    (p->proto == IPPROTO_ICMPV6 &&
		     (type == MW_ICMPV6_ECHO_REQUEST || type == MW_ICMPV6_ECHO_REPLY))) {
			p->sport = ih->echo_id;
			p->dport = ih->echo_id;
		}
		break;
	}
	default:
		return MW_PARSE_OK; /* other protocols: flows without ports */
	}

	p->l4_off = l4_off;
	p->payload_off = l4_off + hdr_len;
	if (p->payload_off > l3_end) {
		*err = MW_PE_TRUNC_L4; /* the IP length ends inside the L4 header */
		return MW_PARSE_ERR;
	}
	p->payload_len = l3_end - p->payload_off;
	return MW_PARSE_OK;
}

/* A fragment after the first: no L4 header, its bytes are payload. */
static __always_inline int mw_later_fragment(struct mw_pkt *p, __u32 off, __u32 l3_end)
{
	p->later_fragment = 1;
	if (off > l3_end)
		return MW_PARSE_OK; /* extension headers past the IP length */
	p->payload_off = off;
	p->payload_len = l3_end - off;
	return MW_PARSE_OK;
}

/* mw_parse_l4, where a first fragment too short for its L4 header (a tiny
 * fragment no real stack sends, RFC 1858) is counted as a portless packet,
 * not as a malformed one: the host reassembles it all the same. */
static __always_inline int mw_parse_l4_frag(struct mw_pkt *p, void *l4, __u32 l3_end,
					    void *data_end, __u32 l4_off, int *err)
{
	int ret = mw_parse_l4(p, l4, l3_end, data_end, l4_off, err);

	if (ret == MW_PARSE_ERR && p->frag == MW_FRAG_FIRST) {
		p->frag = MW_FRAG_NONE;
		p->later_fragment = 1;
		p->sport = p->dport = 0;
		p->tcp_flags = 0;
		p->payload_off = p->payload_len = 0;
		return MW_PARSE_OK;
	}
	return ret;
}

static __always_inline int mw_parse_ip4(struct mw_pkt *p, void *data, void *l3, void *data_end,
					__u32 pkt_len, int *err)
{
	struct iphdr *iph = l3;
	__u32 hdr_len, tot_len;

	if ((void *)(iph + 1) > data_end) {
		*err = MW_PE_TRUNC_IP4;
		return MW_PARSE_ERR;
	}
	hdr_len = iph->ihl * 4;
	if (iph->version != 4 || hdr_len < sizeof(*iph)) {
		*err = MW_PE_BAD_IP4_HDR;
		return MW_PARSE_ERR;
	}
	if (l3 + hdr_len > data_end) {
		*err = MW_PE_TRUNC_IP4;
		return MW_PARSE_ERR;
	}
	tot_len = bpf_ntohs(iph->tot_len);
	/* tot_len 0 is legal for BIG TCP super-packets on egress */
	if (tot_len == 0)
		tot_len = pkt_len - p->l3_off;
	if (tot_len < hdr_len || p->l3_off + tot_len > pkt_len) {
		*err = MW_PE_BAD_IP4_LEN;
		return MW_PARSE_ERR;
	}
	p->l3_bytes = tot_len;
	p->proto = iph->protocol;
	mw_map_v4(p->saddr, iph->saddr);
	mw_map_v4(p->daddr, iph->daddr);

	p->frag_id = bpf_ntohs(iph->id);
	/* a later fragment carries no L4 header: flow.h finds its ports from
	 * the first fragment's, else it counts without them */
	if (iph->frag_off & bpf_htons(0x1fff)) {
		p->frag = MW_FRAG_LATER;
		p->frag_off = (bpf_ntohs(iph->frag_off) & 0x1fff) * 8;
		return mw_later_fragment(p, p->l3_off + hdr_len, p->l3_off + tot_len);
	}
	/* MF as a value, not a branch: one path for whole datagrams and
	 * first fragments keeps the verifier's work what it was */
	p->frag = (bpf_ntohs(iph->frag_off) >> 13) & MW_FRAG_FIRST;
	return mw_parse_l4_frag(p, l3 + hdr_len, p->l3_off + tot_len, data_end, p->l3_off + hdr_len,
				err);
}

static __always_inline int mw_parse_ip6(struct mw_pkt *p, void *data, void *l3, void *data_end,
					__u32 pkt_len, int *err)
{
	struct ipv6hdr *ip6h = l3;
	__u32 l3_end;
	void *cur;
	__u8 nexthdr;
	int i;

	if ((void *)(ip6h + 1) > data_end) {
		*err = MW_PE_TRUNC_IP6;
		return MW_PARSE_ERR;
	}
	if (ip6h->version != 6) {
		*err = MW_PE_BAD_IP6_HDR;
		return MW_PARSE_ERR;
	}
	p->l3_bytes = sizeof(*ip6h) + bpf_ntohs(ip6h->payload_len);
	/* payload_len 0 means a jumbogram or a BIG TCP super-packet */
	if (p->l3_bytes == sizeof(*ip6h))
		p->l3_bytes = pkt_len - p->l3_off;
	if (p->l3_off + p->l3_bytes > pkt_len) {
		*err = MW_PE_TRUNC_IP6;
		return MW_PARSE_ERR;
	}
	l3_end = p->l3_off + p->l3_bytes;
	__builtin_memcpy(p->saddr, &ip6h->saddr, 16);
	__builtin_memcpy(p->daddr, &ip6h->daddr, 16);

	nexthdr = ip6h->nexthdr;
	cur = ip6h + 1;
	/* constant bound: the verifier must see the walk end */
#pragma unroll
	for (i = 0; i < MW_IP6_EXT_MAX; i++) {
		struct ipv6_opt_hdr *oh = cur;
		struct mw_ip6_frag *fh = cur;

		switch (nexthdr) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if ((void *)(oh + 1) > data_end) {
				*err = MW_PE_TRUNC_IP6_EXT;
				return MW_PARSE_ERR;
			}
			nexthdr = oh->nexthdr;
			cur += (oh->hdrlen + 1) * 8;
			break;
		case IPPROTO_AH:
			if ((void *)(oh + 1) > data_end) {
				*err = MW_PE_TRUNC_IP6_EXT;
				return MW_PARSE_ERR;
			}
			nexthdr = oh->nexthdr;
			cur += (oh->hdrlen + 2) * 4; /* AH counts 32-bit words */
			break;
		case IPPROTO_FRAGMENT:
			if ((void *)(fh + 1) > data_end) {
				*err = MW_PE_TRUNC_IP6_EXT;
				return MW_PARSE_ERR;
			}
			nexthdr = fh->nexthdr;
			cur += sizeof(*fh);
			p->frag_id = bpf_ntohl(fh->identification);
			if (fh->frag_off & bpf_htons(0xfff8)) {
				p->proto = nexthdr;
				p->frag = MW_FRAG_LATER;
				p->frag_off = bpf_ntohs(fh->frag_off) & 0xfff8;
				return mw_later_fragment(p, cur - data, l3_end);
			}
			p->frag = bpf_ntohs(fh->frag_off) & MW_FRAG_FIRST; /* M */
			break;
		default:
			p->proto = nexthdr;
			if (cur - data > l3_end) {
				*err = MW_PE_TRUNC_IP6_EXT;
				return MW_PARSE_ERR;
			}
			return mw_parse_l4_frag(p, cur, l3_end, data_end, cur - data, err);
		}
	}
	*err = MW_PE_IP6_EXT_DEPTH;
	return MW_PARSE_ERR;
}

/*
 * mw_parse - parse Ethernet, up to two VLAN tags, IPv4/IPv6 and L4.
 * @pkt_len is the whole packet's length, which in a non-linear skb exceeds
 * data_end - data: lengths are checked against it, reads against data_end.
 * Returns enum mw_parse_result; on MW_PARSE_ERR, *err is an enum
 * mw_parse_err.
 */
static __always_inline int mw_parse(void *data, void *data_end, __u32 pkt_len, struct mw_pkt *p,
				    int *err)
{
	struct ethhdr *eth = data;
	void *cur;
	__u16 proto;
	int i;

	if ((void *)(eth + 1) > data_end) {
		*err = MW_PE_TRUNC_ETH;
		return MW_PARSE_ERR;
	}
	proto = eth->h_proto;
	cur = eth + 1;

#pragma unroll
	for (i = 0; i < MW_VLAN_MAX; i++) {
		struct mw_vlan_hdr *vh = cur;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vh + 1) > data_end) {
			*err = MW_PE_TRUNC_VLAN;
			return MW_PARSE_ERR;
		}
		proto = vh->encap_proto;
		cur = vh + 1;
	}
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		*err = MW_PE_VLAN_DEPTH;
		return MW_PARSE_ERR;
	}

	p->l3_off = cur - data;
	if (proto == bpf_htons(ETH_P_IP))
		return mw_parse_ip4(p, data, cur, data_end, pkt_len, err);
	if (proto == bpf_htons(ETH_P_IPV6))
		return mw_parse_ip6(p, data, cur, data_end, pkt_len, err);
	return MW_PARSE_NON_IP;
}

#endif /* MW_PARSE_H */
