#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A fleet through a real CrowdSec Local API (Debian's crowdsec 1.4.6, run
# privately, offline): servers A and B run minewalld, each a machine and a
# bouncer of the LAPI, host C runs crowdsec-firewall-bouncer, and an
# attacker stands beside them (crowdsec_lib.sh draws the topology).
#   - hydra against A: A blocks it (SSHDICT) and pushes the alert
#     (minewall/SSHDICT in `cscli alerts list`); within pull_interval + 2 s
#     B drops the attacker in XDP before B's sshd sees it, and C's
#     firewall bouncer drops it too;
#   - `cscli decisions add` is enforced on A and B, `decisions delete`
#     lifts it on both; a Range decision is a prefix blocked on B;
#   - a decision for an address B allowlists is refused, reported once;
#   - the LAPI stopped during attacks, A restarted while it is away: every
#     alert arrives once it is back (alerts lost: 0);
#   - a wrong password and bouncer key: a clear error in the log and the
#     status, and A still blocks what it detects itself;
#   - 50,000 decisions in one alert: all applied on B (the time it took),
#     the nft set and the XDP block map hold them.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=selftests/e2e/crowdsec_lib.sh
. "$(dirname "$0")/crowdsec_lib.sh"

T0=$SECONDS
for tool in crowdsec cscli crowdsec-firewall-bouncer curl hydra sshpass socat; do
	if ! command -v "$tool" >/dev/null; then
		fail "setup: needs $tool (make deps)"
		finish
		exit 1
	fi
done
setup_fleet_topology || exit 1
lapi_init || exit 1
if ! { lapi_add_machine mw-a "pw-a-$ID" && lapi_add_machine mw-b "pw-b-$ID" &&
	lapi_add_bouncer mw-a "key-a-$ID-0123456789" && lapi_add_bouncer mw-b "key-b-$ID-0123456789" &&
	lapi_add_bouncer fw-c "key-c-$ID-0123456789"; }; then
	cat "$CS_DIR/cscli.log"
	exit 1
fi
lapi_start || exit 1

ALLOWED=198.51.100.77
# secrets in files only root reads, as an operator keeps them
secret() {
	(
		umask 077
		printf '%s\n' "$2" >"$RUN_DIR/$1"
	)
}
secret a.password "pw-a-$ID"
secret a.key "key-a-$ID-0123456789"
secret b.password "pw-b-$ID"
secret b.key "key-b-$ID-0123456789"
# agent_conf FILE MACHINE SECRET-PREFIX [EXTRA-LINES]
agent_conf() {
	{
		printf '[flows]\nscan_interval = 500ms\n[dict]\nwindow = 60s\n'
		printf '[enforce]\nmax_blocks = 120000\nallow = %s\n' "$ALLOWED"
		printf '[crowdsec]\nurl = %s\nmachine_id = %s\n' "$LAPI_URL" "$2"
		printf 'password_file = %s.password\nbouncer_key_file = %s.key\n' "$3" "$3"
		printf 'pull_interval = 1s\n%s' "${4:-}"
	} >"$1"
}
agent_conf "$RUN_DIR/a.conf" mw-a "$RUN_DIR/a"
agent_conf "$RUN_DIR/b.conf" mw-b "$RUN_DIR/b"

SSHD_ARGS=('PasswordAuthentication yes' 'MaxStartups 100' 'LogLevel VERBOSE')
start_sshd "${SSHD_ARGS[@]}" || exit 1
on_b start_sshd "${SSHD_ARGS[@]}" || exit 1
start_agent -c "$RUN_DIR/a.conf" || exit 1
start_agent_b -c "$RUN_DIR/b.conf" || exit 1
fwb_start "key-c-$ID-0123456789" || exit 1
# what C serves the world (the attacker reaches it until it is banned)
ip netns exec "$C_NS" socat TCP-LISTEN:7000,fork,reuseaddr SYSTEM:'echo hello' >/dev/null 2>&1 &
bg_pid $!
c_serves() { in_c ss -Hlnt 'sport = :7000' | grep -q .; }
wait_until 5 c_serves
reaches_c() { [ "$(in_cli timeout 2 socat -u "TCP:$C4:7000,connect-timeout=1" - 2>/dev/null)" = hello ]; }
# reaches NAMESPACE-RUNNER ADDR PORT: a TCP connection from there succeeds
reaches() { "$1" timeout 2 bash -c "echo >/dev/tcp/$2/$3" 2>/dev/null; }
pulled() { [ -n "$(cs_status last_pull)" ]; }
check_within 5 "A pulls the LAPI's decisions" pulled
check_within 5 "B pulls the LAPI's decisions" on_b pulled
check "before the attack: the attacker reaches C" reaches_c

