// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_bpatterns.c - BPATTERNS' judge (detect/bpatterns.c) without a
 * kernel: the rhythm scorer on flow samples of miners and of long-lived
 * benign connections; the evidence a block needs (the host opened the
 * flow, handshake in order) against forged, mid-stream, replayed and
 * served flows; Stratum after leading whitespace. Built with ASan and
 * UBSan.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "detect/bpatterns.h"
#include "detect/dirnet_seen.h"
#include "parse/stratum.h"
#include "peek_build.h"
#include "test.h"

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

/* A WebSocket text frame of @json (under 126 bytes), masked by @key when
 * not NULL, as a miner sends it. */
static size_t frame_of(uint8_t *out, const char *json, const uint8_t *key)
{
	size_t n = strlen(json), at = key ? 6 : 2, i;

	out[0] = 0x81;
	out[1] = (uint8_t)(n | (key ? 0x80 : 0));
	if (key)
		memcpy(out + 2, key, 4);
	for (i = 0; i < n; i++)
		out[at + i] = (uint8_t)(key ? json[i] ^ key[i & 3] : json[i]);
	return at + n;
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

/* Bare TLS asks DIRNET's baseline whether the destination was seen before
 * the connection: what learning records of that very connection does not
 * count, another port or /24 is unseen, no baseline sees nothing. */
static void t_dirnet_seen(void *arg)
{
	struct mw_dirnet_cfg cfg = { .fanout = 20 };
	struct mw_dirnet_verdict v;
	struct mw_dirnet d;
	struct mw_addr pool, near, far;
	int64_t t0 = 1700000000;

	mw_addr_parse("203.0.113.51", &pool);
	mw_addr_parse("203.0.113.99", &near);
	mw_addr_parse("198.51.100.51", &far);
	mw_dirnet_init(&d, &cfg);
	mw_dirnet_learn(&d, 3600000, t0);
	mw_dirnet_check(&d, &pool, 443, "xmrig", 1, t0, &v);
	ASSERT_TRUE(v.learning, "learning: recorded");
	ASSERT_TRUE(!mw_dirnet_seen(&d, &pool, 443, t0),
		    "not before the connection that taught it");
	ASSERT_TRUE(mw_dirnet_seen(&d, &pool, 443, t0 + 1), "seen, for what comes later");
	ASSERT_TRUE(mw_dirnet_seen(&d, &near, 443, t0 + 1), "its /24, any process");
	ASSERT_TRUE(!mw_dirnet_seen(&d, &pool, 3333, t0 + 1), "another port: unseen");
	ASSERT_TRUE(!mw_dirnet_seen(&d, &far, 443, t0 + 1), "another /24: unseen");
	ASSERT_TRUE(!mw_dirnet_seen(NULL, &pool, 443, t0 + 1), "no baseline: unseen");
	mw_dirnet_free(&d);
}

/* Issue 20: a node's mining RPC over HTTP, Stratum over WebSocket. */
static void t_transports(void *arg)
{
	static const char gbt[] =
		"POST / HTTP/1.1\r\nHost: 192.0.2.8:8332\r\nContent-Type: application/json\r\n"
		"Content-Length: 70\r\n\r\n"
		"{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"getblocktemplate\",\"params\":[{}]}";
	static const char monero[] =
		"POST /json_rpc HTTP/1.1\r\nHost: 192.0.2.8:18081\r\nContent-Type: application/json\r\n\r\n"
		"{\"jsonrpc\":\"2.0\",\"id\":\"0\",\"method\":\"get_block_template\",\"params\":{\"wallet_address\":\"44A\"";
	static const char batch[] =
		"POST /json_rpc HTTP/1.1\r\nContent-Type: application/json\r\n\r\n"
		"[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getblocktemplate\",\"params\":{}},"
		"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"get_info\"}]";
	static const char bfgminer[] =
		"POST / HTTP/1.1\r\nHost: us1.bitminter.com:3333\r\nContent-type: application/json\r\n"
		"X-Mining-Extensions: longpoll midstate rollntime submitold\r\nContent-Length: 235\r\n"
		"User-Agent: bfgminer/5.2.0\r\n\r\n";
	static const char *const benign[] = {
		"POST / HTTP/1.1\r\nContent-Type: application/json\r\n\r\n"
		"{\"jsonrpc\":\"2.0\",\"method\":\"eth_blockNumber\",\"params\":[],\"id\":1}",
		"POST / HTTP/1.1\r\nContent-Type: application/json\r\n\r\n"
		"{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"getblockchaininfo\",\"params\":[]}",
		"POST /api/v1/orders HTTP/1.1\r\nContent-Type: application/json\r\n\r\n"
		"{\"item\":\"mining helmet\",\"method\":\"card\"}",
		"POST /upload HTTP/1.1\r\nContent-Type: text/plain\r\n\r\nmining.subscribe getblocktemplate",
		"POST / HTTP/1.1\r\n\r\n",
		"\x81\x1b{\"type\":\"chat\",\"text\":\"hi\"}",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x0b{\"t\":\"hey\"}",
	};
	static const char notify[] =
		"{\"id\":null,\"method\":\"mining.notify\",\"params\":[\"1\",\"ab\"]}";
	static const char subscribe[] = "{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[]}";
	static const uint8_t key[4] = { 0x5a, 0x01, 0xfe, 0x77 };
	struct mw_bp_decision d;
	struct mw_event_peek ev;
	struct mw_stratum m;
	uint8_t frame[256];
	char what[96];
	size_t i, n;

	ev = host_peek(gbt, strlen(gbt), 1, false);
	ASSERT_EQ(mw_bpatterns_judge_peek(&ev, NULL, &m, &d), 1, "getblocktemplate over HTTP");
	ASSERT_STREQ(mw_stratum_dialect_name(m.dialect), "solo-btc", "its dialect");
	ASSERT_STREQ(m.transport, "http", "its transport");
	ASSERT_STREQ(m.method, "getblocktemplate", "its method");
	ASSERT_TRUE(d.block, "the host's verified flow: the node may be blocked");
	/* the same asked of this host by a remote: the host is a node */
	ev.hdr.dir = MW_DIR_IN;
	ev.host_opened = 0, ev.initiator = MW_DIR_IN;
	ASSERT_EQ(mw_bpatterns_judge_peek(&ev, NULL, &m, &d), 0,
		  "a remote's getblocktemplate to this host: nothing");

	ev = host_peek(monero, strlen(monero), 1, false);
	ASSERT_EQ(mw_bpatterns_judge_peek(&ev, NULL, &m, &d), 1, "Monero's /json_rpc, body cut");
	ASSERT_STREQ(mw_stratum_dialect_name(m.dialect), "monero-daemon", "monero-daemon");
	ASSERT_STREQ(m.transport, "http", "over HTTP");

	ev = host_peek(batch, strlen(batch), 1, false);
	ASSERT_EQ(mw_bpatterns_judge_peek(&ev, NULL, &m, &d), 1, "a JSON-RPC batch");
	ASSERT_STREQ(m.method, "getblocktemplate", "its first call");
	ASSERT_STREQ(mw_stratum_dialect_name(m.dialect), "monero-daemon",
		     "bitcoind's name at monerod's /json_rpc");

	ev = host_peek(bfgminer, strlen(bfgminer), 1, false);
	ASSERT_EQ(mw_bpatterns_judge_peek(&ev, NULL, &m, &d), 1, "bfgminer's headers alone");
	ASSERT_STREQ(m.method, "X-Mining-Extensions", "its getwork header");
	ASSERT_STREQ(m.agent, "bfgminer/5.2.0", "its User-Agent");

	/* the pool's frame in clear, the miner's masked */
	n = frame_of(frame, notify, NULL);
	ev = host_peek(frame, n, 1, false);
	ev.hdr.dir = MW_DIR_IN;
	ASSERT_EQ(mw_bpatterns_judge_peek(&ev, NULL, &m, &d), 1, "the pool's WebSocket frame");
	ASSERT_STREQ(m.transport, "websocket", "over WebSocket");
	ASSERT_STREQ(m.method, "mining.notify", "mining.notify");
	ASSERT_STREQ(d.sent_by, "pool", "sent by the pool");
	n = frame_of(frame, subscribe, key);
	ev = host_peek(frame, n, 1, false);
	ASSERT_EQ(mw_bpatterns_judge_peek(&ev, NULL, &m, &d), 1, "the miner's masked frame");
	ASSERT_STREQ(m.method, "mining.subscribe", "mining.subscribe, unmasked");
	ASSERT_STREQ(m.transport, "websocket", "over WebSocket");
	ASSERT_STREQ(d.sent_by, "client", "sent by the host");
	/* a forged frame on a flow nobody verified: reported, never blocked */
	ev.host_opened = 0, ev.initiator = MW_INIT_UNKNOWN, ev.handshake = 0;
	ASSERT_EQ(mw_bpatterns_judge_peek(&ev, NULL, &m, &d), 1, "midstream frame");
	ASSERT_TRUE(!d.block, "midstream: no block");

	for (i = 0; i < sizeof(benign) / sizeof(benign[0]); i++) {
		snprintf(what, sizeof(what), "benign: %.60s", benign[i]);
		ev = host_peek(benign[i], strlen(benign[i]), 1, false);
		ASSERT_EQ(mw_bpatterns_judge_peek(&ev, NULL, &m, &d), 0, what);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("rhythm: miners and long-lived benign connections", t_rhythm, NULL);
	test_run("evidence: a pool is blocked only on the host's verified flow", t_evidence, NULL);
	test_run("stratum: after leading whitespace", t_stratum_ws, NULL);
	test_run("bare tls: DIRNET's baseline asked, read only", t_dirnet_seen, NULL);
	test_run("transports: a node's mining RPC over HTTP, Stratum over WebSocket", t_transports,
		 NULL);
	return test_summary("bpatterns");
}
