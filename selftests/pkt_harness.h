/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pkt_harness.h - what the packet suites share: the datapath loaded once,
 * packets run through it with bpf_prog_test_run_opts, the events it raises
 * caught, and step tables. A step is one packet of a conversation (or an
 * action on the maps) with what the maps and the rings hold after it:
 *
 *	{ R, PA, 100, .want = { FL(state, MW_STATE_OPEN), ST(flow_ends, 0) } }
 *
 * reads "the remote sends 100 bytes with PSH|ACK at its next sequence
 * number; then the only flow is open and no flow has ended".
 */
#ifndef MW_PKT_HARNESS_H
#define MW_PKT_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <bpf/libbpf.h>

#include "agent/blacklist_maps.h"
#include "lib/flowtable.h"
#include "agent/loader.h"
#include "minewall.skel.h"
#include "pktgen.h"
#include "lib/stats.h"

enum hook { XDP, TC };

#define IN MW_DIR_IN
#define OUT MW_DIR_OUT
#define UNK MW_INIT_UNKNOWN

/* The programs and the maps every suite uses, loaded once by main(). */
struct pkt_env {
	struct mw_loader L;
	int flows_fd, stats_fd, local_fd, block_fd;
	struct mw_blacklist_maps blk;
	struct ring_buffer *rb;
	/* the kernel's test harness refuses skbs shorter than their
	 * EtherType's header (such a frame cannot reach tc on a real path):
	 * fuzzing skips them without a word */
	bool quiet_einval;
	/* leaves the records in the rings, for the agent's own consumer */
	bool keep_in_rings;
};
extern struct pkt_env env;

/* Every event record caught since the last pkt_reset(), in order. */
#define MAX_EVENTS 64
enum ring { RING_EVENTS, RING_PEEKS };
struct caught {
	unsigned type;
	enum ring ring;
	union {
		struct mw_event_flow flow;
		struct mw_event_peek peek;
		struct mw_event_burst burst;
	};
};
extern struct caught events[MAX_EVENTS];
extern int n_events;
/* Over every record, kept or not (the fuzzer's invariants): peeks in the
 * decisive ring, DNS peeks, and DNS peeks of flows the host did not open. */
extern unsigned peeks_in_events, dns_peeks, dns_peeks_unsolicited;

int pkt_env_open(const char *prog);
void pkt_env_close(void);

/* Empties the flow, fragment, watched, local and block maps, zeroes the
 * counters and forgets the events caught. */
void pkt_reset(void);
/* Runs @pkt through @hook; returns the verdict, -1 when the kernel refused
 * the run. @gso_segs: a GSO super-packet of that many segments (tc). */
int pkt_run(enum hook hook, const uint8_t *pkt, size_t len, __u32 gso_segs);
int pkt_send(enum hook hook, const struct pkt_spec *s);
struct mw_stats pkt_stats(void);
/* Reads mw_flows into *@recs (the caller frees it); returns the count. */
long pkt_flows(struct mw_flow_rec **recs);
int count_events(unsigned type);
/* mw_svc: @port of the host watched as @svc (0: not watched). */
void watch_port(__u16 port, __u8 svc);
/* mw_local: @addr is one of the host's addresses. */
void local_addr(const char *addr);
void addr_of(const char *s, __u8 *out);

/* --- step tables --------------------------------------------------------- */

/* The host and one remote; the steps' R, H and X packets go between them. */
struct conv {
	int family, proto;
	const char *host, *remote;
	__u16 hport, rport;
	__u32 isn_host, isn_remote; /* each side's first sequence number */
};

#define SRV "192.0.2.1"
#define CLI "198.51.100.10"
#define POOL "203.0.113.50"
/* Near the wrap and across the sign boundary, so that every row checks the
 * serial arithmetic too. */
#define ISN_CLI 0xffffff80u
#define ISN_SRV 0x7ffffff0u
#define POOL_ISN_HOST 0xfffffe00u
#define POOL_ISN_REMOTE 0x12345678u

/* A remote client CLI:40000 of the host's SSH port SRV:22. */
extern const struct conv conv_ssh;
/* The host's own connection SRV:50000 -> POOL:@port (a pool, a TLS server). */
#define CONV_POOL(port)                                                                 \
	(&(const struct conv){ 4, IPPROTO_TCP, SRV, POOL, 50000, (port), POOL_ISN_HOST, \
			       POOL_ISN_REMOTE })

