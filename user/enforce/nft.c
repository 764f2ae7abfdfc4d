// SPDX-License-Identifier: GPL-2.0-only
/*
 * nft.c - the nftables backend. Messages are built with libnftnl into one
 * batch buffer (begin, messages, end), sent with one sendmsg, and every
 * answer is read: each message carries NLM_F_ACK and its own sequence
 * number, so an error names the element that caused it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "enforce/nft.h"
#include "lib/log.h"
#include "lib/util.h"

#define TYPE_IPADDR 7 /* nft's datatype ids, as `nft list` prints them */
#define TYPE_IP6ADDR 8
#define TYPE_CGROUPV2 46
#define TYPE_BITS 6 /* a concatenation's type: its types' ids, TYPE_BITS each */
#define MSG_ROOM 1024 /* bytes one message may take in the batch */
#define MAX_TRIES 4
#define MAX_KEY 32 /* bytes of the longest key: ipv6_addr . ipv6_addr */

/* What a set's key is: an address; the container's address . the remote;
 * the container's cgroup v2 id . the remote. */
enum key_kind { K_ADDR = 0, K_PAIR, K_CGROUP };

static const struct {
	const char *name;
	bool v6, interval, timeout;
	uint32_t size;
	enum key_kind kind;
} sets[MW_SET_MAX] = {
	[MW_SET_ALLOW4] = { "allow4", false, true, false, 0, K_ADDR },
	[MW_SET_ALLOW6] = { "allow6", true, true, false, 0, K_ADDR },
	[MW_SET_BLOCK4] = { "block4", false, false, true, MW_NFT_BLOCK_SIZE, K_ADDR },
	[MW_SET_BLOCK6] = { "block6", true, false, true, MW_NFT_BLOCK_SIZE, K_ADDR },
	[MW_SET_BLOCK4NET] = { "block4net", false, true, true, MW_NFT_NET_SIZE, K_ADDR },
	[MW_SET_BLOCK6NET] = { "block6net", true, true, true, MW_NFT_NET_SIZE, K_ADDR },
	[MW_SET_CBLOCK4] = { "cblock4", false, false, true, MW_NFT_CT_SIZE, K_PAIR },
	[MW_SET_CBLOCK6] = { "cblock6", true, false, true, MW_NFT_CT_SIZE, K_PAIR },
	[MW_SET_CGBLOCK4] = { "cgblock4", false, false, true, MW_NFT_CT_SIZE, K_CGROUP },
	[MW_SET_CGBLOCK6] = { "cgblock6", true, false, true, MW_NFT_CT_SIZE, K_CGROUP },
};

static const char *const counters[] = { "input_drops", "forward_drops", "output_drops" };

/* The rules of each chain, in order, as in nft-scripts/minewall.nft. In a
 * K_PAIR set, @daddr matches the reply (ip daddr . ip saddr); a K_CGROUP
 * rule matches the socket's cgroup ancestor at @level . ip daddr. */
struct rule_spec {
	unsigned set;
	bool daddr;
	bool accept;
	uint8_t level;
};

#define CG_RULE(set, l)             \
	{                           \
		set, true, false, l \
	}
#define CG_RULES(set)                                                                        \
	CG_RULE(set, 1), CG_RULE(set, 2), CG_RULE(set, 3), CG_RULE(set, 4), CG_RULE(set, 5), \
		CG_RULE(set, 6), CG_RULE(set, 7), CG_RULE(set, 8)

static const struct rule_spec input_rules[] = {
	{ MW_SET_ALLOW4, false, true },	 { MW_SET_ALLOW6, false, true },
	{ MW_SET_BLOCK4, false, false }, { MW_SET_BLOCK4NET, false, false },
	{ MW_SET_BLOCK6, false, false }, { MW_SET_BLOCK6NET, false, false },
};

static const struct rule_spec forward_rules[] = {
	{ MW_SET_ALLOW4, false, true },
	{ MW_SET_ALLOW6, false, true },
	{ MW_SET_ALLOW4, true, true },
	{ MW_SET_ALLOW6, true, true },
	{ MW_SET_BLOCK4, false, false },
	{ MW_SET_BLOCK4NET, false, false },
	{ MW_SET_BLOCK6, false, false },
	{ MW_SET_BLOCK6NET, false, false },
	{ MW_SET_BLOCK4, true, false },
	{ MW_SET_BLOCK4NET, true, false },
	{ MW_SET_BLOCK6, true, false },
	{ MW_SET_BLOCK6NET, true, false },
	/* a container's own connections, before masquerade, and their replies */
	{ MW_SET_CBLOCK4, false, false },
	{ MW_SET_CBLOCK4, true, false },
	{ MW_SET_CBLOCK6, false, false },
	{ MW_SET_CBLOCK6, true, false },
};

