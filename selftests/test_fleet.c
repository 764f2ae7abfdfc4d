// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_fleet - the CrowdSec LAPI client's pure parts (user/fleet/): the
 * decisions stream as CrowdSec 1.4.6's LAPI writes it (bodies captured
 * from a real one), Go durations, the alert minewall pushes checked
 * against the fields models.Alert requires, and the push queue with its
 * state file. Built with ASan and UBSan.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "fleet/alert.h"
#include "fleet/decision.h"
#include "fleet/pushq.h"
#include "lib/util.h"
#include "parse/config.h"
#include "test.h"

#define SCOPES (MW_CS_SCOPE_IP | MW_CS_SCOPE_RANGE)

/* A startup stream from crowdsec 1.4.6 (cscli decisions add -i / -r, a
 * captcha, a Range with host bits that cscli accepts). */
static const char real_stream[] =
	"{\"deleted\":null,\"new\":[{\"duration\":\"59m49.470050793s\",\"id\":1,\"origin\":"
	"\"cscli\",\"scenario\":\"test\",\"scope\":\"Ip\",\"type\":\"ban\",\"value\":"
	"\"192.0.2.7\"},{\"duration\":\"59m49.470048398s\",\"id\":2,\"origin\":\"cscli\","
	"\"scenario\":\"manual 'ban' from 'cli'\",\"scope\":\"Range\",\"type\":\"ban\","
	"\"value\":\"2001:db8::/64\"},{\"duration\":\"59m50.470047707s\",\"id\":3,\"origin\":"
	"\"cscli\",\"scenario\":\"manual 'ban' from 'cli'\",\"scope\":\"Range\",\"type\":"
	"\"ban\",\"value\":\"198.51.100.0/24\"},{\"duration\":\"59m59.470036045s\",\"id\":6,"
	"\"origin\":\"cscli\",\"scenario\":\"manual 'ban' from 'cli'\",\"scope\":\"Range\","
	"\"type\":\"ban\",\"value\":\"203.0.113.9/24\"},{\"duration\":\"1h29m50.470035714s\","
	"\"id\":4,\"origin\":\"cscli\",\"scenario\":\"manual 'captcha' from 'cli'\",\"scope\":"
	"\"Ip\",\"type\":\"captcha\",\"value\":\"2001:db8::5\"}]}";

static int parse(const char *body, unsigned scopes, struct mw_cs_stream *s, char *err)
{
	return mw_cs_stream_parse(body, strlen(body), scopes, s, err, 160);
}

static const char *pfx(const struct mw_cs_decision *d, char *buf)
{
	return mw_prefix_str(&d->target, buf, MW_ADDRSTRLEN);
}

static void t_stream_real(void *arg)
{
	struct mw_cs_stream s = { 0 };
	char err[160], p[MW_ADDRSTRLEN];
	int ret;

	if (!ASSERT_EQ(parse(real_stream, SCOPES, &s, err), 0, "parsed"))
		return;
	ASSERT_EQ(s.n_added, 4, "four bans");
	ASSERT_EQ(s.n_deleted, 0, "null deleted: none");
	ASSERT_EQ(s.skipped_type, 1, "the captcha skipped");
	ASSERT_EQ(s.bad, 0, "nothing bad");
	if (s.n_added == 4) {
		ASSERT_EQ(s.added[0].id, 1, "id");
		ASSERT_STREQ(pfx(&s.added[0], p), "192.0.2.7", "an IPv4 address");
		ASSERT_EQ(s.added[0].target.len, 128, "one address, mapped");
		ASSERT_EQ(s.added[0].scope, MW_CS_SCOPE_IP, "scope Ip");
		ASSERT_EQ(s.added[0].duration_ms, 3589470, "59m49.470050793s");
		ASSERT_STREQ(s.added[0].scenario, "test", "scenario");
		ASSERT_STREQ(s.added[0].origin, "cscli", "origin");
		ASSERT_STREQ(pfx(&s.added[1], p), "2001:db8::/64", "an IPv6 range");
		ASSERT_EQ(s.added[1].scope, MW_CS_SCOPE_RANGE, "scope Range");
		ASSERT_STREQ(pfx(&s.added[2], p), "198.51.100.0/24", "an IPv4 range");
		ASSERT_EQ(s.added[2].target.len, 96 + 24, "in the mapped space");
		ASSERT_STREQ(pfx(&s.added[3], p), "203.0.113.0/24", "host bits masked");
		ASSERT_STREQ(s.added[3].scenario, "manual 'ban' from 'cli'", "scenario text");
	}
	mw_cs_stream_free(&s);

	/* the scopes asked for */
	ret = parse(real_stream, MW_CS_SCOPE_IP, &s, err);
	/* cppcheck 2.10 takes ASSERT_EQ's long long for the message here */
	// cppcheck-suppress invalidPrintfArgType_sint
	if (ASSERT_EQ(ret, 0, "Ip only")) {
		ASSERT_EQ(s.n_added, 1, "the address");
		ASSERT_EQ(s.skipped_scope, 3, "the ranges skipped");
		mw_cs_stream_free(&s);
	}
}

