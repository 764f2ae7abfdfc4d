// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_lists.c - the blacklist side that needs no kernel: the real lists in
 * selftests/data/blocklists parsed with the counts their SOURCES.md gives,
 * malformed lines named, files that are not lists refused, and the
 * compilation that keeps private, own and shared addresses out of the
 * kernel's tries. Built with ASan and UBSan.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "parse/config.h"
#include "agent/blacklist_lists.h"
#include "detect/blacklist.h"
#include "detect/dnsq.h"
#include "parse/dns.h"
#include "parse/list.h"
#include "parse/tls.h"
#include "test.h"
#include "lib/util.h"

static char data_dir[512];

static const char *data(const char *rel)
{
	static char path[1024];

	snprintf(path, sizeof(path), "%s/blocklists/%s", data_dir, rel);
	return path;
}

struct expect {
	const char *file;
	unsigned prefixes, domains, unsupported, malformed;
};

/* Counts from selftests/data/blocklists/SOURCES.md, measured there with
 * wc and grep on these exact files. */
static const struct expect real_lists[] = {
	{ "maltrail/crypto_mining.txt", 721 + 18, 445, 1 },
	{ "maltrail/elf_coinminer.txt", 671, 131, 290 },
	{ "maltrail/generic_miner.txt", 181, 341, 171 },
	{ "coinblockerlists/MiningServerIPList.txt", 1026, 0, 0 },
	/* five of their names are not DNS names: name:port (2), UTF-8 (2),
	 * a label starting with '-' (xmr.-eu1.nanopool.org) */
	{ "coinblockerlists/list.txt", 0, 5837 - 5, 0, 5 },
	{ "coinblockerlists/hosts", 0, 5837 - 5, 0, 5 },
	{ "coinblockerlists/white_list_IPs.txt", 15, 0, 0 },
	{ "anudeepND/CoinMiner.txt", 0, 5939, 0 },
	{ "nocoin/hosts.txt", 0, 313, 0 },
	{ "firehol/coinbl_ips.ipset", 1390, 0, 0 },
	{ "firehol/firehol_level1.netset", 4631, 0, 0 },
	{ "firehol/blocklist_de_ssh.ipset", 5206, 0, 0 },
};

static void t_real_lists(void *arg)
{
	struct mw_blacklist bl;
	char *errs = NULL;
	size_t errlen = 0;
	FILE *err = open_memstream(&errs, &errlen);
	size_t i;

	mw_bl_init(&bl, NULL);
	for (i = 0; i < sizeof(real_lists) / sizeof(real_lists[0]); i++) {
		const struct expect *x = &real_lists[i];
		int id = mw_agent_blacklist_lists_read(&bl, NULL, data(x->file), false, err);
		char what[128];

		snprintf(what, sizeof(what), "%s loads", x->file);
		if (!ASSERT_TRUE(id > 0, what))
			continue;
		snprintf(what, sizeof(what), "%s prefixes", x->file);
		ASSERT_EQ(bl.lists[id].rep.prefixes, x->prefixes, what);
		snprintf(what, sizeof(what), "%s domains", x->file);
		ASSERT_EQ(bl.lists[id].rep.domains, x->domains, what);
		snprintf(what, sizeof(what), "%s unsupported (URL trails)", x->file);
		ASSERT_EQ(bl.lists[id].rep.unsupported, x->unsupported, what);
		snprintf(what, sizeof(what), "%s malformed", x->file);
		ASSERT_EQ(bl.lists[id].rep.malformed, x->malformed, what);
	}
	fclose(err);
	ASSERT_TRUE(strstr(errs, "coinblockerlists/list.txt:2049: ") != NULL,
		    "list.txt:2049 (hashbag.cc:8688) named");
	ASSERT_TRUE(strstr(errs, "coinblockerlists/hosts:5574: ") != NULL,
		    "hosts:5574 (xmr.-eu1.nanopool.org) named");
	ASSERT_TRUE(strstr(errs, "maltrail") == NULL, "no complaint about maltrail");
	ASSERT_TRUE(strstr(errs, "firehol") == NULL, "no complaint about firehol");
	free(errs);

	/* names: "hosts" lists exact names, "list.txt" names and subdomains */
	ASSERT_TRUE(mw_bl_match_name(&bl, "la01.supportxmr.com") != NULL,
		    "la01.supportxmr.com (the pool of coinhive-stratum.pcap) is listed");
	ASSERT_TRUE(mw_bl_match_name(&bl, "us1.bitminter.com") != NULL,
		    "us1.bitminter.com is listed");
	ASSERT_TRUE(mw_bl_match_name(&bl, "eu1-zcash.flypool.org") != NULL,
		    "eu1-zcash.flypool.org is listed");
	ASSERT_TRUE(mw_bl_match_name(&bl, "www.debian.org") == NULL, "www.debian.org is not");
	ASSERT_TRUE(mw_bl_match_name(&bl, "com") == NULL, "a top-level domain is not");
	mw_bl_free(&bl);
}

