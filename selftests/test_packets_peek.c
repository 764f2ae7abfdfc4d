// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_packets_peek.c - what the datapath copies to the agent: the first
 * payload of a flow (a Stratum login, the host's TLS ClientHello followed
 * over its segments), DNS only where the host asked, and the host's new
 * connections to public addresses.
 */
#include <stdint.h>
#include <string.h>

#include "pkt_harness.h"
#include "test.h"
#include "tls_build.h"
#include "lib/util.h"

static const char stratum[] =
	"{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"x\",\"agent\":\"XMRig/6.21.0\"}}\n";
#define STRATUM_LEN ((int)sizeof(stratum) - 1)
/* The same after a newline. */
static const char login[] =
	"\n{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"x\",\"agent\":\"XMRig/6.21.0\"}}\n";
#define LOGIN_LEN ((int)sizeof(login) - 1)
#define TABS10 "\t\t\t\t\t\t\t\t\t\t"

/* The datapath looks past at most 16 blanks for the '{'. */
_Static_assert(MW_PEEK_WS_MAX == 16, "the rows below send 15 blanks, then 30");

/* A node's JSON-RPC request (bitcoin-cli getblocktemplate), headers and
 * body. */
#define POST_RPC                                                                            \
	"POST / HTTP/1.1\r\nHost: 192.0.2.8:8332\r\nContent-Type: application/json\r\n\r\n" \
	"{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"getblocktemplate\",\"params\":[]}"
/* A miner's masked WebSocket text frame, mining.subscribe, key 11 22 33 44. */
#define WS_MASKED                                                                              \
	"\x81\xb0\x11\x22\x33\x44\x6a\x00\x5a\x20\x33\x18\x02\x68\x33\x4f\x56\x30\x79\x4d\x57" \
	"\x66\x2b\x00\x5e\x2d\x7f\x4b\x5d\x23\x3f\x51\x46\x26\x62\x41\x41\x2d\x73\x47\x11\x68" \
	"\x33\x52\x52\x36\x70\x4f\x40\x66\x2b\x79\x6e\x39"
#define WS_MASKED_LEN 54
/* Segments longer than their text: the rest zeros. */
static const char post_rpc[1024] = POST_RPC;
static const char connect_req[512] = "CONNECT pool.example.org:3333 HTTP/1.1\r\n";
static const char ws_101[512] = "HTTP/1.1 101 Switching Protocols\r\n";
static const char ws_126[256] = "\x81\x7e\x00\xc4{\"id\":1}";
static const char ws_binary[256] = "\x82\x7e\x00\xc4{\"id\":1}";
/* a miner's masked 200-byte frame (key 01 02 03 04: '{' ^ 1 is 'z'), a
 * pool's 64 KiB one in clear */
static const char ws_126_masked[256] = "\x81\xfe\x00\xc8\x01\x02\x03\x04z";
static const char ws_126_badkey[256] = "\x81\xfe\x00\xc8\x00\x00\x00\x00z";
static const char ws_127[256] = "\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00{";

/* A DNS resolver 192.0.2.53:53 and the host's port 33333. */
static const struct conv conv_dns_udp = { 4, IPPROTO_UDP, SRV, "192.0.2.53", 33333, 53, 0, 0 };
static const struct conv conv_dns_tcp = { 4, IPPROTO_TCP, SRV, "192.0.2.53", 33333, 53, 0, 0 };

static long long decisive_peeks(void)
{
	return peeks_in_events;
}

/* The host's SYN from @from:50000 to @to:3333, at tc. */
#define SYN_OUT(fam, from, to) SYN_PKT(TC_PKT, fam, from, 50000, to, 3333)

