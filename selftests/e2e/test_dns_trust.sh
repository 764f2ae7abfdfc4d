#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# DNS learning trusts only the host's own queries. The protected host
# resolves a listed pool name (coinblockerlists list.txt) through a real
# dnsmasq in the "internet" namespace, as any program would (getent, glibc's
# resolver, the namespace's own resolv.conf): the address is learned and
# dropped. Then scapy forges unsolicited DNS answers naming other addresses
# for listed names, from the resolver's address and from another one, with
# random IDs and ports: nothing is learned and those addresses stay
# reachable. `minewall allow` of a learned address lifts its drop at once.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

BL=$DATA/blocklists
DNS4=198.51.100.53     # dnsmasq: the host's resolver
FORGER4=198.51.100.66  # someone else
NAMED4=203.0.113.80    # dnsmasq's answer for la01.supportxmr.com (listed)
MARK4=203.0.113.83     # dnsmasq's answer for pool.supportxmr.com (listed)
FORGED4=203.0.113.81   # a forged answer's address, sent as the resolver
FORGED4B=203.0.113.82  # a forged answer's address, sent by FORGER4
TCP4=203.0.113.84      # dnsmasq's answer for aeon.pool.minergate.com, asked over TCP
POOL6=2001:db8:bad::85 # dnsmasq's AAAA for xmr.pool.minergate.com
SCAPY=/usr/bin/python3 # the distribution's python has scapy

# `ip netns exec` bind-mounts /etc/netns/NS/resolv.conf over /etc/resolv.conf
NETNS_ETC=/etc/netns/$SRV_NS
trap 'rc=$?; rm -rf "$NETNS_ETC"; (exit $rc); cleanup' EXIT

setup_topology || exit 1
for a in $DNS4 $FORGER4 $NAMED4 $MARK4 $FORGED4 $FORGED4B $TCP4; do
	in_cli ip addr add "$a/32" dev "$CLI_IF"
done
in_cli ip addr add "$POOL6/128" dev "$CLI_IF" nodad
in_srv ip route add 203.0.113.0/24 via "$CLI4"
in_srv ip route add 198.51.100.0/24 via "$CLI4"
in_srv ip -6 route add 2001:db8:bad::/48 via "$CLI6"
mkdir -p "$NETNS_ETC"
printf 'nameserver %s\noptions timeout:2 attempts:2\n' "$DNS4" >"$NETNS_ETC/resolv.conf"

# the agent runs through nsenter and reads the machine's resolv.conf: the
# test's resolver is given in the config, as for a local forwarder's upstream
cat >"$RUN_DIR/dns.conf" <<CONF
[blacklist]
lists = $BL/coinblockerlists/list.txt
resolvers = $DNS4
CONF
start_agent -c "$RUN_DIR/dns.conf" || exit 1

bg_cli dnsmasq --no-daemon --no-resolv --no-hosts --listen-address="$DNS4" --bind-interfaces \
	--address="/la01.supportxmr.com/$NAMED4" --address="/pool.supportxmr.com/$MARK4" \
	--address="/aeon.pool.minergate.com/$TCP4" --address="/xmr.pool.minergate.com/$POOL6" \
	--log-queries --log-facility="$RUN_DIR/dnsmasq.log" 2>>"$RUN_DIR/dnsmasq.log"
wait_listening cli udp 53

# listeners that record the connections they accept
bg_cli python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 3333)); s.listen(64)
while True:
    c, a = s.accept(); open(sys.argv[1], "a").write(c.getsockname()[0] + "\n"); c.close()
' "$RUN_DIR/accepted"
connect() { # ADDR: one TCP connection from the host to ADDR:3333, 2 s at most
	in_srv python3 -c '
import socket, sys
s = socket.socket(); s.settimeout(2)
try: s.connect((sys.argv[1], 3333)); print("connected")
except OSError as e: print("failed", e)
' "$1"
}
wait_log() { wait_until 5 grep -q "$1" "$RUN_DIR/agent.log"; } # PATTERN
wait_blocked() { wait_until 3 blocked "$1"; }
learned_now() { mw blacklist list -j | py 'import json,sys; print(json.load(sys.stdin)["learned_now"])'; }

# --- the host's own lookup, through glibc and its resolv.conf --------------
in_srv getent ahostsv4 la01.supportxmr.com >"$RUN_DIR/getent1"
check "the host resolves la01.supportxmr.com through dnsmasq" grep -q "^$NAMED4 " "$RUN_DIR/getent1"
check "the answer to its query is learned" wait_log "learned $NAMED4 for la01.supportxmr.com"
connect "$NAMED4" >"$RUN_DIR/c1"
check "the learned pool is dropped: the connection fails" grep -q failed "$RUN_DIR/c1"
check_fails "the pool never saw it" grep -q "$NAMED4" "$RUN_DIR/accepted"
check "the pool is blocked (the host opened the flow)" wait_blocked "$NAMED4"
check "the detection says its evidence" \
	bash -c "grep '\"dest_ip\":\"$NAMED4\"' '$RUN_DIR/events.json' | grep '\"match\":\"dns\"' | grep -q '\"evidence\":\"host-opened'"

