// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_nft.c - the libnftnl backend against the real nf_tables of a private
 * network namespace (unshare(CLONE_NEWNET) first: the host's tables are
 * never seen). The layout the agent builds must list exactly like the one
 * `nft -f nft-scripts/minewall.nft` builds.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <endian.h>
#include <arpa/inet.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libmnl/libmnl.h>

#include "enforce/nft.h"
#include "test.h"
#include "lib/util.h"

static struct mw_nft nft;

/* Output of a shell command (free it). */
static char *run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *buf = NULL;
	size_t cap = 0, len = 0;
	char chunk[4096];
	size_t n;

	if (!p)
		return strdup("");
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0) {
		if (len + n + 1 > cap) {
			char *grown = realloc(buf, (len + n + 1) * 2);

			if (!grown)
				break;
			buf = grown;
			cap = (len + n + 1) * 2;
		}
		memcpy(buf + len, chunk, n);
		len += n;
	}
	pclose(p);
	if (!buf)
		return strdup("");
	buf[len] = '\0';
	return buf;
}

static struct mw_nft_op op(bool del, unsigned set, const char *prefix, uint64_t timeout_ms,
			   const char *comment)
{
	struct mw_nft_op o = { .del = del, .set = set, .timeout_ms = timeout_ms };

	mw_prefix_parse(prefix, &o.prefix);
	snprintf(o.comment, sizeof(o.comment), "%s", comment ? comment : "");
	return o;
}

/* One element of a message, as read back with plain libmnl. */
struct parsed_elem {
	uint8_t key[16];
	uint32_t key_len, flags;
	uint64_t timeout;
	bool has_timeout, has_comment;
};

static int parse_elem(const struct nlattr *elem, struct parsed_elem *pe)
{
	const struct nlattr *a;

	memset(pe, 0, sizeof(*pe));
	mnl_attr_for_each_nested(a, elem)
	{
		switch (mnl_attr_get_type(a)) {
		case NFTA_SET_ELEM_KEY: {
			const struct nlattr *v = mnl_attr_get_payload(a); /* NFTA_DATA_VALUE */

			pe->key_len = mnl_attr_get_payload_len(v);
			if (pe->key_len <= sizeof(pe->key))
				memcpy(pe->key, mnl_attr_get_payload(v), pe->key_len);
			break;
		}
		case NFTA_SET_ELEM_FLAGS:
			pe->flags = ntohl(mnl_attr_get_u32(a));
			break;
		case NFTA_SET_ELEM_TIMEOUT:
			pe->timeout = be64toh(mnl_attr_get_u64(a));
			pe->has_timeout = true;
			break;
		case NFTA_SET_ELEM_USERDATA:
			pe->has_comment = true;
			break;
		}
	}
	return 0;
}

/* Element messages built, then read back attribute by attribute with libmnl
 * (not with the library that built them) and compared: no kernel. */
static void t_build_parse(void *arg)
{
	struct mw_nft_op ops[] = {
		op(false, MW_SET_BLOCK6NET, "2001:db8:1::/64", 60000, "a /64"),
		op(false, MW_SET_BLOCK6NET, "2001:db8:2::/48", 0, "permanent range"),
	};
	static char buf[1 << 16];
	size_t len = mw_nft_build_elems(buf, sizeof(buf), ops, ARRAY_SIZE(ops));
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	struct parsed_elem pe[8];
	const struct nlattr *a, *e;
	const char *set = NULL, *table = NULL;
	int n = 0;

	if (!ASSERT_TRUE(len > 0 && nlh->nlmsg_len == len, "built one message"))
		return;
	ASSERT_EQ(nlh->nlmsg_type, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWSETELEM, "type");
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
	{
		switch (mnl_attr_get_type(a)) {
		case NFTA_SET_ELEM_LIST_TABLE:
			table = mnl_attr_get_str(a);
			break;
		case NFTA_SET_ELEM_LIST_SET:
			set = mnl_attr_get_str(a);
			break;
		case NFTA_SET_ELEM_LIST_ELEMENTS:
			mnl_attr_for_each_nested(e, a) if (n < 8) parse_elem(e, &pe[n++]);
			break;
		}
	}
	ASSERT_STREQ(table, "minewall", "table");
	ASSERT_STREQ(set, "block6net", "set");
	if (!ASSERT_EQ(n, 4, "two ranges: four elements"))
		return;
	ASSERT_TRUE(pe[0].key_len == 16 && pe[0].key[5] == 1 && !pe[0].flags, "start of the /64");
	ASSERT_TRUE(pe[0].has_timeout && pe[0].timeout == 60000, "its timeout");
	ASSERT_TRUE(pe[0].has_comment, "its comment");
	ASSERT_TRUE(pe[1].flags == NFT_SET_ELEM_INTERVAL_END && pe[1].key[7] == 1 &&
			    !pe[1].has_timeout,
		    "end: 2001:db8:1:1::, flagged, no timeout");
	ASSERT_TRUE(!pe[2].has_timeout && pe[2].has_comment, "the permanent range has no timeout");
	ASSERT_TRUE(pe[3].flags == NFT_SET_ELEM_INTERVAL_END && pe[3].key[5] == 3,
		    "end of the /48: 2001:db8:3::");
}

