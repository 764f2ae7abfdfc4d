#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The container topology of container_lib.sh, without the agent: two Docker
# containers and a Kubernetes (containerd) one on a bridge of the protected
# host. Each one's processes are in the cgroup of its runtime's layout
# (/proc/self/cgroup says so from inside, and so does the kernel for their
# sockets); the runtime's state files name it; its connections to the
# "internet" leave with the host's address (masquerade) and reach the host
# itself with its own; and nothing is left behind afterwards, whether the
# test cleans up itself or exits in the middle.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=selftests/e2e/container_lib.sh
. "$(dirname "$0")/container_lib.sh"

NET=203.0.113.10

setup_topology || exit 1
ct_bridge docker0 172.31.0.1/24 || exit 1
ct_internet $NET || exit 1
ct_create web docker web 172.31.0.2 nginx:1.25 || exit 1
ct_create db docker db 172.31.0.3 || exit 1
CT_POD=api-7d9f8b6c5-x2x9q CT_K8S_NS=shop ct_create api containerd api 172.31.0.4 || exit 1

# each listener answers with the address it sees the connection come from
# shellcheck disable=SC2016 # socat's variable, for the shell it starts
bg_cli socat TCP-LISTEN:8080,bind=$NET,fork,reuseaddr SYSTEM:'echo $SOCAT_PEERADDR'
# shellcheck disable=SC2016
bg_srv socat TCP-LISTEN:8081,bind=172.31.0.1,fork,reuseaddr SYSTEM:'echo $SOCAT_PEERADDR'
wait_listening cli tcp 8080
wait_listening srv tcp 8081

# peer_seen VAR ADDR PORT: what the listener at ADDR:PORT saw, from VAR.
peer_seen() {
	# shellcheck disable=SC2016 # for the container's shell
	ct_exec "$1" timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1" && cat <&3' "$2" "$3"
}

for c in web db api; do
	id=$(ct_get $c id) cgpath=$(ct_get $c cgpath)
	check_eq "$c: the id is 64 hex digits" "$(grep -cE '^[0-9a-f]{64}$' <<<"$id")" 1
	check_eq "$c: /proc/self/cgroup from inside is $cgpath" \
		"$(ct_exec $c cat /proc/self/cgroup | sed -n 's/^0:://p')" "$cgpath"
	check_eq "$c: the keeper (its init) is in that cgroup" \
		"$(sed -n 's/^0:://p' "/proc/$(ct_get $c pid)/cgroup")" "$cgpath"
	check_eq "$c: eth0 has $(ct_get $c addr)" \
		"$(ct_exec $c ip -4 -o addr show dev eth0 | awk '{ print $4 }')" "$(ct_get $c addr)/24"
	check_eq "$c: to the internet it is the host (masquerade)" "$(peer_seen $c $NET 8080)" "$SRV4"
	check_eq "$c: to the host itself it is itself" "$(peer_seen $c 172.31.0.1 8081)" "$(ct_get $c addr)"
done
check "the bridge ports are named as Docker names them" \
	bash -c "[ \$(ip netns exec $SRV_NS ip -o link show master docker0 | grep -cE ': veth[0-9a-f]{7}@') = 3 ]"

# the kernel's view of a socket: its cgroup is the container's, the one
# sock_owner records
ct_bg web socat TCP-LISTEN:9000,reuseaddr,fork SYSTEM:true
# (nsenter: `ip netns exec` mounts a /sys of its own, without the cgroup
# file system through which ss names a cgroup)
sock_cgroup() { nsenter --net="/run/netns/$(ct_get web ns)" ss -Hltn --cgroup 'sport = :9000' | grep -o 'cgroup:[^ ]*'; }
wait_until 5 sock_cgroup
check_eq "a socket of web: its cgroup is web's" "$(sock_cgroup)" "cgroup:$(ct_get web cgpath)"
check_eq "the cgroup id (the cgroup directory's inode) differs for each container" \
	"$(stat -c %i "$(ct_get web cg)" "$(ct_get db cg)" "$(ct_get api cg)" | sort -u | wc -l)" 3

# --- the runtimes' state ----------------------------------------------------
# state_says FILE PYTHON-EXPR: the JSON of FILE (as `j`) makes EXPR true.
state_says() {
	/usr/bin/python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$@"
}
conf=$RUN_DIR/ct.conf
ct_config >"$conf"
docker_root=$(sed -n 's/^docker_root = //p' "$conf")
containerd_root=$(sed -n 's/^containerd_root = //p' "$conf")
check "ct_config: the section and the four roots, all directories" \
	bash -c "grep -qx '\[containers\]' $conf && [ \$(grep -c '^[a-z_]*_r[a-z]* = /' $conf) = 4 ] &&
		test -d $docker_root -a -d $containerd_root"
v2=$docker_root/containers/$(ct_get web id)/config.v2.json
check "docker: config.v2.json has web's ID, /name, image, pid and address" state_says "$v2" \
	"j['ID'] == '$(ct_get web id)' and j['Name'] == '/web' and j['Config']['Image'] == 'nginx:1.25' and
	 j['State']['Pid'] == $(ct_get web pid) and j['State']['Running'] and
	 j['NetworkSettings']['Networks']['bridge']['IPAddress'] == '172.31.0.2'"
