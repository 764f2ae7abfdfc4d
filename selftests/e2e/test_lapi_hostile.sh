#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The fleet link (agent/crowdsec.c, fleet/*) against a hostile LAPI and a
# careless operator: a fake LAPI (fake_lapi.py, in the remote namespace on
# 192.0.2.10:8080) that never answers, trickles, sends 300 MiB, a gzip
# bomb or one decision of 30 MiB, malformed streams, absurd decisions, a
# flood of refused ones, bans of the host's own addresses, tokens that do
# not work or smuggle a header, 500s and redirects; a queue file edited into
# garbage, too long, immutable, a FIFO, a directory; the LAPI down across a
# restart. The agent's loop keeps working,
# SIGTERM stops it within 2 s, memory stays bounded, nothing wrong is
# blocked, every bad thing is counted and said.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

LAPI=192.0.2.10
OTHER=192.0.2.11 # where a redirect points: nothing may go there
PEER=192.0.2.20  # the admin's SSH session
GW=192.0.2.254   # the protected host's default gateway
LDIR=$RUN_DIR/lapi
QUEUE=$RUN_DIR/state/crowdsec-queue.json
CONF=$RUN_DIR/agent.conf
PY=/usr/bin/python3

for t in jq socat ssh; do
	command -v $t >/dev/null || {
		fail "setup: needs $t"
		finish
		exit 1
	}
done

setup_topology || exit 1
for a in $LAPI $OTHER $PEER $GW; do in_cli ip addr add "$a/24" dev "$CLI_IF"; done
in_srv ip route add default via $GW
mkdir -p "$LDIR" "$RUN_DIR/state"
bg_cli $PY "$(dirname "$0")/fake_lapi.py" "$LDIR" 8080
wait_listening cli tcp 8080 || exit 1

# lapi_mode JSON: how the fake behaves from its next request on.
lapi_mode() { echo "$1" >"$LDIR/mode.json"; }
# conf [LINE...]: the agent's configuration: the fake LAPI, pulls every
# second, and the lines given.
conf() {
	{
		printf '[crowdsec]\nurl = http://%s:8080\npull_interval = 1s\n' $LAPI
		printf 'machine_id = web-17\npassword = pw-0123456789\nbouncer_key = key-0123456789\n'
		printf '%s\n' "$@"
	} >"$CONF"
}
# cs FIELD: the link's status field.
cs() { mw status -j | jq -r ".crowdsec.$1"; }
cs_ge() { [ "$(cs "$1")" -ge "$2" ]; }
# requests WHAT [TO]: requests of that kind (login, alerts, stream) the fake got.
requests() { grep -c "\"what\": \"$1\"" "$LDIR/requests.log" 2>/dev/null; }
requests_ge() { [ "$(requests "$1")" -ge "$2" ]; }
# alerts_taken: alerts the fake took (201) in all.
alerts_taken() {
	jq -s '[.[] | select(.what == "alerts" and .status == 201) | .n] | add // 0' \
		"$LDIR/requests.log" 2>/dev/null
}
alerts_taken_ge() { [ "$(alerts_taken)" -ge "$1" ]; }
reset_log() { : >"$LDIR/requests.log"; }
# queue_lines N: N alerts as the agent keeps them.
queue_lines() {
	local i
	for i in $(seq 1 "$1"); do
		printf '{"scenario":"minewall/SSHDICT","message":"queued %d","source":{"scope":"Ip","value":"198.51.100.%d"}}\n' "$i" "$i"
	done
}
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
# stop_timed: SIGTERM, the milliseconds until minewalld is gone in STOP_MS.
stop_timed() {
	local t0
	t0=$(now_ms)
	stop_agent
	STOP_MS=$(($(now_ms) - t0))
}
hwm_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$AGENT_PID/status"; }
# said PATTERN: the link's latest error matches PATTERN (grep -E).
said() { cs last_error | grep -qE -- "$1"; }
unblocked() { ! blocked "$1"; }
allowlisted() { mw allowlist | grep -qF -- "$1"; }
in_log() { grep -qF -- "$1" "$RUN_DIR/agent.log"; }
rm -f "$RUN_DIR/agent.log"
# the sanitizers keep freed memory aside (256 MiB by default): the peak
# measured below must be what the agent holds, not that
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=4"

