#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Enforcement with the real nftables of the protected namespace: blocked
# addresses cannot connect (TCP, UDP, IPv4, IPv6) while others can, the host
# cannot reach a blocked destination, timeouts expire, bans escalate, the
# allowlist wins, the cap holds, blocks survive restarts and SIGKILL, a
# deleted table is healed, another table's accept does not undo a drop, an
# established SSH session's peer is never blocked, the XDP fast drop counts,
# dry-run decides without blocking, the response hook runs.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

setup_topology || exit 1
CLI4B=192.0.2.3 # a second remote address, never blocked
CLI6X=2001:db8:77::2 # a remote IPv6 address outside the host's /64
in_cli ip addr add "$CLI4B/24" dev "$CLI_IF"
in_cli ip addr add "$CLI6X/128" dev "$CLI_IF" nodad
in_srv ip route add 2001:db8:77::/64 dev "$SRV_IF"
cat >"$RUN_DIR/hook.sh" <<HOOK
#!/bin/sh
cat >>"$RUN_DIR/hook.out"
HOOK
chmod +x "$RUN_DIR/hook.sh"
cat >"$RUN_DIR/enforce.conf" <<CONF
[flows]
scan_interval = 500ms
[enforce]
max_blocks = 6
ban_time = 3s
escalation = 2
hook = $RUN_DIR/hook.sh
CONF
start_agent -c "$RUN_DIR/enforce.conf" || exit 1

bg_srv socat -u TCP4-LISTEN:8001,reuseaddr,fork OPEN:/dev/null
bg_srv socat -u TCP6-LISTEN:8002,reuseaddr,fork OPEN:/dev/null
bg_srv socat -u UDP4-RECV:8003 CREATE:"/tmp/mw-udp-$ID.out"
bg_cli socat -u TCP4-LISTEN:8004,reuseaddr,fork OPEN:/dev/null
wait_listening srv tcp 8001
wait_listening srv tcp 8002
wait_listening srv udp 8003
wait_listening cli tcp 8004

tcp4_from() { echo x | in_cli timeout 2 socat -u - "TCP4:$SRV4:8001,bind=$1,connect-timeout=1" 2>/dev/null; }
tcp6_from() { echo x | in_cli timeout 2 socat -u - "TCP6:[$SRV6]:8002,bind=[$1],connect-timeout=1" 2>/dev/null; }
host_to() { echo x | in_srv timeout 2 socat -u - "TCP4:$1:8004,connect-timeout=1" 2>/dev/null; }

check "the table is created" sh -c "ip netns exec $SRV_NS nft list table inet minewall >/dev/null"
check "before: $CLI4 connects" tcp4_from $CLI4
check "before: $CLI6 connects over IPv6" tcp6_from $CLI6

# --- block through the CLI: TCP and UDP, IPv4 ---
check "minewall block $CLI4" mw block $CLI4 --timeout 1h --reason "test block"
check_fails "blocked: $CLI4 cannot connect (TCP)" tcp4_from $CLI4
check "others: $CLI4B still connects" tcp4_from $CLI4B
for i in 1 2 3; do echo "udp-$i" | in_cli socat -u - "UDP4-SENDTO:$SRV4:8003,bind=$CLI4" 2>/dev/null; done
echo "udp-ok" | in_cli socat -u - "UDP4-SENDTO:$SRV4:8003,bind=$CLI4B"
# the blocked datagrams went first: once the last one is in, they would be
check_within 3 "others: UDP from $CLI4B arrives" grep -q udp-ok "/tmp/mw-udp-$ID.out"
check "blocked: UDP from $CLI4 never arrives" sh -c "! grep -q udp-1 /tmp/mw-udp-$ID.out"
rm -f "/tmp/mw-udp-$ID.out"
check "the element is in nft set block4 with its reason" \
	sh -c "ip netns exec $SRV_NS nft list set inet minewall block4 | grep -q '192.0.2.2 .*comment \"MANUAL: test block\"'"
