#!/bin/bash
# shellcheck disable=SC2034 # addresses and names are for the test scripts
# SPDX-License-Identifier: GPL-2.0-only
# crowdsec_lib.sh - a fleet in namespaces, sourced after lib.sh: a private
# CrowdSec Local API (LAPI), two servers that run minewalld (A and B), a
# host that runs crowdsec-firewall-bouncer (C) and an attacker, all on one
# bridge in 198.51.100.0/24:
#
#   netns mw-$ID-lapi  the bridge "mwbr$ID" and the LAPI   198.51.100.10:8080
#   netns mw-$ID-srv   server A (lib.sh's server: in_srv, mw, start_agent) .1
#   netns mw-$ID-b     server B (on_b CMD runs a lib.sh helper on B)      .2
#   netns mw-$ID-c     host C with crowdsec-firewall-bouncer               .3
#   netns mw-$ID-cli   the attacker (lib.sh's remote host: in_cli)         .66
#
# The LAPI is Debian's crowdsec 1.4.6 run as `crowdsec -c DIR/config.yaml
# -no-cs -no-capi` (the LAPI alone, never the Central API) with every path
# of its configuration (database, logs, credentials, console.yaml) in
# $RUN_DIR/lapi: nothing of /etc/crowdsec or /var/lib/crowdsec is read or
# written, and the host's own crowdsec (if it runs) is another process on
# another network. What 1.4.6 does, as found here:
#   - it answers GET /health 0.3 s after it starts and stops 1 s after
#     SIGTERM; the sqlite database outlives it, so a restart keeps every
#     machine, bouncer, alert and decision;
#   - `cscli machines add` and `bouncers add` write the database directly
#     (no LAPI needed, but the profiles file must exist: "Local API is
#     disabled" otherwise); `cscli alerts` and `decisions` go through the LAPI
#     as the machine of config.yaml's api.client.credentials_path, which
#     `machines add NAME --password P --force` (without -f) writes;
#   - `cscli alerts list` and `decisions list` hide every decision whose
#     origin is not "crowdsec" or "cscli" (minewall's, an import's) unless
#     given -a;
#   - an alert's decisions keep the origin the machine gave them
#     ("minewall"); POST /v1/alerts of one alert with 50,000 decisions takes
#     3-9 s (bulks of 50 rows), and a bouncer that pulls the stream meanwhile
#     misses for good the bulk that commits during its pull (its rows were
#     stamped before its "since"); a JWT does not survive a restart (401:
#     log in again);
#   - `cscli console disable --all` fails ("requires at least 1 arg"):
#     name the flags (custom tainted manual).

# shellcheck source=selftests/e2e/lapi_conf.sh
. "$(dirname "${BASH_SOURCE[0]}")/lapi_conf.sh"

CS_DIR=$RUN_DIR/lapi
LAPI_NS=mw-$ID-lapi
B_NS=mw-$ID-b
C_NS=mw-$ID-c
BRIDGE=mwbr$ID
B_IF=mwb$ID
C_IF=mwk$ID
LAPI4=198.51.100.10
LAPI_URL=http://$LAPI4:8080
A4=198.51.100.1
B4=198.51.100.2
C4=198.51.100.3
ATK4=198.51.100.66
# lib.sh's server and remote host are server A and the attacker
SRV4=$A4
CLI4=$ATK4
LAPI_PID=
FWB_PID=
B_PID=
PIN_B=$PIN-b

in_lapi() { ip netns exec "$LAPI_NS" "$@"; }
in_b() { ip netns exec "$B_NS" "$@"; }
in_c() { ip netns exec "$C_NS" "$@"; }

# cs ARGS...: cscli on the private LAPI (from its namespace: cscli alerts
# and decisions are requests to it).
cs() { in_lapi cscli -c "$CS_DIR/config.yaml" "$@"; }

# on_b CMD...: runs a lib.sh helper (mw, blocked, agent_sync, events_about,
# first_block_at, start_sshd, listening srv...) on server B: B's namespace,
# interface, address, pin path and run directory ($RUN_DIR/b) stand in for
# the server's while it runs.
on_b() {
	local b=$RUN_DIR/b
	SRV_NS=$B_NS SRV_IF=$B_IF SRV4=$B4 PIN=$PIN_B RUN_DIR=$b SSHD_DIR=$b/sshd "$@"
}

