// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_agent_blacklist.c - the agent's blacklist module (agent/blacklist.c)
 * on the real programs' tries (loaded, not attached), with synthetic peek
 * and flow events and the lists from $MW_DATA. BLACKLIST learns a listed
 * name's addresses only from the answer to a query the host sent its
 * resolver, and only what lies on the question's CNAME chain; learned
 * addresses are bounded, expire, and never enter the kernel's tries when
 * allowlisted; a listed SNI or JA4 in the host's ClientHello (read once
 * by agent/tls_hello.c) is a hit; a hit blocks only on a flow the host
 * opened. Needs root
 * (BPF). Built with ASan.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/blacklist.h"
#include "agent/tls_hello.h"
#include "detect/dirnet.h"
#include "data.h"
#include "dns_build.h"
#include "enforce/allow.h"
#include "agent/events.h"
#include "agent/env.h"
#include "agent/loader.h"
#include "agent/localaddr.h"
#include "lib/log.h"
#include "minewall.skel.h"
#include "parse/ja4.h"
#include "peek_build.h"
#include "test.h"
#include "lib/util.h"
#include "tls_build.h"

#define LOCAL "192.0.2.1"
#define RESOLVER "198.51.100.53"
#define OTHER_RESOLVER "198.51.100.54" /* given by [blacklist] resolvers */
#define STRANGER "198.51.100.99" /* no resolver of ours */
#define POOL "la01.supportxmr.com" /* coinblockerlists/list.txt:2347 */

static struct mw_loader L;
static char tmp_dir[256];

struct fx {
	struct mw_config cfg;
	struct mw_agent_blacklist a;
	struct mw_allow allow;
	struct mw_eve eve;
	struct mw_events events;
	struct mw_agent_tls_hello hello;
	char events_path[512];
};

static int fx_init(struct fx *f, const char *lists, uint64_t learned_max)
{
	struct mw_env env;
	char path[600];
	FILE *rc;
	int err;

	memset(f, 0, sizeof(*f));
	mw_config_defaults(&f->cfg);
	snprintf(f->cfg.bl_lists, sizeof(f->cfg.bl_lists), "%s", lists);
	if (learned_max)
		f->cfg.bl_learned_max = learned_max;
	snprintf(f->cfg.state_dir, sizeof(f->cfg.state_dir), "%s", tmp_dir);
	mw_prefix_parse(OTHER_RESOLVER, &f->cfg.bl_resolvers[0]);
	f->cfg.n_bl_resolvers = 1;
	f->cfg.bl_ttl_min_ms = 60000;
	f->cfg.bl_ttl_max_ms = 3600000;
	snprintf(f->allow.runtime_path, sizeof(f->allow.runtime_path), "%s/allow.list", tmp_dir);
	unlink(f->allow.runtime_path);
	snprintf(f->events_path, sizeof(f->events_path), "%s/events.json", tmp_dir);
	unlink(f->events_path);
	mw_eve_open(&f->eve, f->events_path);
	err = mw_agent_tls_hello_start(&f->hello, &f->events);
	if (err)
		return err;
	env = (struct mw_env){ .cfg = &f->cfg,
			       .loader = &L,
			       .allow = &f->allow,
			       .eve = &f->eve,
			       .events = &f->events,
			       .hello = &f->hello };
	err = mw_agent_blacklist_init(&f->a, &env);
	if (err)
		return err;
	/* the host's resolver, as its resolv.conf names it */
	snprintf(path, sizeof(path), "%s/resolv.conf", tmp_dir);
	rc = fopen(path, "w");
	if (!rc)
		return -errno;
	fprintf(rc, "# test\nsearch example.org\nnameserver " RESOLVER "\n");
	fclose(rc);
	f->a.resolv_conf = strdup(path);
	f->a.resolved_conf = NULL;
	mw_agent_blacklist_tick(&f->a, mw_now_ns());
	return 0;
}

static void fx_free(struct fx *f)
{
	free((char *)f->a.resolv_conf);
	mw_agent_blacklist_free(&f->a);
	mw_agent_tls_hello_stop(&f->hello);
	mw_eve_close(&f->eve);
	mw_allow_free(&f->allow);
}

static void set_key(struct mw_flow_key *k, const char *remote, uint16_t lport, int tcp)
{
	dns_flow_key(k, LOCAL, remote, lport, tcp ? IPPROTO_TCP : IPPROTO_UDP);
}

static void peek(struct fx *f, const struct mw_flow_key *k, int dir, int host_opened,
		 const uint8_t *data, size_t len)
{
	static struct mw_event_peek ev;

	memset(&ev, 0, sizeof(ev));
	ev.hdr.type = MW_EV_PEEK;
	ev.hdr.dir = (uint8_t)dir;
	ev.key = *k;
	ev.len = (uint16_t)(len < MW_PEEK_MAX ? len : MW_PEEK_MAX);
	ev.orig_len = (uint16_t)len;
	ev.initiator = host_opened ? MW_DIR_OUT : MW_DIR_IN;
	ev.host_opened = (uint8_t)host_opened;
	ev.answered = dir == MW_DIR_IN;
	memcpy(ev.data, data, ev.len);
	mw_events_dispatch(&f->events, &ev, sizeof(ev));
}

