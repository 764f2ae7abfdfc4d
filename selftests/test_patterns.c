// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_patterns.c - BPATTERNS without a kernel: the Stratum matcher on the
 * first payloads of every TCP connection in the real captures (as the
 * datapath copies them: the first two data packets each way, 256 bytes),
 * on the exact first messages of real miners, on ordinary JSON-RPC, and the
 * rhythm scorer on flow samples; the evidence a block needs (the host opened
 * the flow, handshake in order) against forged, mid-stream, replayed and
 * served flows; DIRNET's resolved names and baseline, bounded and indexed,
 * against a model; what DIRNET learns from DNS answers: only verified ones
 * (a query the host sent), only the question's CNAME chain. Built with
 * ASan and UBSan.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "detect/bpatterns.h"
#include "detect/dirnet.h"
#include "detect/dnsq.h"
#include "detect/reasm.h"
#include "dns_build.h"
#include "parse/dns.h"
#include "parse/stratum.h"
#include "parse/tls.h"
#include "test.h"
#include "tls_build.h"
#include "lib/util.h"

#define PEEK 256

static char data_dir[512];

struct stream_hits {
	unsigned streams, matched;
	char dialects[256];
};

/* Runs the matcher on the first two payloads of each direction of each TCP
 * stream of @pcap, each cut to PEEK bytes. */
static int scan_capture(const char *pcap, struct stream_hits *h)
{
	static char line[131072];
	static uint8_t payload[65536];
	static struct {
		char key[64];
		unsigned seen;
	} dirs[512];
	unsigned n_dirs = 0, last_stream = ~0u;
	bool stream_matched = false;
	char cmd[1024];
	FILE *f;

	memset(h, 0, sizeof(*h));
	snprintf(
		cmd, sizeof(cmd),
		"tshark -n -r '%s/pcaps/%s' -Y 'tcp.len>0' -T fields -E separator='|' -e tcp.stream -e ip.src -e tcp.srcport -e tcp.payload 2>/dev/null | sort -t'|' -k1,1n -s",
		data_dir, pcap);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *stream = strtok(line, "|"), *src = strtok(NULL, "|"),
		     *port = strtok(NULL, "|"), *hex = strtok(NULL, "|\n");
		struct mw_stratum m;
		char key[64];
		unsigned i, v, s;
		size_t n = 0;

		if (!stream || !src || !port || !hex)
			continue;
		s = (unsigned)atoi(stream);
		if (s != last_stream) {
			h->streams++;
			last_stream = s;
			stream_matched = false;
		}
		snprintf(key, sizeof(key), "%u %s %s", s, src, port);
		for (i = 0; i < n_dirs && strcmp(dirs[i].key, key); i++)
			;
		if (i == n_dirs) {
			if (n_dirs == 512)
				continue;
			snprintf(dirs[n_dirs].key, sizeof(dirs[0].key), "%s", key);
			dirs[n_dirs++].seen = 0;
		}
		if (dirs[i].seen++ >= 2 || stream_matched)
			continue;
		while (n < PEEK && sscanf(hex + 2 * n, "%2x", &v) == 1)
			payload[n++] = (uint8_t)v;
		if (payload[0] != '{')
			continue; /* the datapath copies only what could be JSON-RPC */
		if (mw_stratum_match(payload, n, &m)) {
			stream_matched = true;
			h->matched++;
			snprintf(h->dialects + strlen(h->dialects),
				 sizeof(h->dialects) - strlen(h->dialects), "%s%s",
				 *h->dialects ? "," : "", mw_stratum_dialect_name(m.dialect));
		}
	}
	pclose(f);
	return 0;
}

static void t_captures(void *arg)
{
	struct stream_hits h;

	ASSERT_EQ(scan_capture("ndpi/mining.pcapng", &h), 0, "tshark");
	ASSERT_EQ(h.streams, 4, "mining.pcapng: 4 connections");
	ASSERT_EQ(h.matched, 4, "all 4 recognised");
	ASSERT_TRUE(strstr(h.dialects, "ethereum") && strstr(h.dialects, "stratum-v1") &&
			    strstr(h.dialects, "xmr-login"),
		    "three dialects: ethereum, stratum-v1, xmr-login");
	printf("    mining.pcapng: %s\n", h.dialects);

	scan_capture("zeek-cryptomining/bitcoin-mining.pcap", &h);
	/* bfgminer tries HTTP getwork (not Stratum), TLS, then Stratum */
	/* tshark: tcp.payload contains "mining." outside HTTP: streams 3, 12, 14 */
	ASSERT_EQ(h.matched, 3, "bitcoin-mining.pcap: bfgminer's three Stratum connections");
	printf("    bitcoin-mining.pcap: %u of %u connections: %s\n", h.matched, h.streams,
	       h.dialects);

	scan_capture("zeek-cryptomining/bitcoin-mining-in-progress.pcap", &h);
	ASSERT_EQ(h.matched, 1, "bitcoin-mining-in-progress.pcap: the miner met mid-session");

	scan_capture("zeek-cryptomining/coinhive-stratum.pcap", &h);
	ASSERT_EQ(h.matched, 3, "coinhive-stratum.pcap: the three logins to 192.110.160.114");

	scan_capture("ndpi/monero.pcap", &h);
	ASSERT_EQ(h.streams, 4, "monero.pcap: 4 connections");
	ASSERT_EQ(h.matched, 0, "a Monero node is not a miner");

	scan_capture("ndpi/ssh.pcap", &h);
	ASSERT_EQ(h.matched, 0, "ssh.pcap: nothing");
	scan_capture("zeek/sshguess.pcap", &h);
	ASSERT_EQ(h.matched, 0, "sshguess.pcap: nothing");
	scan_capture("zeek/bruteforce.pcap", &h);
	ASSERT_EQ(h.matched, 0, "bruteforce.pcap: nothing");
}

