// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_blacklist.c - BLACKLIST's tables (detect/blacklist.c) without a
 * kernel: the compilation that keeps private, own and shared addresses out
 * of the kernel's tries, ports per address, and the addresses learned from
 * listed names: bounded, expiring, indexed, against a model. Built with
 * ASan and UBSan.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_text.h"
#include "agent/blacklist_lists.h"
#include "data.h"
#include "detect/blacklist.h"
#include "lib/addr.h"
#include "lib/util.h"
#include "parse/config.h"
#include "test.h"

static bool overlaps_any(const struct mw_bl_compiled *c, const struct mw_prefix *p)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (mw_prefix_overlap(&c->e[i].prefix, p))
			return true;
	return false;
}

static void t_compile_hazards(void *arg)
{
	/* what the agent protects by default: the internal networks */
	static struct mw_config cfg;
	const struct mw_prefix *protect = cfg.internal;
	struct mw_prefix alert[1], p240;
	struct mw_bl_compiled c;
	struct mw_blacklist bl;
	size_t i, n_protect;
	int fh, cb;

	mw_config_defaults(&cfg);
	n_protect = cfg.n_internal;
	mw_prefix_parse("104.16.0.0/12", &alert[0]); /* Cloudflare anycast */
	mw_bl_init(&bl, NULL);
	fh = mw_agent_blacklist_lists_read(
		&bl, NULL, test_data_path("blocklists/firehol/firehol_level1.netset"), false, NULL);
	cb = mw_agent_blacklist_lists_read(
		&bl, NULL, test_data_path("blocklists/firehol/coinbl_ips.ipset"), false, NULL);
	ASSERT_TRUE(fh > 0 && cb > 0, "firehol_level1 and coinbl_ips load");
	if (fh <= 0 || cb <= 0 ||
	    !ASSERT_EQ(mw_bl_compile(&bl, protect, n_protect, alert, 1, &c), 0, "compile"))
		goto out;
	for (i = 0; i < n_protect; i++) {
		char what[96], buf[MW_ADDRSTRLEN];

		snprintf(what, sizeof(what), "nothing of %s reaches the kernel",
			 mw_prefix_str(&protect[i], buf, sizeof(buf)));
		ASSERT_TRUE(!overlaps_any(&c, &protect[i]), what);
	}
	/* firehol_level1 lists 0.0.0.0/8, 10/8, 127/8, 172.16/12, 192.168/16
	 * whole, and 224.0.0.0/3 of which only 240.0.0.0/4 may stay */
	ASSERT_TRUE(bl.lists[fh].effect.protected_whole >= 5, "private ranges dropped whole");
	ASSERT_TRUE(bl.lists[fh].effect.protected_part >= 1, "224.0.0.0/3 cut");
	mw_prefix_parse("240.0.0.0/4", &p240);
	ASSERT_TRUE(overlaps_any(&c, &p240), "240.0.0.0/4 of 224.0.0.0/3 kept");
	/* coinbl_ips holds 30 Cloudflare addresses: detected, never blocked */
	ASSERT_EQ(bl.lists[cb].effect.alert_only, 30, "coinbl_ips: 30 shared Cloudflare addresses");
	for (i = 0; i < c.n; i++)
		if (mw_prefix_overlap(&c.e[i].prefix, &alert[0]) &&
		    !(c.e[i].value.flags & MW_BL_ALERT))
			break;
	ASSERT_EQ(i, c.n, "every entry in 104.16.0.0/12 is alert-only");
	ASSERT_EQ(c.n_v6, 0, "no IPv6 in these lists");
	ASSERT_EQ(c.n_v4, c.n, "all IPv4");
	mw_bl_compiled_free(&c);
out:
	mw_bl_free(&bl);
}

