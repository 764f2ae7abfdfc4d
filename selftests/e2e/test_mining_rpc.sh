#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Mining that talks to a node or over WebSocket (issue 20), end to end, one
# agent start. Nodes on the "internet" (python's http.server answering as
# bitcoind and monerod do) and the protected host's clients: curl as
# bitcoin-cli sends getblocktemplate, a solo miner's submitblock with its
# body in the segment after the headers (as libcurl-based miners send it),
# curl as xmrig's daemon mode sends Monero's get_block_template to
# /json_rpc: each is BPATTERNS with its dialect and "transport":"http", and
# the node the host opened the connection to is blocked. A WebSocket pool
# (RFC 6455 by hand): the miner's masked mining.subscribe, and a pool whose
# 101 reply carries its first mining.notify: "transport":"websocket".
# Benign beside them, never reported: JSON-RPC POSTs that mine nothing (an
# Ethereum node's eth_blockNumber, getblockchaininfo to a Bitcoin node) and
# a WebSocket JSON chat both ways. An outsider posting getblocktemplate and
# submitblock to the host's own web server (a flow it opened, not the host):
# no event at all (a node's RPC asked of this host is the node's business).
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
HELPER=$(dirname "$0")/mining_rpc.py
events_for() { grep '"method":"BPATTERNS"' "$RUN_DIR/events.json" | grep "\"dest_ip\":\"$1\""; }
export RUN_DIR
export -f events_for

setup_topology || exit 1
BTC=203.0.113.61 BTC_SPLIT=203.0.113.62 XMR=203.0.113.63 WS_POOL=203.0.113.64
WS_PUSH=203.0.113.65 ETH_NODE=203.0.113.66 BTC_QUERY=203.0.113.67 WS_CHAT=203.0.113.68
OUTSIDER=203.0.113.69
BENIGN=("$ETH_NODE" "$BTC_QUERY" "$WS_CHAT")
for a in $BTC $BTC_SPLIT $XMR $WS_POOL $WS_PUSH "${BENIGN[@]}" $OUTSIDER; do
	in_cli ip addr add "$a/32" dev "$CLI_IF"
done
in_srv ip route add 203.0.113.0/24 via "$CLI4"
bg_cli $PY "$HELPER" serve "$RUN_DIR/servers.up" btc=$BTC:8332 btc=$BTC_SPLIT:8332 \
	xmr=$XMR:18081 wspool=$WS_POOL:8080 wspush=$WS_PUSH:8080 btc=$ETH_NODE:8545 \
	btc=$BTC_QUERY:8332 wschat=$WS_CHAT:8080
wait_until 5 test -f "$RUN_DIR/servers.up"
# the host's own web server, for the outsider
bg_srv $PY -m http.server --bind $SRV4 8000 --directory "$RUN_DIR"
wait_listening srv tcp 8000
# shellcheck disable=SC2119 # the shipped configuration: no options
start_agent || exit 1

