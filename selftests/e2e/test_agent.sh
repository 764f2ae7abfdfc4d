#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The agent's life: configuration errors, refusal of a second instance, a
# clean stop that detaches, restarts that adopt the pinned state, a SIGKILL
# that leaves the datapath running, an interface that disappears and
# returns, idle expiry, the default-route interface, bpffs inside
# `ip netns exec`.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

setup_topology || exit 1
AGENT=(nsenter --net="/run/netns/$SRV_NS" "$BIN/minewalld" --pin-path "$PIN" --run-dir "$RUN_DIR/run"
	--state-dir "$RUN_DIR/state" --events "$RUN_DIR/events.json")

# --- configuration ---
cat >"$RUN_DIR/bad.conf" <<'CONF'
[flows]
max_flows = 12
no_such_key = 1
udp_idle_timeout = soon
[agent]
xdp_mode = turbo
CONF
"${AGENT[@]}" -c "$RUN_DIR/bad.conf" --check-config >"$RUN_DIR/out" 2>&1
check_eq "bad config: exit status 1" $? 1
check "bad config: line 2 named (value out of range)" grep -q "bad.conf:2: flows.max_flows" "$RUN_DIR/out"
check "bad config: line 3 named (unknown key)" grep -q "bad.conf:3: unknown option 'no_such_key'" "$RUN_DIR/out"
check "bad config: line 4 named (bad duration)" grep -q "bad.conf:4: flows.udp_idle_timeout: 'soon'" "$RUN_DIR/out"
check "bad config: line 6 named (bad choice)" grep -q "bad.conf:6: agent.xdp_mode: 'turbo'" "$RUN_DIR/out"
printf '[flows\nmax_flows = 5000\n' >"$RUN_DIR/syntax.conf"
"${AGENT[@]}" -c "$RUN_DIR/syntax.conf" --check-config >"$RUN_DIR/out" 2>&1
check_eq "syntax error: exit status 1" $? 1
check "syntax error: line named" grep -q "syntax.conf:1: syntax error" "$RUN_DIR/out"
"${AGENT[@]}" -c "$RUN_DIR/missing.conf" --check-config >"$RUN_DIR/out" 2>&1
check_eq "missing explicit config: exit status 1" $? 1
cat >"$RUN_DIR/good.conf" <<'CONF'
# minewall test configuration
[flows]
max_flows = 8192
udp_idle_timeout = 1s
scan_interval = 200ms
closed_linger = 1s
CONF
check "good config passes --check-config" "${AGENT[@]}" -c "$RUN_DIR/good.conf" --check-config
"${AGENT[@]}" -c "$RUN_DIR/good.conf" --show-config >"$RUN_DIR/shown.conf" 2>&1
check "--show-config output is itself a valid config" "${AGENT[@]}" -c "$RUN_DIR/shown.conf" --check-config
check "--show-config shows the file's value" grep -q "^max_flows = 8192" "$RUN_DIR/shown.conf"
"${AGENT[@]}" -c "$RUN_DIR/good.conf" --max-flows 9000 --show-config >"$RUN_DIR/shown2.conf" 2>&1
check "command line overrides the file" grep -q "^max_flows = 9000" "$RUN_DIR/shown2.conf"
"${AGENT[@]}" --bogus >"$RUN_DIR/out" 2>&1
check_eq "unknown option: exit status 2" $? 2

check "the example config passes --check-config" "${AGENT[@]}" -c etc/minewall.conf --check-config
sed -E 's/^#([a-z_]+ =)/\1/; s/^#(\t)/\1/' etc/minewall.conf | grep -v '^interfaces' >"$RUN_DIR/example-uncommented.conf"
"${AGENT[@]}" -c "$RUN_DIR/example-uncommented.conf" --show-config | grep -v '^interfaces' >"$RUN_DIR/a.conf" 2>&1
"${AGENT[@]}" --show-config | grep -v '^interfaces' >"$RUN_DIR/b.conf" 2>&1
check "the example's documented values are the defaults" diff "$RUN_DIR/a.conf" "$RUN_DIR/b.conf"

