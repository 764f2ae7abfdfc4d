// SPDX-License-Identifier: GPL-2.0-only
/* test_config.c - the configuration parser (parse/config.c): defaults,
 * values, errors named by file and line, the round trip through
 * --show-config, continuation lines. Built with ASan and UBSan. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/config.h"
#include "test.h"

/* Parses @text; returns the error stream's contents (free it). */
static char *parse_config(struct mw_config *cfg, const char *text, int *ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&buf, &len);

	mw_config_defaults(cfg);
	*ret = mw_config_load_string(cfg, "t.conf", text, err);
	fclose(err);
	return buf;
}

static void t_config_defaults(void *arg)
{
	struct mw_config cfg;
	int ret;
	char *err = parse_config(&cfg, "", &ret);

	ASSERT_EQ(ret, 0, "empty config");
	ASSERT_STREQ(err, "", "no messages");
	ASSERT_EQ(cfg.max_flows, MW_FLOWS_DEFAULT, "default max_flows");
	ASSERT_EQ(cfg.tcp_idle_ms, 900000, "default tcp idle");
	ASSERT_EQ(cfg.n_internal, 14, "default internal networks");
	free(err);
}

static void t_config_values(void *arg)
{
	struct mw_config cfg;
	int ret;
	char *err = parse_config(&cfg,
				 "# comment\n"
				 "[agent]\n"
				 "interfaces = eth0, eth1 bond0\n"
				 "xdp_mode = generic\n"
				 "[flows]\n"
				 "max_flows = 1024\n"
				 "tcp_idle_timeout = 2h ; inline comment\n"
				 "[network]\n"
				 "internal = 10.0.0.0/8 2001:db8::/32\n",
				 &ret);

	ASSERT_EQ(ret, 0, "valid config");
	ASSERT_STREQ(err, "", "no messages");
	ASSERT_EQ(cfg.n_interfaces, 3, "interfaces");
	ASSERT_STREQ(cfg.interfaces[2], "bond0", "third interface");
	ASSERT_EQ(cfg.xdp_mode, MW_XDP_CFG_GENERIC, "xdp_mode");
	ASSERT_EQ(cfg.max_flows, 1024, "max_flows");
	ASSERT_EQ(cfg.tcp_idle_ms, 7200000, "tcp idle");
	ASSERT_EQ(cfg.n_internal, 2, "internal replaced, not appended");
	free(err);
}

static void t_config_errors(void *arg)
{
	struct mw_config cfg;
	int ret;
	char *err = parse_config(&cfg,
				 "[flows]\n"
				 "max_flows = -5\n"
				 "colour = blue\n"
				 "[nosuch]\n"
				 "x = 1\n"
				 "[network]\n"
				 "internal = 10.0.0.1/8\n"
				 "[flows]\n"
				 "peek_bytes = 100000\n"
				 "scan_interval = 5 s\n",
				 &ret);

	ASSERT_EQ(ret, -EINVAL, "errors reported");
	ASSERT_TRUE(err && strstr(err, "t.conf:2: flows.max_flows: '-5'"), "line 2");
	ASSERT_TRUE(err && strstr(err, "t.conf:3: unknown option 'colour' in section [flows]"),
		    "line 3");
	ASSERT_TRUE(err && strstr(err, "t.conf:5: unknown option 'x' in section [nosuch]"),
		    "line 5");
	ASSERT_TRUE(err && strstr(err, "t.conf:7: network.internal: bad prefix '10.0.0.1/8'"),
		    "line 7");
	ASSERT_TRUE(err && strstr(err, "t.conf:9: flows.peek_bytes"), "line 9");
	ASSERT_TRUE(err && strstr(err, "t.conf:10: flows.scan_interval"), "line 10");
	free(err);

	err = parse_config(&cfg, "max_flows = 5000\n", &ret);
	ASSERT_EQ(ret, -EINVAL, "key outside a section");
	ASSERT_TRUE(err && strstr(err, "t.conf:1: option 'max_flows' outside any [section]"),
		    "outside section named");
	free(err);

	err = parse_config(&cfg, "[agent]\ninterfaces = averyveryverylongname0\n", &ret);
	ASSERT_EQ(ret, -EINVAL, "interface name too long");
	free(err);
}

