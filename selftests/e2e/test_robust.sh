#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Robustness and security (issue 10) against a running agent: least
# privilege (capabilities, the control socket, file modes), garbage on the
# control socket, tricks (a spoofed SYN flood with an innocent source, a
# spoofed flood from many sources, an allowlisted attacker caught red-handed
# in a real capture), faults (a flood of 1M new flows from random sources
# into a small table, the ring buffer overrun while the agent is stopped,
# SIGKILL with a block in force), and the agent under valgrind.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
HERE=$(dirname "$0")
# valgrind needs the build without sanitizers (make test builds both)
PLAIN_BIN=${MW_PLAIN_BIN:-build}

# under ASan, freed memory waits in a 256 MiB quarantine: keep it small so
# that the agent's RSS says what it holds
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=4"
setup_topology || exit 1
SRV_MAC=$(in_srv cat "/sys/class/net/$SRV_IF/address")
status_json() { mw status -j 2>/dev/null; }
counter() { status_json | python3 -c "import json,sys; print(json.load(sys.stdin)['counters']['$1'])"; }
# not_blocked ADDR: the agent answers, and ADDR is not among its blocks
not_blocked() {
	local out
	out=$(mw blocks -j) || return 1
	! grep -q "\"prefix\":\"$1[/\"]" <<<"$out"
}
table_within() { # table_within N: mw_flows holds at most N entries
	mw status -j | python3 -c "import json,sys; m=json.load(sys.stdin)['maps']['mw_flows']; assert m['entries'] <= $1, m"
}
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$AGENT_PID/status"; }

cat >"$RUN_DIR/robust.conf" <<EOF2
[flows]
max_flows = 16384
scan_interval = 500ms
[enforce]
max_blocks = 40
EOF2
start_agent -c "$RUN_DIR/robust.conf" || exit 1

# --- least privilege ---------------------------------------------------------
caps() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$AGENT_PID/status"; }
# CAP_NET_ADMIN (12), CAP_SYS_PTRACE (19), CAP_PERFMON (38), CAP_BPF (39)
check_eq "capabilities: effective = CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON, CAP_SYS_PTRACE (/proc/PID/exe)" "$(caps CapEff)" 000000c000081000
check_eq "capabilities: permitted the same" "$(caps CapPrm)" 000000c000081000
check_eq "capabilities: bounding set the same (a hook cannot regain more)" "$(caps CapBnd)" 000000c000081000
check_eq "capabilities: nothing inheritable or ambient" "$(caps CapInh)$(caps CapAmb)" 00000000000000000000000000000000
check "control socket: a root-only socket (srw-------, uid 0)" \
	sh -c "stat -c '%A %u' '$RUN_DIR/run/control.sock' | grep -qx 'srw------- 0'"
check_fails "control socket: a non-root user is refused" \
	setpriv --reuid=65534 --regid=65534 --clear-groups env MINEWALL_RUN_DIR="$RUN_DIR/run" \
	MINEWALL_PIN_PATH="$PIN" "$BIN/minewall" block 192.0.2.200
# behind the file mode, the agent checks the peer's credentials itself: a
# non-root process that reaches the socket is answered with a refusal
chmod 0666 "$RUN_DIR/run/control.sock"
chmod o+x "$RUN_DIR/run"
setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
try:
    s.sendall(b"{\"cmd\":\"block\",\"prefix\":\"192.0.2.200\"}\n")
except BrokenPipeError:
    pass  # refused at once: the answer is waiting
print(s.recv(4096).decode())' "$RUN_DIR/run/control.sock" >"$RUN_DIR/nonroot.out" 2>&1
check "control socket opened to all: the agent still refuses a non-root peer" \
	grep -q "the control socket is for root" "$RUN_DIR/nonroot.out"
check "control socket opened to all: nothing blocked" not_blocked 192.0.2.200
chmod o-x "$RUN_DIR/run"
chmod 0600 "$RUN_DIR/run/control.sock"
mw block 192.0.2.201 --timeout 1h --reason "file modes" >/dev/null
check "files the agent writes: none world-writable" \
	sh -c "test -z \"\$(find '$RUN_DIR/run' '$RUN_DIR/state' '$RUN_DIR/events.json' '$PIN' -perm -o+w)\""
