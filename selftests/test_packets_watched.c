// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_packets_watched.c - a watched service's connections: the burst
 * events its login tries raise, tries sent as IP fragments, counters of a
 * long session, and a flood that cycles the flow table around one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <bpf/bpf.h>

#include "pkt_harness.h"
#include "test.h"
#include "lib/util.h"

static void forget_events(void)
{
	n_events = 0;
}

/* clang-format off */
/* The same client over IPv6. */
static const struct conv conv_ssh6 = { 6, IPPROTO_TCP, "2001:db8::1", "2001:db8::10", 22, 40000, ISN_SRV, ISN_CLI };
/* A UDP datagram to a port of the host. */
static const struct conv conv_udp = { 4, IPPROTO_UDP, SRV, CLI, 9999, 5353, 0, 0 };

/* A login try as a first fragment holding only the TCP header and a later
 * fragment with the payload: counted in its flow as data, one burst of the
 * client's; then a forger's fragments outside the window: no data. */
#define FRAGMENTED_TRY \
	HANDSHAKE, { R, PA, 96, .frag = 24 }, \
	THEN(FL(handshake, 1), FL(data_packets[IN], 1), FL(packets[IN], 4), ST(frag_attributed, 1)), \
	ACT(forget_events), \
	{ H, PA, 30 } /* the server's refusal ends the client's burst */, \
	THEN(EVS(MW_EV_BURST, 1), BURST(0, bytes, 96), BURST(0, exchanges, 1)), \
	{ R, PA, 96, .seq_off = 5000000, .frag = 24 }, THEN(FL(data_packets[IN], 1))

static const struct seq_row watched_seqs[] = {
	{ "seq burst events of a watched service", &conv_ssh, WATCH, {
	  HANDSHAKE, { R, PA, 21 } /* client banner */, { H, PA, 32 } /* server banner */,
	  { H, PA, 900 } /* the same burst */,
	  { R, PA, 76 } /* a try */, { H, PA, 76 } /* refused */,
	  { R, PA, 76 }, { H, PA, 76 }, { R, PA, 76 }, { H, PA, 76 },
	  THEN(EVS(MW_EV_BURST, 7) /* one per change of direction */, BURST(1, hdr.dir, OUT),
	       BURST(1, bytes, 32 + 900), BURST(1, svc, MW_SVC_SSH), BURST(1, handshake, 1),
	       BURST(-1, bytes, 76), BURST(-1, exchanges, 7)) } },
	/* the client's ACK acknowledges something else */
	{ "seq burst events: none when the handshake was not seen in order", &conv_ssh, WATCH, {
	  { R, SYN }, { H, SA }, { R, ACK, .ack_off = 9 },
	  { R, PA, 76, .ack_off = 9 }, { H, PA, 76 }, { R, PA, 76, .ack_off = 9 }, { H, PA, 76 },
	  { R, PA, 76, .ack_off = 9 }, { H, PA, 76 },
	  THEN(EVS(MW_EV_BURST, 0)) } },
	{ "seq burst events: none on the host's own connection to the port", &conv_ssh, WATCH, {
	  { H, SYN }, { R, PA, 10 }, { H, PA, 10 }, THEN(EVS(MW_EV_BURST, 0)) } },
	{ "seq IP fragments: a login try in two, IPv4", &conv_ssh, WATCH, { FRAGMENTED_TRY } },
	{ "seq IP fragments: a login try in two, IPv6", &conv_ssh6, WATCH, { FRAGMENTED_TRY } },
	{ "seq IP fragments: a later fragment alone is portless, no data", &conv_ssh, 0, {
	  { R, PA, 96, .frag = 24, .later_only = true },
	  THEN(FL_KEY(local_port, 0), FL(data_packets[IN], 0)) } },
	{ "seq IP fragments: UDP, the later fragment in the datagram's flow", &conv_udp, 0, {
	  { R, 0, 600, .frag = 208 },
	  THEN(FL(packets[IN], 2), FL(bytes[IN], 20 + 208 + 20 + 400)) } },
	{ "seq IP fragments: a first fragment too short for its TCP header", &conv_ssh, 0, {
	  { R, PA, 96, .frag = 8 },
	  THEN(ST(parse_err[MW_PE_BAD_TCP_HDR], 0), ST(parse_err[MW_PE_TRUNC_L4], 0),
	       FL_KEY(local_port, 0)) } },
};
/* clang-format on */

static const struct step watched_handshake[] = { HANDSHAKE, { R, PA, 21 } };

/* Puts @f in mw_flows at @key as the agent never would: the tests below
 * need counters at the edges of their range. */
static bool poke(const struct mw_flow_key *key, const struct mw_flow *f)
{
	return ASSERT_EQ(bpf_map_update_elem(env.flows_fd, key, f, BPF_EXIST), 0, "poke the flow");
}

static bool peek_flow(const struct mw_flow_key *key, struct mw_flow *f)
{
	return !bpf_map_lookup_elem(env.flows_fd, key, f);
}

/* A long session's counters: past 16 bits they go on (a wrap would start
 * a new login phase: burst events again, exchange counting from 0), and at
 * their top they stay there. */
