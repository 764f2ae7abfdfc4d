// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_proxy.c - the proxy request reader (parse/proxy.c): the messages
 * real clients send (curl 7.88's SOCKS4, 4a and 5 and its CONNECT, as its
 * lib/socks.c and lib/http_proxy.c build them, checked against the bytes
 * test_proxy_out.sh sees), every malformed variant one byte off, names of
 * any bytes, copies cut short; and every TCP payload of the real captures,
 * none of which is a proxy request. Built with ASan and UBSan.
 */
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "parse/proxy.h"
#include "test.h"

#define PEEK 256

struct want {
	const char *what;
	const char *bytes;
	size_t len;
	bool whole;
	enum mw_proxy_msg msg;
	enum mw_proxy_proto proto;
	enum mw_proxy_cmd cmd;
	const char *requested; /* NULL: not checked */
	bool name, cut;
};

#define B(s) s, sizeof(s) - 1
#define REQ(what, s, proto, cmd, req, name)                                          \
	{                                                                            \
		what, B(s), true, MW_PROXY_MSG_REQUEST, proto, cmd, req, name, false \
	}
#define NONE(what, s)                                                                     \
	{                                                                                 \
		what, B(s), true, MW_PROXY_MSG_NONE, MW_PROXY_NONE, 0, NULL, false, false \
	}

static void check_all(const struct want *w, size_t n)
{
	char what[200], req[MW_PROXY_REQUESTED_MAX];
	struct mw_proxy p;
	size_t i;

	for (i = 0; i < n; i++) {
		enum mw_proxy_msg m =
			mw_proxy_parse((const uint8_t *)w[i].bytes, w[i].len, w[i].whole, &p);

		snprintf(what, sizeof(what), "%s: kind", w[i].what);
		if (!ASSERT_EQ(m, w[i].msg, what))
			continue;
		snprintf(what, sizeof(what), "%s: protocol", w[i].what);
		ASSERT_EQ(p.proto, w[i].proto, what);
		if (m != MW_PROXY_MSG_REQUEST)
			continue;
		snprintf(what, sizeof(what), "%s: command", w[i].what);
		ASSERT_EQ(p.cmd, w[i].cmd, what);
		snprintf(what, sizeof(what), "%s: requested", w[i].what);
		if (w[i].requested)
			ASSERT_STREQ(mw_proxy_requested(&p, req, sizeof(req)), w[i].requested,
				     what);
		snprintf(what, sizeof(what), "%s: a name", w[i].what);
		ASSERT_EQ(p.host_is_name, w[i].name, what);
		snprintf(what, sizeof(what), "%s: cut", w[i].what);
		ASSERT_EQ(p.cut, w[i].cut, what);
	}
}

static void t_http_connect(void *arg)
{
	static const struct want w[] = {
		REQ("curl -p -x: CONNECT to an address",
		    "CONNECT 203.0.113.80:443 HTTP/1.1\r\nHost: 203.0.113.80:443\r\n"
		    "User-Agent: curl/7.88.1\r\nProxy-Connection: Keep-Alive\r\n\r\n",
		    MW_PROXY_HTTP_CONNECT, MW_PROXY_CMD_CONNECT, "203.0.113.80:443", false),
		REQ("CONNECT to a name, HTTP/1.0, bare LF",
		    "CONNECT pool.example.com:3333 HTTP/1.0\n\n", MW_PROXY_HTTP_CONNECT,
		    MW_PROXY_CMD_CONNECT, "pool.example.com:3333", true),
		REQ("CONNECT to an IPv6 address in brackets",
		    "CONNECT [2001:db8:0::80]:443 HTTP/1.1\r\nHost: [2001:db8::80]:443\r\n\r\n",
		    MW_PROXY_HTTP_CONNECT, MW_PROXY_CMD_CONNECT, "[2001:db8::80]:443", false),
		REQ("a name of control bytes and UTF-8: printable only",
		    "CONNECT a\x01\xc3\xa9\x7f"
		    "b:80 HTTP/1.1\r\n\r\n",
		    MW_PROXY_HTTP_CONNECT, MW_PROXY_CMD_CONNECT, "a????b:80", true),
		REQ("the request line alone", "CONNECT h:1 HTTP/1.1\r\n", MW_PROXY_HTTP_CONNECT,
		    MW_PROXY_CMD_CONNECT, "h:1", true),
		NONE("the method is case-sensitive", "connect h:443 HTTP/1.1\r\n\r\n"),
		NONE("a proxy's GET (absolute form)",
		     "GET http://203.0.113.80/ HTTP/1.1\r\nHost: 203.0.113.80\r\n\r\n"),
		NONE("no port", "CONNECT h HTTP/1.1\r\n\r\n"),
		NONE("port 0", "CONNECT h:0 HTTP/1.1\r\n\r\n"),
		NONE("port 65536", "CONNECT h:65536 HTTP/1.1\r\n\r\n"),
		NONE("port of letters", "CONNECT h:https HTTP/1.1\r\n\r\n"),
		NONE("no host", "CONNECT :443 HTTP/1.1\r\n\r\n"),
		NONE("no authority", "CONNECT  HTTP/1.1\r\n\r\n"),
		NONE("HTTP/2 is not a request line of CONNECT", "CONNECT h:443 HTTP/2.0\r\n\r\n"),
		NONE("no version", "CONNECT h:443\r\n\r\n"),
		NONE("a version then junk", "CONNECT h:443 HTTP/1.1 x\r\n\r\n"),
		NONE("an unclosed bracket", "CONNECT [2001:db8::80:443 HTTP/1.1\r\n\r\n"),
		NONE("brackets around no address", "CONNECT [pool]:443 HTTP/1.1\r\n\r\n"),
		NONE("a whole copy that ends in the line", "CONNECT h:443 HTTP/1.1"),
		NONE("a whole copy that ends in the authority", "CONNECT pool.example.co"),
	};

	(void)arg;
	check_all(w, sizeof(w) / sizeof(w[0]));
}

