// SPDX-License-Identifier: GPL-2.0-only
/*
 * sock_owner.bpf.c - the process behind each connection the host opens.
 * cgroup connect and sendmsg hooks run in the calling task: they record who
 * it is under the socket's cookie; tc egress stores the cookie in the flow
 * it creates for the socket's first packet, so the agent can name the
 * process of any outbound flow. Attached to the cgroup v2 root, they see
 * every process; they never refuse anything.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "maps.h"

static __always_inline void mw_record_owner(void *ctx)
{
	__u64 cookie = bpf_get_socket_cookie(ctx);
	struct mw_owner o = {}, *known;
	__u64 id;

	id = bpf_get_current_pid_tgid();
	/* a UDP server calls sendmsg for every datagram: the same thread on
	 * the same socket is known already, and a lookup costs less than an
	 * LRU update */
	known = bpf_map_lookup_elem(&mw_owner, &cookie);
	if (known && known->tid == (__u32)id)
		return;
	o.pid = id >> 32;
	o.tid = (__u32)id;
	id = bpf_get_current_uid_gid();
	o.uid = (__u32)id;
	o.gid = id >> 32;
	o.cgroup_id = bpf_get_current_cgroup_id();
	o.ts_ns = bpf_ktime_get_coarse_ns();
	bpf_get_current_comm(o.comm, sizeof(o.comm));
	bpf_map_update_elem(&mw_owner, &cookie, &o, BPF_ANY);
}

SEC("cgroup/connect4")
int mw_connect4(struct bpf_sock_addr *ctx)
{
	mw_record_owner(ctx);
	return 1;
}

SEC("cgroup/connect6")
int mw_connect6(struct bpf_sock_addr *ctx)
{
	mw_record_owner(ctx);
	return 1;
}

/* unconnected UDP: each sendto() */
SEC("cgroup/sendmsg4")
int mw_sendmsg4(struct bpf_sock_addr *ctx)
{
	mw_record_owner(ctx);
	return 1;
}

SEC("cgroup/sendmsg6")
int mw_sendmsg6(struct bpf_sock_addr *ctx)
{
	mw_record_owner(ctx);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