static const struct rule_spec output_rules[] = {
	{ MW_SET_ALLOW4, true, true },
	{ MW_SET_ALLOW6, true, true },
	{ MW_SET_BLOCK4, true, false },
	{ MW_SET_BLOCK4NET, true, false },
	{ MW_SET_BLOCK6, true, false },
	{ MW_SET_BLOCK6NET, true, false },
	/* containers in the host's network namespace, by their cgroup */
	CG_RULES(MW_SET_CGBLOCK4),
	CG_RULES(MW_SET_CGBLOCK6),
};
_Static_assert(MW_NFT_CG_LEVELS == 8, "CG_RULES writes 8 levels");

static const struct {
	const char *name;
	unsigned hook;
	const struct rule_spec *rules;
	size_t n_rules;
	const char *counter;
} chains[] = {
	{ "input", NF_INET_LOCAL_IN, input_rules, ARRAY_SIZE(input_rules), "input_drops" },
	{ "forward", NF_INET_FORWARD, forward_rules, ARRAY_SIZE(forward_rules), "forward_drops" },
	{ "output", NF_INET_LOCAL_OUT, output_rules, ARRAY_SIZE(output_rules), "output_drops" },
};

/* Runs before the usual filter chains (priority 0) of every other table. */
#define CHAIN_PRIORITY (-10)

const char *mw_nft_set_name(unsigned set)
{
	return set < MW_SET_MAX ? sets[set].name : "?";
}

unsigned mw_nft_block_set(const struct mw_prefix *p)
{
	bool v4 = mw_addr_is_v4(&p->addr) && p->len >= 96;

	if (p->len == 128)
		return v4 ? MW_SET_BLOCK4 : MW_SET_BLOCK6;
	return v4 ? MW_SET_BLOCK4NET : MW_SET_BLOCK6NET;
}

unsigned mw_nft_ct_set(const struct mw_addr *remote, bool cgroup)
{
	if (cgroup)
		return mw_addr_is_v4(remote) ? MW_SET_CGBLOCK4 : MW_SET_CGBLOCK6;
	return mw_addr_is_v4(remote) ? MW_SET_CBLOCK4 : MW_SET_CBLOCK6;
}

bool mw_nft_is_ct_set(unsigned set)
{
	return set < MW_SET_MAX && sets[set].kind != K_ADDR;
}

unsigned mw_nft_allow_set(const struct mw_prefix *p)
{
	return mw_addr_is_v4(&p->addr) && p->len >= 96 ? MW_SET_ALLOW4 : MW_SET_ALLOW6;
}

int mw_nft_open(struct mw_nft *n)
{
	int big = 64 << 20;

	memset(n, 0, sizeof(*n));
	n->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!n->nl)
		return -errno;
	if (mnl_socket_bind(n->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(n->nl);
		n->nl = NULL;
		return err;
	}
	n->portid = mnl_socket_get_portid(n->nl);
	n->seq = time(NULL);
	/* a transaction travels in one sendmsg and its ACKs must all fit:
	 * room for 100k+ elements either way (root may force the size) */
	setsockopt(mnl_socket_get_fd(n->nl), SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	setsockopt(mnl_socket_get_fd(n->nl), SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	return 0;
}

void mw_nft_close(struct mw_nft *n)
{
	if (n->nl)
		mnl_socket_close(n->nl);
	n->nl = NULL;
}

/* --- a batch: begin, messages, end; then every answer read --- */

struct batch {
	char *buf;
	size_t len, cap;
	uint32_t first_seq; /* sequence of the first message after begin */
	unsigned n_msgs; /* messages between begin and end */
	int *errs; /* per message, filled by batch_talk */
};

static int batch_init(struct batch *b, struct mw_nft *n, size_t msgs, size_t elem_bytes)
{
	memset(b, 0, sizeof(*b));
	b->cap = (msgs + 2) * MSG_ROOM + elem_bytes;
	b->buf = calloc(1, b->cap); /* padding inside messages goes out too */
	b->errs = calloc(msgs + 1, sizeof(*b->errs));
	if (!b->buf || !b->errs)
		return -ENOMEM;
	nftnl_batch_begin(b->buf, n->seq++);
	b->len = ((struct nlmsghdr *)b->buf)->nlmsg_len;
	b->first_seq = n->seq;
	return 0;
}

static void batch_free(struct batch *b)
{
	free(b->buf);
	free(b->errs);
}

/* Room for the next message; its header is built by the caller. */
static char *batch_next(struct batch *b)
{
	return b->buf + b->len;
}

static void batch_commit_msg(struct batch *b, struct mw_nft *n)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)(b->buf + b->len);

	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	b->n_msgs++;
	n->seq++;
}

/*
 * Sends the batch and reads one answer per message. Returns 0 when the
 * transaction committed, 1 when some message failed (b->errs says which;
 * the kernel then committed nothing), -errno when talking failed.
 */
