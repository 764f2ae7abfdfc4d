// SPDX-License-Identifier: GPL-2.0-only
/*
 * port_addr.c - the addresses of a veth's other end, read from the host:
 * RTM_GETLINK names the peer's ifindex and the netnsid of its namespace,
 * RTM_GETADDR with IFA_TARGET_NETNSID (strict checking) dumps its addresses.
 * Asked only before a block, never per packet or flow.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "agent/port_addr.h"

struct peer {
	unsigned ifindex;
	int netnsid;
	bool has_nsid;
	bool found; /* the answer named a peer */
	const struct mw_addr *want;
	bool match;
};

/* One request, its answers to @cb until the dump's end or the ACK */
static int rtnl_ask(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned portid = mnl_socket_get_portid(nl), seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, cb, arg);
		if (ret < 0)
			return errno ? -errno : -EBADMSG;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct peer *p = data;
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
	{
		if (mnl_attr_get_type(a) == IFLA_LINK &&
		    mnl_attr_get_payload_len(a) >= sizeof(__u32)) {
			p->ifindex = mnl_attr_get_u32(a);
			p->found = p->ifindex != 0;
		} else if (mnl_attr_get_type(a) == IFLA_LINK_NETNSID &&
			   mnl_attr_get_payload_len(a) >= sizeof(__u32)) {
			p->netnsid = (int)mnl_attr_get_u32(a);
			p->has_nsid = p->netnsid >= 0;
		}
	}
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct peer *p = data;
	const struct nlattr *a;
	struct mw_addr got;

	/* in the container's namespace, any interface's (a container on two
	 * networks may route out of one with the other's address); in the
	 * agent's own, the peer's alone (never the host's addresses) */
	if (nlh->nlmsg_type != RTM_NEWADDR || (!p->has_nsid && ifa->ifa_index != p->ifindex))
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifa))
	{
		unsigned len = mnl_attr_get_payload_len(a);

		/* IFA_LOCAL is the address itself on a point-to-point link */
		if (mnl_attr_get_type(a) != IFA_ADDRESS && mnl_attr_get_type(a) != IFA_LOCAL)
			continue;
		if (ifa->ifa_family == AF_INET && len == 4)
			mw_addr_from_v4(&got, mnl_attr_get_payload(a));
		else if (ifa->ifa_family == AF_INET6 && len == 16)
			memcpy(got.addr, mnl_attr_get_payload(a), 16);
		else
			continue;
		if (!memcmp(&got, p->want, sizeof(got)))
			p->match = true;
	}
	return MNL_CB_OK;
}

int mw_port_peer_has_addr(unsigned ifindex, const struct mw_addr *want)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct peer p = { .want = want };
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct ifaddrmsg *ifa;
	unsigned seq = (unsigned)time(NULL);
	/* the kernel answers at once: never hang the main loop on it */
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	int one = 1, ret;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(nl, NETLINK_GET_STRICT_CHK, &one, sizeof(one)) < 0 ||
	    setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		ret = -errno;
		goto out;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK; /* the ACK ends the answer */
	nlh->nlmsg_seq = ++seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = (int)ifindex;
	ret = rtnl_ask(nl, nlh, link_cb, &p);
	if (ret)
		goto out;
	if (!p.found) {
		ret = -ENOENT; /* no veth: nothing to tell its container by */
		goto out;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++seq;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = mw_addr_is_v4(want) ? AF_INET : AF_INET6;
	/* no netnsid: the peer is in the agent's own namespace */
	if (p.has_nsid)
		mnl_attr_put_u32(nlh, IFA_TARGET_NETNSID, (__u32)p.netnsid);
	else
		ifa->ifa_index = p.ifindex;
	ret = rtnl_ask(nl, nlh, addr_cb, &p);
	if (!ret)
		ret = p.match;
out:
	mnl_socket_close(nl);
	return ret;
}
