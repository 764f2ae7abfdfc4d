// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_outscan.c - OUTSCAN (detect/outscan.c) without a kernel: a
 * horizontal scan of a /24 where few answer (half-open and refused
 * targets count), a vertical scan, benign clients (a poller of the same
 * hosts, many answering APIs) never reported, once per window and port,
 * the window sliding, the unknown process per local address, and memory
 * bounded under a flood of sources and targets. Built with ASan and UBSan.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "detect/outscan.h"
#include "test.h"

#define SEC_NS 1000000000ULL

static const struct mw_outscan_cfg cfg = {
	.window_ns = 60 * SEC_NS,
	.addresses = 64,
	.ports = 32,
	.answer_ns = SEC_NS,
	.reports_per_min = 20,
};

static struct mw_flow_key key_to(const char *remote, uint16_t port, uint16_t local_port)
{
	struct mw_flow_key k = { .proto = IPPROTO_TCP };
	struct mw_addr a;

	mw_addr_parse("192.0.2.1", &a);
	memcpy(k.local_addr, &a, 16);
	mw_addr_parse(remote, &a);
	memcpy(k.remote_addr, &a, 16);
	k.remote_port = htons(port);
	k.local_port = htons(local_port);
	return k;
}

static int observe(struct mw_outscan *o, const struct mw_outscan_who *w, uint32_t pid,
		   uint64_t cookie, const struct mw_flow_key *k, uint64_t first_ns,
		   enum mw_outscan_state state, uint64_t now_ns)
{
	struct mw_outscan_attempt at = {
		.key = *k, .first_ns = first_ns, .cookie = cookie, .pid = pid, .state = state
	};

	return mw_outscan_observe(o, w, &at, now_ns);
}

static struct mw_outscan_who who_of(const char *comm)
{
	struct mw_outscan_who w = { .uid = 1000, .cgroup_id = 77 };

	snprintf(w.comm, sizeof(w.comm), "%s", comm);
	return w;
}

/* What the agent would answer: flows to .1-.3 answered, the rest never. */
static enum mw_outscan_state ask_few_answer(void *arg, const struct mw_flow_key *key,
					    uint64_t first_ns, uint64_t now_ns)
{
	unsigned *asked = arg;

	(*asked)++;
	return key->remote_addr[15] <= 3 ? MW_OS_ANSWERED : MW_OS_HALF_OPEN;
}

static enum mw_outscan_state ask_answered(void *arg, const struct mw_flow_key *key,
					  uint64_t first_ns, uint64_t now_ns)
{
	return MW_OS_ANSWERED;
}

static void scan_24(struct mw_outscan *o, const struct mw_outscan_who *w, uint16_t port,
		    unsigned from, unsigned to, uint64_t t0)
{
	char a[32];
	unsigned i;

	for (i = from; i < to; i++) {
		struct mw_flow_key k;

		snprintf(a, sizeof(a), "203.0.113.%u", i);
		k = key_to(a, port, (uint16_t)(40000 + i));
		/* .4-.9 refuse at once (a RST) */
		observe(o, w, 4242, 99, &k, t0 + i * 1000000ULL,
			i >= 4 && i <= 9 ? MW_OS_REFUSED : MW_OS_PENDING, t0 + i * 1000000ULL);
	}
}