static void t_compile_ports(void *arg)
{
	struct mw_blacklist bl;
	struct mw_bl_compiled c;
	struct mw_addr a;
	uint16_t list = 0;
	int id, i;
	char *errs;
	const struct mw_bl_kentry *e = NULL;

	mw_bl_init(&bl, NULL);
	errs = load_text(&bl, "ports",
			 "192.0.2.1:3333\n192.0.2.1:4444\n192.0.2.1:3333\n"
			 "192.0.2.2:1\n192.0.2.2:2\n192.0.2.2:3\n192.0.2.2:4\n"
			 "192.0.2.2:5\n192.0.2.2:6\n192.0.2.2:7\n"
			 "198.51.100.0/24\n198.51.100.9:5555\n2001:db8::1\n",
			 &id);
	free(errs);
	if (!ASSERT_TRUE(id > 0, "loads") ||
	    !ASSERT_EQ(mw_bl_compile(&bl, NULL, 0, NULL, 0, &c), 0, "compile"))
		goto out;
	ASSERT_EQ(c.n, 4, "192.0.2.1, 192.0.2.2, 198.51.100.0/24, 2001:db8::1");
	ASSERT_EQ(c.n_v4, 3, "three IPv4 entries first");
	for (i = 0; i < (int)c.n; i++) {
		mw_addr_parse("192.0.2.1", &a);
		if (!memcmp(&c.e[i].prefix.addr, &a, sizeof(a)))
			e = &c.e[i];
	}
	if (ASSERT_TRUE(e != NULL, "192.0.2.1 present")) {
		ASSERT_EQ(e->value.nports, 2, "two ports, the duplicate merged");
		ASSERT_EQ(ntohs(e->value.ports[0]), 3333, "3333");
		ASSERT_EQ(ntohs(e->value.ports[1]), 4444, "4444");
	}
	for (i = 0; i < (int)c.n; i++) {
		mw_addr_parse("192.0.2.2", &a);
		if (!memcmp(&c.e[i].prefix.addr, &a, sizeof(a)))
			ASSERT_EQ(c.e[i].value.nports, 0, "seven ports: every port");
	}
	mw_addr_parse("198.51.100.9", &a);
	ASSERT_TRUE(mw_bl_match_addr(&bl, &a, 5555, &list) != NULL, "test finds 198.51.100.9");
	ASSERT_EQ(list, id, "in list 'ports'");
	mw_bl_compiled_free(&c);
out:
	mw_bl_free(&bl);
}

static void count_gone(void *arg, const struct mw_bl_learned *l)
{
	(*(unsigned *)arg)++;
}

/* The learned table's indexes agree with a plain model after random
 * learning, renewal, expiry and removal: every address found where it is,
 * the heap in order, the per-name counts right. */
static bool learned_consistent(const struct mw_blacklist *bl)
{
	size_t i;

	for (i = 0; i < bl->n_learned; i++) {
		const struct mw_bl_learned *l = &bl->learned[i];

		if (mw_bl_learned_find(bl, &l->addr) != l || bl->heap[l->heap_pos] != i)
			return false;
		if (i && bl->learned[bl->heap[(i - 1) / 2]].expires_ns >
				 bl->learned[bl->heap[i]].expires_ns)
			return false;
	}
	return true;
}

