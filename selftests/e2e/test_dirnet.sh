#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# DIRNET end to end, "internet" hosts on documentation ranges: curl and an
# outbound ssh from the protected host to new public destinations are
# detected with the process that connected; expected destinations (an
# address and port, a name the host resolves through a real dnsmasq, by
# itself or through a CNAME chain) and answers to inbound connections are
# not; answers scapy forges for an allowed name (random IDs and ports, from
# the resolver's address) allow nothing: DNS is learned only from answers to
# the host's own queries; many new destinations in a minute raise
# the severity; after learning, known destinations stay quiet and a new one
# is reported; the baseline survives a restart; `minewall dirnet learn`
# starts over.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

WEB=203.0.113.80 WEB2=203.0.113.81 NEWNET=198.51.100.77 SSHD=203.0.113.22
ALLOWED=198.51.100.10 DNS4=198.51.100.53 NAMED=203.0.113.90 ODD=203.0.113.99
FORGED=203.0.113.91 CHAINED=203.0.113.92 FORGED_TUPLE=203.0.113.93 FORGED_EXTRA=203.0.113.94
MUTE=198.51.100.54 # a resolver of the host that never answers (nothing listens)
SCAPY=/usr/bin/python3 # the distribution's python has scapy

# `ip netns exec` bind-mounts /etc/netns/NS/resolv.conf over /etc/resolv.conf:
# the host's programs (getent, curl) resolve through the test's dnsmasq
NETNS_ETC=/etc/netns/$SRV_NS
at_exit rm -rf "$NETNS_ETC"

setup_topology || exit 1
for a in $WEB $WEB2 $NEWNET $SSHD $ALLOWED $DNS4 $NAMED $ODD $FORGED $CHAINED $FORGED_TUPLE $FORGED_EXTRA $MUTE; do in_cli ip addr add "$a/32" dev "$CLI_IF"; done
in_srv ip route add 203.0.113.0/24 via "$CLI4"
in_srv ip route add 198.51.100.0/24 via "$CLI4"
in_srv ip route add 198.18.0.0/24 via "$CLI4"
mkdir -p "$NETNS_ETC"
printf 'nameserver %s\noptions timeout:2 attempts:2\n' "$DNS4" >"$NETNS_ETC/resolv.conf"

export RUN_DIR
dirnet_for() { grep '"method":"DIRNET"' "$RUN_DIR/events.json" | grep "\"dest_ip\":\"$1\""; }
export -f dirnet_for
wait_dirnet() { wait_until 3 dirnet_for "$1"; }
# a TCP flow's verdict waits a moment for its ClientHello: before checking
# that something was NOT reported, every verdict is out
dirnet_idle() { mw dirnet baseline -j | grep -q '"waiting": *0[,}]'; }
dirnet_sync() { agent_sync && wait_until 5 dirnet_idle; }

# the "internet": web servers, an sshd, a DNS server, and a host that
# connects to a web server on the protected host
bg_cli python3 -m http.server --bind 0.0.0.0 80 --directory "$RUN_DIR" >/dev/null 2>&1
bg_srv python3 -m http.server --bind "$SRV4" 8080 --directory "$RUN_DIR" >/dev/null 2>&1
bg_cli dnsmasq --no-daemon --no-resolv --no-hosts --listen-address="$DNS4" --bind-interfaces \
	--address="/api.example.test/$NAMED" --address="/other.example.test/$WEB2" \
	--host-record="edge.cdn.test,$CHAINED" --cname="alias.example.test,edge.cdn.test" \
	--log-queries --log-facility="$RUN_DIR/dnsmasq.log" 2>>"$RUN_DIR/dnsmasq.log"
mkdir -p "$RUN_DIR/sshd" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$RUN_DIR/sshd/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$RUN_DIR/sshd/client_key"
printf 'ListenAddress %s\nHostKey %s\nAuthorizedKeysFile %s\nStrictModes no\nUsePAM no\nPidFile none\n' \
	$SSHD "$RUN_DIR/sshd/host_key" "$RUN_DIR/sshd/authorized_keys" >"$RUN_DIR/sshd/config"
