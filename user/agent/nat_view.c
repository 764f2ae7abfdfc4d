// SPDX-License-Identifier: GPL-2.0-only
/*
 * nat_view.c - a container's connection and its NATed twin on the uplink.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "agent/events.h"
#include "agent/nat_view.h"
#include "agent/port_addr.h"
#include "lib/log.h"
#include "lib/util.h"

/* A container address is remembered this long after its latest flow. */
#define MW_NAT_SEEN_NS (3600ULL * 1000000000ULL)

void mw_nat_view_init(struct mw_nat_view *v, mw_is_port_fn is_port, void *port_arg)
{
	memset(v, 0, sizeof(*v));
	v->is_port = is_port;
	v->port_arg = port_arg;
	v->ct = mw_ct_open();
	if (!v->ct)
		pr_warn("conntrack netlink unavailable (%s): a container's NATed connection is also reported as the host's\n",
			strerror(errno));
}

void mw_nat_view_fini(struct mw_nat_view *v)
{
	mw_ct_close(v->ct);
	v->ct = NULL;
}

static uint32_t fnv(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static unsigned slot(const struct mw_addr *a)
{
	return fnv(2166136261u, a->addr, sizeof(a->addr)) % MW_NAT_SEEN_MAX;
}

static unsigned dest_slot(const struct mw_flow_key *key)
{
	uint32_t h = fnv(2166136261u, key->remote_addr, sizeof(key->remote_addr));

	h = fnv(h, &key->remote_port, sizeof(key->remote_port));
	return fnv(h, &key->proto, sizeof(key->proto)) % MW_NAT_SEEN_MAX;
}

static unsigned flow_slot(const struct mw_flow_key *key)
{
	uint32_t h = fnv(2166136261u, key->local_addr, sizeof(key->local_addr));

	h = fnv(h, key->remote_addr, sizeof(key->remote_addr));
	h = fnv(h, &key->local_port, sizeof(key->local_port));
	h = fnv(h, &key->remote_port, sizeof(key->remote_port));
	return fnv(h, &key->proto, sizeof(key->proto)) % MW_NAT_SEEN_MAX;
}

/* Whether the connection @orig (conntrack's, before NAT) left a container's
 * veth lately, as it is. */
static bool flow_seen(const struct mw_nat_view *v, const struct mw_ct_tuple *orig, uint64_t now_ns)
{
	struct mw_flow_key k = { .proto = orig->proto };
	unsigned i;

	memcpy(k.local_addr, &orig->src, sizeof(k.local_addr));
	memcpy(k.remote_addr, &orig->dst, sizeof(k.remote_addr));
	k.local_port = htons(orig->sport);
	k.remote_port = htons(orig->dport);
	i = flow_slot(&k);
	return v->flows[i].seen_ns && now_ns - v->flows[i].seen_ns < MW_NAT_SEEN_NS &&
	       !memcmp(&v->flows[i].key, &k, sizeof(k));
}

/* Whether a container's flow went to @key's remote lately. */
static bool dest_seen(const struct mw_nat_view *v, const struct mw_flow_key *key, uint64_t now_ns)
{
	unsigned i = dest_slot(key);

	return v->dest[i].seen_ns && now_ns - v->dest[i].seen_ns < MW_NAT_SEEN_NS &&
	       v->dest[i].port == key->remote_port && v->dest[i].proto == key->proto &&
	       !memcmp(&v->dest[i].addr, key->remote_addr, sizeof(v->dest[i].addr));
}

/* A new flow (its blacklist hit comes first, when it has one). */
static void on_flow(void *arg, const struct mw_event_flow *ev)
{
	mw_nat_view_is_container(arg, ev->hdr.ifindex, &ev->key, mw_now_ns());
}

int mw_nat_view_listen(struct mw_nat_view *v, struct mw_events *events)
{
	struct mw_event_sink sink = { .new_public = on_flow, .blacklist = on_flow, .arg = v };

	if (!v->is_port)
		return 0;
	return mw_events_add_sink(events, &sink);
}

/* @a seen on the port @ifindex. A container's own address, once known, is
 * not displaced by another port's packets that claim it (a forged source). */
static void remember_addr(struct mw_nat_view *v, unsigned ifindex, const struct mw_addr *a,
			  uint64_t now_ns)
{
	unsigned i = slot(a);
	bool same = !memcmp(&v->seen[i].addr, a, sizeof(*a));

	if (!same || v->seen[i].ifindex != ifindex) {
		if (same && v->seen[i].own > 0 && now_ns - v->seen[i].seen_ns < MW_NAT_SEEN_NS)
			return;
		v->seen[i].addr = *a;
		v->seen[i].ifindex = ifindex;
		v->seen[i].own = -1;
	}
	v->seen[i].seen_ns = now_ns;
}

bool mw_nat_view_is_container(struct mw_nat_view *v, unsigned ifindex,
			      const struct mw_flow_key *key, uint64_t now_ns)
{
	unsigned i;

	if (!v->is_port || !v->is_port(v->port_arg, ifindex))
		return false;
	remember_addr(v, ifindex, (const struct mw_addr *)key->local_addr, now_ns);
	i = flow_slot(key);
	v->flows[i].key = *key;
	v->flows[i].seen_ns = now_ns;
	i = dest_slot(key);
	memcpy(&v->dest[i].addr, key->remote_addr, sizeof(v->dest[i].addr));
	v->dest[i].port = key->remote_port;
	v->dest[i].proto = key->proto;
	v->dest[i].seen_ns = now_ns;
	return true;
}

/* Whether @a was seen lately on a port whose container owns it: an address
 * a container merely wrote in its packets (another network's, a VM's)
 * makes no NATed flow of that network its own, silenced on the uplink. */
static bool seen_behind_port(struct mw_nat_view *v, const struct mw_addr *a, uint64_t now_ns)
{
	unsigned i = slot(a);

	if (!v->seen[i].seen_ns || memcmp(&v->seen[i].addr, a, sizeof(*a)) ||
	    now_ns - v->seen[i].seen_ns >= MW_NAT_SEEN_NS)
		return false;
	if (v->seen[i].own < 0)
		v->seen[i].own = mw_port_peer_has_addr(v->seen[i].ifindex, a) > 0;
	return v->seen[i].own > 0;
}

static void tuple_of(const struct mw_flow_key *key, struct mw_ct_tuple *t)
{
	memset(t, 0, sizeof(*t));
	memcpy(&t->src, key->local_addr, sizeof(t->src));
	memcpy(&t->dst, key->remote_addr, sizeof(t->dst));
	t->sport = ntohs(key->local_port);
	t->dport = ntohs(key->remote_port);
	t->proto = key->proto;
}

bool mw_nat_view_is_twin(struct mw_nat_view *v, unsigned ifindex, const struct mw_flow_key *key,
			 uint64_t sock_cookie, bool host_opened)
{
	struct mw_ct_tuple t, orig, reply;
	int err;

	/* only an uplink flow the host sent without a socket of its own, to
	 * where a container went: a NAT gateway's other flows cost nothing */
	if (!v->ct || sock_cookie || !host_opened || !v->is_port ||
	    v->is_port(v->port_arg, ifindex) || !dest_seen(v, key, mw_now_ns()))
		return false;
	/* the uplink flow is the answers' direction of the connection: the
	 * remote answers the host's (NATed) address */
	memset(&t, 0, sizeof(t));
	memcpy(&t.src, key->remote_addr, sizeof(t.src));
	memcpy(&t.dst, key->local_addr, sizeof(t.dst));
	t.sport = ntohs(key->remote_port);
	t.dport = ntohs(key->local_port);
	t.proto = key->proto;
	err = mw_ct_lookup(v->ct, &t, &orig, &reply);
	if (err) {
		v->lookups_failed++;
		return false;
	}
	/* not NATed, or not from a container seen on its veth (a VM, a routed
	 * network): the uplink's view is the only one. The connection itself
	 * seen on a veth, or else (forgotten in a busy table) its source an
	 * address a container owns: one a container only wrote in a packet
	 * makes no other network's flow its own. */
	if (!memcmp(&orig.src, key->local_addr, sizeof(orig.src)) ||
	    (!flow_seen(v, &orig, mw_now_ns()) && !seen_behind_port(v, &orig.src, mw_now_ns())))
		return false;
	v->twins++;
	return true;
}

json_t *mw_nat_view_host_json(struct mw_nat_view *v, const struct mw_flow_key *key)
{
	struct mw_ct_tuple t, orig, reply;
	char a[MW_ADDRSTRLEN];

	if (!v->ct)
		return NULL;
	tuple_of(key, &t);
	if (mw_ct_lookup(v->ct, &t, &orig, &reply)) {
		v->lookups_failed++;
		return NULL;
	}
	/* the answers go to where the connection left from */
	if (!memcmp(&reply.dst, &orig.src, sizeof(orig.src)) && reply.dport == orig.sport)
		return NULL;
	return json_pack("{s:s, s:i}", "src_ip", mw_addr_str(&reply.dst, a, sizeof(a)), "src_port",
			 (int)reply.dport);
}

void mw_nat_view_annotate(struct mw_nat_view *v, unsigned ifindex, const struct mw_flow_key *key,
			  json_t *detail)
{
	json_t *host;

	if (!v || !detail || !mw_nat_view_is_container(v, ifindex, key, mw_now_ns()))
		return;
	json_object_set_new(detail, "view", json_string("container"));
	host = mw_nat_view_host_json(v, key);
	if (host)
		json_object_set_new(detail, "host_view", host);
}

const struct mw_ct_scope *mw_nat_view_scope(struct mw_nat_view *v, unsigned ifindex,
					    const struct mw_flow_key *key,
					    const struct mw_process *proc, struct mw_ct_scope *sc)
{
	bool own_net = v && v->is_port && v->is_port(v->port_arg, ifindex),
	     in_ct = proc && proc->in_container;
	const struct mw_addr *local = (const struct mw_addr *)key->local_addr;
	char a[MW_ADDRSTRLEN];
	int own;

	if (!own_net && !in_ct)
		return NULL;
	memset(sc, 0, sizeof(*sc));
	/* the source a container wrote may be another container's: never a
	 * block by it then (an empty scope is refused, never the host's) */
	own = own_net ? mw_port_peer_has_addr(ifindex, local) : 0;
	if (own > 0)
		sc->addr = *local;
	else if (own_net)
		pr_warn("a container's flow on ifindex %u comes from %s, %s: no block by that address\n",
			ifindex, mw_addr_str(local, a, sizeof(a)),
			own ? "its container's own addresses unknown" :
			      "not an address of that container (forged)");
	if (in_ct) {
		sc->cgroup_id = proc->o.cgroup_id;
		snprintf(sc->id, sizeof(sc->id), "%s", proc->ct.id);
		snprintf(sc->name, sizeof(sc->name), "%.127s", proc->ct.name);
	}
	return sc;
}