static void t_abp_list(void *arg)
{
	struct mw_blacklist bl;
	int id;

	mw_bl_init(&bl, NULL);
	id = mw_agent_blacklist_lists_read(&bl, "nocoin-abp", data("nocoin/nocoin.txt"), false,
					   NULL);
	if (ASSERT_TRUE(id > 0, "the Adblock Plus list loads")) {
		/* 212 || rules: 7 IPv4 addresses, 9 URL patterns (a path or
		 * a wildcard: nothing a packet shows), 196 names */
		ASSERT_EQ(bl.lists[id].rep.domains, 212 - 7 - 9, "its ||name^ rules are domains");
		ASSERT_EQ(bl.lists[id].rep.prefixes, 7, "its ||a.b.c.d^ rules are addresses");
		ASSERT_EQ(bl.lists[id].rep.malformed, 0, "nothing malformed");
		ASSERT_TRUE(bl.lists[id].rep.unsupported > 0, "URL and cosmetic rules are skipped");
		ASSERT_TRUE(mw_bl_match_name(&bl, "2miners.com") != NULL, "2miners.com");
		ASSERT_TRUE(mw_bl_match_name(&bl, "xmr.2miners.com") != NULL,
			    "||name^ matches subdomains");
	}
	mw_bl_free(&bl);
}

static char *load_text(struct mw_blacklist *bl, const char *name, const char *text, int *ret)
{
	char *errs = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&errs, &len);

	*ret = mw_bl_load(bl, &(struct mw_bl_source){ .name = name, .path = "t.list" }, text,
			  strlen(text), err);
	fclose(err);
	return errs;
}

