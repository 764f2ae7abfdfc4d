/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * doh.h - the well-known DNS-over-HTTPS endpoints: names (a name covers its
 * subdomains) and addresses, read from lists in the blacklists' formats
 * (parse/list.h: one address, prefix, ADDR:PORT or name a line, hosts
 * files, '#' comments). A process that resolves names through one of them
 * goes around the host's resolvers, and around what minewall learns from
 * their answers. Plain C over plain data.
 */
#ifndef MW_DETECT_DOH_H
#define MW_DETECT_DOH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/addr.h"
#include "parse/list.h"

/* Entries held at most, over every list. */
#define MW_DOH_MAX 65536U
/* Lists held at most. */
#define MW_DOH_LISTS_MAX 16

/* One endpoint, and where it was read. */
struct mw_doh_entry {
	struct mw_list_entry e;
	uint16_t list; /* index in mw_doh.lists */
	unsigned line;
};

struct mw_doh {
	struct mw_doh_entry *e;
	size_t n, cap;
	char *lists[MW_DOH_LISTS_MAX]; /* their names, as given to mw_doh_load */
	unsigned n_lists;
};

void mw_doh_free(struct mw_doh *t);
/*
 * Adds the list in @buf, named @src in messages and matches. A bad line is
 * reported on @err as "SRC:LINE: why: text" and skipped. Returns 0,
 * -EINVAL (not a list: binary data, or more bad lines than entries; nothing
 * of it kept), -E2BIG (past MW_DOH_MAX entries or MW_DOH_LISTS_MAX lists:
 * the rest is dropped) or -ENOMEM.
 */
int mw_doh_load(struct mw_doh *t, const char *buf, size_t len, const char *src, FILE *err);
/* The endpoint named @name (normalised, from a ClientHello's SNI), or NULL. */
const struct mw_doh_entry *mw_doh_find_name(const struct mw_doh *t, const char *name);
/* The endpoint at @addr, port @port (host order), or NULL. */
const struct mw_doh_entry *mw_doh_find_addr(const struct mw_doh *t, const struct mw_addr *addr,
					    uint16_t port);
/* "NAME" or "ADDRESS[/LEN][:PORT]" of @d, in @buf. */
const char *mw_doh_entry_str(const struct mw_doh_entry *d, char *buf, size_t len);

/*
 * Whether a process may use DoH: @clients is a comma-separated list of
 * program names (browsers); a name matches the executable's base
 * name, alone or followed by '-', '_' or '.' ("firefox" is firefox-esr's
 * too), and the thread's name @comm only when the executable is unknown
 * (a thread names itself: Firefox resolves from its "Socket Thread").
 */
bool mw_doh_client(const char *clients, const char *exe, const char *comm);

#endif