bg_cli /usr/sbin/sshd -D -f "$RUN_DIR/sshd/config" -E "$RUN_DIR/sshd/log"
wait_listening cli tcp 22
wait_listening cli udp 53

# the agent runs through nsenter and reads the machine's resolv.conf: the
# test's resolver is given in the config, as for a local forwarder's upstream
cat >"$RUN_DIR/dirnet.conf" <<EOF
[dirnet]
learn = 0
allow = $ALLOWED:443, $DNS4, $MUTE, api.example.test, alias.example.test
[blacklist]
resolvers = $DNS4, $MUTE
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
connect80() { # ADDR: a TCP connection from the host to ADDR:80, 2 s at most
	in_srv python3 -c "import socket, sys; s=socket.socket(); s.settimeout(2)
try: s.connect((sys.argv[1], 80))
except OSError: pass" "$1"
}
dirnet_resolved() { mw dirnet baseline -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["resolved"])'; }
dns_answered() { mw blacklist list -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["dns"]["answered"])'; }
answered_above() { [ "$(dns_answered)" -gt "$1" ]; }
# the host resolves the allowed name as any program would (glibc, through
# its resolv.conf and the real dnsmasq), then connects to what it got
in_srv getent ahostsv4 api.example.test >"$RUN_DIR/getent1"
check "the host resolves api.example.test through dnsmasq" grep -q "^$NAMED " "$RUN_DIR/getent1"
connect80 $NAMED
# an allowed name whose answer is a CNAME chain (alias -> edge.cdn.test)
in_srv getent ahostsv4 alias.example.test >"$RUN_DIR/getent2"
check "alias.example.test resolves through a CNAME" grep -q "^$CHAINED " "$RUN_DIR/getent2"
connect80 $CHAINED
in_cli curl -s -o /dev/null --max-time 3 "http://$SRV4:8080/"
dirnet_sync # the connections above are read: a report would be out
check_fails "an allowed address and port: quiet" bash -c "dirnet_for $ALLOWED"
check_fails "the allowed DNS server: quiet" bash -c "dirnet_for $DNS4"
check_fails "an allowed name (api.example.test, via dnsmasq): quiet" bash -c "dirnet_for $NAMED"
check_fails "an allowed name's CNAME chain end: quiet" bash -c "dirnet_for $CHAINED"
check "the answers were verified (matched to the host's queries)" test "$(dns_answered)" -ge 2
check_eq "DIRNET holds the two allowed names' addresses" "$(dirnet_resolved)" 2
check_fails "answers to an inbound connection: quiet" bash -c "dirnet_for $CLI4"

# answers the host never asked for, from the allowed resolver's address,
# to random ports with random IDs, naming an allowed name: they teach nothing
cat >"$RUN_DIR/forge_dns.py" <<'PY'
import random, sys
from scapy.all import IP, UDP, DNS, DNSQR, DNSRR, send, conf
conf.verb = 0
src, dst, name, addr = sys.argv[1:5]
sent = 0
for _ in range(50):
    send(IP(src=src, dst=dst) / UDP(sport=53, dport=random.randint(1024, 65535)) /
         DNS(id=random.randint(0, 65535), qr=1, aa=1, rd=1, ra=1, qd=DNSQR(qname=name),
             an=DNSRR(rrname=name, type="A", ttl=86400, rdata=addr)))
    sent += 1
