/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ids.h - the LAPI decisions in force here: decision id -> what it bans,
 * and how many decisions ban each prefix, so that deleting one of two
 * decisions on an address does not lift the other's ban. Both lookups are
 * O(1): open addressing, linear probing, deletion by backward shift (no
 * tombstones to age).
 */
#ifndef MW_FLEET_IDS_H
#define MW_FLEET_IDS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

struct mw_cs_ids;

struct mw_cs_ids *mw_cs_ids_new(void);
void mw_cs_ids_free(struct mw_cs_ids *s);
/* Forgets everything (a startup stream replaces what was known). */
void mw_cs_ids_clear(struct mw_cs_ids *s);
/* Records decision @id banning @p. Returns 1 when new, 0 when @id was
 * known already (nothing changes), -ENOMEM. */
int mw_cs_ids_add(struct mw_cs_ids *s, int64_t id, const struct mw_prefix *p);
/* Forgets decision @id. Returns 1 and in *@p what it banned, 0 when @id is
 * unknown. */
int mw_cs_ids_del(struct mw_cs_ids *s, int64_t id, struct mw_prefix *p);
/* How many recorded decisions ban exactly @p. */
size_t mw_cs_ids_count(const struct mw_cs_ids *s, const struct mw_prefix *p);
/* Decisions recorded. */
size_t mw_cs_ids_size(const struct mw_cs_ids *s);

#endif
