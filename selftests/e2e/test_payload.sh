#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Payload matching that one byte cannot defeat (issue 16, item 7). Live, from
# the protected host to the "internet" namespace: an XMRig login sent after a
# newline, one first sent in the client's third data packet, and one whose
# '{' goes alone in its first segment, are each detected as BPATTERNS and
# their pools blocked; a ClientHello split in two segments before its SNI (a
# listed pool name), toward a real openssl s_server, is detected as
# BLACKLIST by SNI and the server blocked, also when 300 flows that start a
# ClientHello and never finish it come between its two segments (its slot
# is taken: the second segment is searched for the name). Benign: a normal
# HTTPS client (curl), a ClientHello split the same way to an unlisted name,
# and a JSON API client whose bodies start with whitespace are not flagged.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=selftests/e2e/lib_payload.sh
. "$(dirname "$0")/lib_payload.sh"

POOL_NL=203.0.113.71  # Stratum after a newline
POOL_3RD=203.0.113.72 # Stratum in the third data packet
TLS_BAD=203.0.113.73  # reached as a listed pool name, ClientHello split
TLS_OK=203.0.113.74   # an ordinary HTTPS server
API=203.0.113.75      # a JSON API
TLS_ODD=203.0.113.76  # reached as an unlisted name, ClientHello split
TLS_BAD2=203.0.113.77 # a listed name again, after a flood of unfinished ClientHellos
SINK=203.0.113.78     # where the flood goes
POOL_BYTE=203.0.113.79 # Stratum whose first segment is its '{' alone
BAD_NAME=at01.supportxmr.com  # listed by coinblockerlists
BAD_NAME2=at02.supportxmr.com # listed by coinblockerlists

setup_topology || exit 1
for a in $POOL_NL $POOL_3RD $TLS_BAD $TLS_OK $API $TLS_ODD $TLS_BAD2 $SINK $POOL_BYTE; do
	in_cli ip addr add "$a/32" dev "$CLI_IF"
done
in_srv ip route add 203.0.113.0/24 via "$CLI4"

for a in $POOL_NL $POOL_3RD $API $SINK $POOL_BYTE; do
	bg_cli python3 "$PAYLOAD_POOL" "$a" 3333 "$RUN_DIR/up.$a"
done
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=pool -days 1 \
	-keyout "$RUN_DIR/tls.key" -out "$RUN_DIR/tls.crt" >/dev/null 2>&1
for a in $TLS_BAD $TLS_OK $TLS_ODD $TLS_BAD2; do
	bg_cli openssl s_server -quiet -www -accept "$a:443" -cert "$RUN_DIR/tls.crt" -key "$RUN_DIR/tls.key"
done
check "the servers are up" wait_until 10 bash -c "[ -f $RUN_DIR/up.$POOL_NL ] && [ -f $RUN_DIR/up.$POOL_3RD ] && [ -f $RUN_DIR/up.$API ] &&
	[ -f $RUN_DIR/up.$SINK ] && [ -f $RUN_DIR/up.$POOL_BYTE ] && [ \$(ip netns exec $CLI_NS ss -Htln 'sport = :443' | wc -l) -eq 4 ]"

cat >"$RUN_DIR/payload.conf" <<CONF
[agent]
metrics = 127.0.0.1:$PAYLOAD_METRICS_PORT
[blacklist]
lists = $DATA/blocklists/coinblockerlists/list.txt
CONF
start_agent -c "$RUN_DIR/payload.conf" || exit 1

# each client is python3 under a miner's name, as the real program would be
mkdir -p "$RUN_DIR/bin"
ln -sf "$(readlink -f /usr/bin/python3)" "$RUN_DIR/bin/xmrig"
ln -sf "$(readlink -f /usr/bin/python3)" "$RUN_DIR/bin/apiclient"
LOGIN='{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A","pass":"x","agent":"XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0","algo":["rx/0"]}}\n'

# --- Stratum after a newline, and in the third data packet ----------------
in_srv "$RUN_DIR/bin/xmrig" "$PAYLOAD_LINES" $POOL_NL 3333 "\n$LOGIN" >"$RUN_DIR/nl.out" 2>&1 &
bg_pid $!
in_srv "$RUN_DIR/bin/xmrig" "$PAYLOAD_LINES" $POOL_3RD 3333 'HELLO\n' 'PING\n' "$LOGIN" \
	>"$RUN_DIR/third.out" 2>&1 &
bg_pid $!
check "Stratum after a newline: detected as BPATTERNS" \
	wait_until 10 payload_events BPATTERNS $POOL_NL
check "  as XMRig's login, by the process xmrig, on the host's verified flow" bash -c \
	"grep '\"method\":\"BPATTERNS\"' $RUN_DIR/events.json | grep '\"dest_ip\":\"$POOL_NL\"' | grep 'XMRig/6.21.0' | grep '\"comm\":\"xmrig\"' | grep -q '\"evidence\":\"host-opened, tcp-handshake\"'"
check "  its pool blocked" wait_until 5 blocked $POOL_NL
check "Stratum in the third data packet: detected as BPATTERNS" \
	wait_until 10 payload_events BPATTERNS $POOL_3RD