static void t_stream_shapes(void *arg)
{
	struct mw_cs_stream s = { 0 };
	char err[160], p[MW_ADDRSTRLEN];

	ASSERT_EQ(parse("{\"deleted\":null,\"new\":null}", SCOPES, &s, err), 0, "both null");
	ASSERT_EQ(s.n_added + s.n_deleted + s.bad, 0, "nothing");
	mw_cs_stream_free(&s);
	ASSERT_EQ(parse("{\"new\":[],\"deleted\":[]}", SCOPES, &s, err), 0, "both empty");
	mw_cs_stream_free(&s);

	/* deletions carry a negative duration: the time since they ended */
	if (ASSERT_EQ(parse("{\"new\":null,\"deleted\":[{\"duration\":\"-3m2.5s\",\"id\":9,"
			    "\"origin\":\"cscli\",\"scenario\":\"x\",\"scope\":\"ip\","
			    "\"type\":\"BAN\",\"value\":\"2001:db8::1\"}]}",
			    SCOPES, &s, err),
		      0, "a deletion")) {
		ASSERT_EQ(s.n_deleted, 1, "deleted");
		if (s.n_deleted) {
			ASSERT_EQ(s.deleted[0].duration_ms, -182500, "expired: negative");
			ASSERT_STREQ(pfx(&s.deleted[0], p), "2001:db8::1",
				     "scope and type in any case");
		}
		mw_cs_stream_free(&s);
	}

	/* ranges as cscli lets them through: host bits, one address, mapped */
	if (ASSERT_EQ(parse("{\"new\":[{\"duration\":\"1h\",\"scope\":\"Range\",\"type\":\"ban\","
			    "\"value\":\"2001:db8:0:7::5/64\"},{\"duration\":\"1h\",\"scope\":"
			    "\"Range\",\"type\":\"ban\",\"value\":\"192.0.2.9/32\"},{\"duration\":"
			    "\"1h\",\"scope\":\"range\",\"type\":\"ban\",\"value\":"
			    "\"::ffff:198.51.100.7/120\"}],\"deleted\":null}",
			    SCOPES, &s, err),
		      0, "ranges")) {
		if (ASSERT_EQ(s.n_added, 3, "all three")) {
			ASSERT_STREQ(pfx(&s.added[0], p), "2001:db8:0:7::/64",
				     "IPv6 host bits masked");
			ASSERT_STREQ(pfx(&s.added[1], p), "192.0.2.9",
				     "a /32 range is one address");
			ASSERT_EQ(s.added[1].scope, MW_CS_SCOPE_RANGE, "still of scope Range");
			ASSERT_STREQ(pfx(&s.added[2], p), "198.51.100.0/24",
				     "a mapped /120 is a /24");
		}
		mw_cs_stream_free(&s);
	}

	/* an expired new one is handed on: the caller decides */
	if (ASSERT_EQ(parse("{\"new\":[{\"duration\":\"-1ms\",\"scope\":\"Ip\",\"type\":\"ban\","
			    "\"value\":\"192.0.2.1\"}],\"deleted\":null}",
			    SCOPES, &s, err),
		      0, "expired")) {
		ASSERT_EQ(s.n_added, 1, "kept");
		if (s.n_added)
			ASSERT_TRUE(s.added[0].duration_ms <= 0, "<= 0");
		mw_cs_stream_free(&s);
	}

	/* not a stream at all */
	ASSERT_EQ(parse("<html>502 Bad Gateway</html>", SCOPES, &s, err), -EINVAL, "not JSON");
	ASSERT_TRUE(strstr(err, "not JSON") != NULL, err);
	ASSERT_EQ(parse("", SCOPES, &s, err), -EINVAL, "empty");
	ASSERT_EQ(parse("[1,2]", SCOPES, &s, err), -EINVAL, "an array");
	ASSERT_EQ(parse("{\"message\":\"access forbidden\"}", SCOPES, &s, err), -EINVAL,
		  "an error body");
	ASSERT_EQ(parse("{\"new\":5,\"deleted\":null}", SCOPES, &s, err), -EINVAL,
		  "new not a list");
	ASSERT_EQ(s.added, NULL, "nothing kept");
	/* cut short: nothing of it is used, not even the entries before the cut */
	ASSERT_EQ(parse("{\"new\":[{\"duration\":\"1h\",\"scope\":\"Ip\",\"type\":\"ban\","
			"\"value\":\"192.0.2.1\"},{\"dura",
			SCOPES, &s, err),
		  -EINVAL, "a body cut short");
	ASSERT_STREQ(err, "not JSON: premature end of input near '\"dura' (at byte 78)", "where");
	ASSERT_EQ(s.n_added, 0, "nothing kept");
	ASSERT_EQ(parse("{\"new\":null} {}", SCOPES, &s, err), -EINVAL, "more after it");
	ASSERT_EQ(parse("{\"new\":[],\"new\":[]}", SCOPES, &s, err), -EINVAL, "new twice");
	ASSERT_EQ(mw_cs_stream_parse("{\"new\":[1]\0}", 14, SCOPES, &s, err, 160), -EINVAL,
		  "a NUL byte");
	ASSERT_STREQ(err, "not JSON: a NUL byte at byte 10", "where");
	/* fields a later LAPI may add are passed over */
	ASSERT_EQ(parse(" {\"links\":{\"a\":[1,{\"b\":null}]}, \"new\" : [ ] ,\"deleted\":null,"
			"\"n\\u0065xt\":\"x\"}\n",
			SCOPES, &s, err),
		  0, "unknown fields");
	mw_cs_stream_free(&s);
}