static void t_malformed(void *arg)
{
	struct mw_blacklist bl;
	char *errs;
	int id;

	mw_bl_init(&bl, NULL);
	errs = load_text(&bl, "t",
			 "# a list\n"
			 "198.51.100.7\n"
			 "203.0.113.0/24\n"
			 "999.1.2.3\n"
			 "192.0.2.1/33\n"
			 "pool.example.com\n"
			 "bad_name!.com\n"
			 "0.0.0.0 miner.example.net\n"
			 "0.0.0.0 localhost\n"
			 "192.0.2.9:3333\n"
			 "192.0.2.10:99999\n"
			 "2001:db8:bad::/48\n"
			 "[2001:db8::5]:4444\n"
			 "198.51.101.0/23\n",
			 &id);
	ASSERT_TRUE(id > 0, "a list with some bad lines loads");
	ASSERT_TRUE(strstr(errs, "t.list:4: ") != NULL, "999.1.2.3 named by its line");
	ASSERT_TRUE(strstr(errs, "t.list:5: ") != NULL, "/33 named by its line");
	ASSERT_TRUE(strstr(errs, "t.list:7: ") != NULL, "bad name named by its line");
	ASSERT_TRUE(strstr(errs, "t.list:11: ") != NULL, "port 99999 named by its line");
	ASSERT_TRUE(strstr(errs, "t.list:14: ") != NULL, "host bits set named by its line");
	ASSERT_TRUE(strstr(errs, "t.list:9:") == NULL, "0.0.0.0 localhost is not an error");
	if (id > 0) {
		ASSERT_EQ(bl.lists[id].rep.malformed, 5, "five malformed lines");
		ASSERT_EQ(bl.lists[id].rep.prefixes, 5, "five prefixes");
		ASSERT_EQ(bl.lists[id].rep.domains, 2, "two domains (localhost skipped)");
	}
	free(errs);

	/* not a list: binary bytes, or nothing but junk */
	{
		static const char bin[] = "\x7f"
					  "ELF\x02\x01\x01\x00\x00\x00";
		char *e2 = NULL;
		size_t len = 0;
		FILE *err = open_memstream(&e2, &len);

		id = mw_bl_load(&bl, &(struct mw_bl_source){ .name = "bin", .path = "b.list" }, bin,
				sizeof(bin), err);
		fclose(err);
		ASSERT_EQ(id, -EINVAL, "binary data is refused");
		ASSERT_TRUE(e2 && strstr(e2, "not a list") != NULL, "and said so");
		free(e2);
	}
	errs = load_text(&bl, "junk", "<html>\n<body>hello world</body>\n</html>\n", &id);
	ASSERT_EQ(id, -EINVAL, "an HTML page is refused");
	ASSERT_TRUE(strstr(errs, "not a list") != NULL, "and said so");
	free(errs);
	ASSERT_EQ(mw_bl_find(&bl, "junk"), -ENOENT, "a refused file leaves no list");

	/* a failed reload keeps the list in force */
	errs = load_text(&bl, "t", "<html>\n<p>x y</p>\n", &id);
	ASSERT_EQ(id, -EINVAL, "junk under a loaded list's name is refused");
	ASSERT_TRUE(mw_bl_find(&bl, "t") > 0, "the list in force stays");
	free(errs);
	mw_bl_free(&bl);
}

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
	fh = mw_agent_blacklist_lists_read(&bl, NULL, data("firehol/firehol_level1.netset"), false,
					   NULL);
	cb = mw_agent_blacklist_lists_read(&bl, NULL, data("firehol/coinbl_ips.ipset"), false,
					   NULL);
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

static size_t unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned v;

	while (n < max && sscanf(hex + 2 * n, "%2x", &v) == 1)
		out[n++] = (uint8_t)v;
	return n;
}

static FILE *tshark(const char *pcap, const char *filter, const char *fields)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd),
		 "tshark -n -r '%s/pcaps/%s' -Y '%s' -T fields -E separator='|' %s 2>/dev/null",
		 data_dir, pcap, filter, fields);
	return popen(cmd, "r");
}

/* Every DNS answer in the captures, read by tshark and by mw_dns_parse:
 * the same question, the same addresses; every shorter copy survives. */