/* A request line longer than the copy: its start is reported, marked cut. */
static void t_http_cut(void *arg)
{
	static const struct want w[] = {
		{ "a copy that ends in the name", B("CONNECT pool.example.co"), false,
		  MW_PROXY_MSG_REQUEST, MW_PROXY_HTTP_CONNECT, MW_PROXY_CMD_CONNECT,
		  "pool.example.co:0", true, true },
		{ "a copy that ends in the port", B("CONNECT pool.example.com:33"), false,
		  MW_PROXY_MSG_REQUEST, MW_PROXY_HTTP_CONNECT, MW_PROXY_CMD_CONNECT,
		  "pool.example.com:33", true, true },
		{ "a copy that ends in the version", B("CONNECT pool.example.com:3333 HTT"), false,
		  MW_PROXY_MSG_REQUEST, MW_PROXY_HTTP_CONNECT, MW_PROXY_CMD_CONNECT,
		  "pool.example.com:3333", true, false },
		{ "a cut copy still needs CONNECT", B("CONNEC"), false, MW_PROXY_MSG_NONE },
		{ "a cut copy whose version is wrong", B("CONNECT h:1 FTP"), false,
		  MW_PROXY_MSG_NONE },
	};
	char line[600];
	struct mw_proxy p;

	(void)arg;
	check_all(w, sizeof(w) / sizeof(w[0]));
	/* an authority longer than any name: not a request line */
	memcpy(line, "CONNECT ", 8);
	memset(line + 8, 'a', 400);
	memcpy(line + 408, ":443 HTTP/1.1\r\n", 16);
	ASSERT_EQ(mw_proxy_parse((uint8_t *)line, strlen(line), true, &p), MW_PROXY_MSG_NONE,
		  "a 400-byte host");
	/* the copy cannot tell: its start is what there is */
	ASSERT_EQ(mw_proxy_parse((uint8_t *)line, PEEK, false, &p), MW_PROXY_MSG_REQUEST,
		  "a 400-byte host, cut to the copy");
	ASSERT_TRUE(p.cut && strlen(p.host) == PEEK - 8, "its first 248 bytes, marked cut");
	/* 255 bytes of name: the longest host kept whole */
	memset(line + 8, 'b', 255);
	memcpy(line + 263, ":443 HTTP/1.1\r\n", 16);
	ASSERT_EQ(mw_proxy_parse((uint8_t *)line, strlen(line), true, &p), MW_PROXY_MSG_REQUEST,
		  "a 255-byte host");
	ASSERT_EQ(strlen(p.host), 255, "all of it");
}

