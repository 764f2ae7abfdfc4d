#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# DICTATTACK against a real MariaDB (password logins over TCP, one try per
# connection) in the protected namespace:
#   - the mariadb client logging in 10 times with the right password, once
#     after a typo: never blocked;
#   - hydra's mysql module (4 tasks): detected and blocked with fewer than 10
#     tries reaching MariaDB;
#   - the mariadb client in a loop: the same.
# The tries that reached MariaDB are its own count, Access_denied_errors.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=selftests/e2e/lib_services.sh
. "$(dirname "$0")/lib_services.sh"

setup_topology || exit 1
M=$SVC_DIR/mysql
mkdir -p "$M"
chown mysql: "$M"
mariadb-install-db --no-defaults --datadir="$M/data" --user=mysql --auth-root-authentication-method=normal \
	--skip-test-db --skip-name-resolve >"$M/install.log" 2>&1 || { cat "$M/install.log"; exit 1; }
bg_srv mariadbd --no-defaults --datadir="$M/data" --user=mysql --socket="$M/sock" --pid-file="$M/pid" \
	--bind-address="$SRV4" --port=3306 --skip-name-resolve --log-error="$M/error.log" \
	--innodb-buffer-pool-size=16M --skip-log-bin --open-files-limit=1024 2>"$M/stderr.log"
wait_listen 3306 mariadbd || exit 1
sql() { in_srv mariadb --no-defaults -S "$M/sock" -uroot -Nse "$1"; }
sql "CREATE USER alice@'%' IDENTIFIED BY '$SVC_PW'" || exit 1
svc_agent || exit 1

mysql_refusals() { sql "SHOW GLOBAL STATUS LIKE 'Access_denied_errors'" | awk '{ print $2 }'; }
# shellcheck disable=SC2016 # $PW is the inner shell's (see lib_services.sh)
login='mariadb --no-defaults --connect-timeout=4 -h '$SRV4' -ualice -p"$PW" -Nse "select 1" | grep -q 1'

svc_attacks mysql "$login" mysql_refusals "mysql://$SRV4" -l alice

finish
