/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * localaddr.h - the host's own addresses, kept in the datapath's mw_local
 * map, and the interface of the default route. Uses rtnetlink via libmnl;
 * address and link changes arrive on a subscribed socket. Also the
 * resolvers the host sends its DNS queries to.
 */
#ifndef MW_LOCALADDR_H
#define MW_LOCALADDR_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/addr.h"

struct mnl_socket;

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

/* Name of the interface of the default route (IPv4 first, then IPv6).
 * Returns 0 or -ENOENT when there is no default route. */
int mw_default_route_iface(char name[IF_NAMESIZE]);
/* The gateways of the default routes (both families). Returns the count. */
int mw_default_gateways(struct mw_addr *out, size_t max);

#define MW_RESOLV_CONF "/etc/resolv.conf"
/* systemd-resolved's own upstreams, where its stub forwards to */
#define MW_RESOLVED_CONF "/run/systemd/resolve/resolv.conf"

/*
 * The addresses the host's DNS queries leave for: the nameserver lines of
 * @resolv_conf (fe80::1%eth0 without its zone); when one of them is the
 * systemd-resolved stub (127.0.0.53 or 127.0.0.54), whose queries never
 * leave the host, the upstreams in @resolved_conf too (NULL: not read).
 * A file that cannot be read adds nothing. Returns the count (at most @max).
 */
size_t mw_resolvers_read(const char *resolv_conf, const char *resolved_conf, struct mw_addr *out,
			 size_t max);

#endif
