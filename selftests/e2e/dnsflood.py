#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Writes a pcap of forged traffic from port 53, for tcpreplay to send in a
loop at top speed (scapy alone sends a few thousand packets a second; this
writes the frames once, tcpreplay repeats them):

  - DNS answers over UDP to random ports of the host, random IDs, naming
    listed names with A records of FORGED addresses (and a CNAME to the first
    name: for that name, a loop), a third of them from the host's resolver,
    the others from random sources; a tenth over IPv6 from random sources;
  - TCP SYNs from port 53 to random ports (the host answers a RST: each is
    a flow that opens and closes);
  - TCP PA segments from port 53 carrying a length-prefixed DNS answer, in
    no connection.

No frame goes to port 22 (the attack's service: the flood is noise beside
it, not a SYN flood on it). The DNS messages are built by scapy; the headers
by hand, with their checksums, so that 100k frames take a second or two.

With MIX "syn" (default "mixed"), every frame is a SYN from port 53: each
one a flow that opens and closes, the heaviest load on the ring of flow ends.

    dnsflood.py OUT.pcap DST_MAC SRC_MAC DST4 DST6 RESOLVER4 COUNT FORGED,.. NAME,.. [MIX]
"""
import os
import random
import socket
import struct
import sys

from scapy.all import DNS, DNSQR, DNSRR

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from synflood import csum  # noqa: E402 (the one checksum of the e2e helpers)

SOURCES4 = [f"198.51.100.{i}" for i in range(1, 255)] + [f"203.0.113.{i}" for i in range(1, 255)]


def mac(s):
    return bytes.fromhex(s.replace(":", ""))


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def ip6(s):
    return socket.inet_pton(socket.AF_INET6, s)


def answers(forged, names):
    """One DNS answer per listed name; the caller patches its ID."""
    out = []
    for name in names:
        an = None
        for a in forged:
            rr = DNSRR(rrname=name, type="A", ttl=86400, rdata=a)
            an = rr if an is None else an / rr
        an = an / DNSRR(rrname=name, type="CNAME", ttl=86400, rdata=names[0])
        out.append(bytes(DNS(id=0, qr=1, aa=1, rd=1, ra=1, qd=DNSQR(qname=name), an=an)))
    return out


def with_id(msg):
    return struct.pack("!H", random.randint(0, 65535)) + msg[2:]


def l4_csum(pseudo, seg, at):
    c = csum(pseudo + seg) or 0xFFFF
    return seg[:at] + struct.pack("!H", c) + seg[at + 2:]


def frame4(eth, src, dst, proto, seg):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), random.randint(0, 65535), 0,
                      57, proto, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    at = 6 if proto == 17 else 16
    seg = l4_csum(src + dst + struct.pack("!BBH", 0, proto, len(seg)), seg, at)
    return eth + b"\x08\x00" + hdr + seg


def frame6_udp(eth, src, dst, seg):
    seg = l4_csum(src + dst + struct.pack("!I3xB", len(seg), 17), seg, 6)
    hdr = struct.pack("!IHBB16s16s", 6 << 28, len(seg), 17, 57, src, dst)
    return eth + b"\x86\xdd" + hdr + seg


def port():
    """A random port of the host's, never the attack's (22)."""
    return random.randint(1024, 65535)


def main():
    out, dmac, smac, dst4, dst6, resolver, count, forged, names = sys.argv[1:10]
    mix = sys.argv[10] if len(sys.argv) > 10 else "mixed"
    msgs = answers(forged.split(","), names.split(","))
    eth = mac(dmac) + mac(smac)
    d4, d6, res = ip4(dst4), ip6(dst6), ip4(resolver)
    frames = []
    for i in range(int(count)):
        kind = 8 if mix == "syn" else i % 10
        msg = with_id(random.choice(msgs))
        if kind < 6:  # UDP answers: 0-1 from the resolver, 2-5 from anyone
            src = res if kind < 2 else ip4(random.choice(SOURCES4))
            seg = struct.pack("!HHHH", 53, port(), 8 + len(msg), 0) + msg
            frames.append(frame4(eth, src, d4, 17, seg))
        elif kind == 6:  # the same over IPv6, from anyone
            src = ip6("2001:db8:53:%x::%x" % (random.randint(0, 0xFFFF), random.randint(1, 0xFFFF)))
            seg = struct.pack("!HHHH", 53, port(), 8 + len(msg), 0) + msg
            frames.append(frame6_udp(eth, src, d6, seg))
        elif kind < 9:  # SYNs from port 53
            src = res if kind == 7 else ip4(random.choice(SOURCES4))
            seg = struct.pack("!HHIIBBHHH", 53, port(), random.getrandbits(32), 0, 5 << 4, 0x02,
                              64240, 0, 0)
            frames.append(frame4(eth, src, d4, 6, seg))
        else:  # PA segments in no connection: a DNS answer over TCP
            src = res if i % 20 == 9 else ip4(random.choice(SOURCES4))
            seg = struct.pack("!HHIIBBHHH", 53, port(), random.getrandbits(32),
                              random.getrandbits(32), 5 << 4, 0x18, 64240, 0, 0)
            frames.append(frame4(eth, src, d4, 6, seg + struct.pack("!H", len(msg)) + msg))
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", i // 1000000, i % 1000000, len(fr), len(fr)))
            f.write(fr)
    print(len(frames))


if __name__ == "__main__":
    main()
