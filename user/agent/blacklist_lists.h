/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * blacklist_lists.h - the BLACKLIST list files as the agent reads them.
 */
#ifndef MW_AGENT_BLACKLIST_LISTS_H
#define MW_AGENT_BLACKLIST_LISTS_H

#include <stdbool.h>
#include <stdio.h>

#include "detect/blacklist.h"

struct mw_agent_blacklist;

/*
 * Reads the list file @path and loads it under @name (the file name
 * without its extension when NULL), replacing a list of that name.
 * Malformed lines go to @err as "PATH:LINE: why: text". Returns the list
 * id, or -errno after saying why (-EINVAL: not a list; the list in force
 * stays).
 */
int mw_agent_blacklist_lists_read(struct mw_blacklist *bl, const char *name, const char *path,
				  bool runtime, FILE *err);
/* Loads the lists the config names, then the run-time ones remembered in
 * the state directory; unloads those no longer named. */
void mw_agent_blacklist_lists_load(struct mw_agent_blacklist *a);

#endif
