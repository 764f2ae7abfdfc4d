# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# lib_dict_spread.sh - helpers for attacks spread over many addresses and
# over time (test_dict_spread.sh): a real OpenSSH client guessing passwords
# from any address given to the remote host, and the count of the guesses
# that reached the real sshd. Sourced after lib.sh.

SPREAD_ASKPASS=$RUN_DIR/askpass.sh
SPREAD_SSH_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
	-o ConnectTimeout=3)

# spread_setup: the remote host reaches the protected one from the
# documentation prefixes below too (on the same link), and the client's
# password prompts are answered by a program (ssh asks it each time).
spread_setup() {
	in_srv ip route add 198.51.100.0/24 dev "$SRV_IF"
	in_srv ip route add 203.0.113.0/24 dev "$SRV_IF"
	in_srv ip -6 route add 2001:db8:1::/48 dev "$SRV_IF"
	printf '#!/bin/sh\necho "not-the-password"\n' >"$SPREAD_ASKPASS"
	chmod 755 "$SPREAD_ASKPASS"
}

# add_client_addr ADDR...: gives the remote host these addresses.
add_client_addr() {
	local a
	for a in "$@"; do
		case $a in
		*:*) in_cli ip addr add "$a/128" dev "$CLI_IF" nodad ;;
		*) in_cli ip addr add "$a/32" dev "$CLI_IF" ;;
		esac
	done
}

# server_for ADDR: the protected host's address of the same family.
server_for() {
	case $1 in
	*:*) echo "$SRV6" ;;
	*) echo "$SRV4" ;;
	esac
}

# ssh_guess SRC N: one OpenSSH connection from SRC that offers N wrong
# passwords for root (the none probe first, as every client does), then
# gives up.
ssh_guess() {
	in_cli env SSH_ASKPASS="$SPREAD_ASKPASS" SSH_ASKPASS_REQUIRE=force DISPLAY=none \
		timeout 20 ssh "${SPREAD_SSH_OPTS[@]}" -o PubkeyAuthentication=no \
		-o PreferredAuthentications=password -o NumberOfPasswordPrompts="$2" \
		-b "$1" "root@$(server_for "$1")" true </dev/null >/dev/null 2>&1
	return 0
}

# ssh_login SRC: a key-based login from SRC running a command; fails when
# the connection or the login fails.
ssh_login() {
	in_cli timeout 20 ssh -i "$SSHD_DIR/client_key" "${SPREAD_SSH_OPTS[@]}" -o BatchMode=yes \
		-b "$1" "root@$(server_for "$1")" "echo in" 2>/dev/null | grep -qx in
}

# failed_from REGEX: the password tries sshd refused from sources matching
# REGEX (sshd logs each "Failed password ... from ADDR port").
failed_from() {
	grep -cE "Failed password for .* from $1[^ ]* port" "$SSHD_DIR/sshd.log"
}

# detection_with ADDR-OR-PREFIX PYTHON-CONDITION: a detection event whose
# detail.src_prefix is the prefix given and for which the condition on `e`
# and `d` (its detail) holds.
detection_with() {
	python3 - "$RUN_DIR/events.json" "$1" "$2" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    d = e.get("detail") or {}
    if e.get("event_type") == "detection" and d.get("src_prefix") == sys.argv[2] and eval(sys.argv[3]):
        sys.exit(0)
sys.exit(1)
PY
}