check "  its pool blocked" wait_until 5 blocked $POOL_3RD
check "  the two lines before it were sent and answered first (a third segment)" \
	grep -q "answer 2" "$RUN_DIR/third.out"
in_srv "$RUN_DIR/bin/xmrig" "$PAYLOAD_LINES" $POOL_BYTE 3333 '{' "${LOGIN#\{}" \
	>"$RUN_DIR/byte.out" 2>&1 &
bg_pid $!
check "Stratum whose '{' goes alone first: detected as BPATTERNS" \
	wait_until 10 payload_events BPATTERNS $POOL_BYTE
check "  its pool blocked" wait_until 5 blocked $POOL_BYTE
check "  the line was reassembled (metrics: one json message completed)" bash -c \
	"[ \"\$(payload_metric 'minewall_reassembly_total{kind=\"json\",outcome=\"completed\"}')\" -ge 1 ]"

# --- a ClientHello split before its SNI -----------------------------------
in_srv /usr/bin/python3 "$PAYLOAD_TLS" $TLS_BAD 443 $BAD_NAME >"$RUN_DIR/tls_bad.out" 2>&1
check "the split ClientHello: two segments, the first without the name" \
	grep -qE 'hello [0-9]+ bytes, cut at [0-9]+' "$RUN_DIR/tls_bad.out"
check "  detected as BLACKLIST by its SNI $BAD_NAME" wait_until 5 bash -c \
	"grep '\"method\":\"BLACKLIST\"' $RUN_DIR/events.json | grep '\"dest_ip\":\"$TLS_BAD\"' | grep '\"match\":\"sni\"' | grep -q '$BAD_NAME'"
check "  the server blocked" wait_until 5 blocked $TLS_BAD

# --- a real ClientHello's first segment, then 300 flows that start one and
# never finish it (its slot is taken), then its second segment --------------
in_srv /usr/bin/python3 "$PAYLOAD_TLS" $TLS_BAD2 443 $BAD_NAME2 "$RUN_DIR/flood.done" \
	>"$RUN_DIR/tls_bad2.out" 2>&1 &
bg_pid $!
check "a real ClientHello: its first segment sent" wait_until 10 grep -q hello "$RUN_DIR/tls_bad2.out"
in_srv /usr/bin/python3 "$PAYLOAD_TLS_FLOOD" $SINK 3333 300 >"$RUN_DIR/flood.out" 2>&1 &
bg_pid $!
check "300 unfinished ClientHellos sent" wait_until 20 grep -q "sent 300" "$RUN_DIR/flood.out"
check "  the reassembly table gave way: its oldest evicted (counted)" wait_until 5 bash -c \
	"[ \"\$(payload_metric 'minewall_reassembly_total{kind=\"tls\",outcome=\"evicted\"}')\" -ge 45 ]"
check "  and holds at most 256" bash -c \
	"[ \"\$(payload_metric 'minewall_reassembly_pending{kind=\"tls\"}')\" -le 256 ]"
touch "$RUN_DIR/flood.done"
check "the real ClientHello's second segment: its SNI $BAD_NAME2 still read" \
	wait_until 5 bash -c "payload_events BLACKLIST $TLS_BAD2 | grep -q '$BAD_NAME2'"
check "  the server blocked" wait_until 5 blocked $TLS_BAD2
check_never_blocked "the flood's destination (a host-opened flow, no name)" $SINK held

# --- benign ----------------------------------------------------------------
check "curl over HTTPS to an ordinary server works" \
	in_srv curl -sk --max-time 5 -o /dev/null "https://$TLS_OK/"
in_srv /usr/bin/python3 "$PAYLOAD_TLS" $TLS_ODD 443 www.example.org >"$RUN_DIR/tls_odd.out" 2>&1
check "a ClientHello split the same way to an unlisted name completes" \
	grep -q "handshake done" "$RUN_DIR/tls_odd.out"
in_srv "$RUN_DIR/bin/apiclient" "$PAYLOAD_LINES" $API 3333 \
	'\n  {"jsonrpc":"2.0","method":"eth_blockNumber","params":[],"id":1}\n' \
	'\r\n{"login":"alice","pass":"secret"}\n' \
	' \t{"method":"submit","params":{"form":"contact"}}\n' >"$RUN_DIR/api.out" 2>&1
check "the JSON API client was answered" grep -q answered "$RUN_DIR/api.out"
# check_never_blocked waits for their connections' ends to be read; DIRNET,
# learning, reports a first connection to a pool port (the API's 3333) by
# design: what must stay clean here is what the payloads are read as
for a in $TLS_OK $TLS_ODD $API; do
	check_never_blocked "benign" "$a"
	check_fails "  no payload detection (BPATTERNS, BLACKLIST) names $a" bash -c "grep '\"event_type\":\"detection\"' $RUN_DIR/events.json | grep -v '\"method\":\"DIRNET\"' | grep -q '\"dest_ip\":\"$a\"'"
done
for a in $TLS_OK $TLS_ODD; do
	check_fails "  nor DIRNET: port 443 is learned (the flood to one place is no fan-out)" bash -c "grep '\"method\":\"DIRNET\"' $RUN_DIR/events.json | grep -q '\"dest_ip\":\"$a\"'"
done

finish