# glibc asks over TCP when told to (RES_OPTIONS=use-vc): the length-prefixed
# query and answer of a TCP flow the host opened
in_srv env RES_OPTIONS=use-vc getent ahostsv4 aeon.pool.minergate.com >"$RUN_DIR/getent_tcp"
check "the host resolves aeon.pool.minergate.com over TCP" grep -q "^$TCP4 " "$RUN_DIR/getent_tcp"
tcp_dns_flow() { # a TCP flow from the host to the resolver's port 53
	mw flows -j | python3 -c '
import json, sys
d = json.load(sys.stdin)
flows = d["flows"] if isinstance(d, dict) else d
sys.exit(0 if any(f["proto"].lower() == "tcp" and f["remote_addr"] == sys.argv[1] and
                  f["remote_port"] == 53 for f in flows) else 1)' "$DNS4"
}
check "the query went over TCP (a TCP flow to the resolver's port 53)" tcp_dns_flow
check "the answer over TCP is learned" wait_log "learned $TCP4 for aeon.pool.minergate.com"
in_srv getent ahostsv6 xmr.pool.minergate.com >"$RUN_DIR/getent6"
check "the host resolves xmr.pool.minergate.com's AAAA" grep -q "^$POOL6 " "$RUN_DIR/getent6"
check "the AAAA is learned" wait_log "learned $POOL6 for xmr.pool.minergate.com"

# --- forged answers: unsolicited, random IDs and ports ---------------------
in_cli "$SCAPY" - "$SRV4" "$DNS4" "$FORGER4" "$FORGED4" "$FORGED4B" <<'PY' >"$RUN_DIR/scapy.out" 2>&1
import random, sys
from scapy.all import IP, UDP, DNS, DNSQR, DNSRR, send, conf
conf.verb = 0
host, resolver, forger, forged, forged_b = sys.argv[1:6]
sent = 0
for src, addr in ((resolver, forged), (forger, forged_b)):
    for name in ("la01.supportxmr.com", "pool.supportxmr.com", "xmr.example.org"):
        for _ in range(20):
            an = DNSRR(rrname=name, type="A", ttl=86400, rdata=addr)
            # a CNAME to a listed name as well, and a listed owner in the additional section
            an = an / DNSRR(rrname=name, type="CNAME", ttl=86400, rdata="la01.supportxmr.com")
            pkt = IP(src=src, dst=host) / UDP(sport=53, dport=random.randint(1024, 65535)) / \
                DNS(id=random.randint(0, 65535), qr=1, aa=1, rd=1, ra=1,
                    qd=DNSQR(qname=name), an=an,
                    ar=DNSRR(rrname="la01.supportxmr.com", type="A", ttl=86400, rdata=addr))
            send(pkt)
            sent += 1
print("sent", sent)
PY
check "scapy sent 120 forged answers" grep -q "sent 120" "$RUN_DIR/scapy.out"
# a real lookup after them: once it is learned, the forgeries were read too
in_srv getent ahostsv4 pool.supportxmr.com >"$RUN_DIR/getent2"
check "a later real lookup is learned" wait_log "learned $MARK4 for pool.supportxmr.com"
check_fails "a forged answer from the resolver's address taught nothing" \
	grep -q "learned $FORGED4 " "$RUN_DIR/agent.log"
check_fails "a forged answer from another address taught nothing" \
	grep -q "learned $FORGED4B " "$RUN_DIR/agent.log"
check_eq "only the four real answers are learned" "$(learned_now)" 4
connect "$FORGED4" >"$RUN_DIR/c2"
check "the address a forger named (as the resolver) stays reachable" grep -q connected "$RUN_DIR/c2"
connect "$FORGED4B" >"$RUN_DIR/c3"
check "the address a forger named (another source) stays reachable" grep -q connected "$RUN_DIR/c3"
check_fails "the first is not blocked" blocked "$FORGED4"
check_fails "nor the second" blocked "$FORGED4B"
check "blacklist test: the forged address is not listed" \
	bash -c "MINEWALL_PIN_PATH=$PIN MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall blacklist test $FORGED4 -j | grep -q '\"listed\":false'"

# --- minewall allow lifts a learned drop at once ---------------------------
check "minewall allow $NAMED4" mw allow "$NAMED4"
connect "$NAMED4" >"$RUN_DIR/c4"
check "the allowed address is reachable at once" grep -q connected "$RUN_DIR/c4"
check "it is no longer in the kernel's tries" \
	bash -c "! MINEWALL_PIN_PATH=$PIN MINEWALL_RUN_DIR=$RUN_DIR/run $BIN/minewall blacklist test $NAMED4 -j | grep -q '\"kernel\"'"
in_srv getent ahostsv4 la01.supportxmr.com >/dev/null
check "a new answer for it says it is never blocked" wait_log "resolves to $NAMED4, which is never blocked"
connect "$NAMED4" >"$RUN_DIR/c5"
check "and it stays reachable" grep -q connected "$RUN_DIR/c5"

finish
