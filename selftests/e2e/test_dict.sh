#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Dictionary attacks seen in real traffic nobody here wrote: the captures
# zeek/sshguess.pcap (17 failed SSH passwords) and zeek/bruteforce.pcap (30
# failed FTP logins) replayed into the datapath are detected and their source
# blocked; ndpi/ssh.pcap (one normal session) is not. Then a real sshd: many
# key-based logins by "automation" are never blocked, a scripted password
# guesser is.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

setup_topology || exit 1

# Each capture is replayed the way it happened: the attacker's frames
# arrive at XDP, the server's leave through tc egress (replay_split), so the
# handshakes are seen complete and in order as they were live.
setup_replay_pair || exit 1
replay_and_expect() { # NAME CAPTURE SERVER ATTACKER METHOD
	in_srv ip addr add "$3/32" dev "$REPLAY_IF"
	start_agent -c "$RUN_DIR/dict.conf" -i "$REPLAY_IF" || return 1
	check "$1: replayed" replay_split "$2" "$3/32"
	check_within 3 "$1: $5 detected" grep -q "detection: .*\"method\":\"$5\".*\"src_ip\":\"$4\"" "$RUN_DIR/agent.log"
	check_within 3 "$1: the attacker is blocked" sh -c "MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall blocks -j | grep -q '\"prefix\":\"$4\",.*\"method\":\"$5\"'"
	mw flush >/dev/null
	stop_agent
	in_srv ip addr del "$3/32" dev "$REPLAY_IF"
	: >"$RUN_DIR/agent.log"
}

printf '[flows]\nscan_interval = 500ms\n' >"$RUN_DIR/dict.conf"
replay_and_expect sshguess "$DATA/pcaps/zeek/sshguess.pcap" 192.168.56.103 192.168.56.1 SSHDICT
FTP_SERVER=$(tshark -r "$DATA/pcaps/zeek/bruteforce.pcap" -T fields -e ip.dst -Y "tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport==21" 2>/dev/null | head -1)
FTP_CLIENT=$(tshark -r "$DATA/pcaps/zeek/bruteforce.pcap" -T fields -e ip.src -Y "tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport==21" 2>/dev/null | head -1)
replay_and_expect bruteforce "$DATA/pcaps/zeek/bruteforce.pcap" "$FTP_SERVER" "$FTP_CLIENT" DICTATTACK

# one normal SSH session: nothing
SSH_SERVER=$(tshark -r "$DATA/pcaps/ndpi/ssh.pcap" -T fields -e ip.dst -Y "tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport==22" 2>/dev/null | head -1)
declare_local "$SSH_SERVER"
start_agent -c "$RUN_DIR/dict.conf" || exit 1
check "ssh.pcap: replayed" replay_capture "$DATA/pcaps/ndpi/ssh.pcap"
agent_sync # what the replay brought is read: a detection would be out
check "ssh.pcap: one normal session is no attack" sh -c "! grep -q detection: $RUN_DIR/agent.log"
check_eq "ssh.pcap: nothing blocked" "$(mw blocks -j)" "[]"
stop_agent

# one RDP session (ndpi/rdp.pcap): nothing
RDP_SERVER=$(tshark -r "$DATA/pcaps/ndpi/rdp.pcap" -T fields -e ip.dst -Y "tcp.dstport==3389" 2>/dev/null | head -1)
declare_local "$RDP_SERVER"
start_agent -c "$RUN_DIR/dict.conf" || exit 1
check "rdp.pcap: replayed" replay_capture "$DATA/pcaps/ndpi/rdp.pcap"
agent_sync
check "rdp.pcap: one RDP session is no attack" sh -c "! grep -q detection: $RUN_DIR/agent.log"
stop_agent

# --- a real sshd ---
ssh-keygen -q -t ed25519 -N '' -f "$RUN_DIR/wrong_key"
start_sshd 'MaxAuthTries 6' || exit 1