# ns_gone NS: kills what runs in NS and deletes it (at exit).
ns_gone() {
	ip netns pids "$1" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$1" 2>/dev/null
}

# ns_on_bridge NS IF ADDR: a veth from NS (named IF there, with ADDR/24)
# to the bridge.
ns_on_bridge() {
	ip link add "$2" netns "$1" type veth peer name "p$2" netns "$LAPI_NS" || return 1
	in_lapi ip link set "p$2" master "$BRIDGE" up
	ip -n "$1" link set lo up
	ip -n "$1" addr add "$3/24" dev "$2"
	ip -n "$1" link set "$2" up
}

setup_fleet_topology() {
	local ns
	for ns in "$LAPI_NS" "$B_NS" "$C_NS"; do
		at_exit ns_gone "$ns"
		ip netns add "$ns" || return 1
	done
	ip netns add "$SRV_NS" || return 1
	ip netns add "$CLI_NS" || return 1
	mkdir -p "$RUN_DIR/b" "$CS_DIR/data"
	at_exit rm -rf "$PIN_B"
	in_lapi ip link set lo up
	in_lapi ip link add "$BRIDGE" type bridge || return 1
	in_lapi ip addr add "$LAPI4/24" dev "$BRIDGE"
	in_lapi ip link set "$BRIDGE" up
	ns_on_bridge "$SRV_NS" "$SRV_IF" "$A4" || return 1
	ns_on_bridge "$B_NS" "$B_IF" "$B4" || return 1
	ns_on_bridge "$C_NS" "$C_IF" "$C4" || return 1
	ns_on_bridge "$CLI_NS" "$CLI_IF" "$ATK4" || return 1
	# the bridge learns each port before the first test packet
	wait_until 5 in_cli ping -c1 -W1 "$LAPI4"
}

# lapi_init: the LAPI's configuration, in $CS_DIR only. cscli's own machine
# ("cscli") is added and its credentials written where config.yaml says.
lapi_init() {
	lapi_write_config "$CS_DIR" "$LAPI4:8080"
	cs machines add cscli --password "cscli-$ID" --force -u "$LAPI_URL" >"$CS_DIR/cscli.log" 2>&1
}

lapi_answers() { in_lapi curl -sf -o /dev/null --max-time 1 "$LAPI_URL/health"; }

# lapi_start: starts the LAPI (on the database it had, when restarted) and
# waits until it answers.
lapi_start() {
	# plain `ip netns exec` (it execs): $! is crowdsec itself, which a
	# signal must reach (a function run in the background would fork)
	ip netns exec "$LAPI_NS" crowdsec -c "$CS_DIR/config.yaml" -no-cs -no-capi \
		>>"$CS_DIR/stdout.log" 2>&1 &
	LAPI_PID=$!
	bg_pid "$LAPI_PID"
	wait_until 15 lapi_answers ||
		tell_failed "the LAPI did not answer" "$CS_DIR/crowdsec_api.log" "$CS_DIR/stdout.log"
}

lapi_stop() {
	kill_wait "$LAPI_PID"
	LAPI_PID=
}

# tell_failed WHAT LOG...: says WHAT on stderr with the end of each LOG; 1.
tell_failed() {
	echo "$1:" >&2
	shift
	tail -5 "$@" >&2 2>/dev/null
	return 1
}

# kill_wait PID: ends a process the test started and reaps it.
kill_wait() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# lapi_add_machine NAME PASSWORD / lapi_add_bouncer NAME KEY
lapi_add_machine() {
	cs machines add "$1" --password "$2" --force -f "$CS_DIR/machine-$1.yaml" >>"$CS_DIR/cscli.log" 2>&1
}
lapi_add_bouncer() { cs bouncers add "$1" -k "$2" >>"$CS_DIR/cscli.log" 2>&1; }

# lapi_alerts_json: every alert the LAPI holds (-a: whatever the origin of
# its decisions), as JSON.
# What cscli said when it failed is in $CS_DIR/cscli-alerts.err.
lapi_alerts_json() { cs alerts list -a -l 0 -o json 2>"$CS_DIR/cscli-alerts.err"; }

