/* SPDX-License-Identifier: GPL-2.0-only */
/* pinned.h - the pinned maps under the pin path, for the agent and the CLI. */
#ifndef MW_LIB_PINNED_H
#define MW_LIB_PINNED_H

#include <stdbool.h>
#include <stddef.h>

#include "minewall.h"

/* Mounts bpffs on /sys/fs/bpf when the pin path lives there and nothing is
 * mounted yet (e.g. inside `ip netns exec`). Returns 0 or -errno. */
int mw_pinned_bpffs_ensure(const char *pin_path);
/* Opens the pinned map @name under @pin_path. Returns an fd or -errno. */
int mw_pinned_open(const char *pin_path, const char *name);
/* Reads the agent heartbeat. Returns 0 or -errno (-ENOENT: no pinned state). */
int mw_pinned_agent_read(const char *pin_path, struct mw_agent *agent);
/* enum mw_xdp_mode as text. */
const char *mw_pinned_xdp_mode_name(unsigned mode);
/* True when the heartbeat belongs to a live agent process. */
bool mw_pinned_agent_alive(const struct mw_agent *agent);

#endif
