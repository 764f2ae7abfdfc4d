#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# DICTATTACK against a real PostgreSQL (SCRAM-SHA-256 password logins over
# TCP, one try per connection) in the protected namespace:
#   - psql logging in 10 times with the right password, once after a typo:
#     never blocked;
#   - hydra's postgres module (4 tasks): detected and blocked with fewer than
#     10 tries reaching PostgreSQL;
#   - psql in a loop: the same.
# The tries that reached PostgreSQL are the "password authentication
# failed" lines of its log.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=selftests/e2e/lib_services.sh
. "$(dirname "$0")/lib_services.sh"

setup_topology || exit 1
P=$SVC_DIR/pgsql
PGBIN=$(find /usr/lib/postgresql -maxdepth 2 -name bin | sort -V | tail -1)
as_pg() { setpriv --reuid postgres --regid postgres --init-groups "$@"; }
mkdir -p "$P"
chown postgres: "$P"
as_pg "$PGBIN/initdb" -D "$P/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 -N \
	>"$P/initdb.log" 2>&1 || { cat "$P/initdb.log"; exit 1; }
echo "host all all 192.0.2.0/24 scram-sha-256" >>"$P/data/pg_hba.conf"
bg_srv setpriv --reuid postgres --regid postgres --init-groups "$PGBIN/postgres" -D "$P/data" \
	-c listen_addresses="$SRV4" -c unix_socket_directories="$P" -c fsync=off \
	-c shared_buffers=16MB 2>"$P/postgres.log"
wait_listen 5432 postgres || exit 1
in_srv setpriv --reuid postgres --regid postgres --init-groups "$PGBIN/psql" -qh "$P" -U postgres \
	-c "CREATE USER alice PASSWORD '$SVC_PW'" >/dev/null || exit 1
svc_agent || exit 1

pg_refusals() { grep -c 'password authentication failed for user "alice"' "$P/postgres.log"; }
# shellcheck disable=SC2016 # $PW is the inner shell's (see lib_services.sh)
login='PGPASSWORD=$PW '$PGBIN'/psql -w -h '$SRV4' -U alice -d postgres -qAtc "select 1" | grep -q 1'

svc_attacks postgres "$login" pg_refusals "postgres://$SRV4" -l alice

finish
