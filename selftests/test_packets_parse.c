// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_packets_parse.c - one crafted packet a row, well-formed or broken,
 * through one hook: its verdict, and what it leaves (a flow with its key
 * and counts, a non-IP count, or exactly one parse error).
 */
#include <arpa/inet.h>
#include <string.h>
#include <netinet/in.h>

#include "pkt_harness.h"
#include "test.h"
#include "lib/util.h"

enum outcome { FLOW_MADE, NON_IP, PARSE_ERR };

struct parse_row {
	const char *name;
	enum hook hook;
	struct pkt_spec spec;
	int verdict;
	enum outcome outcome;
	int err; /* PARSE_ERR: enum mw_parse_err */
	/* FLOW_MADE: the flow's key; its packets and IP-layer bytes the
	 * hook's way; initiator; data packets; host_opened; stats.fragments */
	const char *laddr, *raddr;
	__u16 lport, rport;
	int packets, bytes, init, data, host, frags;
	__u32 gso; /* tc: a GSO super-packet of that many segments */
};

#define SRV6 "2001:db8::1"
#define CLI6 "2001:db8::10"
#define V4(...) .family = 4, .src = CLI, .dst = SRV, __VA_ARGS__
#define V6(...) .family = 6, .src = CLI6, .dst = SRV6, __VA_ARGS__
#define TCPSYN .proto = IPPROTO_TCP, .sport = 40000, .dport = 22, .tcp_flags = MW_TCP_SYN
#define TCPACK .proto = IPPROTO_TCP, .sport = 40000, .dport = 22, .tcp_flags = MW_TCP_ACK
#define UDP53 .proto = IPPROTO_UDP, .sport = 5353, .dport = 53, .payload_len = 30
#define ICMP4(t, ...) .proto = IPPROTO_ICMP, .icmp_type = (t), __VA_ARGS__
#define ICMP6(t, ...) .proto = IPPROTO_ICMPV6, .icmp_type = (t), __VA_ARGS__
#define FLOW(la, lp, ra, rp, pkts, b, i, d)                                               \
	.outcome = FLOW_MADE, .laddr = (la), .lport = (lp), .raddr = (ra), .rport = (rp), \
	.packets = (pkts), .bytes = (b), .init = (i), .data = (d)
#define ERR(e) .outcome = PARSE_ERR, .err = (e)

/* A frame shorter than an Ethernet header cannot be tested here:
 * BPF_PROG_TEST_RUN refuses it, as the drivers never deliver one. */
