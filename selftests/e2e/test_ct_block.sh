#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Container blocks (issue 19) on the real nftables of the protected
# namespace: two "containers" (network namespaces on a bridge in the host
# namespace, masqueraded toward the "internet" namespace); a block of a
# remote for container A cuts A off from it while B and the host still reach
# it, survives a restart of the agent, and `minewall unblock` lifts it. The
# cgroup variant: a process in a Docker-like cgroup of the host's own
# network namespace is cut off by a cgblock entry, another process is not.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

setup_topology || exit 1
CA_NS=mw-$ID-ca
CB_NS=mw-$ID-cb
BR=mwb$ID
CT_A=172.31.77.2
CT_B=172.31.77.3
POOL=203.0.113.10 # the "pool" on the internet side
CG_PARENT=/sys/fs/cgroup/unified/mw-test-$ID.slice
CG=$CG_PARENT/docker-0123456789abcdef$ID.scope

at_exit ip netns del "$CA_NS"
at_exit ip netns del "$CB_NS"
# the cgroup goes last: its processes have ended with the namespaces
at_exit sh -c "rmdir '$CG' '$CG_PARENT'"

# --- the container host: a bridge, two containers, masquerade ---
in_srv ip link add "$BR" type bridge
in_srv ip addr add 172.31.77.1/24 dev "$BR"
in_srv ip link set "$BR" up
for ct in a b; do
	ns=mw-$ID-c$ct
	ip netns add "$ns" || exit 1
	in_srv ip link add "mwv$ct$ID" type veth peer name eth0 netns "$ns"
	in_srv ip link set "mwv$ct$ID" master "$BR" up
	addr=$CT_A
	[ $ct = b ] && addr=$CT_B
	ip netns exec "$ns" ip link set lo up
	ip netns exec "$ns" ip addr add "$addr/24" dev eth0
	ip netns exec "$ns" ip link set eth0 up
	ip netns exec "$ns" ip route add default via 172.31.77.1
done
in_srv sysctl -qw net.ipv4.ip_forward=1
in_srv nft -f - <<NFT
table ip mwtest_nat {
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "$SRV_IF" ip saddr 172.31.77.0/24 masquerade
	}
}
NFT
in_cli ip addr add "$POOL/32" dev "$CLI_IF"
in_srv ip route add 203.0.113.0/24 via "$CLI4"

bg_cli socat -u TCP4-LISTEN:3333,bind=$POOL,reuseaddr,fork OPEN:/dev/null
wait_listening cli tcp 3333

# connect NS: a TCP connection from that namespace reaches the pool
connect() { echo x | ip netns exec "$1" timeout 2 socat -u - "TCP4:$POOL:3333,connect-timeout=1" 2>/dev/null; }
# connect_cg: the same from a process of the host namespace in the cgroup
# (nsenter, not `ip netns exec`, whose own /sys has no cgroup hierarchy)
connect_cg() {
	echo x | timeout 2 sh -c "echo \$\$ >'$CG/cgroup.procs' &&
		exec nsenter --net=/run/netns/$SRV_NS socat -u - TCP4:$POOL:3333,connect-timeout=1" 2>/dev/null
}

cat >"$RUN_DIR/ct.conf" <<CONF
[containers]
block_scope = container
CONF
start_agent -c "$RUN_DIR/ct.conf" || exit 1

check "before: container A reaches the pool" connect "$CA_NS"
check "before: container B reaches the pool" connect "$CB_NS"

# --- a block of the pool for container A only ---
check "minewall block $POOL --container $CT_A" mw block "$POOL" --container "$CT_A" \
	--container-id 0123456789abcdef0123 --container-name miner-a --reason "Stratum login" --timeout 1h
check_fails "container A cannot reach the pool" connect "$CA_NS"
check "container B still reaches the pool" connect "$CB_NS"
check "the host still reaches the pool" connect "$SRV_NS"
check "nft holds the container's address . the pool" \
	sh -c "ip netns exec $SRV_NS nft list set inet minewall cblock4 | grep -q '$CT_A . $POOL'"
check "the pool is not in the host's block set" \
	sh -c "! ip netns exec $SRV_NS nft list set inet minewall block4 | grep -q '$POOL'"
