#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""fake_lapi.py - a hostile CrowdSec Local API for test_lapi_hostile.sh.

Usage: fake_lapi.py DIR [PORT]

Listens on every address of its namespace (PORT, default 8080). Before each
request it reads DIR/mode.json, so the test changes its behaviour on the fly:
  prefix  a path prefix the URL carries ("/lapi"): other paths get a 404
  login   ok | notoken | crlf | expired | 401 | 500 | hang
  alerts  ok | 401 | 500 | hang
  stream  ok | hang | trickle | huge | gzipbomb | 500 | 401 | redirect
  redirect_to  where "redirect" sends the client (a URL)
The "ok" stream serves DIR/startup.json to startup=true and DIR/delta.json
once (renamed .sent), an empty delta otherwise. Every request is logged,
one JSON line each, to DIR/requests.log: time, the local address it came
to, method, path, the number of alerts a POST carried and its status.
"""
import json
import os
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 8080
LOCK = threading.Lock()
BOMB = {}
TOKENS = [0]


def mode():
    try:
        with open(os.path.join(DIR, "mode.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def log(rec):
    with LOCK, open(os.path.join(DIR, "requests.log"), "a") as f:
        f.write(json.dumps(rec) + "\n")


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def gzip_bomb():
    """300 MiB of spaces, gzipped once (about 300 KiB on the wire)."""
    if "b" not in BOMB:
        chunk = b" " * (1 << 20)
        c = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip header
        parts = [c.compress(chunk) for _ in range(300)]
        parts.append(c.flush())
        BOMB["b"] = b"".join(parts)
    return BOMB["b"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body, ctype="application/json", extra=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def hang(self):
        # accepts, reads the request, never answers
        time.sleep(600)

    def trickle(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        for _ in range(600):
            self.wfile.write(b" ")
            self.wfile.flush()
            time.sleep(1)

    def huge(self):
        size = 300 << 20
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        self.wfile.write(b'{"new": [')
        chunk = b" " * (1 << 20)
        for _ in range(300):
            self.wfile.write(chunk)

    def handle_one(self, method):
        m = mode()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        rec = {"t": time.time(), "to": self.connection.getsockname()[0], "method": method,
               "path": self.path, "ua": self.headers.get("User-Agent", "")}
        prefix = m.get("prefix", "")
        path = self.path
        if not path.startswith(prefix + "/v1/"):
            rec["status"] = 404
            log(rec)
            return self.reply(404, {"message": "no such path"})
        path = path[len(prefix):]
        if method == "POST" and path == "/v1/watchers/login":
            rec["what"] = "login"
            log(rec)
            how = m.get("login", "ok")
            if how == "hang":
                return self.hang()
            if how in ("401", "500"):
                return self.reply(int(how), {"message": "login refused by the fake"})
            if how == "crlf":  # a header smuggled into the next request
                return self.reply(200, {"code": 200, "expire": iso(time.time() + 3600),
                                        "token": "tok\r\nX-Injected: 1"})
            if how == "notoken":
                return self.reply(200, {"code": 200, "expire": iso(time.time() + 3600)})
            TOKENS[0] += 1
            exp = time.time() + (-3600 if how == "expired" else 3600)
            return self.reply(200, {"code": 200, "expire": iso(exp),
                                    "token": "tok-%d" % TOKENS[0]})
        if method == "POST" and path == "/v1/alerts":
            rec["what"] = "alerts"
            try:
                rec["n"] = len(json.loads(body))
            except ValueError:
                rec["n"] = -1
            rec["auth"] = self.headers.get("Authorization", "")
            rec["injected"] = "X-Injected" in self.headers
            how = m.get("alerts", "ok")
            rec["status"] = {"ok": 201}.get(how, how)
            log(rec)
            if how == "hang":
                return self.hang()
            if how in ("401", "500"):
                return self.reply(int(how), {"message": "alerts refused by the fake"})
            return self.reply(201, [str(i) for i in range(rec["n"])])
        if method == "GET" and path.startswith("/v1/decisions/stream"):
            rec["what"] = "stream"
            log(rec)
            how = m.get("stream", "ok")
            if how == "hang":
                return self.hang()
            if how == "trickle":
                return self.trickle()
            if how == "huge":
                return self.huge()
            if how == "gzipbomb":
                return self.reply(200, gzip_bomb(), extra={"Content-Encoding": "gzip"})
            if how in ("401", "500"):
                return self.reply(int(how), {"message": "stream refused by the fake"})
            if how == "redirect":
                return self.reply(302, b"", extra={"Location": m.get("redirect_to", "")})
            data = b'{"new": null, "deleted": null}'
            name = os.path.join(DIR, "startup.json" if "startup=true" in path else "delta.json")
            try:
                with open(name, "rb") as f:
                    data = f.read()
                if name.endswith("delta.json"):
                    # a delta is sent once, as the LAPI does
                    os.rename(name, name + ".sent")
            except OSError:
                pass
            return self.reply(200, data)
        rec["status"] = 404
        log(rec)
        return self.reply(404, {"message": "no such path"})

    def do_GET(self):
        try:
            self.handle_one("GET")
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_POST(self):
        try:
            self.handle_one("POST")
        except (BrokenPipeError, ConnectionResetError):
            pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # the agent hangs up on a hostile answer: that is the point
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


if __name__ == "__main__":
    Server(("0.0.0.0", PORT), Handler).serve_forever()
