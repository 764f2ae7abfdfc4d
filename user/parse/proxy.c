// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "parse/proxy.h"

#define SOCKS4_VERSION 4
#define SOCKS5_VERSION 5
#define SOCKS5_ATYP_V4 1
#define SOCKS5_ATYP_NAME 3
#define SOCKS5_ATYP_V6 4
/* "CONNECT " and "HTTP/1.x" */
#define CONNECT_METHOD "CONNECT "
#define HTTP_VERSION "HTTP/1."
/* An authority: a name or bracketed address, ':', five digits. */
#define AUTHORITY_MAX (MW_PROXY_HOST_MAX + 8)

const char *mw_proxy_proto_name(enum mw_proxy_proto proto)
{
	switch (proto) {
	case MW_PROXY_HTTP_CONNECT:
		return "http-connect";
	case MW_PROXY_SOCKS4:
		return "socks4";
	case MW_PROXY_SOCKS4A:
		return "socks4a";
	case MW_PROXY_SOCKS5:
		return "socks5";
	default:
		return "none";
	}
}

const char *mw_proxy_cmd_name(enum mw_proxy_cmd cmd)
{
	switch (cmd) {
	case MW_PROXY_CMD_CONNECT:
		return "connect";
	case MW_PROXY_CMD_BIND:
		return "bind";
	case MW_PROXY_CMD_UDP:
		return "udp-associate";
	default:
		return "none";
	}
}

char *mw_proxy_requested(const struct mw_proxy *p, char *buf, size_t len)
{
	bool v6 = !p->host_is_name && strchr(p->host, ':');

	snprintf(buf, len, "%s%s%s:%u", v6 ? "[" : "", p->host, v6 ? "]" : "", p->port);
	return buf;
}

/* A name the sender chose, made safe to print: printable ASCII only, '?'
 * for any other byte (a NUL, a control byte, invalid UTF-8 would cut or
 * lose the event). */
static void copy_printable(char *dst, size_t cap, const uint8_t *src, size_t n)
{
	size_t i;

	if (n >= cap)
		n = cap - 1;
	for (i = 0; i < n; i++)
		dst[i] = src[i] > ' ' && src[i] < 0x7f ? (char)src[i] : '?';
	dst[i] = '\0';
}

static void set_addr(struct mw_proxy *p, int af, const uint8_t *addr)
{
	inet_ntop(af, addr, p->host, sizeof(p->host));
	p->host_is_name = false;
}

/* A host written in an HTTP authority: an IPv4 address, else a name. */
static void set_http_host(struct mw_proxy *p, const uint8_t *s, size_t n)
{
	uint8_t a4[4];

	copy_printable(p->host, sizeof(p->host), s, n);
	p->host_is_name = inet_pton(AF_INET, p->host, a4) != 1;
}

/* Decimal port of 1 to 5 digits, 1..65535; 0 when it is none. */
static uint16_t parse_port(const uint8_t *s, size_t n)
{
	unsigned v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return v <= 65535 ? (uint16_t)v : 0;
}

/* "host:port" or "[v6]:port" of @n bytes; when @cut, @n may end anywhere
 * in it. Returns false when it is not an authority. */
static bool parse_authority(const uint8_t *s, size_t n, bool cut, struct mw_proxy *p)
{
	const uint8_t *colon, *end;
	uint8_t a6[16];
	char v6[64];

	if (n == 0)
		return false;
	if (s[0] == '[') {
		end = memchr(s, ']', n);
		if (!end && cut) { /* the copy ends inside the address */
			copy_printable(p->host, sizeof(p->host), s + 1, n - 1);
			return n > 1;
		}
		if (!end)
			return false;
		if ((size_t)(end - s - 1) >= sizeof(v6))
			return false;
		memcpy(v6, s + 1, end - s - 1);
		v6[end - s - 1] = '\0';
		if (inet_pton(AF_INET6, v6, a6) != 1)
			return false;
		set_addr(p, AF_INET6, a6);
		colon = end + 1;
		if (colon == s + n)
			return cut;
		if (*colon != ':')
			return false;
	} else {
		colon = s + n;
		while (colon > s && colon[-1] != ':')
			colon--;
		if (colon == s) /* no port */
			return cut ? (set_http_host(p, s, n), true) : false;
		colon--;
		if (colon == s)
			return false;
		set_http_host(p, s, colon - s);
	}
	p->port = parse_port(colon + 1, s + n - colon - 1);
	return p->port || cut;
}

/*
 * "CONNECT authority HTTP/1.x" and the line's end. The method is
 * case-sensitive (RFC 9110 9.1); the copy may end after the authority when
 * it is not @whole.
 */
static bool parse_connect(const uint8_t *buf, size_t len, bool whole, struct mw_proxy *p)
{
	const size_t mlen = sizeof(CONNECT_METHOD) - 1, vlen = sizeof(HTTP_VERSION) - 1;
	size_t i, n, rest;
	const uint8_t *v;

	if (len <= mlen || memcmp(buf, CONNECT_METHOD, mlen))
		return false;
	for (i = mlen; i < len && i - mlen <= AUTHORITY_MAX; i++)
		if (buf[i] == ' ' || buf[i] == '\r' || buf[i] == '\n')
			break;
	n = i - mlen;
	if (n > AUTHORITY_MAX)
		return false;
	if (i == len) { /* the copy ends inside the authority */
		if (whole || !parse_authority(buf + mlen, n, true, p))
			return false;
		p->cut = true;
		return true;
	}
	if (buf[i] != ' ' || !parse_authority(buf + mlen, n, false, p))
		return false;
	v = buf + i + 1;
	rest = len - i - 1;
	/* "HTTP/1.x" then the line's end; a cut copy may stop before */
	if (rest < vlen + 1)
		return !whole && !memcmp(v, HTTP_VERSION, rest);
	if (memcmp(v, HTTP_VERSION, vlen) || v[vlen] < '0' || v[vlen] > '9')
		return false;
	if (rest == vlen + 1)
		return !whole;
	return v[vlen + 1] == '\n' ||
	       (v[vlen + 1] == '\r' && (rest == vlen + 2 || v[vlen + 2] == '\n'));
}

