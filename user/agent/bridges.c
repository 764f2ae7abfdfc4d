// SPDX-License-Identifier: GPL-2.0-only
/*
 * Containers' bridge ports. The links are read whole (a netlink dump) at the
 * start and again whenever the link monitor reports a change: a veth that
 * joined a watched bridge gets the port programs, one that left or vanished
 * is forgotten. A full read is a few messages even with hundreds of
 * containers, and recovers from a monitor overrun (ENOBUFS) as well.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <bpf/bpf.h>
#include <libmnl/libmnl.h>

#include "agent/bridges.h"
#include "agent/localaddr.h"
#include "lib/log.h"
#include "lib/util.h"

/* The bridges container runtimes make: Docker (docker0, br-<id> of user
 * networks), CNI (cni0, cbr0 of kubenet), Podman (podman0, podman1... with
 * netavark, cni-podman0... with CNI), LXC and LXD. */
static const char *const auto_patterns[] = { "docker0", "br-*",	       "cni0",	 "cbr0",
					     "podman*", "cni-podman*", "lxcbr0", "lxdbr0" };

struct link {
	unsigned ifindex;
	unsigned master;
	char name[IF_NAMESIZE];
	char kind[16];
};

struct link_list {
	struct link *v;
	unsigned n, cap;
	int err;
};

static bool valid_ifname(const char *s, size_t len)
{
	if (!len || len >= IF_NAMESIZE)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '/' || s[i] == ':' || s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return true;
}

static int add_named(struct mw_bridges *b, const char *name, size_t len)
{
	for (unsigned i = 0; i < b->n_named; i++)
		if (strlen(b->named[i]) == len && !strncmp(b->named[i], name, len))
			return 0;
	if (b->n_named >= MW_BRIDGES_NAMED_MAX) {
		pr_warn("[network] bridges: at most %d bridges\n", MW_BRIDGES_NAMED_MAX);
		return -E2BIG;
	}
	snprintf(b->named[b->n_named++], IF_NAMESIZE, "%.*s", (int)len, name);
	return 0;
}

int mw_bridges_init(struct mw_bridges *b, const char *spec)
{
	const char *p = spec;

	memset(b, 0, sizeof(*b));
	b->ports_fd = -1;
	while (*p) {
		size_t len;

		p += strspn(p, ", \t");
		len = strcspn(p, ", \t");
		if (!len)
			break;
		if (len == 4 && !strncmp(p, "auto", 4)) {
			b->auto_names = true;
		} else if (len == 4 && !strncmp(p, "none", 4)) {
			b->auto_names = false;
			b->n_named = 0;
		} else if (!valid_ifname(p, len)) {
			pr_warn("[network] bridges: \"%.*s\" is not an interface name\n", (int)len,
				p);
			return -EINVAL;
		} else if (add_named(b, p, len)) {
			return -E2BIG;
		}
		p += len;
	}
	return 0;
}

static int link_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, IFLA_MAX) >= 0)
		tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static int info_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, IFLA_INFO_MAX) >= 0)
		tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 }, *info[IFLA_INFO_MAX + 1] = { 0 };
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct link_list *list = data;
	struct link *l;

	if (nlh->nlmsg_type != RTM_NEWLINK || !ifi->ifi_index)
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(*ifi), link_attr, tb) < 0 || !tb[IFLA_IFNAME])
		return MNL_CB_OK; /* a message we cannot read names no port */
	if (list->n == list->cap) {
		unsigned cap = list->cap ? list->cap * 2 : 64;
		struct link *v = reallocarray(list->v, cap, sizeof(*v));

		if (!v) {
			list->err = -ENOMEM;
			return MNL_CB_ERROR;
		}
		list->v = v;
		list->cap = cap;
	}
	l = &list->v[list->n++];
	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_MASTER] && mnl_attr_get_payload_len(tb[IFLA_MASTER]) >= sizeof(__u32))
		l->master = mnl_attr_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_LINKINFO] && mnl_attr_parse_nested(tb[IFLA_LINKINFO], info_attr, info) >= 0 &&
	    info[IFLA_INFO_KIND])
		snprintf(l->kind, sizeof(l->kind), "%.*s",
			 (int)mnl_attr_get_payload_len(info[IFLA_INFO_KIND]),
			 (const char *)mnl_attr_get_payload(info[IFLA_INFO_KIND]));
	return MNL_CB_OK;
}

/* Every link of the agent's network namespace. Returns 0 or -errno. */
static int links_read(struct link_list *list)
{
	int ret;

	memset(list, 0, sizeof(*list));
	ret = mw_rtnl_dump(RTM_GETLINK, AF_UNSPEC, link_cb, list);
	if (!ret)
		ret = list->err;
	if (ret) {
		free(list->v);
		memset(list, 0, sizeof(*list));
	}
	return ret;
}

static const struct link *link_by_index(const struct link_list *list, unsigned ifindex)
{
	for (unsigned i = 0; i < list->n; i++)
		if (list->v[i].ifindex == ifindex)
			return &list->v[i];
	return NULL;
}

