// SPDX-License-Identifier: GPL-2.0-only
/*
 * sock_owner.bpf.c - the process behind each outbound TCP connection.
 * tcp_connect() runs in the connecting task, after the source port is
 * chosen and before the SYN is sent, so the flow key is complete and the
 * owner is recorded before the datapath sees the first packet.
 *
 * Only the few socket fields needed are declared, with CO-RE relocations
 * (preserve_access_index), so this file needs no generated vmlinux.h and
 * shares the UAPI headers of the packet programs.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>

#include "maps.h"

#define MW_AF_INET 2
#define MW_AF_INET6 10

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

static __always_inline void mw_mapped(__u8 *to, __be32 v4)
{
	__builtin_memset(to, 0, 10);
	to[10] = 0xff;
	to[11] = 0xff;
	__builtin_memcpy(to + 12, &v4, 4);
}

SEC("fentry/tcp_connect")
int BPF_PROG(mw_tcp_connect, struct sock *sk)
{
	struct mw_flow_key key = {};
	struct mw_owner o = {};
	__u16 family = sk->__sk_common.skc_family;
	__u64 id;

	if (family == MW_AF_INET) {
		mw_mapped(key.local_addr, sk->__sk_common.skc_rcv_saddr);
		mw_mapped(key.remote_addr, sk->__sk_common.skc_daddr);
	} else if (family == MW_AF_INET6) {
		/* IPv4-mapped peers of IPv6 sockets come out in our encoding */
		__builtin_memcpy(key.local_addr, &sk->__sk_common.skc_v6_rcv_saddr, 16);
		__builtin_memcpy(key.remote_addr, &sk->__sk_common.skc_v6_daddr, 16);
	} else {
		return 0;
	}
	key.local_port = bpf_htons(sk->__sk_common.skc_num);
	key.remote_port = sk->__sk_common.skc_dport;
	key.proto = IPPROTO_TCP;

	id = bpf_get_current_pid_tgid();
	o.pid = id >> 32;
	o.tid = (__u32)id;
	id = bpf_get_current_uid_gid();
	o.uid = (__u32)id;
	o.gid = id >> 32;
	o.cgroup_id = bpf_get_current_cgroup_id();
	o.ts_ns = bpf_ktime_get_coarse_ns();
	bpf_get_current_comm(o.comm, sizeof(o.comm));
	bpf_map_update_elem(&mw_owner, &key, &o, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
