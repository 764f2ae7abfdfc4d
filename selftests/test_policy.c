// SPDX-License-Identifier: GPL-2.0-only
/* test_policy.c - the block policy at scale, without nftables (nft NULL) and
 * without BPF maps: the index by prefix and the active counts kept as
 * entries come and go, checked against a walk after every step; each
 * method's share of the cap; and the time a block request takes at 10k and
 * 100k entries. */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/addr.h"
#include "parse/config.h"
#include "enforce/policy.h"
#include "test.h"
#include "lib/util.h"

struct fixture {
	char dir[64];
	struct mw_config cfg;
	struct mw_allow allow;
	struct mw_policy p;
};

/* A policy with no nftables and no XDP maps: the ledger and the counts only. */
static int policy_init(struct mw_policy *p, const struct mw_config *cfg, struct mw_allow *allow)
{
	struct mw_policy_deps deps = { .allow = allow, .block_fd = -1, .block_net_fd = -1 };

	return mw_policy_init(p, cfg, &deps);
}

static bool fixture_init(struct fixture *f, uint64_t max_blocks, uint64_t share)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/mw-policy-XXXXXX");
	mw_config_defaults(&f->cfg);
	if (!ASSERT_TRUE(mkdtemp(f->dir), "temporary state directory"))
		return false;
	snprintf(f->cfg.state_dir, sizeof(f->cfg.state_dir), "%s", f->dir);
	f->cfg.max_blocks = max_blocks;
	f->cfg.method_share = share;
	return ASSERT_EQ(policy_init(&f->p, &f->cfg, &f->allow), 0, "policy");
}

static void fixture_free(struct fixture *f)
{
	char path[PATH_MAX];

	mw_policy_free(&f->p);
	snprintf(path, sizeof(path), "%s/ledger.json", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/ledger.json.tmp", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/ledger_containers.json", f->dir);
	unlink(path);
	rmdir(f->dir);
}

/* The @i-th test address: 0..59999 IPv4 in 198.18.0.0/15 (RFC 2544, for
 * benchmarks), then IPv6 in 2001:db8::/32, each in a /64 of its own: even
 * ones blocked as their /64 (ipv6_prefix), odd ones exact (/128). */
#define N_V4 60000u
static void nth_addr(unsigned i, char *buf, size_t len, bool *exact)
{
	*exact = false;
	if (i < N_V4) {
		snprintf(buf, len, "198.%u.%u.%u", 18 + (i >> 16), (i >> 8) & 0xff, i & 0xff);
		return;
	}
	i -= N_V4;
	*exact = i & 1;
	snprintf(buf, len, "2001:db8:%x:%x::%x", i >> 16, i & 0xffff, 0x10 + (i & 0xff));
}

