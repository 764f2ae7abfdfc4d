#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Login tries sent as IP fragments, against a real nginx with HTTP basic
# auth: a scapy client (frag_http.py) whose every request leaves as a first
# fragment holding only the TCP header, and a later fragment with the whole
# request; its own kernel, which knows nothing of the connection, is
# kept quiet by an nft rule in its namespace dropping its RSTs.
#   1. wrong passwords over one kept-alive connection: HTTPDICT detected and
#      blocked at the configured threshold (5 tries; fewer than 10 reach
#      nginx); the later fragments counted in the connection's flow;
#   2. a client logging in right, its requests fragmented the same way, a
#      few times over: never blocked.
# The tries that reached nginx are printed as "# " lines.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=selftests/e2e/lib_inject.sh
. "$(dirname "$0")/lib_inject.sh"

PY=/usr/bin/python3 # the distribution's: scapy
GOOD=192.0.2.5

setup_topology || exit 1
in_cli ip addr add "$GOOD/24" dev "$CLI_IF"
# scapy's connections are unknown to the client's kernel: its RSTs would
# end them (scapy sends through a packet socket, past this hook)
in_cli nft -f - <<NFT
table inet mwtest_frag {
	chain out { type filter hook output priority 0; policy accept; tcp dport 8080 tcp flags rst drop; }
}
NFT
W=$RUN_DIR/www
nginx_basic_auth "$W" 8080 S3cret-pass || exit 1
# 5 tries: HTTP's default is 10, so that the block would come only at the
# 10th; the point here is that fragmented tries count one for one
printf '[flows]\nscan_interval = 500ms\n[dict]\nhttp_attempts = 5\n' >"$RUN_DIR/frag.conf"
start_agent -c "$RUN_DIR/frag.conf" || exit 1

refused() { grep -c "^$1 .* 401 " "$W/access.log"; }

# --- 1. wrong passwords, every request in two fragments ---
in_cli "$PY" "$(dirname "$0")/frag_http.py" "$SRV4" 8080 "$CLI4" "$CLI_IF" 30 wrong- \
	>"$RUN_DIR/frag1.out" 2>"$RUN_DIR/frag1.err"
wait_until 5 blocked "$CLI4"
n=$(refused "$CLI4")
log "fragments: $n refused requests reached nginx (answers: $(sort "$RUN_DIR/frag1.out" | uniq -c | tr -s ' \n' ' '))"
check "fragments: nginx answered the fragmented requests (401)" test "$n" -ge 1
check "fragments: the later fragments counted in their flow" test "$(counter fragments_attributed)" -ge "$n"
check "fragments: HTTPDICT detected" grep -q "detection: .*\"method\":\"HTTPDICT\".*\"src_ip\":\"$CLI4\"" "$RUN_DIR/agent.log"
check "fragments: blocked" blocked "$CLI4"
check "fragments: fewer than 10 tries reached nginx" test "$n" -lt 10
check "fragments: every fragmented try counted (blocked by the 6th)" test "$n" -le 6

# --- 2. the right password, fragmented the same way ---
for _ in 1 2 3; do
	in_cli "$PY" "$(dirname "$0")/frag_http.py" "$SRV4" 8080 "$GOOD" "$CLI_IF" 2 S3cret-pass \
		>>"$RUN_DIR/frag2.out" 2>>"$RUN_DIR/frag2.err"
done
check_eq "good client: its 6 fragmented logins answered 200" "$(grep -c '^200$' "$RUN_DIR/frag2.out")" 6
# scapy's connections are never closed (its kernel knows nothing of them)
check_never_blocked "good client" "$GOOD" held

finish
