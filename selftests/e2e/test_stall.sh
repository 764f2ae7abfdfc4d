#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# An agent that cannot be stalled (issue 15, items 5 and 6):
#   - slow-drip clients (a byte every 0.3 s) on the metrics port and on the
#     control socket while hydra attacks a real sshd: the loop keeps its
#     heartbeat, a block through the CLI lands at once, hydra is still
#     blocked within the usual time; the drips are dropped at their deadline
#     and counted;
#   - more connections than the cap, an oversized request: bounded, counted;
#   - a block whose reason holds control characters and invalid UTF-8: the
#     event, the ledger line, the nft comment and the hook's input are all
#     written and valid JSON, and the CLI prints no control character.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
HERE=$(dirname "$0")

setup_topology || exit 1
start_sshd 'PasswordAuthentication yes' 'MaxStartups 100' 'MaxAuthTries 6' || exit 1
cat >"$RUN_DIR/hook.sh" <<HOOK
#!/bin/sh
cat >>"$RUN_DIR/hook.out"
HOOK
chmod +x "$RUN_DIR/hook.sh"
cat >"$RUN_DIR/stall.conf" <<EOF
[agent]
metrics = 127.0.0.1:9477
[flows]
scan_interval = 500ms
[dict]
window = 60s
[enforce]
hook = $RUN_DIR/hook.sh
EOF
start_agent -c "$RUN_DIR/stall.conf" || exit 1
seq -f "wrong-%g" 1 40 >"$RUN_DIR/passwords"
CTL=$RUN_DIR/run/control.sock