# --- hydra against A; B and C learn it from the LAPI ---
seq -f "wrong-%g" 1 40 >"$RUN_DIR/passwords"
when_true "$RUN_DIR/c.at" fwb_has "$ATK4"
hydra_until_blocked "$ATK4" -l nobody -P "$RUN_DIR/passwords" -t 4 -w 5 "ssh://$A4"
check "A blocks the attacker (SSHDICT)" blocked_by "$ATK4" SSHDICT
check_within 5 "the LAPI holds A's alert minewall/SSHDICT with a ban on the attacker" \
	lapi_has_alerts minewall/SSHDICT "$ATK4"
check_eq "A logged in to push it" "$(cs_status logged_in)" True
check_within 5 "B blocks the attacker, method CROWDSEC" on_b blocked_by "$ATK4" CROWDSEC
check_eq "B's block has the scenario as its reason" "$(on_b block_field "$ATK4" reason)" minewall/SSHDICT
ta=$(block_event_at "$ATK4" SSHDICT)
tb=$(on_b block_event_at "$ATK4" CROWDSEC)
if [ -n "$ta" ] && [ -n "$tb" ]; then
	delay=$(python3 -c "print('%.1f' % ($tb - $ta))")
	log "A block -> B XDP drop: $delay s"
	check "B's block came within pull_interval + 2 s of A's" python3 -c "assert $tb - $ta <= 3.0"
else
	fail "B's block came within pull_interval + 2 s of A's" "block events: A '$ta', B '$tb'"
fi
check_within 3 "C's firewall bouncer holds minewall's decision" fwb_has "$ATK4"
[ -s "$RUN_DIR/c.at" ] &&
	log "A block -> C's firewall bouncer: $(python3 -c "print('%.1f' % ($(cat "$RUN_DIR/c.at") - ${ta:-0}))") s"
check_fails "the attacker no longer reaches C" reaches_c
# the attacker now turns to B: its SYNs die in XDP, B's sshd never hears of it
drops0=$(on_b block_field "$ATK4" xdp_drops)
check_fails "the attacker cannot connect to B's sshd" reaches in_cli "$B4" 22
drops1=$(on_b block_field "$ATK4" xdp_drops)
log "B's XDP drops of the attacker: ${drops0:-none} before its connection attempt, ${drops1:-none} after"
check "B dropped the attacker's SYNs in XDP" test "${drops1:-0}" -gt "${drops0:-0}"
check_fails "B's sshd saw no connection from the attacker" \
	grep -q "Connection from $ATK4 " "$RUN_DIR/b/sshd/sshd.log"
check "B's sshd still serves others (C connects)" reaches in_c "$B4" 22
fwb_stop # its 50,000 entries would only slow the last part down
# status_link WHO: the fleet link's lines of `minewall status`, as a log
status_link() { mw status | awk -v w="$1" '/^crowdsec:/ { p = 1 } p && /^[^ ]/ && !/^crowdsec:/ { p = 0 } p { print "  # " w ": " $0 }'; }
status_link A
on_b status_link B

# --- cscli decisions add / delete, on both servers ---
MANUAL=198.51.100.88
cs decisions add -i "$MANUAL" -d 10m -R test/manual >/dev/null 2>&1
check_within 3 "cscli decisions add: A enforces it" blocked_by "$MANUAL" CROWDSEC
check_within 3 "cscli decisions add: B enforces it" on_b blocked_by "$MANUAL" CROWDSEC
check_eq "B's block has the decision's reason" "$(on_b block_field "$MANUAL" reason)" test/manual
cs decisions delete -i "$MANUAL" >/dev/null 2>&1
check_within 3 "cscli decisions delete: A lifts it" unblocked "$MANUAL"
check_within 3 "cscli decisions delete: B lifts it" on_b unblocked "$MANUAL"
RANGE=203.0.113.0/24
cs decisions add -r "$RANGE" -d 10m -R test/range >/dev/null 2>&1
check_within 3 "a decision of scope Range: B blocks the prefix" on_b blocked_by "$RANGE" CROWDSEC
cs decisions delete -r "$RANGE" >/dev/null 2>&1
check_within 3 "a decision of scope Range deleted: B lifts it" on_b unblocked "$RANGE"

