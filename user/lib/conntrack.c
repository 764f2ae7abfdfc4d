// SPDX-License-Identifier: GPL-2.0-only
/*
 * conntrack.c - one connection looked up in the kernel's connection tracking
 * (ctnetlink IPCTNL_MSG_CT_GET, one request and one answer).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <libmnl/libmnl.h>

#include "lib/conntrack.h"

struct mw_ct {
	struct mnl_socket *nl;
	unsigned portid;
	unsigned seq;
};

struct mw_ct *mw_ct_open(void)
{
	/* the answer to one GET comes at once: never wait long for it */
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	struct mw_ct *ct = calloc(1, sizeof(*ct));

	if (!ct)
		return NULL;
	ct->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!ct->nl || mnl_socket_bind(ct->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = errno;

		mw_ct_close(ct);
		errno = err;
		return NULL;
	}
	setsockopt(mnl_socket_get_fd(ct->nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ct->portid = mnl_socket_get_portid(ct->nl);
	ct->seq = (unsigned)time(NULL);
	return ct;
}

void mw_ct_close(struct mw_ct *ct)
{
	if (!ct)
		return;
	if (ct->nl)
		mnl_socket_close(ct->nl);
	free(ct);
}

static void put_tuple(struct nlmsghdr *nlh, int type, const struct mw_ct_tuple *t)
{
	struct nlattr *tuple = mnl_attr_nest_start(nlh, type), *nest;

	nest = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	if (mw_addr_is_v4(&t->src)) {
		mnl_attr_put(nlh, CTA_IP_V4_SRC, 4, t->src.addr + 12);
		mnl_attr_put(nlh, CTA_IP_V4_DST, 4, t->dst.addr + 12);
	} else {
		mnl_attr_put(nlh, CTA_IP_V6_SRC, 16, t->src.addr);
		mnl_attr_put(nlh, CTA_IP_V6_DST, 16, t->dst.addr);
	}
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, t->proto);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(t->sport));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(t->dport));
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_nest_end(nlh, tuple);
}

/* Reads a nested CTA_TUPLE_* of the answer; lengths are the kernel's, but
 * checked all the same. */
static int get_tuple(const struct nlattr *tuple, struct mw_ct_tuple *t)
{
	const struct nlattr *a, *b;

	memset(t, 0, sizeof(*t));
	mnl_attr_for_each_nested(a, tuple) {
		if (mnl_attr_get_type(a) == CTA_TUPLE_IP) {
			mnl_attr_for_each_nested(b, a) {
				unsigned len = mnl_attr_get_payload_len(b);
				struct mw_addr *to = NULL;
				struct in_addr in;

				switch (mnl_attr_get_type(b)) {
				case CTA_IP_V4_SRC:
				case CTA_IP_V6_SRC:
					to = &t->src;
					break;
				case CTA_IP_V4_DST:
				case CTA_IP_V6_DST:
					to = &t->dst;
					break;
				}
				if (!to)
					continue;
				if (len == 4) {
					memcpy(&in, mnl_attr_get_payload(b), 4);
					mw_addr_from_v4(to, &in);
				} else if (len == 16) {
					memcpy(to->addr, mnl_attr_get_payload(b), 16);
				} else {
					return -EBADMSG;
				}
			}
		} else if (mnl_attr_get_type(a) == CTA_TUPLE_PROTO) {
			mnl_attr_for_each_nested(b, a) {
				switch (mnl_attr_get_type(b)) {
				case CTA_PROTO_NUM:
					if (mnl_attr_validate(b, MNL_TYPE_U8) < 0)
						return -EBADMSG;
					t->proto = mnl_attr_get_u8(b);
					break;
				case CTA_PROTO_SRC_PORT:
					if (mnl_attr_validate(b, MNL_TYPE_U16) < 0)
						return -EBADMSG;
					t->sport = ntohs(mnl_attr_get_u16(b));
					break;
				case CTA_PROTO_DST_PORT:
					if (mnl_attr_validate(b, MNL_TYPE_U16) < 0)
						return -EBADMSG;
					t->dport = ntohs(mnl_attr_get_u16(b));
					break;
				}
			}
		}
	}
	return 0;
}

struct answer {
	struct mw_ct_tuple *orig, *reply;
	int found; /* bit 0 orig, bit 1 reply */
	int err;
};

static int on_attr(const struct nlattr *attr, void *data)
{
	struct answer *a = data;

	if (mnl_attr_get_type(attr) == CTA_TUPLE_ORIG) {
		a->err = a->err ?: get_tuple(attr, a->orig);
		a->found |= 1;
	} else if (mnl_attr_get_type(attr) == CTA_TUPLE_REPLY) {
		a->err = a->err ?: get_tuple(attr, a->reply);
		a->found |= 2;
	}
	return MNL_CB_OK;
}

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct nfgenmsg), on_attr, data);
}

int mw_ct_lookup(struct mw_ct *ct, const struct mw_ct_tuple *t, struct mw_ct_tuple *orig,
		 struct mw_ct_tuple *reply)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct answer a = { .orig = orig, .reply = reply };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;
	unsigned seq = ++ct->seq;
	ssize_t n;
	int ret;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = mw_addr_is_v4(&t->src) ? AF_INET : AF_INET6;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	put_tuple(nlh, CTA_TUPLE_ORIG, t);
	if (mnl_socket_sendto(ct->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	/* the answer, then the ACK (or only an error) */
	for (;;) {
		n = mnl_socket_recvfrom(ct->nl, buf, sizeof(buf));
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		ret = mnl_cb_run(buf, n, seq, ct->portid, on_msg, &a);
		/* the late answer to an earlier request that timed out */
		if (ret < 0 && errno == EPROTO)
			continue;
		if (ret < 0)
			return errno ? -errno : -EBADMSG;
		if (ret == MNL_CB_STOP)
			break;
	}
	if (a.err)
		return a.err;
	return a.found == 3 ? 0 : -ENOENT;
}
