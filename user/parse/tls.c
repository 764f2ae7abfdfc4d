// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include "minewall.h"
#include "parse/tls.h"
#include "parse/tls_records.h"

#define TLS_HANDSHAKE 0x16
#define TLS_CLIENT_HELLO 0x01
#define TLS_EXT_SERVER_NAME 0x0000
#define SNI_HOST_NAME 0
#define REC_HDR 5 /* type, version, length */
#define HS_HDR 4 /* type, 24-bit length */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Moves *@off past a vector with an @width-byte length; -EAGAIN if the
 * copy ends first, -EINVAL if it overruns @limit (the enclosing length). */
static int skip_vector(const uint8_t *b, size_t len, size_t *off, unsigned width, size_t limit)
{
	size_t n;

	if (*off + width > len)
		return -EAGAIN;
	n = width == 1 ? b[*off] : get16(b + *off);
	if (*off + width + n > limit)
		return -EINVAL;
	*off += width + n;
	return *off > len ? -EAGAIN : 0;
}

/* The SNI of the ClientHello message @h (from its handshake header; @len
 * bytes of it copied, @hs_end its whole length). */
static int hello_sni(const uint8_t *h, size_t len, size_t hs_end, char *sni)
{
	size_t off = HS_HDR + 2 + 32, ext_end; /* client_version, random */
	int err;

	if (off > hs_end)
		return -EINVAL;
	err = skip_vector(h, len, &off, 1, hs_end); /* session_id */
	if (!err)
		err = skip_vector(h, len, &off, 2, hs_end); /* cipher_suites */
	if (!err)
		err = skip_vector(h, len, &off, 1, hs_end); /* compression_methods */
	if (err)
		return err;
	if (off == hs_end)
		return -ENOENT; /* no extensions at all */
	if (off + 2 > len)
		return -EAGAIN;
	ext_end = off + 2 + get16(h + off);
	if (ext_end > hs_end)
		return -EINVAL;
	off += 2;
	while (off + 4 <= ext_end) {
		uint16_t type, elen;

		if (off + 4 > len)
			return -EAGAIN;
		type = get16(h + off);
		elen = get16(h + off + 2);
		off += 4;
		if (off + elen > ext_end)
			return -EINVAL;
		if (type != TLS_EXT_SERVER_NAME) {
			off += elen;
			continue;
		}
		/* server_name_list: 2-byte length, then type, 2-byte length, name */
		if (off + elen > len)
			return -EAGAIN;
		if (elen < 5 || h[off + 2] != SNI_HOST_NAME ||
		    5 + (size_t)get16(h + off + 3) > elen)
			return -EINVAL;
		if (mw_name_normalise((const char *)h + off + 5, get16(h + off + 3), sni))
			return -EINVAL;
		return 0;
	}
	return off > len ? -EAGAIN : -ENOENT;
}

/* A ClientHello fragmented over several handshake records: joined, then
 * read as one message. */
static int split_hello_sni(const uint8_t *b, size_t len, size_t hs_end, char *sni)
{
	uint8_t hs[MW_TLS_REASM_MAX];
	size_t n;

	if (mw_tls_join_records(b, len, hs_end, hs, sizeof(hs), &n))
		return -EINVAL;
	return hello_sni(hs, n, hs_end, sni);
}

int mw_tls_sni(const uint8_t *b, size_t len, char *sni)
{
	size_t rec_end, hs_end;

	/* record: type, version, length; handshake: type, 24-bit length */
	if (len < REC_HDR + HS_HDR)
		return len >= 1 && b[0] != TLS_HANDSHAKE ? -EINVAL : -EAGAIN;
	if (b[0] != TLS_HANDSHAKE || b[1] != 3 || b[5] != TLS_CLIENT_HELLO)
		return -EINVAL;
	rec_end = REC_HDR + (size_t)get16(b + 3);
	hs_end = HS_HDR + ((size_t)b[6] << 16 | (size_t)b[7] << 8 | b[8]);
	if (REC_HDR + hs_end > rec_end)
		return split_hello_sni(b, len, hs_end, sni);
	return hello_sni(b + REC_HDR, (len < rec_end ? len : rec_end) - REC_HDR, hs_end, sni);
}

int mw_tls_sni_scan(const uint8_t *b, size_t len, char *sni)
{
	size_t i, nlen;

	/* server_name_list: its length, name type 0, name length, the name
	 * (a dotted one): what a cut before it leaves the fewest bytes of */
	for (i = 0; i + 5 <= len; i++) {
		if (b[i + 2] != SNI_HOST_NAME)
			continue;
		nlen = get16(b + i + 3);
		if (nlen < 3 || get16(b + i) != nlen + 3 || i + 5 + nlen > len ||
		    !memchr(b + i + 5, '.', nlen))
			continue;
		if (!mw_name_normalise((const char *)b + i + 5, nlen, sni))
			return 0;
	}
	return -ENOENT;
}
