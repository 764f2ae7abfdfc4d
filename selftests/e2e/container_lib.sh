#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# container_lib.sh - containers built the way runtimes build them, sourced
# after lib.sh (and after setup_topology). The protected server's namespace
# ($SRV_NS, where minewalld runs) is the containers' host:
#
#   netns mw-$ID-srv  the bridge (ct_bridge: e.g. docker0 172.31.0.1/24),
#                     ip_forward on, masquerade NAT in a table of the test's
#                     own (table ip mwtest_nat: never table inet minewall);
#                     the uplink $SRV_IF 192.0.2.1 toward lib.sh's client
#   netns mw-$ID-ctN  one per container: eth0 ADDR/24, default route via the
#                     bridge; its host side "veth<7 hex>" is a bridge port
#   netns mw-$ID-cli  the "internet" (lib.sh's remote host; ct_internet
#                     gives it more addresses, routed from the server)
#
# A container's processes are in its network namespace AND in a cgroup v2
# whose path follows the runtime's layout, so the kernel's cgroup id of a
# process is the container's (what sock_owner records):
#   docker             system.slice/docker-<64 hex>.scope (systemd driver)
#   docker-cgroupfs    docker/<64 hex>                    (cgroupfs driver)
#   containerd         kubepods.slice/kubepods-besteffort.slice/
#                      kubepods-besteffort-pod<uid, "-" as "_">.slice/
#                      cri-containerd-<64 hex>.scope      (Kubernetes, CRI)
# and the runtime's state on disk names it, in the real formats, under a
# fake root in $RUN_DIR (ct_config prints the agent's configuration for it):
#   docker             $RUN_DIR/docker/containers/<id>/config.v2.json and
#                      hostconfig.json; as Docker 20+ runs its containers
#                      through containerd, also the OCI spec of the task in
#                      $RUN_DIR/containerd/io.containerd.runtime.v2.task/moby/<id>/
#   containerd         $RUN_DIR/containerd/io.containerd.runtime.v2.task/k8s.io/
#                      <id>/config.json (OCI spec, io.kubernetes.cri.*
#                      annotations) and init.pid; the pod's sandbox (pause)
#                      task beside it. The pod is $CT_POD (default NAME-pod) in
#                      the Kubernetes namespace $CT_K8S_NS (default "default").
#   podman             libpod_parent/libpod-<64 hex> (a real container, below),
#                      named in $RUN_DIR/podman/root/vfs-containers/containers.json
# Each container runs a keeper ("sleep infinity", its State.Pid / init.pid)
# from creation until cleanup.
#
# API (VAR is a name of the test's choosing, "web" below):
#   ct_bridge NAME CIDR           the bridge, with the host's address CIDR
#                                 (e.g. docker0 172.31.0.1/24), forwarding, NAT
#   ct_internet ADDR              one more "internet" address (203.0.113.x) on
#                                 the client, routed from the server
#   ct_create VAR RUNTIME NAME ADDR [IMAGE]
#                                 a container on the last bridge; sets $VAR_id,
#                                 $VAR_ns, $VAR_cg (the cgroup's directory),
#                                 $VAR_cgpath (as /proc/PID/cgroup shows it),
#                                 $VAR_pid (the keeper), $VAR_addr, $VAR_veth
#                                 (the bridge port), $VAR_name, $VAR_image,
#                                 $VAR_runtime, and for containerd $VAR_pod,
#                                 $VAR_k8s_ns, $VAR_pod_uid, $VAR_sandbox_id
#   ct_exec VAR CMD...            runs CMD in the container (its netns and cgroup)
#   ct_bg VAR CMD...              the same in the background; pid in BG_PID
#   ct_config                     the [containers] section for the agent
#   ct_podman_usable              a real runtime (podman, runc) is installed
#   ct_podman_bridge CIDR         podman's bridge cni-podman0 (172.31.9.1/24)
#   ct_podman_run VAR NAME ADDR   a real podman container on it (the same
#                                 variables; ct_exec and ct_bg work on it)
#   ct_podman ARGS...             podman itself, on the test's state
#   ct_cleanup                    undoes it all now (it also runs at exit)