static void t_dns_real(void *arg)
{
	static const char *const pcaps[] = { "zeek-cryptomining/coinhive-stratum.pcap",
					     "zeek-cryptomining/bitcoin-mining.pcap",
					     "ndpi/mining.pcapng" };
	static char line[65536];
	static uint8_t msg_bytes[4096];
	unsigned answers = 0, with_addr = 0, i;
	bool learned_pool = false, chain[MW_DNS_MAX_NAMES];
	size_t k;

	for (k = 0; k < sizeof(pcaps) / sizeof(pcaps[0]); k++) {
		FILE *f = tshark(pcaps[k], "dns.flags.response==1 && udp",
				 "-e dns.qry.name -e dns.a -e udp.payload");

		if (!ASSERT_TRUE(f != NULL, "tshark runs"))
			return;
		while (fgets(line, sizeof(line), f)) {
			char *qname = strtok(line, "|"), *a = strtok(NULL, "|"),
			     *hex = strtok(NULL, "|\n");
			struct mw_dns_msg m;
			size_t n, cut;
			char buf[MW_ADDRSTRLEN];

			if (!hex) { /* no A records: the fields shift */
				hex = a;
				a = NULL;
			}
			if (!qname || !hex)
				continue;
			n = unhex(hex, msg_bytes, sizeof(msg_bytes));
			answers++;
			if (!ASSERT_EQ(mw_dns_parse(msg_bytes, n, false, &m), 0, "parses"))
				continue;
			ASSERT_STREQ(m.names[0], qname, "question as tshark reads it");
			ASSERT_STREQ(m.question, qname, "question field");
			ASSERT_TRUE(!m.truncated, "whole");
			/* a real resolver's answer section is the question's chain */
			mw_dns_chain(&m, chain);
			for (i = 0; i < m.n_addrs; i++)
				ASSERT_TRUE(m.addrs[i].owner < MW_DNS_MAX_NAMES &&
						    chain[m.addrs[i].owner],
					    "every address on the question's CNAME chain");
			if (a && *a) {
				with_addr++;
				for (i = 0; i < m.n_addrs; i++)
					ASSERT_TRUE(strstr(a, mw_addr_str(&m.addrs[i].addr, buf,
									  sizeof(buf))) != NULL,
						    "address tshark saw");
				if (!strcmp(qname, "la01.supportxmr.com") && m.n_addrs == 1 &&
				    !strcmp(mw_addr_str(&m.addrs[0].addr, buf, sizeof(buf)),
					    "192.110.160.114") &&
				    m.addrs[0].ttl == 90)
					learned_pool = true;
			}
			for (cut = 0; cut < n; cut++)
				mw_dns_parse(msg_bytes, cut, false, &m); /* never past the copy */
		}
		pclose(f);
	}
	ASSERT_TRUE(answers >= 5, "the captures hold DNS answers");
	ASSERT_TRUE(with_addr >= 3, "with A records");
	ASSERT_TRUE(learned_pool, "la01.supportxmr.com -> 192.110.160.114, TTL 90");
}

static void t_dns_crafted(void *arg)
{
	/* TCP framing, a CNAME chain, compression, AAAA, a pointer loop */
	static const uint8_t tcp_msg[] = {
		0x00,
		0x54, /* TCP length: 84 */
		0x12,
		0x34,
		0x81,
		0x80,
		0x00,
		0x01,
		0x00,
		0x03,
		0x00,
		0x00,
		0x00,
		0x00,
		/* question: www.pool.example AAAA */
		3,
		'w',
		'w',
		'w',
		4,
		'p',
		'o',
		'o',
		'l',
		7,
		'e',
		'x',
		'a',
		'm',
		'p',
		'l',
		'e',
		0,
		0x00,
		0x1c,
		0x00,
		0x01,
		/* www.pool.example CNAME cdn.example (cdn + pointer to "example") */
		0xc0,
		0x0c,
		0x00,
		0x05,
		0x00,
		0x01,
		0x00,
		0x00,
		0x01,
		0x00,
		0x00,
		0x06,
		3,
		'c',
		'd',
		'n',
		0xc0,
		0x15,
		/* cdn.example AAAA 2001:db8::7 */
		0xc0,
		0x2e,
		0x00,
		0x1c,
		0x00,
		0x01,
		0x00,
		0x00,
		0x00,
		0x3c,
		0x00,
		0x10,
		0x20,
		0x01,
		0x0d,
		0xb8,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		7,
		/* a record whose name points at itself */
		0xc0,
		0x50,
		0x00,
		0x01,
	};
	struct mw_dns_msg m;
	char buf[MW_ADDRSTRLEN];
	uint8_t junk[512];
	unsigned i, j;

	ASSERT_EQ(mw_dns_parse(tcp_msg, sizeof(tcp_msg), true, &m), 0, "TCP answer parses");
	ASSERT_EQ(m.n_names, 2, "the question (also the CNAME owner) and the CNAME target");
	ASSERT_STREQ(m.names[0], "www.pool.example", "question");
	ASSERT_STREQ(m.names[1], "cdn.example", "CNAME target, decompressed");
	ASSERT_EQ(m.n_cnames, 1, "one CNAME");
	ASSERT_EQ(m.addrs[0].owner, 1, "the AAAA's owner is the CNAME target");
	ASSERT_EQ(m.qtype, 28, "QTYPE");
	ASSERT_EQ(m.n_addrs, 1, "one AAAA");
	ASSERT_STREQ(mw_addr_str(&m.addrs[0].addr, buf, sizeof(buf)), "2001:db8::7", "AAAA");
	ASSERT_EQ(m.addrs[0].ttl, 60, "TTL");
	ASSERT_TRUE(m.truncated, "the looping record ends the answer");

	/* random bytes: never a crash, never a read past the copy (ASan) */
	srand(7);
	for (i = 0; i < 20000; i++) {
		size_t n = (size_t)(rand() % (int)sizeof(junk));

		for (j = 0; j < n; j++)
			junk[j] = (uint8_t)rand();
		if (n > 3)
			junk[2] |= 0x80; /* a response, to get past the header */
		mw_dns_parse(junk, n, i & 1, &m);
		memcpy(junk, tcp_msg, sizeof(tcp_msg));
		junk[rand() % (int)sizeof(tcp_msg)] = (uint8_t)rand();
		mw_dns_parse(junk, sizeof(tcp_msg), true, &m);
	}
}

