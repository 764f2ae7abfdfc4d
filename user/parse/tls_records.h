/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tls_records.h - a ClientHello fragmented over several handshake records
 * (RFC 8446 5.1 allows it; a client may do it to hide its SNI, or its
 * fingerprint, from a reader of the first record): the records' payloads
 * joined into one handshake message, for tls.c and ja4.c alike.
 */
#ifndef MW_PARSE_TLS_RECORDS_H
#define MW_PARSE_TLS_RECORDS_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Joins the payloads of the handshake records in @b (@len bytes, from the
 * first record's header) into @out (@cap bytes) until @hs_len bytes of the
 * message are held, the bytes end, or @out is full; *@n_out says how many.
 * Returns 0, or -EINVAL for a record that is no TLS handshake record or an
 * empty one (RFC 8446: no empty handshake fragment).
 */
static inline int mw_tls_join_records(const uint8_t *b, size_t len, size_t hs_len, uint8_t *out,
				      size_t cap, size_t *n_out)
{
	size_t off = 0, n = 0, rl, take;

	while (off + 5 <= len && n < cap && n < hs_len) {
		if (b[off] != 0x16 || b[off + 1] != 3)
			return -EINVAL;
		rl = (size_t)b[off + 3] << 8 | b[off + 4];
		if (rl == 0)
			return -EINVAL;
		take = rl;
		if (take > len - off - 5)
			take = len - off - 5;
		if (take > cap - n)
			take = cap - n;
		memcpy(out + n, b + off + 5, take);
		n += take;
		off += 5 + rl;
	}
	*n_out = n;
	return 0;
}

#endif