# --- a LAPI that accepts and never answers ---
lapi_mode '{"stream": "hang"}'
conf
start_agent -c "$CONF" || exit 1
wait_until 5 requests_ge stream 1
base_hwm=$(hwm_kb)
t0=$(now_ms)
mw block 198.51.100.7 >/dev/null 2>&1
check_within 1 "hung LAPI: minewall block takes effect within a second" blocked 198.51.100.7
check "hung LAPI: minewall status answers (within 1 s)" timeout 1 "$BIN/minewall" --pin-path "$PIN" \
	--run-dir "$RUN_DIR/run" status
stop_timed
log "SIGTERM with a request in flight to a silent LAPI: $STOP_MS ms"
check "hung LAPI: SIGTERM stops minewalld within 2 s ($STOP_MS ms)" test "$STOP_MS" -lt 2000

# --- slowloris: one byte a second ---
lapi_mode '{"stream": "trickle"}'
reset_log
start_agent -c "$CONF" || exit 1
wait_until 5 requests_ge stream 1
sleep 1 # a byte trickled
mw block 198.51.100.8 >/dev/null 2>&1
check_within 1 "trickling LAPI: minewall block takes effect within a second" blocked 198.51.100.8
stop_timed
log "SIGTERM while the LAPI trickles: $STOP_MS ms"
check "trickling LAPI: SIGTERM stops minewalld within 2 s ($STOP_MS ms)" test "$STOP_MS" -lt 2000

# --- a LAPI that never answers a SYN (routed to the remote host, which drops it) ---
conf
sed -i "s|$LAPI:8080|203.0.113.200:8080|" "$CONF"
start_agent -c "$CONF" || exit 1
sleep 0.5 # connecting
stop_timed
log "SIGTERM while connecting to a LAPI that drops SYNs: $STOP_MS ms"
check "silent SYN: SIGTERM stops minewalld within 2 s ($STOP_MS ms)" test "$STOP_MS" -lt 2000
conf

# --- huge answers: 300 MiB, a gzip bomb; then refusals and a redirect ---
lapi_mode '{"stream": "huge"}'
start_agent -c "$CONF" || exit 1
check_within 15 "300 MiB stream: refused, said plainly" said 'larger than'
grow=$((($(hwm_kb) - base_hwm) / 1024))
log "memory peak over a hung agent's after a 300 MiB answer: $grow MiB"
check "300 MiB stream: memory stays bounded (+$grow MiB < 100)" test "$grow" -lt 100
n=$(cs pull_failures)
lapi_mode '{"stream": "gzipbomb"}'
check_within 15 "gzip bomb: another failed pull" cs_ge pull_failures $((n + 2))
grow=$((($(hwm_kb) - base_hwm) / 1024))
check "gzip bomb: memory stays bounded (+$grow MiB < 100)" test "$grow" -lt 100
check "gzip bomb: said plainly" said 'larger than'
# one decision holding 30 MiB of "{},": gigabytes once decoded
$PY -c 'import sys; sys.stdout.write("{\"new\": [{\"scope\": \"Ip\", \"value\": \"198.51.100.90\", \"type\": \"ban\", \"duration\": \"1h\", \"x\": [" + "{}," * (10 << 20) + "{}]}]}")' \
	>"$LDIR/startup.json"
lapi_mode '{"stream": "ok"}'
check_within 10 "a decision of 30 MiB: refused, said" said 'longer than 256 KiB'
grow=$((($(hwm_kb) - base_hwm) / 1024))
check "a decision of 30 MiB: memory stays bounded (+$grow MiB < 100)" test "$grow" -lt 100
lapi_mode '{"stream": "401"}'
check_within 5 "stream 401: the bouncer key named" said 'refused \(401\).*bouncer key'
lapi_mode '{"stream": "500"}'
check_within 5 "stream 500: said with its status" said 'unexpected answer \(500\)'
printf '{"new": [{"id": 1, "scope": "Ip", "value": "198.51.100.66", "type": "ban", "duration": "1h"}]}' \
	>"$LDIR/startup.json"
lapi_mode "{\"stream\": \"redirect\", \"redirect_to\": \"http://$OTHER:8080/v1/decisions/stream?startup=true\"}"
check_within 5 "redirect: said with its status" said 'unexpected answer \(302\)'
check_eq "redirect: never followed to another host" "$(grep -c "\"to\": \"$OTHER\"" "$LDIR/requests.log")" 0
check_fails "redirect: its ban not enforced" blocked 198.51.100.66
stop_agent

