// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_stratum.c - the Stratum matcher (parse/stratum.c) on the first
 * payloads of every TCP connection in the real captures (as the datapath
 * copies them: the first two data packets each way, 256 bytes), on the
 * exact first messages of real miners, on ordinary JSON-RPC and junk; the
 * names it reads from a payload are safe for JSON. Built with ASan and
 * UBSan.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "data.h"
#include "parse/stratum.h"
#include "test.h"

#define PEEK 256

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
	char cmd[1024], rel[256];
	FILE *f;

	memset(h, 0, sizeof(*h));
	snprintf(rel, sizeof(rel), "pcaps/%s", pcap);
	snprintf(
		cmd, sizeof(cmd),
		"tshark -n -r '%s' -Y 'tcp.len>0' -T fields -E separator='|' -e tcp.stream -e ip.src -e tcp.srcport -e tcp.payload 2>/dev/null | sort -t'|' -k1,1n -s",
		test_data_path(rel));
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
	/* bfgminer tries HTTP getwork/getblocktemplate, TLS, then Stratum */
	/* tshark: tcp.payload contains "mining." outside HTTP: streams 3, 12, 14;
	 * its five HTTP POSTs' bodies (the segment after the headers) are a
	 * node's mining RPC (issue 20) */
	ASSERT_EQ(h.matched, 8, "bitcoin-mining.pcap: bfgminer's 3 Stratum and 5 HTTP connections");
	ASSERT_TRUE(strstr(h.dialects, "solo-btc") && strstr(h.dialects, "stratum-v1"),
		    "bitcoin-mining.pcap: solo-btc and stratum-v1");
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
		/* solo mining to a node (issue 20) */
		{ "bitcoin-cli getblocktemplate",
		  "{\"jsonrpc\":\"1.0\",\"id\":\"x\",\"method\":\"getblocktemplate\",\"params\":[{\"rules\":[\"segwit\"]}]}",
		  "solo-btc", "" },
		{ "bitcoind submitblock",
		  "{\"jsonrpc\":\"1.0\",\"id\":2,\"method\":\"submitblock\",\"params\":[\"0000002001\"]}",
		  "solo-btc", "" },
		{ "cpuminer getwork", "{\"method\": \"getwork\", \"params\": [], \"id\":0}\r\n",
		  "solo-btc", "" },
		{ "namecoin getauxblock", "{\"method\":\"getauxblock\",\"params\":[],\"id\":1}",
		  "solo-btc", "" },
		{ "bitcoind's template",
		  "{\"result\":{\"version\":536870912,\"previousblockhash\":\"00000000000000000002a7c4\",\"transactions\":[],\"coinbasevalue\":625000000,\"bits\":\"17034219\"},\"error\":null,\"id\":\"x\"}\n",
		  "solo-btc", "" },
		{ "xmrig daemon mode",
		  "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"getblocktemplate\",\"params\":{\"wallet_address\":\"44AFFq5kSiGBoZ\",\"reserve_size\":60}}",
		  "monero-daemon", "" },
		{ "monerod get_block_template",
		  "{\"jsonrpc\":\"2.0\",\"id\":\"0\",\"method\":\"get_block_template\",\"params\":{\"wallet_address\":\"44GBH\",\"reserve_size\":60}}",
		  "monero-daemon", "" },
		{ "p2pool get_miner_data",
		  "{\"jsonrpc\":\"2.0\",\"id\":\"0\",\"method\":\"get_miner_data\"}",
		  "monero-daemon", "" },
		{ "monerod submit_block",
		  "{\"jsonrpc\":\"2.0\",\"id\":\"0\",\"method\":\"submit_block\",\"params\":[\"0707e6bdfedc05\"]}",
		  "monero-daemon", "" },
		{ "monerod's template",
		  "{\"id\":\"0\",\"jsonrpc\":\"2.0\",\"result\":{\"blockhashing_blob\":\"1010f4bae0b4\",\"blocktemplate_blob\":\"1010f4bae0b4\",\"difficulty\":283305047039,\"height\":2286447,\"status\":\"OK\"}}",
		  "monero-daemon", "" },
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
		/* a node's queries that mine nothing (issue 20: not mining) */
		"{\"jsonrpc\":\"1.0\",\"id\":\"curltest\",\"method\":\"getblockchaininfo\",\"params\":[]}",
		"{\"jsonrpc\":\"1.0\",\"id\":\"x\",\"method\":\"getmininginfo\",\"params\":[]}",
		"{\"jsonrpc\":\"2.0\",\"id\":\"0\",\"method\":\"get_info\"}",
		"{\"jsonrpc\":\"2.0\",\"id\":\"0\",\"method\":\"get_last_block_header\"}",
		"{\"result\":{\"blocks\":800000,\"chain\":\"main\"},\"error\":null,\"id\":1}",
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

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("stratum: the captures, as the datapath copies them", t_captures, NULL);
	test_run("stratum: real miners' first messages", t_miners, NULL);
	test_run("stratum: ordinary JSON-RPC and junk", t_benign, NULL);
	test_run("stratum: names from the payload are safe for JSON", t_stratum_bytes, NULL);
	return test_summary("stratum");
}
