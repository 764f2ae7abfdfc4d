// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_packets.c - the datapath through BPF_PROG_TEST_RUN: a fixture table
 * of crafted packets (each row: packet, hook, expected verdict, expected
 * flow-table and counter effect), a table of TCP conversations (each row:
 * packets with their sequence numbers, the flow's expected evidence and the
 * counters), then multi-packet sequences (handshake, close, events, peeks,
 * DNS, blocks, blacklist, local addresses) and datapath fuzzing.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "lib/addr.h"
#include "agent/blacklist_maps.h"
#include "parse/config.h"
#include "agent/events.h"
#include "lib/flowtable.h"
#include "agent/loader.h"
#include "lib/log.h"
#include "minewall.skel.h"
#include "pktgen.h"
#include "tls_build.h"
#include "lib/stats.h"
#include "test.h"
#include "lib/util.h"

enum hook { XDP, TC };
enum expect { EXP_FLOW, EXP_NON_IP, EXP_ERR };

static struct mw_loader L;
static int flows_fd, stats_fd, local_fd, block_fd;
static struct mw_blacklist_maps blk;
static struct ring_buffer *rb;

#define MAX_EVENTS 64
enum ring { RING_EVENTS, RING_PEEKS };
static struct {
	unsigned type;
	enum ring ring; /* the ring it came from */
	union {
		struct mw_event_flow flow;
		struct mw_event_peek peek;
		struct mw_event_burst burst;
	};
} events[MAX_EVENTS];
static int n_events;
/* Every record, kept or not: peeks in the decisive ring, and DNS peeks of a
 * flow the host did not open (both must never happen). */
static unsigned peeks_in_events, dns_peeks_unsolicited, dns_peeks;

static int keep_event(enum ring ring, const void *data, size_t size)
{
	const struct mw_event_hdr *h = data;

	if (ring == RING_EVENTS && h->type == MW_EV_PEEK)
		peeks_in_events++;
	if (ring == RING_PEEKS && size >= sizeof(struct mw_event_peek)) {
		const struct mw_event_peek *pk = data;

		if (pk->key.remote_port == htons(53)) {
			dns_peeks++;
			dns_peeks_unsolicited += !pk->host_opened;
		}
	}
	if (n_events >= MAX_EVENTS)
		return 0;
	events[n_events].type = h->type;
	events[n_events].ring = ring;
	memcpy(&events[n_events].flow, data,
	       size < sizeof(events[0].peek) ? size : sizeof(events[0].peek));
	n_events++;
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	return keep_event(RING_EVENTS, data, size);
}

static int on_peek(void *ctx, void *data, size_t size)
{
	return keep_event(RING_PEEKS, data, size);
}

static void reset(void)
{
	struct mw_flow_key key;
	int ncpu = libbpf_num_possible_cpus();
	struct mw_stats *zero = calloc(ncpu, sizeof(*zero));
	int frags_fd = bpf_map__fd(L.skel->maps.mw_frags);
	int watched_fd = mw_loader_map_fd(&L, MW_MAP_WATCHED);
	struct mw_addr a;
	__u8 fk[64];
	__u32 k = 0;

	while (!bpf_map_get_next_key(flows_fd, NULL, &key))
		bpf_map_delete_elem(flows_fd, &key);
	while (!bpf_map_get_next_key(frags_fd, NULL, fk))
		bpf_map_delete_elem(frags_fd, fk);
	while (!bpf_map_get_next_key(watched_fd, NULL, &key))
		bpf_map_delete_elem(watched_fd, &key);
	while (!bpf_map_get_next_key(local_fd, NULL, &a))
		bpf_map_delete_elem(local_fd, &a);
	while (!bpf_map_get_next_key(block_fd, NULL, &a))
		bpf_map_delete_elem(block_fd, &a);
	bpf_map_update_elem(stats_fd, &k, zero, 0);
	free(zero);
	L.skel->bss->mw_nr_blocked = 0;
	ring_buffer__consume(rb);
	n_events = 0;
}

/* The kernel's test harness refuses skbs shorter than their EtherType's
 * header (such a frame cannot reach tc on a real path): fuzzing skips them. */
static bool quiet_einval;
/* Leaves the records in the rings, for the agent's own consumer. */
static bool keep_in_rings;

static int run(enum hook hook, const uint8_t *pkt, size_t len, __u32 gso_segs)
{
	struct __sk_buff skb = { .gso_segs = gso_segs };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len, .repeat = 1);
	int err;

	if (hook == TC && gso_segs) {
		opts.ctx_in = &skb;
		opts.ctx_size_in = sizeof(skb);
	}
	err = bpf_prog_test_run_opts(hook == XDP ? mw_loader_xdp_fd(&L) : mw_loader_tc_fd(&L),
				     &opts);
	if (err) {
		if (quiet_einval && errno == EINVAL)
			return -1;
		fprintf(stderr, "    bpf_prog_test_run_opts: %s (%s, %zu bytes)\n", strerror(errno),
			hook == XDP ? "xdp" : "tc", len);
		return -1;
	}
	if (!keep_in_rings)
		ring_buffer__consume(rb);
	return opts.retval;
}

static int send_spec(enum hook hook, const struct pkt_spec *s)
{
	uint8_t buf[PKT_MAX];
	size_t len = pkt_build(s, buf, sizeof(buf));

	return run(hook, buf, len, 0);
}

static struct mw_stats stats(void)
{
	struct mw_stats st;

	memset(&st, 0, sizeof(st));
	mw_stats_read(stats_fd, &st);
	return st;
}

static long read_flows(struct mw_flow_rec **recs)
{
	long n = mw_flowtable_read(flows_fd, recs);

	ASSERT_TRUE(n >= 0, "read the flow table");
	return n;
}

static void addr_of(const char *s, __u8 *out)
{
	struct mw_addr a;

	mw_addr_parse(s, &a);
	memcpy(out, a.addr, 16);
}

struct fixture {
	const char *name;
	enum hook hook;
	struct pkt_spec spec;
	int verdict;
	enum expect expect;
	int err; /* EXP_ERR: enum mw_parse_err */
	int l2_len; /* EXP_FLOW: bytes before the IP header */
	bool no_ports; /* EXP_FLOW: flow keyed without ports */
	__u32 gso_segs; /* TC: pretend a GSO super-packet */
	__u64 want_packets; /* EXP_FLOW: when not 1 */
	__u64 want_bytes; /* EXP_FLOW: when not the frame's IP bytes */
	bool host_opened; /* EXP_FLOW: the packet opened the flow from the host (tc) */
};

#define V4(...) .family = 4, .src = "198.51.100.10", .dst = "192.0.2.1", __VA_ARGS__
#define V6(...) .family = 6, .src = "2001:db8::10", .dst = "2001:db8::1", __VA_ARGS__
#define TCPSYN .proto = IPPROTO_TCP, .sport = 40000, .dport = 22, .tcp_flags = MW_TCP_SYN
#define UDP53 .proto = IPPROTO_UDP, .sport = 5353, .dport = 53, .payload_len = 30

static const struct fixture fixtures[] = {
	{ "xdp tcp4 syn", XDP, { V4(TCPSYN) }, XDP_PASS, EXP_FLOW, .l2_len = 14 },
	{ "xdp tcp6 syn", XDP, { V6(TCPSYN) }, XDP_PASS, EXP_FLOW, .l2_len = 14 },
	{ "xdp udp4", XDP, { V4(UDP53) }, XDP_PASS, EXP_FLOW, .l2_len = 14 },
	{ "xdp udp6", XDP, { V6(UDP53) }, XDP_PASS, EXP_FLOW, .l2_len = 14 },
	{ "xdp icmp4 echo",
	  XDP,
	  { V4(.proto = IPPROTO_ICMP, .icmp_type = 8, .icmp_id = 77) },
	  XDP_PASS,
	  EXP_FLOW,
	  .l2_len = 14 },
	{ "xdp icmp6 echo",
	  XDP,
	  { V6(.proto = IPPROTO_ICMPV6, .icmp_type = 128, .icmp_id = 77) },
	  XDP_PASS,
	  EXP_FLOW,
	  .l2_len = 14 },
	{ "xdp icmp6 non-echo",
	  XDP,
	  { V6(.proto = IPPROTO_ICMPV6, .icmp_type = 1) },
	  XDP_PASS,
	  EXP_FLOW,
	  .l2_len = 14,
	  .no_ports = true },
	{ "xdp gre4 (no ports)",
	  XDP,
	  { V4(.proto = 47, .payload_len = 20) },
	  XDP_PASS,
	  EXP_FLOW,
	  .l2_len = 14,
	  .no_ports = true },
	{ "xdp 802.1q tcp4", XDP, { V4(TCPSYN, .vlans = 1) }, XDP_PASS, EXP_FLOW, .l2_len = 18 },
	{ "xdp 802.1ad+802.1q tcp6",
	  XDP,
	  { V6(TCPSYN, .vlans = 2, .qinq = true) },
	  XDP_PASS,
	  EXP_FLOW,
	  .l2_len = 22 },
	{ "xdp three vlan tags",
	  XDP,
	  { V4(TCPSYN, .vlans = 3) },
	  XDP_PASS,
	  EXP_ERR,
	  .err = MW_PE_VLAN_DEPTH },
	{ "xdp arp", XDP, { .family = 0 }, XDP_PASS, EXP_NON_IP },
	/* a frame shorter than an Ethernet header cannot be tested here:
	 * BPF_PROG_TEST_RUN refuses it, as the drivers never deliver one */
	{ "xdp truncated vlan",
	  XDP,
	  { V4(TCPSYN, .vlans = 1, .truncate = 16) },
	  XDP_PASS,
	  EXP_ERR,
	  .err = MW_PE_TRUNC_VLAN },
	{ "xdp truncated ipv4",
	  XDP,
	  { V4(TCPSYN, .truncate = 24) },
	  XDP_PASS,
	  EXP_ERR,
	  .err = MW_PE_TRUNC_IP4 },
	{ "xdp ipv4 ihl 4",
	  XDP,
	  { V4(TCPSYN, .ihl = 4) },
	  XDP_PASS,
	  EXP_ERR,
	  .err = MW_PE_BAD_IP4_HDR },
	{ "xdp ipv4 version 5",
	  XDP,
	  { V4(TCPSYN, .version = 5) },
	  XDP_PASS,
	  EXP_ERR,
	  .err = MW_PE_BAD_IP4_HDR },
	{ "xdp ipv4 ihl past the frame",
	  XDP,
	  { V4(TCPSYN, .ihl = 15, .truncate = 40) },
	  XDP_PASS,
	  EXP_ERR,
	  .err = MW_PE_TRUNC_IP4 },
	{ "xdp ipv4 length past the frame",
	  XDP,
	  { V4(TCPSYN, .ip_len_delta = 100) },
	  XDP_PASS,
	  EXP_ERR,
	  .err = MW_PE_BAD_IP4_LEN },
	{ "xdp ipv4 length below the header",
	  XDP,
	  { V4(TCPSYN, .ip_len_delta = -30) },
	  XDP_PASS,
	  EXP_ERR,
	  .err = MW_PE_BAD_IP4_LEN },
	{ "xdp ipv4 options tcp",
	  XDP,
	  { V4(TCPSYN, .ip4_opt_len = 12) },
	  XDP_PASS,
	  EXP_FLOW,
	  .l2_len = 14 },
	{ "xdp ipv4 first fragment",
	  XDP,
	  { V4(UDP53, .frag_first = true) },
	  XDP_PASS,
	  EXP_FLOW,
	  .l2_len = 14 },
	{ "xdp ipv4 later fragment",
	  XDP,
	  { V4(UDP53, .frag_later = true) },
	  XDP_PASS,
	  EXP_FLOW,
	  .l2_len = 14,
	  .no_ports = true },
	{ "xdp tcp header cut by ip length",
	  XDP,
	  { V4(TCPSYN, .ip_len_delta = -10) },
	  XDP_PASS,
	  EXP_ERR,
	  .err = MW_PE_BAD_TCP_HDR },
	{ "xdp tcp header cut by frame",
	  XDP,
	  { V4(TCPSYN, .ip_len_delta = -10, .truncate = 44) },
	  XDP_PASS,
	  EXP_ERR,
	  .err = MW_PE_TRUNC_L4 },
	{ "xdp udp header cut by ip length",
	  XDP,
	  { V4(UDP53, .ip_len_delta = -34) },
	  XDP_PASS,
	  EXP_ERR,
	  .err = MW_PE_TRUNC_L4 },
	{ "xdp tcp doff 4",
	  XDP,
	  { V4(TCPSYN, .tcp_doff = 4) },
	  XDP_PASS,
	  EXP_ERR,
	  .err = MW_PE_BAD_TCP_HDR },
	{ "xdp tcp doff past the packet",
	  XDP,
	  { V4(TCPSYN, .tcp_doff = 15) },
	  XDP_PASS,
	  EXP_ERR,
	  .err = MW_PE_BAD_TCP_HDR },
	{ "xdp tcp options and payload",
	  XDP,
	  { V4(TCPSYN, .tcp_doff = 8, .payload_len = 40) },
	  XDP_PASS,
	  EXP_FLOW,
	  .l2_len = 14 },
	{ "xdp ipv6 hop-by-hop tcp",
	  XDP,
	  { V6(TCPSYN, .ext = { IPPROTO_HOPOPTS }, .n_ext = 1) },
	  XDP_PASS,
	  EXP_FLOW,
	  .l2_len = 14 },
	{ "xdp ipv6 routing+dstopts tcp",
	  XDP,
	  { V6(TCPSYN, .ext = { IPPROTO_ROUTING, IPPROTO_DSTOPTS }, .n_ext = 2) },
	  XDP_PASS,
	  EXP_FLOW,
	  .l2_len = 14 },
	{ "xdp ipv6 ah tcp",
	  XDP,
	  { V6(TCPSYN, .ext = { IPPROTO_AH }, .n_ext = 1) },
	  XDP_PASS,
	  EXP_FLOW,
	  .l2_len = 14 },
	{ "xdp ipv6 first fragment udp",
	  XDP,
	  { V6(UDP53, .ext = { IPPROTO_FRAGMENT }, .n_ext = 1) },
	  XDP_PASS,
	  EXP_FLOW,
	  .l2_len = 14 },
	{ "xdp ipv6 later fragment",
	  XDP,
	  { V6(UDP53, .ext = { IPPROTO_FRAGMENT }, .n_ext = 1, .frag_later = true) },
	  XDP_PASS,
	  EXP_FLOW,
	  .l2_len = 14,
	  .no_ports = true },
	{ "xdp ipv6 nine extension headers",
	  XDP,
	  { V6(TCPSYN, .ext = { 0, 60, 60, 60, 60, 60, 60, 60 }, .n_ext = 8) },
	  XDP_PASS,
	  EXP_ERR,
	  .err = MW_PE_IP6_EXT_DEPTH },
	{ "xdp ipv6 extension header cut",
	  XDP,
	  { V6(TCPSYN, .ext = { IPPROTO_HOPOPTS }, .n_ext = 1, .ip_len_delta = -34,
	       .truncate = 56) },
	  XDP_PASS,
	  EXP_ERR,
	  .err = MW_PE_TRUNC_IP6_EXT },
	{ "xdp truncated ipv6",
	  XDP,
	  { V6(TCPSYN, .truncate = 40) },
	  XDP_PASS,
	  EXP_ERR,
	  .err = MW_PE_TRUNC_IP6 },
	{ "xdp ipv6 length past the frame",
	  XDP,
	  { V6(TCPSYN, .ip_len_delta = 8) },
	  XDP_PASS,
	  EXP_ERR,
	  .err = MW_PE_TRUNC_IP6 },
	{ "xdp ipv6 version 4",
	  XDP,
	  { V6(TCPSYN, .version = 4) },
	  XDP_PASS,
	  EXP_ERR,
	  .err = MW_PE_BAD_IP6_HDR },
	{ "tc tcp4 syn", TC, { V4(TCPSYN) }, TC_ACT_OK, EXP_FLOW, .l2_len = 14, .host_opened = true },
	{ "tc udp6", TC, { V6(UDP53) }, TC_ACT_OK, EXP_FLOW, .l2_len = 14, .host_opened = true },
	{ "tc 802.1q tcp6",
	  TC,
	  { V6(TCPSYN, .vlans = 1) },
	  TC_ACT_OK,
	  EXP_FLOW,
	  .l2_len = 18,
	  .host_opened = true },
	{ "tc icmp4 echo request: the host opened it",
	  TC,
	  { V4(.proto = IPPROTO_ICMP, .icmp_type = 8, .icmp_id = 77) },
	  TC_ACT_OK,
	  EXP_FLOW,
	  .l2_len = 14,
	  .host_opened = true },
	{ "tc icmp6 echo reply: an answer, not opened by the host",
	  TC,
	  { V6(.proto = IPPROTO_ICMPV6, .icmp_type = 129, .icmp_id = 77) },
	  TC_ACT_OK,
	  EXP_FLOW,
	  .l2_len = 14 },
	{ "tc icmp4 port unreachable: an answer, not opened by the host",
	  TC,
	  { V4(.proto = IPPROTO_ICMP, .icmp_type = 3) },
	  TC_ACT_OK,
	  EXP_FLOW,
	  .l2_len = 14,
	  .no_ports = true },
	{ "tc arp", TC, { .family = 0 }, TC_ACT_OK, EXP_NON_IP },
	{ "tc ipv4 length past the frame",
	  TC,
	  { V4(TCPSYN, .ip_len_delta = 100) },
	  TC_ACT_OK,
	  EXP_ERR,
	  .err = MW_PE_BAD_IP4_LEN },
	/* 3 segments of 1000 payload bytes: each repeats the 40 header bytes */
	{ "tc tcp4 gso 3 segments",
	  TC,
	  { V4(.proto = IPPROTO_TCP, .sport = 40000, .dport = 22, .tcp_flags = MW_TCP_ACK,
	       .payload_len = 3000) },
	  TC_ACT_OK,
	  EXP_FLOW,
	  .l2_len = 14,
	  .gso_segs = 3,
	  .want_packets = 3,
	  .want_bytes = 3000 + 3 * 40 },
};

