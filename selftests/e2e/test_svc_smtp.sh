#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# DICTATTACK against a real Postfix offering SMTP AUTH (SASL through
# Dovecot's auth service) in the protected namespace:
#   - a mail client (Python's smtplib) logging in 10 times with the right
#     password, once after a typo: never blocked;
#   - smtplib refused a typo, then logging in in the same connection, 4
#     times: the logins (235) take the typos back, never blocked;
#   - hydra's smtp module (AUTH LOGIN, several per connection, 4 tasks):
#     detected and blocked with fewer than 10 tries reaching the server;
#   - smtplib in a loop, one AUTH per connection: the same.
# The tries that reached the server are Dovecot's "Password mismatch" lines
# (Postfix asks Dovecot for each).
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=selftests/e2e/lib_services.sh
. "$(dirname "$0")/lib_services.sh"

setup_topology || exit 1
# refusals without Dovecot's 2-s delay (as test_svc_mail): hydra's
# tries come as fast as Postfix answers
start_dovecot none "auth_failure_delay = 0" || exit 1
wait_until 10 test -S "$DOVECOT_DIR/auth-client" || { echo "dovecot's auth did not start" >&2; exit 1; }
start_postfix || exit 1
wait_listen 25 postfix || exit 1
svc_agent || exit 1

# shellcheck disable=SC2016 # $PW is the inner shell's (see lib_services.sh)
login='/usr/bin/python3 -c "import os, smtplib
s = smtplib.SMTP(\"'$SRV4'\", 25, timeout=8)
s.login(\"alice\", os.environ[\"PW\"])
s.quit()"'

typo_then_login "SMTP, typo then login" 192.0.2.64 /usr/bin/python3 -c 'import smtplib, os
s = smtplib.SMTP("'$SRV4'", 25, timeout=8)
try:
    s.login("alice", os.environ["TYPO"])
    raise SystemExit("the typo logged in")
except smtplib.SMTPAuthenticationError:
    pass
s.login("alice", os.environ["PW"])
s.quit()'
svc_attacks smtp "$login" dovecot_refusals "smtp://$SRV4" -l alice

finish
