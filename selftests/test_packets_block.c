// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_packets_block.c - what the datapath drops: blocked sources and
 * prefixes at XDP, and blacklisted remotes both ways once enforced. The
 * actions between packets (a block put in place, lists installed) are
 * small named functions; every packet states its verdict.
 */
#include <string.h>

#include <bpf/bpf.h>

#include "lib/addr.h"
#include "pkt_harness.h"
#include "test.h"
#include "lib/util.h"

/* --- blocked sources ----------------------------------------------------- */

static struct mw_lpm_key cli_net;

static void block(__u64 expires_ns, __u32 nr_blocked)
{
	struct mw_block b = { .expires_ns = expires_ns };
	struct mw_addr a;

	mw_addr_parse(CLI, &a);
	bpf_map_update_elem(env.block_fd, &a, &b, 0);
	env.L.skel->bss->mw_nr_blocked = nr_blocked;
}

/* An entry, but the count of entries left at 0: nothing is looked up. */
static void block_cli_uncounted(void)
{
	block(0, 0);
}

static void block_cli(void)
{
	block(0, 1);
}

static void expire_cli_block(void)
{
	block(1 /* long past */, 1);
}

static long long cli_block_drops(void)
{
	struct mw_block b = { 0 };
	struct mw_addr a;

	mw_addr_parse(CLI, &a);
	bpf_map_lookup_elem(env.block_fd, &a, &b);
	return (long long)b.drops;
}

/* CLI's /24 in the LPM map of blocked prefixes (an IPv6 /64, a range). */
static void block_cli_net(void)
{
	struct mw_block b = { 0 };
	struct mw_prefix p;

	mw_prefix_parse("198.51.100.0/24", &p);
	mw_prefix_to_lpm(&p, &cli_net);
	bpf_map_update_elem(mw_loader_map_fd(&env.L, MW_MAP_BLOCK_NET), &cli_net, &b, 0);
	env.L.skel->bss->mw_nr_blocked_net = 1;
}

static void unblock_cli_net(void)
{
	bpf_map_delete_elem(mw_loader_map_fd(&env.L, MW_MAP_BLOCK_NET), &cli_net);
	env.L.skel->bss->mw_nr_blocked_net = 0;
}

static long long cli_net_drops(void)
{
	struct mw_block b = { 0 };

	bpf_map_lookup_elem(mw_loader_map_fd(&env.L, MW_MAP_BLOCK_NET), &cli_net, &b);
	return (long long)b.drops;
}

/* A SYN from @from to the host's SSH port, at XDP, then the wants. */
#define SYN_FROM(from, ...) SYN_PKT(XDP_PKT, 4, from, 40000, SRV, 22, __VA_ARGS__)

/* clang-format off */
static const struct seq_row block_seqs[] = {
	{ "seq xdp fast drop: an entry alone does not drop (the count is 0)", &conv_ssh, 0, {
	  ACT(block_cli_uncounted), { R, SYN, .want = { VERDICT(XDP_PASS) } } } },
	{ "seq xdp fast drop: a blocked source, dropped before its flow", &conv_ssh, 0, {
	  ACT(block_cli),
	  { R, SYN, .resend = true, .want = { VERDICT(XDP_DROP), ST(block_drops, 1), FLOWS(0), CALL(cli_block_drops, 1) } },
	  ACT(expire_cli_block), { R, SYN, .resend = true, .want = { VERDICT(XDP_PASS) /* expired */ } },
	  ACT(block_cli), SYN_FROM("198.51.100.11", VERDICT(XDP_PASS) /* other sources */) } },
	{ "seq xdp fast drop: a source inside a blocked prefix", &conv_ssh, 0, {
	  ACT(block_cli_net),
	  SYN_FROM("198.51.100.11", VERDICT(XDP_DROP), CALL(cli_net_drops, 1)),
	  SYN_FROM("198.51.101.1", VERDICT(XDP_PASS) /* outside the prefix */),
	  ACT(unblock_cli_net) } },
};
/* clang-format on */

/* --- blacklists ---------------------------------------------------------- */

static __u64 hits_at_install;