struct bad_case {
	const char *entry;
	const char *first_bad;
};

static void t_stream_bad(void *arg)
{
	static const struct bad_case cases[] = {
		{ "5", "new[1]: not an object" },
		{ "{\"scope\":\"Ip\",\"type\":\"ban\",\"value\":\"192.0.2.1\"}",
		  "new[1]: scope, type, value or duration missing or not a string" },
		{ "{\"duration\":\"1h\",\"scope\":\"Ip\",\"type\":\"ban\",\"value\":7}",
		  "new[1]: scope, type, value or duration missing or not a string" },
		{ "{\"duration\":\"1h\",\"scope\":\"Ip\",\"type\":\"ban\",\"value\":\"1.2.3\"}",
		  "new[1]: value '1.2.3' is not an address" },
		{ "{\"duration\":\"1h\",\"scope\":\"Ip\",\"type\":\"ban\",\"value\":\"10.0.0.0/8\"}",
		  "new[1]: value '10.0.0.0/8' is not an address" },
		{ "{\"duration\":\"1h\",\"scope\":\"Range\",\"type\":\"ban\",\"value\":\"10.0.0.1\"}",
		  "new[1]: value '10.0.0.1' is not a prefix" },
		{ "{\"duration\":\"1h\",\"scope\":\"Range\",\"type\":\"ban\",\"value\":\"10.0.0.0/33\"}",
		  "new[1]: value '10.0.0.0/33' is not a prefix" },
		{ "{\"duration\":\"1h\",\"scope\":\"Range\",\"type\":\"ban\",\"value\":\"::/0\"}",
		  "new[1]: value '::/0' is all of IPv4 or IPv6: refused" },
		{ "{\"duration\":\"1h\",\"scope\":\"Range\",\"type\":\"ban\",\"value\":\"0.0.0.0/0\"}",
		  "new[1]: value '0.0.0.0/0' is all of IPv4 or IPv6: refused" },
		{ "{\"duration\":\"1h\",\"scope\":\"Range\",\"type\":\"ban\",\"value\":"
		  "\"::ffff:1.2.3.4/90\"}",
		  "new[1]: value '::ffff:1.2.3.4/90' is all of IPv4 or IPv6: refused" },
		{ "{\"duration\":\"forever\",\"scope\":\"Ip\",\"type\":\"ban\",\"value\":\"192.0.2.1\"}",
		  "new[1]: duration 'forever' is not a Go duration" },
		{ "{\"duration\":\"1h\",\"scope\":\"Ip\",\"type\":\"ban\",\"value\":\"192.0.2.1\","
		  "\"scenario\":[]}",
		  "new[1]: scenario or origin not a string" },
		{ "{\"id\":\"7\",\"duration\":\"1h\",\"scope\":\"Ip\",\"type\":\"ban\",\"value\":"
		  "\"192.0.2.1\"}",
		  "new[1]: id is not an integer" },
		{ "{\"duration\":\"1h\",\"scope\":\"Ip\",\"type\":\"ban\",\"value\":\"\\u0001\\u001b[31m\"}",
		  "new[1]: value '\\x01\\x1b[31m' is not an address" },
	};
	const char *good = "{\"duration\":\"1h\",\"scope\":\"Ip\",\"type\":\"ban\",\"value\":"
			   "\"192.0.2.1\"}";
	struct mw_cs_stream s = { 0 };
	char body[512], err[160];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(body, sizeof(body), "{\"new\":[%s,%s,%s],\"deleted\":[%s]}", good,
			 cases[i].entry, cases[i].entry, cases[i].entry);
		// cppcheck-suppress invalidPrintfArgType_sint
		if (!ASSERT_EQ(parse(body, SCOPES, &s, err), 0, cases[i].entry))
			continue;
		ASSERT_EQ(s.n_added, 1, "the good one kept");
		ASSERT_EQ(s.bad, 3, "each bad one counted");
		ASSERT_STREQ(s.first_bad, cases[i].first_bad, "the first described");
		mw_cs_stream_free(&s);
	}
}

