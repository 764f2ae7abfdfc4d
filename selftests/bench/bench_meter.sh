#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Flow metering, CPU per packet: minewall (its XDP and tc programs' run time
# from the kernel's BPF statistics, plus the agent's own CPU) beside
# softflowd (Debian; libpcap on the same interface) on the same replayed
# traffic, in one run. A figure, never a failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
BIN=${MW_BIN:-build}
# shellcheck source=selftests/bench/bench_pair.sh
. selftests/bench/bench_pair.sh mwm
PKTS=${MW_METER_PACKETS:-300000}

# the traffic: UDP packets of 1000 flows, 100 B of payload, as a pcap
python3 - "$DIR/traffic.pcap" "$PKTS" <<'PY'
import struct, sys
path, n = sys.argv[1], int(sys.argv[2])
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
with open(path, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i in range(n):
        flow = i % 1000
        payload = b"m" * 100
        udp = struct.pack("!HHHH", 20000 + flow, 9999, 8 + len(payload), 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0,
                         bytes([198, 51, 100, 1 + flow % 200]), bytes([192, 0, 2, 1]))
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        frame = b"\x02\x00\x00\x00\x00\x01" + b"\x02\x00\x00\x00\x00\x02" + b"\x08\x00" + ip + udp
        f.write(struct.pack("<IIII", i // 1000000, i % 1000000, len(frame), len(frame)) + frame)
PY
# every frame to the monitored interface's address, as the peer would send it
python3 - "$DIR/traffic.pcap" "$MON_MAC" <<'PY'
import sys
path, mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", ""))
d = bytearray(open(path, "rb").read())
pos = 24
while pos < len(d):
    caplen = int.from_bytes(d[pos + 8:pos + 12], "little")
    d[pos + 16:pos + 22] = mac
    pos += 16 + caplen
open(path, "wb").write(d)
PY

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
tick_ns=$((1000000000 / $(getconf CLK_TCK)))
replay() { ip netns exec "$GEN" tcpreplay -q --topspeed -i "$GEN_IF" "$DIR/traffic.pcap" >/dev/null 2>&1; }
# busy CPU time of the whole machine (user, nice, system, irq, softirq, steal):
# a meter's work in softirq context (libpcap's packet tap, XDP) is charged
# to no process of its own, so only the machine's total tells its cost
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
# busy ticks while the traffic is replayed and the meter catches up
replay_busy() {
	local b0 b1
	b0=$(busy)
	replay
	sleep 1
	b1=$(busy)
	echo $((b1 - b0))
}
median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
base=$(median3 "$(replay_busy)" "$(replay_busy)" "$(replay_busy)")

# --- an XDP program that does nothing: what native XDP on a veth costs ----------
# (the veth then copies each frame that lacks XDP headroom: the mode's price,
# which any XDP program pays here; minewall's own cost is above it)
ip netns exec "$MON" xdp-loader load -m native -n bench_empty_xdp "$MON_IF" \
	"$BIN/selftests/bench/bench_gen.bpf.o" >"$DIR/xdp-loader.log" 2>&1
empty_busy=$(median3 "$(replay_busy)" "$(replay_busy)" "$(replay_busy)")
ip netns exec "$MON" xdp-loader unload --all "$MON_IF" >/dev/null 2>&1

# --- softflowd ----------------------------------------------------------------
ip netns exec "$MON" softflowd -d -i "$MON_IF" -n 127.0.0.1:9996 -v 10 -m 65536 \
	-p "$DIR/softflowd.pid" -c "$DIR/softflowd.ctl" >"$DIR/softflowd.log" 2>&1 &
sf=$!
sleep 1
c0=$(cpu_ticks $sf)
sf_busy=$(median3 "$(replay_busy)" "$(replay_busy)" "$(replay_busy)")
c1=$(cpu_ticks $sf)
kill $sf
wait $sf 2>/dev/null
sf_ns=$(( (c1 - c0) * tick_ns / PKTS / 3 ))
sf_total=$(( (sf_busy - base) * tick_ns / PKTS ))

# --- minewall -------------------------------------------------------------------
nsenter --net="/run/netns/$MON" "$BIN/minewalld" -i "$MON_IF" --pin-path "$PIN" --run-dir "$DIR/run" \
	--state-dir "$DIR/state" --events "$DIR/events.json" --status-interval 0 --metrics '' -q \
	>"$DIR/agent.log" 2>&1 &
ag=$!
for _ in $(seq 1 100); do
	MINEWALL_PIN_PATH=$PIN "$BIN/minewall" status -j 2>/dev/null | grep -q '"running":true' && break
	sleep 0.1
done
# the kernel's BPF run-time statistics, on only while this process holds them
python3 - "$DIR" <<'PY' &
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
attr = ctypes.create_string_buffer(128)          # union bpf_attr: enable_stats.type = BPF_STATS_RUN_TIME (0)
fd = libc.syscall(321, 32, attr, 128)            # __NR_bpf, BPF_ENABLE_STATS
open(os.path.join(sys.argv[1], "stats.on"), "w").write(str(fd))
time.sleep(600)
PY
stats=$!
for _ in $(seq 1 50); do [ -f "$DIR/stats.on" ] && break; sleep 0.1; done
prog_ns() { # total run_time_ns of minewall's XDP and tc programs
	bpftool prog show -j | python3 -c '
import json, sys
print(sum(p.get("run_time_ns", 0) for p in json.load(sys.stdin) if p.get("name") in ("mw_xdp_ingress", "mw_tc_egress")))'
}
prog_cnt() {
	bpftool prog show -j | python3 -c '
import json, sys
print(sum(p.get("run_cnt", 0) for p in json.load(sys.stdin) if p.get("name") == "mw_xdp_ingress"))'
}
r0=$(prog_ns)
n0=$(prog_cnt)
a0=$(cpu_ticks $ag)
replay
sleep 2.5 # a flow scan or so
r1=$(prog_ns)
n1=$(prog_cnt)
a1=$(cpu_ticks $ag)
kill $stats 2>/dev/null
wait $stats 2>/dev/null
mw_busy=$(median3 "$(replay_busy)" "$(replay_busy)" "$(replay_busy)")
kill $ag
wait $ag 2>/dev/null
mw_bpf=$(( (r1 - r0) / (n1 - n0 > 0 ? n1 - n0 : 1) ))
mw_agent=$(( (a1 - a0) * tick_ns / PKTS ))

mw_total=$(( (mw_busy - base) * tick_ns / PKTS ))
xdp_mode=$(( (empty_busy - base) * tick_ns / PKTS ))
mw_own=$(( (mw_busy - empty_busy) * tick_ns / PKTS ))

echo "flow metering of $PKTS packets (1000 UDP flows) replayed into a veth, CPU per packet"
echo "(machine-wide busy time with the meter minus without it, median of 3 replays each)"
printf '%-44s %8s\n' "meter" "ns/pkt"
printf '%-44s %8d   (its process alone: %d)\n' "softflowd (libpcap), whole machine" "$sf_total" "$sf_ns"
printf '%-44s %8d   (XDP program by BPF stats: %d; agent process: %d)\n' \
	"minewall (XDP + tc + agent), whole machine" "$mw_total" "$mw_bpf" "$mw_agent"
printf '%-44s %8d\n' "an empty XDP program (veth's native XDP mode)" "$xdp_mode"
printf '%-44s %8d\n' "minewall above the empty XDP program" "$mw_own"
if [ "$sf_total" -gt 0 ]; then
	echo "minewall / softflowd: $(echo "scale=2; $mw_total / $sf_total" | bc)x whole," \
		"$(echo "scale=2; $mw_own / $sf_total" | bc)x above the XDP mode's price (target <= 0.5x)"
fi
