// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include "parse/tls.h"

#define TLS_HANDSHAKE 0x16
#define TLS_CLIENT_HELLO 0x01
#define TLS_EXT_SERVER_NAME 0x0000
#define SNI_HOST_NAME 0

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

int mw_tls_sni(const uint8_t *b, size_t len, char *sni)
{
	size_t off, hs_end, ext_end;
	int err;

	/* record: type, version, length; handshake: type, 24-bit length */
	if (len < 9)
		return len >= 1 && b[0] != TLS_HANDSHAKE ? -EINVAL : -EAGAIN;
	if (b[0] != TLS_HANDSHAKE || b[1] != 3 || b[5] != TLS_CLIENT_HELLO)
		return -EINVAL;
	hs_end = 9 + ((size_t)b[6] << 16 | (size_t)b[7] << 8 | b[8]);
	if (hs_end > 5 + (size_t)get16(b + 3))
		hs_end = 5 + (size_t)get16(
				     b + 3); /* a ClientHello split over records: read the first */
	off = 9 + 2 + 32; /* client_version, random */
	if (off > hs_end)
		return -EINVAL;
	err = skip_vector(b, len, &off, 1, hs_end); /* session_id */
	if (!err)
		err = skip_vector(b, len, &off, 2, hs_end); /* cipher_suites */
	if (!err)
		err = skip_vector(b, len, &off, 1, hs_end); /* compression_methods */
	if (err)
		return err;
	if (off == hs_end)
		return -ENOENT; /* no extensions at all */
	if (off + 2 > len)
		return -EAGAIN;
	ext_end = off + 2 + get16(b + off);
	if (ext_end > hs_end)
		return -EINVAL;
	off += 2;
	while (off + 4 <= ext_end) {
		uint16_t type, elen;

		if (off + 4 > len)
			return -EAGAIN;
		type = get16(b + off);
		elen = get16(b + off + 2);
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
		if (elen < 5 || b[off + 2] != SNI_HOST_NAME ||
		    5 + (size_t)get16(b + off + 3) > elen)
			return -EINVAL;
		if (mw_name_normalise((const char *)b + off + 5, get16(b + off + 3), sni))
			return -EINVAL;
		return 0;
	}
	return off > len ? -EAGAIN : -ENOENT;
}