static int match(const char *s, struct mw_stratum *m)
{
	return mw_stratum_match((const uint8_t *)s, strlen(s), m);
}

/* The first message each miner sends, as its source builds it. */
static void t_miners(void *arg)
{
	static const struct {
		const char *who, *msg, *dialect, *agent;
	} miners[] = {
		{ "XMRig 6",
		  "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A\",\"pass\":\"x\",\"agent\":\"XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0\",\"algo\":[\"rx/0\",\"rx/wow\",\"cn/2\",\"cn/r\",\"cn-lite/1\"]}}\n",
		  "xmr-login", "XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0" },
		{ "cpuminer 2.5",
		  "{\"id\": 1, \"method\": \"mining.subscribe\", \"params\": [\"cpuminer/2.5.1\"]}\n",
		  "stratum-v1", "cpuminer/2.5.1" },
		{ "ethminer (EthereumStratum/1.0.0)",
		  "{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[\"ethminer 0.19.0\",\"EthereumStratum/1.0.0\"],\"jsonrpc\":\"2.0\"}\n",
		  "ethereum", "ethminer 0.19.0" },
		{ "ethminer (eth-proxy)",
		  "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"eth_submitLogin\",\"params\":[\"0x9c99b8bcb6cafd2ca11b1b7b9afa25e0a9eb7289.rig1\",\"x\"],\"worker\":\"rig1\"}\n",
		  "ethereum", "rig1" },
		{ "NiceHash",
		  "{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[\"NiceHashMiner/3.0.6\",\"EthereumStratum/1.0.0\"]}\n",
		  "ethereum", "NiceHashMiner/3.0.6" },
		{ "NiceHash extranonce",
		  "{\"id\":null,\"method\":\"mining.set_extranonce\",\"params\":[\"af4c\",4]}\n",
		  "nicehash", "" },
		{ "ckpool notify",
		  "{\"params\":[\"1\",\"ab\",\"01\",\"02\",[],\"20000000\",\"1d00ffff\",\"5f5e1000\",true],\"id\":null,\"method\":\"mining.notify\"}\n",
		  "stratum-v1", "" },
		{ "XMR job push",
		  "{\"jsonrpc\":\"2.0\",\"method\":\"job\",\"params\":{\"blob\":\"0707\",\"job_id\":\"x9pN\",\"target\":\"711b0d00\"}}\n",
		  "xmr-login", "" },
	};
	struct mw_stratum m = { 0 };
	size_t i, cut;

	for (i = 0; i < sizeof(miners) / sizeof(miners[0]); i++) {
		char what[96];

		snprintf(what, sizeof(what), "%s recognised", miners[i].who);
		if (!ASSERT_EQ(match(miners[i].msg, &m), 1, what))
			continue;
		snprintf(what, sizeof(what), "%s dialect", miners[i].who);
		ASSERT_STREQ(mw_stratum_dialect_name(m.dialect), miners[i].dialect, what);
		snprintf(what, sizeof(what), "%s agent", miners[i].who);
		ASSERT_STREQ(m.agent, miners[i].agent, what);
		/* the copy may cut it anywhere past the method */
		for (cut = 0; cut < strlen(miners[i].msg); cut++)
			mw_stratum_match((const uint8_t *)miners[i].msg, cut, &m);
	}
	ASSERT_EQ(mw_stratum_match((const uint8_t *)miners[0].msg, 120, &m), 1,
		  "XMRig's login cut at 120 bytes");
	ASSERT_STREQ(mw_stratum_dialect_name(m.dialect), "xmr-login", "still XMR");
	ASSERT_EQ(mw_stratum_match((const uint8_t *)miners[0].msg, 256, &m), 1,
		  "XMRig's login cut at 256 bytes (the default peek)");
	ASSERT_STREQ(m.agent, miners[0].agent, "the agent still read from the cut copy");
}

