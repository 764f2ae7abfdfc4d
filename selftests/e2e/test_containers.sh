#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Issue 19: a container host. Three "containers" built the way Docker and
# containerd build them (container_lib.sh: a cgroup of the runtime's layout,
# a network namespace on a veth port of docker0, masquerade NAT, the
# runtime's state files) and, when it runs here, a real podman container.
# A Stratum login from inside one is detected with its container (id,
# name, image), its process and both views of its addresses, once (not
# again as the host's NATed flow); with block_scope = container the pool is
# cut off for that container only, the other containers and the host still
# reach it; the same process name in two containers is told apart; a curl
# from inside raises DIRNET naming its container; the CLI filters flows and
# events by container and `status` lists the containers with detections.
# shellcheck disable=SC2016 # jq filters: their $variables are jq's (--arg)
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=selftests/e2e/container_lib.sh
. "$(dirname "$0")/container_lib.sh"

POOL=203.0.113.20
WEB=203.0.113.21
DB=203.0.113.22

setup_topology || exit 1
ct_bridge docker0 172.31.0.1/24 || exit 1
ct_internet $POOL || exit 1
ct_internet $WEB || exit 1
ct_internet $DB || exit 1
ct_create miner docker miner-a 172.31.0.2 evil/xmrig:6.21 || exit 1
ct_create shop docker shop-b 172.31.0.3 nginx:1.25 || exit 1
CT_POD=api-7d9f8b6c5-x2x9q CT_K8S_NS=prod ct_create api containerd api 172.31.0.4 registry.example/api:2 || exit 1
miner_id=$(ct_get miner id) shop_id=$(ct_get shop id) api_id=$(ct_get api id)

# the "internet": a pool that answers a login with a job, and a web server
cat >"$RUN_DIR/pool.py" <<'PY'
import socket, sys, threading
def serve(c):
    f = c.makefile("rb")
    for line in f:
        c.sendall(b'{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"1","job":{"blob":"0707","job_id":"a","target":"711b0d00"},"status":"OK"}}\n')
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 3333)); s.listen(16)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
bg_cli /usr/bin/python3 "$RUN_DIR/pool.py" $POOL
bg_cli /usr/bin/python3 -m http.server --bind $WEB 80 --directory "$RUN_DIR"
wait_listening cli tcp 3333
wait_listening cli tcp 80

{
	ct_config
	printf 'block_scope = container\n[dirnet]\nlearn = 0\n'
} >"$RUN_DIR/ct.conf"
start_agent -c "$RUN_DIR/ct.conf" || exit 1
docker0_ports() { mw status -j | jq -e '.summary.bridges[] | select(.name == "docker0") | .ports == 3' >/dev/null; }
check_within 3 "the agent watches docker0's three ports" docker0_ports

# a miner is python3 under the miner's name (the kernel's comm is the name)
mkdir -p "$RUN_DIR/bin"
ln -sf "$(readlink -f /usr/bin/python3)" "$RUN_DIR/bin/xmrig"
XMRIG='{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A","pass":"x","agent":"XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0","algo":["rx/0"]}}'
# mine VAR: the container's xmrig logs in to the pool and stays connected
mine() {
	ct_bg "$1" "$RUN_DIR/bin/xmrig" -c '
import socket, sys, time
try:
    s = socket.create_connection((sys.argv[1], 3333), timeout=3)
    s.sendall(sys.argv[2].encode() + b"\n"); s.recv(4096)
except OSError:
    pass
time.sleep(60)
' $POOL "$XMRIG"
}
# detections VAR: the BPATTERNS detections of the pool naming VAR's container
detections() {
	grep '"event_type":"detection"' "$RUN_DIR/events.json" | grep BPATTERNS | grep "\"dest_ip\":\"$POOL\"" |
		grep "\"id\":\"$(ct_get "$1" id)\""
}
has_detection() { detections "$1" | grep -q .; }

mine miner
check_within 5 "a Stratum login from container miner-a is detected" has_detection miner
ev=$(detections miner | head -1)
log "the detection: $ev"
check "... naming its container: id, runtime docker, name miner-a, image" \
	jq -e --arg id "$miner_id" '.detail.process.container | .id == $id and .runtime == "docker" and .name == "miner-a" and .image == "evil/xmrig:6.21"' <<<"$ev"
check "... and its process (comm xmrig)" jq -e '.detail.process.comm == "xmrig"' <<<"$ev"
check "... with the container's own address (before NAT) as source" jq -e '.src_ip == "172.31.0.2"' <<<"$ev"
check "... and the host's view (after masquerade): the uplink's address" \
	jq -e --arg a "$SRV4" '.detail.view == "container" and .detail.host_view.src_ip == $a' <<<"$ev"
