// SPDX-License-Identifier: GPL-2.0-only
/*
 * sock_owner.bpf.c - the process behind each connection the host opens.
 * cgroup connect and sendmsg hooks run in the calling task: they record who
 * it is under the socket's cookie; tc egress stores the cookie in the flow
 * it creates for the socket's first packet, so the agent can name the
 * process of any outbound flow. Attached to the cgroup v2 root, they see
 * every process; they never refuse anything.
 *
 * A cgroup egress program records, for connections to the host's SSH
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

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MW_SSH_WRITER_MAX);
	__type(key, struct mw_flow_key);
	__type(value, struct mw_ssh_writer);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mw_ssh_writer __weak SEC(".maps");

static __always_inline void mw_v4_mapped(__u8 *to, __u32 a)
{
	__builtin_memset(to, 0, 10);
	to[10] = 0xff;
	to[11] = 0xff;
	__builtin_memcpy(to + 12, &a, 4);
}

/* Whether the TCP segment @skb (from its IP header on) carries payload. */
static __always_inline int mw_has_payload(struct __sk_buff *skb)
{
	__u32 l3 = 40, doff = 0;
	__u8 b;

	if (skb->family == 2 /* AF_INET */) {
		if (bpf_skb_load_bytes(skb, 0, &b, 1))
			return 0;
		l3 = (b & 0xf) * 4;
	}
	if (bpf_skb_load_bytes(skb, l3 + 12, &b, 1))
		return 0;
	doff = (b >> 4) * 4;
	return skb->len > l3 + doff;
}

/*
 * Each segment a local SSH server sends (cgroup egress, in the writer's
 * context when it writes: the host's SSH replies are small and leave at
 * once): which sshd process wrote it, by uid. Only tasks named sshd* are
 * taken, and only segments with payload, so that a segment sent later from
 * softirq (a window that opened, a retransmission), whose current task is
 * whatever ran then, is never taken for the writer.
 */
SEC("cgroup_skb/egress")
int mw_ssh_egress(struct __sk_buff *skb)
{
	__u32 lport = skb->local_port;
	struct mw_ssh_writer w = {}, *known;
	struct mw_flow_key key = {};
	char comm[16];
	__u8 *svc;

	/* only the host's SSH servers: any other packet costs one array read */
	svc = bpf_map_lookup_elem(&mw_svc, &lport);
	if (!svc || *svc != MW_SVC_SSH || !mw_has_payload(skb))
		return 1;
	bpf_get_current_comm(comm, sizeof(comm));
	if (comm[0] != 's' || comm[1] != 's' || comm[2] != 'h' || comm[3] != 'd')
		return 1;
	if (skb->family == 2 /* AF_INET */) {
		mw_v4_mapped(key.local_addr, *(volatile __u32 *)&skb->local_ip4);
		mw_v4_mapped(key.remote_addr, *(volatile __u32 *)&skb->remote_ip4);
	} else {
		/* the context is read a 32-bit word at a time */
		for (int i = 0; i < 4; i++) {
			__u32 l = *(volatile __u32 *)&skb->local_ip6[i];
			__u32 r = *(volatile __u32 *)&skb->remote_ip6[i];

			__builtin_memcpy(key.local_addr + 4 * i, &l, 4);
			__builtin_memcpy(key.remote_addr + 4 * i, &r, 4);
		}
	}
	key.local_port = bpf_htons(lport);
	/* the port's two bytes in network order, in the word's upper half on a
	 * little-endian host (the kernel shifts them there) */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	key.remote_port = *(volatile __u32 *)&skb->remote_port >> 16;
#else
	key.remote_port = *(volatile __u32 *)&skb->remote_port;
#endif
	key.proto = IPPROTO_TCP;
	w.uid = (__u32)bpf_get_current_uid_gid();
	known = bpf_map_lookup_elem(&mw_ssh_writer, &key);
	if (known && known->uid == w.uid)
		return 1;
	w.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_map_update_elem(&mw_ssh_writer, &key, &w, BPF_ANY);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
