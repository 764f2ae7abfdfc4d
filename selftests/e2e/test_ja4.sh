#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# JA4 end to end (issue 20), one agent start. TLS "pools" (openssl s_server)
# on the internet side; on the protected host, with no controlling terminal
# (setsid: server processes, as under CI): openssl s_client -noservername
# and Python's ssl client without SNI or ALPN (bare TLS, as XMRig's), and
# curl -k with SNI and ALPN. For each, the JA4 the agent reports (events,
# `minewall flows -j` while the connection is open) equals the one this test
# computes itself from a tcpdump capture of the same connection, with its
# own short JA4 below (not the agent's code). The bare clients raise
# BPATTERNS' no-SNI input; curl's JA4 differs and it gets nothing (false
# positives 0). A ja4 list holding openssl's fingerprint makes its next
# connection a BLACKLIST hit (match ja4), blocked: host-opened, handshake
# seen.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

BARE_OSSL=203.0.113.51 BARE_PY=203.0.113.52 CURL_POOL=203.0.113.53 LISTED=203.0.113.54
PY3=/usr/bin/python3

setup_topology || exit 1
for a in $BARE_OSSL $BARE_PY $CURL_POOL $LISTED; do in_cli ip addr add "$a/32" dev "$CLI_IF"; done
in_srv ip route add 203.0.113.0/24 via "$CLI4"

# the pools: one s_server each (it serves one connection at a time)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj /CN=pool.example -keyout "$RUN_DIR/pool.key" -out "$RUN_DIR/pool.crt" 2>/dev/null
for a in $BARE_OSSL $BARE_PY $CURL_POOL $LISTED; do
	bg_cli sh -c "sleep 60 | exec openssl s_server -accept $a:443 -cert '$RUN_DIR/pool.crt' \
		-key '$RUN_DIR/pool.key' -quiet >/dev/null 2>&1"
done

cat >"$RUN_DIR/minewall.conf" <<EOF
[dict]
block = no
[bpatterns]
bare_tls_min_age = 3s
EOF
start_agent -c "$RUN_DIR/minewall.conf" || exit 1

# what the host sends, as the wire shows it
bg_srv tcpdump -U -n -i "$SRV_IF" -w "$RUN_DIR/hellos.pcap" tcp port 443 2>/dev/null
wait_until 5 test -s "$RUN_DIR/hellos.pcap"

# An independent JA4 (FoxIO's JA4.md, the client part) of each ClientHello
# the host sent in the capture: "REMOTE JA4" lines. JA4 = a_b_c with
# a = "t" + TLS version (highest supported_versions, else the legacy one) +
# "d" with SNI / "i" without + 2-digit cipher count + 2-digit extension
# count (GREASE left out of both) + the first and last character of the
# first ALPN value ("00": none); b = first 12 hex of SHA-256 of the sorted
# cipher codes ("1301,1302,..."); c = the same of the sorted extension
# codes without SNI and ALPN, then "_" and the signature algorithms in the
# order offered.
cat >"$RUN_DIR/ja4.py" <<'PY'
import hashlib, struct, sys
def grease(v): return (v & 0x0f0f) == 0x0a0a and v >> 8 == v & 0xff
def h12(s): return hashlib.sha256(s.encode()).hexdigest()[:12] if s else "000000000000"
def u16(b, i): return struct.unpack(">H", b[i:i + 2])[0]
def ja4(rec):
    hs = rec[5:]
    p = 4 + 2 + 32
    p += 1 + hs[p]
    n = u16(hs, p); ciphers = [u16(hs, p + 2 + i) for i in range(0, n, 2)]; p += 2 + n
    p += 1 + hs[p]
    end = p + 2 + u16(hs, p); p += 2
    exts, sigs, alpn, version, sni = [], [], "", u16(hs, 4), "i"
    while p < end:
        t, l = u16(hs, p), u16(hs, p + 2); d = hs[p + 4:p + 4 + l]; p += 4 + l
        if grease(t): continue
        exts.append(t)
        if t == 0: sni = "d"
        if t == 16: alpn = d[3:3 + d[2]].decode()
        if t == 13: sigs = [u16(d, 2 + i) for i in range(0, u16(d, 0), 2)]
        if t == 43: version = max(u16(d, 1 + i) for i in range(0, d[0], 2) if not grease(u16(d, 1 + i)))
    ciphers = [c for c in ciphers if not grease(c)]
    ver = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3"}.get(version, "00")
    a = "t%s%s%02d%02d%s" % (ver, sni, min(len(ciphers), 99), min(len(exts), 99),
                             alpn[0] + alpn[-1] if alpn else "00")
    b = h12(",".join("%04x" % c for c in sorted(ciphers)))
    e = ",".join("%04x" % x for x in sorted(exts) if x not in (0, 16))
    c = h12(e + ("_" + ",".join("%04x" % s for s in sigs) if sigs else ""))
    return "%s_%s_%s" % (a, b, c)
data = open(sys.argv[1], "rb").read()
off, seen = 24, set()
while off + 16 <= len(data):
    caplen = struct.unpack("<I", data[off + 8:off + 12])[0]
    pkt = data[off + 16:off + 16 + caplen]; off += 16 + caplen
    if len(pkt) < 54 or pkt[12:14] != b"\x08\x00": continue
    ip = pkt[14:]; ihl = (ip[0] & 15) * 4
    if ip[9] != 6: continue
    tcp = ip[ihl:]; pay = tcp[(tcp[12] >> 4) * 4:]
    dst = ".".join(str(x) for x in ip[16:20])
    if len(pay) > 9 and pay[0] == 0x16 and pay[5] == 1 and dst not in seen:
        seen.add(dst)
        print(dst, ja4(pay))