CT_CG_ROOT=/sys/fs/cgroup/unified
[ -f /sys/fs/cgroup/cgroup.controllers ] && CT_CG_ROOT=/sys/fs/cgroup # cgroup v2 alone
CT_DOCKER_ROOT=$RUN_DIR/docker
CT_CONTAINERD_ROOT=$RUN_DIR/containerd
# podman's (ct_podman_run), and empty without it: the agent reads nothing
# of the host's
CT_PODMAN_DIR=$RUN_DIR/podman
CT_STORAGE_ROOT=$CT_PODMAN_DIR/root
CT_STORAGE_RUN=$CT_PODMAN_DIR/run
CT_NFT_TABLE=mwtest_nat
CT_BRIDGE=
CT_GW=
CT_PREFIX=
CT_BRIDGES=()
CT_ALL=()     # the containers' VAR names, in the order made
CT_CG_MADE=() # cgroup directories this library made (parents too)
CT_COUNT=0
CT_PODMAN_CG_NEW=() # podman's parent cgroups (every hierarchy) it made for the test

# ct_net CIDR: the network of CIDR (172.31.0.1/24 -> 172.31.0.0/24).
ct_net() {
	local a b c d len=${1#*/} ip mask
	IFS=. read -r a b c d <<<"${1%/*}"
	ip=$(((a << 24) | (b << 16) | (c << 8) | d))
	mask=$(((0xffffffff << (32 - len)) & 0xffffffff))
	ip=$((ip & mask))
	echo "$((ip >> 24)).$(((ip >> 16) & 255)).$(((ip >> 8) & 255)).$((ip & 255))/$len"
}

# ct_hex N: N random hexadecimal digits.
ct_hex() { od -An -N"$((($1 + 1) / 2))" -tx1 /dev/urandom | tr -d ' \n' | head -c "$1"; }

ct_bridge() {
	local name=$1 cidr=$2
	case $cidr in
	*.*.*.*/*) ;;
	*)
		echo "ct_bridge: '$cidr' is not an IPv4 address with its prefix (172.31.0.1/24)" >&2
		return 1
		;;
	esac
	in_srv ip link add "$name" type bridge || return 1
	CT_BRIDGES+=("$name")
	in_srv ip addr add "$cidr" dev "$name" || return 1
	in_srv ip link set "$name" up || return 1
	in_srv sysctl -qw net.ipv4.ip_forward=1 || return 1
	# Docker's own rule: what leaves the bridge's network by any other
	# interface than the bridge goes out with the host's address
	in_srv nft -f - <<-NFT || return 1
		add table ip $CT_NFT_TABLE
		add chain ip $CT_NFT_TABLE postrouting { type nat hook postrouting priority srcnat; policy accept; }
		add rule ip $CT_NFT_TABLE postrouting ip saddr $(ct_net "$cidr") oifname != "$name" masquerade
	NFT
	CT_BRIDGE=$name
	CT_GW=${cidr%/*}
	CT_PREFIX=${cidr#*/}
}

# ct_internet ADDR: ADDR on the remote host, and the server's route to it
# (a host route: a test's own route to the whole range is left alone).
ct_internet() {
	in_cli ip addr add "$1/32" dev "$CLI_IF" || return 1
	in_srv ip route replace "$1/32" via "$CLI4" dev "$SRV_IF"
}

# ct_mkcg DIR: makes the cgroup DIR and its parents, remembering which of
# them it made (a parent another test made is left to that test; one that
# test removes meanwhile is made again).
ct_mkcg() {
	local d rel
	for _ in 1 2 3; do
		d=$CT_CG_ROOT
		for rel in $(tr / ' ' <<<"${1#"$CT_CG_ROOT"/}"); do
			d=$d/$rel
			[ -d "$d" ] && continue
			mkdir "$d" 2>/dev/null && CT_CG_MADE+=("$d")
		done
		[ -d "$1" ] && return 0
	done
	echo "ct_mkcg: cannot make the cgroup $1" >&2
	return 1
}

