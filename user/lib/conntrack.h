/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * conntrack.h - one connection's two faces in the kernel's connection
 * tracking, read over ctnetlink: what a container sent (before masquerade)
 * and what left the host (after it). The datapath sees a container's
 * connection twice, on the container's veth and NATed on the uplink; this
 * tells which uplink flow is which container's, exactly, without guessing
 * from ports and times.
 */
#ifndef MW_LIB_CONNTRACK_H
#define MW_LIB_CONNTRACK_H

#include <stdint.h>

#include "lib/addr.h"

/* One direction of a connection as conntrack keeps it: @src:@sport ->
 * @dst:@dport (ports in host order; 0 for protocols without ports). */
struct mw_ct_tuple {
	struct mw_addr src, dst;
	uint16_t sport, dport;
	uint8_t proto;
};

struct mw_ct;

/* Opens a ctnetlink socket in the caller's network namespace. Returns NULL
 * (errno set) when the kernel has no conntrack netlink. */
struct mw_ct *mw_ct_open(void);
void mw_ct_close(struct mw_ct *ct);

/*
 * Finds the connection one of whose directions is @t (the tuple of either
 * direction finds it) and fills @orig (as its initiator sent it) and @reply
 * (as the answers come: after source NAT its destination is the address the
 * connection left with). Returns 0, -ENOENT when conntrack holds no such
 * connection, or another -errno.
 */
int mw_ct_lookup(struct mw_ct *ct, const struct mw_ct_tuple *t, struct mw_ct_tuple *orig,
		 struct mw_ct_tuple *reply);

#endif
