#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# OUTSCAN end to end: the protected host scans a /24 of the "internet"
# (documentation range) on 2375, where three addresses answer, six refuse
# (RST) and the rest never answer (half-open). A masscan-like connect()
# loop (python3 named by prctl) and `nmap -sT` are reported critical with
# their process; benign clients (curl to 20 web servers once, a poller of
# the same 5 addresses again and again, a client of 100 web servers that
# all answer, a crawler of 70 where every other answers its SYN only after
# 3 s) are never reported. With [outscan] block, a scanner in a
# cgroup of its own is cut off from the addresses it scanned while another
# process still reaches them; a scanner in the root cgroup (the agent's
# too) is reported only, and the event says why; a Docker-like container
# scanning from its own network namespace is named, and cut off by its
# address. `nmap -sS` (raw sockets, no process behind its SYNs) is reported
# as the unknown process.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=selftests/e2e/container_lib.sh
. "$(dirname "$0")/container_lib.sh"

NET=203.0.113 # the scanned /24
WEBNET=198.51.100 # 100 web servers
LAN=10.77.0 # a private /24: no event announces flows there, the sweep sees them
PY3=/usr/bin/python3
CG=/sys/fs/cgroup/unified/mw-test-outscan-$ID
# the cgroup goes at exit, its scanner killed first (a failed test may
# leave it waiting)
at_exit sh -c "[ -d '$CG' ] || exit 0; echo 1 >'$CG/cgroup.kill'
	for i in 1 2 3 4 5 6 7 8 9 10; do grep -q '^populated 0' '$CG/cgroup.events' && break; sleep 0.05; done
	rmdir '$CG'"

setup_topology || exit 1
ct_bridge docker0 172.31.0.1/24 || exit 1
ct_create web docker webapp 172.31.0.2 || exit 1
{
	for i in 1 2 3 4 5 6 7 8 9; do echo "addr add $NET.$i/32 dev $CLI_IF"; done
	for i in $(seq 1 170); do echo "addr add $WEBNET.$i/32 dev $CLI_IF"; done
} | in_cli ip -batch -
# slow servers: every other of the crawler's (.101, .103...) drops its
# SYN-ACKs for 2 s, so that the crawler's SYN is answered at its
# retransmission 3 s later: slow, not a failed attempt
in_cli nft -f - <<NFT
table ip slow {
	set win { type ipv4_addr . inet_service; flags dynamic, timeout; }
	set seen { type ipv4_addr . inet_service; flags dynamic, timeout; }
	chain out {
		type filter hook output priority 0;
		ip saddr { $(seq -s, -f "$WEBNET.%g" 101 2 170) } tcp flags & (syn | ack) == syn | ack jump late
	}
	chain late {
		ip daddr . tcp dport @win drop
		ip daddr . tcp dport @seen accept
		add @win { ip daddr . tcp dport timeout 2s } add @seen { ip daddr . tcp dport timeout 60s } drop
	}
}
NFT
in_srv ip route add $NET.0/24 via "$CLI4"
in_srv ip route add $WEBNET.0/24 via "$CLI4"
in_srv ip route add $LAN.0/24 via "$CLI4"
# .1-.3 answer on 2375 and 6379, .4-.9 refuse (no listener: a RST), the
# rest are not the remote's: it drops them, never answering
for p in 2375 6379; do
	for i in 1 2 3; do bg_cli socat -u "TCP4-LISTEN:$p,bind=$NET.$i,reuseaddr,fork" OPEN:/dev/null; done
done
bg_cli $PY3 -m http.server --bind 0.0.0.0 80 --directory "$RUN_DIR" >/dev/null 2>&1
wait_listening cli tcp 80
wait_listening cli tcp 6379

# the sweep every second: the private /24's attempts are seen sooner
ct_config >"$RUN_DIR/outscan.conf"
printf '[flows]\nscan_interval = 1s\n[outscan]\nblock = yes\n' >>"$RUN_DIR/outscan.conf"
start_agent -c "$RUN_DIR/outscan.conf" || exit 1
# the container's port is watched before it scans
docker0_watched() { mw status -j | jq -e '[.summary.bridges[] | select(.name == "docker0")][0].ports == 1' >/dev/null; }
wait_until 3 docker0_watched || log "docker0's port is not watched yet"

