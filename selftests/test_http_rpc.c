// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_http_rpc.c - the HTTP POST reader (parse/http_rpc.c) on the
 * requests of real clients: bitcoin-cli (Bitcoin Core 25), bfgminer 5.2
 * (from zeek-cryptomining/bitcoin-mining.pcap: headers alone, the body in
 * the next segment), xmrig's daemon mode, curl; cut copies, LF-only lines,
 * and requests that are no POST or break HTTP/1.x. Built with ASan and
 * UBSan.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse/http_rpc.h"
#include "test.h"

static const char bitcoin_cli[] =
	"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
	"Authorization: Basic X19jb29raWVfXzpzZWNyZXQ=\r\nContent-Length: 80\r\n\r\n"
	"{\"method\":\"getblocktemplate\",\"params\":[{\"rules\":[\"segwit\"]}],\"id\":1}\n";
static const char bfgminer[] =
	"POST / HTTP/1.1\r\nHost: us1.bitminter.com:3333\r\nAuthorization: Basic Qmlnc2t5OjEyMw==\r\n"
	"Accept: */*\r\nAccept-Encoding: deflate, gzip\r\nContent-type: application/json\r\n"
	"X-Mining-Extensions: longpoll midstate rollntime submitold\r\nContent-Length: 235\r\n"
	"User-Agent: bfgminer/5.2.0\r\n\r\n";
static const char xmrig[] =
	"POST /json_rpc HTTP/1.1\r\nHost: 192.0.2.8:18081\r\nConnection: keep-alive\r\n"
	"Content-Type: application/json\r\nContent-Length: 121\r\n\r\n"
	"{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"getblocktemplate\",\"params\":{\"wallet_address\":\"44A\",\"reserve_size\":60}}";

static void t_clients(void *arg)
{
	struct mw_http_rpc r;
	const char *body;

	ASSERT_EQ(mw_http_rpc_parse((const uint8_t *)bitcoin_cli, strlen(bitcoin_cli), &r), 0,
		  "bitcoin-cli");
	ASSERT_STREQ(r.path, "/", "its path");
	ASSERT_EQ(r.content_length, 80, "Content-Length");
	body = bitcoin_cli + r.body_off;
	ASSERT_TRUE(!strncmp(body, "{\"method\":\"getblocktemplate\"", 28), "the body's start");
	ASSERT_EQ(r.body_len, strlen(body), "the whole body");
	ASSERT_EQ(r.json, 0, "no Content-Type");

	ASSERT_EQ(mw_http_rpc_parse((const uint8_t *)bfgminer, strlen(bfgminer), &r), 0,
		  "bfgminer's headers alone");
	ASSERT_EQ(r.body_len, 0, "its body in the next segment");
	ASSERT_EQ(r.body_off, strlen(bfgminer), "the body would start at the copy's end");
	ASSERT_EQ(r.mining_ext, 1, "X-Mining-Extensions");
	ASSERT_EQ(r.json, 1, "Content-type, any case");
	ASSERT_STREQ(r.agent, "bfgminer/5.2.0", "User-Agent");

	ASSERT_EQ(mw_http_rpc_parse((const uint8_t *)xmrig, strlen(xmrig), &r), 0, "xmrig");
	ASSERT_STREQ(r.path, "/json_rpc", "Monero's JSON-RPC path");
	ASSERT_EQ(r.body_len, strlen(xmrig + r.body_off), "the body: all there is");
	ASSERT_TRUE(r.body_len < 121, "shorter than claimed (cut by the copy)");
	ASSERT_EQ(r.mining_ext, 0, "no getwork header");
}

static void t_cut(void *arg)
{
	struct mw_http_rpc r;
	size_t cut, head = strstr(bitcoin_cli, "\r\n\r\n") + 4 - bitcoin_cli;
	char lf[512];
	int err;

	/* every cut before the blank line: headers cut; after: a cut body */
	for (cut = 5; cut < strlen(bitcoin_cli); cut++) {
		err = mw_http_rpc_parse((const uint8_t *)bitcoin_cli, cut, &r);
		if (cut < head) {
			if (!ASSERT_EQ(err, -EAGAIN, "headers cut"))
				break;
		} else if (!ASSERT_EQ(err, 0, "body cut") ||
			   !ASSERT_EQ(r.body_len, cut - head, "its bytes")) {
			break;
		}
	}
	/* a body longer than Content-Length: the rest is the next request */
	snprintf(lf, sizeof(lf), "POST /x HTTP/1.0\nContent-Length: 2\n\n{}POST / HTTP/1.0\n");
	ASSERT_EQ(mw_http_rpc_parse((const uint8_t *)lf, strlen(lf), &r), 0, "LF-only lines");
	ASSERT_EQ(r.body_len, 2, "the body ends at Content-Length");
}

static void t_bad(void *arg)
{
	static const char *const bad[] = {
		"GET / HTTP/1.1\r\n\r\n",
		"POST  HTTP/1.1\r\n\r\n",
		"POST / HTTP/2\r\n\r\n",
		"POST / HTTP/1.1 x\r\n\r\n",
		"POST /a b HTTP/1.1\r\n\r\n",
		"POST / HTTP/1.1\r\nno colon here\r\n\r\n",
		"POST / HTTP/1.1\r\n: no name\r\n\r\n",
		"POST / HTTP/1.1\r\nBad Name: x\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 12x\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length:\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
		"post / HTTP/1.1\r\n\r\n",
	};
	static const char raw_agent[] = "POST / HTTP/1.1\r\nUser-Agent: a\x01\xff"
					"b\r\n\r\n";
	struct mw_http_rpc r;
	char many[8192], what[96];
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(what, sizeof(what), "refused: %.40s", bad[i]);
		ASSERT_EQ(mw_http_rpc_parse((const uint8_t *)bad[i], strlen(bad[i]), &r), -EINVAL,
			  what);
	}
	ASSERT_EQ(mw_http_rpc_parse((const uint8_t *)"POST / HTTP/1.1\0\r\n", 18, &r), -EINVAL,
		  "a NUL in the request line");
	ASSERT_EQ(mw_http_rpc_parse((const uint8_t *)"POST /\0", 7, &r), -EINVAL,
		  "a NUL in a cut request line");
	ASSERT_EQ(mw_http_rpc_parse((const uint8_t *)"POS", 3, &r), -EINVAL, "too short");
	ASSERT_EQ(mw_http_rpc_may_start((const uint8_t *)"POST ", 5), 1, "a POST may start");
	ASSERT_EQ(mw_http_rpc_may_start((const uint8_t *)"POSTX", 5), 0, "no blank after POST");
	/* more header lines than any node call has */
	n = (size_t)snprintf(many, sizeof(many), "POST / HTTP/1.1\r\n");
	for (i = 0; i < 100; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "X-%zu: y\r\n", i);
	n += (size_t)snprintf(many + n, sizeof(many) - n, "\r\n{}");
	ASSERT_EQ(mw_http_rpc_parse((const uint8_t *)many, n, &r), -EINVAL, "100 header lines");
	/* bytes that reach events: printable only */
	ASSERT_EQ(mw_http_rpc_parse((const uint8_t *)raw_agent, sizeof(raw_agent) - 1, &r), 0,
		  "a User-Agent with raw bytes");
	ASSERT_STREQ(r.agent, "a??b", "raw bytes replaced");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("http_rpc: real clients' requests", t_clients, NULL);
	test_run("http_rpc: copies cut anywhere", t_cut, NULL);
	test_run("http_rpc: what is no HTTP POST", t_bad, NULL);
	return test_summary("http_rpc");
}
