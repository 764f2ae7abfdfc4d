#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# DIRNET's first day and DoH, with one agent on a host that has no
# baseline yet (a fresh learning period): an outbound ssh is reported
# (sensitive, while learning), as is a Tor relay's port, a curl to a web server is learned, not
# reported, and a spoofed flow (a frame claiming the host's address) is not
# learned; curl resolving a name through a DNS-over-HTTPS responder (RFC
# 8484, Python's http.server and ssl, a certificate openssl makes here) in
# the "internet" is reported as DoH (high, naming the endpoint and curl, by
# the ClientHello's server name for a shipped name, by address for the
# test's own list), carrying the flow's SNI and JA4; once curl is a DoH
# client (doh_clients, a reload), the same is not reported. Nothing else
# is reported: the false positives of the benign cases are counted.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

WEB=203.0.113.80 SSHD=203.0.113.22 TOR=198.51.100.90 DOH1=203.0.113.53 DOH2=198.51.100.53 DOH3=203.0.113.54
PY=/usr/bin/python3 # Debian's, with ssl
NETNS_ETC=/etc/netns/$SRV_NS
at_exit rm -rf "$NETNS_ETC"

setup_topology || exit 1
for a in $WEB $SSHD $TOR $DOH1 $DOH2 $DOH3; do in_cli ip addr add "$a/32" dev "$CLI_IF"; done
in_srv ip route add 203.0.113.0/24 via "$CLI4"
in_srv ip route add 198.51.100.0/24 via "$CLI4"
# the protected host's programs find the DoH servers by name in its hosts
# file (`ip netns exec` binds /etc/netns/NS/hosts over /etc/hosts): curl
# resolves its DoH server's own name with the system's resolver
mkdir -p "$NETNS_ETC"
printf '127.0.0.1 localhost\n%s cloudflare-dns.com\n%s dns.google\n' $DOH1 $DOH3 >"$NETNS_ETC/hosts"

# the "internet": a web server, an sshd, and the DoH responder on 443 of
# three addresses
export RUN_DIR
bg_cli "$PY" -m http.server --bind 0.0.0.0 80 --directory "$RUN_DIR" >/dev/null 2>&1
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$RUN_DIR/ssh_host_key"
ssh-keygen -q -t ed25519 -N '' -f "$RUN_DIR/ssh_client_key"
bg_cli /usr/sbin/sshd -D -f /dev/null -o ListenAddress=$SSHD -o HostKey="$RUN_DIR/ssh_host_key" \
	-o UsePAM=no -o PidFile=none -E "$RUN_DIR/sshd.log"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=doh.test \
	-addext "subjectAltName=DNS:cloudflare-dns.com,DNS:dns.google,IP:$DOH2" \
	-keyout "$RUN_DIR/doh.key" -out "$RUN_DIR/doh.crt" >/dev/null 2>&1
bg_cli "$PY" "$(dirname "$0")/doh_server.py" "$RUN_DIR/doh.crt" "$RUN_DIR/doh.key" 443 \
	web.example.test=$WEB >"$RUN_DIR/doh.log" 2>&1
wait_listening cli tcp 22
wait_listening cli tcp 443
wait_listening cli tcp 80

# the test's own DoH list, beside the shipped one: an address
printf '# the test'"'"'s DoH server, by address\n%s\n' $DOH2 >"$RUN_DIR/doh.list"
cat >"$RUN_DIR/dirnet.conf" <<CONF
[dirnet]
learn = 1h
doh_lists = builtin, $RUN_DIR/doh.list
CONF
start_agent -c "$RUN_DIR/dirnet.conf" || exit 1
check "no baseline: learning has begun" grep -q "dirnet: learning the host's outbound destinations" "$RUN_DIR/agent.log"