ct_create() {
	local var=$1 runtime=$2 name=$3 addr=$4 image=${5:-} id ns veth cgpath pod_uid
	if [ -z "$CT_BRIDGE" ]; then
		echo "ct_create: no bridge (call ct_bridge first)" >&2
		return 1
	fi
	if [[ ! $var =~ ^[a-zA-Z_][a-zA-Z0-9_]*$ ]] || [[ ! $name =~ ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$ ]]; then
		echo "ct_create: '$var' must be a shell name and '$name' a container name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)" >&2
		return 1
	fi
	id=$(ct_hex 64)
	case $runtime in
	docker)
		cgpath=/system.slice/docker-$id.scope
		image=${image:-busybox:latest}
		;;
	docker-cgroupfs)
		cgpath=/docker/$id
		image=${image:-busybox:latest}
		;;
	containerd)
		pod_uid=$(cat /proc/sys/kernel/random/uuid)
		cgpath=/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${pod_uid//-/_}.slice/cri-containerd-$id.scope
		image=${image:-docker.io/library/busybox:latest}
		;;
	*)
		echo "ct_create: unknown runtime '$runtime' (docker, docker-cgroupfs, containerd)" >&2
		return 1
		;;
	esac
	CT_COUNT=$((CT_COUNT + 1))
	ns=mw-$ID-ct$CT_COUNT
	veth=veth$(ct_hex 7)
	CT_ALL+=("$var")
	printf -v "${var}_id" %s "$id"
	printf -v "${var}_ns" %s "$ns"
	printf -v "${var}_cg" %s "$CT_CG_ROOT$cgpath"
	printf -v "${var}_cgpath" %s "$cgpath"
	printf -v "${var}_addr" %s "$addr"
	printf -v "${var}_veth" %s "$veth"
	printf -v "${var}_name" %s "$name"
	printf -v "${var}_image" %s "$image"
	printf -v "${var}_runtime" %s "$runtime"
	printf -v "${var}_pid" %s ""

	ip netns add "$ns" || return 1
	ip link add "$veth" netns "$SRV_NS" type veth peer name eth0 netns "$ns" || return 1
	in_srv ip link set "$veth" master "$CT_BRIDGE" up || return 1
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$addr/$CT_PREFIX" dev eth0 || return 1
	ip -n "$ns" link set eth0 up || return 1
	ip -n "$ns" route add default via "$CT_GW" || return 1
	ct_mkcg "$CT_CG_ROOT$cgpath" || return 1

	ct_bg "$var" sleep infinity || return 1
	printf -v "${var}_pid" %s "$BG_PID"
	case $runtime in
	docker*) ct_docker_state "$var" ;;
	containerd)
		printf -v "${var}_pod" %s "${CT_POD:-$name-pod}"
		printf -v "${var}_k8s_ns" %s "${CT_K8S_NS:-default}"
		printf -v "${var}_pod_uid" %s "$pod_uid"
		printf -v "${var}_sandbox_id" %s "$(ct_hex 64)"
		ct_containerd_state "$var"
		;;
	esac
}

# ct_get VAR FIELD: the container's FIELD ($VAR_FIELD).
ct_get() {
	local v=${1}_$2
	echo "${!v-}"
}

# ct_exec VAR CMD...: CMD in the container. The shell joins the cgroup, then
# execs `ip netns exec` (which execs CMD: one process, the cgroup's).
ct_exec() {
	local var=$1
	shift
	# shellcheck disable=SC2016 # expanded by the inner shell
	bash -c 'echo $$ >"$1/cgroup.procs" || exit 125; ns=$0; shift; exec ip netns exec "$ns" "$@"' \
		"$(ct_get "$var" ns)" "$(ct_get "$var" cg)" "$@"
}

# ct_bg VAR CMD...: ct_exec in the background, remembered for cleanup (BG_PID).
ct_bg() {
	local var=$1
	shift
	# shellcheck disable=SC2016 # expanded by the inner shell
	bash -c 'echo $$ >"$1/cgroup.procs" || exit 125; ns=$0; shift; exec ip netns exec "$ns" "$@"' \
		"$(ct_get "$var" ns)" "$(ct_get "$var" cg)" "$@" &
	BG_PID=$!
	bg_pid "$BG_PID"
}

