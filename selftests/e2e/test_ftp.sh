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
wait_listening srv tcp 21

check "vsftpd answers" sh -c "echo QUIT | ip netns exec $CLI_NS timeout 5 socat - TCP4:$SRV4:21 | grep -q '^220'"
seq -f "wrong-%g" 1 60 >"$RUN_DIR/passwords"
hydra_until_blocked $CLI4 -l nobody -P "$RUN_DIR/passwords" -t 4 -w 5 "ftp://$SRV4"
check "hydra on FTP: DICTATTACK detected" grep -q "detection: .*\"method\":\"DICTATTACK\".*\"src_ip\":\"$CLI4\".*\"dest_port\":21" "$RUN_DIR/agent.log"
check "hydra on FTP: blocked" blocked $CLI4
n=$(grep -c "FAIL LOGIN" "$F/vsftpd.log" 2>/dev/null)
log "hydra on FTP: ${n:-0} failed logins reached vsftpd"
check "hydra on FTP: stopped early (fewer than 30 of 60 passwords tried)" test "${n:-0}" -lt 30

finish
