#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Operating minewall with the tools operators run: the events as documented
# JSON and through `minewall events`; syslog receiving them (RFC 5424);
# Prometheus metrics accepted by promtool; finished flows exported over
# IPFIX and read back by nfcapd/nfdump exactly as generated; `minewall
# status`; `make install DESTDIR=` with a unit that systemd-analyze accepts
# and man pages that groff reads without warnings (make demo: test_demo.sh).
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

setup_topology || exit 1
POOL=203.0.113.50
in_cli ip addr add $POOL/32 dev "$CLI_IF"
in_srv ip route add 203.0.113.0/24 via "$CLI4"

# a syslog daemon of our own: a datagram socket that writes what it gets
bg_srv python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
with open(sys.argv[2], "a") as f:
    while True:
        f.write(s.recv(65536).decode() + "\n"); f.flush()
' "$RUN_DIR/syslog.sock" "$RUN_DIR/syslog.txt"
# an IPFIX collector: nfcapd from Debian's nfdump
mkdir -p "$RUN_DIR/nfcapd"
ip netns exec "$SRV_NS" nfcapd -w "$RUN_DIR/nfcapd" -p 9995 -b 127.0.0.1 >"$RUN_DIR/nfcapd.log" 2>&1 &
nfcapd_pid=$!
bg_pid $nfcapd_pid
printf '%s\n' "$POOL" >"$RUN_DIR/pools.txt"
cat >"$RUN_DIR/op.conf" <<EOF
[agent]
syslog = yes
syslog_socket = $RUN_DIR/syslog.sock
metrics = 127.0.0.1:9477
ipfix = 127.0.0.1:9995
[blacklist]
lists = pools=$RUN_DIR/pools.txt
[dirnet]
learn = 0
EOF
wait_until 5 test -S "$RUN_DIR/syslog.sock"
wait_listening srv udp 9995
start_agent -c "$RUN_DIR/op.conf" || exit 1

# --- traffic: 5 connections with known ports, a blacklist hit, a block ------
bg_srv python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.1", 8080)); s.listen(16)
while True:
    c, _ = s.accept(); c.recv(100); c.sendall(b"pong"); c.close()
'
wait_listening srv tcp 8080
in_cli python3 -c '
import socket
for port in range(41001, 41006):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("192.0.2.2", port)); s.connect(("192.0.2.1", 8080))
    s.sendall(b"ping"); s.recv(10); s.close()
'
in_srv python3 -c "import socket; s=socket.socket(); s.settimeout(1)
try: s.connect(('$POOL', 3333))
except OSError: pass"
mw block 198.51.100.99 --reason "demo block" >/dev/null
# what the checks below read: the detections in syslog, the DIRNET report,
# the 5 connections ended (their IPFIX records go out at the agent's stop)
reported() {
	grep -q 'detection - .*BLACKLIST' "$RUN_DIR/syslog.txt" && grep -q 'block - .*198.51.100.99' "$RUN_DIR/syslog.txt" &&
		grep -q '"method":"DIRNET"' "$RUN_DIR/events.json"
}
wait_until 5 reported
wait_ended $CLI4

# --- events ------------------------------------------------------------------
check "events: every line is JSON with the documented fields" python3 -c '
import json, sys
need = {"timestamp", "event_type", "method", "src_ip", "action", "detail"}
det = {"severity", "src_port", "dest_ip", "dest_port", "proto", "in_iface"}
n = 0
for line in open(sys.argv[1]):
    e = json.loads(line); n += 1
    assert need <= e.keys(), e
    if e["event_type"] == "detection": assert det <= e.keys(), e
    assert e["timestamp"].endswith("Z") and "T" in e["timestamp"]
assert n >= 3, n
' "$RUN_DIR/events.json"
check "minewall events --method BLACKLIST shows the hit" bash -c "MINEWALL_PIN_PATH=$PIN MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall events --method BLACKLIST | grep -q $POOL"
check_eq "minewall events -n 1 -j: one JSON line" "$(mw events -n 1 -j | python3 -c 'import json,sys; print(len([json.loads(l) for l in sys.stdin]))')" 1
check_eq "minewall events --since 1h --method DIRNET: only DIRNET" \
	"$(mw events -n 0 -j --since 1h --method DIRNET | python3 -c 'import json,sys; print(sorted({json.loads(l)["method"] for l in sys.stdin}))')" "['DIRNET']"
timeout 4 env MINEWALL_PIN_PATH="$PIN" MINEWALL_RUN_DIR="$RUN_DIR/run" "$BIN/minewall" events -f -n 0 --method OTHER-NONE >/dev/null &
follow=$!
# the new event a second after the follower started: nothing tells when it
# reads, so a fixed wait, well inside its 4 s
(sleep 1; mw block 198.51.100.98 >/dev/null) &
timeout 4 env MINEWALL_PIN_PATH="$PIN" MINEWALL_RUN_DIR="$RUN_DIR/run" "$BIN/minewall" events -f -n 0 >"$RUN_DIR/follow.txt" 2>&1
wait $follow 2>/dev/null
check "minewall events -f shows a new event as it happens" grep -q 198.51.100.98 "$RUN_DIR/follow.txt"
check_fails "minewall events with a bad --since is a usage error" mw events --since soon

