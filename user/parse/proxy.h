/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * proxy.h - a client's request to a proxy, read from the first bytes it
 * sends: HTTP CONNECT's request line (RFC 9110 9.3.6, "CONNECT host:port
 * HTTP/1.x", an IPv6 host in brackets), SOCKS4 and its 4a extension (a
 * name after the user id when the address is 0.0.0.x), SOCKS5's greeting
 * (RFC 1928: 05 NMETHODS METHODS) and request (05 CMD 00 ATYP ADDR PORT:
 * IPv4, a name, IPv6; CONNECT, BIND, UDP ASSOCIATE).
 *
 * The bytes are whoever sent them: each message must be whole and alone
 * (a client waits for the proxy's reply before it sends more), so that
 * their exact length, not a few leading bytes, makes the match; names are
 * bounded and made printable, and nothing read is trusted for more than a
 * report.
 */
#ifndef MW_PARSE_PROXY_H
#define MW_PARSE_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mw_proxy_proto {
	MW_PROXY_NONE = 0,
	MW_PROXY_HTTP_CONNECT,
	MW_PROXY_SOCKS4,
	MW_PROXY_SOCKS4A,
	MW_PROXY_SOCKS5,
};

/* What the message is: a SOCKS5 greeting names no destination yet. */
enum mw_proxy_msg {
	MW_PROXY_MSG_NONE = 0,
	MW_PROXY_MSG_GREETING,
	MW_PROXY_MSG_REQUEST,
};

/* SOCKS's command codes (HTTP's CONNECT is the first). */
enum mw_proxy_cmd {
	MW_PROXY_CMD_NONE = 0,
	MW_PROXY_CMD_CONNECT = 1,
	MW_PROXY_CMD_BIND = 2,
	MW_PROXY_CMD_UDP = 3, /* SOCKS5's UDP ASSOCIATE */
};

/* A DNS name (255 bytes in SOCKS5 and 4a, 253 in DNS) or an address. */
#define MW_PROXY_HOST_MAX 256
/* "host:port", an IPv6 address in brackets */
#define MW_PROXY_REQUESTED_MAX (MW_PROXY_HOST_MAX + 8)

/*
 * @host is printable ASCII, any other byte '?' (the sender chose them);
 * an address is written as inet_ntop does. @cut: the copy ended inside the
 * request line or the name (only when the parse was told the copy is not
 * the whole message): @host is its start, @port may be 0.
 */
struct mw_proxy {
	enum mw_proxy_proto proto;
	enum mw_proxy_msg msg;
	enum mw_proxy_cmd cmd;
	char host[MW_PROXY_HOST_MAX];
	uint16_t port;
	bool host_is_name; /* a name for the proxy to resolve, not an address */
	bool cut;
};

/*
 * Reads @buf, the first @len bytes of a message a client sent on its
 * connection to a proxy; @whole: they are all of it (false when the copy
 * was cut short: then a SOCKS name or an HTTP request line may end at the
 * copy's end, and @p says @cut). A SOCKS5 greeting and request sent in one
 * go read as the request. Returns the message's kind (MW_PROXY_MSG_NONE
 * when it is none of these, @p then zeroed).
 */
enum mw_proxy_msg mw_proxy_parse(const uint8_t *buf, size_t len, bool whole, struct mw_proxy *p);

/* "socks5", "socks4", "socks4a", "http-connect" ("none"). */
const char *mw_proxy_proto_name(enum mw_proxy_proto proto);
/* "connect", "bind", "udp-associate" ("none"). */
const char *mw_proxy_cmd_name(enum mw_proxy_cmd cmd);
/* Writes "host:port" ("[v6]:port" for an IPv6 address) into @buf; returns
 * @buf. */
char *mw_proxy_requested(const struct mw_proxy *p, char *buf, size_t len);

#endif