# --- connected before the agent starts: a session is allowlisted, a guesser
# in the middle of its authentication is not ---
in_cli ip addr add 192.0.2.3/24 dev "$CLI_IF"
bg_cli ssh -i "$SSHD_DIR/client_key" "${SSH_CLIENT_OPTS[@]}" -b $CLI4 root@$SRV4 "sleep 30"
session_pid=$BG_PID
bg_cli /usr/bin/python3 -c '
import socket, time
s = socket.create_connection(("192.0.2.1", 22), source_address=("192.0.2.3", 0))
s.sendall(b"SSH-2.0-guesser\r\n")
time.sleep(30)'
guesser_pid=$BG_PID
session_up() { in_srv pgrep -f "^sshd: root@notty" >/dev/null && in_srv ss -Htn "dport = :22 or sport = :22" | grep -q 192.0.2.3; }
wait_until 5 session_up
start_agent -c "$RUN_DIR/dict.conf" || exit 1
check "at start: the peer of an established session is allowlisted" sh -c "MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall allowlist | grep -q '^$CLI4 .*SSH session'"
check "at start: a connection still authenticating is not" sh -c "! MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall allowlist | grep -q '^192.0.2.3 '"
kill "$session_pid" "$guesser_pid" 2>/dev/null
wait "$session_pid" "$guesser_pid" 2>/dev/null
allowed() { MINEWALL_RUN_DIR=$RUN_DIR/run "$BIN/minewall" allowlist | grep -q "^$CLI4 .*SSH session"; }
gone() { ! allowed; }
wait_until 8 gone
check "the session over, its peer is no longer allowlisted" sh -c "! MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall allowlist | grep -q '^$CLI4 '"
ok=0
for i in $(seq 1 10); do
	out=$(in_cli ssh -i "$SSHD_DIR/client_key" "${SSH_CLIENT_OPTS[@]}" root@$SRV4 "echo run-$i" 2>&1)
	[ "$out" = "run-$i" ] && ok=$((ok + 1))
done
check_eq "automation: 10 key-based logins in a row all worked" "$ok" 10
wait_ended $CLI4
check "automation: no detection" sh -c "! grep -q detection: $RUN_DIR/agent.log"
check_eq "automation: nothing blocked" "$(mw blocks -j)" "[]"

# a guesser: wrong keys offered one after another, as many as sshd allows
for i in $(seq 1 6); do
	in_cli timeout 10 ssh -i "$RUN_DIR/wrong_key" "${SSH_CLIENT_OPTS[@]}" -o IdentitiesOnly=yes -b $CLI4 root@$SRV4 true >/dev/null 2>&1
done
check_within 3 "guesser: SSHDICT detected" grep -q "detection: .*\"method\":\"SSHDICT\".*\"src_ip\":\"$CLI4\"" "$RUN_DIR/agent.log"
check_within 3 "guesser: blocked" blocked $CLI4
check "events file: detection and block lines with the EVE fields" python3 -c '
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
det = [e for e in evs if e["event_type"] == "detection" and e["method"] == "SSHDICT" and e["src_ip"] == sys.argv[2]]
assert det, "no detection"
for k in ("timestamp", "event_type", "method", "severity", "src_ip", "src_port", "dest_ip", "dest_port", "proto", "in_iface", "action", "detail"):
    assert k in det[-1], k
assert det[-1]["dest_port"] == 22 and det[-1]["proto"] == "TCP" and det[-1]["detail"]["attempts"] >= 3
assert any(e["event_type"] == "block" and e["src_ip"] == sys.argv[2] for e in evs), "no block event"' "$RUN_DIR/events.json" "$CLI4"
check "guesser: its connections now fail" sh -c "! ip netns exec $CLI_NS timeout 10 ssh -i $SSHD_DIR/client_key -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o ConnectTimeout=2 -b $CLI4 root@$SRV4 true"

finish