/* The host asks @server for @name's A records from port @lport. */
static void query(struct fx *f, const char *server, uint16_t lport, uint16_t id, const char *name,
		  uint16_t qtype, int host_opened, int tcp)
{
	uint8_t buf[2048];
	struct mw_flow_key k;
	size_t n = dns_build(buf, tcp, id, 0, name, qtype, NULL, 0);

	set_key(&k, server, lport, tcp);
	peek(f, &k, MW_DIR_OUT, host_opened, buf, n);
}

static void answer(struct fx *f, const char *server, uint16_t lport, uint16_t id, const char *name,
		   uint16_t qtype, const struct rr *rrs, unsigned n_rr, int tcp)
{
	uint8_t buf[2048];
	struct mw_flow_key k;
	size_t n = dns_build(buf, tcp, id, 1, name, qtype, rrs, n_rr);

	set_key(&k, server, lport, tcp);
	peek(f, &k, MW_DIR_IN, 1, buf, n);
}

/* @addr is learned and in the kernel's trie as a learned entry. */
static bool learned(struct fx *f, const char *addr)
{
	struct mw_bl_value v;
	struct mw_addr a;

	mw_addr_parse(addr, &a);
	return mw_bl_learned_find(&f->a.bl, &a) && !mw_blacklist_maps_lookup(&f->a.k, &a, &v) &&
	       (v.flags & MW_BL_LEARNED);
}

/* @addr is neither learned nor anywhere in the kernel's tries. */
static bool absent(struct fx *f, const char *addr)
{
	struct mw_bl_value v;
	struct mw_addr a;

	mw_addr_parse(addr, &a);
	return !mw_bl_learned_find(&f->a.bl, &a) && mw_blacklist_maps_lookup(&f->a.k, &a, &v);
}

static const char *coinblocker(void)
{
	return test_data_path("blocklists/coinblockerlists/list.txt");
}

static void t_query_answer(void *arg)
{
	struct rr a1 = { POOL, T_A, "203.0.113.10", 300 };
	struct rr a2 = { POOL, T_A, "203.0.113.11", 300 };
	struct rr a6 = { POOL, T_AAAA, "2001:db8:bad::10", 300 };
	struct fx f;

	if (!ASSERT_EQ(fx_init(&f, coinblocker(), 0), 0, "agent blacklist on coinblocker list.txt"))
		return;
	query(&f, RESOLVER, 40001, 0x1111, POOL, T_A, 1, 0);
	ASSERT_EQ(f.a.queries.n, 1, "the host's query waits");
	answer(&f, RESOLVER, 40001, 0x1111, POOL, T_A, &a1, 1, 0);
	ASSERT_TRUE(learned(&f, "203.0.113.10"), "the answer to it is learned, into the trie");
	ASSERT_EQ(f.a.queries.n, 0, "and consumes the query");

	/* a second answer to the consumed query: a forger racing the resolver */
	answer(&f, RESOLVER, 40001, 0x1111, POOL, T_A, &a2, 1, 0);
	ASSERT_TRUE(absent(&f, "203.0.113.11"), "a second answer finds nothing");

	/* the same question in a different case (DNS 0x20), AAAA, over TCP */
	query(&f, RESOLVER, 40002, 0x2222, "LA01.SupportXMR.com", T_AAAA, 1, 1);
	answer(&f, RESOLVER, 40002, 0x2222, "la01.supportxmr.COM", T_AAAA, &a6, 1, 1);
	ASSERT_TRUE(learned(&f, "2001:db8:bad::10"), "TCP, AAAA, mixed case: learned");

	/* the resolver named in [blacklist] resolvers */
	query(&f, OTHER_RESOLVER, 40003, 0x3333, POOL, T_A, 1, 0);
	answer(&f, OTHER_RESOLVER, 40003, 0x3333, POOL, T_A, &a2, 1, 0);
	ASSERT_TRUE(learned(&f, "203.0.113.11"), "a configured resolver's answer is learned");
	fx_free(&f);
}