agent_sync
n=$(grep '"event_type":"detection"' "$RUN_DIR/events.json" | grep BPATTERNS | grep -c "\"dest_ip\":\"$POOL\"")
check_eq "one detection, not a second one for the host's NATed flow" "$n" 1

# the block is the container's: cblock4 holds (container . pool), block4 not the pool
cblocked() { in_srv nft list set inet minewall cblock4 | grep -q "$1 . ${2:-$POOL}"; }
check_within 3 "the pool is blocked for miner-a only (cblock4)" cblocked 172.31.0.2
check_fails "the pool is not blocked for the whole host (block4)" blocked $POOL
reach() { "$@" timeout 3 bash -c "exec 3<>/dev/tcp/$POOL/3333" 2>/dev/null; }
check_fails "miner-a can no longer reach the pool" reach ct_exec miner
check "shop-b still reaches the pool" reach ct_exec shop
check "the host still reaches the pool" reach in_srv

# the same process name in another container (a Kubernetes pod): its own
mine api
check_within 5 "the same xmrig in pod api is detected as the pod's" has_detection api
ev=$(detections api | head -1)
check "... with its pod, namespace and runtime containerd" \
	jq -e '.detail.process.container | .runtime == "containerd" and .pod == "api-7d9f8b6c5-x2x9q" and .namespace == "prod" and .name == "api"' <<<"$ev"
check_fails "... and never as miner-a's" jq -e --arg id "$miner_id" '.detail.process.container.id == $id' <<<"$ev"

# DIRNET: curl from shop-b to a web server it never talked to
ct_exec shop curl -s -o /dev/null --max-time 3 "http://$WEB/" || true
dirnet_shop() {
	grep '"method":"DIRNET"' "$RUN_DIR/events.json" | grep "\"dest_ip\":\"$WEB\"" |
		jq -e -s --arg id "$shop_id" 'map(select(.detail.process.container.id == $id and .detail.process.comm == "curl")) | length > 0' >/dev/null
}
check_within 5 "a curl from shop-b raises DIRNET naming container shop-b and curl" dirnet_shop
check_fails "... and not again as the host's NATed connection" bash -c \
	"grep '\"method\":\"DIRNET\"' '$RUN_DIR/events.json' | grep '\"dest_ip\":\"$WEB\"' | grep -vq '\"container\"'"

# a published port (DNAT, as `docker run -p 8080:80`): the client's
# connection to shop-b is inbound, never DIRNET's, never blocked
in_srv nft add chain ip $CT_NFT_TABLE prerouting '{ type nat hook prerouting priority dstnat; }'
in_srv nft add rule ip $CT_NFT_TABLE prerouting iifname "$SRV_IF" tcp dport 8080 dnat to 172.31.0.3:80
ct_bg shop /usr/bin/python3 -m http.server --bind 172.31.0.3 80 --directory "$RUN_DIR"
shop_listens() { ct_exec shop ss -Hltn 'sport = :80' | grep -q .; }
wait_until 5 shop_listens
check "a client reaches shop-b's published port" in_cli curl -s -o /dev/null --max-time 3 "http://$SRV4:8080/"
agent_sync
check_fails "... no DIRNET of that connection" grep -q "\"method\":\"DIRNET\".*\"dest_ip\":\"$CLI4\"" "$RUN_DIR/events.json"
check_fails "... the client is not blocked" blocked "$CLI4"

# the CLI, by container
events_of() { mw events -n 0 --container "$1" | grep -q "$2"; }
flows_of() { mw flows --container "$1" -j | jq -e "$2" >/dev/null; }
summary_names() { mw status -j | jq -e '[.summary.containers[].name] | index("miner-a") and index("api") and index("shop-b")' >/dev/null; }
status_text() { mw status | grep -q 'container: .*miner-a'; }
check "events --container miner-a: its detection" events_of miner-a BPATTERNS
check_fails "events --container miner-a: nothing of shop-b's" events_of miner-a "$shop_id"
check "events --container <the pod's id, 12 digits>: the pod's" events_of "${api_id:0:12}" BPATTERNS
check_fails "events --container <7 digits>: too short to be an id" events_of "${api_id:0:7}" BPATTERNS
check "flows --container shop-b: no flow of the miner's" flows_of shop-b 'map(select(.process.comm == "xmrig")) | length == 0'
check "flows --container api: the pod's xmrig connection, with its container" \
	flows_of api "map(select(.remote_addr == \"$POOL\" and .process.container.name == \"api\")) | length > 0"
