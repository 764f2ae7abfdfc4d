#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# BLACKLIST end to end: real lists from selftests/data/blocklists in force in
# the kernel; the protected host connecting to a listed address (IPv4, IPv6)
# is stopped at the first packet and the address blocked; a listed name
# resolved through a real DNS server (dnsmasq) is learned and blocked; TLS
# to a listed name on a non-standard port is caught by its SNI; the capture
# coinhive-stratum.pcap (DNS lookup of a listed pool, then Stratum) replayed
# from outside teaches nothing, as its DNS answers answer no query the host
# sent (test_dns_trust.sh tests that further); unlisted traffic passes;
# malformed lines are named;
# the hazards of real lists (private ranges, shared CDN addresses) are never
# blocked; reloading the lists under traffic leaves no gap.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

BL=$DATA/blocklists
POOL4=203.0.113.50     # listed by our own list
POOL6=2001:db8:bad::50 # listed by our own list
OPEN4=203.0.113.60     # listed nowhere
DNS4=198.51.100.53     # dnsmasq, the host's resolver in this test
NAMED4=203.0.113.80    # what dnsmasq answers for la01.supportxmr.com (listed)
BENIGN4=203.0.113.81   # what it answers for www.debian.org (not listed)
TLS4=203.0.113.90      # a TLS server the host reaches as us1.bitminter.com (listed)
ALERT4=198.51.100.200  # listed, but inside alert_only: never blocked

setup_topology || exit 1
for a in $POOL4 $OPEN4 $DNS4 $NAMED4 $BENIGN4 $TLS4 $ALERT4; do
	in_cli ip addr add "$a/32" dev "$CLI_IF"
done
in_cli ip addr add "$POOL6/128" dev "$CLI_IF" nodad
in_srv ip route add 203.0.113.0/24 via "$CLI4"
in_srv ip route add 198.51.100.0/24 via "$CLI4"
in_srv ip -6 route add 2001:db8:bad::/48 via "$CLI6"

mkdir -p "$RUN_DIR/lists"
printf '# our pools\n%s\n%s\n203.0.113.999\n%s\n' "$POOL4" "$POOL6" "$ALERT4" >"$RUN_DIR/lists/pools.txt"
cat >"$RUN_DIR/bl.conf" <<EOF
[blacklist]
lists = pools=$RUN_DIR/lists/pools.txt, $BL/coinblockerlists/list.txt, $BL/maltrail/crypto_mining.txt
alert_only = 198.51.100.128/25 104.16.0.0/12
resolvers = $DNS4
EOF
start_agent -c "$RUN_DIR/bl.conf" || exit 1

# --- lists as loaded -------------------------------------------------------
mw blacklist list -j >"$RUN_DIR/lists.json"
check_eq "pools.txt: 3 prefixes" "$(py 'import json,sys; print([l for l in json.load(sys.stdin)["lists"] if l["name"]=="pools"][0]["prefixes"])' <"$RUN_DIR/lists.json")" 3
check_eq "coinblocker list.txt: 5832 names (5837 lines, 5 not DNS names)" \
	"$(py 'import json,sys; print([l for l in json.load(sys.stdin)["lists"] if l["name"]=="list"][0]["names"])' <"$RUN_DIR/lists.json")" 5832
check_eq "maltrail crypto_mining: 739 prefixes (721 IP:port, 18 IP), 445 names" \
	"$(py 'import json,sys; l=[l for l in json.load(sys.stdin)["lists"] if l["name"]=="crypto_mining"][0]; print(l["prefixes"], l["names"])' <"$RUN_DIR/lists.json")" "739 445"