PY
computed() { "$PY3" "$RUN_DIR/ja4.py" "$RUN_DIR/hellos.pcap" | awk -v a="$1" '$1 == a {print $2}'; }
# flow_ja4 REMOTE: the JA4 `minewall flows -j` gives the open flow to REMOTE:443
flow_ja4() {
	mw flows -j | "$PY3" -c '
import json, sys
print(" ".join(f.get("ja4", "") + "/" + f.get("sni", "") for f in json.load(sys.stdin)
               if f["remote_addr"] == sys.argv[1] and f["remote_port"] == 443 and f["state"] == "open"))' "$1"
}
bp_events() { grep '"method":"BPATTERNS"' "$RUN_DIR/events.json" | grep "\"dest_ip\":\"$1\""; }

# the three clients at once, each held open about 8 s, none with a terminal
bg_srv setsid sh -c "sleep 8 | openssl s_client -connect $BARE_OSSL:443 -noservername >/dev/null 2>&1"
bg_srv setsid "$PY3" -c "
import socket, ssl, time
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
s = c.wrap_socket(socket.create_connection(('$BARE_PY', 443)))  # no server_hostname: no SNI
time.sleep(8)"
bg_srv setsid curl -sk --max-time 8 --resolve "pool.example:443:$CURL_POOL" \
	https://pool.example/ -o /dev/null

captured() { [ -n "$(computed "$1")" ]; }
for a in $BARE_OSSL $BARE_PY $CURL_POOL; do wait_until 5 captured "$a"; done
J_OSSL=$(computed $BARE_OSSL) J_PY=$(computed $BARE_PY) J_CURL=$(computed $CURL_POOL)
log "JA4 computed by the test: openssl s_client -noservername $J_OSSL"
log "JA4 computed by the test: python3 ssl (no SNI, no ALPN)   $J_PY"
log "JA4 computed by the test: curl -k (SNI, ALPN)            $J_CURL"
check "the test computed three JA4" test -n "$J_OSSL" -a -n "$J_PY" -a -n "$J_CURL"
check "curl's JA4 differs from the bare clients'" \
	test "$J_CURL" != "$J_OSSL" -a "$J_CURL" != "$J_PY"

# while open: flows -j names each flow's JA4 (and curl's server name)
flow_is() { [ "$(flow_ja4 "$1")" = "$2" ]; } # REMOTE JA4/SNI
check_within 4 "flows -j: openssl's flow has its JA4, no SNI" flow_is $BARE_OSSL "$J_OSSL/"
check_within 2 "flows -j: python's flow has its JA4, no SNI" flow_is $BARE_PY "$J_PY/"
check_within 2 "flows -j: curl's flow has its JA4 and SNI pool.example" \
	flow_is $CURL_POOL "$J_CURL/pool.example"

# after 3 s open: the bare clients are reported, with their JA4 and the input
has_bare() {
	bp_events "$1" | grep '"tls_no_sni_no_alpn"' | grep -q "\"ja4\":\"$2\""
}
check_within 6 "BPATTERNS: openssl -noservername, bare TLS from a server process, its JA4" \
	has_bare $BARE_OSSL "$J_OSSL"
check_within 2 "BPATTERNS: python ssl without SNI/ALPN, its JA4" has_bare $BARE_PY "$J_PY"
alert_only() { ! bp_events "$1" | grep -qv '"action":"alert"' && ! blocked "$1"; }
check "bare TLS alone is an alert, nothing blocked" alert_only $BARE_OSSL
sleep 1 # curl's flow is as old as the others: it would have been judged by now
agent_sync
FP=$(bp_events $CURL_POOL | wc -l)
check_eq "curl with SNI and ALPN: no score (false positives)" "$FP" 0
log "false positives of the benign client (curl): $FP"

# a ja4 list with openssl's fingerprint: its next connection is a hit
printf '# openssl s_client -noservername, as computed by test_ja4\n%s\n' "$J_OSSL" \
	>"$RUN_DIR/fp.ja4"
check "blacklist load of a ja4 list" mw blacklist load "$RUN_DIR/fp.ja4"
check "blacklist test: the fingerprint is listed" mw blacklist test "$J_OSSL"
check_fails "blacklist test: curl's is not" mw blacklist test "$J_CURL"
# (blocked at its ClientHello, the handshake never ends: timeout)
in_srv setsid timeout 3 sh -c "sleep 1 | openssl s_client -connect $LISTED:443 -noservername \
	>/dev/null 2>&1"
bl_hit() {
	grep '"method":"BLACKLIST"' "$RUN_DIR/events.json" | grep "\"dest_ip\":\"$LISTED\"" |
		grep '"match":"ja4"' | grep '"list":"fp"' | grep -q "\"ja4\":\"$J_OSSL\""
}
check_within 4 "BLACKLIST: the listed JA4 (match ja4, list fp, the fingerprint)" bl_hit
check_within 3 "and the pool is blocked (host-opened, handshake seen)" blocked $LISTED
check "blacklist unload" mw blacklist unload fp
finish
