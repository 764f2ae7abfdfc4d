#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# doh_server.py CERT KEY PORT NAME=ADDR...: a small DNS-over-HTTPS responder
# (RFC 8484): GET /dns-query?dns=BASE64URL and POST /dns-query with an
# application/dns-message body. It answers A queries for the names given
# with their address (TTL 60), AAAA and other types of those names with no
# record, and anything else with NXDOMAIN. One line per query on stdout.
import base64
import http.server
import ssl
import struct
import sys

CERT, KEY, PORT = sys.argv[1], sys.argv[2], int(sys.argv[3])
NAMES = dict(a.split("=", 1) for a in sys.argv[4:])


def qname(msg, off):
    labels = []
    while msg[off]:
        n = msg[off]
        labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    return ".".join(labels).lower(), off + 1


def answer(query):
    qid, flags, qd = struct.unpack(">HHH", query[:6])
    name, end = qname(query, 12)
    qtype, _ = struct.unpack(">HH", query[end:end + 4])
    question = query[12:end + 4]
    rcode, rrs = 0, b""
    if name not in NAMES:
        rcode = 3
    elif qtype == 1:
        rrs = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + bytes(
            int(x) for x in NAMES[name].split("."))
    head = struct.pack(">HHHHHH", qid, 0x8180 | rcode | (flags & 0x0100), 1,
                       1 if rrs else 0, 0, 0)
    print(f"query {name} type {qtype} rcode {rcode}", flush=True)
    return head + question + rrs


class Handler(http.server.BaseHTTPRequestHandler):
    def reply(self, query):
        try:
            body = answer(query)
        except (IndexError, struct.error, ValueError):
            self.send_error(400)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/dns-message")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path, _, qs = self.path.partition("?")
        params = dict(p.split("=", 1) for p in qs.split("&") if "=" in p)
        if path != "/dns-query" or "dns" not in params:
            self.send_error(404)
            return
        dns = params["dns"]
        self.reply(base64.urlsafe_b64decode(dns + "=" * (-len(dns) % 4)))

    def do_POST(self):
        if self.path != "/dns-query":
            self.send_error(404)
            return
        self.reply(self.rfile.read(int(self.headers.get("Content-Length", 0))))

    def log_message(self, *args):
        pass


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(CERT, KEY)
ctx.set_alpn_protocols(["http/1.1"])
srv = http.server.ThreadingHTTPServer(("0.0.0.0", PORT), Handler)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("listening", flush=True)
srv.serve_forever()
