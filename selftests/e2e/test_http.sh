#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# HTTPDICT against a real nginx with HTTP basic auth: hydra over new
# connections, and curl with many passwords over one kept-alive connection,
# are detected and blocked; a client fetching many different pages is not.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

setup_topology || exit 1
W=$RUN_DIR/www
mkdir -p "$W/static"
for i in $(seq 1 30); do head -c $((i * 137)) /dev/zero | tr '\0' 'x' >"$W/static/f$i.txt"; done
echo "secret page" >"$W/index.html"
echo "admin:$(openssl passwd -apr1 'S3cret-pass')" >"$W/htpasswd"
cat >"$W/nginx.conf" <<CONF
worker_processes 1;
pid $W/nginx.pid;
error_log $W/error.log;
events { worker_connections 256; }
http {
	access_log $W/access.log;
	client_body_temp_path $W;
	proxy_temp_path $W;
	fastcgi_temp_path $W;
	uwsgi_temp_path $W;
	scgi_temp_path $W;
	keepalive_requests 1000;
	server {
		listen $SRV4:8080;
		root $W;
		location / { auth_basic "minewall test"; auth_basic_user_file $W/htpasswd; }
		location /static/ { }
	}
}
CONF
bg_srv nginx -c "$W/nginx.conf" -g 'daemon off;'
printf '[flows]\nscan_interval = 500ms\n' >"$RUN_DIR/http.conf"
start_agent -c "$RUN_DIR/http.conf" || exit 1
wait_listening srv tcp 8080

check "nginx answers with the right password" sh -c "ip netns exec $CLI_NS curl -sf -u admin:S3cret-pass http://$SRV4:8080/ | grep -q secret"

# --- a browser-like client: 30 different pages over new connections ---
BROWSER=192.0.2.40
in_cli ip addr add $BROWSER/24 dev "$CLI_IF"
for i in $(seq 1 30); do in_cli curl -s --interface $BROWSER -o /dev/null "http://$SRV4:8080/static/f$i.txt"; done
in_cli curl -s --interface $BROWSER -o /dev/null -u admin:S3cret-pass "http://$SRV4:8080/"
wait_ended $BROWSER
check "browser: 30 pages and a login are no attack" sh -c "! grep -q 'detection:.*\"src_ip\":\"$BROWSER\"' $RUN_DIR/agent.log"

# --- curl, 20 passwords over one kept-alive connection ---
KEEP=192.0.2.41
in_cli ip addr add $KEEP/24 dev "$CLI_IF"
args=()
for i in $(seq 1 20); do args+=(-u "admin:wrong-$i" -o /dev/null "http://$SRV4:8080/" --next); done
in_cli timeout 20 curl -s --interface $KEEP --max-time 15 "${args[@]}" -o /dev/null "http://$SRV4:8080/static/f1.txt"
check_within 3 "keep-alive: HTTPDICT detected" grep -q "detection: .*\"method\":\"HTTPDICT\".*\"src_ip\":\"$KEEP\"" "$RUN_DIR/agent.log"
check_within 3 "keep-alive: blocked" blocked $KEEP
n=$(grep -c "^$KEEP .* 401 " "$W/access.log")
log "keep-alive: $n refused requests reached nginx"

# --- hydra http-get, new connections ---
seq -f "wrong-%g" 1 60 >"$RUN_DIR/passwords"
hydra_until_blocked $CLI4 -l admin -P "$RUN_DIR/passwords" -t 4 -w 5 -s 8080 "$SRV4" http-get /
check "hydra: HTTPDICT detected" grep -q "detection: .*\"method\":\"HTTPDICT\".*\"src_ip\":\"$CLI4\"" "$RUN_DIR/agent.log"
check "hydra: blocked" blocked $CLI4
n=$(grep -c "^$CLI4 .* 401 " "$W/access.log")
log "hydra: $n refused requests reached nginx"
check "hydra: stopped early (fewer than 40 of 60 passwords tried)" test "$n" -lt 40

finish