static void t_layout(void *arg)
{
	char *ours, *script;

	ASSERT_EQ(mw_nft_check(&nft), 1, "no table yet: check says missing");
	ASSERT_EQ(mw_nft_create(&nft, false), 0, "create");
	ASSERT_EQ(mw_nft_check(&nft), 0, "check says intact");
	ours = run("nft list table inet minewall 2>&1");
	ASSERT_EQ(mw_nft_destroy(&nft), 0, "destroy");
	ASSERT_EQ(mw_nft_destroy(&nft), 0, "destroy again is fine");
	free(run("nft -f nft-scripts/minewall.nft 2>&1"));
	script = run("nft list table inet minewall 2>&1");
	ASSERT_STREQ(ours, script, "libnftnl layout lists like nft-scripts/minewall.nft");
	ASSERT_EQ(mw_nft_check(&nft), 0, "the script's layout passes the check (adopted)");
	free(ours);
	free(script);
}

static void t_heal(void *arg)
{
	free(run("nft flush chain inet minewall input"));
	ASSERT_EQ(mw_nft_check(&nft), 1, "a flushed chain is noticed");
	ASSERT_EQ(mw_nft_create(&nft, true), 0, "replace");
	ASSERT_EQ(mw_nft_check(&nft), 0, "intact again");
	free(run("nft delete table inet minewall"));
	ASSERT_EQ(mw_nft_check(&nft), 1, "a deleted table is noticed");
	free(run("nft add table inet minewall"));
	ASSERT_EQ(mw_nft_check(&nft), 1, "an empty table of our name is noticed");
	ASSERT_EQ(mw_nft_create(&nft, true), 0, "replace the empty table");
	ASSERT_EQ(mw_nft_check(&nft), 0, "intact");
}