# --- a node's mining RPC over HTTP ---------------------------------------
rpc() { # ADDR:PORT/PATH BODY: curl as bitcoin-cli posts it
	in_srv curl -s -m 3 --user miner:secret -H 'content-type: text/plain;' \
		--data-binary "$2" "http://$1" >>"$RUN_DIR/curl.log" 2>&1
}
# the miners' requests: their answers may never come (the node is blocked
# as soon as the request is read); the detections below are what counts
rpc $BTC:8332/ '{"jsonrpc":"1.0","id":"curltest","method":"getblocktemplate","params":[{"rules":["segwit"]}]}'
rpc $XMR:18081/json_rpc '{"jsonrpc":"2.0","id":"0","method":"get_block_template","params":{"wallet_address":"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A","reserve_size":60}}'
# a solo miner's submitblock: the headers, then the body in a segment of its own
in_srv $PY -c '
import socket, sys, time
body = b"{\"id\":2,\"method\":\"submitblock\",\"params\":[\"" + b"00" * 80 + b"\"]}"
s = socket.create_connection((sys.argv[1], 8332), timeout=3)
s.sendall(b"POST / HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
time.sleep(0.3)
s.sendall(body)
' $BTC_SPLIT >>"$RUN_DIR/curl.log" 2>&1

# benign: JSON-RPC that mines nothing, answered by the same nodes
check "curl: eth_blockNumber answered" \
	rpc $ETH_NODE:8545/ '{"jsonrpc":"2.0","method":"eth_blockNumber","params":[],"id":1}'
check "curl: getblockchaininfo answered" \
	rpc $BTC_QUERY:8332/ '{"jsonrpc":"1.0","id":"curltest","method":"getblockchaininfo","params":[]}'
check "the node's answers: bitcoind's JSON-RPC replies" \
	bash -c "grep -q '\"result\": \"0x4b7\"' '$RUN_DIR/curl.log' && grep -q '\"chain\": \"main\"' '$RUN_DIR/curl.log'"

check_within 3 "getblocktemplate: BPATTERNS solo-btc over http" \
	bash -c "events_for $BTC | grep '\"dialect\":\"solo-btc\"' | grep '\"transport\":\"http\"' | grep -q '\"message\":\"getblocktemplate\"'"
check "getblocktemplate: the process (curl), the host's verified connection" \
	bash -c "events_for $BTC | grep '\"comm\":\"curl\"' | grep -q '\"evidence\":\"host-opened, tcp-handshake\"'"
check_within 3 "getblocktemplate: the node is blocked" blocked $BTC
check_within 3 "get_block_template: BPATTERNS monero-daemon over http" \
	bash -c "events_for $XMR | grep '\"dialect\":\"monero-daemon\"' | grep -q '\"transport\":\"http\"'"
check_within 3 "submitblock, its body after the headers: solo-btc over http" \
	bash -c "events_for $BTC_SPLIT | grep '\"message\":\"submitblock\"' | grep -q '\"transport\":\"http\"'"

# --- Stratum over WebSocket -----------------------------------------------
in_srv $PY "$HELPER" ws $WS_POOL 8080 '{"id":1,"method":"mining.subscribe","params":["cpuminer-ws/1.0"]}' \
	2>>"$RUN_DIR/ws.log" &
bg_pid $!
in_srv $PY "$HELPER" ws $WS_PUSH 8080 2>>"$RUN_DIR/ws.log" &
bg_pid $!
in_srv $PY "$HELPER" ws $WS_CHAT 8080 '{"type":"chat","text":"hello"}' >"$RUN_DIR/chat.out" \
	2>>"$RUN_DIR/ws.log" &
bg_pid $!
check_within 3 "the miner's masked mining.subscribe: BPATTERNS over websocket" \
	bash -c "events_for $WS_POOL | grep '\"message\":\"mining.subscribe\"' | grep '\"sent_by\":\"client\"' | grep -q '\"transport\":\"websocket\"'"
check_within 3 "the WebSocket pool is blocked" blocked $WS_POOL
check_within 3 "the pool's mining.notify riding on its 101 reply: over websocket, sent by the pool" \
	bash -c "events_for $WS_PUSH | grep '\"message\":\"mining.notify\"' | grep '\"sent_by\":\"pool\"' | grep -q '\"transport\":\"websocket\"'"
check_within 3 "the chat: the server's JSON frame answers the client's" \
	grep -q '"text": "hi hello"' "$RUN_DIR/chat.out"

# --- an outsider's mining RPC to the host's web server ------------------------
# in one segment (curl), and its body in a segment of its own
in_cli curl -s -m 2 --interface $OUTSIDER -o /dev/null --data-binary \
	'{"jsonrpc":"1.0","id":1,"method":"getblocktemplate","params":[{"rules":["segwit"]}]}' \
	"http://$SRV4:8000/" || true
in_cli $PY -c '
import socket, sys, time
body = b"{\"id\":2,\"method\":\"submitblock\",\"params\":[\"" + b"00" * 80 + b"\"]}"
s = socket.create_connection((sys.argv[1], 8000), timeout=2, source_address=(sys.argv[2], 0))
s.sendall(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n" % len(body))
time.sleep(0.3)
s.sendall(body)
s.recv(4096)
' $SRV4 $OUTSIDER >>"$RUN_DIR/curl.log" 2>&1

# --- false positives ---------------------------------------------------------
agent_sync
outsider=$(grep '"method":"BPATTERNS"' "$RUN_DIR/events.json" | grep -c "\"$OUTSIDER\"")
# a node's RPC asked of this host is the node's business, and anybody can
# post one: no event, whether the body rides with the headers or alone
log "an outsider's getblocktemplate and submitblock to the host's web server: $outsider events"
check_eq "the outsider's RPC: no event" "$outsider" 0
check "the outsider's RPC: none of its events says host-opened or names a process of the host" \
	bash -c "! grep '\"method\":\"BPATTERNS\"' '$RUN_DIR/events.json' | grep '\"$OUTSIDER\"' |
		grep -q -e 'host-opened' -e '\"process\":{'"
check_eq "the outsider's RPC: nothing blocked (no block of what the remote opened)" \
	"$(mw blocks -j | grep -c "\"$OUTSIDER\"")" 0
fp=0
for a in "${BENIGN[@]}"; do
	n=$(grep -c "\"dest_ip\":\"$a\"" "$RUN_DIR/events.json")
	fp=$((fp + n))
done
log "benign exchanges reported: $fp (eth_blockNumber, getblockchaininfo, a WebSocket chat)"
check_eq "benign JSON-RPC and WebSocket chat: false positives" "$fp" 0
check_eq "benign: nothing of theirs blocked" \
	"$(mw blocks -j | grep -cE "$ETH_NODE|$BTC_QUERY|$WS_CHAT")" 0

finish
