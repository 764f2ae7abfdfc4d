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

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MW_FLOWS_DEFAULT);
	__type(key, struct mw_flow_key);
	__type(value, struct mw_flow);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mw_flows __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mw_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mw_stats __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, MW_EVENTS_BYTES);
} mw_events __weak SEC(".maps");

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

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MW_BLACKLIST_MAX);
	__type(key, struct mw_lpm_key);
	__type(value, __u32); /* list id */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mw_blacklist __weak SEC(".maps");

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

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mw_agent);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mw_agent __weak SEC(".maps");

#endif /* MW_MAPS_H */
