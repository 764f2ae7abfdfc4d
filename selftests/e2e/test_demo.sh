#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make demo: it completes, shows each detection as it happens, and leaves
# nothing behind. The demo builds and removes its own lab; it runs in a
# session of its own, its output kept outside this test's run directory.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

out=$(mktemp /tmp/mw-demo-out.XXXXXX)
MW_BIN=$BIN setsid --wait timeout 120 bash scripts/demo.sh >"$out" 2>&1
rc=$?
check_eq "make demo completes" "$rc" 0
for m in SSHDICT BPATTERNS DIRNET; do
	if grep -q "detection $m" "$out"; then pass "make demo shows $m"; else fail "make demo shows $m"; fi
done
if grep -q '^blocks: .*SSHDICT' "$out"; then pass "make demo shows the blocks in status"; else fail "make demo shows the blocks in status"; fi
check_eq "make demo leaves no namespace behind" "$(ip netns list | grep -c mwdemo)" 0
check_eq "make demo leaves no pinned maps behind" "$(find /sys/fs/bpf -maxdepth 1 -name 'minewall-demo-*' | wc -l)" 0
[ "$rc" -ne 0 ] && tail -30 "$out"
rm -f "$out"
finish
