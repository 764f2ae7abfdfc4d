#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# BPATTERNS end to end. The real captures replayed into the datapath: the
# three Stratum dialects of ndpi/mining.pcapng, bfgminer, a miner met
# mid-session, the CoinHive logins are detected; a Monero node is not. A
# replay arrives from the wire, so the host opened none of its flows: each is
# reported on that evidence ("replayed", "midstream") and nothing is blocked,
# with blocking on (issue 15: anyone can send these packets). Live:
# "miners" on the protected host send the exact first messages of XMRig,
# cpuminer and ethminer to pools on 3333, 443 and a random high port: each is
# detected with the process that connected, and its pool blocked. TLS-wrapped
# Stratum is caught by its rhythm; ordinary JSON-RPC and long-lived benign
# connections (keep-alive pings, an SSH session left open, a database pool)
# are not.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

PCAPS=$DATA/pcaps
events_for() { grep '"method":"BPATTERNS"' "$RUN_DIR/events.json" | grep "\"dest_ip\":\"$1\""; }
export RUN_DIR
export -f events_for
wait_event() { wait_until "${2:-6}" events_for "$1"; } # ADDR [SECONDS]

setup_topology || exit 1

# --- the captures --------------------------------------------------------
LOCALS=(147.229.13.222 192.168.2.148 192.168.2.92 10.0.2.15 192.168.2.100)
CAPTURES=(ndpi/mining.pcapng zeek-cryptomining/bitcoin-mining.pcap
	zeek-cryptomining/bitcoin-mining-in-progress.pcap zeek-cryptomining/coinhive-stratum.pcap
	ndpi/monero.pcap)
printf '[dict]\nblock = no\n' >"$RUN_DIR/replay.conf"

# First as anyone can send them: every frame arrives from the wire, the
# host's side too. The host opened none of these flows: nothing is blocked,
# with blocking on, and whatever is reported says why it is not evidence.
declare_local "${LOCALS[@]}"
start_agent -c "$RUN_DIR/replay.conf" || exit 1
for c in "${CAPTURES[@]}"; do
	check "forged: tcpreplay sends $c" replay_capture "$PCAPS/$c"
done
agent_sync # all the replays brought is read: what it decided is out
check "forged: every detection is a report (evidence replayed or midstream, action alert)" \
	python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if "\"BPATTERNS\"" in l]
bad = [e for e in ev if e["action"] != "alert" or e["detail"]["evidence"] not in ("replayed", "midstream") or e["detail"]["verified"]]
print(len(ev), "detections", len(bad), "not reports"); sys.exit(1 if bad else 0)' "$RUN_DIR/events.json"
check_eq "forged: the replays blocked nothing" "$(mw blocks -j)" "[]"
stop_agent
rm -f "$RUN_DIR/events.json"
in_srv ip addr flush dev "$SRV_IF" scope global
in_srv ip addr add "$SRV4/24" dev "$SRV_IF"
in_srv ip addr add "$SRV6/64" dev "$SRV_IF" nodad

# Then as they happened: the host's frames leave through tc egress
# (replay_split), so the datapath sees the host open its connections to the
# pools: each is detected in its dialect, and its pool blocked.
setup_replay_pair || exit 1
for a in "${LOCALS[@]}"; do in_srv ip addr add "$a/32" dev "$REPLAY_IF"; done
start_agent -c "$RUN_DIR/replay.conf" -i "$REPLAY_IF" || exit 1
for c in "${CAPTURES[@]}"; do
	check "tcpreplay sends $c as it happened" replay_split "$PCAPS/$c" "${LOCALS[@]/%//32}"
