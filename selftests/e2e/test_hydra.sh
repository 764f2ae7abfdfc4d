#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A real OpenSSH server attacked with real tools, wrong passwords only (the
# account is "nobody", whose password is locked: no try can succeed and the
# host's accounts are not touched):
#   - hydra -t 4: blocked, with how many tries reached sshd and how long it took;
#   - a scripted sshpass loop, one try every 2 s: blocked before 5 tries;
#   - 20 sources with 2 tries each (each below the per-source threshold):
#     a distributed attack, every source blocked;
#   - a guesser that finally logs in (with a key): a successful attack.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

setup_topology || exit 1
start_sshd 'PasswordAuthentication yes' 'MaxStartups 100' 'MaxAuthTries 6' || exit 1
printf '[flows]\nscan_interval = 500ms\n[dict]\nwindow = 60s\n' >"$RUN_DIR/dict.conf"
start_agent -c "$RUN_DIR/dict.conf" || exit 1
seq -f "wrong-%g" 1 40 >"$RUN_DIR/passwords"

failed_tries() { grep -c "Failed password for nobody from $1 " "$SSHD_DIR/sshd.log"; }

# --- hydra -t 4 ---
t0=$(date +%s%N)
hydra_until_blocked $CLI4 -l nobody -P "$RUN_DIR/passwords" -t 4 -w 5 "ssh://$SRV4"
t1=$(date +%s%N)
check "hydra: SSHDICT detected" grep -q "detection: .*\"method\":\"SSHDICT\".*\"src_ip\":\"$CLI4\"" "$RUN_DIR/agent.log"
check "hydra: blocked" blocked $CLI4
n=$(failed_tries $CLI4)
log "hydra: $n wrong passwords reached sshd before the block (sshguard allows 4), block in force $(( (t1 - t0) / 1000000 )) ms after hydra started"
check "hydra: stopped early (fewer than 12 of 40 passwords tried)" test "$n" -lt 12
mw unblock $CLI4 >/dev/null

# --- a slow scripted guesser: one try every 2 s ---
SLOW=192.0.2.70
in_cli ip addr add $SLOW/24 dev "$CLI_IF"
SSHPASS_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o PubkeyAuthentication=no
	-o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 -o ConnectTimeout=2
	-o ServerAliveInterval=1 -o ServerAliveCountMax=2)
tries=0
for i in $(seq 1 8); do
	blocked $SLOW && break
	in_cli timeout 8 sshpass -p "wrong-$i" ssh "${SSHPASS_OPTS[@]}" -b $SLOW nobody@$SRV4 true >/dev/null 2>&1
	tries=$((tries + 1))
	sleep 2 # the guesser's pace, the behaviour under test
done
check "slow guesser: blocked" blocked $SLOW
n=$(failed_tries $SLOW)
log "slow guesser: $n tries reached sshd"
check "slow guesser: blocked before 5 tries" test "$n" -lt 5

# --- distributed: 20 sources, 2 tries each ---
printf '[flows]\nscan_interval = 500ms\n[dict]\nssh_attempts = 5\ndistributed_sources = 10\ndistributed_attempts = 20\n' >"$RUN_DIR/dist.conf"
stop_agent
mw flush >/dev/null 2>&1
start_agent -c "$RUN_DIR/dist.conf" || exit 1
for i in $(seq 100 119); do in_cli ip addr add "192.0.2.$i/24" dev "$CLI_IF"; done
pids=()
for i in $(seq 100 119); do
	for j in 1 2; do
		in_cli timeout 8 sshpass -p "wrong-$j" ssh "${SSHPASS_OPTS[@]}" -b "192.0.2.$i" nobody@$SRV4 true >/dev/null 2>&1 &
		pids+=($!)
	done
done
wait "${pids[@]}" # not the servers started in the background
check_within 3 "distributed: detected" grep -q 'detection: .*"method":"SSHDICT".*"distributed":true' "$RUN_DIR/agent.log"
wait_ended $(seq -f "192.0.2.%g" 100 119)
nb=0
for i in $(seq 100 119); do blocked "192.0.2.$i" && nb=$((nb + 1)); done
log "distributed: $nb of 20 sources blocked"
check "distributed: at least 18 of the 20 sources blocked" test "$nb" -ge 18

# --- a guesser that gets in: a successful attack ---
GOOD=192.0.2.80
in_cli ip addr add $GOOD/24 dev "$CLI_IF"
stop_agent
printf '[flows]\nscan_interval = 500ms\n[dict]\nssh_attempts = 10\nsuccess_attempts = 3\n' >"$RUN_DIR/succ.conf"
start_agent -c "$RUN_DIR/succ.conf" || exit 1
for i in 1 2 3 4; do
	in_cli timeout 8 sshpass -p "wrong-$i" ssh "${SSHPASS_OPTS[@]}" -b $GOOD nobody@$SRV4 true >/dev/null 2>&1
done
in_cli timeout 8 ssh -i "$SSHD_DIR/client_key" "${SSH_CLIENT_OPTS[@]}" -b $GOOD root@$SRV4 'echo in' >/dev/null 2>&1
check_within 3 "successful attack: critical detection" grep -q "detection: .*\"severity\":\"critical\".*\"src_ip\":\"$GOOD\".*\"successful\":true" "$RUN_DIR/agent.log"
check_within 3 "successful attack: blocked" blocked $GOOD

finish
