/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * list.h - parser of blacklist files as others publish them: plain IP and
 * CIDR lines, FireHOL .ipset/.netset, hosts files (0.0.0.0 name), plain
 * domain lists, maltrail trails (IP, IP:port, domain; URL paths skipped) and
 * the network rules of Adblock Plus lists (||name^), and JA4 client
 * fingerprints (t13d1516h2_8daaf6152771_e5627efa2ab1), one a line. Pure: bytes in, entries
 * and line-numbered complaints out, so that it can be fuzzed alone.
 */
#ifndef MW_PARSE_LIST_H
#define MW_PARSE_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "parse/name.h"

#define MW_LIST_LINE_MAX 4096

enum mw_list_kind {
	MW_LIST_PREFIX = 0,
	MW_LIST_DOMAIN = 1,
	MW_LIST_JA4 = 2, /* a TLS client fingerprint (parse/ja4.h) */
};

struct mw_list_entry {
	enum mw_list_kind kind;
	struct mw_prefix prefix; /* MW_LIST_PREFIX */
	uint16_t port; /* MW_LIST_PREFIX: host order, 0 for every port */
	char name[MW_NAME_MAX]; /* MW_LIST_DOMAIN: lower case, no final dot;
				 * MW_LIST_JA4: the fingerprint */
	bool subdomains; /* MW_LIST_DOMAIN: the name's subdomains match too */
};

struct mw_list_report {
	unsigned lines;
	unsigned prefixes; /* entries, by kind */
	unsigned domains;
	unsigned ja4s;
	unsigned malformed; /* lines reported and skipped */
	unsigned unsupported; /* valid for their format, not for a network sensor (URL paths, cosmetic rules) */
};

/* Called for each entry, with its 1-based line number. */
typedef void (*mw_list_entry_fn)(void *arg, const struct mw_list_entry *e, unsigned line);
/* Called for each malformed line: why, and the line's text (shortened). */
typedef void (*mw_list_error_fn)(void *arg, unsigned line, const char *why, const char *text);

/*
 * Parses the list in @buf. Returns 0, or -EINVAL when the bytes are not a
 * list at all (binary data, or no valid entry among malformed lines); the
 * callbacks may have been called before that is known.
 */
int mw_list_parse(const char *buf, size_t len, mw_list_entry_fn on_entry, mw_list_error_fn on_error,
		  void *arg, struct mw_list_report *rep);

#endif