static const struct link *link_by_name(const struct link_list *list, const char *name)
{
	for (unsigned i = 0; i < list->n; i++)
		if (!strcmp(list->v[i].name, name))
			return &list->v[i];
	return NULL;
}

static bool bridge_watched(const struct mw_bridges *b, const char *name)
{
	for (unsigned i = 0; i < b->n_named; i++)
		if (!strcmp(b->named[i], name))
			return true;
	if (b->auto_names)
		for (unsigned i = 0; i < ARRAY_SIZE(auto_patterns); i++)
			if (!fnmatch(auto_patterns[i], name, 0))
				return true;
	return false;
}

static bool lone_port(const struct mw_bridges *b, const char *name)
{
	for (unsigned i = 0; i < b->n_lone; i++)
		if (!strcmp(b->lone[i], name))
			return true;
	return false;
}

/* Whether link @l is to be watched as a container's port: a veth in a
 * watched bridge (its other ports, an uplink or a VM's tap, are not a
 * container's), or a port named with -i. Its bridge in @bridge (NULL when
 * it has none). */
static bool wanted(const struct mw_bridges *b, const struct link_list *list, const struct link *l,
		   const struct link **bridge)
{
	const struct link *m = l->master ? link_by_index(list, l->master) : NULL;

	*bridge = m && !strcmp(m->kind, "bridge") ? m : NULL;
	if (lone_port(b, l->name))
		return true;
	return *bridge && !strcmp(l->kind, "veth") && bridge_watched(b, (*bridge)->name);
}

/* Whether bridge @br has a port that is no veth (a NIC, a bond, a VM's tap):
 * then it is the host's way out, not only its containers'. */
static bool bridge_has_uplink(const struct link_list *list, const struct link *br)
{
	for (unsigned i = 0; i < list->n; i++)
		if (list->v[i].master == br->ifindex && strcmp(list->v[i].kind, "veth"))
			return true;
	return false;
}

int mw_bridges_claim(struct mw_bridges *b, const char *ifname)
{
	struct link_list list;
	const struct link *l, *m;
	int err;

	err = links_read(&list);
	if (err) {
		pr_warn("cannot read the interfaces (netlink): %s\n", strerror(-err));
		return err;
	}
	l = link_by_name(&list, ifname);
	m = l && l->master ? link_by_index(&list, l->master) : NULL;
	err = 0;
	if (l && !strcmp(l->kind, "bridge")) {
		/* a containers' bridge: the host routes their packets through
		 * it, which XDP there would take for the host's own; a bridge
		 * with an uplink port carries the host's traffic, and keeps XDP */
		bool uplink = bridge_has_uplink(&list, l);

		err = add_named(b, ifname, strlen(ifname));
		if (!err) {
			pr_info("%s: a bridge%s: its veth ports are watched as containers'%s\n",
				ifname, uplink ? " with an uplink port" : "",
				uplink ? ", and the bridge as the host's interface" :
					 " (no XDP on it)");
			err = !uplink;
		}
	} else if (l && m && !strcmp(m->kind, "bridge") && !strcmp(l->kind, "veth")) {
		if (b->n_lone < MW_MAX_IFACES) {
			snprintf(b->lone[b->n_lone++], IF_NAMESIZE, "%s", ifname);
			pr_info("%s: a veth port of bridge %s: watched as a container's port\n",
				ifname, m->name);
			err = 1;
		}
	}
	free(list.v);
	return err;
}

static void port_forget(struct mw_bridges *b, unsigned i, bool detach)
{
	struct mw_bridge_port *p = &b->ports[i];

	if (detach)
		mw_loader_detach_port(p->ifindex);
	bpf_map_delete_elem(b->ports_fd, &p->ifindex);
	b->ports[i] = b->ports[--b->n_ports];
}

static int port_attach(struct mw_bridges *b, const struct link *l, const struct link *bridge)
{
	struct mw_bridge_port *p;
	__u32 key = l->ifindex, val = bridge ? bridge->ifindex : 0;

	if (b->n_ports >= MW_PORTS_MAX)
		return -E2BIG; /* counted and said once by sync_ports */
	/* the map first: the egress program skips what another port counted */
	if (bpf_map_update_elem(b->ports_fd, &key, &val, BPF_ANY)) {
		int err = -errno;

		pr_warn("%s: cannot record the port: %s\n", l->name, strerror(-err));
		return err;
	}
	if (mw_loader_attach_port(b->loader, l->ifindex, l->name)) {
		bpf_map_delete_elem(b->ports_fd, &key);
		return -EIO; /* said why */
	}
	p = &b->ports[b->n_ports++];
	p->ifindex = l->ifindex;
	p->bridge_ifindex = val;
	snprintf(p->name, sizeof(p->name), "%s", l->name);
	snprintf(p->bridge, sizeof(p->bridge), "%s", bridge ? bridge->name : "");
	return 0;
}

/* Makes the attached ports those the links call for; @quiet: the start's
 * attachments are logged as one line. Returns how many were attached. */