/* clang-format off */
static const struct seq_row peek_seqs[] = {
	/* mid-stream, from the host (each send the same segment) */
	{ "seq payload peek: the host's JSON payload", &conv_ssh, 0, {
	  { H, PA, STRATUM_LEN, .data = stratum, .resend = true },
	  THEN(EVS(MW_EV_PEEK, 1), PEEK_RING(0, RING_PEEKS), PEEK(0, initiator, UNK) /* mid-stream */,
	       PEEK(0, host_opened, 0) /* not from a SYN */, PEEK(0, answered, 0) /* one way only */,
	       PEEK(0, len, STRATUM_LEN), PEEK(0, orig_len, STRATUM_LEN), PEEK(0, hdr.dir, OUT)),
	  THEN(PEEK_BYTES(0, stratum, 0)),
	  { H, PA, STRATUM_LEN, .data = stratum, .resend = true, .times = 4 },
	  THEN(EVS(MW_EV_PEEK, 4) /* only the first four data packets */) } },
	{ "seq payload peek: plain HTTP is not peeked", &conv_ssh, 0, {
	  { H, PA, 16, .data = "GET / HTTP/1.1\r\n" }, THEN(EVS(MW_EV_PEEK, 0)) } },

	/* Stratum after a newline, in the host's third data packet */
	{ "seq payload peek: Stratum after a newline, in a later packet", CONV_POOL(3333), 0, {
	  HOST_OPENS,
	  { H, PA, 6, .data = "PING\r\n" }, { R, PA, 6, .data = "PONG\r\n" }, { H, PA, 6, .data = "HELO\r\n" },
	  { H, PA, LOGIN_LEN, .data = login },
	  THEN(EVS(MW_EV_PEEK, 1), PEEK(0, index, 2), PEEK(0, cont, 0), PEEK(0, len, LOGIN_LEN),
	       PEEK_BYTES(0, login, 0) /* the newline first */),
	  { H, PA, LOGIN_LEN, .data = login, .want = { EVS(MW_EV_PEEK, 2) /* the fourth */ } },
	  { H, PA, LOGIN_LEN, .data = login, .want = { EVS(MW_EV_PEEK, 2) /* not the fifth (peek_packets 4) */ } } } },
	/* whitespace as far as the datapath looks, and one byte more */
	{ "seq payload peek: '{' after 15 blanks", CONV_POOL(3334), 0, {
	  HOST_OPENS, { H, PA, 18, .data = "               {}\n" }, THEN(EVS(MW_EV_PEEK, 1)) } },
	{ "seq payload peek: '{' after 30 (16 blanks looked at)", CONV_POOL(3334), 0, {
	  HOST_OPENS, { H, PA, 33, .data = TABS10 TABS10 TABS10 "{}\n" }, THEN(EVS(MW_EV_PEEK, 1)) } },
	{ "seq payload peek: a blank line alone is not", CONV_POOL(3334), 0, {
	  HOST_OPENS, { H, PA, 2, .data = "\r\n" }, THEN(EVS(MW_EV_PEEK, 0)) } },
	{ "seq payload peek: another byte before the '{' is not", CONV_POOL(3334), 0, {
	  HOST_OPENS, { H, PA, 7, .data = "   x{}\n" }, THEN(EVS(MW_EV_PEEK, 0)) } },
	/* a line sent a byte at first: the rest of it followed, no more */
	{ "seq payload peek: a line begun with one byte is followed to its end", CONV_POOL(3335), 0, {
	  HOST_OPENS,
	  { H, PA, 1, .data = login + 1 }, { H, PA, 30, .data = login + 2 },
	  { H, PA, LOGIN_LEN - 32, .data = login + 32 }, { H, PA, 5, .data = "HELLO" },
	  THEN(EVS(MW_EV_PEEK, 3), PEEK(0, len, 1), PEEK(0, cont, 0), PEEK(1, len, 30), PEEK(1, cont, 1),
	       PEEK(2, cont, 1), ST(peeks, 3) /* what follows the line: not copied */) } },
	{ "seq payload peek: a whole line, nothing followed", CONV_POOL(3336), 0, {
	  HOST_OPENS, { H, PA, LOGIN_LEN - 1, .data = login + 1 }, { H, PA, 1, .data = "x" },
	  THEN(EVS(MW_EV_PEEK, 1)) } },

	/* the host's own flows: HTTP POST (a node's JSON-RPC), proxies, WebSocket */
	{ "seq peek: the host's HTTP POST, headers and body in one copy past peek_bytes", CONV_POOL(8332), 0, {
	  HOST_OPENS, { H, PA, 400, .data = post_rpc },
	  THEN(EVS(MW_EV_PEEK, 1), PEEK(0, len, 400), PEEK(0, cont, 0), FL(follow, 0)),
	  { H, PA, 900 }, THEN(EVS(MW_EV_PEEK, 1) /* what follows: not copied */) } },
	{ "seq peek: a POST of 900 bytes, its first MW_PEEK_MAX", CONV_POOL(8332), 0, {
	  HOST_OPENS, { H, PA, 900, .data = post_rpc },
	  THEN(EVS(MW_EV_PEEK, 1), PEEK(0, len, MW_PEEK_MAX), PEEK(0, orig_len, 900)) } },
	{ "seq peek: a POST on a flow the remote opened is not copied", &conv_ssh, 0, {
	  HANDSHAKE, { R, PA, 400, .data = post_rpc }, { H, PA, 400, .data = post_rpc },
	  THEN(EVS(MW_EV_PEEK, 0)) } },
	{ "seq peek: a POST arriving at XDP on the host's flow is not the host's", CONV_POOL(8332), 0, {
	  HOST_OPENS, { R, PA, 400, .data = post_rpc }, THEN(EVS(MW_EV_PEEK, 0)) } },
	{ "seq peek: the host's HTTP CONNECT", CONV_POOL(3128), 0, {
	  HOST_OPENS, { H, PA, 300, .data = connect_req },
	  THEN(EVS(MW_EV_PEEK, 1), PEEK(0, len, 256) /* peek_bytes */) } },
	{ "seq peek: SOCKS5 greeting and CONNECT to a name", CONV_POOL(1080), 0, {
	  HOST_OPENS, { H, PA, 3, .data = "\x05\x01\x00" }, { R, PA, 2, .data = "\x05\x00" },
	  { H, PA, 23, .data = "\x05\x01\x00\x03\x10pool.example.org\x0d\x05" },
	  THEN(EVS(MW_EV_PEEK, 2), PEEK(0, len, 3), PEEK(1, len, 23), FL(follow, 0)) } },
	{ "seq peek: a SOCKS5 greeting whose count of methods is wrong is not", CONV_POOL(1080), 0, {
	  HOST_OPENS, { H, PA, 4, .data = "\x05\x01\x00\x02" }, THEN(EVS(MW_EV_PEEK, 0)) } },
	{ "seq peek: SOCKS4a CONNECT", CONV_POOL(1080), 0, {
	  HOST_OPENS, { H, PA, 27, .data = "\x04\x01\x0d\x05\x00\x00\x00\x01u\x00pool.example.org\x00" },
	  THEN(EVS(MW_EV_PEEK, 1), PEEK(0, len, 27)) } },
	{ "seq peek: WebSocket: 101, the pool's JSON frame, the miner's masked one", CONV_POOL(8443), 0, {
	  HOST_OPENS, { H, PA, 16, .data = "GET / HTTP/1.1\r\n" } /* the upgrade: not copied */,
	  { R, PA, 300, .data = ws_101 },
	  { R, PA, 15, .data = "\x81\x0d{\"t\":\"hello\"}" },
	  { H, PA, WS_MASKED_LEN, .data = WS_MASKED },
	  THEN(EVS(MW_EV_PEEK, 3), PEEK(0, hdr.dir, IN), PEEK(0, len, 300) /* the first frame may follow */,
	       PEEK(1, hdr.dir, IN), PEEK(1, len, 15), PEEK(2, hdr.dir, OUT), PEEK(2, len, WS_MASKED_LEN),
	       FL(follow, 0)) } },
	{ "seq peek: WebSocket: a 126-length frame, a binary frame, a text not JSON", CONV_POOL(8443), 0, {
	  HOST_OPENS, { R, PA, 200, .data = ws_126 },
	  { R, PA, 200, .data = ws_binary }, { R, PA, 10, .data = "\x81\x08hello!!!" },
	  THEN(EVS(MW_EV_PEEK, 1), PEEK(0, len, 200)) } },
	{ "seq peek: WebSocket: the miner's masked 16-bit length, the pool's 64-bit one", CONV_POOL(8443), 0, {
	  HOST_OPENS, { H, PA, 208, .data = ws_126_masked }, { R, PA, 200, .data = ws_127 },
	  { H, PA, 208, .data = ws_126_badkey /* unmasked: no '{' */ },
	  THEN(EVS(MW_EV_PEEK, 2), PEEK(0, hdr.dir, OUT), PEEK(1, hdr.dir, IN)) } },
	{ "seq peek: a WebSocket frame on a flow the remote opened is not copied", &conv_ssh, 0, {
	  HANDSHAKE, { R, PA, 15, .data = "\x81\x0d{\"t\":\"hello\"}" },
	  { R, PA, 300, .data = ws_101 }, THEN(EVS(MW_EV_PEEK, 0)) } },

	/* DNS: a flow the remote opened is never peeked */
	{ "seq DNS: unsolicited answers from port 53, no event at all", &conv_dns_udp, 0, {
	  { R, 0, 600, .times = 3 }, THEN(ALL_EVENTS(0), ST(peeks, 0)) } },
	{ "seq DNS: the host's query, then two answers on the reversed 5-tuple", &conv_dns_udp, 0, {
	  { H, 0, 40 }, { R, 0, 600, .times = 2 },
	  THEN(EVS(MW_EV_PEEK, 3), PEEK_RING(0, RING_PEEKS), PEEK(0, hdr.dir, OUT), PEEK(0, len, 40),
	       PEEK(0, host_opened, 1), PEEK(0, initiator, OUT), PEEK(0, answered, 0), PEEK(0, handshake, 0)),
	  THEN(PEEK_RING(2, RING_PEEKS), PEEK(2, hdr.dir, IN), PEEK(2, len, 256) /* peek_bytes */,
	       PEEK(2, orig_len, 600), PEEK(2, index, 1), PEEK(2, host_opened, 1),
	       PEEK(2, answered, 1), PEEK_NET(2, key.remote_port, 53)),
	  /* in the decisive ring: the query's flow, reported as new public */
	  THEN(ST(peeks, 3), ST(events, 1), EVS(MW_EV_NEW_PUBLIC, 1)) } },
	{ "seq DNS over TCP: the host's connection, its query and the answer", &conv_dns_tcp, 0, {
	  { H, SYN }, { R, SA }, { H, PA, 42 }, { R, PA, 300 },
	  THEN(EVS(MW_EV_PEEK, 2), PEEK(0, hdr.dir, OUT), PEEK(1, hdr.dir, IN),
	       PEEK(1, handshake, 1) /* the handshake was seen */) } },
	{ "seq DNS over TCP from port 53, opened by the remote: no peek", &conv_dns_tcp, 0, {
	  { R, SYN }, { R, PA, 300, .times = 2 }, THEN(EVS(MW_EV_PEEK, 0)) } },
	/* a replay, a spoof: neither it nor its "answer" is peeked */
	{ "seq DNS: a query from the host's address arriving at XDP is not the host's", &conv_dns_udp, LOCAL, {
	  { X, 0, 40 }, { R, 0, 600 }, THEN(EVS(MW_EV_PEEK, 0)) } },
	{ "seq DNS: forged answers first, then the host's query and its answer", &conv_dns_udp, 0, {
	  { R, 0, 120, .want = { EVS(MW_EV_PEEK, 0) } },
	  { H, 0, 40 }, { R, 0, 120 },
	  THEN(EVS(MW_EV_PEEK, 2), CALL(decisive_peeks, 0) /* no peek ever in mw_events */) } },

	{ "seq new outbound to public", &conv_ssh, 0, {
	  SYN_OUT(4, SRV, POOL),
	  THEN(EVS(MW_EV_NEW_PUBLIC, 1), PUBLIC_EV(0, key.remote_port, 3333)),
	  SYN_OUT(4, SRV, "10.1.2.3"), SYN_OUT(6, "fd00::2", "fd00::1"),
	  THEN(EVS(MW_EV_NEW_PUBLIC, 1) /* internal destinations not reported */),
	  /* an answer to an inbound connection is not locally initiated */
	  { R, SYN }, { H, SA },
	  THEN(EVS(MW_EV_NEW_PUBLIC, 1), ST(new_public, 1)) } },
};
/* clang-format on */