static void t_horizontal(void *arg)
{
	struct mw_outscan_verdict v[4];
	struct mw_outscan_who w = who_of("masscan");
	struct mw_outscan o;
	uint64_t t0 = 1000 * SEC_NS;
	unsigned asked = 0, n;
	char buf[64];

	mw_outscan_init(&o, &cfg);
	scan_24(&o, &w, 2375, 0, 256, t0);
	n = mw_outscan_check(&o, t0 + SEC_NS / 2, ask_few_answer, &asked, v, 4);
	ASSERT_EQ(n, 0, "not before the answer time: nothing known to have failed");
	n = mw_outscan_check(&o, t0 + 2 * SEC_NS, ask_few_answer, &asked, v, 4);
	ASSERT_EQ(n, 1, "a /24 on 2375 where few answer: a scan");
	ASSERT_EQ(asked, 250, "every pending target asked once (the refused ones not)");
	ASSERT_EQ(v[0].kind, MW_OS_HORIZONTAL, "horizontal");
	ASSERT_EQ(v[0].port, 2375, "on 2375");
	ASSERT_TRUE(v[0].critical, "2375 is a worm's port: critical");
	ASSERT_EQ(v[0].targets, 256, "256 targets");
	ASSERT_EQ(v[0].answered, 4, "4 answered (.0-.3)");
	ASSERT_EQ(v[0].refused, 6, "6 refused");
	ASSERT_EQ(v[0].half_open, 246, "the rest half-open");
	ASSERT_EQ(v[0].n_sample, MW_OUTSCAN_SAMPLE, "a sample");
	ASSERT_TRUE(v[0].sample[0].addr[15] > 9, "failed targets first, the latest first");
	ASSERT_STREQ(mw_addr_str(&v[0].sample[0], buf, sizeof(buf)), "203.0.113.255", "the latest");
	ASSERT_EQ(v[0].src->pid, 4242, "the process");
	ASSERT_STREQ(v[0].src->who.comm, "masscan", "its name");
	ASSERT_EQ(v[0].src->cookie, 99, "its socket");

	scan_24(&o, &w, 2375, 0, 256, t0 + 3 * SEC_NS);
	n = mw_outscan_check(&o, t0 + 5 * SEC_NS, ask_few_answer, &asked, v, 4);
	ASSERT_EQ(n, 0, "reported once per port and window");
	scan_24(&o, &w, 6379, 0, 100, t0 + 5 * SEC_NS);
	n = mw_outscan_check(&o, t0 + 7 * SEC_NS, ask_few_answer, &asked, v, 4);
	ASSERT_EQ(n, 1, "another port: another report");
	ASSERT_EQ(v[0].port, 6379, "6379");
	{
		struct mw_flow_key k = key_to("203.0.113.9", 6379, 1);

		ASSERT_EQ(observe(&o, &w, 4242, 99, &k, t0, MW_OS_PENDING, t0 + 7 * SEC_NS), 0,
			  "a target seen before in the window");
	}

	/* the window slides: the same scan a window later is new again */
	scan_24(&o, &w, 2375, 0, 256, t0 + 70 * SEC_NS);
	n = mw_outscan_check(&o, t0 + 72 * SEC_NS, ask_few_answer, &asked, v, 4);
	ASSERT_EQ(n, 1, "reported again in the next window");
	ASSERT_EQ(v[0].targets, 256, "only this window's targets");

	/* a port worms do not spread through: high */
	scan_24(&o, &w, 8080, 0, 80, t0 + 72 * SEC_NS);
	n = mw_outscan_check(&o, t0 + 75 * SEC_NS, NULL, NULL, v, 4);
	ASSERT_EQ(n, 1, "a scan on 8080");
	ASSERT_TRUE(!v[0].critical, "8080 is no worm's port: high");
	mw_outscan_free(&o);
}

static void t_vertical(void *arg)
{
	struct mw_outscan_verdict v[2];
	struct mw_outscan_who w = who_of("nmap");
	struct mw_outscan o;
	uint64_t t0 = 5 * SEC_NS;
	unsigned p;

	mw_outscan_init(&o, &cfg);
	for (p = 20; p < 60; p++) {
		struct mw_flow_key k = key_to("198.51.100.7", (uint16_t)p, (uint16_t)(50000 + p));

		observe(&o, &w, 7, 8, &k, t0, p == 22 ? MW_OS_ANSWERED : MW_OS_REFUSED, t0);
	}
	ASSERT_EQ(mw_outscan_check(&o, t0 + SEC_NS, NULL, NULL, v, 2), 1, "40 ports of one host");
	ASSERT_EQ(v[0].kind, MW_OS_VERTICAL, "vertical");
	ASSERT_EQ(v[0].port, 20, "the lowest port");
	ASSERT_EQ(v[0].targets, 40, "40 ports");
	ASSERT_EQ(v[0].refused, 39, "39 refused");
	ASSERT_TRUE(v[0].critical, "22 and 23 among them");
	ASSERT_EQ(v[0].n_sample, MW_OUTSCAN_SAMPLE, "sample of ports");
	ASSERT_EQ(v[0].sample_ports[0], 20, "its first port");
	ASSERT_EQ(v[0].addr.addr[15], 7, "the address");
	ASSERT_EQ(mw_outscan_check(&o, t0 + 2 * SEC_NS, NULL, NULL, v, 2), 0, "once");
	mw_outscan_free(&o);
}