print("sent", sent)
PY
in_cli "$SCAPY" "$RUN_DIR/forge_dns.py" $DNS4 "$SRV4" api.example.test $FORGED >"$RUN_DIR/scapy.out" 2>&1
check "scapy forged 50 answers: api.example.test is $FORGED" grep -q "sent 50" "$RUN_DIR/scapy.out"
# a real lookup after them: once it is verified, the forgeries were read too
answered=$(dns_answered)
in_srv getent ahostsv4 api.example.test >/dev/null
wait_until 5 answered_above "$answered"
check "a later real lookup is verified" test "$(dns_answered)" -gt "$answered"
check_eq "the forged answers taught DIRNET nothing" "$(dirnet_resolved)" 2

# forgeries on the host's own DNS flows, which the datapath does copy: the
# host asked dnsmasq for other.example.test from port 45353 (answered), and
# asked its mute resolver for www.example.test from port 45354 (waiting)
in_srv python3 -c "
import socket, struct, sys
def ask(server, port, qid, name):
    q = struct.pack('>HHHHHH', qid, 0x0100, 1, 0, 0, 0) + b''.join(bytes([len(l)]) + l.encode() for l in name.split('.')) + b'\0' + struct.pack('>HH', 1, 1)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('0.0.0.0', port)); u.settimeout(1)
    u.sendto(q, (server, 53))
    try: return u.recv(512)
    except OSError: return b''
print(len(ask(sys.argv[1], 45353, 0x1111, 'other.example.test')), len(ask(sys.argv[2], 45354, 0x2222, 'www.example.test')))
" $DNS4 $MUTE >"$RUN_DIR/asked"
check "dnsmasq answered the first query, the mute resolver not the second" grep -Eq '^[1-9][0-9]* 0$' "$RUN_DIR/asked"
answered=$(dns_answered)
cat >"$RUN_DIR/forge_tuple.py" <<'PY'
import random, sys
from scapy.all import IP, UDP, DNS, DNSQR, DNSRR, send, conf
conf.verb = 0
host, dns, mute, tuple_addr, extra_addr = sys.argv[1:6]
def answer(src, dport, qid, qname, an, ar=None):
    send(IP(src=src, dst=host) / UDP(sport=53, dport=dport) /
         DNS(id=qid, qr=1, aa=1, rd=1, ra=1, qd=DNSQR(qname=qname), an=an, ar=ar))
# an on-path forger answers the waiting query exactly (flow, ID, question;
# first, while it waits) and slips a record for an allowed name into the
# answer section, beside the chain
answer(mute, 45354, 0x2222, "www.example.test",
       DNSRR(rrname="www.example.test", type="A", ttl=300, rdata=mute) /
       DNSRR(rrname="api.example.test", type="A", ttl=86400, rdata=extra_addr))
# on the answered flow: the consumed ID again, then random IDs
bad = DNSRR(rrname="api.example.test", type="A", ttl=86400, rdata=tuple_addr)
answer(dns, 45353, 0x1111, "api.example.test", bad)
answer(dns, 45353, 0x1111, "other.example.test",
       DNSRR(rrname="other.example.test", type="A", ttl=86400, rdata=tuple_addr) / bad)
for _ in range(20):
    answer(dns, 45353, random.randint(0, 65535), "api.example.test", bad)
print("sent")
PY
in_cli "$SCAPY" "$RUN_DIR/forge_tuple.py" "$SRV4" $DNS4 $MUTE $FORGED_TUPLE $FORGED_EXTRA \
	>"$RUN_DIR/scapy2.out" 2>&1
check "scapy forged answers on the host's own DNS flows" grep -q sent "$RUN_DIR/scapy2.out"
wait_until 5 answered_above "$answered"
check_eq "the on-path forger's exact answer, and only it, is verified" "$(dns_answered)" $((answered + 1))
answered=$(dns_answered)
in_srv getent ahostsv4 api.example.test >/dev/null
wait_until 5 answered_above "$answered"
check "a later real lookup is verified" test "$(dns_answered)" -gt "$answered"
check_eq "the forgeries on the host's flows taught DIRNET nothing" "$(dirnet_resolved)" 2
connect80 $NAMED
connect80 $FORGED
connect80 $FORGED_TUPLE
connect80 $FORGED_EXTRA
check "a forged answer allows nothing: $FORGED raises DIRNET" wait_dirnet $FORGED
check "as a destination no rule expects" \
	bash -c "dirnet_for $FORGED | grep -q '\"reason\":\"not an expected destination\"'"
