// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include <bpf/bpf.h>
#include <libmnl/libmnl.h>

#include "lib/addr.h"
#include "agent/localaddr.h"
#include "lib/log.h"

#define MAX_ADDRS MW_LOCAL_MAX

struct addr_list {
	struct mw_addr addrs[MAX_ADDRS];
	__u32 ifindex[MAX_ADDRS];
	unsigned n;
};

int mw_rtnl_dump(int type, int family, mnl_cb_t cb, void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct rtgenmsg *rt;
	unsigned seq = time(NULL), portid;
	int ret;

	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
	rt->rtgen_family = family;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	while ((ret = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		ret = mnl_cb_run(buf, ret, seq, portid, cb, arg);
		if (ret <= MNL_CB_STOP)
			break;
	}
	ret = ret < 0 ? -errno : 0;
out:
	mnl_socket_close(nl);
	return ret;
}

static int addr_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFA_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_list *list = data;
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	struct mw_addr addr;

	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, tb);
	/* IFA_LOCAL is the host's address on point-to-point links */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || list->n >= MAX_ADDRS)
		return MNL_CB_OK;
	if (ifa->ifa_family == AF_INET && mnl_attr_get_payload_len(a) == 4)
		mw_addr_from_v4(&addr, mnl_attr_get_payload(a));
	else if (ifa->ifa_family == AF_INET6 && mnl_attr_get_payload_len(a) == 16)
		mw_addr_from_v6(&addr, mnl_attr_get_payload(a));
	else
		return MNL_CB_OK;
	list->ifindex[list->n] = ifa->ifa_index;
	list->addrs[list->n++] = addr;
	return MNL_CB_OK;
}

int mw_localaddr_sync(struct mw_localaddr *la)
{
	struct addr_list *list = calloc(1, sizeof(*list));
	struct mw_addr key, next, *prev = NULL;
	unsigned i;
	int ret;

	if (!list)
		return -ENOMEM;
	ret = mw_rtnl_dump(RTM_GETADDR, AF_UNSPEC, addr_cb, list);
	if (ret)
		goto out;
	for (i = 0; i < list->n; i++) {
		if (bpf_map_update_elem(la->map_fd, &list->addrs[i], &list->ifindex[i], 0)) {
			ret = -errno;
			pr_warn("cannot record local address: %s\n", strerror(-ret));
			goto out;
		}
	}
	/* then remove addresses the host no longer has */
	while (!bpf_map_get_next_key(la->map_fd, prev, &next)) {
		bool have = false;

		for (i = 0; i < list->n && !have; i++)
			have = !memcmp(&list->addrs[i], &next, sizeof(next));
		key = next;
		prev = &key;
		if (!have && !bpf_map_delete_elem(la->map_fd, &key))
			prev = NULL;
	}
	la->n_addrs = list->n;
	ret = list->n;
out:
	free(list);
	return ret;
}

int mw_localaddr_open(struct mw_localaddr *la, int map_fd)
{
	memset(la, 0, sizeof(*la));
	la->map_fd = map_fd;
	la->mon = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!la->mon)
		return -errno;
	if (mnl_socket_bind(la->mon, RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
			    MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(la->mon);
		la->mon = NULL;
		return err;
	}
	return 0;
}

int mw_localaddr_fd(const struct mw_localaddr *la)
{
	return la->mon ? mnl_socket_get_fd(la->mon) : -1;
}

bool mw_localaddr_changed(struct mw_localaddr *la)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	bool changed = false;

	/* the content does not matter: any change triggers a full re-sync,
	 * which also recovers from a socket overrun (ENOBUFS) */
	while (mnl_socket_recvfrom(la->mon, buf, sizeof(buf)) > 0 || errno == ENOBUFS)
		changed = true;
	return changed;
}

void mw_localaddr_close(struct mw_localaddr *la)
{
	if (la->mon)
		mnl_socket_close(la->mon);
	la->mon = NULL;
}

struct route_pick {
	int family;
	unsigned oif;
	unsigned metric;
	bool found;
};

static int route_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, RTA_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_pick *pick = data;
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	unsigned metric = 0, table;

	if (rtm->rtm_family != pick->family || rtm->rtm_dst_len != 0 ||
	    rtm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*rtm), route_attr, tb);
	table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (table != RT_TABLE_MAIN || !tb[RTA_OIF])
		return MNL_CB_OK;
	if (tb[RTA_PRIORITY])
		metric = mnl_attr_get_u32(tb[RTA_PRIORITY]);
	if (!pick->found || metric < pick->metric) {
		pick->found = true;
		pick->metric = metric;
		pick->oif = mnl_attr_get_u32(tb[RTA_OIF]);
	}
	return MNL_CB_OK;
}

int mw_localaddr_default_iface(char name[IF_NAMESIZE])
{
	static const int families[] = { AF_INET, AF_INET6 };
	unsigned i;

	for (i = 0; i < 2; i++) {
		struct route_pick pick = { .family = families[i] };

		if (mw_rtnl_dump(RTM_GETROUTE, families[i], route_cb, &pick))
			continue;
		if (pick.found && if_indextoname(pick.oif, name))
			return 0;
	}
	return -ENOENT;
}

struct gw_list {
	struct mw_addr *out;
	size_t max, n;
};

static int gateway_cb(const struct nlmsghdr *nlh, void *data)
{
	struct gw_list *g = data;
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const void *gw;

	if (rtm->rtm_dst_len != 0 || g->n >= g->max)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*rtm), route_attr, tb);
	if (!tb[RTA_GATEWAY])
		return MNL_CB_OK;
	gw = mnl_attr_get_payload(tb[RTA_GATEWAY]);
	if (rtm->rtm_family == AF_INET && mnl_attr_get_payload_len(tb[RTA_GATEWAY]) == 4)
		mw_addr_from_v4(&g->out[g->n++], gw);
	else if (rtm->rtm_family == AF_INET6 && mnl_attr_get_payload_len(tb[RTA_GATEWAY]) == 16)
		mw_addr_from_v6(&g->out[g->n++], gw);
	return MNL_CB_OK;
}

int mw_localaddr_gateways(struct mw_addr *out, size_t max)
{
	struct gw_list g = { .out = out, .max = max };

	mw_rtnl_dump(RTM_GETROUTE, AF_INET, gateway_cb, &g);
	mw_rtnl_dump(RTM_GETROUTE, AF_INET6, gateway_cb, &g);
	return g.n;
}
