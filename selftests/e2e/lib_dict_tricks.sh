#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# lib_dict_tricks.sh - helpers of test_dict_tricks.sh (source after lib.sh):
# an SSH guesser playing tricks (ssh_tricks.py, paramiko), run from its own
# address until it is blocked, and the count of its passwords sshd refused.

TRICKS_PY=$(dirname "${BASH_SOURCE[0]}")/ssh_tricks.py

# failed_from ADDR: wrong passwords sshd logged for ADDR.
failed_from() { grep -c "Failed password for .* from $1 " "$SSHD_DIR/sshd.log"; }

# add_client ADDR...: addresses of the remote host, one per attacker.
add_client() {
	local a
	for a in "$@"; do in_cli ip addr add "$a/24" dev "$CLI_IF"; done
}

# tricks_bg NAME ADDR ARGS...: starts ssh_tricks.py from ADDR against the
# sshd (user nobody, the test's password list), its output in NAME.out.
tricks_bg() {
	local name=$1 addr=$2
	shift 2
	bg_cli timeout 90 /usr/bin/python3 "$TRICKS_PY" "$SRV4" nobody "$RUN_DIR/passwords" \
		--bind "$addr" "$@" >"$RUN_DIR/$name.out" 2>&1
}

# until_blocked ADDR SECONDS: waits for ADDR's block; 1 if it never came.
until_blocked() { wait_until "$2" blocked "$1" 2>/dev/null; } # a loop condition: quiet

# stop_clients: ends the guessers still running (the ones this test started).
stop_clients() {
	[ -f "$RUN_DIR/pids" ] && xargs -r kill <"$RUN_DIR/pids" 2>/dev/null
	ip netns pids "$CLI_NS" | xargs -r ps -o pid=,comm= -p | awk '$2 == "python3" || $2 == "hydra" { print $1 }' |
		xargs -r kill 2>/dev/null
	return 0
}

# check_tricked NAME ADDR: the guesser was detected as SSHDICT, blocked, and
# fewer than 10 of its passwords reached sshd; logs how many did.
check_tricked() {
	local n
	n=$(failed_from "$2")
	log "$1: $n wrong passwords reached sshd before the block ($(events_about "$2" | head -1))"
	check "$1: SSHDICT detected" grep -q "\"event_type\":\"detection\".*\"method\":\"SSHDICT\".*\"src_ip\":\"$2\"" "$RUN_DIR/events.json"
	check "$1: blocked" blocked "$2"
	check "$1: fewer than 10 passwords reached sshd" test "$n" -lt 10
	check "$1: sshd refused some" test "$n" -gt 0
}
