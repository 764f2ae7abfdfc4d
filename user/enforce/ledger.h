/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ledger.h - the blocks' ledger: one JSON object a line under the state
 * directory, so that reasons and offence counts outlive a restart (the nft
 * sets keep the blocks themselves). The policy owns the entries; this file
 * only writes and reads them.
 */
#ifndef MW_ENFORCE_LEDGER_H
#define MW_ENFORCE_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

#define MW_REASON_MAX 96
#define MW_METHOD_MAX 16

struct mw_block_entry {
	struct mw_prefix prefix; /* what is blocked */
	struct mw_addr seen; /* the address that offended (inside prefix) */
	char reason[MW_REASON_MAX];
	char method[MW_METHOD_MAX];
	uint32_t count; /* offences, for escalation */
	int64_t first_s, last_s; /* wall clock */
	int64_t expires_s; /* wall clock; 0: permanent */
	uint64_t timeout_ms; /* the ban given last time */
	bool active;
};

/* Writes the @n entries to @path atomically (lib/statefile.h). An entry
 * whose text cannot be encoded is written with a placeholder reason, never
 * left out. Returns 0 or -errno. */
int mw_ledger_save(const char *path, const struct mw_block_entry *entries, size_t n);

/* Takes one entry read from the ledger. */
typedef void (*mw_ledger_add_fn)(void *arg, const struct mw_block_entry *e);

/* Reads @path and hands each good entry to @add. A bad line is reported and
 * skipped, and the original kept aside as @path.corrupt-TIME; *@rewrite
 * then says the ledger should be written again (so does an entry whose
 * address lies outside its prefix, which is mended). A missing ledger is
 * empty. Returns 0 or -errno. */
int mw_ledger_load(const char *path, mw_ledger_add_fn add, void *arg, bool *rewrite);

/* The method and reason of a block found in nftables without a ledger
 * entry, from the element's comment "METHOD: reason" that minewall writes. */
void mw_ledger_adopt_comment(struct mw_block_entry *e, const char *comment);

#endif
