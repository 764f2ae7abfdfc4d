/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * policy.h - the one place where minewall blocks and unblocks. Every request
 * (a detector's or the CLI's) goes through the allowlist, escalation, the
 * cap and dry-run; accepted changes are queued and applied once per cycle:
 * one nftables transaction, and the XDP fast-drop maps at once. A ledger
 * under the state directory (enforce/ledger.c) keeps reasons and offence
 * counts across restarts; the nft sets keep the blocks themselves.
 */
#ifndef MW_ENFORCE_POLICY_H
#define MW_ENFORCE_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/addr.h"
#include "parse/config.h"
#include "enforce/allow.h"
#include "enforce/ledger.h"
#include "enforce/nft.h"
#include "output/eve.h"

struct mw_block_req {
	struct mw_prefix target; /* an address (len 128) or a prefix */
	uint64_t timeout_ms; /* 0: the policy decides (ban_time, escalation) */
	bool permanent;
	bool exact; /* an IPv6 address stays /128 (the CLI asked for it) */
	/* decided elsewhere (the fleet's LAPI): not an offence of this host's
	 * (no escalation), and an active block at least as long stays as it
	 * is, its method and reason untouched */
	bool elsewhere;
	const char *reason;
	const char *method;
	/* A container block (issue 19; the caller asks for one when
	 * [containers] block_scope = container): the remote, an exact address,
	 * cut off for this container only, in nftables' cblock4/6 (its address)
	 * and cgblock4/6 (its cgroup), never in the XDP map; the allowlist, the
	 * cap (shared with the host's blocks) and the ban times as for any
	 * block; escalation counted per container and remote. NULL: a block for
	 * the whole host. Copied: the caller's struct may go at once. */
	const struct mw_ct_scope *container;
};

/* What happened to a request, for the caller and for the events. */
enum mw_block_result {
	MW_BLOCKED = 0, /* new block, or a longer one */
	MW_BLOCK_KEPT, /* already blocked at least as long */
	MW_DRY_RUN, /* would have been blocked */
	MW_REFUSED_ALLOW, /* allowlisted: never blocked */
	MW_REFUSED_CAP, /* the cap on blocked entries is reached */
	MW_REFUSED_SHARE, /* the method holds its share of the cap (method_share) */
	MW_REFUSED_SCOPE, /* a container block that names no container, or of a prefix */
};

/* The operator's method: `minewall block` is never held to a share. */
#define MW_METHOD_MANUAL "MANUAL"

/* Called for every block and unblock that takes effect (the response hook,
 * the events file, the fleet) with @type "block" or "unblock", the entry
 * as it now is, the EVE action ("blocked", "dry-run", "unblocked",
 * "expired") and its EVE record (mw_eve_enforcement), which it takes
 * over; @ev is NULL when that could not be built (out of memory). */
typedef void (*mw_policy_notify_fn)(void *arg, const char *type, const struct mw_block_entry *e,
				    const char *action, json_t *ev);

struct mw_policy {
	const struct mw_config *cfg;
	struct mw_nft *nft; /* NULL in dry-run tests without nftables */
	struct mw_allow *allow;
	int block_fd, block_net_fd; /* XDP fast-drop maps; -1 when absent */
	volatile __u32 *nr_blocked, *nr_blocked_net;
	/* every entry in the order it came (the ledger, the listings walk
	 * it), inactive ones kept for escalation until forget_ms */
	struct mw_block_entry *entries;
	size_t n, cap;
	/* The index by prefix, so that a request is O(1) however many entries
	 * there are: open addressing, linear probing, slot = entry number + 1
	 * (0: empty), at most half full. Entries are only ever removed by the
	 * tick's compaction, which rebuilds it: no tombstones. NULL after a
	 * failed allocation: lookups then walk the array (slow, still right). */
	uint32_t *index;
	size_t index_cap; /* a power of two */
	uint64_t hash_key[2]; /* random: sources cannot be chosen to collide */
	uint32_t n_len[129]; /* entries by prefix length: an unblock by address
			      * probes only the lengths in use */
	/* active entries, kept as entries change, read in O(1) by the cap and
	 * the share: in all, with prefix length 128 (the XDP exact map), and by
	 * method (enum mw_method; MW_M_MAX: MANUAL, never held to a share and
	 * so not counted against the other unnamed methods) */
	size_t n_active, n_active_exact;
	size_t active_by[MW_M_MAX + 1];
	/* container blocks, apart: few (containers x remotes), walked, never
	 * in the XDP maps; inactive ones kept for escalation like the others */
	struct mw_ct_block *ct;
	size_t n_ct, cap_ct, n_ct_active;
	bool ct_dirty;
	char ct_ledger_path[PATH_MAX];
	struct mw_nft_op *pending;
	size_t n_pending, cap_pending;
	bool dirty; /* the ledger must be written */
	/* the tick writes the ledger no sooner than this (mw_now_ns): 20
	 * times its last write took, when that was long (at 100k entries a
	 * write takes ~0.5 s, and during an attack every tick has a change) */
	uint64_t ledger_next_ns;
	char ledger_path[PATH_MAX];
	mw_policy_notify_fn notify;
	void *notify_arg;
	/* counters */
	uint64_t blocks, unblocks, refused_allow, refused_cap, dry_runs, nft_errors;
	bool cap_warned;
	/* the share of the cap per method: refusals by method (enum
	 * mw_method; others under MW_M_OTHER), warned once until it eases */
	uint64_t refused_share[MW_M_MAX];
	bool share_warned[MW_M_MAX];
};