in_cli ping -c 3 -i 0.2 -W 1 -q $SRV4 >/dev/null 2>&1
check "XDP fast drop counts the blocked source's packets" \
	sh -c "[ \$(MINEWALL_PIN_PATH=$PIN MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall status -j | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"counters\"][\"block_drops\"])') -gt 0 ]"
mw blocks -j >"$RUN_DIR/blocks.json"
check "minewall blocks lists it with reason, remaining time and XDP drops" python3 -c '
import json,sys
b=[x for x in json.load(open(sys.argv[1])) if x["prefix"]=="192.0.2.2"]
assert len(b)==1 and b[0]["reason"]=="test block" and 3500<b[0]["remaining_s"]<=3600 and b[0]["xdp_drops"]>0, b' "$RUN_DIR/blocks.json"

# --- another table accepting everything does not undo our drop ---
in_srv nft -f - <<NFT
table inet othertable {
	chain input { type filter hook input priority 0; policy accept; ip saddr $CLI4 accept; }
}
NFT
check_fails "another table's accept does not undo the drop" tcp4_from $CLI4
in_srv nft delete table inet othertable

# --- unblock ---
check "minewall unblock $CLI4" mw unblock $CLI4
check "unblocked: $CLI4 connects again" tcp4_from $CLI4
mw unblock $CLI4 >/dev/null 2>&1
check_eq "unblocking what is not blocked: exit status 1" $? 1

# --- the host cannot reach a blocked destination ---
check "before: the host reaches $CLI4B" host_to $CLI4B
mw block $CLI4B --timeout 1h >/dev/null
check_fails "blocked destination: the host cannot reach $CLI4B" host_to $CLI4B
mw unblock $CLI4B >/dev/null

# --- IPv6: a /64 is banned for one address, never one holding our own ---
check "block $CLI6X (IPv6)" mw block $CLI6X --timeout 1h
mw blocks -j >"$RUN_DIR/blocks6.json"
check "the IPv6 ban holds the whole /64 of the address" grep -q '"prefix":"2001:db8:77::/64","seen":"2001:db8:77::2"' "$RUN_DIR/blocks6.json"
check_fails "blocked: $CLI6X cannot connect over IPv6" tcp6_from $CLI6X
check "the /64 is in nft set block6net" sh -c "ip netns exec $SRV_NS nft list set inet minewall block6net | grep -q '2001:db8:77::/64'"
bg_srv socat -u UDP6-RECV:8005 CREATE:"/tmp/mw-udp6-$ID.out"
wait_listening srv udp 8005
echo "udp6-blocked" | in_cli socat -u - "UDP6-SENDTO:[$SRV6]:8005,bind=[$CLI6X]" 2>/dev/null
echo "udp6-ok" | in_cli socat -u - "UDP6-SENDTO:[$SRV6]:8005,bind=[$CLI6]" 2>/dev/null
check_within 3 "others: UDP over IPv6 from $CLI6 arrives" grep -q udp6-ok "/tmp/mw-udp6-$ID.out"
check "blocked: UDP over IPv6 from $CLI6X never arrives" sh -c "! grep -q udp6-blocked /tmp/mw-udp6-$ID.out"
rm -f "/tmp/mw-udp6-$ID.out"
mw unblock $CLI6X >/dev/null
check "unblocked: $CLI6X connects" tcp6_from $CLI6X

# --- the allowlist wins ---
mw block $SRV4 >"$RUN_DIR/out" 2>&1
check_eq "the host's own address: refused (exit 1)" $? 1
check "refusal says why" grep -q "allowlisted (local address" "$RUN_DIR/out"
mw block 127.0.0.1 >/dev/null 2>&1
check_eq "loopback: refused" $? 1
check "minewall allow 192.0.2.50/32" mw allow 192.0.2.50/32
mw block 192.0.2.50 >"$RUN_DIR/out" 2>&1
check_eq "a runtime-allowlisted address: refused" $? 1
check "minewall allowlist shows it" sh -c "MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall allowlist | grep -q '192.0.2.50 .*runtime'"
check "the allowlist is in nft set allow4" sh -c "ip netns exec $SRV_NS nft list set inet minewall allow4 | grep -q 192.0.2.50"
check "minewall allow del" mw allow del 192.0.2.50/32
mw block 192.0.2.0/24 >/dev/null 2>&1
check_eq "a prefix holding the host's address: refused" $? 1

