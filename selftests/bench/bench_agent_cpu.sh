#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The CPU a running agent takes with 100k active flows in its table, over
# 10 s (utime + stime from /proc): with the shipped settings (a 1 s cycle,
# the table swept every 5 s) and with a sweep every second. A figure only.
set -u
cd "$(dirname "$0")/../.." || exit 1
BIN=${MW_BIN:-build}
ID=$$
NS=mwc-$ID
DIR=$(mktemp -d /tmp/mw-cpu.XXXXXX)
PIN=/sys/fs/bpf/mw-cpu-$ID
AGENT=
stop_agent() {
	[ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null
	AGENT=
}
cleanup() {
	stop_agent
	ip netns del $NS 2>/dev/null
	rm -rf "$DIR" "$PIN"
}
trap cleanup EXIT
ip netns add $NS || exit 1
ip -n $NS link set lo up
ip -n $NS link add mwc$ID type veth peer name mwp$ID
ip -n $NS link set mwc$ID up && ip -n $NS link set mwp$ID up

# measure LABEL CONFIG: one agent run with 100k flows in its table
measure() {
	printf '%b' "$2" >"$DIR/cpu.conf"
	rm -rf "$PIN"
	nsenter --net=/run/netns/$NS "$BIN/minewalld" -c "$DIR/cpu.conf" -i mwc$ID --xdp-mode generic \
		--pin-path "$PIN" --run-dir "$DIR/run" --state-dir "$DIR/state" --events "$DIR/events.json" \
		--status-interval 0 --metrics '' -q >"$DIR/agent.log" 2>&1 &
	AGENT=$!
	for _ in $(seq 1 100); do
		MINEWALL_PIN_PATH=$PIN "$BIN/minewall" status -j 2>/dev/null | grep -q '"running":true' && break
		sleep 0.1
	done
	"$BIN/selftests/bench/bench_agent" --fill "$PIN/mw_flows" 100000 || exit 1
	sleep 2
	t0=$(awk '{ print $14 + $15 }' "/proc/$AGENT/stat")
	sleep 10
	t1=$(awk '{ print $14 + $15 }' "/proc/$AGENT/stat")
	[ -n "${MW_PERF:-}" ] && perf record -q -e cpu-clock -g -o "$MW_PERF.$3" -p "$AGENT" -- sleep 5 >/dev/null 2>&1
	stop_agent
	hz=$(getconf CLK_TCK)
	echo "running agent, 100k active flows, $1: $(echo "scale=2; ($t1 - $t0) * 100 / $hz / 10" | bc)% of a core over 10 s (target <= 2%)"
}
measure "1 s cycle, sweep every 5 s (default)" '[dirnet]\nlearn = 0\n' default
measure "1 s cycle, sweep every 1 s" '[flows]\nscan_interval = 1s\n[dirnet]\nlearn = 0\n' sweep1s
