#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# An SSH password guesser that tries to make the datapath forget its
# connection, against a real sshd:
#   1. after each wrong password it injects into its own connection a RST
#      in the window but not exact, a RST far outside it, and a SYN on the
#      same 5-tuple (scapy, inject_ssh.py): still SSHDICT, blocked, fewer
#      than 10 passwords reach sshd;
#   2. the same slow guesser (no injection) while spoofed SYNs from a /24
#      flood the host (synflood.py), with a flow table of 1024 entries that
#      the flood cycles many times over: still detected and blocked with
#      fewer than 10 passwords; its connection, evicted, came back watched.
# The passwords that reached sshd are printed as "# " lines.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=selftests/e2e/lib_inject.sh
. "$(dirname "$0")/lib_inject.sh"

PY=/usr/bin/python3 # the distribution's: paramiko and scapy
GUESSER2=192.0.2.3
ROUTER4=192.0.2.254 # the host answers the flood's sources through it

setup_topology || exit 1
in_cli ip addr add "$GUESSER2/24" dev "$CLI_IF"
in_cli ip addr add "$ROUTER4/24" dev "$CLI_IF"
in_srv ip route add default via "$ROUTER4"
start_sshd 'PasswordAuthentication yes' 'MaxAuthTries 6' 'MaxStartups 100' || exit 1
cat >"$RUN_DIR/inject.conf" <<CONF
[flows]
scan_interval = 500ms
max_flows = 1024
CONF
start_agent -c "$RUN_DIR/inject.conf" || exit 1

failed_tries() { grep -c "Failed password for .* from $1 " "$SSHD_DIR/sshd.log"; }
inserted_over() { test "$(counter flow_inserts)" -gt "$1"; }

# --- 1. RST and SYN injected into the guesser's own connection ---
sent=$(in_cli "$PY" "$(dirname "$0")/inject_ssh.py" "$SRV4" "$CLI4" "$CLI_IF" 30 0.4 1 2>"$RUN_DIR/inject1.err")
wait_until 5 blocked "$CLI4"
n=$(failed_tries "$CLI4")
log "injection: $n wrong passwords reached sshd ($sent sent)"
check "injection: SSHDICT detected" grep -q "detection: .*\"method\":\"SSHDICT\".*\"src_ip\":\"$CLI4\"" "$RUN_DIR/agent.log"
check "injection: blocked" blocked "$CLI4"
check "injection: fewer than 10 passwords reached sshd" test "$n" -lt 10
check "injection: the RSTs were seen and left out" test "$(counter rst_ignored)" -gt 0
check "injection: the SYNs on the live connection were seen and left out" test "$(counter syn_on_live)" -gt 0

# --- 2. a spoofed SYN flood cycling the flow table during a slow guesser ---
srv_mac=$(in_srv cat "/sys/class/net/$SRV_IF/address")
bg_cli "$PY" "$(dirname "$0")/synflood.py" "$CLI_IF" "$srv_mac" "$SRV4" 22 203.0.113.1-254 400 \
	>"$RUN_DIR/synflood.out" 2>&1
flood=$BG_PID
inserts0=$(counter flow_inserts)
wait_until 10 inserted_over $((inserts0 + 2048))
sent=$(in_cli "$PY" "$(dirname "$0")/inject_ssh.py" "$SRV4" "$GUESSER2" "$CLI_IF" 30 0.4 0 2>"$RUN_DIR/inject2.err")
wait_until 5 blocked "$GUESSER2"
flooded=$(($(counter flow_inserts) - inserts0))
kill "$flood" 2>/dev/null
wait "$flood" 2>/dev/null
n=$(failed_tries "$GUESSER2")
log "flood: $n wrong passwords reached sshd ($sent sent) amid $flooded new flows in a table of 1024; $(counter flow_restored) watched flows restored"
check "flood: the flood cycled the flow table" test "$flooded" -gt 4096
check "flood: SSHDICT detected" grep -q "detection: .*\"method\":\"SSHDICT\".*\"src_ip\":\"$GUESSER2\"" "$RUN_DIR/agent.log"
check "flood: blocked" blocked "$GUESSER2"
check "flood: fewer than 10 passwords reached sshd" test "$n" -lt 10
check_never_blocked "flood" 203.0.113.7

finish