# ct_time: now, as the runtimes write it (RFC 3339, nanoseconds).
ct_time() { date -u +%Y-%m-%dT%H:%M:%S.%NZ; }

# ct_docker_state VAR: Docker's config.v2.json and hostconfig.json (one line
# each, as dockerd writes them), and the task's OCI spec under containerd's
# "moby" namespace.
ct_docker_state() {
	local v=$1 id name image pid addr dir t img cgparent
	id=$(ct_get "$v" id) name=$(ct_get "$v" name) image=$(ct_get "$v" image)
	pid=$(ct_get "$v" pid) addr=$(ct_get "$v" addr)
	dir=$CT_DOCKER_ROOT/containers/$id
	t=$(ct_time)
	img=sha256:$(ct_hex 64)
	mkdir -p "$dir" || return 1
	printf '%s' "{\"StreamConfig\":{},\"State\":{\"Running\":true,\"Paused\":false,\"Restarting\":false,\
\"OOMKilled\":false,\"RemovalInProgress\":false,\"Dead\":false,\"Pid\":$pid,\"ExitCode\":0,\"Error\":\"\",\
\"StartedAt\":\"$t\",\"FinishedAt\":\"0001-01-01T00:00:00Z\",\"Health\":null},\"ID\":\"$id\",\
\"Created\":\"$t\",\"Managed\":false,\"Path\":\"sleep\",\"Args\":[\"infinity\"],\"Config\":{\
\"Hostname\":\"${id:0:12}\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":false,\"AttachStdout\":false,\
\"AttachStderr\":false,\"Tty\":false,\"OpenStdin\":false,\"StdinOnce\":false,\
\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\
\"Cmd\":[\"sleep\",\"infinity\"],\"Image\":\"$image\",\"Volumes\":null,\"WorkingDir\":\"\",\
\"Entrypoint\":null,\"OnBuild\":null,\"Labels\":{\"org.opencontainers.image.title\":\"$name\"}},\
\"Image\":\"$img\",\"NetworkSettings\":{\"Bridge\":\"\",\"SandboxID\":\"$(ct_hex 64)\",\
\"HairpinMode\":false,\"LinkLocalIPv6Address\":\"\",\"LinkLocalIPv6PrefixLen\":0,\
\"Networks\":{\"bridge\":{\"IPAMConfig\":null,\"Links\":null,\"Aliases\":null,\
\"NetworkID\":\"$(ct_hex 64)\",\"EndpointID\":\"$(ct_hex 64)\",\"Gateway\":\"$CT_GW\",\
\"IPAddress\":\"$addr\",\"IPPrefixLen\":$CT_PREFIX,\"IPv6Gateway\":\"\",\"GlobalIPv6Address\":\"\",\
\"GlobalIPv6PrefixLen\":0,\"MacAddress\":\"\",\"DriverOpts\":null}},\"Service\":null,\
\"Ports\":{},\"SandboxKey\":\"/var/run/docker/netns/${id:0:12}\",\"SecondaryIPAddresses\":null,\
\"SecondaryIPv6Addresses\":null,\"IsAnonymousEndpoint\":false,\"HasSwarmEndpoint\":false},\
\"LogPath\":\"$dir/$id-json.log\",\"Name\":\"/$name\",\"Driver\":\"overlay2\",\"OS\":\"linux\",\
\"MountLabel\":\"\",\"ProcessLabel\":\"\",\"RestartCount\":0,\"HasBeenStartedBefore\":false,\
\"HasBeenManuallyStopped\":false,\"MountPoints\":{},\"SecretReferences\":null,\"ConfigReferences\":null,\
\"AppArmorProfile\":\"docker-default\",\"HostnamePath\":\"$dir/hostname\",\"HostsPath\":\"$dir/hosts\",\
\"ShmPath\":\"$dir/mounts/shm\",\"ResolvConfPath\":\"$dir/resolv.conf\",\"SeccompProfile\":\"\",\
\"NoNewPrivileges\":false}" >"$dir/config.v2.json" || return 1
	printf '%s' "{\"Binds\":null,\"ContainerIDFile\":\"\",\"LogConfig\":{\"Type\":\"json-file\",\"Config\":{}},\
\"NetworkMode\":\"default\",\"PortBindings\":{},\"RestartPolicy\":{\"Name\":\"no\",\"MaximumRetryCount\":0},\
\"AutoRemove\":false,\"CgroupnsMode\":\"private\",\"Privileged\":false,\"CgroupParent\":\"\"}" \
		>"$dir/hostconfig.json" || return 1
	echo "${id:0:12}" >"$dir/hostname"
	case $(ct_get "$v" runtime) in
	docker) cgparent=system.slice:docker:$id ;;
	*) cgparent=/docker/$id ;;
	esac
	ct_oci_spec "$CT_CONTAINERD_ROOT/io.containerd.runtime.v2.task/moby/$id" "$v" "$cgparent" '{}'
}

