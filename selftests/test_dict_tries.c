// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_dict_tries.c - how the dictionary-attack detector adds tries up
 * (detect/dict_tries.c): in the unit that is banned (an IPv6 /64), over a
 * long window (a slow guesser), per prefix (a /24 whose sources each stay
 * below the threshold), never for internal or allowlisted prefixes nor for
 * neighbours who each mistyped a password, and within bounded memory under
 * a flood of sources. Tries are FTP refusals (530): one reply, one try.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "lib/addr.h"
#include "parse/config.h"
#include "detect/dict.h"
#include "dict_cfg.h"
#include "detect/dict_priv.h" /* the table's counts: memory stays bounded */
#include "test.h"
#include "lib/util.h"

#define MS 1000000ULL
#define SEC (1000 * MS)

#define REFUSED "530 Login incorrect.\r\n"
#define ACCEPTED "230 Login successful.\r\n"

struct dets {
	struct mw_dict_detection d[16];
	int n;
};

static void on_det(void *arg, const struct mw_dict_detection *det)
{
	struct dets *ds = arg;

	if (ds->n < 16)
		ds->d[ds->n] = *det;
	ds->n++;
}

static uint64_t T = 1000 * SEC; /* the test's clock */

/* One FTP connection from @src:@sport whose replies are @replies (each
 * answering a request of the client), then its end; T moves on. */
static void ftp(struct mw_dict *d, const char *src, uint16_t sport, const char *const *replies,
		unsigned n)
{
	struct mw_event_flow end = { .hdr = { .type = MW_EV_FLOW_END } };
	struct mw_event_burst b = { .hdr = { .type = MW_EV_BURST, .dir = MW_DIR_IN } };
	struct mw_addr a;
	unsigned i;

	b.key.proto = IPPROTO_TCP;
	mw_addr_parse("192.0.2.1", &a);
	memcpy(b.key.local_addr, a.addr, 16);
	if (mw_addr_parse(src, &a))
		abort();
	memcpy(b.key.remote_addr, a.addr, 16);
	b.key.local_port = htons(21);
	b.key.remote_port = htons(sport);
	b.svc = MW_SVC_AUTH;
	b.handshake = true;
	b.first_ns = T;
	b.bytes = 20; /* USER, PASS */
	for (i = 0; i < n; i++) {
		T += MS;
		b.hdr.ts_ns = T;
		b.exchanges = (uint16_t)(2 * i + 1);
		b.next_bytes = (uint32_t)strlen(replies[i]);
		b.next_head_len = (uint8_t)strlen(replies[i]);
		memcpy(b.next_head, replies[i], b.next_head_len);
		mw_dict_burst(d, &b);
	}
	T += MS;
	end.hdr.ts_ns = T;
	end.key = b.key;
	end.flow.first_ns = b.first_ns;
	end.flow.last_ns = T;
	end.flow.svc = MW_SVC_AUTH;
	end.flow.handshake = true;
	end.flow.exchanges = b.exchanges;
	end.flow.last_data_dir = MW_DIR_OUT;
	end.flow.burst_bytes = b.next_bytes;
	mw_dict_flow_end(d, &end);
}

/* @tries refused passwords from @src, one connection. */
static void refused(struct mw_dict *d, const char *src, uint16_t sport, unsigned tries)
{
	static const char *const r[] = { REFUSED, REFUSED, REFUSED, REFUSED };

	ftp(d, src, sport, r, tries);
}

static struct mw_dict *dict_new(const struct mw_config *cfg, struct dets *ds)
{
	memset(ds, 0, sizeof(*ds));
	return test_dict_new(cfg, on_det, ds);
}

static bool prefix_is(const struct mw_prefix *p, const char *want)
{
	char buf[MW_ADDRSTRLEN];

	return !strcmp(mw_prefix_str(p, buf, sizeof(buf)), want);
}

static const char *host_prefix; /* the agent says: holds the host's own address */

static bool may_aggregate(void *arg, const struct mw_prefix *p)
{
	return !host_prefix || !prefix_is(p, host_prefix);
}

/* A detector over @cfg that sees up to @n sources (@fmt with @step times
 * 1..@n: an address), @tries refused passwords each, @gap apart, until the
 * first detection; returns the sources played. */
