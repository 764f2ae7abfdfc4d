#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# [agent] eve_format = suricata end to end (issue 18 item 5). A "miner" on the
# protected host logs in to a pool with Stratum's mining.subscribe: BPATTERNS
# detects it, first in minewall's own format, then, after a reload with
# eve_format = suricata, at a second pool as a Suricata EVE alert (the block
# keeps its shape; syslog gets the same record; `minewall events` still
# filters it by method). Then the events file goes through CrowdSec's own
# Suricata EVE parser (crowdsecurity/suricata-logs from the hub Debian ships,
# installed offline into a private configuration, crowdsec run on the file
# with -dsn in a network namespace of its own): every alert line is parsed
# and yields the fields it yields from Suricata's alerts, and the alert
# reaches the scenario CrowdSec runs on them; the lines in minewall's format
# are not taken for Suricata alerts. Nothing of the host's crowdsec is used
# but its binaries, its hub and its grok patterns, all read only.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

for t in crowdsec cscli socat unshare; do
	command -v $t >/dev/null || { fail "$t is installed (scripts/setup-deps.sh)"; finish; exit 1; }
done
HUB=/usr/share/crowdsec/hub
[ -f $HUB/parsers/s01-parse/crowdsecurity/suricata-logs.yaml ] ||
	{ fail "the offline hub has the Suricata parser ($HUB)"; finish; exit 1; }

EVENTS=$RUN_DIR/events.json
POOL_A=203.0.113.51 POOL_B=203.0.113.52
setup_topology || exit 1
for a in $POOL_A $POOL_B; do in_cli ip addr add "$a/32" dev "$CLI_IF"; done
in_srv ip route add 203.0.113.0/24 via "$CLI4"

# the pools: read the subscription, answer with a job
NOTIFY='{"id":1,"result":[[["mining.notify","ae6812eb4cd7735a302a8a9dd95cf71f"]],"08000002",4],"error":null}'
for a in $POOL_A $POOL_B; do
	bg_cli socat TCP-LISTEN:3333,bind="$a",reuseaddr,fork SYSTEM:"read -r l; echo '$NOTIFY'; sleep 5"
done
wait_listening cli tcp 3333

# the events also go to a syslog socket, to see that it gets the same record
bg_srv socat -u UNIX-RECV:"$RUN_DIR/syslog.sock" OPEN:"$RUN_DIR/syslog.out",creat,append
wait_until 5 test -S "$RUN_DIR/syslog.sock"
conf() { # FORMAT
	printf '[agent]\neve_format = %s\nsyslog = yes\nsyslog_socket = %s\n' "$1" "$RUN_DIR/syslog.sock" \
		>"$RUN_DIR/agent.conf"
}
conf minewall
start_agent -c "$RUN_DIR/agent.conf" || exit 1

# the "miner" is python3 under the name cpuminer (the kernel's comm)
mkdir -p "$RUN_DIR/bin"
ln -sf "$(readlink -f /usr/bin/python3)" "$RUN_DIR/bin/cpuminer"
subscribe() { # POOL
	bg_srv "$RUN_DIR/bin/cpuminer" -c '
import socket, sys, time
try:
    s = socket.create_connection((sys.argv[1], 3333), timeout=3)
    s.sendall(b"{\"id\": 1, \"method\": \"mining.subscribe\", \"params\": [\"cpuminer/2.5.1\"]}\n")
    s.recv(4096)
except OSError:
    pass
time.sleep(10)
' "$1" 2>>"$RUN_DIR/clients.log"
}
has() { grep -q "$1" "$EVENTS" 2>/dev/null; } # PATTERN
export EVENTS
export -f has

subscribe $POOL_A
check_within 6 "minewall's format: the login to pool A is a detection" \
	has "\"event_type\":\"detection\",\"method\":\"BPATTERNS\".*\"dest_ip\":\"$POOL_A\""
check_within 3 "pool A is blocked" blocked $POOL_A

