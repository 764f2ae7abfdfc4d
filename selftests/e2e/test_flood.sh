#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A flood of forged traffic from port 53 beside a real attack. tcpreplay
# sends, in a loop at top speed from the remote namespace, 100k distinct
# frames written by dnsflood.py: DNS answers over UDP (random IDs and ports,
# from the host's resolver and from random sources, IPv4 and IPv6) naming a
# listed name with forged addresses, TCP SYNs from port 53 (the host answers
# each with a RST: a flow that opens and closes) and TCP PA segments from
# port 53 carrying an answer in no connection.
#   1. during the flood, hydra -t 4 on the real sshd: blocked as SSHDICT
#      within 5 s; the ring of the events that decide blocks (mw_events)
#      lost nothing, the peeks' ring may have; the host's own lookup of a
#      listed name, through a real resolver amid the flood, is learned, and
#      nothing of the forged answers; no forged address is listed or
#      blocked; the agent's heartbeat kept advancing;
#   2. the flood alone for some seconds, then a clean hydra run from another
#      source: blocked as usual, and the flood made the agent act on nothing;
#   3. SYNs only, beside hydra: every frame a flow that opens and closes
#      (the host's RST), the heaviest load on the ring of flow ends.
# A baseline hydra run with no flood comes first, for comparison.
# MW_FLOOD_HEAVY=1 adds a 4th case: SYNs of 400k distinct flows (see there).
# The figures (rates, counters, tries, seconds) are printed as "# " lines.
# MW_FLOOD_PPS caps the rate (default: top speed).
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3            # the distribution's: scapy, and no pyenv shim to start
RESOLVER4=198.51.100.53        # the host's resolver, as configured
FORGED=203.0.113.200,203.0.113.201
REAL4=203.0.113.210            # the resolver's real answer for pool.flood.example
NAMES=la01.supportxmr.com,pool.flood.example # both listed below
CLI4B=192.0.2.3                # the second case's attacker
CLI4C=192.0.2.4                # the baseline's attacker
CLI4D=192.0.2.5                # the SYN flood's
CLI4E=192.0.2.6                # the heavy SYN flood's
ROUTER4=192.0.2.254            # the host's router (not the attacker: a gateway is allowlisted)
ROUTER6=2001:db8::fe
FLOOD_FRAMES=100000
FLOOD_ALONE_S=${MW_FLOOD_ALONE_S:-8}
HEAVY_S=${MW_FLOOD_HEAVY_S:-12}
BLOCK_S=5                      # bound on hydra's time to block under the flood

setup_topology || exit 1
# the host answers forged sources as a real one would: through its router
in_cli ip addr add "$ROUTER4/24" dev "$CLI_IF"
in_cli ip addr add "$ROUTER6/64" dev "$CLI_IF" nodad
in_srv ip route add default via "$ROUTER4"
in_srv ip -6 route add default via "$ROUTER6"
# a real resolver (dnsmasq) on the remote side, the host's through its
# resolv.conf (`ip netns exec` mounts /etc/netns/NS/resolv.conf over it)
mkdir -p "/etc/netns/$SRV_NS"
at_exit rm -rf "/etc/netns/$SRV_NS"
printf 'nameserver %s\noptions timeout:2 attempts:2\n' "$RESOLVER4" >"/etc/netns/$SRV_NS/resolv.conf"
in_cli ip addr add "$RESOLVER4/32" dev "$CLI_IF"
bg_cli dnsmasq --no-daemon --no-resolv --no-hosts --listen-address="$RESOLVER4" --bind-interfaces \
	--address="/pool.flood.example/$REAL4" --log-facility="$RUN_DIR/dnsmasq.log" 2>>"$RUN_DIR/dnsmasq.log"