static void t_config_roundtrip(void *arg)
{
	struct mw_config cfg, back;
	char *text = NULL, *err;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int ret;

	mw_config_defaults(&cfg);
	cfg.udp_idle_ms = 90000;
	mw_config_write(&cfg, f);
	fclose(f);
	err = parse_config(&back, text, &ret);
	ASSERT_EQ(ret, 0, "--show-config output parses");
	ASSERT_EQ(back.udp_idle_ms, 90000, "value survives");
	ASSERT_TRUE(!memcmp(back.internal, cfg.internal, sizeof(cfg.internal)), "prefixes survive");
	free(err);
	free(text);

	/* a hook command longer than a line, with a ';' in it (found by
	 * fuzz_config): written in continuation lines, read back whole */
	err = parse_config(
		&cfg,
		"[enforce]\nhook = /usr/local/bin/notify --to ops@example.org\n"
		"\t--subject minewall ; logger -t minewall blocked\n"
		"\t--extra aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
		"\tbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n",
		&ret);
	ASSERT_EQ(ret, 0, "a hook in continuation lines");
	free(err);
	text = NULL;
	f = open_memstream(&text, &len);
	mw_config_write(&cfg, f);
	fclose(f);
	err = parse_config(&back, text, &ret);
	ASSERT_EQ(ret, 0, "shown with a long hook, it parses");
	ASSERT_STREQ(back.hook, cfg.hook, "the hook survives whole");
	free(err);
	free(text);

	err = parse_config(&cfg, "[blacklist]\nlists = /etc/a.list,;b\n", &ret);
	ASSERT_EQ(ret, -EINVAL, "a list item that would read as a comment is refused");
	ASSERT_TRUE(err && strstr(err, "t.conf:2: blacklist.lists: an item may not begin with ';'"),
		    "with its line");
	free(err);
}

static void t_config_continuation(void *arg)
{
	struct mw_config cfg;
	char long_line[400], *errs;
	int ret;

	errs = parse_config(&cfg,
			    "[blacklist]\nalert_only = 192.0.2.0/24 198.51.100.0/24\n"
			    "\t203.0.113.0/24\n  2001:db8::/32\n"
			    "lists = a=/x/a.txt,\n\t/x/b.txt\n",
			    &ret);
	ASSERT_EQ(ret, 0, "continuation lines parse");
	ASSERT_EQ(cfg.n_bl_alert_only, 4, "indented lines add to the list");
	ASSERT_STREQ(cfg.bl_lists, "a=/x/a.txt, /x/b.txt",
		     "and to a text list, empty items dropped");
	free(errs);
	errs = parse_config(
		&cfg, "[blacklist]\nalert_only = 192.0.2.0/24\nalert_only = 198.51.100.0/24\n",
		&ret);
	ASSERT_EQ(cfg.n_bl_alert_only, 1, "a key on its own line again replaces the list");
	free(errs);
	memset(long_line, 'x', sizeof(long_line));
	memcpy(long_line, "hook = ", 7);
	long_line[sizeof(long_line) - 1] = '\0';
	{
		char text[600];

		snprintf(text, sizeof(text), "[enforce]\n%s\nban_time = 1h\n", long_line);
		errs = parse_config(&cfg, text, &ret);
	}
	ASSERT_EQ(ret, -EINVAL, "a line too long for inih is an error");
	ASSERT_TRUE(strstr(errs, "t.conf:2: line longer than") != NULL, "named by file and line");
	ASSERT_EQ(cfg.ban_ms, 3600000, "the next line is still read");
	free(errs);
}