/* What the policy acts through, given once at init. */
struct mw_policy_deps {
	struct mw_nft *nft; /* NULL: no nftables, nothing enforced but the XDP maps */
	struct mw_allow *allow;
	int block_fd, block_net_fd; /* XDP fast-drop maps; -1 when absent */
	volatile __u32 *nr_blocked, *nr_blocked_net; /* the datapath's counts; NULL: none */
	mw_policy_notify_fn notify; /* NULL: nobody listens */
	void *notify_arg;
};

/* Loads the ledger. Returns 0 or -errno; a corrupt ledger is reported line
 * by line, kept aside, and the good lines used. */
int mw_policy_init(struct mw_policy *p, const struct mw_config *cfg,
		   const struct mw_policy_deps *deps);
void mw_policy_free(struct mw_policy *p);
/* Reconciles the ledger with the nft sets at start: adopts blocks found in
 * the sets, re-adds ledger blocks missing from them (when @table_ok; else the
 * caller rebuilds the table next), refills the XDP maps. */
int mw_policy_reconcile(struct mw_policy *p, bool table_ok);
/* Rebuilds the nft table (after someone deleted or flushed it) and puts back
 * every active block and the allowlist. */
int mw_policy_rebuild(struct mw_policy *p);

/* Makes the nft allow sets hold the allowlist (one transaction). */
int mw_policy_sync_allow(struct mw_policy *p);

enum mw_block_result mw_policy_block(struct mw_policy *p, const struct mw_block_req *req, char *msg,
				     size_t msglen);
/* A detector's block: mw_policy_block, a refusal logged under the request's
 * method, and the outcome as the EVE action ("blocked", "dry-run", "alert"). */
const char *mw_policy_block_detection(struct mw_policy *p, const struct mw_block_req *req);
/* Unblocks the entry whose prefix or offending address is @target, and
 * every container block of a remote inside @target. Returns 0, or -ENOENT
 * when nothing blocks it. */
int mw_policy_unblock(struct mw_policy *p, const struct mw_prefix *target, char *msg,
		      size_t msglen);
/* Unblocks the container blocks of a remote inside @target for the
 * container @container names (its id or the start of it, its name, its
 * address, or its cgroup id in decimal; NULL: every container). Returns the
 * number unblocked, or -ENOENT with why in @msg. */
int mw_policy_unblock_ct(struct mw_policy *p, const struct mw_prefix *target, const char *container,
			 char *msg, size_t msglen);
/* Active container blocks. */
size_t mw_policy_ct_active(const struct mw_policy *p);
/* The active entry that blocks exactly @prefix; NULL: none. */
const struct mw_block_entry *mw_policy_find(const struct mw_policy *p,
					    const struct mw_prefix *prefix);
/* Unblocks the entry of exactly @prefix when it is active and of @method
 * (the fleet lifts only what the fleet blocked). Returns 0 or -ENOENT. */
int mw_policy_unblock_exact(struct mw_policy *p, const struct mw_prefix *prefix,
			    const char *method);
/* Unblocks everything. */
int mw_policy_flush(struct mw_policy *p);
/* Applies what is queued: one nft transaction. Returns failed ops or -errno. */
int mw_policy_commit(struct mw_policy *p);
/* Ends expired blocks (the XDP maps; nft expires its own), forgets old
 * history, writes the ledger when it changed. */
void mw_policy_tick(struct mw_policy *p);
int mw_policy_save(struct mw_policy *p);
/* Active entries. */
size_t mw_policy_active(const struct mw_policy *p);
/* Active entries of @method (as a share counts them: names that are not one
 * of enum mw_method's count together, MANUAL apart). */
size_t mw_policy_active_method(const struct mw_policy *p, const char *method);
/* A debug check (the unit tests): walks every entry and compares the index
 * and the kept counts with what it finds. Returns 0, or -EUCLEAN with what
 * differs in @why. O(n). */
int mw_policy_check(const struct mw_policy *p, char *why, size_t len);
/* How many entries one method may hold: enforce.method_share percent of
 * max_blocks, at least one. */
uint64_t mw_policy_share_limit(const struct mw_config *cfg);
/* The ban an offence gets: ban_time x escalation^(count-1), at most ban_time_max. */
uint64_t mw_policy_ban_ms(const struct mw_config *cfg, uint32_t count);

#endif
