#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# DIRNET's proxies end to end: real proxies on the "internet" (OpenSSH's
# dynamic forwarding, `ssh -D`, for SOCKS4, 4a and 5; tinyproxy for HTTP
# CONNECT) and curl on the protected host asking them for a web server
# behind them. Run as a server process does (no controlling terminal:
# setsid), each request is a DIRNET detection, high, with the protocol, the
# destination requested and the process; the same curl at a terminal
# (script(1) gives it one), a plain GET through the proxy (no tunnel), a
# proxy DIRNET's allow names and a proxy on an internal network are not.
# One agent start; the false positives are counted.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

SOCKS=203.0.113.10 HTTPPROXY=203.0.113.11 ALLOWED=203.0.113.12 WEB=198.51.100.80
INTERNAL=10.99.0.10 # a proxy on the network's own addresses
NETNS_ETC=/etc/netns/$CLI_NS
at_exit rm -rf "$NETNS_ETC"

setup_topology || exit 1
for a in $SOCKS $HTTPPROXY $ALLOWED $WEB $INTERNAL; do in_cli ip addr add "$a/32" dev "$CLI_IF"; done
for n in 203.0.113.0/24 198.51.100.0/24 10.99.0.0/24; do in_srv ip route add $n via "$CLI4"; done
# the proxies resolve the names the host asks for (`ip netns exec` mounts
# this file over /etc/hosts for whatever runs in the internet namespace)
mkdir -p "$NETNS_ETC"
printf '%s web.example.test tty.example.test allowed.example.test internal.example.test\n' \
	$WEB >"$NETNS_ETC/hosts"

# a web server that answers after 0.3 s (1.5 s for tty.example.test): the
# client still runs when the agent reads its request, as any client waiting
# for a page does; a terminal's, were it gone, could not be told from a
# server's (its terminal unknown, it would be reported at medium)
cat >"$RUN_DIR/web.py" <<'PY'
import http.server, sys, time
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(1.5 if self.headers.get("Host", "").startswith("tty.") else 0.3)
        self.send_response(200); self.send_header("Content-Length", "3"); self.end_headers()
        self.wfile.write(b"ok\n")
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer((sys.argv[1], 80), H).serve_forever()
PY
bg_cli /usr/bin/python3 "$RUN_DIR/web.py" $WEB

# SOCKS: ssh -D on the internet host, through its own sshd on loopback
mkdir -p "$RUN_DIR/sshd" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$RUN_DIR/sshd/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$RUN_DIR/sshd/client_key"
cp "$RUN_DIR/sshd/client_key.pub" "$RUN_DIR/sshd/authorized_keys"
printf 'ListenAddress 127.0.0.1\nHostKey %s\nAuthorizedKeysFile %s\nStrictModes no\nUsePAM no\nPidFile none\n' \
	"$RUN_DIR/sshd/host_key" "$RUN_DIR/sshd/authorized_keys" >"$RUN_DIR/sshd/config"
bg_cli /usr/sbin/sshd -D -f "$RUN_DIR/sshd/config" -E "$RUN_DIR/sshd/log"
wait_listening cli tcp 22
bg_cli ssh -N -i "$RUN_DIR/sshd/client_key" "${SSH_CLIENT_OPTS[@]}" -D $SOCKS:1080 \
	-D $ALLOWED:1080 -D $INTERNAL:1080 root@127.0.0.1
# HTTP CONNECT: tinyproxy (every port may be tunnelled: no ConnectPort)
printf 'Port 8888\nListen %s\nTimeout 10\nMaxClients 20\nLogFile "%s"\nPidFile "%s"\n' \
	$HTTPPROXY "$RUN_DIR/tinyproxy.log" "$RUN_DIR/tinyproxy.pid" >"$RUN_DIR/tinyproxy.conf"
bg_cli tinyproxy -d -c "$RUN_DIR/tinyproxy.conf"
wait_listening cli tcp 80
wait_listening cli tcp 1080
wait_listening cli tcp 8888

cat >"$RUN_DIR/proxy.conf" <<EOF
[dirnet]
allow = $ALLOWED:1080
EOF
start_agent -c "$RUN_DIR/proxy.conf" || exit 1

# as a service runs it: a session of its own, no controlling terminal
as_server() { in_srv setsid -w curl -s -o "$RUN_DIR/page" --max-time 5 "$@"; }
# as an administrator types it: script(1) gives it a terminal
at_terminal() { in_srv script -qec "curl -s -o $RUN_DIR/page --max-time 5 $*" /dev/null >/dev/null; }
page_ok() { grep -qx ok "$RUN_DIR/page" && rm -f "$RUN_DIR/page"; }

# proxy_events: one line per DIRNET proxy detection: protocol, command,
# requested, severity, action, dest_ip:port, comm, tty
proxy_events() {
	jq -rR 'fromjson? | select(.method == "DIRNET" and .detail.proxy) |
		[.detail.proxy.protocol, .detail.proxy.command, .detail.proxy.requested,
		 .severity, .action, "\(.dest_ip):\(.dest_port)", .detail.process.comm,
		 .detail.process.tty] | map(tostring) | join(" ")' "$RUN_DIR/events.json"
}
export RUN_DIR
export -f proxy_events
reported() { proxy_events | grep -q "^$1\$"; }
export -f reported

