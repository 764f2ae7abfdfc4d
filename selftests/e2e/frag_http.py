#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""An HTTP client written in scapy whose every request leaves as two IP
fragments: the first holds the TCP header and nothing else, the second the
whole request. One kept-alive connection; each request carries HTTP basic
credentials, "admin:PASSWORD-PREFIXn" for n = 1, 2, ... The client's own
kernel knows nothing of the connection: the caller keeps it quiet (an nft
rule dropping its RSTs).

    frag_http.py SERVER PORT CLIENT_ADDR IFACE MAX_TRIES PASSWORD

PASSWORD: used as is when it does not end in "-", else numbered. Prints the
status codes received, one a line; stops at MAX_TRIES, or when the server
stops answering (blocked).
"""
import base64
import random
import re
import sys
import threading
import time

from scapy.all import IP, TCP, Raw, AsyncSniffer, conf, send

conf.verb = 0


class Conn:
    def __init__(self, srv, port, cli, iface):
        self.srv, self.port, self.cli = srv, port, cli
        self.sport = random.randint(20000, 60000)
        self.seq = random.randint(0, 2**32 - 1)
        self.rcv = None
        self.data = {}  # server's payload by sequence number
        self.ipid = random.randint(1, 60000)
        listening = threading.Event()
        self.sniffer = AsyncSniffer(
            iface=iface, store=False,
            lfilter=lambda p: TCP in p and IP in p and p[IP].src == srv and
            p[TCP].sport == port and p[TCP].dport == self.sport,
            prn=self.on_packet, started_callback=listening.set)
        self.sniffer.start()
        listening.wait(3)  # its socket is open: no answer is missed
        self.synack = None

    def on_packet(self, p):
        t = p[TCP]
        if t.flags & 0x12 == 0x12:
            self.synack = p
        elif len(t.payload):
            self.data[t.seq] = bytes(t.payload)

    def tcp(self, flags, payload=b""):
        # 4 NOPs: a 24-byte header, so that a first fragment (a multiple of
        # 8 bytes) can hold the header and nothing else
        return IP(src=self.cli, dst=self.srv, id=self.ipid) / TCP(
            sport=self.sport, dport=self.port, flags=flags, seq=self.seq, ack=self.rcv or 0,
            window=65535, options=[("NOP", None)] * 4) / payload

    def connect(self):
        send(IP(src=self.cli, dst=self.srv) /
             TCP(sport=self.sport, dport=self.port, flags="S", seq=self.seq, window=65535))
        for _ in range(30):
            if self.synack:
                break
            time.sleep(0.1)
        if not self.synack:
            return False
        self.seq = (self.seq + 1) & 0xFFFFFFFF
        self.rcv = (self.synack[TCP].seq + 1) & 0xFFFFFFFF
        send(self.tcp("A"))
        return True

    def request(self, req):
        """Sends @req as two fragments; returns the reply's status line."""
        self.ipid += 1
        l4 = bytes(self.tcp("PA", req))[20:]  # TCP checksum over the whole segment
        send(IP(src=self.cli, dst=self.srv, id=self.ipid, flags="MF", frag=0, proto=6) /
             Raw(l4[:24]))
        send(IP(src=self.cli, dst=self.srv, id=self.ipid, frag=3, proto=6) / Raw(l4[24:]))
        self.seq = (self.seq + len(req)) & 0xFFFFFFFF
        reply = b""
        for _ in range(40):
            time.sleep(0.1)
            while self.rcv in self.data:
                chunk = self.data.pop(self.rcv)
                reply += chunk
                self.rcv = (self.rcv + len(chunk)) & 0xFFFFFFFF
                send(self.tcp("A"))
            head, sep, body = reply.partition(b"\r\n\r\n")
            m = re.search(rb"Content-Length: (\d+)", head, re.I)
            if sep and m and len(body) >= int(m.group(1)):
                return head.split(b"\r\n")[0].decode(errors="replace")
        return None


def main():
    srv, port, cli, iface, max_tries, password = sys.argv[1:7]
    c = Conn(srv, int(port), cli, iface)
    if not c.connect():
        print("no-connection")
        return
    for n in range(1, int(max_tries) + 1):
        pw = password + str(n) if password.endswith("-") else password
        auth = base64.b64encode(("admin:" + pw).encode()).decode()
        req = ("GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: frag\r\n"
               "Authorization: Basic %s\r\n\r\n" % (srv, auth)).encode()
        status = c.request(req)
        if status is None:
            print("no-answer")
            break
        print(status.split(" ")[1] if " " in status else status, flush=True)
        time.sleep(0.2)
    c.sniffer.stop()


if __name__ == "__main__":
    main()