# --- the allowlist wins over a decision ---
refusals() { on_b events_count crowdsec action=refused_allow src_ip="$ALLOWED"; }
cs decisions add -i "$ALLOWED" -d 10m -R test/allowed >/dev/null 2>&1
refused() { [ "$(refusals)" -ge 1 ]; }
check_within 3 "a decision for an allowlisted address: refused, in the events file" refused
pulls_reach() { [ "$(on_b cs_status pulls)" -ge "$1" ] 2>/dev/null; }
pulls=$(on_b cs_status pulls)
wait_until 5 pulls_reach "$((${pulls:-0} + 2))" # the decision came twice more, if it would
check "the allowlisted address is not blocked on B" on_b unblocked "$ALLOWED"
check_eq "the refusal is reported once" "$(refusals)" 1
check "B's status counts it (refused_allow)" test "$(on_b cs_status refused_allow)" -ge 1
cs decisions delete -i "$ALLOWED" >/dev/null 2>&1

# --- the LAPI away during attacks, A restarted meanwhile: nothing lost ---
SSHPASS_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o PubkeyAuthentication=no
	-o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 -o ConnectTimeout=2
	-o ServerAliveInterval=1 -o ServerAliveCountMax=2)
# guess ADDR...: four wrong passwords from each ADDR at A, all at once
guess() {
	local a i pids=()
	for a in "$@"; do
		in_cli ip addr add "$a/24" dev "$CLI_IF" 2>/dev/null
		for i in 1 2 3 4; do
			in_cli timeout 8 sshpass -p "wrong-$i" ssh "${SSHPASS_OPTS[@]}" -b "$a" "nobody@$A4" true \
				>/dev/null 2>&1 &
			pids+=($!)
		done
	done
	wait "${pids[@]}"
}
all_blocked_by() {
	local m=$1 a
	shift
	for a in "$@"; do blocked_by "$a" "$m" || return 1; done
}
lapi_stop
check_fails "the LAPI is away" lapi_answers
BEFORE=(198.51.100.70 198.51.100.71 198.51.100.72)
AFTER=198.51.100.73
guess "${BEFORE[@]}"
check_within 5 "LAPI away: A blocks 3 attackers all the same" all_blocked_by SSHDICT "${BEFORE[@]}"
queue_has() { [ "$(cs_status queue)" -ge "$1" ] 2>/dev/null; }
check_within 5 "LAPI away: A keeps their 3 alerts queued" queue_has 3
log "A's link while the LAPI is away: queue $(cs_status queue), push_failures $(cs_status push_failures), last_error: $(cs_status last_error)"
stop_agent
start_agent -c "$RUN_DIR/a.conf" || exit 1
check "restarted with the LAPI away: A's queue was kept (state dir)" queue_has 3
guess "$AFTER"
check_within 5 "after the restart: A blocks another attacker" blocked_by "$AFTER" SSHDICT
lapi_start || exit 1
t_back=$SECONDS
# A tries again after a back-off that doubled while the LAPI was away
check_within 20 "the LAPI back: every alert A queued arrives" \
	lapi_has_alerts minewall/SSHDICT "${BEFORE[@]}" "$AFTER"
lapi_has_alerts minewall/SSHDICT "${BEFORE[@]}" "$AFTER" || log "cscli alerts list said: $(tail -3 "$CS_DIR/cscli-alerts.err")"
log "LAPI outage: the queued alerts were in the LAPI $((SECONDS - t_back)) s after it came back"
decided=0
lost=0
dup=0
mapfile -t counts < <(lapi_alert_counts minewall/SSHDICT "${BEFORE[@]}" "$AFTER")
i=0
for a in "${BEFORE[@]}" "$AFTER"; do
	n=${counts[i]:-0}
	i=$((i + 1))
	[ "$(events_count block method=SSHDICT src_ip="$a")" -ge 1 ] || continue
	decided=$((decided + 1))
	[ "$n" -eq 0 ] && lost=$((lost + 1))
	[ "$n" -gt 1 ] && dup=$((dup + n - 1))
done
log "LAPI outage: $decided blocks decided by A, alerts lost: $lost, sent twice: $dup"
check_eq "LAPI outage: 4 blocks decided" "$decided" 4
check_eq "LAPI outage: alerts lost" "$lost" 0
check_eq "LAPI outage: alerts sent twice" "$dup" 0
queue_empty() { [ "$(cs_status queue)" = 0 ]; }
check_within 3 "A's queue is empty again" queue_empty