static int batch_talk(struct batch *b, struct mw_nft *n)
{
	char rbuf[MNL_SOCKET_BUFFER_SIZE * 4];
	struct timeval tv = { .tv_sec = 5 };
	unsigned answered = 0, failed = 0;
	uint8_t *seen;
	int ret = 0;

	nftnl_batch_end(b->buf + b->len, n->seq++);
	b->len += ((struct nlmsghdr *)(b->buf + b->len))->nlmsg_len;
	seen = calloc(b->n_msgs + 1, 1);
	if (!seen)
		return -ENOMEM;
	setsockopt(mnl_socket_get_fd(n->nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (mnl_socket_sendto(n->nl, b->buf, b->len) < 0) {
		ret = -errno;
		goto out;
	}
	n->transactions++;
	n->messages += b->n_msgs;
	while (answered < b->n_msgs) {
		ssize_t len = mnl_socket_recvfrom(n->nl, rbuf, sizeof(rbuf));
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)rbuf;
		int left = len;

		if (len < 0) {
			ret = -errno; /* a timeout here means the kernel lost answers */
			goto out;
		}
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
			uint32_t i = nlh->nlmsg_seq - b->first_seq;

			if (nlh->nlmsg_type != NLMSG_ERROR || i >= b->n_msgs || seen[i])
				continue;
			seen[i] = 1;
			answered++;
			b->errs[i] = e->error;
			if (e->error) {
				failed++;
				n->errors++;
			}
		}
	}
	ret = failed ? 1 : 0;
out:
	free(seen);
	return ret;
}

/* --- layout --- */

static void add_table(struct batch *b, struct mw_nft *n, uint16_t type)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, MW_NFT_TABLE);
	nlh = nftnl_nlmsg_build_hdr(batch_next(b), type, NFPROTO_INET,
				    (type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0) | NLM_F_ACK,
				    n->seq);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	batch_commit_msg(b, n);
}

static void add_counter(struct batch *b, struct mw_nft *n, const char *name)
{
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct nlmsghdr *nlh;

	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, MW_NFT_TABLE);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nlh = nftnl_nlmsg_build_hdr(batch_next(b), NFT_MSG_NEWOBJ, NFPROTO_INET,
				    NLM_F_CREATE | NLM_F_ACK, n->seq);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	batch_commit_msg(b, n);
}

/* Bytes of an address in the set's family. */
static size_t addr_len(unsigned set)
{
	return sets[set].v6 ? 16 : 4;
}

static size_t key_len(unsigned set)
{
	switch (sets[set].kind) {
	case K_PAIR:
		return 2 * addr_len(set);
	case K_CGROUP:
		return sizeof(uint64_t) + addr_len(set);
	default:
		return addr_len(set);
	}
}

static uint32_t key_type(unsigned set)
{
	uint32_t addr = sets[set].v6 ? TYPE_IP6ADDR : TYPE_IPADDR;

	switch (sets[set].kind) {
	case K_PAIR:
		return addr << TYPE_BITS | addr;
	case K_CGROUP:
		return TYPE_CGROUPV2 << TYPE_BITS | addr;
	default:
		return addr;
	}
}

static void add_set(struct batch *b, struct mw_nft *n, unsigned i)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	uint32_t flags = 0;

	nftnl_set_set_str(s, NFTNL_SET_TABLE, MW_NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, sets[i].name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(s, NFTNL_SET_ID, i + 1);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, key_type(i));
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, key_len(i));
	if (sets[i].interval)
		flags |= NFT_SET_INTERVAL;
	if (sets[i].timeout)
		flags |= NFT_SET_TIMEOUT;
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
	if (sets[i].size)
		nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, sets[i].size);
	if ((i == MW_SET_BLOCK4 || i == MW_SET_BLOCK6) && !n->no_elem_counters)
		nftnl_set_add_expr(s, nftnl_expr_alloc("counter")); /* per-element hits */
	nlh = nftnl_nlmsg_build_hdr(batch_next(b), NFT_MSG_NEWSET, NFPROTO_INET,
				    NLM_F_CREATE | NLM_F_ACK, n->seq);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	batch_commit_msg(b, n);
}

static void add_chain(struct batch *b, struct mw_nft *n, unsigned i)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, MW_NFT_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, chains[i].name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, chains[i].hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, CHAIN_PRIORITY);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nlh = nftnl_nlmsg_build_hdr(batch_next(b), NFT_MSG_NEWCHAIN, NFPROTO_INET,
				    NLM_F_CREATE | NLM_F_ACK, n->seq);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	batch_commit_msg(b, n);
}

