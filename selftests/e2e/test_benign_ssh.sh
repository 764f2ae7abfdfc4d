#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Ordinary SSH use must never be punished (issue 15, items 4 and 7): a real
# OpenSSH server with password logins, a throwaway host user with a real
# password, and the agent with its DEFAULT detection settings (ssh_attempts
# 3, window 60 s). Each kind of user has its own client address, so a block
# names the behaviour that caused it; they run side by side:
#   1. password automation (sshpass + ssh uptime), 10 times 1-3 s apart, then
#      3 times in quick succession;
#   2. a client offering 3 refused keys before the right one, 5 times;
#   3. a mistyped password, then the right one, 3 rounds;
#   4. SFTP batches with a key (put and get), 5 times; an `ssh -N -L` tunnel
#      held 20 s with data through it;
#   5. PreferredAuthentications combinations that get a refusal before the
#      login (a wrong password then a key, a refused key then a password);
#   6. then attacks on the same sshd: hydra from another address (still
#      blocked, with few tries, quickly), and a distributed attack (12
#      sources, 2 wrong passwords each) during which the benign clients log in
#      again with their refusals: none of them may be swept into it.
# Each client must end never blocked, named in no detection, and with every
# command it ran (its last one included) having worked.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

T0=$SECONDS
setup_topology || exit 1

# --- a throwaway user with a real password (users are host-wide: removed on exit) ---
U=mwtest$ID
PASS=$(openssl rand -hex 12)
HOME_U=$RUN_DIR/home
useradd -M -d "$HOME_U" -s /bin/sh "$U" || {
	echo "cannot create the user $U" >&2
	exit 1
}
at_exit userdel -f "$U"
mkdir -p "$HOME_U"
chown "$U" "$HOME_U"
echo "$U:$PASS" | chpasswd || exit 1

# MaxStartups: the distributed attack below opens 24 connections at once
start_sshd 'PasswordAuthentication yes' 'Subsystem sftp internal-sftp' 'MaxStartups 100' || exit 1
# flows are scanned every 500 ms as in the other suites so the test is quick;
# every detection setting is the default
printf '[flows]\nscan_interval = 500ms\n' >"$RUN_DIR/agent.conf"
start_agent -c "$RUN_DIR/agent.conf" || exit 1

KEY=$SSHD_DIR/client_key
for k in k1 k2 k3; do ssh-keygen -q -t ed25519 -N '' -f "$RUN_DIR/$k"; done
BASE=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
	-o ConnectTimeout=3 -o ServerAliveInterval=1 -o ServerAliveCountMax=3)
PW=("${BASE[@]}" -o PubkeyAuthentication=no -o PreferredAuthentications=password
	-o NumberOfPasswordPrompts=1)
KEYONLY=("${BASE[@]}" -o BatchMode=yes -o IdentitiesOnly=yes)

AUTO=192.0.2.11 KEYS=192.0.2.12 TYPO=192.0.2.13 SFTP=192.0.2.14 TUN=192.0.2.15
COMBO=192.0.2.16 LATE=192.0.2.17 HYDRA=192.0.2.3
BENIGN="$AUTO $KEYS $TYPO $SFTP $TUN $COMBO $LATE"
for a in $BENIGN; do in_cli ip addr add "$a/24" dev "$CLI_IF"; done

# ok CASE CMD...: runs CMD (that must work) from the client namespace and
# records its outcome in $RUN_DIR/CASE.res, one line a command.
ok() {
	local c=$1
	shift
	if in_cli timeout 20 "$@" >>"$RUN_DIR/$c.out" 2>&1; then
		echo ok >>"$RUN_DIR/$c.res"
	else
		echo "failed ($?): $*" >>"$RUN_DIR/$c.res"
	fi
}
# refused CMD...: a login that must be refused (a wrong password); its
# outcome is not the client's fault, only run it.
refused() { in_cli timeout 20 "$@" >/dev/null 2>&1; }

# the expected checks of a case: every command worked, the last one too
case_done() { # CASE ADDR EXPECTED-COMMANDS
	local n
	n=$(grep -c '^ok$' "$RUN_DIR/$1.res" 2>/dev/null)
	check_eq "$1: all $3 commands worked" "${n:-0}" "$3"
	check "$1: its last command worked" sh -c "tail -1 $RUN_DIR/$1.res | grep -qx ok"
	check_never_blocked "$1" "$2"
}

