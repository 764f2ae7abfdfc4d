/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * port_addr.h - whether an address is the container's behind a bridge port.
 *
 * A flow's local address on a container's veth is what the container wrote
 * in its packets: a process with NET_RAW, which Docker grants, may bind a
 * foreign one (IP_TRANSPARENT) or forge it (a raw socket). A block by that
 * address cuts off whoever owns it: the address counts as the container's
 * only when it is configured in the network namespace of the veth's other
 * end (on any of its interfaces: a container on two networks).
 */
#ifndef MW_AGENT_PORT_ADDR_H
#define MW_AGENT_PORT_ADDR_H

#include "lib/addr.h"

/* Whether @a is an address in the namespace of the peer of the veth
 * @ifindex (the host's side); of that peer alone when it is in the agent's
 * own namespace. Returns 1 yes, 0 no, or -errno when it cannot be told. */
int mw_port_peer_has_addr(unsigned ifindex, const struct mw_addr *a);

#endif /* MW_AGENT_PORT_ADDR_H */
