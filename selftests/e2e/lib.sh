#!/bin/bash
# shellcheck disable=SC2034 # DATA, SRV6, CLI6 and the like are for the test scripts
# SPDX-License-Identifier: GPL-2.0-only
# lib.sh - shared helpers for the end-to-end tests: a throwaway topology of
# network namespaces with unique names, the agent running inside it, checks
# that count, and a cleanup that runs however the test ends.
#
# Topology (ID unique per run):
#   netns mw-$ID-srv: the protected host, veth "mws$ID" 192.0.2.1/24 2001:db8::1/64
#   netns mw-$ID-cli: a remote host,      veth "mwc$ID" 192.0.2.2/24 2001:db8::2/64
# The agent runs in the server namespace through nsenter (network namespace
# only), so its pinned maps stay visible to the CLI under a private pin path.

set -u

BIN=${MW_BIN:-build}
DATA=${MW_DATA:-selftests/data}
ID=${MW_TEST_ID:-$$}
SRV_NS=mw-$ID-srv
CLI_NS=mw-$ID-cli
SRV_IF=mws$ID
CLI_IF=mwc$ID
SRV4=192.0.2.1
CLI4=192.0.2.2
SRV6=2001:db8::1
CLI6=2001:db8::2
PIN=/sys/fs/bpf/mw-test-$ID
RUN_DIR=/tmp/mw-test-$ID
AGENT_PID=
PASSED=0
FAILED=0
SUITE=$(basename "${0%.sh}")

mkdir -p "$RUN_DIR"

log() { echo "  # $*"; }

pass() {
	PASSED=$((PASSED + 1))
	echo "ok - $1"
}

fail() {
	FAILED=$((FAILED + 1))
	echo "not ok - $1"
	shift
	[ $# -gt 0 ] && echo "    $*"
	return 0
}

# check DESC CMD...: passes when CMD succeeds.
check() {
	local desc=$1
	shift
	if "$@" >"$RUN_DIR/check.out" 2>&1; then
		pass "$desc"
	else
		fail "$desc" "command failed: $* :: $(head -c 600 "$RUN_DIR/check.out")"
	fi
}

# check_fails DESC CMD...: passes when CMD fails (a connection that must not work).
check_fails() {
	local desc=$1
	shift
	if "$@" >"$RUN_DIR/check.out" 2>&1; then
		fail "$desc" "command succeeded: $*"
	else
		pass "$desc"
	fi
}

# check_eq DESC ACTUAL EXPECTED
check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "got '$2', want '$3'"
	fi
}

# `ip netns exec` execs the command, so "$!" of a background call is the
# command itself and signals reach it; keep these plain for that reason.
in_srv() { ip netns exec "$SRV_NS" "$@"; }
in_cli() { ip netns exec "$CLI_NS" "$@"; }
# bg_srv/bg_cli CMD...: start CMD in the background, remembered for cleanup;
# its pid is in BG_PID.
bg_srv() {
	ip netns exec "$SRV_NS" "$@" &
	BG_PID=$!
	bg_pid "$BG_PID"
}
bg_cli() {
	ip netns exec "$CLI_NS" "$@" &
	BG_PID=$!
	bg_pid "$BG_PID"
}
mw() { MINEWALL_PIN_PATH=$PIN MINEWALL_RUN_DIR=$RUN_DIR/run "$BIN/minewall" "$@"; }

# at_exit CMD...: CMD runs at cleanup however the test ends (for what the
# test makes outside its namespaces and run directory, such as a host user).
AT_EXIT=()
at_exit() { AT_EXIT+=("$(printf '%q ' "$@")"); }

