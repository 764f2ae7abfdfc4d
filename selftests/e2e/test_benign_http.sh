#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Ordinary HTTP clients must never be punished (issue 15, item 4): a real
# nginx on port 80 and the agent with its DEFAULT detection settings
# (http_attempts 10, window 60 s). Each client has its own address, so a
# block names the behaviour that caused it; they run side by side:
#   1. a browser fetching a page's 100 static objects (100 B to 20 KiB, 16
#      icons of one size) over new connections, 6 at a time, 3 page loads;
#   2. the same over keep-alive, 5 page loads;
#   3. a health checker: a new connection a second to a 2-byte page, 70 s
#      (longer than the window);
#   4. a keep-alive poller: `curl --rate 2/s`, 100 times the same small URL;
#   5. a webhook sender: 50 POSTs answered 204, new connections;
#   6. revalidation: 50 conditional GETs answered 304, new connections;
#   7. a crawler asking 40 missing URLs (404), new connections;
#   8. an internal client (10.0.0.0/8) with 20 wrong passwords, then the
#      right one: internal networks are exempt from HTTPDICT (a report is
#      allowed, a block is not);
#   9. the positive control: hydra http-get with a wordlist from a public
#      address is blocked as HTTPDICT after few refusals.
# Each benign client must end never blocked (8: not blocked), named in no
# detection, with every request answered as expected, its last one included.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

T0=$SECONDS
setup_topology || exit 1

# --- the site ---
W=$RUN_DIR/www
mkdir -p "$W/static" "$W/private"
objs=()
# a page as sites make them: a toolbar of 16 icons of one size, 44 small
# scripts, styles and images (100 B to 2 KiB, some of one size), 40 larger
# objects (up to 20 KiB)
for i in $(seq 1 100); do
	if [ "$i" -le 16 ]; then
		ext=png size=1150
	elif [ "$i" -le 60 ]; then
		ext=$([ $((i % 2)) -eq 0 ] && echo css || echo js)
		size=$((100 + (i * 7 % 30) * 65))
	else
		ext=$([ $((i % 2)) -eq 0 ] && echo jpg || echo svg)
		size=$((2048 + (i * 11 % 40) * 470))
	fi
	head -c "$size" /dev/urandom >"$W/static/o$i.$ext"
	objs+=("/static/o$i.$ext")
done
head -c 20480 /dev/urandom >"$W/static/o_max.png"
objs[99]=/static/o_max.png
{
	echo '<!doctype html><html><head><title>minewall test</title></head><body>'
	for o in "${objs[@]}"; do echo "<img src=\"$o\">"; done
	echo '</body></html>'
} >"$W/index.html"
printf ok >"$W/health"
echo '{"jobs":0,"state":"idle"}' >"$W/poll.json"
echo "members only" >"$W/private/index.html"
echo "admin:$(openssl passwd -apr1 'S3cret-pass')" >"$W/htpasswd"
cat >"$W/nginx.conf" <<CONF
worker_processes 1;
pid $W/nginx.pid;
error_log $W/error.log;
events { worker_connections 512; }
http {
	include /etc/nginx/mime.types;
	default_type text/plain;
	access_log $W/access.log;
	client_body_temp_path $W;
	proxy_temp_path $W;
	fastcgi_temp_path $W;
	uwsgi_temp_path $W;
	scgi_temp_path $W;
	server {
		listen $SRV4:80;
		root $W;
		location = /hook { return 204; }
		location /private/ { auth_basic "minewall test"; auth_basic_user_file $W/htpasswd; }
	}
}
CONF
start_nginx "$W/nginx.conf" 80 || exit 1
# flows are scanned every 500 ms as in the other suites so the test is quick;
# every detection setting is the default
printf '[flows]\nscan_interval = 500ms\n' >"$RUN_DIR/agent.conf"
start_agent -c "$RUN_DIR/agent.conf" || exit 1

URL=http://$SRV4
BROWSER=192.0.2.21 KEEP=192.0.2.22 HEALTH=192.0.2.23 POLLER=192.0.2.24
HOOK=192.0.2.25 REVAL=192.0.2.26 CRAWLER=192.0.2.27 INTERNAL=10.1.2.3 PROBE=192.0.2.9
for a in $PROBE $BROWSER $KEEP $HEALTH $POLLER $HOOK $REVAL $CRAWLER; do
	in_cli ip addr add "$a/24" dev "$CLI_IF"