# --- syslog -------------------------------------------------------------------
check "syslog: the detection arrived as RFC 5424 (<28>1, facility daemon, warning)" \
	bash -c "grep -E '^<28>1 [0-9T:.-]+Z [^ ]+ minewalld [0-9]+ detection - \\{' '$RUN_DIR/syslog.txt' | grep -q BLACKLIST"
check "syslog: the block arrived as a notice (<29>1)" grep -q '^<29>1 .* block - .*198.51.100.99' "$RUN_DIR/syslog.txt"

# --- metrics -----------------------------------------------------------------
in_srv curl -s --max-time 3 http://127.0.0.1:9477/metrics >"$RUN_DIR/metrics.txt"
check "metrics: promtool check metrics accepts them" bash -c "promtool check metrics <'$RUN_DIR/metrics.txt'"
check "metrics: the BLACKLIST detection is counted" grep -q '^minewall_detections_total{method="BLACKLIST"} [1-9]' "$RUN_DIR/metrics.txt"
check "metrics: packets, flows, drops, map fill, ring losses, lag, uptime" bash -c "
for m in minewall_packets_total minewall_flows_active minewall_drops_total minewall_map_entries \
	minewall_set_entries minewall_blocks_total minewall_ringbuf_lost_total minewall_poll_lag_seconds \
	minewall_uptime_seconds; do grep -q \"^\$m\" '$RUN_DIR/metrics.txt' || { echo missing \$m; exit 1; }; done"
check_eq "metrics: anything but GET /metrics is 404" "$(in_srv curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9477/nope)" 404

# --- status ------------------------------------------------------------------
mw status >"$RUN_DIR/status.txt"
check "status: the last hour by method" grep -q '^detections: .*BLACKLIST 1' "$RUN_DIR/status.txt"
check "status: top offenders" grep -q '^offender: *198.51.100.99' "$RUN_DIR/status.txt"
check "status -j: summary with sets and warnings" bash -c "MINEWALL_PIN_PATH=$PIN MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall status -j | python3 -c 'import json,sys; s=json.load(sys.stdin)[\"summary\"]; assert s[\"sets\"][\"ipv4\"] >= 1 and \"warnings\" in s'"

# --- IPFIX -------------------------------------------------------------------
stop_agent # flushes the exporter
kill -TERM "$nfcapd_pid"
wait "$nfcapd_pid" 2>/dev/null
nfdump -R "$RUN_DIR/nfcapd" -q -N -o 'fmt:%sa,%sp,%da,%dp,%pr,%pkt,%byt' 2>/dev/null | tr -d ' ' >"$RUN_DIR/nfdump.csv"
check "nfdump reads the exported flows" test -s "$RUN_DIR/nfdump.csv"
check "nfdump: each of the 5 connections, both directions, as generated" python3 -c '
import sys
rows = [l.strip().split(",") for l in open(sys.argv[1]) if l.strip()]
conn = [r for r in rows if "8080" in (r[1], r[3])]
want = set()
for p in range(41001, 41006):
    want.add(("192.0.2.2", str(p), "192.0.2.1", "8080"))
    want.add(("192.0.2.1", "8080", "192.0.2.2", str(p)))
got = {tuple(r[:4]) for r in conn}
assert got == want, (sorted(got ^ want))
assert len(conn) == 10, len(conn)
assert all(r[4] in ("6", "TCP") and int(r[5]) >= 3 for r in conn), conn
' "$RUN_DIR/nfdump.csv"

# --- install -------------------------------------------------------------------
D=$RUN_DIR/destdir
# install what the tests built (build/san under make test): nothing to rebuild
san=0
[[ $BIN == */san ]] && san=1
make -s install DESTDIR="$D" PREFIX=/usr SAN=$san >"$RUN_DIR/install.log" 2>&1
for f in usr/sbin/minewalld usr/sbin/minewall usr/share/man/man8/minewalld.8 usr/share/man/man8/minewall.8 \
	usr/share/man/man5/minewall.conf.5 usr/lib/systemd/system/minewalld.service \
	usr/share/bash-completion/completions/minewall usr/share/minewall/minewall.nft \
	etc/minewall/minewall.conf.example etc/minewall/minewall.conf; do
	check "make install: $f" test -e "$D/$f"
done
sed "s|/usr/sbin|$D/usr/sbin|" "$D/usr/lib/systemd/system/minewalld.service" >"$RUN_DIR/minewalld.service"
check "systemd-analyze verify accepts the unit" systemd-analyze verify --man=no "$RUN_DIR/minewalld.service"
check "the man pages format without warnings" bash -c "LC_ALL=C groff -man -ww -z '$D/usr/share/man/man8/minewalld.8' '$D/usr/share/man/man8/minewall.8' '$D/usr/share/man/man5/minewall.conf.5' 2>&1 | (! grep .)"
check "minewall.conf(5) documents every option" bash -c "for k in \$($BIN/minewalld --show-config | sed -n 's/^\\([a-z_]*\\) =.*/\\1/p'); do grep -q \"^\\\\\\\\fB\$k =\" '$D/usr/share/man/man5/minewall.conf.5' || { echo missing \$k; exit 1; }; done"
check "the completion script loads" bash -c "source '$D/usr/share/bash-completion/completions/minewall' && complete -p minewall"
make -s uninstall DESTDIR="$D" PREFIX=/usr SAN=$san >/dev/null 2>&1
check_eq "make uninstall leaves only the config" "$(cd "$D" && find . -type f | sort | tr '\n' ' ')" "./etc/minewall/minewall.conf "

finish