/* Loads the packet's source or destination address into @reg. */
static void add_addr_load(struct nftnl_rule *rule, bool v6, bool daddr, uint32_t reg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, v6 ? (daddr ? 24 : 8) : (daddr ? 16 : 12));
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, v6 ? 16 : 4);
	nftnl_rule_add_expr(rule, e);
}

static void add_rule(struct batch *b, struct mw_nft *n, unsigned chain, const struct rule_spec *r)
{
	struct nftnl_rule *rule = nftnl_rule_alloc();
	bool v6 = sets[r->set].v6;
	uint8_t proto = v6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
	struct nftnl_expr *e;
	struct nlmsghdr *nlh;

	nftnl_rule_set_str(rule, NFTNL_RULE_TABLE, MW_NFT_TABLE);
	nftnl_rule_set_str(rule, NFTNL_RULE_CHAIN, chains[chain].name);
	nftnl_rule_set_u32(rule, NFTNL_RULE_FAMILY, NFPROTO_INET);

	/* meta nfproto ipv4|ipv6 */
	e = nftnl_expr_alloc("meta");
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_NFPROTO);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	nftnl_rule_add_expr(rule, e);
	e = nftnl_expr_alloc("cmp");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, &proto, sizeof(proto));
	nftnl_rule_add_expr(rule, e);
	switch (sets[r->set].kind) {
	case K_ADDR: /* ip saddr/daddr or ip6 saddr/daddr */
		add_addr_load(rule, v6, r->daddr, NFT_REG_1);
		break;
	case K_PAIR: /* ip saddr . ip daddr, or the reply's ip daddr . ip saddr */
		add_addr_load(rule, v6, r->daddr, NFT_REG32_00);
		add_addr_load(rule, v6, !r->daddr, NFT_REG32_00 + addr_len(r->set) / 4);
		break;
	case K_CGROUP: /* socket cgroupv2 level L . ip daddr */
		e = nftnl_expr_alloc("socket");
		nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_KEY, NFT_SOCKET_CGROUPV2);
		nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_DREG, NFT_REG32_00);
		nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_LEVEL, r->level);
		nftnl_rule_add_expr(rule, e);
		add_addr_load(rule, v6, true, NFT_REG32_02);
		break;
	}
	/* @set */
	e = nftnl_expr_alloc("lookup");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, sets[r->set].name);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, r->set + 1);
	nftnl_rule_add_expr(rule, e);
	if (!r->accept) {
		e = nftnl_expr_alloc("objref");
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
		nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, chains[chain].counter);
		nftnl_rule_add_expr(rule, e);
	}
	e = nftnl_expr_alloc("immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, r->accept ? NF_ACCEPT : NF_DROP);
	nftnl_rule_add_expr(rule, e);

	nlh = nftnl_nlmsg_build_hdr(batch_next(b), NFT_MSG_NEWRULE, NFPROTO_INET,
				    NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK, n->seq);
	nftnl_rule_nlmsg_build_payload(nlh, rule);
	nftnl_rule_free(rule);
	batch_commit_msg(b, n);
}

static size_t n_rules_total(void)
{
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(chains); i++)
		n += chains[i].n_rules;
	return n;
}

int mw_nft_create(struct mw_nft *n, bool replace)
{
	struct batch b;
	size_t i, j;
	int ret;

	ret = batch_init(
		&b, n, 2 + ARRAY_SIZE(counters) + MW_SET_MAX + ARRAY_SIZE(chains) + n_rules_total(),
		0);
	if (ret)
		goto out;
	if (replace) {
		add_table(&b, n, NFT_MSG_NEWTABLE); /* so that the delete cannot fail */
		add_table(&b, n, NFT_MSG_DELTABLE);
	}
	add_table(&b, n, NFT_MSG_NEWTABLE);
	for (i = 0; i < ARRAY_SIZE(counters); i++)
		add_counter(&b, n, counters[i]);
	for (i = 0; i < MW_SET_MAX; i++)
		add_set(&b, n, i);
	for (i = 0; i < ARRAY_SIZE(chains); i++) {
		add_chain(&b, n, i);
		for (j = 0; j < chains[i].n_rules; j++)
			add_rule(&b, n, i, &chains[i].rules[j]);
	}
	ret = batch_talk(&b, n);
	if (ret == 1) {
		for (i = 0; i < b.n_msgs; i++)
			if (b.errs[i]) {
				ret = b.errs[i];
				pr_warn("nftables refused message %zu of the minewall layout: %s\n",
					i, strerror(-ret));
				break;
			}
	}
out:
	batch_free(&b);
	return ret;
}

int mw_nft_destroy(struct mw_nft *n)
{
	struct batch b;
	int ret;

	ret = batch_init(&b, n, 2, 0);
	if (!ret) {
		add_table(&b, n, NFT_MSG_NEWTABLE);
		add_table(&b, n, NFT_MSG_DELTABLE);
		ret = batch_talk(&b, n);
		if (ret == 1)
			ret = b.errs[0] ? b.errs[0] : b.errs[1];
	}
	batch_free(&b);
	return ret;
}