static void t_dns_query(void *arg)
{
	static const uint8_t q[] = {
		0x00, 0x25, /* TCP length 37 */
		0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 4,
		'L',  'A',  '0',  '1',	10,   's',  'u',  'p',	'p',  'o',  'r',  't',	'x',
		'm',  'r',  3,	  'c',	'o',  'm',  0,	  0x00, 0x1c, 0x00, 0x01,
	};
	struct mw_dns_query dq;
	struct mw_dns_msg m;
	uint8_t buf[sizeof(q)];

	ASSERT_EQ(mw_dns_parse_query(q, sizeof(q), true, &dq), 0, "TCP query parses");
	ASSERT_EQ(dq.id, 0xbeef, "ID");
	ASSERT_EQ(dq.qtype, 28, "AAAA");
	ASSERT_STREQ(dq.name, "la01.supportxmr.com", "name, lower case");
	ASSERT_EQ(mw_dns_parse_query(q + 2, sizeof(q) - 2, false, &dq), 0, "the same over UDP");
	ASSERT_EQ(mw_dns_parse(q, sizeof(q), true, &m), -EINVAL, "a query is no answer");
	memcpy(buf, q, sizeof(q));
	buf[4] |= 0x80;
	ASSERT_EQ(mw_dns_parse_query(buf, sizeof(buf), true, &dq), -EINVAL,
		  "an answer is no query");
	ASSERT_EQ(mw_dns_parse_query(q, sizeof(q) - 3, true, &dq), -EINVAL, "cut in QTYPE");
	memcpy(buf, q, sizeof(q));
	buf[18] = 0x01; /* a control character in the first label */
	ASSERT_EQ(mw_dns_parse_query(buf, sizeof(buf), true, &dq), 0, "parses");
	ASSERT_STREQ(dq.name, "", "but is no host name");
	memcpy(buf, q, sizeof(q));
	buf[16] = '.'; /* "L.01" as one label */
	mw_dns_parse_query(buf, sizeof(buf), true, &dq);
	ASSERT_STREQ(dq.name, "", "a dot inside a label is no host name");
	memcpy(buf, q, sizeof(q));
	buf[17] = 0xc3; /* UTF-8 lead byte */
	mw_dns_parse_query(buf, sizeof(buf), true, &dq);
	ASSERT_STREQ(dq.name, "", "nor are bytes outside ASCII");
}