check "the malformed line is named with file and line" grep -q "pools.txt:4: .*203.0.113.999" "$RUN_DIR/agent.log"
check "list.txt:2049 (hashbag.cc:8688) is named" grep -q "list.txt:2049: " "$RUN_DIR/agent.log"
# slot 0 of the pinned outer map holds the id of the trie in force
read -r b0 b1 b2 b3 < <(bpftool map dump pinned "$PIN/mw_blacklist4" | awk '/^key/ { print $7, $8, $9, $10 }')
trie_id=$((16#${b3:-0}${b2:-0}${b1:-0}${b0:-0}))
check "bpftool finds the IPv4 trie in force through the pinned map" \
	bash -c "bpftool map show id '$trie_id' | grep -q 'lpm_trie  name mw_bl4_trie'"
check "bpftool prints its entries with named fields (BTF)" \
	bash -c "bpftool map dump id '$trie_id' | grep -q '\"list\": '"

# a listener on the "internet" side that records every connection it accepts
listen() { # PORT FILE [ADDR]
	bg_cli python3 -c '
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[3] else socket.AF_INET
s = socket.socket(fam); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[3], int(sys.argv[1]))); s.listen(64)
while True:
    c, a = s.accept(); open(sys.argv[2], "a").write(a[0] + "\n"); c.close()
' "$1" "$2" "${3:-0.0.0.0}"
}
connect() { # ADDR PORT: one TCP connection attempt from the host, 2 s at most
	in_srv python3 -c '
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam); s.settimeout(2)
try: s.connect((sys.argv[1], int(sys.argv[2]))); print("connected")
except OSError as e: print("failed", e)
' "$1" "$2"
}
wait_blocked() { wait_until 3 blocked "$1"; }

listen 3333 "$RUN_DIR/accepted4"
listen 3334 "$RUN_DIR/accepted6" "::"
wait_listening cli tcp 3333
wait_listening cli tcp 3334

# --- listed address, first packet ------------------------------------------
drops0=$(mw status -j | py 'import json,sys; print(json.load(sys.stdin)["counters"]["blacklist_drops"])')
connect "$POOL4" 3333 >"$RUN_DIR/c1"
check "IPv4: the connection to a listed pool fails" grep -q failed "$RUN_DIR/c1"
check_fails "IPv4: the pool never saw it" grep -q . "$RUN_DIR/accepted4"
drops1=$(mw status -j | py 'import json,sys; print(json.load(sys.stdin)["counters"]["blacklist_drops"])')
check "IPv4: the kernel dropped the first SYN itself" test "$drops1" -gt "$drops0"
check "IPv4: the pool is blocked" wait_blocked "$POOL4"
check "IPv4: BLACKLIST detection, action blocked, list pools" \
	bash -c "grep '\"dest_ip\":\"$POOL4\"' '$RUN_DIR/events.json' | grep '\"method\":\"BLACKLIST\"' | grep '\"action\":\"blocked\"' | grep -q '\"list\":\"pools\"'"

connect "$POOL6" 3334 >"$RUN_DIR/c2"
check "IPv6: the connection to a listed pool fails" grep -q failed "$RUN_DIR/c2"
check_fails "IPv6: the pool never saw it" grep -q . "$RUN_DIR/accepted6"
check "IPv6: the pool is blocked" wait_blocked "$POOL6"
check "IPv6: BLACKLIST detection, action blocked" \
	bash -c "grep '\"dest_ip\":\"$POOL6\"' '$RUN_DIR/events.json' | grep '\"method\":\"BLACKLIST\"' | grep -q '\"action\":\"blocked\"'"

connect "$OPEN4" 3333 >"$RUN_DIR/c3"
check "an unlisted address connects" grep -q connected "$RUN_DIR/c3"
check_fails "and is not blocked" blocked "$OPEN4"

# --- a listed name through a real DNS server -------------------------------
bg_cli dnsmasq --no-daemon --no-resolv --no-hosts --listen-address="$DNS4" --bind-interfaces \
	--address="/la01.supportxmr.com/$NAMED4" --address="/www.debian.org/$BENIGN4" \
	--log-facility="$RUN_DIR/dnsmasq.log" 2>>"$RUN_DIR/dnsmasq.log"
