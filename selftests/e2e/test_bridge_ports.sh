#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end: containers behind a bridge and masquerade NAT are seen before
# NAT, on the host side of their veths. The server namespace is the
# container host (container_lib.sh): a bridge named docker0 (so that
# bridges = auto finds it), Docker-like containers on veth ports, and a
# masquerade toward the "internet" (the client namespace, 203.0.113.10). A
# container's connection must show in the flow table with the container's
# own address, its port's ifindex and its socket; the uplink keeps seeing
# the NAT'd connection, without a socket; a port added after the start is
# attached too, and everything is detached when the agent stops.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=selftests/e2e/container_lib.sh
. "$(dirname "$0")/container_lib.sh"

NET=203.0.113.10
BR4=172.31.5.1
CT1_4=172.31.5.2
CT2_4=172.31.5.3

setup_topology || exit 1
ct_bridge docker0 $BR4/24 || exit 1
ct_internet $NET || exit 1
ct_create c1 docker c1 $CT1_4 || exit 1
PORT1=$(ct_get c1 veth)
C1_NS=$(ct_get c1 ns)

start_agent || exit 1
check "the start names the watched port" grep -q "container bridges: auto; 1 port watched: $PORT1@docker0" "$RUN_DIR/agent.log"

ifindex() { ip -n "$SRV_NS" -o link show "$1" | cut -d: -f1; }
port_attached() {
	tc -n "$SRV_NS" filter show dev "$1" ingress | grep -q mw_port_ingress &&
		tc -n "$SRV_NS" filter show dev "$1" egress | grep -q mw_port_egress
}
check "the port has both programs" port_attached "$PORT1"
status_bridges() { mw status -j | /usr/bin/python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["summary"]["bridges"]))'; }
check_eq "status: the watched bridges and their ports" "$(status_bridges)" '[{"name": "docker0", "ports": 1}]'
check "the bridge itself has no XDP" sh -c "! ip -n $SRV_NS link show docker0 | grep -q xdp"

# flow LADDR LPORT RADDR RPORT FIELD: one field of that flow in mw_flows
# (a pair as IN/OUT), or "none"
flow() {
	bpftool -j map dump pinned "$PIN/mw_flows" | /usr/bin/python3 -c '
import ipaddress, json, sys
laddr, lport, raddr, rport, field = sys.argv[1:]
def addr(b):
    a = ipaddress.IPv6Address(bytes(int(x, 0) if isinstance(x, str) else x for x in b))
    return str(a.ipv4_mapped or a)
def port(p):
    return int.from_bytes(int(p).to_bytes(2, "little"), "big")
for e in json.load(sys.stdin):
    f = e.get("formatted", e)
    k, v = f["key"], f["value"]
    if (addr(k["local_addr"]), port(k["local_port"]), addr(k["remote_addr"]), port(k["remote_port"])) == (laddr, int(lport), raddr, int(rport)):
        print("/".join(map(str, v[field])) if isinstance(v[field], list) else v[field])
        break
else:
    print("none")' "$@"
}

# a container's connection to the internet, held open while it is looked at
bg_cli socat -u TCP4-LISTEN:5001,reuseaddr,fork OPEN:/dev/null
wait_listening cli tcp 5001
ct_bg c1 socat -u SYSTEM:"sleep 20" TCP4:$NET:5001,sourceport=41001
wait_until 5 sh -c "ip netns exec $C1_NS ss -Htn state established | grep -q :5001"

check_eq "container flow: local side is the container's own address" \
	"$(flow $CT1_4 41001 $NET 5001 initiator)" 1
check_eq "container flow: seen on the container's port" \
	"$(flow $CT1_4 41001 $NET 5001 ifindex)" "$(ifindex "$PORT1")"
check_eq "container flow: opened by the local side" "$(flow $CT1_4 41001 $NET 5001 host_opened)" 1
check "container flow: carries the container's socket" \
	test "$(flow $CT1_4 41001 $NET 5001 sock_cookie)" -gt 0
# masquerade keeps the source port when it is free
check_eq "uplink flow: the NAT'd connection on the uplink" \
	"$(flow $SRV4 41001 $NET 5001 ifindex)" "$(ifindex "$SRV_IF")"
check_eq "uplink flow: no socket after NAT" "$(flow $SRV4 41001 $NET 5001 sock_cookie)" 0

# a container talking to the host's own address is the host's inbound flow
bg_srv socat -u TCP4-LISTEN:5002,bind=$BR4,reuseaddr OPEN:/dev/null
wait_listening srv tcp 5002
echo hello | ct_exec c1 socat -u - TCP4:$BR4:5002,sourceport=41002
check_eq "container to host: the host's inbound flow" "$(flow $BR4 5002 $CT1_4 41002 initiator)" 0
check_eq "container to host: seen on the port" "$(flow $BR4 5002 $CT1_4 41002 ifindex)" \
	"$(ifindex "$PORT1")"

check_eq "container to host: the container's socket is not the host's" \
	"$(flow $BR4 5002 $CT1_4 41002 sock_cookie)" 0

