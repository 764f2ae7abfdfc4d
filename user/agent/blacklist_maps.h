/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * blacklist_maps.h - the blacklist tries in the kernel. A trie is never edited
 * into a new list: a new one is created with the room it needs, filled, and
 * put into slot 0 of mw_blacklist4/6 in one map update, so the datapath
 * sees the old lists or the new ones and never a half-built mix or nothing.
 * Learned addresses (DNS answers for listed names) are added to and removed
 * from the trie in force.
 */
#ifndef MW_AGENT_BLACKLIST_MAPS_H
#define MW_AGENT_BLACKLIST_MAPS_H

#include <stddef.h>
#include <stdint.h>

#include "detect/blacklist.h"

struct bpf_object;

/* Room for learned addresses beside the listed ones in each trie, unless
 * the caller sets learned_room (blacklist.learned_max). */
#define MW_BL_LEARNED_ROOM 65536

struct mw_blacklist_maps {
	int outer4, outer6, hits_fd;
	int inner4, inner6; /* the tries this process put in force; -1 none */
	int btf_fd;
	uint32_t key4_tid, key6_tid, value_tid;
	size_t n_v4, n_v6; /* listed entries in force */
	size_t n_learned; /* learned addresses in the tries */
	size_t learned_room; /* their bound */
	volatile uint32_t *nr_entries; /* the programs' mw_bl_entries */
};

/* Finds the maps and BTF types in the loaded @obj; @nr_entries is the
 * programs' mw_bl_entries, kept equal to what the tries hold (they skip
 * the lookups while it is 0). Returns 0 or -errno. */
int mw_blacklist_maps_open(struct mw_blacklist_maps *k, struct bpf_object *obj,
			   volatile uint32_t *nr_entries);
void mw_blacklist_maps_close(struct mw_blacklist_maps *k);
/* Builds tries holding @c and the learned addresses of @bl, then swaps them
 * in. Returns 0 or -errno (the tries in force stay). */
int mw_blacklist_maps_install(struct mw_blacklist_maps *k, const struct mw_bl_compiled *c,
			      const struct mw_blacklist *bl, const struct mw_prefix *alert,
			      size_t n_alert);
/* Adds one learned address (kept when a listed entry already has it). */
int mw_blacklist_maps_learn(struct mw_blacklist_maps *k, const struct mw_bl_learned *l,
			    uint8_t flags);
int mw_blacklist_maps_forget(struct mw_blacklist_maps *k, const struct mw_addr *addr);
/* What the datapath finds for @addr: 0 and *@v, or -ENOENT. */
int mw_blacklist_maps_lookup(const struct mw_blacklist_maps *k, const struct mw_addr *addr,
			     struct mw_bl_value *v);
/* Flows that matched each list, summed over CPUs (@hits: MW_BL_LISTS_MAX). */
int mw_blacklist_maps_hits(const struct mw_blacklist_maps *k, uint64_t *hits);

#endif