conf suricata
check "the format changes on reload (SIGHUP)" reload_agent 5
subscribe $POOL_B
check_within 6 "suricata format: the login to pool B is an alert" \
	has "\"event_type\":\"alert\",.*\"dest_ip\":\"$POOL_B\""
check_within 3 "pool B is blocked" blocked $POOL_B
agent_sync
check "pool B's block keeps minewall's shape" \
	has "\"event_type\":\"block\",\"method\":\"BPATTERNS\",\"src_ip\":\"$POOL_B\""

check "the alert in Suricata's shape, minewall's fields kept" /usr/bin/python3 -c '
import json, re, sys
pool = sys.argv[2]
ev = [json.loads(l) for l in open(sys.argv[1])]
a = [e for e in ev if e["event_type"] == "alert" and e.get("dest_ip") == pool and e["minewall"]["method"] == "BPATTERNS"][0]
print(json.dumps(a))
assert list(a)[:3] == ["timestamp", "in_iface", "event_type"], list(a)
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000", a["timestamp"]), a["timestamp"]
assert a["proto"] == "TCP" and a["dest_port"] == 3333 and a["src_ip"]
al = a["alert"]
assert list(al) == ["action", "gid", "signature_id", "rev", "signature", "category", "severity"], list(al)
assert (al["action"], al["gid"], al["signature_id"], al["rev"]) == ("blocked", 1, 9100002, 1), al
assert al["signature"].startswith("minewall BPATTERNS: mining pool protocol stratum-v1 to " + pool), al
assert al["category"] == "Crypto Currency Mining Activity Detected" and al["severity"] == 2, al
m = a["minewall"]
assert (m["method"], m["severity"], m["action"]) == ("BPATTERNS", "high", "blocked"), m
assert m["detail"]["process"]["comm"] == "cpuminer", m
assert not [e for e in ev if e["event_type"] == "detection" and e.get("dest_ip") == pool]
' "$EVENTS" $POOL_B
check "syslog gets the same record" bash -c "grep -F -- \"\$(grep '\"event_type\":\"alert\"' '$EVENTS' | grep -m1 '$POOL_B')\" '$RUN_DIR/syslog.out'"
mw events --file "$EVENTS" -n 0 --method bpatterns >"$RUN_DIR/cli.out" 2>&1
check "minewall events --method: both formats listed" bash -c \
	"grep -q 'detection BPATTERNS.*$POOL_A:3333' '$RUN_DIR/cli.out' && grep -q 'alert .*BPATTERNS.*high .*$POOL_B:3333 blocked' '$RUN_DIR/cli.out'"
check_eq "minewall events --method DIRNET: no BPATTERNS alert" \
	"$(mw events --file "$EVENTS" -n 0 --method DIRNET | grep -c BPATTERNS)" 0
stop_agent

# --- CrowdSec's Suricata EVE parser on the file ------------------------------
CS=$RUN_DIR/crowdsec
mkdir -p "$CS/etc" "$CS/data" "$CS/dump"
ln -s /etc/crowdsec/patterns "$CS/etc/patterns"
: >"$CS/etc/acquis.yaml"
echo "simulation: false" >"$CS/etc/simulation.yaml"
cp /etc/crowdsec/profiles.yaml "$CS/etc/"
cat >"$CS/etc/config.yaml" <<EOF
common:
  daemonize: false
  log_media: stdout
  log_level: info
  working_dir: .
config_paths:
  config_dir: $CS/etc/
  data_dir: $CS/data/
  simulation_path: $CS/etc/simulation.yaml
  hub_dir: $HUB/
  index_path: $HUB/.index.json
crowdsec_service:
  acquisition_path: $CS/etc/acquis.yaml
  parser_routines: 1
cscli:
  output: human
  hub_branch: master
db_config:
  type: sqlite
  use_wal: false
  db_path: $CS/data/crowdsec.db
api:
  client:
    credentials_path: $CS/etc/local_api_credentials.yaml
  server:
    listen_uri: 127.0.0.1:8080
    profiles_path: $CS/etc/profiles.yaml
