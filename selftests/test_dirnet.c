// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_dirnet.c - DIRNET (detect/dirnet.c) without a kernel: expected
 * destinations, learning and severity; resolved names and the baseline,
 * bounded and indexed, against a model; what it learns from DNS answers:
 * only verified ones (a query the host sent), only the question's CNAME
 * chain. Built with ASan and UBSan.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "detect/dirnet.h"
#include "detect/dnsq.h"
#include "dns_build.h"
#include "parse/dns.h"
#include "test.h"
#include "lib/util.h"

#define SEC_NS 1000000000ULL

static void t_dirnet(void *arg)
{
	struct mw_dirnet_cfg cfg = { .sensitive_ports = { 22, 3389 },
				     .n_sensitive = 2,
				     .fanout = 5 };
	static const char *const good[] = { "198.51.100.0/24",
					    "198.51.100.10:443",
					    "[2001:db8::1]:22",
					    "2001:db8::/32",
					    "api.example.com",
					    "*.example.org:443",
					    "*:123" };
	static const char *const bad[] = { "*", "x y", "198.51.100.0/33", "host:99999", "[::1]" };
	struct mw_dirnet_allow r;
	struct mw_dirnet_verdict v;
	struct mw_dirnet d, d2;
	struct mw_addr a;
	uint64_t ns = 1000;
	int64_t now = 1700000000;
	json_t *j;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ASSERT_EQ(mw_dirnet_allow_parse(good[i], &r), 0, good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_EQ(mw_dirnet_allow_parse(bad[i], &r), -EINVAL, bad[i]);

	mw_dirnet_init(&d, &cfg);
	mw_dirnet_allow_parse("198.51.100.10:443", &r), mw_dirnet_allow_add(&d, &r);
	mw_dirnet_allow_parse("*.example.org:443", &r), mw_dirnet_allow_add(&d, &r);
	mw_addr_parse("198.51.100.10", &a);
	mw_dirnet_check(&d, &a, 443, "curl", ns, now, &v);
	ASSERT_TRUE(!v.report, "an expected address and port is quiet");
	mw_dirnet_check(&d, &a, 80, "curl", ns, now, &v);
	ASSERT_TRUE(v.report, "the same address on another port is not expected");
	ASSERT_STREQ(v.severity, "medium", "medium");
	mw_dirnet_check(&d, &a, 80, "curl", ns + 1, now, &v);
	ASSERT_TRUE(!v.report, "reported once an hour");
	mw_addr_parse("203.0.113.9", &a);
	mw_dirnet_resolved(&d, "api.example.org", &a, 300, ns);
	mw_dirnet_check(&d, &a, 443, "curl", ns, now, &v);
	ASSERT_TRUE(!v.report, "an allowed name's address, from a DNS answer");
	mw_dirnet_check(&d, &a, 22, "ssh", ns, now, &v);
	ASSERT_TRUE(v.report && v.sensitive_port, "SSH out is sensitive");
	ASSERT_STREQ(v.severity, "high", "high");

	/* learning, then the baseline speaks */
	mw_dirnet_learn(&d, 10000, now);
	mw_addr_parse("192.0.2.77", &a);
	mw_dirnet_check(&d, &a, 443, "apt", ns, now, &v);
	ASSERT_TRUE(!v.report && v.learning, "recorded while learning");
	ASSERT_TRUE(!mw_dirnet_tick(&d, ns, now + 5), "still learning");
	ASSERT_TRUE(mw_dirnet_tick(&d, ns, now + 11), "learning ends");
	mw_addr_parse("192.0.2.99", &a);
	mw_dirnet_check(&d, &a, 443, "apt", ns + 10, now + 12, &v);
	ASSERT_TRUE(!v.report, "the same /24, port and process: known");
	mw_dirnet_check(&d, &a, 8443, "apt", ns + 10, now + 12, &v);
	ASSERT_TRUE(v.report && !v.new_process, "a new port is new");
	mw_dirnet_check(&d, &a, 443, "xmrig", ns + 10, now + 12, &v);
	ASSERT_TRUE(v.report && v.new_process, "a process that never connected out");
	ASSERT_STREQ(v.severity, "high", "is high");
	for (i = 0; i < 5; i++) {
		mw_addr_parse("198.18.0.1", &a);
		a.addr[15] = (uint8_t)(10 + i);
		mw_dirnet_check(&d, &a, 80, "apt", ns + 20 + i, now + 13, &v);
	}
	ASSERT_TRUE(v.recent_new >= 5, "many new destinations in a minute");
	ASSERT_STREQ(v.severity, "high", "raise the severity");

	/* the baseline survives a save and a load */
	j = mw_dirnet_baseline_json(&d);
	mw_dirnet_init(&d2, &cfg);
	ASSERT_EQ(mw_dirnet_baseline_load(&d2, j, "t.json", stderr), 0, "loads");
	ASSERT_EQ(d2.n_known, d.n_known, "same destinations");
	ASSERT_TRUE(d2.learned, "learned");
	json_decref(j);
	j = json_loads("{\"destinations\":[{\"prefix\":\"nope\",\"port\":1,\"comm\":\"x\"}]}", 0,
		       NULL);
	ASSERT_EQ(mw_dirnet_baseline_load(&d2, j, "t.json", stderr), -EINVAL, "bad entry named");
	json_decref(j);
	mw_dirnet_free(&d2);
	mw_dirnet_free(&d);
}

static void t_dirnet_resolved(void *arg)
{
	struct mw_dirnet_cfg cfg = { .resolved_max = 64, .per_name_max = 16, .ttl_max_s = 3600 };
	struct mw_dirnet_verdict v;
	struct mw_dirnet_allow r;
	struct mw_dirnet d;
	struct mw_addr a;
	uint64_t ns = 1000 * SEC_NS, t0;
	unsigned i, quiet;

	mw_dirnet_init(&d, &cfg);
	mw_dirnet_allow_parse("*.cdn.example:443", &r), mw_dirnet_allow_add(&d, &r);
	mw_dirnet_allow_parse("api.example.com", &r), mw_dirnet_allow_add(&d, &r);
	mw_dirnet_allow_parse("*.big.example", &r), mw_dirnet_allow_add(&d, &r);

	/* a TTL of a year is kept an hour (ttl_max); one of 1 s a minute */
	mw_addr_parse("203.0.113.1", &a);
	mw_dirnet_resolved(&d, "api.example.com", &a, 365 * 86400, ns);
	mw_dirnet_check(&d, &a, 8080, "curl", ns + 3599 * SEC_NS, 0, &v);
	ASSERT_TRUE(!v.report, "within the capped TTL: expected");
	mw_dirnet_tick(&d, ns + 3601 * SEC_NS, 0);
	mw_dirnet_check(&d, &a, 8080, "curl", ns + 3601 * SEC_NS, 0, &v);
	ASSERT_TRUE(v.report, "a year's TTL ends at ttl_max (an hour)");
	ASSERT_EQ(d.n_resolved, 0, "and the entry is gone");
	mw_addr_parse("203.0.113.2", &a);
	mw_dirnet_resolved(&d, "api.example.com", &a, 1, ns);
	mw_dirnet_check(&d, &a, 8080, "curl", ns + 59 * SEC_NS, 0, &v);
	ASSERT_TRUE(!v.report, "a TTL of 1 s is kept a minute");

	/* the port of the rule: *.cdn.example only on 443 */
	mw_addr_parse("203.0.113.3", &a);
	mw_dirnet_resolved(&d, "img.cdn.example", &a, 300, ns);
	mw_dirnet_check(&d, &a, 443, "curl", ns, 0, &v);
	ASSERT_TRUE(!v.report, "a subdomain's address on the rule's port");
	mw_dirnet_check(&d, &a, 80, "curl", ns, 0, &v);
	ASSERT_TRUE(v.report, "the same address on another port is not expected");
	mw_dirnet_resolved(&d, "cdn.example.evil", &a, 300, ns);
	ASSERT_EQ(d.n_resolved, 2, "a name that only ends like an allowed one teaches nothing");

	/* per name: 16 at most, the rest refused until some expire */
	for (i = 0; i < 40; i++) {
		mw_addr_parse("198.51.100.0", &a);
		a.addr[15] = (uint8_t)i;
		mw_dirnet_resolved(&d, "www.cdn.example", &a, 300, ns);
	}
	ASSERT_EQ(d.allow[0].n_resolved, 16, "per-name cap");
	ASSERT_TRUE(d.res_refused >= 24, "the rest refused");
	/* in all: 64 at most, the soonest to expire gives way */
	for (i = 0; i < 2000; i++) {
		mw_addr_parse("192.0.2.0", &a);
		a.addr[14] = (uint8_t)(i >> 8), a.addr[15] = (uint8_t)i;
		a.addr[13] = (uint8_t)(i >> 16);
		mw_dirnet_resolved(&d, "x.big.example", &a, 600 + i, ns);
	}
	ASSERT_TRUE(d.n_resolved <= 64, "the total cap holds");
	/* per-name cap of big.example is 16, so the total is 16 + 16 + 2 */
	ASSERT_EQ(d.allow[2].n_resolved, 16, "per-name cap, another name");
	cfg.per_name_max = 1000;
	mw_dirnet_free(&d);
	mw_dirnet_init(&d, &cfg);
	mw_dirnet_allow_parse("*.big.example", &r), mw_dirnet_allow_add(&d, &r);
	t0 = mw_now_ns();
	for (i = 0; i < 200000; i++) {
		mw_addr_parse("192.0.2.0", &a);
		a.addr[13] = (uint8_t)(i >> 16), a.addr[14] = (uint8_t)(i >> 8);
		a.addr[15] = (uint8_t)i;
		mw_dirnet_resolved(&d, "x.big.example", &a, 600 + i % 977, ns + i);
	}
	printf("    200000 answers into a cap of 64: %.2f us each\n",
	       (double)(mw_now_ns() - t0) / 1000 / 200000);
	ASSERT_EQ(d.n_resolved, 64, "full, never more");
	ASSERT_EQ(d.res_evicted, 200000 - 64, "each new one evicted the soonest to expire");
	/* the survivors are the latest-expiring ones, all found by the index */
	quiet = 0;
	for (i = 0; i < 200000; i++) {
		mw_addr_parse("192.0.2.0", &a);
		a.addr[13] = (uint8_t)(i >> 16), a.addr[14] = (uint8_t)(i >> 8);
		a.addr[15] = (uint8_t)i;
		if (i % 977 != 976)
			continue;
		mw_dirnet_check(&d, &a, 22, "x", ns + 200000, 0, &v);
		quiet += !v.report;
	}
	ASSERT_EQ(quiet, 64, "the 64 kept are the ones with the longest TTL, all indexed");
	mw_dirnet_tick(&d, ns + 10000 * SEC_NS, 0);
	ASSERT_EQ(d.n_resolved, 0, "all expire");
	/* a reload starts the names over */
	mw_dirnet_resolved(&d, "x.big.example", &a, 60, ns);
	mw_dirnet_allow_clear(&d);
	ASSERT_EQ(d.n_resolved, 0, "cleared with the rules");
	mw_dirnet_free(&d);
}

/* The index and the heap agree with each other after any mix of answers,
 * refreshes, evictions and expiries; the set kept is the model's. */
static bool res_consistent(const struct mw_dirnet *d)
{
	size_t i, reached = 0;
	uint32_t b, e;

	for (i = 0; i < d->n_resolved; i++) {
		if (d->res[i].heap >= d->n_resolved || d->res_heap[d->res[i].heap] != i)
			return false;
		if (i &&
		    d->res[d->res_heap[(i - 1) / 2]].expires_ns > d->res[d->res_heap[i]].expires_ns)
			return false;
	}
	for (b = 0; b <= d->res_mask; b++)
		for (e = d->res_bucket[b]; e != UINT32_MAX; e = d->res[e].next) {
			if (e >= d->n_resolved || ++reached > d->n_resolved)
				return false;
		}
	return reached == d->n_resolved;
}

static void t_dirnet_resolved_model(void *arg)
{
	struct mw_dirnet_cfg cfg = { .resolved_max = 50, .per_name_max = 1000, .ttl_min_s = 1 };
	static uint64_t model[300]; /* expiry per address, 0: absent */
	struct mw_dirnet_allow r;
	struct mw_dirnet d;
	struct mw_addr a;
	uint64_t now = 5 * SEC_NS;
	unsigned op, i, bad = 0, mismatches = 0;

	mw_dirnet_init(&d, &cfg);
	mw_dirnet_allow_parse("*.example", &r), mw_dirnet_allow_add(&d, &r);
	srand(15);
	for (op = 0; op < 100000; op++) {
		unsigned k = (unsigned)rand() % 300, n = 0, min_i = 0;
		uint64_t exp, min = UINT64_MAX;

		now += 1 + (rand() % 4 == 0 ? (uint64_t)(rand() % 3) * SEC_NS : 0);
		exp = now + (uint64_t)(1 + rand() % 200) * SEC_NS;
		mw_addr_parse("198.51.100.0", &a);
		a.addr[14] = (uint8_t)(k >> 8), a.addr[15] = (uint8_t)k;
		mw_dirnet_resolved(&d, "a.example", &a, (uint32_t)((exp - now) / SEC_NS), now);
		/* the model: expire, refresh or add, the soonest gives way */
		for (i = 0; i < 300; i++)
			if (model[i] && model[i] <= now)
				model[i] = 0;
		if (model[k]) {
			model[k] = exp > model[k] ? exp : model[k];
		} else {
			for (i = 0; i < 300; i++)
				if (model[i]) {
					n++;
					if (model[i] < min)
						min = model[i], min_i = i;
				}
			if (n < 50)
				model[k] = exp;
			else if (exp > min)
				model[min_i] = 0, model[k] = exp;
		}
		if (op % 97 == 0 && !res_consistent(&d))
			bad++;
		if (op % 101 == 0) {
			for (i = 0, n = 0; i < 300; i++)
				n += model[i] != 0;
			mismatches += n != d.n_resolved;
		}
	}
	ASSERT_EQ(bad, 0, "index and heap consistent throughout");
	ASSERT_EQ(mismatches, 0, "the same number of entries as the model");
	for (i = 0; i < d.n_resolved; i++) {
		unsigned k = (unsigned)d.res[i].addr.addr[14] << 8 | d.res[i].addr.addr[15];

		if (model[k] != d.res[i].expires_ns)
			mismatches++;
	}
	ASSERT_EQ(mismatches, 0, "the same addresses and expiries as the model");
	mw_dirnet_free(&d);
}

static void t_dirnet_baseline_bound(void *arg)
{
	struct mw_dirnet_cfg cfg = { .fanout = 1000 };
	struct mw_dirnet_verdict v;
	struct mw_dirnet d, d2;
	struct mw_addr a;
	int64_t now = 1700000000;
	uint64_t t0;
	unsigned i;
	json_t *j;

	mw_dirnet_init(&d, &cfg);
	mw_dirnet_learn(&d, 1000, now);
	t0 = mw_now_ns();
	/* a local user sprays connections to every /24 while the host learns */
	for (i = 0; i < MW_DIRNET_KNOWN_MAX + 5000; i++) {
		mw_addr_parse("10.0.0.1", &a);
		a.addr[12] = (uint8_t)(100 + (i >> 16)), a.addr[13] = (uint8_t)(i >> 8);
		a.addr[14] = (uint8_t)i;
		mw_dirnet_check(&d, &a, 443, i % 2 ? "spray" : "spray2", 1, now, &v);
	}
	printf("    %u destinations learned: %.2f us each\n", MW_DIRNET_KNOWN_MAX + 5000,
	       (double)(mw_now_ns() - t0) / 1000 / (MW_DIRNET_KNOWN_MAX + 5000));
	ASSERT_EQ(d.n_known, MW_DIRNET_KNOWN_MAX, "the baseline stops at its cap");
	ASSERT_EQ(d.known_refused, 5000, "the rest counted");
	mw_dirnet_tick(&d, 1, now + 2);
	mw_addr_parse("10.0.0.1", &a);
	a.addr[12] = 100, a.addr[13] = 0, a.addr[14] = 7;
	mw_dirnet_check(&d, &a, 443, "spray", 2, now + 3, &v);
	ASSERT_TRUE(!v.report, "a learned destination, found by the index");
	mw_dirnet_check(&d, &a, 443, "xmrig", 3, now + 3, &v);
	ASSERT_TRUE(v.report && v.new_process, "a new process, known by the process index");
	mw_dirnet_check(&d, &a, 8443, "spray2", 4, now + 3, &v);
	ASSERT_TRUE(v.report && !v.new_process, "a known process on a new port");

	/* through a save and a load, with a duplicate line */
	j = mw_dirnet_baseline_json(&d);
	json_array_append(json_object_get(j, "destinations"),
			  json_array_get(json_object_get(j, "destinations"), 0));
	mw_dirnet_init(&d2, &cfg);
	ASSERT_EQ(mw_dirnet_baseline_load(&d2, j, "t.json", stderr), 0, "loads");
	ASSERT_EQ(d2.n_known, MW_DIRNET_KNOWN_MAX, "the duplicate counted once");
	mw_dirnet_check(&d2, &a, 443, "spray", 2, now + 3, &v);
	ASSERT_TRUE(!v.report, "known after the load");
	json_decref(j);
	mw_dirnet_free(&d2);
	mw_dirnet_free(&d);
}

/* --- DIRNET learns from verified DNS answers only -------------------------- */

#define DNS_LOCAL "192.0.2.1"
#define DNS_RESOLVER "198.51.100.53"

static void dns_key(struct mw_flow_key *k, uint16_t lport)
{
	dns_flow_key(k, DNS_LOCAL, DNS_RESOLVER, lport, IPPROTO_UDP);
}

/* The host's query, as the blacklist agent records it (note_query). */
static void dns_ask(struct mw_dnsq *q, uint16_t lport, uint16_t id, const char *name, uint64_t ns)
{
	struct mw_dns_query dq;
	struct mw_flow_key k;
	uint8_t buf[2048];
	size_t n = dns_build(buf, 0, id, 0, name, T_A, NULL, 0);

	dns_key(&k, lport);
	if (ASSERT_EQ(mw_dns_parse_query(buf, n, false, &dq), 0, "the query parses"))
		ASSERT_EQ(mw_dnsq_add(q, &k, &dq, ns), 0, "the query waits");
}

/* An answer from the resolver, through the same steps as the blacklist
 * agent's learn_answer: parsed, matched to a waiting query (consumed),
 * its CNAME chain marked, then handed to DIRNET. Returns what
 * mw_dnsq_answer said (0: verified). */
static int dns_answer(struct mw_dnsq *q, struct mw_dirnet *d, uint16_t lport, uint16_t id,
		      const char *name, const struct rr *rrs, unsigned n_rr, uint64_t ns)
{
	bool chain[MW_DNS_MAX_NAMES];
	struct mw_dns_msg msg;
	struct mw_flow_key k;
	uint8_t buf[2048];
	size_t n = dns_build(buf, 0, id, 1, name, T_A, rrs, n_rr);
	int ret;

	dns_key(&k, lport);
	if (!ASSERT_EQ(mw_dns_parse(buf, n, false, &msg), 0, "the answer parses"))
		return -EINVAL;
	ret = mw_dnsq_answer(q, &k, &msg, ns);
	if (!ret && mw_dns_chain(&msg, chain))
		mw_dirnet_dns_answer(d, &msg, chain, ns);
	return ret;
}

/* @addr:@port is an expected destination now (not reported). */
static bool dn_expected(struct mw_dirnet *d, const char *addr, uint16_t port, uint64_t ns)
{
	static unsigned looks;
	struct mw_dirnet_verdict v;
	char comm[16];
	struct mw_addr a;

	mw_addr_parse(addr, &a);
	/* a process of its own each time: "reported once an hour" must not
	 * hide a second look at the same destination */
	snprintf(comm, sizeof(comm), "look%u", looks++);
	mw_dirnet_check(d, &a, port, comm, ns, 1700000000, &v);
	return !v.report;
}

/* A query table and a DIRNET with the expected destinations @rules. */
static bool dns_fx(struct mw_dnsq *q, struct mw_dirnet *d, const char *rules)
{
	struct mw_dirnet_cfg cfg = { 0 };
	struct mw_dirnet_allow r;
	char buf[256], *save = NULL, *tok;

	/* both first, so that the caller may free both whatever fails */
	mw_dirnet_init(d, &cfg);
	if (!ASSERT_EQ(mw_dnsq_init(q, &(struct mw_dnsq_cfg){ .cap = 64 }), 0, "query table"))
		return false;
	snprintf(buf, sizeof(buf), "%s", rules);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (!ASSERT_EQ(mw_dirnet_allow_parse(tok, &r), 0, tok) ||
		    !ASSERT_EQ(mw_dirnet_allow_add(d, &r), 0, tok))
			return false;
	return true;
}

static void t_dirnet_dns_chain(void *arg)
{
	/* the host asks for an allowed name; the resolver's answer holds its
	 * chain and, beside it, records of other owners: an allowed one, an
	 * unrelated one, and a CNAME from a name off the chain */
	const struct rr rrs[] = {
		{ "api.example.com", T_CNAME, "edge.provider.net", 300 },
		{ "edge.provider.net", T_A, "203.0.113.50", 300 },
		{ "edge.provider.net", T_AAAA, "2001:db8:50::1", 300 },
		{ "img.cdn.example", T_A, "203.0.113.51", 300 },
		{ "www.unrelated.example", T_A, "203.0.113.52", 300 },
		{ "other.example", T_CNAME, "img2.cdn.example", 300 },
		{ "img2.cdn.example", T_A, "203.0.113.53", 300 },
	};
	/* an unallowed question whose chain ends at an allowed name */
	const struct rr via[] = {
		{ "www.shop.example", T_CNAME, "shop.cdn.example", 300 },
		{ "shop.cdn.example", T_A, "203.0.113.60", 300 },
		{ "api.example.com", T_A, "203.0.113.61", 300 },
	};
	/* an unallowed question with an allowed owner's record slipped in */
	const struct rr junk[] = {
		{ "www.example.net", T_A, "203.0.113.70", 300 },
		{ "api.example.com", T_A, "203.0.113.71", 300 },
	};
	struct mw_dirnet d;
	struct mw_dnsq q;
	uint64_t ns = 1000 * SEC_NS;

	if (!dns_fx(&q, &d, "api.example.com *.cdn.example:443"))
		goto out;

	dns_ask(&q, 41000, 0x7001, "api.example.com", ns);
	ASSERT_EQ(dns_answer(&q, &d, 41000, 0x7001, "api.example.com", rrs, ARRAY_SIZE(rrs), ns), 0,
		  "the answer to the host's query is verified");
	ASSERT_TRUE(dn_expected(&d, "203.0.113.50", 8080, ns),
		    "the chain's end (api.example.com -> edge.provider.net) is expected");
	ASSERT_TRUE(dn_expected(&d, "2001:db8:50::1", 8080, ns), "its AAAA too");
	ASSERT_EQ(d.n_resolved, 2, "and nothing else is learned");
	ASSERT_TRUE(!dn_expected(&d, "203.0.113.51", 443, ns),
		    "an allowed owner off the chain teaches nothing");
	ASSERT_TRUE(!dn_expected(&d, "203.0.113.52", 8080, ns), "an unrelated owner neither");
	ASSERT_TRUE(!dn_expected(&d, "203.0.113.53", 443, ns),
		    "a CNAME off the chain is not followed");

	dns_ask(&q, 41001, 0x7002, "www.shop.example", ns);
	ASSERT_EQ(dns_answer(&q, &d, 41001, 0x7002, "www.shop.example", via, ARRAY_SIZE(via), ns),
		  0, "verified");
	ASSERT_TRUE(dn_expected(&d, "203.0.113.60", 443, ns),
		    "a chain through an allowed name: its address on the rule's port");
	ASSERT_TRUE(!dn_expected(&d, "203.0.113.60", 80, ns), "and on that port only");
	ASSERT_TRUE(!dn_expected(&d, "203.0.113.61", 8080, ns),
		    "an allowed name's record off the chain teaches nothing");

	dns_ask(&q, 41002, 0x7003, "www.example.net", ns);
	ASSERT_EQ(dns_answer(&q, &d, 41002, 0x7003, "www.example.net", junk, ARRAY_SIZE(junk), ns),
		  0, "verified");
	ASSERT_TRUE(!dn_expected(&d, "203.0.113.70", 8080, ns), "an unallowed question: nothing");
	ASSERT_TRUE(!dn_expected(&d, "203.0.113.71", 8080, ns),
		    "nor the allowed owner's record beside it");
	ASSERT_EQ(d.n_resolved, 3, "three addresses learned in all");
out:
	mw_dirnet_free(&d);
	mw_dnsq_free(&q);
}

static void t_dirnet_dns_verified(void *arg)
{
	const struct rr forged[] = { { "api.example.com", T_A, "203.0.113.80", 86400 } };
	const struct rr real[] = { { "api.example.com", T_A, "203.0.113.81", 300 } };
	const struct rr late[] = { { "api.example.com", T_A, "203.0.113.82", 86400 } };
	struct mw_dirnet d;
	struct mw_dnsq q;
	uint64_t ns = 1000 * SEC_NS;

	if (!dns_fx(&q, &d, "api.example.com"))
		goto out;

	ASSERT_EQ(dns_answer(&q, &d, 42000, 0x1234, "api.example.com", forged, 1, ns), -ENOENT,
		  "an answer nobody asked for is not verified");
	ASSERT_TRUE(!dn_expected(&d, "203.0.113.80", 443, ns), "and teaches nothing");

	dns_ask(&q, 42001, 0x2000, "api.example.com", ns);
	ASSERT_EQ(dns_answer(&q, &d, 42001, 0x2001, "api.example.com", forged, 1, ns), -ENOENT,
		  "the right flow, another ID");
	ASSERT_EQ(dns_answer(&q, &d, 42002, 0x2000, "api.example.com", forged, 1, ns), -ENOENT,
		  "the right ID, another port");
	ASSERT_EQ(dns_answer(&q, &d, 42001, 0x2000, "www.example.com", forged, 1, ns), -EINVAL,
		  "the right flow and ID, another question");
	ASSERT_TRUE(!dn_expected(&d, "203.0.113.80", 443, ns), "none of them teaches anything");
	ASSERT_EQ(d.n_resolved, 0, "nothing learned");

	ASSERT_EQ(dns_answer(&q, &d, 42001, 0x2000, "api.example.com", real, 1, ns), 0,
		  "the resolver's answer to the query is verified");
	ASSERT_TRUE(dn_expected(&d, "203.0.113.81", 443, ns), "and teaches its address");
	ASSERT_EQ(dns_answer(&q, &d, 42001, 0x2000, "api.example.com", late, 1, ns), -ENOENT,
		  "a second answer to the consumed query (a racing forger)");
	ASSERT_TRUE(!dn_expected(&d, "203.0.113.82", 443, ns), "teaches nothing");

	dns_ask(&q, 42003, 0x3000, "api.example.com", ns);
	ASSERT_EQ(dns_answer(&q, &d, 42003, 0x3000, "api.example.com", late, 1,
			     ns + MW_DNSQ_TTL_DEFAULT_NS),
		  -ENOENT, "an answer after the query was forgotten");
	ASSERT_TRUE(!dn_expected(&d, "203.0.113.82", 443, ns), "teaches nothing");
	ASSERT_EQ(d.n_resolved, 1, "one address learned in all");
out:
	mw_dirnet_free(&d);
	mw_dnsq_free(&q);
}

/* --- no blind first day: what learning never silences ---------------------- */

static void learn_check(struct mw_dirnet *d, const char *addr, uint16_t port, const char *comm,
			const char *odd, const char *doh, bool mining, uint64_t ns,
			struct mw_dirnet_verdict *v)
{
	struct mw_addr a;
	struct mw_dirnet_flow f = { .dst = &a,
				    .port = port,
				    .comm = comm,
				    .not_service = odd,
				    .doh = doh,
				    .mining = mining };

	mw_addr_parse(addr, &a);
	mw_dirnet_judge(d, &f, ns, 1700000000, v);
}

static void t_dirnet_learning_alarms(void *arg)
{
	struct mw_dirnet_cfg cfg = { .sensitive_ports = { 22, 9050, 853 },
				     .n_sensitive = 3,
				     .fanout = 10 };
	struct mw_dirnet_verdict v;
	struct mw_dirnet d;
	struct mw_addr a;
	size_t known;
	unsigned i;

	mw_dirnet_init(&d, &cfg);
	mw_dirnet_learn(&d, 86400000, 1700000000);
	learn_check(&d, "203.0.113.80", 80, "curl", NULL, NULL, false, 1, &v);
	ASSERT_TRUE(!v.report && v.learning, "an ordinary destination is learned, not reported");
	learn_check(&d, "203.0.113.22", 22, "ssh", NULL, NULL, false, 2, &v);
	ASSERT_TRUE(v.report && v.while_learning && v.sensitive_port, "ssh out: reported");
	ASSERT_STREQ(v.severity, "high", "high");
	ASSERT_STREQ(v.port_name, "SSH", "named");
	learn_check(&d, "198.51.100.9", 9050, "x", NULL, NULL, false, 3, &v);
	ASSERT_TRUE(v.report && v.port_name && !strcmp(v.port_name, "Tor"), "a Tor port: Tor's");
	learn_check(&d, "198.51.100.10", 853, "x", NULL, NULL, false, 4, &v);
	ASSERT_TRUE(v.report && v.port_name && !strcmp(v.port_name, "DNS-over-TLS"), "DoT");
	learn_check(&d, "198.51.100.11", 443, "kdevtmpfsi", "in /tmp", NULL, false, 5, &v);
	ASSERT_TRUE(v.report && v.not_service, "a process that is no known service");
	ASSERT_STREQ(v.severity, "high", "high");
	learn_check(&d, "198.51.100.12", 443, "curl", NULL, "dns.google", false, 6, &v);
	ASSERT_TRUE(v.report && v.doh && v.sensitive_port, "DoH: sensitive");
	ASSERT_STREQ(v.severity, "high", "high");
	learn_check(&d, "198.51.100.13", 3333, "x", NULL, NULL, true, 7, &v);
	ASSERT_TRUE(v.report && v.mining, "a blacklisted or Stratum destination");
	ASSERT_STREQ(v.severity, "critical", "critical");
	known = d.n_known;
	ASSERT_EQ(known, 1, "none of those entered the baseline");
	learn_check(&d, "203.0.113.22", 22, "ssh", NULL, NULL, false, 8, &v);
	ASSERT_TRUE(!v.report && !v.learning, "reported once an hour, still not learned");
	/* fan-out: new destinations in a minute while learning */
	for (i = 0; i < 6; i++) {
		char addr[32];

		snprintf(addr, sizeof(addr), "192.0.2.%u", 1 + i);
		mw_addr_parse(addr, &a);
		a.addr[14] = (uint8_t)i; /* each its own /24 */
		d.cfg.fanout = 5;
		mw_dirnet_check(&d, &a, 8080, "spray", 120 * SEC_NS + i, 1700000000, &v);
	}
	ASSERT_TRUE(v.report && v.while_learning && v.recent_new >= 5, "fan-out: reported");
	ASSERT_EQ(d.n_known, known + 4, "those before the fan-out were learned, not the rest");
	/* a flow the host may not have opened is never learned */
	{
		struct mw_dirnet_flow f = { .dst = &a, .port = 80, .comm = "", .unverified = true };

		mw_addr_parse("203.0.113.200", &a);
		mw_dirnet_judge(&d, &f, 10 * 60 * SEC_NS, 1700000000, &v);
		ASSERT_TRUE(!v.report && !v.learning, "unverified: silent, not learned");
		ASSERT_EQ(d.n_known, known + 4, "not learned");
	}
	/* after learning: a DoH endpoint is reported even when known */
	learn_check(&d, "203.0.113.81", 443, "curl", NULL, NULL, false, 11 * 60 * SEC_NS, &v);
	ASSERT_TRUE(v.learning, "learned");
	mw_dirnet_tick(&d, 12 * 60 * SEC_NS, 1700000000 + 86401);
	learn_check(&d, "203.0.113.81", 443, "curl", NULL, NULL, false, 13 * 60 * SEC_NS, &v);
	ASSERT_TRUE(!v.report, "known: quiet");
	learn_check(&d, "203.0.113.81", 443, "curl", NULL, "cloudflare-dns.com", false,
		    13 * 60 * SEC_NS, &v);
	ASSERT_TRUE(v.report && v.doh, "known, but DoH: reported");
	mw_dirnet_free(&d);
}

/* A flood of connections to one place while learning is one destination:
 * no fan-out, one report; the ordinary destinations after it are learned. */
static void t_dirnet_learning_one_place(void *arg)
{
	struct mw_dirnet_cfg cfg = { .sensitive_ports = { 3333 }, .n_sensitive = 1, .fanout = 5 };
	struct mw_dirnet_verdict v;
	struct mw_dirnet d;
	unsigned i, reports = 0;

	(void)arg;
	mw_dirnet_init(&d, &cfg);
	mw_dirnet_learn(&d, 86400000, 1700000000);
	for (i = 0; i < 300; i++) {
		learn_check(&d, "203.0.113.78", 3333, "python3", NULL, NULL, false, 1 + i, &v);
		reports += v.report;
	}
	ASSERT_EQ(reports, 1, "300 connections to one pool port: one report");
	ASSERT_TRUE(!v.recent_new || v.recent_new < 5, "and no fan-out");
	learn_check(&d, "203.0.113.74", 443, "curl", NULL, NULL, false, 400, &v);
	ASSERT_TRUE(!v.report && v.learning, "the next ordinary destination is learned");
	mw_dirnet_free(&d);
}

/* Fan-out is one process's: the first day's many programs, each reaching a
 * few new places within a minute, are learned; one of them spraying is
 * reported. */
static void t_dirnet_fanout_per_process(void *arg)
{
	static const char *const daemons[] = { "apt", "http", "chronyd", "snapd", "pip", "dockerd" };
	struct mw_dirnet_cfg cfg = { .fanout = 5 };
	struct mw_dirnet_verdict v;
	struct mw_dirnet d;
	char addr[32];
	unsigned i, j, reports = 0;

	(void)arg;
	mw_dirnet_init(&d, &cfg);
	mw_dirnet_learn(&d, 86400000, 1700000000);
	for (i = 0; i < 4; i++)
		for (j = 0; j < sizeof(daemons) / sizeof(daemons[0]); j++) {
			snprintf(addr, sizeof(addr), "198.51.%u.%u", 10 + j * 4 + i, 1 + i);
			learn_check(&d, addr, 443, daemons[j], NULL, NULL, false,
				    (1 + i * 6 + j) * SEC_NS, &v);
			reports += v.report;
		}
	ASSERT_EQ(reports, 0, "24 new destinations of 6 programs in a minute: learned");
	for (i = 0; i < 6; i++) {
		snprintf(addr, sizeof(addr), "203.0.%u.9", 100 + i);
		learn_check(&d, addr, 8080, "spray", NULL, NULL, false, (30 + i) * SEC_NS, &v);
	}
	ASSERT_TRUE(v.report && v.recent_new >= 5, "one program's 6: fan-out");
	mw_dirnet_free(&d);
}

static void t_dirnet_exe(void *arg)
{
	static const char *const odd[] = {
		"/tmp/kdevtmpfsi",
		"/var/tmp/.X25-unix/.rsync/c/blitz64",
		"/dev/shm/xmrig",
		"/run/user/0/x",
		"/etc/kinsing",
		"/var/www/html/wp-content/uploads/x",
		"/memfd:a (deleted)",
		"/root/.configrc/a/kswapd0 (deleted)",
		"x",
	};
	static const char *const fine[] = {
		"",
		"/usr/bin/curl",
		"/usr/sbin/sshd (deleted)",
		"/usr/local/bin/node_exporter",
		"/opt/google/chrome/chrome",
		"/usr/lib/firefox-esr/firefox-esr",
		"/home/app/venv/bin/gunicorn",
		"/srv/app/bin/server",
		"/snap/core22/1/usr/bin/snapd",
		"/var/lib/docker/x",
	};
	size_t i;

	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
		ASSERT_TRUE(mw_dirnet_exe_odd(odd[i]) != NULL, odd[i]);
	for (i = 0; i < sizeof(fine) / sizeof(fine[0]); i++)
		ASSERT_TRUE(mw_dirnet_exe_odd(fine[i]) == NULL, fine[i]);
	ASSERT_STREQ(mw_dirnet_port_name(9001), "Tor", "9001");
	ASSERT_STREQ(mw_dirnet_port_name(9150), "Tor", "9150");
	ASSERT_TRUE(mw_dirnet_port_name(443) == NULL, "443 is nothing special");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("dirnet: expected destinations, learning, severity", t_dirnet, NULL);
	test_run("dirnet: resolved names capped, indexed, TTL-bounded", t_dirnet_resolved, NULL);
	test_run("dirnet: resolved names against a model", t_dirnet_resolved_model, NULL);
	test_run("dirnet: the baseline bounded and indexed", t_dirnet_baseline_bound, NULL);
	test_run("dirnet: a DNS answer teaches only its CNAME chain", t_dirnet_dns_chain, NULL);
	test_run("dirnet: only an answer to the host's query teaches", t_dirnet_dns_verified, NULL);
	test_run("dirnet: learning never silences the high and critical", t_dirnet_learning_alarms,
		 NULL);
	test_run("dirnet: a flood to one place while learning is no fan-out",
		 t_dirnet_learning_one_place, NULL);
	test_run("dirnet: fan-out is one process's", t_dirnet_fanout_per_process, NULL);
	test_run("dirnet: no known service, port names", t_dirnet_exe, NULL);
	return test_summary("dirnet");
}
