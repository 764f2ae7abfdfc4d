#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Time from a block request to the block being in force: `minewall block`
# asks the agent over its control socket; the agent writes the XDP map and
# commits the nft transaction before it answers, so the round trip bounds
# request-to-enforcement from above. Printed as median and p99 of 50.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

setup_topology || exit 1
printf '[enforce]\nmax_blocks = 1000\n' >"$RUN_DIR/bench.conf"
start_agent -c "$RUN_DIR/bench.conf" -q || exit 1
: >"$RUN_DIR/lat"
for i in $(seq 1 50); do
	t0=$(date +%s%N)
	mw block "198.51.100.$i" --timeout 1h >/dev/null || echo "block failed" >&2
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000)) >>"$RUN_DIR/lat"
done
sort -n "$RUN_DIR/lat" | awk '{ v[NR] = $1 } END {
	printf "block request to block in force (minewall block round trip, 50 runs): median %.2f ms, p99 %.2f ms\n",
		v[int((NR + 1) / 2)] / 1000, v[int(NR * 0.99 + 0.5)] / 1000 }'
# the first packet of a blocked source is dropped in XDP
mw block $CLI4 --timeout 1h >/dev/null
in_cli ping -c 1 -W 1 -q $SRV4 >/dev/null 2>&1
echo "first packet after the block: $(mw status -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["block_drops"])') dropped in XDP"