# the masscan-like scanner: every connect() at once, non-blocking, named
# by prctl; with a file to wait for, it then tries NET.1 again and writes
# whether it got through
cat >"$RUN_DIR/xscan.py" <<'PY'
import ctypes, os, select, socket, sys, time
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
net, port = sys.argv[2], int(sys.argv[3])
socks = []
for i in range(256):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("%s.%d" % (net, i), port))
    socks.append(s)
time.sleep(1.2)
for s in socks:
    s.close()
if len(sys.argv) > 4:
    while not os.path.exists(sys.argv[4]):
        time.sleep(0.1)
    s = socket.socket()
    s.settimeout(1)
    try:
        s.connect(("%s.1" % net, port))
        r = "connected"
    except OSError as e:
        r = "failed: %s" % e
    open(sys.argv[4] + ".out", "w").write(r + "\n")
else:
    time.sleep(3)
PY

export RUN_DIR
# outscan_by COMM [PORT]: the OUTSCAN events of process COMM (on PORT)
outscan_by() {
	$PY3 - "$RUN_DIR/events.json" "$1" "${2:-}" <<'PYEOF'
import json, sys
n = 0
for l in open(sys.argv[1]):
    e = json.loads(l)
    p = (e.get("detail") or {}).get("process") or {}
    if e.get("method") == "OUTSCAN" and (p.get("comm") or "") == sys.argv[2] and \
            (not sys.argv[3] or e.get("dest_port") == int(sys.argv[3])):
        print(l, end="")
        n += 1
sys.exit(0 if n else 1)
PYEOF
}
export -f outscan_by
# field COMM PORT EXPR: a python expression over the event e, its detail d
field() {
	outscan_by "$1" "$2" | head -1 | $PY3 -c "import json,sys
e = json.loads(sys.stdin.read()); d = e['detail']; print($3)"
}

# --- benign clients first: nothing may come of them ----------------------------
curls=()
for i in $(seq 1 20); do
	in_srv curl -s -o /dev/null --max-time 2 "http://$WEBNET.$i/" &
	curls+=($!)
done
cat >"$RUN_DIR/poller.py" <<'PY'
import ctypes, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
for r in range(int(sys.argv[3])):
    for a in sys.argv[4].split(","):
        s = socket.create_connection((a, 80), timeout=2)
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        while s.recv(4096):
            pass
        s.close()
PY
# a crawler of 70 servers, one every 150 ms, half of them slow (waited
# for with the benign clients' count: the scans below run meanwhile)
cat >"$RUN_DIR/crawler.py" <<'PY'
import ctypes, socket, sys, threading, time
ctypes.CDLL(None).prctl(15, b"crawl70", 0, 0, 0)
slow = []
def get(a):
    t = time.time()
    s = socket.create_connection((a, 80), timeout=8)
    if time.time() - t > 2:
        slow.append(a)
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    while s.recv(4096):
        pass
    s.close()
ts = []
for i in range(101, 171):
    ts.append(threading.Thread(target=get, args=(sys.argv[1] + "." + str(i),)))
    ts[-1].start()
    time.sleep(0.15)
for t in ts:
    t.join()
print(len(slow))
PY
in_srv $PY3 "$RUN_DIR/crawler.py" "$WEBNET" >"$RUN_DIR/crawler.out" 2>&1 &
crawler=$!
in_srv $PY3 "$RUN_DIR/poller.py" poll5 "$WEBNET" 20 "$(seq -s, -f "$WEBNET.%g" 1 5)"
in_srv $PY3 "$RUN_DIR/poller.py" web100 "$WEBNET" 1 "$(seq -s, -f "$WEBNET.%g" 1 100)"
wait "${curls[@]}"