static unsigned sync_ports(struct mw_bridges *b, bool quiet)
{
	const struct link *bridge;
	struct link_list list;
	unsigned i, added = 0, over = 0;
	int err;

	err = links_read(&list);
	if (err) {
		pr_warn("cannot read the interfaces (netlink): %s; container ports not updated\n",
			strerror(-err));
		return 0;
	}
	for (i = 0; i < b->n_ports;) {
		struct mw_bridge_port *p = &b->ports[i];
		const struct link *l = link_by_index(&list, p->ifindex);

		if (l && !strcmp(l->name, p->name) && wanted(b, &list, l, &bridge) &&
		    (bridge ? bridge->ifindex : 0) == p->bridge_ifindex) {
			i++;
			continue;
		}
		pr_info("%s: %s\n", p->name, l ? "left its bridge: no longer watched" : "is gone");
		port_forget(b, i, l != NULL);
	}
	for (i = 0; i < list.n; i++) {
		const struct link *l = &list.v[i];

		if (!wanted(b, &list, l, &bridge) || mw_bridges_port(b, l->ifindex, NULL))
			continue;
		err = port_attach(b, l, bridge);
		over += err == -E2BIG;
		if (err)
			continue;
		added++;
		if (!quiet)
			pr_info("%s: container port of %s attached (tc ingress and egress)\n",
				l->name, bridge ? bridge->name : "no bridge");
	}
	free(list.v);
	/* each link event syncs: the ports past the cap are said when their
	 * number changes, not once per event each */
	if (over != b->n_over_cap && over)
		pr_warn("%u container ports beyond the cap of %d: not watched (their flows are seen after NAT, as the host's)\n",
			over, MW_PORTS_MAX);
	b->n_over_cap = over;
	return added;
}

/* One line at the start: which bridges, how many ports each. */
static void log_watched(const struct mw_bridges *b)
{
	char line[512] = "";
	size_t used = 0;

	for (unsigned i = 0; i < b->n_ports && used < sizeof(line); i++)
		used += snprintf(line + used, sizeof(line) - used, " %s%s%s", b->ports[i].name,
				 *b->ports[i].bridge ? "@" : "", b->ports[i].bridge);
	pr_info("container bridges: %s%s%s; %u port%s watched%s%s\n", b->auto_names ? "auto" : "",
		b->auto_names && b->n_named ? " and " : "",
		b->n_named     ? "named" :
		!b->auto_names ? "none but -i ports" :
				 "",
		b->n_ports, b->n_ports == 1 ? "" : "s", b->n_ports ? ":" : "", line);
}

int mw_bridges_start(struct mw_bridges *b, struct mw_loader *l)
{
	if (!b->auto_names && !b->n_named && !b->n_lone)
		return 0;
	b->loader = l;
	b->ports_fd = mw_loader_map_fd(l, MW_MAP_PORTS);
	/* the monitor first: a port that appears during the first read is
	 * reported to it */
	b->mon = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!b->mon || mnl_socket_bind(b->mon, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		pr_warn("cannot watch the interfaces (netlink): %s\n", strerror(-err));
		if (b->mon)
			mnl_socket_close(b->mon);
		b->mon = NULL;
		return err;
	}
	sync_ports(b, true);
	log_watched(b);
	return 0;
}

int mw_bridges_fd(const struct mw_bridges *b)
{
	return b->mon ? mnl_socket_get_fd(b->mon) : -1;
}

void mw_bridges_changed(struct mw_bridges *b)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	bool any = false;

	if (!b->mon)
		return;
	/* what changed does not matter: the links are read again whole */
	while (mnl_socket_recvfrom(b->mon, buf, sizeof(buf)) > 0 || errno == ENOBUFS)
		any = true;
	if (any)
		sync_ports(b, false);
}

bool mw_bridges_port(const struct mw_bridges *b, unsigned ifindex, char bridge[IF_NAMESIZE])
{
	for (unsigned i = 0; i < b->n_ports; i++) {
		if (b->ports[i].ifindex != ifindex)
			continue;
		if (bridge)
			snprintf(bridge, IF_NAMESIZE, "%s", b->ports[i].bridge);
		return true;
	}
	return false;
}

unsigned mw_bridges_count(const struct mw_bridges *b)
{
	return b->n_ports;
}

json_t *mw_bridges_json(const struct mw_bridges *b)
{
	json_t *arr = json_array();

	for (unsigned i = 0; arr && i < b->n_ports; i++) {
		const char *name = b->ports[i].bridge;
		json_t *e = NULL;
		size_t j;

		for (j = 0; j < json_array_size(arr) && !e; j++)
			if (!strcmp(json_string_value(
					    json_object_get(json_array_get(arr, j), "name")),
				    name))
				e = json_array_get(arr, j);
		if (!e) {
			e = json_pack("{s:s, s:i}", "name", name, "ports", 0);
			if (!e || json_array_append_new(arr, e))
				continue;
		}
		json_object_set_new(
			e, "ports",
			json_integer(json_integer_value(json_object_get(e, "ports")) + 1));
	}
	return arr;
}

void mw_bridges_close(struct mw_bridges *b)
{
	while (b->n_ports)
		port_forget(b, b->n_ports - 1, true);
	if (b->mon)
		mnl_socket_close(b->mon);
	b->mon = NULL;
}