static void t_forged(void *arg)
{
	struct rr a = { POOL, T_A, "203.0.113.20", 300 };
	struct fx f;

	if (!ASSERT_EQ(fx_init(&f, coinblocker(), 0), 0, "agent"))
		return;
	answer(&f, RESOLVER, 40010, 0x1234, POOL, T_A, &a, 1, 0);
	ASSERT_TRUE(absent(&f, "203.0.113.20"), "an answer without a query is not learned");
	ASSERT_EQ(f.a.queries.unsolicited, 1, "counted as unsolicited");

	query(&f, RESOLVER, 40011, 0x1000, POOL, T_A, 1, 0);
	answer(&f, RESOLVER, 40011, 0x1001, POOL, T_A, &a, 1, 0);
	ASSERT_TRUE(absent(&f, "203.0.113.20"), "wrong ID: not learned");
	answer(&f, RESOLVER, 40011, 0x1000, "pool.supportxmr.com", T_A, &a, 1, 0);
	ASSERT_TRUE(absent(&f, "203.0.113.20"), "another question (listed too): not learned");
	answer(&f, RESOLVER, 40011, 0x1000, POOL, T_AAAA, &a, 1, 0);
	ASSERT_TRUE(absent(&f, "203.0.113.20"), "another question type: not learned");
	ASSERT_EQ(f.a.queries.wrong_question, 2, "both counted as the wrong question");
	answer(&f, RESOLVER, 40012, 0x1000, POOL, T_A, &a, 1, 0);
	ASSERT_TRUE(absent(&f, "203.0.113.20"), "another local port (not the reversed tuple)");
	answer(&f, STRANGER, 40011, 0x1000, POOL, T_A, &a, 1, 0);
	ASSERT_TRUE(absent(&f, "203.0.113.20"), "from another address (not a resolver)");
	ASSERT_EQ(f.a.dns_not_resolver, 1, "counted as not from a resolver");
	ASSERT_EQ(f.a.queries.n, 1, "the real query still waits after all that");

	query(&f, STRANGER, 40013, 0x2000, POOL, T_A, 1, 0);
	answer(&f, STRANGER, 40013, 0x2000, POOL, T_A, &a, 1, 0);
	ASSERT_TRUE(absent(&f, "203.0.113.20"), "asked and answered by a non-resolver: ignored");

	/* a "query" from one of our addresses that arrived from outside */
	query(&f, RESOLVER, 40014, 0x3000, POOL, T_A, 0, 0);
	answer(&f, RESOLVER, 40014, 0x3000, POOL, T_A, &a, 1, 0);
	ASSERT_TRUE(absent(&f, "203.0.113.20"), "a query on a flow the host did not open");

	/* expired: the resolver answered after the query was forgotten */
	query(&f, RESOLVER, 40015, 0x4000, POOL, T_A, 1, 0);
	mw_agent_blacklist_tick(&f.a, mw_now_ns() + MW_DNSQ_TTL_DEFAULT_NS + 1);
	answer(&f, RESOLVER, 40015, 0x4000, POOL, T_A, &a, 1, 0);
	ASSERT_TRUE(absent(&f, "203.0.113.20"), "an answer after the query expired");
	fx_free(&f);
}

static void t_chain(void *arg)
{
	/* the host asks for an unlisted alias that points at a listed pool */
	const struct rr rrs[] = {
		{ "mine.example.org", T_CNAME, "edge.example.net", 300 },
		{ "edge.example.net", T_CNAME, POOL, 300 },
		{ POOL, T_A, "203.0.113.30", 300 },
		/* other owners in the same message: listed, but off the chain */
		{ "pool.supportxmr.com", T_A, "203.0.113.31", 300 },
		{ "unrelated.example.com", T_A, "203.0.113.32", 300 },
		/* a CNAME from a name off the chain */
		{ "other.example.com", T_CNAME, "at01.supportxmr.com", 300 },
		{ "at01.supportxmr.com", T_A, "203.0.113.33", 300 },
	};
	const struct rr junk[] = {
		{ "www.example.org", T_A, "203.0.113.40", 300 },
		{ POOL, T_A, "203.0.113.41", 300 },
	};
	const struct rr bad[] = {
		{ "x\x01y.supportxmr.com", T_A, "203.0.113.42", 300 },
	};
	struct fx f;

	if (!ASSERT_EQ(fx_init(&f, coinblocker(), 0), 0, "agent"))
		return;
	query(&f, RESOLVER, 40020, 0x5000, "mine.example.org", T_A, 1, 0);
	answer(&f, RESOLVER, 40020, 0x5000, "mine.example.org", T_A, rrs, ARRAY_SIZE(rrs), 0);
	ASSERT_TRUE(learned(&f, "203.0.113.30"), "the chain's end (listed) is learned");
	ASSERT_TRUE(absent(&f, "203.0.113.31"), "a listed owner off the chain is not");
	ASSERT_TRUE(absent(&f, "203.0.113.32"), "an unrelated owner is not");
	ASSERT_TRUE(absent(&f, "203.0.113.33"), "a CNAME off the chain is not followed");

	/* an unlisted question with a listed owner's record slipped in */
	query(&f, RESOLVER, 40021, 0x5001, "www.example.org", T_A, 1, 0);
	answer(&f, RESOLVER, 40021, 0x5001, "www.example.org", T_A, junk, ARRAY_SIZE(junk), 0);
	ASSERT_TRUE(absent(&f, "203.0.113.40") && absent(&f, "203.0.113.41"),
		    "an unlisted question teaches nothing");

	/* control characters in a name: no host name, nothing matched, no crash */
	query(&f, RESOLVER, 40022, 0x5002, "x\x01y.supportxmr.com", T_A, 1, 0);
	answer(&f, RESOLVER, 40022, 0x5002, "x\x01y.supportxmr.com", T_A, bad, 1, 0);
	ASSERT_TRUE(absent(&f, "203.0.113.42"), "a name with a control character is no name");
	ASSERT_EQ(f.a.queries.n, 0, "nor is its query kept");
	fx_free(&f);
}

