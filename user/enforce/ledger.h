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

/* The container a block is scoped to (issue 19): it is cut off from the
 * remote, the host and the other containers are not. */
struct mw_ct_scope {
	/* its own address on its bridge (before masquerade): the forward
	 * chain's cblock4/6; all zero: unknown (a container in the host's
	 * network namespace has none of its own) */
	struct mw_addr addr;
	uint64_t cgroup_id; /* its cgroup v2 id: the output chain's cgblock4/6; 0: unknown */
	char id[65]; /* the runtime's id, for people; may be empty */
	char name[128]; /* its name, for people; may be empty */
};

/* Whether @ct names an address of the container's own. */
bool mw_ct_scope_has_addr(const struct mw_ct_scope *ct);
/* {"id", "name", "addr" ("" when none), "cgroup_id"}: as the ledger, the
 * events and the listings show a container. NULL: out of memory, or a
 * name that is no text. */
struct json_t;
struct json_t *mw_ct_scope_json(const struct mw_ct_scope *ct);

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
	/* the container of a container block, as the policy hands an entry to
	 * its listeners; NULL: a block for the whole host */
	const struct mw_ct_scope *ct;
};

/* A container block: the remote (prefix, length 128) cut off for one
 * container only. */
struct mw_ct_block {
	struct mw_block_entry b;
	struct mw_ct_scope ct;
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

/* The container blocks' ledger, the same lines with a "container" object. */
int mw_ledger_save_ct(const char *path, const struct mw_ct_block *entries, size_t n);
typedef void (*mw_ledger_add_ct_fn)(void *arg, const struct mw_ct_block *c);
int mw_ledger_load_ct(const char *path, mw_ledger_add_ct_fn add, void *arg, bool *rewrite);

/* The method and reason of a block found in nftables without a ledger
 * entry, from the element's comment "METHOD: reason" that minewall writes. */
void mw_ledger_adopt_comment(struct mw_block_entry *e, const char *comment);

#endif
