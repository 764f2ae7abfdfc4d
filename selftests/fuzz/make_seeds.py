#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Writes the fuzzers' seed corpora (selftests/fuzz/corpus/NAME/) from real
third-party data: DNS answers, TLS ClientHellos and Stratum payloads taken
from the captures in selftests/data/pcaps (read with tshark), the first lines of each published
blocklist, the example config, and hand-written control requests. Run once
and commit the output; the fuzzers only read it.

    python3 selftests/fuzz/make_seeds.py [DATA_DIR]
"""
import hashlib
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../data")
OUT = os.path.join(HERE, "corpus")


def put(name, data, limit=200):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    if len(os.listdir(d)) >= limit:
        return
    h = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, h), "wb") as f:
        f.write(data)


def tshark(path, display_filter, field):
    """The payloads (as bytes) of the packets of @path that match."""
    out = subprocess.run(["tshark", "-r", path, "-Y", display_filter, "-T", "fields",
                          "-e", field], capture_output=True, text=True, check=False).stdout
    for line in out.split():
        yield bytes.fromhex(line.replace(":", ""))


def main():
    pcaps = os.path.join(DATA, "pcaps")
    for root, _, files in os.walk(pcaps):
        for fn in sorted(files):
            if not fn.endswith((".pcap", ".pcapng")):
                continue
            path = os.path.join(root, fn)
            for data in tshark(path, "udp.srcport == 53", "udp.payload"):
                put("dns", b"\0" + data)  # first byte: 0 = UDP
                put("dns", b"\1" + struct.pack(">H", len(data)) + data)  # TCP framing
            for data in tshark(path, "tls.handshake.type == 1", "tcp.payload"):
                put("tls", data)
                put("ja4", data)
            for data in tshark(path, "tcp.payload[0] == 7b", "tcp.payload"):
                put("stratum", data[:512])
    lists = os.path.join(DATA, "blocklists")
    for root, _, files in os.walk(lists):
        for fn in sorted(files):
            if fn.endswith(".md"):
                continue
            with open(os.path.join(root, fn), "rb") as f:
                lines = f.read().splitlines(True)
            put("list", b"".join(lines[:60]))
            put("list", b"".join(lines[-60:]))
    with open(os.path.join(HERE, "../../etc/minewall.conf"), "rb") as f:
        conf = f.read()
    put("config", conf)
    put("config", conf.replace(b"\n#", b"\n"))  # every documented default set
    for req in (
        b'{"cmd":"ping"}',
        b'{"cmd":"blocks"}',
        b'{"cmd":"block","prefix":"192.0.2.7","timeout_ms":3600000,"reason":"test"}',
        b'{"cmd":"unblock","prefix":"2001:db8::/64"}',
        b'{"cmd":"allow","prefix":"198.51.100.0/24"}',
        b'{"cmd":"blacklist_test","query":"pool.minexmr.com","port":4444}',
        b'{"cmd":"summary","extra":[1,2,{"x":null}]}',
    ):
        put("control", req)
    # IPFIX: a record count byte for each family, then record bytes
    for n4, n6 in ((1, 0), (0, 1), (3, 2), (24, 24)):
        put("ipfix", bytes([n4, n6]) + bytes(range(256)) * 20)
    # login replies: the local port (2 bytes, big-endian), then the reply
    for port, reply in (
        (80, b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic\r\n"),
        (80, b"HTTP/1.1 200 OK\r\nContent-Length: 512\r\n"),
        (21, b"530 Login incorrect.\r\n"),
        (21, b"230 Login successful.\r\n"),
        (25, b"535 5.7.8 Error: authentication failed\r\n"),
        (110, b"-ERR [AUTH] Authentication failed.\r\n"),
        (110, b"+OK Logged in.\r\n"),
        (143, b"a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"),
        (143, b"a1 OK [CAPABILITY IMAP4rev1] Logged in\r\n"),
        (6379, b"-WRONGPASS invalid username-password pair\r\n"),
        (3306, b"I\x00\x00\x02\xff\x15\x04#28000Access denied for user"),
        (3306, b"\x07\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00"),
        (5432, b"E\x00\x00\x00\x65SFATAL\x00C28P01\x00Mpassword authentication failed"),
    ):
        put("login_reply", struct.pack(">H", port) + reply)
    for name in (b"pool.minexmr.com", b"XMR.Pool.Example.", b"a-b_c.d1.example.org",
                 b"192.0.2.1", b"-bad.example", b"x" * 63 + b".com"):
        put("name", name)
    # proxy requests: a byte whose low bit says the copy is whole, then the
    # client's first message (curl's SOCKS and CONNECT, a cut one)
    for whole, msg in (
        (1, b"CONNECT 203.0.113.80:443 HTTP/1.1\r\nHost: 203.0.113.80:443\r\n\r\n"),
        (1, b"CONNECT [2001:db8::80]:443 HTTP/1.0\r\n\r\n"),
        (0, b"CONNECT pool.example.co"),
        (1, b"\x04\x01\x00\x50\xcb\x00\x71\x50\x00"),
        (1, b"\x04\x01\x00\x50\x00\x00\x00\x01root\x00web.example.test\x00"),
        (1, b"\x05\x02\x00\x02"),
        (1, b"\x05\x01\x00\x03\x10web.example.test\x00\x50"),
        (1, b"\x05\x01\x00\x04" + bytes(15) + b"\x01\x01\xbb"),
        (1, b"\x05\x01\x00\x05\x03\x00\x01\x00\x00\x00\x00\x00\x00"),
        (0, b"\x05\x01\x00\x03\xffpool"),
    ):
        put("proxy", bytes([whole]) + msg)


if __name__ == "__main__":
    main()