static void run_fixture(void *arg)
{
	const struct fixture *fx = arg;
	uint8_t buf[PKT_MAX];
	size_t len = pkt_build(&fx->spec, buf, sizeof(buf));
	int dir = fx->hook == XDP ? MW_DIR_IN : MW_DIR_OUT;
	struct mw_flow_rec *recs = NULL;
	struct mw_stats st;
	long n;
	int i;

	reset();
	ASSERT_EQ(run(fx->hook, buf, len, fx->gso_segs), fx->verdict, "verdict");
	st = stats();
	n = read_flows(&recs);
	ASSERT_EQ(st.packets[dir], fx->gso_segs ? fx->gso_segs : 1, "stats.packets of the hook");

	switch (fx->expect) {
	case EXP_NON_IP:
		ASSERT_EQ(st.non_ip, 1, "stats.non_ip");
		ASSERT_EQ(n, 0, "flows");
		break;
	case EXP_ERR:
		for (i = 0; i < MW_PE_MAX; i++)
			ASSERT_EQ(st.parse_err[i], i == fx->err, mw_parse_err_name(i));
		ASSERT_EQ(n, 0, "flows");
		break;
	case EXP_FLOW: {
		struct mw_flow_key want = { .proto = fx->spec.proto };
		const struct mw_flow *f;
		__u16 lport = dir == MW_DIR_IN ? fx->spec.dport : fx->spec.sport;
		__u16 rport = dir == MW_DIR_IN ? fx->spec.sport : fx->spec.dport;

		for (i = 0; i < MW_PE_MAX; i++)
			ASSERT_EQ(st.parse_err[i], 0, mw_parse_err_name(i));
		ASSERT_EQ(st.flow_inserts, 1, "stats.flow_inserts");
		ASSERT_EQ(st.fragments, fx->spec.frag_later, "stats.fragments");
		if (!ASSERT_EQ(n, 1, "flows"))
			break;
		addr_of(dir == MW_DIR_IN ? fx->spec.dst : fx->spec.src, want.local_addr);
		addr_of(dir == MW_DIR_IN ? fx->spec.src : fx->spec.dst, want.remote_addr);
		if (fx->spec.proto == IPPROTO_ICMP || fx->spec.proto == IPPROTO_ICMPV6)
			lport = rport = fx->no_ports ? 0 : fx->spec.icmp_id;
		else if (fx->no_ports)
			lport = rport = 0;
		want.local_port = htons(lport);
		want.remote_port = htons(rport);
		ASSERT_TRUE(!memcmp(&recs[0].key, &want, sizeof(want)), "flow key");
		f = &recs[0].flow;
		ASSERT_EQ(f->packets[dir], fx->want_packets ? fx->want_packets : 1, "packets");
		ASSERT_EQ(f->bytes[dir], fx->want_bytes ? fx->want_bytes : len - fx->l2_len,
			  "bytes (IP layer)");
		ASSERT_EQ(f->packets[!dir], 0, "packets the other way");
		ASSERT_EQ(f->initiator,
			  fx->spec.proto == IPPROTO_TCP && !(fx->spec.tcp_flags & MW_TCP_SYN) ?
				  MW_INIT_UNKNOWN :
				  dir,
			  "initiator");
		ASSERT_EQ(f->data_packets[dir],
			  fx->spec.payload_len > 0 && !fx->spec.frag_later && fx->spec.proto != 47,
			  "data packets");
		ASSERT_EQ(f->host_opened, fx->host_opened, "host_opened");
		break;
	}
	}
	free(recs);
}

/* --- sequences ------------------------------------------------------ */

#define SRV "192.0.2.1"
#define CLI "198.51.100.10"

static struct pkt_spec tcp(bool in, __u8 flags, int payload)
{
	struct pkt_spec s = {
		.family = 4, .proto = IPPROTO_TCP, .tcp_flags = flags, .payload_len = payload
	};

	s.src = in ? CLI : SRV;
	s.dst = in ? SRV : CLI;
	s.sport = in ? 40000 : 22;
	s.dport = in ? 22 : 40000;
	return s;
}

static const struct mw_flow *only_flow(struct mw_flow_rec **recs)
{
	long n = read_flows(recs);

	if (!ASSERT_EQ(n, 1, "exactly one flow"))
		return NULL;
	return &(*recs)[0].flow;
}

static int count_events(unsigned type)
{
	int i, n = 0;

	for (i = 0; i < n_events; i++)
		n += events[i].type == type;
	return n;
}

/* --- TCP conversations with their sequence numbers --------------------- */

/* Initial sequence numbers near the wrap and across the sign boundary, so
 * that every row checks the serial arithmetic too. */
#define ISN_CLI 0xffffff80u
#define ISN_SRV 0x7ffffff0u

enum who {
	C, /* the remote client, CLI:40000 -> SRV:22, at XDP */
	S, /* the host, SRV:22 -> CLI:40000, at tc egress */
	X, /* the host's address as the source, arriving at XDP (a replay, a spoof) */
};

struct step {
	enum who who;
	__u8 flags;
	int payload;
	int seq_off; /* added to the sender's next sequence number */
	int ack_off; /* added to the acknowledgment number */
	bool resend; /* leaves the sender's sequence where it was (a retransmission, a forgery) */
};

/* Each side's next sequence number, by enum mw_dir (IN: the client). */
static __u32 cv_next[2];

static void cv_start(void)
{
	cv_next[MW_DIR_IN] = ISN_CLI;
	cv_next[MW_DIR_OUT] = ISN_SRV;
}

/* Sends @st with the sequence and acknowledgment numbers its sender would
 * use; returns the verdict. */
static int cv_send(const struct step *st)
{
	int d = st->who == C ? MW_DIR_IN : MW_DIR_OUT;
	struct pkt_spec s = tcp(st->who == C, st->flags, st->payload);

	s.seq = cv_next[d] + st->seq_off;
	if (st->flags & MW_TCP_ACK)
		s.ack = cv_next[!d] + st->ack_off;
	if (!st->resend)
		cv_next[d] += st->payload + !!(st->flags & MW_TCP_SYN) + !!(st->flags & MW_TCP_FIN);
	return send_spec(st->who == S ? TC : XDP, &s);
}

#define SYN MW_TCP_SYN
#define SA (MW_TCP_SYN | MW_TCP_ACK)
#define ACK MW_TCP_ACK
#define PA (MW_TCP_PSH | MW_TCP_ACK)
#define FA (MW_TCP_FIN | MW_TCP_ACK)
#define RST MW_TCP_RST
#define RA (MW_TCP_RST | MW_TCP_ACK)
#define HANDSHAKE              \
	{ C, SYN }, { S, SA }, \
	{                      \
		C, ACK         \
	}

/* A client's connection to the watched SSH port, its handshake seen in
 * order; the caller clears the port with watch_ssh(false). */
static void watch_ssh(bool on)
{
	__u8 v = on ? MW_SVC_SSH : 0;
	__u32 port = 22;

	bpf_map_update_elem(mw_loader_map_fd(&L, MW_MAP_SVC), &port, &v, 0);
}

static void watched_handshake(void)
{
	reset();
	cv_start();
	watch_ssh(true);
	cv_send(&(struct step){ C, SYN });
	cv_send(&(struct step){ S, SA });
	cv_send(&(struct step){ C, ACK });
}

struct tcp_row {
	const char *name;
	struct step steps[10]; /* up to the first with no flags */
	/* the flow afterwards */
	int initiator, hs_stage, handshake, state, host_opened, svc;
	int ends; /* flow-end events */
	int rst_ignored, fin_ignored, syn_on_live, reused;
	int packets; /* both ways; 0: not checked */
};