# lapi_alert_counts SCENARIO ADDR...: for each ADDR, how many alerts of
# SCENARIO name it as their source with a decision of type ban on it (one
# cscli call: each costs a login).
lapi_alert_counts() {
	lapi_alerts_json | python3 -c '
import json, sys
try:
    alerts = json.load(sys.stdin) or []
except ValueError:
    alerts = []  # cscli failed: none seen
for addr in sys.argv[2:]:
    n = 0
    for a in alerts:
        src = a.get("source") or {}
        if a.get("scenario") != sys.argv[1] or src.get("value") != addr:
            continue
        if any(d.get("type") == "ban" and d.get("value") == addr for d in a.get("decisions") or []):
            n += 1
    print(n)' "$@"
}
# lapi_has_alerts SCENARIO ADDR...: the LAPI holds such an alert for each.
lapi_has_alerts() { ! lapi_alert_counts "$@" | grep -qx 0; }

# lapi_post_alerts MACHINE PASSWORD FILE: logs in as MACHINE and posts the
# alerts of FILE (a JSON array) to POST /v1/alerts, as a machine does.
lapi_post_alerts() {
	local token
	token=$(in_lapi curl -sf --max-time 5 -X POST "$LAPI_URL/v1/watchers/login" \
		-d "{\"machine_id\":\"$1\",\"password\":\"$2\"}" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])') || return 1
	in_lapi curl -sf --max-time 60 -X POST -H "Authorization: Bearer $token" \
		-H 'Content-Type: application/json' --data-binary "@$3" "$LAPI_URL/v1/alerts"
}