static void t_caps_expiry(void *arg)
{
	struct rr rrs[28]; /* 28 A records fit in one 512-byte peek */
	char addrs[28][32];
	unsigned q, i, total = 0;
	struct mw_addr a;
	struct fx f;

	if (!ASSERT_EQ(fx_init(&f, coinblocker(), 0), 0, "agent"))
		return;
	/* three answers of 28 addresses for one name: 64 kept, per name */
	for (q = 0; q < 3; q++) {
		for (i = 0; i < 28; i++) {
			snprintf(addrs[i], sizeof(addrs[i]), "203.0.113.%u", 100 + q * 28 + i);
			rrs[i] = (struct rr){ POOL, T_A, addrs[i], 120 };
		}
		query(&f, RESOLVER, (uint16_t)(40030 + q), (uint16_t)(0x6000 + q), POOL, T_A, 1, 0);
		answer(&f, RESOLVER, (uint16_t)(40030 + q), (uint16_t)(0x6000 + q), POOL, T_A, rrs,
		       28, 0);
	}
	ASSERT_EQ(mw_bl_learned_count(&f.a.bl, POOL), MW_BL_LEARNED_PER_NAME,
		  "one name keeps 64 addresses");
	ASSERT_EQ(f.a.bl.learned_refused, 84 - MW_BL_LEARNED_PER_NAME, "the rest refused");
	for (q = 0; q < 3; q++)
		for (i = 0; i < 28; i++) {
			char s[32];
			struct mw_bl_value v;

			snprintf(s, sizeof(s), "203.0.113.%u", 100 + q * 28 + i);
			mw_addr_parse(s, &a);
			total += !mw_blacklist_maps_lookup(&f.a.k, &a, &v);
		}
	ASSERT_EQ(total, MW_BL_LEARNED_PER_NAME, "the kernel holds exactly those");
	ASSERT_EQ(f.a.k.n_learned, MW_BL_LEARNED_PER_NAME, "and counts them");

	/* TTL 120 s, inside [dns_ttl_min, dns_ttl_max]: kept that long */
	mw_agent_blacklist_tick(&f.a, mw_now_ns() + 119ULL * 1000000000ULL);
	ASSERT_EQ(f.a.bl.n_learned, MW_BL_LEARNED_PER_NAME, "not before their TTL");
	mw_agent_blacklist_tick(&f.a, mw_now_ns() + 121ULL * 1000000000ULL);
	ASSERT_EQ(f.a.bl.n_learned, 0, "expired after their TTL");
	ASSERT_TRUE(absent(&f, "203.0.113.100"), "and out of the kernel");
	ASSERT_EQ(f.a.k.n_learned, 0, "the kernel holds none");
	fx_free(&f);
}

static void t_total_cap(void *arg)
{
	struct rr rr;
	char s[32];
	unsigned i;
	struct fx f;

	/* learned_max = 16 */
	if (!ASSERT_EQ(fx_init(&f, coinblocker(), 16), 0, "agent with learned_max 16"))
		return;
	for (i = 0; i < 20; i++) {
		char name[64];

		snprintf(name, sizeof(name), "n%u.supportxmr.com", i);
		snprintf(s, sizeof(s), "203.0.113.%u", 100 + i);
		rr = (struct rr){ name, T_A, s, 100 + i }; /* later ones live longer */
		query(&f, RESOLVER, (uint16_t)(41000 + i), (uint16_t)i, name, T_A, 1, 0);
		answer(&f, RESOLVER, (uint16_t)(41000 + i), (uint16_t)i, name, T_A, &rr, 1, 0);
	}
	ASSERT_EQ(f.a.bl.n_learned, 16, "16 kept");
	ASSERT_EQ(f.a.bl.learned_evicted, 4, "4 gave way");
	ASSERT_TRUE(absent(&f, "203.0.113.100") && absent(&f, "203.0.113.103"),
		    "the four closest to their end, out of the kernel too");
	ASSERT_TRUE(learned(&f, "203.0.113.104") && learned(&f, "203.0.113.119"),
		    "the later ones stay");
	fx_free(&f);
}