static const struct tcp_row tcp_rows[] = {
	{ "in-order handshake: verified",
	  { HANDSHAKE },
	  MW_DIR_IN,
	  MW_HS_DONE,
	  1,
	  MW_STATE_OPEN,
	  0,
	  MW_SVC_SSH,
	  0,
	  0,
	  0,
	  0,
	  0,
	  3 },
	{ "data both ways across the sequence wrap, then both FINs: one end",
	  { HANDSHAKE,
	    { C, PA, 200 },
	    { S, PA, 300 },
	    { C, PA, 200 },
	    { C, FA },
	    { S, FA },
	    { C, ACK } },
	  MW_DIR_IN,
	  MW_HS_DONE,
	  1,
	  MW_STATE_CLOSED,
	  0,
	  MW_SVC_SSH,
	  1,
	  0,
	  0,
	  0,
	  0,
	  9 },
	{ "forged ACK without the SYN-ACK (even the right ack): never verified",
	  { { C, SYN }, { C, ACK, .ack_off = 1 } },
	  MW_DIR_IN,
	  MW_HS_SYN,
	  0,
	  MW_STATE_OPEN,
	  0,
	  MW_SVC_SSH,
	  0,
	  0,
	  0,
	  0,
	  0,
	  2 },
	{ "SYN-ACK with the wrong ack from outside: never verified",
	  { { S, SYN }, { C, SA, .ack_off = 5 }, { S, ACK } },
	  MW_DIR_OUT,
	  MW_HS_SYN,
	  0,
	  MW_STATE_OPEN,
	  1,
	  0,
	  0,
	  0,
	  0,
	  0,
	  0,
	  3 },
	{ "a wrong SYN-ACK, then the right one: verified",
	  { { S, SYN }, { C, SA, .ack_off = 5, .resend = true }, { C, SA }, { S, ACK } },
	  MW_DIR_OUT,
	  MW_HS_DONE,
	  1,
	  MW_STATE_OPEN,
	  1,
	  0,
	  0,
	  0,
	  0,
	  0,
	  0,
	  4 },
	{ "mid-stream data: initiator unknown, never verified",
	  { { C, PA, 10 }, { S, PA, 10 }, { C, ACK } },
	  MW_INIT_UNKNOWN,
	  MW_HS_NONE,
	  0,
	  MW_STATE_OPEN,
	  0,
	  0,
	  0,
	  0,
	  0,
	  0,
	  0,
	  3 },
	{ "RST with a wrong sequence on a verified flow: ignored, no end",
	  { HANDSHAKE, { C, PA, 100 }, { S, PA, 50 }, { C, RST, .seq_off = 7, .resend = true } },
	  MW_DIR_IN,
	  MW_HS_DONE,
	  1,
	  MW_STATE_OPEN,
	  0,
	  MW_SVC_SSH,
	  0,
	  1,
	  0,
	  0,
	  0,
	  6 },
	{ "RST in the window but not exact: ignored (Linux sends a challenge ACK)",
	  { HANDSHAKE, { C, PA, 100 }, { C, RST, .seq_off = 1000, .resend = true } },
	  MW_DIR_IN,
	  MW_HS_DONE,
	  1,
	  MW_STATE_OPEN,
	  0,
	  MW_SVC_SSH,
	  0,
	  1,
	  0,
	  0,
	  0,
	  5 },
	{ "exact RST: closed, one end",
	  { HANDSHAKE, { C, PA, 100 }, { S, PA, 50 }, { C, RST } },
	  MW_DIR_IN,
	  MW_HS_DONE,
	  1,
	  MW_STATE_CLOSED,
	  0,
	  MW_SVC_SSH,
	  1,
	  0,
	  0,
	  0,
	  0,
	  6 },
	{ "the host's own RST (tc) is its stack's word",
	  { HANDSHAKE, { S, RST, .seq_off = 12345 } },
	  MW_DIR_IN,
	  MW_HS_DONE,
	  1,
	  MW_STATE_CLOSED,
	  0,
	  MW_SVC_SSH,
	  1,
	  0,
	  0,
	  0,
	  0,
	  4 },
	{ "RST|ACK refusing the host's SYN: closed",
	  { { S, SYN }, { C, RA } },
	  MW_DIR_OUT,
	  MW_HS_SYN,
	  0,
	  MW_STATE_CLOSED,
	  1,
	  0,
	  1,
	  0,
	  0,
	  0,
	  0,
	  2 },
	{ "RST to the host's SYN with a wrong ack, or none: ignored",
	  { { S, SYN }, { C, RA, .ack_off = 1 }, { C, RST } },
	  MW_DIR_OUT,
	  MW_HS_SYN,
	  0,
	  MW_STATE_OPEN,
	  1,
	  0,
	  0,
	  2,
	  0,
	  0,
	  0,
	  3 },
	{ "SYN on a live flow: entry, service and counters kept",
	  { HANDSHAKE, { C, PA, 100 }, { S, PA, 50 }, { C, SYN, .seq_off = 99999, .resend = true } },
	  MW_DIR_IN,
	  MW_HS_DONE,
	  1,
	  MW_STATE_OPEN,
	  0,
	  MW_SVC_SSH,
	  0,
	  0,
	  0,
	  1,
	  0,
	  6 },
	{ "RST then SYN on its own connection: nothing changes",
	  { HANDSHAKE,
	    { C, PA, 100 },
	    { C, RST, .seq_off = 5, .resend = true },
	    { C, SYN, .seq_off = 77, .resend = true } },
	  MW_DIR_IN,
	  MW_HS_DONE,
	  1,
	  MW_STATE_OPEN,
	  0,
	  MW_SVC_SSH,
	  0,
	  1,
	  0,
	  1,
	  0,
	  6 },
	{ "SYN after a verified close: a new connection, service kept",
	  { HANDSHAKE, { C, FA }, { S, FA }, { C, ACK }, { C, SYN, .seq_off = 1000 } },
	  MW_DIR_IN,
	  MW_HS_SYN,
	  0,
	  MW_STATE_OPEN,
	  0,
	  MW_SVC_SSH,
	  1,
	  0,
	  0,
	  0,
	  1,
	  1 },
	{ "SYN after a stray packet (no handshake to protect): tracked",
	  { { C, ACK, .seq_off = 5, .resend = true }, { C, SYN } },
	  MW_DIR_IN,
	  MW_HS_SYN,
	  0,
	  MW_STATE_OPEN,
	  0,
	  MW_SVC_SSH,
	  0,
	  0,
	  0,
	  0,
	  1,
	  1 },
	{ "SYN retransmitted: no news",
	  { { C, SYN, .resend = true }, { C, SYN } },
	  MW_DIR_IN,
	  MW_HS_SYN,
	  0,
	  MW_STATE_OPEN,
	  0,
	  MW_SVC_SSH,
	  0,
	  0,
	  0,
	  0,
	  0,
	  2 },
	{ "a second SYN with another ISN during the handshake: the first kept",
	  { { C, SYN }, { C, SYN, .seq_off = 5000, .resend = true }, { S, SA }, { C, ACK } },
	  MW_DIR_IN,
	  MW_HS_DONE,
	  1,
	  MW_STATE_OPEN,
	  0,
	  MW_SVC_SSH,
	  0,
	  0,
	  0,
	  1,
	  0,
	  4 },
	{ "the host's SYN-ACK names the SYN its stack kept (a later ISN)",
	  { { C, SYN, .seq_off = -5000, .resend = true }, { C, SYN }, { S, SA }, { C, ACK } },
	  MW_DIR_IN,
	  MW_HS_DONE,
	  1,
	  MW_STATE_OPEN,
	  0,
	  MW_SVC_SSH,
	  0,
	  0,
	  0,
	  1,
	  0,
	  4 },
	{ "FIN beyond the window: ignored",
	  { HANDSHAKE, { C, FA, .seq_off = 2 << 20, .resend = true } },
	  MW_DIR_IN,
	  MW_HS_DONE,
	  1,
	  MW_STATE_OPEN,
	  0,
	  MW_SVC_SSH,
	  0,
	  0,
	  1,
	  0,
	  0,
	  4 },
	{ "FIN before seq_next: ignored",
	  { HANDSHAKE, { C, PA, 100 }, { C, FA, .seq_off = -50, .resend = true } },
	  MW_DIR_IN,
	  MW_HS_DONE,
	  1,
	  MW_STATE_OPEN,
	  0,
	  MW_SVC_SSH,
	  0,
	  0,
	  1,
	  0,
	  0,
	  5 },
	{ "FIN with data, then its retransmission: closing",
	  { HANDSHAKE,
	    { C, FA | MW_TCP_PSH, 50 },
	    { C, FA | MW_TCP_PSH, 50, .seq_off = -51, .resend = true } },
	  MW_DIR_IN,
	  MW_HS_DONE,
	  1,
	  MW_STATE_CLOSING,
	  0,
	  MW_SVC_SSH,
	  0,
	  0,
	  0,
	  0,
	  0,
	  5 },
	{ "a forged segment far ahead does not move seq_next",
	  { HANDSHAKE, { C, PA, 100, .seq_off = 5 << 20, .resend = true }, { C, RST } },
	  MW_DIR_IN,
	  MW_HS_DONE,
	  1,
	  MW_STATE_CLOSED,
	  0,
	  MW_SVC_SSH,
	  1,
	  0,
	  0,
	  0,
	  0,
	  5 },
	{ "the host opens (SYN at tc): host_opened",
	  { { S, SYN } },
	  MW_DIR_OUT,
	  MW_HS_SYN,
	  0,
	  MW_STATE_OPEN,
	  1,
	  0,
	  0,
	  0,
	  0,
	  0,
	  0,
	  1 },
	{ "a SYN-ACK forged with the host's address (at XDP), then the ACK: never verified",
	  { { C, SYN }, { X, SA }, { C, ACK } },
	  MW_DIR_IN,
	  MW_HS_SYN,
	  0,
	  MW_STATE_OPEN,
	  0,
	  MW_SVC_SSH,
	  0,
	  0,
	  0,
	  0,
	  0,
	  3 },
	{ "a RST forged with the host's address (at XDP) in a verified flow: changes nothing",
	  { HANDSHAKE, { X, RST } },
	  MW_DIR_IN,
	  MW_HS_DONE,
	  1,
	  MW_STATE_OPEN,
	  0,
	  MW_SVC_SSH,
	  0,
	  0,
	  0,
	  0,
	  0,
	  4 },
	{ "the host's address arriving at XDP: counted, never the host's (no handshake stage)",
	  { { X, SYN } },
	  MW_DIR_OUT,
	  MW_HS_NONE,
	  0,
	  MW_STATE_OPEN,
	  0,
	  0,
	  0,
	  0,
	  0,
	  0,
	  0,
	  1 },
	{ "SYN with FIN: junk, nothing taken",
	  { { C, SYN | MW_TCP_FIN } },
	  MW_INIT_UNKNOWN,
	  MW_HS_NONE,
	  0,
	  MW_STATE_OPEN,
	  0,
	  0,
	  0,
	  0,
	  1,
	  0,
	  0,
	  1 },
};

static void run_tcp_row(void *arg)
{
	const struct tcp_row *row = arg;
	int svc_fd = mw_loader_map_fd(&L, MW_MAP_SVC);
	struct mw_flow_rec *recs = NULL;
	__u8 ssh = MW_SVC_SSH, none = 0;
	const struct mw_flow *f;
	__u32 port = 22, ifindex = 1;
	struct mw_stats st;
	struct mw_addr a;
	size_t i;

	reset();
	cv_start();
	bpf_map_update_elem(svc_fd, &port, &ssh, 0);
	/* the host's address known, as the agent records it: a packet from it
	 * arriving at XDP counts as outbound */
	mw_addr_parse(SRV, &a);
	bpf_map_update_elem(local_fd, &a, &ifindex, 0);
	for (i = 0; i < ARRAY_SIZE(row->steps) && row->steps[i].flags; i++)
		cv_send(&row->steps[i]);
	bpf_map_update_elem(svc_fd, &port, &none, 0);

	f = only_flow(&recs);
	if (f) {
		ASSERT_EQ(f->initiator, row->initiator, "initiator");
		ASSERT_EQ(f->hs_stage, row->hs_stage, "hs_stage");
		ASSERT_EQ(f->handshake, row->handshake, "handshake");
		ASSERT_EQ(f->state, row->state, "state");
		ASSERT_EQ(f->host_opened, row->host_opened, "host_opened");
		ASSERT_EQ(f->svc, row->svc, "svc");
		if (row->packets)
			ASSERT_EQ(f->packets[0] + f->packets[1], row->packets, "packets both ways");
	}
	st = stats();
	ASSERT_EQ(count_events(MW_EV_FLOW_END), row->ends, "flow-end events");
	ASSERT_EQ(st.flow_ends, row->ends, "stats.flow_ends");
	ASSERT_EQ(st.rst_ignored, row->rst_ignored, "stats.rst_ignored");
	ASSERT_EQ(st.fin_ignored, row->fin_ignored, "stats.fin_ignored");
	ASSERT_EQ(st.syn_on_live, row->syn_on_live, "stats.syn_on_live");
	ASSERT_EQ(st.flow_reused, row->reused, "stats.flow_reused");
	ASSERT_EQ(st.flow_inserts, 1, "stats.flow_inserts");
	free(recs);
}

static void seq_handshake_and_close(void *arg)
{
	struct mw_flow_rec *recs = NULL;
	const struct mw_flow *f;
	struct pkt_spec s;

	/* a watched service: its end decides, so it goes out at once */
	watched_handshake();
	cv_send(&(struct step){ C, PA, 100 });
	cv_send(&(struct step){ S, PA, 300 });
	cv_send(&(struct step){ C, PA, 100 });
	cv_send(&(struct step){ C, FA });
	f = only_flow(&recs);
	if (f) {
		ASSERT_EQ(f->initiator, MW_DIR_IN, "initiator");
		ASSERT_EQ(f->handshake, 1, "handshake");
		ASSERT_EQ(f->state, MW_STATE_CLOSING, "state after one FIN");
		ASSERT_EQ(f->packets[MW_DIR_IN], 5, "packets in");
		ASSERT_EQ(f->packets[MW_DIR_OUT], 2, "packets out");
		ASSERT_EQ(f->bytes[MW_DIR_IN], 5 * 40 + 200, "bytes in");
		ASSERT_EQ(f->bytes[MW_DIR_OUT], 2 * 40 + 300, "bytes out");
		ASSERT_EQ(f->data_packets[MW_DIR_IN], 2, "data packets in");
		ASSERT_EQ(f->exchanges, 2, "exchanges");
		ASSERT_EQ(f->tcp_flags[MW_DIR_IN],
			  MW_TCP_SYN | MW_TCP_ACK | MW_TCP_PSH | MW_TCP_FIN, "flags in");
	}
	ASSERT_EQ(count_events(MW_EV_FLOW_END), 0, "no end event yet");
	free(recs);
	recs = NULL;

	cv_send(&(struct step){ S, FA });
	cv_send(&(struct step){ C, ACK });
	f = only_flow(&recs);
	if (f)
		ASSERT_EQ(f->state, MW_STATE_CLOSED, "state after both FINs");
	if (ASSERT_EQ(count_events(MW_EV_FLOW_END), 1, "one end event")) {
		const struct mw_event_flow *ev = &events[n_events - 1].flow;

		ASSERT_EQ(ev->hdr.reason, MW_END_FIN, "end reason");
		ASSERT_EQ(ev->flow.packets[MW_DIR_OUT], 3, "summary packets out");
		ASSERT_EQ(ev->flow.handshake, 1, "summary handshake");
	}
	ASSERT_EQ(stats().flow_ends, 1, "stats.flow_ends");
	free(recs);
	recs = NULL;

	/* the same 4-tuple reused: a new connection, not more of the old one */
	s = tcp(true, MW_TCP_SYN, 0);
	s.seq = cv_next[MW_DIR_IN] + 64000;
	send_spec(XDP, &s);
	f = only_flow(&recs);
	if (f) {
		ASSERT_EQ(f->packets[MW_DIR_IN], 1, "reused: packets in");
		ASSERT_EQ(f->packets[MW_DIR_OUT], 0, "reused: packets out");
		ASSERT_EQ(f->state, MW_STATE_OPEN, "reused: state");
		ASSERT_EQ(f->ended, 0, "reused: ended");
	}
	ASSERT_EQ(stats().flow_inserts, 1, "reused: flow_inserts");
	ASSERT_EQ(stats().flow_reused, 1, "reused: flow_reused");
	watch_ssh(false);
	free(recs);
}

