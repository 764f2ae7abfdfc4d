#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Slow-drip clients: each connects to a TCP endpoint or a unix socket and
sends a request one byte at a time, a byte every INTERVAL seconds, and
connects again when the server drops it; for SECONDS in all. Prints one
JSON line: connections made, dropped by the server, and answers received
(a drip that got a whole answer means the server waited for it).

usage: drip.py tcp HOST:PORT|unix PATH CLIENTS INTERVAL SECONDS
"""
import json
import socket
import sys
import threading
import time

KIND, WHERE, CLIENTS, INTERVAL, SECONDS = (sys.argv[1], sys.argv[2], int(sys.argv[3]),
                                           float(sys.argv[4]), float(sys.argv[5]))
if KIND == "tcp":
    HOST, PORT = WHERE.rsplit(":", 1)
    REQUEST = b"GET /metrics HTTP/1.1\r\nHost: x\r\nUser-Agent: drip\r\nAccept: */*\r\n\r\n"
else:
    REQUEST = b'{"cmd":"ping","pad":"' + b"x" * 40 + b'"}\n'

stats = {"connections": 0, "dropped": 0, "answered": 0, "bytes_sent": 0}
lock = threading.Lock()
end = time.monotonic() + SECONDS


def connect():
    if KIND == "tcp":
        return socket.create_connection((HOST, int(PORT)), timeout=5)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(WHERE)
    return s


def client():
    while time.monotonic() < end:
        try:
            s = connect()
        except OSError:
            time.sleep(INTERVAL)
            continue
        with lock:
            stats["connections"] += 1
        s.setblocking(False)
        outcome = None
        for i in range(len(REQUEST)):
            if time.monotonic() >= end:
                break
            try:
                s.send(REQUEST[i:i + 1])
                with lock:
                    stats["bytes_sent"] += 1
            except OSError:
                outcome = "dropped"
                break
            time.sleep(INTERVAL)
            try:
                data = s.recv(65536)
                # an answer before the request was whole: the server gave up
                # (an error answer) or closed (b"")
                outcome = "dropped" if not data or i < len(REQUEST) - 1 else "answered"
                break
            except BlockingIOError:
                pass
            except OSError:
                outcome = "dropped"
                break
        if outcome is None and time.monotonic() < end:
            outcome = "answered"  # sent all of it, slowly, and was not dropped
        if outcome:
            with lock:
                stats[outcome] += 1
        s.close()


threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps(stats))