# make_blocklist_alert FILE N SCENARIO: one alert holding N ban decisions
# (scope Ip, 2h) for N addresses of 198.18.0.0/15 (RFC 2544's benchmarking
# range: never a real host, never routed here), as a community blocklist
# arrives.
make_blocklist_alert() {
	python3 - "$@" <<-'PY'
		import datetime, json, sys
		path, n, scenario = sys.argv[1], int(sys.argv[2]), sys.argv[3]
		now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
		def addr(i):
		    return "198.%d.%d.%d" % (18 + i // 65024, i // 254 % 256, i % 254 + 1)
		decisions = [{"duration": "2h", "origin": "lists", "scenario": scenario, "scope": "Ip",
		              "type": "ban", "value": addr(i)} for i in range(n)]
		alert = {"scenario": scenario, "scenario_hash": "", "scenario_version": "",
		         "message": "%d addresses from a blocklist" % n, "events_count": 1,
		         "start_at": now, "stop_at": now, "capacity": 0, "leakspeed": "0",
		         "simulated": False, "events": [],
		         "source": {"scope": "Ip", "value": addr(0), "ip": addr(0)},
		         "decisions": decisions}
		json.dump([alert], open(path, "w"))
	PY
}

# fwb_start KEY: crowdsec-firewall-bouncer (Debian's 0.0.25) in C's
# namespace with a configuration of the test's (nftables, tables of its
# own, a pull every second); waits until its tables are in place.
FWB_TABLE4=mwtest-cs4
FWB_SET4=mwtest-bl4
fwb_start() {
	cat >"$CS_DIR/fw-bouncer.yaml" <<-EOF
		mode: nftables
		pid_dir: $CS_DIR/
		update_frequency: 1s
		daemonize: false
		log_mode: file
		log_dir: $CS_DIR/
		log_level: info
		api_url: $LAPI_URL/
		api_key: $1
		disable_ipv6: false
		deny_action: DROP
		deny_log: false
		supported_decisions_types:
		  - ban
		blacklists_ipv4: $FWB_SET4
		blacklists_ipv6: mwtest-bl6
		nftables:
		  ipv4:
		    enabled: true
		    set-only: false
		    table: $FWB_TABLE4
		    chain: mwtest-cs4-chain
		  ipv6:
		    enabled: true
		    set-only: false
		    table: mwtest-cs6
		    chain: mwtest-cs6-chain
		prometheus:
		  enabled: false
		  listen_addr: 127.0.0.1
		  listen_port: 60601
	EOF
	ip netns exec "$C_NS" crowdsec-firewall-bouncer -c "$CS_DIR/fw-bouncer.yaml" \
		>>"$CS_DIR/fw-bouncer.out" 2>&1 &
	FWB_PID=$!
	bg_pid "$FWB_PID"
	at_exit fwb_stop
	wait_until 10 in_c nft list set ip "$FWB_TABLE4" "$FWB_SET4" ||
		tell_failed "crowdsec-firewall-bouncer did not set up its table" \
			"$CS_DIR/crowdsec-firewall-bouncer.log" "$CS_DIR/fw-bouncer.out"
}

fwb_stop() {
	kill_wait "$FWB_PID"
	FWB_PID=
	in_c nft delete table ip "$FWB_TABLE4" 2>/dev/null
	in_c nft delete table ip6 mwtest-cs6 2>/dev/null
	return 0
}

# fwb_has ADDR: the bouncer's set holds ADDR.
fwb_has() { in_c nft list set ip "$FWB_TABLE4" "$FWB_SET4" | grep -qw "$1"; }

# start_agent_b / stop_agent_b: minewalld on server B (its own pin path,
# run and state directories, events file and log under $RUN_DIR/b).
start_agent_b() {
	local a=$AGENT_PID rc
	on_b start_agent "$@"
	rc=$?
	B_PID=$AGENT_PID
	AGENT_PID=$a
	[ "$B_PID" ] && at_exit stop_agent_b
	return $rc
}
stop_agent_b() {
	local a=$AGENT_PID
	AGENT_PID=$B_PID
	stop_agent
	B_PID=
	AGENT_PID=$a
}

# cs_status FIELD: a field of the "crowdsec" object of `minewall status -j`
# (run it as "on_b cs_status FIELD" for B); nothing when there is none.
cs_status() {
	mw status -j 2>/dev/null | python3 -c '
import json, sys
v = (json.load(sys.stdin).get("crowdsec") or {}).get(sys.argv[1])
print("" if v is None else (json.dumps(v) if isinstance(v, (dict, list)) else v))' "$1"
}

# block_field ADDR FIELD: FIELD of ADDR's entry in `minewall blocks -j`.
block_field() {
	mw blocks -j 2>/dev/null | python3 -c '
import json, sys
blocks = json.load(sys.stdin)
# an error is an object ({"error": ...}): no field then, the caller may ask again
for b in blocks if isinstance(blocks, list) else []:
    if b.get("prefix") in (sys.argv[1], sys.argv[1] + "/32"):
        print(b.get(sys.argv[2], ""))
        break' "$1" "$2"
}

# blocked_by ADDR METHOD: ADDR is blocked with METHOD.
blocked_by() { [ "$(block_field "$1" method)" = "$2" ]; }

# block_event_at ADDR METHOD: when (epoch seconds) the events file first
# recorded a block of ADDR by METHOD; nothing when it did not.
block_event_at() {
	python3 - "$RUN_DIR/events.json" "$1" "$2" <<-'PY' 2>/dev/null
		import datetime, json, sys
		for line in open(sys.argv[1]):
		    try:
		        e = json.loads(line)
		    except ValueError:
		        continue
		    if (e.get("event_type") == "block" and e.get("src_ip") == sys.argv[2]
		            and e.get("method") == sys.argv[3]):
		        t = datetime.datetime.strptime(e["timestamp"][:26], "%Y-%m-%dT%H:%M:%S.%f")
		        print("%.3f" % t.replace(tzinfo=datetime.timezone.utc).timestamp())
		        break
	PY
}

# events_count TYPE KEY=VALUE...: events of TYPE whose fields (or detail's)
# match each KEY=VALUE.
events_count() {
	python3 - "$RUN_DIR/events.json" "$@" <<-'PY' 2>/dev/null
		import json, sys
		want = dict(a.split("=", 1) for a in sys.argv[3:])
		n = 0
		for line in open(sys.argv[1]):
		    try:
		        e = json.loads(line)
		    except ValueError:
		        continue
		    if e.get("event_type") != sys.argv[2]:
		        continue
		    d = e.get("detail") or {}
		    if all(str(e.get(k, d.get(k))) == v for k, v in want.items()):
		        n += 1
		print(n)
	PY
}

# unblocked ADDR: `minewall blocks` has no entry for ADDR.
unblocked() { [ -z "$(block_field "$1" method)" ]; }

# when_true FILE CMD...: in the background, polls CMD every 0.1 s and
# writes to FILE the time (epoch seconds) it first succeeded: the moment
# something took effect, whatever the test checks meanwhile.
when_true() {
	local f=$1
	shift
	(
		until "$@" >/dev/null 2>&1; do sleep 0.1; done
		echo "${EPOCHREALTIME}" >"$f"
	) &
	bg_pid $!
}