/* ClientHellos of 300 and 1400 bytes of padding; the second claiming a
 * 16 KiB record. */
static uint8_t hello[4096], big[4096], claims_16k[4096];

/* The host's ClientHello followed over its segments. The tables live here:
 * their lengths are the built records'. */
static void test_clienthello(void)
{
	const int n = (int)tls_hello(hello, "pool.example.org", 300, 0);
	const int nb = (int)tls_hello(big, "pool.example.org", 1400, 0);
	const __u32 seq0 = POOL_ISN_HOST + 1;

	memcpy(claims_16k, big, sizeof(big));
	claims_16k[3] = 0x40, claims_16k[4] = 0;
	{
		/* clang-format off */
		const struct seq_row rows[] = {
		{ "seq ClientHello: one segment, the whole record (its SNI past byte 256)", CONV_POOL(443), 0, {
		  HOST_OPENS, { H, PA, n, .data = hello }, THEN(EVS(MW_EV_PEEK, 1), PEEK(0, len, n)) } },
		{ "seq ClientHello: two segments, both copied in order", CONV_POOL(443), 0, {
		  HOST_OPENS, { H, PA, 200, .data = hello },
		  THEN(FL(follow, 1), FL_HOST_SEQ(follow_end, n) /* the flow follows the record */),
		  { H, PA, n - 200, .data = hello + 200 },
		  THEN(EVS(MW_EV_PEEK, 2), PEEK(0, len, 200), PEEK(0, seq, seq0), PEEK(0, cont, 0),
		       PEEK(1, len, n - 200), PEEK(1, seq, seq0 + 200), PEEK(1, cont, 1),
		       PEEK_BYTES(1, hello, 200)),
		  THEN(FL(follow, 0) /* record complete: no longer followed */),
		  { H, PA, 16, .data = "GET / HTTP/1.1\r\n" },
		  THEN(EVS(MW_EV_PEEK, 2) /* what follows the record: not copied */) } },
		/* the record's length unknown: 2 KiB followed */
		{ "seq ClientHello: its first byte alone, then the rest", CONV_POOL(443), 0, {
		  HOST_OPENS, { H, PA, 1, .data = hello }, { H, PA, n - 1, .data = hello + 1 },
		  THEN(FL(follow, 1), FL_HOST_SEQ(follow_end, MW_TLS_REASM_MAX), EVS(MW_EV_PEEK, 2),
		       PEEK(1, cont, 1), PEEK(1, len, n - 1)) } },
		{ "seq ClientHello: a GSO super-packet larger than a peek, copied in chunks", CONV_POOL(443), 0, {
		  HOST_OPENS, { H, PA, nb, .data = big, .gso = 2 },
		  THEN(EVS(MW_EV_PEEK, 3), PEEK(0, seq, seq0), PEEK(0, cont, 0), PEEK_BYTES(0, big, 0)),
		  THEN(PEEK(1, seq, seq0 + MW_PEEK_MAX), PEEK(1, cont, 1), PEEK_BYTES(1, big, MW_PEEK_MAX),
		       PEEK(2, seq, seq0 + 2 * MW_PEEK_MAX), PEEK(2, cont, 1), PEEK_BYTES(2, big, 2 * MW_PEEK_MAX)) } },
		/* 2 KiB: 1000 + 1000 + 48 bytes, then nothing */
		{ "seq ClientHello: a record that claims 16 KiB is followed for 2 KiB", CONV_POOL(443), 0, {
		  HOST_OPENS, { H, PA, 1000, .data = claims_16k },
		  { H, PA, 1000 }, { H, PA, 1000 }, { H, PA, 1000 }, { H, PA, 1000 }, { H, PA, 1000 },
		  THEN(ST(peeks, 2 + 2 + 1)) } },
		/* an inbound connection: one copy of peek_bytes, nothing followed */
		{ "seq ClientHello of the remote: each side's first segment only", &conv_ssh, 0, {
		  HANDSHAKE,
		  { R, PA, 200, .data = hello }, { R, PA, n - 200, .data = hello + 200 },
		  { H, PA, 200, .data = hello }, { H, PA, n - 200, .data = hello + 200 },
		  THEN(EVS(MW_EV_PEEK, 2), PEEK(0, cont, 0), PEEK(1, cont, 0)) } },
		};
		/* clang-format on */

		run_seq_table(rows, ARRAY_SIZE(rows));
	}
}

void test_packets_peek(void)
{
	run_seq_table(peek_seqs, ARRAY_SIZE(peek_seqs));
	test_clienthello();
}
