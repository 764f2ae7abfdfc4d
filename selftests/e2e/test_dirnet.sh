#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# DIRNET end to end, "internet" hosts on documentation ranges: curl and an
# outbound ssh from the protected host to new public destinations are
# detected with the process that connected; expected destinations (an
# address and port, a name resolved through a real DNS server) and answers
# to inbound connections are not; many new destinations in a minute raise
# the severity; after learning, known destinations stay quiet and a new one
# is reported; the baseline survives a restart; `minewall dirnet learn`
# starts over.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

WEB=203.0.113.80 WEB2=203.0.113.81 NEWNET=198.51.100.77 SSHD=203.0.113.22
ALLOWED=198.51.100.10 DNS4=198.51.100.53 NAMED=203.0.113.90 ODD=203.0.113.99
FORGED=203.0.113.91

setup_topology || exit 1
for a in $WEB $WEB2 $NEWNET $SSHD $ALLOWED $DNS4 $NAMED $ODD $FORGED; do in_cli ip addr add "$a/32" dev "$CLI_IF"; done
in_srv ip route add 203.0.113.0/24 via "$CLI4"
in_srv ip route add 198.51.100.0/24 via "$CLI4"
in_srv ip route add 198.18.0.0/24 via "$CLI4"

export RUN_DIR
dirnet_for() { grep '"method":"DIRNET"' "$RUN_DIR/events.json" | grep "\"dest_ip\":\"$1\""; }
export -f dirnet_for
wait_dirnet() { for _ in $(seq 1 30); do dirnet_for "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

# the "internet": web servers, an sshd, a DNS server, and a host that
# connects to a web server on the protected host
bg_cli python3 -m http.server --bind 0.0.0.0 80 --directory "$RUN_DIR" >/dev/null 2>&1
bg_srv python3 -m http.server --bind "$SRV4" 8080 --directory "$RUN_DIR" >/dev/null 2>&1
bg_cli dnsmasq --no-daemon --no-resolv --no-hosts --listen-address="$DNS4" --bind-interfaces \
	--address="/api.example.test/$NAMED" --address="/other.example.test/$WEB2" \
	--log-facility="$RUN_DIR/dnsmasq.log" 2>>"$RUN_DIR/dnsmasq.log"
mkdir -p "$RUN_DIR/sshd" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$RUN_DIR/sshd/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$RUN_DIR/sshd/client_key"
printf 'ListenAddress %s\nHostKey %s\nAuthorizedKeysFile %s\nStrictModes no\nUsePAM no\nPidFile none\n' \
	$SSHD "$RUN_DIR/sshd/host_key" "$RUN_DIR/sshd/authorized_keys" >"$RUN_DIR/sshd/config"
bg_cli /usr/sbin/sshd -D -f "$RUN_DIR/sshd/config" -E "$RUN_DIR/sshd/log"
sleep 0.5

cat >"$RUN_DIR/dirnet.conf" <<EOF
[dirnet]
learn = 0
allow = $ALLOWED:443, $DNS4, api.example.test
EOF
start_agent -c "$RUN_DIR/dirnet.conf" || exit 1

# --- new destinations --------------------------------------------------------
in_srv curl -s -o /dev/null --max-time 3 "http://$WEB/" &
curl_pid=$!
wait $curl_pid
check "curl to a new public destination: DIRNET" wait_dirnet $WEB
check "with the process: comm curl" bash -c "dirnet_for $WEB | grep -q '\"comm\":\"curl\"'"
check "an ordinary destination is medium" bash -c "dirnet_for $WEB | grep -q '\"severity\":\"medium\"'"
check "alert only by default" bash -c "dirnet_for $WEB | grep -q '\"action\":\"alert\"'"
check_fails "and not blocked" blocked $WEB

in_srv timeout 5 ssh -i "$RUN_DIR/sshd/client_key" "${SSH_CLIENT_OPTS[@]}" root@$SSHD true >/dev/null 2>&1
check "outbound ssh: DIRNET" wait_dirnet $SSHD
check "outbound ssh: high, sensitive port, comm ssh" \
	bash -c "dirnet_for $SSHD | grep '\"severity\":\"high\"' | grep '\"sensitive_port\":true' | grep -q '\"comm\":\"ssh\"'"

check "on evidence the host opened it" bash -c "dirnet_for $WEB | grep -q '\"evidence\":\"host-opened, tcp-syn\"'"

# --- a process name and command line of any bytes ------------------------------
# prctl(PR_SET_NAME) takes any bytes: invalid UTF-8 and a control character
# must not make the event vanish (jansson refuses invalid UTF-8)
in_srv python3 -c '
import ctypes, socket, sys
ctypes.CDLL(None).prctl(15, b"\xff\xfeminer\x01", 0, 0, 0)
s = socket.socket(); s.settimeout(2)
try: s.connect((sys.argv[1], 80))
except OSError: pass
' $ODD $'\xff\x01arg' 2>/dev/null
check "a process named with invalid UTF-8 opens a flow: the DIRNET event is written" wait_dirnet $ODD
cat >"$RUN_DIR/oddname.py" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if '"DIRNET"' in l and sys.argv[2] in l][0]
p = ev["detail"]["process"]
want = {"comm": "\ufffd\ufffdminer\\x01", "cmdline_end": " " + sys.argv[2] + " \ufffd\\x01arg"}
ok = p["comm"] == want["comm"] if sys.argv[3] == "comm" else p["cmdline"].endswith(want["cmdline_end"])
print(json.dumps(p)); sys.exit(0 if ok else 1)
PY
check "its name: invalid bytes replaced (U+FFFD), the control character escaped (\\x01)" \
	python3 "$RUN_DIR/oddname.py" "$RUN_DIR/events.json" $ODD comm