cleanup() {
	local rc=$? c
	stop_agent
	for c in "${AT_EXIT[@]}"; do eval "$c" >/dev/null 2>&1; done
	[ -f "$RUN_DIR/pids" ] && xargs -r kill <"$RUN_DIR/pids" 2>/dev/null
	# anything still running inside our namespaces goes with them
	ip netns pids "$SRV_NS" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns pids "$CLI_NS" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$SRV_NS" 2>/dev/null
	ip netns del "$CLI_NS" 2>/dev/null
	rm -rf "$PIN"
	[ -n "${MW_KEEP:-}" ] || rm -rf "$RUN_DIR"
	return $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Remembers a background process for cleanup.
bg_pid() { echo "$1" >>"$RUN_DIR/pids"; }

setup_topology() {
	ip netns add "$SRV_NS" || return 1
	ip netns add "$CLI_NS" || return 1
	ip link add "$SRV_IF" netns "$SRV_NS" type veth peer name "$CLI_IF" netns "$CLI_NS" || return 1
	in_srv ip link set lo up
	in_cli ip link set lo up
	in_srv ip addr add "$SRV4/24" dev "$SRV_IF"
	in_cli ip addr add "$CLI4/24" dev "$CLI_IF"
	in_srv ip addr add "$SRV6/64" dev "$SRV_IF" nodad
	in_cli ip addr add "$CLI6/64" dev "$CLI_IF" nodad
	in_srv ip link set "$SRV_IF" up
	in_cli ip link set "$CLI_IF" up
}

# start_agent [ARGS...]: runs minewalld on the server's veth; waits until the
# heartbeat says it runs.
start_agent() {
	nsenter --net="/run/netns/$SRV_NS" "$BIN/minewalld" -i "$SRV_IF" --pin-path "$PIN" \
		--run-dir "$RUN_DIR/run" --state-dir "$RUN_DIR/state" --events "$RUN_DIR/events.json" \
		--status-interval 0 "$@" \
		>>"$RUN_DIR/agent.log" 2>&1 &
	AGENT_PID=$!
	# loading (the verifier) takes seconds, more while another lane loads too
	wait_until 30 agent_up_or_gone 2>/dev/null
	agent_running && return 0
	if ! kill -0 "$AGENT_PID" 2>/dev/null; then
		echo "agent exited:" >&2
		cat "$RUN_DIR/agent.log" >&2
		AGENT_PID=
		return 1
	fi
	echo "agent did not come up; its log:" >&2
	tail -20 "$RUN_DIR/agent.log" >&2
	return 1
}
agent_up_or_gone() { agent_running || ! kill -0 "$AGENT_PID" 2>/dev/null; }

# agent_running: the agent's heartbeat says it runs.
agent_running() { mw status -j 2>/dev/null | grep -q '"running":true'; }

# reload_agent SECONDS: SIGHUP, then waits (SECONDS at most) until the agent
# says it reloaded its configuration.
reload_agent() {
	local n
	n=$(grep -c "reloaded " "$RUN_DIR/agent.log")
	kill -HUP "$AGENT_PID"
	wait_until "$1" sh -c "[ \$(grep -c 'reloaded ' '$RUN_DIR/agent.log') -gt $n ]"
}

stop_agent() {
	[ -n "$AGENT_PID" ] || return 0
	kill -TERM "$AGENT_PID" 2>/dev/null
	wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=
}

# py EXPR-SCRIPT: runs python3 on stdin data with the script given.
py() { python3 -c "$1"; }

finish() {
	echo "$SUITE: $PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}

# declare_local ADDR...: gives the protected host these addresses (the
# server side of a capture), so the agent treats them as its own.
declare_local() {
	local a
	for a in "$@"; do
		case $a in
		*:*) in_srv ip addr add "$a/128" dev "$SRV_IF" nodad ;;
		*) in_srv ip addr add "$a/32" dev "$SRV_IF" ;;
		esac
	done
}

# replay_capture FILE: sends every frame of FILE, as captured, from the
# remote host into the protected host's interface (both directions of the
# capture arrive at XDP ingress; the declared local addresses tell them apart).
replay_capture() {
	in_cli tcpreplay -q --topspeed -i "$CLI_IF" "$1" >"$RUN_DIR/tcpreplay.log" 2>&1
}

# start_sshd [CONFIG-LINE...]: a real OpenSSH server on $SRV4:22 in the
# protected namespace, logging to $SSHD_DIR/sshd.log; $SSHD_DIR/client_key
# is authorized for root. Extra sshd_config lines may be given.
SSHD_DIR=$RUN_DIR/sshd
SSH_CLIENT_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes
	-o LogLevel=ERROR -o ConnectTimeout=3 -o ServerAliveInterval=1 -o ServerAliveCountMax=2)