# the host connecting to a container: the host's flow, with its socket
ct_bg c1 socat -u TCP4-LISTEN:5004,reuseaddr OPEN:/dev/null
wait_until 5 sh -c "ip netns exec $C1_NS ss -Hltn | grep -q :5004"
echo hello | in_srv socat -u - TCP4:$CT1_4:5004,sourceport=41005
check_eq "host to container: the host's flow, opened by the host" \
	"$(flow $BR4 41005 $CT1_4 5004 host_opened)" 1
check "host to container: with the host's socket" test "$(flow $BR4 41005 $CT1_4 5004 sock_cookie)" -gt 0

# an upload in GSO super-packets: each counted as the segments it becomes,
# on the port as on the uplink after NAT (the same packets, the same bytes)
head -c 300000 /dev/urandom | ct_exec c1 socat -u - TCP4:$NET:5001,sourceport=41004
both_views() { echo "$(flow $CT1_4 41004 $NET 5001 "$1") $(flow $SRV4 41004 $NET 5001 "$1")"; }
wait_steady 3 both_views packets
read -r port_pk up_pk < <(both_views packets)
read -r port_by up_by < <(both_views bytes)
log "upload, packets and bytes in/out: port $port_pk $port_by, uplink $up_pk $up_by"
check "upload: GSO counted in segments on the port (300 kB: 200 at least)" \
	test "${port_pk#*/}" -ge 200
check_eq "upload: the port and the uplink count the same packets" "$port_pk" "$up_pk"
check_eq "upload: ... and the same bytes" "$port_by" "$up_by"

# a container started after the agent: its port is attached as it appears
ct_create c2 docker c2 $CT2_4 || exit 1
PORT2=$(ct_get c2 veth)
C2_NS=$(ct_get c2 ns)
check_within 5 "a new port is attached" port_attached "$PORT2"
check "the new port is logged" grep -q "$PORT2: container port of docker0 attached" "$RUN_DIR/agent.log"

# container to container on the bridge: one flow, each packet counted once
# (the egress port skips what the other port counted)
ct_bg c2 socat -u TCP4-LISTEN:5003,reuseaddr OPEN:/dev/null
wait_until 5 sh -c "ip netns exec $C2_NS ss -Hltn | grep -q :5003"
ip netns exec "$C2_NS" tcpdump -i eth0 -Z root -U --immediate-mode -w "$RUN_DIR/c2c.pcap" tcp port 5003 2>"$RUN_DIR/c2c.tcpdump" &
CAP=$!
bg_pid $CAP
wait_until 5 grep -q listening "$RUN_DIR/c2c.tcpdump"
echo hello | ct_exec c1 socat -u - TCP4:$CT2_4:5003,sourceport=41003
c2c_packets() { flow $CT1_4 41003 $CT2_4 5003 packets; }
wait_until 3 sh -c "ip netns exec $C1_NS ss -Htn state time-wait | grep -q :5003"
wait_steady 3 c2c_packets
kill -INT $CAP 2>/dev/null
wait $CAP 2>/dev/null
sent=$(tcpdump -r "$RUN_DIR/c2c.pcap" -n src $CT1_4 2>/dev/null | wc -l)
check_eq "container to container: each packet counted once" \
	"$(c2c_packets)" "$(tcpdump -r "$RUN_DIR/c2c.pcap" -n src $CT2_4 2>/dev/null | wc -l)/$sent"

# a port that leaves the bridge is let go
in_srv ip link set "$PORT2" nomaster
check_within 5 "a port that left the bridge is detached" sh -c "! tc -n $SRV_NS filter show dev $PORT2 ingress | grep -q mw_port"

stop_agent
check "after SIGTERM: the port's programs are detached" sh -c "! tc -n $SRV_NS filter show dev $PORT1 ingress | grep -q mw_port; ! tc -n $SRV_NS filter show dev $PORT1 egress | grep -q mw_port"

# bridges = none: only what -i names. A port alone, then a bridge's ports.
in_srv ip link set "$PORT2" master docker0
printf '[network]\nbridges = none\n' >"$RUN_DIR/none.conf"
start_agent -c "$RUN_DIR/none.conf" -i "$PORT1" || exit 1
check "-i PORT: that port is watched" port_attached "$PORT1"
check "bridges = none: the bridge's other ports are not" sh -c "! tc -n $SRV_NS filter show dev $PORT2 ingress | grep -q mw_port"
stop_agent
# a bridge with a port that is no veth (here a VXLAN: this kernel has no
# dummy) is the host's uplink: it keeps XDP
in_srv ip link add "mwu$ID" type bridge
in_srv ip link add "mwd$ID" type vxlan id 42 dstport 4789
in_srv ip link set "mwd$ID" master "mwu$ID" up
in_srv ip link set "mwu$ID" up
start_agent -c "$RUN_DIR/none.conf" -i docker0 -i "mwu$ID" || exit 1
both_attached() { port_attached "$PORT1" && port_attached "$PORT2"; }
check "-i BRIDGE: its ports are watched" both_attached
check "-i BRIDGE: no XDP on the containers' bridge" sh -c "! ip -n $SRV_NS link show docker0 | grep -q xdp"
check "-i BRIDGE: XDP on a bridge with an uplink port" sh -c "ip -n $SRV_NS link show mwu$ID | grep -q xdp"
stop_agent

finish
