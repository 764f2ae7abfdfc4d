#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The tricks a guesser plays on a detector that reads SSH from sizes alone
# (issue 16, items 1 and 4), against a real OpenSSH server with a 400-byte
# pre-authentication Banner on port 22 and none on port 2222, the agent
# with its default detection settings. Each attacker has its own address
# and runs at the same time as the others:
#   1. paramiko with junk messages (an unassigned type, answered by
#      SSH_MSG_UNIMPLEMENTED, SUCCESS's size under aes-ctr with hmac) between
#      its passwords, on the port without a banner;
#   2. the same, one password a connection;
#   3. hydra -t 4 against the banner;
#   4. one password a connection, each connection held open 70 s, a new one
#      every 2 s (three at once first).
# Each must be detected and blocked with fewer than 10 passwords refused by
# sshd (its log counts them). The account is "nobody": no try can succeed.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=selftests/e2e/lib_dict_tricks.sh
. "$(dirname "$0")/lib_dict_tricks.sh"

T0=$SECONDS
setup_topology || exit 1
python3 -c "print(('Authorized access only; all activity is logged. ' * 9)[:400])" >"$RUN_DIR/banner"
start_sshd 'Port 2222' 'PasswordAuthentication yes' 'MaxStartups 100' "Banner $RUN_DIR/banner" \
	'Match LocalPort 2222' 'Banner none' || exit 1
printf '[flows]\nscan_interval = 500ms\n[dict]\nssh_ports = 22 2222\n' >"$RUN_DIR/agent.conf"
start_agent -c "$RUN_DIR/agent.conf" || exit 1
seq -f "wrong-%g" 1 40 >"$RUN_DIR/passwords"
check "sshd shows its banner" sh -c "ip netns exec $CLI_NS ssh -v ${SSH_CLIENT_OPTS[*]} -o PreferredAuthentications=none nobody@$SRV4 true 2>&1 | grep -q 'all activity is logged'"

JUNK=192.0.2.21 JUNK1=192.0.2.22 HYDRA=192.0.2.23 HELD=192.0.2.24
add_client $JUNK $JUNK1 $HYDRA $HELD

# 1 and 2: paramiko with junk, on the port without a banner
tricks_bg junk $JUNK --junk 2 --port 2222
tricks_bg junk1 $JUNK1 --junk 3 --per-conn 1 --port 2222

# 3: hydra against the banner (a route gives it its source address)
in_cli ip route replace "$SRV4/32" dev "$CLI_IF" src $HYDRA
hydra_until_blocked $HYDRA -l nobody -P "$RUN_DIR/passwords" -t 4 -w 5 "ssh://$SRV4"
in_cli ip route del "$SRV4/32" dev "$CLI_IF"

# 4: held connections: three at once, then one every 2 s
for i in 1 2 3; do tricks_bg "held$i" $HELD --per-conn 1 --hold 70; done
for i in $(seq 4 12); do
	until_blocked $HELD 2 && break
	tricks_bg "held$i" $HELD --per-conn 1 --hold 70
done

until_blocked $JUNK 20
until_blocked $JUNK1 20
until_blocked $HELD 20
stop_clients

check_tricked "paramiko, junk between passwords" $JUNK
check "paramiko, junk between passwords: it sent junk" grep -q "^refused 2" "$RUN_DIR/junk.out"
check_tricked "paramiko, junk, one password a connection" $JUNK1
check_tricked "hydra against a 400-byte banner" $HYDRA
check_tricked "one password a connection, held open" $HELD
log "wall time $((SECONDS - T0)) s"

finish