/* --- reading: one dump request, a callback per answer --- */

static int dump(struct mw_nft *n, char *req, int (*cb)(const struct nlmsghdr *, void *), void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];
	struct nlmsghdr *nlh = (struct nlmsghdr *)req;
	uint32_t seq = nlh->nlmsg_seq;
	int ret;

	if (mnl_socket_sendto(n->nl, req, nlh->nlmsg_len) < 0)
		return -errno;
	while ((ret = mnl_socket_recvfrom(n->nl, buf, sizeof(buf))) > 0) {
		ret = mnl_cb_run(buf, ret, seq, n->portid, cb, arg);
		if (ret <= MNL_CB_STOP)
			break;
	}
	return ret < 0 ? -errno : 0;
}

struct check_ctx {
	unsigned tables, sets, objs, chains;
	unsigned rules[ARRAY_SIZE(chains)];
};

static int count_cb(const struct nlmsghdr *nlh, void *arg)
{
	unsigned *count = arg;

	(*count)++;
	return MNL_CB_OK;
}

static int rule_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct check_ctx *c = arg;
	struct nftnl_rule *r = nftnl_rule_alloc();
	size_t i;

	if (r && nftnl_rule_nlmsg_parse(nlh, r) >= 0) {
		const char *chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);

		for (i = 0; chain && i < ARRAY_SIZE(chains); i++)
			if (!strcmp(chain, chains[i].name))
				c->rules[i]++;
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

static int get_request(struct mw_nft *n, char *buf, uint16_t type)
{
	struct nlmsghdr *nlh;

	nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET, NLM_F_DUMP | NLM_F_ACK, n->seq++);
	/* NFTA_*_TABLE is attribute 1 for sets, objects, chains and rules */
	mnl_attr_put_strz(nlh, 1, MW_NFT_TABLE);
	return 0;
}

int mw_nft_check(struct mw_nft *n)
{
	char req[MNL_SOCKET_BUFFER_SIZE];
	struct check_ctx c = { 0 };
	struct nlmsghdr *nlh;
	size_t i;
	int ret;

	memset(req, 0, sizeof(req)); /* attribute padding goes out too */
	nlh = nftnl_nlmsg_build_hdr(req, NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_ACK, n->seq++);
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, MW_NFT_TABLE);
	ret = dump(n, req, count_cb, &c.tables);
	if (ret == -ENOENT || (!ret && !c.tables))
		return 1;
	if (ret)
		return ret;
	get_request(n, req, NFT_MSG_GETSET);
	if ((ret = dump(n, req, count_cb, &c.sets)))
		return ret == -ENOENT ? 1 : ret;
	get_request(n, req, NFT_MSG_GETOBJ);
	if ((ret = dump(n, req, count_cb, &c.objs)))
		return ret == -ENOENT ? 1 : ret;
	get_request(n, req, NFT_MSG_GETCHAIN);
	if ((ret = dump(n, req, count_cb, &c.chains)))
		return ret == -ENOENT ? 1 : ret;
	get_request(n, req, NFT_MSG_GETRULE);
	if ((ret = dump(n, req, rule_cb, &c)))
		return ret == -ENOENT ? 1 : ret;
	if (c.sets != MW_SET_MAX || c.objs != ARRAY_SIZE(counters) ||
	    c.chains != ARRAY_SIZE(chains))
		return 1;
	for (i = 0; i < ARRAY_SIZE(chains); i++)
		if (c.rules[i] != chains[i].n_rules)
			return 1;
	return 0;
}

/* --- elements --- */

static const uint8_t *key_of(unsigned set, const struct mw_addr *a)
{
	return sets[set].v6 ? a->addr : a->addr + 12;
}

/* An op's key: the address; or the container's address or cgroup id (in
 * host order, as `socket cgroupv2` loads it) before the remote. */
static void build_key(const struct mw_nft_op *op, uint8_t *out)
{
	size_t alen = addr_len(op->set);

	switch (sets[op->set].kind) {
	case K_PAIR:
		memcpy(out, key_of(op->set, &op->ct_addr), alen);
		memcpy(out + alen, key_of(op->set, &op->prefix.addr), alen);
		break;
	case K_CGROUP:
		memcpy(out, &op->cgroup_id, sizeof(op->cgroup_id));
		memcpy(out + sizeof(op->cgroup_id), key_of(op->set, &op->prefix.addr), alen);
		break;
	default:
		memcpy(out, key_of(op->set, &op->prefix.addr), alen);
	}
}

/* The first address after the prefix, in the set's key space; false when
 * the prefix reaches the end of the address space. */