static void t_allowlist(void *arg)
{
	struct rr a1 = { POOL, T_A, "203.0.113.50", 300 };
	struct rr a2 = { POOL, T_A, "203.0.113.51", 300 };
	struct mw_prefix p;
	struct fx f;

	if (!ASSERT_EQ(fx_init(&f, coinblocker(), 0), 0, "agent"))
		return;
	mw_prefix_parse("203.0.113.50", &p);
	ASSERT_EQ(mw_allow_add(&f.allow, &p), 0, "minewall allow 203.0.113.50");
	query(&f, RESOLVER, 40040, 0x7000, POOL, T_A, 1, 0);
	answer(&f, RESOLVER, 40040, 0x7000, POOL, T_A, &a1, 1, 0);
	ASSERT_TRUE(absent(&f, "203.0.113.50"), "an allowlisted address is never installed");

	query(&f, RESOLVER, 40041, 0x7001, POOL, T_A, 1, 0);
	answer(&f, RESOLVER, 40041, 0x7001, POOL, T_A, &a2, 1, 0);
	ASSERT_TRUE(learned(&f, "203.0.113.51"), "learned before it is allowed");
	mw_prefix_parse("203.0.113.48/29", &p);
	ASSERT_EQ(mw_allow_add(&f.allow, &p), 0, "minewall allow 203.0.113.48/29");
	mw_agent_blacklist_allow_changed(&f.a); /* what the allow command does */
	ASSERT_TRUE(absent(&f, "203.0.113.51"), "allowing it lifts the learned drop at once");

	query(&f, RESOLVER, 40042, 0x7002, POOL, T_A, 1, 0);
	answer(&f, RESOLVER, 40042, 0x7002, POOL, T_A, &a2, 1, 0);
	ASSERT_TRUE(absent(&f, "203.0.113.51"), "and a later answer does not put it back");
	mw_agent_blacklist_apply(&f.a);
	ASSERT_TRUE(absent(&f, "203.0.113.51"), "nor does a rebuild of the tries");
	fx_free(&f);
}

/* The events file holds a line with every one of @needles. */
static bool event_has(struct fx *f, const char *const *needles, unsigned n)
{
	static char line[8192];
	bool found = false;
	FILE *e;
	unsigned i;

	fflush(f->eve.f);
	e = fopen(f->events_path, "r");
	if (!e)
		return false;
	while (!found && fgets(line, sizeof(line), e)) {
		for (i = 0; i < n && strstr(line, needles[i]); i++)
			;
		found = i == n;
	}
	fclose(e);
	return found;
}

static void flow_hit(struct fx *f, const char *remote, int proto, int initiator, int host_opened,
		     int handshake, int dir)
{
	struct mw_event_flow ev;
	struct mw_addr a;

	memset(&ev, 0, sizeof(ev));
	ev.hdr.type = MW_EV_BLACKLIST;
	ev.hdr.dir = (uint8_t)dir;
	mw_addr_parse(LOCAL, &a);
	memcpy(ev.key.local_addr, a.addr, 16);
	mw_addr_parse(remote, &a);
	memcpy(ev.key.remote_addr, a.addr, 16);
	ev.key.local_port = htons(initiator == MW_DIR_IN ? 22 : 45000);
	ev.key.remote_port = htons(initiator == MW_DIR_IN ? 45000 : 3333);
	ev.key.proto = (uint8_t)proto;
	ev.flow.initiator = (uint8_t)initiator;
	ev.flow.host_opened = (uint8_t)host_opened;
	ev.flow.handshake = (uint8_t)handshake;
	ev.flow.blacklist = 1;
	mw_events_dispatch(&f->events, &ev, sizeof(ev));
}

/* The host connects to an address before the agent reads the answer that
 * named it (the flow event's ring is read before the peeks'). */
static void t_flow_before_answer(void *arg)
{
	const char *hit[] = { "\"dest_ip\":\"203.0.113.70\"", "\"match\":\"dns\"",
			      "\"name\":\"la01.supportxmr.com\"",
			      "\"evidence\":\"host-opened, handshake not complete\"" };
	struct rr a = { POOL, T_A, "203.0.113.70", 300 };
	struct mw_event_flow ev;
	struct mw_addr ad;
	struct fx f;

	if (!ASSERT_EQ(fx_init(&f, coinblocker(), 0), 0, "agent"))
		return;
	query(&f, RESOLVER, 40050, 0x7100, POOL, T_A, 1, 0);
	memset(&ev, 0, sizeof(ev));
	ev.hdr.type = MW_EV_NEW_PUBLIC;
	ev.hdr.dir = MW_DIR_OUT;
	mw_addr_parse(LOCAL, &ad);
	memcpy(ev.key.local_addr, ad.addr, 16);
	mw_addr_parse("203.0.113.70", &ad);
	memcpy(ev.key.remote_addr, ad.addr, 16);
	ev.key.local_port = htons(45001);
	ev.key.remote_port = htons(3333);
	ev.key.proto = IPPROTO_TCP;
	ev.flow.initiator = MW_DIR_OUT;
	ev.flow.host_opened = 1;
	mw_events_dispatch(&f.events, &ev, sizeof(ev));
	ASSERT_TRUE(!event_has(&f, hit, 1), "nothing known yet");
	answer(&f, RESOLVER, 40050, 0x7100, POOL, T_A, &a, 1, 0);
	ASSERT_TRUE(learned(&f, "203.0.113.70"), "learned");
	ASSERT_TRUE(event_has(&f, hit, ARRAY_SIZE(hit)),
		    "the flow the host opened a moment before is a hit");
	fx_free(&f);
}