static void t_stream_skipped(void *arg)
{
	const char *body =
		"{\"new\":[{\"duration\":\"1h\",\"scope\":\"Country\",\"type\":\"ban\",\"value\":"
		"\"FR\"},{\"duration\":\"1h\",\"scope\":\"AS\",\"type\":\"ban\",\"value\":\"64496\"},"
		"{\"duration\":\"1h\",\"scope\":\"Ip\",\"type\":\"throttle\",\"value\":\"192.0.2.1\"},"
		"{\"duration\":\"1h\",\"scope\":\"Ip\",\"type\":\"ban\",\"value\":\"192.0.2.2\","
		"\"scenario\":\"crowdsecurity/ssh-bf\\u0007\\n" /* control characters */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"uuid\":\"x\"}],\"deleted\":null}";
	struct mw_cs_stream s = { 0 };
	char err[160];
	size_t i;

	if (!ASSERT_EQ(parse(body, SCOPES, &s, err), 0, "parsed"))
		return;
	ASSERT_EQ(s.skipped_scope, 2, "Country and AS");
	ASSERT_EQ(s.skipped_type, 1, "throttle");
	ASSERT_EQ(s.bad, 0, "none bad");
	if (ASSERT_EQ(s.n_added, 1, "the ban")) {
		ASSERT_TRUE(strlen(s.added[0].scenario) < MW_CS_SCENARIO_MAX, "truncated");
		ASSERT_TRUE(!strncmp(s.added[0].scenario, "crowdsecurity/ssh-bf\\x07\\x0a", 28),
			    s.added[0].scenario);
		for (i = 0; s.added[0].scenario[i]; i++)
			if ((unsigned char)s.added[0].scenario[i] < 0x20)
				ASSERT_TRUE(false, "a control character left");
	}
	mw_cs_stream_free(&s);
}

struct dur_case {
	const char *s;
	int err;
	int64_t ms;
};