static void t_socks4(void *arg)
{
	static const struct want w[] = {
		REQ("curl --socks4: CONNECT, no user id", "\x04\x01\x00\x50\xcb\x00\x71\x50\x00",
		    MW_PROXY_SOCKS4, MW_PROXY_CMD_CONNECT, "203.0.113.80:80", false),
		REQ("with a user id", "\x04\x01\x01\xbb\xc6\x33\x64\x07root\x00", MW_PROXY_SOCKS4,
		    MW_PROXY_CMD_CONNECT, "198.51.100.7:443", false),
		REQ("BIND", "\x04\x02\x00\x15\xcb\x00\x71\x50\x00", MW_PROXY_SOCKS4,
		    MW_PROXY_CMD_BIND, "203.0.113.80:21", false),
		REQ("curl --socks4a: 0.0.0.1 and the name",
		    "\x04\x01\x00\x50\x00\x00\x00\x01\x00web.example.test\x00", MW_PROXY_SOCKS4A,
		    MW_PROXY_CMD_CONNECT, "web.example.test:80", true),
		REQ("4a with a user id and a name of odd bytes",
		    "\x04\x01\x0d\x05\x00\x00\x00\xff"
		    "u\x00"
		    "p\x01\xffl\x00",
		    MW_PROXY_SOCKS4A, MW_PROXY_CMD_CONNECT, "p??l:3333", true),
		NONE("command 3 (no UDP in SOCKS4)", "\x04\x03\x00\x50\xcb\x00\x71\x50\x00"),
		NONE("address 0.0.0.0", "\x04\x01\x00\x50\x00\x00\x00\x00\x00"),
		NONE("no NUL after the user id", "\x04\x01\x00\x50\xcb\x00\x71\x50root"),
		NONE("bytes after the user id's NUL", "\x04\x01\x00\x50\xcb\x00\x71\x50\x00GET"),
		NONE("4a without the name", "\x04\x01\x00\x50\x00\x00\x00\x01\x00"),
		NONE("4a with an empty name", "\x04\x01\x00\x50\x00\x00\x00\x01\x00\x00"),
		NONE("4a whose name has no NUL", "\x04\x01\x00\x50\x00\x00\x00\x01\x00pool"),
		NONE("4a with bytes after the name",
		     "\x04\x01\x00\x50\x00\x00\x00\x01\x00pool\x00x"),
		{ "4a cut in the name", B("\x04\x01\x00\x50\x00\x00\x00\x01\x00pool.exa"), false,
		  MW_PROXY_MSG_REQUEST, MW_PROXY_SOCKS4A, MW_PROXY_CMD_CONNECT, "pool.exa:80", true,
		  true },
		NONE("version 4, too short", "\x04\x01\x00\x50\xcb\x00\x71\x50"),
	};

	(void)arg;
	check_all(w, sizeof(w) / sizeof(w[0]));
}

static void t_socks5(void *arg)
{
	static const struct want w[] = {
		{ "curl's greeting: no authentication", B("\x05\x01\x00"), true,
		  MW_PROXY_MSG_GREETING, MW_PROXY_SOCKS5 },
		{ "greeting: none or user/password", B("\x05\x02\x00\x02"), true,
		  MW_PROXY_MSG_GREETING, MW_PROXY_SOCKS5 },
		REQ("curl --socks5: CONNECT to an IPv4 address",
		    "\x05\x01\x00\x01\xcb\x00\x71\x50\x00\x50", MW_PROXY_SOCKS5,
		    MW_PROXY_CMD_CONNECT, "203.0.113.80:80", false),
		REQ("curl --socks5-hostname: CONNECT to a name",
		    "\x05\x01\x00\x03\x10web.example.test\x00\x50", MW_PROXY_SOCKS5,
		    MW_PROXY_CMD_CONNECT, "web.example.test:80", true),
		REQ("CONNECT to an IPv6 address",
		    "\x05\x01\x00\x04\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
		    "\x01\xbb",
		    MW_PROXY_SOCKS5, MW_PROXY_CMD_CONNECT, "[2001:db8::80]:443", false),
		REQ("BIND", "\x05\x02\x00\x01\xcb\x00\x71\x50\x00\x15", MW_PROXY_SOCKS5,
		    MW_PROXY_CMD_BIND, "203.0.113.80:21", false),
		REQ("UDP ASSOCIATE", "\x05\x03\x00\x01\x00\x00\x00\x00\x00\x00", MW_PROXY_SOCKS5,
		    MW_PROXY_CMD_UDP, "0.0.0.0:0", false),
		REQ("a name with a NUL and a newline",
		    "\x05\x01\x00\x03\x04"
		    "a\x00\nb\x0d\x05",
		    MW_PROXY_SOCKS5, MW_PROXY_CMD_CONNECT, "a??b:3333", true),
		REQ("greeting and request in one go",
		    "\x05\x01\x00\x05\x01\x00\x03\x08pool.com\x0d\x05", MW_PROXY_SOCKS5,
		    MW_PROXY_CMD_CONNECT, "pool.com:3333", true),
		NONE("a greeting of no method", "\x05\x00\x00"),
		NONE("a greeting one byte short", "\x05\x02\x00"),
		NONE("a greeting one byte long", "\x05\x01\x00\x02"),
		NONE("command 4", "\x05\x04\x00\x01\xcb\x00\x71\x50\x00\x50"),
		NONE("reserved byte not 0", "\x05\x01\x01\x01\xcb\x00\x71\x50\x00\x50"),
		NONE("address type 2", "\x05\x01\x00\x02\xcb\x00\x71\x50\x00\x50"),
		NONE("IPv4 request one byte long", "\x05\x01\x00\x01\xcb\x00\x71\x50\x00\x50\x00"),
		NONE("IPv4 request one byte short", "\x05\x01\x00\x01\xcb\x00\x71\x50\x00"),
		NONE("a name of length 0", "\x05\x01\x00\x03\x00\x00\x50"),
		NONE("a name longer than the message", "\x05\x01\x00\x03\x10short\x00\x50"),
		NONE("a name and junk after the port", "\x05\x01\x00\x03\x01"
						       "a\x00\x50junk"),
		NONE("greeting then a bad request",
		     "\x05\x01\x00\x05\x09\x00\x01\xcb\x00\x71\x50\x00\x50"),
		NONE("RFC 1929's user and password", "\x01\x04user\x08password"),
		{ "a name cut by the copy", B("\x05\x01\x00\x03\x20pool.example"), false,
		  MW_PROXY_MSG_REQUEST, MW_PROXY_SOCKS5, MW_PROXY_CMD_CONNECT, "pool.example:0",
		  true, true },
	};

	(void)arg;
	check_all(w, sizeof(w) / sizeof(w[0]));
}

