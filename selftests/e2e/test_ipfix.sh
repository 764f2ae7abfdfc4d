#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# IPFIX records a collector can trust: every packet of a connection is in
# its records. A TCP connection of about a hundred packets is captured on
# the server's interface with tcpdump and exported to nfcapd; the packets
# and bytes of each direction in nfdump's records equal the capture's. The
# last ACK after the FINs arrives after the close, which is why a closed
# connection waits out [agent] ipfix_linger before its export; with
# ipfix_linger = 0 the same connection is exported one packet short.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

setup_topology || exit 1
in_srv ethtool -K "$SRV_IF" gro off gso off tso off >/dev/null 2>&1
in_cli ethtool -K "$CLI_IF" gro off gso off tso off >/dev/null 2>&1
bg_srv python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.1", 9000)); s.listen(8)
while True:
    c, _ = s.accept()
    while True:
        m = c.recv(100)
        if not m: break
        c.sendall(m)
    c.close()
'
wait_listening srv tcp 9000

# one connection from client port @1: 50 messages, each echoed (about 100
# packets with the ACKs and the close), client closes first
talk() {
	in_cli python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.bind(("192.0.2.2", int(sys.argv[1]))); s.connect(("192.0.2.1", 9000))
for i in range(50):
    s.sendall(b"message %02d" % i); s.recv(100)
s.close()
' "$1"
}

# packets and IP bytes of each direction of the connection from port @2 in
# capture @1: "in_packets in_bytes out_packets out_bytes"
captured() {
	tshark -r "$1" -Y "tcp.port==$2" -T fields -e ip.src -e ip.len 2>/dev/null | python3 -c '
import sys
c = {"192.0.2.2": [0, 0], "192.0.2.1": [0, 0]}
for l in sys.stdin:
    src, n = l.split()
    c[src][0] += 1; c[src][1] += int(n)
print(*c["192.0.2.2"], *c["192.0.2.1"])'
}

# the same from nfdump's records of the connection from port @2 in @1
exported() {
	nfdump -R "$1" -q -N -o 'fmt:%sa,%sp,%dp,%pkt,%byt' 2>/dev/null | tr -d ' ' | python3 -c '
import sys
c = {"192.0.2.2": [0, 0], "192.0.2.1": [0, 0]}
for l in sys.stdin:
    sa, sp, dp, pkt, byt = l.strip().split(",")
    if sys.argv[1] not in (sp, dp) or sa not in c:
        continue
    c[sa][0] += int(pkt); c[sa][1] += int(byt)
print(*c["192.0.2.2"], *c["192.0.2.1"])' "$2"
}

# run_case NAME LINGER PORT: a collector, the agent with @LINGER, one
# connection captured; the collector stops before the agent, so that only
# what the agent exported while it ran is read.
run_case() {
	local name=$1 linger=$2 port=$3 dir=$RUN_DIR/$1
	mkdir -p "$dir/nfcapd"
	ip netns exec "$SRV_NS" nfcapd -w "$dir/nfcapd" -p 9995 -b 127.0.0.1 >"$dir/nfcapd.log" 2>&1 &
	local nfcapd_pid=$!
	bg_pid $nfcapd_pid
	wait_listening srv udp 9995
	# packet-buffered captures, read while they run (cleanup stops them)
	in_srv tcpdump -U -n -i "$SRV_IF" -w "$dir/srv.pcap" "tcp port 9000" 2>/dev/null &
	bg_pid $!
	in_srv tcpdump -U -n -i lo -w "$dir/ipfix.pcap" "udp port 9995" 2>/dev/null &
	bg_pid $!
	wait_until 5 test -s "$dir/srv.pcap"
	printf '[agent]\nipfix = 127.0.0.1:9995\nipfix_linger = %s\n' "$linger" >"$dir/agent.conf"
	start_agent -c "$dir/agent.conf" || return 1
	talk "$port"
	# the record is out once the collector's port has seen a data set
	# naming the port (IPFIX is UDP: tshark reads it as cflow)
	record_sent() {
		tshark -r "$dir/ipfix.pcap" -d udp.port==9995,cflow -Y "cflow.srcport==$port || cflow.dstport==$port" \
			-T fields -e frame.number 2>/dev/null | grep -q .
	}
	wait_until 15 record_sent
	kill -TERM $nfcapd_pid
	wait $nfcapd_pid 2>/dev/null
	stop_agent
	CAPTURED=$(captured "$dir/srv.pcap" "$port")
	EXPORTED=$(exported "$dir/nfcapd" "$port")
	log "$name: captured (in pkts bytes, out pkts bytes) $CAPTURED; exported $EXPORTED"
}

run_case linger 1s 43001 || exit 1
check "the capture holds the connection (about 100 packets)" \
	python3 -c 'import sys; v = list(map(int, sys.argv[1].split())); assert v[0] + v[2] >= 100, v' "$CAPTURED"
check_eq "ipfix_linger 1s: every packet and byte of both directions, as captured" "$EXPORTED" "$CAPTURED"

run_case at_close 0 43002 || exit 1
check "ipfix_linger 0: exported at the close, short of what came after it" \
	test "$EXPORTED" != "$CAPTURED"

finish