/* What DIRNET gets from the agent: the verified answers, through the hook
 * minewalld wires to it. */
struct dn_sink {
	struct mw_dirnet d;
	unsigned answers;
};

static void dn_answer(void *arg, const struct mw_dns_msg *msg, const bool *on_chain,
		      uint64_t now_ns)
{
	struct dn_sink *s = arg;

	s->answers++;
	mw_dirnet_dns_answer(&s->d, msg, on_chain, now_ns);
}

static bool dn_expected(struct dn_sink *s, const char *addr)
{
	struct mw_dirnet_verdict v;
	struct mw_addr a;

	mw_addr_parse(addr, &a);
	mw_dirnet_check(&s->d, &a, 443, addr, mw_now_ns(), 1700000000, &v);
	return !v.report;
}

/* With no list loaded, the agent still matches answers to queries, and
 * hands DIRNET the verified ones only, with their CNAME chain. */
static void t_no_lists_dirnet(void *arg)
{
	const struct rr forged[] = { { "api.example.com", T_A, "203.0.113.90", 86400 } };
	const struct rr rrs[] = {
		{ "api.example.com", T_CNAME, "edge.provider.net", 300 },
		{ "edge.provider.net", T_A, "203.0.113.91", 300 },
		{ "www.unrelated.example", T_A, "203.0.113.92", 300 },
		{ "other.example", T_CNAME, "api.example.com", 300 },
		{ "other.example", T_A, "203.0.113.93", 300 },
	};
	struct mw_dirnet_cfg cfg = { 0 };
	struct mw_dirnet_allow r;
	struct dn_sink s = { 0 };
	struct fx f;

	if (!ASSERT_EQ(fx_init(&f, "", 0), 0, "agent without lists"))
		return;
	/* cppcheck: fx_init() filled f */
	// cppcheck-suppress uninitvar
	ASSERT_TRUE(!f.a.bl.lists[1].used, "no list is loaded");
	mw_dirnet_init(&s.d, &cfg);
	mw_dirnet_allow_parse("api.example.com", &r), mw_dirnet_allow_add(&s.d, &r);
	mw_agent_blacklist_on_dns_answer(&f.a, dn_answer, &s);

	answer(&f, RESOLVER, 40060, 0x8100, "api.example.com", T_A, forged, 1, 0);
	ASSERT_EQ(s.answers, 0, "an unsolicited answer is not handed on");
	ASSERT_TRUE(!dn_expected(&s, "203.0.113.90"), "and teaches DIRNET nothing");
	query(&f, STRANGER, 40061, 0x8101, "api.example.com", T_A, 1, 0);
	answer(&f, STRANGER, 40061, 0x8101, "api.example.com", T_A, forged, 1, 0);
	ASSERT_EQ(s.answers, 0, "nor one from a non-resolver");

	query(&f, RESOLVER, 40062, 0x8102, "api.example.com", T_A, 1, 0);
	ASSERT_EQ(f.a.queries.n, 1, "the host's query waits, lists or none");
	answer(&f, RESOLVER, 40062, 0x8102, "api.example.com", T_A, rrs, ARRAY_SIZE(rrs), 0);
	ASSERT_EQ(s.answers, 1, "the verified answer is handed on");
	ASSERT_TRUE(dn_expected(&s, "203.0.113.91"), "its chain's address is expected");
	ASSERT_TRUE(!dn_expected(&s, "203.0.113.92"), "an unrelated owner's is not");
	ASSERT_TRUE(!dn_expected(&s, "203.0.113.93"),
		    "nor that of a name whose CNAME points into the chain");
	answer(&f, RESOLVER, 40062, 0x8102, "api.example.com", T_A, forged, 1, 0);
	ASSERT_EQ(s.answers, 1, "a second answer to the consumed query is not");
	ASSERT_EQ(f.a.bl.n_learned, 0, "the blacklist learned nothing (no list)");
	mw_dirnet_free(&s.d);
	fx_free(&f);
}