enum who {
	END = 0, /* the end of a step table */
	R, /* the remote's packet, at XDP */
	H, /* the host's packet, at tc */
	X, /* the host's address as the source, arriving at XDP (a replay, a spoof) */
	XDP_PKT, /* .spec as it is, at XDP */
	TC_PKT, /* .spec as it is, at tc */
	DO, /* .act(), when there is one; then the wants */
};

enum want_kind {
	W_NONE = 0,
	W_VERDICT, /* the step's verdict */
	W_FLOWS, /* entries in mw_flows */
	W_FLOW, /* a field of the only flow */
	W_FLOW_KEY, /* a field of the only flow's key */
	W_FLOW_HOST_SEQ, /* a sequence field of the only flow, less the host's ISN + 1 */
	W_FLOW_LOCAL, /* the only flow's local address is .bytes (a string) */
	W_STAT, /* a field of mw_stats */
	W_EVENTS, /* events of .type caught (0: of any type) */
	W_EVENT, /* a field of the .idx-th event of .type (negative: from the last) */
	W_PEEK_RING, /* the ring the .idx-th peek came in */
	W_PEEK_BYTES, /* the .idx-th peek's bytes are .bytes + .v */
	W_CALL, /* .fn() */
};

/* One expectation: the value @v of what @kind, @off, @size, @type and @idx
 * name, reported as @what. */
struct want {
	enum want_kind kind;
	unsigned short off;
	unsigned char size;
	bool net; /* a 16-bit field in network order */
	int type, idx;
	long long v;
	const void *bytes;
	long long (*fn)(void);
	const char *what;
};