static void t_benign(void *arg)
{
	struct mw_outscan_verdict v[2];
	struct mw_outscan_who poller = who_of("telegraf"), app = who_of("php-fpm");
	struct mw_outscan o;
	uint64_t t = 5 * SEC_NS;
	unsigned round, i, n = 0;
	char a[32];

	mw_outscan_init(&o, &cfg);
	/* a monitoring agent polls the same 50 hosts on one port every
	 * minute for an hour; 10 of them are down */
	for (round = 0; round < 60; round++, t += 60 * SEC_NS) {
		for (i = 0; i < 50; i++) {
			struct mw_flow_key k;

			snprintf(a, sizeof(a), "10.1.2.%u", i);
			k = key_to(a, 9100, (uint16_t)(30000 + round * 50 + i));
			observe(&o, &poller, 1, 2, &k, t + i, MW_OS_PENDING, t + i);
		}
		n += mw_outscan_check(&o, t + 5 * SEC_NS, ask_few_answer, &(unsigned){ 0 }, v, 2);
	}
	ASSERT_EQ(n, 0, "a poller of the same 50 hosts (some down): never");
	/* a web application calling 300 answering APIs on 443 within a minute */
	for (i = 0; i < 300; i++) {
		struct mw_flow_key k;

		snprintf(a, sizeof(a), "198.51.%u.%u", 100 + i / 200, i % 200);
		k = key_to(a, 443, (uint16_t)(20000 + i));
		observe(&o, &app, 3, 4, &k, t + i, MW_OS_PENDING, t + i);
	}
	n = mw_outscan_check(&o, t + 5 * SEC_NS, ask_answered, NULL, v, 2);
	ASSERT_EQ(n, 0, "300 APIs that all answer: not a scan");
	/* and many ports of one host that all answer (FTP passive data) */
	for (i = 0; i < 100; i++) {
		struct mw_flow_key k = key_to("203.0.113.21", (uint16_t)(40000 + i), 1000);

		observe(&o, &app, 3, 4, &k, t, MW_OS_ANSWERED, t);
	}
	ASSERT_EQ(mw_outscan_check(&o, t + 6 * SEC_NS, ask_answered, NULL, v, 2), 0,
		  "100 answering ports of one host: not a scan");
	ASSERT_EQ(o.reports, 0, "no report at all");
	mw_outscan_free(&o);
}

static void t_sources(void *arg)
{
	struct mw_outscan_verdict v[4];
	struct mw_outscan_who raw = { 0 }, raw2 = { 0 }, a = who_of("nc"), b = who_of("nc");
	struct mw_outscan o;
	uint64_t t0 = 5 * SEC_NS;

	mw_outscan_init(&o, &cfg);
	/* a raw-socket scan from two local addresses: two unknown sources */
	mw_addr_parse("192.0.2.1", &raw.local);
	mw_addr_parse("192.0.2.9", &raw2.local);
	scan_24(&o, &raw, 22, 0, 40, t0);
	scan_24(&o, &raw2, 22, 40, 80, t0);
	ASSERT_EQ(o.n_src, 2, "two unknown sources, one per local address");
	ASSERT_EQ(mw_outscan_check(&o, t0 + 3 * SEC_NS, NULL, NULL, v, 4), 0,
		  "40 each: under the threshold");
	scan_24(&o, &raw, 22, 100, 140, t0);
	ASSERT_EQ(mw_outscan_check(&o, t0 + 3 * SEC_NS, NULL, NULL, v, 4), 1, "80: a scan");
	ASSERT_EQ(v[0].src->pid, 4242, "pid as observed");
	/* a shell loop that forks one nc per target is one source: same
	 * name, user and cgroup; another cgroup is another */
	b.cgroup_id = 78;
	scan_24(&o, &a, 23, 0, 70, t0);
	scan_24(&o, &b, 23, 70, 100, t0);
	ASSERT_EQ(o.n_src, 4, "nc in two cgroups: two sources");
	ASSERT_EQ(mw_outscan_check(&o, t0 + 3 * SEC_NS, NULL, NULL, v, 4), 1,
		  "the one with 70 targets");
	ASSERT_EQ(v[0].src->who.cgroup_id, 77, "in its cgroup");
	mw_outscan_free(&o);
}

