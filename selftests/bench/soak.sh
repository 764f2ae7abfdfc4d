#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Soak (a benchmark, not a test): SOAK_SECONDS (default 600) of mixed
# traffic through a running agent, in rounds of about 20 s: benign TCP
# connections with data, hydra against a real sshd from a rotating attacker
# address, a miner's Stratum login to a listed pool, captures of real attacks
# and mining replayed, and a burst of new flows from random sources. Prints
# the agent's RSS and CPU at the start and at the end, and what it did.
# `make soak`; cleans up everything it creates.
set -u
SUITE=soak
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
SECS=${SOAK_SECONDS:-600}
POOL=203.0.113.70

setup_topology || exit 1
SRV_MAC=$(in_srv cat "/sys/class/net/$SRV_IF/address")
in_cli ip addr add $POOL/24 dev "$CLI_IF"
in_srv ip route add 203.0.113.0/24 dev "$SRV_IF"
in_cli ip route add 192.0.2.0/24 dev "$CLI_IF" 2>/dev/null
printf '%s\n' $POOL >"$RUN_DIR/pools.list"
cat >"$RUN_DIR/soak.conf" <<EOF2
[enforce]
ban_time = 20s
[blacklist]
lists = $RUN_DIR/pools.list
EOF2
start_sshd 'MaxAuthTries 6' || exit 1
bg_srv socat TCP4-LISTEN:8080,fork,reuseaddr SYSTEM:"head -c 20000 /dev/zero"
bg_cli socat TCP4-LISTEN:3333,fork,reuseaddr,bind=$POOL SYSTEM:"cat"
start_agent -c "$RUN_DIR/soak.conf" || exit 1
printf 'root\nadmin\n' >"$RUN_DIR/users"
printf 'a\nb\nc\nd\ne\nf\ng\nh\n' >"$RUN_DIR/words"

sample() { # prints "RSS_KiB CPU_TICKS"
	echo "$(awk '/^VmRSS/ { print $2 }' "/proc/$AGENT_PID/status") $(awk '{ print $14 + $15 }' "/proc/$AGENT_PID/stat")"
}
sleep 5
read -r rss0 cpu0 <<<"$(sample)"
t0=$(date +%s)
round=0
while [ $(($(date +%s) - t0)) -lt "$SECS" ]; do
	round=$((round + 1))
	# benign: 50 connections that fetch 20 kB each
	for _ in $(seq 1 50); do in_cli socat -u TCP4:$SRV4:8080 /dev/null 2>/dev/null; done
	# a dictionary attack from a new address each round
	att=192.0.2.$((100 + round % 100))
	in_cli ip addr add "$att/32" dev "$CLI_IF" 2>/dev/null
	in_cli ip route replace $SRV4/32 dev "$CLI_IF" src "$att" # hydra's source
	(cd "$RUN_DIR" && ip netns exec "$CLI_NS" timeout 8 hydra -I -L "$RUN_DIR/users" -P "$RUN_DIR/words" \
		-t 4 -s 22 ssh://$SRV4 >/dev/null 2>&1) || true
	in_cli ip route del $SRV4/32 dev "$CLI_IF" 2>/dev/null
	in_cli ip addr del "$att/32" dev "$CLI_IF" 2>/dev/null
	# the miner: a Stratum login from the protected host to the listed pool
	in_srv timeout 2 socat -u - TCP4:$POOL:3333 2>/dev/null <<<'{"id":1,"method":"login","params":{"login":"wallet","pass":"x","agent":"XMRig/6.21.0"}}' || true
	# real captures: an SSH guessing session and a miner
	replay_capture "$DATA/pcaps/zeek/sshguess.pcap"
	replay_capture "$DATA/pcaps/zeek-cryptomining/coinhive-stratum.pcap"
	# 2 s of new flows from random sources
	in_cli "$BIN/selftests/bench/bench_sendmmsg" "$CLI_IF" "$SRV_MAC" 198.18.0.1 $SRV4 2 1 random >/dev/null
	sleep 2
done
read -r rss1 cpu1 <<<"$(sample)"
t1=$(date +%s)
hz=$(getconf CLK_TCK)
events=$(wc -l <"$RUN_DIR/events.json")
blocks=$(grep -c '"event_type":"block"' "$RUN_DIR/events.json")
echo "soak: $((t1 - t0)) s, $round rounds of mixed traffic and attacks"
echo "agent RSS: $rss0 KiB at the start, $rss1 KiB at the end"
echo "agent CPU: $(echo "scale=2; ($cpu1 - $cpu0) * 100 / $hz / ($t1 - $t0)" | bc)% of a core on average"
echo "events written: $events (blocks: $blocks); agent alive: $(kill -0 "$AGENT_PID" 2>/dev/null && echo yes || echo no)"
mw status 2>/dev/null | grep -E "^(detections|flows|events)" || true