static bool prefix_end(unsigned set, const struct mw_prefix *p, uint8_t *out)
{
	size_t len = addr_len(set), i;
	unsigned bits = sets[set].v6 ? p->len : p->len - 96;
	unsigned host = len * 8 - bits;
	int carry;

	memcpy(out, key_of(set, &p->addr), len);
	if (host == len * 8)
		return false; /* /0 */
	/* add 1 << host to the big-endian number */
	i = len - 1 - host / 8;
	carry = 1 << (host % 8);
	for (;; i--) {
		int v = out[i] + carry;

		out[i] = v & 0xff;
		carry = v >> 8;
		if (!carry)
			return true;
		if (i == 0)
			return false;
	}
}

/* An element's comment as it is stored: text (any bytes a reason carried
 * become printable UTF-8, util.h), and no double quote, which `nft list`
 * prints unescaped inside its own quotes, so that its output still loads
 * with `nft -f`. Returns its length. */
static size_t safe_comment(const char *in, char out[MW_NFT_COMMENT_MAX])
{
	size_t n = mw_sanitize_utf8(out, MW_NFT_COMMENT_MAX, in, strlen(in)), i;

	for (i = 0; i < n; i++)
		if (out[i] == '"')
			out[i] = '\'';
	return n;
}

static struct nftnl_set_elem *make_elem(unsigned set, const uint8_t *key, uint32_t flags,
					const struct mw_nft_op *op)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();

	if (!e)
		return NULL;
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, key_len(set));
	if (flags)
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, flags);
	/* the kernel takes a timeout on a range's start, not on its end */
	if (!op->del && op->timeout_ms && sets[set].timeout && !flags)
		nftnl_set_elem_set_u64(e, NFTNL_SET_ELEM_TIMEOUT, op->timeout_ms);
	if (!op->del && op->comment[0] && !flags) {
		struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(MW_NFT_COMMENT_MAX + 16);
		char comment[MW_NFT_COMMENT_MAX];

		safe_comment(op->comment, comment);
		if (ud) {
			nftnl_udata_put_strz(ud, NFTNL_UDATA_SET_ELEM_COMMENT, comment);
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_USERDATA, nftnl_udata_buf_data(ud),
					   nftnl_udata_buf_len(ud));
			nftnl_udata_buf_free(ud);
		}
	}
	return e;
}

/* Elements of one message; a range of ops that share set and kind. The
 * elements travel in one nested attribute, whose length is 16 bits: a
 * message holds at most GROUP_MAX elements and NEST_BUDGET bytes of them,
 * never more than the 64 KiB the length can say. */
#define GROUP_MAX 512
#define NEST_BUDGET 60000
#define ELEM_ROOM 192 /* bytes one element takes at most (key, timeout, comment) */

/* Netlink bytes of one op's elements at most: nest, key, flags, timeout,
 * comment, each attribute header and padding; twice for a range. */
static size_t elem_bytes(const struct mw_nft_op *op)
{
	char comment[MW_NFT_COMMENT_MAX];
	size_t one =
		4 + 4 + 32 + 8 + 12 + 8 + ((safe_comment(op->comment, comment) + 1 + 3) & ~3UL) + 8;

	return sets[op->set].interval ? 2 * one : one;
}

static void add_elem_msg(struct batch *b, struct mw_nft *n, struct mw_nft_op *ops,
			 const size_t *idx, size_t count)
{
	const struct mw_nft_op *first = &ops[idx[0]];
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	uint8_t end[16], key[MAX_KEY];
	size_t i;

	nftnl_set_set_str(s, NFTNL_SET_TABLE, MW_NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, sets[first->set].name);
	for (i = 0; i < count; i++) {
		const struct mw_nft_op *op = &ops[idx[i]];

		build_key(op, key);
		nftnl_set_elem_add(s, make_elem(op->set, key, 0, op));
		/* an interval set holds a range as its start and the first address
		 * past its end, flagged as such */
		if (sets[op->set].interval && prefix_end(op->set, &op->prefix, end))
			nftnl_set_elem_add(s,
					   make_elem(op->set, end, NFT_SET_ELEM_INTERVAL_END, op));
	}
	nlh = nftnl_nlmsg_build_hdr(batch_next(b),
				    first->del ? NFT_MSG_DELSETELEM : NFT_MSG_NEWSETELEM,
				    NFPROTO_INET, (first->del ? 0 : NLM_F_CREATE) | NLM_F_ACK,
				    n->seq);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	batch_commit_msg(b, n);
}

size_t mw_nft_build_elems(char *buf, size_t cap, struct mw_nft_op *ops, size_t n_ops)
{
	struct mw_nft dummy = { .seq = 1 };
	size_t *idx = calloc(n_ops + 1, sizeof(*idx)), i, len;
	struct batch b = { .buf = buf, .cap = cap };

	if (!idx || cap < n_ops * 2 * ELEM_ROOM + MSG_ROOM) {
		free(idx);
		return 0;
	}
	for (i = 0; i < n_ops; i++)
		idx[i] = i;
	add_elem_msg(&b, &dummy, ops, idx, n_ops);
	len = b.len;
	free(idx);
	return len;
}