auto_uptime() { ok auto sshpass -p "$PASS" ssh "${PW[@]}" -b $AUTO "$U@$SRV4" uptime; }
keys_login() { # CASE ADDR
	ok "$1" ssh "${KEYONLY[@]}" -i "$RUN_DIR/k1" -i "$RUN_DIR/k2" -i "$RUN_DIR/k3" -i "$KEY" \
		-b "$2" "$U@$SRV4" true
}
typo_login() { # CASE ADDR
	refused sshpass -p "typo-$PASS" ssh "${PW[@]}" -b "$2" "$U@$SRV4" true
	ok "$1" sshpass -p "$PASS" ssh "${PW[@]}" -b "$2" "$U@$SRV4" true
}

# The pauses in the cases below are the clients' pace (a script's, a
# user's), the behaviour under test: fixed on purpose.
case_auto() {
	for i in $(seq 1 10); do
		auto_uptime
		sleep "$((i % 3 + 1))"
	done
	for i in 1 2 3; do auto_uptime; done
}

case_keys() {
	for i in $(seq 1 5); do
		keys_login keys $KEYS
		sleep 1
	done
}

case_typo() {
	for i in 1 2 3; do
		typo_login typo $TYPO
		sleep 2
	done
}

case_sftp() {
	head -c 3000 /dev/urandom >"$RUN_DIR/sftp.src"
	for i in $(seq 1 5); do
		printf 'put %s up%s.bin\nget up%s.bin %s\n' "$RUN_DIR/sftp.src" "$i" "$i" \
			"$RUN_DIR/sftp.back$i" >"$RUN_DIR/sftp.batch$i"
		ok sftp sftp -b "$RUN_DIR/sftp.batch$i" "${KEYONLY[@]}" -i "$KEY" -o BindAddress=$SFTP \
			"$U@$SRV4"
		ok sftp cmp "$RUN_DIR/sftp.src" "$RUN_DIR/sftp.back$i"
		sleep 1
	done
}

# ssh -N -L held 20 s, 10 messages through it to an echo server behind the host
case_tunnel() {
	local tpid i msg
	ip netns exec "$CLI_NS" timeout 30 ssh -N "${KEYONLY[@]}" -i "$KEY" -b $TUN \
		-o ExitOnForwardFailure=yes -L 127.0.0.1:17777:127.0.0.1:7777 "$U@$SRV4" \
		>>"$RUN_DIR/tunnel.out" 2>&1 &
	tpid=$!
	bg_pid $tpid
	wait_until 10 listening cli tcp 17777
	for i in $(seq 1 10); do
		sleep 2
		msg="through the tunnel $i $(head -c 2000 /dev/urandom | base64 -w0)"
		ok tunnel sh -c "echo '$msg' | socat -t 2 - TCP:127.0.0.1:17777 | grep -qxF '$msg'"
	done
	ok tunnel kill -0 $tpid # the tunnel is still up after 20 s
	kill $tpid 2>/dev/null
	wait $tpid 2>/dev/null
}

case_combo() {
	for i in 1 2; do
		# a wrong password (the first method), then the key
		ok combo sshpass -p "wrong-$PASS" ssh "${BASE[@]}" -o NumberOfPasswordPrompts=1 \
			-o PreferredAuthentications=keyboard-interactive,password,publickey \
			-o IdentitiesOnly=yes -i "$KEY" -b $COMBO "$U@$SRV4" true
		sleep 1
		# a refused key, then the right password
		ok combo sshpass -p "$PASS" ssh "${BASE[@]}" -o NumberOfPasswordPrompts=1 \
			-o PreferredAuthentications=publickey,password -o IdentitiesOnly=yes \
			-i "$RUN_DIR/k1" -b $COMBO "$U@$SRV4" true
		sleep 1
		# keyboard-interactive and password skipped (batch mode), then the key
		ok combo ssh "${KEYONLY[@]}" \
			-o PreferredAuthentications=keyboard-interactive,password,publickey \
			-i "$RUN_DIR/k2" -i "$KEY" -b $COMBO "$U@$SRV4" true
		sleep 1
	done
}

bg_srv socat TCP-LISTEN:7777,bind=127.0.0.1,fork,reuseaddr EXEC:cat
check "sshd takes the user's password" sh -c "ip netns exec $CLI_NS sshpass -p '$PASS' ssh ${PW[*]} $U@$SRV4 echo in | grep -qx in"

t=$SECONDS
pids=()
for c in auto keys typo sftp tunnel combo; do
	"case_$c" &
	pids+=($!)