check_fails "flows --container with no name: refused" mw flows --container
# one UDP socket, 20 peers: 20 flows of one cookie, each named (asked once)
ct_exec shop /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for p in range(9000, 9020):
    s.sendto(b"x", (sys.argv[1], p))
' $WEB
# a worker thread of its own name (Java's, nginx's) connects: its process
# is still read from /proc (the thread's name is the one compared)
ct_bg shop /usr/bin/python3 -c '
import ctypes, socket, sys, threading, time
def work():
    ctypes.CDLL(None).prctl(15, b"worker-1", 0, 0, 0)  # PR_SET_NAME
    s = socket.create_connection((sys.argv[1], 80), timeout=3)
    time.sleep(30)
threading.Thread(target=work, daemon=True).start()
time.sleep(30)
' $WEB
check_within 3 "flows --container shop-b: a thread's connection with its process's command line" \
	flows_of shop-b 'map(select(.process.comm == "worker-1" and (.process.cmdline | test("python3")))) | length == 1'
check_within 3 "flows --container shop-b: 20 UDP flows of one socket, each with its process" \
	flows_of shop-b "map(select(.proto == \"udp\" and .remote_addr == \"$WEB\" and .process.comm == \"python3\")) | length == 20"
check "status lists the containers with detections" summary_names
check "status (text) names them" status_text

# forge VAR SRC DST PORT: a connection from VAR's container with the
# source address SRC, none of its own (IP_TRANSPARENT: NET_RAW, which
# Docker grants)
forge() {
	ct_exec "$1" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_IP, 19, 1)  # IP_TRANSPARENT
s.bind((sys.argv[1], 0)); s.settimeout(1)
try:
    s.connect((sys.argv[2], int(sys.argv[3])))
except OSError:
    pass
' "$2" "$3" "$4"
}

# a hostile container cannot aim a block at another one: miner-a binds
# shop-b's address and connects out; the DIRNET detection stands, but no
# block by an address that is not miner-a's
sed -i 's/^learn = 0$/learn = 0\nblock = yes/' "$RUN_DIR/ct.conf"
reload_agent 5
forge miner 172.31.0.3 $DB 80
forged() { grep -q "comes from 172.31.0.3, not an address of that container (forged)" "$RUN_DIR/agent.log"; }
check_within 5 "a flow of miner-a from shop-b's address: no block by that address" forged
check_fails "... shop-b is not cut off from $DB (cblock4)" cblocked 172.31.0.3 $DB

# a real runtime: podman 4.3 with runc (crun refuses this host's hybrid
# cgroups: the hugetlb controller sits in v2), a busybox image of the test's own:
# busybox's nc sends the login from inside, through podman's own bridge
# (cni-podman0, made when the container starts: the agent takes it then)
# and its masquerade
pm_detection() { detections pm | grep -q .; }
pm_named() {
	detections pm | head -1 |
		jq -e '.detail.process | .container.runtime == "podman" and .container.name == "real-miner" and .comm == "nc"' >/dev/null
}
if why=$(ct_podman_usable); then
	ct_podman_bridge 172.31.9.1/24
	if ct_podman_run pm real-miner 172.31.9.2; then
		pass "podman: a real container runs (runc, cgroupfs)"
		wait_until 5 grep -q "cni-podman0" "$RUN_DIR/agent.log"
		# detached: busybox nc stays connected while the pool does
		ct_podman exec -d real-miner sh -c "echo '$XMRIG' | nc $POOL 3333" >/dev/null 2>&1
		check_within 5 "podman: the login from inside is detected" pm_detection
		check "podman: ... naming runtime podman, its name and its process (busybox nc)" pm_named
	else
		fail "podman: a real container runs (runc, cgroupfs)"
	fi
else
	log "SKIP podman: $why (apt-get install podman runc busybox-static)"
fi

# nor make another network's NATed flow look like its own: miner-a writes
# the address of a VM behind an unwatched bridge (virbr9) in a packet to
# the pool; the VM's connection to the pool, NATed (no socket, no process),
# is still the host's detection
ct_bridge virbr9 10.99.0.1/24 || exit 1
ct_create vm docker vm-a 10.99.0.2 || exit 1
forge miner 10.99.0.2 $POOL 3333
agent_sync
mine vm
vm_login() {
	jq -e -s --arg pool "$POOL" --arg host "$SRV4" 'map(select(.event_type == "detection" and
		.dest_ip == $pool and .src_ip == $host and .detail.process == null)) | length > 0' \
		"$RUN_DIR/events.json" >/dev/null
}
check_within 5 "a VM's NATed connection to the pool is the host's detection, whatever a container wrote as its source" vm_login

finish