static __u64 bl_hits(void)
{
	static uint64_t hits[MW_BL_LISTS_MAX];

	mw_blacklist_maps_hits(&env.blk, hits);
	return hits[1];
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
		ret = mw_blacklist_maps_install(&env.blk, &c, &bl, NULL, 0);
		mw_bl_compiled_free(&c);
	}
	mw_bl_free(&bl);
	return ret;
}

/* A /24, an address on one port (maltrail IP:PORT), an IPv6 /48, and an
 * alert-only address. */
static void install_lists(void)
{
	ASSERT_EQ(bl_install("203.0.113.0/24\n198.51.100.77:3333\n2001:db8:bad::/48\n"
			     "198.51.100.88\n",
			     "198.51.100.88"),
		  0, "lists in force");
	hits_at_install = bl_hits();
}

static void install_other_lists(void)
{
	ASSERT_EQ(bl_install("192.0.2.200\n", NULL), 0, "new lists swapped in");
}

static long long list_hits(void)
{
	return (long long)(bl_hits() - hits_at_install);
}

static void enforce(void)
{
	env.L.skel->bss->mw_bl_enforce = 1;
}

static void enforce_no_more(void)
{
	env.L.skel->bss->mw_bl_enforce = 0;
	bl_install("", NULL);
}

static void report_only(void)
{
	env.L.skel->bss->mw_bl_enforce = 0;
}

/* The host's SYN from @from:@fport to @to:@tport at tc, then the wants;
 * the remote's to the host at XDP. */
#define BL_OUT(fam, from, fport, to, tport, ...) \
	SYN_PKT(TC_PKT, fam, from, fport, to, tport, __VA_ARGS__)
#define BL_IN(from, fport, tport, ...) SYN_PKT(XDP_PKT, 4, from, fport, SRV, tport, __VA_ARGS__)

/* clang-format off */
static const struct seq_row blacklist_seqs[] = {
	{ "seq blacklist hit, not enforced: passed, one event per flow", &conv_ssh, 0, {
	  ACT(install_lists), ACT(report_only),
	  BL_OUT(4, SRV, 50000, "203.0.113.9", 443, VERDICT(TC_ACT_OK)),
	  BL_OUT(4, SRV, 50000, "203.0.113.9", 443),
	  THEN(FL(blacklist, 1) /* the list id cached in the flow */, EVS(MW_EV_BLACKLIST, 1),
	       ST(blacklist_hits, 1), CALL(list_hits, 1)),
	  ACT(enforce_no_more) } },
	/* enforced: the first SYN out and the first packet in are dropped */
	{ "seq blacklist enforced: listed remotes dropped both ways", &conv_ssh, 0, {
	  ACT(install_lists), ACT(enforce),
	  BL_OUT(4, SRV, 50001, "203.0.113.9", 443, VERDICT(TC_ACT_SHOT)),
	  BL_OUT(4, SRV, 50001, "203.0.113.9", 443, VERDICT(TC_ACT_SHOT) /* its retry */),
	  BL_IN("203.0.113.10", 3333, 40000, VERDICT(XDP_DROP), ST(blacklist_drops, 3)),
	  /* port-specific entries match that port only */
	  BL_OUT(4, SRV, 50002, "198.51.100.77", 3333, VERDICT(TC_ACT_SHOT)),
	  BL_OUT(4, SRV, 50002, "198.51.100.77", 443, VERDICT(TC_ACT_OK)),
	  /* alert-only entries are reported, never dropped */
	  BL_OUT(4, SRV, 50002, "198.51.100.88", 443, VERDICT(TC_ACT_OK), EVS(MW_EV_BLACKLIST, 4)),
	  BL_OUT(6, "2001:db8::1", 50002, "2001:db8:bad::5", 443, VERDICT(TC_ACT_SHOT)),
	  BL_OUT(6, "2001:db8::1", 50002, "2001:db8:beef::5", 443, VERDICT(TC_ACT_OK)),
	  /* a swap takes effect for the next new flow */
	  ACT(install_other_lists),
	  BL_OUT(4, SRV, 50009, "203.0.113.9", 443, VERDICT(TC_ACT_OK)),
	  ACT(enforce_no_more) } },
};
/* clang-format on */

void test_packets_block(void)
{
	run_seq_table(block_seqs, ARRAY_SIZE(block_seqs));
	run_seq_table(blacklist_seqs, ARRAY_SIZE(blacklist_seqs));
}