done
check_within 5 "mining.pcapng: eth-proxy to 185.71.66.39:9999" bash -c "events_for 185.71.66.39 | grep -q '\"dialect\":\"ethereum\"'"
check_within 3 "mining.pcapng: Stratum v1 to 94.23.199.191:3333" bash -c "events_for 94.23.199.191 | grep -q '\"dialect\":\"stratum-v1\"'"
check_within 3 "mining.pcapng: Stratum v1 to 116.211.167.195:3333" bash -c "events_for 116.211.167.195 | grep -q stratum-v1"
check_within 3 "mining.pcapng: xmr-stak login to 178.32.196.217:9050" bash -c "events_for 178.32.196.217 | grep -q '\"agent\":\"xmr-stak-cpu/1.3.0-1.5.0\"'"
check_within 3 "bitcoin-mining.pcap: bfgminer to BitMinter 74.84.128.158:3333" bash -c "events_for 74.84.128.158 | grep -q 'bfgminer/5.2.0'"
check_within 3 "bitcoin-mining.pcap: bfgminer's HTTP getwork to BitMinter: solo-btc over http (issue 20)" \
	bash -c "events_for 74.84.128.158 | grep '\"dialect\":\"solo-btc\"' | grep -q '\"transport\":\"http\"'"
check_within 3 "coinhive-stratum.pcap: the login to 192.110.160.114:3333" bash -c "events_for 192.110.160.114 | grep -q xmr-login"
check_fails "monero.pcap: a Monero node is not a miner" bash -c "grep BPATTERNS '$RUN_DIR/events.json' | grep -qE '159.69.36.66|78.56.22.89|62.210.127.86|100.42.27.58'"
check "bitcoin-mining-in-progress.pcap: the notify stream met mid-session is reported as such" \
	bash -c "grep BPATTERNS '$RUN_DIR/events.json' | grep '\"src_port\":53266' | grep -q '\"evidence\":\"midstream\"'"
n=0
for a in 94.23.199.191 178.32.196.217 192.110.160.114; do blocked $a && n=$((n + 1)); done
check_eq "the pools the host logged in to are blocked (host-opened, tcp-handshake)" "$n" 3
check "a blocked pool's detection names its evidence" \
	bash -c "events_for 94.23.199.191 | grep -q '\"evidence\":\"host-opened, tcp-handshake\"'"
stop_agent
in_srv ip link del "$REPLAY_PEER"
rm -f "$RUN_DIR/events.json"
in_srv ip addr flush dev "$SRV_IF" scope global
in_srv ip addr add "$SRV4/24" dev "$SRV_IF"
in_srv ip addr add "$SRV6/64" dev "$SRV_IF" nodad

# --- live miners -----------------------------------------------------------
POOL_XMR=203.0.113.31 POOL_V1=203.0.113.32 POOL_ETH=203.0.113.33
POOL_TLS=203.0.113.40 KEEPALIVE=203.0.113.41 DB=203.0.113.42 RPC=203.0.113.43 SSHD=203.0.113.44
for a in $POOL_XMR $POOL_V1 $POOL_ETH $POOL_TLS $KEEPALIVE $DB $RPC $SSHD; do
	in_cli ip addr add "$a/32" dev "$CLI_IF"
done
in_srv ip route add 203.0.113.0/24 via "$CLI4"