start_sshd 'PasswordAuthentication yes' 'MaxStartups 100' 'MaxAuthTries 6' || exit 1
printf '# the flood names these\n%s\n' ${NAMES//,/ } >"$RUN_DIR/flood-names.txt"
cat >"$RUN_DIR/flood.conf" <<CONF
[flows]
scan_interval = 500ms
[dict]
window = 60s
[blacklist]
lists = flood=$RUN_DIR/flood-names.txt
resolvers = $RESOLVER4
CONF
start_agent -c "$RUN_DIR/flood.conf" || exit 1
seq -f "wrong-%g" 1 40 >"$RUN_DIR/passwords"

srv_mac=$(in_srv cat "/sys/class/net/$SRV_IF/address")
cli_mac=$(in_cli cat "/sys/class/net/$CLI_IF/address")
n=$("$PY" "$(dirname "$0")/dnsflood.py" "$RUN_DIR/flood.pcap" "$srv_mac" "$cli_mac" \
	"$SRV4" "$SRV6" "$RESOLVER4" "$FLOOD_FRAMES" "$FORGED" "$NAMES" 2>"$RUN_DIR/dnsflood.err")
check_eq "dnsflood.py wrote $FLOOD_FRAMES frames" "$n" "$FLOOD_FRAMES"

# --- helpers -------------------------------------------------------------
# status FILE: the agent's status; FILE holds its counters, "NAME VALUE" a
# line (one python per status: starting one costs a second on a busy machine)
status() {
	mw status -j 2>>"$RUN_DIR/status.err" | "$PY" -c '
import json, sys
for k, v in json.load(sys.stdin)["counters"].items():
    if isinstance(v, int):
        print(k, v)' >"$1"
}
# counter FILE NAME: one counter of a saved status
counter() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
# delta BEFORE AFTER NAME
delta() { echo $(($(counter "$2" "$3") - $(counter "$1" "$3"))); }
tx_frames() { in_cli cat "/sys/class/net/$CLI_IF/statistics/tx_packets"; }
learned_now() { mw blacklist list -j | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["learned_now"])'; }
failed_tries() { grep -c "Failed password for nobody from $1 " "$SSHD_DIR/sshd.log"; }

# flood_start SECONDS [PCAP]: tcpreplay loops the pcap (flood.pcap) for
# SECONDS at most; returns once it sends (loading the pcap takes a few
# seconds on a busy machine). The rate is taken from its first frame.
FLOOD_PID=
flood_sends() { [ "$(tx_frames)" -gt "$FLOOD_TX0" ]; }
flood_start() {
	local rate=(--topspeed)
	[ -n "${MW_FLOOD_PPS:-}" ] && rate=(--pps="$MW_FLOOD_PPS")
	FLOOD_TX0=$(tx_frames)
	bg_cli tcpreplay -q "${rate[@]}" --preload-pcap --loop=0 --duration="$1" \
		-i "$CLI_IF" "$RUN_DIR/${2:-flood.pcap}" >>"$RUN_DIR/tcpreplay.log" 2>&1
	FLOOD_PID=$BG_PID
	wait_until 15 flood_sends
	FLOOD_T0=$(date +%s%N)
}
# flood_stop: stops it; FLOOD_SENT and FLOOD_PPS say what it sent
flood_stop() {
	kill "$FLOOD_PID" 2>/dev/null
	wait "$FLOOD_PID" 2>/dev/null
	FLOOD_SENT=$(($(tx_frames) - FLOOD_TX0))
	FLOOD_PPS=$((FLOOD_SENT * 1000 / (($(date +%s%N) - FLOOD_T0) / 1000000 + 1)))
}

# The heartbeat's age, sampled every 0.2 s (and the time a status takes) into a file while the watcher
# runs; the agent updates it on every turn of its loop.
HB_PID=
hb_start() {
	: >"$RUN_DIR/hb.$1"
	(while :; do
		mw status -j 2>/dev/null | grep -o '"heartbeat_age_ms":[0-9]*' | cut -d: -f2 >>"$RUN_DIR/hb.$1"
		sleep 0.2
	done) &
	HB_PID=$!
	bg_pid "$HB_PID"
}
# hb_stop NAME: HB_N samples, HB_MAX the oldest heartbeat seen (ms)
hb_stop() {
	kill "$HB_PID" 2>/dev/null
	wait "$HB_PID" 2>/dev/null
	HB_N=$(grep -c . "$RUN_DIR/hb.$1")
	HB_MAX=$(sort -n "$RUN_DIR/hb.$1" | tail -1)
}

# the decisive ring, the forged answers and the agent, after a flood
check_flood_outcome() { # CASE BEFORE AFTER
	local c=$1 b=$2 a=$3
	log "$c: flood sent $FLOOD_SENT frames ($FLOOD_PPS/s); the datapath saw $(delta "$b" "$a" packets_in) in, $(delta "$b" "$a" packets_out) out"
	log "$c: events $(delta "$b" "$a" events) (lost $(counter "$a" events_lost)), peeks $(delta "$b" "$a" peeks) (lost $(counter "$a" peeks_lost)), flow ends $(delta "$b" "$a" flow_ends), flows created $(delta "$b" "$a" flow_inserts) (failed $(delta "$b" "$a" flow_insert_failures), mid-stream $(delta "$b" "$a" flow_midstream)), evictions $(counter "$a" flow_evictions)"
	log "$c: heartbeat sampled $HB_N times, oldest ${HB_MAX:-?} ms"
	check "$c: a flood (over 20k frames sent)" test "$FLOOD_SENT" -gt 20000
	check "$c: the datapath saw every frame" test "$(delta "$b" "$a" packets_in)" -ge "$FLOOD_SENT"
	check_eq "$c: no event of the decisive kinds lost (events_lost)" "$(counter "$a" events_lost)" 0
	check_eq "$c: only the real answer is learned, none of the forged ones" "$(learned_now)" 1
	check_fails "$c: the agent learned no forged address" \
		grep -E -q "learned (${FORGED//,/|}) " "$RUN_DIR/agent.log"
	check "$c: a forged address is not listed" \
		bash -c "MINEWALL_PIN_PATH=$PIN MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall blacklist test ${FORGED%%,*} -j | grep -q '\"listed\":false'"
	check "$c: the heartbeat was sampled during the flood" test "${HB_N:-0}" -ge 3
	check "$c: the heartbeat kept advancing (never older than 2 s)" test "${HB_MAX:-99999}" -lt 2000
	check "$c: the agent still runs" kill -0 "$AGENT_PID"
}

# blocks other than ADDR... : the agent blocked anything else
other_blocks() {
	mw blocks -j | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
blocks = d["blocks"] if isinstance(d, dict) else d
print(sum(1 for b in blocks if b["prefix"].split("/")[0] not in sys.argv[1:]))' "$@"
}

# use_source ADDR: the remote host's connections to the host leave from ADDR
# (hydra binds no address); each case has its own attacker, as the agent
# remembers the tries of the last one
use_source() {
	in_cli ip addr add "$1/24" dev "$CLI_IF" 2>/dev/null
	in_cli ip route replace "$SRV4/32" dev "$CLI_IF" src "$1"
}

# hydra_case CASE ADDR: hydra -t 4 from ADDR until blocked; logs and checks
# the seconds (from the events file's block) and the tries that reached sshd
hydra_case() {
	local c=$1 addr=$2 t0 tb secs tries
	use_source "$addr"
	t0=$(date +%s.%N)
	hydra_until_blocked "$addr" -l nobody -P "$RUN_DIR/passwords" -t 4 -w 5 "ssh://$SRV4"
	tb=$(first_block_at "$addr")
	secs=$(awk -v a="$t0" -v b="$tb" 'BEGIN { if (b != "") printf "%.2f", b - a }')
	tries=$(failed_tries "$addr")
	log "$c: hydra blocked ${secs:-never} s after it started, $tries wrong passwords reached sshd"
	check "$c: SSHDICT detected" \
		grep -q "detection: .*\"method\":\"SSHDICT\".*\"src_ip\":\"$addr\"" "$RUN_DIR/agent.log"
	check "$c: hydra's source blocked" blocked "$addr"
	check "$c: blocked within $BLOCK_S s" \
		awk -v s="$secs" -v b="$BLOCK_S" 'BEGIN { exit !(s != "" && s + 0 <= b) }'
	check "$c: hydra stopped before its 40 passwords ran out" test "$tries" -lt 40
}

# --- 0. the baseline: hydra with no flood ---------------------------------
hydra_case "no flood" $CLI4C

# --- 1. hydra during the flood -------------------------------------------
status "$RUN_DIR/s0"
hb_start 1
flood_start 20
sleep 1 # the flood in full swing before the attack
# the host's own lookup of a listed name, amid forged answers for it
in_srv getent ahostsv4 pool.flood.example >"$RUN_DIR/getent"
check "flood+hydra: the host resolves pool.flood.example" grep -q "^$REAL4 " "$RUN_DIR/getent"
check "flood+hydra: the real answer is learned" \
	wait_until 5 grep -q "learned $REAL4 for pool.flood.example" "$RUN_DIR/agent.log"
hydra_case flood+hydra $CLI4
flood_stop
hb_stop 1
status "$RUN_DIR/s1"
check_flood_outcome flood+hydra "$RUN_DIR/s0" "$RUN_DIR/s1"
check_eq "flood+hydra: nothing else blocked" "$(other_blocks $CLI4 $CLI4C)" 0

# --- 2. the flood alone, then a clean hydra run ---------------------------
ev0=$(grep -c '"event_type":"\(detection\|block\)"' "$RUN_DIR/events.json")
hb_start 2
flood_start "$FLOOD_ALONE_S"
wait "$FLOOD_PID" 2>/dev/null # runs its course
flood_stop
hb_stop 2
status "$RUN_DIR/s2"
ev1=$(grep -c '"event_type":"\(detection\|block\)"' "$RUN_DIR/events.json")
check_flood_outcome "flood alone" "$RUN_DIR/s1" "$RUN_DIR/s2"
check_eq "flood alone: no detection or block" "$((ev1 - ev0))" 0
check_eq "flood alone: nothing else blocked" "$(other_blocks $CLI4 $CLI4C)" 0
hydra_case "after the flood" $CLI4B

# --- 3. SYNs only: every frame a flow that opens and closes ----------------
n=$("$PY" "$(dirname "$0")/dnsflood.py" "$RUN_DIR/syn.pcap" "$srv_mac" "$cli_mac" \
	"$SRV4" "$SRV6" "$RESOLVER4" "$FLOOD_FRAMES" "$FORGED" "$NAMES" syn 2>>"$RUN_DIR/dnsflood.err")
check_eq "dnsflood.py wrote $FLOOD_FRAMES SYNs" "$n" "$FLOOD_FRAMES"
status "$RUN_DIR/s3"
hb_start 3
flood_start 20 syn.pcap
sleep 1 # the flood in full swing before the attack
hydra_case "SYN flood+hydra" $CLI4D
flood_stop
hb_stop 3
status "$RUN_DIR/s4"
check_flood_outcome "SYN flood+hydra" "$RUN_DIR/s3" "$RUN_DIR/s4"

# --- 4. (MW_FLOOD_HEAVY=1) SYNs of 400k distinct forged flows, the agent
# held up for 2 s in the middle (SIGSTOP: as CPU starvation or a long nft
# commit would), then hydra. Each SYN is a new flow the host closes with a
# RST: a flow end in mw_events, the ring of the events that decide blocks,
# though a flow whose handshake never happened can decide nothing. The ring
# holds a fraction of a second of such a flood, so anything that decides a
# block in those seconds (a burst, a flow end of a verified flow) is lost
# with them. Opt-in: it fails today (a design gap, reported), and without
# the pause whether it overflows depends on the machine's load.
if [ -n "${MW_FLOOD_HEAVY:-}" ]; then
	n=$("$PY" "$(dirname "$0")/dnsflood.py" "$RUN_DIR/syn400k.pcap" "$srv_mac" "$cli_mac" \
		"$SRV4" "$SRV6" "$RESOLVER4" 400000 "$FORGED" "$NAMES" syn 2>>"$RUN_DIR/dnsflood.err")
	check_eq "dnsflood.py wrote 400000 SYNs" "$n" 400000
	status "$RUN_DIR/s5"
	flood_start "$HEAVY_S" syn400k.pcap
	sleep 1 # the flood in full swing before the pause
	kill -STOP "$AGENT_PID"
	sleep 2 # the pause under test
	kill -CONT "$AGENT_PID"
	# its first turn: the heartbeat of the pause is not the point here
	wait_until 5 sh -c "MINEWALL_PIN_PATH=$PIN $BIN/minewall status -j | grep -q '\"heartbeat_age_ms\":[0-9]\{1,3\},'"
	hb_start 5
	hydra_case "heavy SYN flood, agent held 2 s, then hydra" $CLI4E
	wait "$FLOOD_PID" 2>/dev/null # runs its course
	flood_stop
	hb_stop 5
	status "$RUN_DIR/s6"
	check_flood_outcome "heavy SYN flood, agent held 2 s" "$RUN_DIR/s5" "$RUN_DIR/s6"
fi
log "the suite took $SECONDS s"

finish