/* Payload sprayed into a verified connection by someone who cannot see it:
 * outside the sequence window it is counted as a packet, never as data */
static void seq_blind_data(void *arg)
{
	struct mw_flow_rec *recs = NULL;
	const struct mw_flow *f;

	reset();
	cv_start();
	cv_send(&(struct step){ C, SYN });
	cv_send(&(struct step){ S, SA });
	cv_send(&(struct step){ C, ACK });
	cv_send(&(struct step){ C, PA, 100, .seq_off = 5000000, .resend = true });
	cv_send(&(struct step){ C, PA, 100, .seq_off = -5000000, .resend = true });
	f = only_flow(&recs);
	if (f) {
		ASSERT_EQ(f->handshake, 1, "verified");
		ASSERT_EQ(f->packets[MW_DIR_IN], 4, "counted as packets");
		ASSERT_EQ(f->data_packets[MW_DIR_IN], 0, "not as data");
		ASSERT_EQ(f->exchanges, 0, "no exchange");
	}
	ASSERT_EQ(stats().data_out_of_window, 2, "stats.data_out_of_window");
	free(recs);
	recs = NULL;
	/* the real next bytes, and a retransmission of them, are data */
	cv_send(&(struct step){ C, PA, 100 });
	cv_send(&(struct step){ C, PA, 100, .seq_off = -100, .resend = true });
	f = only_flow(&recs);
	if (f)
		ASSERT_EQ(f->data_packets[MW_DIR_IN], 2, "in the window: data");
	free(recs);
}

static void seq_rst(void *arg)
{
	struct mw_flow_rec *recs = NULL;
	const struct mw_flow *f;
	struct pkt_spec s;

	reset();
	s = tcp(true, MW_TCP_SYN, 0), send_spec(XDP, &s);
	s = tcp(false, MW_TCP_RST | MW_TCP_ACK, 0), send_spec(TC, &s);
	f = only_flow(&recs);
	if (f) {
		ASSERT_EQ(f->state, MW_STATE_CLOSED, "state");
		ASSERT_EQ(f->handshake, 0, "no handshake");
	}
	/* nothing decides on a refused SYN (a spoofed flood is made of them):
	 * its end is left to the agent's sweep, and no ring carries it */
	ASSERT_EQ(count_events(MW_EV_FLOW_END), 0, "no end event from the datapath");
	if (f)
		ASSERT_EQ(f->ended, 0, "not marked ended: the sweep reports it");
	ASSERT_EQ(stats().flow_ends, 0, "stats.flow_ends");
	free(recs);
}

static void seq_midstream(void *arg)
{
	struct mw_flow_rec *recs = NULL;
	const struct mw_flow *f;
	struct pkt_spec s;

	reset();
	s = tcp(true, MW_TCP_ACK, 10), send_spec(XDP, &s);
	f = only_flow(&recs);
	if (f)
		ASSERT_EQ(f->initiator, MW_INIT_UNKNOWN, "initiator unknown");
	ASSERT_EQ(stats().flow_midstream, 1, "stats.flow_midstream");
	free(recs);
	recs = NULL;

	reset();
	s = tcp(false, MW_TCP_SYN | MW_TCP_ACK, 0), send_spec(TC, &s);
	f = only_flow(&recs);
	if (f)
		ASSERT_EQ(f->initiator, MW_DIR_IN, "a SYN-ACK out answers a remote SYN");
	free(recs);
}

static void seq_new_public(void *arg)
{
	struct pkt_spec s = { .family = 4,
			      .proto = IPPROTO_TCP,
			      .src = SRV,
			      .sport = 50000,
			      .dport = 3333,
			      .tcp_flags = MW_TCP_SYN };

	reset();
	s.dst = "203.0.113.50";
	send_spec(TC, &s);
	if (ASSERT_EQ(count_events(MW_EV_NEW_PUBLIC), 1, "public destination reported"))
		ASSERT_EQ(ntohs(events[0].flow.key.remote_port), 3333, "event remote port");
	s.dst = "10.1.2.3";
	send_spec(TC, &s);
	s.dst = "fd00::1";
	s.src = "fd00::2";
	s.family = 6;
	send_spec(TC, &s);
	ASSERT_EQ(count_events(MW_EV_NEW_PUBLIC), 1, "internal destinations not reported");
	/* an answer to an inbound connection is not locally initiated */
	s = tcp(true, MW_TCP_SYN, 0), send_spec(XDP, &s);
	s = tcp(false, MW_TCP_SYN | MW_TCP_ACK, 0), send_spec(TC, &s);
	ASSERT_EQ(count_events(MW_EV_NEW_PUBLIC), 1, "answers not reported");
	ASSERT_EQ(stats().new_public, 1, "stats.new_public");
}

static void seq_peek(void *arg)
{
	static const char stratum[] =
		"{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"x\",\"agent\":\"XMRig/6.21.0\"}}\n";
	struct pkt_spec s = tcp(false, MW_TCP_ACK | MW_TCP_PSH, sizeof(stratum) - 1);

	reset();
	s.payload = stratum;
	send_spec(TC, &s);
	if (ASSERT_EQ(count_events(MW_EV_PEEK), 1, "first JSON payload peeked")) {
		const struct mw_event_peek *pk = &events[0].peek;

		ASSERT_EQ(events[0].ring, RING_PEEKS, "peek in mw_peeks");
		ASSERT_EQ(pk->initiator, MW_INIT_UNKNOWN, "peek initiator: mid-stream");
		ASSERT_EQ(pk->host_opened, 0, "peek host_opened: not from a SYN");
		ASSERT_EQ(pk->answered, 0, "peek answered: one way only");

		ASSERT_EQ(pk->len, sizeof(stratum) - 1, "peek length");
		ASSERT_EQ(pk->orig_len, sizeof(stratum) - 1, "peek orig_len");
		ASSERT_EQ(pk->hdr.dir, MW_DIR_OUT, "peek direction");
		ASSERT_TRUE(!memcmp(pk->data, stratum, pk->len), "peek bytes");
	}
	send_spec(TC, &s);
	send_spec(TC, &s);
	send_spec(TC, &s);
	send_spec(TC, &s);
	ASSERT_EQ(count_events(MW_EV_PEEK), 4, "only the first four data packets");

	reset();
	s.payload = "GET / HTTP/1.1\r\n";
	s.payload_len = 16;
	send_spec(TC, &s);
	ASSERT_EQ(count_events(MW_EV_PEEK), 0, "plain HTTP not peeked");
}

/* A DNS packet between the host (SRV:33333) and a resolver (192.0.2.53:53). */
static struct pkt_spec dns(bool in, int proto, __u8 flags, int payload)
{
	struct pkt_spec s = { .family = 4,
			      .proto = proto,
			      .tcp_flags = flags,
			      .payload_len = payload,
			      .src = in ? "192.0.2.53" : SRV,
			      .dst = in ? SRV : "192.0.2.53",
			      .sport = in ? 53 : 33333,
			      .dport = in ? 33333 : 53 };
	return s;
}

/* The @k-th peek event caught (from 0), and the ring it came from. */
static const struct mw_event_peek *peek_at(int k, enum ring *ring)
{
	int i;

	for (i = 0; i < n_events; i++) {
		if (events[i].type != MW_EV_PEEK || k--)
			continue;
		if (ring)
			*ring = events[i].ring;
		return &events[i].peek;
	}
	return NULL;
}

/* --- the host's own connections to a remote (a pool, a TLS server) ---- */

#define POOL "203.0.113.50"

static __u32 ho_next[2]; /* by enum mw_dir: IN the remote, OUT the host */
static __u16 ho_port;

/* A segment of the host's connection SRV:50000 -> POOL:@ho_port, each side
 * with its own next sequence number; @gso: a GSO super-packet at tc. */
static void ho_send(int dir, __u8 flags, const void *payload, int len, __u32 gso)
{
	struct pkt_spec s = { .family = 4,
			      .proto = IPPROTO_TCP,
			      .tcp_flags = flags,
			      .payload_len = len,
			      .payload = payload,
			      .src = dir == MW_DIR_OUT ? SRV : POOL,
			      .dst = dir == MW_DIR_OUT ? POOL : SRV,
			      .sport = dir == MW_DIR_OUT ? 50000 : ho_port,
			      .dport = dir == MW_DIR_OUT ? ho_port : 50000 };
	static uint8_t buf[PKT_MAX];

	s.seq = ho_next[dir];
	if (flags & MW_TCP_ACK)
		s.ack = ho_next[!dir];
	ho_next[dir] += len + !!(flags & MW_TCP_SYN);
	run(dir == MW_DIR_OUT ? TC : XDP, buf, pkt_build(&s, buf, sizeof(buf)), gso);
}

static void ho_open(__u16 port)
{
	reset();
	ho_port = port;
	ho_next[MW_DIR_OUT] = 0xfffffe00u; /* across the wrap */
	ho_next[MW_DIR_IN] = 0x12345678u;
	ho_send(MW_DIR_OUT, SYN, NULL, 0, 0);
	ho_send(MW_DIR_IN, SA, NULL, 0, 0);
	ho_send(MW_DIR_OUT, ACK, NULL, 0, 0);
}

static void seq_peek_stratum_late(void *arg)
{
	static const char login[] =
		"\n{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"x\",\"agent\":\"XMRig/6.21.0\"}}\n";
	const struct mw_event_peek *pk;
	char ws[64];

	/* Stratum after a newline, in the host's third data packet */
	ho_open(3333);
	ho_send(MW_DIR_OUT, PA, "PING\r\n", 6, 0);
	ho_send(MW_DIR_IN, PA, "PONG\r\n", 6, 0);
	ho_send(MW_DIR_OUT, PA, "HELO\r\n", 6, 0);
	ho_send(MW_DIR_OUT, PA, login, sizeof(login) - 1, 0);
	pk = peek_at(0, NULL);
	if (ASSERT_EQ(count_events(MW_EV_PEEK), 1, "the third packet, after a newline: peeked")) {
		ASSERT_EQ(pk->index, 2, "its index");
		ASSERT_EQ(pk->cont, 0, "not a continuation");
		ASSERT_TRUE(pk->len == sizeof(login) - 1 && !memcmp(pk->data, login, pk->len),
			    "its bytes, the newline first");
	}
	ho_send(MW_DIR_OUT, PA, login, sizeof(login) - 1, 0);
	ASSERT_EQ(count_events(MW_EV_PEEK), 2, "the fourth: peeked");
	ho_send(MW_DIR_OUT, PA, login, sizeof(login) - 1, 0);
	ASSERT_EQ(count_events(MW_EV_PEEK), 2, "the fifth: not (peek_packets = 4)");

	/* whitespace as far as the datapath looks, and one byte more */
	ho_open(3334);
	memset(ws, ' ', sizeof(ws));
	memcpy(ws + MW_PEEK_WS_MAX - 1, "{}\n", 3);
	ho_send(MW_DIR_OUT, PA, ws, MW_PEEK_WS_MAX + 2, 0);
	ASSERT_EQ(count_events(MW_EV_PEEK), 1, "'{' after 15 blanks: peeked");
	ho_open(3334);
	memset(ws, '\t', sizeof(ws));
	memcpy(ws + 30, "{}\n", 3);
	ho_send(MW_DIR_OUT, PA, ws, 33, 0);
	ASSERT_EQ(count_events(MW_EV_PEEK), 1, "'{' after 30: peeked (16 blanks looked at)");
	ho_open(3334);
	ho_send(MW_DIR_OUT, PA, "\r\n", 2, 0);
	ASSERT_EQ(count_events(MW_EV_PEEK), 0, "a blank line alone: not");
	ho_open(3334);
	ho_send(MW_DIR_OUT, PA, "   x{}\n", 7, 0);
	ASSERT_EQ(count_events(MW_EV_PEEK), 0, "another byte first: not");

	/* a line sent a byte at first: the rest of it followed, no more */
	ho_open(3335);
	ho_send(MW_DIR_OUT, PA, login + 1, 1, 0);
	ho_send(MW_DIR_OUT, PA, login + 2, 30, 0);
	ho_send(MW_DIR_OUT, PA, login + 32, sizeof(login) - 33, 0);
	ho_send(MW_DIR_OUT, PA, "HELLO", 5, 0);
	if (ASSERT_EQ(count_events(MW_EV_PEEK), 3, "'{' alone, then the rest of its line")) {
		ASSERT_TRUE(peek_at(0, NULL)->len == 1 && !peek_at(0, NULL)->cont, "'{'");
		ASSERT_TRUE(peek_at(1, NULL)->len == 30 && peek_at(1, NULL)->cont, "30 more");
		ASSERT_TRUE(peek_at(2, NULL)->cont, "the rest");
	}
	ASSERT_EQ(stats().peeks, 3, "what follows the line: not copied");
	/* a whole line: nothing followed */
	ho_open(3336);
	ho_send(MW_DIR_OUT, PA, login + 1, sizeof(login) - 2, 0);
	ho_send(MW_DIR_OUT, PA, "x", 1, 0);
	ASSERT_EQ(count_events(MW_EV_PEEK), 1, "a whole line: its copy only");
}

/* @len bytes of @payload from @who, at its next sequence number. */
static void cv_data(enum who who, const void *payload, int len)
{
	int d = who == C ? MW_DIR_IN : MW_DIR_OUT;
	struct pkt_spec s = tcp(who == C, PA, len);

	s.payload = payload;
	s.seq = cv_next[d];
	s.ack = cv_next[!d];
	cv_next[d] += len;
	send_spec(who == S ? TC : XDP, &s);
}

