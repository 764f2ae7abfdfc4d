#!/bin/bash
# shellcheck disable=SC2034 # SVC_* are for the test scripts
# SPDX-License-Identifier: GPL-2.0-only
# lib_services.sh - helpers for the tests that attack real clear-text
# servers from Debian (Redis, MariaDB, PostgreSQL, Dovecot): each server runs
# in the protected namespace with its own data directory, configuration and
# logs under the run directory (never the host's instance or ports). Source
# after lib.sh.
#
# Each suite: a benign client (correct logins and one typo) from BENIGN4,
# then attacks, each from its own address: the client namespace's connected
# route picks the source (use_source), so that any client tool can be used.

SVC_DIR=$RUN_DIR/svc
BENIGN4=192.0.2.60
mkdir -p "$SVC_DIR"
chmod 755 "$RUN_DIR" "$SVC_DIR"

# use_source ADDR: the client namespace's connections to the server go out
# from ADDR (added to its veth the first time).
use_source() {
	in_cli ip -4 addr show dev "$CLI_IF" | grep -q "inet $1/" ||
		in_cli ip addr add "$1/24" dev "$CLI_IF"
	in_cli ip route replace 192.0.2.0/24 dev "$CLI_IF" src "$1"
}

# wait_listen PORT NAME: waits until the protected host listens on PORT.
wait_listen() {
	wait_until 30 listening srv tcp "$1" && return 0
	echo "$2 did not start on port $1" >&2
	return 1
}

# svc_agent: the agent with flows scanned often (a connection's end is read soon).
svc_agent() {
	printf '[flows]\nscan_interval = 500ms\n' >"$RUN_DIR/svc.conf"
	start_agent -c "$RUN_DIR/svc.conf"
}

# detected ADDR: a DICTATTACK detection names ADDR.
detected() { events_about "$1" | grep -q '^detection DICTATTACK '; }

# settled TRIES-FN: what TRIES-FN prints once it has not changed for 2 s
# (20 s at most): a password sent before the block may be checked later
# (Dovecot delays the tries of an address that failed before).
settled() {
	local n last=-1 same=0 end=$((SECONDS + 20))
	while [ "$same" -lt 4 ] && [ "$SECONDS" -lt "$end" ]; do
		n=$($1)
		if [ "$n" = "$last" ]; then same=$((same + 1)); else same=0; fi
		last=$n
		sleep 0.5
	done
	echo "$last"
}

# check_attack NAME ADDR TRIES-FN BEFORE: ADDR was detected as DICTATTACK
# and blocked, and the tries the server counted since BEFORE are below 10.
check_attack() {
	local n
	wait_until 5 detected "$2"
	check "$1: DICTATTACK detected" detected "$2"
	check "$1: blocked" blocked "$2"
	n=$(($(settled "$3") - $4))
	log "$1: $n tries reached the server before the block"
	check "$1: fewer than 10 tries reached the server" test "$n" -lt 10
}

# hydra_attack NAME ADDR TRIES-FN HYDRA-ARGS...: hydra from ADDR until it is
# blocked; TRIES-FN prints the refusals the server counted so far.
hydra_attack() {
	local name=$1 addr=$2 fn=$3 before
	shift 3
	use_source "$addr"
	before=$($fn)
	hydra_until_blocked "$addr" "$@"
	check_attack "$name" "$addr" "$fn" "$before"
	[ "$FAILED" -eq 0 ] || log "hydra: $(tail -5 "$RUN_DIR/hydra.out" | tr '\n' ';')"
}

# loop_attack NAME ADDR TRIES-FN CMD...: CMD (one login with the wrong
# password "$PW", one connection) from ADDR, again and again with another
# password until ADDR is blocked (20 at most).
loop_attack() {
	local name=$1 addr=$2 fn=$3 before i
	shift 3
	use_source "$addr"
	before=$($fn)
	for i in $(seq 1 20); do
		blocked "$addr" && break
		PW=wrong-$i in_cli timeout 5 "$@" >/dev/null 2>&1
	done
	check_attack "$name" "$addr" "$fn" "$before"
}

# benign NAME CMD...: from BENIGN4, CMD logs in with the right password
# ("$PW") 10 times, once after a typo: never blocked, no detection.
benign() {
	local name=$1 i ok=0
	shift
	use_source $BENIGN4
	for i in $(seq 1 10); do
		[ "$i" = 4 ] && PW=$SVC_TYPO in_cli timeout 10 "$@" >/dev/null 2>&1
		PW=$SVC_PW in_cli timeout 10 "$@" >/dev/null 2>&1 && ok=$((ok + 1))
	done
	check_eq "$name: the right password logs in 10 times" "$ok" 10
	check_never_blocked "$name" $BENIGN4
}