check "files the agent writes: its state is not world-readable either" \
	sh -c "test -z \"\$(find '$RUN_DIR/state' -type f -perm -o+r)\""
mw unblock 192.0.2.201 >/dev/null

# without CAP_SETPCAP (a unit that bounds the agent itself), the agent still
# cuts its permitted and effective sets, and says what it could not do
stop_agent
nsenter --net="/run/netns/$SRV_NS" setpriv --bounding-set=-setpcap "$BIN/minewalld" \
	-c "$RUN_DIR/robust.conf" -i "$SRV_IF" --pin-path "$PIN" --run-dir "$RUN_DIR/run" \
	--state-dir "$RUN_DIR/state" --events "$RUN_DIR/events.json" --status-interval 0 \
	>>"$RUN_DIR/agent.log" 2>&1 &
AGENT_PID=$!
wait_until 10 agent_running
check_eq "no CAP_SETPCAP: effective still CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON, CAP_SYS_PTRACE" "$(caps CapEff)" 000000c000081000
check_eq "no CAP_SETPCAP: permitted the same" "$(caps CapPrm)" 000000c000081000
check "no CAP_SETPCAP: the bounding set left as it was is reported" \
	grep -q "cannot drop capabilities from the bounding set" "$RUN_DIR/agent.log"
stop_agent
start_agent -c "$RUN_DIR/robust.conf" || exit 1

# --- garbage on the control socket -------------------------------------------
check "control socket: every bad request answered with an error, none crashes it" python3 - "$RUN_DIR/run/control.sock" <<'PY'
import json, socket, sys
bad = [b"not json\n", b"[1,2,3]\n", b'{"nocmd":1}\n', b'{"cmd":42}\n', b'{"cmd":"no_such_thing"}\n',
       b'{"cmd":"block","prefix":"300.1.1.1"}\n', b'{"cmd":"block","prefix":"192.0.2.9","timeout_ms":-5}\n',
       b'{"cmd":"allow","prefix":"::/-1"}\n', b'{"cmd":"unblock"}\n', b'\x00\xff\xfe{\n',
       b'{"cmd":"block","prefix":"192.0.2.9","reason":"' + b"x" * 70000 + b'"}\n',
       b'{"cmd":"ping","cmd":"ping"}\n', b"\n"]
for req in bad:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sys.argv[1])
    try:
        s.sendall(req)
    except BrokenPipeError:
        pass
    data = b""
    try:
        while not data.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:
        pass
    s.close()
    reply = json.loads(data)
    assert "error" in reply, (req[:40], reply)
PY
check "control socket: the agent answers after them" mw blocks -j
check "control socket: nothing was blocked by them" not_blocked 192.0.2.9

# --- tricks --------------------------------------------------------------------
bg_srv socat TCP4-LISTEN:22,fork,reuseaddr SYSTEM:"sleep 2"
wait_listening srv tcp 22
check "spoofed SYN flood carrying an innocent address: sent" \
	in_cli python3 "$HERE/synflood.py" "$CLI_IF" "$SRV_MAC" $SRV4 22 192.0.2.77 3000
check "spoofed SYN flood from 100 forged sources: sent" \
	in_cli python3 "$HERE/synflood.py" "$CLI_IF" "$SRV_MAC" $SRV4 22 198.51.100.100-199 30
# every SYN through the datapath and read by the agent (half-open flows end
# only after halfopen_timeout, 30 s: nothing more would come in seconds)
wait_steady 3 packets_seen
agent_sync
check "the innocent address is never blocked" not_blocked 192.0.2.77
check "half-open connections never count as a dictionary attack" \
	sh -c "! grep -q '\"method\":\"[A-Z]*DICT[A-Z]*\"' '$RUN_DIR/events.json'"
check_eq "no forged source fills the block sets" "$(mw blocks -j)" "[]"