# --- a server process through the proxies: reported -------------------------
as_server --socks5-hostname $SOCKS:1080 http://web.example.test/
check "curl --socks5-hostname through ssh -D fetches the page" page_ok
check_within 3 "SOCKS5 with a name: DIRNET high, the name requested, process curl" \
	reported "socks5 connect web.example.test:80 high alert $SOCKS:1080 curl false"
as_server --socks5 $SOCKS:1080 http://$WEB/
check "curl --socks5 fetches the page" page_ok
check_within 3 "SOCKS5 with an address: the address requested" \
	reported "socks5 connect $WEB:80 high alert $SOCKS:1080 curl false"
as_server --socks4a $SOCKS:1080 http://web.example.test/
check "curl --socks4a fetches the page" page_ok
check_within 3 "SOCKS4a: the name requested" \
	reported "socks4a connect web.example.test:80 high alert $SOCKS:1080 curl false"
as_server --socks4 $SOCKS:1080 http://$WEB/
check "curl --socks4 fetches the page" page_ok
check_within 3 "SOCKS4: the address requested" \
	reported "socks4 connect $WEB:80 high alert $SOCKS:1080 curl false"
as_server -p -x http://$HTTPPROXY:8888 http://web.example.test/
check "curl -p -x through tinyproxy (CONNECT) fetches the page" page_ok
check_within 3 "HTTP CONNECT: the name and port requested" \
	reported "http-connect connect web.example.test:80 high alert $HTTPPROXY:8888 curl false"
evidence_of_all() {
	jq -rR 'fromjson? | select(.detail.proxy) | "\(.detail.evidence) \(.detail.server_process)"' \
		"$RUN_DIR/events.json" | sort -u
}
check_eq "each on evidence the host opened it, handshake seen; a server process" \
	"$(evidence_of_all)" "host-opened, tcp-handshake true"

# a client that hides its request: the SOCKS5 greeting alone, then the
# request one byte first (a lone 05 is nothing the datapath copies), then a
# page through the tunnel; the greeting is reported once the tunnel carried
# data, at medium, no destination known
cat >"$RUN_DIR/split_socks.py" <<'PY'
import socket, sys, time
s = socket.create_connection((sys.argv[1], 1080), timeout=5)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.sendall(b"\x05\x01\x00")
assert s.recv(2) == b"\x05\x00"
name = b"web.example.test"
s.sendall(b"\x05")
time.sleep(0.2)
s.sendall(b"\x01\x00\x03" + bytes([len(name)]) + name + b"\x00\x50")
assert s.recv(10)[:2] == b"\x05\x00"
s.sendall(b"GET / HTTP/1.0\r\nHost: web.example.test\r\n\r\n")
page = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    page += b
sys.exit(0 if page.endswith(b"ok\n") else 1)
PY
check "a SOCKS5 request sent a byte first: the page comes through" \
	in_srv setsid -w /usr/bin/python3 "$RUN_DIR/split_socks.py" $SOCKS
check_within 8 "its greeting alone: DIRNET medium, no destination, the process" \
	reported "socks5 null null medium alert $SOCKS:1080 python3 false"

# --- what is not reported ----------------------------------------------------
peeks() { mw status -j | grep -o '"peeks":[0-9]*' | head -1 | cut -d: -f2; }
peeks_before=$(peeks)
at_terminal --socks5-hostname $SOCKS:1080 http://tty.example.test/
check "curl at a terminal (script) through SOCKS5 fetches the page" page_ok
at_terminal -p -x http://$HTTPPROXY:8888 http://tty.example.test/
check "curl at a terminal through CONNECT fetches the page" page_ok
as_server -x http://$HTTPPROXY:8888 http://$WEB/plain
check "a plain GET through tinyproxy (no tunnel) fetches the page" page_ok
as_server --socks5-hostname $ALLOWED:1080 http://allowed.example.test/
check "a proxy dirnet.allow names fetches the page" page_ok
as_server --socks5-hostname $INTERNAL:1080 http://internal.example.test/
check "a proxy on an internal network fetches the page" page_ok
wait_ended $SOCKS $HTTPPROXY $ALLOWED $INTERNAL
check_fails "at a terminal: not reported" bash -c "proxy_events | grep -q tty.example.test"
check_fails "a plain GET to the proxy: not reported" bash -c "proxy_events | grep -q $WEB:80.*$HTTPPROXY"
check_fails "the allowed proxy: not reported" bash -c "proxy_events | grep -q $ALLOWED"
check_fails "the internal proxy: not reported" bash -c "proxy_events | grep -q $INTERNAL"
# 7: SOCKS5's greeting and request at the terminal, to the allowed and the
# internal proxy, and CONNECT at the terminal (a GET is not copied)
check "the quiet requests were copied to the agent (7 at least)" \
	test "$(($(peeks) - peeks_before))" -ge 7

# the six tunnels a server process opened, nothing else
fp=$(proxy_events | grep -cv -e "^socks5 connect web.example.test:80 " -e "^socks5 connect $WEB:80 " \
	-e "^socks4a connect web.example.test:80 " -e "^socks4 connect $WEB:80 " \
	-e "^http-connect connect web.example.test:80 " -e "^socks5 null null medium ")
log "proxy detections: $(proxy_events | wc -l), false positives: $fp"
check_eq "false positives" "$fp" 0
check_eq "one detection per tunnel" "$(proxy_events | wc -l)" 6
finish