# start_dovecot PROTOCOLS [CONFIG-LINE...]: a Dovecot serving PROTOCOLS
# ("imap pop3", or "none": its auth service only, for Postfix's SASL at
# $DOVECOT_DIR/auth-client) on $SRV4, user alice with $SVC_PW (a
# passwd-file), each refusal logged ("Password mismatch"). Its auth penalty
# (up to 15 s more for each try of an address that failed before) is off, as
# Dovecot's documentation says to do, so that the suites stay short; the
# 2-s delay of each refusal (auth_failure_delay) stays.
DOVECOT_DIR=$SVC_DIR/dovecot
start_dovecot() {
	local d=$DOVECOT_DIR
	mkdir -p "$d/home"
	chown nobody:nogroup "$d/home"
	echo "alice:{PLAIN}$SVC_PW:65534:65534::$d/home/alice" >"$d/passwd"
	cat >"$d/dovecot.conf" <<-CONF
		base_dir = $d/run
		state_dir = $d/state
		log_path = $d/dovecot.log
		protocols = $1
		listen = $SRV4
		ssl = no
		disable_plaintext_auth = no
		auth_verbose = yes
		auth_mechanisms = plain login
		mail_location = maildir:~/Maildir
		passdb {
		  driver = passwd-file
		  args = $d/passwd
		}
		userdb {
		  driver = passwd-file
		  args = $d/passwd
		}
		service auth {
		  unix_listener $d/auth-client {
		    mode = 0666
		  }
		}
		service anvil {
		  unix_listener anvil-auth-penalty {
		    mode = 0
		  }
		}
	CONF
	shift
	printf '%s\n' "$@" >>"$d/dovecot.conf"
	bg_srv dovecot -F -c "$d/dovecot.conf"
}

# dovecot_refusals: the refused passwords Dovecot checked so far.
dovecot_refusals() { grep -c "passwd-file(alice,.*Password mismatch" "$DOVECOT_DIR/dovecot.log"; }

# start_postfix: a Postfix on $SRV4:25 that offers SMTP AUTH through the
# Dovecot above (start_dovecot first), with its own configuration and
# queue; chroot off, so that it needs no copy of the host's files.
POSTFIX_DIR=$SVC_DIR/postfix
start_postfix() {
	local p=$POSTFIX_DIR s
	mkdir -p "$p/conf" "$p/queue" "$p/data"
	chown postfix: "$p/data"
	cat >"$p/conf/main.cf" <<-CONF
		compatibility_level = 3.6
		queue_directory = $p/queue
		data_directory = $p/data
		maillog_file = $p/maillog
		maillog_file_prefixes = $p
		inet_interfaces = $SRV4
		inet_protocols = ipv4
		myhostname = mail.example.org
		mydestination =
		alias_maps =
		alias_database =
		mynetworks = 127.0.0.0/8
		smtpd_tls_security_level = none
		smtpd_sasl_auth_enable = yes
		smtpd_sasl_type = dovecot
		smtpd_sasl_path = $DOVECOT_DIR/auth-client
		smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
	CONF
	for s in "smtp inet n - n - - smtpd" "postlog unix-dgram n - n - 1 postlogd" \
		"anvil unix - - n - 1 anvil" "proxymap unix - - n - - proxymap" \
		"rewrite unix - - n - - trivial-rewrite" "cleanup unix n - n - 0 cleanup" \
		"qmgr unix n - n 300 1 qmgr" "pickup unix n - n 60 1 pickup" \
		"bounce unix - - n - 0 bounce" "defer unix - - n - 0 bounce" \
		"trace unix - - n - 0 bounce" "error unix - - n - - error" \
		"retry unix - - n - - error" "scache unix - - n - 1 scache" \
		"tlsmgr unix - - n 1000? 1 tlsmgr" "verify unix - - n - 1 verify" \
		"showq unix n - n - - showq" "flush unix n - n 1000? 0 flush"; do
		echo "$s"
	done >"$p/conf/master.cf"
	bg_srv postfix -c "$p/conf" start-fg
}

# typo_then_login NAME ADDR CMD...: CMD makes one connection in which a typo
# ("$TYPO") is refused, then the right password ("$PW") logs in (CMD fails
# otherwise); 4 times from ADDR, more typos than the threshold (3): the
# recognised logins take them back, ADDR is never blocked.
typo_then_login() {
	local name=$1 addr=$2 i ok=0
	shift 2
	use_source "$addr"
	for i in 1 2 3 4; do
		TYPO=$SVC_TYPO PW=$SVC_PW in_cli timeout 10 "$@" >"$RUN_DIR/typo.out" 2>&1 && ok=$((ok + 1))
	done
	check_eq "$name: a typo then the right password, in one connection, 4 times" "$ok" 4
	[ "$ok" = 4 ] || log "$(tail -3 "$RUN_DIR/typo.out")"
	check_never_blocked "$name" "$addr"
}

# svc_attacks NAME LOGIN TRIES-FN URL [HYDRA-ARGS...]: the checks of a
# service whose clients log in once per connection with the shell command
# LOGIN ("$PW" its password): it logs in; a benign client; hydra on URL
# (41 passwords, the right one last); LOGIN in a loop from another address.
svc_attacks() {
	local name=$1 login=$2 fn=$3 url=$4
	shift 4
	use_source $BENIGN4
	check "$name answers the right password" env PW="$SVC_PW" ip netns exec "$CLI_NS" sh -c "$login"
	benign "$name client" sh -c "$login"
	seq -f "wrong-%g" 1 40 >"$RUN_DIR/passwords"
	echo "$SVC_PW" >>"$RUN_DIR/passwords"
	hydra_attack "hydra $name" "$CLI4" "$fn" "$@" -P "$RUN_DIR/passwords" -t 4 -w 5 "$url"
	loop_attack "$name loop" 192.0.2.61 "$fn" sh -c "$login"
}

SVC_PW=Right-Pass-42
SVC_TYPO=Right-Pass-24