static void t_elements(void *arg)
{
	struct mw_nft_op ops[] = {
		op(false, MW_SET_BLOCK4, "198.51.100.7", 600000, "SSHDICT 12 tries"),
		op(false, MW_SET_BLOCK6, "2001:db8::66", 0, "permanent"),
		op(false, MW_SET_BLOCK4NET, "203.0.113.0/24", 60000, "range"),
		op(false, MW_SET_BLOCK6NET, "2001:db8:1::/64", 60000, "v6 /64"),
		op(false, MW_SET_ALLOW4, "10.0.0.0/8", 0, NULL),
	};
	struct mw_nft_elem *els = NULL;
	char *listing;
	long n;

	ASSERT_EQ(mw_nft_apply(&nft, ops, ARRAY_SIZE(ops)), 0, "apply 5 ops in one transaction");
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		ASSERT_EQ(ops[i].err, 0, ops[i].comment);
	listing = run("nft list table inet minewall");
	ASSERT_TRUE(strstr(listing, "198.51.100.7 counter packets 0 bytes 0 timeout 10m") != NULL,
		    "block4 element with timeout");
	ASSERT_TRUE(strstr(listing, "comment \"SSHDICT 12 tries\"") != NULL,
		    "comment shown by nft");
	ASSERT_TRUE(strstr(listing, "2001:db8::66") != NULL, "block6 element");
	ASSERT_TRUE(strstr(listing, "203.0.113.0/24") != NULL, "block4net prefix as nft shows it");
	ASSERT_TRUE(strstr(listing, "2001:db8:1::/64") != NULL, "block6net prefix");
	ASSERT_TRUE(strstr(listing, "10.0.0.0/8") != NULL, "allow4 prefix");
	free(listing);

	n = mw_nft_list(&nft, MW_SET_BLOCK4, &els);
	if (ASSERT_EQ(n, 1, "list block4")) {
		char buf[MW_ADDRSTRLEN];

		ASSERT_STREQ(mw_prefix_str(&els[0].prefix, buf, sizeof(buf)), "198.51.100.7",
			     "addr");
		ASSERT_EQ(els[0].timeout_ms, 600000, "timeout");
		ASSERT_TRUE(els[0].expires_ms > 590000 && els[0].expires_ms <= 600000, "expires");
		ASSERT_STREQ(els[0].comment, "SSHDICT 12 tries", "comment read back");
	}
	free(els);
	n = mw_nft_list(&nft, MW_SET_BLOCK6NET, &els);
	if (ASSERT_EQ(n, 1, "list block6net")) {
		char buf[MW_ADDRSTRLEN];

		ASSERT_STREQ(mw_prefix_str(&els[0].prefix, buf, sizeof(buf)), "2001:db8:1::/64",
			     "prefix folded back");
	}
	free(els);
	n = mw_nft_list(&nft, MW_SET_BLOCK4NET, &els);
	if (ASSERT_EQ(n, 1, "list block4net")) {
		char buf[MW_ADDRSTRLEN];

		ASSERT_STREQ(mw_prefix_str(&els[0].prefix, buf, sizeof(buf)), "203.0.113.0/24",
			     "v4 prefix folded back");
	}
	free(els);
}

static void t_errors(void *arg)
{
	struct mw_nft_op ops[] = {
		op(true, MW_SET_BLOCK4, "198.51.100.99", 0, NULL), /* not there */
		op(false, MW_SET_BLOCK4, "198.51.100.8", 60000, "good"),
		op(false, MW_SET_BLOCK4NET, "203.0.113.128/25", 60000, "overlaps /24"),
		op(false, MW_SET_MAX, "198.51.100.9", 0, "no such set"),
	};
	struct mw_nft_elem *els = NULL;
	long n;
	int failed;

	failed = mw_nft_apply(&nft, ops, ARRAY_SIZE(ops));
	ASSERT_EQ(ops[0].err, 0, "deleting an absent element is not an error");
	ASSERT_EQ(ops[1].err, 0, "the good element went in");
	ASSERT_TRUE(ops[2].err < 0, "the overlapping range is refused, with its own error");
	ASSERT_EQ(ops[3].err, -EINVAL, "a bad set index is refused");
	ASSERT_EQ(failed, 2, "two failures reported");
	n = mw_nft_list(&nft, MW_SET_BLOCK4, &els);
	ASSERT_EQ(n, 2, "the good element committed despite the bad ones");
	free(els);
}

static void t_many(void *arg)
{
	enum { N = 20000 };
	struct mw_nft_op *ops = calloc(N, sizeof(*ops));
	struct mw_nft_elem *els = NULL;
	char buf[32];
	long n;
	int i;

	for (i = 0; i < N; i++) {
		snprintf(buf, sizeof(buf), "100.%d.%d.%d", 64 + i / 65536, (i / 256) % 256,
			 i % 256);
		ops[i] = op(false, MW_SET_BLOCK4, buf, 3600000, "bulk");
	}
	ASSERT_EQ(mw_nft_apply(&nft, ops, N), 0, "20000 elements in one transaction");
	n = mw_nft_list(&nft, MW_SET_BLOCK4, &els);
	ASSERT_EQ(n, N + 2, "all listed");
	free(els);
	for (i = 0; i < N; i++)
		ops[i].del = true;
	ASSERT_EQ(mw_nft_apply(&nft, ops, N), 0, "and deleted in one transaction");
	free(ops);
}

