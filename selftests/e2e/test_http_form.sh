#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# HTTPDICT against a login page that refuses with 200 (issue 16, item 4): a
# real nginx answers every POST to /login with the same page saying the
# password was wrong. hydra's http-post-form is detected and blocked with
# fewer than 10 tries reaching nginx (its access log counts them); a client
# that re-posts one request to /api/session, and a comment form posted with
# texts of every length, both answered by pages of one size, are not.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

setup_topology || exit 1
W=$RUN_DIR/www
mkdir -p "$W"
page=$(printf '<p>Wrong user name or password. Try again.</p>%.0s' $(seq 1 20))
cat >"$W/nginx.conf" <<CONF
worker_processes 1;
pid $W/nginx.pid;
error_log $W/error.log;
events { worker_connections 256; }
http {
	log_format tries '\$remote_addr \$request_method \$uri \$status';
	access_log $W/access.log tries;
	client_body_temp_path $W;
	proxy_temp_path $W;
	fastcgi_temp_path $W;
	uwsgi_temp_path $W;
	scgi_temp_path $W;
	server {
		listen $SRV4:8080;
		root $W;
		location = /login { return 200 "<html><body>$page</body></html>"; }
		location = /api/session { return 200 "$page"; }
		location = /comment { return 200 "<html><body>Thanks. $page</body></html>"; }
	}
}
CONF
start_nginx "$W/nginx.conf" 8080 || exit 1
# http_attempts 5 (default 10, which lets 11 through: the first page is the
# one the others are compared with), as test_fragments does
printf '[flows]\nscan_interval = 500ms\n[dict]\nhttp_attempts = 5\n' >"$RUN_DIR/agent.conf"
start_agent -c "$RUN_DIR/agent.conf" || exit 1

ATTACKER=192.0.2.41 POLLER=192.0.2.42 COMMENTER=192.0.2.43
for a in $ATTACKER $POLLER $COMMENTER; do in_cli ip addr add "$a/32" dev "$CLI_IF"; done

# the benign clients first, each its own address, over new connections
for i in $(seq 1 15); do
	in_cli curl -s -o /dev/null --interface $POLLER -d 'token=abc123&refresh=1' \
		"http://$SRV4:8080/api/session"
	in_cli curl -s -o /dev/null --interface $COMMENTER \
		-d "text=$(head -c $((i * 7)) /dev/zero | tr '\0' 'a')" "http://$SRV4:8080/comment"
done

# hydra: passwords of every length, a refusal is the page's words
printf '%s\n' pw 123456 password1 letmein qwerty dragon2 monkey12 sunshine football1 \
	iloveyou trustno1 shadow99 master abc123456 welcome1 >"$RUN_DIR/passwords"
in_cli ip route replace "$SRV4/32" dev "$CLI_IF" src $ATTACKER
hydra_until_blocked $ATTACKER -l admin -P "$RUN_DIR/passwords" -t 1 -s 8080 "$SRV4" \
	http-post-form "/login:user=^USER^&pass=^PASS^:F=Wrong user name"
in_cli ip route del "$SRV4/32" dev "$CLI_IF"

check "hydra's tries reached nginx" grep -q "^$ATTACKER POST /login 200" "$W/access.log"
tries=$(grep -c "^$ATTACKER POST /login" "$W/access.log")
log "hydra http-post-form: $tries tries reached nginx before the block"
detected_as() { events_about "$1" | grep -q "$2"; }
check "a login page refusing with 200: HTTPDICT detected" detected_as $ATTACKER HTTPDICT
check "a login page refusing with 200: blocked" blocked $ATTACKER
check "fewer than 10 of its tries reached nginx" test "$tries" -lt 10
check_eq "the poller's 15 requests were answered" \
	"$(grep -c "^$POLLER POST /api/session 200" "$W/access.log")" 15
check_never_blocked "a poller re-posting one request to /api/session" $POLLER
check_never_blocked "a comment form posted with texts of every length" $COMMENTER

finish