ms() { echo $(($(date +%s%N) / 1000000)); }
metrics() { in_srv curl -s --max-time 5 http://127.0.0.1:9477/metrics; }
metric() { # metric NAME{LABELS}: its value, 0 when absent
	metrics | awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'
}
scrape_ok() { metrics | grep -q '^minewall_up 1'; }
failed_tries() { grep -c "Failed password for nobody from $CLI4 " "$SSHD_DIR/sshd.log"; }
heartbeat_age() { mw status -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["heartbeat_age_ms"])'; }
# hydra_ms ADDR: hydra until ADDR is blocked; prints the milliseconds
hydra_ms() {
	local t0 t1
	t0=$(ms)
	hydra_until_blocked "$1" -l nobody -P "$RUN_DIR/passwords" -t 4 -w 5 "ssh://$SRV4"
	t1=$(ms)
	echo $((t1 - t0))
}

# --- before: hydra alone ---
base_ms=$(hydra_ms $CLI4)
check "baseline: hydra blocked" blocked $CLI4
base_tries=$(failed_tries)
log "hydra alone: blocked $base_ms ms after it started, after $base_tries wrong passwords"
# the detector starts afresh for the same attacker: no block, a new agent
mw unblock $CLI4 >/dev/null
stop_agent
start_agent -c "$RUN_DIR/stall.conf" || exit 1
check "restarted: the attacker is not blocked" sh -c "! MINEWALL_PIN_PATH=$PIN MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall blocks -j | grep -q '\"prefix\":\"$CLI4\"'"

# --- five slow-drip clients on each endpoint, for 25 s ---
in_srv python3 "$HERE/drip.py" tcp 127.0.0.1:9477 5 0.3 25 >"$RUN_DIR/drip_metrics.json" &
DRIP1=$!
in_srv python3 "$HERE/drip.py" unix "$CTL" 5 0.3 25 >"$RUN_DIR/drip_control.json" &
DRIP2=$!
drips_on() { [ "$(in_srv ss -Htn state established '( dport = :9477 )' | wc -l)" -ge 5 ]; }
wait_until 5 drips_on # every drip connected and dripping

worst=0
for _ in $(seq 1 8); do
	age=$(heartbeat_age)
	[ "$age" -gt "$worst" ] && worst=$age
	sleep 0.4 # the sampling of the heartbeat during the drips
done
log "drips: the heartbeat was at most $worst ms old (the loop ticks every 250 ms)"
check "drips: the loop keeps its heartbeat (< 1000 ms old)" test "$worst" -lt 1000

t0=$(ms)
mw block 198.51.100.9 --timeout 1h --reason "during the drips" >/dev/null
t1=$(ms)
log "drips: a block through the CLI took $((t1 - t0)) ms"
check "drips: the CLI's block is in force" blocked 198.51.100.9
check "drips: ... and took less than 2 s" test $((t1 - t0)) -lt 2000
check "drips: a real scrape is answered" scrape_ok

hydra_drip_ms=$(hydra_ms $CLI4)
check "drips: hydra blocked" blocked $CLI4
log "hydra during the drips: blocked $hydra_drip_ms ms after it started (alone: $base_ms ms; 38 s before the fix)"
check "drips: hydra blocked within 5 s" test "$hydra_drip_ms" -lt 5000
n=$(($(failed_tries) - base_tries))
log "drips: $n wrong passwords reached sshd before the block (alone: $base_tries)"
check "drips: hydra stopped early (fewer than 12 of 40 passwords)" test "$n" -lt 12

wait "$DRIP1" "$DRIP2"
log "drips on the metrics port: $(cat "$RUN_DIR/drip_metrics.json")"
log "drips on the control socket: $(cat "$RUN_DIR/drip_control.json")"
drip() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$@"; }
check "drips (metrics): dropped at the deadline, again and again" test "$(drip "$RUN_DIR/drip_metrics.json" dropped)" -ge 20
check "drips (metrics): none was ever answered" test "$(drip "$RUN_DIR/drip_metrics.json" answered)" -eq 0
check "drips (control): dropped at the deadline, again and again" test "$(drip "$RUN_DIR/drip_control.json" dropped)" -ge 20
check "drips (control): none was ever answered" test "$(drip "$RUN_DIR/drip_control.json" answered)" -eq 0
check "metrics count the deadline drops (metrics)" \
	test "$(metric 'minewall_clients_dropped_total{endpoint="metrics",reason="deadline"}')" -ge 20
check "metrics count the deadline drops (control)" \
	test "$(metric 'minewall_clients_dropped_total{endpoint="control",reason="deadline"}')" -ge 20

# --- more connections than the cap; a request over the bound ---
in_srv python3 - <<'PY' >"$RUN_DIR/many.out" 2>&1
import socket, time, urllib.request
idle = [socket.create_connection(("127.0.0.1", 9477)) for _ in range(40)]
time.sleep(0.3)
body = urllib.request.urlopen("http://127.0.0.1:9477/metrics", timeout=2).read()
print("scrape", len(body))
for s in idle:
    s.close()
big = socket.create_connection(("127.0.0.1", 9477), timeout=3)
big.sendall(b"GET /" + b"a" * 8000)
print("big", big.recv(200).split(b"\r\n")[0].decode())
PY
check "40 idle connections: a scrape is still answered" grep -q "^scrape [0-9]" "$RUN_DIR/many.out"
check "an oversized request is answered 431" grep -q "^big HTTP/1.1 431" "$RUN_DIR/many.out"
check "connections over the cap are counted" \
	test "$(metric 'minewall_clients_dropped_total{endpoint="metrics",reason="too_many"}')" -ge 24
check "oversized requests are counted" \
	test "$(metric 'minewall_clients_dropped_total{endpoint="metrics",reason="too_large"}')" -ge 1
check "the agent answers after all that" mw blocks -j

# --- any bytes in a reason ---
EVIL=198.51.100.66
EVIL2=198.51.100.67
mw block $EVIL --timeout 1h --reason $'evil\e[31m red\x01\x7f \xff\xfe\xc0\xaf cut\xe2\x82' >"$RUN_DIR/evil.out" 2>&1
check "a reason with control characters and invalid UTF-8: blocked" blocked $EVIL
# valid UTF-8 control characters reach the agent as they are (JSON \u escapes)
python3 - "$CTL" "$EVIL2" <<'PY' >"$RUN_DIR/evil2.out"
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(json.dumps({"cmd": "block", "target": sys.argv[2], "timeout_ms": 3600000,
                      "reason": "c1\u009b[2J bell\u0007 nl\nend \u00e9\u20ac"}).encode() + b"\n")
print(s.recv(4096).decode())
PY
check "control characters sent as JSON escapes: blocked" blocked $EVIL2
# the hook runs, the ledger is written on the cycle
both_in() { grep -q "\"$1\":\"$EVIL\"" "$2" && grep -q "\"$1\":\"$EVIL2\"" "$2"; }
written() { both_in prefix "$RUN_DIR/state/ledger.json" && both_in src_ip "$RUN_DIR/hook.out"; }
wait_until 5 written
all_json() { python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1], "rb"):
    json.loads(line)
    n += 1