/* clang-format off */
static const struct parse_row parse_rows[] = {
	/* name, hook, packet;
	 *   verdict, outcome: FLOW(local, lport, remote, rport, packets, IP bytes, initiator, data packets) */
	{ "xdp tcp4 syn", XDP, { V4(TCPSYN) },
	  XDP_PASS, FLOW(SRV, 22, CLI, 40000, 1, 40, IN, 0) },
	{ "xdp tcp6 syn", XDP, { V6(TCPSYN) },
	  XDP_PASS, FLOW(SRV6, 22, CLI6, 40000, 1, 60, IN, 0) },
	{ "xdp udp4", XDP, { V4(UDP53) },
	  XDP_PASS, FLOW(SRV, 53, CLI, 5353, 1, 58, IN, 1) },
	{ "xdp udp6", XDP, { V6(UDP53) },
	  XDP_PASS, FLOW(SRV6, 53, CLI6, 5353, 1, 78, IN, 1) },
	{ "xdp icmp4 echo", XDP, { V4(ICMP4(8, .icmp_id = 77)) },
	  XDP_PASS, FLOW(SRV, 77, CLI, 77, 1, 28, IN, 0) },
	{ "xdp icmp6 echo", XDP, { V6(ICMP6(128, .icmp_id = 77)) },
	  XDP_PASS, FLOW(SRV6, 77, CLI6, 77, 1, 48, IN, 0) },
	{ "xdp icmp6 non-echo", XDP, { V6(ICMP6(1)) },
	  XDP_PASS, FLOW(SRV6, 0, CLI6, 0, 1, 48, IN, 0) },
	{ "xdp gre4 (no ports)", XDP, { V4(.proto = 47, .payload_len = 20) },
	  XDP_PASS, FLOW(SRV, 0, CLI, 0, 1, 40, IN, 0) },
	{ "xdp 802.1q tcp4", XDP, { V4(TCPSYN, .vlans = 1) },
	  XDP_PASS, FLOW(SRV, 22, CLI, 40000, 1, 40, IN, 0) },
	{ "xdp 802.1ad+802.1q tcp6", XDP, { V6(TCPSYN, .vlans = 2, .qinq = true) },
	  XDP_PASS, FLOW(SRV6, 22, CLI6, 40000, 1, 60, IN, 0) },
	{ "xdp three vlan tags", XDP, { V4(TCPSYN, .vlans = 3) },
	  XDP_PASS, ERR(MW_PE_VLAN_DEPTH) },
	{ "xdp arp", XDP, { .family = 0 },
	  XDP_PASS, .outcome = NON_IP },
	{ "xdp truncated vlan", XDP, { V4(TCPSYN, .vlans = 1, .truncate = 16) },
	  XDP_PASS, ERR(MW_PE_TRUNC_VLAN) },
	{ "xdp truncated ipv4", XDP, { V4(TCPSYN, .truncate = 24) },
	  XDP_PASS, ERR(MW_PE_TRUNC_IP4) },
	{ "xdp ipv4 ihl 4", XDP, { V4(TCPSYN, .ihl = 4) },
	  XDP_PASS, ERR(MW_PE_BAD_IP4_HDR) },
	{ "xdp ipv4 version 5", XDP, { V4(TCPSYN, .version = 5) },
	  XDP_PASS, ERR(MW_PE_BAD_IP4_HDR) },
	{ "xdp ipv4 ihl past the frame", XDP, { V4(TCPSYN, .ihl = 15, .truncate = 40) },
	  XDP_PASS, ERR(MW_PE_TRUNC_IP4) },
	{ "xdp ipv4 length past the frame", XDP, { V4(TCPSYN, .ip_len_delta = 100) },
	  XDP_PASS, ERR(MW_PE_BAD_IP4_LEN) },
	{ "xdp ipv4 length below the header", XDP, { V4(TCPSYN, .ip_len_delta = -30) },
	  XDP_PASS, ERR(MW_PE_BAD_IP4_LEN) },
	{ "xdp ipv4 options tcp", XDP, { V4(TCPSYN, .ip4_opt_len = 12) },
	  XDP_PASS, FLOW(SRV, 22, CLI, 40000, 1, 52, IN, 0) },
	{ "xdp ipv4 first fragment", XDP, { V4(UDP53, .frag_first = true) },
	  XDP_PASS, FLOW(SRV, 53, CLI, 5353, 1, 58, IN, 1) },
	{ "xdp ipv4 later fragment", XDP, { V4(UDP53, .frag_later = true) },
	  XDP_PASS, FLOW(SRV, 0, CLI, 0, 1, 58, IN, 0), .frags = 1 },
	{ "xdp tcp header cut by ip length", XDP, { V4(TCPSYN, .ip_len_delta = -10) },
	  XDP_PASS, ERR(MW_PE_BAD_TCP_HDR) },
	{ "xdp tcp header cut by frame", XDP, { V4(TCPSYN, .ip_len_delta = -10, .truncate = 44) },
	  XDP_PASS, ERR(MW_PE_TRUNC_L4) },
	{ "xdp udp header cut by ip length", XDP, { V4(UDP53, .ip_len_delta = -34) },
	  XDP_PASS, ERR(MW_PE_TRUNC_L4) },
	{ "xdp tcp doff 4", XDP, { V4(TCPSYN, .tcp_doff = 4) },
	  XDP_PASS, ERR(MW_PE_BAD_TCP_HDR) },
	{ "xdp tcp doff past the packet", XDP, { V4(TCPSYN, .tcp_doff = 15) },
	  XDP_PASS, ERR(MW_PE_BAD_TCP_HDR) },
	{ "xdp tcp options and payload", XDP, { V4(TCPSYN, .tcp_doff = 8, .payload_len = 40) },
	  XDP_PASS, FLOW(SRV, 22, CLI, 40000, 1, 80, IN, 1) },
	{ "xdp ipv6 hop-by-hop tcp", XDP, { V6(TCPSYN, .ext = { IPPROTO_HOPOPTS }, .n_ext = 1) },
	  XDP_PASS, FLOW(SRV6, 22, CLI6, 40000, 1, 76, IN, 0) },
	{ "xdp ipv6 routing+dstopts tcp", XDP, { V6(TCPSYN, .ext = { IPPROTO_ROUTING, IPPROTO_DSTOPTS }, .n_ext = 2) },
	  XDP_PASS, FLOW(SRV6, 22, CLI6, 40000, 1, 92, IN, 0) },
	{ "xdp ipv6 ah tcp", XDP, { V6(TCPSYN, .ext = { IPPROTO_AH }, .n_ext = 1) },
	  XDP_PASS, FLOW(SRV6, 22, CLI6, 40000, 1, 76, IN, 0) },
	{ "xdp ipv6 first fragment udp", XDP, { V6(UDP53, .ext = { IPPROTO_FRAGMENT }, .n_ext = 1) },
	  XDP_PASS, FLOW(SRV6, 53, CLI6, 5353, 1, 86, IN, 1) },
	{ "xdp ipv6 later fragment", XDP, { V6(UDP53, .ext = { IPPROTO_FRAGMENT }, .n_ext = 1, .frag_later = true) },
	  XDP_PASS, FLOW(SRV6, 0, CLI6, 0, 1, 86, IN, 0), .frags = 1 },
	{ "xdp ipv6 nine extension headers", XDP, { V6(TCPSYN, .ext = { 0, 60, 60, 60, 60, 60, 60, 60 }, .n_ext = 8) },
	  XDP_PASS, ERR(MW_PE_IP6_EXT_DEPTH) },
	{ "xdp ipv6 extension header cut", XDP, { V6(TCPSYN, .ext = { IPPROTO_HOPOPTS }, .n_ext = 1, .ip_len_delta = -34, .truncate = 56) },
	  XDP_PASS, ERR(MW_PE_TRUNC_IP6_EXT) },
	{ "xdp truncated ipv6", XDP, { V6(TCPSYN, .truncate = 40) },
	  XDP_PASS, ERR(MW_PE_TRUNC_IP6) },
	{ "xdp ipv6 length past the frame", XDP, { V6(TCPSYN, .ip_len_delta = 8) },
	  XDP_PASS, ERR(MW_PE_TRUNC_IP6) },
	{ "xdp ipv6 version 4", XDP, { V6(TCPSYN, .version = 4) },
	  XDP_PASS, ERR(MW_PE_BAD_IP6_HDR) },
	/* at tc the packet is the host's: its source is the local side */
	{ "tc tcp4 syn", TC, { V4(TCPSYN) },
	  TC_ACT_OK, FLOW(CLI, 40000, SRV, 22, 1, 40, OUT, 0), .host = 1 },
	{ "tc udp6", TC, { V6(UDP53) },
	  TC_ACT_OK, FLOW(CLI6, 5353, SRV6, 53, 1, 78, OUT, 1), .host = 1 },
	{ "tc 802.1q tcp6", TC, { V6(TCPSYN, .vlans = 1) },
	  TC_ACT_OK, FLOW(CLI6, 40000, SRV6, 22, 1, 60, OUT, 0), .host = 1 },
	{ "tc icmp4 echo request: the host opened it", TC, { V4(ICMP4(8, .icmp_id = 77)) },
	  TC_ACT_OK, FLOW(CLI, 77, SRV, 77, 1, 28, OUT, 0), .host = 1 },
	{ "tc icmp6 echo reply: an answer, not opened by the host", TC, { V6(ICMP6(129, .icmp_id = 77)) },
	  TC_ACT_OK, FLOW(CLI6, 77, SRV6, 77, 1, 48, OUT, 0) },
	{ "tc icmp4 port unreachable: an answer, not opened by the host", TC, { V4(ICMP4(3)) },
	  TC_ACT_OK, FLOW(CLI, 0, SRV, 0, 1, 28, OUT, 0) },
	{ "tc arp", TC, { .family = 0 },
	  TC_ACT_OK, .outcome = NON_IP },
	{ "tc ipv4 length past the frame", TC, { V4(TCPSYN, .ip_len_delta = 100) },
	  TC_ACT_OK, ERR(MW_PE_BAD_IP4_LEN) },
	/* 3 segments of 1000 payload bytes: each repeats the 40 header bytes */
	{ "tc tcp4 gso 3 segments", TC, { V4(TCPACK, .payload_len = 3000) },
	  TC_ACT_OK, FLOW(CLI, 40000, SRV, 22, 3, 3000 + 3 * 40, UNK, 1), .gso = 3 },
};
/* clang-format on */

