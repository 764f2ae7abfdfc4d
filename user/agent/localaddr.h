/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * localaddr.h - the host's own addresses, kept in the datapath's mw_local
 * map, and the interface of the default route. Uses rtnetlink via libmnl;
 * address and link changes arrive on a subscribed socket.
 */
#ifndef MW_AGENT_LOCALADDR_H
#define MW_AGENT_LOCALADDR_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include <libmnl/libmnl.h>

#include "lib/addr.h"

struct mw_localaddr {
	struct mnl_socket *mon; /* subscribed to address and link changes */
	int map_fd;
	unsigned n_addrs; /* entries after the latest sync */
};

/* Opens the monitor socket for @map_fd (mw_local). Returns 0 or -errno. */
int mw_localaddr_open(struct mw_localaddr *la, int map_fd);
/* Re-reads every address of this network namespace into the map: adds the
 * new, removes the gone. Returns the count or -errno. */
int mw_localaddr_sync(struct mw_localaddr *la);
/* Fd to poll for changes; after it is readable, call mw_localaddr_changed(). */
int mw_localaddr_fd(const struct mw_localaddr *la);
/* Drains the monitor socket; true when addresses or links changed. */
bool mw_localaddr_changed(struct mw_localaddr *la);
void mw_localaddr_close(struct mw_localaddr *la);

/* Sends one rtnetlink dump request (RTM_GET*, a family) on a socket of its
 * own and runs @cb over every answer. Returns 0 or -errno. */
int mw_rtnl_dump(int type, int family, mnl_cb_t cb, void *arg);

/* Name of the interface of the default route (IPv4 first, then IPv6).
 * Returns 0 or -ENOENT when there is no default route. */
int mw_localaddr_default_iface(char name[IF_NAMESIZE]);
/* The gateways of the default routes (both families). Returns the count. */
int mw_localaddr_gateways(struct mw_addr *out, size_t max);

#endif
