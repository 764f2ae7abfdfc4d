// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_gen.bpf.c - benchmark helpers, never loaded by the agent.
 * bench_gen_*: rewrites the packet's source port (and the low bytes of the
 * source address) from a counter before tail-calling the program under
 * test, so that BPF_PROG_TEST_RUN's repeat loop sees a new flow per packet,
 * or cycles through `cycle` flows. bench_empty_*: the do-nothing baselines.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "minewall.h"

const volatile __u32 cycle = 0; /* 0: never repeat a flow */
const volatile __u32 is_v6 = 0; /* packet layout: Ethernet + IPv4/IPv6 + TCP */
const volatile __u32 remote_is_dst = 0; /* egress: vary the destination, the remote side */

__u64 counter = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} target_xdp SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} target_tc SEC(".maps");

/* Offsets from the start of the frame: address low 16 bits, port. */
#define V4_SADDR_LO 28
#define V4_DADDR_LO 32
#define V4_SPORT 34
#define V4_DPORT 36
#define V6_SADDR_LO 36
#define V6_DADDR_LO 52
#define V6_SPORT 54
#define V6_DPORT 56

static __always_inline void rewrite(void *data, void *data_end)
{
	__u64 n = counter++;
	__u32 saddr_off = is_v6 ? (remote_is_dst ? V6_DADDR_LO : V6_SADDR_LO) :
				  (remote_is_dst ? V4_DADDR_LO : V4_SADDR_LO);
	__u32 sport_off = is_v6 ? (remote_is_dst ? V6_DPORT : V6_SPORT) :
				  (remote_is_dst ? V4_DPORT : V4_SPORT);
	__u16 *saddr, *sport;

	if (cycle)
		n %= cycle;
	saddr = data + saddr_off;
	sport = data + sport_off;
	if ((void *)(saddr + 1) > data_end || (void *)(sport + 1) > data_end)
		return;
	*sport = (__u16)n;
	*saddr = (__u16)(n >> 16);
}

SEC("xdp")
int bench_gen_xdp(struct xdp_md *ctx)
{
	rewrite((void *)(long)ctx->data, (void *)(long)ctx->data_end);
	bpf_tail_call(ctx, &target_xdp, 0);
	return XDP_ABORTED;
}

SEC("tc")
int bench_gen_tc(struct __sk_buff *skb)
{
	rewrite((void *)(long)skb->data, (void *)(long)skb->data_end);
	bpf_tail_call(skb, &target_tc, 0);
	return TC_ACT_SHOT;
}

SEC("xdp")
int bench_empty_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tc")
int bench_empty_tc(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

/* bench_drop_xdp: drops everything, the floor a fast drop is measured against. */
SEC("xdp")
int bench_drop_xdp(struct xdp_md *ctx)
{
	return XDP_DROP;
}

/* bench_emit_xdp: one flow-end event per run, as the datapath writes them,
 * so that the agent's consumer can be timed on a full ring. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20);
} bench_events SEC(".maps");

__u64 emitted = 0, emit_lost = 0;

SEC("xdp")
int bench_emit_xdp(struct xdp_md *ctx)
{
	struct mw_event_flow *ev = bpf_ringbuf_reserve(&bench_events, sizeof(*ev), 0);

	if (!ev) {
		emit_lost++;
		return XDP_PASS;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->hdr.type = MW_EV_FLOW_END;
	ev->hdr.reason = MW_END_FIN;
	ev->key.proto = 6;
	ev->key.remote_addr[10] = 0xff;
	ev->key.remote_addr[11] = 0xff;
	ev->key.remote_addr[15] = (__u8)emitted;
	ev->key.remote_port = (__u16)emitted;
	ev->flow.first_ns = emitted;
	ev->flow.packets[0] = 5;
	bpf_ringbuf_submit(ev, 0);
	emitted++;
	return XDP_PASS;
}

/* bench_lru_xdp: the floor under a new flow: a lookup and an insert into an
 * LRU hash of the flow table's size, key and value, and nothing else. The
 * key takes the IPv4 addresses and ports where the generator varies them. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MW_FLOWS_DEFAULT);
	__type(key, struct mw_flow_key);
	__type(value, struct mw_flow);
} bench_lru SEC(".maps");

SEC("xdp")
int bench_lru_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct mw_flow_key key = { .proto = 6 };
	struct mw_flow f = { 0 };

	if (data + V4_DPORT + 2 > data_end)
		return XDP_PASS;
	__builtin_memcpy(key.remote_addr + 12, data + V4_SADDR_LO - 2, 4);
	__builtin_memcpy(&key.remote_port, data + V4_SPORT, 2);
	if (bpf_map_lookup_elem(&bench_lru, &key))
		return XDP_PASS;
	f.packets[0] = 1;
	bpf_map_update_elem(&bench_lru, &key, &f, BPF_NOEXIST);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