# ct_oci_spec DIR VAR CGROUPS-PATH ANNOTATIONS-JSON: a task's config.json
# (the OCI runtime spec containerd hands to runc, the parts of it that say
# who the container is) and init.pid.
ct_oci_spec() {
	local dir=$1 v=$2 pid
	pid=$(ct_get "$v" pid)
	mkdir -p "$dir" || return 1
	printf '%s' "{\"ociVersion\":\"1.0.2-dev\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\
\"args\":[\"sleep\",\"infinity\"],\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\
\"HOSTNAME=$(ct_get "$v" name)\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"},\"hostname\":\"$(ct_get "$v" name)\",\
\"annotations\":$4,\"linux\":{\"cgroupsPath\":\"$3\",\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\"},\
{\"type\":\"uts\"},{\"type\":\"mount\"},{\"type\":\"network\",\"path\":\"/proc/$pid/ns/net\"}]}}" \
		>"$dir/config.json" || return 1
	printf '%s' "$pid" >"$dir/init.pid"
}

# ct_containerd_state VAR: the CRI task of the container and of its pod's
# sandbox (the pause container, no process of its own here), in k8s.io.
ct_containerd_state() {
	local v=$1 id sid pod podns uid name image slice tasks common
	id=$(ct_get "$v" id) sid=$(ct_get "$v" sandbox_id) pod=$(ct_get "$v" pod)
	podns=$(ct_get "$v" k8s_ns) uid=$(ct_get "$v" pod_uid) name=$(ct_get "$v" name)
	image=$(ct_get "$v" image)
	slice=kubepods-besteffort-pod${uid//-/_}.slice
	tasks=$CT_CONTAINERD_ROOT/io.containerd.runtime.v2.task/k8s.io
	common="\"io.kubernetes.cri.sandbox-id\":\"$sid\",\"io.kubernetes.cri.sandbox-name\":\"$pod\",\
\"io.kubernetes.cri.sandbox-namespace\":\"$podns\",\"io.kubernetes.cri.sandbox-uid\":\"$uid\""
	ct_oci_spec "$tasks/$id" "$v" "$slice:cri-containerd:$id" \
		"{\"io.kubernetes.cri.container-name\":\"$name\",\"io.kubernetes.cri.container-type\":\"container\",\
\"io.kubernetes.cri.image-name\":\"$image\",$common}" || return 1
	ct_oci_spec "$tasks/$sid" "$v" "$slice:cri-containerd:$sid" \
		"{\"io.kubernetes.cri.container-type\":\"sandbox\",\
\"io.kubernetes.cri.sandbox-log-directory\":\"/var/log/pods/${podns}_${pod}_$uid\",$common}"
}

# --- a real runtime: Debian's podman 4.3 with runc ----------------------------
# What runs on this host (see the notes of issue 19): runc with the cgroupfs
# manager (no systemd here) and limits no higher than the runtime's own
# (podman asks for nofile 1048576, and raising a hard limit needs
# CAP_SYS_RESOURCE); crun refuses any container in hybrid mode while the v2
# hierarchy has a controller (here hugetlb), whatever the cgroup options.
# podman runs in the server's namespace (its CNI bridge, its iptables-nft
# rules and the containers' veths are made there) with every state
# directory in $CT_PODMAN_DIR; the containers run a static busybox from a
# plain directory (--rootfs: no image, no registry). Its cgroup is
# /libpod_parent/libpod-<id> (conmon's in the v1 hierarchies only).

ct_podman() {
	nsenter --net="/run/netns/$SRV_NS" podman --root "$CT_PODMAN_DIR/root" --runroot "$CT_PODMAN_DIR/run" \
		--tmpdir "$CT_PODMAN_DIR/tmp" --network-config-dir "$CT_PODMAN_DIR/cni" --events-backend none \
		--storage-driver vfs --runtime runc --cgroup-manager cgroupfs "$@"
}

# ct_podman_usable: podman, runc and a static busybox are installed (or
# says on stdout what is missing; 1).
ct_podman_usable() {
	local p
	for p in podman runc busybox; do
		command -v $p >/dev/null || {
			echo "no $p"
			return 1
		}
	done
	if ldd "$(command -v busybox)" >/dev/null 2>&1; then
		echo "busybox is not static (busybox-static)"
		return 1
	fi
}

# ct_podman_bridge CIDR: podman's network "mwtest": a CNI bridge
# cni-podman0 with the address CIDR (e.g. 172.31.9.1/24) and its masquerade,
# addresses leased in $CT_PODMAN_DIR.
ct_podman_bridge() {
	local d=$CT_PODMAN_DIR a
	mkdir -p "$d/cni" "$d/root" "$d/run" "$d/tmp" "$d/rootfs/bin" || return 1
	for a in proc sys dev etc tmp; do mkdir -p "$d/rootfs/$a"; done
	cp "$(command -v busybox)" "$d/rootfs/bin/" || return 1
	for a in sh sleep cat nc wget ip true; do ln -sf busybox "$d/rootfs/bin/$a"; done
	cat >"$d/cni/mwtest.conflist" <<-EOF
		{ "cniVersion": "0.4.0", "name": "mwtest", "plugins": [
		  { "type": "bridge", "bridge": "cni-podman0", "isGateway": true, "ipMasq": true,
		    "ipam": { "type": "host-local", "dataDir": "$d/ipam", "routes": [{ "dst": "0.0.0.0/0" }],
		              "ranges": [[{ "subnet": "$(ct_net "$1")", "gateway": "${1%/*}" }]] } } ] }
	EOF
	for a in "$CT_CG_ROOT" /sys/fs/cgroup/*; do
		[ -d "$a/libpod_parent" ] || CT_PODMAN_CG_NEW+=("$a/libpod_parent")
	done
}

# ct_podman_run VAR NAME ADDR: a podman container on the network of
# ct_podman_bridge, running `sleep`; sets the variables ct_create sets
# ($VAR_ns is the container's network namespace, which podman names;
# $VAR_image is empty: no image).
ct_podman_run() {
	local var=$1 name=$2 addr=$3 id pid ns peer
	id=$(ct_podman run -d --name "$name" --network mwtest --ip "$addr" --ulimit nofile=1024:1024 \
		--ulimit nproc=1024:1024 --rootfs "$CT_PODMAN_DIR/rootfs" sleep 3600 2>"$CT_PODMAN_DIR/run.err" | tail -1)
	if [[ ! $id =~ ^[0-9a-f]{64}$ ]]; then
		echo "podman run: $(tail -3 "$CT_PODMAN_DIR/run.err")" >&2
		return 1
	fi
	CT_ALL+=("$var")
	printf -v "${var}_id" %s "$id"
	printf -v "${var}_runtime" %s podman
	pid=$(ct_podman inspect -f '{{.State.Pid}}' "$id") || return 1
	ns=$(ct_podman inspect -f '{{.NetworkSettings.SandboxKey}}' "$id") || return 1
	printf -v "${var}_pid" %s "$pid"
	printf -v "${var}_ns" %s "${ns##*/}"
	printf -v "${var}_cgpath" %s "$(sed -n 's/^0:://p' "/proc/$pid/cgroup")"
	printf -v "${var}_cg" %s "$CT_CG_ROOT$(ct_get "$var" cgpath)"
	printf -v "${var}_addr" %s "$addr"
	printf -v "${var}_name" %s "$name"
	printf -v "${var}_image" %s ""
	# the bridge port: the peer of the container's eth0
	peer=$(ip -n "${ns##*/}" -o link show eth0 | sed -n 's/.*eth0@if\([0-9]*\).*/\1/p')
	printf -v "${var}_veth" %s "$(in_srv ip -o link show | awk -F': ' -v i="$peer" '$1 == i { sub(/@.*/, "", $2); print $2 }')"
}

