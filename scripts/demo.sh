#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make demo: minewall at work in a throwaway lab of network namespaces, in
# about a minute, without touching this host's network.
#
#   "server"   192.0.2.1   runs sshd and minewalld (the protected host)
#   "attacker" 192.0.2.66  runs hydra against the server's SSH
#   "pool"     192.0.2.50  a Stratum mining pool on port 3333
#   "web"      192.0.2.80  an ordinary web server on the internet
# all joined by a bridge in a fifth namespace. Everything is removed on exit.
set -u
cd "$(dirname "$0")/.." || exit 1
BIN=${MW_BIN:-build}
ID=$$
NS_NET=mwdemo-$ID-net
DIR=$(mktemp -d /tmp/minewall-demo.XXXXXX)
PIN=/sys/fs/bpf/minewall-demo-$ID
AGENT=
FOLLOW=

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (it loads BPF programs and builds namespaces)" >&2
	exit 1
fi

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	[ -n "$FOLLOW" ] && kill "$FOLLOW" 2>/dev/null
	[ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null
	for n in server attacker pool web net; do
		ip netns pids "mwdemo-$ID-$n" 2>/dev/null | xargs -r kill 2>/dev/null
	done
	sleep 0.2
	for n in server attacker pool web net; do ip netns del "mwdemo-$ID-$n" 2>/dev/null; done
	rm -rf "$PIN" "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
in_ns() { local n=$1; shift; ip netns exec "mwdemo-$ID-$n" "$@"; }

say "building the lab"
ip netns add "$NS_NET"
in_ns net ip link add br0 type bridge
in_ns net ip link set br0 up
i=0
for n in server attacker pool web; do
	addr=(192.0.2.1 192.0.2.66 192.0.2.50 192.0.2.80)
	ip netns add "mwdemo-$ID-$n"
	ip link add "mwd$ID$i" netns "mwdemo-$ID-$n" type veth peer name "mwb$ID$i" netns "$NS_NET"
	in_ns net ip link set "mwb$ID$i" master br0 up
	in_ns "$n" ip link set lo up
	in_ns "$n" ip addr add "${addr[$i]}/24" dev "mwd$ID$i"
	in_ns "$n" ip link set "mwd$ID$i" up
	echo "  $n: ${addr[$i]}"
	i=$((i + 1))
done
SRV_IF=mwd${ID}0

# the server's SSH, with passwords, so that a dictionary attack gets answers
mkdir -p "$DIR/sshd" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$DIR/sshd/host_key"
printf 'ListenAddress 192.0.2.1\nHostKey %s\nPasswordAuthentication yes\nUsePAM no\nPidFile none\nMaxStartups 100\n' \
	"$DIR/sshd/host_key" >"$DIR/sshd/config"
in_ns server /usr/sbin/sshd -D -f "$DIR/sshd/config" -E "$DIR/sshd/log" &
# the pool answers a miner's login with a job
in_ns pool python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.50", 3333)); s.listen(8)
while True:
    c, _ = s.accept(); c.recv(4096)
    c.sendall(b"{\"id\":1,\"jsonrpc\":\"2.0\",\"result\":{\"id\":\"1\",\"job\":{\"blob\":\"0707\",\"job_id\":\"a\",\"target\":\"b88d0600\"},\"status\":\"OK\"}}\n"); c.close()
' &
in_ns web python3 -m http.server --bind 192.0.2.80 80 --directory "$DIR" >/dev/null 2>&1 &

cat >"$DIR/minewall.conf" <<EOF
[flows]
scan_interval = 500ms
[dirnet]
learn = 0
EOF
say "starting minewalld on the server ($SRV_IF)"
nsenter --net="/run/netns/mwdemo-$ID-server" "$BIN/minewalld" -c "$DIR/minewall.conf" -i "$SRV_IF" \
	--pin-path "$PIN" --run-dir "$DIR/run" --state-dir "$DIR/state" --events "$DIR/events.json" \
	--status-interval 0 -q >"$DIR/agent.log" 2>&1 &
AGENT=$!
mw() { MINEWALL_PIN_PATH=$PIN MINEWALL_RUN_DIR=$DIR/run "$BIN/minewall" "$@"; }
for _ in $(seq 1 100); do mw status -j 2>/dev/null | grep -q '"running":true' && break; sleep 0.1; done
mw status | head -3
sleep 1
# show each event as it happens
touch "$DIR/events.json"
MINEWALL_RUN_DIR=$DIR/run "$BIN/minewall" events -f -n 0 --file "$DIR/events.json" &
FOLLOW=$!

say "1. an SSH dictionary attack from the attacker (hydra)"
seq -f "guess-%g" 1 30 >"$DIR/passwords"
(cd "$DIR" && in_ns attacker timeout 20 hydra -I -l root -P "$DIR/passwords" -t 4 -w 5 ssh://192.0.2.1 \
	>"$DIR/hydra.log" 2>&1) &
HYDRA=$!
for _ in $(seq 1 100); do mw blocks -j 2>/dev/null | grep -q '"prefix":"192.0.2.66"' && break; sleep 0.2; done
kill $HYDRA 2>/dev/null
wait $HYDRA 2>/dev/null
echo "  hydra got $(grep -c 'Failed password' "$DIR/sshd/log") password tries through before the block"

say "2. a miner on the server connects to its pool (the XMRig login)"
ln -sf "$(readlink -f /usr/bin/python3)" "$DIR/xmrig"
in_ns server "$DIR/xmrig" -c '
import socket
try:
    s = socket.create_connection(("192.0.2.50", 3333), timeout=3)
    s.sendall(b"{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A\",\"pass\":\"x\",\"agent\":\"XMRig/6.21.0\"}}\n")
    s.recv(4096)
except OSError:
    pass
'
sleep 1

say "3. the server opens a connection to the internet on its own (curl)"
in_ns server curl -s -o /dev/null --max-time 3 http://192.0.2.80/ || true
sleep 1.5

kill $FOLLOW 2>/dev/null
wait $FOLLOW 2>/dev/null
FOLLOW=
say "what minewall did"
mw status | grep -E '^(agent|detections|blocks|sets|offender|warning)'
echo
mw blocks
say "done: the lab is removed; the events were in $DIR/events.json"
for m in SSHDICT BPATTERNS DIRNET; do
	grep -q "\"method\":\"$m\"" "$DIR/events.json" || {
		echo "demo: no $m detection (see $DIR/agent.log)" >&2
		cat "$DIR/agent.log" >&2
		exit 1
	}
done
exit 0
