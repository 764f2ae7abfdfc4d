// SPDX-License-Identifier: GPL-2.0-only
/*
 * sock_owner.bpf.c - the process behind each connection the host opens.
 * cgroup connect and sendmsg hooks run in the calling task: they record who
 * it is under the socket's cookie; tc egress stores the cookie in the flow
 * it creates for the socket's first packet, so the agent can name the
 * process of any outbound flow. Attached to the cgroup v2 root, they see
 * every process; they never refuse anything.
 *
 * An fentry on tcp_sendmsg records, for connections to the host's SSH
 * ports only, the uid that writes the server's bytes: OpenSSH's
 * unauthenticated child runs as its privilege-separation user, the session
 * after a login as the user. The dictionary detector asks it before it takes
 * a login's word for tries (a client can provoke replies of a login's sizes,
 * never sshd's change of user).
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

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

/* The fields of the kernel's struct sock this reads, relocated by CO-RE. */
struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MW_SSH_WRITER_MAX);
	__type(key, struct mw_flow_key);
	__type(value, struct mw_ssh_writer);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mw_ssh_writer __weak SEC(".maps");

static __always_inline void mw_v4_mapped(__u8 *to, __be32 a)
{
	__builtin_memset(to, 0, 10);
	to[10] = 0xff;
	to[11] = 0xff;
	__builtin_memcpy(to + 12, &a, 4);
}

SEC("fentry/tcp_sendmsg")
int BPF_PROG(mw_tcp_sendmsg, struct sock *sk)
{
	__u32 lport = sk->__sk_common.skc_num;
	struct mw_ssh_writer w = {}, *known;
	struct mw_flow_key key = {};
	__u8 *svc;

	/* only the host's SSH servers: any other send costs one array read */
	svc = bpf_map_lookup_elem(&mw_svc, &lport);
	if (!svc || *svc != MW_SVC_SSH)
		return 0;
	if (sk->__sk_common.skc_family == 2 /* AF_INET */) {
		mw_v4_mapped(key.local_addr, sk->__sk_common.skc_rcv_saddr);
		mw_v4_mapped(key.remote_addr, sk->__sk_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO(&key.local_addr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&key.remote_addr, sk, __sk_common.skc_v6_daddr);
	}
	key.local_port = bpf_htons(lport);
	key.remote_port = sk->__sk_common.skc_dport;
	key.proto = IPPROTO_TCP;
	w.uid = (__u32)bpf_get_current_uid_gid();
	known = bpf_map_lookup_elem(&mw_ssh_writer, &key);
	if (known && known->uid == w.uid)
		return 0;
	w.pid = bpf_get_current_pid_tgid() >> 32;
	w.ts_ns = bpf_ktime_get_coarse_ns();
	bpf_map_update_elem(&mw_ssh_writer, &key, &w, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
