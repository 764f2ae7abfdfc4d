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
#      every 2 s (three at once first);
#   5. paramiko under aes128-ctr with hmac-sha2-256 that plays a login's
#      shape with junk after each password (SUCCESS's size, the host keys'
#      size, one more reply): the host's word (the writer of sshd's bytes
#      is still its unprivileged user) refutes it.
# Each must be detected and blocked with fewer than 10 passwords refused by
# sshd (its log counts them). The account is "nobody": no try can succeed.
# Meanwhile users offer three refused keys before the right one, under
# aes128-gcm and under aes128-ctr with hmac-sha2-256-etm (the framings where
# junk's answer is SUCCESS's size), four times each: never blocked.
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

JUNK=192.0.2.21 JUNK1=192.0.2.22 HYDRA=192.0.2.23 HELD=192.0.2.24 FORGE=192.0.2.25
GCM=192.0.2.31 ETM=192.0.2.32
add_client $JUNK $JUNK1 $HYDRA $HELD $FORGE $GCM $ETM

# users: three refused keys, then the right one (aes-gcm against the banner)
for k in k1 k2 k3; do ssh-keygen -q -t ed25519 -N '' -f "$RUN_DIR/$k"; done
keys_user() { # NAME ADDR CIPHER-OPTIONS...
	local name=$1 addr=$2 i
	shift 2
	for i in 1 2 3 4; do
		if in_cli ssh "${SSH_CLIENT_OPTS[@]}" -o IdentitiesOnly=yes "$@" -i "$RUN_DIR/k1" \
			-i "$RUN_DIR/k2" -i "$RUN_DIR/k3" -i "$SSHD_DIR/client_key" -b "$addr" \
			root@$SRV4 true; then
			echo ok >>"$RUN_DIR/$name.res"
		fi
		sleep 1 # a user's pace, not a wait
	done
}
keys_user gcm $GCM -p 22 -c aes128-gcm@openssh.com &
users=($!)
keys_user etm $ETM -p 2222 -c aes128-ctr -m hmac-sha2-256-etm@openssh.com &
users+=($!)

# 1 and 2: paramiko with junk, on the port without a banner
tricks_bg junk $JUNK --junk 2 --port 2222
tricks_bg junk1 $JUNK1 --junk 3 --per-conn 1 --port 2222
# 5: a forged login's shape after each password
tricks_bg forge $FORGE --forge --per-conn 3 --port 2222 --cipher aes128-ctr --mac hmac-sha2-256

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

wait "${users[@]}"
until_blocked $JUNK 20
until_blocked $JUNK1 20
until_blocked $HELD 20
until_blocked $FORGE 20
stop_clients

check_tricked "paramiko, junk between passwords" $JUNK
check "paramiko, junk between passwords: it sent junk" grep -q "^refused 2" "$RUN_DIR/junk.out"
check_tricked "paramiko, junk, one password a connection" $JUNK1
check_tricked "hydra against a 400-byte banner" $HYDRA
check_tricked "paramiko, a login's shape forged with junk" $FORGE
check "the forged login's shape reached the detector, and the host refuted it" \
	grep -q "from $FORGE port .*sshd still writes as its unprivileged user" "$RUN_DIR/agent.log"
check_tricked "one password a connection, held open" $HELD
for u in gcm etm; do
	check_eq "$u: all 4 logins worked" "$(grep -c '^ok$' "$RUN_DIR/$u.res" 2>/dev/null)" 4
done
check_never_blocked "three refused keys, then the right one, aes128-gcm" $GCM
check_never_blocked "three refused keys, then the right one, etm" $ETM
log "wall time $((SECONDS - T0)) s"

finish