done
in_cli ip addr add $INTERNAL/24 dev "$CLI_IF"
in_srv ip route add 10.1.2.0/24 dev "$SRV_IF"

# Every request's status goes to $RUN_DIR/CASE.codes, one a line (000: no
# answer), in the order they ended. A client that got no answer (blocked)
# gives up: its remaining requests are not made, so the test stays short and
# the count of requests made tells how far it got.
CURL=(curl -s -o /dev/null --connect-timeout 2 --max-time 10 -w '%{http_code}\n')
gave_up() { [ "$(tail -1 "$RUN_DIR/$1.codes" 2>/dev/null)" = 000 ]; }
# one request over a new connection
req() { # CASE ADDR CURL-ARGS...
	local c=$1 a=$2
	shift 2
	gave_up "$c" && return 1
	in_cli "${CURL[@]}" --interface "$a" "$@" >>"$RUN_DIR/$c.codes"
}
# URLs over new connections, 6 at a time, as a browser without keep-alive
# (xargs stops at a command that exits 255: the first unanswered request)
fetch_new() { # CASE ADDR PATH...
	local c=$1 a=$2
	shift 2
	gave_up "$c" && return 1
	# shellcheck disable=SC2016 # the inner shell expands them
	printf '%s\n' "$@" | sed "s|^|$URL|" | in_cli xargs -P6 -n1 sh -c \
		'r=$("$@"); echo "$r"; [ "$r" != 000 ] || exit 255' sh "${CURL[@]}" \
		-H 'Connection: close' --interface "$a" >>"$RUN_DIR/$c.codes" 2>/dev/null
}
# URLs one after another over one kept-alive connection (--fail-early: the
# first transfer that fails ends it); the connections opened go to CASE.conns
fetch_keep() { # CASE ADDR CURL-ARGS -- PATH...
	local c=$1 a=$2 args=() p
	shift 2
	while [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	shift
	gave_up "$c" && return 1
	for p in "$@"; do args+=(-o /dev/null "$URL$p"); done
	in_cli curl -s --fail-early --connect-timeout 2 --max-time 10 --interface "$a" \
		-w '%{http_code} %{num_connects}\n' "${args[@]}" >"$RUN_DIR/$c.out"
	cut -d' ' -f1 "$RUN_DIR/$c.out" >>"$RUN_DIR/$c.codes"
	awk '{ n += $2 } END { print n + 0 }' "$RUN_DIR/$c.out" >>"$RUN_DIR/$c.conns"
}

# The pauses in the cases below are the clients' pace (a reader's, a
# health checker's once a second), the behaviour under test: fixed on purpose.
case_browser() {
	for _ in 1 2 3; do
		req browser $BROWSER "$URL/"
		fetch_new browser $BROWSER "${objs[@]}"
		sleep 2
	done
}

case_keep() {
	for _ in 1 2 3 4 5; do
		fetch_keep keep $KEEP -- / "${objs[@]}"
		sleep 1
	done
}

case_health() {
	local start=$SECONDS i
	for i in $(seq 1 70); do
		req health $HEALTH "$URL/health"
		while [ $((SECONDS - start)) -lt "$i" ]; do sleep 0.1; done
	done
}

case_poller() {
	local p=()
	for _ in $(seq 1 100); do p+=(/poll.json); done
	fetch_keep poller $POLLER --rate 2/s -- "${p[@]}"
}

case_hook() {
	for i in $(seq 1 50); do
		req hook $HOOK -X POST -H 'Content-Type: application/json' \
			-d "{\"event\":\"build\",\"id\":$i}" "$URL/hook"
	done
}

case_reval() {
	local etag lm i
	# a first full GET, then conditional ones
	in_cli curl -s --interface $REVAL -D "$RUN_DIR/reval.head" -o /dev/null "$URL/poll.json"
	etag=$(tr -d '\r' <"$RUN_DIR/reval.head" | sed -n 's/^ETag: //ip')
	lm=$(tr -d '\r' <"$RUN_DIR/reval.head" | sed -n 's/^Last-Modified: //ip')
	for i in $(seq 1 50); do
		if [ $((i % 2)) -eq 0 ]; then
			req reval $REVAL -H "If-None-Match: $etag" "$URL/poll.json"
		else
			req reval $REVAL -H "If-Modified-Since: $lm" "$URL/poll.json"
		fi
	done
}

case_crawler() {
	for i in $(seq 1 40); do req crawler $CRAWLER "$URL/blog/2019/post-$i.html"; done
}

case_internal() {
	for i in $(seq 1 20); do req internal $INTERNAL -u "admin:wrong-$i" "$URL/private/"; done
	sleep 1
	req internal $INTERNAL -u admin:S3cret-pass "$URL/private/"
}

# from an address of their own: the hydra count below is of hydra's refusals
check "nginx answers" sh -c "ip netns exec $CLI_NS curl -sf --interface $PROBE $URL/health | grep -qx ok"
check "nginx asks for a password" sh -c "ip netns exec $CLI_NS curl -s --interface $PROBE -o /dev/null -w '%{http_code}' $URL/private/ | grep -qx 401"

# the long ones in the background, the others in two groups beside them
case_health &
hpid=$!
case_poller &
ppid=$!
t=$SECONDS
pids=()
for c in browser keep hook; do
	"case_$c" &
	pids+=($!)
done
wait "${pids[@]}"
pids=()
for c in reval crawler internal; do
	"case_$c" &
	pids+=($!)
done
wait "${pids[@]}"
log "short clients: $((SECONDS - t)) s"

# --- 9: hydra from a public address while the health checker and the poller go on ---
seq -f "wrong-%g" 1 60 >"$RUN_DIR/passwords"
t0=$(date +%s.%N)
hydra_until_blocked $CLI4 -l admin -P "$RUN_DIR/passwords" -t 4 -w 5 "$SRV4" http-get /private/
tb=$(first_block_at $CLI4)
check "hydra: blocked" blocked $CLI4
check "hydra: HTTPDICT detected" grep -q "\"event_type\":\"detection\".*\"method\":\"HTTPDICT\".*\"src_ip\":\"$CLI4\"" "$RUN_DIR/events.json"
n=$(grep -c "^$CLI4 .* 401 " "$W/access.log")
ms=$(awk -v a="$t0" -v b="${tb:-0}" 'BEGIN { print (b > a) ? int((b - a) * 1000) : 999999 }')
log "hydra: $n refusals (401) reached nginx, blocked $ms ms after hydra started ($(events_about $CLI4 | head -1))"
check "hydra: at most 20 of 60 passwords tried" test "$n" -le 20

wait $hpid $ppid
log "all clients: $((SECONDS - t)) s"

# --- verdicts ---
codes_are() { # CASE COUNT CODE: COUNT requests, every one answered CODE, the last too
	local n bad
	n=$(grep -c . "$RUN_DIR/$1.codes" 2>/dev/null)
	bad=$(grep -cvx "$3" "$RUN_DIR/$1.codes" 2>/dev/null)
	check_eq "$1: $2 requests made" "${n:-0}" "$2"
	check_eq "$1: every request answered $3" "${bad:-0}" 0
	check "$1: the last request answered $3" sh -c "tail -1 $RUN_DIR/$1.codes | grep -qx $3"
}
codes_are browser 303 200
check_never_blocked browser $BROWSER
codes_are keep 505 200
check_eq "keep: 5 loads, 5 connections (keep-alive was used)" "$(awk '{ n += $1 } END { print n + 0 }' "$RUN_DIR/keep.conns")" 5
check_never_blocked keep $KEEP
codes_are health 70 200
check_never_blocked health $HEALTH
codes_are poller 100 200
check_eq "poller: one connection" "$(cat "$RUN_DIR/poller.conns")" 1
check_never_blocked poller $POLLER
codes_are hook 50 204
check_never_blocked hook $HOOK
codes_are reval 50 304
check_never_blocked reval $REVAL
codes_are crawler 40 404
check_never_blocked crawler $CRAWLER
n=$(grep -c . "$RUN_DIR/internal.codes")
check_eq "internal: 21 requests made" "$n" 21
check_eq "internal: 20 refusals" "$(grep -cx 401 "$RUN_DIR/internal.codes")" 20
check "internal: then the right password let in" sh -c "tail -1 $RUN_DIR/internal.codes | grep -qx 200"
ev=$(events_about $INTERNAL)
if blocked $INTERNAL || grep -q '^block' <<<"$ev"; then
	fail "internal: $INTERNAL never blocked (internal networks are exempt from HTTPDICT)" "$(tr '\n' ';' <<<"$ev")"
else
	pass "internal: $INTERNAL never blocked (internal networks are exempt from HTTPDICT)"
fi
[ -n "$ev" ] && log "internal: reported: $(tr '\n' ';' <<<"$ev")"
log "wall time $((SECONDS - T0)) s"

finish