static void key_of(struct mw_flow_key *k, unsigned n)
{
	memset(k, 0, sizeof(*k));
	k->local_addr[10] = k->local_addr[11] = 0xff;
	k->local_addr[12] = 192;
	k->local_addr[15] = 1;
	k->remote_addr[10] = k->remote_addr[11] = 0xff;
	k->remote_addr[12] = 198;
	k->remote_addr[15] = 53;
	k->local_port = htons((uint16_t)(30000 + n));
	k->remote_port = htons(53);
	k->proto = IPPROTO_UDP;
}

static void t_dnsq(void *arg)
{
	struct mw_dns_query dq = { .id = 7, .qtype = 1 };
	struct mw_dns_msg m = { .id = 7, .qtype = 1 };
	struct mw_flow_key k;
	struct mw_dnsq q;
	unsigned i;

	ASSERT_EQ(mw_dnsq_init(&q, 4, 1000), 0, "4 pending at most, 1000 ns");
	snprintf(dq.name, sizeof(dq.name), "a.example");
	snprintf(m.question, sizeof(m.question), "a.example");
	for (i = 0; i < 6; i++) {
		key_of(&k, i);
		mw_dnsq_add(&q, &k, &dq, 100 + i);
	}
	ASSERT_EQ(q.n, 4, "bounded");
	ASSERT_EQ(q.evicted, 2, "the two oldest gave way");
	key_of(&k, 0);
	ASSERT_EQ(mw_dnsq_answer(&q, &k, &m, 200), -ENOENT, "an evicted query is gone");
	key_of(&k, 2);
	ASSERT_EQ(mw_dnsq_answer(&q, &k, &m, 200), 0, "a waiting one is answered");
	ASSERT_EQ(mw_dnsq_answer(&q, &k, &m, 200), -ENOENT, "once");
	key_of(&k, 3);
	m.qtype = 28;
	ASSERT_EQ(mw_dnsq_answer(&q, &k, &m, 200), -EINVAL, "another type");
	m.qtype = 1;
	snprintf(m.question, sizeof(m.question), "b.example");
	ASSERT_EQ(mw_dnsq_answer(&q, &k, &m, 200), -EINVAL, "another name");
	snprintf(m.question, sizeof(m.question), "a.example");
	m.id = 8;
	ASSERT_EQ(mw_dnsq_answer(&q, &k, &m, 200), -ENOENT, "another ID");
	m.id = 7;
	k.local_port = htons(1);
	ASSERT_EQ(mw_dnsq_answer(&q, &k, &m, 200), -ENOENT, "another flow");
	key_of(&k, 3);
	ASSERT_EQ(mw_dnsq_answer(&q, &k, &m, 200), 0, "the right one still waits");
	key_of(&k, 4);
	ASSERT_EQ(mw_dnsq_answer(&q, &k, &m, 104 + 1000), -ENOENT, "expired after 1000 ns");
	ASSERT_EQ(q.n, 1, "expiry took it");
	dq.name[0] = '\0';
	ASSERT_EQ(mw_dnsq_add(&q, &k, &dq, 300), -EINVAL, "no host name, nothing to wait for");
	/* many, through the hash, with removals in between */
	mw_dnsq_free(&q);
	ASSERT_EQ(mw_dnsq_init(&q, 4096, 1ULL << 40), 0, "4096");
	snprintf(dq.name, sizeof(dq.name), "a.example");
	for (i = 0; i < 20000; i++) {
		key_of(&k, i % 5000);
		dq.id = (uint16_t)i;
		mw_dnsq_add(&q, &k, &dq, i);
		if (i % 3 == 0) {
			m.id = (uint16_t)i;
			ASSERT_EQ(mw_dnsq_answer(&q, &k, &m, i), 0, "answered");
		}
	}
	ASSERT_EQ(q.n, 4096, "full");
	ASSERT_EQ(q.answered, 6667, "every third answered");
	mw_dnsq_free(&q);
}