check "docker: the task's OCI spec under containerd's moby namespace" state_says \
	"$containerd_root/io.containerd.runtime.v2.task/moby/$(ct_get db id)/config.json" \
	"j['linux']['cgroupsPath'] == 'system.slice:docker:$(ct_get db id)'"
tasks=$containerd_root/io.containerd.runtime.v2.task/k8s.io
check "containerd: the CRI annotations name container, pod, namespace and image" state_says \
	"$tasks/$(ct_get api id)/config.json" \
	"(lambda a: a['io.kubernetes.cri.container-name'] == 'api' and
	 a['io.kubernetes.cri.sandbox-name'] == 'api-7d9f8b6c5-x2x9q' and
	 a['io.kubernetes.cri.sandbox-namespace'] == 'shop' and
	 a['io.kubernetes.cri.image-name'] == 'docker.io/library/busybox:latest' and
	 a['io.kubernetes.cri.container-type'] == 'container' and
	 a['io.kubernetes.cri.sandbox-id'] == '$(ct_get api sandbox_id)')(j['annotations'])"
check "containerd: the pod's sandbox task beside it" state_says "$tasks/$(ct_get api sandbox_id)/config.json" \
	"j['annotations']['io.kubernetes.cri.container-type'] == 'sandbox'"
check_eq "containerd: init.pid is the keeper's" "$(cat "$tasks/$(ct_get api id)/init.pid")" "$(ct_get api pid)"

# --- a real runtime ------------------------------------------------------------
if why=$(ct_podman_usable); then
	ct_podman_bridge 172.31.9.1/24
	if ct_podman_run pod podman-web 172.31.9.2; then
		pass "podman: a container runs (runc, cgroupfs)"
		check_eq "podman: its cgroup is /libpod_parent/libpod-<id>" "$(ct_get pod cgpath)" \
			"/libpod_parent/libpod-$(ct_get pod id)"
		check_eq "podman exec: the same, from inside" \
			"$(ct_podman exec podman-web cat /proc/self/cgroup | sed -n 's/^0:://p')" "$(ct_get pod cgpath)"
		check_eq "ct_exec on it: the same" "$(ct_exec pod cat /proc/self/cgroup | sed -n 's/^0:://p')" \
			"$(ct_get pod cgpath)"
		check_eq "podman: to the internet it is the host (podman's masquerade)" \
			"$(ct_podman exec podman-web nc $NET 8080 </dev/null)" "$SRV4"
		check "podman: containers.json in storage_root names it" state_says \
			"$(sed -n 's/^storage_root = //p' "$conf")/vfs-containers/containers.json" \
			"[c['names'] for c in j if c['id'] == '$(ct_get pod id)'] == [['podman-web']]"
		check "podman: its bridge port is known" test -n "$(ct_get pod veth)"
	else
		fail "podman: a container runs (runc, cgroupfs)"
	fi
else
	log "SKIP podman: $why (apt-get install podman runc busybox-static)"
fi

# --- nothing left behind ----------------------------------------------------
# leftovers CG... NS... PID...: what of these cgroup directories, network
# namespaces and processes, the bridge and the NAT table still exists. (A
# parent cgroup that holds another test's containers is that test's to
# remove: only one left empty counts.)
leftovers() {
	local a
	for a in "$@"; do
		case $a in
		/*) [ -d "$a" ] && [ -z "$(find "$a" -mindepth 1 -maxdepth 1 -type d)" ] && echo "cgroup $a" ;;
		[0-9]*) kill -0 "$a" 2>/dev/null && echo "process $a" ;;
		*) [ -e "/run/netns/$a" ] && echo "netns $a" ;;
		esac
	done
	in_srv nft list table ip mwtest_nat >/dev/null 2>&1 && echo "nft table"
	in_srv ip link show docker0 >/dev/null 2>&1 && echo "bridge"
	return 0
}
made=("${CT_CG_MADE[@]}" "${CT_PODMAN_CG_NEW[@]}")
[ -n "${pod_ns:-}" ] && made+=("$pod_ns" "$pod_pid")
made+=("$(ct_get web ns)" "$(ct_get db ns)" "$(ct_get api ns)" "$(ct_get web pid)" "$(ct_get api pid)")
check_eq "the cgroup directories the library made exist" "$(for d in "${made[@]}"; do
	[ -d "$d" ] && echo x
done | wc -l)" "$((${#CT_CG_MADE[@]} + ${#CT_PODMAN_CG_NEW[@]}))"
ct_cleanup
check_eq "ct_cleanup: no cgroup, netns, process, bridge or NAT table left" "$(leftovers "${made[@]}")" ""

# a test that exits in the middle, with a process running in its container:
# its exit cleans up all the same
out=$(MW_TEST_ID=${ID}x bash -c '
	. "$1/lib.sh"
	. "$1/container_lib.sh"
	setup_topology && ct_bridge docker0 172.31.0.1/24 && ct_create x docker x 172.31.0.2 || exit 2
	ct_bg x sleep 60
	echo "$x_cg $x_ns $x_pid $BG_PID"
	exit 1' bash "$(dirname "$0")")
read -r -a made <<<"$out"
check_eq "a test that exits early made its container" "${#made[@]}" 4
check_eq "its exit leaves nothing behind" \
	"$(SRV_NS=mw-${ID}x-srv leftovers "${made[@]}" "mw-${ID}x-srv")" ""

finish