static void seq_peek_clienthello(void *arg)
{
	static uint8_t hello[4096];
	const struct mw_event_peek *pk;
	size_t n = tls_hello(hello, "pool.example.org", 300, 0), i;
	struct mw_flow_rec *recs = NULL;
	const struct mw_flow *f;
	__u32 seq0;

	/* one segment: the whole record, not only peek_bytes */
	ho_open(443);
	ho_send(MW_DIR_OUT, PA, hello, (int)n, 0);
	pk = peek_at(0, NULL);
	if (ASSERT_EQ(count_events(MW_EV_PEEK), 1, "one segment: one copy"))
		ASSERT_EQ(pk->len, n, "the whole record, its SNI past byte 256");

	/* two segments: the first, then the rest, in order */
	ho_open(443);
	seq0 = ho_next[MW_DIR_OUT];
	ho_send(MW_DIR_OUT, PA, hello, 200, 0);
	f = only_flow(&recs);
	ASSERT_TRUE(f && f->follow == 1 && f->follow_end == seq0 + n,
		    "the flow follows the record");
	free(recs), recs = NULL;
	ho_send(MW_DIR_OUT, PA, hello + 200, (int)n - 200, 0);
	if (ASSERT_EQ(count_events(MW_EV_PEEK), 2, "split in two: both copied")) {
		pk = peek_at(0, NULL);
		ASSERT_TRUE(pk->len == 200 && pk->seq == seq0 && !pk->cont, "first segment");
		pk = peek_at(1, NULL);
		ASSERT_TRUE(pk->len == n - 200 && pk->seq == seq0 + 200 && pk->cont &&
				    !memcmp(pk->data, hello + 200, n - 200),
			    "second: a continuation at its sequence number");
	}
	f = only_flow(&recs);
	ASSERT_TRUE(f && !f->follow, "record complete: no longer followed");
	free(recs), recs = NULL;
	ho_send(MW_DIR_OUT, PA, "GET / HTTP/1.1\r\n", 16, 0);
	ASSERT_EQ(count_events(MW_EV_PEEK), 2, "what follows the record: not copied");

	/* its first byte alone: the record's length unknown, 2 KiB followed */
	ho_open(443);
	seq0 = ho_next[MW_DIR_OUT];
	ho_send(MW_DIR_OUT, PA, hello, 1, 0);
	ho_send(MW_DIR_OUT, PA, hello + 1, (int)n - 1, 0);
	f = only_flow(&recs);
	ASSERT_TRUE(f && f->follow == 1 && f->follow_end == seq0 + MW_TLS_REASM_MAX,
		    "one byte first: followed to 2 KiB");
	free(recs), recs = NULL;
	if (ASSERT_EQ(count_events(MW_EV_PEEK), 2, "one byte, then the rest: both copied"))
		ASSERT_TRUE(peek_at(1, NULL)->cont && peek_at(1, NULL)->len == n - 1,
			    "the rest, a continuation");

	/* a GSO super-packet larger than a peek: copied in chunks */
	n = tls_hello(hello, "pool.example.org", 1400, 0);
	ho_open(443);
	seq0 = ho_next[MW_DIR_OUT];
	ho_send(MW_DIR_OUT, PA, hello, (int)n, 2);
	if (ASSERT_EQ(count_events(MW_EV_PEEK), 3, "1.5 KiB: three chunks"))
		for (i = 0; i < 3; i++) {
			pk = peek_at((int)i, NULL);
			ASSERT_TRUE(pk->seq == (__u32)(seq0 + i * MW_PEEK_MAX) &&
					    pk->cont == (i > 0) &&
					    !memcmp(pk->data, hello + i * MW_PEEK_MAX, pk->len),
				    "chunk at its place");
		}

	/* a record that claims 16 KiB: followed for 2 KiB only */
	ho_open(443);
	hello[3] = 0x40, hello[4] = 0;
	ho_send(MW_DIR_OUT, PA, hello, 1000, 0);
	for (i = 0; i < 5; i++)
		ho_send(MW_DIR_OUT, PA, NULL, 1000, 0);
	ASSERT_EQ(stats().peeks, 2 + 2 + 1, "2 KiB: 1000 + 1000 + 48 bytes, then nothing");

	/* the remote's ClientHello (an inbound connection): one copy of
	 * peek_bytes, nothing followed, whoever sends it */
	n = tls_hello(hello, "pool.example.org", 300, 0);
	reset();
	cv_start();
	{
		const struct step st[] = { HANDSHAKE };

		for (i = 0; i < 3; i++)
			cv_send(&st[i]);
	}
	cv_data(C, hello, 200);
	cv_data(C, hello + 200, (int)n - 200);
	cv_data(S, hello, 200);
	cv_data(S, hello + 200, (int)n - 200);
	ASSERT_EQ(count_events(MW_EV_PEEK), 2, "inbound flow: each side's first segment only");
	for (i = 0; i < 2; i++)
		ASSERT_EQ(peek_at((int)i, NULL)->cont, 0, "no continuation");
}

static void seq_dns(void *arg)
{
	const struct mw_event_peek *pk;
	enum ring ring = RING_EVENTS;
	struct pkt_spec s;
	struct mw_addr a;
	__u32 ifindex = 1;
	int i;

	/* unsolicited answers: a flow the remote opened is never peeked */
	reset();
	s = dns(true, IPPROTO_UDP, 0, 600);
	for (i = 0; i < 3; i++)
		send_spec(XDP, &s);
	ASSERT_EQ(n_events, 0, "unsolicited UDP from port 53: no event at all");
	ASSERT_EQ(stats().peeks, 0, "stats.peeks");

	/* the host's query (tc), then two answers on the reversed 5-tuple */
	reset();
	s = dns(false, IPPROTO_UDP, 0, 40);
	send_spec(TC, &s);
	s = dns(true, IPPROTO_UDP, 0, 600);
	send_spec(XDP, &s);
	send_spec(XDP, &s);
	if (ASSERT_EQ(count_events(MW_EV_PEEK), 3, "the query and both answers peeked")) {
		pk = peek_at(0, &ring);
		ASSERT_EQ(ring, RING_PEEKS, "query: in mw_peeks");
		ASSERT_EQ(pk->hdr.dir, MW_DIR_OUT, "query: outbound");
		ASSERT_EQ(pk->len, 40, "query: whole");
		ASSERT_EQ(pk->host_opened, 1, "query: host_opened");
		ASSERT_EQ(pk->initiator, MW_DIR_OUT, "query: initiator");
		ASSERT_EQ(pk->answered, 0, "query: not answered yet");
		ASSERT_EQ(pk->handshake, 0, "query: no handshake (UDP)");
		pk = peek_at(2, &ring);
		ASSERT_EQ(ring, RING_PEEKS, "answer: in mw_peeks");
		ASSERT_EQ(pk->hdr.dir, MW_DIR_IN, "answer: inbound");
		ASSERT_EQ(pk->len, 256, "answer: capped at peek_bytes");
		ASSERT_EQ(pk->orig_len, 600, "answer: its length");
		ASSERT_EQ(pk->index, 1, "answer: the second inbound data packet");
		ASSERT_EQ(pk->host_opened, 1, "answer: host_opened");
		ASSERT_EQ(pk->answered, 1, "answer: the flow has packets both ways");
		ASSERT_EQ(ntohs(pk->key.remote_port), 53, "answer: remote port 53");
	}
	ASSERT_EQ(stats().peeks, 3, "stats.peeks");
	ASSERT_EQ(stats().events, 1, "in the decisive ring: the new public flow only");
	ASSERT_EQ(count_events(MW_EV_NEW_PUBLIC), 1, "the query's flow reported as new public");

	/* DNS over TCP: the host's connection, its query and the answer */
	reset();
	s = dns(false, IPPROTO_TCP, MW_TCP_SYN, 0), send_spec(TC, &s);
	s = dns(true, IPPROTO_TCP, MW_TCP_SYN | MW_TCP_ACK, 0), s.ack = 1, send_spec(XDP, &s);
	s = dns(false, IPPROTO_TCP, MW_TCP_PSH | MW_TCP_ACK, 42), s.seq = 1, s.ack = 1;
	send_spec(TC, &s);
	s = dns(true, IPPROTO_TCP, MW_TCP_PSH | MW_TCP_ACK, 300), s.seq = 1, s.ack = 43;
	send_spec(XDP, &s);
	if (ASSERT_EQ(count_events(MW_EV_PEEK), 2, "TCP: query and answer peeked")) {
		ASSERT_EQ(peek_at(0, NULL)->hdr.dir, MW_DIR_OUT, "TCP query outbound");
		ASSERT_EQ(peek_at(1, NULL)->hdr.dir, MW_DIR_IN, "TCP answer inbound");
		ASSERT_EQ(peek_at(1, NULL)->handshake, 1, "TCP answer: the handshake was seen");
	}

	/* a TCP connection the remote opened from port 53: never peeked */
	reset();
	s = dns(true, IPPROTO_TCP, MW_TCP_SYN, 0), send_spec(XDP, &s);
	s = dns(true, IPPROTO_TCP, MW_TCP_PSH | MW_TCP_ACK, 300), s.seq = 1, send_spec(XDP, &s);
	send_spec(XDP, &s);
	ASSERT_EQ(count_events(MW_EV_PEEK), 0, "TCP from port 53, opened by the remote: no peek");

	/* a "query" from the host's address arriving at XDP (a replay, a
	 * spoof) is not the host's: neither it nor its "answer" is peeked */
	reset();
	mw_addr_parse(SRV, &a);
	bpf_map_update_elem(local_fd, &a, &ifindex, 0);
	s = dns(false, IPPROTO_UDP, 0, 40), send_spec(XDP, &s);
	s = dns(true, IPPROTO_UDP, 0, 600), send_spec(XDP, &s);
	ASSERT_EQ(count_events(MW_EV_PEEK), 0, "a query that did not leave through tc: no peek");

	/* forged answers sprayed first onto the port the host's query will
	 * use: the query and its answer are still seen */
	reset();
	s = dns(true, IPPROTO_UDP, 0, 120), send_spec(XDP, &s);
	ASSERT_EQ(count_events(MW_EV_PEEK), 0, "the forged answer first: no peek");
	s = dns(false, IPPROTO_UDP, 0, 40), send_spec(TC, &s);
	s = dns(true, IPPROTO_UDP, 0, 120), send_spec(XDP, &s);
	ASSERT_EQ(count_events(MW_EV_PEEK), 2, "then the host's query and its answer: peeked");
	ASSERT_EQ(peeks_in_events, 0, "no peek ever in mw_events");
}

static void seq_block(void *arg)
{
	struct mw_block b = { 0 };
	struct mw_addr a;
	struct pkt_spec s = tcp(true, MW_TCP_SYN, 0);
	struct mw_flow_rec *recs = NULL;

	reset();
	mw_addr_parse(CLI, &a);
	bpf_map_update_elem(block_fd, &a, &b, 0);
	ASSERT_EQ(send_spec(XDP, &s), XDP_PASS, "map entry alone does not drop (count 0)");
	reset();
	bpf_map_update_elem(block_fd, &a, &b, 0);
	L.skel->bss->mw_nr_blocked = 1;
	ASSERT_EQ(send_spec(XDP, &s), XDP_DROP, "blocked source dropped");
	ASSERT_EQ(stats().block_drops, 1, "stats.block_drops");
	ASSERT_EQ(read_flows(&recs), 0, "no flow for a dropped packet");
	free(recs);
	bpf_map_lookup_elem(block_fd, &a, &b);
	ASSERT_EQ(b.drops, 1, "per-entry drops");

	b.expires_ns = 1; /* long past */
	bpf_map_update_elem(block_fd, &a, &b, 0);
	ASSERT_EQ(send_spec(XDP, &s), XDP_PASS, "expired block passes");
	s = tcp(true, MW_TCP_SYN, 0);
	s.src = "198.51.100.11";
	b.expires_ns = 0;
	bpf_map_update_elem(block_fd, &a, &b, 0);
	ASSERT_EQ(send_spec(XDP, &s), XDP_PASS, "other sources pass");

	/* a blocked prefix (an IPv6 /64, a range): the LPM map */
	{
		int net_fd = mw_loader_map_fd(&L, MW_MAP_BLOCK_NET);
		struct mw_prefix p;
		struct mw_lpm_key k;

		mw_prefix_parse("198.51.100.0/24", &p);
		mw_prefix_to_lpm(&p, &k);
		b.drops = 0;
		bpf_map_update_elem(net_fd, &k, &b, 0);
		L.skel->bss->mw_nr_blocked_net = 1;
		ASSERT_EQ(send_spec(XDP, &s), XDP_DROP,
			  "a source inside a blocked prefix is dropped");
		bpf_map_lookup_elem(net_fd, &k, &b);
		ASSERT_EQ(b.drops, 1, "the prefix entry counts it");
		s.src = "198.51.101.1";
		ASSERT_EQ(send_spec(XDP, &s), XDP_PASS, "outside the prefix: passed");
		bpf_map_delete_elem(net_fd, &k);
		L.skel->bss->mw_nr_blocked_net = 0;
	}
}

/* Puts @text (a list) in force through the agent's own code path. */
static int bl_install(const char *text, const char *alert)
{
	struct mw_prefix a;
	struct mw_bl_compiled c;
	struct mw_blacklist bl;
	int ret;

	mw_bl_init(&bl, NULL);
	ret = mw_bl_load(&bl, &(struct mw_bl_source){ .name = "t", .path = "t.list" }, text,
			 strlen(text), stderr);
	if (alert)
		mw_prefix_parse(alert, &a);
	if (ret > 0)
		ret = mw_bl_compile(&bl, NULL, 0, &a, alert ? 1 : 0, &c);
	if (ret == 0) {
		ret = mw_blacklist_maps_install(&blk, &c, &bl, NULL, 0);
		mw_bl_compiled_free(&c);
	}
	mw_bl_free(&bl);
	return ret;
}

static __u64 bl_hits(void)
{
	static uint64_t hits[MW_BL_LISTS_MAX];

	mw_blacklist_maps_hits(&blk, hits);
	return hits[1];
}

