// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_doh.c - the DoH endpoints (detect/doh.c): the shipped list reads
 * without a complaint and holds the well-known endpoints; names match with
 * their subdomains, addresses with their port; bad lines are named by file
 * and line; browsers are known by their executable, not by a thread name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/doh.h"
#include "doh_list.h"
#include "test.h"

static bool has_addr(const struct mw_doh *t, const char *s, uint16_t port)
{
	struct mw_addr a;

	return !mw_addr_parse(s, &a) && mw_doh_find_addr(t, &a, port);
}

static void t_doh_builtin(void *arg)
{
	static const char *const names[] = {
		"cloudflare-dns.com",	 "mozilla.cloudflare-dns.com",
		"one.one.one.one",	 "dns.google",
		"dns.quad9.net",	 "doh.opendns.com",
		"dns.adguard-dns.com",	 "dns.nextdns.io",
		"abc123.dns.nextdns.io", "doh.cleanbrowsing.org",
		"dns.mullvad.net",
	};
	static const char *const addrs[] = {
		"1.1.1.1",	"1.0.0.1",	   "2606:4700:4700::1111", "2606:4700:4700::1001",
		"8.8.8.8",	"8.8.4.4",	   "2001:4860:4860::8888", "2001:4860:4860::8844",
		"9.9.9.9",	"149.112.112.112", "208.67.222.222",	   "208.67.220.220",
		"94.140.14.14",
	};
	struct mw_doh t = { 0 };
	char *out = NULL, buf[300];
	size_t len = 0, i;
	FILE *err = open_memstream(&out, &len);
	const struct mw_doh_entry *e;

	ASSERT_EQ(mw_doh_load(&t, mw_doh_builtin, sizeof(mw_doh_builtin) - 1, "builtin", err), 0,
		  "the shipped list loads");
	fclose(err);
	ASSERT_EQ(len, 0, "without a complaint");
	if (out && len)
		printf("%s", out);
	free(out);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ASSERT_TRUE(mw_doh_find_name(&t, names[i]) != NULL, names[i]);
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++)
		ASSERT_TRUE(has_addr(&t, addrs[i], 443), addrs[i]);
	ASSERT_TRUE(!mw_doh_find_name(&t, "google.com"), "google.com is not DoH");
	ASSERT_TRUE(!mw_doh_find_name(&t, "xdns.google"), "a name that merely ends alike");
	ASSERT_TRUE(!has_addr(&t, "8.8.8.9", 443), "a neighbour address");
	e = mw_doh_find_name(&t, "mozilla.cloudflare-dns.com");
	if (ASSERT_TRUE(e != NULL, "found"))
		ASSERT_STREQ(mw_doh_entry_str(e, buf, sizeof(buf)), "cloudflare-dns.com",
			     "named by its entry");
	mw_doh_free(&t);
}