# an allowlisted attacker, whatever the evidence: the real sshguess.pcap
# (17 failed SSH passwords from 192.168.56.1), the attacker in the allowlist
stop_agent
printf '[flows]\nscan_interval = 500ms\n[enforce]\nallow = 192.168.56.1/32\n' >"$RUN_DIR/allow.conf"
# replayed the way it happened (the server's side through tc egress), so
# that its handshakes are evidence
setup_replay_pair || exit 1
in_srv ip addr add 192.168.56.103/32 dev "$REPLAY_IF"
start_agent -c "$RUN_DIR/allow.conf" -i "$REPLAY_IF" || exit 1
check "allowlisted attacker: sshguess.pcap replayed" replay_split "$DATA/pcaps/zeek/sshguess.pcap" 192.168.56.103/32
check_within 5 "allowlisted attacker: the attack is still reported" grep -q '"method":"SSHDICT".*192.168.56.1' "$RUN_DIR/events.json"
agent_sync
check "allowlisted attacker: never blocked" not_blocked 192.168.56.1
check "allowlisted attacker: not in the block sets" \
	sh -c "! ip netns exec $SRV_NS nft list set inet minewall block4 | grep -q 192.168.56.1"
stop_agent
in_srv ip link del "$REPLAY_PEER"
start_agent -c "$RUN_DIR/robust.conf" || exit 1

# --- faults --------------------------------------------------------------------
# 1M new flows from random sources of 198.18.0.0/15 into a table of 16384
rss0=$(rss_kib)
bg_cli "$BIN/selftests/bench/bench_sendmmsg" "$CLI_IF" "$SRV_MAC" 198.18.0.1 $SRV4 5 1 random >"$RUN_DIR/flood.out"
FLOOD=$BG_PID
sleep 2 # in the middle of the 5-s flood
check "flood: the agent answers during it" timeout 5 env MINEWALL_RUN_DIR="$RUN_DIR/run" "$BIN/minewall" blocks -j
wait "$FLOOD"
sent=$(cat "$RUN_DIR/flood.out")
log "flood: $sent frames of random sources sent in 5 s"
check "flood: at least 500k frames went out" test "${sent:-0}" -ge 500000
evicted() { [ "$(counter flow_evictions)" -gt 100000 ]; }
check_within 5 "flood: the LRU evicted, and the evictions are counted (a sweep counts them)" evicted
check "flood: the table never holds more than its size" table_within 16384
rss1=$(rss_kib)
log "agent RSS: $rss0 KiB before the flood, $rss1 KiB after"
check "flood: the agent's memory stays bounded (< 64 MiB; grew < 8 MiB, 8 B a flow)" \
	test "$rss1" -lt 65536 -a $((rss1 - rss0)) -lt 8192
check "flood: the agent is alive and answers" mw blocks -j

# the ring buffer overrun: the agent stopped, the host itself opens 60000
# new flows to a public address (each one a NEW_PUBLIC event in the ring of
# the events that decide blocks, 4 MiB); what outsiders send (unsolicited
# DNS, spoofed SYNs, listed sources) only ever fills the best-effort ring
in_srv ip route replace 203.0.113.99/32 via $CLI4
lost0=$(counter events_lost)
kill -STOP "$AGENT_PID"
in_srv /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(60000):
    s.sendto(b"x", ("203.0.113.99", 1024 + i))'
kill -CONT "$AGENT_PID"
in_srv ip route del 203.0.113.99/32
check "ring overrun: the losses are counted" test "$(counter events_lost)" -gt "$lost0"
check "ring overrun: the agent is alive and answers" mw blocks -j
check_within 5 "ring overrun: the agent reports them (on its cycle)" grep -q "ring buffer full: [0-9]* events lost" "$RUN_DIR/agent.log"