# --- malformed streams (push = none: the queue waits untouched) ---
reset_log
lapi_mode '{"stream": "ok"}'
echo 'this is not JSON' >"$LDIR/startup.json"
queue_lines 2 >"$QUEUE"
conf 'push = none'
start_agent -c "$CONF" || exit 1
check_within 5 "not JSON: said, with where" said 'not JSON: .*at byte'
echo '[{"id": 1, "scope": "Ip", "value": "198.51.100.66", "type": "ban", "duration": "1h"}]' \
	>"$LDIR/startup.json"
check_within 5 "a list, not a stream: said" said 'not a decisions stream'
echo '{"new": {"id": 1}}' >"$LDIR/startup.json"
check_within 5 "'new' not a list: said" said 'is not a list'
check_fails "wrong shapes: nothing blocked" blocked 198.51.100.66

# absurd decisions beside good ones, in the startup stream
$PY - "$LDIR/startup.json" <<'PY'
import json, sys
def d(i, value, scope="Ip", dur="1h", typ="ban", scenario="test/absurd"):
    return {"id": i, "scope": scope, "value": value, "type": typ, "duration": dur,
            "scenario": scenario, "origin": "lists"}
long_scenario = ("\x1b[31m\u202e" + "x\x07\x00y" * 2500)[:10000]
new = [
    d(1, "198.51.100.10"),                       # good
    d(2, "198.51.100.128/25", "Range"),          # good
    d(3, "203.0.113.77/24", "Range"),            # host bits: the /24 is meant
    d(4, "198.51.100.14", scenario=long_scenario),  # good, its scenario sanitized
    d(10, "0.0.0.0/0", "Range"),                 # bad: everyone
    d(11, "::/0", "Range"),                      # bad
    d(12, "0.0.0.0/0"),                          # bad: not an address
    d(13, "16.0.0.0/4", "Range"),                # skipped: wider than /8
    d(14, "198.51.100.15", dur="-5m"),           # skipped: expired
    d(15, "198.51.100.16", dur="99999999999h"),  # bad: overflows
    d(16, "198.51.100.17", dur="2562047h"),      # 292 years: capped, enforced
    d("17", "198.51.100.18"),                    # bad: a string id
    d(1, "198.51.100.19"),                       # duplicate id: refused
    d(18, "198.51.100.20", typ="captcha"),       # skipped: type
    d(19, "CN", "Country"),                      # skipped: scope
    42,                                          # bad: not an object
    d(20, "198.51.100.21", dur=""),              # bad: no duration
    d(21, "198.51.100.22\n"),                    # bad: not an address
]
json.dump({"new": new, "deleted": None}, open(sys.argv[1], "w"))
PY
check_within 5 "absurd stream: applied" cs_ge pulls 4
for p in 198.51.100.10 198.51.100.128/25 203.0.113.0/24 198.51.100.14 198.51.100.17; do
	check_within 3 "absurd stream: $p blocked" blocked "$p"
done
for p in 0.0.0.0/0 ::/0 16.0.0.0/4 198.51.100.15 198.51.100.16 198.51.100.18 198.51.100.19 \
	198.51.100.20 198.51.100.21; do
	check_fails "absurd stream: $p not blocked" blocked "$p"
done
check_eq "absurd stream: the bad ones counted" "$(cs skipped)" 13
check "absurd stream: the first malformed one said" in_log "malformed decisions skipped; the first: new[4]"
check "absurd stream: the duplicate id said" in_log "decision 1 "
reason=$(mw blocks -j | jq -r '.[] | select(.prefix == "198.51.100.14") | .reason' 2>/dev/null)
check "absurd stream: a 10,000-character scenario kept short and printable" \
	$PY -c 'import sys; r = sys.argv[1]; sys.exit(not (0 < len(r) < 100 and r.isprintable()))' "$reason"
check "absurd stream: the agent runs" agent_running

# a scenario holding \u0000 must not poison the rest of the delta
printf '{"new": [{"id": 30, "scope": "Ip", "value": "198.51.100.30", "type": "ban", "duration": "1h", "scenario": "a\\u0000b"}, {"id": 33, "scope": "Ip", "value": "198.51.100.33\\u0000/0", "type": "ban", "duration": "1h"}, {"id": 31, "scope": "Ip", "value": "198.51.100.31", "type": "ban", "duration": "1h"}]}' \
	>"$LDIR/delta.json"
