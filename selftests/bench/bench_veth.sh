#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Real packets on a veth, one sending core (bench_sendmmsg: AF_PACKET,
# sendmmsg, qdisc bypassed): the rate that passes into the receiver's stack
# with minewall attached beside nothing attached, for one flow and for 100k
# flows; and the rate at which a flood from a blocked source is dropped,
# beside an XDP program that only drops. Then the same veth as a container's
# port (the generator is the container, its veth's host side a port of
# docker0, its packets routed toward the internet), with minewall watching
# the port beside nothing attached: the port's price per packet beside the
# uplink's. Figures only.
set -u
cd "$(dirname "$0")/../.." || exit 1
BIN=${MW_BIN:-build}
# shellcheck source=selftests/bench/bench_pair.sh
. selftests/bench/bench_pair.sh mwv
SECS=${MW_VETH_SECONDS:-3}
AGENT=
bench_stop() { [ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null; }

stat() { ip netns exec "$MON" cat "/sys/class/net/$MON_IF/statistics/$1"; }
xdp_drops() { ip netns exec "$MON" ethtool -S "$MON_IF" | awk '/xdp_drops:/ { s += $2 } END { print s + 0 }'; }
DST_MAC=$MON_MAC DST=192.0.2.1
# send for SECS seconds from FLOWS flows; prints "sent received dropped" per second
run() {
	local r0 d0 sent r1 d1
	r0=$(stat rx_packets)
	d0=$(xdp_drops)
	sent=$(ip netns exec "$GEN" "$BIN/selftests/bench/bench_sendmmsg" "$GEN_IF" "$DST_MAC" 192.0.2.2 "$DST" "$SECS" "$1")
	sleep 0.2
	r1=$(stat rx_packets)
	d1=$(xdp_drops)
	echo "$((sent / SECS)) $(((r1 - r0) / SECS)) $(((d1 - d0) / SECS))"
}
start_agent() {
	nsenter --net="/run/netns/$MON" "$BIN/minewalld" -i "$MON_IF" --pin-path "$PIN" --run-dir "$DIR/run" \
		--state-dir "$DIR/state" --events "$DIR/events.json" --status-interval 0 --metrics '' \
		--max-flows 262144 -q >"$DIR/agent.log" 2>&1 &
	AGENT=$!
	for _ in $(seq 1 100); do
		MINEWALL_PIN_PATH=$PIN "$BIN/minewall" status -j 2>/dev/null | grep -q '"running":true' && return
		sleep 0.1
	done
}
mwdrops() { MINEWALL_PIN_PATH=$PIN "$BIN/minewall" status -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["block_drops"])'; }

read -r s_none1 r_none1 _ < <(run 1)
read -r s_none100k r_none100k _ < <(run 100000)
# native XDP on a veth has a price of its own (frames without XDP headroom
# are copied): an empty program shows it
ip netns exec "$MON" xdp-loader load -m native -n bench_empty_xdp "$MON_IF" "$BIN/selftests/bench/bench_gen.bpf.o" >/dev/null 2>&1
read -r s_empty r_empty _ < <(run 1)
ip netns exec "$MON" xdp-loader unload --all "$MON_IF" >/dev/null 2>&1
start_agent
read -r s_mw1 r_mw1 _ < <(run 1)
read -r s_mw100k r_mw100k _ < <(run 100000)
MINEWALL_PIN_PATH=$PIN MINEWALL_RUN_DIR=$DIR/run "$BIN/minewall" block 192.0.2.2 >/dev/null
sleep 0.5
b0=$(mwdrops)
read -r s_blk _ _ < <(run 1)
b1=$(mwdrops)
kill "$AGENT"
wait "$AGENT" 2>/dev/null
AGENT=
ip netns exec "$MON" xdp-loader load -m native -n bench_drop_xdp "$MON_IF" "$BIN/selftests/bench/bench_gen.bpf.o" >/dev/null 2>&1
read -r s_drop _ d_drop < <(run 1)
ip netns exec "$MON" xdp-loader unload --all "$MON_IF" >/dev/null 2>&1

# the veth as a container's port: its address on docker0, the generator's
# frames to docker0's MAC and an internet address, routed (and dropped by a
# blackhole route: what is measured is the way in, up to the routing)
ip -n "$MON" addr del 192.0.2.1/24 dev "$MON_IF"
ip -n "$MON" link add docker0 type bridge
ip -n "$MON" addr add 192.0.2.1/24 dev docker0
ip -n "$MON" link set "$MON_IF" master docker0
ip -n "$MON" link set docker0 up
ip netns exec "$MON" sysctl -qw net.ipv4.ip_forward=1
ip -n "$MON" route add blackhole 198.51.100.0/24
DST_MAC=$(ip -n "$MON" -br link show docker0 | awk '{ print $3 }') DST=198.51.100.1
read -r s_pnone1 r_pnone1 _ < <(run 1)
read -r s_pnone100k r_pnone100k _ < <(run 100000)
start_agent # -i MON_IF: a veth port of a bridge, watched as a container's port
read -r s_port1 r_port1 _ < <(run 1)
read -r s_port100k r_port100k _ < <(run 100000)
tc -n "$MON" filter show dev "$MON_IF" ingress | grep -q mw_port_ingress ||
	echo "bench_veth: the agent did not watch the port" >&2
kill "$AGENT"
wait "$AGENT" 2>/dev/null
AGENT=

ratio() { echo "scale=2; $1 / ($2 + 0.000001)" | bc; }
# ns a packet that the attachment adds: 1/rate with it - 1/rate without
added_ns() { echo "scale=0; (10^9 / ($1 + 0.000001) - 10^9 / ($2 + 0.000001)) / 1" | bc; }
mw_drop=$(((b1 - b0) / SECS))
echo "real packets on a veth, $SECS s each, one sending core (packets/s into the receiver)"
printf '%-40s %12s %12s %8s\n' "case" "sent/s" "passed/s" "ratio"
printf '%-40s %12d %12d %8s\n' "nothing attached, 1 flow" "$s_none1" "$r_none1" "1.00"
printf '%-40s %12d %12d %8s\n' "empty XDP program, 1 flow" "$s_empty" "$r_empty" "$(ratio "$r_empty" "$r_none1")"
printf '%-40s %12d %12d %8s   (%s x the empty XDP program)\n' "minewall, 1 flow" "$s_mw1" "$r_mw1" \
	"$(ratio "$r_mw1" "$r_none1")" "$(ratio "$r_mw1" "$r_empty")"
printf '%-40s %12d %12d %8s\n' "nothing attached, 100k flows" "$s_none100k" "$r_none100k" "1.00"
printf '%-40s %12d %12d %8s\n' "minewall, 100k flows" "$s_mw100k" "$r_mw100k" "$(ratio "$r_mw100k" "$r_none100k")"
printf '%-40s %12s %12s %8s\n' "" "sent/s" "dropped/s" "ratio"
printf '%-40s %12d %12d %8s\n' "XDP program that only drops" "$s_drop" "$d_drop" "1.00"
printf '%-40s %12d %12d %8s\n' "minewall, blocked source" "$s_blk" "$mw_drop" "$(ratio "$mw_drop" "$d_drop")"
printf '%-40s %12s %12s %8s %10s\n' "a container's port (routed out)" "sent/s" "passed/s" "ratio" "ns added"
printf '%-40s %12d %12d %8s\n' "port, nothing attached, 1 flow" "$s_pnone1" "$r_pnone1" "1.00"
printf '%-40s %12d %12d %8s %10s\n' "port, minewall (its tc ingress), 1 flow" "$s_port1" "$r_port1" \
	"$(ratio "$r_port1" "$r_pnone1")" "$(added_ns "$r_port1" "$r_pnone1")"
printf '%-40s %12d %12d %8s\n' "port, nothing attached, 100k flows" "$s_pnone100k" "$r_pnone100k" "1.00"
printf '%-40s %12d %12d %8s %10s\n' "port, minewall, 100k flows" "$s_port100k" "$r_port100k" \
	"$(ratio "$r_port100k" "$r_pnone100k")" "$(added_ns "$r_port100k" "$r_pnone100k")"
printf 'ns a packet added, 1 flow / 100k flows: port %s / %s; uplink %s / %s (%s above the empty XDP program)\n' \
	"$(added_ns "$r_port1" "$r_pnone1")" "$(added_ns "$r_port100k" "$r_pnone100k")" \
	"$(added_ns "$r_mw1" "$r_none1")" "$(added_ns "$r_mw100k" "$r_none100k")" \
	"$(added_ns "$r_mw1" "$r_empty")"