static enum mw_block_result block_nth(struct mw_policy *p, unsigned i, const char *method,
				      uint64_t timeout_ms)
{
	struct mw_block_req req = { .method = method, .reason = "test", .timeout_ms = timeout_ms };
	char addr[64], msg[256];

	nth_addr(i, addr, sizeof(addr), &req.exact);
	if (mw_prefix_parse(addr, &req.target))
		return MW_REFUSED_CAP;
	return mw_policy_block(p, &req, msg, sizeof(msg));
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void fill(struct mw_policy *p, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		block_nth(p, i, i % 2 ? "SSHDICT" : "BPATTERNS", 0);
}

/* Time per block request (a new address each) and per unblock, at @n
 * entries already held. */
static void bench_at(unsigned n)
{
	const unsigned reqs = 2000;
	struct fixture f;
	char msg[256];
	double t0, t_block, t_unblock, t_tick, t_save;
	unsigned i;

	if (!fixture_init(&f, 1000000, 50))
		return;
	fill(&f.p, n);
	ASSERT_EQ(mw_policy_active(&f.p), n, "filled");
	t0 = now_us();
	for (i = 0; i < reqs; i++)
		ASSERT_EQ(block_nth(&f.p, 200000 + i, "SSHDICT", 0), MW_BLOCKED, "bench block");
	t_block = (now_us() - t0) / reqs;
	t0 = now_us();
	for (i = 0; i < reqs; i++) {
		struct mw_prefix pf;
		char addr[64];
		bool exact;

		nth_addr(200000 + i, addr, sizeof(addr), &exact);
		mw_prefix_parse(addr, &pf);
		ASSERT_EQ(mw_policy_unblock(&f.p, &pf, msg, sizeof(msg)), 0, "bench unblock");
	}
	t_unblock = (now_us() - t0) / reqs;
	/* the periodic costs, O(n) both: the tick's walk for expiry, and the
	 * ledger written when something changed */
	mw_policy_save(&f.p);
	t0 = now_us();
	mw_policy_tick(&f.p);
	t_tick = now_us() - t0;
	t0 = now_us();
	mw_policy_save(&f.p);
	t_save = now_us() - t0;
	ASSERT_TRUE(t_save < 50000 || f.p.ledger_next_ns >= mw_now_ns() + 19 * t_save * 1000,
		    "a long ledger write holds the next one back");
	printf("    policy: at %6u entries: %8.2f us per block request, %8.2f us per unblock, tick %.0f us, ledger write %.0f us (%s)\n",
	       n, t_block, t_unblock, t_tick, t_save, "after: indexed");
	fixture_free(&f);
}

static void t_bench(void *arg)
{
	bench_at(10000);
	bench_at(100000);
}

static bool check(struct mw_policy *p, const char *step)
{
	char why[200] = "";
	int ret = mw_policy_check(p, why, sizeof(why));

	if (ret)
		fprintf(stderr, "    self-check after %s: %s\n", step, why);
	return ASSERT_EQ(ret, 0, step);
}

static const char *const methods[] = { "SSHDICT", "HTTPDICT", "BPATTERNS", "CROWDSEC",
				       MW_METHOD_MANUAL };
#define N_METHODS (sizeof(methods) / sizeof(methods[0]))

static const char *method_of(unsigned i)
{
	return methods[i % N_METHODS];
}

/* What a walk of the entries counts, for comparison with the kept counts
 * through the public functions. */
static size_t walk_active(const struct mw_policy *p, const char *method)
{
	size_t i, n = 0;

	for (i = 0; i < p->n; i++)
		n += p->entries[i].active && (!method || !strcmp(p->entries[i].method, method));
	return n;
}

static bool counts_right(struct mw_policy *p, size_t want, const char *step)
{
	bool ok = ASSERT_EQ(mw_policy_active(p), want, step);
	unsigned m;

	ok &= ASSERT_EQ(walk_active(p, NULL), want, step);
	for (m = 0; m < N_METHODS; m++)
		ok &= ASSERT_EQ(mw_policy_active_method(p, methods[m]), walk_active(p, methods[m]),
				methods[m]);
	return ok && check(p, step);
}

/* The entry that holds the @i-th test address (a walk: for a few only). */
static struct mw_block_entry *entry_of(struct mw_policy *p, unsigned i)
{
	struct mw_prefix pf;
	char addr[64];
	bool exact;
	size_t k;

	nth_addr(i, addr, sizeof(addr), &exact);
	mw_prefix_parse(addr, &pf);
	for (k = 0; k < p->n; k++)
		if (!memcmp(&p->entries[k].seen, &pf.addr, sizeof(pf.addr)))
			return &p->entries[k];
	return NULL;
}

#define N_BIG 100000u

static void t_scale(void *arg)
{
	struct fixture f;
	struct mw_policy *p = &f.p;
	char msg[256];
	unsigned i, expired = 0;
	int64_t now = time(NULL);
	size_t active, n_before;
	bool ok = true;

	/* the cap far above, a share no method reaches */
	if (!fixture_init(&f, 1000000, 50))
		return;
	for (i = 0; i < N_BIG && ok; i++)
		ok = ASSERT_EQ(block_nth(p, i, method_of(i), 0), MW_BLOCKED, "a new block");
	ASSERT_EQ(p->n, N_BIG, "one entry each");
	if (!counts_right(p, N_BIG, "100k blocks"))
		goto out;
	ASSERT_EQ(p->n_len[128], N_V4 + (N_BIG - N_V4) / 2, "v4 and exact v6: length 128");
	ASSERT_EQ(p->n_len[64], (N_BIG - N_V4) / 2, "v6 by its /64");

	/* each found again: a shorter ban keeps the longer one, no new entry */
	for (i = 0, ok = true; i < N_BIG && ok; i++)
		ok = ASSERT_EQ(block_nth(p, i, method_of(i), 1000), MW_BLOCK_KEPT, "found");
	ASSERT_EQ(p->n, N_BIG, "no entry added by a lookup");
	ASSERT_EQ(entry_of(p, 12345)->count, 2, "the offence counted");
	if (!counts_right(p, N_BIG, "100k lookups"))
		goto out;

	/* half unblocked: the even ones, IPv6 /64s by the address seen */
	for (i = 0, ok = true; i < N_BIG && ok; i += 2) {
		struct mw_prefix pf;
		char addr[64];
		bool exact;

		nth_addr(i, addr, sizeof(addr), &exact);
		mw_prefix_parse(addr, &pf);
		ok = ASSERT_EQ(mw_policy_unblock(p, &pf, msg, sizeof(msg)), 0, msg);
		ok &= ASSERT_EQ(mw_policy_unblock(p, &pf, msg, sizeof(msg)), -ENOENT, "only once");
	}
	if (!counts_right(p, N_BIG / 2, "half unblocked"))
		goto out;

	/* some expire: every 10th of the odd ones, due a second ago (the
	 * entries are in the order they came, one per address so far) */
	ASSERT_TRUE(entry_of(p, N_BIG - 1) == &p->entries[N_BIG - 1], "entries in order");
	for (i = 1; i < N_BIG; i += 20) {
		p->entries[i].expires_s = now - 1;
		expired++;
	}
	mw_policy_tick(p);
	ASSERT_EQ(p->n, N_BIG, "expired entries are kept for escalation");
	if (!counts_right(p, N_BIG / 2 - expired, "expiry"))
		goto out;

	/* the unblocked ones stayed away long enough: forgotten, the entries
	 * compacted and the index rebuilt */
	for (i = 0; i < N_BIG; i += 2)
		p->entries[i].last_s = now - (int64_t)(f.cfg.forget_ms / 1000) - 10;
	mw_policy_tick(p);
	ASSERT_EQ(p->n, N_BIG / 2, "the forgotten are gone");
	if (!counts_right(p, N_BIG / 2 - expired, "compaction"))
		goto out;

	/* the expired come back: their count goes on (2 -> 3), the ban escalates;
	 * the forgotten come back as first offenders */
	n_before = p->n;
	ASSERT_EQ(block_nth(p, 1, method_of(1), 0), MW_BLOCKED, "an expired one again");
	ASSERT_EQ(entry_of(p, 1)->count, 3, "escalation count kept");
	ASSERT_EQ(entry_of(p, 1)->timeout_ms, mw_policy_ban_ms(&f.cfg, 3), "escalated ban");
	ASSERT_EQ(block_nth(p, 2, method_of(2), 0), MW_BLOCKED, "a forgotten one again");
	ASSERT_EQ(entry_of(p, 2)->count, 1, "a first offence again");
	ASSERT_EQ(p->n, n_before + 1, "only the forgotten one is new");
	active = N_BIG / 2 - expired + 2;
	if (!counts_right(p, active, "re-block"))
		goto out;

	/* a method change moves an active entry between the counts */
	{
		size_t ssh = mw_policy_active_method(p, "SSHDICT");

		ASSERT_STREQ(method_of(5), "SSHDICT", "entry 5");
		ASSERT_EQ(block_nth(p, 5, "BPATTERNS", 1000), MW_BLOCK_KEPT, "another method");
		ASSERT_EQ(mw_policy_active_method(p, "SSHDICT"), ssh - 1, "out of SSHDICT");
		if (!counts_right(p, active, "method change"))
			goto out;
	}

	/* the ledger holds the same: counts loaded with it */
	ASSERT_EQ(mw_policy_save(p), 0, "ledger written");
	mw_policy_free(p);
	if (!ASSERT_EQ(policy_init(p, &f.cfg, &f.allow), 0, "reloaded"))
		goto out;
	ASSERT_EQ(p->n, n_before + 1, "every entry back");
	ASSERT_EQ(entry_of(p, 1)->count, 3, "the count back");
	if (!counts_right(p, active, "ledger load"))
		goto out;

	/* without an index (no memory for it) lookups walk, and stay right */
	free(p->index);
	p->index = NULL;
	p->index_cap = 0;
	ASSERT_EQ(block_nth(p, 3, method_of(3), 1000), MW_BLOCK_KEPT, "found by a walk");
	ASSERT_EQ(block_nth(p, 200001, "SSHDICT", 0), MW_BLOCKED, "added, the index rebuilt");
	ASSERT_TRUE(p->index != NULL, "index back");
	if (!counts_right(p, active + 1, "index rebuilt"))
		goto out;

	ASSERT_EQ(mw_policy_flush(p), 0, "flush");
	ASSERT_EQ(p->n_active_exact, 0, "no exact entry left");
	if (!counts_right(p, 0, "flush"))
		goto out;

	/* at start, what nftables holds wins over the ledger: without
	 * nftables, nothing is in force */
	ASSERT_EQ(block_nth(p, 7, "SSHDICT", 0), MW_BLOCKED, "blocked again");
	ASSERT_EQ(mw_policy_reconcile(p, true), 0, "reconciled");
	counts_right(p, 0, "reconcile");
out:
	fixture_free(&f);
}

static enum mw_block_result block_str(struct mw_policy *p, const char *addr, const char *method,
				      bool exact)
{
	struct mw_block_req req = { .method = method, .reason = "test", .exact = exact };
	char msg[256];

	if (mw_prefix_parse(addr, &req.target))
		return MW_REFUSED_CAP;
	return mw_policy_block(p, &req, msg, sizeof(msg));
}

static int unblock_str(struct mw_policy *p, const char *addr)
{
	struct mw_prefix pf;
	char msg[256];

	if (mw_prefix_parse(addr, &pf))
		return -EINVAL;
	return mw_policy_unblock(p, &pf, msg, sizeof(msg));
}

static void t_share(void *arg)
{
	struct fixture f;
	struct mw_policy *p = &f.p;
	char addr[64];
	unsigned i;

	/* as the share test of test_unit: a cap of 100, 20% a method */
	if (!fixture_init(&f, 100, 20))
		return;
	for (i = 0; i < 25; i++) {
		snprintf(addr, sizeof(addr), "198.51.100.%u", i + 1);
		ASSERT_EQ(block_str(p, addr, "SSHDICT", false),
			  i < 20 ? MW_BLOCKED : MW_REFUSED_SHARE, "SSHDICT up to its share");
	}
	ASSERT_EQ(mw_policy_active_method(p, "SSHDICT"), 20, "20 held");
	ASSERT_EQ(p->refused_share[MW_M_SSHDICT], 5, "5 refused");
	/* a block in force is renewed, never refused */
	ASSERT_EQ(block_str(p, "198.51.100.1", "SSHDICT", false), MW_BLOCKED, "repeat offender");
	/* one freed: one more fits, then refused again */
	ASSERT_EQ(unblock_str(p, "198.51.100.2"), 0, "unblocked");
	ASSERT_EQ(block_str(p, "198.51.100.30", "SSHDICT", false), MW_BLOCKED, "room again");
	ASSERT_EQ(block_str(p, "198.51.100.31", "SSHDICT", false), MW_REFUSED_SHARE, "full again");
	/* the operator's blocks do not count against the unnamed methods */
	for (i = 0; i < 30; i++) {
		snprintf(addr, sizeof(addr), "192.0.2.%u", i + 1);
		ASSERT_EQ(block_str(p, addr, MW_METHOD_MANUAL, false), MW_BLOCKED, "MANUAL");
	}
	for (i = 0; i < 21; i++) {
		snprintf(addr, sizeof(addr), "203.0.113.%u", i + 1);
		ASSERT_EQ(block_str(p, addr, "CROWDSEC", false),
			  i < 20 ? MW_BLOCKED : MW_REFUSED_SHARE, "an unnamed method's share");
	}
	ASSERT_EQ(mw_policy_active_method(p, MW_METHOD_MANUAL), 30, "MANUAL apart");
	ASSERT_EQ(mw_policy_active_method(p, "CROWDSEC"), 20, "CROWDSEC its own");
	/* an entry that changes method frees room in the old one */
	ASSERT_EQ(block_str(p, "198.51.100.3", "BPATTERNS", false), MW_BLOCKED, "BPATTERNS");
	ASSERT_EQ(mw_policy_active_method(p, "SSHDICT"), 19, "out of SSHDICT's share");
	ASSERT_EQ(block_str(p, "198.51.100.31", "SSHDICT", false), MW_BLOCKED, "room in SSHDICT");
	/* the cap: 100 in all */
	for (i = 0; i < 40; i++) {
		snprintf(addr, sizeof(addr), "192.0.2.%u", 100 + i);
		block_str(p, addr, MW_METHOD_MANUAL, false);
	}
	ASSERT_EQ(mw_policy_active(p), 100, "the cap holds");
	ASSERT_EQ(block_str(p, "192.0.2.250", MW_METHOD_MANUAL, false), MW_REFUSED_CAP, "capped");
	check(p, "share");
	fixture_free(&f);
}

static void t_ipv6(void *arg)
{
	struct fixture f;
	struct mw_policy *p = &f.p;
	size_t n;

	if (!fixture_init(&f, 1000, 100))
		return;
	ASSERT_EQ(f.cfg.ipv6_prefix, 64, "default: an IPv6 attacker owns its /64");
	/* an address brings its /64; another address of that /64 finds it */
	ASSERT_EQ(block_str(p, "2001:db8:1:1::7", "SSHDICT", false), MW_BLOCKED, "/64");
	n = p->n;
	ASSERT_EQ(p->entries[n - 1].prefix.len, 64, "blocked as /64");
	ASSERT_EQ(block_str(p, "2001:db8:1:1::8", "SSHDICT", false), MW_BLOCKED,
		  "same /64, escalated");
	ASSERT_EQ(p->n, n, "the same entry");
	ASSERT_EQ(p->entries[n - 1].count, 2, "two offences");
	/* an exact /128 inside that /64 is an entry of its own */
	ASSERT_EQ(block_str(p, "2001:db8:1:1::5", MW_METHOD_MANUAL, true), MW_BLOCKED, "/128");
	ASSERT_EQ(p->n, n + 1, "a second entry");
	ASSERT_EQ(p->n_active_exact, 1, "one exact");
	ASSERT_EQ(block_str(p, "2001:db8:1:2::/64", "SSHDICT", false), MW_BLOCKED, "a /64");
	check(p, "v6 blocks");
	/* unblock ::5 lifts the /128 only; ::7 (no longer the address seen)
	 * nothing; ::8 (seen) the /64; the /64 by its prefix */
	ASSERT_EQ(unblock_str(p, "2001:db8:1:1::5"), 0, "the /128");
	ASSERT_EQ(mw_policy_active(p), 2, "the /64s stay");
	ASSERT_EQ(unblock_str(p, "2001:db8:1:1::7"), -ENOENT, "not the address seen");
	ASSERT_EQ(unblock_str(p, "2001:db8:1:1::8"), 0, "the /64 by its address seen");
	ASSERT_EQ(unblock_str(p, "2001:db8:1:2::/64"), 0, "the /64 by its prefix");
	ASSERT_EQ(mw_policy_active(p), 0, "none left");
	check(p, "v6 unblocks");
	/* a /64 by the address seen when both it and an exact entry of that
	 * very address are blocked: both go */
	ASSERT_EQ(block_str(p, "2001:db8:1:3::9", "SSHDICT", false), MW_BLOCKED, "/64");
	ASSERT_EQ(block_str(p, "2001:db8:1:3::9", MW_METHOD_MANUAL, true), MW_BLOCKED, "/128");
	ASSERT_EQ(unblock_str(p, "2001:db8:1:3::9"), 0, "both");
	ASSERT_EQ(mw_policy_active(p), 0, "both lifted");
	/* IPv4 prefixes in the mapped space: found by prefix and by address */
	ASSERT_EQ(block_str(p, "198.51.100.0/24", MW_METHOD_MANUAL, false), MW_BLOCKED, "v4 /24");
	ASSERT_EQ(p->n_len[120], 1, "a /24 is /120 mapped");
	ASSERT_EQ(unblock_str(p, "198.51.100.0/24"), 0, "by prefix");
	check(p, "v4 prefix");
	/* the tick writes the ledger when it changed, but not sooner than its
	 * last write's cost allows */
	ASSERT_TRUE(p->dirty, "changed");
	p->ledger_next_ns = UINT64_MAX;
	mw_policy_tick(p);
	ASSERT_TRUE(p->dirty, "not written before its time");
	p->ledger_next_ns = 0;
	mw_policy_tick(p);
	ASSERT_TRUE(!p->dirty, "written");
	ASSERT_TRUE(p->ledger_next_ns < mw_now_ns() + 1000000000ULL,
		    "the next write after a small ledger: soon");
	fixture_free(&f);
}

static enum mw_block_result share_block(struct mw_policy *p, const char *addr, const char *method)
{
	struct mw_block_req req = { .method = method, .reason = "unit" };
	char msg[256];

	mw_prefix_parse(addr, &req.target);
	return mw_policy_block(p, &req, msg, sizeof(msg));
}

/* The last event the policy told, as text, and how many. */
struct heard {
	char last[1024];
	const struct mw_ct_scope *ct; /* the entry's, while it is told */
	bool had_ct;
	unsigned n;
};

static void hear(void *arg, const char *type, const struct mw_block_entry *e, const char *action,
		 json_t *ev)
{
	struct heard *h = arg;
	char *text = json_dumps(ev, JSON_COMPACT);

	snprintf(h->last, sizeof(h->last), "%s %s %s", type, action, text ? text : "");
	h->had_ct = e->ct != NULL;
	h->n++;
	free(text);
	json_decref(ev);
}

static enum mw_block_result ct_block(struct mw_policy *p, const char *remote, const char *ct_addr,
				     uint64_t cgroup, const char *name, uint64_t timeout_ms)
{
	struct mw_ct_scope sc = { .cgroup_id = cgroup };
	struct mw_block_req req = {
		.method = "BLACKLIST", .reason = "pool", .timeout_ms = timeout_ms, .container = &sc
	};
	char msg[256];

	if (ct_addr)
		mw_addr_parse(ct_addr, &sc.addr);
	snprintf(sc.name, sizeof(sc.name), "%s", name);
	snprintf(sc.id, sizeof(sc.id), "%s0123456789abcdef", name);
	mw_prefix_parse(remote, &req.target);
	return mw_policy_block(p, &req, msg, sizeof(msg));
}

/* Container blocks: refusals, per-container escalation, the shared cap,
 * events with the scope, unblocks, expiry, the ledger across a restart. */
static void t_container(void *arg)
{
	struct heard h = { 0 };
	struct mw_prefix r, allowed;
	struct fixture f;
	struct mw_policy *p = &f.p;
	char msg[256];
	size_t i;

	if (!fixture_init(&f, 5, 100))
		return;
	p->notify = hear;
	p->notify_arg = &h;
	ASSERT_EQ(ct_block(p, "203.0.113.10", NULL, 0, "none", 0), MW_REFUSED_SCOPE,
		  "a container with neither address nor cgroup");
	ASSERT_EQ(ct_block(p, "203.0.113.0/24", "172.31.5.2", 0, "a", 0), MW_REFUSED_SCOPE,
		  "a prefix");
	ASSERT_EQ(ct_block(p, "2001:db8::10", "172.31.5.2", 0, "a", 0), MW_REFUSED_SCOPE,
		  "an IPv6 remote for an IPv4-only container");
	mw_prefix_parse("198.51.100.0/24", &allowed);
	mw_allow_add(&f.allow, &allowed);
	ASSERT_EQ(ct_block(p, "198.51.100.7", "172.31.5.2", 0, "a", 0), MW_REFUSED_ALLOW,
		  "an allowlisted remote");
	ASSERT_EQ(ct_block(p, "203.0.113.10", "198.51.100.9", 0, "a", 0), MW_REFUSED_ALLOW,
		  "a container whose address is allowlisted: forward accepts it first");
	ASSERT_EQ(ct_block(p, "203.0.113.10", "198.51.100.9", 99, "a", 0), MW_BLOCKED,
		  "the same with a cgroup: blocked by it");
	mw_prefix_parse("203.0.113.10", &r);
	ASSERT_EQ(mw_policy_unblock_ct(p, &r, NULL, msg, sizeof(msg)), 1, "lifted");
	h.n = 0;
	ASSERT_EQ(h.n, 0, "no event for refusals");

	ASSERT_EQ(ct_block(p, "203.0.113.10", "172.31.5.2", 0, "a", 0), MW_BLOCKED, "A");
	ASSERT_EQ(mw_policy_ct_active(p), 1, "one container block");
	ASSERT_EQ(mw_policy_active(p), 0, "no host block");
	ASSERT_TRUE(strstr(h.last,
			   "\"scope\":\"container\",\"container\":{\"id\":"
			   "\"a0123456789abcdef\",\"name\":\"a\",\"addr\":\"172.31.5.2\"") != NULL,
		    "the block event names its container");
	ASSERT_TRUE(!strncmp(h.last, "block blocked ", 14) && h.had_ct, "told with e->ct");
	/* p->ct[0] is the lifted block by cgroup above; A is ct[1], B ct[2] */
	ASSERT_EQ(p->ct[1].b.timeout_ms, f.cfg.ban_ms, "first offence: ban_time");
	ASSERT_EQ(ct_block(p, "203.0.113.10", "172.31.5.2", 0, "a", 0), MW_BLOCKED,
		  "A again: escalated");
	ASSERT_EQ(p->ct[1].b.count, 2, "two offences of A");
	ASSERT_EQ(ct_block(p, "203.0.113.10", "172.31.5.3", 0, "b", 0), MW_BLOCKED, "B");
	ASSERT_EQ(p->ct[2].b.count, 1, "B's first offence: no escalation across containers");
	ASSERT_EQ(p->ct[2].b.timeout_ms, f.cfg.ban_ms, "B: ban_time");
	ASSERT_EQ(ct_block(p, "2001:db8::10", NULL, 4242, "cg", 3600000), MW_BLOCKED,
		  "IPv6 by cgroup");
	ASSERT_EQ(share_block(p, "203.0.113.10", MW_METHOD_MANUAL), MW_BLOCKED,
		  "the host's own block of the same remote");
	ASSERT_EQ(mw_policy_active(p), 1, "one host block");
	ASSERT_EQ(ct_block(p, "203.0.113.11", "172.31.5.2", 0, "a", 0), MW_BLOCKED, "5 of 5");
	ASSERT_EQ(ct_block(p, "203.0.113.12", "172.31.5.2", 0, "a", 0), MW_REFUSED_CAP,
		  "one cap for host and containers");
	check(p, "container blocks counted");

	/* unblocks: one container, then every container and the host */
	mw_prefix_parse("203.0.113.10", &r);
	ASSERT_EQ(mw_policy_unblock_ct(p, &r, "nobody", msg, sizeof(msg)), -ENOENT,
		  "no such container");
	ASSERT_EQ(mw_policy_unblock_ct(p, &r, "b", msg, sizeof(msg)), 1, "B by name");
	ASSERT_TRUE(!strncmp(h.last, "unblock unblocked ", 18), "an unblock event");
	ASSERT_EQ(mw_policy_unblock(p, &r, msg, sizeof(msg)), 0, "the remote everywhere");
	ASSERT_STREQ(msg, "unblocked 203.0.113.10 (and for 1 container)", "says both");
	ASSERT_EQ(mw_policy_active(p), 0, "the host block went");
	ASSERT_EQ(mw_policy_ct_active(p), 2, "the others stay");
	mw_prefix_parse("2001:db8::10", &r);
	ASSERT_EQ(mw_policy_unblock_ct(p, &r, "4242", msg, sizeof(msg)), 1, "by cgroup id");
	ASSERT_EQ(ct_block(p, "2001:db8::10", NULL, 4242, "cg", 3600000), MW_BLOCKED,
		  "blocked again");

	/* the ledger keeps them, named, across a restart */
	ASSERT_EQ(mw_policy_save(p), 0, "saved");
	mw_policy_free(p);
	ASSERT_EQ(policy_init(p, &f.cfg, &f.allow), 0, "a new policy");
	ASSERT_EQ(mw_policy_ct_active(p), 2, "two container blocks read back");
	for (i = 0; i < p->n_ct && p->ct[i].ct.cgroup_id != 4242; i++)
		;
	ASSERT_TRUE(i < p->n_ct && !strcmp(p->ct[i].ct.name, "cg") && p->ct[i].b.active &&
			    p->ct[i].b.timeout_ms == 3600000,
		    "with its container and ban");

	/* expiry, and dry-run */
	p->notify = hear;
	p->notify_arg = &h;
	p->ct[i].b.expires_s = time(NULL) - 1;
	mw_policy_tick(p);
	ASSERT_EQ(mw_policy_ct_active(p), 1, "the expired one ended");
	ASSERT_TRUE(!strncmp(h.last, "unblock expired ", 16), "an expiry event");
	f.cfg.dry_run = true;
	ASSERT_EQ(ct_block(p, "203.0.113.20", "172.31.5.2", 0, "a", 0), MW_DRY_RUN, "dry run");
	ASSERT_EQ(mw_policy_ct_active(p), 1, "nothing blocked");
	ASSERT_TRUE(!strncmp(h.last, "block dry-run ", 14), "a dry-run event");
	f.cfg.dry_run = false;
	ASSERT_EQ(mw_policy_flush(p), 0, "flush");
	ASSERT_EQ(mw_policy_ct_active(p), 0, "flushed too");
	check(p, "after the flush");
	mw_allow_free(&f.allow);
	fixture_free(&f);
}

/* A container ledger with bad lines: each is refused with why, the good
 * one read, the file kept aside. */
static void t_container_ledger(void *arg)
{
	static const char *const lines[] = {
		"{\"prefix\":\"203.0.113.10\",\"seen\":\"203.0.113.10\",\"method\":\"BLACKLIST\","
		"\"reason\":\"pool\",\"count\":1,\"first\":1,\"last\":1,\"expires\":0,"
		"\"timeout_ms\":0,\"active\":true,\"container\":{\"id\":\"abc\",\"name\":\"good\","
		"\"addr\":\"172.31.5.2\",\"cgroup_id\":0}}",
		"not json",
		/* no container */
		"{\"prefix\":\"203.0.113.11\",\"seen\":\"203.0.113.11\",\"count\":1,\"first\":1,"
		"\"last\":1,\"expires\":0,\"active\":true}",
		/* a prefix */
		"{\"prefix\":\"203.0.113.0/24\",\"seen\":\"203.0.113.1\",\"count\":1,\"first\":1,"
		"\"last\":1,\"expires\":0,\"active\":true,\"container\":{\"addr\":\"172.31.5.2\"}}",
		/* neither address nor cgroup */
		"{\"prefix\":\"203.0.113.12\",\"seen\":\"203.0.113.12\",\"count\":1,\"first\":1,"
		"\"last\":1,\"expires\":0,\"active\":true,\"container\":{\"name\":\"x\"}}",
		/* a bad address, a negative cgroup */
		"{\"prefix\":\"203.0.113.13\",\"seen\":\"203.0.113.13\",\"count\":1,\"first\":1,"
		"\"last\":1,\"expires\":0,\"active\":true,\"container\":{\"addr\":\"nope\"}}",
		"{\"prefix\":\"203.0.113.14\",\"seen\":\"203.0.113.14\",\"count\":1,\"first\":1,"
		"\"last\":1,\"expires\":0,\"active\":true,\"container\":{\"cgroup_id\":-5}}",
	};
	char path[PATH_MAX + 32];
	struct fixture f;
	glob_t g;
	size_t i;
	FILE *fp;

	if (!fixture_init(&f, 100, 100))
		return;
	mw_policy_free(&f.p);
	snprintf(path, sizeof(path), "%s/ledger_containers.json", f.dir);
	fp = fopen(path, "w");
	if (!fp) {
		ASSERT_TRUE(false, "write a ledger");
		fixture_free(&f);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(lines); i++)
		fprintf(fp, "%s\n", lines[i]);
	fclose(fp);
	ASSERT_EQ(policy_init(&f.p, &f.cfg, &f.allow), 0, "read with its bad lines");
	ASSERT_EQ(f.p.n_ct, 1, "the good line only");
	ASSERT_TRUE(f.p.n_ct == 1 && !strcmp(f.p.ct[0].ct.name, "good") && f.p.ct[0].b.active,
		    "named and active");
	ASSERT_TRUE(f.p.ct_dirty, "to be written again");
	snprintf(path, sizeof(path), "%s/ledger_containers.json.corrupt-*", f.dir);
	ASSERT_TRUE(!glob(path, 0, NULL, &g) && g.gl_pathc == 1, "the original kept aside");
	for (i = 0; i < g.gl_pathc; i++)
		unlink(g.gl_pathv[i]);
	globfree(&g);
	fixture_free(&f);
}

static void t_policy_share(void *arg)
{
	char dir[] = "/tmp/mw-unit-share-XXXXXX", addr[64], path[PATH_MAX], *line = NULL;
	struct mw_allow allow = { 0 };
	struct mw_policy p;
	struct mw_config cfg;
	struct mw_prefix pf;
	enum mw_block_result r;
	size_t cap = 0, lines = 0;
	unsigned i;
	FILE *f;

	mw_config_defaults(&cfg);
	ASSERT_EQ(cfg.method_share, 50, "default share: half the cap");
	cfg.max_blocks = 3;
	ASSERT_EQ(mw_policy_share_limit(&cfg), 1, "3 at 50%: one");
	cfg.max_blocks = 1;
	cfg.method_share = 1;
	ASSERT_EQ(mw_policy_share_limit(&cfg), 1, "never less than one");
	if (!ASSERT_TRUE(mkdtemp(dir), "temporary state directory"))
		return;
	snprintf(cfg.state_dir, sizeof(cfg.state_dir), "%s", dir);
	cfg.max_blocks = 100;
	cfg.method_share = 20;
	if (!ASSERT_EQ(policy_init(&p, &cfg, &allow), 0, "policy"))
		return;
	/* SSHDICT floods: 20 blocks, then its share is full */
	for (i = 0; i < 25; i++) {
		snprintf(addr, sizeof(addr), "198.51.100.%u", i + 1);
		r = share_block(&p, addr, "SSHDICT");
		ASSERT_EQ(r, i < 20 ? MW_BLOCKED : MW_REFUSED_SHARE, "SSHDICT up to its share");
	}
	ASSERT_EQ(p.refused_share[MW_M_SSHDICT], 5, "refusals counted under SSHDICT");
	ASSERT_TRUE(p.share_warned[MW_M_SSHDICT], "warned");
	/* a block in force is extended, never refused */
	ASSERT_EQ(share_block(&p, "198.51.100.1", "SSHDICT"), MW_BLOCKED, "a repeat offender");
	/* the other methods keep their room */
	ASSERT_EQ(share_block(&p, "203.0.113.1", "BPATTERNS"), MW_BLOCKED, "BPATTERNS has room");
	ASSERT_EQ(share_block(&p, "203.0.113.2", "DIRNET"), MW_BLOCKED, "DIRNET has room");
	ASSERT_EQ(p.refused_share[MW_M_BPATTERNS], 0, "nothing refused to BPATTERNS");
	/* the operator is held to the cap only */
	for (i = 0; i < 80; i++) {
		snprintf(addr, sizeof(addr), "192.0.2.%u", i + 1);
		r = share_block(&p, addr, MW_METHOD_MANUAL);
		ASSERT_EQ(r, i < 78 ? MW_BLOCKED : MW_REFUSED_CAP, "the operator up to the cap");
	}
	ASSERT_EQ(mw_policy_active(&p), 100, "the cap holds");
	/* easing below 90% of the share warns again next time */
	for (i = 0; i < 3; i++) {
		char msg[256];

		snprintf(addr, sizeof(addr), "198.51.100.%u", i + 1);
		mw_prefix_parse(addr, &pf);
		mw_policy_unblock(&p, &pf, msg, sizeof(msg));
	}
	share_block(&p, "198.51.100.200", "SSHDICT");
	ASSERT_TRUE(!p.share_warned[MW_M_SSHDICT], "17 of 20: the warning is re-armed");
	/* share 100: one pool */
	cfg.method_share = 100;
	for (i = 0; i < 4; i++) {
		char msg[256];

		snprintf(addr, sizeof(addr), "192.0.2.%u", i + 1);
		mw_prefix_parse(addr, &pf);
		mw_policy_unblock(&p, &pf, msg, sizeof(msg));
	}
	for (i = 0; i < 3; i++) {
		snprintf(addr, sizeof(addr), "198.51.100.%u", 210 + i);
		ASSERT_EQ(share_block(&p, addr, "SSHDICT"), MW_BLOCKED, "share 100: no share");
	}
	/* any bytes in a reason: kept as text, and the ledger line written */
	{
		struct mw_block_req req = { .method = "SSHDICT",
					    .reason = "\x1b[2Jcomm \xff\xfe\xc3" };
		char msg[256];

		mw_prefix_parse("198.51.100.250", &req.target);
		ASSERT_EQ(mw_policy_block(&p, &req, msg, sizeof(msg)), MW_BLOCKED, "evil reason");
		ASSERT_STREQ(p.entries[p.n - 1].reason,
			     "\\x1b[2Jcomm \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
			     "reason sanitized");
	}
	ASSERT_EQ(mw_policy_save(&p), 0, "ledger written");
	snprintf(path, sizeof(path), "%s/ledger.json", dir);
	f = fopen(path, "r");
	while (f && getline(&line, &cap, f) > 0) {
		json_t *o = json_loads(line, 0, NULL);

		ASSERT_TRUE(o, "ledger line is JSON");
		json_decref(o);
		lines++;
	}
	ASSERT_EQ(lines, p.n, "one ledger line per entry, none lost");
	if (f)
		fclose(f);
	free(line);
	unlink(path);
	rmdir(dir);
	mw_policy_free(&p);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("policy: 100k blocks, lookups, unblocks, expiry, re-block, flush", t_scale, NULL);
	test_run("policy: the share per method from the kept counts", t_share, NULL);
	test_run("policy: a share of the cap per method", t_policy_share, NULL);
	test_run("policy: IPv6 /64 and /128, unblock by prefix and by address", t_ipv6, NULL);
	test_run("policy: container blocks", t_container, NULL);
	test_run("policy: a container ledger with bad lines", t_container_ledger, NULL);
	test_run("policy: time per request at 10k and 100k entries", t_bench, NULL);
	return test_summary("test_policy");
}