static void seq_wide_counters(void *arg)
{
	struct mw_flow_rec *recs = NULL;
	struct mw_flow_key key;
	struct mw_flow f;

	pkt_reset();
	conv_begin(&conv_ssh, WATCH);
	run_steps(watched_handshake, ARRAY_SIZE(watched_handshake));
	if (!ASSERT_EQ(pkt_flows(&recs), 1, "one flow"))
		goto out;
	key = recs[0].key;
	f = recs[0].flow;
	f.exchanges = 0xffff;
	f.data_packets[OUT] = 1;
	poke(&key, &f);
	n_events = 0;
	step_do(&(struct step){ H, PA, 40 });
	step_do(&(struct step){ R, PA, 40 });
	ASSERT_TRUE(peek_flow(&key, &f) && f.exchanges == 0x10001, "exchanges go past 65535");
	ASSERT_EQ(count_events(MW_EV_BURST), 0, "no burst events: not a login phase again");

	f.exchanges = ~0U;
	f.data_packets[IN] = ~0U;
	f.burst_bytes = ~0U - 10;
	poke(&key, &f);
	step_do(&(struct step){ R, PA, 40 });
	ASSERT_TRUE(peek_flow(&key, &f) && f.burst_bytes == ~0U,
		    "a burst past 4 GiB stays at the top");
	step_do(&(struct step){ H, PA, 40 });
	ASSERT_TRUE(peek_flow(&key, &f) && f.exchanges == ~0U && f.data_packets[IN] == ~0U,
		    "at their top they stay");
	ASSERT_EQ(count_events(MW_EV_BURST), 0, "and raise no burst event");
out:
	conv_end();
	free(recs);
}

/* New flows from 6000 sources: SYNs, mid-stream segments, UDP. */
static void flood(void)
{
	struct pkt_spec s = { .family = 4, .dst = SRV, .dport = 22 };
	char src[32];
	int i;

	for (i = 0; i < 6000; i++) {
		snprintf(src, sizeof(src), "203.0.%d.%d", (i >> 8) & 255, i & 255);
		s.proto = i % 3 == 2 ? IPPROTO_UDP : IPPROTO_TCP;
		s.tcp_flags = i % 3 == 0 ? MW_TCP_ACK : MW_TCP_SYN;
		s.payload_len = i % 3 == 2 ? 20 : 0;
		s.src = src;
		s.sport = 1024 + i;
		pkt_send(XDP, &s);
	}
}

/* The attacker resets its own connection's entry (a RST off by one, then a
 * SYN on the same 4-tuple) and tries on. The flood's flows are still in the
 * table: the connection's own flow is looked up by its key below. */
static const struct step after_flood[] = {
	{ R, RST, .seq_off = 1, .resend = true },
	{ R, SYN, .seq_off = 12345, .resend = true },
	{ R, PA, 76 },
	{ H, PA, 76 },
	THEN(ST(flow_restored, 1), ST(rst_ignored, 1) /* the RST */,
	     ST(syn_on_live, 1) /* the SYN */,
	     EVS(MW_EV_BURST, 2) /* its tries still raise burst events */,
	     BURST(-1, exchanges, 5) /* numbered on */),
	{ R, FA },
	{ H, FA },
};

/*
 * A slow brute force's connection, then a flood of spoofed new flows that
 * cycles the flow table: the connection comes back from mw_watched as it
 * was, a RST with the wrong sequence and a SYN on it change nothing, its
 * exchanges go on; closed, its copy is gone.
 */
static void seq_flood_eviction(void *arg)
{
	int watched_fd = mw_loader_map_fd(&env.L, MW_MAP_WATCHED);
	static const struct step tries[] = { { H, PA, 32 }, { R, PA, 76 }, { H, PA, 76 } };
	struct mw_flow_rec *recs = NULL;
	struct mw_flow_key key;
	struct mw_flow f, w;

	pkt_reset();
	conv_begin(&conv_ssh, WATCH);
	run_steps(watched_handshake, ARRAY_SIZE(watched_handshake));
	run_steps(tries, ARRAY_SIZE(tries));
	if (!ASSERT_EQ(pkt_flows(&recs), 1, "the watched connection"))
		goto out;
	key = recs[0].key;
	ASSERT_TRUE(!bpf_map_lookup_elem(watched_fd, &key, &w) && w.exchanges == 3 &&
			    w.svc == MW_SVC_SSH,
		    "its copy in mw_watched, current");
	flood();
	/* the LRU picks what it evicts: make sure this one went, as a longer
	 * flood would do */
	bpf_map_delete_elem(env.flows_fd, &key);
	ASSERT_TRUE(pkt_stats().flow_inserts >= 6000, "the flood made its flows");
	n_events = 0;
	run_steps(after_flood, 5);
	if (ASSERT_TRUE(peek_flow(&key, &f), "back in mw_flows")) {
		ASSERT_EQ(f.svc, MW_SVC_SSH, "still watched");
		ASSERT_EQ(f.handshake, 1, "still verified");
		ASSERT_EQ(f.state, MW_STATE_OPEN, "still open");
		ASSERT_EQ(f.exchanges, 5, "its exchanges go on");
	}
	/* closed: out of observation */
	run_steps(after_flood + 5, 2);
	ASSERT_TRUE(bpf_map_lookup_elem(watched_fd, &key, &w) && errno == ENOENT,
		    "closed: no copy left");
out:
	conv_end();
	free(recs);
}

void test_packets_watched(void)
{
	run_seq_table(watched_seqs, ARRAY_SIZE(watched_seqs));
	test_run("seq counters of a long session neither wrap nor restart", seq_wide_counters,
		 NULL);
	test_run("seq a flood of new flows does not lose a watched connection", seq_flood_eviction,
		 NULL);
}