/*
 * Applies @ops: first in messages of up to GROUP_MAX elements (fast); when
 * the kernel refuses the transaction, again with one message per element,
 * which names the elements at fault; those are taken out and the rest sent
 * until it commits.
 */
int mw_nft_apply(struct mw_nft *n, struct mw_nft_op *ops, size_t n_ops)
{
	size_t *idx = calloc(n_ops + 1, sizeof(*idx)), n_idx = 0, i;
	size_t group = GROUP_MAX;
	int tries, ret = 0, failed = 0;

	if (!idx)
		return -ENOMEM;
	for (i = 0; i < n_ops; i++) {
		ops[i].err = 0;
		if (ops[i].set >= MW_SET_MAX) {
			ops[i].err = -EINVAL;
			failed++;
			continue;
		}
		idx[n_idx++] = i;
	}
	for (tries = 0; n_idx && tries < MAX_TRIES + 1; tries++) {
		struct batch b;
		size_t kept = 0, start;

		/* room: every element twice (ranges), plus message headers */
		ret = batch_init(&b, n, n_idx, 2 * n_idx * ELEM_ROOM);
		if (ret) {
			batch_free(&b);
			break;
		}
		for (start = 0; start < n_idx;) {
			size_t count = 1, bytes = elem_bytes(&ops[idx[start]]);

			while (count < group && start + count < n_idx &&
			       ops[idx[start + count]].set == ops[idx[start]].set &&
			       ops[idx[start + count]].del == ops[idx[start]].del &&
			       bytes + elem_bytes(&ops[idx[start + count]]) <= NEST_BUDGET) {
				bytes += elem_bytes(&ops[idx[start + count]]);
				count++;
			}
			add_elem_msg(&b, n, ops, idx + start, count);
			start += count;
		}
		ret = batch_talk(&b, n);
		if (ret <= 0) {
			batch_free(&b);
			break; /* committed, or could not talk */
		}
		if (group > 1) {
			/* nothing was committed; find the culprits one by one */
			group = 1;
			batch_free(&b);
			ret = 0;
			continue;
		}
		/* one element per message: take out what failed, send the rest */
		for (i = 0; i < n_idx; i++) {
			struct mw_nft_op *op = &ops[idx[i]];
			int err = b.errs[i];

			if (!err) {
				idx[kept++] = idx[i];
			} else if (op->del && err == -ENOENT) {
				op->err = 0; /* already gone (expired): that is the goal */
			} else {
				op->err = err;
				failed++;
			}
		}
		n_idx = kept;
		batch_free(&b);
		ret = 0;
	}
	free(idx);
	if (ret < 0)
		return ret;
	return failed;
}

/* An element as dumped; interval sets pair starts and ends afterwards. */
struct raw_elem {
	uint8_t key[MAX_KEY];
	bool end;
	struct mw_nft_elem el;
};

struct list_ctx {
	unsigned set;
	struct raw_elem *raw;
	size_t n, cap;
	int err;
};

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	/* written by anyone with CAP_NET_ADMIN: read as any bytes, kept as text */
	if (nftnl_udata_type(attr) == NFTNL_UDATA_SET_ELEM_COMMENT)
		mw_sanitize_utf8(data, MW_NFT_COMMENT_MAX, nftnl_udata_get(attr),
				 strnlen(nftnl_udata_get(attr), nftnl_udata_len(attr)));
	return 0;
}

static int counter_cb(struct nftnl_expr *e, void *data)
{
	struct mw_nft_elem *el = data;

	if (!strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "counter")) {
		el->packets = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
		el->bytes = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
		el->counted = true;
	}
	return 0;
}

/* The prefix length of [start, end) in a key space of @len bytes; @end NULL
 * means the range reaches the top. Returns -1 when it is not a prefix. */
static int range_len(size_t len, const uint8_t *start, const uint8_t *end)
{
	uint8_t diff[16];
	unsigned bits = 0;
	int i, borrow = 0;

	/* diff = end - start (or 0 - start, modulo the space, for the top):
	 * a power of two for a prefix */
	for (i = len - 1; i >= 0; i--) {
		int v = (end ? end[i] : 0) - start[i] - borrow;

		borrow = v < 0;
		diff[i] = v & 0xff;
	}
	for (i = len - 1; i >= 0; i--) {
		if (diff[i] == 0) {
			bits += 8;
			continue;
		}
		if (diff[i] & (diff[i] - 1))
			return -1;
		bits += __builtin_ctz(diff[i]);
		return len * 8 - bits;
	}
	return 0; /* the whole space */
}

