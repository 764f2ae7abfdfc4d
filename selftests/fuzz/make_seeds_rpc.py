#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Writes the seed corpora of fuzz_http_rpc and fuzz_websocket
(selftests/fuzz/corpus/{http_rpc,websocket}/): bfgminer's HTTP POSTs and
their bodies from zeek-cryptomining/bitcoin-mining.pcap (read with tshark),
the requests of bitcoin-cli, xmrig's daemon mode and curl, and WebSocket
frames built as a pool and a miner send them. Run once and commit the
output; the fuzzers only read it.

    /usr/bin/python3 selftests/fuzz/make_seeds_rpc.py [DATA_DIR]
"""
import os
import struct
import sys

from make_seeds import put, tshark

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../data")

REQUESTS = [
    b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic X19jb29raWVfXzp4\r\n"
    b"Content-Length: 71\r\n\r\n"
    b'{"method":"getblocktemplate","params":[{"rules":["segwit"]}],"id":1}\n',
    b"POST /json_rpc HTTP/1.1\r\nHost: 192.0.2.8:18081\r\nContent-Type: application/json\r\n"
    b"Content-Length: 110\r\n\r\n"
    b'{"id":1,"jsonrpc":"2.0","method":"getblocktemplate","params":'
    b'{"wallet_address":"44A","reserve_size":60}}',
    b"POST /json_rpc HTTP/1.0\nContent-Type: application/json\n\n"
    b'{"jsonrpc":"2.0","id":"0","method":"submit_block","params":["0707"]}',
    b"POST / HTTP/1.1\r\nHost: 192.0.2.8:8545\r\nUser-Agent: curl/7.88.1\r\n"
    b"Content-Type: application/json\r\n\r\n"
    b'{"jsonrpc":"2.0","method":"eth_blockNumber","params":[],"id":1}',
]


def frame(payload, opcode=1, fin=True, key=None):
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | opcode])
    mask = 0x80 if key else 0
    if n < 126:
        head += bytes([mask | n])
    elif n < 65536:
        head += bytes([mask | 126]) + struct.pack(">H", n)
    else:
        head += bytes([mask | 127]) + struct.pack(">Q", n)
    if key:
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        head += key
    return head + payload


def main():
    pcap = os.path.join(DATA, "pcaps/zeek-cryptomining/bitcoin-mining.pcap")
    for data in tshark(pcap, 'tcp.payload[0:5] == "POST "', "tcp.payload"):
        put("http_rpc", data[:512])
    for data in REQUESTS:
        put("http_rpc", data[:512])
    key = b"\x11\x22\x33\x44"
    notify = b'{"id":null,"method":"mining.notify","params":["1","ab","01"]}'
    login = (b'{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"4x","pass":"x",'
             b'"agent":"XMRig/6.21.0"}}')
    reply = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
    seeds = [
        frame(notify), frame(login, key=key), reply + frame(notify),
        frame(notify, key=key) + frame(notify, key=key),
        frame(b"{" + b"x" * 300, key=key)[:512], frame(b"{" + b"x" * 70000)[:512],
        frame(login[:20], fin=False) + frame(login[20:], opcode=0),
        frame(b"ping", opcode=9) + frame(notify), frame(notify, opcode=2),
    ]
    for data in seeds:
        put("websocket", data[:512])


if __name__ == "__main__":
    main()