static void t_go_durations(void *arg)
{
	static const struct dur_case cases[] = {
		{ "3h59m58.123456789s", 0, 14398123 },
		{ "-2.5s", 0, -2500 },
		{ "150ms", 0, 150 },
		{ "1h", 0, 3600000 },
		{ "0s", 0, 0 },
		{ "0", 0, 0 },
		{ "+5m", 0, 300000 },
		{ "1.5h", 0, 5400000 },
		{ ".5s", 0, 500 },
		{ "1.s", 0, 1000 },
		{ "999999ns", 0, 0 },
		{ "1500us", 0, 1 },
		{ "2000\xc2\xb5s", 0, 2 },
		{ "3000\xce\xbcs", 0, 3 },
		{ "1h2m3s4ms5us6ns", 0, 3723004 },
		{ "2562047h47m16.854775807s", 0, 9223372036854 }, /* Go's largest */
		{ "-2562047h47m16.854775808s", 0, -9223372036854 },
		{ "2562047h47m16.854775808s", -EINVAL, 0 }, /* one ns too many */
		{ "9999999999999999999h", -EINVAL, 0 },
		{ "99999999999999999999999999s", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ "-", -EINVAL, 0 },
		{ "1", -EINVAL, 0 },
		{ "h", -EINVAL, 0 },
		{ ".s", -EINVAL, 0 },
		{ "1d", -EINVAL, 0 },
		{ "1h ", -EINVAL, 0 },
		{ "1h-1m", -EINVAL, 0 },
		{ "1e3s", -EINVAL, 0 },
		{ "4h0m0s\n", -EINVAL, 0 },
	};
	char what[80], buf[48];
	int64_t ms;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(what, sizeof(what), "'%s'", cases[i].s);
		ms = 0;
		if (ASSERT_EQ(mw_go_duration_ms(cases[i].s, &ms), cases[i].err, what) &&
		    !cases[i].err)
			ASSERT_EQ(ms, cases[i].ms, what);
	}
	ASSERT_EQ(mw_go_duration_ms(NULL, &ms), -EINVAL, "NULL");

	ASSERT_STREQ(mw_go_duration_str(4 * 3600000, buf, sizeof(buf)), "4h0m0s", "4h");
	ASSERT_STREQ(mw_go_duration_str(90000, buf, sizeof(buf)), "1m30s", "90s");
	ASSERT_STREQ(mw_go_duration_str(1500, buf, sizeof(buf)), "1.5s", "1.5s");
	ASSERT_STREQ(mw_go_duration_str(1050, buf, sizeof(buf)), "1.05s", "1.05s");
	ASSERT_STREQ(mw_go_duration_str(1001, buf, sizeof(buf)), "1.001s", "1.001s");
	ASSERT_STREQ(mw_go_duration_str(150, buf, sizeof(buf)), "150ms", "150ms");
	ASSERT_STREQ(mw_go_duration_str(0, buf, sizeof(buf)), "0s", "0");
	ASSERT_STREQ(mw_go_duration_str(-2500, buf, sizeof(buf)), "-2.5s", "negative");
	/* each written form reads back the same */
	for (ms = -3; ms < 200000000; ms = ms * 3 + 7) {
		int64_t back = -1;

		mw_go_duration_str(ms, buf, sizeof(buf));
		ASSERT_EQ(mw_go_duration_ms(buf, &back), 0, buf);
		ASSERT_EQ(back, ms, buf);
	}
}

/* Checks each field models.Alert (LAPI 1.4.6 swagger) requires, and its type. */
static void check_alert_shape(json_t *a)
{
	static const struct {
		const char *key;
		json_type type;
	} required[] = {
		{ "capacity", JSON_INTEGER },	  { "events", JSON_ARRAY },
		{ "events_count", JSON_INTEGER }, { "leakspeed", JSON_STRING },
		{ "message", JSON_STRING },	  { "scenario", JSON_STRING },
		{ "scenario_hash", JSON_STRING }, { "scenario_version", JSON_STRING },
		{ "simulated", JSON_FALSE },	  { "source", JSON_OBJECT },
		{ "start_at", JSON_STRING },	  { "stop_at", JSON_STRING },
		{ "decisions", JSON_ARRAY },	  { "remediation", JSON_TRUE },
	};
	static const char *decision_keys[] = { "duration", "origin", "scenario",
					       "scope",	   "type",   "value" };
	json_t *d, *e, *m;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(required); i++) {
		json_t *v = json_object_get(a, required[i].key);

		ASSERT_TRUE(v && json_typeof(v) == required[i].type, required[i].key);
	}
	ASSERT_TRUE(json_is_string(json_object_get(json_object_get(a, "source"), "scope")),
		    "source.scope");
	ASSERT_TRUE(json_is_string(json_object_get(json_object_get(a, "source"), "value")),
		    "source.value");
	d = json_array_get(json_object_get(a, "decisions"), 0);
	for (i = 0; i < ARRAY_SIZE(decision_keys); i++)
		ASSERT_TRUE(json_is_string(json_object_get(d, decision_keys[i])), decision_keys[i]);
	e = json_array_get(json_object_get(a, "events"), 0);
	ASSERT_TRUE(json_is_string(json_object_get(e, "timestamp")), "event timestamp");
	ASSERT_TRUE(json_is_array(json_object_get(e, "meta")), "event meta");
	json_array_foreach(json_object_get(e, "meta"), i, m)
		ASSERT_TRUE(json_is_string(json_object_get(m, "key")) &&
				    json_is_string(json_object_get(m, "value")),
			    "meta key and value");
	ASSERT_EQ(json_array_size(json_object_get(a, "events")),
		  json_integer_value(json_object_get(a, "events_count")), "events_count");
}

