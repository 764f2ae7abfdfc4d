#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A slow SSH password guesser (paramiko) that, after each wrong password,
injects into its own connection what would reset or replace the server's
record of it: a RST just past its sequence (in the window, not exact), a RST
far outside the window, and a SYN on the same 5-tuple (scapy, same source
address and port). The server's kernel ignores all three (a challenge ACK at
most); a tracker that took them would lose the connection.

    inject_ssh.py SERVER CLIENT_ADDR IFACE MAX_TRIES GAP_S INJECT(0|1)

Prints the number of passwords sent. Stops at MAX_TRIES, or when the server
stops answering (blocked).
"""
import socket
import sys
import threading
import time

import paramiko
from scapy.all import IP, TCP, AsyncSniffer, conf, send

conf.verb = 0


def inject(srv, cli, lport, last):
    """RST off by 1000, RST 5 MB ahead, SYN: all on the live 5-tuple."""
    nxt = last[TCP].seq + len(last[TCP].payload)
    for flags, seq in (("R", nxt + 1000), ("R", nxt + 5000000), ("S", nxt + 77777)):
        send(IP(src=cli, dst=srv) /
             TCP(sport=lport, dport=22, flags=flags, seq=seq & 0xFFFFFFFF))


def main():
    srv, cli, iface, max_tries, gap, do_inject = sys.argv[1:7]
    max_tries, gap, do_inject = int(max_tries), float(gap), do_inject == "1"
    tries = 0
    deadline = time.time() + 60
    while tries < max_tries and time.time() < deadline:
        try:
            s = socket.create_connection((srv, 22), timeout=4, source_address=(cli, 0))
        except OSError:
            break  # blocked: the SYN is dropped
        lport = s.getsockname()[1]
        last = {}
        listening = threading.Event()
        sniffer = AsyncSniffer(iface=iface, store=False,
                               lfilter=lambda p: TCP in p and p[TCP].sport == lport,
                               prn=lambda p: last.__setitem__("p", p),
                               started_callback=listening.set)
        sniffer.start()
        listening.wait(3)  # its socket is open: no segment is missed
        t = paramiko.Transport(s)
        t.banner_timeout = t.auth_timeout = 4
        try:
            t.start_client(timeout=4)
            while tries < max_tries and time.time() < deadline:
                asked = time.time()
                try:
                    t.auth_password("nobody", "wrong-%d" % tries)
                except paramiko.AuthenticationException:
                    if time.time() - asked >= t.auth_timeout - 0.5:
                        print(tries)  # no answer: blocked, stop here
                        return
                tries += 1
                time.sleep(0.1)
                if do_inject and "p" in last:
                    inject(srv, cli, lport, last["p"])
                time.sleep(gap)
        except (paramiko.SSHException, OSError, EOFError):
            pass  # sshd's MaxAuthTries, or the block: try a new connection
        finally:
            t.close()
            sniffer.stop()
    print(tries)


if __name__ == "__main__":
    main()