static int attack(const struct mw_config *cfg, struct dets *ds, const char *fmt, int step, int n,
		  unsigned tries, uint64_t gap)
{
	struct mw_dict *d = dict_new(cfg, ds);
	char src[64];
	int i;

	mw_dict_on_prefix(d, may_aggregate);
	for (i = 1; i <= n && !ds->n; i++) {
		snprintf(src, sizeof(src), fmt, step * i);
		refused(d, src, (uint16_t)(40000 + i), tries);
		mw_dict_tick(d, T);
		T += gap;
	}
	mw_dict_free(d);
	return i - 1;
}

static void t_ipv6_rotation(void *arg)
{
	struct mw_config cfg;
	struct dets ds;
	int n;

	mw_config_defaults(&cfg);
	/* 30 addresses of one /64, one refusal each: the /64 is the source */
	n = attack(&cfg, &ds, "2001:db8:1:2::%x", 1, 30, 1, MS);
	if (ASSERT_EQ(ds.n, 1, "addresses rotated inside a /64 add up")) {
		ASSERT_EQ(n, 3, "detected at the threshold's try (auth_attempts 3)");
		ASSERT_TRUE(prefix_is(&ds.d[0].src_prefix, "2001:db8:1:2::/64"),
			    "src_prefix is the /64");
		ASSERT_TRUE(!ds.d[0].aggregate && !ds.d[0].distributed, "one source");
		ASSERT_EQ(ds.d[0].attempts, 3, "its tries");
	}
	/* ipv6_prefix = 128: each address apart, as before */
	cfg.ipv6_prefix = 128;
	attack(&cfg, &ds, "2001:db8:1:2::%x", 1, 30, 1, MS);
	ASSERT_EQ(ds.n, 0, "ipv6_prefix 128: one refusal each is nothing");
	/* IPv4 counts per address: neighbours of a /24 do not add up this way */
	mw_config_defaults(&cfg);
	attack(&cfg, &ds, "198.51.100.%d", 1, 30, 1, MS);
	ASSERT_EQ(ds.n, 0, "IPv4: one refusal from each of 30 addresses is nothing");
}

static void t_long_window(void *arg)
{
	struct mw_config cfg;
	struct dets ds;
	int n;

	mw_config_defaults(&cfg);
	cfg.dict_long_window_ms = 10 * 60000;
	cfg.dict_long_attempts = 4;
	/* one try every 40 s: never 3 in a minute */
	n = attack(&cfg, &ds, "203.0.113.5", 0, 10, 1, 40 * SEC);
	if (ASSERT_EQ(ds.n, 1, "a try every 40 s: detected over the long window")) {
		ASSERT_EQ(n, 4, "at long_attempts");
		ASSERT_EQ(ds.d[0].attempts, 4, "its tries");
		ASSERT_EQ(ds.d[0].window_ms, 600000, "counted over the long window");
		ASSERT_TRUE(prefix_is(&ds.d[0].src_prefix, "203.0.113.5"),
			    "src_prefix: the address");
	}
	/* slower than long_attempts in long_window: never */
	attack(&cfg, &ds, "203.0.113.6", 0, 12, 1, 4 * 60 * SEC);
	ASSERT_EQ(ds.n, 0, "a try every 4 minutes: 3 in 10 minutes at most, nothing");
	/* the long window never counts a service to fewer tries than its own
	 * threshold: auth_attempts 6 beats long_attempts 4 */
	cfg.dict[MW_SVC_AUTH].attempts = 6;
	n = attack(&cfg, &ds, "203.0.113.7", 0, 10, 1, 40 * SEC);
	ASSERT_EQ(n, 6, "a service's own higher threshold holds over the long window");
	/* long_window = 0: off */
	mw_config_defaults(&cfg);
	cfg.dict_long_window_ms = 0;
	cfg.dict_long_attempts = 4;
	attack(&cfg, &ds, "203.0.113.8", 0, 10, 1, 40 * SEC);
	ASSERT_EQ(ds.n, 0, "long_window 0: off");
}