# SIGKILL with a block in force: the block stays, XDP keeps dropping, a
# restart adopts it
in_cli ip addr add 192.0.2.150/24 dev "$CLI_IF"
mw block 192.0.2.150 --timeout 1h --reason "kept through SIGKILL" >/dev/null
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
AGENT_PID=
drops0=$(counter block_drops)
bg_srv socat -u UDP4-RECV:7070 OPEN:"$RUN_DIR/udp.out",creat,append
wait_listening srv udp 7070
in_cli socat -u - UDP4-SENDTO:$SRV4:7070,bind=192.0.2.150 <<<"after-kill" 2>/dev/null
check "SIGKILL: the block is still in nftables" sh -c "ip netns exec $SRV_NS nft list set inet minewall block4 | grep -q 192.0.2.150"
dropped() { [ "$(counter block_drops)" -gt "$drops0" ]; }
check_within 3 "SIGKILL: XDP still drops the blocked source" dropped
check "SIGKILL: nothing from it arrived" sh -c "! grep -q after-kill '$RUN_DIR/udp.out' 2>/dev/null"
start_agent -c "$RUN_DIR/robust.conf" || exit 1
adopted() { mw blocks -j | grep -q '"prefix":"192.0.2.150".*"reason":"kept through SIGKILL"'; }
check "SIGKILL: the restart adopts the block with its reason" adopted

# the interface going down and up: still attached, still counting
in_srv ip link set "$SRV_IF" down
sleep 1 # down for a while, as an operator would leave it
in_srv ip link set "$SRV_IF" up
link_up() { in_srv ip link show "$SRV_IF" | grep -q 'state UP'; }
wait_until 5 link_up
agent_sync
pk0=$(counter packets_in)
in_cli ping -c 3 -i 0.2 -W 1 $SRV4 >/dev/null 2>&1
check "interface down and up: XDP still attached" sh -c "ip -n $SRV_NS link show $SRV_IF | grep -q xdp"
check "interface down and up: packets still counted" test "$(counter packets_in)" -gt "$pk0"
check "interface down and up: the agent answers" mw blocks -j
stop_agent

# --- valgrind ------------------------------------------------------------------
if [ -x "$PLAIN_BIN/minewalld" ] && command -v valgrind >/dev/null; then
	VG_LOG=$RUN_DIR/valgrind.log
	nsenter --net="/run/netns/$SRV_NS" valgrind --leak-check=full --errors-for-leak-kinds=definite \
		--suppressions="$HERE/../valgrind.supp" \
		--error-exitcode=99 --log-file="$VG_LOG" "$PLAIN_BIN/minewalld" -c "$RUN_DIR/robust.conf" \
		-i "$SRV_IF" --pin-path "$PIN" --run-dir "$RUN_DIR/run" --state-dir "$RUN_DIR/state" \
		--events "$RUN_DIR/events.json" --status-interval 0 >>"$RUN_DIR/agent.log" 2>&1 &
	AGENT_PID=$!
	wait_until 30 agent_running
	check "valgrind: the agent runs under it" agent_running
	# a scenario: connections, a block and its removal, a blacklist, a reload
	in_cli socat -u - TCP4:$SRV4:22 <<<"hello" 2>/dev/null
	mw block 192.0.2.160 --timeout 1h >/dev/null
	mw unblock 192.0.2.160 >/dev/null
	printf '203.0.113.99\n' >"$RUN_DIR/vg.list"
	mw blacklist load "$RUN_DIR/vg.list" >/dev/null
	in_cli socat -u - UDP4-SENDTO:$SRV4:7070 <<<"x" 2>/dev/null
	reload_agent 20
	agent_sync
	kill -TERM "$AGENT_PID"
	wait "$AGENT_PID"
	vg_rc=$?
	AGENT_PID=
	check_eq "valgrind: exit status (99: errors found)" "$vg_rc" 0
	check "valgrind: no errors" grep -q "ERROR SUMMARY: 0 errors" "$VG_LOG"
	check "valgrind: no definite leaks" \
		sh -c "grep -q 'definitely lost: 0 bytes' '$VG_LOG' || grep -q 'no leaks are possible' '$VG_LOG'"
	[ "$vg_rc" -eq 0 ] || tail -40 "$VG_LOG"
else
	fail "valgrind: needs valgrind and $PLAIN_BIN/minewalld (make all)"
fi

finish
