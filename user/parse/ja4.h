/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ja4.h - the JA4 fingerprint of a TLS ClientHello (FoxIO's JA4 client
 * fingerprint, the BSD-3-Clause part of JA4+; technical_details/JA4.md),
 * computed from the bytes a client of this host sent.
 */
#ifndef MW_PARSE_JA4_H
#define MW_PARSE_JA4_H

#include <stddef.h>
#include <stdint.h>

/* "t13d1516h2_8daaf6152771_e5627efa2ab1" and its NUL */
#define MW_JA4_LEN 37

/*
 * Writes the JA4 of the ClientHello in @rec (one TLS handshake record that
 * holds the whole message, from its record header) into @out. Returns 0,
 * or -EINVAL when the bytes are not one whole ClientHello (cut short,
 * lengths that disagree, another record type, more than MW_JA4_ITEMS
 * ciphers, extensions or signature algorithms).
 */
int mw_ja4(const uint8_t *rec, size_t len, char out[MW_JA4_LEN]);

/*
 * Reads a JA4 fingerprint as a person writes it (a list's line): the
 * shape "t13d1516h2_8daaf6152771_e5627efa2ab1", its hashes' hex digits
 * in either case, into @out (hashes in lower case, as mw_ja4 writes
 * them). Returns 0 or -EINVAL.
 */
int mw_ja4_parse(const char *s, char out[MW_JA4_LEN]);

/* No ClientHello that fits a record has more of one list than this. */
#define MW_JA4_ITEMS 8192

#endif