static void seq_blacklist(void *arg)
{
	struct pkt_spec s = { .family = 4,
			      .proto = IPPROTO_TCP,
			      .src = SRV,
			      .dst = "203.0.113.9",
			      .sport = 50000,
			      .dport = 443,
			      .tcp_flags = MW_TCP_SYN };
	struct mw_flow_rec *recs = NULL;
	const struct mw_flow *f;
	__u64 hits0;

	reset();
	if (!ASSERT_EQ(bl_install("203.0.113.0/24\n198.51.100.77:3333\n2001:db8:bad::/48\n"
				  "198.51.100.88\n",
				  "198.51.100.88"),
		       0, "lists in force"))
		return;
	hits0 = bl_hits();
	L.skel->bss->mw_bl_enforce = 0;
	ASSERT_EQ(send_spec(TC, &s), TC_ACT_OK, "not enforced: passed");
	send_spec(TC, &s);
	f = only_flow(&recs);
	if (f)
		ASSERT_EQ(f->blacklist, 1, "list id cached in the flow");
	ASSERT_EQ(count_events(MW_EV_BLACKLIST), 1, "one event per flow, not per packet");
	ASSERT_EQ(stats().blacklist_hits, 1, "stats.blacklist_hits");
	ASSERT_EQ(bl_hits() - hits0, 1, "the list's hit counter");
	free(recs);
	recs = NULL;

	/* enforced: the first SYN out and the first packet in are dropped */
	reset();
	L.skel->bss->mw_bl_enforce = 1;
	s.sport = 50001;
	ASSERT_EQ(send_spec(TC, &s), TC_ACT_SHOT, "egress SYN to a listed address dropped");
	ASSERT_EQ(send_spec(TC, &s), TC_ACT_SHOT, "and its retry");
	s.src = "203.0.113.10", s.dst = SRV, s.sport = 3333, s.dport = 40000;
	ASSERT_EQ(send_spec(XDP, &s), XDP_DROP, "ingress from a listed address dropped");
	ASSERT_EQ(stats().blacklist_drops, 3, "stats.blacklist_drops");

	/* port-specific entries (maltrail IP:PORT) match that port only */
	s.src = SRV, s.sport = 50002, s.dst = "198.51.100.77", s.dport = 3333;
	ASSERT_EQ(send_spec(TC, &s), TC_ACT_SHOT, "listed address on its listed port");
	s.dport = 443;
	ASSERT_EQ(send_spec(TC, &s), TC_ACT_OK, "same address on another port");
	/* alert-only entries are reported, never dropped */
	s.dst = "198.51.100.88";
	ASSERT_EQ(send_spec(TC, &s), TC_ACT_OK, "alert-only address passes");
	ASSERT_EQ(count_events(MW_EV_BLACKLIST), 4, "but is reported (4 flows hit)");
	/* IPv6 */
	s.family = 6, s.src = "2001:db8::1", s.dst = "2001:db8:bad::5", s.dport = 443;
	ASSERT_EQ(send_spec(TC, &s), TC_ACT_SHOT, "IPv6 listed prefix dropped");
	s.dst = "2001:db8:beef::5";
	ASSERT_EQ(send_spec(TC, &s), TC_ACT_OK, "IPv6 outside it passes");

	/* a swap takes effect for the next new flow */
	s.family = 4, s.src = SRV, s.dst = "203.0.113.9", s.sport = 50009;
	ASSERT_EQ(bl_install("192.0.2.200\n", NULL), 0, "new lists swapped in");
	ASSERT_EQ(send_spec(TC, &s), TC_ACT_OK, "an address the new lists drop passes");
	L.skel->bss->mw_bl_enforce = 0;
	bl_install("", NULL);
}

static void seq_bursts(void *arg)
{
	int svc_fd = mw_loader_map_fd(&L, MW_MAP_SVC);
	__u32 port = 22;
	__u8 ssh = MW_SVC_SSH, none = 0;
	struct pkt_spec s;
	int i;

	reset();
	cv_start();
	bpf_map_update_elem(svc_fd, &port, &ssh, 0);
	cv_send(&(struct step){ C, SYN });
	cv_send(&(struct step){ S, SA });
	cv_send(&(struct step){ C, ACK });
	cv_send(&(struct step){ C, PA, 21 }); /* client banner */
	cv_send(&(struct step){ S, PA, 32 }); /* server banner */
	cv_send(&(struct step){ S, PA, 900 }); /* same burst */
	for (i = 0; i < 3; i++) {
		cv_send(&(struct step){ C, PA, 76 }); /* a try */
		cv_send(&(struct step){ S, PA, 76 }); /* refused */
	}
	if (ASSERT_EQ(count_events(MW_EV_BURST), 7, "one event per change of direction")) {
		const struct mw_event_burst *b = (const void *)&events[1].flow;

		ASSERT_EQ(b->hdr.dir, MW_DIR_OUT, "second event: the server's burst ended");
		ASSERT_EQ(b->bytes, 932, "its bytes: both packets");
		ASSERT_EQ(b->svc, MW_SVC_SSH, "service");
		ASSERT_EQ(b->handshake, 1, "the handshake it rests on");
		b = (const void *)&events[n_events - 1].flow;
		ASSERT_EQ(b->bytes, 76, "last: a 76-byte try");
		ASSERT_EQ(b->exchanges, 7, "exchange count");
	}
	/* the same exchanges on a flow whose handshake was not seen in order
	 * (the client's ACK acknowledges something else): no burst events */
	reset();
	cv_start();
	cv_send(&(struct step){ C, SYN });
	cv_send(&(struct step){ S, SA });
	cv_send(&(struct step){ C, ACK, .ack_off = 9 });
	for (i = 0; i < 3; i++) {
		cv_send(&(struct step){ C, PA, 76, .ack_off = 9 });
		cv_send(&(struct step){ S, PA, 76 });
	}
	ASSERT_EQ(count_events(MW_EV_BURST), 0, "handshake not verified: no burst events");
	/* an outbound connection to port 22 is not watched */
	reset();
	s = tcp(false, MW_TCP_SYN, 0), send_spec(TC, &s);
	s = tcp(true, MW_TCP_ACK | MW_TCP_PSH, 10), send_spec(XDP, &s);
	s = tcp(false, MW_TCP_ACK | MW_TCP_PSH, 10), send_spec(TC, &s);
	ASSERT_EQ(count_events(MW_EV_BURST), 0, "locally initiated: no burst events");
	bpf_map_update_elem(svc_fd, &port, &none, 0);
}

/* A long session's counters: past 16 bits they go on (a wrap would start
 * a new login phase: burst events again, exchange counting from 0), and at
 * their top they stay there. */
static void seq_wide_counters(void *arg)
{
	struct mw_flow_rec *recs = NULL;
	struct mw_flow_key key;
	struct mw_flow f;

	watched_handshake();
	cv_send(&(struct step){ C, PA, 21 });
	if (!ASSERT_EQ(read_flows(&recs), 1, "one flow"))
		goto out;
	key = recs[0].key;
	f = recs[0].flow;
	f.exchanges = 0xffff;
	f.data_packets[MW_DIR_OUT] = 1;
	bpf_map_update_elem(flows_fd, &key, &f, BPF_EXIST);
	n_events = 0;
	cv_send(&(struct step){ S, PA, 40 });
	cv_send(&(struct step){ C, PA, 40 });
	ASSERT_TRUE(!bpf_map_lookup_elem(flows_fd, &key, &f) && f.exchanges == 0x10001,
		    "exchanges go past 65535");
	ASSERT_EQ(count_events(MW_EV_BURST), 0, "no burst events: not a login phase again");

	f.exchanges = ~0U;
	f.data_packets[MW_DIR_IN] = ~0U;
	f.burst_bytes = ~0U - 10;
	bpf_map_update_elem(flows_fd, &key, &f, BPF_EXIST);
	cv_send(&(struct step){ C, PA, 40 });
	ASSERT_TRUE(!bpf_map_lookup_elem(flows_fd, &key, &f) && f.burst_bytes == ~0U,
		    "a burst past 4 GiB stays at the top");
	cv_send(&(struct step){ S, PA, 40 });
	ASSERT_TRUE(!bpf_map_lookup_elem(flows_fd, &key, &f) && f.exchanges == ~0U &&
			    f.data_packets[MW_DIR_IN] == ~0U,
		    "at their top they stay");
	ASSERT_EQ(count_events(MW_EV_BURST), 0, "and raise no burst event");
out:
	watch_ssh(false);
	free(recs);
}

/*
 * Splits @s, a TCP or UDP packet without IP options built as a first
 * fragment (IPv4: frag_first; IPv6: a fragment header), into the first
 * fragment holding the L4 header and @split - header bytes of payload, and
 * the later fragment holding the rest; sends @order (1: first then later,
 * 2: the later only, 3: later, then first).
 */
static void send_fragments(enum hook hook, const struct pkt_spec *s, size_t split, int order)
{
	uint8_t whole[PKT_MAX], a[PKT_MAX], b[PKT_MAX];
	size_t len = pkt_build(s, whole, sizeof(whole));
	size_t hdr = s->family == 4 ? 14 + 20 : 14 + 40 + 8; /* up to L4 */
	size_t la = hdr + split, lb = len - split;

	memcpy(a, whole, la);
	memcpy(b, whole, hdr);
	memcpy(b + hdr, whole + la, len - la);
	if (s->family == 4) {
		a[16] = (la - 14) >> 8, a[17] = (la - 14) & 0xff;
		b[16] = (lb - 14) >> 8, b[17] = (lb - 14) & 0xff;
		b[20] = (split / 8) >> 8, b[21] = (split / 8) & 0xff; /* offset, MF clear */
	} else {
		a[18] = (la - 54) >> 8, a[19] = (la - 54) & 0xff;
		b[18] = (lb - 54) >> 8, b[19] = (lb - 54) & 0xff;
		b[56] = split >> 8, b[57] = split & 0xf8; /* offset, M clear */
	}
	if (order == 3)
		run(hook, b, lb, 0);
	if (order != 2)
		run(hook, a, la, 0);
	if (order != 3)
		run(hook, b, lb, 0);
}

/*
 * A slow brute force's connection, then a flood of spoofed new flows that
 * cycles the flow table (SYNs from random sources, mid-stream segments,
 * UDP): the connection comes back from mw_watched as it was, a RST with the
 * wrong sequence and a SYN on it change nothing, its exchanges go on.
 */
static void seq_flood_eviction(void *arg)
{
	int watched_fd = mw_loader_map_fd(&L, MW_MAP_WATCHED);
	struct mw_flow_rec *recs = NULL;
	struct mw_flow_key key;
	struct mw_flow f, w;
	struct mw_stats st;
	struct pkt_spec s;
	char src[32];
	int i;

	watched_handshake();
	cv_send(&(struct step){ C, PA, 21 });
	cv_send(&(struct step){ S, PA, 32 });
	cv_send(&(struct step){ C, PA, 76 });
	cv_send(&(struct step){ S, PA, 76 });
	if (!ASSERT_EQ(read_flows(&recs), 1, "the watched connection"))
		goto out;
	key = recs[0].key;
	ASSERT_TRUE(!bpf_map_lookup_elem(watched_fd, &key, &w) && w.exchanges == 3 &&
			    w.svc == MW_SVC_SSH,
		    "its copy in mw_watched, current");

	for (i = 0; i < 6000; i++) {
		snprintf(src, sizeof(src), "203.0.%d.%d", (i >> 8) & 255, i & 255);
		s = tcp(true, i % 3 == 0 ? MW_TCP_ACK : MW_TCP_SYN, 0);
		if (i % 3 == 2)
			s.proto = IPPROTO_UDP, s.payload_len = 20;
		s.src = src;
		s.sport = 1024 + i;
		send_spec(XDP, &s);
	}
	/* the LRU picks what it evicts: make sure this one went, as a
	 * longer flood would do */
	bpf_map_delete_elem(flows_fd, &key);
	st = stats();
	ASSERT_TRUE(st.flow_inserts >= 6000, "the flood made its flows");

	n_events = 0;
	/* the attacker resets its own connection's entry: a RST off by one,
	 * then a SYN on the same 4-tuple */
	cv_send(&(struct step){ C, RST, .seq_off = 1, .resend = true });
	cv_send(&(struct step){ C, SYN, .seq_off = 12345, .resend = true });
	cv_send(&(struct step){ C, PA, 76 });
	cv_send(&(struct step){ S, PA, 76 });
	st = stats();
	ASSERT_EQ(st.flow_restored, 1, "stats.flow_restored");
	ASSERT_EQ(st.rst_ignored, 1, "the RST ignored");
	ASSERT_EQ(st.syn_on_live, 1, "the SYN ignored");
	if (ASSERT_TRUE(!bpf_map_lookup_elem(flows_fd, &key, &f), "back in mw_flows")) {
		ASSERT_EQ(f.svc, MW_SVC_SSH, "still watched");
		ASSERT_EQ(f.handshake, 1, "still verified");
		ASSERT_EQ(f.state, MW_STATE_OPEN, "still open");
		ASSERT_EQ(f.exchanges, 5, "its exchanges go on");
	}
	if (ASSERT_EQ(count_events(MW_EV_BURST), 2, "its tries still raise burst events")) {
		const struct mw_event_burst *b = (const void *)&events[n_events - 1].flow;

		ASSERT_EQ(b->exchanges, 5, "numbered on");
	}
	/* closed: out of observation, its copy gone */
	cv_send(&(struct step){ C, FA });
	cv_send(&(struct step){ S, FA });
	ASSERT_TRUE(bpf_map_lookup_elem(watched_fd, &key, &w) && errno == ENOENT,
		    "closed: no copy left");
out:
	watch_ssh(false);
	free(recs);
}

/* cv_send for family @fam: IPv6 between 2001:db8::10 and 2001:db8::1. */
static struct pkt_spec cv_spec(int fam, enum who who, __u8 flags, int payload)
{
	int d = who == C ? MW_DIR_IN : MW_DIR_OUT;
	struct pkt_spec s = tcp(who == C, flags, payload);

	if (fam == 6) {
		s.family = 6;
		s.src = who == C ? "2001:db8::10" : "2001:db8::1";
		s.dst = who == C ? "2001:db8::1" : "2001:db8::10";
		s.ext[0] = IPPROTO_FRAGMENT; /* a first fragment, or nothing */
		s.n_ext = payload ? 1 : 0;
	} else {
		s.frag_first = payload != 0;
	}
	if (payload) {
		/* a 24-byte header (pktgen writes its 4 option bytes as the
		 * payload's first): a first fragment of 24 bytes holds it alone */
		s.tcp_doff = 6;
		s.payload_len = payload + 4;
	}
	s.seq = cv_next[d];
	s.ack = cv_next[!d];
	cv_next[d] += payload + !!(flags & MW_TCP_SYN);
	return s;
}

