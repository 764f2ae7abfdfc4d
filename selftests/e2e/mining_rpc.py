#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""The other side of test_mining_rpc.sh: nodes and WebSocket pools on the
"internet", and the protected host's WebSocket clients.

    mining_rpc.py serve READY_FILE NAME=ADDR:PORT...
        nodes "btc" (bitcoind's JSON-RPC at /: getblocktemplate, submitblock,
        getblockchaininfo, eth_blockNumber) and "xmr" (monerod's /json_rpc:
        get_block_template, get_info); WebSocket servers "wspool" (answers
        mining.subscribe / login, then pushes a job), "wspush" (its 101 reply
        and a mining.notify in one segment), "wschat" (echoes chat JSON)
    mining_rpc.py ws ADDR PORT JSON
        a minimal RFC 6455 client: the upgrade, JSON in one masked text
        frame, what comes back read for a few seconds
"""
import base64
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Node(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        m = req.get("method")
        if m == "getblocktemplate":
            res = {"version": 536870912, "previousblockhash": "00" * 32, "transactions": [],
                   "coinbasevalue": 312500000, "bits": "17034219", "height": 900000}
        elif m == "get_block_template":
            res = {"blocktemplate_blob": "1010" * 40, "blockhashing_blob": "1010" * 19,
                   "difficulty": 283305047039, "height": 3300000, "status": "OK"}
        elif m in ("getblockchaininfo", "get_info"):
            res = {"chain": "main", "blocks": 900000}
        elif m == "eth_blockNumber":
            res = "0x4b7"
        else:
            res = None
        body = json.dumps({"result": res, "error": None, "id": req.get("id")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def frame(payload, key=None):
    """A text frame (FIN) of @payload, masked by @key when given."""
    n = len(payload)
    mask = 0x80 if key else 0
    head = bytes([0x81, mask | n]) if n < 126 else bytes([0x81, mask | 126]) + struct.pack(">H", n)
    if key:
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        head += key
    return head + payload


def read_frame(f):
    """The payload of the next frame read from file @f (unmasked), or None."""
    h = f.read(2)
    if len(h) < 2:
        return None
    n = h[1] & 0x7f
    if n == 126:
        n = struct.unpack(">H", f.read(2))[0]
    elif n == 127:
        n = struct.unpack(">Q", f.read(8))[0]
    key = f.read(4) if h[1] & 0x80 else None
    data = f.read(n)
    return bytes(b ^ key[i % 4] for i, b in enumerate(data)) if key else data


def ws_accept(c):
    """Reads the client's upgrade; returns the 101 reply to send."""
    f = c.makefile("rb")
    key = ""
    for line in iter(f.readline, b"\r\n"):
        if not line:
            return None, f
        name, _, value = line.decode().partition(":")
        if name.lower() == "sec-websocket-key":
            key = value.strip()
    acc = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
    return (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + acc.encode() + b"\r\n\r\n"), f


NOTIFY = b'{"id":null,"method":"mining.notify","params":["1","' + b"ab" * 32 + b'","01","02",[],"20000000","1d00ffff","5f5e1000",true]}'


def ws_server(kind, c):
    reply, f = ws_accept(c)
    if reply is None:
        return
    if kind == "wspush":
        c.sendall(reply + frame(NOTIFY))  # the first frame in the 101's segment
        time.sleep(10)
        return
    c.sendall(reply)
    while True:
        msg = read_frame(f)
        if msg is None:
            return
        req = json.loads(msg)
        if kind == "wschat":
            c.sendall(frame(json.dumps({"type": "chat", "from": "bob", "text": "hi " + req.get("text", "")}).encode()))
        elif req.get("method") == "mining.subscribe":
            c.sendall(frame(b'{"id":1,"result":[[["mining.notify","ae68"]],"08000002",4],"error":null}'))
            c.sendall(frame(NOTIFY))


def serve(ready, specs):
    for spec in specs:
        name, _, addr = spec.partition("=")
        host, _, port = addr.rpartition(":")
        if name in ("btc", "xmr"):
            srv = ThreadingHTTPServer((host, int(port)), Node)
            threading.Thread(target=srv.serve_forever, daemon=True).start()
            continue
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, int(port)))
        s.listen(8)

        def loop(s=s, name=name):
            while True:
                c, _ = s.accept()
                threading.Thread(target=ws_server, args=(name, c), daemon=True).start()
        threading.Thread(target=loop, daemon=True).start()
    open(ready, "w").write("up\n")
    time.sleep(120)


def ws_client(addr, port, msg):
    s = socket.create_connection((addr, int(port)), timeout=3)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET /ws HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (addr, port, key)).encode())
    f = s.makefile("rb")
    status = f.readline()
    if b" 101 " not in status:
        sys.exit("no upgrade: %r" % status)
    while f.readline() not in (b"\r\n", b""):
        pass
    if msg:
        s.sendall(frame(msg.encode(), key=os.urandom(4)))
    try:
        for data in iter(lambda: read_frame(f), None):
            print(data.decode(errors="replace"), flush=True)
    except OSError:
        pass  # blocked, or the server quiet: the exchange is over
    time.sleep(5)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3:])
    else:
        ws_client(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "")
