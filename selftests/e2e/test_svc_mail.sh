#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# DICTATTACK against a real Dovecot (IMAP and POP3, passwd-file users) in the
# protected namespace:
#   - curl reading the mailbox 10 times over IMAP and over POP3 with the
#     right password, once after a typo: never blocked;
#   - a mail client (a raw IMAP client, poplib) refused a typo, then logging
#     in with the right password in the same connection, 4 times: the
#     logins are recognised ("OK [CAPABILITY", "+OK Logged in.") and take
#     the typos back, never blocked;
#   - hydra's imap module (AUTHENTICATE PLAIN, several per connection with
#     a new tag each, 4 tasks): detected and blocked with fewer than 10 tries
#     reaching Dovecot;
#   - hydra's pop3 module (AUTH PLAIN, -ERR [AUTH]): the same;
#   - curl in a loop over IMAP (LOGIN, one try per connection): the same.
# The tries that reached Dovecot are its auth process's "Password mismatch"
# lines (auth_verbose). Dovecot's 2-s delay after a refusal and its growing
# penalty for an address that failed before are off, to keep the suite short
# (neither changes what the detector reads; test_svc_smtp does the same).
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=selftests/e2e/lib_services.sh
. "$(dirname "$0")/lib_services.sh"

setup_topology || exit 1
start_dovecot "imap pop3" "auth_failure_delay = 0" || exit 1
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
# a client that takes the capabilities from the greeting (Dovecot's LOGIN
# OK then carries them: "OK [CAPABILITY ...] Logged in"); after a CAPABILITY
# command Dovecot sends them untagged first and the OK is beyond the head
# the datapath copies: that login is not seen
typo_then_login "IMAP, typo then login" 192.0.2.64 /usr/bin/python3 -c 'import os, socket
f = socket.create_connection(("'$SRV4'", 143), timeout=8).makefile("rwb")
f.readline()
def cmd(tag, line):
    f.write(tag + b" " + line.encode() + b"\r\n")
    f.flush()
    while True:
        r = f.readline()
        if not r or r.startswith(tag + b" "):
            return r
if not cmd(b"a1", "LOGIN alice " + os.environ["TYPO"]).startswith(b"a1 NO "):
    raise SystemExit("the typo was not refused")
if not cmd(b"a2", "LOGIN alice " + os.environ["PW"]).startswith(b"a2 OK "):
    raise SystemExit("the right password did not log in")
cmd(b"a3", "LOGOUT")'
typo_then_login "POP3, typo then login" 192.0.2.65 /usr/bin/python3 -c 'import poplib, os
p = poplib.POP3("'$SRV4'", timeout=8)
p.user("alice")
try:
    p.pass_(os.environ["TYPO"])
    raise SystemExit("the typo logged in")
except poplib.error_proto:
    pass
p.user("alice")
p.pass_(os.environ["PW"])
p.quit()'

seq -f "wrong-%g" 1 40 >"$RUN_DIR/passwords"
echo "$SVC_PW" >>"$RUN_DIR/passwords"
hydra_attack "hydra imap" "$CLI4" dovecot_refusals -l alice -P "$RUN_DIR/passwords" -t 4 -w 5 "imap://$SRV4"
hydra_attack "hydra pop3" 192.0.2.62 dovecot_refusals -l alice -P "$RUN_DIR/passwords" -t 4 -w 5 "pop3://$SRV4"
loop_attack "curl imap loop" 192.0.2.61 dovecot_refusals sh -c "$imap"

finish