/* The expectations a step states; kept one a line. */
/* clang-format off */
#define FIELD_SIZE(type, field) sizeof(((type *)0)->field)
#define VERDICT(x) { .kind = W_VERDICT, .v = (x), .what = "verdict " #x }
#define FLOWS(n) { .kind = W_FLOWS, .v = (n), .what = "flows" }
#define FL(field, x) \
	{ .kind = W_FLOW, .off = offsetof(struct mw_flow, field), \
	  .size = FIELD_SIZE(struct mw_flow, field), .v = (x), .what = "flow." #field }
#define FL_KEY(field, x) \
	{ .kind = W_FLOW_KEY, .off = offsetof(struct mw_flow_key, field), \
	  .size = FIELD_SIZE(struct mw_flow_key, field), .net = true, .v = (x), .what = "key." #field }
#define FL_HOST_SEQ(field, x) \
	{ .kind = W_FLOW_HOST_SEQ, .off = offsetof(struct mw_flow, field), \
	  .size = FIELD_SIZE(struct mw_flow, field), .v = (x), .what = "flow." #field " - host ISN - 1" }
#define FL_LOCAL(addr) { .kind = W_FLOW_LOCAL, .bytes = (addr), .what = "local address " addr }
#define ST(field, x) \
	{ .kind = W_STAT, .off = offsetof(struct mw_stats, field), \
	  .size = FIELD_SIZE(struct mw_stats, field), .v = (x), .what = "stats." #field }
#define EVS(t, n) { .kind = W_EVENTS, .type = (t), .v = (n), .what = "events " #t }
#define ALL_EVENTS(n) { .kind = W_EVENTS, .type = 0, .v = (n), .what = "events of any type" }
#define EV_FIELD(t, st, i, field, x, be) \
	{ .kind = W_EVENT, .type = (t), .idx = (i), .off = offsetof(st, field), \
	  .size = FIELD_SIZE(st, field), .net = (be), .v = (x), .what = #t "[" #i "]." #field }
#define END_EV(i, field, x) EV_FIELD(MW_EV_FLOW_END, struct mw_event_flow, i, field, x, false)
#define PUBLIC_EV(i, field, x) EV_FIELD(MW_EV_NEW_PUBLIC, struct mw_event_flow, i, field, x, true)
#define PEEK(i, field, x) EV_FIELD(MW_EV_PEEK, struct mw_event_peek, i, field, x, false)
#define PEEK_NET(i, field, x) EV_FIELD(MW_EV_PEEK, struct mw_event_peek, i, field, x, true)
#define BURST(i, field, x) EV_FIELD(MW_EV_BURST, struct mw_event_burst, i, field, x, false)
#define PEEK_RING(i, r) { .kind = W_PEEK_RING, .idx = (i), .v = (r), .what = "peek[" #i "] in " #r }
#define PEEK_BYTES(i, buf, at) \
	{ .kind = W_PEEK_BYTES, .idx = (i), .bytes = (buf), .v = (at), \
	  .what = "peek[" #i "] bytes are " #buf " from " #at }
#define CALL(f, x) { .kind = W_CALL, .fn = (f), .v = (x), .what = #f "()" }
/* clang-format on */

#define STEP_WANTS 8

/*
 * A step: for R, H and X a TCP segment (or UDP datagram) of the conversation
 * with @flags and @len payload bytes (@data, or 'x' bytes) at the sender's
 * next sequence number plus @seq_off, acknowledging the other side's next
 * plus @ack_off; the sender's next advances unless @resend. @times: the same
 * packet sent that many times (0: once). @gso: a GSO super-packet at tc.
 * @frag: sent as two IP fragments, the first holding @frag bytes of L4 (a
 * TCP segment gets a 24-byte header so that @frag 24 is the header alone);
 * @later_only: the second fragment only. Then every @want is checked.
 */
struct step {
	enum who who;
	__u8 flags;
	int len;
	int seq_off, ack_off;
	bool resend;
	const void *data;
	int times;
	__u32 gso;
	int frag;
	bool later_only;
	struct pkt_spec spec; /* XDP_PKT, TC_PKT */
	void (*act)(void); /* DO */
	struct want want[STEP_WANTS];
};

/* clang-format off */
#define SYN MW_TCP_SYN
#define SA (MW_TCP_SYN | MW_TCP_ACK)
#define ACK MW_TCP_ACK
#define PA (MW_TCP_PSH | MW_TCP_ACK)
#define FA (MW_TCP_FIN | MW_TCP_ACK)
#define RST MW_TCP_RST
#define RA (MW_TCP_RST | MW_TCP_ACK)
/* The remote opens, in order; the host opens, in order. */
#define HANDSHAKE { R, SYN }, { H, SA }, { R, ACK }
#define HOST_OPENS { H, SYN }, { R, SA }, { H, ACK }
/* Checks only: what the steps before it left. */
#define THEN(...) { DO, .want = { __VA_ARGS__ } }
#define ACT(fn) { DO, .act = (fn) }
/* A SYN from @from:@fport to @to:@tport as it is, at @who (XDP_PKT or
 * TC_PKT), then the wants. */
#define SYN_PKT(who, fam, from, fport, to, tport, ...) \
	{ (who), .spec = { .family = (fam), .proto = IPPROTO_TCP, .src = (from), .dst = (to), \
			   .sport = (fport), .dport = (tport), .tcp_flags = MW_TCP_SYN }, \
	  .want = { __VA_ARGS__ } }
/* clang-format on */

/* What a row puts in place before its first step. */
enum setup {
	WATCH = 1, /* the host's port watched as SSH */
	LOCAL = 2, /* the host's address in mw_local */
};

#define SEQ_STEPS 16

/* A conversation: its steps, each stating what it leaves behind. */
struct seq_row {
	const char *name;
	const struct conv *conv;
	unsigned setup; /* enum setup */
	struct step steps[SEQ_STEPS];
};

/* Starts @cv: each side at its ISN, @setup in place (after a pkt_reset()). */
void conv_begin(const struct conv *cv, unsigned setup);
/* Undoes conv_begin()'s setup that pkt_reset() leaves (the watched port). */
void conv_end(void);
/* Sends or does @st; returns the verdict (0 for DO). */
int step_do(const struct step *st);
void check_wants(const struct want *w, size_t n, int verdict);
/* Runs @steps (up to @max, or the first END), checking each one's wants. */
void run_steps(const struct step *steps, size_t max);
/* The subtest of one struct seq_row: reset, begin, steps, end. */
void run_seq_row(void *row);
void run_seq_table(const struct seq_row *rows, size_t n);

/* The suites, in the order main() runs them. */
void test_packets_parse(void);
void test_packets_tcp(void);
void test_packets_watched(void);
void test_packets_fuzz(void);
void test_packets_peek(void);
void test_packets_block(void);
void test_packets_agent(void);

#endif