static void t_aggregate(void *arg)
{
	struct mw_config cfg;
	struct dets ds;
	int n;

	mw_config_defaults(&cfg);
	/* 20 addresses of one /24, 2 tries each: each below auth_attempts */
	n = attack(&cfg, &ds, "198.51.100.%d", 10, 20, 2, 5 * SEC);
	if (ASSERT_EQ(ds.n, 1, "a /24 whose sources each stay below: detected")) {
		ASSERT_EQ(n, 4, "at aggregate_sources, aggregate_attempts");
		ASSERT_TRUE(ds.d[0].aggregate, "aggregate");
		ASSERT_TRUE(prefix_is(&ds.d[0].src_prefix, "198.51.100.0/24"),
			    "src_prefix: the /24");
		ASSERT_EQ(ds.d[0].total_sources, 4, "its sources");
		ASSERT_EQ(ds.d[0].n_sources, 4, "listed");
		ASSERT_EQ(ds.d[0].attempts, 8, "their tries");
		ASSERT_EQ(ds.d[0].window_ms, 3600000, "over the long window");
	}
	/* the same, a source every 10 minutes: within the long window */
	n = attack(&cfg, &ds, "198.51.100.%d", 10, 20, 2, 10 * 60 * SEC);
	ASSERT_TRUE(ds.n == 1 && n == 4,
		    "a /24, a source every 10 minutes: detected within the hour");
	/* slower than that: never */
	attack(&cfg, &ds, "198.51.100.%d", 10, 20, 2, 25 * 60 * SEC);
	ASSERT_EQ(ds.n, 0, "a source every 25 minutes: 3 in the hour at most, nothing");
	/* IPv6: /64 sources of one /48 */
	attack(&cfg, &ds, "2001:db8:7:%x::1", 1, 20, 2, MS);
	if (ASSERT_EQ(ds.n, 1, "/64s of one /48: detected"))
		ASSERT_TRUE(prefix_is(&ds.d[0].src_prefix, "2001:db8:7::/48"),
			    "src_prefix: the /48");
	/* aggregate_v4 = 32: off (8 sources: fewer than distributed_sources) */
	cfg.dict_agg_v4 = 32;
	attack(&cfg, &ds, "198.51.100.%d", 10, 8, 2, MS);
	ASSERT_EQ(ds.n, 0, "aggregate_v4 32: off");
}

static void t_exempt(void *arg)
{
	struct mw_config cfg;
	struct dets ds;

	/* internal prefixes are never aggregated (8 sources with 2 tries
	 * each: twice aggregate_sources, fewer than distributed_sources) */
	mw_config_defaults(&cfg);
	attack(&cfg, &ds, "10.1.2.%d", 1, 8, 2, MS);
	ASSERT_EQ(ds.n, 0, "[network] internal: never aggregated");
	/* nor a prefix that holds an allowlisted address */
	ASSERT_EQ(mw_prefix_parse("198.51.100.200/32", &cfg.allow[0]), 0, "allow");
	cfg.n_allow = 1;
	attack(&cfg, &ds, "198.51.100.%d", 1, 8, 2, MS);
	ASSERT_EQ(ds.n, 0, "a /24 holding an [enforce] allow address: never aggregated");
	/* nor one the agent refuses: the host's own /24 */
	cfg.n_allow = 0;
	host_prefix = "198.51.100.0/24";
	attack(&cfg, &ds, "198.51.100.%d", 1, 8, 2, MS);
	host_prefix = NULL;
	ASSERT_EQ(ds.n, 0, "a /24 holding the host's own address: never aggregated");
	/* the same sources without either: detected (the three above could fail) */
	attack(&cfg, &ds, "198.51.100.%d", 1, 8, 2, MS);
	ASSERT_EQ(ds.n, 1, "without the allowlisted address: detected");
}

static void t_typos(void *arg)
{
	static const char *const typo_login[] = { REFUSED, ACCEPTED };
	struct mw_config cfg;
	struct dets ds;
	struct mw_dict *d;
	char src[64];
	int i;

	mw_config_defaults(&cfg);
	d = dict_new(&cfg, &ds);
	/* neighbours each mistyping once in the hour, some logging in after */
	for (i = 1; i <= 50; i++) {
		snprintf(src, sizeof(src), "203.0.113.%d", i);
		if (i % 2)
			ftp(d, src, 43000, typo_login, 2);
		else
			refused(d, src, 43000, 1);
		mw_dict_tick(d, T);
		T += 60 * SEC;
	}
	ASSERT_EQ(ds.n, 0, "50 users of a /24 mistyping once each: nothing");
	/* one of them mistypes twice: a single source with tries */
	refused(d, "203.0.113.2", 43001, 1);
	ASSERT_EQ(ds.n, 0, "one user of the /24 mistyping twice: nothing");
	mw_dict_free(d);
}