/* The longest comments, many elements, IPv6 too: each message's element
 * list must stay under the 64 KiB a nested attribute can say, or the kernel
 * reads a truncated list. Every element must land. */
static void t_long_comments(void *arg)
{
	enum { N = 3000 };
	struct mw_nft_op *ops = calloc(N, sizeof(*ops));
	struct mw_nft_elem *els = NULL;
	char buf[64], comment[MW_NFT_COMMENT_MAX];
	long n;
	int i;

	memset(comment, 'c', sizeof(comment) - 1);
	comment[sizeof(comment) - 1] = '\0';
	for (i = 0; i < N; i++) {
		snprintf(buf, sizeof(buf), "2001:db8:77::%x", i + 1);
		ops[i] = op(false, MW_SET_BLOCK6, buf, 3600000, comment);
	}
	ASSERT_EQ(mw_nft_apply(&nft, ops, N), 0, "3000 IPv6 elements with 127-byte comments");
	n = mw_nft_list(&nft, MW_SET_BLOCK6, &els);
	ASSERT_TRUE(n >= N, "every one of them listed");
	free(els);
	for (i = 0; i < N; i++)
		ops[i].del = true;
	ASSERT_EQ(mw_nft_apply(&nft, ops, N), 0, "and deleted");
	free(ops);
}

static struct mw_nft_op ct_op(bool del, const char *ct, uint64_t cgroup, const char *remote,
			      uint64_t timeout_ms)
{
	struct mw_nft_op o = op(del, MW_SET_CBLOCK4, remote, timeout_ms, "BLACKLIST: pool");

	o.cgroup_id = cgroup;
	if (ct)
		mw_addr_parse(ct, &o.ct_addr);
	o.set = mw_nft_ct_set(&o.prefix.addr, !ct);
	return o;
}

/* Container blocks: concatenated keys in, listed by nft as such, read back
 * field by field. */
static void t_container_sets(void *arg)
{
	struct mw_nft_op ops[] = {
		ct_op(false, "172.31.5.2", 0, "203.0.113.10", 600000),
		ct_op(false, "fd00:31::2", 0, "2001:db8::10", 0),
		ct_op(false, NULL, 0x1234567890ULL, "203.0.113.11", 60000),
		ct_op(false, NULL, 77, "2001:db8::11", 60000),
	};
	struct mw_nft_elem *els = NULL;
	char *listing, a[MW_ADDRSTRLEN], b[MW_ADDRSTRLEN];
	long n;

	ASSERT_EQ(mw_nft_create(&nft, true), 0, "a fresh table");
	ASSERT_TRUE(mw_nft_is_ct_set(MW_SET_CGBLOCK6) && !mw_nft_is_ct_set(MW_SET_BLOCK4),
		    "container sets are told apart");
	ASSERT_EQ(mw_nft_apply(&nft, ops, ARRAY_SIZE(ops)), 0, "four container blocks");
	listing = run("nft list table inet minewall");
	ASSERT_TRUE(strstr(listing, "172.31.5.2 . 203.0.113.10 timeout 10m") != NULL,
		    "cblock4 element as nft lists it");
	ASSERT_TRUE(strstr(listing, "fd00:31::2 . 2001:db8::10 comment") != NULL,
		    "cblock6 element, permanent");
	ASSERT_TRUE(strstr(listing, ". 203.0.113.11 timeout 1m") != NULL, "cgblock4 element");
	free(listing);
	n = mw_nft_list(&nft, MW_SET_CBLOCK4, &els);
	if (ASSERT_EQ(n, 1, "list cblock4")) {
		ASSERT_STREQ(mw_addr_str(&els[0].ct_addr, a, sizeof(a)), "172.31.5.2",
			     "container address read back");
		ASSERT_STREQ(mw_prefix_str(&els[0].prefix, b, sizeof(b)), "203.0.113.10",
			     "remote read back");
		ASSERT_EQ(els[0].timeout_ms, 600000, "timeout");
		ASSERT_STREQ(els[0].comment, "BLACKLIST: pool", "comment");
	}
	free(els);
	n = mw_nft_list(&nft, MW_SET_CBLOCK6, &els);
	if (ASSERT_EQ(n, 1, "list cblock6"))
		ASSERT_STREQ(mw_addr_str(&els[0].ct_addr, a, sizeof(a)), "fd00:31::2",
			     "v6 container address read back");
	free(els);
	n = mw_nft_list(&nft, MW_SET_CGBLOCK4, &els);
	if (ASSERT_EQ(n, 1, "list cgblock4")) {
		ASSERT_EQ(els[0].cgroup_id, 0x1234567890ULL, "cgroup id read back");
		ASSERT_STREQ(mw_prefix_str(&els[0].prefix, b, sizeof(b)), "203.0.113.11",
			     "its remote");
	}
	free(els);
	n = mw_nft_list(&nft, MW_SET_CGBLOCK6, &els);
	if (ASSERT_EQ(n, 1, "list cgblock6"))
		ASSERT_EQ(els[0].cgroup_id, 77, "v6 cgroup id read back");
	free(els);
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		ops[i].del = true;
	ASSERT_EQ(mw_nft_apply(&nft, ops, ARRAY_SIZE(ops)), 0, "and deleted");
	n = mw_nft_list(&nft, MW_SET_CGBLOCK4, &els);
	ASSERT_EQ(n, 0, "gone");
	free(els);
}