# --- a masscan-like loop on 2375 ---------------------------------------------
# (and one across a private /24 at the same time, looked at further down)
t0=${EPOCHREALTIME/./}
bg_srv $PY3 "$RUN_DIR/xscan.py" xscan2375 $NET 2375
scan_pid=$BG_PID
bg_srv $PY3 "$RUN_DIR/xscan.py" lanscan $LAN 22
# and a container's, from its network namespace, waiting to try again
ct_bg web $PY3 "$RUN_DIR/xscan.py" ctscan $NET 2375 "$RUN_DIR/go_ct"
check_within 12 "a connect() loop across a /24 on 2375: OUTSCAN" outscan_by xscan2375 2375
t1=${EPOCHREALTIME/./}
log "reported $(((t1 - t0) / 1000)) ms after the scan began (3.5 s answer time, 1 s cycle)"
# one look at the event, then each of its fields
read -r sev pid kind targets answered refused unanswered sample action root evidence \
	<<<"$(field xscan2375 2375 "e['severity'], d['process']['pid'], d['kind'], d['targets'], \
	d['answered'], d['refused'], d['half_open'] + d['pending'], \
	len(d['sample']) == 8 and e['src_ip'] == '$SRV4', e['action'], \
	'root cgroup' in d['not_blocked'] or 'own cgroup' in d['not_blocked'], d['evidence']")"
check_eq "critical" "$sev" critical
check_eq "with the scanner's pid" "$pid" "$scan_pid"
check_eq "horizontal, 256 targets" "$kind $targets" 'horizontal 256'
check_eq "3 answered, 6 refused (RST)" "$answered $refused" '3 6'
check_eq "the rest half-open (no answer)" "$unanswered" 247
check_eq "a sample of the addresses, the host's address as the source" "$sample" True
check_eq "in the root cgroup: reported only, and why" "$action $root" 'alert True'
check_eq "evidence host-opened" "$evidence" host-opened
# the only blocks of NET's addresses are scoped to one scanner (below)
host_blocks() { mw blocks -j | jq --arg n "$NET." '[.. | objects | select((.prefix? // "") | startswith($n)) | select(.scope != "container")] | length'; }
check_eq "no block of the targets (victims)" "$(host_blocks)" 0

# --- nmap -sT ----------------------------------------------------------------
in_srv nmap -sT -Pn -n -p 2375 --max-retries 0 -T5 --max-rtt-timeout 300ms --min-parallelism 256 \
	"$NET.0/24" >"$RUN_DIR/nmap.out" 2>&1
check_within 12 "nmap -sT across the /24 on 2375: OUTSCAN by nmap" outscan_by nmap 2375
check_eq "nmap: critical, horizontal" "$(field nmap 2375 "e['severity'], d['kind']")" 'critical horizontal'
# reported as soon as the threshold is crossed: nmap may not be through yet
log "nmap -sT: $(field nmap 2375 "'targets %d, half-open %d, refused %d, answered %d, pending %d' % (d['targets'], d['half_open'], d['refused'], d['answered'], d['pending'])")"
check "nmap: at least 64 targets, a quarter failed, 3 answered at most" \
	test "$(field nmap 2375 "d['targets'] >= 64 and (d['half_open'] + d['refused']) * 4 >= d['targets'] and d['answered'] <= 3")" = True

# --- nmap -sT on 100 ports of one address: vertical ---------------------------
in_srv nmap -sT -Pn -n -p 1-100 --max-retries 0 -T5 "$NET.5" >"$RUN_DIR/nmap_v.out" 2>&1
vertical_5() { outscan_by nmap | grep '"dest_ip":"'"$NET"'.5"' | grep -q '"kind":"vertical"'; }
check_within 12 "nmap -sT on 100 ports of $NET.5: OUTSCAN vertical" vertical_5

# --- nmap -sS: raw packets, no socket: the unknown process ---------------------
in_srv nmap -sS -Pn -n -p 2376 --max-retries 0 -T5 --max-rtt-timeout 300ms --min-parallelism 256 \
	"$NET.0/24" >"$RUN_DIR/nmap_ss.out" 2>&1
unknown_2376() { grep '"method":"OUTSCAN"' "$RUN_DIR/events.json" | grep '"dest_port":2376' | grep -q process_unknown; }
check_within 12 "nmap -sS on 2376: OUTSCAN of the unknown process (raw sockets)" unknown_2376

