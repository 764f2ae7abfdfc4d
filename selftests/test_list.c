// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_list.c - the list parser (parse/list.c), through the blacklist that
 * loads its files: the real lists in selftests/data/blocklists parsed with
 * the counts their SOURCES.md gives, Adblock Plus rules, malformed lines
 * named, files that are not lists refused. Built with ASan and UBSan.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_text.h"
#include "agent/blacklist_lists.h"
#include "data.h"
#include "detect/blacklist.h"
#include "test.h"

struct expect {
	const char *file;
	unsigned prefixes, domains, unsupported, malformed;
};

/* Counts from selftests/data/blocklists/SOURCES.md, measured there with
 * wc and grep on these exact files. */
static const struct expect real_lists[] = {
	{ "blocklists/maltrail/crypto_mining.txt", 721 + 18, 445, 1 },
	{ "blocklists/maltrail/elf_coinminer.txt", 671, 131, 290 },
	{ "blocklists/maltrail/generic_miner.txt", 181, 341, 171 },
	{ "blocklists/coinblockerlists/MiningServerIPList.txt", 1026, 0, 0 },
	/* five of their names are not DNS names: name:port (2), UTF-8 (2),
	 * a label starting with '-' (xmr.-eu1.nanopool.org) */
	{ "blocklists/coinblockerlists/list.txt", 0, 5837 - 5, 0, 5 },
	{ "blocklists/coinblockerlists/hosts", 0, 5837 - 5, 0, 5 },
	{ "blocklists/coinblockerlists/white_list_IPs.txt", 15, 0, 0 },
	{ "blocklists/anudeepND/CoinMiner.txt", 0, 5939, 0 },
	{ "blocklists/nocoin/hosts.txt", 0, 313, 0 },
	{ "blocklists/firehol/coinbl_ips.ipset", 1390, 0, 0 },
	{ "blocklists/firehol/firehol_level1.netset", 4631, 0, 0 },
	{ "blocklists/firehol/blocklist_de_ssh.ipset", 5206, 0, 0 },
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
		int id = mw_agent_blacklist_lists_read(&bl, NULL, test_data_path(x->file), false,
						       err);
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
	id = mw_agent_blacklist_lists_read(
		&bl, "nocoin-abp", test_data_path("blocklists/nocoin/nocoin.txt"), false, NULL);
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

/* A list of JA4 client fingerprints, beside addresses and names: each
 * line's shape checked, a bad one named by its line, never fatal. */
static void t_ja4_list(void *arg)
{
	struct mw_blacklist bl;
	const struct mw_bl_ja4 *j;
	char *errs;
	int id;

	mw_bl_init(&bl, NULL);
	errs = load_text(&bl, "fp",
			 "# JA4 of clients we never run\n"
			 "t13i310900_e8f1e7e78f70_1f22a2ca17c4   # openssl s_client -noservername\n"
			 "T13d3112h2_E8F1E7E78F70_b26ce05bbdd6\n"
			 "t13d3112h2_E8F1E7E78F70_b26ce05bbdd6\n"
			 "t13i310900_e8f1e7e78f70\n"
			 "t13i310900_e8f1e7e78f7g_1f22a2ca17c4\n"
			 "t13i3x0900_e8f1e7e78f70_1f22a2ca17c4\n"
			 "t13i310900_e8f1e7e78f70_1f22a2ca17c4_\n"
			 "x13i310900_e8f1e7e78f70_1f22a2ca17c4\n"
			 "pool.example.com\n"
			 "198.51.100.7\n"
			 "198.51.100.8\n"
			 "198.51.100.9\n"
			 "198.51.100.10\n"
			 "198.51.100.11\n",
			 &id);
	if (!ASSERT_TRUE(id > 0, "loads (fewer bad lines than good ones)"))
		return;
	ASSERT_EQ(bl.lists[id].rep.ja4s, 2, "two fingerprints");
	ASSERT_EQ(bl.lists[id].rep.domains, 1, "a name beside them");
	ASSERT_EQ(bl.lists[id].rep.prefixes, 5, "addresses beside them");
	ASSERT_EQ(bl.lists[id].rep.malformed, 6, "six bad lines");
	ASSERT_TRUE(strstr(errs, "t.list:3: not a JA4") != NULL, "upper-case kind named");
	ASSERT_TRUE(strstr(errs, "t.list:5: not a JA4") != NULL, "a cut one named");
	ASSERT_TRUE(strstr(errs, "t.list:6: ") && strstr(errs, "t.list:7: ") &&
			    strstr(errs, "t.list:8: ") && strstr(errs, "t.list:9: "),
		    "a bad digit, count, length, protocol named");
	j = mw_bl_match_ja4(&bl, "t13i310900_e8f1e7e78f70_1f22a2ca17c4");
	ASSERT_TRUE(j && j->line == 2 && j->list == id, "matched, with its line");
	j = mw_bl_match_ja4(&bl, "t13d3112h2_e8f1e7e78f70_b26ce05bbdd6");
	ASSERT_TRUE(j && j->line == 4, "hashes read in either case");
	ASSERT_TRUE(!mw_bl_match_ja4(&bl, "t13d3111h2_e8f1e7e78f70_1f22a2ca17c4"), "another: not");
	ASSERT_TRUE(!mw_bl_match_ja4(&bl, ""), "none: not");
	ASSERT_EQ(mw_bl_unload(&bl, "fp"), 0, "unloaded");
	ASSERT_TRUE(!mw_bl_match_ja4(&bl, "t13i310900_e8f1e7e78f70_1f22a2ca17c4"), "gone");
	free(errs);
	mw_bl_free(&bl);
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

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("real lists: counts, names", t_real_lists, NULL);
	test_run("adblock plus list", t_abp_list, NULL);
	test_run("ja4 fingerprints: read, matched, bad lines named", t_ja4_list, NULL);
	test_run("malformed lines and files that are not lists", t_malformed, NULL);
	return test_summary("list");
}