check "its command line too" python3 "$RUN_DIR/oddname.py" "$RUN_DIR/events.json" $ODD cmdline
check "the events file is still valid JSON, line by line" \
	python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$RUN_DIR/events.json"

# --- expected destinations, and inbound --------------------------------------
in_srv python3 -c "import socket; s=socket.socket(); s.settimeout(2)
try: s.connect(('$ALLOWED', 443))
except OSError: pass"
in_srv python3 -c "
import socket, struct
q = struct.pack('>HHHHHH', 7, 0x0100, 1, 0, 0, 0) + b''.join(bytes([len(l)]) + l.encode() for l in 'api.example.test'.split('.')) + b'\0' + struct.pack('>HH', 1, 1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(2); u.sendto(q, ('$DNS4', 53)); r = u.recv(512)
s = socket.socket(); s.settimeout(2)
try: s.connect((socket.inet_ntoa(r[-4:]), 80))
except OSError: pass"
in_cli curl -s -o /dev/null --max-time 3 "http://$SRV4:8080/"
sleep 0.5
check_fails "an allowed address and port: quiet" bash -c "dirnet_for $ALLOWED"
check_fails "the allowed DNS server: quiet" bash -c "dirnet_for $DNS4"
check_fails "an allowed name (api.example.test, via dnsmasq): quiet" bash -c "dirnet_for $NAMED"
check_fails "answers to an inbound connection: quiet" bash -c "dirnet_for $CLI4"

# an answer the host never asked for, from the allowed resolver's address,
# naming an allowed name: it teaches nothing
cat >"$RUN_DIR/forge_dns.py" <<'PY'
import sys
from scapy.all import IP, UDP, DNS, DNSQR, DNSRR, send, conf
conf.verb = 0
src, dst, name, addr = sys.argv[1:5]
send(IP(src=src, dst=dst) / UDP(sport=53, dport=40053) /
     DNS(id=4242, qr=1, aa=1, rd=1, ra=1, qd=DNSQR(qname=name), an=DNSRR(rrname=name, type="A", ttl=86400, rdata=addr)))
PY
check "scapy forges an unsolicited answer: api.example.test is $FORGED" \
	in_cli /usr/bin/python3 "$RUN_DIR/forge_dns.py" $DNS4 "$SRV4" api.example.test $FORGED
sleep 0.3
in_srv python3 -c "import socket; s=socket.socket(); s.settimeout(2)
try: s.connect(('$FORGED', 80))
except OSError: pass"
check "a forged answer teaches nothing: $FORGED is still a new destination" wait_dirnet $FORGED

# --- many new destinations in a minute ---------------------------------------
in_srv python3 -c "
import socket
for i in range(25):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b'x', ('198.18.0.%d' % (10 + i), 7000)); s.close()"
sleep 0.5
check "25 new destinations in a minute: the first is medium" \
	bash -c "grep '\"method\":\"DIRNET\"' '$RUN_DIR/events.json' | grep '\"dest_ip\":\"198.18.0.10\"' | grep -q '\"severity\":\"medium\"'"
