/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bridges.h - containers' bridge ports: which bridges are watched ([network]
 * bridges, and bridges given with -i), the veth ports they have now and get
 * later (a netlink link monitor), each with the container-port programs
 * attached (bpf/tc_port.bpf.c), so that containers' connections are seen
 * before NAT, with their sockets.
 */
#ifndef MW_AGENT_BRIDGES_H
#define MW_AGENT_BRIDGES_H

#include <stdbool.h>
#include <net/if.h>

#include <jansson.h>

#include "agent/loader.h"
#include "minewall.h"

#define MW_BRIDGES_NAMED_MAX 32

struct mw_bridge_port {
	unsigned ifindex;
	unsigned bridge_ifindex; /* 0: a port given alone with -i */
	char name[IF_NAMESIZE];
	char bridge[IF_NAMESIZE];
};

struct mw_bridges {
	bool auto_names; /* docker0, br-*, cni0, cbr0, podman*, lxcbr0, lxdbr0 */
	char named[MW_BRIDGES_NAMED_MAX][IF_NAMESIZE]; /* config and -i bridges */
	unsigned n_named;
	char lone[MW_MAX_IFACES][IF_NAMESIZE]; /* -i VETH: a port of its own */
	unsigned n_lone;
	struct mw_bridge_port ports[MW_PORTS_MAX];
	unsigned n_ports;
	unsigned n_over_cap; /* ports wanted beyond MW_PORTS_MAX, as last said */
	struct mw_loader *loader; /* NULL until mw_bridges_start */
	int ports_fd; /* the mw_ports map */
	struct mnl_socket *mon;
};

/* Reads [network] bridges: "auto", "none" or comma-separated names.
 * Returns 0 or -EINVAL after printing which name is wrong. */
int mw_bridges_init(struct mw_bridges *b, const char *spec);
/* An interface given with -i: a bridge has its veth ports watched, instead
 * of XDP on it (unless it has a port that is no veth: the host's uplink
 * bridge keeps XDP and tc too); a veth port of a bridge is watched as a
 * container's port. Returns 1 when @ifname was taken so, 0 when it is (also)
 * an interface for XDP and tc, -errno on failure. */
int mw_bridges_claim(struct mw_bridges *b, const char *ifname);
/* Attaches to every port of the watched bridges and starts the link
 * monitor. Returns 0 or -errno after printing why. */
int mw_bridges_start(struct mw_bridges *b, struct mw_loader *l);
/* The monitor's fd for the agent's loop (-1 when not started). */
int mw_bridges_fd(const struct mw_bridges *b);
/* The monitor is readable: attaches to new ports, forgets vanished ones. */
void mw_bridges_changed(struct mw_bridges *b);
/* Whether @ifindex is a watched container port; its bridge's name in
 * @bridge (empty for a port given alone with -i). */
bool mw_bridges_port(const struct mw_bridges *b, unsigned ifindex, char bridge[IF_NAMESIZE]);
/* How many ports are watched. */
unsigned mw_bridges_count(const struct mw_bridges *b);
/* [{"name":"docker0","ports":N}, ...] for the status. */
json_t *mw_bridges_json(const struct mw_bridges *b);
/* Detaches from every port and stops the monitor. */
void mw_bridges_close(struct mw_bridges *b);

#endif