dirnet_events() { grep '"method":"DIRNET"' "$RUN_DIR/events.json" 2>/dev/null; }
dirnet_for() { dirnet_events | grep "\"dest_ip\":\"$1\""; }
export -f dirnet_events dirnet_for
dirnet_idle() { mw dirnet baseline -j | grep -q '"waiting": *0[,}]'; }
dirnet_sync() { agent_sync && wait_until 5 dirnet_idle; }
learned() { # PREFIX PORT COMM: the baseline holds it
	mw dirnet baseline -j | "$PY" -c 'import json, sys
d = json.load(sys.stdin)
sys.exit(0 if any(e["prefix"] == sys.argv[1] and e["port"] == int(sys.argv[2]) and e["comm"] == sys.argv[3] for e in d["destinations"]) else 1)' "$@"
}
field() { # ADDR PYTHON-EXPR (of ev, the event): prints it
	dirnet_for "$1" | head -1 | "$PY" -c 'import json, sys; ev = json.loads(sys.stdin.read()); print(eval(sys.argv[1]))' "$2"
}

# --- (a) a fresh learning period ----------------------------------------------
in_srv curl -s -o /dev/null --max-time 3 "http://$WEB/"
in_srv timeout 5 ssh -i "$RUN_DIR/ssh_client_key" "${SSH_CLIENT_OPTS[@]}" root@$SSHD true >/dev/null 2>&1
check_within 5 "while learning, an outbound ssh is reported" dirnet_for $SSHD
check_eq "high, sensitive port SSH, by ssh, while learning" \
	"$(field $SSHD '(ev["severity"], ev["detail"]["sensitive_port"], ev["detail"]["port_service"], ev["detail"]["process"]["comm"], ev["detail"]["learning"])')" \
	"('high', True, 'SSH', 'ssh', True)"
# a Tor relay's port (nothing listens: the SYN is enough)
in_srv "$PY" -c "import socket; s = socket.socket(); s.settimeout(2)
try: s.connect(('$TOR', 9001))
except OSError: pass"
check_within 5 "while learning, a Tor relay's port (9001) is reported" dirnet_for $TOR
check_eq "high, as Tor's" "$(field $TOR '(ev["severity"], ev["detail"]["port_service"])')" "('high', 'Tor')"
dirnet_sync
check "the curl to the web server is learned" learned 203.0.113.0/24 80 curl
check_fails "and not reported" dirnet_for $WEB
check_fails "the ssh destination is not learned" learned 203.0.113.0/24 22 ssh
# a frame from the wire that claims the host's address, opening a flow to
# the internet: the host never opened it, so learning must not take it in
srv_mac=$(in_srv cat "/sys/class/net/$SRV_IF/address")
in_cli "$PY" -c 'import sys
from scapy.all import Ether, IP, TCP, sendp, conf
conf.verb = 0
sendp(Ether(dst=sys.argv[1]) / IP(src=sys.argv[2], dst="198.51.100.99") / TCP(sport=40000, dport=8080, flags="S"), iface=sys.argv[3])' \
	"$srv_mac" "$SRV4" "$CLI_IF" >"$RUN_DIR/spoof.out" 2>&1
spoof_seen() { mw flows -j | grep -q '"remote_addr":"198.51.100.99"'; }
check "the spoofed flow reached the datapath" wait_until 5 spoof_seen
dirnet_sync
check_fails "a flow the host did not open is not learned" learned 198.51.100.0/24 8080 ""

# --- (b) curl resolves through DoH ---------------------------------------------
# a name of the shipped list, known by the ClientHello's server name
in_srv curl -s -o "$RUN_DIR/page1" --max-time 5 -k --doh-insecure \
	--doh-url https://cloudflare-dns.com/dns-query "http://web.example.test/"
check "curl resolved web.example.test through the DoH responder" grep -q "query web.example.test type 1 rcode 0" "$RUN_DIR/doh.log"
check "and fetched the page" test -e "$RUN_DIR/page1"
check_within 5 "DoH to cloudflare-dns.com by curl: DIRNET" dirnet_for $DOH1
check_eq "high, sensitive, the endpoint named by SNI, curl" \
	"$(field $DOH1 '(ev["severity"], ev["detail"]["sensitive_port"], ev["detail"]["doh"]["endpoint"], ev["detail"]["doh"]["by"], ev["detail"]["process"]["comm"])')" \
	"('high', True, 'cloudflare-dns.com', 'sni', 'curl')"