# --- bad arguments ---
mw block 300.1.1.1 >/dev/null 2>&1
check_eq "bad address: exit 2" $? 2
mw block 192.0.2.9 --timeout soon >/dev/null 2>&1
check_eq "bad duration: exit 2" $? 2
mw block 10.0.0.1/8 >/dev/null 2>&1
check_eq "prefix with host bits: exit 2" $? 2

# --- timeouts expire, bans escalate ---
mw block 192.0.2.61 >/dev/null
check "first offence: the default ban (3s)" sh -c "MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall blocks -j | grep -q '\"prefix\":\"192.0.2.61\".*\"timeout_s\":3'"
check_within 8 "expired: gone from nft" sh -c "! ip netns exec $SRV_NS nft list set inet minewall block4 | grep -q 192.0.2.61"
check_within 3 "expired: gone from the list (the agent's next cycle)" sh -c "! MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall blocks -j | grep -q 192.0.2.61"
mw block 192.0.2.61 >/dev/null
check "second offence: twice as long (6s)" sh -c "MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall blocks -j | grep -q '\"prefix\":\"192.0.2.61\".*\"count\":2.*\"timeout_s\":6'"
mw block 192.0.2.61 --timeout 1h >/dev/null
check "a longer ban replaces a shorter one" sh -c "ip netns exec $SRV_NS nft list set inet minewall block4 | grep -q '192.0.2.61 .*timeout 1h'"
mw block 192.0.2.61 --timeout 10s >/dev/null
check "a shorter ban never shortens it" sh -c "ip netns exec $SRV_NS nft list set inet minewall block4 | grep -q '192.0.2.61 .*timeout 1h'"
mw unblock 192.0.2.61 >/dev/null

# --- the cap ---
for i in 71 72 73 74 75 76; do mw block 192.0.2.$i --timeout 1h >/dev/null 2>&1; done
mw block 192.0.2.77 --timeout 1h >"$RUN_DIR/out" 2>&1
check_eq "over the cap (6): refused" $? 1
check "the refusal names the cap" grep -q "cap of 6" "$RUN_DIR/out"
check "the agent warned loudly" grep -q "cap of 6 blocked entries is reached" "$RUN_DIR/agent.log"
check "the agent keeps working at the cap" mw status
check "minewall flush" mw flush
check_eq "after flush: nothing blocked" "$(mw blocks -j)" "[]"

# --- restart and SIGKILL keep blocks ---
mw block $CLI4 --timeout 1h --reason "kept across restarts" >/dev/null
stop_agent
check "agent stopped: the block stays in nft" sh -c "ip netns exec $SRV_NS nft list set inet minewall block4 | grep -q 192.0.2.2"
check_fails "agent stopped: $CLI4 still cannot connect" tcp4_from $CLI4
check "agent stopped: minewall blocks reads nft directly" sh -c "ip netns exec $SRV_NS env MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall blocks 2>&1 | grep -q 192.0.2.2"
start_agent -c "$RUN_DIR/enforce.conf" || exit 1
check "restart: the block is adopted with its reason" sh -c "MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall blocks -j | grep -q '\"prefix\":\"192.0.2.2\".*\"reason\":\"kept across restarts\"'"
kill -KILL "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=
check_fails "after SIGKILL: still blocked" tcp4_from $CLI4
in_srv nft delete table inet minewall
start_agent -c "$RUN_DIR/enforce.conf" || exit 1
check "table lost while down: the ledger puts the block back" sh -c "ip netns exec $SRV_NS nft list set inet minewall block4 | grep -q 192.0.2.2"