static void run_parse_row(void *arg)
{
	const struct parse_row *row = arg;
	int dir = row->hook == XDP ? MW_DIR_IN : MW_DIR_OUT;
	uint8_t buf[PKT_MAX];
	size_t len = pkt_build(&row->spec, buf, sizeof(buf));
	struct mw_flow_rec *recs = NULL;
	struct mw_flow_key key = { .proto = row->spec.proto };
	const struct mw_flow *f;
	struct mw_stats st;
	long n;
	int i;

	pkt_reset();
	ASSERT_EQ(pkt_run(row->hook, buf, len, row->gso), row->verdict, "verdict");
	st = pkt_stats();
	n = pkt_flows(&recs);
	ASSERT_EQ(st.packets[dir], row->gso ? row->gso : 1, "stats.packets of the hook");
	ASSERT_EQ(st.non_ip, row->outcome == NON_IP, "stats.non_ip");
	for (i = 0; i < MW_PE_MAX; i++)
		ASSERT_EQ(st.parse_err[i], row->outcome == PARSE_ERR && i == row->err,
			  mw_stats_parse_err_name(i));
	if (row->outcome != FLOW_MADE) {
		ASSERT_EQ(n, 0, "flows");
		goto out;
	}
	ASSERT_EQ(st.flow_inserts, 1, "stats.flow_inserts");
	ASSERT_EQ(st.fragments, row->frags, "stats.fragments");
	if (!ASSERT_EQ(n, 1, "flows"))
		goto out;
	addr_of(row->laddr, key.local_addr);
	addr_of(row->raddr, key.remote_addr);
	key.local_port = htons(row->lport);
	key.remote_port = htons(row->rport);
	ASSERT_TRUE(!memcmp(&recs[0].key, &key, sizeof(key)), "flow key");
	f = &recs[0].flow;
	ASSERT_EQ(f->packets[dir], row->packets, "packets");
	ASSERT_EQ(f->bytes[dir], row->bytes, "bytes (IP layer)");
	ASSERT_EQ(f->packets[!dir], 0, "packets the other way");
	ASSERT_EQ(f->initiator, row->init, "initiator");
	ASSERT_EQ(f->data_packets[dir], row->data, "data packets");
	ASSERT_EQ(f->host_opened, row->host, "host_opened");
out:
	free(recs);
}

void test_packets_parse(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(parse_rows); i++)
		test_run(parse_rows[i].name, run_parse_row, (void *)&parse_rows[i]);
}
