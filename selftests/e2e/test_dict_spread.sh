#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Dictionary attacks spread out to stay below the threshold, against a real
# sshd with a real OpenSSH client: 30 IPv6 addresses of one /64 with 2
# passwords each (counted per /64, the unit that is banned); 20 addresses of
# one /24 with 2 passwords each (the /24 aggregated); one password every
# 32 s (more than half the 60 s window apart: never 3 in one; the long
# window, shortened here to 10 minutes with 3 tries, takes it). Each is
# detected and blocked with fewer than 10 passwords reaching sshd. And
# neighbours of one /24 each mistyping a password once, then logging in with
# their key, are never blocked.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=selftests/e2e/lib_dict_spread.sh
. "$(dirname "$0")/lib_dict_spread.sh"

setup_topology || exit 1
spread_setup
V6NET=2001:db8:1:2
SLOW=192.0.2.50
for i in $(seq 1 31); do add_client_addr "$V6NET::$(printf %x $((0x100 + i)))"; done
for i in $(seq 1 21); do add_client_addr "198.51.100.$((10 + i))"; done
for i in $(seq 1 6); do add_client_addr "203.0.113.$((10 + i))"; done
add_client_addr "$SLOW"

start_sshd "ListenAddress $SRV6" || exit 1
printf '[flows]\nscan_interval = 500ms\n[dict]\nlong_window = 10m\nlong_attempts = 3\n' \
	>"$RUN_DIR/spread.conf"
start_agent -c "$RUN_DIR/spread.conf" || exit 1
start=$SECONDS

# expect_block NAME SECONDS PREFIX CONDITION REGEX MIN MAX: within SECONDS
# PREFIX is blocked, a detection names it as CONDITION (on the event e and
# its detail d) says, and MIN to MAX passwords from REGEX reached sshd.
expect_block() {
	local n
	wait_until "$2" blocked "$3"
	check "$1: $3 is blocked" blocked "$3"
	check "$1: detected as $4" detection_with "$3" "$4"
	n=$(failed_from "$5")
	log "$1: $n passwords reached sshd before the block, $((SECONDS - start)) s after the start"
	check "$1: $6 to $7 passwords reached sshd ($n)" test "$n" -ge "$6" -a "$n" -le "$7"
}

# --- the slow guesser, all along: one password every 32 s, up to 12 min ---
(
	nap=
	trap '[ -n "$nap" ] && kill "$nap" 2>/dev/null; exit 0' TERM
	for _ in $(seq 1 22); do
		blocked "$SLOW" && exit 0
		ssh_guess "$SLOW" 1
		sleep 32 & # the attacker's pace, not a wait for a condition
		nap=$!
		wait "$nap"
	done
) &
slow_pid=$!
bg_pid "$slow_pid"

# --- 30 addresses of one /64, 2 passwords each ---
for i in $(seq 1 30); do
	blocked "$V6NET::/64" && break
	ssh_guess "$V6NET::$(printf %x $((0x100 + i)))" 2
done
# 4 (2 addresses, 2 each) unless a connection's password went uncounted
expect_block "/64 rotation" 5 "$V6NET::/64" 'e["method"] == "SSHDICT" and not d["aggregate"]' \
	"$V6NET:" 4 9
check_fails "/64 rotation: another address of the /64 cannot connect" \
	ssh_login "$V6NET::$(printf %x $((0x100 + 31)))"

# --- 20 addresses of one /24, 2 passwords each ---
for i in $(seq 1 20); do
	blocked 198.51.100.0/24 && break
	ssh_guess "198.51.100.$((10 + i))" 2
done
# 8 (4 addresses, 2 each) unless a connection's password went uncounted;
# the issue asks for the /24 within the window: up to 6 addresses pass
expect_block "/24" 5 198.51.100.0/24 \
	'd["aggregate"] and d["total_sources"] >= 4 and len(d["sources"]) >= 4 and d["first_attempt_s_ago"] <= d["window_s"]' \
	'198\.51\.100\.' 8 12
check_fails "/24: another address of the /24 cannot connect" ssh_login 198.51.100.31

# --- neighbours in one /24, each mistyping once, then logging in ---
ok=0
for i in $(seq 1 6); do
	ssh_guess "203.0.113.$((10 + i))" 1
	ssh_login "203.0.113.$((10 + i))" && ok=$((ok + 1))
done
check_eq "typos: 6 users of one /24 mistyped once, then logged in" "$ok" 6
check "typos: their /24 is not blocked" sh -c "! MINEWALL_PIN_PATH=$PIN MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall blocks -j | grep -q '\"prefix\":\"203\\.0\\.113\\.'"
for i in 11 16; do check_never_blocked "typos" "203.0.113.$i"; done

# --- the slow guesser: blocked within the long window ---
expect_block slow 400 "$SLOW" 'e["method"] == "SSHDICT" and d["window_s"] == 600' \
	"${SLOW//./\\.}" 3 9
check_fails "slow: its next connection fails" ssh_login "$SLOW"
kill "$slow_pid" 2>/dev/null
wait "$slow_pid" 2>/dev/null

finish