static void t_bounded(void *arg)
{
	struct mw_outscan_verdict v[4];
	struct mw_outscan o;
	uint64_t t0 = 5 * SEC_NS;
	unsigned i, j;
	char a[32];

	mw_outscan_init(&o, &cfg);
	/* a flood of sources: capped, the least recent forgotten */
	for (i = 0; i < 3 * MW_OUTSCAN_SOURCES; i++) {
		struct mw_outscan_who w = who_of("x");
		struct mw_flow_key k = key_to("203.0.113.5", 80, 1);

		w.cgroup_id = i;
		ASSERT_EQ(observe(&o, &w, i, i, &k, t0 + i, MW_OS_PENDING, t0 + i), 1,
			  "a new target");
	}
	ASSERT_EQ(o.n_src, MW_OUTSCAN_SOURCES, "sources capped");
	ASSERT_EQ(o.sources_evicted, 2 * MW_OUTSCAN_SOURCES, "the rest evicted and counted");
	ASSERT_EQ(o.src[0].who.cgroup_id >= 2 * MW_OUTSCAN_SOURCES, 1, "the latest kept");
	/* a flood of targets from one source: capped, still a scan */
	for (i = 0; i < 8; i++)
		for (j = 0; j < 250; j++) {
			struct mw_outscan_who w = who_of("flood");
			struct mw_flow_key k;

			snprintf(a, sizeof(a), "10.%u.0.%u", i, j);
			k = key_to(a, 6379, (uint16_t)j);
			observe(&o, &w, 1, 1, &k, t0, MW_OS_PENDING, t0);
		}
	for (i = 0; i < o.n_src; i++)
		ASSERT_TRUE(o.src[i].n <= MW_OUTSCAN_TARGETS, "targets capped");
	ASSERT_EQ(o.targets_evicted, 2000 - MW_OUTSCAN_TARGETS, "oldest targets evicted, counted");
	ASSERT_EQ(mw_outscan_check(&o, t0 + 2 * SEC_NS, NULL, NULL, v, 4), 1, "still a scan");
	ASSERT_EQ(v[0].targets, MW_OUTSCAN_TARGETS, "of the latest targets");
	/* everything leaves with the window */
	mw_outscan_check(&o, t0 + 120 * SEC_NS, NULL, NULL, v, 4);
	ASSERT_EQ(o.n_src, 0, "all sources gone after the window");
	mw_outscan_free(&o);
}

/* More scans due than one check may hand out: the rest at the next
 * check, though they add no target any more. */
static void t_more_than_max(void *arg)
{
	struct mw_outscan_verdict v[1];
	struct mw_outscan o;
	uint64_t t0 = 5 * SEC_NS;
	struct mw_outscan_who a = who_of("a"), b = who_of("b");

	(void)arg;
	mw_outscan_init(&o, &cfg);
	scan_24(&o, &a, 2375, 0, 70, t0);
	scan_24(&o, &b, 6379, 0, 70, t0);
	ASSERT_EQ(mw_outscan_check(&o, t0 + 2 * SEC_NS, NULL, NULL, v, 1), 1, "the first scan");
	ASSERT_EQ(mw_outscan_check(&o, t0 + 3 * SEC_NS, NULL, NULL, v, 1), 1,
		  "the second, at the next check");
	ASSERT_EQ(mw_outscan_check(&o, t0 + 4 * SEC_NS, NULL, NULL, v, 1), 0, "each once");
	mw_outscan_free(&o);
}

static void t_rate_limit(void *arg)
{
	struct mw_outscan_cfg c = cfg;
	struct mw_outscan_verdict v[8];
	struct mw_outscan o;
	uint64_t t0 = 5 * SEC_NS;
	unsigned p;

	c.reports_per_min = 2;
	mw_outscan_init(&o, &c);
	for (p = 1; p <= 4; p++) {
		struct mw_outscan_who w = who_of("s");

		scan_24(&o, &w, (uint16_t)(1000 + p), 0, 70, t0);
	}
	ASSERT_EQ(mw_outscan_check(&o, t0 + 2 * SEC_NS, NULL, NULL, v, 8), 2, "2 a minute");
	ASSERT_EQ(o.suppressed, 1, "the next one suppressed and counted");
	ASSERT_EQ(mw_outscan_check(&o, t0 + 63 * SEC_NS, NULL, NULL, v, 8), 0,
		  "the targets are gone by the next minute");
	ASSERT_TRUE(mw_outscan_worm_port(445) && !mw_outscan_worm_port(80), "worm ports");
	mw_outscan_free(&o);
}

/* What the agent answers of a crawler's flows: those to .100-.119 had
 * their first SYN lost and are answered once it is retransmitted (1 s
 * later, and a far server's round trip); every other one at once. */
static enum mw_outscan_state ask_slow(void *arg, const struct mw_flow_key *key, uint64_t first_ns,
				      uint64_t now_ns)
{
	unsigned *asked = arg;
	bool slow = key->remote_addr[15] >= 100 && key->remote_addr[15] < 120;

	(*asked)++;
	if (!slow)
		return MW_OS_ANSWERED;
	return now_ns >= first_ns + 1500000000ULL ? MW_OS_ANSWERED : MW_OS_HALF_OPEN;
}

/* @n attempts on port 25 to @net.@from on, from local ports @lport on,
 * started at @first_ns, in @state at @now_ns. */
