#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Compares one flow of `minewall flows -j` with what tshark reads from a
capture of the same traffic: packets and IP-layer bytes in each direction.

usage: flowcheck.py CAPTURE FLOWS_JSON PROTO LOCAL_ADDR LOCAL_PORT REMOTE_ADDR REMOTE_PORT
Prints one line per mismatch; exit status 0 when everything matches."""
import ipaddress
import json
import subprocess
import sys


def norm(addr):
    return str(ipaddress.ip_address(addr))


def capture_counts(capture, proto, local, lport, remote, rport):
    fields = ["ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "ip.len", "ipv6.plen",
              f"{proto}.srcport", f"{proto}.dstport"]
    cmd = ["tshark", "-r", capture, "-T", "fields", "-E", "separator=,"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    counts = {"packets_in": 0, "packets_out": 0, "bytes_in": 0, "bytes_out": 0}
    for line in out.splitlines():
        s4, d4, s6, d6, len4, plen6, sport, dport = line.split(",")[:8]
        src, dst = (s4, d4) if s4 else (s6, d6)
        if not src or not sport:
            continue
        size = int(len4) if len4 else int(plen6) + 40
        key = (norm(src), int(sport), norm(dst), int(dport))
        if key == (local, lport, remote, rport):
            counts["packets_out"] += 1
            counts["bytes_out"] += size
        elif key == (remote, rport, local, lport):
            counts["packets_in"] += 1
            counts["bytes_in"] += size
    return counts


def main():
    capture, flows_json, proto, local, lport, remote, rport = sys.argv[1:8]
    local, remote, lport, rport = norm(local), norm(remote), int(lport), int(rport)
    with open(flows_json) as f:
        flows = json.load(f)
    match = [fl for fl in flows
             if fl["proto"] == proto and norm(fl["local_addr"]) == local
             and fl["local_port"] == lport and norm(fl["remote_addr"]) == remote
             and fl["remote_port"] == rport]
    if len(match) != 1:
        print(f"expected one flow {proto} {local}:{lport} <-> {remote}:{rport}, found {len(match)}")
        return 1
    want = capture_counts(capture, proto, local, lport, remote, rport)
    bad = 0
    for k, v in want.items():
        if match[0][k] != v:
            print(f"{k}: flow table {match[0][k]}, capture {v}")
            bad += 1
    if want["packets_in"] + want["packets_out"] == 0:
        print("the capture holds no packet of this flow")
        bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