/* element_counters = no: the sets hold no counter, every element lands. */
static void t_no_counters(void *arg)
{
	enum { N = 5000 };
	struct mw_nft_op *ops = calloc(N, sizeof(*ops));
	struct mw_nft_elem *els = NULL;
	char buf[32], *listing;
	long n;
	int i;

	nft.no_elem_counters = true;
	ASSERT_EQ(mw_nft_create(&nft, true), 0, "table without element counters");
	for (i = 0; i < N; i++) {
		snprintf(buf, sizeof(buf), "100.70.%d.%d", i / 256, i % 256);
		ops[i] = op(false, MW_SET_BLOCK4, buf, 3600000, "no counters");
	}
	ASSERT_EQ(mw_nft_apply(&nft, ops, N), 0, "5000 elements");
	n = mw_nft_list(&nft, MW_SET_BLOCK4, &els);
	ASSERT_TRUE(n >= N, "all listed");
	ASSERT_TRUE(n > 0 && !els[0].counted, "an element without a counter is listed as such");
	free(els);
	listing = run("nft list table inet minewall");
	ASSERT_TRUE(listing && strstr(listing, "100.70.0.7 timeout") != NULL,
		    "nft lists them without counters");
	free(listing);
	nft.no_elem_counters = false;
	ASSERT_EQ(mw_nft_create(&nft, true), 0, "and back with counters");
	ASSERT_EQ(mw_nft_apply(&nft, ops, 1), 0, "one element");
	n = mw_nft_list(&nft, MW_SET_BLOCK4, &els);
	ASSERT_TRUE(n == 1 && els[0].counted && els[0].packets == 0, "listed with its counter");
	free(els);
	free(ops);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	if (unshare(CLONE_NEWNET)) {
		printf("test_nft: unshare(CLONE_NEWNET): %s (root needed)\n", strerror(errno));
		printf("test_nft: 0 passed, 1 failed\n");
		return 1;
	}
	if (mw_nft_open(&nft)) {
		printf("test_nft: cannot open a netfilter socket\ntest_nft: 0 passed, 1 failed\n");
		return 1;
	}
	test_run("messages: build, parse back, compare", t_build_parse, NULL);
	test_run("layout: create, check, same as the script", t_layout, NULL);
	test_run("layout: flushed or deleted is noticed and healed", t_heal, NULL);
	test_run("elements: add with timeout, comment, prefixes; list back", t_elements, NULL);
	test_run("elements: errors matched to their element", t_errors, NULL);
	test_run("elements: 20000 in one transaction", t_many, NULL);
	test_run("elements: long comments never overflow a message", t_long_comments, NULL);
	test_run("elements: sets without element counters", t_no_counters, NULL);
	test_run("elements: container blocks, concatenated keys", t_container_sets, NULL);
	mw_nft_close(&nft);
	return test_summary("test_nft");
}