static void t_learned(void *arg)
{
	static uint64_t model[4096]; /* expiry by address index; 0 absent */
	struct mw_blacklist bl;
	struct mw_addr a;
	unsigned gone = 0, i, step;
	size_t n;
	int id;
	char *errs;

	mw_bl_init(&bl, NULL);
	errs = load_text(&bl, "names", "pool.example.com\n", &id);
	free(errs);
	mw_addr_parse("203.0.113.5", &a);
	ASSERT_EQ(mw_bl_learn(&bl, &a, (uint16_t)id, "pool.example.com", 1000, NULL, NULL), 1,
		  "new");
	ASSERT_EQ(mw_bl_learn(&bl, &a, (uint16_t)id, "pool.example.com", 2000, NULL, NULL), 0,
		  "renewed");
	ASSERT_TRUE(mw_bl_learned_find(&bl, &a) != NULL, "found");
	mw_bl_expire(&bl, 1500, NULL, NULL);
	ASSERT_EQ(bl.n_learned, 1, "renewal moved the expiry");
	mw_bl_expire(&bl, 2000, NULL, NULL);
	ASSERT_EQ(bl.n_learned, 0, "expired");
	ASSERT_EQ(mw_bl_learned_count(&bl, "pool.example.com"), 0, "the name went with it");
	mw_bl_learn(&bl, &a, (uint16_t)id, "pool.example.com", 5000, NULL, NULL);
	mw_bl_unload(&bl, "names");
	ASSERT_EQ(bl.n_learned, 0, "unloading a list forgets what its names taught");
	mw_bl_free(&bl);

	/* bounds: 4 per name, 64 in all; the closest to its end gives way */
	mw_bl_init(&bl, &(struct mw_bl_cfg){ .learned_max = 64, .learned_per_name = 4 });
	for (i = 0; i < 6; i++) {
		struct in_addr in = { htonl(0xcb007100 + i) }; /* 203.0.113.i */

		mw_addr_from_v4(&a, &in);
		mw_bl_learn(&bl, &a, 1, "one.example.com", 100 + i, NULL, NULL);
	}
	ASSERT_EQ(mw_bl_learned_count(&bl, "one.example.com"), 4, "4 for one name");
	ASSERT_EQ(bl.learned_refused, 2, "2 refused");
	for (i = 0; i < 100; i++) {
		struct in_addr in = { htonl(0xc6336400 + i) }; /* 198.51.100.i */
		char name[32];

		snprintf(name, sizeof(name), "n%u.example.com", i);
		mw_addr_from_v4(&a, &in);
		mw_bl_learn(&bl, &a, 1, name, 1000 + i, count_gone, &gone);
	}
	ASSERT_EQ(bl.n_learned, 64, "64 in all");
	ASSERT_EQ(gone, 40, "40 gave way, each told");
	mw_addr_parse("203.0.113.0", &a);
	ASSERT_TRUE(!mw_bl_learned_find(&bl, &a), "the earliest to expire went first");
	mw_addr_parse("198.51.100.99", &a);
	ASSERT_TRUE(mw_bl_learned_find(&bl, &a) != NULL, "the latest stays");
	ASSERT_TRUE(learned_consistent(&bl), "indexes consistent");
	mw_bl_free(&bl);

	/* random work against a model */
	mw_bl_init(&bl, &(struct mw_bl_cfg){ .learned_max = 8192, .learned_per_name = 8192 });
	memset(model, 0, sizeof(model));
	srand(11);
	for (step = 0; step < 40000; step++) {
		unsigned k = (unsigned)rand() % 4096;
		struct in_addr in = { htonl(0xc0000000 + k) };
		uint64_t now = step * 10ULL;

		mw_addr_from_v4(&a, &in);
		if (rand() % 8) {
			uint64_t exp = now + 1 + (uint64_t)(rand() % 5000);

			mw_bl_learn(&bl, &a, 1, k % 2 ? "odd.example" : "even.example", exp, NULL,
				    NULL);
			if (exp > model[k])
				model[k] = exp;
		} else {
			mw_bl_expire(&bl, now, NULL, NULL);
			for (i = 0; i < 4096; i++)
				if (model[i] && model[i] <= now)
					model[i] = 0;
		}
	}
	for (i = 0, n = 0; i < 4096; i++) {
		struct in_addr in = { htonl(0xc0000000 + i) };
		const struct mw_bl_learned *l;

		mw_addr_from_v4(&a, &in);
		l = mw_bl_learned_find(&bl, &a);
		if (model[i])
			n++;
		if ((model[i] != 0) != (l != NULL) || (l && l->expires_ns != model[i]))
			break;
	}
	ASSERT_EQ(i, 4096, "every address as the model has it");
	ASSERT_EQ(bl.n_learned, n, "the same count");
	ASSERT_EQ(mw_bl_learned_count(&bl, "odd.example") +
			  mw_bl_learned_count(&bl, "even.example"),
		  n, "per-name counts add up");
	ASSERT_TRUE(learned_consistent(&bl), "indexes consistent");
	mw_bl_free(&bl);

	/* cost at the default bound: no walk over what is learned (the old
	 * linear list took 460 us an insert at 200k) */
	mw_bl_init(&bl, NULL);
	{
		uint64_t t0 = mw_now_ns(), t1;
		unsigned total = MW_BL_LEARNED_MAX_DEFAULT * 2;

		for (i = 0; i < total; i++) {
			struct in_addr in = { htonl(0xa0000000 + i) };
			char name[32];

			snprintf(name, sizeof(name), "n%u.example", i / 64);
			mw_addr_from_v4(&a, &in);
			mw_bl_learn(&bl, &a, 1, name, 1000000 + i, NULL, NULL);
		}
		t1 = mw_now_ns();
		printf("    # %u learned (%zu kept, %llu gave way): %.2f us an insert\n", total,
		       bl.n_learned, (unsigned long long)bl.learned_evicted,
		       (double)(t1 - t0) / total / 1000.0);
		ASSERT_EQ(bl.n_learned, MW_BL_LEARNED_MAX_DEFAULT, "bounded at the default");
		ASSERT_TRUE((t1 - t0) / total < 20000, "under 20 us an insert, even with ASan");
	}
	mw_bl_free(&bl);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("compile: private, multicast and shared addresses", t_compile_hazards, NULL);
	test_run("compile: ports", t_compile_ports, NULL);
	test_run("learned addresses", t_learned, NULL);
	return test_summary("blacklist");
}
