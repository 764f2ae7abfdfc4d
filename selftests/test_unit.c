// SPDX-License-Identifier: GPL-2.0-only
/* test_unit.c - user-space logic without a kernel: config, durations,
 * addresses, event dispatch, flow expiry. Built with ASan and UBSan. */
#include <errno.h>
#include <limits.h>
#include <unistd.h>
#include <poll.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <jansson.h>

#include "lib/addr.h"
#include "agent/flow_scan.h"
#include "parse/config.h"
#include "enforce/policy.h"
#include "agent/events.h"
#include "agent/server.h"
#include "lib/flowtable.h"
#include "test.h"
#include "lib/util.h"

/* Parses @text; returns the error stream's contents (free it). */
#define MS 1000000ULL

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
	ASSERT_EQ(mw_flow_scan_timeout_ms(&cfg, &k, &f), cfg.tcp_idle_ms, "established tcp");
	f.state = MW_STATE_CLOSED;
	ASSERT_EQ(mw_flow_scan_timeout_ms(&cfg, &k, &f), cfg.closed_linger_ms, "closed tcp");
	f.state = MW_STATE_OPEN;
	f.handshake = 0;
	f.initiator = MW_DIR_IN;
	ASSERT_EQ(mw_flow_scan_timeout_ms(&cfg, &k, &f), cfg.halfopen_ms, "half-open tcp");
	f.initiator = MW_INIT_UNKNOWN;
	ASSERT_EQ(mw_flow_scan_timeout_ms(&cfg, &k, &f), cfg.tcp_idle_ms, "mid-stream tcp");
	k.proto = IPPROTO_UDP;
	ASSERT_EQ(mw_flow_scan_timeout_ms(&cfg, &k, &f), cfg.udp_idle_ms, "udp");
}

static void t_names(void *arg)
{
	char buf[16];

	ASSERT_STREQ(mw_tcp_flags_str(MW_TCP_SYN | MW_TCP_ACK | MW_TCP_FIN, buf, sizeof(buf)),
		     "FSA", "flags");
	ASSERT_STREQ(mw_proto_name(47, buf, sizeof(buf)), "47", "gre by number");
	ASSERT_STREQ(mw_flow_state_name(MW_STATE_CLOSING), "closing", "state name");
}

/* One row: bytes in (with their length: they may hold NUL), the room, the
 * text out. */
struct san_case {
	const char *what, *in;
	size_t in_len, room;
	const char *out;
};

#define SAN(what, in, room, out)                    \
	{                                           \
		what, in, sizeof(in) - 1, room, out \
	}

