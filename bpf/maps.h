/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * maps.h - the maps and load-time config shared by the XDP and tc programs.
 *
 * Both program files include this header and are linked into one object by
 * `bpftool gen object`; the definitions are __weak so the linker keeps one
 * copy of each, and both programs share the same maps.
 */
#ifndef MW_MAPS_H
#define MW_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "minewall.h"

/* Set by the agent before load (skeleton rodata). */
const volatile struct mw_bpf_config mw_cfg __weak = MW_BPF_CONFIG_DEFAULT;

/* Entries in mw_block and mw_block_net, kept by the agent, so that XDP skips
 * a lookup entirely while its map is empty. */
volatile __u32 mw_nr_blocked __weak;
volatile __u32 mw_nr_blocked_net __weak;
/* Set by the agent: 1 to drop the packets of blacklisted flows (not in
 * dry-run, and not when the config says to only alert). */
volatile __u32 mw_bl_enforce __weak;
/* Entries in the blacklist tries (listed and learned), kept by the agent, so
 * that a new flow skips the lookups while no list is loaded. */
volatile __u32 mw_bl_entries __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MW_FLOWS_DEFAULT);
	__type(key, struct mw_flow_key);
	__type(value, struct mw_flow);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mw_flows __weak SEC(".maps");

/* An IP datagram in fragments: its addresses, identification, protocol. */
struct mw_frag_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__u32 id;
	__u8 proto;
	__u8 pad[3];
};

/* What a later fragment needs of its first: the ports, and the sequence
 * number of the datagram's L4 byte 0 (TCP: its seq minus its header). */
struct mw_frag_val {
	__be16 sport;
	__be16 dport;
	__u32 seq_base;
};

/* First fragments' ports, by datagram, for the later fragments. Not pinned:
 * a datagram lives for seconds, an agent's restart may forget it. An LRU,
 * so that a flood of first fragments only pushes out other fragments. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MW_FRAGS_MAX);
	__type(key, struct mw_frag_key);
	__type(value, struct mw_frag_val);
} mw_frags __weak SEC(".maps");

/*
 * A copy of every flow under observation: a protected service's connection
 * whose handshake was seen in order, open, still in its login phase (the
 * exchanges burst events are sent for). mw_flows is one LRU that anyone can
 * fill with new flows (spoofed SYNs, mid-stream segments, UDP); a flood
 * that pushes a watched connection out of it must not bring it back as an
 * unwatched mid-stream flow. Only connections a real peer completed enter
 * this table, so a forger cannot cycle it; an LRU all the same, so that a
 * connection gone without a trace (the agent also deletes what it ages out)
 * never fills it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MW_WATCHED_DEFAULT);
	__type(key, struct mw_flow_key);
	__type(value, struct mw_flow);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mw_watched __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mw_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mw_stats __weak SEC(".maps");

/* The events that decide blocks: flow ends, bursts, blacklist hits, new
 * public flows. Ring buffers are not pinned: their records are for the
 * agent that loaded the programs, and a new agent starts with empty rings. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, MW_EVENTS_BYTES);
} mw_events __weak SEC(".maps");

/* Payload peeks, in a ring of their own: anyone can send payloads, and a
 * flood of them must only ever fill this ring, never mw_events. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, MW_PEEKS_BYTES);
} mw_peeks __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MW_LOCAL_MAX);
	__type(key, struct mw_addr);
	__type(value, __u32); /* ifindex that holds the address */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mw_local __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MW_INTERNAL_MAX);
	__type(key, struct mw_lpm_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* LPM tries require it */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mw_internal __weak SEC(".maps");

/* The blacklist tries in force, swapped whole by the agent (minewall.h). The
 * inner definitions are templates: the agent creates the tries it puts in
 * slot 0 with the size its lists need. */
/* clang describes types seen only inside an inner-map template as forward
 * declarations, which libbpf cannot size; these unused globals make it emit
 * the full types (and give bpftool named fields for the tries). */
struct mw_lpm4_key mw_btf_bl4_key __weak;
struct mw_bl_value mw_btf_bl_value __weak;

struct mw_bl4_trie {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1);
	__type(key, struct mw_lpm4_key);
	__type(value, struct mw_bl_value);
	__uint(map_flags, BPF_F_NO_PREALLOC);
};

struct mw_bl6_trie {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1);
	__type(key, struct mw_lpm_key);
	__type(value, struct mw_bl_value);
	__uint(map_flags, BPF_F_NO_PREALLOC);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct mw_bl4_trie);
} mw_blacklist4 __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct mw_bl6_trie);
} mw_blacklist6 __weak SEC(".maps");

/* Flows that matched each list (index: list id). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MW_BL_LISTS_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mw_bl_hits __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MW_BLOCK_MAX);
	__type(key, struct mw_addr);
	__type(value, struct mw_block);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* memory for the blocks there are, not 1M */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mw_block __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MW_BLOCK_NET_MAX);
	__type(key, struct mw_lpm_key);
	__type(value, struct mw_block);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mw_block_net __weak SEC(".maps");

/* enum mw_svc of each local port (host order), set by the agent. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mw_svc __weak SEC(".maps");

/* Who owns each socket that connected or sent (bpf/sock_owner.bpf.c), by
 * socket cookie. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MW_OWNER_MAX);
	__type(key, __u64);
	__type(value, struct mw_owner);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mw_owner __weak SEC(".maps");

/* The containers' bridge ports the agent watches (bpf/tc_port.bpf.c): port
 * ifindex -> its bridge's ifindex. Not pinned: each agent attaches its own. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MW_PORTS_MAX);
	__type(key, __u32);
	__type(value, __u32);
} mw_ports __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mw_agent);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mw_agent __weak SEC(".maps");

#endif /* MW_MAPS_H */