/* [crowdsec] and [agent] eve_format: values, errors, secrets never shown */
static void t_config_crowdsec(void *arg)
{
	struct mw_config cfg;
	char *err, *text = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	err = parse_config(&cfg, "", &ret);
	ASSERT_STREQ(cfg.cs.url, "", "off by default");
	ASSERT_EQ(cfg.cs.push, MW_CS_PUSH_INBOUND, "push inbound by default");
	ASSERT_EQ(cfg.cs.pull, MW_CS_PULL_AUTO, "pull auto by default");
	ASSERT_EQ(cfg.cs.pull_interval_ms, 10000, "pull every 10s");
	ASSERT_EQ(cfg.cs.scopes, MW_CS_SCOPE_IP | MW_CS_SCOPE_RANGE, "scopes ip, range");
	ASSERT_EQ(cfg.eve_format, MW_EVE_FORMAT_MINEWALL, "minewall events by default");
	free(err);

	err = parse_config(&cfg,
			   "[agent]\neve_format = suricata\n"
			   "[crowdsec]\nurl = https://192.0.2.1:8080/\nmachine_id = web-17\n"
			   "password = s3cret;x\nbouncer_key_file = /etc/minewall/cs.key\n"
			   "push = all\npull = yes\npull_interval = 30s\nscopes = range\n"
			   "tls_cert = /c.pem\ntls_key = /k.pem\n",
			   &ret);
	ASSERT_EQ(ret, 0, "a full [crowdsec] section parses");
	ASSERT_STREQ(err, "", "no messages");
	ASSERT_EQ(cfg.eve_format, MW_EVE_FORMAT_SURICATA, "eve_format suricata");
	ASSERT_STREQ(cfg.cs.url, "https://192.0.2.1:8080/", "url");
	ASSERT_STREQ(cfg.cs.password, "s3cret;x", "password");
	ASSERT_EQ(cfg.cs.push, MW_CS_PUSH_ALL, "push all");
	ASSERT_EQ(cfg.cs.scopes, MW_CS_SCOPE_RANGE, "scopes range only");
	free(err);

	f = open_memstream(&text, &len);
	mw_config_write(&cfg, f);
	fclose(f);
	ASSERT_TRUE(!strstr(text, "s3cret"), "--show-config never shows the password");
	ASSERT_TRUE(strstr(text, "password = (hidden)") != NULL, "but says one is set");
	ASSERT_TRUE(strstr(text, "scopes = range\n") != NULL, "scopes written back");
	err = parse_config(&cfg, text, &ret);
	ASSERT_EQ(ret, -EINVAL, "the hidden placeholder is not taken for a password");
	ASSERT_TRUE(err && strstr(err, "crowdsec.password: (hidden) is what --show-config prints"),
		    "and says so");
	free(err);
	free(text);

	err = parse_config(&cfg,
			   "[crowdsec]\nurl = ftp://x\nscopes = ip, country\npush = some\n"
			   "password = a\npassword_file = /p\ntls_cert = /c.pem\n",
			   &ret);
	ASSERT_EQ(ret, -EINVAL, "bad [crowdsec] values refused");
	ASSERT_TRUE(err && strstr(err, "t.conf:2: crowdsec.url: 'ftp://x' is not an http"),
		    "url named by line");
	ASSERT_TRUE(err && strstr(err, "t.conf:3: crowdsec.scopes: 'country' is not a scope"),
		    "scope named by line");
	ASSERT_TRUE(err && strstr(err, "t.conf:4: crowdsec.push: 'some' is not one of"),
		    "push named by line");
	ASSERT_TRUE(err && strstr(err, "password and password_file are both set"),
		    "two passwords refused");
	ASSERT_TRUE(err && strstr(err, "tls_cert and tls_key go together"), "cert without key");
	free(err);

	err = parse_config(&cfg, "[crowdsec]\nurl = http://192.0.2.1:8080\npull = yes\n", &ret);
	ASSERT_EQ(ret, -EINVAL, "pull = yes with no key refused");
	ASSERT_TRUE(err && strstr(err, "pull = yes needs bouncer_key"), "and says what it needs");
	free(err);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("config defaults", t_config_defaults, NULL);
	test_run("config values", t_config_values, NULL);
	test_run("config errors name file and line", t_config_errors, NULL);
	test_run("config round trip", t_config_roundtrip, NULL);
	test_run("config continuation lines, long lines", t_config_continuation, NULL);
	test_run("config [crowdsec] and eve_format", t_config_crowdsec, NULL);
	return test_summary("config");
}