static void t_sanitize(void *arg)
{
	static const struct san_case cases[] = {
		SAN("empty", "", 16, ""),
		SAN("ascii kept", "sshd: root [priv]", 64, "sshd: root [priv]"),
		SAN("2-byte kept", "caf\xc3\xa9", 16, "caf\xc3\xa9"),
		SAN("3-byte kept", "\xe2\x82\xac 5", 16, "\xe2\x82\xac 5"),
		SAN("4-byte kept", "\xf0\x9f\x90\x8d!", 16, "\xf0\x9f\x90\x8d!"),
		SAN("U+10FFFF kept", "\xf4\x8f\xbf\xbf", 16, "\xf4\x8f\xbf\xbf"),
		SAN("U+FFFD kept (idempotent)", "\xef\xbf\xbd", 16, "\xef\xbf\xbd"),
		SAN("truncated 2-byte at the end", "ab\xc3", 16, "ab\xef\xbf\xbd"),
		SAN("truncated 3-byte at the end: one U+FFFD", "ab\xe2\x82", 16, "ab\xef\xbf\xbd"),
		SAN("truncated 4-byte then ascii", "\xf0\x9f\x90x", 16, "\xef\xbf\xbdx"),
		SAN("lone continuation bytes: one U+FFFD each", "\x80\xbf", 16,
		    "\xef\xbf\xbd\xef\xbf\xbd"),
		SAN("overlong 2-byte '/' (c0 af)", "\xc0\xaf", 16, "\xef\xbf\xbd\xef\xbf\xbd"),
		SAN("overlong 3-byte (e0 80 af)", "\xe0\x80\xaf", 16,
		    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"),
		SAN("overlong 4-byte (f0 80 80 af)", "\xf0\x80\x80\xaf", 16,
		    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"),
		SAN("surrogate U+D800 (ed a0 80)", "\xed\xa0\x80", 16,
		    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"),
		SAN("past U+10FFFF (f4 90 80 80)", "\xf4\x90\x80\x80", 32,
		    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"),
		SAN("0xff and 0xfe", "a\xff\xfe", 16, "a\xef\xbf\xbd\xef\xbf\xbd"),
		SAN("C0: ESC sequence made visible", "\x1b[31mred", 32, "\\x1b[31mred"),
		SAN("C0: newline, tab, CR", "a\nb\tc\r", 32, "a\\x0ab\\x09c\\x0d"),
		SAN("NUL inside", "a\0b", 16, "a\\x00b"),
		SAN("DEL", "a\x7f", 16, "a\\x7f"),
		SAN("C1: U+0085 and U+009B (CSI)", "\xc2\x85\xc2\x9b", 16, "\\x85\\x9b"),
		SAN("U+00A0 is not a control", "\xc2\xa0", 16, "\xc2\xa0"),
		SAN("exact fit: 3 bytes in 4", "abc", 4, "abc"),
		SAN("one short: cut at a character", "abcd", 4, "abc"),
		SAN("a multibyte that does not fit is left out whole", "ab\xe2\x82\xac", 5, "ab"),
		SAN("a multibyte that fits exactly", "ab\xe2\x82\xac", 6, "ab\xe2\x82\xac"),
		SAN("an escape that does not fit is left out whole", "ab\x01", 6, "ab"),
		SAN("an escape that fits exactly", "ab\x01", 7, "ab\\x01"),
		SAN("U+FFFD that does not fit", "a\xff", 4, "a"),
		SAN("room for the NUL only", "abc", 1, ""),
	};
	char out[64];
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct san_case *c = &cases[i];

		memset(out, 'Z', sizeof(out));
		n = mw_sanitize_utf8(out, c->room, c->in, c->in_len);
		ASSERT_STREQ(out, c->out, c->what);
		ASSERT_EQ(n, strlen(c->out), c->what);
		ASSERT_TRUE(out[c->room - 1] == '\0' || strlen(out) < c->room, c->what);
	}
	/* nothing written without room, and a NULL source is empty text */
	out[0] = 'Z';
	ASSERT_EQ(mw_sanitize_utf8(out, 0, "abc", 3), 0, "no room");
	ASSERT_TRUE(out[0] == 'Z', "no room: nothing written");
	ASSERT_STREQ(mw_sanitize_str(out, sizeof(out), NULL), "", "NULL reads as empty");
	/* every byte value alone, and random bytes: always valid UTF-8 without controls */
	for (i = 0; i < 20000; i++) {
		unsigned char in[24];
		size_t k, len = i < 256 ? 1 : (size_t)(rand() % (int)sizeof(in));
		const unsigned char *p;
		json_t *j;
		bool ok;

		for (k = 0; k < len; k++)
			in[k] = i < 256 ? (unsigned char)i : (unsigned char)rand();
		n = mw_sanitize_utf8(out, 1 + (size_t)rand() % sizeof(out), (const char *)in, len);
		ASSERT_TRUE(n == strlen(out), "random: length");
		for (p = (const unsigned char *)out; *p; p++)
			if (*p < 0x20 || *p == 0x7f)
				break;
		if (!ASSERT_TRUE(!*p, "random: no control byte left"))
			break;
		j = json_string(out); /* NULL for invalid UTF-8 */
		ok = ASSERT_TRUE(j, "random: valid UTF-8");
		json_decref(j);
		if (!ok)
			break;
	}
}

static enum mw_block_result share_block(struct mw_policy *p, const char *addr, const char *method)
{
	struct mw_block_req req = { .method = method, .reason = "unit" };
	char msg[256];

	mw_prefix_parse(addr, &req.target);
	return mw_policy_block(p, &req, msg, sizeof(msg));
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
	if (!ASSERT_EQ(mw_policy_init(&p, &cfg, NULL, &allow, -1, -1), 0, "policy"))
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

static void t_eve_never_lost(void *arg)
{
	char path[] = "/tmp/mw-unit-eve-XXXXXX", *line = NULL;
	struct mw_eve e;
	json_t *ev, *o[3] = { NULL };
	size_t cap = 0, n = 0;
	FILE *f;
	int fd = mkstemp(path);

	if (!ASSERT_TRUE(fd >= 0, "temporary file"))
		return;
	close(fd);
	if (!ASSERT_EQ(mw_eve_open(&e, path), 0, "open"))
		return;
	/* a string jansson was told not to check: json_dumps() refuses it */
	ev = json_pack("{s:s, s:s, s:o}", "event_type", "detection", "method", "DIRNET", "detail",
		       json_pack("{s:o}", "comm", json_stringn_nocheck("mine\xff\x1b", 6)));
	mw_eve_emit(&e, ev);
	/* json_pack() failed upstream: a process name that is not UTF-8 */
	mw_eve_emit(&e, json_pack("{s:s, s:s}", "event_type", "detection", "comm", "x\xc3"));
	/* what callers should use for such names */
	mw_eve_emit(&e, json_pack("{s:s, s:o}", "event_type", "detection", "comm",
				  mw_eve_str("\x01name\xe2\x82")));
	mw_eve_close(&e);
	f = fopen(path, "r");
	while (f && getline(&line, &cap, f) > 0 && n < 3)
		o[n++] = json_loads(line, 0, NULL);
	if (f)
		fclose(f);
	free(line);
	unlink(path);
	if (!ASSERT_EQ(n, 3, "three lines written") || !ASSERT_TRUE(o[0] && o[1] && o[2], "JSON"))
		goto out;
	ASSERT_STREQ(json_string_value(json_object_get(json_object_get(o[0], "detail"), "comm")),
		     "mine\xef\xbf\xbd\\x1b", "unencodable string sanitized, event kept");
	ASSERT_STREQ(json_string_value(json_object_get(o[1], "event_type")), "error",
		     "a lost event leaves a record");
	ASSERT_TRUE(strstr(json_string_value(json_object_get(o[1], "source")), "test_unit.c:"),
		    "the record says where it came from");
	ASSERT_STREQ(json_string_value(json_object_get(o[2], "comm")), "\\x01name\xef\xbf\xbd",
		     "mw_eve_str");
	ASSERT_EQ(e.unencodable, 1, "counted");
out:
	for (n = 0; n < 3; n++)
		json_decref(o[n]);
}

static int line_done(const char *buf, size_t len, size_t from)
{
	return memchr(buf + from, '\n', len - from) != NULL;
}

/* Echoes a request; "big" gets 4 MiB, more than any socket buffer holds. */
static char *echo(void *arg, int fd, const char *buf, size_t len, bool too_large, size_t *out_len)
{
	char *out;

	if (too_large) {
		*out_len = 9;
		return strdup("too long\n");
	}
	if (len >= 3 && !memcmp(buf, "big", 3)) {
		*out_len = 4 << 20;
		out = malloc(*out_len);
		if (out)
			memset(out, 'x', *out_len);
		return out;
	}
	out = malloc(len + 6);
	if (!out)
		return NULL;
	*out_len = (size_t)sprintf(out, "echo:%.*s", (int)len, buf);
	return out;
}

static int unix_client(const struct sockaddr_un *sa, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (const struct sockaddr *)sa, len)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* what @fd has to read within @ms: bytes, 0 at EOF, -1 for nothing */
static ssize_t wait_read(int fd, char *buf, size_t len, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		return -1;
	return recv(fd, buf, len, MSG_DONTWAIT);
}

static void t_server(void *arg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t salen;
	struct mw_server s;
	int lfd, idle, ok, slow, big, many[MW_SERVER_CONNS], err;
	struct rlimit lim;
	char buf[256];
	struct pollfd p;
	unsigned i;

	/* an abstract address: nothing on disk */
	snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "mw-unit-server-%d", (int)getpid());
	salen = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sa.sun_path + 1);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (!ASSERT_TRUE(lfd >= 0 && !bind(lfd, (struct sockaddr *)&sa, salen) && !listen(lfd, 64),
			 "listening socket"))
		return;
	err = mw_server_init(&s, lfd, 64, line_done);
	/* cppcheck takes the abstract address above for ASSERT_EQ's argument */
	// cppcheck-suppress invalidPrintfArgType_sint
	if (!ASSERT_EQ(err, 0, "server"))
		return;
	s.request_ns = 150 * MS;
	s.answer_ns = 150 * MS;

	/* a slow client: part of a request, then nothing */
	idle = unix_client(&sa, salen);
	ASSERT_TRUE(send(idle, "pi", 2, 0) == 2, "idle: sends a part");
	/* a client that takes its answer */
	ok = unix_client(&sa, salen);
	ASSERT_TRUE(send(ok, "ping\n", 5, 0) == 5, "sends a request");
	/* one that asks for a big answer and never reads it */
	slow = unix_client(&sa, salen);
	ASSERT_TRUE(send(slow, "big\n", 4, 0) == 4, "slow reader: asks");
	/* one over the bound */
	big = unix_client(&sa, salen);
	memset(buf, 'a', 100);
	ASSERT_TRUE(send(big, buf, 100, 0) == 100, "too large: sends");
	mw_server_serve(&s, echo, NULL);
	mw_server_serve(&s, echo, NULL);
	ASSERT_EQ(wait_read(ok, buf, sizeof(buf), 500), 10, "answered");
	ASSERT_TRUE(!memcmp(buf, "echo:ping\n", 10), "the answer");
	ASSERT_EQ(wait_read(ok, buf, sizeof(buf), 500), 0, "then closed");
	ASSERT_EQ(wait_read(big, buf, sizeof(buf), 500), 9, "too large: answered");
	ASSERT_EQ(s.drops[MW_DROP_TOO_LARGE], 1, "too large: counted");
	ASSERT_EQ(wait_read(idle, buf, sizeof(buf), 0), -1, "idle: still open, no answer");
	ASSERT_EQ(mw_server_open_conns(&s), 2, "idle and slow reader open");
	/* nothing to do but wait: the timer wakes the loop at each deadline
	 * (the two fall a moment apart; a loaded machine may wake once each) */
	p = (struct pollfd){ .fd = s.fd, .events = POLLIN };
	ASSERT_EQ(poll(&p, 1, 1000), 1, "the deadline wakes the loop");
	mw_server_serve(&s, echo, NULL);
	for (int i = 0; i < 20 && mw_server_open_conns(&s); i++) {
		p = (struct pollfd){ .fd = s.fd, .events = POLLIN };
		if (poll(&p, 1, 100) == 1)
			mw_server_serve(&s, echo, NULL);
	}
	ASSERT_EQ(s.drops[MW_DROP_DEADLINE], 1, "idle: dropped at the deadline");
	ASSERT_EQ(s.drops[MW_DROP_SLOW_READER], 1, "slow reader: dropped at its deadline");
	ASSERT_EQ(wait_read(idle, buf, sizeof(buf), 500), 0, "idle: closed");
	ASSERT_EQ(mw_server_open_conns(&s), 0, "none open");
	close(idle);
	close(ok);
	close(slow);
	close(big);

	/* more clients than the cap: the oldest goes */
	for (i = 0; i < MW_SERVER_CONNS; i++) {
		many[i] = unix_client(&sa, salen);
		mw_server_serve(&s, echo, NULL);
	}
	ok = unix_client(&sa, salen);
	mw_server_serve(&s, echo, NULL);
	ASSERT_EQ(s.drops[MW_DROP_TOO_MANY], 1, "one made room");
	ASSERT_EQ(wait_read(many[0], buf, sizeof(buf), 500), 0, "the oldest closed");
	ASSERT_TRUE(send(ok, "x\n", 2, 0) == 2, "the newest sends");
	mw_server_serve(&s, echo, NULL);
	ASSERT_EQ(wait_read(ok, buf, sizeof(buf), 500), 7, "the newest answered");
	for (i = 0; i < MW_SERVER_CONNS; i++)
		close(many[i]);
	close(ok);
	ASSERT_EQ(s.accepted, 4 + MW_SERVER_CONNS + 1, "accepted");

	/* out of file descriptors: accepting pauses instead of spinning */
	mw_server_serve(&s, echo, NULL); /* the closed ones go */
	ok = unix_client(&sa, salen);
	if (ASSERT_TRUE(ok >= 0 && !getrlimit(RLIMIT_NOFILE, &lim), "client, limit")) {
		struct rlimit low = { .rlim_cur = (rlim_t)ok + 1, .rlim_max = lim.rlim_max };

		setrlimit(RLIMIT_NOFILE, &low);
		mw_server_serve(&s, echo, NULL);
		setrlimit(RLIMIT_NOFILE, &lim);
		ASSERT_EQ(s.accept_pauses, 1, "paused");
		p = (struct pollfd){ .fd = s.fd, .events = POLLIN };
		ASSERT_EQ(poll(&p, 1, 0), 0, "paused: the loop is not woken for it");
		ASSERT_EQ(poll(&p, 1, 1000), 1, "the timer ends the pause");
		mw_server_serve(&s, echo, NULL);
		mw_server_serve(&s, echo, NULL);
		ASSERT_TRUE(send(ok, "y\n", 2, 0) == 2, "then it is taken");
		mw_server_serve(&s, echo, NULL);
		ASSERT_EQ(wait_read(ok, buf, sizeof(buf), 500), 7, "and answered");
	}
	close(ok);
	mw_server_close(&s);
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
	test_run("sanitize: any bytes to safe UTF-8", t_sanitize, NULL);
	test_run("policy: a share of the cap per method", t_policy_share, NULL);
	test_run("events: never lost to their bytes", t_eve_never_lost, NULL);
	test_run("server: deadlines, bounds, the cap on clients", t_server, NULL);
	return test_summary("test_unit");
}