static const char *jstr(json_t *o, const char *path1, const char *key)
{
	json_t *v = path1 ? json_object_get(o, path1) : o;

	if (json_is_array(v))
		v = json_array_get(v, 0);
	return json_string_value(json_object_get(v, key));
}

static void t_alert(void *arg)
{
	struct mw_cs_block b = {
		.method = "SSHDICT",
		.reason = "12 failed logins in 60s on port 22",
		.duration_ms = 4 * 3600000,
		.at_s = 1796483949, /* 2026-12-05T15:19:09Z */
		.machine = "web-17",
	};
	json_t *a;

	mw_addr_parse("192.0.2.7", &b.seen);
	b.target.addr = b.seen;
	b.target.len = 128;
	a = mw_cs_alert(&b);
	if (!ASSERT_TRUE(a, "built"))
		return;
	check_alert_shape(a);
	ASSERT_STREQ(jstr(a, NULL, "scenario"), "minewall/SSHDICT", "scenario");
	ASSERT_STREQ(jstr(a, NULL, "message"), "SSHDICT: 12 failed logins in 60s on port 22",
		     "message");
	ASSERT_STREQ(jstr(a, NULL, "start_at"), "2026-12-05T15:19:09Z", "start_at");
	ASSERT_STREQ(jstr(a, "source", "scope"), "Ip", "source scope");
	ASSERT_STREQ(jstr(a, "source", "value"), "192.0.2.7", "source value");
	ASSERT_STREQ(jstr(a, "decisions", "scope"), "Ip", "decision scope");
	ASSERT_STREQ(jstr(a, "decisions", "value"), "192.0.2.7", "decision value");
	ASSERT_STREQ(jstr(a, "decisions", "type"), "ban", "decision type");
	ASSERT_STREQ(jstr(a, "decisions", "origin"), "minewall", "decision origin");
	ASSERT_STREQ(jstr(a, "decisions", "duration"), "4h0m0s", "decision duration");
	ASSERT_STREQ(jstr(a, "decisions", "scenario"), "minewall/SSHDICT", "decision scenario");
	json_decref(a);

	/* a permanent ban: Go's longest duration, which the LAPI still reads */
	b.duration_ms = UINT64_MAX;
	a = mw_cs_alert(&b);
	ASSERT_STREQ(a ? jstr(a, "decisions", "duration") : NULL, "2562047h47m16.854s",
		     "Go's limit");
	json_decref(a);

	/* an IPv6 /64 ban: scope Range */
	mw_addr_parse("2001:db8:1:2::55", &b.seen);
	mw_prefix_parse("2001:db8:1:2::/64", &b.target);
	b.method = "HTTPDICT";
	b.reason = "bad \xff\x01 bytes";
	b.duration_ms = 90000;
	a = mw_cs_alert(&b);
	if (!ASSERT_TRUE(a, "built (Range)"))
		return;
	check_alert_shape(a);
	ASSERT_STREQ(jstr(a, "source", "scope"), "Range", "source scope");
	ASSERT_STREQ(jstr(a, "source", "value"), "2001:db8:1:2::/64", "source value");
	ASSERT_STREQ(jstr(a, "source", "ip"), "2001:db8:1:2::55", "source ip: the one seen");
	ASSERT_STREQ(jstr(a, "source", "range"), "2001:db8:1:2::/64", "source range");
	ASSERT_STREQ(jstr(a, "decisions", "scope"), "Range", "decision scope");
	ASSERT_STREQ(jstr(a, "decisions", "value"), "2001:db8:1:2::/64", "decision value");
	ASSERT_STREQ(jstr(a, "decisions", "duration"), "1m30s", "decision duration");
	ASSERT_STREQ(jstr(a, NULL, "message"), "HTTPDICT: bad \xef\xbf\xbd\\x01 bytes",
		     "message sanitized");
	json_decref(a);
}

