#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A real capture (zeek/sshguess.pcap: 11 SSH connections to one server)
# replayed into the datapath with tcpreplay: the flow table must hold every
# TCP conversation that tshark's own conversation statistics list, with the
# same packets and bytes each way.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

CAPTURE=$DATA/pcaps/zeek/sshguess.pcap
SERVER=192.168.56.103

[ -r "$CAPTURE" ] || { fail "capture $CAPTURE is readable"; finish; exit 1; }
setup_topology || exit 1
declare_local "$SERVER"
# the capture is a dictionary attack: detect it, but block nothing, so that
# every packet of it reaches the flow table
printf '[dict]\nblock = no\n' >"$RUN_DIR/replay.conf"
start_agent -c "$RUN_DIR/replay.conf" || exit 1

check "tcpreplay sends the capture" replay_capture "$CAPTURE"
wait_steady 3 packets_seen
mw flows -j >"$RUN_DIR/flows.json"
tshark -r "$CAPTURE" -q -z conv,tcp >"$RUN_DIR/conv.txt" 2>/dev/null

# tshark prints, per conversation: A <-> B, frames and bytes B->A ("<-"),
# frames and bytes A->B ("->"); bytes are whole frames, so take off the
# 14-byte Ethernet header of each to compare with IP-layer bytes.
python3 - "$RUN_DIR/conv.txt" "$RUN_DIR/flows.json" "$SERVER" >"$RUN_DIR/compare.txt" <<'PY'
import json, re, sys
conv_txt, flows_json, server = sys.argv[1:4]
flows = json.load(open(flows_json))
row = re.compile(r"^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+(\d+)\s+(\d+) bytes\s+(\d+)\s+(\d+) bytes")
n = bad = 0
for line in open(conv_txt):
    m = row.match(line)
    if not m:
        continue
    a, pa, b, pb, f_ba, b_ba, f_ab, b_ab = m.groups()
    n += 1
    if a == server:
        local, lport, remote, rport = a, int(pa), b, int(pb)
        out_f, out_b, in_f, in_b = int(f_ab), int(b_ab), int(f_ba), int(b_ba)
    else:
        local, lport, remote, rport = b, int(pb), a, int(pa)
        out_f, out_b, in_f, in_b = int(f_ba), int(b_ba), int(f_ab), int(b_ab)
    want = {"packets_in": in_f, "packets_out": out_f,
            "bytes_in": in_b - 14 * in_f, "bytes_out": out_b - 14 * out_f}
    got = [f for f in flows if f["proto"] == "tcp" and f["local_addr"] == local
           and f["local_port"] == lport and f["remote_addr"] == remote and f["remote_port"] == rport]
    if len(got) != 1:
        print(f"{remote}:{rport} -> {local}:{lport}: {len(got)} flows in the table")
        bad += 1
        continue
    for k, v in want.items():
        if got[0][k] != v:
            print(f"{remote}:{rport}: {k} table {got[0][k]} tshark {v}")
            bad += 1
    if got[0]["initiator"] != "remote":
        print(f"{remote}:{rport}: initiator {got[0]['initiator']}")
        bad += 1
print(f"conversations {n} mismatches {bad}")
sys.exit(1 if bad or n == 0 else 0)
PY
rc=$?
if [ $rc -eq 0 ]; then
	pass "every tshark conversation is in the flow table with the same counts ($(tail -1 "$RUN_DIR/compare.txt"))"
else
	fail "flow table matches tshark's conversations" "$(head -20 "$RUN_DIR/compare.txt")"
fi
check_eq "11 TCP conversations to the server in the table" \
	"$(python3 -c 'import json,sys; print(sum(1 for f in json.load(open(sys.argv[1])) if f["proto"] == "tcp" and f["local_addr"] == sys.argv[2]))' "$RUN_DIR/flows.json" "$SERVER")" 11

finish
