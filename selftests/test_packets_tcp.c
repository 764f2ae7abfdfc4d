// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_packets_tcp.c - the TCP state of a flow: conversations of a remote
 * client with the host's SSH port, each packet at the sequence number its
 * sender would use (or off it, for forgeries and retransmissions), and the
 * flow's evidence and the counters they leave; then conversations whose
 * packets each state what they leave (handshake and close, a refused SYN,
 * blind payload, mid-stream flows, the host's addresses).
 */
#include <stdlib.h>

#include "pkt_harness.h"
#include "test.h"
#include "lib/util.h"

/* What a conversation leaves: the only flow's evidence, its packets both
 * ways, and the counters. What a row does not name is 0 (MW_DIR_IN,
 * MW_HS_NONE, MW_STATE_OPEN, MW_SVC_NONE, no end, nothing ignored). */
struct tcp_want {
	int init, hs, handshake, state, host, svc;
	int packets;
	int ends, rst_ign, fin_ign, syn_live, reused;
};

struct tcp_row {
	const char *name;
	struct step steps[10];
	struct tcp_want want;
};

#define DONE MW_HS_DONE
#define HS_SYN MW_HS_SYN
#define CLOSING MW_STATE_CLOSING
#define CLOSED MW_STATE_CLOSED
#define SSH MW_SVC_SSH

/* SSH watched and the host's address known (a packet from it arriving at
 * XDP counts as outbound), as the agent sets them up. */
/* clang-format off */
static const struct tcp_row tcp_rows[] = {
	{ "in-order handshake: verified",
	  { HANDSHAKE },
	  { .init = IN, .hs = DONE, .handshake = 1, .svc = SSH, .packets = 3 } },
	{ "data both ways across the sequence wrap, then both FINs: one end",
	  { HANDSHAKE, { R, PA, 200 }, { H, PA, 300 }, { R, PA, 200 }, { R, FA }, { H, FA }, { R, ACK } },
	  { .init = IN, .hs = DONE, .handshake = 1, .state = CLOSED, .svc = SSH, .packets = 9, .ends = 1 } },
	{ "forged ACK without the SYN-ACK (even the right ack): never verified",
	  { { R, SYN }, { R, ACK, .ack_off = 1 } },
	  { .init = IN, .hs = HS_SYN, .svc = SSH, .packets = 2 } },
	{ "SYN-ACK with the wrong ack from outside: never verified",
	  { { H, SYN }, { R, SA, .ack_off = 5 }, { H, ACK } },
	  { .init = OUT, .hs = HS_SYN, .host = 1, .packets = 3 } },
	{ "a wrong SYN-ACK, then the right one: verified",
	  { { H, SYN }, { R, SA, .ack_off = 5, .resend = true }, { R, SA }, { H, ACK } },
	  { .init = OUT, .hs = DONE, .handshake = 1, .host = 1, .packets = 4 } },
	{ "mid-stream data: initiator unknown, never verified",
	  { { R, PA, 10 }, { H, PA, 10 }, { R, ACK } },
	  { .init = UNK, .hs = MW_HS_NONE, .packets = 3 } },
	{ "RST with a wrong sequence on a verified flow: ignored, no end",
	  { HANDSHAKE, { R, PA, 100 }, { H, PA, 50 }, { R, RST, .seq_off = 7, .resend = true } },
	  { .init = IN, .hs = DONE, .handshake = 1, .svc = SSH, .packets = 6, .rst_ign = 1 } },
	{ "RST in the window but not exact: ignored (Linux sends a challenge ACK)",
	  { HANDSHAKE, { R, PA, 100 }, { R, RST, .seq_off = 1000, .resend = true } },
	  { .init = IN, .hs = DONE, .handshake = 1, .svc = SSH, .packets = 5, .rst_ign = 1 } },
	{ "exact RST: closed, one end",
	  { HANDSHAKE, { R, PA, 100 }, { H, PA, 50 }, { R, RST } },
	  { .init = IN, .hs = DONE, .handshake = 1, .state = CLOSED, .svc = SSH, .packets = 6, .ends = 1 } },
	{ "the host's own RST (tc) is its stack's word",
	  { HANDSHAKE, { H, RST, .seq_off = 12345 } },
	  { .init = IN, .hs = DONE, .handshake = 1, .state = CLOSED, .svc = SSH, .packets = 4, .ends = 1 } },
	{ "RST|ACK refusing the host's SYN: closed",
	  { { H, SYN }, { R, RA } },
	  { .init = OUT, .hs = HS_SYN, .state = CLOSED, .host = 1, .packets = 2, .ends = 1 } },
	{ "RST to the host's SYN with a wrong ack, or none: ignored",
	  { { H, SYN }, { R, RA, .ack_off = 1 }, { R, RST } },
	  { .init = OUT, .hs = HS_SYN, .host = 1, .packets = 3, .rst_ign = 2 } },
	{ "SYN on a live flow: entry, service and counters kept",
	  { HANDSHAKE, { R, PA, 100 }, { H, PA, 50 }, { R, SYN, .seq_off = 99999, .resend = true } },
	  { .init = IN, .hs = DONE, .handshake = 1, .svc = SSH, .packets = 6, .syn_live = 1 } },
	{ "RST then SYN on its own connection: nothing changes",
	  { HANDSHAKE, { R, PA, 100 }, { R, RST, .seq_off = 5, .resend = true }, { R, SYN, .seq_off = 77, .resend = true } },
	  { .init = IN, .hs = DONE, .handshake = 1, .svc = SSH, .packets = 6, .rst_ign = 1, .syn_live = 1 } },
	{ "SYN after a verified close: a new connection, service kept",
	  { HANDSHAKE, { R, FA }, { H, FA }, { R, ACK }, { R, SYN, .seq_off = 1000 } },
	  { .init = IN, .hs = HS_SYN, .svc = SSH, .packets = 1, .ends = 1, .reused = 1 } },
	{ "SYN after a stray packet (no handshake to protect): tracked",
	  { { R, ACK, .seq_off = 5, .resend = true }, { R, SYN } },
	  { .init = IN, .hs = HS_SYN, .svc = SSH, .packets = 1, .reused = 1 } },
	{ "SYN retransmitted: no news",
	  { { R, SYN, .resend = true }, { R, SYN } },
	  { .init = IN, .hs = HS_SYN, .svc = SSH, .packets = 2 } },
	{ "a second SYN with another ISN during the handshake: the first kept",
	  { { R, SYN }, { R, SYN, .seq_off = 5000, .resend = true }, { H, SA }, { R, ACK } },
	  { .init = IN, .hs = DONE, .handshake = 1, .svc = SSH, .packets = 4, .syn_live = 1 } },
	{ "the host's SYN-ACK names the SYN its stack kept (a later ISN)",
	  { { R, SYN, .seq_off = -5000, .resend = true }, { R, SYN }, { H, SA }, { R, ACK } },
	  { .init = IN, .hs = DONE, .handshake = 1, .svc = SSH, .packets = 4, .syn_live = 1 } },
	{ "FIN beyond the window: ignored",
	  { HANDSHAKE, { R, FA, .seq_off = 2 << 20, .resend = true } },
	  { .init = IN, .hs = DONE, .handshake = 1, .svc = SSH, .packets = 4, .fin_ign = 1 } },
	{ "FIN before seq_next: ignored",
	  { HANDSHAKE, { R, PA, 100 }, { R, FA, .seq_off = -50, .resend = true } },
	  { .init = IN, .hs = DONE, .handshake = 1, .svc = SSH, .packets = 5, .fin_ign = 1 } },
	{ "FIN with data, then its retransmission: closing",
	  { HANDSHAKE, { R, FA | MW_TCP_PSH, 50 }, { R, FA | MW_TCP_PSH, 50, .seq_off = -51, .resend = true } },
	  { .init = IN, .hs = DONE, .handshake = 1, .state = CLOSING, .svc = SSH, .packets = 5 } },
	{ "a forged segment far ahead does not move seq_next",
	  { HANDSHAKE, { R, PA, 100, .seq_off = 5 << 20, .resend = true }, { R, RST } },
	  { .init = IN, .hs = DONE, .handshake = 1, .state = CLOSED, .svc = SSH, .packets = 5, .ends = 1 } },
	{ "the host opens (SYN at tc): host_opened",
	  { { H, SYN } },
	  { .init = OUT, .hs = HS_SYN, .host = 1, .packets = 1 } },
	{ "a SYN-ACK forged with the host's address (at XDP), then the ACK: never verified",
	  { { R, SYN }, { X, SA }, { R, ACK } },
	  { .init = IN, .hs = HS_SYN, .svc = SSH, .packets = 3 } },
	{ "a RST forged with the host's address (at XDP) in a verified flow: changes nothing",
	  { HANDSHAKE, { X, RST } },
	  { .init = IN, .hs = DONE, .handshake = 1, .svc = SSH, .packets = 4 } },
	{ "the host's address arriving at XDP: counted, never the host's (no handshake stage)",
	  { { X, SYN } },
	  { .init = OUT, .hs = MW_HS_NONE, .packets = 1 } },
	{ "SYN with FIN: junk, nothing taken",
	  { { R, SYN | MW_TCP_FIN } },
	  { .init = UNK, .hs = MW_HS_NONE, .packets = 1, .fin_ign = 1 } },
};
/* clang-format on */

static void run_tcp_row(void *arg)
{
	const struct tcp_row *row = arg;
	const struct tcp_want *w = &row->want;
	struct mw_flow_rec *recs = NULL;
	const struct mw_flow *f;
	struct mw_stats st;

	pkt_reset();
	conv_begin(&conv_ssh, WATCH | LOCAL);
	run_steps(row->steps, ARRAY_SIZE(row->steps));
	conv_end();

	if (ASSERT_EQ(pkt_flows(&recs), 1, "exactly one flow")) {
		f = &recs[0].flow;
		ASSERT_EQ(f->initiator, w->init, "initiator");
		ASSERT_EQ(f->hs_stage, w->hs, "hs_stage");
		ASSERT_EQ(f->handshake, w->handshake, "handshake");
		ASSERT_EQ(f->state, w->state, "state");
		ASSERT_EQ(f->host_opened, w->host, "host_opened");
		ASSERT_EQ(f->svc, w->svc, "svc");
		ASSERT_EQ(f->packets[IN] + f->packets[OUT], w->packets, "packets both ways");
	}
	st = pkt_stats();
	ASSERT_EQ(count_events(MW_EV_FLOW_END), w->ends, "flow-end events");
	ASSERT_EQ(st.flow_ends, w->ends, "stats.flow_ends");
	ASSERT_EQ(st.rst_ignored, w->rst_ign, "stats.rst_ignored");
	ASSERT_EQ(st.fin_ignored, w->fin_ign, "stats.fin_ignored");
	ASSERT_EQ(st.syn_on_live, w->syn_live, "stats.syn_on_live");
	ASSERT_EQ(st.flow_reused, w->reused, "stats.flow_reused");
	ASSERT_EQ(st.flow_inserts, 1, "stats.flow_inserts");
	free(recs);
}

/* clang-format off */
static const struct seq_row tcp_seqs[] = {
	/* a watched service: its end decides, so it goes out at once */
	{ "seq handshake, close, reuse", &conv_ssh, WATCH, {
	  HANDSHAKE, { R, PA, 100 }, { H, PA, 300 }, { R, PA, 100 }, { R, FA },
	  THEN(FL(initiator, IN), FL(handshake, 1), FL(state, CLOSING), FL(packets[IN], 5), FL(packets[OUT], 2),
	       FL(bytes[IN], 5 * 40 + 200), FL(bytes[OUT], 2 * 40 + 300), FL(data_packets[IN], 2)),
	  THEN(FL(exchanges, 2), FL(tcp_flags[IN], MW_TCP_SYN | MW_TCP_ACK | MW_TCP_PSH | MW_TCP_FIN),
	       EVS(MW_EV_FLOW_END, 0)),
	  { H, FA }, { R, ACK },
	  THEN(FL(state, CLOSED), EVS(MW_EV_FLOW_END, 1), END_EV(-1, hdr.reason, MW_END_FIN),
	       END_EV(-1, flow.packets[OUT], 3), END_EV(-1, flow.handshake, 1), ST(flow_ends, 1)),
	  /* the same 4-tuple reused: a new connection, not more of the old one */
	  { R, SYN, .seq_off = 64000 },
	  THEN(FL(packets[IN], 1), FL(packets[OUT], 0), FL(state, MW_STATE_OPEN), FL(ended, 0),
	       ST(flow_inserts, 1), ST(flow_reused, 1)) } },
	/* nothing decides on a refused SYN (a spoofed flood is made of them):
	 * its end is left to the agent's sweep, and no ring carries it */
	{ "seq rst: a refused SYN closes its flow, the sweep reports it", &conv_ssh, 0, {
	  { R, SYN }, { H, RA },
	  THEN(FL(state, CLOSED), FL(handshake, 0), FL(ended, 0), EVS(MW_EV_FLOW_END, 0), ST(flow_ends, 0)) } },
	/* payload sprayed into a verified connection by someone who cannot
	 * see it: outside the window it is a packet, never data */
	{ "seq blind payload outside the window", &conv_ssh, 0, {
	  HANDSHAKE,
	  { R, PA, 100, .seq_off = 5000000, .resend = true },
	  { R, PA, 100, .seq_off = -5000000, .resend = true },
	  THEN(FL(handshake, 1), FL(packets[IN], 4), FL(data_packets[IN], 0), FL(exchanges, 0),
	       ST(data_out_of_window, 2)),
	  /* the real next bytes, and a retransmission of them, are data */
	  { R, PA, 100 }, { R, PA, 100, .seq_off = -100, .resend = true },
	  THEN(FL(data_packets[IN], 2)) } },
	{ "seq mid-stream: initiator unknown", &conv_ssh, 0, {
	  { R, ACK, 10 }, THEN(FL(initiator, UNK), ST(flow_midstream, 1)) } },
	{ "seq mid-stream: a SYN-ACK out answers a remote SYN", &conv_ssh, 0, {
	  { H, SA }, THEN(FL(initiator, IN)) } },
	{ "seq local addresses decide direction", &conv_ssh, LOCAL, {
	  { X, SYN }, { R, SA },
	  THEN(FL(initiator, OUT), FL(packets[OUT], 1), FL(packets[IN], 1), FL_LOCAL(SRV)) } },
};
/* clang-format on */

void test_packets_tcp(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tcp_rows); i++)
		test_run(tcp_rows[i].name, run_tcp_row, (void *)&tcp_rows[i]);
	run_seq_table(tcp_seqs, ARRAY_SIZE(tcp_seqs));
}
