#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# BPATTERNS must not be a weapon (issue 15). A forged TCP data packet
# carrying mining.subscribe, from an address that never spoke (no handshake,
# to a closed port), makes minewall block nothing; 2000 of them from random
# sources neither block anything nor fill max_blocks, and the reports they
# may cause are capped. A Stratum login the protected host opens itself, to
# a real "pool" answering Stratum, is still detected on its verified flow
# and the pool blocked, after the flood. A miner connecting to a Stratum
# service of the protected host is reported ("this host serves Stratum"),
# not blocked.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

SPOOF=203.0.113.77 POOL=203.0.113.50 MINER=198.51.100.60
SUBSCRIBE='{"id":1,"method":"mining.subscribe","params":[]}'
export RUN_DIR
bp_for() { grep '"method":"BPATTERNS"' "$RUN_DIR/events.json" 2>/dev/null | grep "$1"; }
export -f bp_for
wait_for() { wait_until "${2:-5}" eval "$1"; } # EXPR [SECONDS]
n_blocks() { mw blocks -j | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

setup_topology || exit 1
in_cli ip addr add "$POOL/32" dev "$CLI_IF"
in_cli ip addr add "$MINER/32" dev "$CLI_IF"
# the protected host answers forged sources (a RST from the closed port)
# towards the client namespace, which drops what is not its own
in_srv ip route add 203.0.113.0/24 via "$CLI4"
in_srv ip route add 198.51.100.0/24 via "$CLI4"
in_srv ip -6 route add 2001:db8:f000::/36 via "$CLI6"
in_cli sysctl -qw net.ipv4.ip_forward=0

# a cap low enough that the old behaviour would have hit it
printf '[enforce]\nmax_blocks = 100\n' >"$RUN_DIR/spoof.conf"
start_agent -c "$RUN_DIR/spoof.conf" || exit 1

# --- one forged packet --------------------------------------------------------
# (scapy is the system python's: python3-scapy)
cat >"$RUN_DIR/forge.py" <<'PY'
import random, sys
from scapy.all import IP, IPv6, TCP, Raw, send, conf
conf.verb = 0
dst4, dst6, payload, count = sys.argv[1], sys.argv[2], sys.argv[3].encode() + b"\n", int(sys.argv[4])
src = sys.argv[5] if len(sys.argv) > 5 else None
random.seed(15)
pkts = []
for i in range(count):
    sport, seq = random.randint(1024, 65535), random.getrandbits(32)
    if src:
        ip = IP(src=src, dst=dst4)
    elif i % 2:
        ip = IP(src=random.choice(["203.0.113.%d", "198.51.100.%d"]) % random.randint(1, 254), dst=dst4)
    else:
        ip = IPv6(src="2001:db8:f%03x:%x::%x" % (random.getrandbits(12), random.getrandbits(16), random.getrandbits(16) | 1), dst=dst6)
    pkts.append(ip / TCP(sport=sport, dport=3333, flags="PA", seq=seq, ack=random.getrandbits(32)) / Raw(payload))
send(pkts)
print(len(pkts))
PY
check "scapy forges one PA packet from $SPOOF to the closed port 3333" \
	in_cli /usr/bin/python3 "$RUN_DIR/forge.py" "$SRV4" "$SRV6" "$SUBSCRIBE" 1 $SPOOF
check "the forged packet reached the datapath (a flow from $SPOOF)" \
	wait_for "mw flows -j | grep -q '\"remote_addr\":\"$SPOOF\"'"
# the agent reads the payload copy as it comes: a report, if any, is out
agent_sync
check_fails "the forged source is not blocked" blocked $SPOOF
check_eq "no block at all" "$(n_blocks)" 0
check_fails "no BPATTERNS block of it" bash -c "bp_for $SPOOF | grep -v '\"action\":\"alert\"'"
if bp_for $SPOOF >/dev/null; then
	check "its report rests on unverified evidence" \
		bash -c "bp_for $SPOOF | grep -q '\"evidence\":\"midstream\"' && bp_for $SPOOF | grep -q '\"verified\":false'"
fi

# --- 2000 of them, from random sources ----------------------------------------
forged_flows() { mw flows -j | python3 -c 'import json,sys; print(sum(1 for f in json.load(sys.stdin) if f["proto"] == "tcp" and f["local_port"] == 3333 and f["initiator"] != "local"))'; }
check "scapy forges 2000 from random IPv4 and IPv6 sources" \
	in_cli /usr/bin/python3 "$RUN_DIR/forge.py" "$SRV4" "$SRV6" "$SUBSCRIBE" 2000
# shellcheck disable=SC2016 # wait_for evaluates it
check "the datapath saw them (flows from 1000 forged sources or more)" \
	wait_for '[ "$(forged_flows)" -ge 1000 ]' 10
agent_sync # the payload copies of all 2000 are read
check_eq "still no block at all" "$(n_blocks)" 0
check_fails "max_blocks untouched: no 'cap ... is reached' in the log" \
	grep -q "blocked entries is reached" "$RUN_DIR/agent.log"
n_bp=$(grep -c '"method":"BPATTERNS"' "$RUN_DIR/events.json" 2>/dev/null)
log "BPATTERNS reports after 2001 forged packets: ${n_bp:-0}"
check "the reports they cause are capped (at most 21 a minute)" test "${n_bp:-0}" -le 21
check_fails "none of them a block" bash -c "grep '\"method\":\"BPATTERNS\"' '$RUN_DIR/events.json' | grep -v '\"action\":\"alert\"'"

# --- a miner on the protected host, a real pool outside -------------------------
cat >"$RUN_DIR/pool.py" <<'PY'
import json, socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 3333)); s.listen(16)
open(sys.argv[2], "w").write("up\n")
def serve(c):
    f = c.makefile("rb")
    for line in f:
        if json.loads(line).get("method") == "mining.subscribe":
            c.sendall(b'{"id":1,"result":[[["mining.notify","ae6812eb4cd7735a302a8a9dd95cf71f"]],"08000002",4],"error":null}\n')
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
bg_cli python3 "$RUN_DIR/pool.py" $POOL "$RUN_DIR/pool.up"
wait_for "test -f '$RUN_DIR/pool.up'"
mkdir -p "$RUN_DIR/bin"
ln -sf "$(readlink -f /usr/bin/python3)" "$RUN_DIR/bin/cpuminer"
in_srv "$RUN_DIR/bin/cpuminer" -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 3333), timeout=3)
print("connected", flush=True); s.sendall(sys.argv[2].encode() + b"\n")
try: s.recv(4096)
except OSError: pass # blocked: the pool stops answering
' $POOL "$SUBSCRIBE" >"$RUN_DIR/miner.out" 2>&1
check "the host's own miner connected to the pool and subscribed" grep -q connected "$RUN_DIR/miner.out"
check "BPATTERNS detects the host's own Stratum login" wait_for "bp_for '\"dest_ip\":\"$POOL\"'"
check "on evidence the host opened it, handshake in order" \
	bash -c "bp_for '\"dest_ip\":\"$POOL\"' | grep -q '\"evidence\":\"host-opened, tcp-handshake\"'"
check "with the process (comm cpuminer)" bash -c "bp_for '\"dest_ip\":\"$POOL\"' | grep -q '\"comm\":\"cpuminer\"'"
check "the pool is blocked, after the flood" wait_for "blocked $POOL"
check_eq "the only block" "$(n_blocks)" 1

# --- a pool on the protected host, a real miner outside --------------------------
bg_srv python3 "$RUN_DIR/pool.py" "$SRV4" "$RUN_DIR/srvpool.up"
wait_for "test -f '$RUN_DIR/srvpool.up'"
in_cli python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 3333), timeout=3, source_address=(sys.argv[2], 0))
s.sendall(sys.argv[3].encode() + b"\n"); s.recv(4096)
' "$SRV4" $MINER "$SUBSCRIBE" >/dev/null 2>&1
check "a miner using this host's pool: reported" wait_for "bp_for '\"src_ip\":\"$MINER\"'"
check "as 'this host serves Stratum', alert only" \
	bash -c "bp_for '\"src_ip\":\"$MINER\"' | grep '\"role\":\"this host serves Stratum\"' | grep -q '\"action\":\"alert\"'"
check_fails "its client is not blocked" blocked $MINER

finish
