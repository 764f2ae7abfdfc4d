#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench: prints figures measured side by side in one run. A benchmark
# never fails on a number; it fails only when it cannot measure.
set -eu
cd "$(dirname "$0")/../.." || exit 1
BUILD_DIR=${1:-build}

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: must run as root (BPF_PROG_TEST_RUN)" >&2
	exit 1
fi
echo "== machine: $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "== packet path (bench_packets)"
"$BUILD_DIR/selftests/bench/bench_packets" "${MW_BENCH_REPEAT:-1000000}"
echo "== scaling curves (bench_packets --scaling), figures in docs/bench/"
mkdir -p build/bench docs/bench
"$BUILD_DIR/selftests/bench/bench_packets" "${MW_BENCH_SCALING_REPEAT:-300000}" --scaling build/bench
if command -v gnuplot >/dev/null; then
	gnuplot -e "dir='build/bench'; out='docs/bench'" selftests/bench/bench_plot.gp
fi
echo "== the agent: flow-table scans, ring-buffer consumer, memory (bench_agent)"
"$BUILD_DIR/selftests/bench/bench_agent"
MW_BIN=$BUILD_DIR bash selftests/bench/bench_agent_cpu.sh
echo "== real packets on a veth (bench_veth.sh)"
MW_BIN=$BUILD_DIR bash selftests/bench/bench_veth.sh
echo "== flow metering beside softflowd (bench_meter.sh)"
MW_BIN=$BUILD_DIR bash selftests/bench/bench_meter.sh
echo "== ban insertion (bench_nft)"
"$BUILD_DIR/selftests/bench/bench_nft"
echo "== block latency (bench_block.sh)"
MW_BIN=$BUILD_DIR bash selftests/bench/bench_block.sh
echo "== the same hydra attack against minewall, fail2ban and sshguard (bench_peers.sh)"
MW_BIN=$BUILD_DIR bash selftests/bench/bench_peers.sh 2>/dev/null | grep -v '^20[0-9][0-9]-'