# the "internet" side: a pool that answers each dialect, a TLS pool that
# pushes a job every 2 s, a keep-alive echo, a database, a JSON-RPC node
# the sleeps of these servers and of the clients below are their pace (a
# pool's jobs every 2 s, a keep-alive every 2 s) or a connection held open
cat >"$RUN_DIR/servers.py" <<'PY'
import json, socket, ssl, sys, threading, time
def serve(addr, port, handler, tls=None):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(16)
    def loop():
        while True:
            c, _ = s.accept()
            if tls:
                c = tls.wrap_socket(c, server_side=True)
            threading.Thread(target=handler, args=(c,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()
def pool(c):
    f = c.makefile("rb")
    while True:
        line = f.readline()
        if not line: return
        req = json.loads(line)
        if req.get("method") == "login":
            c.sendall(b'{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"1","job":{"blob":"0707","job_id":"a","target":"711b0d00"},"status":"OK"}}\n')
        else:
            c.sendall(b'{"id":1,"result":[[["mining.notify","ae6812eb4cd7735a302a8a9dd95cf71f"]],"08000002",4],"error":null}\n')
def tls_pool(c):
    n = 0
    while True:
        n += 1
        job = {"jsonrpc": "2.0", "method": "job", "params": {"blob": "07" * 76, "job_id": str(n), "target": "b88d0600"}}
        try: c.sendall(json.dumps(job).encode() + b"\n")
        except OSError: return
        time.sleep(2)
def echo(c):
    while True:
        d = c.recv(4096)
        if not d: return
        c.sendall(d)
def db(c):
    while True:
        d = c.recv(4096)
        if not d: return
        c.sendall(b"R" * 600)
def rpc(c):
    c.recv(4096); c.sendall(b'{"jsonrpc":"2.0","id":1,"result":"0x4b7"}\n'); time.sleep(60)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(sys.argv[1], sys.argv[2])
pools = sys.argv[3:6]
serve(pools[0], 3333, pool); serve(pools[1], 443, pool); serve(pools[2], 47123, pool)
serve(sys.argv[6], 8443, tls_pool, ctx); serve(sys.argv[7], 8081, echo)
serve(sys.argv[8], 5432, db); serve(sys.argv[9], 8545, rpc)
open(sys.argv[10], "w").write("up\n")
time.sleep(3600)
PY
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=pool -days 1 \
	-keyout "$RUN_DIR/tls.key" -out "$RUN_DIR/tls.crt" >/dev/null 2>&1
bg_cli python3 "$RUN_DIR/servers.py" "$RUN_DIR/tls.crt" "$RUN_DIR/tls.key" \
	$POOL_XMR $POOL_V1 $POOL_ETH $POOL_TLS $KEEPALIVE $DB $RPC "$RUN_DIR/servers.up"
wait_until 5 test -f "$RUN_DIR/servers.up"

cat >"$RUN_DIR/live.conf" <<EOF
[flows]
# the shipped sweep: rhythm samples come from the 1 s cycle, by key
scan_interval = 5s
[bpatterns]
rhythm_min_age = 9s
rhythm_min_pushes = 4
EOF
start_agent -c "$RUN_DIR/live.conf" || exit 1

# each "miner" is python3 under the miner's name, so that the kernel's
# command name (comm) is that name, as it would be for the real program
mkdir -p "$RUN_DIR/bin"
for m in xmrig cpuminer ethminer minerd wsclient dbpool rpcclient; do ln -sf "$(readlink -f /usr/bin/python3)" "$RUN_DIR/bin/$m"; done
send_first() { # NAME ADDR PORT MESSAGE: connects, sends MESSAGE, reads the answer
	bg_srv "$RUN_DIR/bin/$1" -c '
import socket, sys, time
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
    s.sendall(sys.argv[3].encode() + b"\n"); s.recv(4096)
except OSError:
    pass # blocked: the pool stops answering
time.sleep(30)
' "$2" "$3" "$4" 2>>"$RUN_DIR/clients.log"
}
XMRIG='{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A","pass":"x","agent":"XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0","algo":["rx/0","cn/2","cn/r"]}}'
CPUMINER='{"id": 1, "method": "mining.subscribe", "params": ["cpuminer/2.5.1"]}'
ETHMINER='{"id":1,"method":"mining.subscribe","params":["ethminer 0.19.0","EthereumStratum/1.0.0"],"jsonrpc":"2.0"}'
send_first xmrig $POOL_XMR 3333 "$XMRIG"
xmrig_pid=$BG_PID
send_first cpuminer $POOL_V1 443 "$CPUMINER"
send_first ethminer $POOL_ETH 47123 "$ETHMINER"

check "XMRig login on 3333: detected" wait_event $POOL_XMR
check "XMRig: dialect, agent and pool port" bash -c "events_for $POOL_XMR | grep '\"dialect\":\"xmr-login\"' | grep 'XMRig/6.21.0' | grep -q '\"pool_port\":true'"
check "XMRig: the process that connected (comm xmrig, pid $xmrig_pid)" \
	bash -c "events_for $POOL_XMR | grep '\"comm\":\"xmrig\"' | grep -q '\"pid\":$xmrig_pid,'"
check "XMRig: on evidence the host opened it, handshake in order" \
	bash -c "events_for $POOL_XMR | grep -q '\"evidence\":\"host-opened, tcp-handshake\"'"
check_within 3 "XMRig: the pool is blocked" blocked $POOL_XMR
check "cpuminer on 443: detected as Stratum v1, process cpuminer" wait_event $POOL_V1
check "cpuminer: dialect and process" bash -c "events_for $POOL_V1 | grep stratum-v1 | grep -q '\"comm\":\"cpuminer\"'"
check "ethminer on port 47123: detected as Ethereum, process ethminer" wait_event $POOL_ETH
check "ethminer: dialect and process" bash -c "events_for $POOL_ETH | grep '\"dialect\":\"ethereum\"' | grep -q '\"comm\":\"ethminer\"'"
check "ethminer: a random high port is no pool port" bash -c "events_for $POOL_ETH | grep -q '\"pool_port\":false'"
check_within 3 "the Ethereum pool is blocked" blocked $POOL_ETH

# --- TLS-wrapped Stratum by its rhythm, benign long-lived connections beside it
bg_srv "$RUN_DIR/bin/minerd" -c '
import socket, ssl, sys, time
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection((sys.argv[1], 8443)))
s.settimeout(1); t = time.time()
while time.time() - t < 60:
    try: s.recv(4096)
    except (socket.timeout, ssl.SSLError): pass
    if int(time.time() - t) % 7 == 6:
        s.sendall(b"{\"id\":9,\"method\":\"submit\",\"params\":{}}\n"); time.sleep(1)
' $POOL_TLS
minerd_pid=$BG_PID
bg_srv "$RUN_DIR/bin/wsclient" -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], 8081))
while True:
    s.sendall(b"\x89\x04ping"); s.recv(64); time.sleep(2)