static void t_flood(void *arg)
{
	struct mw_config cfg;
	struct dets ds;
	struct mw_dict *d;
	char src[64];
	int i, n_flood = MAX_SRCS + MAX_SRCS / 2;

	mw_config_defaults(&cfg);
	cfg.dict_long_window_ms = 10 * 60000;
	cfg.dict_long_attempts = 4;
	d = dict_new(&cfg, &ds);
	/* a slow guesser's 3 tries, then a botnet's many addresses (all of
	 * them with verified connections) one try each */
	for (i = 0; i < 3; i++) {
		refused(d, "192.0.2.77", (uint16_t)(44000 + i), 1);
		T += 40 * SEC;
	}
	for (i = 0; i < n_flood; i++) {
		snprintf(src, sizeof(src), "%d.%d.%d.%d", 11 + i % 50, (i / 50) % 250,
			 (i / 12500) % 250, 1 + (i / 50) % 200);
		refused(d, src, (uint16_t)(1024 + i % 60000), 1);
	}
	ASSERT_TRUE(d->n_srcs <= MAX_SRCS, "sources kept: capped");
	ASSERT_TRUE(d->n_aggs <= d->n_srcs, "prefixes: no more than sources");
	ASSERT_EQ(ds.n, 0, "one try each: nothing");
	/* the table is full: a new guesser is still counted */
	refused(d, "192.0.2.88", 45000, 3);
	ASSERT_EQ(ds.n, 1, "a new guesser during the flood: detected");
	/* and the slow one kept its tries: the flood's gave way first */
	T += 40 * SEC;
	refused(d, "192.0.2.77", 44100, 1);
	if (ASSERT_EQ(ds.n, 2, "the slow guesser's fourth try: detected"))
		ASSERT_EQ(ds.d[1].attempts, 4, "none of its tries lost to the flood");
	mw_dict_tick(d, T + 3600 * SEC);
	ASSERT_EQ(d->n_srcs, 0, "all forgotten after the long window");
	ASSERT_EQ(d->n_aggs, 0, "prefixes too");
	mw_dict_free(d);
}

static void t_config(void *arg)
{
	struct mw_config cfg;
	char buf[1024];
	FILE *err;

	mw_config_defaults(&cfg);
	ASSERT_EQ(cfg.dict_long_window_ms, 3600000, "long_window 1h by default");
	ASSERT_EQ(cfg.dict_agg_v4, 24, "aggregate_v4 24 by default");
	ASSERT_EQ(cfg.dict_agg_v6, 48, "aggregate_v6 48 by default");
	ASSERT_EQ(mw_config_load_string(&cfg, "t.conf",
					"[dict]\nlong_window = 10m\nlong_attempts = 5\n"
					"aggregate_v4 = 22\naggregate_v6 = 56\n"
					"aggregate_sources = 6\naggregate_attempts = 20\n",
					stderr),
		  0, "the keys read");
	ASSERT_EQ(cfg.dict_long_window_ms, 600000, "long_window");
	ASSERT_EQ(cfg.dict_long_attempts + cfg.dict_agg_v4 + cfg.dict_agg_v6, 5 + 22 + 56,
		  "long_attempts, aggregate_v4, aggregate_v6");
	ASSERT_EQ(cfg.dict_agg_sources + cfg.dict_agg_attempts, 26, "aggregate thresholds");
	memset(buf, 0, sizeof(buf));
	err = fmemopen(buf, sizeof(buf) - 1, "w");
	ASSERT_EQ(mw_config_load_string(&cfg, "t.conf",
					"[dict]\naggregate_v4 = 33\naggregate_v6 = 8\n"
					"long_attempts = 1\nlong_window = soon\n",
					err),
		  -EINVAL, "bad values refused");
	fclose(err);
	ASSERT_TRUE(strstr(buf, "t.conf:2: dict.aggregate_v4: '33'") != NULL, "line 2 named");
	ASSERT_TRUE(strstr(buf, "t.conf:3: dict.aggregate_v6: '8'") != NULL, "line 3 named");
	ASSERT_TRUE(strstr(buf, "t.conf:4: dict.long_attempts") != NULL, "line 4 named");
	ASSERT_TRUE(strstr(buf, "t.conf:5: dict.long_window: 'soon'") != NULL, "line 5 named");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("ipv6: addresses rotated in a /64 add up", t_ipv6_rotation, NULL);
	test_run("long window: a try every 40 s", t_long_window, NULL);
	test_run("aggregate: a /24, a /48 whose sources each stay below", t_aggregate, NULL);
	test_run("aggregate: never internal or allowlisted prefixes", t_exempt, NULL);
	test_run("aggregate: neighbours' typos are no attack", t_typos, NULL);
	test_run("bounded under a flood of sources, none blinded", t_flood, NULL);
	test_run("config: the keys, errors naming the line", t_config, NULL);
	return test_summary("test_dict_tries");
}