static void t_evidence(void *arg)
{
	const char *remote[] = { "\"src_ip\":\"203.0.113.60\"", "\"action\":\"alert\"",
				 "\"evidence\":\"remote-opened" };
	const char *mid[] = { "\"dest_ip\":\"203.0.113.61\"", "\"evidence\":\"mid-stream" };
	const char *spoof[] = { "\"dest_ip\":\"203.0.113.62\"", "\"evidence\":\"not host-opened" };
	const char *tcp[] = { "\"dest_ip\":\"203.0.113.63\"",
			      "\"evidence\":\"host-opened, handshake not complete\"" };
	const char *udp[] = { "\"dest_ip\":\"203.0.113.64\"", "\"evidence\":\"host-opened\"" };
	const char *after[] = { "\"dest_ip\":\"203.0.113.65\"",
				"\"evidence\":\"host-opened, handshake complete\"" };
	const char *path[] = { "\"dest_ip\":\"203.0.113.64\"", "/bad?dir/list.txt" };
	char dir[600], file[700], lists[800];
	FILE *l;
	struct fx f;

	/* a list whose path holds an invalid UTF-8 byte: the event is still written */
	snprintf(dir, sizeof(dir),
		 "%s/bad\xff"
		 "dir",
		 tmp_dir);
	mkdir(dir, 0700);
	snprintf(file, sizeof(file), "%s/list.txt", dir);
	l = fopen(file, "w");
	if (!ASSERT_TRUE(l != NULL, "list file"))
		/* cppcheck: l is NULL on this path */
		// cppcheck-suppress resourceLeak
		return;
	fprintf(l, "203.0.113.0/24\n");
	fclose(l);
	snprintf(lists, sizeof(lists), "pools=%s", file);
	if (!ASSERT_EQ(fx_init(&f, lists, 0), 0, "agent"))
		return;
	flow_hit(&f, "203.0.113.60", IPPROTO_TCP, MW_DIR_IN, 0, 1, MW_DIR_IN);
	ASSERT_TRUE(event_has(&f, remote, ARRAY_SIZE(remote)),
		    "a remote that opened the flow: reported, evidence remote-opened");
	flow_hit(&f, "203.0.113.61", IPPROTO_TCP, MW_INIT_UNKNOWN, 0, 0, MW_DIR_OUT);
	ASSERT_TRUE(event_has(&f, mid, ARRAY_SIZE(mid)), "mid-stream");
	flow_hit(&f, "203.0.113.62", IPPROTO_UDP, MW_DIR_OUT, 0, 0, MW_DIR_OUT);
	ASSERT_TRUE(event_has(&f, spoof, ARRAY_SIZE(spoof)),
		    "our source, but not seen leaving: not host-opened");
	flow_hit(&f, "203.0.113.63", IPPROTO_TCP, MW_DIR_OUT, 1, 0, MW_DIR_OUT);
	ASSERT_TRUE(event_has(&f, tcp, ARRAY_SIZE(tcp)), "host-opened TCP says the handshake");
	/* a forger's hit first must not silence the host's own flow after it */
	flow_hit(&f, "203.0.113.65", IPPROTO_TCP, MW_DIR_IN, 0, 0, MW_DIR_IN);
	flow_hit(&f, "203.0.113.65", IPPROTO_TCP, MW_DIR_OUT, 1, 1, MW_DIR_OUT);
	ASSERT_TRUE(event_has(&f, after, ARRAY_SIZE(after)),
		    "a remote-opened report does not quiet a host-opened hit");
	flow_hit(&f, "203.0.113.64", IPPROTO_UDP, MW_DIR_OUT, 1, 0, MW_DIR_OUT);
	ASSERT_TRUE(event_has(&f, udp, ARRAY_SIZE(udp)), "host-opened UDP");
	ASSERT_TRUE(event_has(&f, path, ARRAY_SIZE(path)),
		    "the list path's invalid byte is replaced, the event written");
	fx_free(&f);
}

/* The host's ClientHello, in two copies: a listed JA4 is a BLACKLIST hit
 * (match "ja4", the list, the fingerprint) that blocks like an SNI hit;
 * a listed SNI still is one; a JA4 list's bad line is named, not fatal. */