static void t_dns_chain(void *arg)
{
	struct mw_dns_msg m = { 0 };
	bool chain[MW_DNS_MAX_NAMES];

	snprintf(m.question, sizeof(m.question), "q.example");
	snprintf(m.names[0], sizeof(m.names[0]), "q.example");
	snprintf(m.names[1], sizeof(m.names[1]), "c1.example");
	snprintf(m.names[2], sizeof(m.names[2]), "c2.example");
	snprintf(m.names[3], sizeof(m.names[3]), "x.example");
	m.n_names = 4;
	m.cnames[0] = (struct mw_dns_cname){ 3, 2 }; /* x -> c2: not ours */
	m.cnames[1] = (struct mw_dns_cname){ 0, 1 }; /* q -> c1 */
	m.cnames[2] = (struct mw_dns_cname){ 1, 0 }; /* c1 -> q: a loop */
	m.n_cnames = 3;
	ASSERT_EQ(mw_dns_chain(&m, chain), 2, "q, c1; the loop ends it");
	ASSERT_TRUE(chain[0] && chain[1] && !chain[2] && !chain[3], "x -> c2 is off the chain");
	m.question[0] = '\0';
	ASSERT_EQ(mw_dns_chain(&m, chain), 0, "no host name, no chain");
}

/* Every ClientHello in the captures: the SNI tshark reads, and the parser
 * says "cut short" rather than guess on any shorter copy. */
static void t_tls_real(void *arg)
{
	static char line[65536];
	static uint8_t hello[8192];
	unsigned seen = 0;
	FILE *f = tshark("zeek-cryptomining/bitcoin-mining.pcap", "tls.handshake.type==1",
			 "-e tls.handshake.extensions_server_name -e tcp.payload");
	char sni[MW_NAME_MAX];
	size_t n, cut;

	if (!ASSERT_TRUE(f != NULL, "tshark runs"))
		return;
	while (fgets(line, sizeof(line), f)) {
		char *name = strtok(line, "|"), *hex = strtok(NULL, "|\n");

		if (!name || !hex)
			continue;
		n = unhex(hex, hello, sizeof(hello));
		seen++;
		ASSERT_EQ(mw_tls_sni(hello, n, sni), 0, "SNI found");
		ASSERT_STREQ(sni, name, "SNI as tshark reads it");
		ASSERT_EQ(mw_tls_sni(hello, 256, sni), 0, "found in a 256-byte peek");
		for (cut = 0; cut < n; cut++) {
			int r = mw_tls_sni(hello, cut, sni);

			if (r == 0)
				ASSERT_STREQ(sni, name,
					     "a shorter copy gives the same name or none");
			else if (r != -EAGAIN)
				ASSERT_EQ(r, -EAGAIN, "a cut copy says so");
		}
	}
	pclose(f);
	ASSERT_TRUE(seen >= 3, "bitcoin-mining.pcap holds ClientHellos to us1.bitminter.com");
	ASSERT_EQ(mw_tls_sni((const uint8_t *)"{\"id\":1}", 8, sni), -EINVAL, "JSON is not TLS");
}

int main(int argc, char **argv)
{
	const char *d = getenv("MW_DATA");

	snprintf(data_dir, sizeof(data_dir), "%s", d ? d : "selftests/data");
	if (argc > 1)
		test_filter = argv[1];
	test_run("real lists: counts, names", t_real_lists, NULL);
	test_run("adblock plus list", t_abp_list, NULL);
	test_run("malformed lines and files that are not lists", t_malformed, NULL);
	test_run("compile: private, multicast and shared addresses", t_compile_hazards, NULL);
	test_run("compile: ports", t_compile_ports, NULL);
	test_run("learned addresses", t_learned, NULL);
	test_run("dns: answers in the captures, as tshark reads them", t_dns_real, NULL);
	test_run("dns: tcp, cname chain, compression, junk", t_dns_crafted, NULL);
	test_run("dns: queries; names that are no host names", t_dns_query, NULL);
	test_run("dns: the question's CNAME chain", t_dns_chain, NULL);
	test_run("dns: pending queries, matched, bounded, expiring", t_dnsq, NULL);
	test_run("tls: sni in the captures, cut copies", t_tls_real, NULL);
	return test_summary("lists");
}