/* A login try sent as a first fragment holding only the TCP header, and a
 * later fragment with the payload: counted in its flow as data, one burst
 * of the client's; IPv4 and IPv6. */
static void seq_fragments(void *arg)
{
	struct mw_flow_rec *recs = NULL;
	struct pkt_spec s;
	long n;
	int fam;

	for (fam = 4; fam <= 6; fam += 2) {
		reset();
		cv_start();
		watch_ssh(true);
		s = cv_spec(fam, C, SYN, 0), send_spec(XDP, &s);
		s = cv_spec(fam, S, SA, 0), send_spec(TC, &s);
		s = cv_spec(fam, C, ACK, 0), send_spec(XDP, &s);
		s = cv_spec(fam, C, PA, 96);
		send_fragments(XDP, &s, 24, 1); /* the TCP header alone, then the payload */
		n = read_flows(&recs);
		if (ASSERT_EQ(n, 1, "fragments: one flow, no portless one")) {
			ASSERT_EQ(recs[0].flow.handshake, 1, "the verified connection");
			ASSERT_EQ(recs[0].flow.data_packets[MW_DIR_IN], 1, "the payload is data");
			ASSERT_EQ(recs[0].flow.packets[MW_DIR_IN], 4, "and packets");
		}
		free(recs);
		recs = NULL;
		ASSERT_EQ(stats().frag_attributed, 1, "stats.frag_attributed");
		/* the server's refusal: the client's burst ends, with all its bytes */
		n_events = 0;
		s = cv_spec(fam, S, PA, 0), s.payload_len = 30, send_spec(TC, &s);
		cv_next[MW_DIR_OUT] += 30;
		if (ASSERT_EQ(count_events(MW_EV_BURST), 1, "a burst event")) {
			const struct mw_event_burst *b = (const void *)&events[0].flow;

			ASSERT_EQ(b->bytes, 96, "the try's bytes, both fragments");
			ASSERT_EQ(b->exchanges, 1, "one exchange");
		}
		/* the next try's fragments with a sequence outside the window
		 * (a blind forger): packets, not data */
		s = cv_spec(fam, C, PA, 96);
		s.seq += 5000000;
		send_fragments(XDP, &s, 24, 1);
		n = read_flows(&recs);
		if (ASSERT_EQ(n, 1, "still one flow"))
			ASSERT_EQ(recs[0].flow.data_packets[MW_DIR_IN], 1,
				  "out-of-window fragments are no data");
		free(recs);
		recs = NULL;
		watch_ssh(false);
	}

	/* a later fragment whose first was never seen: portless, no payload */
	reset();
	s = tcp(true, MW_TCP_ACK | MW_TCP_PSH, 96);
	s.frag_first = true;
	send_fragments(XDP, &s, 24, 2);
	n = read_flows(&recs);
	if (ASSERT_EQ(n, 1, "one portless flow")) {
		ASSERT_EQ(recs[0].key.local_port, 0, "no port");
		ASSERT_EQ(recs[0].flow.data_packets[MW_DIR_IN], 0, "no data");
	}
	free(recs);
	recs = NULL;

	/* UDP: the later fragment counts in the datagram's flow */
	reset();
	s = (struct pkt_spec){ V4(.proto = IPPROTO_UDP, .sport = 5353, .dport = 9999,
				  .payload_len = 600, .frag_first = true) };
	send_fragments(XDP, &s, 208, 1);
	n = read_flows(&recs);
	if (ASSERT_EQ(n, 1, "udp: one flow")) {
		ASSERT_EQ(recs[0].flow.packets[MW_DIR_IN], 2, "udp: both fragments");
		ASSERT_EQ(recs[0].flow.bytes[MW_DIR_IN], 20 + 208 + 20 + 400, "udp: all bytes");
	}
	free(recs);
	recs = NULL;

	/* a first fragment too short for its TCP header: portless, not malformed */
	reset();
	s = tcp(true, MW_TCP_ACK | MW_TCP_PSH, 96);
	s.frag_first = true;
	send_fragments(XDP, &s, 8, 1);
	ASSERT_EQ(stats().parse_err[MW_PE_BAD_TCP_HDR] + stats().parse_err[MW_PE_TRUNC_L4], 0,
		  "tiny first fragment: no parse error");
	n = read_flows(&recs);
	if (ASSERT_EQ(n, 1, "tiny: one portless flow"))
		ASSERT_EQ(recs[0].key.local_port, 0, "tiny: no port");
	free(recs);
}

static void seq_local_addresses(void *arg)
{
	struct mw_addr a;
	__u32 ifindex = 1;
	struct pkt_spec s = tcp(false, MW_TCP_SYN, 0); /* SRV -> CLI, seen on ingress */
	struct mw_flow_rec *recs = NULL;
	const struct mw_flow *f;
	struct mw_addr want;

	reset();
	mw_addr_parse(SRV, &a);
	bpf_map_update_elem(local_fd, &a, &ifindex, 0);
	send_spec(XDP, &s);
	s = tcp(true, MW_TCP_SYN | MW_TCP_ACK, 0);
	send_spec(XDP, &s);
	f = only_flow(&recs);
	if (f) {
		ASSERT_EQ(f->initiator, MW_DIR_OUT, "a local source on ingress is outbound");
		ASSERT_EQ(f->packets[MW_DIR_OUT], 1, "packets out");
		ASSERT_EQ(f->packets[MW_DIR_IN], 1, "the answer lands in the same flow");
		mw_addr_parse(SRV, &want);
		ASSERT_TRUE(!memcmp(recs[0].key.local_addr, want.addr, 16), "local side");
	}
	free(recs);
}

/*
 * Datapath fuzzing: random specs (VLAN stacks, IPv4 options and bad header
 * fields, IPv6 extension chains, fragments, truncation, wrong lengths), some
 * with random bytes flipped, and some frames of pure noise, through both
 * programs, in rounds of 1000. After each round: nothing was dropped (no
 * block, no list), every packet is counted once (parsed into exactly one
 * flow, or as non-IP, or as one parse error), and every flow entry is sane,
 * its evidence too (handshake only when seen done, host_opened only with a
 * packet sent through tc). Over all rounds: no peek in the decisive ring,
 * no DNS peek on a flow the host did not open.
 */
static uint64_t fuzz_state;
/* Rounds without SYNs cannot reuse a closed flow's entry (which starts its
 * counts afresh), so there every packet must be found in the table. */
static bool fuzz_no_syn;
static unsigned fuzz_exact_rounds;

static uint32_t fuzz_rand(void)
{
	fuzz_state ^= fuzz_state << 13;
	fuzz_state ^= fuzz_state >> 7;
	fuzz_state ^= fuzz_state << 17;
	return (uint32_t)(fuzz_state >> 11);
}

/* Sources the blocked rounds block (the second of each pool). */
#define FUZZ_BLOCKED4 "203.0.113.5"
#define FUZZ_BLOCKED6 "2001:db8:5::5"

static size_t fuzz_packet(uint8_t *buf, bool egress, bool *from_blocked)
{
	static const char *const v4[] = { "198.51.100.10", "203.0.113.5", "10.1.2.3", "192.0.2.1" };
	static const char *const v6[] = { "2001:db8::10", "2001:db8:5::5", "fd00::3",
					  "2001:db8::1" };
	static const uint8_t exts[] = { 0, 43, 44, 60, 51, 135, 59, 50 };
	static const int protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6, 47 };
	struct pkt_spec s = { 0 };
	size_t len, i, flips;
	int side = fuzz_rand() % 4;

	*from_blocked = false;
	if (fuzz_rand() % 10 == 0) { /* noise */
		len = 14 + fuzz_rand() % 200;
		for (i = 0; i < len; i++)
			buf[i] = (uint8_t)fuzz_rand();
		return len;
	}
	s.family = (int[]){ 4, 6, 4, 6, 0 }[fuzz_rand() % 5];
	s.proto = protos[fuzz_rand() % 5];
	s.src = s.family == 6 ? v6[side] : v4[side];
	s.dst = s.family == 6 ? v6[3] : v4[3];
	*from_blocked = !egress && s.family && side == 1;
	if (egress) {
		const char *t = s.src;

		s.src = s.dst;
		s.dst = t;
	}
	s.sport = (uint16_t)(40000 + fuzz_rand() % 6);
	s.dport = (uint16_t)(int[]){ 20, 21, 22, 23, 53, 443 }[fuzz_rand() % 6];
	if (fuzz_rand() % 2) { /* either side may be the one with the service port */
		uint16_t t = s.sport;

		s.sport = s.dport;
		s.dport = t;
	}
	s.tcp_flags = (uint8_t)fuzz_rand();
	if (fuzz_no_syn)
		s.tcp_flags &= (uint8_t)~MW_TCP_SYN;
	s.seq = fuzz_rand();
	s.payload_len = fuzz_rand() % 4 ? (int)(fuzz_rand() % 1400) : 0;
	s.vlans = fuzz_rand() % 8 == 0 ? (int)(fuzz_rand() % 5) : 0;
	s.qinq = fuzz_rand() % 2;
	s.ip4_opt_len = fuzz_rand() % 6 == 0 ? (int)(fuzz_rand() % 11) * 4 : 0;
	if (s.family == 6 && fuzz_rand() % 3 == 0) {
		s.n_ext = 1 + fuzz_rand() % 8;
		for (i = 0; i < (size_t)s.n_ext; i++)
			s.ext[i] = exts[fuzz_rand() % sizeof(exts)];
	}
	s.frag_first = fuzz_rand() % 10 == 0;
	s.frag_later = !s.frag_first && fuzz_rand() % 10 == 0;
	if (fuzz_rand() % 8 == 0)
		s.ip_len_delta = (int)(fuzz_rand() % 200) - 100;
	if (fuzz_rand() % 12 == 0)
		s.ihl = (int)(fuzz_rand() % 16);
	if (fuzz_rand() % 20 == 0)
		s.version = (int)(fuzz_rand() % 16);
	if (fuzz_rand() % 12 == 0)
		s.tcp_doff = (int)(fuzz_rand() % 16);
	s.icmp_type = (uint8_t)fuzz_rand();
	s.icmp_id = (uint16_t)fuzz_rand();
	len = pkt_build(&s, buf, PKT_MAX);
	if (len > 14 && fuzz_rand() % 6 == 0)
		len = 14 + fuzz_rand() % (len - 14); /* truncated */
	if (fuzz_rand() % 4 == 0) { /* a few bytes flipped anywhere */
		flips = 1 + fuzz_rand() % 4;
		for (i = 0; i < flips && len; i++)
			buf[fuzz_rand() % len] ^= (uint8_t)(1 + fuzz_rand() % 255);
	}
	return len < 14 ? 14 : len;
}

static void fuzz_round(unsigned n, bool blocked, unsigned *bad)
{
	uint8_t buf[PKT_MAX];
	unsigned i, n_hook[2] = { 0, 0 }, drops = 0, refused = 0, n_blocked = 0, dropped_other = 0;
	uint64_t parsed, errs = 0, in_flows = 0;
	struct mw_flow_rec *recs = NULL;
	struct mw_stats st;
	long nf, j;

	reset();
	if (blocked) {
		struct mw_block b = { 0 };
		struct mw_addr a;

		mw_addr_parse(FUZZ_BLOCKED4, &a);
		bpf_map_update_elem(block_fd, &a, &b, 0);
		mw_addr_parse(FUZZ_BLOCKED6, &a);
		bpf_map_update_elem(block_fd, &a, &b, 0);
		L.skel->bss->mw_nr_blocked = 2;
	}
	for (i = 0; i < n; i++) {
		bool egress = fuzz_rand() % 2, from_blocked;
		size_t len = fuzz_packet(buf, egress, &from_blocked);
		int ret = run(egress ? TC : XDP, buf, len, 0);

		if (ret == -1 && egress) {
			refused++;
			continue;
		}
		n_hook[egress]++;
		n_blocked += from_blocked;
		if (ret != (egress ? TC_ACT_OK : XDP_PASS)) {
			drops++;
			dropped_other += !from_blocked;
		}
	}
	st = stats();
	for (i = 0; i < MW_PE_MAX; i++)
		errs += st.parse_err[i];
	parsed = st.packets[0] + st.packets[1] - st.non_ip - errs;
	nf = mw_flowtable_read(flows_fd, &recs);
	for (j = 0; j < nf; j++) {
		const struct mw_flow *f = &recs[j].flow;
		int d;

		in_flows += f->packets[0] + f->packets[1];
		if (f->state > MW_STATE_CLOSED || f->initiator > MW_INIT_UNKNOWN ||
		    f->first_ns > f->last_ns || f->last_data_dir > 1)
			(*bad)++;
		/* the evidence: handshake exactly when seen done in order,
		 * never on a flow of unknown initiator, host_opened only with
		 * a packet sent through tc */
		if (f->hs_stage > MW_HS_DONE || f->handshake != (f->hs_stage == MW_HS_DONE) ||
		    (f->initiator == MW_INIT_UNKNOWN && f->hs_stage != MW_HS_NONE) ||
		    (f->host_opened && !f->packets[MW_DIR_OUT]))
			(*bad)++;
		for (d = 0; d < 2; d++)
			if (f->data_packets[d] > f->packets[d] ||
			    f->bytes[d] > f->packets[d] * 65575)
				(*bad)++;
	}
	free(recs);
	ASSERT_TRUE(refused < n / 10, "the test harness refused few frames (short skbs)");
	if (!blocked) {
		ASSERT_EQ(drops, 0, "nothing dropped: no block, no list");
	} else {
		/* a flipped byte may hide the source, never invent it */
		ASSERT_EQ(dropped_other, 0, "only the blocked sources' packets dropped");
		ASSERT_TRUE(drops > 0 && drops <= n_blocked && drops == st.block_drops,
			    "the blocked sources' drops, each counted");
		/* the drop is before flow accounting: drops are not in the table */
		parsed -= drops;
	}
	ASSERT_TRUE(st.packets[MW_DIR_IN] == n_hook[0] && st.packets[MW_DIR_OUT] == n_hook[1],
		    "every packet counted by its hook");
	ASSERT_TRUE(parsed <= n, "parse outcomes add up");
	if (!st.flow_reused) {
		fuzz_exact_rounds++;
		ASSERT_TRUE(in_flows == parsed && st.flow_insert_fail == 0,
			    "every parsed packet is in exactly one flow");
	} else {
		ASSERT_TRUE(in_flows <= parsed && st.flow_insert_fail == 0,
			    "no packet counted twice (a reused entry restarts its counts)");
	}
	ASSERT_TRUE(nf >= 0 && (uint64_t)nf == st.flow_inserts, "one entry per insert, none lost");
	if ((!st.flow_reused && in_flows != parsed) || (uint64_t)nf != st.flow_inserts)
		fprintf(stderr,
			"    round: parsed %llu, in flows %llu, entries %ld, inserts %llu, reused %llu\n",
			(unsigned long long)parsed, (unsigned long long)in_flows, nf,
			(unsigned long long)st.flow_inserts, (unsigned long long)st.flow_reused);
}

