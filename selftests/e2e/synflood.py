#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Sends TCP SYNs with forged source addresses through an AF_PACKET socket:
the spoofed flood of a test. Each source in SRC (an address, or FIRST-LAST
of one /24) sends COUNT SYNs from cycling ports.

    synflood.py IFACE DST_MAC DST_IP DST_PORT SRC COUNT
"""
import socket
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def syn(dmac, src, dst, sport, dport, seq):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dmac + b"\x02\x00\x00\x00\x00\x66" + b"\x08\x00" + ip + tcp


def main():
    iface, dmac, dst, dport, src, count = sys.argv[1:7]
    dmac = bytes.fromhex(dmac.replace(":", ""))
    if "-" in src:
        first, last = src.split("-")
        base = first.rsplit(".", 1)[0]
        sources = [f"{base}.{i}" for i in range(int(first.rsplit(".", 1)[1]), int(last) + 1)]
    else:
        sources = [src]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    sent = 0
    for i in range(int(count)):
        for a in sources:
            s.send(syn(dmac, socket.inet_aton(a), socket.inet_aton(dst), 1024 + i % 60000,
                       int(dport), 1000 + i))
            sent += 1
    print(sent)


if __name__ == "__main__":
    main()