ct_config() {
	mkdir -p "$CT_DOCKER_ROOT" "$CT_CONTAINERD_ROOT" "$CT_STORAGE_ROOT" "$CT_STORAGE_RUN"
	printf '[containers]\ndocker_root = %s\ncontainerd_root = %s\nstorage_root = %s\nstorage_run = %s\n' \
		"$CT_DOCKER_ROOT" "$CT_CONTAINERD_ROOT" "$CT_STORAGE_ROOT" "$CT_STORAGE_RUN"
}

# ct_own_cg: the cgroup directory of this shell (where leftovers go).
ct_own_cg() { echo "$CT_CG_ROOT$(sed -n 's/^0:://p' /proc/$$/cgroup)"; }

# ct_destroy VAR: kills the container's processes, moves out any that
# lingers, removes its cgroup, network namespace (its veth goes with it)
# and state files.
ct_destroy() {
	local v=$1 cg ns p i
	cg=$(ct_get "$v" cg) ns=$(ct_get "$v" ns)
	[ "$(ct_get "$v" runtime)" = podman ] && ct_podman rm -f -t 0 "$(ct_get "$v" id)" >/dev/null 2>&1
	if [ -d "$cg" ]; then
		# killed, the test's jobs are not ones whose end bash would tell ("Killed")
		while read -r p; do disown "$p" 2>/dev/null; done <"$cg/cgroup.procs"
		echo 1 >"$cg/cgroup.kill" 2>/dev/null
		for i in 1 2 3 4 5 6 7 8 9 10; do
			grep -q '^populated 0' "$cg/cgroup.events" && break
			sleep 0.05
		done
		while read -r p; do echo "$p" >"$(ct_own_cg)/cgroup.procs"; done <"$cg/cgroup.procs"
		rmdir "$cg"
	fi
	ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "${CT_DOCKER_ROOT:?}/containers/$(ct_get "$v" id)"
	return 0
}

# ct_cleanup: every container (the newest first), the cgroup directories
# this library made (the deepest first), the bridges and the NAT table.
# Runs at exit; a test may call it earlier to check that nothing is left.
ct_cleanup() {
	local i
	for ((i = ${#CT_ALL[@]} - 1; i >= 0; i--)); do ct_destroy "${CT_ALL[i]}"; done
	CT_ALL=()
	for ((i = ${#CT_CG_MADE[@]} - 1; i >= 0; i--)); do rmdir "${CT_CG_MADE[i]}" 2>/dev/null; done
	CT_CG_MADE=()
	# podman's parents (conmon's cgroups inside them too), children first
	for i in "${CT_PODMAN_CG_NEW[@]}"; do
		[ -d "$i" ] && find "$i" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	CT_PODMAN_CG_NEW=()
	for i in "${CT_BRIDGES[@]}"; do in_srv ip link del "$i" 2>/dev/null; done
	CT_BRIDGES=()
	in_srv nft delete table ip "$CT_NFT_TABLE" 2>/dev/null
	rm -rf "${CT_CONTAINERD_ROOT:?}/io.containerd.runtime.v2.task"
	return 0
}
at_exit ct_cleanup
