#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# DICTATTACK against a real Redis (requirepass) in the protected namespace:
#   - a client logging in 10 times with the right password, once after a
#     typo: never blocked;
#   - hydra's redis module (several AUTHs per connection, 4 tasks): detected
#     and blocked with fewer than 10 tries reaching Redis;
#   - redis-cli in a loop, one AUTH per connection: the same;
#   - socat sending AUTH and its FIN at once, in a loop: the same.
# The tries that reached Redis are its own count of refused AUTHs (ACL LOG).
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=selftests/e2e/lib_services.sh
. "$(dirname "$0")/lib_services.sh"

setup_topology || exit 1
R=$SVC_DIR/redis
mkdir -p "$R"
chown redis: "$R"
bg_srv setpriv --reuid redis --regid redis --init-groups redis-server --bind "$SRV4 127.0.0.1" --port 6379 --requirepass "$SVC_PW" \
	--dir "$R" --logfile "$R/redis.log" --save '' --appendonly no --daemonize no \
	--acllog-max-len 1024
wait_listen 6379 redis-server || exit 1
svc_agent || exit 1

# refused AUTHs: Redis logs each in its ACL LOG, alike ones in one entry with a count
redis_refusals() {
	in_srv redis-cli --no-auth-warning -a "$SVC_PW" acl log 1024 |
		awk 'prev == "count" { n += $1 } { prev = $1 } END { print n + 0 }'
}
login="redis-cli -h $SRV4 --no-auth-warning -a \"\$PW\" ping | grep -q PONG"

svc_attacks redis "$login" redis_refusals "redis://$SRV4"
# AUTH and the client's FIN together, Redis's refusal and its own FIN back:
# the refusal is read from the request's burst, not lost with the flow's end
# shellcheck disable=SC2016
loop_attack "redis AUTH then FIN" 192.0.2.63 redis_refusals \
	sh -c 'printf "AUTH %s\r\n" "$PW" | socat -t 2 - TCP4:'$SRV4':6379'

finish