check_fails "nor listed as a host block (\"prefix\")" blocked "$POOL"
check "minewall blocks -j: scope container, its name and address" \
	sh -c "MINEWALL_PIN_PATH=$PIN MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall blocks -j |
		grep -q '\"scope\":\"container\",\"container\":{\"id\":\"0123456789abcdef0123\",\"name\":\"miner-a\",\"addr\":\"$CT_A\"'"
check "minewall blocks lists it in the container table" \
	sh -c "MINEWALL_PIN_PATH=$PIN MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall blocks | grep -q '^$POOL .* miner-a .* $CT_A '"
check "the block event says scope container and names it" \
	grep -q '"event_type":"block".*"scope":"container","container":{"id":"0123456789abcdef0123","name":"miner-a"' \
	"$RUN_DIR/events.json"
check_fails "the host's own address is never blocked for a container" \
	mw block "$SRV4" --container "$CT_A"
check_fails "a container block of a prefix is refused" \
	mw block 203.0.113.0/24 --container "$CT_A"

# --- a restart keeps it, named ---
stop_agent
check_fails "agent stopped: container A still cut off" connect "$CA_NS"
check "agent stopped: minewall blocks reads it from nftables" \
	sh -c "MINEWALL_PIN_PATH=$PIN MINEWALL_RUN_DIR=$RUN_DIR/run ip netns exec $SRV_NS $BIN/minewall blocks -j |
		grep -q '\"remote\":\"$POOL\",.*\"scope\":\"container\",\"container\":{[^}]*\"addr\":\"$CT_A\"'"
start_agent -c "$RUN_DIR/ct.conf" || exit 1
check_fails "after a restart: container A cannot reach the pool" connect "$CA_NS"
check "after a restart: container B reaches it" connect "$CB_NS"
check "after a restart: the block keeps its container's name" \
	sh -c "MINEWALL_PIN_PATH=$PIN MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall blocks -j | grep -q '\"name\":\"miner-a\"'"

# a lost ledger: the block is adopted from nftables, its keys read back
stop_agent
rm -f "$RUN_DIR/state/ledger_containers.json"
start_agent -c "$RUN_DIR/ct.conf" || exit 1
check "without its ledger: adopted from nftables (method, container address)" \
	sh -c "MINEWALL_PIN_PATH=$PIN MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall blocks -j |
		grep -q '\"remote\":\"$POOL\",\"origin\":\"local\",\"method\":\"MANUAL\",.*\"scope\":\"container\",\"container\":{[^}]*\"addr\":\"$CT_A\"'"
check_fails "without its ledger: container A still cut off" connect "$CA_NS"

# --- unblock ---
check_fails "unblock for container B: nothing to lift" mw unblock "$POOL" --container "$CT_B"
check "minewall unblock $POOL lifts the container block" mw unblock "$POOL"
check "container A reaches the pool again" connect "$CA_NS"
check "the unblock event says scope container" \
	grep -q '"event_type":"unblock".*"scope":"container"' "$RUN_DIR/events.json"

# allowlisting the remote lifts its container blocks at once
mw block "$POOL" --container "$CT_A" >/dev/null
check "minewall allow $POOL/32" mw allow "$POOL/32"
check "... lifts the container block" \
	sh -c "! ip netns exec $SRV_NS nft list set inet minewall cblock4 | grep -q '$POOL'"
check "minewall allow del $POOL/32" mw allow del "$POOL/32"

# --- the cgroup variant, in the host's own network namespace ---
mkdir -p "$CG" || exit 1
check "before: a process in the cgroup reaches the pool" connect_cg
check "minewall block $POOL --cgroup (level 2)" mw block "$POOL" --cgroup "$CG" \
	--container-name miner-cg --timeout 1h
check_fails "a process in the cgroup cannot reach the pool" connect_cg
check "another process of the host reaches it" connect "$SRV_NS"
check "container A (another network namespace) reaches it" connect "$CA_NS"
check "minewall unblock $POOL --container miner-cg" mw unblock "$POOL" --container miner-cg
check "the process in the cgroup reaches the pool again" connect_cg

finish