static void t_doh_lists(void *arg)
{
	static const char good[] = "# mine\ndoh.example.test\n192.0.2.53\n203.0.113.0/24\n"
				   "198.51.100.7:8443\n[2001:db8::53]:443\n";
	static const char some_bad[] = "doh.example.org\n1.2.3.4/99\nnot a name\n192.0.2.9\n";
	static const char junk[] = "a b c d e f g h i j k l m n o p q r\n\x01\x02\n";
	struct mw_doh t = { 0 };
	char *out = NULL, buf[300];
	size_t len = 0;
	FILE *err = open_memstream(&out, &len);
	struct mw_addr a;

	ASSERT_EQ(mw_doh_load(&t, good, sizeof(good) - 1, "/etc/mine.list", err), 0, "loads");
	ASSERT_EQ(t.n, 5, "five entries");
	ASSERT_TRUE(mw_doh_find_name(&t, "doh.example.test") != NULL, "a name");
	ASSERT_TRUE(has_addr(&t, "192.0.2.53", 443) && has_addr(&t, "192.0.2.53", 853),
		    "an address, any port");
	ASSERT_TRUE(has_addr(&t, "203.0.113.99", 443), "a prefix");
	ASSERT_TRUE(has_addr(&t, "198.51.100.7", 8443) && !has_addr(&t, "198.51.100.7", 443),
		    "ADDRESS:PORT: that port only");
	mw_addr_parse("2001:db8::53", &a);
	ASSERT_STREQ(mw_doh_entry_str(mw_doh_find_addr(&t, &a, 443), buf, sizeof(buf)),
		     "[2001:db8::53]:443", "shown as written");
	ASSERT_EQ(mw_doh_find_name(&t, "doh.example.test")->line, 2, "its line");
	ASSERT_EQ(mw_doh_load(&t, some_bad, sizeof(some_bad) - 1, "/etc/bad.list", err), 0,
		  "bad lines skipped, the rest loads");
	ASSERT_EQ(mw_doh_load(&t, junk, sizeof(junk) - 1, "/etc/junk.list", err), -EINVAL,
		  "not a list");
	fclose(err);
	ASSERT_TRUE(out && strstr(out, "/etc/bad.list:2: "), "a bad line named FILE:LINE");
	ASSERT_TRUE(out && strstr(out, "/etc/bad.list:3: "), "another");
	ASSERT_TRUE(out && strstr(out, "/etc/junk.list: not a list"), "a junk file said so");
	ASSERT_EQ(t.n, 7, "the bad list's good entries, none of the junk");
	ASSERT_EQ(t.n_lists, 2, "two lists");
	free(out);
	mw_doh_free(&t);
}

static void t_doh_clients(void *arg)
{
	/* the default of [dirnet] doh_clients */
	const char *def =
		"firefox, chrome, chromium, msedge, brave, opera, vivaldi, epiphany, "
		"WebKitNetworkProcess, systemd-resolved, stubby, unbound, kresd, dnsmasq, "
		"dnscrypt-proxy";

	ASSERT_TRUE(mw_doh_client(def, "/usr/lib/firefox-esr/firefox-esr", "Socket Thread"),
		    "Firefox ESR resolving from its Socket Thread");
	ASSERT_TRUE(mw_doh_client(def, "/opt/google/chrome/chrome", "NetworkService"),
		    "Chrome's network service");
	ASSERT_TRUE(mw_doh_client(def, "/opt/vivaldi/vivaldi-bin", "x"), "vivaldi-bin");
	ASSERT_TRUE(!mw_doh_client(def, "/usr/bin/curl", "curl"), "curl is no browser");
	ASSERT_TRUE(mw_doh_client(def, "/usr/lib/firefox/firefox (deleted)", "Socket Thread"),
		    "a browser upgraded under it (its executable deleted)");
	ASSERT_TRUE(!mw_doh_client(def, "/usr/bin/firefoxy (deleted)", "x"),
		    "a longer name deleted is not");
	ASSERT_TRUE(mw_doh_client(def, "/usr/sbin/unbound", "unbound"),
		    "the host's DNS-over-TLS forwarder (unbound, stubby, systemd-resolved)");
	ASSERT_TRUE(!mw_doh_client(def, "/tmp/xmrig", "firefox"), "a thread named firefox is not");
	ASSERT_TRUE(!mw_doh_client(def, "/usr/bin/firefoxy", "x"), "a longer name is not");
	ASSERT_TRUE(mw_doh_client(def, "", "chrome"), "the thread's name when no executable");
	ASSERT_TRUE(mw_doh_client("curl", "/usr/bin/curl", "curl"), "allowed by config");
	ASSERT_TRUE(!mw_doh_client("", "/usr/bin/curl", "curl"), "nobody");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("doh: the shipped list", t_doh_builtin, NULL);
	test_run("doh: lists of one's own, bad lines", t_doh_lists, NULL);
	test_run("doh: browsers by executable", t_doh_clients, NULL);
	return test_summary("doh");
}