static void add_n(struct mw_cs_pushq *q, int from, int to)
{
	char item[32];
	int i;

	for (i = from; i < to; i++) {
		snprintf(item, sizeof(item), "{\"n\":%d}", i);
		ASSERT_EQ(mw_cs_pushq_add(q, item), 0, "added");
	}
}

static void t_pushq(void *arg)
{
	struct mw_cs_pushq q;
	char *body;

	ASSERT_EQ(mw_cs_pushq_init(&q, NULL, 5, stderr), 0, "in memory");
	ASSERT_EQ(mw_cs_pushq_at(&q, 0), NULL, "empty");
	add_n(&q, 0, 3);
	ASSERT_STREQ(mw_cs_pushq_at(&q, 0), "{\"n\":0}", "oldest first");
	body = mw_cs_pushq_body(&q, 2);
	ASSERT_STREQ(body, "[{\"n\":0},{\"n\":1}]", "the body of the two oldest");
	free(body);
	mw_cs_pushq_pop(&q, 2);
	ASSERT_EQ(q.n, 1, "one left");
	ASSERT_STREQ(mw_cs_pushq_at(&q, 0), "{\"n\":2}", "the third");
	/* around the ring and over the top: the oldest go */
	add_n(&q, 3, 20);
	ASSERT_EQ(q.n, 5, "at most max");
	ASSERT_EQ(q.dropped, 13, "dropped counted");
	ASSERT_STREQ(mw_cs_pushq_at(&q, 0), "{\"n\":15}", "the oldest kept");
	ASSERT_STREQ(mw_cs_pushq_at(&q, 4), "{\"n\":19}", "the newest");
	ASSERT_EQ(mw_cs_pushq_at(&q, 5), NULL, "past the end");
	body = mw_cs_pushq_body(&q, 99);
	ASSERT_STREQ(body, "[{\"n\":15},{\"n\":16},{\"n\":17},{\"n\":18},{\"n\":19}]", "all");
	free(body);
	mw_cs_pushq_pop(&q, 99);
	body = mw_cs_pushq_body(&q, 3);
	ASSERT_STREQ(body, "[]", "empty body");
	free(body);
	mw_cs_pushq_free(&q);
	mw_cs_pushq_free(NULL);
}

static int count_aside(const char *dir)
{
	char cmd[256], line[64] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls %s | grep -c 'pushq.json.corrupt-'", dir);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	pclose(p);
	return atoi(line);
}

