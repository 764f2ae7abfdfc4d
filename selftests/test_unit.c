// SPDX-License-Identifier: GPL-2.0-only
/* test_unit.c - user-space logic without a kernel: config, durations,
 * addresses, event dispatch, flow expiry. Built with ASan and UBSan. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "addr.h"
#include "agent_flows.h"
#include "config.h"
#include "events.h"
#include "flowtable.h"
#include "test.h"
#include "util.h"

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

static void t_durations(void *arg)
{
	static const struct {
		const char *s;
		int ret;
		uint64_t ms;
	} cases[] = {
		{ "250ms", 0, 250 },   { "30s", 0, 30000 },
		{ "10m", 0, 600000 },  { "2h", 0, 7200000 },
		{ "1d", 0, 86400000 }, { "15", 0, 15000 },
		{ "", -EINVAL, 0 },    { "s", -EINVAL, 0 },
		{ "-1s", -EINVAL, 0 }, { "1x", -EINVAL, 0 },
		{ "1 s", -EINVAL, 0 }, { "99999999999999999999d", -EINVAL, 0 },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t ms = 0;
		int ret = mw_parse_duration_ms(cases[i].s, &ms);

		ASSERT_EQ(ret, cases[i].ret, cases[i].s);
		if (!ret)
			ASSERT_EQ(ms, cases[i].ms, cases[i].s);
	}
	ASSERT_STREQ(mw_format_duration_exact(900000, buf, sizeof(buf)), "15m", "exact 15m");
	ASSERT_STREQ(mw_format_duration_exact(1500, buf, sizeof(buf)), "1500ms", "exact 1500ms");
	ASSERT_STREQ(mw_format_duration(3723000, buf, sizeof(buf)), "1h2m", "human 1h2m");
	ASSERT_STREQ(mw_format_bytes(1536, buf, sizeof(buf)), "1.5KiB", "bytes");
}

static void t_addresses(void *arg)
{
	struct mw_prefix p;
	struct mw_addr a;
	char buf[MW_ADDRSTRLEN];

	ASSERT_EQ(mw_addr_parse("192.0.2.1", &a), 0, "ipv4");
	ASSERT_TRUE(mw_addr_is_v4(&a), "ipv4 is mapped");
	ASSERT_STREQ(mw_addr_str(&a, buf, sizeof(buf)), "192.0.2.1", "ipv4 text");
	ASSERT_EQ(mw_addr_parse("2001:db8::1", &a), 0, "ipv6");
	ASSERT_TRUE(!mw_addr_is_v4(&a), "ipv6 not mapped");
	ASSERT_EQ(mw_addr_parse("300.1.1.1", &a), -EINVAL, "bad ipv4");
	ASSERT_EQ(mw_addr_parse("host.example", &a), -EINVAL, "a name");

	ASSERT_EQ(mw_prefix_parse("10.0.0.0/8", &p), 0, "v4 prefix");
	ASSERT_EQ(p.len, 104, "v4 /8 is /104 mapped");
	ASSERT_STREQ(mw_prefix_str(&p, buf, sizeof(buf)), "10.0.0.0/8", "v4 prefix text");
	mw_addr_parse("10.200.1.1", &a);
	ASSERT_TRUE(mw_prefix_contains(&p, &a), "10/8 contains 10.200.1.1");
	mw_addr_parse("11.0.0.1", &a);
	ASSERT_TRUE(!mw_prefix_contains(&p, &a), "10/8 excludes 11.0.0.1");
	ASSERT_EQ(mw_prefix_parse("fe80::/10", &p), 0, "v6 prefix");
	ASSERT_EQ(p.len, 10, "v6 length");
	ASSERT_EQ(mw_prefix_parse("10.0.0.1/8", &p), -EINVAL, "host bits set");
	ASSERT_EQ(mw_prefix_parse("10.0.0.0/33", &p), -EINVAL, "v4 length > 32");
	ASSERT_EQ(mw_prefix_parse("::/129", &p), -EINVAL, "v6 length > 128");
	ASSERT_EQ(mw_prefix_parse("10.0.0.0/", &p), -EINVAL, "empty length");
	ASSERT_EQ(mw_prefix_parse("10.0.0.0/8x", &p), -EINVAL, "junk after length");
	ASSERT_EQ(mw_prefix_parse("192.0.2.7", &p), 0, "bare address");
	ASSERT_EQ(p.len, 128, "bare address is a host");
}

struct sink_counts {
	int ends, peeks;
	int last_reason;
};

static void count_end(void *arg, const struct mw_event_flow *ev)
{
	struct sink_counts *c = arg;

	c->ends++;
	c->last_reason = ev->hdr.reason;
}

static void count_peek(void *arg, const struct mw_event_peek *ev)
{
	((struct sink_counts *)arg)->peeks++;
}

static void t_events(void *arg)
{
	struct mw_events ev;
	struct sink_counts c = { 0 };
	struct mw_event_sink sink = { .flow_end = count_end, .peek = count_peek, .arg = &c };
	struct mw_event_flow fe = { .hdr = { .type = MW_EV_FLOW_END, .reason = MW_END_FIN } };
	struct mw_event_peek pe = { .hdr = { .type = MW_EV_PEEK }, .len = 10 };
	unsigned char junk[4] = { 1, 2, 3, 4 };

	ASSERT_EQ(mw_events_open(&ev, -1), 0, "open without a ring buffer");
	mw_events_add_sink(&ev, &sink);
	fe.flow.first_ns = 42;
	ASSERT_EQ(mw_events_dispatch(&ev, &fe, sizeof(fe)), 0, "flow end");
	ASSERT_EQ(mw_events_dispatch(&ev, &fe, sizeof(fe)), 0, "duplicate flow end");
	ASSERT_EQ(c.ends, 1, "duplicate end dropped");
	ASSERT_EQ(ev.duplicates, 1, "duplicate counted");
	fe.flow.first_ns = 43; /* the 4-tuple reused: a new connection */
	mw_events_dispatch(&ev, &fe, sizeof(fe));
	ASSERT_EQ(c.ends, 2, "same key, new connection delivered");
	ASSERT_EQ(mw_events_dispatch(&ev, &fe, sizeof(fe) - 1), -EINVAL, "short flow record");
	ASSERT_EQ(mw_events_dispatch(&ev, junk, sizeof(junk)), -EINVAL,
		  "record shorter than a header");
	fe.hdr.type = 99;
	ASSERT_EQ(mw_events_dispatch(&ev, &fe, sizeof(fe)), -EINVAL, "unknown type");
	ASSERT_EQ(mw_events_dispatch(&ev, &pe, sizeof(pe)), 0, "peek");
	pe.len = MW_PEEK_MAX + 1;
	ASSERT_EQ(mw_events_dispatch(&ev, &pe, sizeof(pe)), -EINVAL, "peek length past its buffer");
	ASSERT_EQ(c.peeks, 1, "one good peek delivered");
	ASSERT_EQ(ev.received[0], 4, "malformed records counted");
	mw_events_close(&ev);
}