check_within 5 "a NUL in one scenario: the others in the delta enforced" blocked 198.51.100.31
check_fails "a NUL in a value: not enforced" blocked 198.51.100.33
check "a NUL in a value: said" in_log 'holds a \u0000'
# raw bytes that are not UTF-8: jansson refuses the whole text; said
printf '{"new": [{"id": 32, "scope": "Ip", "value": "198.51.100.32", "type": "ban", "duration": "1h", "scenario": "\xff\xfe"}]}' \
	>"$LDIR/delta.json"
check_within 5 "invalid UTF-8: the delta refused, said plainly" said 'not JSON'
# deletions: by id; a string id is not one
printf '{"new": null, "deleted": [{"id": 1, "scope": "Ip", "value": "198.51.100.10", "type": "ban", "duration": "1h"}, {"id": "2", "scope": "Range", "value": "198.51.100.128/25", "type": "ban", "duration": "1h"}]}' \
	>"$LDIR/delta.json"
check_within 5 "deleted id 1: lifted" unblocked 198.51.100.10
check "deleted id \"2\" (a string): nothing lifted" blocked 198.51.100.128/25

# --- bans of the host's own addresses, its gateway, the LAPI, the admin ---
# shellcheck disable=SC2119 # no extra sshd_config lines
start_sshd || exit 1
bg_cli ssh "${SSH_CLIENT_OPTS[@]}" -b $PEER -i "$SSHD_DIR/client_key" root@"$SRV4" sleep 60
check_within 5 "the admin's SSH session is allowlisted" allowlisted $PEER
n=$(cs refused_allow)
$PY - "$LDIR/delta.json" "$SRV4" "$SRV6" $GW $LAPI $PEER <<'PY'
import json, sys
out, own4, own6, gw, lapi, peer = sys.argv[1:]
vals = [own4, own6, gw, lapi, peer, "::ffff:" + lapi, "::ffff:" + own4]
new = [{"id": 100 + i, "scope": "Ip", "value": v, "type": "ban", "duration": "4h",
        "scenario": "hostile/self"} for i, v in enumerate(vals)]
new.append({"id": 200, "scope": "Range", "value": own4 + "/24", "type": "ban",
            "duration": "4h", "scenario": "hostile/net"})
new.append({"id": 201, "scope": "Ip", "value": "198.51.100.60", "type": "ban",
            "duration": "4h", "scenario": "hostile/ok"})
json.dump({"new": new}, open(out, "w"))
PY
check_within 5 "self-bans: the ordinary ban beside them enforced" blocked 198.51.100.60
for p in "$SRV4" "$SRV6" $GW $LAPI $PEER 192.0.2.0/24; do
	check_fails "self-bans: $p not blocked" blocked "$p"
done
check_eq "self-bans: each refused and counted" "$(($(cs refused_allow) - n))" 8
check_within 3 "self-bans: the LAPI still reached" cs_ge pulls "$(($(cs pulls) + 2))"
# a flood of refused decisions: counted, said a few times, not 2,000
n=$(cs refused_allow)
lines=$(grep -c 'which is allowlisted' "$RUN_DIR/agent.log")
$PY -c 'import json, sys
json.dump({"new": [{"id": 1000 + i, "scope": "Ip", "value": sys.argv[1], "type": "ban",
                    "duration": "1h", "scenario": "hostile/flood"} for i in range(2000)]},
          open(sys.argv[2], "w"))' "$SRV4" "$LDIR/delta.json"
check_within 5 "a flood of 2,000 refused decisions: each counted" cs_ge refused_allow $((n + 2000))
lines=$(($(grep -c 'which is allowlisted' "$RUN_DIR/agent.log") - lines))
check "a flood of 2,000 refused decisions: the log says a few ($lines), then how many more" \
	test "$lines" -le 10 -a "$(grep -c '1990 more decisions of this pull' "$RUN_DIR/agent.log")" = 1
check_eq "push = none: no login, no alert sent" "$(requests login)/$(requests alerts)" 0/0
check_eq "push = none: the queue file left as it was" "$(wc -l <"$QUEUE")" 2
stop_agent

# --- the machine's side; pull = no ---
# a login answer without a token, then 401 on every push: the re-login
# loop waits between attempts
reset_log
queue_lines 3 >"$QUEUE"
lapi_mode '{"login": "crlf"}'
conf 'pull = no'
start_agent -c "$CONF" || exit 1
check_fails "restart: the ledger's CROWDSEC blocks read back" grep -q 'ledger.json:[0-9]*: bad' \
	"$RUN_DIR/agent.log"