static void t_not_proxies(void *arg)
{
	static const struct want w[] = {
		NONE("TLS ClientHello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"),
		NONE("Stratum login", "{\"id\":1,\"method\":\"login\",\"params\":{}}\n"),
		NONE("SSH banner", "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"),
		NONE("HTTP POST", "POST / HTTP/1.1\r\nHost: node\r\n\r\n"),
		NONE("two bytes", "\x05\x01"),
		NONE("empty", ""),
	};
	struct mw_proxy p;

	(void)arg;
	check_all(w, sizeof(w) / sizeof(w[0]));
	ASSERT_EQ(mw_proxy_parse(NULL, 10, true, &p), MW_PROXY_MSG_NONE, "no buffer");
	ASSERT_STREQ(mw_proxy_proto_name(MW_PROXY_SOCKS4A), "socks4a", "a protocol's name");
	ASSERT_STREQ(mw_proxy_cmd_name(MW_PROXY_CMD_UDP), "udp-associate", "a command's name");
	ASSERT_STREQ(mw_proxy_proto_name((enum mw_proxy_proto)99), "none", "an unknown protocol");
}

/* Every TCP payload of every capture (merged into one tshark run: each
 * tshark start costs most of a second), whole and cut to the datapath's
 * copy; none is a proxy's request or greeting. */
static void t_captures(void *arg)
{
	static char line[200000];
	static uint8_t buf[65536];
	unsigned payloads = 0, hits = 0;
	struct mw_proxy p;
	char cmd[1024];
	FILE *f;

	(void)arg;
	snprintf(
		cmd, sizeof(cmd),
		"cd '%s/pcaps' && mergecap -w - ndpi/*.pcap* zeek/*.pcap zeek-cryptomining/*.pcap |"
		" tshark -n -r - -Y 'tcp.len>0' -T fields -e tcp.payload 2>/dev/null",
		test_data_dir());
	f = popen(cmd, "r");
	if (!ASSERT_TRUE(f, "tshark"))
		return;
	while (fgets(line, sizeof(line), f)) {
		size_t n = test_unhex(line, buf, sizeof(buf));

		if (!n)
			continue;
		payloads++;
		if (mw_proxy_parse(buf, n, true, &p) ||
		    (n > PEEK && mw_proxy_parse(buf, PEEK, false, &p))) {
			fprintf(stderr, "    read as %s: %.40s\n", mw_proxy_proto_name(p.proto),
				line);
			hits++;
		}
	}
	pclose(f);
	ASSERT_TRUE(payloads > 1000, "the captures were read");
	ASSERT_EQ(hits, 0, "no payload of the captures is a proxy request");
	printf("    %u TCP payloads of the captures: %u read as a proxy's\n", payloads, hits);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("http-connect: request lines", t_http_connect, NULL);
	test_run("http-connect: copies cut short", t_http_cut, NULL);
	test_run("socks4 and 4a", t_socks4, NULL);
	test_run("socks5: greeting and request", t_socks5, NULL);
	test_run("other protocols' first messages", t_not_proxies, NULL);
	test_run("real captures: no proxy request", t_captures, NULL);
	return test_summary("proxy");
}
