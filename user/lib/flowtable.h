/* SPDX-License-Identifier: GPL-2.0-only */
/* flowtable.h - walking the flow table with batched map operations. */
#ifndef MW_LIB_FLOWTABLE_H
#define MW_LIB_FLOWTABLE_H

#include <stddef.h>

#include "minewall.h"

struct mw_flow_rec {
	struct mw_flow_key key;
	struct mw_flow flow;
};

/* Called for each batch read; return non-zero to stop the walk. */
typedef int (*mw_flow_batch_fn)(void *arg, const struct mw_flow_key *keys,
				const struct mw_flow *flows, size_t n);

/* Walks the whole map @fd in batches of @batch entries. Returns the number of
 * entries visited, or -errno. */
long mw_flowtable_walk(int fd, size_t batch, mw_flow_batch_fn fn, void *arg);
/* Reads every entry into a new array (*out, free() it). Returns the count or -errno. */
long mw_flowtable_read(int fd, struct mw_flow_rec **out);
/* Deletes @n keys in one call. Returns the number deleted or -errno. */
long mw_flowtable_delete(int fd, const struct mw_flow_key *keys, size_t n);

/* enum mw_flow_state as text. */
const char *mw_flowtable_state_name(unsigned state);
/* IPPROTO_* as text ("tcp", "udp", "icmp", "icmp6", or the number). */
const char *mw_flowtable_proto_name(unsigned proto, char *buf, size_t len);
/* TCP flags as "SAFR..." letters. */
char *mw_flowtable_tcp_flags_str(unsigned flags, char *buf, size_t len);

#endif