check_within 5 "a token with CR LF: refused, said" said 'control characters'
check_eq "a token with CR LF: no header smuggled" "$(grep -c '"injected": true' "$LDIR/requests.log")" 0
lapi_mode '{"login": "notoken"}'
check_within 5 "login without a token: said" said 'no usable token'
check_eq "pull = no: no stream asked for" "$(requests stream)" 0
lapi_mode '{"alerts": "401"}'
check_within 5 "401 on every push: said" said 'alerts refused \(401\)'
# three failed attempts in about 6 s (2 s, then 4 s apart): the last made
# two logins (before the push, and again on its 401); no more than that
n=$(requests login)
log "logins in 3 failed pushes: $n"
check "failed logins and pushes: the attempts wait, no hammering ($n logins)" test "$n" -le 5
check_eq "401 on every push: the alerts still queued" "$(cs queue)" 3
stop_agent

# the LAPI down (nothing listens on 8081) across a restart of minewalld;
# the queue file immutable a while (a bad line makes it to be saved at once)
reset_log
echo 'garbage' >>"$QUEUE"
chattr +i "$QUEUE"
at_exit chattr -i "$QUEUE"
conf 'pull = no'
sed -i "s|:8080|:8081|" "$CONF"
start_agent -c "$CONF" || exit 1
check_within 5 "LAPI down: said" said 'cannot connect'
check_within 3 "queue file immutable: the failed save said" in_log "cannot save the queue to $QUEUE"
chattr -i "$QUEUE"
check_within 3 "queue file writable again: said" in_log "the queue is saved to $QUEUE again"
stop_agent
check_eq "LAPI down, minewalld stopped: the alerts kept on disk" "$(wc -l <"$QUEUE")" 3
mkdir -p "$LDIR/up"
echo '{"login": "expired"}' >"$LDIR/up/mode.json"
bg_cli $PY "$(dirname "$0")/fake_lapi.py" "$LDIR/up" 8081
up_pid=$BG_PID
wait_listening cli tcp 8081
start_agent -c "$CONF" || exit 1
check_within 5 "LAPI back after the restart: every alert arrives" sh -c \
	"jq -s '[.[] | select(.status == 201) | .n] | add' '$LDIR/up/requests.log' | grep -qx 3"
check_within 2 "LAPI back: the queue empties" sh -c "[ ! -s '$QUEUE' ]"
check_eq "an expired token: one login per push, no more" \
	"$(grep -c '"login"' "$LDIR/up/requests.log")" "$(grep -c '"alerts"' "$LDIR/up/requests.log")"
stop_agent
kill "$up_pid"

# a queue edited into garbage, and longer than queue_max; a URL with a path
# prefix and a trailing slash
reset_log
{
	queue_lines 10
	echo 'garbage{'
	echo '[1, 2]'
	queue_lines 10
} >"$QUEUE"
lapi_mode '{"prefix": "/lapi"}'
conf 'pull = no' 'queue_max = 16'
sed -i "s|:8080|:8080/lapi/|" "$CONF"
start_agent -c "$CONF" || exit 1
check "garbage queue: the bad line said with file and line" in_log "$QUEUE:11: not JSON"
check "garbage queue: the second bad line too" in_log "$QUEUE:12: not a JSON object"
check "garbage queue: the original kept aside" sh -c "ls '$QUEUE'.corrupt-* >/dev/null"
check_eq "queue_max 16: the 4 oldest dropped and counted" "$(cs queue_dropped)" 4
check_within 5 "path prefix: the 16 alerts sent" alerts_taken_ge 16
check_eq "path prefix: every request under it" "$(grep -c '"status": 404' "$LDIR/requests.log")" 0
stop_agent

# a FIFO in place of the queue file must not hang the start
rm -f "$QUEUE"
mkfifo "$QUEUE"
if start_agent -c "$CONF"; then
	pass "queue a FIFO: minewalld starts"
else
	fail "queue a FIFO: minewalld starts"
	kill -KILL "$AGENT_PID"
	AGENT_PID=
fi
check "queue a FIFO: said" in_log "$QUEUE: not a regular file (a FIFO)"
stop_agent
rm -f "$QUEUE"
mkdir "$QUEUE"
start_agent -c "$CONF" || exit 1
check "queue a directory: said, with its path" in_log "$QUEUE: not a regular file (a directory)"
stop_agent
rmdir "$QUEUE"

finish