assert n > 0' "$1"; }
no_controls() { python3 -c '
import re, sys
data = open(sys.argv[1], "rb").read().decode("utf-8")  # must be UTF-8
bad = [c for c in data if (ord(c) < 0x20 and c not in "\n\t") or 0x7f <= ord(c) < 0xa0]
assert not bad, bad' "$1"; }
check "events file: every line valid JSON" all_json "$RUN_DIR/events.json"
check "events file: both blocks written" sh -c "grep -q '\"src_ip\":\"$EVIL\"' '$RUN_DIR/events.json' && grep -q '\"src_ip\":\"$EVIL2\"' '$RUN_DIR/events.json'"
check "events file: the reason escaped and replaced, not lost" python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
r = [e["detail"]["reason"] for e in ev if e.get("src_ip") == sys.argv[2] and e["event_type"] == "block"][0]
assert r.startswith("evil\\x1b[31m red\\x01\\x7f \ufffd\ufffd"), r
r2 = [e["detail"]["reason"] for e in ev if e.get("src_ip") == sys.argv[3] and e["event_type"] == "block"][0]
assert r2 == "c1\\x9b[2J bell\\x07 nl\\x0aend \u00e9\u20ac", r2' "$RUN_DIR/events.json" $EVIL $EVIL2
check "ledger: every line valid JSON" all_json "$RUN_DIR/state/ledger.json"
check "ledger: both blocks kept" sh -c "grep -q '\"prefix\":\"$EVIL\"' '$RUN_DIR/state/ledger.json' && grep -q '\"prefix\":\"$EVIL2\"' '$RUN_DIR/state/ledger.json'"
check "hook: its input, every line valid JSON" all_json "$RUN_DIR/hook.out"
check "hook: both blocks passed" sh -c "grep -q '\"src_ip\":\"$EVIL\"' '$RUN_DIR/hook.out' && grep -q '\"src_ip\":\"$EVIL2\"' '$RUN_DIR/hook.out'"
in_srv nft -j list set inet minewall block4 >"$RUN_DIR/set.json"
check "nft: the set lists as valid JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$RUN_DIR/set.json"
check "nft: both elements carry their comment, sanitized" python3 -c '
import json, sys
els = json.load(open(sys.argv[1]))["nftables"][1]["set"]["elem"]
c = {e["elem"]["val"]: e["elem"].get("comment", "") for e in els if isinstance(e, dict) and "elem" in e}
assert c[sys.argv[2]].startswith("MANUAL: evil\\x1b[31m"), c
assert c[sys.argv[3]].startswith("MANUAL: c1\\x9b[2J"), c' "$RUN_DIR/set.json" $EVIL $EVIL2
in_srv nft list set inet minewall block4 >"$RUN_DIR/set.txt"
check "nft list: no control character" no_controls "$RUN_DIR/set.txt"
mw blocks >"$RUN_DIR/blocks.txt"
check "minewall blocks: both shown" sh -c "grep -q $EVIL '$RUN_DIR/blocks.txt' && grep -q $EVIL2 '$RUN_DIR/blocks.txt'"
check "minewall blocks: no control character" no_controls "$RUN_DIR/blocks.txt"
mw events -n 0 >"$RUN_DIR/events.txt"
check "minewall events: no control character" no_controls "$RUN_DIR/events.txt"
mw events -n 0 -j >"$RUN_DIR/events_j.txt"
check "minewall events -j: no control character" no_controls "$RUN_DIR/events_j.txt"
check "minewall events -j: every line valid JSON" all_json "$RUN_DIR/events_j.txt"
mw status >"$RUN_DIR/status.txt"
check "minewall status: no control character" no_controls "$RUN_DIR/status.txt"
mw block $'198.51.100.68\e]0;pwned\a' >"$RUN_DIR/err.txt" 2>&1
check "an error quoting bad input: no control character" no_controls "$RUN_DIR/err.txt"

stop_agent
check "the agent stopped cleanly (no sanitizer report)" sh -c "! grep -q 'ERROR: AddressSanitizer\|runtime error' '$RUN_DIR/agent.log'"
finish