' $KEEPALIVE
bg_srv "$RUN_DIR/bin/dbpool" -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], 5432))
while True:
    s.sendall(b"Q SELECT 1 FROM jobs WHERE id = 42"); s.recv(4096); time.sleep(3)
' $DB
bg_srv "$RUN_DIR/bin/rpcclient" -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], 8545))
s.sendall(b"{\"jsonrpc\":\"2.0\",\"method\":\"eth_blockNumber\",\"params\":[],\"id\":1}\n"); s.recv(64); time.sleep(60)
' $RPC
# an SSH session left open, to an sshd on the "internet" side
mkdir -p "$RUN_DIR/sshd" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$RUN_DIR/sshd/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$RUN_DIR/sshd/client_key"
cp "$RUN_DIR/sshd/client_key.pub" "$RUN_DIR/sshd/authorized_keys"
printf 'ListenAddress %s\nHostKey %s\nAuthorizedKeysFile %s\nStrictModes no\nUsePAM no\nPidFile none\n' \
	$SSHD "$RUN_DIR/sshd/host_key" "$RUN_DIR/sshd/authorized_keys" >"$RUN_DIR/sshd/config"
bg_cli /usr/sbin/sshd -D -f "$RUN_DIR/sshd/config" -E "$RUN_DIR/sshd/log"
wait_listening cli tcp 22
bg_srv ssh -i "$RUN_DIR/sshd/client_key" "${SSH_CLIENT_OPTS[@]}" -o ServerAliveInterval=2 root@$SSHD sleep 60

check "TLS Stratum, jobs every 2 s: detected by its rhythm" wait_event $POOL_TLS 30
check "rhythm: evidence and the process (comm minerd, pid $minerd_pid)" \
	bash -c "events_for $POOL_TLS | grep '\"match\":\"rhythm\"' | grep '\"pushes\":' | grep -q '\"pid\":$minerd_pid,'"
check "rhythm: on evidence the host opened it" bash -c "events_for $POOL_TLS | grep -q '\"evidence\":\"host-opened, tcp-handshake\"'"
check_within 3 "the TLS pool is blocked" blocked $POOL_TLS
check_fails "keep-alive pings: not a miner" bash -c "grep BPATTERNS '$RUN_DIR/events.json' | grep -q $KEEPALIVE"
check_fails "a database pool: not a miner" bash -c "grep BPATTERNS '$RUN_DIR/events.json' | grep -q $DB"
check_fails "JSON-RPC to an Ethereum node: not Stratum" bash -c "grep BPATTERNS '$RUN_DIR/events.json' | grep -q $RPC"
check "the SSH session is up" bash -c "ip netns exec $SRV_NS ss -Htn state established '( dport = :22 )' | grep -q $SSHD"
check_fails "an SSH session left open: not a miner" bash -c "grep BPATTERNS '$RUN_DIR/events.json' | grep -q $SSHD"

finish
