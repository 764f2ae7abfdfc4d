#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end: real TCP, UDP and SSH traffic between namespaces; the flow table
# (through `minewall flows -j`) must report exactly what a capture on the
# protected host's interface saw: packets and IP bytes each way, initiator,
# handshake and state after close.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

setup_topology || exit 1
# wire-sized packets on the capture: no TSO/GSO/GRO on the protected veth
# (the datapath counts GSO super-packets as their segments anyway)
in_srv ethtool -K "$SRV_IF" tso off gso off gro off >/dev/null 2>&1
start_agent "--status-interval" 0 || exit 1

capture_start() {
	bg_srv tcpdump -i "$SRV_IF" -Z root -U --immediate-mode -s 128 -w "$RUN_DIR/$1.pcap" "$2" 2>"$RUN_DIR/$1.tcpdump"
	CAP_PID=$BG_PID
	wait_until 5 grep -q listening "$RUN_DIR/$1.tcpdump"
}

# flow_counts: the flow table without its ages
flow_counts() { mw flows -j | sed -E 's/"(age|idle)_ms":[0-9]+//g'; }

# capture_stop [ADDR]: stops the capture once ADDR's TCP connections have
# ended and the flow table is quiet (the last ACK of a close is in)
capture_stop() {
	[ $# -gt 0 ] && wait_until 3 tcp_ended "$1"
	wait_steady 3 flow_counts
	kill -INT "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
}

# compare NAME PROTO LADDR LPORT RADDR RPORT: flow table vs capture
compare() {
	mw flows -j >"$RUN_DIR/$1.json"
	check "$1: packets and bytes each way match the capture" \
		python3 "$(dirname "$0")/flowcheck.py" "$RUN_DIR/$1.pcap" "$RUN_DIR/$1.json" "$2" "$3" "$4" "$5" "$6"
}

# field NAME PROTO LPORT RPORT KEY: one field of the flow from the saved JSON
field() {
	python3 -c '
import json, sys
flows = json.load(open(sys.argv[1]))
m = [f for f in flows if f["proto"] == sys.argv[2] and f["local_port"] == int(sys.argv[3]) and f["remote_port"] == int(sys.argv[4])]
print(m[0][sys.argv[5]] if len(m) == 1 else "no-single-flow")' "$RUN_DIR/$1.json" "$2" "$3" "$4" "$5"
}

# --- TCP over IPv4, remote client uploads to the host ---
capture_start tcp4 "tcp port 5001"
bg_srv socat -u TCP4-LISTEN:5001,reuseaddr OPEN:/dev/null
wait_listening srv tcp 5001
head -c 200000 /dev/urandom | in_cli socat -u - TCP4:$SRV4:5001,sourceport=41001
capture_stop $CLI4
compare tcp4 tcp $SRV4 5001 $CLI4 41001
check_eq "tcp4: initiator is the remote side" "$(field tcp4 tcp 5001 41001 initiator)" remote
check_eq "tcp4: handshake completed" "$(field tcp4 tcp 5001 41001 handshake)" True
check_eq "tcp4: closed after FIN both ways" "$(field tcp4 tcp 5001 41001 state)" closed

# --- TCP over IPv6, the host connects out and downloads ---
capture_start tcp6 "tcp port 5003"
bg_cli socat -u SYSTEM:"head -c 300000 /dev/zero" TCP6-LISTEN:5003,reuseaddr
wait_listening cli tcp 5003
in_srv socat -u "TCP6:[$CLI6]:5003,sourceport=41003" OPEN:/dev/null
capture_stop $CLI6
compare tcp6 tcp $SRV6 41003 $CLI6 5003
check_eq "tcp6: initiator is the host" "$(field tcp6 tcp 41003 5003 initiator)" local
check_eq "tcp6: closed" "$(field tcp6 tcp 41003 5003 state)" closed
check_eq "tcp6: bytes in well above 300000" "$(( $(field tcp6 tcp 41003 5003 bytes_in) > 300000 ))" 1

# --- UDP over IPv4 in, IPv6 out ---
capture_start udp "udp port 5002 or udp port 5004"
bg_srv socat -u UDP4-RECV:5002 OPEN:/dev/null
bg_cli socat -u UDP6-RECV:5004 OPEN:/dev/null
wait_listening srv udp 5002
wait_listening cli udp 5004
for i in 1 2 3 4 5; do
	echo "datagram $i" | in_cli socat -u - UDP4-SENDTO:$SRV4:5002,sourceport=41002
	head -c 1000 /dev/zero | in_srv socat -u - "UDP6-SENDTO:[$CLI6]:5004,sourceport=41004"
done
capture_stop
compare udp udp $SRV4 5002 $CLI4 41002
mv "$RUN_DIR/udp.json" "$RUN_DIR/udp4.json"
compare udp udp $SRV6 41004 $CLI6 5004
check_eq "udp4: 5 datagrams in" "$(field udp4 udp 5002 41002 packets_in)" 5
check_eq "udp6: 5 datagrams of 1048 IP bytes out" "$(field udp udp 41004 5004 bytes_out)" 5240

# --- a real SSH session to sshd on the host ---
start_sshd 'PermitRootLogin prohibit-password' || exit 1
capture_start ssh "tcp port 22"
out=$(in_cli ssh -i "$SSHD_DIR/client_key" "${SSH_CLIENT_OPTS[@]}" -b $CLI4 root@$SRV4 'echo minewall-ssh-ok' 2>&1)
capture_stop $CLI4
check_eq "ssh: the session ran" "$out" minewall-ssh-ok
SSH_PORT=$(tshark -r "$RUN_DIR/ssh.pcap" -T fields -e tcp.srcport -Y "tcp.flags.syn==1 && tcp.flags.ack==0" 2>/dev/null | head -1)
compare ssh tcp $SRV4 22 $CLI4 "$SSH_PORT"
check_eq "ssh: handshake" "$(field ssh tcp 22 "$SSH_PORT" handshake)" True
check_eq "ssh: exchanges counted" "$(( $(field ssh tcp 22 "$SSH_PORT" exchanges) >= 6 ))" 1

# --- the pinned flow map carries BTF: bpftool prints named fields ---
check "bpftool dump of mw_flows shows named fields" \
	sh -c "bpftool -j map dump pinned $PIN/mw_flows | grep -q '\"local_port\"'"
check "bpftool dump of mw_stats shows named counters" \
	sh -c "bpftool map dump pinned $PIN/mw_stats | grep -q flow_inserts"

# --- status ---
mw status -j >"$RUN_DIR/status.json"
check_eq "status: running" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["running"])' "$RUN_DIR/status.json")" True
check_eq "status: XDP mode on the veth" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["interfaces"][0]["xdp_mode"])' "$RUN_DIR/status.json")" native
check "status: text mode prints the interface" sh -c "MINEWALL_PIN_PATH=$PIN $BIN/minewall status | grep -q '$SRV_IF'"
check "flows --top 2 --sort packets gives two flows" \
	sh -c "[ \$(MINEWALL_PIN_PATH=$PIN $BIN/minewall flows -j --top 2 --sort packets | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') = 2 ]"

finish