static void t_pushq_file(void *arg)
{
	char dir[] = "/tmp/mw-unit-pushq-XXXXXX", path[128], cmd[256], *msgs = NULL;
	struct mw_cs_pushq q;
	size_t msglen = 0;
	FILE *f, *err;

	if (!ASSERT_TRUE(mkdtemp(dir), "temporary directory"))
		return;
	snprintf(path, sizeof(path), "%s/pushq.json", dir);

	ASSERT_EQ(mw_cs_pushq_init(&q, path, 100, stderr), 0, "a missing file");
	ASSERT_EQ(q.n, 0, "is an empty queue");
	add_n(&q, 0, 3);
	ASSERT_EQ(mw_cs_pushq_save(&q), 0, "saved");
	ASSERT_TRUE(!q.dirty, "clean after saving");
	mw_cs_pushq_free(&q);

	ASSERT_EQ(mw_cs_pushq_init(&q, path, 100, stderr), 0, "loaded");
	ASSERT_EQ(q.n, 3, "all three back");
	ASSERT_STREQ(mw_cs_pushq_at(&q, 2), "{\"n\":2}", "in order");
	ASSERT_TRUE(!q.dirty, "nothing to save");
	mw_cs_pushq_free(&q);

	/* a line cut by a crash of an older writer, a non-object, a blank line */
	f = fopen(path, "a");
	if (f) {
		fputs("{\"n\":3, \"a\": [1, 2\n[1,2]\n\n{ \"n\" : 4 }\n", f);
		fclose(f);
	}
	err = open_memstream(&msgs, &msglen);
	ASSERT_EQ(mw_cs_pushq_init(&q, path, 100, err), 0, "loaded past bad lines");
	fclose(err);
	ASSERT_EQ(q.n, 4, "the good ones");
	ASSERT_STREQ(mw_cs_pushq_at(&q, 3), "{\"n\":4}", "compacted");
	ASSERT_TRUE(q.dirty, "to be rewritten without them");
	ASSERT_TRUE(strstr(msgs, "pushq.json:4: not JSON") != NULL, msgs);
	ASSERT_TRUE(strstr(msgs, "pushq.json:5: not a JSON object") != NULL, msgs);
	ASSERT_TRUE(strstr(msgs, "kept as ") != NULL, msgs);
	ASSERT_EQ(count_aside(dir), 1, "the original kept aside");
	free(msgs);
	ASSERT_EQ(mw_cs_pushq_save(&q), 0, "rewritten");
	mw_cs_pushq_free(&q);

	/* a queue smaller than its file keeps the newest */
	ASSERT_EQ(mw_cs_pushq_init(&q, path, 2, stderr), 0, "loaded into 2");
	ASSERT_EQ(q.n, 2, "two");
	ASSERT_EQ(q.dropped, 2, "two dropped");
	ASSERT_STREQ(mw_cs_pushq_at(&q, 0), "{\"n\":2}", "the newest kept");
	mw_cs_pushq_free(&q);

	/* unreadable (a directory): reported, the queue usable */
	snprintf(path, sizeof(path), "%s", dir);
	err = open_memstream(&msgs, &msglen);
	ASSERT_EQ(mw_cs_pushq_init(&q, path, 10, err), 0, "a directory");
	fclose(err);
	ASSERT_TRUE(strstr(msgs, "the queue starts empty") != NULL, msgs);
	free(msgs);
	ASSERT_EQ(mw_cs_pushq_add(&q, "{}"), 0, "still usable");
	mw_cs_pushq_free(&q);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ASSERT_EQ(system(cmd), 0, "cleaned up");
}

/* 50,000 decisions, as a community blocklist pulled at startup: a figure. */
static void t_stream_50k(void *arg)
{
	const size_t n = 50000;
	size_t cap = n * 200 + 64, len = 0, i;
	char *body = malloc(cap), err[160];
	struct timespec t0, t1;
	struct mw_cs_stream s = { 0 };
	double ms;

	if (!body) {
		ASSERT_TRUE(false, "memory");
		return;
	}
	len += snprintf(body + len, cap - len, "{\"deleted\":null,\"new\":[");
	for (i = 0; i < n; i++) {
		bool range = i % 10 == 0; /* a tenth are /24s, as in community lists */
		char value[40];

		snprintf(value, sizeof(value), "%zu.%zu.%zu.%s", 10 + i / 65536, i / 256 % 256,
			 i % 256, range ? "0/24" : "1");
		len += snprintf(body + len, cap - len,
				"%s{\"duration\":\"167h59m%zu.%09zus\",\"id\":%zu,\"origin\":"
				"\"lists\",\"scenario\":\"crowdsecurity/ssh-bf\",\"scope\":"
				"\"%s\",\"type\":\"ban\",\"value\":\"%s\"}",
				i ? "," : "", i % 60, i * 7919 % 1000000000, i + 1,
				range ? "Range" : "Ip", value);
	}
	len += snprintf(body + len, cap - len, "]}");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(parse(body, SCOPES, &s, err), 0, "parsed");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("    50000 decisions (%zu KiB) parsed in %.1f ms\n", len >> 10, ms);
	ASSERT_EQ(s.n_added, n, "every one");
	ASSERT_EQ(s.bad, 0, "none bad");
	mw_cs_stream_free(&s);
	free(body);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("stream: a real LAPI's startup stream", t_stream_real, NULL);
	test_run("stream: null and empty lists, deletions, not a stream", t_stream_shapes, NULL);
	test_run("stream: bad entries counted, the first described", t_stream_bad, NULL);
	test_run("stream: other scopes and types skipped, scenario sanitized", t_stream_skipped,
		 NULL);
	test_run("stream: 50,000 decisions", t_stream_50k, NULL);
	test_run("Go durations: parsed and written", t_go_durations, NULL);
	test_run("alert: the shape models.Alert requires, Ip and Range", t_alert, NULL);
	test_run("push queue: order, ring, overflow", t_pushq, NULL);
	test_run("push queue: saved, loaded, corrupt lines kept aside", t_pushq_file, NULL);
	return test_summary("fleet");
}