check "an answer on the host's flow with a wrong or spent ID allows nothing: $FORGED_TUPLE raises DIRNET" \
	wait_dirnet $FORGED_TUPLE
check "a record off the question's CNAME chain allows nothing: $FORGED_EXTRA raises DIRNET" \
	wait_dirnet $FORGED_EXTRA
check_fails "the real address, connected to just before, stays allowed" \
	bash -c "dirnet_for $NAMED"

# --- many new destinations in a minute ---------------------------------------
in_srv python3 -c "
import socket
for i in range(25):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b'x', ('198.18.0.%d' % (10 + i), 7000)); s.close()"
check_within 3 "25 new destinations in a minute: the first is medium" \
	bash -c "grep '\"method\":\"DIRNET\"' '$RUN_DIR/events.json' | grep '\"dest_ip\":\"198.18.0.10\"' | grep -q '\"severity\":\"medium\"'"
check_within 3 "the later ones are high" \
	bash -c "grep '\"method\":\"DIRNET\"' '$RUN_DIR/events.json' | grep '\"dest_ip\":\"198.18.0.34\"' | grep -q '\"severity\":\"high\"'"

# --- learning, baseline, restart ---------------------------------------------
stop_agent
rm -f "$RUN_DIR/events.json"
printf '[dirnet]\nlearn = 3s\nallow = %s\n' "$DNS4" >"$RUN_DIR/learn.conf"
start_agent -c "$RUN_DIR/learn.conf" || exit 1
check "learning has begun" grep -q "dirnet: learning the host's outbound destinations" "$RUN_DIR/agent.log"
in_srv curl -s -o /dev/null --max-time 3 "http://$WEB/"
dirnet_sync
check_fails "while learning: recorded, not reported" bash -c "dirnet_for $WEB"
check_within 8 "learning ended" grep -q 'dirnet: learning ended' "$RUN_DIR/agent.log"
in_srv curl -s -o /dev/null --max-time 3 "http://$WEB2/"
dirnet_sync
check_fails "after learning: the same /24, port and process stays quiet" bash -c "dirnet_for $WEB2"
in_srv curl -s -o /dev/null --max-time 3 "http://$NEWNET/"
check "a new destination is reported" wait_dirnet $NEWNET
mw dirnet baseline -j >"$RUN_DIR/baseline.json"
check "dirnet baseline shows 203.0.113.0/24 port 80 by curl" \
	bash -c "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if any(e[\"prefix\"]==\"203.0.113.0/24\" and e[\"port\"]==80 and e[\"comm\"]==\"curl\" for e in d[\"destinations\"]) and d[\"learned\"] else 1)' '$RUN_DIR/baseline.json'"
check "the baseline is saved in the state directory" test -s "$RUN_DIR/state/dirnet-baseline.json"
stop_agent
start_agent -c "$RUN_DIR/learn.conf" || exit 1
in_srv curl -s -o /dev/null --max-time 3 "http://$WEB2/"
dirnet_sync
check_fails "after a restart the baseline still speaks: quiet" bash -c "dirnet_for $WEB2"
check_eq "and learning did not start again" "$(grep -c 'learning the host' "$RUN_DIR/agent.log")" 1
check "dirnet learn starts over" mw dirnet learn 1h
mw dirnet baseline -j >"$RUN_DIR/baseline2.json"
check "learning again, baseline empty" \
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d['learning_until'] > 0 and not d['destinations'] else 1)" "$RUN_DIR/baseline2.json"
check_eq "dirnet learn with a bad duration is a usage error" "$(mw dirnet learn soon >/dev/null 2>&1; echo $?)" 2

finish