static void mx_run(struct mw_outscan *o, const struct mw_outscan_who *w, const char *net,
		   unsigned from, unsigned n, uint16_t lport, uint64_t first_ns,
		   enum mw_outscan_state state, uint64_t now_ns)
{
	struct mw_flow_key k;
	char a[32];
	unsigned i;

	for (i = 0; i < n; i++) {
		snprintf(a, sizeof(a), "%s.%u", net, from + i);
		k = key_to(a, 25, (uint16_t)(lport + i));
		observe(o, w, 7, 8, &k, first_ns, state, now_ns);
	}
}

/*
 * A crawler (or a mail server, a webhook sender) fetching from 80
 * addresses on 443, one every 100 ms, a quarter of them slow to answer
 * their SYN: asked at the answer time they were still unanswered, and
 * answered a moment later. Slow is not failed: no scan. The same target
 * refusing on a NEW attempt after it answered still counts as failed.
 */
static void t_late_answer(void *arg)
{
	struct mw_outscan_verdict v[4];
	struct mw_outscan_who w = who_of("crawler");
	struct mw_outscan o;
	uint64_t t0 = 100 * SEC_NS, now = t0;
	unsigned i, asked = 0, n = 0;
	struct mw_flow_key k;
	char a[32];

	mw_outscan_init(&o, &cfg);
	for (i = 0; i < 80; i++) {
		now = t0 + i * (SEC_NS / 10);
		snprintf(a, sizeof(a), "198.51.100.%u", 60 + i);
		k = key_to(a, 443, (uint16_t)(50000 + i));
		observe(&o, &w, 7, 8, &k, now, MW_OS_PENDING, now);
		/* the agent's cycle, every 300 ms */
		if (i % 3 == 0)
			n += mw_outscan_check(&o, now, ask_slow, &asked, v, 4);
	}
	for (; now < t0 + 20 * SEC_NS; now += SEC_NS / 2)
		n += mw_outscan_check(&o, now, ask_slow, &asked, v, 4);
	ASSERT_EQ(n, 0, "a quarter of the SYNs answered late (asked again): not a scan");
	ASSERT_TRUE(asked > 80, "the slow ones were asked again");
	mw_outscan_free(&o);

	/* a mail server's 40 MX hosts on 25, half of them slow: the slow
	 * ones taken for half-open at the answer time, then their flows'
	 * end says they answered (the same attempt); 30 more answer */
	mw_outscan_init(&o, &cfg);
	mx_run(&o, &w, "198.51.100", 100, 40, 30000, t0, MW_OS_PENDING, t0);
	asked = 0;
	ASSERT_EQ(mw_outscan_check(&o, t0 + SEC_NS + SEC_NS / 5, ask_slow, &asked, v, 4), 0,
		  "40 targets: under the threshold");
	ASSERT_EQ(asked, 40, "each asked at the answer time");
	mx_run(&o, &w, "198.51.100", 100, 40, 30000, t0, MW_OS_ANSWERED, t0 + 2 * SEC_NS);
	mx_run(&o, &w, "203.0.113", 10, 30, 31000, t0 + 2 * SEC_NS, MW_OS_ANSWERED,
	       t0 + 2 * SEC_NS);
	n = mw_outscan_check(&o, t0 + 3 * SEC_NS, NULL, NULL, v, 4);
	ASSERT_EQ(n, 0, "70 targets, every one answered at last: no scan");
	/* new attempts refused after an answer still count as failed */
	mx_run(&o, &w, "198.51.100", 100, 18, 32000, t0 + 4 * SEC_NS, MW_OS_REFUSED,
	       t0 + 4 * SEC_NS);
	n = mw_outscan_check(&o, t0 + 5 * SEC_NS, NULL, NULL, v, 4);
	ASSERT_EQ(n, 1, "18 of 70 refused on new attempts: a scan");
	ASSERT_EQ(v[0].refused, 18, "the refusals kept over the earlier answers");
	mw_outscan_free(&o);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("outscan: a /24 on 2375, half-open and refused count", t_horizontal, NULL);
	test_run("outscan: many ports of one address", t_vertical, NULL);
	test_run("outscan: pollers and busy clients are never a scan", t_benign, NULL);
	test_run("outscan: sources by program and cgroup, unknown by address", t_sources, NULL);
	test_run("outscan: memory bounded under a flood", t_bounded, NULL);
	test_run("outscan: reports rate-limited", t_rate_limit, NULL);
	test_run("outscan: more scans due than a check hands out", t_more_than_max, NULL);
	test_run("outscan: a SYN answered late was slow, not failed", t_late_answer, NULL);
	return test_summary("outscan");
}