# --- errors at start ---
"${AGENT[@]}" -i nosuchif0 >"$RUN_DIR/out" 2>&1
check_eq "no such interface: exit status 1" $? 1
check "no such interface: said plainly" grep -q "nosuchif0: no such interface" "$RUN_DIR/out"
"${AGENT[@]}" >"$RUN_DIR/out" 2>&1
check_eq "no -i and no default route: exit status 1" $? 1
check "no default route: said plainly" grep -q "no default route" "$RUN_DIR/out"
mw flows >"$RUN_DIR/out" 2>&1
check_eq "CLI with no agent state: exit status 1" $? 1
check "CLI with no agent state: says no agent runs" grep -q "minewalld is not running" "$RUN_DIR/out"
mw flows -j >"$RUN_DIR/out" 2>/dev/null
check "CLI errors are JSON in -j mode" python3 -c 'import json,sys; assert "error" in json.load(open(sys.argv[1]))' "$RUN_DIR/out"
mw flows --sort nonsense >/dev/null 2>&1
check_eq "CLI bad argument: exit status 2" $? 2

# --- the default route's interface ---
in_srv ip route add default via $CLI4
"${AGENT[@]}" -c "$RUN_DIR/good.conf" >"$RUN_DIR/noif.log" 2>&1 &
NOIF_PID=$!
wait_until 10 agent_running
check "no -i: attaches to the default route's interface" grep -q "protecting $SRV_IF, the interface of the default route" "$RUN_DIR/noif.log"
kill -TERM $NOIF_PID
wait $NOIF_PID
check_eq "SIGTERM: exit status 0" $? 0

# --- a second instance, a clean stop ---
start_agent -c "$RUN_DIR/good.conf" -v || exit 1
"${AGENT[@]}" -i "$SRV_IF" >"$RUN_DIR/out" 2>&1
check_eq "second instance: exit status 1" $? 1
check "second instance: refused clearly" grep -q "another minewalld is running" "$RUN_DIR/out"
check "XDP attached" sh -c "ip -n $SRV_NS link show $SRV_IF | grep -q xdp"
check "tc egress filter attached" sh -c "tc -n $SRV_NS filter show dev $SRV_IF egress | grep -q mw_tc_egress"

# --- the host's addresses follow changes ---
local_count() { mw status -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["maps"]["mw_local"]["entries"])'; }
local_count_is() { [ "$(local_count)" = "$1" ]; }
n0=$(local_count)
in_srv ip addr add 203.0.113.77/32 dev "$SRV_IF"
check_within 3 "an address added while running reaches mw_local" local_count_is $((n0 + 1))
in_srv ip addr del 203.0.113.77/32 dev "$SRV_IF"
check_within 3 "an address removed while running leaves mw_local" local_count_is "$n0"

# --- idle expiry and closed-flow linger ---
echo ping | in_cli socat -u - UDP4-SENDTO:$SRV4:7777,sourceport=42000
check "UDP flow recorded" sh -c "MINEWALL_PIN_PATH=$PIN $BIN/minewall flows -j | grep -q '\"remote_port\":42000'"
# flow_has PATTERN: a flow of the table matches PATTERN (its JSON text)
flow_has() { mw flows -j | grep -q "$1"; }
no_flow_has() { ! flow_has "$1"; }
check_within 5 "idle UDP flow removed after udp_idle_timeout" no_flow_has '"remote_port":42000'
check "idle end reported by the agent" grep -q "flow end (idle): udp 192.0.2.1:7777 <-> 192.0.2.2:42000" "$RUN_DIR/agent.log"
bg_srv socat -u TCP4-LISTEN:7778,reuseaddr OPEN:/dev/null
wait_listening srv tcp 7778
echo hello | in_cli socat -u - TCP4:$SRV4:7778,sourceport=42001
check_within 3 "closed TCP flow present right after close" \
	flow_has '"remote_port":42001,"initiator":"remote","state":"closed"'