check "the later ones are high" \
	bash -c "grep '\"method\":\"DIRNET\"' '$RUN_DIR/events.json' | grep '\"dest_ip\":\"198.18.0.34\"' | grep -q '\"severity\":\"high\"'"

# --- learning, baseline, restart ---------------------------------------------
stop_agent
rm -f "$RUN_DIR/events.json"
printf '[dirnet]\nlearn = 3s\nallow = %s\n' "$DNS4" >"$RUN_DIR/learn.conf"
start_agent -c "$RUN_DIR/learn.conf" || exit 1
check "learning has begun" grep -q "dirnet: learning the host's outbound destinations" "$RUN_DIR/agent.log"
in_srv curl -s -o /dev/null --max-time 3 "http://$WEB/"
sleep 0.3
check_fails "while learning: recorded, not reported" bash -c "dirnet_for $WEB"
sleep 3.5
check "learning ended" bash -c "for i in \$(seq 20); do grep -q 'dirnet: learning ended' '$RUN_DIR/agent.log' && exit 0; sleep 0.2; done; exit 1"
in_srv curl -s -o /dev/null --max-time 3 "http://$WEB2/"
sleep 0.3
check_fails "after learning: the same /24, port and process stays quiet" bash -c "dirnet_for $WEB2"
in_srv curl -s -o /dev/null --max-time 3 "http://$NEWNET/"
check "a new destination is reported" wait_dirnet $NEWNET
mw dirnet baseline -j >"$RUN_DIR/baseline.json"
check "dirnet baseline shows 203.0.113.0/24 port 80 by curl" \
	bash -c "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if any(e[\"prefix\"]==\"203.0.113.0/24\" and e[\"port\"]==80 and e[\"comm\"]==\"curl\" for e in d[\"destinations\"]) and d[\"learned\"] else 1)' '$RUN_DIR/baseline.json'"
check "the baseline is saved in the state directory" test -s "$RUN_DIR/state/dirnet-baseline.json"
stop_agent
start_agent -c "$RUN_DIR/learn.conf" || exit 1
in_srv curl -s -o /dev/null --max-time 3 "http://$WEB2/" && sleep 0.3
check_fails "after a restart the baseline still speaks: quiet" bash -c "dirnet_for $WEB2"
check_eq "and learning did not start again" "$(grep -c 'learning the host' "$RUN_DIR/agent.log")" 1
check "dirnet learn starts over" mw dirnet learn 1h
mw dirnet baseline -j >"$RUN_DIR/baseline2.json"
check "learning again, baseline empty" \
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d['learning_until'] > 0 and not d['destinations'] else 1)" "$RUN_DIR/baseline2.json"
check_eq "dirnet learn with a bad duration is a usage error" "$(mw dirnet learn soon >/dev/null 2>&1; echo $?)" 2

finish
