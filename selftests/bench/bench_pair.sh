#!/bin/bash
# shellcheck disable=SC2034 # the variables are for the scripts that source it
# SPDX-License-Identifier: GPL-2.0-only
# bench_pair.sh - sourced by the real-packet benchmarks: two network
# namespaces joined by a veth pair, a generator ($GEN, 192.0.2.2 on $GEN_IF)
# and the measured host ($MON, 192.0.2.1 on $MON_IF, its MAC in $MON_MAC),
# with a private pin path ($PIN) and scratch directory ($DIR), all removed on
# exit. A script stops what it started in bench_stop(), if it defines one.
#   . bench_pair.sh NAME   (NAME: a short tag for the names, e.g. mwv)
TAG=${1:?usage: . bench_pair.sh TAG}
ID=$$
GEN=$TAG-$ID-gen MON=$TAG-$ID-mon
GEN_IF=${TAG}g$ID MON_IF=${TAG}m$ID
DIR=$(mktemp -d "/tmp/$TAG.XXXXXX")
PIN=/sys/fs/bpf/$TAG-$ID

bench_pair_cleanup() {
	declare -F bench_stop >/dev/null && bench_stop
	for n in $GEN $MON; do ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null; done
	sleep 0.3
	ip netns del "$GEN" 2>/dev/null
	ip netns del "$MON" 2>/dev/null
	rm -rf "$DIR" "$PIN"
}
trap bench_pair_cleanup EXIT

ip netns add "$GEN" && ip netns add "$MON" || exit 1
ip link add "$GEN_IF" netns "$GEN" type veth peer name "$MON_IF" netns "$MON"
ip -n "$GEN" addr add 192.0.2.2/24 dev "$GEN_IF"
ip -n "$MON" addr add 192.0.2.1/24 dev "$MON_IF"
ip -n "$GEN" link set "$GEN_IF" up
ip -n "$MON" link set "$MON_IF" up
ip -n "$MON" link set lo up
MON_MAC=$(ip -n "$MON" -br link show "$MON_IF" | awk '{ print $3 }')