# --- a corrupt ledger: bad lines reported by number, kept aside, the rest used ---
stop_agent
echo 'this is not json' >>"$RUN_DIR/state/ledger.json"
echo '{"prefix":"300.1.1.1","seen":"x","count":1,"first":0,"last":0,"expires":0,"active":true}' >>"$RUN_DIR/state/ledger.json"
start_agent -c "$RUN_DIR/enforce.conf" || exit 1
check "corrupt ledger: the bad lines are named" grep -q "ledger.json:[0-9]*: not JSON" "$RUN_DIR/agent.log"
check "corrupt ledger: a bad address is named" grep -q "ledger.json:[0-9]*: bad prefix" "$RUN_DIR/agent.log"
check "corrupt ledger: the original is kept aside" sh -c "ls $RUN_DIR/state/ledger.json.corrupt-* >/dev/null"
check "corrupt ledger: the good block is still in force" sh -c "ip netns exec $SRV_NS nft list set inet minewall block4 | grep -q 192.0.2.2"

# --- a deleted or flushed table is healed while running ---
in_srv nft delete table inet minewall
check_within 5 "deleted table: rebuilt" sh -c "ip netns exec $SRV_NS nft list set inet minewall block4 | grep -q 192.0.2.2"
check "deleted table: reported" grep -q "was deleted or changed by someone else" "$RUN_DIR/agent.log"
in_srv nft flush chain inet minewall input
input_drops() { in_srv nft list chain inet minewall input | grep -q '@block4 '; }
wait_until 5 input_drops
check_fails "flushed chain: rebuilt, still blocked" tcp4_from $CLI4
mw unblock $CLI4 >/dev/null

# --- the response hook ---
check "the hook got block events as JSON" python3 -c '
import json,sys
evs=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert any(e["event_type"]=="block" and e["src_ip"]=="192.0.2.2" and e["action"]=="blocked" for e in evs), evs
assert any(e["event_type"]=="unblock" for e in evs)' "$RUN_DIR/hook.out"

# --- an established SSH session's peer is never blocked ---
start_sshd 'PermitRootLogin prohibit-password' || exit 1
bg_cli ssh -i "$SSHD_DIR/client_key" "${SSH_CLIENT_OPTS[@]}" -b $CLI4B root@$SRV4 'sleep 30'
ssh_allowed() { mw allowlist | grep -q "^$CLI4B .*SSH session"; }
wait_until 8 ssh_allowed # a refresh of the allowlist found the session
mw block $CLI4B >"$RUN_DIR/out" 2>&1
check_eq "the admin's SSH peer: refused" $? 1
check "refusal names the SSH session" grep -q "SSH session" "$RUN_DIR/out"

# --- SIGHUP reloads the policy ---
printf '[enforce]\nallow = 192.0.2.99/32\nban_time = 7s\n' >>"$RUN_DIR/enforce.conf"
reload_agent 5
mw block 192.0.2.99 >"$RUN_DIR/out" 2>&1
check_eq "after SIGHUP: the new configured allowlist holds" $? 1
check "after SIGHUP: refusal names the config" grep -q "allowlisted (config" "$RUN_DIR/out"
mw block 192.0.2.98 >/dev/null
check "after SIGHUP: the new ban time applies" sh -c "MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall blocks -j | grep -q '\"prefix\":\"192.0.2.98\".*\"timeout_s\":7'"

stop_agent

# --- dry run: decide and report, never block ---
start_agent -c "$RUN_DIR/enforce.conf" --dry-run || exit 1
mw block 192.0.2.90 >"$RUN_DIR/out" 2>&1
check "dry run: the decision is reported" grep -q "dry run: would block 192.0.2.90" "$RUN_DIR/out"
check "dry run: nothing in nft" sh -c "! ip netns exec $SRV_NS nft list set inet minewall block4 | grep -q 192.0.2.90"
reload_agent 5
mw block 192.0.2.91 >"$RUN_DIR/out" 2>&1
check "dry run: a reload keeps --dry-run from the command line" grep -q "dry run: would block 192.0.2.91" "$RUN_DIR/out"

finish