start_sshd() {
	mkdir -p "$SSHD_DIR" /run/sshd
	[ -f "$SSHD_DIR/host_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/host_key"
	[ -f "$SSHD_DIR/client_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/client_key"
	cp "$SSHD_DIR/client_key.pub" "$SSHD_DIR/authorized_keys"
	{
		printf 'Port 22\nListenAddress %s\nHostKey %s/host_key\nPidFile %s/sshd.pid\n' \
			"$SRV4" "$SSHD_DIR" "$SSHD_DIR"
		printf 'AuthorizedKeysFile %s/authorized_keys\nStrictModes no\nUsePAM no\n' "$SSHD_DIR"
		printf '%s\n' "$@"
	} >"$SSHD_DIR/sshd_config"
	bg_srv /usr/sbin/sshd -D -f "$SSHD_DIR/sshd_config" -E "$SSHD_DIR/sshd.log"
	wait_until 5 listening srv tcp 22 && return 0
	echo "sshd did not start" >&2
	return 1
}

# blocked ADDR: the agent lists ADDR (an address or prefix) as blocked.
blocked() { mw blocks -j | grep -q "\"prefix\":\"$1\""; }

# hydra_until_blocked ADDR HYDRA-ARGS...: runs hydra from the remote host
# (in the run directory: it leaves a restore file where it runs) until ADDR
# is blocked, 10 s at most, then stops it.
hydra_until_blocked() {
	local addr=$1 hydra
	shift
	(cd "$RUN_DIR" && exec ip netns exec "$CLI_NS" timeout 60 hydra -I "$@" >"$RUN_DIR/hydra.out" 2>&1) &
	hydra=$!
	wait_until 10 blocked "$addr"
	kill "$hydra" 2>/dev/null
	wait "$hydra" 2>/dev/null
	ip netns pids "$CLI_NS" | xargs -r ps -o pid=,comm= -p | awk '$2 == "hydra" { print $1 }' | xargs -r kill 2>/dev/null
	return 0
}

# A second veth pair inside the protected host for captures replayed the way
# they happened: REPLAY_IF (give it to the agent with -i) receives the
# remote side's frames at XDP, sent from its peer, and sends the local
# side's frames through its own tc egress, as if the host sent them. An
# ingress rule of the test's own (netdev, after XDP) keeps the host's stack
# from ever seeing the remote frames, so it answers nothing of its own.
REPLAY_IF=mwr$ID
REPLAY_PEER=mwq$ID
setup_replay_pair() {
	in_srv ip link add "$REPLAY_PEER" type veth peer name "$REPLAY_IF" || return 1
	in_srv ip link set "$REPLAY_PEER" up
	in_srv ip link set "$REPLAY_IF" up
	in_srv nft -f - <<-NFT
		table netdev mwtest_replay {
			chain in { type filter hook ingress device "$REPLAY_IF" priority 0; policy drop; }
		}
	NFT
}

# replay_split FILE SERVER-CIDR...: replays FILE through the pair above; the
# frames from SERVER-CIDR are the host's (they leave through tc egress), the
# others the remote side's (they arrive at XDP), in the capture's order.
replay_split() {
	local file=$1 cidrs
	shift
	cidrs=$(
		IFS=,
		echo "$*"
	)
	tcpprep --cidr="$cidrs" --pcap="$file" --cachefile="$RUN_DIR/replay.cache" \
		>"$RUN_DIR/tcpprep.log" 2>&1 || return 1
	in_srv tcpreplay -q --topspeed -c "$RUN_DIR/replay.cache" -i "$REPLAY_IF" -I "$REPLAY_PEER" \
		"$file" >"$RUN_DIR/tcpreplay.log" 2>&1
}

# wait_until SECONDS CMD...: polls CMD every 0.1 s until it succeeds (0) or
# SECONDS (whole seconds) have passed (1, after saying on stderr what did
# not happen). Tests wait this way for what they expect, never a fixed time.
wait_until() {
	local secs=$1 end=$((${EPOCHREALTIME/./} + $1 * 1000000))
	shift
	until "$@" >/dev/null 2>&1; do
		if [ "${EPOCHREALTIME/./}" -ge "$end" ]; then
			echo "  # not within $secs s: $*" >&2
			return 1
		fi
		sleep 0.1
	done
}

# check_within SECONDS DESC CMD...: passes as soon as CMD succeeds; fails,
# naming the command, when SECONDS pass first.
check_within() {
	local secs=$1 desc=$2
	shift 2
	if wait_until "$secs" "$@" 2>/dev/null; then
		pass "$desc"
	else
		fail "$desc" "not within $secs s: $*"
	fi
}

# listening srv|cli tcp|udp PORT: a socket of that namespace listens on PORT.
listening() { "in_$1" ss -Hln"${2:0:1}" "sport = :$3" | grep -q .; }

# wait_listening srv|cli tcp|udp PORT: a server started in the background
# listens (10 s at most: python's start on a loaded machine takes seconds).
wait_listening() { wait_until 10 listening "$@"; }

# wait_steady SECONDS CMD...: waits until CMD prints the same twice in a row,
# 0.1 s apart (what was sent has gone through), SECONDS at most.
wait_steady() {
	local secs=$1
	shift
	STEADY_LAST=
	wait_until "$secs" steady "$@"
}
steady() {
	local now
	now=$("$@")
	[ -n "$now" ] && [ "$now" = "$STEADY_LAST" ] && return 0
	STEADY_LAST=$now
	return 1
}

# packets_seen: the datapath's packet counters, both ways.
packets_seen() { mw status -j | grep -o '"packets_\(in\|out\)":[0-9]*' | tr '\n' ' '; }

# agent_sync: returns once the agent has read what the datapath reported
# before the call, and committed what it decided on it. Its one loop serves
# the control socket beside the ring buffer, so the answer to a second
# request comes after the turn that found both ready. (socat: a CLI run
# under the sanitizers costs ten times as much.)
agent_ping() { echo '{"cmd":"ping"}' | socat -t 5 - UNIX-CONNECT:"$RUN_DIR/run/control.sock" | grep -q pid; }
agent_sync() { agent_ping && agent_ping; }

# tcp_ended ADDR: every TCP flow with ADDR whose handshake the datapath saw
# has ended (its end went to the agent), or there is none. (A flow met
# midstream, as one open before the agent started, may never be seen end.)
tcp_ended() {
	! mw flows -j | grep -o '{[^{}]*}' | grep -F "\"remote_addr\":\"$1\"" | grep -F '"proto":"tcp"' |
		grep -F '"handshake":true' | grep -qv '"state":"closed"'
}

# wait_ended ADDR...: waits until the TCP connections of each ADDR have ended
# (3 s at most: a test may keep one open) and the agent has read those ends,
# so that what it would decide on them is decided. Before checking that
# something did NOT happen, this is the proof that the agent saw the traffic.
wait_ended() {
	local a
	for a in "$@"; do wait_until 3 tcp_ended "$a"; done
	agent_sync
}

# start_nginx CONF PORT: a real nginx in the protected namespace with its own
# configuration (its pid, logs and temp paths must be in the run directory:
# never the host's service); waits until it listens on PORT of $SRV4.
start_nginx() {
	bg_srv nginx -c "$1" -g 'daemon off;'
	wait_listening srv tcp "$2" && return 0
	echo "nginx did not start on port $2" >&2
	return 1
}

# events_about ADDR: the detection and block events of the events file that
# name ADDR (as the source, or among a distributed attack's sources), one
# line each: type, method, action and why. Empty when there is none.
events_about() {
	python3 - "$RUN_DIR/events.json" "$1" <<'PY' 2>/dev/null
import json, sys
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    d = e.get("detail") or {}
    if e.get("event_type") not in ("detection", "block"):
        continue
    if e.get("src_ip") != sys.argv[2] and sys.argv[2] not in d.get("sources", []):
        continue
    why = d.get("reason") or "attempts=%s window_s=%s distributed=%s" % (
        d.get("attempts"), d.get("window_s"), d.get("distributed"))
    print("%s %s %s (%s)" % (e["event_type"], e.get("method"), e.get("action"), why))
PY
}

# check_never_blocked DESC ADDR [held]: once ADDR's connections have ended
# (with "held": they are held open on purpose, so once what came is read)
# and the agent has read them, ADDR is not blocked and no detection or block
# event names it; on failure the events say why it was.
check_never_blocked() {
	local ev
	if [ "${3:-}" = held ]; then agent_sync; else wait_ended "$2"; fi
	ev=$(events_about "$2")
	if blocked "$2"; then
		fail "$1: $2 never blocked" "blocked: $(echo "$ev" | tr '\n' ';')"
	else
		pass "$1: $2 never blocked"
	fi
	if [ -n "$ev" ]; then
		fail "$1: no detection names $2" "$(echo "$ev" | tr '\n' ';')"
	else
		pass "$1: no detection names $2"
	fi
}

# first_block_at ADDR: the time (seconds since the epoch, with decimals) of
# the events file's first block of ADDR; nothing when there is none. Timing a
# block this way leaves out how often a test polls for it.
first_block_at() {
	python3 - "$RUN_DIR/events.json" "$1" <<'PY' 2>/dev/null
import datetime, json, sys
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("event_type") == "block" and e.get("src_ip") == sys.argv[2]:
        t = datetime.datetime.strptime(e["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
        print("%.3f" % t.replace(tzinfo=datetime.timezone.utc).timestamp())
        break
PY
}