/* SOCKS4: 04 CMD PORT IP USERID 00, and for 4a (IP 0.0.0.x, x != 0) NAME 00
 * after it; nothing after the last NUL. */
static bool parse_socks4(const uint8_t *buf, size_t len, bool whole, struct mw_proxy *p)
{
	const uint8_t *user_end, *name, *name_end;
	size_t left;

	if (len < 9 || buf[0] != SOCKS4_VERSION ||
	    (buf[1] != MW_PROXY_CMD_CONNECT && buf[1] != MW_PROXY_CMD_BIND))
		return false;
	p->cmd = buf[1];
	p->port = (uint16_t)(buf[2] << 8 | buf[3]);
	user_end = memchr(buf + 8, 0, len - 8);
	if (!user_end || !memcmp(buf + 4, "\0\0\0\0", 4))
		return false;
	if (memcmp(buf + 4, "\0\0\0", 3)) {
		p->proto = MW_PROXY_SOCKS4;
		set_addr(p, AF_INET, buf + 4);
		return user_end == buf + len - 1;
	}
	p->proto = MW_PROXY_SOCKS4A;
	p->host_is_name = true;
	name = user_end + 1;
	left = buf + len - name;
	name_end = memchr(name, 0, left);
	if (!name_end) {
		/* the copy ends inside the name */
		if (whole || left == 0)
			return false;
		p->cut = true;
		name_end = name + left;
	} else if (name_end != buf + len - 1 || name_end == name) {
		return false;
	}
	copy_printable(p->host, sizeof(p->host), name, name_end - name);
	return true;
}

/* SOCKS5's request: 05 CMD 00 ATYP ADDR PORT, exactly. */
static bool parse_socks5_request(const uint8_t *buf, size_t len, bool whole, struct mw_proxy *p)
{
	size_t need;

	if (len < 4 || buf[0] != SOCKS5_VERSION || buf[1] < MW_PROXY_CMD_CONNECT ||
	    buf[1] > MW_PROXY_CMD_UDP || buf[2] != 0)
		return false;
	p->proto = MW_PROXY_SOCKS5;
	p->cmd = buf[1];
	switch (buf[3]) {
	case SOCKS5_ATYP_V4:
		if (len != 4 + 4 + 2)
			return false;
		set_addr(p, AF_INET, buf + 4);
		break;
	case SOCKS5_ATYP_V6:
		if (len != 4 + 16 + 2)
			return false;
		set_addr(p, AF_INET6, buf + 4);
		break;
	case SOCKS5_ATYP_NAME:
		if (len < 6 || buf[4] == 0)
			return false;
		need = 5 + buf[4] + 2;
		p->host_is_name = true;
		if (len < need && !whole) {
			/* the copy ends inside the name or the port */
			copy_printable(p->host, sizeof(p->host), buf + 5,
				       len - 5 < buf[4] ? len - 5 : buf[4]);
			p->cut = true;
			return true;
		}
		if (len != need)
			return false;
		copy_printable(p->host, sizeof(p->host), buf + 5, buf[4]);
		break;
	default:
		return false;
	}
	p->port = (uint16_t)(buf[len - 2] << 8 | buf[len - 1]);
	return true;
}

enum mw_proxy_msg mw_proxy_parse(const uint8_t *buf, size_t len, bool whole, struct mw_proxy *p)
{
	size_t greeting;

	memset(p, 0, sizeof(*p));
	if (!buf || len < 3)
		return MW_PROXY_MSG_NONE;
	if (parse_connect(buf, len, whole, p)) {
		p->proto = MW_PROXY_HTTP_CONNECT;
		p->cmd = MW_PROXY_CMD_CONNECT;
		p->msg = MW_PROXY_MSG_REQUEST;
		return p->msg;
	}
	memset(p, 0, sizeof(*p));
	if (parse_socks4(buf, len, whole, p)) {
		p->msg = MW_PROXY_MSG_REQUEST;
		return p->msg;
	}
	memset(p, 0, sizeof(*p));
	if (buf[0] != SOCKS5_VERSION)
		return MW_PROXY_MSG_NONE;
	/* a greeting offers 1..255 methods; its length tells it from a
	 * request (at least 8 bytes, where a greeting of 1..3 methods has
	 * 3..5, and a longer one has no command code as its second byte) */
	greeting = 2 + (size_t)buf[1];
	if (buf[1] && len == greeting) {
		p->proto = MW_PROXY_SOCKS5;
		p->msg = MW_PROXY_MSG_GREETING;
		return p->msg;
	}
	if (parse_socks5_request(buf, len, whole, p) ||
	    (buf[1] && len > greeting &&
	     (memset(p, 0, sizeof(*p)),
	      parse_socks5_request(buf + greeting, len - greeting, whole, p)))) {
		p->msg = MW_PROXY_MSG_REQUEST;
		return p->msg;
	}
	memset(p, 0, sizeof(*p));
	return MW_PROXY_MSG_NONE;
}