check_within 3 "datapath flow end reported" grep -q "flow end (fin): tcp 192.0.2.1:7778 <-> 192.0.2.2:42001" "$RUN_DIR/agent.log"
check_within 5 "closed TCP flow removed after closed_linger" no_flow_has '"remote_port":42001'

# --- restart adopts the pinned state ---
bg_srv socat -u TCP4-LISTEN:7779,reuseaddr OPEN:/dev/null
wait_listening srv tcp 7779
# the client holds its connection open for the restart below
bg_cli sh -c "sleep 30 | socat -u - TCP4:$SRV4:7779,sourceport=42002"
wait_until 3 flow_has '"remote_port":42002,"initiator":"remote","state":"open"'
stop_agent
check "after SIGTERM: XDP detached" sh -c "! ip -n $SRV_NS link show $SRV_IF | grep -q xdp"
check "after SIGTERM: tc filter detached" sh -c "! tc -n $SRV_NS filter show dev $SRV_IF egress | grep -q mw_tc_egress"
check "after SIGTERM: status says not running" sh -c "MINEWALL_PIN_PATH=$PIN $BIN/minewall status -j | grep -q '\"running\":false'"
start_agent -c "$RUN_DIR/good.conf" -v || exit 1
check "restart: the open connection's flow is still in the table" \
	sh -c "MINEWALL_PIN_PATH=$PIN $BIN/minewall flows -j | grep -q '\"remote_port\":42002,\"initiator\":\"remote\",\"state\":\"open\"'"

# --- SIGKILL leaves the datapath in force; a restart adopts it ---
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
AGENT_PID=
check "after SIGKILL: XDP still attached" sh -c "ip -n $SRV_NS link show $SRV_IF | grep -q xdp"
before=$(mw status -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["packets_in"])')
in_cli ping -c 2 -i 0.2 -q $SRV4 >/dev/null
after=$(mw status -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["packets_in"])')
check "after SIGKILL: the datapath still counts" test "$after" -gt "$before"
start_agent -c "$RUN_DIR/good.conf" -v || exit 1
check "restart after SIGKILL: one XDP program, ours" sh -c "ip -n $SRV_NS -d link show $SRV_IF | grep -q 'prog/xdp id'"
check "restart after SIGKILL: counters kept" test "$(mw status -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["packets_in"])')" -ge "$after"

# --- the interface disappears and comes back ---
ip -n "$SRV_NS" link del "$SRV_IF"
check_within 3 "interface gone: reported" grep -q "$SRV_IF: interface is gone" "$RUN_DIR/agent.log"
ip link add "$SRV_IF" netns "$SRV_NS" type veth peer name "$CLI_IF" netns "$CLI_NS"
in_srv ip link set "$SRV_IF" up
in_cli ip link set "$CLI_IF" up
check_within 5 "interface back: re-attached" grep -q "$SRV_IF: interface re-appeared; attached again" "$RUN_DIR/agent.log"
check "interface back: XDP attached again" sh -c "ip -n $SRV_NS link show $SRV_IF | grep -q xdp"
stop_agent

# --- bpffs inside `ip netns exec` (which remounts /sys) ---
in_srv sh -c "$BIN/minewalld -i $SRV_IF --run-dir $RUN_DIR/run2 --state-dir $RUN_DIR/state2 --events $RUN_DIR/events2.json --pin-path /sys/fs/bpf/mw-nsexec & p=\$!; for i in \$(seq 50); do MINEWALL_PIN_PATH=/sys/fs/bpf/mw-nsexec $BIN/minewall status -j | grep -q running.:true && break; sleep 0.1; done; MINEWALL_PIN_PATH=/sys/fs/bpf/mw-nsexec $BIN/minewall status -j; kill \$p; wait \$p" >"$RUN_DIR/nsexec.out" 2>&1
check "under ip netns exec: bpffs mounted and the agent runs" grep -q '"running":true' "$RUN_DIR/nsexec.out"

finish
