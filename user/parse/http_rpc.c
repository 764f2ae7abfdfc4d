// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "parse/http_rpc.h"

#define POST "POST "
#define HEADERS_MAX 64 /* header lines read; a request with more is no node call */

int mw_http_rpc_may_start(const uint8_t *buf, size_t len)
{
	return len >= sizeof(POST) - 1 && !memcmp(buf, POST, sizeof(POST) - 1);
}

/* The line at @buf + @pos: its length without CR LF (or LF) in *@n; the
 * offset after its end, or 0 when the line is cut. */
static size_t line_at(const uint8_t *buf, size_t len, size_t pos, size_t *n)
{
	const uint8_t *nl = memchr(buf + pos, '\n', len - pos);
	size_t end;

	if (!nl)
		return 0;
	end = (size_t)(nl - buf);
	*n = end - pos;
	if (*n && buf[end - 1] == '\r')
		(*n)--;
	return end + 1;
}

/* Copies @n bytes of @src into @dst (@len with its NUL, cut to fit):
 * printable ASCII only, '?' for any other byte (they reach events). */
static void copy_printable(char *dst, size_t len, const uint8_t *src, size_t n)
{
	size_t k;

	for (k = 0; k < n && k + 1 < len; k++)
		dst[k] = src[k] >= ' ' && src[k] < 0x7f ? (char)src[k] : '?';
	dst[k] = '\0';
}

/* "POST <target> HTTP/1.x": the target copied into @r->path. */
static int request_line(const uint8_t *l, size_t n, struct mw_http_rpc *r)
{
	size_t i = sizeof(POST) - 1, start = i;
	static const char ver[] = " HTTP/1.";

	while (i < n && l[i] > ' ' && l[i] < 0x7f)
		i++;
	if (i == start || n != i + sizeof(ver) || memcmp(l + i, ver, sizeof(ver) - 1) ||
	    (l[n - 1] != '0' && l[n - 1] != '1'))
		return -EINVAL;
	copy_printable(r->path, sizeof(r->path), l + start, i - start);
	return 0;
}

/* Whether header line @l (@n bytes) is named @name (followed by ':'). */
static int named(const uint8_t *l, size_t n, const char *name)
{
	size_t k = strlen(name);

	return n > k && l[k] == ':' && !strncasecmp((const char *)l, name, k);
}

/* One header line: "Name: value"; the two that matter are kept. */
static int header(const uint8_t *l, size_t n, struct mw_http_rpc *r)
{
	size_t i = 0, v;
	long long cl = 0;

	while (i < n && l[i] != ':') {
		/* a token (RFC 9110): no blank, no control, no separator */
		if (l[i] <= ' ' || l[i] >= 0x7f || strchr("\"(),/;<=>?@[\\]{}", l[i]))
			return -EINVAL;
		i++;
	}
	if (i == 0 || i == n)
		return -EINVAL;
	for (v = i + 1; v < n && (l[v] == ' ' || l[v] == '\t'); v++)
		;
	if (named(l, n, "Content-Length")) {
		if (v == n)
			return -EINVAL;
		for (; v < n && l[v] != ' ' && l[v] != '\t'; v++) {
			if (!isdigit(l[v]) || cl > 100000000000LL)
				return -EINVAL;
			cl = cl * 10 + (l[v] - '0');
		}
		r->content_length = cl;
	} else if (named(l, n, "Content-Type")) {
		r->json = memmem(l + v, n - v, "json", 4) != NULL;
	} else if (named(l, n, "X-Mining-Extensions")) {
		r->mining_ext = 1;
	} else if (named(l, n, "User-Agent")) {
		copy_printable(r->agent, sizeof(r->agent), l + v, n - v);
	}
	return 0;
}

int mw_http_rpc_parse(const uint8_t *buf, size_t len, struct mw_http_rpc *r)
{
	size_t pos, next, n;
	unsigned lines;

	memset(r, 0, sizeof(*r));
	r->content_length = -1;
	if (!mw_http_rpc_may_start(buf, len))
		return -EINVAL;
	next = line_at(buf, len, 0, &n);
	if (!next)
		return memchr(buf, '\0', len) ? -EINVAL : -EAGAIN;
	if (request_line(buf, n, r))
		return -EINVAL;
	for (lines = 0, pos = next; lines <= HEADERS_MAX; lines++, pos = next) {
		if (pos >= len)
			return -EAGAIN;
		next = line_at(buf, len, pos, &n);
		if (!next)
			return -EAGAIN;
		if (n == 0) {
			r->body_off = next;
			r->body_len = len - next;
			if (r->content_length >= 0 && (long long)r->body_len > r->content_length)
				r->body_len = (size_t)r->content_length;
			return 0;
		}
		if (header(buf + pos, n, r))
			return -EINVAL;
	}
	return -EINVAL;
}