static void t_hello(void *arg)
{
	const char *ja4_hit[] = { "\"dest_ip\":\"203.0.113.80\"", "\"match\":\"ja4\"",
				  "\"list\":\"fp\"", NULL,
				  "\"evidence\":\"host-opened, handshake complete\"" };
	const char *sni_hit[] = { "\"dest_ip\":\"203.0.113.81\"", "\"match\":\"sni\"",
				  "\"name\":\"" POOL "\"" };
	static uint8_t buf[2048];
	char file[700], lists[800], ja4[MW_JA4_LEN], want[64];
	const struct mw_tls_hello *h;
	struct mw_event_peek ev;
	struct mw_flow_key k;
	size_t n = tls_hello(buf, "www.example.org", 700, 0);
	FILE *l;
	struct fx f;

	ASSERT_EQ(mw_ja4(buf, n, ja4), 0, "the ClientHello's JA4");
	snprintf(want, sizeof(want), "\"ja4\":\"%s\"", ja4);
	ja4_hit[3] = want;
	snprintf(file, sizeof(file), "%s/fp.txt", tmp_dir);
	l = fopen(file, "w");
	if (!ASSERT_TRUE(l != NULL, "list file"))
		// cppcheck-suppress resourceLeak
		return;
	fprintf(l, "# JA4 of a test client\n%s\nt13d_bad_fingerprint\n", ja4);
	fclose(l);
	snprintf(lists, sizeof(lists), "fp=%s", file);
	if (!ASSERT_EQ(fx_init(&f, lists, 0), 0, "agent"))
		return;
	ASSERT_EQ(f.a.bl.lists[1].rep.ja4s, 1, "one JA4 loaded");
	ASSERT_EQ(f.a.bl.lists[1].rep.malformed, 1, "the bad line skipped");
	/* two copies of one segment, as the datapath sends a long one */
	set_key(&k, "203.0.113.80", 41080, 1);
	ev = host_peek(buf, n, 1000, false);
	ev.key = k;
	ev.orig_len = (uint16_t)n;
	mw_events_dispatch(&f.events, &ev, sizeof(ev));
	ASSERT_TRUE(!event_has(&f, ja4_hit, 2), "not whole yet: nothing");
	ev = host_peek(buf + MW_PEEK_MAX, n - MW_PEEK_MAX, 1000 + MW_PEEK_MAX, true);
	ev.key = k;
	mw_events_dispatch(&f.events, &ev, sizeof(ev));
	ASSERT_TRUE(event_has(&f, ja4_hit, ARRAY_SIZE(ja4_hit)), "a listed JA4: a hit");
	ASSERT_EQ(f.a.ja4_matches, 1, "counted");
	h = mw_agent_tls_hello_find(&f.hello, &k);
	ASSERT_TRUE(h && !strcmp(h->ja4, ja4) && h->has_sni && !h->has_alpn,
		    "the flow's ClientHello kept, for the events and flows");
	ASSERT_EQ(f.hello.read, 1, "read once");
	{
		struct mw_event_flow end = { .hdr = { .type = MW_EV_FLOW_END, .dir = MW_DIR_OUT },
					     .key = k };

		end.flow.host_opened = 1;
		mw_events_dispatch(&f.events, &end, sizeof(end));
		mw_agent_tls_hello_expire(&f.hello, mw_now_ns());
		ASSERT_TRUE(mw_agent_tls_hello_find(&f.hello, &k) != NULL,
			    "kept a moment after its flow ended");
		mw_agent_tls_hello_expire(&f.hello, mw_now_ns() + 11000000000ULL);
		ASSERT_TRUE(mw_agent_tls_hello_find(&f.hello, &k) == NULL, "then forgotten");
	}

	/* a listed name: loaded from the coin list */
	n = tls_hello(buf, POOL, 10, 0);
	snprintf(lists, sizeof(lists), "coin=%s", coinblocker());
	fx_free(&f);
	if (!ASSERT_EQ(fx_init(&f, lists, 0), 0, "agent"))
		return;
	set_key(&k, "203.0.113.81", 41081, 1);
	ev = host_peek(buf, n, 5, false);
	ev.key = k;
	mw_events_dispatch(&f.events, &ev, sizeof(ev));
	ASSERT_TRUE(event_has(&f, sni_hit, ARRAY_SIZE(sni_hit)), "a listed SNI: a hit");
	fx_free(&f);
}

int main(int argc, char **argv)
{
	struct mw_config cfg;
	int err;

	mw_log_prog = "test_agent_blacklist";
	mw_log_level = MW_LOG_WARN;
	mw_log_setup_libbpf();
	if (argc > 1)
		test_filter = argv[1];
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/mw-agent-blacklist-XXXXXX");
	if (!mkdtemp(tmp_dir)) {
		printf("test_agent_blacklist: cannot make a temporary directory\n0 passed, 1 failed\n");
		return 1;
	}
	mw_config_defaults(&cfg);
	cfg.max_flows = 4096;
	err = mw_loader_load(&L, &cfg, NULL);
	if (err) {
		printf("test_agent_blacklist: cannot load the programs (%s); are we root?\n",
		       strerror(-err));
		printf("test_agent_blacklist: 0 passed, 1 failed\n");
		return 1;
	}
	test_run("query then its answer; a second answer; TCP; case", t_query_answer, NULL);
	test_run("forged: no query, wrong ID, question, tuple, resolver", t_forged, NULL);
	test_run("CNAME chain vs other owners; names with controls", t_chain, NULL);
	test_run("bound per name; expiry by TTL, out of the kernel", t_caps_expiry, NULL);
	test_run("total bound: the closest to its end gives way", t_total_cap, NULL);
	test_run("allowlist: never installed; allow lifts at once", t_allowlist, NULL);
	test_run("evidence: host-opened blocks, others reported", t_evidence, NULL);
	test_run("a flow opened before its answer was read", t_flow_before_answer, NULL);
	test_run("the host's ClientHello: a listed JA4, a listed SNI", t_hello, NULL);
	test_run("no list: verified answers still reach DIRNET", t_no_lists_dirnet, NULL);
	mw_loader_destroy(&L);
	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
		if (system(cmd))
			fprintf(stderr, "cannot remove %s\n", tmp_dir);
	}
	return test_summary("agent_blacklist");
}
