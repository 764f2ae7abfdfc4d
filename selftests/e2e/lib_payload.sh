#!/bin/bash
# shellcheck disable=SC2034 # the scripts' names are for the test that sources this
# SPDX-License-Identifier: GPL-2.0-only
# lib_payload.sh - the clients and servers of test_payload.sh, written to
# $RUN_DIR: a fake pool that answers lines, a client that sends its lines as
# separate segments (each after the previous one's answer), and a TLS client
# whose ClientHello goes out in two segments, cut before its SNI.

# The "internet" side's line server: answers a Stratum login (or a mining.*
# call) with a job, any other line with "OK".
PAYLOAD_POOL=$RUN_DIR/pool.py
cat >"$PAYLOAD_POOL" <<'PY'
import socket, sys, threading
def serve(c):
    try:
        for line in c.makefile("rb"):
            if b'"method":"login"' in line or b"mining." in line:
                c.sendall(b'{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"1","job":{"blob":"0707","job_id":"a","target":"711b0d00"},"status":"OK"}}\n')
            else:
                c.sendall(b"OK\n")
    except OSError:
        pass # the client went, or its pool was blocked
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(512)
open(sys.argv[3], "w").write("up\n")
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY

# ADDR PORT CHUNK...: each CHUNK (Python string escapes allowed) in its own
# segment; one that ends a line waits for its answer ("answer N" printed;
# a blocked pool stops answering, which ends it), another for 0.2 s.
PAYLOAD_LINES=$RUN_DIR/lines.py
cat >"$PAYLOAD_LINES" <<'PY'
import codecs, socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
try:
    for n, chunk in enumerate(sys.argv[3:], 1):
        data = codecs.decode(chunk, "unicode_escape").encode("latin-1")
        s.sendall(data)
        if not data.endswith(b"\n"):
            time.sleep(0.2)
        elif s.recv(4096):
            print("answer", n, flush=True)
    print("answered")
except OSError as e:
    print("cut:", e)
time.sleep(0.5)
PY

# ADDR PORT NAME [FILE]: a TLS handshake with SNI NAME whose ClientHello
# goes out in two send() calls, TCP_NODELAY and 0.3 s apart (or once FILE
# exists), cut 8 bytes before the name (so the first segment holds no SNI).
PAYLOAD_TLS=$RUN_DIR/tls_split.py
cat >"$PAYLOAD_TLS" <<'PY'
import os, socket, ssl, sys, time
addr, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(inc, out, server_hostname=name)
s = socket.create_connection((addr, port), timeout=2)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
try:
    tls.do_handshake()
except ssl.SSLWantReadError:
    pass
hello = out.read()
cut = hello.find(name.encode()) - 8
s.sendall(hello[:cut])
print("hello", len(hello), "bytes, cut at", cut, flush=True)
time.sleep(0.3)
while len(sys.argv) > 4 and not os.path.exists(sys.argv[4]):
    time.sleep(0.1)
s.sendall(hello[cut:])
try:
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            pass
        s.sendall(out.read())
        d = s.recv(65536)
        if not d:
            break
        inc.write(d)
    s.sendall(out.read())
    print("handshake done")
except (OSError, ssl.SSLError) as e:
    print("cut:", e)
time.sleep(0.3)
PY

# ADDR PORT N: N connections, each sending the first 100 bytes of a TLS
# record that claims a 512-byte ClientHello and never the rest; holds them
# 20 s (or until killed).
PAYLOAD_TLS_FLOOD=$RUN_DIR/tls_flood.py
cat >"$PAYLOAD_TLS_FLOOD" <<'PY'
import socket, sys, time
head = bytes([0x16, 3, 1, 2, 0, 1, 0, 1, 0xfc, 3, 3]) + b"\xab" * 89
conns = []
for _ in range(int(sys.argv[3])):
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
    s.sendall(head)
    conns.append(s)
print("sent", len(conns), flush=True)
time.sleep(20)
PY

# payload_metric NAME: the agent's metric line NAME (with its labels).
payload_metric() {
	ip netns exec "$SRV_NS" curl -s --max-time 3 "http://127.0.0.1:$PAYLOAD_METRICS_PORT/metrics" |
		awk -v n="$1" '$1 == n { print $2 }'
}
PAYLOAD_METRICS_PORT=9478

# payload_events METHOD ADDR: the detections of METHOD about ADDR.
payload_events() {
	grep "\"method\":\"$1\"" "$RUN_DIR/events.json" 2>/dev/null | grep "\"dest_ip\":\"$2\""
}
export SRV_NS RUN_DIR PAYLOAD_METRICS_PORT
export -f payload_metric payload_events