static void seq_fuzz(void *arg)
{
	const char *seed = getenv("MW_FUZZ_SEED");
	unsigned rounds = 30, r, bad = 0;

	fuzz_state = seed ? strtoull(seed, NULL, 0) : 0x5eed5eedULL;
	if (!fuzz_state)
		fuzz_state = 1;
	printf("    seed %#llx (MW_FUZZ_SEED), %u rounds of 1000 packets, a third with blocked sources\n",
	       (unsigned long long)fuzz_state, rounds);
	quiet_einval = true;
	fuzz_exact_rounds = 0;
	peeks_in_events = dns_peeks_unsolicited = dns_peeks = 0;
	for (r = 0; r < rounds; r++) {
		fuzz_no_syn = r % 2;
		fuzz_round(1000, r % 3 == 2, &bad);
	}
	quiet_einval = false;
	fuzz_no_syn = false;
	ASSERT_TRUE(fuzz_exact_rounds >= rounds / 3, "enough rounds checked exactly");
	ASSERT_EQ(bad, 0, "every flow entry sane (state, initiator, times, counts, evidence)");
	ASSERT_EQ(peeks_in_events, 0, "no peek in the decisive ring");
	ASSERT_TRUE(dns_peeks > 0, "DNS peeks were made (the check below is not empty)");
	ASSERT_EQ(dns_peeks_unsolicited, 0, "no DNS peek on a flow the host did not open");
	printf("    %u DNS peeks, all on flows the host opened\n", dns_peeks);
}

/* --- the agent's consumer of both rings ---------------------------------- */

struct consumed {
	int ends, new_public, peeks;
	int first_peek_at, first_end_at, n; /* order of arrival */
};

static void on_c_end(void *arg, const struct mw_event_flow *ev)
{
	struct consumed *c = arg;

	if (!c->ends++)
		c->first_end_at = c->n;
	c->n++;
}

static void on_c_public(void *arg, const struct mw_event_flow *ev)
{
	struct consumed *c = arg;

	c->new_public++;
	c->n++;
}

static void on_c_peek(void *arg, const struct mw_event_peek *ev)
{
	struct consumed *c = arg;

	if (!c->peeks++)
		c->first_peek_at = c->n;
	c->n++;
}

/* A flood of peeks waiting, and then a flow end: the agent's consumer hands
 * over the flow end first, and at most MW_PEEKS_PER_CONSUME peeks a call. */
static void seq_consumer(void *arg)
{
	struct consumed c = { 0 };
	struct mw_event_sink sink = {
		.flow_end = on_c_end, .new_public = on_c_public, .peek = on_c_peek, .arg = &c
	};
	int n_answers = MW_PEEKS_PER_CONSUME + 76, i, got;
	struct mw_events ev;
	struct pkt_spec s;

	reset();
	if (!ASSERT_EQ(mw_events_open(&ev, mw_loader_map_fd(&L, MW_MAP_EVENTS)), 0, "open") ||
	    !ASSERT_EQ(mw_events_add_peeks(&ev, mw_loader_map_fd(&L, MW_MAP_PEEKS)), 0,
		       "add the peek ring"))
		return;
	mw_events_add_sink(&ev, &sink);
	keep_in_rings = true;
	s = dns(false, IPPROTO_UDP, 0, 40), send_spec(TC, &s);
	s = dns(true, IPPROTO_UDP, 0, 100);
	for (i = 0; i < n_answers; i++)
		send_spec(XDP, &s);
	/* a connection the host opens, refused: its end decides (a
	 * forger's flow would end in the best-effort ring) */
	s = tcp(false, MW_TCP_SYN, 0), send_spec(TC, &s);
	s = tcp(true, MW_TCP_RST | MW_TCP_ACK, 0), s.ack = 1, send_spec(XDP, &s);
	keep_in_rings = false;

	got = mw_events_consume(&ev);
	ASSERT_EQ(got, 3 + MW_PEEKS_PER_CONSUME,
		  "first call: the three decisive events, a batch of peeks");
	ASSERT_EQ(c.new_public, 2, "the new public flows (the query's, the connection's)");
	ASSERT_EQ(c.ends, 1, "the flow end, sent after the peeks");
	ASSERT_TRUE(c.first_end_at < c.first_peek_at, "handed over before any peek");
	ASSERT_EQ(c.peeks, MW_PEEKS_PER_CONSUME, "peeks: one batch");
	got = mw_events_consume(&ev);
	ASSERT_EQ(got, n_answers + 1 - MW_PEEKS_PER_CONSUME, "second call: the rest of the peeks");
	ASSERT_EQ(c.peeks, n_answers + 1, "every peek handed over in the end");
	ASSERT_EQ(stats().peeks_lost + stats().events_lost, 0, "nothing lost");
	mw_events_close(&ev);
}

/* --- pinned maps of another layout ------------------------------------- */

/* The ids of the maps pinned in @dir, by file name order; returns how many. */
static int pinned_ids(const char *dir, __u32 *ids, int max)
{
	struct dirent **names;
	int n, i, k = 0;

	n = scandir(dir, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		char path[PATH_MAX];
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		fd = names[i]->d_name[0] == '.' ? -1 : bpf_obj_get(path);
		if (fd >= 0 && k < max && !bpf_obj_get_info_by_fd(fd, &info, &len))
			ids[k++] = info.id;
		if (fd >= 0)
			close(fd);
		free(names[i]);
	}
	free(names);
	return k;
}

static void unpin_dir(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	char path[PATH_MAX];

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* An mw_block of the same sizes as today's whose value's second field has
 * another name: what a same-size change of meaning looks like. */
static int pin_renamed_block(const char *path, const struct mw_addr *a)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	struct mw_block b = { .drops = 7 };
	struct btf *btf = btf__new_empty();
	int u8, u64, arr, key, val, fd = -1;

	u8 = btf__add_int(btf, "unsigned char", 1, 0);
	u64 = btf__add_int(btf, "unsigned long long", 8, 0);
	arr = btf__add_array(btf, u8, u8, 16);
	key = btf__add_struct(btf, "mw_addr", 16);
	btf__add_field(btf, "addr", arr, 0, 0);
	val = btf__add_struct(btf, "mw_block", 16);
	btf__add_field(btf, "expires_ns", u64, 0, 0);
	btf__add_field(btf, "hits", u64, 64, 0);
	if (btf__load_into_kernel(btf))
		goto out;
	opts.btf_fd = btf__fd(btf);
	opts.btf_key_type_id = key;
	opts.btf_value_type_id = val;
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, MW_MAP_BLOCK, sizeof(*a), sizeof(b), MW_BLOCK_MAX,
			    &opts);
	if (fd >= 0 && (bpf_map_update_elem(fd, a, &b, 0) || bpf_obj_pin(fd, path))) {
		close(fd);
		fd = -1;
	}
out:
	btf__free(btf);
	if (fd >= 0)
		close(fd);
	return fd >= 0 ? 0 : -1;
}

static void seq_pinned(void *arg)
{
	char dir[64], path[PATH_MAX];
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), ids[32], ids2[32];
	struct mw_block b = { .drops = 7 };
	struct mw_config cfg;
	struct mw_loader l2;
	struct mw_addr a;
	int fd, n, n2;

	mw_config_defaults(&cfg);
	cfg.max_flows = 4096;
	mw_addr_parse("198.51.100.99", &a);
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/mw-pkt-%d", (int)getpid());
	unpin_dir(dir);
	if (!ASSERT_EQ(mkdir(dir, 0700), 0, "a pin directory of our own"))
		return;

	/* an older version's flow table (96-byte values) and an mw_block
	 * whose sizes match but whose fields do not */
	snprintf(path, sizeof(path), "%s/%s", dir, MW_MAP_FLOWS);
	fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, MW_MAP_FLOWS, sizeof(struct mw_flow_key), 96,
			    cfg.max_flows, NULL);
	ASSERT_TRUE(fd >= 0 && !bpf_obj_pin(fd, path), "an old mw_flows pinned");
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "%s/%s", dir, MW_MAP_BLOCK);
	ASSERT_EQ(pin_renamed_block(path, &a), 0, "an mw_block of another field layout pinned");

	if (!ASSERT_EQ(mw_loader_load(&l2, &cfg, dir), 0, "the agent starts over them")) {
		unpin_dir(dir);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, MW_MAP_FLOWS);
	fd = bpf_obj_get(path);
	if (ASSERT_TRUE(fd >= 0, "mw_flows pinned anew")) {
		bpf_obj_get_info_by_fd(fd, &info, &len);
		ASSERT_EQ(info.value_size, sizeof(struct mw_flow), "with today's value size");
		close(fd);
	}
	fd = mw_loader_map_fd(&l2, MW_MAP_BLOCK);
	ASSERT_TRUE(bpf_map_lookup_elem(fd, &a, &b) && errno == ENOENT,
		    "mw_block replaced: the old entry is gone");
	b.drops = 9;
	bpf_map_update_elem(fd, &a, &b, 0);
	n = pinned_ids(dir, ids, ARRAY_SIZE(ids));
	mw_loader_destroy(&l2);

	/* the same layout: every pinned map adopted, entries kept */
	if (ASSERT_EQ(mw_loader_load(&l2, &cfg, dir), 0, "a restart")) {
		n2 = pinned_ids(dir, ids2, ARRAY_SIZE(ids2));
		ASSERT_TRUE(n > 5 && n == n2 && !memcmp(ids, ids2, n * sizeof(ids[0])),
			    "every pinned map adopted (same ids)");
		memset(&b, 0, sizeof(b));
		ASSERT_TRUE(!bpf_map_lookup_elem(mw_loader_map_fd(&l2, MW_MAP_BLOCK), &a, &b) &&
				    b.drops == 9,
			    "and its entries kept");
		mw_loader_destroy(&l2);
	}
	unpin_dir(dir);
}

int main(int argc, char **argv)
{
	struct mw_config cfg;
	size_t i;
	int err;

	mw_log_prog = "test_packets";
	mw_log_setup_libbpf();
	if (argc > 1)
		test_filter = argv[1];
	mw_config_defaults(&cfg);
	cfg.max_flows = 4096;
	err = mw_loader_load(&L, &cfg, NULL);
	if (err) {
		printf("test_packets: cannot load the programs (%s); are we root?\n",
		       strerror(-err));
		printf("test_packets: 0 passed, 1 failed\n");
		return 1;
	}
	flows_fd = mw_loader_map_fd(&L, MW_MAP_FLOWS);
	stats_fd = mw_loader_map_fd(&L, MW_MAP_STATS);
	local_fd = mw_loader_map_fd(&L, MW_MAP_LOCAL);
	block_fd = mw_loader_map_fd(&L, MW_MAP_BLOCK);
	err = mw_blacklist_maps_open(&blk, L.skel->obj, &L.skel->bss->mw_bl_entries);
	if (!err)
		err = mw_loader_set_internal(&L, &cfg);
	rb = ring_buffer__new(mw_loader_map_fd(&L, MW_MAP_EVENTS), on_event, NULL, NULL);
	if (rb && ring_buffer__add(rb, mw_loader_map_fd(&L, MW_MAP_PEEKS), on_peek, NULL))
		err = -EINVAL;
	if (err || !rb) {
		printf("test_packets: setup failed\ntest_packets: 0 passed, 1 failed\n");
		return 1;
	}

	for (i = 0; i < ARRAY_SIZE(fixtures); i++)
		test_run(fixtures[i].name, run_fixture, (void *)&fixtures[i]);
	for (i = 0; i < ARRAY_SIZE(tcp_rows); i++)
		test_run(tcp_rows[i].name, run_tcp_row, (void *)&tcp_rows[i]);
	test_run("fuzz: random and mutated packets through both programs", seq_fuzz, NULL);
	test_run("seq handshake, close, reuse", seq_handshake_and_close, NULL);
	test_run("seq rst", seq_rst, NULL);
	test_run("seq blind payload outside the window", seq_blind_data, NULL);
	test_run("seq mid-stream", seq_midstream, NULL);
	test_run("seq new outbound to public", seq_new_public, NULL);
	test_run("seq payload peek", seq_peek, NULL);
	test_run("seq payload peek: Stratum after whitespace, in a later packet",
		 seq_peek_stratum_late, NULL);
	test_run("seq payload peek: the host's ClientHello followed over its segments",
		 seq_peek_clienthello, NULL);
	test_run("seq DNS peeked only where the host asked", seq_dns, NULL);
	test_run("seq xdp fast drop", seq_block, NULL);
	test_run("seq blacklist hit", seq_blacklist, NULL);
	test_run("seq local addresses decide direction", seq_local_addresses, NULL);
	test_run("seq burst events of a watched service", seq_bursts, NULL);
	test_run("seq counters of a long session neither wrap nor restart", seq_wide_counters,
		 NULL);
	test_run("seq IP fragments counted in their flow", seq_fragments, NULL);
	test_run("seq a flood of new flows does not lose a watched connection", seq_flood_eviction,
		 NULL);
	test_run("seq the agent's consumer: decisive ring first, peeks in batches", seq_consumer,
		 NULL);
	test_run("seq pinned maps of another layout are replaced, the same adopted", seq_pinned,
		 NULL);

	ring_buffer__free(rb);
	mw_loader_destroy(&L);
	return test_summary("test_packets");
}