check "the reason says DoH" bash -c "dirnet_for $DOH1 | grep -q 'DNS over HTTPS'"
check_eq "the event carries the ClientHello's SNI" "$(field $DOH1 'ev["detail"]["sni"]')" cloudflare-dns.com
ja4=$(field $DOH1 'ev["detail"].get("ja4")')
check "and its JA4 (curl's: $ja4)" bash -c "[[ '$ja4' =~ ^t1[23]d[0-9]{4}h[12_]_[0-9a-f]{12}_[0-9a-f]{12}$ ]]"
# the test's own list, by address (no server name in an address URL)
in_srv curl -s -o /dev/null --max-time 5 -k --doh-insecure \
	--doh-url "https://$DOH2/dns-query" "http://web.example.test/"
check_within 5 "DoH to the test's own list's address: DIRNET" dirnet_for $DOH2
check_eq "high, by address, the list's file and line" \
	"$(field $DOH2 '(ev["severity"], ev["detail"]["doh"]["endpoint"], ev["detail"]["doh"]["by"], ev["detail"]["doh"]["list"])')" \
	"('high', '$DOH2', 'address', '$RUN_DIR/doh.list:2')"

# --- (c) curl allowed as a DoH client ------------------------------------------
printf 'doh_clients = firefox, chrome, curl\n' >>"$RUN_DIR/dirnet.conf"
reload_agent 5
in_srv curl -s -o "$RUN_DIR/page3" --max-time 5 -k --doh-insecure \
	--doh-url https://dns.google/dns-query "http://web.example.test/"
check "curl resolved through dns.google (the same responder)" test -e "$RUN_DIR/page3"
dirnet_sync
check "the flow was judged: learned as curl's" learned 203.0.113.0/24 443 curl
check_fails "an allowlisted DoH client: not reported" dirnet_for $DOH3

# --- nothing else --------------------------------------------------------------
dirnet_sync
n=$(dirnet_events | wc -l)
fp=$(dirnet_events | grep -cv "\"dest_ip\":\"\($SSHD\|$TOR\|$DOH1\|$DOH2\)\"")
log "DIRNET events: $n; false positives of the benign cases (web, DoH by an allowed client, the pages fetched): $fp"
check_eq "four reports: ssh, Tor, two DoH" "$n" 4
check_eq "false positives" "$fp" 0

# --- a flood: more new TCP flows than may wait -----------------------------------
# 1100 connections to as many destinations (/24 and port) in a moment: 1024
# wait for a ClientHello that never comes, the rest find no room and are
# judged at once; none is lost: each is learned or (fan-out) reported
in_srv ip route add 198.18.0.0/16 via "$CLI4"
in_srv "$PY" -c 'import socket
for i in range(1100):
    s = socket.socket(); s.setblocking(False)
    s.connect_ex(("198.18.%d.1" % (i % 256), 10000 + i // 256)); s.close()'
judged() { # learned + reported of the flood's destinations
	local l r
	l=$(mw dirnet baseline -j | "$PY" -c 'import json, sys; print(sum(1 for e in json.load(sys.stdin)["destinations"] if e["port"] >= 10000))')
	r=$(dirnet_events | grep -c '"dest_port":1000[0-4]')
	echo "learned $l reported $r"
	[ $((l + r)) -eq 1100 ]
}
check_within 10 "the flood: 1100 flows, each learned or reported" judged
check "some found the waiting table full" \
	bash -c "[ \"\$(MINEWALL_PIN_PATH=$PIN MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall dirnet baseline -j | grep -o '\"wait_full\": *[0-9]*' | grep -o '[0-9]*$')\" -gt 0 ]"

finish
