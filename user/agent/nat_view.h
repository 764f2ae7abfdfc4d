/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nat_view.h - a container's connection and its NATed twin.
 *
 * A container behind a bridge and masquerade is seen twice by the datapath:
 * on the host side of its veth, as the container sent it (its own address,
 * its socket, hence its process and container), and on the uplink, with the
 * host's address and no socket. The detectors judge the first and stay
 * silent on the second; the events of the first carry the second's
 * addresses as the host's view. Which uplink flow is whose comes from the
 * kernel's connection tracking, exactly, never from ports and times.
 */
#ifndef MW_AGENT_NAT_VIEW_H
#define MW_AGENT_NAT_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "minewall.h"
#include "lib/addr.h"
#include "lib/conntrack.h"
#include "agent/process.h"
#include "enforce/ledger.h"

/* Containers' addresses, and the destinations they connected to, remembered
 * from their veths' flows (each table direct-mapped: a collision forgets). */
#define MW_NAT_SEEN_MAX 4096

/* Whether @ifindex is the host side of a watched container's veth. */
typedef bool (*mw_is_port_fn)(void *arg, unsigned ifindex);

struct mw_nat_view {
	struct mw_ct *ct; /* NULL: no conntrack netlink, no twins found */
	mw_is_port_fn is_port;
	void *port_arg;
	struct {
		struct mw_addr addr;
		uint64_t seen_ns;
		unsigned ifindex; /* the port it was seen on */
		int8_t own; /* the port's container's own: 1, 0, -1 not asked yet */
	} seen[MW_NAT_SEEN_MAX];
	/* containers' flows as they left their veths: an uplink flow NATed
	 * from one of them is its twin */
	struct {
		struct mw_flow_key key;
		uint64_t seen_ns;
	} flows[MW_NAT_SEEN_MAX];
	/* remote address, port and protocol of containers' flows: only an
	 * uplink flow to one of them costs a conntrack lookup */
	struct {
		struct mw_addr addr;
		uint16_t port;
		uint8_t proto;
		uint64_t seen_ns;
	} dest[MW_NAT_SEEN_MAX];
	uint64_t twins; /* uplink flows left to their container's view */
	uint64_t lookups_failed; /* conntrack asked, no answer */
};

struct mw_events;

void mw_nat_view_init(struct mw_nat_view *v, mw_is_port_fn is_port, void *port_arg);
/* Follows the new flows of @events: each container's flow is remembered as
 * it starts, before any detector asks about its twin. Returns 0 or -errno. */
int mw_nat_view_listen(struct mw_nat_view *v, struct mw_events *events);
void mw_nat_view_fini(struct mw_nat_view *v);

/*
 * Whether the flow @key, seen on interface @ifindex, is a container's own
 * view (the host side of its veth). Remembers the container's address, so
 * that the twin on the uplink is recognised.
 */
bool mw_nat_view_is_container(struct mw_nat_view *v, unsigned ifindex,
			      const struct mw_flow_key *key, uint64_t now_ns);

/*
 * Whether the outbound flow @key, which the host opened with no socket
 * (@sock_cookie 0: forwarded), is the NATed twin of a container's connection
 * already seen on its veth: its detections belong to that view.
 */
bool mw_nat_view_is_twin(struct mw_nat_view *v, unsigned ifindex, const struct mw_flow_key *key,
			 uint64_t sock_cookie, bool host_opened);

/* The host's view of a container's outbound flow @key (as it left the
 * uplink after masquerade): {"src_ip", "src_port"}, or NULL when conntrack
 * does not know it (no NAT, or none yet). */
json_t *mw_nat_view_host_json(struct mw_nat_view *v, const struct mw_flow_key *key);

/*
 * Adds to the @detail of a detection on flow @key (seen on @ifindex) what a
 * container's own view is: "view": "container" and, when conntrack knows
 * it, "host_view" (the addresses it left the host with). Nothing for the
 * host's own flows.
 */
void mw_nat_view_annotate(struct mw_nat_view *v, unsigned ifindex, const struct mw_flow_key *key,
			  json_t *detail);

/*
 * The container a block of flow @key's remote can be scoped to, in @sc: a
 * flow seen on a container's veth by the container's own address, a
 * process in a container's cgroup by that cgroup (@proc may be NULL).
 * Returns @sc, or NULL for the host's own flows.
 */
const struct mw_ct_scope *mw_nat_view_scope(struct mw_nat_view *v, unsigned ifindex,
					    const struct mw_flow_key *key,
					    const struct mw_process *proc, struct mw_ct_scope *sc);

#endif
