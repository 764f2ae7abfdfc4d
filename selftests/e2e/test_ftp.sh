#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# DICTATTACK against a real FTP server (vsftpd) attacked by hydra with wrong
# passwords for "nobody" (no login can succeed): detected and blocked.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

setup_topology || exit 1
F=$RUN_DIR/ftp
mkdir -p "$F/empty"
cat >"$F/vsftpd.conf" <<CONF
listen=YES
listen_ipv6=NO
listen_address=$SRV4
listen_port=21
anonymous_enable=NO
local_enable=YES
pam_service_name=vsftpd
secure_chroot_dir=$F/empty
xferlog_enable=NO
vsftpd_log_file=$F/vsftpd.log
dual_log_enable=YES
log_ftp_protocol=YES
background=NO
max_login_fails=3
delay_failed_login=0
CONF
bg_srv vsftpd "$F/vsftpd.conf"
printf '[flows]\nscan_interval = 500ms\n' >"$RUN_DIR/ftp.conf"
start_agent -c "$RUN_DIR/ftp.conf" || exit 1
sleep 0.5
blocked() { MINEWALL_RUN_DIR=$RUN_DIR/run "$BIN/minewall" blocks -j | grep -q "\"prefix\":\"$1\""; }

check "vsftpd answers" sh -c "echo QUIT | ip netns exec $CLI_NS timeout 5 socat - TCP4:$SRV4:21 | grep -q '^220'"
seq -f "wrong-%g" 1 60 >"$RUN_DIR/passwords"
bg_cli sh -c "cd $RUN_DIR && exec timeout 60 hydra -I -l nobody -P passwords -t 4 -w 5 ftp://$SRV4 >hydra.out 2>&1"
HYDRA=$BG_PID
for _ in $(seq 1 100); do blocked $CLI4 && break; sleep 0.1; done
kill "$HYDRA" 2>/dev/null
wait "$HYDRA" 2>/dev/null
check "hydra on FTP: DICTATTACK detected" grep -q "detection: .*\"method\":\"DICTATTACK\".*\"src_ip\":\"$CLI4\".*\"dest_port\":21" "$RUN_DIR/agent.log"
check "hydra on FTP: blocked" blocked $CLI4
n=$(grep -c "FAIL LOGIN" "$F/vsftpd.log" 2>/dev/null)
log "hydra on FTP: ${n:-0} failed logins reached vsftpd"
check "hydra on FTP: stopped early (fewer than 30 of 60 passwords tried)" test "${n:-0}" -lt 30

finish