# --- a wrong password and bouncer key: said clearly, the host still protected ---
secret a.password "not-the-password"
secret a.key "not-the-key-0123456789"
stop_agent
log_from=$(($(wc -l <"$RUN_DIR/agent.log") + 1))
start_agent -c "$RUN_DIR/a.conf" || exit 1
new_log() { tail -n "+$log_from" "$RUN_DIR/agent.log"; }
# the machine logs in when it has something to push: a local detection
LOCAL=198.51.100.74
guess "$LOCAL"
check_within 5 "wrong secrets: A still blocks what it detects" blocked_by "$LOCAL" SSHDICT
cs_error() { [ -n "$(cs_status last_error)" ]; }
check_within 5 "wrong secrets: the status says what failed (last_error)" cs_error
log "A's status with wrong secrets: logged_in $(cs_status logged_in), last_error: $(cs_status last_error)"
check_eq "wrong password: A is not logged in" "$(cs_status logged_in)" False
log_says() { new_log | grep -qiE "$1"; }
check_within 5 "wrong password: the log says the login was refused" log_says 'crowdsec: push: .*login.*refused'
check_within 5 "wrong bouncer key: the log says the pull was refused" log_says 'crowdsec: pull: .*refused'
check "wrong password: A keeps the alert queued" queue_has 1
check "wrong secrets: A still runs" agent_running
status_link A
stop_agent

# --- 50,000 decisions at once (a community blocklist), applied on B ---
# LAPI 1.4.6 stamps a decision's created_at before the bulk insert that
# holds it commits, and the stream gives a bouncer what was created since
# its last pull: a pull during the insert skips a bulk of 50 for good (seen
# here). B is held (SIGSTOP) while the LAPI stores them, so that its next
# pull finds all 50,000 in one answer, as a list already in the LAPI comes.
N=50000
make_blocklist_alert "$RUN_DIR/50k.json" $N test/blocklist
added0=$(on_b cs_status decisions_added)
kill -STOP "$B_PID"
t_post=$EPOCHREALTIME
check "the LAPI takes one alert of $N decisions" lapi_post_alerts mw-b "pw-b-$ID" "$RUN_DIR/50k.json"
t_lapi=$EPOCHREALTIME
kill -CONT "$B_PID"
all_added() { [ "$(on_b cs_status decisions_added)" -ge $((${added0:-0} + N)) ] 2>/dev/null; }
check_within 60 "B applies all $N decisions" all_added # 16 s seen under the sanitizers on a busy machine
t_done=$EPOCHREALTIME
# the agent's word on its big apply (the status shows the latest pull's,
# by now an empty one)
applied=$(grep -oE 'crowdsec: applied [0-9]+ new and [0-9]+ deleted decisions in [0-9.]+ s' \
	"$RUN_DIR/b/agent.log" | tail -1)
log "50k: the LAPI stored them in $(python3 -c "print('%.1f' % ($t_lapi - $t_post))") s; B had them all $(python3 -c "print('%.1f' % ($t_done - $t_lapi))") s after it went on (pull, parse, apply); B: ${applied:-no apply logged}"
check "50k: in one pull, one apply" grep -q "applied $N new" <<<"$applied"
nft_count() {
	in_b nft -j list set inet minewall block4 | python3 -c '
import json, sys
for o in json.load(sys.stdin)["nftables"]:
    if "set" in o:
        print(len(o["set"].get("elem") or []))'
}
xdp_count() {
	on_b mw status -j | python3 -c '
import json, sys
print(json.load(sys.stdin)["maps"]["mw_block"]["entries"])'
}
nn=$(nft_count)
nx=$(xdp_count)
log "50k: B's nft set block4 holds $nn entries, its XDP block map $nx"
check "50k: the nft set holds them all" test "${nn:-0}" -ge $N
check "50k: the XDP block map holds them all" test "${nx:-0}" -ge $N
b_reason_is() { [ "$(on_b block_field "$1" reason)" = "$2" ]; }
check "50k: one of them, blocked with its reason" wait_until 20 b_reason_is 198.18.100.1 test/blocklist
check "50k: B still runs" on_b agent_running

log "suite time: $((SECONDS - T0)) s"
finish