static void t_benign(void *arg)
{
	static const char *const benign[] = {
		/* an Ethereum node's API */
		"{\"jsonrpc\":\"2.0\",\"method\":\"eth_blockNumber\",\"params\":[],\"id\":1}\n",
		"{\"jsonrpc\":\"2.0\",\"method\":\"eth_getBalance\",\"params\":[\"0x407d73d8a49eeb85d32cf465507dd71d507100c1\",\"latest\"],\"id\":1}\n",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x4b7\"}\n",
		/* Bitcoin Core RPC, getblocktemplate included (a node's API) */
		"{\"jsonrpc\":\"1.0\",\"id\":\"curltest\",\"method\":\"getblockchaininfo\",\"params\":[]}",
		"{\"jsonrpc\":\"1.0\",\"id\":\"x\",\"method\":\"getblocktemplate\",\"params\":[{\"rules\":[\"segwit\"]}]}",
		/* the Language Server Protocol */
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"processId\":1,\"rootUri\":null,\"capabilities\":{}}}",
		/* REST bodies and logins that are not a miner's */
		"{\"login\":\"alice\",\"pass\":\"secret\"}",
		"{\"method\":\"login\",\"params\":{\"user\":\"alice\",\"password\":\"secret\"}}",
		"{\"method\":\"submit\",\"params\":{\"form\":\"contact\"}}",
		"{\"type\":\"job\",\"id\":42,\"status\":\"queued\"}",
		"{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":[\"a\",\"b\",\"c\"]}",
		"{\"index\":{\"_index\":\"logs\"}}\n{\"message\":\"mining.subscribe seen in a log line\"}\n",
		"not json at all {\"method\":\"mining.subscribe\"}",
	};
	struct mw_stratum m;
	uint8_t junk[512];
	size_t i, j;

	for (i = 0; i < sizeof(benign) / sizeof(benign[0]); i++) {
		char what[160];

		snprintf(what, sizeof(what), "not Stratum: %.100s", benign[i]);
		ASSERT_EQ(match(benign[i], &m), 0, what);
	}
	srand(11);
	for (i = 0; i < 20000; i++) {
		size_t n = (size_t)(rand() % (int)sizeof(junk));

		for (j = 0; j < n; j++)
			junk[j] = (uint8_t)(rand() % 4 ?
						    "{}\":,[]mining.subscribe0x\n "[rand() % 27] :
						    rand());
		if (n)
			junk[0] = '{';
		mw_stratum_match(junk, n, &m);
	}
}

static const struct mw_bpatterns_rhythm_cfg rcfg = {
	.min_age_ms = 60000,
	.min_pushes = 8,
	.push_min_bytes = 100,
	.push_max_bytes = 4096,
	.gap_min_ms = 1000,
	.gap_max_ms = 300000,
	.max_cv_pct = 100,
	.max_bytes_per_min = 65536,
};

#define SEC_NS 1000000000ULL

/* A connection the host opened, sampled every @scan_s seconds for @total_s:
 * @push_every_s: server push of @push_bytes payload (0: none); @ping_every_s:
 * client request answered by the server in the same interval, @ping_bytes
 * each way; returns whether the rhythm was reported, with @v. */
static int play(unsigned scan_s, unsigned total_s, unsigned push_every_s, unsigned push_bytes,
		unsigned ping_every_s, unsigned ping_bytes, unsigned submit_every_s,
		struct mw_bpatterns_rhythm_verdict *v)
{
	struct mw_rhythm *r = mw_bpatterns_rhythm_new(&rcfg);
	struct mw_flow_key k = { .remote_addr = { [10] = 0xff, [11] = 0xff, 203, 0, 113, 7 },
				 .proto = 6 };
	struct mw_flow f = { .first_ns = 1 * SEC_NS, .initiator = MW_DIR_OUT };
	unsigned t;
	int hit = 0;

	for (t = 1; t <= total_s && !hit; t++) {
		f.last_ns = (1 + t) * SEC_NS;
		if (push_every_s && t % push_every_s == 0) {
			f.data_packets[MW_DIR_IN]++, f.packets[MW_DIR_IN]++;
			f.bytes[MW_DIR_IN] += 52 + push_bytes;
			f.packets[MW_DIR_OUT]++, f.bytes[MW_DIR_OUT] += 52; /* the ACK */
		}
		if (ping_every_s && t % ping_every_s == 0) {
			f.data_packets[MW_DIR_OUT]++, f.packets[MW_DIR_OUT]++;
			f.bytes[MW_DIR_OUT] += 52 + ping_bytes;
			f.data_packets[MW_DIR_IN]++, f.packets[MW_DIR_IN]++;
			f.bytes[MW_DIR_IN] += 52 + ping_bytes;
		}
		if (submit_every_s && t % submit_every_s == 0) {
			f.data_packets[MW_DIR_OUT]++, f.packets[MW_DIR_OUT]++;
			f.bytes[MW_DIR_OUT] += 52 + 180;
		}
		if (t % scan_s == 0)
			hit = mw_bpatterns_rhythm_sample(r, &k, &f, f.last_ns, v);
	}
	mw_bpatterns_rhythm_free(r);
	return hit;
}

static void t_rhythm(void *arg)
{
	struct mw_bpatterns_rhythm_verdict v;

	/* XMR over TLS: a 300-B job every 30 s, a share every 47 s */
	ASSERT_EQ(play(2, 600, 30, 300, 0, 0, 47, &v), 1, "jobs every 30 s: a miner");
	ASSERT_TRUE(v.mean_gap_s > 28 && v.mean_gap_s < 32, "mean gap about 30 s");
	ASSERT_TRUE(v.mean_push_bytes >= 290 && v.mean_push_bytes <= 310, "push size about 300 B");
	ASSERT_TRUE(v.score >= 60, "scored");
	/* jobs faster than the scans: several per interval */
	ASSERT_EQ(play(2, 120, 1, 250, 0, 0, 0, &v), 1, "a job every second, scanned every 2 s");
	/* not yet: too young */
	ASSERT_EQ(play(2, 50, 5, 300, 0, 0, 0, &v), 0, "younger than min_age: nothing yet");

	/* a websocket-like keep-alive: the client pings, the server answers */
	ASSERT_EQ(play(2, 900, 0, 0, 10, 40, 0, &v), 0, "ping/pong keep-alive is not a miner");
	/* server pings (tiny), client pongs in the same interval */
	ASSERT_EQ(play(2, 900, 15, 30, 0, 0, 0, &v), 0, "tiny server keep-alives are not jobs");
	/* an SSH session left open: nothing at all, then a few keystrokes */
	ASSERT_EQ(play(2, 900, 0, 0, 0, 0, 0, &v), 0, "an idle session is nothing");
	/* a database pool: queries from the client, answers in the same interval */
	ASSERT_EQ(play(2, 900, 0, 0, 7, 600, 0, &v), 0, "queries and answers are not jobs");
	/* a video or file stream: big pushes, high volume */
	ASSERT_EQ(play(2, 900, 1, 60000, 0, 0, 0, &v), 0, "a stream is not a miner");
}

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

/* A peek of @msg as the datapath sends it, with the flow's evidence. */
static void peek_of(struct mw_event_peek *ev, const char *msg, uint8_t dir, uint8_t initiator,
		    uint8_t handshake, uint8_t host_opened)
{
	memset(ev, 0, sizeof(*ev));
	ev->hdr.type = MW_EV_PEEK;
	ev->hdr.dir = dir;
	ev->key.proto = IPPROTO_TCP;
	ev->len = (uint16_t)strlen(msg);
	memcpy(ev->data, msg, ev->len);
	ev->initiator = initiator;
	ev->handshake = handshake;
	ev->host_opened = host_opened;
}

/* Issue 15: one forged packet carrying mining.subscribe must not name a
 * pool; the host's own verified login must. */
static void t_evidence(void *arg)
{
	static const char subscribe[] =
		"{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[]}\n";
	struct mw_event_peek ev;
	struct mw_bp_decision d;
	struct mw_stratum m;
	struct mw_flow table = { 0 };

	/* the host sent the SYN, the handshake completed in order */
	peek_of(&ev, subscribe, MW_DIR_OUT, MW_DIR_OUT, 1, 1);
	ASSERT_EQ(mw_bpatterns_judge_peek(&ev, NULL, &m, &d), 1, "host-opened: Stratum");
	ASSERT_TRUE(d.block, "host-opened, handshake in order: block the pool");
	ASSERT_STREQ(mw_evidence_name(d.evidence), "host-opened, tcp-handshake", "evidence");
	ASSERT_STREQ(d.role, "host is the miner", "role");
	ASSERT_STREQ(d.sent_by, "client", "the host sent it");

	/* the spoof of issue 15: one PA packet, no handshake, initiator unknown */
	peek_of(&ev, subscribe, MW_DIR_IN, MW_INIT_UNKNOWN, 0, 0);
	ASSERT_EQ(mw_bpatterns_judge_peek(&ev, NULL, &m, &d), 1, "midstream: still Stratum");
	ASSERT_TRUE(!d.block, "midstream: never a block");
	ASSERT_STREQ(mw_evidence_name(d.evidence), "midstream", "evidence midstream");
	ASSERT_STREQ(d.role, "unverified", "unverified");
	/* a table entry saying otherwise does not help a flow the host did not open */
	table.host_opened = 1, table.handshake = 1;
	mw_bpatterns_judge_peek(&ev, &table, &m, &d);
	ASSERT_TRUE(!d.block, "midstream, whatever the table says now: no block");

	/* a forged SYN then the payload: remote-opened, half-open */
	peek_of(&ev, subscribe, MW_DIR_IN, MW_DIR_IN, 0, 0);
	mw_bpatterns_judge_peek(&ev, NULL, &m, &d);
	ASSERT_TRUE(!d.block, "remote-opened without a handshake: no block");
	ASSERT_STREQ(mw_evidence_name(d.evidence), "remote-opened, unverified", "evidence");

	/* a real miner connected to a pool this host runs */
	peek_of(&ev, subscribe, MW_DIR_IN, MW_DIR_IN, 1, 0);
	mw_bpatterns_judge_peek(&ev, NULL, &m, &d);
	ASSERT_TRUE(!d.block, "the host serves Stratum: its clients are not blocked");
	ASSERT_STREQ(d.role, "this host serves Stratum", "reported as serving");
	ASSERT_STREQ(d.sent_by, "client", "the remote client sent it");

	/* a packet claiming the host's own address, from the wire (a replay) */
	peek_of(&ev, subscribe, MW_DIR_OUT, MW_DIR_OUT, 1, 0);
	mw_bpatterns_judge_peek(&ev, NULL, &m, &d);
	ASSERT_TRUE(!d.block, "replayed: no block, even with a handshake");
	ASSERT_STREQ(mw_evidence_name(d.evidence), "replayed", "evidence replayed");

	/* the host's SYN, data on the handshake's last ACK: the table has the
	 * completed handshake by the time the agent reads it */
	peek_of(&ev, subscribe, MW_DIR_OUT, MW_DIR_OUT, 0, 1);
	mw_bpatterns_judge_peek(&ev, NULL, &m, &d);
	ASSERT_TRUE(!d.block, "host-opened, handshake not seen: no block");
	ASSERT_STREQ(mw_evidence_name(d.evidence), "host-opened, tcp-syn", "evidence tcp-syn");
	table.host_opened = 1, table.handshake = 1;
	mw_bpatterns_judge_peek(&ev, &table, &m, &d);
	ASSERT_TRUE(d.block, "host-opened, handshake complete in the table: block");
	table.handshake = 0;
	mw_bpatterns_judge_peek(&ev, &table, &m, &d);
	ASSERT_TRUE(!d.block, "still half-open in the table: no block");

	/* the pool's answer on the host's verified connection */
	peek_of(&ev,
		"{\"id\":1,\"jsonrpc\":\"2.0\",\"error\":null,\"result\":{\"id\":\"1\",\"job\":{\"blob\":\"0707\",\"job_id\":\"a\"},\"status\":\"OK\"}}\n",
		MW_DIR_IN, MW_DIR_OUT, 1, 1);
	ASSERT_EQ(mw_bpatterns_judge_peek(&ev, NULL, &m, &d), 1, "the pool's login answer");
	ASSERT_TRUE(d.block, "blocks");
	ASSERT_STREQ(d.sent_by, "pool", "sent by the pool");

	/* not Stratum, UDP, or no payload: nothing */
	peek_of(&ev, "{\"jsonrpc\":\"2.0\",\"method\":\"eth_blockNumber\",\"params\":[],\"id\":1}",
		MW_DIR_OUT, MW_DIR_OUT, 1, 1);
	ASSERT_EQ(mw_bpatterns_judge_peek(&ev, NULL, &m, &d), 0, "JSON-RPC is not Stratum");
	peek_of(&ev, subscribe, MW_DIR_OUT, MW_DIR_OUT, 0, 1);
	ev.key.proto = IPPROTO_UDP;
	ASSERT_EQ(mw_bpatterns_judge_peek(&ev, NULL, &m, &d), 0, "UDP: not judged");
	peek_of(&ev, subscribe, MW_DIR_OUT, MW_DIR_OUT, 1, 1);
	ev.len = MW_PEEK_MAX + 1;
	ASSERT_EQ(mw_bpatterns_judge_peek(&ev, NULL, &m, &d), 0, "a length past the copy: refused");

	/* the rhythm's flows: only the host's verified connections block */
	mw_bpatterns_decide(IPPROTO_TCP, MW_DIR_OUT, 1, 1, &d);
	ASSERT_TRUE(d.block, "rhythm on a host-opened verified flow: block");
	mw_bpatterns_decide(IPPROTO_TCP, MW_DIR_OUT, 1, 0, &d);
	ASSERT_TRUE(!d.block, "rhythm on a replayed flow: no block");
}

/* Names from the payload reach the events: never a byte jansson refuses. */
static void t_stratum_bytes(void *arg)
{
	static const char cut[] =
		"{\"id\":1,\"method\":\"login\",\"params\":{\"login\":\"x\",\"agent\":\"mi\xff\xfe\x01ner\"";
	static const char utf8[] =
		"{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9x\"]}\n";
	struct mw_stratum m;
	json_t *j;

	ASSERT_EQ(match(cut, &m), 1, "a cut XMR login with raw bytes in its agent");
	ASSERT_STREQ(m.agent, "mi???ner", "invalid and control bytes replaced");
	ASSERT_EQ(match(utf8, &m), 1, "a subscribe with a long non-ASCII agent");
	j = json_pack("{s:s, s:s}", "agent", m.agent, "message", m.method);
	ASSERT_TRUE(j != NULL, "the agent, cut to its field, still packs into JSON");
	json_decref(j);
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
	struct mw_addr a;

	memset(k, 0, sizeof(*k));
	mw_addr_parse(DNS_LOCAL, &a);
	memcpy(k->local_addr, a.addr, 16);
	mw_addr_parse(DNS_RESOLVER, &a);
	memcpy(k->remote_addr, a.addr, 16);
	k->local_port = htons(lport);
	k->remote_port = htons(53);
	k->proto = IPPROTO_UDP;
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
	if (!ASSERT_EQ(mw_dnsq_init(q, 64, MW_DNSQ_TTL_DEFAULT_NS), 0, "query table"))
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

/* A copy as the datapath makes it: the host's outbound data on a flow it
 * opened, handshake in order, @len bytes of @data at @seq. */
static struct mw_event_peek host_peek(const void *data, size_t len, uint32_t seq, bool cont)
{
	struct mw_event_peek ev = { 0 };

	ev.hdr.type = MW_EV_PEEK;
	ev.hdr.dir = MW_DIR_OUT;
	ev.key.proto = IPPROTO_TCP;
	ev.key.local_port = htons(41000);
	ev.key.remote_port = htons(443);
	ev.len = (uint16_t)(len > MW_PEEK_MAX ? MW_PEEK_MAX : len);
	ev.orig_len = ev.len;
	ev.seq = seq;
	ev.cont = cont;
	ev.initiator = MW_DIR_OUT;
	ev.handshake = 1;
	ev.host_opened = 1;
	ev.answered = 1;
	memcpy(ev.data, data, ev.len);
	return ev;
}

static void t_stratum_ws(void *arg)
{
	static const char login[] =
		"{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"4x\",\"pass\":\"x\",\"agent\":\"XMRig/6.21.0\"}}\n";
	static const char *const lead[] = { "\n",    " ",	 "\r\n",
					    "\t \n", "\n\n\n\n", "               " };
	static const char api[] =
		"\n  {\"jsonrpc\":\"2.0\",\"method\":\"eth_blockNumber\",\"params\":[],\"id\":1}\n";
	struct mw_bp_decision d;
	struct mw_event_peek ev;
	struct mw_stratum m;
	char buf[256], what[80];
	size_t i;

	for (i = 0; i < sizeof(lead) / sizeof(lead[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s", lead[i], login);
		snprintf(what, sizeof(what), "Stratum after %zu bytes of whitespace",
			 strlen(lead[i]));
		ev = host_peek(buf, strlen(buf), 1, false);
		ASSERT_EQ(mw_stratum_may_start(ev.data, ev.len), 1, what);
		ASSERT_EQ(mw_bpatterns_judge_peek(&ev, NULL, &m, &d), 1, what);
		ASSERT_STREQ(m.method, "login", what);
		ASSERT_TRUE(d.block, "the host's verified flow: blocked");
	}
	/* the datapath looks at MW_PEEK_WS_MAX bytes: '{' must be among them */
	memset(buf, ' ', MW_PEEK_WS_MAX);
	snprintf(buf + MW_PEEK_WS_MAX - 1, sizeof(buf) - MW_PEEK_WS_MAX, "%s", login);
	ASSERT_EQ(mw_stratum_may_start((const uint8_t *)buf, strlen(buf)), 1,
		  "'{' at the last byte looked at");
	memset(buf, ' ', 40);
	snprintf(buf + 40, sizeof(buf) - 40, "%s", login);
	ev = host_peek(buf, strlen(buf), 1, false);
	ASSERT_EQ(mw_stratum_may_start(ev.data, ev.len), 1,
		  "'{' past the bytes looked at, whitespace all through them: looked at");
	ASSERT_EQ(mw_bpatterns_judge_peek(&ev, NULL, &m, &d), 1, "Stratum after 40 blanks");
	ASSERT_EQ(mw_stratum_may_start((const uint8_t *)"\n\n", 2), 0, "whitespace alone");
	ASSERT_EQ(mw_stratum_may_start((const uint8_t *)"x{", 2), 0, "other bytes first");
	ASSERT_EQ(mw_stratum_may_start((const uint8_t *)"\0{", 2), 0, "a NUL is no whitespace");
	ASSERT_EQ(mw_stratum_may_start((const uint8_t *)"  ", 2), 0, "whitespace only");

	/* an ordinary JSON API call after whitespace is still not Stratum */
	ev = host_peek(api, strlen(api), 1, false);
	ASSERT_EQ(mw_stratum_may_start(ev.data, ev.len), 1, "JSON API after whitespace: looked at");
	ASSERT_EQ(mw_bpatterns_judge_peek(&ev, NULL, &m, &d), 0, "and not Stratum");
	/* the bytes of a ClientHello's continuation are no message */
	ev = host_peek(login, strlen(login), 1, true);
	ASSERT_EQ(mw_bpatterns_judge_peek(&ev, NULL, &m, &d), 0,
		  "a continuation copy is not parsed");
}

static void t_tls_split(void *arg)
{
	static const char name[] = "pool.minexmr.example";
	static uint8_t hello[4096];
	struct mw_reasm r = { 0 };
	struct mw_event_peek ev;
	char sni[MW_NAME_MAX];
	size_t n, off;

	if (!ASSERT_EQ(mw_reasm_init(&r, 8, MW_REASM_TTL_NS), 0, "init"))
		return;
	/* the SNI at byte 400 and more, past a 256-byte copy */
	n = tls_hello(hello, name, 300, 0);
	ASSERT_TRUE(n > 400, "a ClientHello of more than 400 bytes");
	ASSERT_EQ(mw_tls_sni(hello, 256, sni), -EAGAIN, "a 256-byte copy holds no SNI");
	ASSERT_EQ(mw_tls_sni(hello, n, sni), 0, "the whole holds it");
	ASSERT_STREQ(sni, name, "the SNI");

	/* the first segment, then the second: found once complete */
	ev = host_peek(hello, 200, 7000, false);
	ASSERT_EQ(mw_reasm_tls(&r, &ev, 1, sni), -EAGAIN, "first segment: kept");
	ASSERT_EQ(mw_reasm_pending(&r), 1, "one record pending");
	ev = host_peek(hello, 100, 7000, true);
	ASSERT_EQ(mw_reasm_tls(&r, &ev, 2, sni), -EAGAIN, "a retransmission: nothing new");
	ev = host_peek(hello + 300, n - 300, 7300, true);
	ASSERT_EQ(mw_reasm_tls(&r, &ev, 3, sni), -EINVAL, "a copy past a gap: dropped");
	ASSERT_EQ(r.gaps, 1, "gap counted");
	ev = host_peek(hello + 150, n - 150, 7150, true);
	ASSERT_EQ(mw_reasm_tls(&r, &ev, 4, sni), 0, "the rest, overlapping: SNI found");
	ASSERT_STREQ(sni, name, "the reassembled SNI");
	ASSERT_EQ(mw_reasm_pending(&r), 0, "slot freed");
	ev = host_peek(hello + 300, n - 300, 7300, true);
	ASSERT_EQ(mw_reasm_tls(&r, &ev, 5, sni), -EINVAL, "a late copy: no record any more");

	/* the first record ends before the SNI: a ClientHello over two
	 * records, and over two segments */
	n = tls_hello(hello, name, 280, 100);
	ASSERT_EQ(mw_tls_sni(hello, n, sni), 0, "over two records: found");
	ASSERT_STREQ(sni, name, "over two records: the SNI");
	ev = host_peek(hello, 110, 1, false);
	ASSERT_EQ(mw_reasm_tls(&r, &ev, 6, sni), -EAGAIN, "two records: first segment kept");
	ev = host_peek(hello + 110, n - 110, 111, true);
	ASSERT_EQ(mw_reasm_tls(&r, &ev, 7, sni), 0, "two records, two segments: found");

	/* in MW_PEEK_MAX chunks, as the datapath copies a large segment */
	n = tls_hello(hello, name, 1400, 0);
	for (off = 0; off < n; off += MW_PEEK_MAX) {
		int want = off + MW_PEEK_MAX >= n ? 0 : -EAGAIN;

		ev = host_peek(hello + off, n - off, 5000 + (uint32_t)off, off > 0);
		ASSERT_EQ(mw_reasm_tls(&r, &ev, 8, sni), want, "chunk of a 1.5 KiB ClientHello");
	}
	ASSERT_STREQ(sni, name, "SNI past 1400 bytes");

	/* past MW_TLS_REASM_MAX: read up to it, then given up */
	n = tls_hello(hello, name, 2100, 0);
	for (off = 0; off < MW_TLS_REASM_MAX; off += MW_PEEK_MAX) {
		ev = host_peek(hello + off, n - off, 9000 + (uint32_t)off, off > 0);
		ASSERT_EQ(mw_reasm_tls(&r, &ev, 9, sni),
			  off + MW_PEEK_MAX < MW_TLS_REASM_MAX ? -EAGAIN : -ENOENT,
			  "SNI past 2 KiB: given up at 2 KiB");
	}
	ASSERT_EQ(mw_reasm_pending(&r), 0, "nothing kept past 2 KiB");

	/* a piece of a ClientHello whose start is gone: its SNI found by scan */
	n = tls_hello(hello, name, 300, 0);
	ASSERT_EQ(mw_tls_sni_scan(hello + 200, n - 200, sni), 0, "scan: the SNI in a piece");
	ASSERT_STREQ(sni, name, "scan: the name");
	ASSERT_EQ(mw_tls_sni_scan(hello + n - strlen(name) - 5, strlen(name) + 5, sni), 0,
		  "scan: a piece cut 5 bytes before the name");
	ASSERT_EQ(mw_tls_sni_scan(hello + n - strlen(name) - 4, strlen(name) + 4, sni), -ENOENT,
		  "scan: 4 bytes before it, none (the weakness an eviction leaves)");
	ASSERT_EQ(mw_tls_sni_scan(hello, n - strlen(name) + 3, sni), -ENOENT,
		  "scan: a name cut short is none");
	{
		uint8_t junk[2048];
		size_t i, found = 0;

		srand(5);
		for (i = 0; i < 2000; i++) {
			size_t j;

			for (j = 0; j < sizeof(junk); j++)
				junk[j] = (uint8_t)(rand() % 4 ? 0 : rand());
			found += !mw_tls_sni_scan(junk, sizeof(junk), sni);
		}
		ASSERT_EQ(found, 0, "scan: no name in 2000 x 2 KiB of random, mostly zero, bytes");
	}

	/* only the host's own ClientHello on a flow it opened gets a slot */
	n = tls_hello(hello, name, 300, 0);
	ev = host_peek(hello, 200, 1, false);
	ev.host_opened = 0;
	ASSERT_EQ(mw_reasm_tls(&r, &ev, 10, sni), -ENOENT, "a remote's flow: no slot");
	ev = host_peek(hello, 200, 1, false);
	ev.hdr.dir = MW_DIR_IN;
	ASSERT_EQ(mw_reasm_tls(&r, &ev, 10, sni), -ENOENT, "inbound: no slot");
	ASSERT_EQ(mw_reasm_pending(&r), 0, "none taken");

	/* a flow that ends: its record goes after the linger, not before */
	ev = host_peek(hello, 200, 1, false);
	mw_reasm_tls(&r, &ev, 100, sni);
	mw_reasm_forget(&r, &ev.key, 200);
	mw_reasm_expire(&r, 200 + MW_REASM_LINGER_NS / 2);
	ASSERT_EQ(mw_reasm_pending(&r), 1, "kept while the copies before the end may come");
	mw_reasm_expire(&r, 201 + MW_REASM_LINGER_NS);
	ASSERT_EQ(mw_reasm_pending(&r), 0, "then dropped");
	mw_reasm_free(&r);
}

/* Stratum sent a few bytes at a time, as the datapath copies it on the
 * host's flow: put back together, then read; what ends its line in its
 * first segment is not kept. */
static void t_json_split(void *arg)
{
	static const char login[] =
		"{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"4x\",\"pass\":\"x\",\"agent\":\"XMRig/6.21.0\"}}\n";
	struct mw_reasm r = { 0 };
	struct mw_event_peek ev, whole;
	struct mw_bp_decision d;
	struct mw_stratum m;
	size_t n = strlen(login), off;

	if (!ASSERT_EQ(mw_reasm_init(&r, 8, MW_REASM_TTL_NS), 0, "init"))
		return;
	/* one byte, then the rest */
	ev = host_peek(login, 1, 500, false);
	ASSERT_EQ(mw_bpatterns_judge_peek(&ev, NULL, &m, &d), 0, "'{' alone: nothing to read");
	ASSERT_EQ(mw_reasm_json(&r, &ev, 1, &whole), -EAGAIN, "'{' alone: kept");
	ev = host_peek(login + 1, n - 1, 501, true);
	ASSERT_EQ(mw_reasm_json(&r, &ev, 2, &whole), 0, "the rest: a whole line");
	ASSERT_TRUE(whole.len == n && !memcmp(whole.data, login, n) && !whole.cont &&
			    whole.seq == 500,
		    "the line as sent");
	ASSERT_EQ(mw_bpatterns_judge_peek(&whole, NULL, &m, &d), 1, "read whole: Stratum");
	ASSERT_STREQ(m.method, "login", "the login");

	/* ten bytes at a time */
	ev = host_peek(login, 10, 900, false);
	ASSERT_EQ(mw_reasm_json(&r, &ev, 3, &whole), -EAGAIN, "first ten bytes: kept");
	for (off = 10; off < n; off += 10) {
		size_t len = n - off < 10 ? n - off : 10;

		ev = host_peek(login + off, len, 900 + (uint32_t)off, true);
		ASSERT_EQ(mw_reasm_json(&r, &ev, 4, &whole), off + len < n ? -EAGAIN : 0,
			  "ten more bytes");
	}
	ASSERT_EQ(mw_bpatterns_judge_peek(&whole, NULL, &m, &d), 1, "ten bytes at a time: Stratum");

	/* a whole line, a copy cut by the datapath, a remote's flow: no slot */
	ev = host_peek(login, n, 1, false);
	ASSERT_EQ(mw_reasm_json(&r, &ev, 5, &whole), -ENOENT, "a whole line: not kept");
	ev = host_peek(login, 40, 1, false);
	ev.orig_len = 600;
	ASSERT_EQ(mw_reasm_json(&r, &ev, 5, &whole), -ENOENT, "a long segment: not kept");
	ev = host_peek(login, 40, 1, false);
	ev.host_opened = 0;
	ASSERT_EQ(mw_reasm_json(&r, &ev, 5, &whole), -ENOENT, "a remote's flow: not kept");
	ASSERT_EQ(mw_reasm_pending(&r), 0, "nothing pending");
	mw_reasm_free(&r);
}

/* Many flows start a ClientHello and never finish it: memory stays
 * bounded, the oldest go first (counted), and a ClientHello that comes
 * after the flood is still read. */
static void t_tls_flood(void *arg)
{
	static const char name[] = "pool.minexmr.example";
	static uint8_t hello[4096];
	struct mw_reasm r = { 0 };
	struct mw_event_peek ev;
	char sni[MW_NAME_MAX];
	unsigned i, flood = 20000;
	size_t n = tls_hello(hello, name, 600, 0);

	if (!ASSERT_EQ(mw_reasm_init(&r, MW_REASM_FLOWS, MW_REASM_TTL_NS), 0, "init"))
		return;
	for (i = 0; i < flood; i++) {
		ev = host_peek(hello, 100, i, false);
		ev.key.local_port = htons((uint16_t)(1024 + i % 60000));
		memcpy(ev.key.remote_addr, &i, sizeof(i));
		mw_reasm_tls(&r, &ev, 1000 + i, sni);
	}
	ASSERT_EQ(mw_reasm_pending(&r), MW_REASM_FLOWS, "bounded: the table's size");
	ASSERT_EQ(r.evicted, flood - MW_REASM_FLOWS, "every one past it took the oldest");
	ASSERT_EQ(r.started, flood, "all started");

	/* the real ClientHello, then more of the flood (fewer than the table
	 * holds) before its second segment */
	ev = host_peek(hello, 300, 77, false);
	ev.key.local_port = htons(7);
	ASSERT_EQ(mw_reasm_tls(&r, &ev, 1000 + flood, sni), -EAGAIN, "real: first segment");
	for (i = 0; i < MW_REASM_FLOWS - 1; i++) {
		struct mw_event_peek f = host_peek(hello, 100, i, false);
		unsigned id = flood + i;

		memcpy(f.key.remote_addr, &id, sizeof(id));
		mw_reasm_tls(&r, &f, 2000 + flood + i, sni);
	}
	ev = host_peek(hello + 300, n - 300, 377, true);
	ev.key.local_port = htons(7);
	ASSERT_EQ(mw_reasm_tls(&r, &ev, 3000 + flood, sni), 0, "real: read despite the flood");
	ASSERT_STREQ(sni, name, "real: its SNI");
	mw_reasm_expire(&r, 4000 + flood + MW_REASM_TTL_NS);
	ASSERT_EQ(mw_reasm_pending(&r), 0, "the unfinished ones time out");
	ASSERT_TRUE(r.expired >= MW_REASM_FLOWS - 1, "counted");
	mw_reasm_free(&r);
}

int main(int argc, char **argv)
{
	const char *d = getenv("MW_DATA");

	snprintf(data_dir, sizeof(data_dir), "%s", d ? d : "selftests/data");
	if (argc > 1)
		test_filter = argv[1];
	test_run("stratum: the captures, as the datapath copies them", t_captures, NULL);
	test_run("stratum: real miners' first messages", t_miners, NULL);
	test_run("stratum: ordinary JSON-RPC and junk", t_benign, NULL);
	test_run("rhythm: miners and long-lived benign connections", t_rhythm, NULL);
	test_run("dirnet: expected destinations, learning, severity", t_dirnet, NULL);
	test_run("evidence: a pool is blocked only on the host's verified flow", t_evidence, NULL);
	test_run("stratum: names from the payload are safe for JSON", t_stratum_bytes, NULL);
	test_run("dirnet: resolved names capped, indexed, TTL-bounded", t_dirnet_resolved, NULL);
	test_run("dirnet: resolved names against a model", t_dirnet_resolved_model, NULL);
	test_run("dirnet: the baseline bounded and indexed", t_dirnet_baseline_bound, NULL);
	test_run("dirnet: a DNS answer teaches only its CNAME chain", t_dirnet_dns_chain, NULL);
	test_run("dirnet: only an answer to the host's query teaches", t_dirnet_dns_verified, NULL);
	test_run("stratum: after leading whitespace", t_stratum_ws, NULL);
	test_run("tls: a ClientHello reassembled, SNI anywhere in 2 KiB", t_tls_split, NULL);
	test_run("tls: reassembly bounded under unfinished ClientHellos", t_tls_flood, NULL);
	test_run("stratum: a line sent a few bytes at a time, reassembled", t_json_split, NULL);
	return test_summary("patterns");
}
