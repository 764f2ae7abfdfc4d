/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tls_build.h - a TLS ClientHello written byte by byte for the tests
 * (RFC 8446 4.1.2 layout), with its server_name where the test wants it:
 * after a padding extension of a chosen size, in one record or fragmented
 * over two.
 */
#ifndef MW_TLS_BUILD_H
#define MW_TLS_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void tls_put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Writes into @buf (room for @pad + 200 + strlen(@name) bytes) a ClientHello
 * naming @name, its server_name extension after @pad bytes of padding
 * (extension 21); when @split is not 0, the handshake message is cut in two
 * records after its @split-th byte. Returns the bytes written.
 */
static inline size_t tls_hello(uint8_t *buf, const char *name, size_t pad, size_t split)
{
	uint8_t hs[4096];
	size_t n = 4, nl = strlen(name), ext, out;

	hs[0] = 1; /* ClientHello */
	hs[n++] = 3, hs[n++] = 3; /* legacy_version */
	memset(hs + n, 0xab, 32), n += 32; /* random */
	hs[n++] = 32, memset(hs + n, 0xcd, 32), n += 32; /* session id */
	tls_put16(hs + n, 4), n += 2; /* two cipher suites */
	tls_put16(hs + n, 0x1301), tls_put16(hs + n + 2, 0x1302), n += 4;
	hs[n++] = 1, hs[n++] = 0; /* compression: null */
	ext = n, n += 2;
	tls_put16(hs + n, 21), tls_put16(hs + n + 2, pad), n += 4; /* padding */
	memset(hs + n, 0, pad), n += pad;
	tls_put16(hs + n, 0), tls_put16(hs + n + 2, nl + 5), n += 4; /* server_name */
	tls_put16(hs + n, nl + 3), hs[n + 2] = 0, tls_put16(hs + n + 3, nl), n += 5;
	memcpy(hs + n, name, nl), n += nl;
	tls_put16(hs + ext, n - ext - 2);
	hs[1] = (uint8_t)((n - 4) >> 16), tls_put16(hs + 2, n - 4);
	if (!split || split >= n)
		split = n;
	buf[0] = 0x16, buf[1] = 3, buf[2] = 1, tls_put16(buf + 3, split);
	memcpy(buf + 5, hs, split);
	out = 5 + split;
	if (split < n) {
		buf[out] = 0x16, buf[out + 1] = 3, buf[out + 2] = 3;
		tls_put16(buf + out + 3, n - split);
		memcpy(buf + out + 5, hs + split, n - split);
		out += 5 + n - split;
	}
	return out;
}

#endif