done
wait "${pids[@]}"
log "benign clients: $((SECONDS - t)) s"
# shellcheck disable=SC2086 # one address a word
wait_ended $BENIGN

# --- 6a: hydra from another address (a route gives it its source) ---
seq -f "wrong-%g" 1 40 >"$RUN_DIR/passwords"
in_cli ip addr add $HYDRA/24 dev "$CLI_IF"
in_cli ip route replace "$SRV4/32" dev "$CLI_IF" src $HYDRA
t0=$(date +%s.%N)
hydra_until_blocked $HYDRA -l nobody -P "$RUN_DIR/passwords" -t 4 -w 5 "ssh://$SRV4"
tb=$(first_block_at $HYDRA)
in_cli ip route del "$SRV4/32" dev "$CLI_IF"
check "hydra: blocked" blocked $HYDRA
check "hydra: SSHDICT detected" grep -q "\"event_type\":\"detection\".*\"method\":\"SSHDICT\".*\"src_ip\":\"$HYDRA\"" "$RUN_DIR/events.json"
n=$(grep -c "Failed password for nobody from $HYDRA " "$SSHD_DIR/sshd.log")
ms=$(awk -v a="$t0" -v b="${tb:-0}" 'BEGIN { print (b > a) ? int((b - a) * 1000) : 999999 }')
log "hydra: $n wrong passwords reached sshd, blocked $ms ms after hydra started ($(events_about $HYDRA | head -1))"
# the tries and the time depend on the machine's load; the figures are logged
check "hydra: stopped early (fewer than 12 of its 40 passwords reached sshd)" test "$n" -lt 12
check "hydra: blocked within 5 s" test "$ms" -le 5000

# --- 6b: a distributed attack; the benign clients log in again during it ---
for i in $(seq 100 111); do in_cli ip addr add "192.0.2.$i/24" dev "$CLI_IF"; done
pids=()
for i in $(seq 100 111); do
	for j in 1 2; do
		in_cli timeout 10 sshpass -p "wrong-$j" ssh "${PW[@]}" -b "192.0.2.$i" nobody@$SRV4 true \
			>/dev/null 2>&1 &
		pids+=($!)
	done
done
wait "${pids[@]}"
wait_until 3 grep -q '"distributed":true' "$RUN_DIR/events.json"
check "distributed attack: detected (the benign logins below run during it)" \
	grep -q '"event_type":"detection".*"distributed":true' "$RUN_DIR/events.json"
nb=0
for i in $(seq 100 111); do blocked "192.0.2.$i" && nb=$((nb + 1)); done
log "distributed attack: $nb of 12 sources blocked"
pids=()
keys_login keys $KEYS &
pids+=($!)
typo_login typo $TYPO &
pids+=($!)
keys_login late $LATE &
pids+=($!)
auto_uptime &
pids+=($!)
ok combo sshpass -p "$PASS" ssh "${BASE[@]}" -o NumberOfPasswordPrompts=1 \
	-o PreferredAuthentications=publickey,password -o IdentitiesOnly=yes \
	-i "$RUN_DIR/k1" -b $COMBO "$U@$SRV4" true &
pids+=($!)
wait "${pids[@]}"
wait_ended $KEYS $TYPO $LATE $AUTO $COMBO
# once more after the agent saw those connections end: still let in
keys_login keys $KEYS
typo_login typo $TYPO
keys_login late $LATE
auto_uptime
ok sftp sftp -b "$RUN_DIR/sftp.batch1" "${KEYONLY[@]}" -i "$KEY" -o BindAddress=$SFTP "$U@$SRV4"
ok tunnel ssh "${KEYONLY[@]}" -i "$KEY" -b $TUN "$U@$SRV4" true
ok combo ssh "${KEYONLY[@]}" -i "$KEY" -b $COMBO "$U@$SRV4" true

# --- verdicts ---
case_done auto $AUTO 15
case_done keys $KEYS 7
case_done typo $TYPO 5
case_done sftp $SFTP 11
case_done tunnel $TUN 12
case_done combo $COMBO 8
case_done late $LATE 2
# last, so that its refusals weigh on nothing above: the extra keys of case 2
# really are refused
check "sshd refuses the three extra keys alone" sh -c "! ip netns exec $CLI_NS ssh ${KEYONLY[*]} -i $RUN_DIR/k1 -i $RUN_DIR/k2 -i $RUN_DIR/k3 $U@$SRV4 true"
log "wall time $((SECONDS - T0)) s"

finish
