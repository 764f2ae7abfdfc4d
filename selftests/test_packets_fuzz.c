// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_packets_fuzz.c - datapath fuzzing: no table can state what a random
 * packet leaves, so each round checks the invariants every packet keeps.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <bpf/bpf.h>

#include "lib/addr.h"
#include "pkt_harness.h"
#include "test.h"

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

	pkt_reset();
	if (blocked) {
		struct mw_block b = { 0 };
		struct mw_addr a;

		mw_addr_parse(FUZZ_BLOCKED4, &a);
		bpf_map_update_elem(env.block_fd, &a, &b, 0);
		mw_addr_parse(FUZZ_BLOCKED6, &a);
		bpf_map_update_elem(env.block_fd, &a, &b, 0);
		env.L.skel->bss->mw_nr_blocked = 2;
	}
	for (i = 0; i < n; i++) {
		bool egress = fuzz_rand() % 2, from_blocked;
		size_t len = fuzz_packet(buf, egress, &from_blocked);
		int ret = pkt_run(egress ? TC : XDP, buf, len, 0);

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
	st = pkt_stats();
	for (i = 0; i < MW_PE_MAX; i++)
		errs += st.parse_err[i];
	parsed = st.packets[0] + st.packets[1] - st.non_ip - errs;
	nf = mw_flowtable_read(env.flows_fd, &recs);
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

static void fuzz(void *arg)
{
	const char *seed = getenv("MW_FUZZ_SEED");
	unsigned rounds = 30, r, bad = 0;

	fuzz_state = seed ? strtoull(seed, NULL, 0) : 0x5eed5eedULL;
	if (!fuzz_state)
		fuzz_state = 1;
	printf("    seed %#llx (MW_FUZZ_SEED), %u rounds of 1000 packets, a third with blocked sources\n",
	       (unsigned long long)fuzz_state, rounds);
	env.quiet_einval = true;
	fuzz_exact_rounds = 0;
	peeks_in_events = dns_peeks_unsolicited = dns_peeks = 0;
	for (r = 0; r < rounds; r++) {
		fuzz_no_syn = r % 2;
		fuzz_round(1000, r % 3 == 2, &bad);
	}
	env.quiet_einval = false;
	fuzz_no_syn = false;
	ASSERT_TRUE(fuzz_exact_rounds >= rounds / 3, "enough rounds checked exactly");
	ASSERT_EQ(bad, 0, "every flow entry sane (state, initiator, times, counts, evidence)");
	ASSERT_EQ(peeks_in_events, 0, "no peek in the decisive ring");
	ASSERT_TRUE(dns_peeks > 0, "DNS peeks were made (the check below is not empty)");
	ASSERT_EQ(dns_peeks_unsolicited, 0, "no DNS peek on a flow the host did not open");
	printf("    %u DNS peeks, all on flows the host opened\n", dns_peeks);
}

void test_packets_fuzz(void)
{
	test_run("fuzz: random and mutated packets through both programs", fuzz, NULL);
}
