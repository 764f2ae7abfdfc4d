#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The same hydra SSH attack (-t 4, wrong passwords for "nobody") against a
# real sshd, stopped by minewall, by fail2ban and by sshguard (Debian
# packages, their default thresholds, reading the sshd log), one after the
# other in one run: wrong passwords that reached sshd before the block, and
# seconds from hydra's first try (its first logged failure) to the block.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

setup_topology || exit 1
SSHD_DIR=$RUN_DIR/sshd
mkdir -p "$SSHD_DIR" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/host_key"
seq -f "wrong-%g" 1 80 >"$RUN_DIR/passwords"

start_syslog_sshd() {
	: >"$SSHD_DIR/sshd.log"
	printf 'Port 22\nListenAddress %s\nHostKey %s/host_key\nPidFile %s/sshd.pid\nUsePAM yes\nPasswordAuthentication yes\nMaxStartups 100\nLogLevel INFO\n' \
		"$SRV4" "$SSHD_DIR" "$SSHD_DIR" >"$SSHD_DIR/sshd_config"
	# as syslog would write it: the log readers want a timestamp and a tag
	bg_srv bash -c "/usr/sbin/sshd -D -e -f $SSHD_DIR/sshd_config 2>&1 |
		while IFS= read -r line; do printf '%(%b %e %H:%M:%S)T minewall-test sshd[1]: %s\n' -1 \"\$line\"; done >>$SSHD_DIR/sshd.log"
	SSHD_PID=$BG_PID
	sleep 0.5
}

stop_sshd() {
	ip netns pids "$SRV_NS" | xargs -r ps -o pid=,comm= -p | awk '$2 == "sshd" { print $1 }' | xargs -r kill
	kill "$SSHD_PID" 2>/dev/null
	wait "$SSHD_PID" 2>/dev/null
}

# attack TOOL BLOCKED-CMD: runs hydra until BLOCKED-CMD succeeds (60 s at
# most); the clock starts at the first failure sshd logs (hydra's first try
# answered), polled every 50 ms like the block itself
attack() {
	local tool=$1 t_block="" t_first="" n
	shift
	bg_cli sh -c "cd $RUN_DIR && exec timeout 90 hydra -I -l nobody -P passwords -t 4 -w 10 ssh://$SRV4 >hydra-$tool.out 2>&1"
	local hydra=$BG_PID
	for _ in $(seq 1 1200); do
		if [ -z "$t_first" ] && grep -q "Failed password" "$SSHD_DIR/sshd.log"; then
			t_first=$(date +%s.%N)
		fi
		if "$@" >/dev/null 2>&1; then
			t_block=$(date +%s.%N)
			break
		fi
		sleep 0.05
	done
	n=$(grep -c "Failed password" "$SSHD_DIR/sshd.log")
	kill "$hydra" 2>/dev/null
	wait "$hydra" 2>/dev/null
	if [ -z "$t_block" ]; then
		printf '%-10s %12s %26s\n' "$tool" "not blocked" "-"
		return
	fi
	[ -n "$t_first" ] || t_first=$t_block
	printf '%-10s %12d %26.2f\n' "$tool" "$n" "$(echo "$t_block - $t_first" | bc)"
}

printf 'hydra -t 4 on sshd (UsePAM yes), wrong passwords; each tool with its defaults\n'
printf '%-10s %12s %26s\n' "tool" "tries in" "s from first try to block"

# --- minewall ---
start_syslog_sshd
start_agent -q || exit 1
attack minewall sh -c "MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall blocks -j | grep -q '\"prefix\":\"$CLI4\"'"
stop_agent
in_srv nft delete table inet minewall 2>/dev/null
stop_sshd

# --- fail2ban (its defaults: maxretry 5 in 10m), nftables action ---
start_syslog_sshd
F2B=$RUN_DIR/f2b
mkdir -p "$F2B"
cp -r /etc/fail2ban/action.d /etc/fail2ban/filter.d /etc/fail2ban/jail.conf /etc/fail2ban/paths-*.conf "$F2B/"
cat >"$F2B/fail2ban.conf" <<CONF
[Definition]
loglevel = INFO
logtarget = $F2B/fail2ban.log
socket = $F2B/fail2ban.sock
pidfile = $F2B/fail2ban.pid
dbfile = :memory:
CONF
cat >"$F2B/jail.local" <<CONF
[DEFAULT]
banaction = nftables-multiport
backend = polling
[sshd]
enabled = true
port = 22
logpath = $SSHD_DIR/sshd.log
CONF
bg_srv fail2ban-server -f -x -c "$F2B" -s "$F2B/fail2ban.sock" -p "$F2B/fail2ban.pid" >"$F2B/server.out" 2>&1
sleep 3
attack fail2ban sh -c "ip netns exec $SRV_NS nft list ruleset | grep -q '$CLI4'"
ip netns exec "$SRV_NS" fail2ban-client -s "$F2B/fail2ban.sock" stop >/dev/null 2>&1
stop_sshd
in_srv nft flush ruleset

# --- sshguard (its defaults: 30 points, 10 a failure), nft sets backend ---
start_syslog_sshd
printf 'BACKEND="/usr/libexec/sshguard/sshg-fw-nft-sets"\nTHRESHOLD=30\nBLOCK_TIME=120\nDETECTION_TIME=1800\n' >"$RUN_DIR/sshguard.conf"
bg_srv sh -c "tail -n0 -F $SSHD_DIR/sshd.log | /usr/libexec/sshguard/sshg-parser | /usr/libexec/sshguard/sshg-blocker -a 30 -p 120 -s 1800 | /usr/libexec/sshguard/sshg-fw-nft-sets"
sleep 1
in_srv nft list ruleset >"$RUN_DIR/before-sshguard.nft"
attack sshguard sh -c "ip netns exec $SRV_NS nft list ruleset | grep -q '$CLI4'"
stop_sshd