wait_listening cli udp 53
resolve_connect() { # NAME PORT: asks dnsmasq for NAME's A record, connects at once
	in_srv python3 -c '
import socket, struct, sys
name, port, server = sys.argv[1], int(sys.argv[2]), sys.argv[3]
q = struct.pack(">HHHHHH", 0x4d57, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(2)
u.sendto(q, (server, 53)); r = u.recv(512)
addr = socket.inet_ntoa(r[-4:])
s = socket.socket(); s.settimeout(2)
try: s.connect((addr, port)); print(addr, "connected")
except OSError as e: print(addr, "failed", e)
' "$1" "$2" "$DNS4"
}
resolve_connect la01.supportxmr.com 3333 >"$RUN_DIR/c4"
check "dnsmasq answered la01.supportxmr.com with $NAMED4" grep -q "^$NAMED4 " "$RUN_DIR/c4"
check_within 3 "the answer was learned" grep -q "learned $NAMED4 for la01.supportxmr.com" "$RUN_DIR/agent.log"
check "the learned pool is blocked" wait_blocked "$NAMED4"
check "BLACKLIST detection by DNS, with the name" \
	bash -c "grep '\"dest_ip\":\"$NAMED4\"' '$RUN_DIR/events.json' | grep '\"match\":\"dns\"' | grep -q la01.supportxmr.com"
check "blacklist test shows the name's learned address" bash -c "MINEWALL_PIN_PATH=$PIN MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall blacklist test la01.supportxmr.com | grep -q $NAMED4"
check "blacklist test explains the address" bash -c "MINEWALL_PIN_PATH=$PIN MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall blacklist test $NAMED4 | grep -q 'learned from a DNS answer'"
resolve_connect www.debian.org 3333 >"$RUN_DIR/c5"
check "an unlisted name connects" grep -q "^$BENIGN4 connected" "$RUN_DIR/c5"
check_fails "and is not blocked" blocked "$BENIGN4"

# --- TLS SNI on a non-standard port ----------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=pool -days 1 \
	-keyout "$RUN_DIR/tls.key" -out "$RUN_DIR/tls.crt" >/dev/null 2>&1
bg_cli openssl s_server -quiet -accept "$TLS4:8555" -cert "$RUN_DIR/tls.crt" -key "$RUN_DIR/tls.key"
wait_listening cli tcp 8555
in_srv timeout 3 openssl s_client -connect "$TLS4:8555" -servername us1.bitminter.com </dev/null >/dev/null 2>&1
check_within 3 "TLS to us1.bitminter.com on port 8555 is detected by SNI" \
	bash -c "grep '\"dest_ip\":\"$TLS4\"' '$RUN_DIR/events.json' | grep '\"match\":\"sni\"' | grep -q us1.bitminter.com"
check "and the server is blocked" wait_blocked "$TLS4"

# --- alert-only addresses: reported, never blocked or dropped -------------
in_srv python3 -c "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b'x', ('$ALERT4', 9999))"
check_within 3 "a shared (alert_only) listed address is reported" \
	bash -c "grep '\"dest_ip\":\"$ALERT4\"' '$RUN_DIR/events.json' | grep -q '\"alert_only\":true'"
agent_sync
check_fails "and not blocked" blocked "$ALERT4"

# --- reload under traffic: no gap ------------------------------------------
# 400 new flows (distinct source ports) to the alert-only address while the lists are swapped 10
# times and SIGHUP reloads them: the kernel counts a hit for every one.
hits() { mw blacklist list -j | py 'import json,sys; print([l for l in json.load(sys.stdin)["lists"] if l["name"]=="pools"][0]["hits"])'; }
h0=$(hits)
in_srv python3 -c "
import socket, time
for i in range(400):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('', 30000 + i))
    s.sendto(b'x', ('$ALERT4', 9999)); s.close()
    time.sleep(0.003)
" &
sender=$!
for i in $(seq 1 10); do
	mw blacklist load --name pools "$RUN_DIR/lists/pools.txt" >/dev/null 2>&1
	[ "$i" = 5 ] && kill -HUP "$AGENT_PID"