# --- a private LAN: the sweep's visits, never an event ------------------------
check_within 12 "a connect() loop across a private /24 on 22: OUTSCAN" outscan_by lanscan 22
lan_ts=$(field lanscan 22 "e['timestamp']")
log "reported at $lan_ts, the scan began at $(date -u -d "@${t0:0:-6}" +%T) ([flows] scan_interval 1 s)"
check_eq "all 256 half-open" "$(field lanscan 22 "d['targets'], d['half_open']")" '256 256'

# --- a container scanning: named, cut off by its address --------------------
ct_event() {
	# shellcheck disable=SC2154 # web_id: set by ct_create
	grep '"method":"OUTSCAN"' "$RUN_DIR/events.json" | grep '"dest_port":2375' |
		jq -e -s --arg id "$web_id" 'map(select((.detail.container.id // .detail.process.container.id) == $id)) | .[0]'
}
check_within 12 "a container's scan on 2375: OUTSCAN naming its container" ct_event
check_eq "critical, blocked" "$(ct_event | jq -r '.severity + " " + .action')" "critical blocked"
touch "$RUN_DIR/go_ct"
wait_until 5 test -s "$RUN_DIR/go_ct.out"
check "the container's next connection to a scanned address is dropped" grep -q failed "$RUN_DIR/go_ct.out"
check "the host still reaches that address" \
	in_srv $PY3 -c "import socket; socket.create_connection(('$NET.1', 2375), timeout=2)"

# --- the CLI knows the method ------------------------------------------------
status_counts() { mw status -j | grep -q '"OUTSCAN":[1-9]'; }
check "minewall status counts OUTSCAN detections" status_counts
in_srv curl -s --max-time 2 http://127.0.0.1:9477/metrics >"$RUN_DIR/metrics.txt"
check "metrics: OUTSCAN detections and the programs it follows" \
	sh -c "grep -q '^minewall_detections_total{method=\"OUTSCAN\"} [1-9]' '$RUN_DIR/metrics.txt' &&
		grep -q '^minewall_outscan_programs [1-9]' '$RUN_DIR/metrics.txt'"
check_eq "minewall events --method OUTSCAN lists them" \
	"$(mw events --file "$RUN_DIR/events.json" --method OUTSCAN -n 1000 | awk '$2 == "detection"' | grep -c OUTSCAN)" 6

# --- the benign clients: counted --------------------------------------------
wait "$crawler"
agent_sync
# by their names, or by a web server among the targets
fp=$(grep '"method":"OUTSCAN"' "$RUN_DIR/events.json" |
	grep -c -e '"comm":"\(curl\|poll5\|web100\|crawl70\)"' -e "\"$WEBNET\.")
log "false positives of the benign clients: $fp"
check_eq "the crawler's slow servers answered after 2 s" "$(cat "$RUN_DIR/crawler.out")" 35
check_eq "curl to 20 web servers, a poller of 5 addresses, 100 answering servers, a crawler of 70 (35 slow): no OUTSCAN" "$fp" 0

# --- [outscan] block: the scanner's cgroup cut off ----------------------------
mkdir -p "$CG"
# the scanner in the cgroup (nsenter, not `ip netns exec`: its /sys has no
# cgroup hierarchy)
sh -c "echo \$\$ >'$CG/cgroup.procs' && exec nsenter --net=/run/netns/$SRV_NS \
	$PY3 '$RUN_DIR/xscan.py' cgscan $NET 6379 '$RUN_DIR/go'" &
bg_pid $!
check_within 12 "a scanner in a cgroup of its own on 6379: OUTSCAN" outscan_by cgscan 6379
check_eq "critical, blocked" "$(field cgscan 6379 "e['severity'], e['action']")" 'critical blocked'
check "its cgroup cut off from the scanned addresses (cgblock4)" \
	sh -c "ip netns exec '$SRV_NS' nft list set inet minewall cgblock4 | grep -q '$NET.1 '"
touch "$RUN_DIR/go"
wait_until 5 test -s "$RUN_DIR/go.out"
check "its next connection to a scanned address is dropped" grep -q failed "$RUN_DIR/go.out"
check_eq "the host's blocks: none of the scanned addresses" "$(host_blocks)" 0
check "another process still reaches that address" \
	in_srv $PY3 -c "import socket; socket.create_connection(('$NET.1', 6379), timeout=2)"

finish
