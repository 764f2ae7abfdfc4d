#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# DICTATTACK against a real Dovecot (IMAP and POP3, passwd-file users) in the
# protected namespace:
#   - curl reading the mailbox 10 times over IMAP and over POP3 with the
#     right password, once after a typo: never blocked;
#   - hydra's imap module (AUTHENTICATE PLAIN, several per connection with
#     a new tag each, 4 tasks): detected and blocked with fewer than 10 tries
#     reaching Dovecot;
#   - hydra's pop3 module (AUTH PLAIN, -ERR [AUTH]): the same;
#   - curl in a loop over IMAP (LOGIN, one try per connection): the same.
# The tries that reached Dovecot are its auth process's "Password mismatch"
# lines (auth_verbose). Dovecot's own 2-s delay after a refusal is kept, its
# growing penalty for an address that failed before is off (start_dovecot).
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=selftests/e2e/lib_services.sh
. "$(dirname "$0")/lib_services.sh"

setup_topology || exit 1
start_dovecot "imap pop3" || exit 1
wait_listen 143 dovecot || exit 1
wait_listen 110 dovecot || exit 1
svc_agent || exit 1

# shellcheck disable=SC2016 # $PW is the inner shell's (see lib_services.sh)
imap='curl -sf --max-time 9 -u "alice:$PW" imap://'$SRV4'/INBOX -X "EXAMINE INBOX"'
# shellcheck disable=SC2016
pop3='curl -sf --max-time 9 -u "alice:$PW" pop3://'$SRV4'/'

check "dovecot answers the right password over IMAP" env PW="$SVC_PW" ip netns exec "$CLI_NS" sh -c "$imap"
benign "IMAP client" sh -c "$imap"
benign "POP3 client" sh -c "$pop3"

seq -f "wrong-%g" 1 40 >"$RUN_DIR/passwords"
echo "$SVC_PW" >>"$RUN_DIR/passwords"
hydra_attack "hydra imap" "$CLI4" dovecot_refusals -l alice -P "$RUN_DIR/passwords" -t 4 -w 5 "imap://$SRV4"
hydra_attack "hydra pop3" 192.0.2.62 dovecot_refusals -l alice -P "$RUN_DIR/passwords" -t 4 -w 5 "pop3://$SRV4"
loop_attack "curl imap loop" 192.0.2.61 dovecot_refusals sh -c "$imap"

finish