static int elems_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct list_ctx *c = arg;
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;

	if (!s || nftnl_set_elems_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		return MNL_CB_OK;
	}
	it = nftnl_set_elems_iter_create(s);
	for (e = it ? nftnl_set_elems_iter_next(it) : NULL; e; e = nftnl_set_elems_iter_next(it)) {
		uint32_t klen = 0, flags = 0;
		const uint8_t *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
		struct raw_elem *r;

		if (!key || klen != key_len(c->set))
			continue;
		if (mw_grow(&c->raw, &c->cap, c->n, sizeof(*c->raw), 256)) {
			c->err = -ENOMEM;
			break;
		}
		r = &c->raw[c->n++];
		memset(r, 0, sizeof(*r));
		memcpy(r->key, key, klen);
		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS))
			flags = nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS);
		r->end = flags & NFT_SET_ELEM_INTERVAL_END;
		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_TIMEOUT))
			r->el.timeout_ms = nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_TIMEOUT);
		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_EXPIRATION))
			r->el.expires_ms = nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_EXPIRATION);
		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_USERDATA)) {
			uint32_t ulen = 0;
			const void *ud = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &ulen);

			nftnl_udata_parse(ud, ulen, comment_cb, r->el.comment);
		}
		nftnl_set_elem_expr_foreach(e, counter_cb, &r->el);
	}
	nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	return MNL_CB_OK;
}

static size_t g_cmp_len;

static int cmp_raw(const void *a, const void *b)
{
	return memcmp(((const struct raw_elem *)a)->key, ((const struct raw_elem *)b)->key,
		      g_cmp_len);
}

static void key_to_addr(unsigned set, const uint8_t *key, struct mw_addr *a)
{
	if (sets[set].v6) {
		memcpy(a->addr, key, 16);
	} else {
		struct in_addr in;

		memcpy(&in, key, 4);
		mw_addr_from_v4(a, &in);
	}
}

/* A dumped key back into the element's fields (see build_key). */
static void key_to_elem(unsigned set, const uint8_t *key, struct mw_nft_elem *el)
{
	size_t alen = addr_len(set);

	switch (sets[set].kind) {
	case K_PAIR:
		key_to_addr(set, key, &el->ct_addr);
		key_to_addr(set, key + alen, &el->prefix.addr);
		break;
	case K_CGROUP:
		memcpy(&el->cgroup_id, key, sizeof(el->cgroup_id));
		key_to_addr(set, key + sizeof(el->cgroup_id), &el->prefix.addr);
		break;
	default:
		key_to_addr(set, key, &el->prefix.addr);
	}
}

/* Turns dumped elements into prefixes: each start with the end after it. */
static long fold(struct list_ctx *c, struct mw_nft_elem **out)
{
	size_t len = addr_len(c->set), i, n = 0;
	struct mw_nft_elem *els = calloc(c->n + 1, sizeof(*els));

	if (!els)
		return -ENOMEM;
	g_cmp_len = len;
	if (sets[c->set].interval && c->n)
		qsort(c->raw, c->n, sizeof(*c->raw), cmp_raw);
	for (i = 0; i < c->n; i++) {
		struct raw_elem *r = &c->raw[i];
		int plen = (int)len * 8;

		if (r->end)
			continue; /* an end without its start (the leading 0 of nft) */
		if (sets[c->set].interval) {
			bool has_end = i + 1 < c->n && c->raw[i + 1].end;

			plen = range_len(len, r->key, has_end ? c->raw[i + 1].key : NULL);
			if (plen < 0)
				continue; /* a range that is no prefix: not ours */
		}
		els[n] = r->el;
		key_to_elem(c->set, r->key, &els[n]);
		els[n].prefix.len = sets[c->set].v6 ? plen : plen + 96;
		n++;
	}
	*out = els;
	return n;
}

long mw_nft_list(struct mw_nft *n, unsigned set, struct mw_nft_elem **out)
{
	char req[MNL_SOCKET_BUFFER_SIZE];
	struct list_ctx c = { .set = set };
	struct nftnl_set *s;
	struct nlmsghdr *nlh;
	int ret;

	memset(req, 0, sizeof(req)); /* attribute padding goes out too */
	if (set >= MW_SET_MAX)
		return -EINVAL;
	s = nftnl_set_alloc();
	if (!s)
		return -ENOMEM;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, MW_NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, sets[set].name);
	nlh = nftnl_nlmsg_build_hdr(req, NFT_MSG_GETSETELEM, NFPROTO_INET, NLM_F_DUMP | NLM_F_ACK,
				    n->seq++);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	ret = dump(n, req, elems_cb, &c);
	if (!ret)
		ret = c.err;
	if (!ret)
		ret = fold(&c, out);
	free(c.raw);
	return ret;
}
