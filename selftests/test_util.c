// SPDX-License-Identifier: GPL-2.0-only
/* test_util.c - what the agent and the CLI share (lib/util.c, lib/addr.c,
 * lib/flowtable.c's names): durations, addresses and prefixes, names of
 * flags and states, any bytes made safe UTF-8, arrays that grow, the
 * time as the events write it. Built with ASan and UBSan. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "lib/addr.h"
#include "lib/flowtable.h"
#include "lib/util.h"
#include "test.h"

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

	/* the LAPI's address, never blocked (enforce/allow.c) */
	ASSERT_EQ(mw_url_host_addr("http://192.0.2.1:8080", &a), 0, "URL with an IPv4 host");
	ASSERT_STREQ(mw_addr_str(&a, buf, sizeof(buf)), "192.0.2.1", "its address");
	ASSERT_EQ(mw_url_host_addr("https://[2001:db8::5]/v1", &a), 0, "URL with an IPv6 host");
	ASSERT_STREQ(mw_addr_str(&a, buf, sizeof(buf)), "2001:db8::5", "its address");
	ASSERT_EQ(mw_url_host_addr("http://198.51.100.4/", &a), 0, "no port");
	ASSERT_EQ(mw_url_host_addr("http://lapi.example:8080", &a), -EINVAL, "a name");
	ASSERT_EQ(mw_url_host_addr("http://user@192.0.2.1/", &a), -EINVAL, "credentials");
	ASSERT_EQ(mw_url_host_addr("http://[2001:db8::5", &a), -EINVAL, "an unclosed bracket");
	ASSERT_EQ(mw_url_host_addr("192.0.2.1", &a), -EINVAL, "not a URL");
}

static void t_names(void *arg)
{
	char buf[16];

	ASSERT_STREQ(mw_flowtable_tcp_flags_str(MW_TCP_SYN | MW_TCP_ACK | MW_TCP_FIN, buf,
						sizeof(buf)),
		     "FSA", "flags");
	ASSERT_STREQ(mw_flowtable_proto_name(47, buf, sizeof(buf)), "47", "gre by number");
	ASSERT_STREQ(mw_flowtable_state_name(MW_STATE_CLOSING), "closing", "state name");
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
		SAN("bidi overrides made visible (U+202E, U+2066)",
		    "a\xe2\x80\xae"
		    "b\xe2\x81\xa6",
		    32, "a\\u202eb\\u2066"),
		SAN("U+2069 escaped, U+206A kept", "\xe2\x81\xa9\xe2\x81\xaa", 32,
		    "\\u2069\xe2\x81\xaa"),
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

static void t_grow(void *arg)
{
	size_t cap = 0, before, i;
	int *v = NULL;

	for (i = 0; i < 1000; i++) {
		if (!ASSERT_EQ(mw_grow(&v, &cap, i, sizeof(*v), 4), 0, "room for the next"))
			break;
		v[i] = (int)i;
	}
	ASSERT_EQ(cap, 1024, "doubled from the first size");
	/* an index far past the end takes one call */
	ASSERT_EQ(mw_grow(&v, &cap, 100000, sizeof(*v), 4), 0, "an index far past the end");
	ASSERT_TRUE(cap > 100000, "room for it");
	v[100000] = 1;
	/* sizes that would wrap around are refused and the array kept */
	before = cap;
	ASSERT_EQ(mw_grow(&v, &cap, SIZE_MAX / 2, sizeof(*v), 4), -ENOMEM, "bytes overflow");
	ASSERT_EQ(mw_grow(&v, &cap, SIZE_MAX, 1, 4), -ENOMEM, "count overflow");
	ASSERT_EQ(cap, before, "the array unchanged");
	ASSERT_EQ(v[999] + v[100000], 1000, "its elements kept");
	free(v);
}

static void t_rfc3339(void *arg)
{
	char buf[40];
	struct tm tm = { 0 };
	const char *end;
	time_t t;

	mw_format_rfc3339_now(buf, sizeof(buf));
	ASSERT_EQ(strlen(buf), 27, "2026-12-05T12:30:58.123456Z");
	end = strptime(buf, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!ASSERT_TRUE(end, "date and time"))
		return;
	ASSERT_TRUE(end[0] == '.' && strspn(end + 1, "0123456789") == 6 && !strcmp(end + 7, "Z"),
		    "microseconds, UTC");
	t = timegm(&tm);
	ASSERT_TRUE(t <= time(NULL) && time(NULL) - t < 5, "now");
	/* a short buffer is cut, never overrun */
	mw_format_rfc3339_now(buf, 5);
	ASSERT_TRUE(strlen(buf) < 5, "cut");
	ASSERT_STREQ(mw_format_rfc3339_s(1796482800, buf, sizeof(buf)), "2026-12-05T15:00:00Z",
		     "a given second, UTC");
	ASSERT_STREQ(mw_format_rfc3339_s(INT64_MAX, buf, sizeof(buf)), "1970-01-01T00:00:00Z",
		     "a time gmtime cannot take: the epoch, never garbage");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("durations", t_durations, NULL);
	test_run("addresses and prefixes", t_addresses, NULL);
	test_run("names", t_names, NULL);
	test_run("sanitize: any bytes to safe UTF-8", t_sanitize, NULL);
	test_run("mw_grow: doubling, far indexes, overflow", t_grow, NULL);
	test_run("RFC 3339 time", t_rfc3339, NULL);
	return test_summary("util");
}
