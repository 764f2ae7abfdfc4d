/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * allow.h - what minewall never blocks: loopback, link-local, the host's own
 * addresses, its default gateways and resolvers, the peers of SSH sessions:
 * those established when the agent starts and those that log in while it
 * runs, each while it stays connected (a guesser's connections are
 * established too, so an established connection alone proves nothing), the
 * configured list, the CrowdSec LAPI of [crowdsec] url (when it is an
 * address) and what the operator allowed at run time (kept in the state
 * directory).
 */
#ifndef MW_ENFORCE_ALLOW_H
#define MW_ENFORCE_ALLOW_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "parse/config.h"

enum mw_allow_source {
	MW_ALLOW_BUILTIN = 0, /* loopback, link-local */
	MW_ALLOW_LOCAL, /* the host's own addresses */
	MW_ALLOW_GATEWAY,
	MW_ALLOW_RESOLVER,
	MW_ALLOW_SSH, /* a peer of an established SSH session */
	MW_ALLOW_CONFIG,
	MW_ALLOW_RUNTIME, /* minewall allow CIDR */
	MW_ALLOW_FLEET, /* the CrowdSec LAPI: blocking it would cut the fleet link */
	MW_ALLOW_SOURCES,
};

struct mw_allow_entry {
	struct mw_prefix prefix;
	unsigned source; /* enum mw_allow_source */
	uint16_t peer_port; /* MW_ALLOW_SSH: the connection that keeps it */
};

struct mw_allow {
	struct mw_allow_entry *e;
	size_t n, cap;
	char runtime_path[PATH_MAX];
	const char *resolv_conf; /* /etc/resolv.conf; tests may point elsewhere */
	const char *proc_net; /* /proc/net */
	const char *proc_root; /* /proc: the sshd processes behind SSH peers */
	bool ssh_seeded; /* the SSH peers at start were taken */
	size_t ssh_from_start; /* SSH peers taken at start that may remain */
	uint64_t ssh_read_ns; /* when /proc/net/tcp was read last */
};

const char *mw_allow_source_name(unsigned source);
/* Loads the runtime list from @state_dir and builds everything else. */
int mw_allow_init(struct mw_allow *a, const struct mw_config *cfg);
void mw_allow_free(struct mw_allow *a);
/* Replaces the configured part (enforce.allow) after a reload. */
void mw_allow_set_config(struct mw_allow *a, const struct mw_config *cfg);
/* Re-reads the dynamic sources (addresses, gateways, resolvers, SSH peers).
 * @local_fd is the mw_local map (the host's addresses), or -1. Returns true
 * when the list changed. */
bool mw_allow_refresh(struct mw_allow *a, const struct mw_config *cfg, int local_fd);
/* The entry that allows @p (an address inside it, or one inside @p), or NULL. */
const struct mw_allow_entry *mw_allow_match(const struct mw_allow *a, const struct mw_prefix *p);
/* A peer that just logged in over SSH (the detector saw its session start
 * without a guessing attack): never blocked while it stays connected; @up
 * false when that connection ended. */
void mw_allow_ssh_peer(struct mw_allow *a, const struct mw_addr *peer, uint16_t port, bool up);
/* Runtime changes, saved at once. Return 0, -EEXIST, -ENOENT or -errno. */
int mw_allow_add(struct mw_allow *a, const struct mw_prefix *p);
int mw_allow_del(struct mw_allow *a, const struct mw_prefix *p);

#endif