static void t_flow_timeouts(void *arg)
{
	struct mw_config cfg;
	struct mw_flow_key k = { .proto = IPPROTO_TCP };
	struct mw_flow f = { 0 };

	mw_config_defaults(&cfg);
	f.handshake = 1;
	ASSERT_EQ(mw_flow_timeout_ms(&cfg, &k, &f), cfg.tcp_idle_ms, "established tcp");
	f.state = MW_STATE_CLOSED;
	ASSERT_EQ(mw_flow_timeout_ms(&cfg, &k, &f), cfg.closed_linger_ms, "closed tcp");
	f.state = MW_STATE_OPEN;
	f.handshake = 0;
	f.initiator = MW_DIR_IN;
	ASSERT_EQ(mw_flow_timeout_ms(&cfg, &k, &f), cfg.halfopen_ms, "half-open tcp");
	f.initiator = MW_INIT_UNKNOWN;
	ASSERT_EQ(mw_flow_timeout_ms(&cfg, &k, &f), cfg.tcp_idle_ms, "mid-stream tcp");
	k.proto = IPPROTO_UDP;
	ASSERT_EQ(mw_flow_timeout_ms(&cfg, &k, &f), cfg.udp_idle_ms, "udp");
}

static void t_names(void *arg)
{
	char buf[16];

	ASSERT_STREQ(mw_tcp_flags_str(MW_TCP_SYN | MW_TCP_ACK | MW_TCP_FIN, buf, sizeof(buf)),
		     "FSA", "flags");
	ASSERT_STREQ(mw_proto_name(47, buf, sizeof(buf)), "47", "gre by number");
	ASSERT_STREQ(mw_flow_state_name(MW_STATE_CLOSING), "closing", "state name");
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
	test_run("durations", t_durations, NULL);
	test_run("addresses and prefixes", t_addresses, NULL);
	test_run("event dispatch", t_events, NULL);
	test_run("flow timeouts", t_flow_timeouts, NULL);
	test_run("names", t_names, NULL);
	return test_summary("test_unit");
}