prometheus:
  enabled: false
EOF
# no network at all: whatever it would fetch, the offline hub must have it
cs() { (cd "$CS" && unshare -n "$@"); }
check "cscli installs the Suricata parser and scenarios from the offline hub" cs sh -c "
	cscli -c etc/config.yaml parsers install crowdsecurity/syslog-logs crowdsecurity/suricata-logs \
		crowdsecurity/dateparse-enrich && cscli -c etc/config.yaml scenarios install crowdsecurity/suricata-alerts &&
	cscli -c etc/config.yaml machines add minewall-test --auto -f etc/local_api_credentials.yaml"
# its agent logs in to its own LAPI, on its own loopback
check "crowdsec reads the events file as suricata-evelogs" cs sh -c "ip link set lo up &&
	timeout 60 crowdsec -c etc/config.yaml -dsn 'file://$EVENTS' -type suricata-evelogs \
		-dump-data '$CS/dump' -no-capi >crowdsec.log 2>&1"

check "the parser took every alert line, with Suricata's fields" /usr/bin/python3 -c '
import json, sys, yaml
events, dump = sys.argv[1], sys.argv[2]
parsed = yaml.safe_load(open(dump + "/parser-dump.yaml"))
res = {r["evt"]["Line"]["Raw"]: r for r in parsed["s01-parse"]["crowdsecurity/suricata-evelogs"]}
lines = [l.rstrip("\n") for l in open(events)]
alerts = [l for l in lines if json.loads(l)["event_type"] == "alert"]
assert alerts, "no alert line"
for l in alerts:
    a, r = json.loads(l), res[l]
    assert r["success"], ("not parsed", l)
    m, p = r["evt"]["Meta"], r["evt"]["Parsed"]
    got = {"log_type": m["log_type"], "source_ip": m["source_ip"],
           "signature_id": m["suricata_alert_signature_id"], "severity": m["suricata_rule_severity"],
           "signature": p["suricata_alert_signature"], "proto": p["proto"], "dest_ip": p["dest_ip"],
           "dest_port": p["dest_port"], "time": r["evt"]["StrTime"]}
    want = {"log_type": "suricata_alert", "source_ip": a["src_ip"],
            "signature_id": str(a["alert"]["signature_id"]), "severity": str(a["alert"]["severity"]),
            "signature": a["alert"]["signature"], "proto": a["proto"], "dest_ip": a["dest_ip"],
            "dest_port": str(a["dest_port"]), "time": a["timestamp"][:26] + "Z"}
    assert got == want, (got, want)
    print("parsed:", json.dumps(got))
print(len(alerts), "alert lines parsed")
' "$EVENTS" "$CS/dump"
sed 's/^/  # /' "$RUN_DIR/check.out" # what CrowdSec extracted, for the record
check "minewall's own format is not taken for Suricata alerts" /usr/bin/python3 -c '
import json, sys, yaml
events, dump = sys.argv[1], sys.argv[2]
parsed = yaml.safe_load(open(dump + "/parser-dump.yaml"))
ok = {r["evt"]["Line"]["Raw"] for r in parsed["s01-parse"]["crowdsecurity/suricata-evelogs"] if r["success"]}
own = [l.rstrip("\n") for l in open(events) if json.loads(l)["event_type"] != "alert"]
assert any("\"event_type\":\"detection\"" in l for l in own), "no detection in minewall format"
bad = [l for l in own if l in ok]
assert not bad, bad
print(len(own), "lines in minewall format, none parsed as an alert")
' "$EVENTS" "$CS/dump"
check "the alert reaches CrowdSec's scenario on Suricata alerts (high/medium severity)" /usr/bin/python3 -c '
import sys, yaml
pour = yaml.safe_load(open(sys.argv[1] + "/bucketpour-dump.yaml")) or {}
evs = pour.get("crowdsecurity/suricata-high-medium-severity") or []
assert any(e["Meta"]["suricata_alert_signature_id"] == "9100002" for e in evs), list(pour)
' "$CS/dump"

finish