done
wait "$sender"
hits_since() { [ $(($(hits) - h0)) = "$1" ]; }
wait_until 3 hits_since 400
check_eq "every one of 400 new flows matched during 10 swaps and a SIGHUP" "$(($(hits) - h0))" 400

# --- the hazards of real lists ---------------------------------------------
mw blacklist load "$BL/firehol/firehol_level1.netset" "$BL/firehol/coinbl_ips.ipset" >"$RUN_DIR/load.out" 2>&1
check "firehol_level1 and coinbl_ips load at run time" grep -q "coinbl_ips.ipset: loaded as coinbl_ips" "$RUN_DIR/load.out"
mw blacklist list -j >"$RUN_DIR/lists2.json"
check_eq "firehol_level1: 4631 prefixes" "$(py 'import json,sys; print([l for l in json.load(sys.stdin)["lists"] if l["name"]=="firehol_level1"][0]["prefixes"])' <"$RUN_DIR/lists2.json")" 4631
check "its private ranges are reported and kept out" grep -q "blacklist firehol_level1: .* never blocked" "$RUN_DIR/agent.log"
check_eq "coinbl_ips: its 30 Cloudflare addresses are alert-only" "$(py 'import json,sys; print([l for l in json.load(sys.stdin)["lists"] if l["name"]=="coinbl_ips"][0]["alert_only"])' <"$RUN_DIR/lists2.json")" 30
mw blacklist test 10.1.2.3 -j >"$RUN_DIR/t1.json"
check "10.1.2.3 is listed (firehol_level1 10.0.0.0/8)" grep -q '"entry":"10.0.0.0/8"' "$RUN_DIR/t1.json"
check "but never blocked, and not in the kernel" bash -c "grep -q '\"never_blocked\":true' '$RUN_DIR/t1.json' && ! grep -q '\"kernel\"' '$RUN_DIR/t1.json'"
check "the runtime lists are remembered" grep -q firehol_level1 "$RUN_DIR/state/blacklists"
check "unload" mw blacklist unload firehol_level1
check_fails "a binary file is refused" mw blacklist load "$BIN/minewall"
check_fails "a missing file is refused" mw blacklist load "$RUN_DIR/nope.txt"
check_eq "blacklist test with a bad target is a usage error" "$(mw blacklist test 'no such!' >/dev/null 2>&1; echo $?)" 1

# --- the coinhive capture: DNS lookup of a listed pool, then Stratum -------
stop_agent
declare_local 10.0.2.15
printf '[blacklist]\nlists = %s\n' "$BL/coinblockerlists/list.txt" >"$RUN_DIR/replay.conf"
rm -f "$RUN_DIR/state/blacklists"
start_agent -c "$RUN_DIR/replay.conf" || exit 1
check "tcpreplay sends coinhive-stratum.pcap" replay_capture "$DATA/pcaps/zeek-cryptomining/coinhive-stratum.pcap"
# the capture's DNS answers arrive with no query of ours before them: the
# agent used to learn (and drop for a day) whatever such an answer named.
# The datapath no longer even hands them over (no flow the host opened):
# once the agent has read all the replay brought, it must have learned nothing.
agent_sync
check_fails "its DNS answer for la01.supportxmr.com, replayed from outside, is not learned" \
	grep -q "learned 192.110.160.114" "$RUN_DIR/agent.log"
check_fails "nor coinhive.com's Cloudflare address learned" grep -q "learned 104.20.208.59" "$RUN_DIR/agent.log"
check_fails "no BLACKLIST detection or block for the pool" \
	bash -c "grep '192.110.160.114' '$RUN_DIR/events.json' | grep -q '\"method\":\"BLACKLIST\"'"
check_eq "nothing learned" "$(mw blacklist list -j | py 'import json,sys; print(json.load(sys.stdin)["learned_now"])')" 0

finish
